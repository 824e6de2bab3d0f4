"""The terminal chat: ``python bot.py chat``.

Interactive in a terminal (line editing and history, progress while generating); when
stdin is not a terminal it reads one message per line. ``--json`` prints one JSON object
per reply, ``{"text": ..., "images": [{"number", "path", "prompt", ...}]}``, the contract
scripts and tests rely on. Terminal-only commands: ``/image PATH [caption]`` sends a
picture, ``/quit`` leaves.
"""

from __future__ import annotations

import argparse
import getpass
import json
import shlex
import sys
import threading
from pathlib import Path

from agent.types import Attachment, Progress, Reply, Turn
from settings import Settings

PROMPT = "you> "
BANNER = ("imagechat ({profile} profile) · data in {home}\n"
          "Describe a picture, then tell me what to change. 'help' for ideas, "
          "/image PATH to send a picture, /quit to leave.")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from agent.engine import Agent  # heavy imports only when chatting

    user = f"cli:{args.user or _login()}"
    agent = Agent(settings)
    interactive = sys.stdin.isatty() and not args.json
    out = ChatPrinter(json_mode=args.json, interactive=interactive)
    if args.new:
        out.reply(agent.handle_turn(Turn(user=user, text="/new")))
    if interactive:
        _enable_history(settings.home / "chat_history")
        print(BANNER.format(profile=settings.profile, home=settings.home))
    for line in _lines(interactive):
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit", "quit", "exit"):
            break
        turn = Turn(user=user, text=text, on_progress=out.progress)
        if text.startswith("/image"):
            try:
                turn = _picture_turn(user, text, out.progress)
            except ValueError as e:
                out.reply(Reply(text=str(e), error=True))
                continue
        out.reply(agent.handle_turn(turn))
    return 0


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

    def reply(self, reply: Reply) -> None:
        if self.json_mode:
            print(json.dumps(reply.as_json(), ensure_ascii=False), flush=True)
            return
        prefix = "bot> " if self.interactive else ""
        print(prefix + reply.text.replace("\n", "\n" + " " * len(prefix)))
        for im in reply.images:
            print(f"{' ' * len(prefix)}#{im.number} {im.width}×{im.height} → {im.path}")
        if reply.actions and self.interactive:
            print(" " * len(prefix) + "next: " + " · ".join(a.command for a in reply.actions))
        sys.stdout.flush()


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


def _enable_history(path: Path) -> None:
    try:
        import readline
    except ImportError:  # pragma: no cover - not on every platform
        return
    try:
        readline.read_history_file(path)
    except OSError:
        pass
    import atexit

    atexit.register(lambda: _save_history(readline, path))


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
