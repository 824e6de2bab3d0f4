"""Every slash command, defined once.

The table feeds the engine (which commands it handles itself, which the planner reads,
which only read and so never wait behind the user's running picture), the channels
(Telegram's command menu and quick path, the terminal's own commands), ``help`` and the
README (``tests/test_docs.py`` fails when a command is missing from either).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str  # "/settings"
    help: str  # one line, for menus and help
    args: str = ""  # how arguments look, for help ("N", "[name value]")
    handler: str = "planner"  # "planner" (read by the rules planner), "engine", "channel"
    read_only: bool = False  # only reads the session: need not wait for the user's turn
    read_only_bare: bool = False  # read-only when given without arguments
    admin: bool = False  # Telegram: only the admin's menu and only the admin may use it
    channels: tuple[str, ...] = ()  # only these channels offer it (empty: every channel)
    aliases: tuple[str, ...] = ()

    @property
    def word(self) -> str:
        """The name without its slash, as Telegram's menu wants it."""
        return self.name.lstrip("/")


COMMANDS: tuple[Command, ...] = (
    Command("/start", "what this bot does", read_only=True),
    Command("/help", "how to ask for and refine pictures", read_only=True),
    Command("/new", "start a new conversation", handler="engine"),
    Command("/undo", "go back to the previous picture"),
    Command("/history", "the pictures of this conversation", read_only=True),
    Command("/show", "send a picture again with its recipe", "N", read_only=True),
    Command("/prompt", "the whole prompt and recipe of a picture", "N", read_only=True,
            aliases=("/info", "/recipe")),
    Command("/describe", "what is in a picture, and a prompt for it", "N"),
    Command("/settings", "show or change size, ratio, steps, seed, negative prompt", "[name value]",
            read_only_bare=True),
    Command("/upscale", "upscale a picture 2x or 4x (the reply says how)", "[N] [2x|4x]"),
    Command("/zoom", "zoom out: the picture on a larger canvas, the border painted", "[N] [2x]"),
    Command("/pan", "extend a picture: left, right, up, down, wider, taller", "[N] direction"),
    Command("/vary", "a variation from the picture's own pixels: subtle or strong",
            "[N] [subtle|strong]"),
    Command("/blend", "blend 2 to 5 pictures into one", "N N [N…] [words]"),
    Command("/search", "find pictures in your library by text", "words", read_only=True),
    Command("/chats", "your conversations", handler="engine", read_only=True),
    Command("/open", "switch to conversation N", "N", handler="engine"),
    Command("/cancel", "stop your picture: one waiting never starts, one being drawn stops",
            handler="channel", read_only=True, channels=("telegram",)),
    Command("/queue", "image jobs waiting and running", handler="channel", read_only=True,
            admin=True, channels=("telegram",)),
    Command("/usage", "users, conversations and images", handler="channel", read_only=True,
            admin=True, channels=("telegram",)),
    Command("/image", "send a picture: /image PATH [what to do with it]", "PATH [caption]",
            handler="channel", channels=("cli",)),
    Command("/export", "save a picture to a file: /export N PATH", "N PATH", handler="channel",
            channels=("cli",)),
    Command("/quit", "leave the chat", handler="channel", channels=("cli",),
            aliases=("/exit",)),
)

_BY_NAME = {n: c for c in COMMANDS for n in (c.name, *c.aliases)}


def command(text: str) -> Command | None:
    """The command a message starts with ("/undo@MyBot" reads as /undo), if any."""
    if not text.startswith("/"):
        return None
    word = text.split(maxsplit=1)[0].lower().split("@", 1)[0]
    return _BY_NAME.get(word)


def command_word(text: str) -> str:
    """The first word of a slash message, lower-cased, without a bot name ('' otherwise)."""
    if not text.startswith("/"):
        return ""
    return text.split(maxsplit=1)[0].lower().split("@", 1)[0]


def is_read_only(text: str) -> bool:
    """Commands that only read the session, so they never wait behind the user's picture."""
    cmd = command(text.strip())
    if cmd is None:
        return False
    bare = len(text.split()) == 1
    return cmd.read_only or (cmd.read_only_bare and bare)


def for_agent() -> list[Command]:
    """The commands the agent answers (every channel passes them on)."""
    return [c for c in COMMANDS if c.handler != "channel"]


def names(handler: str) -> frozenset[str]:
    return frozenset(n for c in COMMANDS if c.handler == handler for n in (c.name, *c.aliases))


def help_text(channel: str | None = None) -> str:
    """One line per command, for ``help``."""
    rows = [c for c in COMMANDS
            if not c.admin and (not c.channels or channel in c.channels)]
    width = max(len(f"{c.name} {c.args}".strip()) for c in rows)
    return "\n".join(f"  {f'{c.name} {c.args}'.strip():<{width}}  {c.help}" for c in rows)
