#!/usr/bin/env python3
"""imagechat: create and refine images through conversation.

    python bot.py chat                      talk to it in this terminal
    python bot.py telegram                  run the Telegram bot
    python bot.py web                       chat in a browser (Gradio)
    python bot.py batch prompts.tsv -o out.tsv
    python bot.py index ~/Pictures          make your pictures searchable
    python bot.py search "海边的日落"        find them by text or --image
    python bot.py worker                    run image jobs sent through IMAGECHAT_BROKER_URL

Every subcommand runs offline with the default ``tiny`` profile (random tiny models:
the images are noise, every code path is real); pick a real one with --profile.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from typing import NoReturn

from errors import ImagechatError, NotAvailable
from settings import Settings
from tools.profiles import PROFILES

# subcommand -> "module:function"; each function takes (args, settings) and returns an
# exit code. Modules are imported only when their subcommand runs, so --help is instant.
COMMANDS: dict[str, str] = {
    "chat": "channels.cli:run",
    "telegram": "channels.telegram:run",
    "web": "channels.web:run",
    "batch": "channels.batch:run",
    "index": "channels.library:run_index",
    "search": "channels.library:run_search",
    "worker": "tools.workers:run",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bot.py",
        description="imagechat: a chat agent that creates and refines images.",
        epilog="Settings come from IMAGECHAT_* environment variables and "
        "$IMAGECHAT_HOME/config.toml; see README.md.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", help="data directory (default: $IMAGECHAT_HOME or the "
                        "platform's user data dir)")
    common.add_argument("--profile", choices=list(PROFILES), metavar="PROFILE",
                        help=f"model profile: {', '.join(PROFILES)} (default: tiny, offline)")
    common.add_argument("--device", help="cuda, cuda:N, mps or cpu (default: the best "
                        "available); checked at start-up")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "chat", parents=[common], help="chat in this terminal",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Chat in this terminal. Reads one message per line when stdin is not a "
        "terminal.",
        epilog="""\
Every run continues your current conversation (the one you last chatted in, per
--user), piped and --json runs too: "make it blue" refines your last picture. Pass
--new to start a fresh conversation first (e.g. for a script).
In the chat: 'help' lists what it understands, /image PATH [what to do] sends a
picture, /export N PATH saves a copy of picture #N to PATH, /quit leaves.
--json prints one object per reply: {"text", "error" (true when the turn was refused
or failed), "conversation_id", "notes", "images": [{"number", "path", "width", "height",
"prompt", "negative_prompt", "seed", "parent", "tool"}]}.""")
    p.add_argument("--user", help="who you are (default: your login name)")
    p.add_argument("--json", action="store_true",
                   help="print each reply as one JSON object on its own line")
    p.add_argument("--new", action="store_true",
                   help="start a new conversation instead of continuing your current one")

    p = sub.add_parser("telegram", parents=[common], help="run the Telegram bot",
                       description="Run the Telegram bot (token from TELEGRAM_BOT_TOKEN).")
    p.add_argument("--api-url", help="Bot API base URL, e.g. for a local Bot API server")
    p.add_argument("--webhook-url", help="use a webhook at this public URL instead of polling")
    p.add_argument("--listen", default="127.0.0.1", help="webhook listen address")
    p.add_argument("--port", type=int, default=8443, help="webhook listen port")

    p = sub.add_parser(
        "web", parents=[common], help="run the web chat (Gradio) in a browser",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run the web chat: pictures inline, clickable suggestions, photo upload.",
        epilog="""\
Without IMAGECHAT_WEB_USERS there is one local user and no login, on loopback only.
IMAGECHAT_WEB_USERS=ann:pw1,bob:pw2 (or the path of a file of user:password lines)
asks for a login and keeps each user's conversations apart; only then may --host be
an address beyond loopback. Needs the 'web' extra: pip install -e '.[web]'.""")
    p.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7860, help="listen port (default 7860)")

    p = sub.add_parser(
        "batch", parents=[common], help="generate images for a TSV of prompts",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Generate images for every row of IN and append them to OUT. Resumable.",
        epilog="""\
IN is UTF-8 text, one row a line:  idx<TAB>text[<TAB>imgbase64]
  imgbase64 (optional): a base64 PNG/JPEG/WebP to start from (img2img, strength 0.6)
  instead of drawing from noise. A first line that is a header (idx<TAB>text: an idx
  that is not a number and a text that says text, prompt or caption) or starts with #
  is skipped; --header / --no-header decide it yourself. Blank lines are skipped.
OUT gets one row per image:  idx<TAB>text<TAB>gen_imgbase64<TAB>prompt<TAB>seed<TAB>recipe
  gen_imgbase64 is a PNG, prompt what the model read, seed the row's seed (derived
  from --seed and idx, stable across runs; --n images use it and the next ones),
  recipe a hash of the profile, --beautify, --size, --steps and the start image.
A rerun skips images OUT holds with the same idx, text, seed and recipe (so it resumes,
and other options draw afresh, appended); a last line cut off by a crash is removed
first. Bad rows are reported (IN:LINE) and skipped; the exit status is 1 when no row
was drawn, 0 otherwise.""")
    p.add_argument("input", metavar="IN", help="input TSV")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output TSV (appended to; not a folder, not IN)")
    p.add_argument("--n", type=int, default=1, help="images per row (default 1, at most 16)")
    p.add_argument("--beautify", action="store_true", help="beautify each prompt first")
    p.add_argument("--images", metavar="DIR", help="also write PNG files into DIR")
    p.add_argument("--size", type=int, help="width and height in pixels")
    p.add_argument("--steps", type=int, help="denoising steps")
    p.add_argument("--seed", type=int, default=0,
                   help="base seed; each row's seed is derived from it and idx (default 0)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--header", dest="header", action="store_true", default=None,
                       help="the first line of IN is a header: skip it")
    group.add_argument("--no-header", dest="header", action="store_false",
                       help="the first line of IN is a row, whatever it looks like")

    p = sub.add_parser("index", parents=[common], help="index a folder of pictures for search",
                       description="Index a folder of images (recursive; jpg, png, webp). "
                       "Incremental: unchanged files are skipped, deleted ones dropped.")
    p.add_argument("folder", metavar="DIR")
    p.add_argument("--rebuild", action="store_true", help="start the index from scratch")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--user", metavar="ID", help="index into this chat user's own library "
                   "(e.g. telegram:42 or cli:alice) instead of the operator's")

    p = sub.add_parser("search", parents=[common], help="search indexed pictures by text or image",
                       description="Search the index by text (Chinese or English) or --image.")
    p.add_argument("query", nargs="?", help="text to search for")
    p.add_argument("--image", metavar="PATH", help="find pictures like this one")
    p.add_argument("-k", type=int, default=10, help="number of results (default 10)")
    p.add_argument("--json", action="store_true", help='print [{"path": ..., "score": ...}]')
    p.add_argument("--user", metavar="ID", help="search this chat user's own library")

    p = sub.add_parser(
        "worker", parents=[common], help="run image jobs for the bot (Celery + Redis)",
        description="Run image jobs sent by the bot through the broker in "
        "IMAGECHAT_BROKER_URL (redis://host:port/N). Loads the profile's models once; needs "
        "no database and no shared disk. Run one per GPU (--device cuda:N).")
    p.add_argument("--concurrency", type=int, default=1,
                   help="jobs at once, each in its own process (default 1)")
    p.add_argument("--threads", type=int, default=None,
                   help="torch threads per job process (default: 1 on cpu)")
    p.add_argument("--name", help="this worker's name (default imagechat-PID@host)")
    p.add_argument("--loglevel", default="INFO", help="Celery's log level (default INFO)")
    return parser


def resolve(command: str) -> Callable[[argparse.Namespace, Settings], int]:
    """The function behind ``command``; a clear NotAvailable if it is not built yet."""
    module_name, func_name = COMMANDS[command].split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name != module_name:
            raise
        raise NotAvailable(f"'{command}' is not available yet in this version of imagechat") from e
    if not hasattr(module, func_name):
        raise NotAvailable(f"'{command}' is not available yet in this version of imagechat")
    return getattr(module, func_name)


def check_start(settings: Settings) -> str | None:
    """What makes ``settings`` unusable (an unknown profile, a device this machine does not
    have), in one line; None when they are fine. Torch is imported only for cuda/mps."""
    if settings.profile not in PROFILES:
        return (f"unknown profile {settings.profile!r}; choose one of "
                f"{', '.join(PROFILES)}")
    device = settings.device.strip().lower()
    kind, _, index = device.partition(":")
    if not device or device == "cpu":
        return None
    if kind not in ("cuda", "mps") or (index and not index.isdigit()):
        return f"unknown device {settings.device!r}; use cuda, cuda:N, mps or cpu"
    import torch

    if kind == "cuda":
        if not torch.cuda.is_available():
            return (f"device {settings.device!r}: this machine has no CUDA GPU that PyTorch can "
                    "use; use --device cpu (or leave --device out)")
        if index and int(index) >= torch.cuda.device_count():
            return (f"device {settings.device!r}: this machine has "
                    f"{torch.cuda.device_count()} CUDA GPU(s), numbered from 0")
    elif kind == "mps" and (index not in ("", "0") or not torch.backends.mps.is_available()):
        return (f"device {settings.device!r}: Apple MPS is not available on this machine; "
                "use --device cpu (or leave --device out)")
    return None


def main(argv: list[str] | None = None, *, own_process: bool = False) -> int:
    """Run the command of ``argv``. ``own_process``: this process is bot.py's own and ends
    when the command does (so a background model load may be left to :func:`_leave`)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.own_process = own_process
    if not args.command:
        parser.print_help()
        return 2
    try:
        settings = Settings.load(home=args.home, profile=args.profile, device=args.device)
        problem = check_start(settings)
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 2
        return resolve(args.command)(args, settings)
    except ImagechatError as e:  # the operator's terminal: the detail (a path) is theirs
        print(f"error: {getattr(e, 'detail', None) or e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _leave(code: int) -> NoReturn:
    """Exit quickly: what the interpreter's own exit does that matters, then ``os._exit``.

    That is: wait for the threads that are not daemons (as the interpreter would), run
    the atexit handlers (the chat's line history, logging, temporary folders) and flush
    the output. What is skipped is the teardown: the final garbage collection over every
    object torch, diffusers and transformers made (1.5-3 s), then the module teardown and
    the libraries' destructors (0.3-0.6 s of CPU after a one-line `bot.py chat` had
    printed its answer). Nothing is unsaved: every turn is committed when it ends. It also
    leaves at once when a chat ended while its models still load in the background
    (`echo /history | bot.py chat`), without tearing the interpreter down under that
    thread."""
    import atexit
    import os
    import threading

    # as the interpreter's exit does: the threading atexit hooks (which tell idle thread
    # pools to stop), then a wait for every thread that is not a daemon
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None and threading.current_thread() is threading.main_thread():
        shutdown()
    _flush()
    atexit._run_exitfuncs()
    _flush()
    os._exit(code)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`bot.py ... | head`) or stream
            pass


if __name__ == "__main__":
    _leave(main(own_process=True))
