#!/usr/bin/env python3
"""imagechat: create and refine images through conversation.

    python bot.py chat                      talk to it in this terminal
    python bot.py telegram                  run the Telegram bot
    python bot.py batch prompts.tsv -o out.tsv
    python bot.py index ~/Pictures          make your pictures searchable
    python bot.py search "海边的日落"        find them by text or --image

Every subcommand runs offline with the default ``tiny`` profile (random tiny models:
the images are noise, every code path is real); pick a real one with --profile.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable

from errors import ImagechatError, NotAvailable
from settings import Settings
from tools.profiles import PROFILES

# subcommand -> "module:function"; each function takes (args, settings) and returns an
# exit code. Modules are imported only when their subcommand runs, so --help is instant.
COMMANDS: dict[str, str] = {
    "chat": "channels.cli:run",
    "telegram": "channels.telegram:run",
    "batch": "channels.batch:run",
    "index": "channels.library:run_index",
    "search": "channels.library:run_search",
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
    common.add_argument("--device", help="cuda, mps or cpu (default: the best available)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("chat", parents=[common], help="chat in this terminal",
                       description="Chat in this terminal. Reads one message per line when "
                       "stdin is not a terminal. In the chat, 'help' lists what it understands, "
                       "'/image PATH [what to do]' sends a picture, /quit leaves.")
    p.add_argument("--user", help="who you are (default: your login name)")
    p.add_argument("--json", action="store_true",
                   help="print each reply as one JSON object on its own line")
    p.add_argument("--new", action="store_true", help="start a new conversation")

    p = sub.add_parser("telegram", parents=[common], help="run the Telegram bot",
                       description="Run the Telegram bot (token from TELEGRAM_BOT_TOKEN).")
    p.add_argument("--api-url", help="Bot API base URL, e.g. for a local Bot API server")
    p.add_argument("--webhook-url", help="use a webhook at this public URL instead of polling")
    p.add_argument("--listen", default="127.0.0.1", help="webhook listen address")
    p.add_argument("--port", type=int, default=8443, help="webhook listen port")

    p = sub.add_parser("batch", parents=[common], help="generate images for a TSV of prompts",
                       description="Generate images for every row 'idx<TAB>text' of IN; write "
                       "'idx<TAB>text<TAB>gen_imgbase64' rows to OUT. Resumable.")
    p.add_argument("input", metavar="IN", help="input TSV")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output TSV")
    p.add_argument("--n", type=int, default=1, help="images per row (default 1)")
    p.add_argument("--beautify", action="store_true", help="beautify each prompt first")
    p.add_argument("--images", metavar="DIR", help="also write PNG files into DIR")
    p.add_argument("--size", type=int, help="width and height in pixels")
    p.add_argument("--steps", type=int, help="denoising steps")
    p.add_argument("--seed", type=int, default=0, help="base seed (default 0)")

    p = sub.add_parser("index", parents=[common], help="index a folder of pictures for search",
                       description="Index a folder of images (recursive; jpg, png, webp). "
                       "Incremental: unchanged files are skipped, deleted ones dropped.")
    p.add_argument("folder", metavar="DIR")
    p.add_argument("--rebuild", action="store_true", help="start the index from scratch")
    p.add_argument("--batch-size", type=int, default=32)

    p = sub.add_parser("search", parents=[common], help="search indexed pictures by text or image",
                       description="Search the index by text (Chinese or English) or --image.")
    p.add_argument("query", nargs="?", help="text to search for")
    p.add_argument("--image", metavar="PATH", help="find pictures like this one")
    p.add_argument("-k", type=int, default=10, help="number of results (default 10)")
    p.add_argument("--json", action="store_true", help='print [{"path": ..., "score": ...}]')
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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        settings = Settings.load(home=args.home, profile=args.profile, device=args.device)
        return resolve(args.command)(args, settings)
    except ImagechatError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
