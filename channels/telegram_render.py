"""Reply -> Telegram: photo captions, inline keyboards and their callback data.

Callback data is at most 64 bytes and comes back from the client untrusted, so it only
carries ids the bot re-checks on press:

* ``a:<image_id>:<code>``   a known action (``code`` in :data:`ACTION_TEMPLATES`); the
  command is rebuilt from the image's number when pressed;
* ``t:<image_id>:<command>`` any other action of an image, verbatim;
* ``p:<telegram_user_id>:<command>`` an action under a text-only reply, for that user.

The image id must belong to the pressing user (``agent.owns_image``); anything that does
not parse (older bot versions, forged data) is answered "this button has expired".

Under every photo hangs the same compact keyboard (:func:`photo_keyboards`): upscale, vary
subtle, vary strong, reroll, zoom out, undo, and "more" (``a:<image_id>:more``), which the
channel answers with the rest (:func:`more_keyboard`: 4x, pan, wider, describe, beautify).
Each button names its own image, so an old photo's buttons act on that photo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from agent.types import Action, ReplyImage

CAPTION_LIMIT = 1024  # Telegram's caption limit (characters)
TEXT_LIMIT = 4096  # Telegram's message limit (characters)
CALLBACK_LIMIT = 64  # Telegram's callback_data limit (bytes)
PROMPT_IN_CAPTION = 160  # characters of the prompt shown under a photo
BUTTONS_PER_ROW = 3

# code -> command; "{n}" is the number of the image the button hangs under
ACTION_TEMPLATES: dict[str, str] = {
    "v": "variations of #{n}",
    "b": "beautify #{n}",
    "u": "/undo #{n}",  # back to the picture before this one, whichever message it is
    "n": "/new",
    # the keyboard under every photo (slash commands: read by the rules, never an LLM)
    "x2": "/upscale #{n}",
    "vs": "/vary #{n} subtle",
    "vg": "/vary #{n} strong",
    "zo": "/zoom #{n}",
    # behind "more"
    "x4": "/upscale #{n} 4x",
    "pl": "/pan #{n} left",
    "pr": "/pan #{n} right",
    "pu": "/pan #{n} up",
    "pd": "/pan #{n} down",
    "pw": "/pan #{n} wider",
    "ds": "/describe #{n}",
}
MORE = "more"  # not a command: the channel answers it with the "more" keyboard
# (label, code) rows under each photo, and behind its "more" button
PHOTO_ROWS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("⬆️ Upscale", "x2"), ("🔹 Vary subtle", "vs"), ("🔸 Vary strong", "vg")),
    (("🎲 Reroll", "v"), ("🔍 Zoom out", "zo"), ("↩ Undo", "u")),
)
MORE_ROWS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("⬆️ Upscale 4x", "x4"), ("↔️ Wider", "pw"), ("📝 Describe", "ds")),
    (("⬅️ Extend left", "pl"), ("➡️ Extend right", "pr")),
    (("⬆️ Extend up", "pu"), ("⬇️ Extend down", "pd"), ("✨ Beautify", "b")),
)
_CODE_FOR_TEMPLATE = {t.casefold(): c for c, t in ACTION_TEMPLATES.items()}
_CODE_FOR_TEMPLATE["/undo"] = "u"  # the reply's plain undo, under a photo, is that photo's
_NUMBER = re.compile(r"#(\d+)")
_CALLBACK = re.compile(r"([atp]):(\d{1,19}):(.+)", re.DOTALL)
MAX_ID = 2**63 - 1  # the largest image id the database (and Telegram user id) can be


@dataclass(frozen=True)
class Button:
    """A decoded button press: whose it is and which command it stands for."""

    kind: str  # "a" | "t" | "p"
    target: int  # image id ("a", "t") or Telegram user id ("p")
    code: str | None = None  # for "a"
    command: str | None = None  # for "t" and "p"

    def command_for(self, number: int) -> str:
        """The turn text for this press; ``number`` is the image's number (kind "a")."""
        if self.code is not None:
            return ACTION_TEMPLATES[self.code].format(n=number)
        assert self.command is not None
        return self.command


def decode_button(data: str | None) -> Button | None:
    """Parse callback data; ``None`` for anything this version did not make."""
    m = _CALLBACK.fullmatch(data or "")
    if not m:
        return None
    kind, target, rest = m.group(1), int(m.group(2)), m.group(3)
    if target > MAX_ID:  # forged: no database row can have it (and SQLite would overflow)
        return None
    if kind == "a":
        return Button(kind, target, code=rest) if rest in ACTION_TEMPLATES or rest == MORE \
            else None
    return Button(kind, target, command=rest)


def _fits(data: str) -> str | None:
    return data if len(data.encode("utf-8")) <= CALLBACK_LIMIT else None


def encode_button(action: Action, anchor: ReplyImage | None, owner: int,
                  by_number: dict[int, ReplyImage]) -> str | None:
    """Callback data for ``action`` shown under ``anchor`` (None: under a text reply).

    Returns None when the command is too long to carry (the button is then left out).
    """
    command = " ".join(action.command.split())
    m = _NUMBER.search(command)
    target = by_number.get(int(m.group(1))) if m else None
    if target is not None:
        template = command[: m.start()] + "#{n}" + command[m.end():]
        code = _CODE_FOR_TEMPLATE.get(template.casefold())
        if code:
            return f"a:{target.image_id}:{code}"
        return _fits(f"t:{target.image_id}:{command}")
    if anchor is None:
        return _fits(f"p:{owner}:{command}")
    code = None if m else _CODE_FOR_TEMPLATE.get(command.casefold())
    if code:
        return f"a:{anchor.image_id}:{code}"
    return _fits(f"t:{anchor.image_id}:{command}")


def keyboards(actions: list[Action], images: list[ReplyImage],
              owner: int) -> dict[int | None, InlineKeyboardMarkup]:
    """Inline keyboards by image id (key None: for a text-only reply).

    An action naming ``#N`` hangs under image #N when it is in this reply; the others
    hang under the last image.
    """
    by_number = {im.number: im for im in images}
    last = images[-1] if images else None
    rows: dict[int | None, list[InlineKeyboardButton]] = {}
    for action in actions:
        m = _NUMBER.search(action.command)
        target = by_number.get(int(m.group(1))) if m else None
        anchor = target or last
        data = encode_button(action, anchor, owner, by_number)
        if data is None:
            continue
        key = anchor.image_id if anchor else None
        rows.setdefault(key, []).append(InlineKeyboardButton(action.label, callback_data=data))
    return {
        key: InlineKeyboardMarkup(
            [buttons[i: i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
        )
        for key, buttons in rows.items()
    }


def photo_keyboards(actions: list[Action], images: list[ReplyImage],
                    owner: int) -> dict[int | None, InlineKeyboardMarkup]:
    """:func:`keyboards`, with the compact photo keyboard under every image: upscale, vary
    subtle/strong, reroll, zoom out, undo, then the reply's other actions and "more".
    Each button carries its own image's id, so an old photo's buttons act on that photo."""
    extra = keyboards(actions, images, owner)
    out: dict[int | None, InlineKeyboardMarkup] = {}
    if None in extra:
        out[None] = extra[None]
    for image in images:
        rows = [[InlineKeyboardButton(label, callback_data=f"a:{image.image_id}:{code}")
                 for label, code in row] for row in PHOTO_ROWS]
        have = {b.callback_data for row in rows for b in row}
        more = [b for row in (extra[image.image_id].inline_keyboard
                              if image.image_id in extra else ()) for b in row
                if b.callback_data not in have]
        more.append(InlineKeyboardButton("➕ More", callback_data=f"a:{image.image_id}:{MORE}"))
        rows += [more[i: i + BUTTONS_PER_ROW] for i in range(0, len(more), BUTTONS_PER_ROW)]
        out[image.image_id] = InlineKeyboardMarkup(rows)
    return out


def more_keyboard(image_id: int) -> InlineKeyboardMarkup:
    """The rest of a photo's buttons, sent when its "more" is pressed."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=f"a:{image_id}:{code}")
                                  for label, code in row] for row in MORE_ROWS])


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def caption(image: ReplyImage) -> str:
    """``#3 (from #1) · seed 42 · a red car, watercolor``."""
    head = f"#{image.number}"
    if image.parent is not None:
        head += f" (from #{image.parent})"
    parts = [head]
    if image.seed is not None:
        parts.append(f"seed {image.seed}")
    if image.prompt:
        parts.append(shorten(image.prompt, PROMPT_IN_CAPTION))
    return " · ".join(parts)


def chunks(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split ``text`` into messages Telegram accepts, preferring line breaks."""
    out: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        out.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest.strip():
        out.append(rest)
    return out
