"""The terminal chat: ``python bot.py chat``.

Interactive in a terminal (line editing and history, progress while generating); when
stdin is not a terminal it reads one message per line. Every run, piped or not, continues
the user's current conversation; ``--new`` starts a fresh one first. ``--json`` prints one
JSON object per reply (:func:`reply_json`), the contract scripts and tests rely on:
``{"text", "error", "conversation_id", "notes", "images": [{"number", "path", "width",
"height", "prompt", "negative_prompt", "seed", "parent", "tool"}]}``. Terminal-only
commands: ``/image PATH [caption]`` sends a picture, ``/export N PATH`` (or "save #N as
PATH") writes a copy of picture #N, ``/quit`` leaves.
"""

from __future__ import annotations

import argparse
import gc
import getpass
import itertools
import json
import os
import re
import shlex
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from agent.types import Attachment, Progress, Reply, Turn
from settings import Settings

PROMPT = "you> "
BANNER = ("imagechat ({profile} profile) · data in {home}\n"
          "Describe a picture, then tell me what to change. 'help' for ideas, "
          "/image PATH to send a picture, /export N PATH to save one, /quit to leave.")

# "save #3 as ~/x.png", "export 3 to out.png", "把#3保存到 ~/x.png", "保存#3为 x.png"
_SAVE_WORDS = re.compile(
    r"^(?:(?:save|export)\s+(?:picture\s+|image\s+)?#?(\d+)\s+(?:as|to)\s+"
    r"|把?\s*(?:第|#)?\s*(\d+)\s*(?:张)?\s*(?:保存|导出)\s*(?:为|到|成)\s*"
    r"|(?:保存|导出)\s*(?:第|#)?\s*(\d+)\s*(?:张)?\s*(?:为|到|成)\s*)(\S.*)$",
    re.IGNORECASE)
# image formats /export writes (by the file's suffix); .png and no suffix copy the file
_CONVERT = {".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}


def run(args: argparse.Namespace, settings: Settings) -> int:
    from tools.models import warm_up

    startup = _StartupGC()
    warming: list[threading.Thread] = []

    def warm() -> None:
        """Load torch, diffusers and the picture model in the background from now on."""
        startup.expect()  # a part of the start-up (part_done comes at once if nothing warms)
        thread = warm_up(settings, then=startup.part_done)
        if thread is not None:
            warming.append(thread)

    try:
        code = _chat(args, settings, startup, warm)  # Ctrl-C leaves at once, the thread too
        if warming and not getattr(args, "own_process", False):
            warming[0].join()  # in-process callers (tests) get no load finishing behind them;
        return code  # bot.py's own process leaves at once (bot._leave)
    finally:
        startup.close()


# Chat commands that draw nothing: a piped chat starting with one of them does not warm
# the picture model (`echo /history | bot.py chat` imports no diffusers)
NO_PICTURE_COMMANDS = frozenset((
    "/help", "/start", "/new", "/history", "/show", "/prompt", "/recipe", "/info", "/settings",
    "/chats", "/open", "/usage", "/queue", "/cancel", "/search", "/describe", "/export",
    "/undo", "/quit", "/exit"))


def may_draw(line: str) -> bool:
    """Whether a chat's first line may ask for a picture (anything but the commands above,
    a request to save a picture, or a way to leave)."""
    text = line.strip()
    if not text or text in ("quit", "exit") or export_request(text) is not None:
        return False
    return text.split(maxsplit=1)[0] not in NO_PICTURE_COMMANDS


class _StartupGC:
    """No garbage collection while the chat starts; then everything made so far is frozen
    (:func:`gc.freeze`) and collection resumes.

    Start-up imports torch, diffusers, transformers and LangChain and loads the models:
    millions of long-lived objects and almost no garbage. With collection on, Python ran 9
    full collections over them on the way to a one-line chat's first picture, 1.6 s of its
    7-9 s. Each part of the start-up (the agent; the background warm-up) calls
    :meth:`part_done`; the last one settles. :meth:`close` puts things back as they were.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts = 1  # the agent
        self._enabled = gc.isenabled()
        gc.disable()

    def expect(self) -> None:
        """One more part to wait for."""
        with self._lock:
            self._parts += 1

    def part_done(self) -> None:
        with self._lock:
            self._parts -= 1
            if self._parts == 0:
                gc.freeze()
                if self._enabled:
                    gc.enable()

    def close(self) -> None:
        with self._lock:
            self._parts = -1  # a part that ends later changes nothing
            gc.unfreeze()
            if self._enabled:
                gc.enable()


def _chat(args: argparse.Namespace, settings: Settings, startup: _StartupGC,
          warm: Callable[[], None]) -> int:
    user = f"cli:{args.user or _login()}"
    interactive = sys.stdin.isatty() and not args.json
    out = ChatPrinter(json_mode=args.json, interactive=interactive)
    history = None

    def new_agent() -> Any:
        try:
            return _new_agent(settings)
        finally:
            startup.part_done()

    lines = _lines(interactive)
    if interactive:  # the prompt first; the agent and the models load while the user types
        warm()
        agents = _Background(new_agent, name="imagechat-agent")
        history = _enable_history(settings.home / "chat_history")
        print(BANNER.format(profile=settings.profile, home=settings.home))
    elif args.new:  # piped, answering /new before any line is read: warm at once
        warm()
        agents = _Background.done(new_agent())
    else:  # piped: the models load while the agent is built, if the first line may draw
        first = next(lines, None)
        if first is not None and may_draw(first):
            warm()
        agents = _Background.done(new_agent())
        lines = itertools.chain([first] if first is not None else [], lines)
    if args.new:
        out.reply(agents.result().handle_turn(Turn(user=user, text="/new")))
    for line in lines:
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit", "quit", "exit"):
            break
        agent = agents.result()
        export = export_request(text)
        if export is not None:
            out.reply(export_picture(agent, user, *export))
            continue
        turn = Turn(user=user, text=text, on_progress=out.progress)
        if text.split(maxsplit=1)[0] == "/image":
            try:
                turn = _picture_turn(user, text, out.progress)
            except ValueError as e:
                out.reply(Reply(text=str(e), error=True))
                continue
        out.reply(ask(agent, turn, out, leave=lambda: _leave(history)))
    return 0


def _new_agent(settings: Settings) -> Any:
    from agent.engine import Agent  # heavy imports only when chatting

    return Agent(settings)


class _Background:
    """A value computed in a daemon thread; :meth:`result` waits for it (or raises its
    error)."""

    def __init__(self, make: Callable[[], Any], name: str):
        self._value: list[Any] = []
        self._error: list[BaseException] = []
        self._thread: threading.Thread | None = threading.Thread(
            target=self._run, args=(make,), name=name, daemon=True)
        self._thread.start()

    @classmethod
    def done(cls, value: Any) -> _Background:
        made = cls.__new__(cls)
        made._value, made._error, made._thread = [value], [], None
        return made

    def _run(self, make: Callable[[], Any]) -> None:
        try:
            self._value.append(make())
        except BaseException as e:  # noqa: BLE001 - handed to whoever asks for the value
            self._error.append(e)

    def result(self) -> Any:
        if self._thread is not None:
            while self._thread.is_alive():  # a timed join, so Ctrl-C still gets through
                self._thread.join(0.1)
        if self._error:
            raise self._error[0]
        return self._value[0]


def _leave(history: tuple[Any, Path] | None) -> NoReturn:
    """A second Ctrl-C: leave now, without waiting for the stopping picture."""
    sys.stderr.write("  (bye)\n")
    if history is not None:
        _save_history(*history)
    sys.stdout.flush()
    sys.stderr.flush()
    # the picture's threads (torch's among them) must not be torn down under the
    # interpreter's exit; everything said so far is committed
    os._exit(130)


def ask(agent: Any, turn: Turn, out: ChatPrinter, leave: Callable[[], Any]) -> Reply:
    """Run one turn; Ctrl-C stops its picture (a queued job never starts, a running one
    stops at its next step) and returns to the prompt as soon as it stopped. A second
    Ctrl-C calls ``leave`` at once, from the signal handler, wherever the chat is."""
    turn.cancel = threading.Event()
    done: list[Reply] = []

    def run() -> None:
        try:
            done.append(agent.handle_turn(turn))
        finally:
            if not done:
                done.append(Reply(text="Sorry, that turn failed.", error=True))

    presses = 0

    def on_sigint(_signum: int, _frame: Any) -> None:
        nonlocal presses
        presses += 1
        if presses > 1:
            leave()
        turn.cancel.set()
        out.note("stopping the picture… (Ctrl-C again to leave the chat)")

    threading.Thread(target=run, name="chat-turn", daemon=True).start()
    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread: Ctrl-C is not ours to take
        previous = None
    try:
        while not done:  # sleep, not Thread.join, which a signal could leave confused
            time.sleep(0.05)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    return done[0]


class ChatPrinter:
    """Prints replies (text or JSON lines) and, in a terminal, a live progress line."""

    def __init__(self, *, json_mode: bool, interactive: bool):
        self.json_mode = json_mode
        self.interactive = interactive
        self._lock = threading.Lock()
        self._progress_shown = False

    def progress(self, event: Progress) -> None:
        if self.json_mode or not self.interactive:
            return
        with self._lock:
            if event.stage == "done":
                if self._progress_shown:
                    sys.stderr.write("\r\033[K")
                    sys.stderr.flush()
                self._progress_shown = False
                return
            sys.stderr.write("\r\033[K  … " + event.describe())
            sys.stderr.flush()
            self._progress_shown = True

    def note(self, text: str) -> None:
        """A line about the chat itself (never in the JSON output)."""
        with self._lock:
            if self._progress_shown:
                sys.stderr.write("\r\033[K")
                self._progress_shown = False
            sys.stderr.write(f"  ({text})\n")
            sys.stderr.flush()

    def reply(self, reply: Reply) -> None:
        if self.json_mode:
            print(json.dumps(reply_json(reply), ensure_ascii=False), flush=True)
            return
        prefix = "bot> " if self.interactive else ""
        print(prefix + reply.text.replace("\n", "\n" + " " * len(prefix)))
        for im in reply.images:
            print(f"{' ' * len(prefix)}#{im.number} {im.width}×{im.height} → {im.path}")
        if reply.actions and self.interactive:
            print(" " * len(prefix) + "next: " + " · ".join(a.command for a in reply.actions))
        sys.stdout.flush()


def reply_json(reply: Reply) -> dict[str, Any]:
    """A reply as --json prints it: whether the turn failed, the conversation, and every
    image's recipe and size."""
    images = []
    for im in reply.images:
        data = im.as_json()
        data.update(width=im.width, height=im.height)
        images.append(data)
    conversation = reply.conversation_id
    if conversation is None and reply.images:
        conversation = reply.images[0].conversation_id
    return {"text": reply.text, "error": reply.error, "conversation_id": conversation,
            "notes": list(reply.notes), "images": images}


def export_request(text: str) -> tuple[str, str] | None:
    """(N, PATH) when ``text`` asks to save a picture to a file, else None. A malformed
    ``/export`` gives ("", usage) so the caller answers with the usage line."""
    if text.split(maxsplit=1)[0] == "/export":
        try:
            parts = shlex.split(text)
        except ValueError as e:
            return "", f"Could not read that command: {e}"
        if len(parts) != 3:
            return "", "Usage: /export N PATH, e.g. /export 3 ~/cat.png"
        return parts[1].lstrip("#"), parts[2]
    match = _SAVE_WORDS.match(text)
    if match is None:
        return None
    number = next(g for g in match.groups()[:3] if g)
    target = match.group(4).strip().strip("'\"")
    return number, target


def export_picture(agent: Any, user: str, number: str, target: str) -> Reply:
    """Write a copy of picture #number of the user's current conversation to ``target``."""
    if not number:
        return Reply(text=target, error=True)
    if not number.isdigit():
        return Reply(text=f"'{number}' is not a picture number. Usage: /export N PATH",
                     error=True)
    path = Path(target).expanduser()
    if path.is_dir():
        path = path / f"picture-{number}.png"
    suffix = path.suffix.lower()
    if suffix not in ("", ".png", *_CONVERT):
        return Reply(text=f"I can save .png, .jpg or .webp files, not {path.name}.", error=True)
    if not path.parent.is_dir():
        return Reply(text=f"The folder {path.parent} does not exist; nothing was saved.",
                     error=True)
    if path.exists():
        return Reply(text=f"{path} already exists; I do not overwrite files. Pick another "
                     "name or delete it first.", error=True)
    shown = agent.handle_turn(Turn(user=user, text=f"/show {number}"))
    if shown.error or not shown.images:
        return Reply(text=shown.text, error=True, conversation_id=shown.conversation_id)
    image = shown.images[0]
    try:
        if suffix in _CONVERT:
            from PIL import Image

            with Image.open(image.path) as picture:
                picture.convert("RGB").save(path, format=_CONVERT[suffix])
        else:
            with path.open("xb") as sink, Path(image.path).open("rb") as source:
                shutil.copyfileobj(source, sink)
    except FileExistsError:
        return Reply(text=f"{path} already exists; I do not overwrite files.", error=True)
    except OSError as e:
        return Reply(text=f"Could not write {path}: {e.strerror or e}", error=True)
    return Reply(text=f"Saved #{image.number} to {path}.",
                 conversation_id=image.conversation_id)


def _picture_turn(user: str, text: str, progress) -> Turn:  # noqa: ANN001
    try:
        parts = shlex.split(text)
    except ValueError as e:
        raise ValueError(f"Could not read that command: {e}") from None
    if len(parts) < 2:
        raise ValueError("Usage: /image PATH [what to do with it]")
    path = Path(parts[1]).expanduser()
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ValueError(f"Cannot read {path}: {e.strerror or e}") from None
    return Turn(user=user, text=" ".join(parts[2:]), on_progress=progress,
                attachments=[Attachment(data=data, filename=path.name)])


def _lines(interactive: bool):  # noqa: ANN202 - a generator of str
    if not interactive:
        yield from sys.stdin
        return
    while True:
        try:
            yield input(PROMPT)
        except EOFError:
            print()
            return


def _enable_history(path: Path) -> tuple[Any, Path] | None:
    try:
        import readline
    except ImportError:  # pragma: no cover - not on every platform
        return None
    try:
        readline.read_history_file(path)
    except OSError:
        pass
    import atexit

    atexit.register(lambda: _save_history(readline, path))
    return readline, path


def _save_history(readline, path: Path) -> None:  # noqa: ANN001
    try:
        readline.set_history_length(1000)
        readline.write_history_file(path)
    except OSError:
        pass


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "me"
