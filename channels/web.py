"""The web chat: ``python bot.py web [--host 127.0.0.1] [--port 7860]``.

A Gradio app on the same :class:`agent.engine.Agent` as the terminal and Telegram. Each
picture is shown in the chat with its number, prompt, seed and lineage ("refined from
#2"); the reply's actions are clickable options under it (a click sends the command as a
turn about that picture, ``Turn.image_id``); a photo dropped or pasted into the message
box is an :class:`Attachment`. A sidebar holds the conversations (/chats, /new, /open),
the settings of this conversation (sent as ``/settings`` turns) and its pictures as a
lineage tree. Queue position and steps show live while a picture is made; Stop cancels
it (a queued job never starts, a running one stops at its next step).

Users: without ``IMAGECHAT_WEB_USERS`` there is one local user, ``web:local``, and the app
only listens on loopback. With it (``"ann:pw1,bob:pw2"`` or the path of a file of
``user:password`` lines) Gradio asks for a login and each user is ``web:<name>``, with the
agent's ownership checks. Listening beyond loopback without logins is refused (exit 2).
"""

from __future__ import annotations

import argparse
import atexit
import hmac
import ipaddress
import os
import queue
import re
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agent.types import Attachment, Progress, Reply, ReplyImage, Turn
from settings import Settings

USERS_ENV = "IMAGECHAT_WEB_USERS"
LOCAL_USER = "web:local"
_NAME = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
_CHAT_LINE = re.compile(r"^\s*(→\s*)?(\d+)\.\s+(.*)$")
# larger than the agent's own limit (tools.validate.MAX_INPUT_BYTES, 50 MB), so a huge
# picture reaches the agent and gets its message instead of a bare upload error
MAX_UPLOAD = "64mb"
MAX_TEXT = 100_000  # longer pastes still reach the agent, which refuses them in words
PROMPT_SHOWN = 300
RECAP_IMAGES = 12  # pictures shown again when a conversation is opened or the page loads
_LINEAGE = frozenset({"refine", "beautify", "variations", "img2img", "instruct", "restyle"})
SIZES = ["", "256", "384", "512", "640", "768", "1024", "768x512", "512x768"]

Message = dict[str, Any]


class UsageError(ValueError):
    """The web chat cannot start this way (the message says why, in one line)."""


# ----------------------------------------------------------------------------- users
def parse_users(spec: str | None) -> dict[str, str]:
    """``{"ann": "pw"}`` from ``"ann:pw,bob:pw2"`` or from a file of ``user:password``
    lines (``#`` comments and blank lines skipped). Empty/None: no users."""
    if not spec or not spec.strip():
        return {}
    spec = spec.strip()
    path = Path(spec).expanduser()
    if ":" not in spec.split(",")[0] or path.is_file():
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise UsageError(f"{USERS_ENV}: cannot read {path}: {e.strerror or e}") from None
        where = str(path)
    else:
        lines, where = spec.split(","), USERS_ENV
    users: dict[str, str] = {}
    for n, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, password = line.partition(":")
        name = name.strip()
        if not sep or not password or not _NAME.fullmatch(name):
            raise UsageError(f"{where}: entry {n} is not user:password (user names: letters, "
                             "digits, _ . @ -; the password not empty)")
        users[name] = password
    return users


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_listen(host: str, users: dict[str, str]) -> str | None:
    """Why the app must not listen on ``host`` with these users; None when it may."""
    if users or is_loopback(host):
        return None
    return (f"refusing to listen on {host} without logins: anyone on the network could use "
            f"it. Set {USERS_ENV}=user:password[,user2:password2] (or a file of such lines), "
            "or use --host 127.0.0.1")


class Logins:
    """Gradio's auth callable: constant-time password check."""

    def __init__(self, users: dict[str, str]):
        self.users = users

    def __call__(self, name: str, password: str) -> bool:
        expected = self.users.get(name)
        ok = hmac.compare_digest((expected or "").encode(), (password or "").encode())
        return expected is not None and ok


# --------------------------------------------------------------------------- display
def caption(image: ReplyImage, lang: str = "en") -> str:
    """``**#3** · refined from #1 · seed 42 · 512×512`` and the prompt, for under the
    picture; the lineage in the agent's own words (agent/messages.py)."""
    from agent.messages import msg

    parts = [f"**#{image.number}**"]
    if image.parent is not None:
        key = f"lin_{image.tool}" if image.tool in _LINEAGE else "lin_from"
        parts.append(msg(key, lang, n=image.parent))
    if image.seed is not None:
        parts.append(msg("seed", lang, seed=image.seed))
    parts.append(f"{image.width}×{image.height}")
    head = " · ".join(parts)
    prompt = " ".join((image.prompt or "").split())
    if len(prompt) > PROMPT_SHOWN:
        prompt = prompt[: PROMPT_SHOWN - 1] + "…"
    return head + (f"\n\n{_escape(prompt)}" if prompt else "")


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>#|~])", r"\\\1", text)


def option_value(image_id: int | None, command: str) -> str:
    return f"{image_id if image_id is not None else ''}:{command}"


def parse_option(value: str) -> tuple[int | None, str] | None:
    """(image_id, command) from an option's value; None for anything malformed."""
    head, sep, command = (value or "").partition(":")
    if not sep or not command.strip() or (head and not head.isdigit()) or len(head) > 19:
        return None
    return (int(head) if head else None), command


def conversations(text: str) -> tuple[list[tuple[str, str]], str | None]:
    """``([(label, "N"), ...], current N)`` from the agent's /chats reply (→ marks the
    current one)."""
    out: list[tuple[str, str]] = []
    current = None
    for line in text.splitlines():
        m = _CHAT_LINE.match(line)
        if m:
            label = f"{m.group(2)}. {m.group(3)}"[:80]
            out.append((label, m.group(2)))
            if m.group(1):
                current = m.group(2)
    return out, current


# ------------------------------------------------------------------------------ chat
class WebChat:
    """The handlers behind the page; testable without a browser (``request`` only needs a
    ``username`` attribute)."""

    def __init__(self, agent: Any, *, users: dict[str, str] | None = None):
        self.agent = agent
        self.users = users or {}
        self.stage = Path(tempfile.mkdtemp(prefix="imagechat-web-"))
        atexit.register(shutil.rmtree, self.stage, True)
        self._stage_lock = threading.Lock()
        self._stops: dict[str, set[threading.Event]] = {}  # the user's running turns

    def stop(self, user: str) -> int:
        """Stop the user's running turns' pictures (Stop button); how many were running."""
        with self._stage_lock:
            running = list(self._stops.get(user, ()))
        for event in running:
            event.set()
        return len(running)

    # who
    def user_of(self, request: Any) -> str:
        name = getattr(request, "username", None) if request is not None else None
        if not self.users:
            return LOCAL_USER
        if not name or name not in self.users:
            raise PermissionError("not logged in")
        return f"web:{name}"

    # rendering
    def staged(self, image: ReplyImage) -> str:
        """A private copy of the picture Gradio may move to its cache (the image store
        itself is never served)."""
        target = self.stage / f"{image.image_id}{Path(image.path).suffix or '.png'}"
        with self._stage_lock:
            if not target.exists():
                try:
                    os.link(image.path, target)  # no second copy on the same file system
                except OSError:
                    shutil.copyfile(image.path, target)
        return str(target)

    def render(self, reply: Reply) -> list[Message]:
        """The assistant's messages for one reply: its text, then each picture with its
        caption, the actions as options under the last picture (or under the text)."""
        out: list[Message] = []
        text = reply.text.strip()
        if text and not (reply.images and reply.planner == "rules" and not reply.error):
            out.append({"role": "assistant", "content": ("⚠️ " if reply.error else "") + text})
        elif reply.notes:
            out.append({"role": "assistant", "content": "\n".join(reply.notes)})
        from agent.messages import lang_of

        lang = lang_of(reply.text)
        for image in reply.images:
            try:
                path = self.staged(image)
            except OSError:
                out.append({"role": "assistant",
                            "content": f"#{image.number}: the picture file is missing."})
                continue
            out.append({"role": "assistant",
                        "content": [{"path": path, "alt_text": f"picture #{image.number}"},
                                    caption(image, lang)]})
        if reply.actions:
            anchor = reply.images[-1].image_id if reply.images else None
            options = [{"label": a.label, "value": option_value(anchor, a.command)}
                       for a in reply.actions]
            if not out:
                out.append({"role": "assistant", "content": "…"})
            out[-1]["options"] = options
        return out

    # turns
    def turn(self, user: str, text: str, *, files: list[str] | None = None,
             image_id: int | None = None) -> Iterator[Progress | Reply]:
        """Run one turn in a thread; yields Progress events as they come, then the Reply."""
        events: queue.Queue[Progress | Reply] = queue.Queue()
        attachments = []
        for f in files or []:
            try:
                attachments.append(Attachment(data=Path(f).read_bytes(), filename=Path(f).name))
            except OSError:
                yield Reply(text="I could not read that upload; please send it again.",
                            error=True)
                return
        stop = threading.Event()
        with self._stage_lock:
            self._stops.setdefault(user, set()).add(stop)
        turn = Turn(user=user, text=text, attachments=attachments, image_id=image_id,
                    on_progress=events.put, cancel=stop)

        def work() -> None:
            try:
                events.put(self.agent.handle_turn(turn))
            except Exception:  # the agent answers its own errors; this is the last guard
                events.put(Reply(text="Sorry, something went wrong on my side.", error=True))
            finally:
                with self._stage_lock:
                    self._stops.get(user, set()).discard(stop)

        threading.Thread(target=work, name="web-turn", daemon=True).start()
        while True:
            event = events.get()
            yield event
            if isinstance(event, Reply):
                return

    def exchange(self, user: str, chat: list[Message], shown: list[Message], text: str, *,
                 files: list[str] | None = None,
                 image_id: int | None = None) -> Iterator[tuple[list[Message], Reply | None]]:
        """The chat after the user's message, with a live status line, then with the reply.

        ``shown`` is what the user's side of the chat shows for this turn."""
        chat = list(chat) + shown
        status: Message = {"role": "assistant", "content": "⏳ working…"}
        yield chat + [status], None
        for event in self.turn(user, text, files=files, image_id=image_id):
            if isinstance(event, Reply):
                yield chat + self.render(event), event
                return
            if event.stage != "done":
                label = "⏳ " + event.describe()
                status = {"role": "assistant", "content": label}
                yield chat + [status], None

    # side panels
    def side(self, user: str) -> tuple[list[tuple[str, str]], str | None, str, str]:
        """(conversation choices, the current one, history tree, settings text)."""
        chats = self.agent.handle_turn(Turn(user=user, text="/chats"))
        choices, current = conversations(chats.text)
        tree = self.history_tree(user)
        settings = self.agent.handle_turn(Turn(user=user, text="/settings")).text
        return choices, current, tree, settings

    def history_tree(self, user: str) -> str:
        """The pictures of the user's current conversation as a nested list (children
        under their parent); the one the next change starts from is marked."""
        images, current = self._images(user)
        if not images:
            return "_No pictures yet._"
        ids = {im.image_id for im, _, _ in images}
        children: dict[int | None, list[tuple[ReplyImage, str]]] = {}
        for im, parent_id, kind in images:
            children.setdefault(parent_id if parent_id in ids else None, []).append((im, kind))
        lines: list[str] = []

        def walk(parent: int | None, depth: int) -> None:
            for im, kind in children.get(parent, []):
                mark = " ← current" if im.image_id == current else ""
                prompt = " ".join((im.prompt or kind).split())
                prompt = prompt if len(prompt) <= 60 else prompt[:59] + "…"
                lines.append(f"{'  ' * depth}- **#{im.number}** {_escape(prompt)}{mark}")
                if depth < 12:
                    walk(im.image_id, depth + 1)

        walk(None, 0)
        return "\n".join(lines)

    def recap(self, user: str) -> list[Message]:
        """The last pictures of the current conversation, for a fresh page or /open (read
        from storage: nothing is added to the conversation)."""
        images, _ = self._images(user)
        shown = [im for im, _, _ in images[-RECAP_IMAGES:]]
        return self.render(Reply(text="", images=shown)) if shown else []

    def _images(self, user: str) -> tuple[list[tuple[ReplyImage, int | None, str]], int | None]:
        """([(image, parent id, kind)], current image id) of the user's current
        conversation, read-only; ([], None) when there is none."""
        storage = getattr(self.agent, "storage", None)
        if storage is None:
            return [], None
        from storage import repo

        with storage.db.session() as s:
            owner = repo.get_user(s, user)
            conv = repo.latest_conversation(s, owner) if owner is not None else None
            if conv is None:
                return [], None
            rows = repo.list_images(s, conv)
            numbers = {r.id: r.number for r in rows}
            out = [(ReplyImage(number=r.number, path=storage.images.path(r.file),
                               prompt=r.prompt, negative_prompt=r.negative_prompt, seed=r.seed,
                               parent=numbers.get(r.parent_id) if r.parent_id else None,
                               tool=r.tool, width=r.width, height=r.height, image_id=r.id,
                               conversation_id=conv.id),
                    r.parent_id, r.kind) for r in rows]
            return out, conv.current_image_id


def settings_commands(size: Any, steps: Any, negative: Any, seed: Any) -> list[str]:
    """The /settings turns for the fields the user filled in (the agent checks values)."""
    out = []
    for name, value in (("size", size), ("steps", steps), ("negative", negative),
                        ("seed", seed)):
        text = " ".join(str(value if value is not None else "").split())
        if text:
            out.append(f"/settings {name} {text}")
    return out


# ----------------------------------------------------------------------------- entry
def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        users = parse_users(os.environ.get(USERS_ENV))
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    problem = check_listen(args.host, users)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        import gradio  # noqa: F401
    except ImportError:
        print("error: the web chat needs Gradio: pip install -e '.[web]'", file=sys.stderr)
        return 2
    from agent.engine import Agent
    from channels.web_app import build

    chat = WebChat(Agent(settings), users=users)
    demo = build(chat, title=f"imagechat ({settings.profile})")
    print(f"imagechat web chat on http://{args.host}:{args.port}"
          + (f" ({len(users)} login(s))" if users else " (one local user, no login)"),
          flush=True)
    launch(demo, chat, host=args.host, port=args.port)
    return 0


def launch(demo: Any, chat: WebChat, *, host: str, port: int,
           block: bool = True) -> Any:
    """Start the server (``block=False``: return at once, for tests)."""
    from channels.web_app import CSS

    auth = Logins(chat.users) if chat.users else None
    return demo.queue(default_concurrency_limit=8).launch(
        server_name=host, server_port=port, auth=auth, share=False, quiet=True,
        max_file_size=MAX_UPLOAD, show_error=False, prevent_thread_lock=not block,
        footer_links=[], ssr_mode=False, css=CSS, enable_monitoring=False, mcp_server=False,
        auth_message="imagechat: log in with the name and password you were given.")
