"""A short, read-only snapshot of a conversation, rebuilt from storage every turn.

It is what the planner (rules or LLM) knows besides the recent messages: the current
image and its prompt, the other images, the last search, the user's settings. There is
no second copy of the history anywhere else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from storage import Conversation, repo
from storage.models import Image


@dataclass(frozen=True)
class ImageInfo:
    number: int
    kind: str
    prompt: str | None
    seed: int | None
    parent: int | None
    tool: str | None
    pixel_born: bool = False  # a photo, a search result, or an edit of one (see below)

    @classmethod
    def of(cls, image: Image, numbers: dict[int, int], pixel: bool = False) -> ImageInfo:
        return cls(image.number, image.kind, image.prompt, image.seed,
                   numbers.get(image.parent_id) if image.parent_id else None, image.tool,
                   pixel)


PIXEL_KINDS = frozenset({"uploaded", "retrieved"})
# tools whose picture starts from another picture's pixels
PIXEL_TOOLS = frozenset({"upload", "search", "img2img", "instruct", "restyle"})


def starts_from_pixels(image: Image) -> bool:
    """Whether ``image`` itself was made from pixels: a photo, a search result, or an edit,
    img2img or restyle of a picture. Its chain is then pixel-born (see ``ImageInfo``):
    refining it edits pixels, never draws from noise again."""
    return (image.kind in PIXEL_KINDS or image.tool in PIXEL_TOOLS
            or bool((image.extra or {}).get("source_image_id")))


@dataclass(frozen=True)
class SessionState:
    conversation_id: int
    current: ImageInfo | None
    images: tuple[ImageInfo, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    last_search: tuple[str, ...] = ()  # "library:id" of the last search's results, in order
    uploads: tuple[int, ...] = ()  # numbers of images uploaded with this turn

    def image(self, number: int) -> ImageInfo | None:
        return next((i for i in self.images if i.number == number), None)

    def origin(self) -> int | None:
        """The first picture of the current picture's chain ("the original")."""
        info = self.current
        seen = 0
        while info is not None and info.parent is not None and seen < 1000:
            info = self.image(info.parent) or None
            seen += 1
        return info.number if info is not None else None

    def describe(self) -> str:
        """The state as a few lines for an LLM's system prompt."""
        lines = []
        if self.current:
            c = self.current
            lines.append(f"Current image: #{c.number} ({c.kind}), prompt: {c.prompt!r}, "
                         f"seed {c.seed}.")
        else:
            lines.append("No image yet in this conversation.")
        if self.images:
            recent = ", ".join(f"#{i.number} {i.kind}" + (f" '{i.prompt[:40]}'" if i.prompt else "")
                               for i in self.images[-8:])
            lines.append(f"Images: {recent}.")
        if self.uploads:
            lines.append("Uploaded with this message: "
                         + ", ".join(f"#{n}" for n in self.uploads) + ".")
        if self.last_search:
            lines.append(f"The last search returned {len(self.last_search)} results "
                         "(result 1..N).")
        if self.settings:
            lines.append(f"User settings: {json.dumps(self.settings, ensure_ascii=False)}.")
        return "\n".join(lines)


def load_state(s: Session, conv: Conversation, uploads: tuple[int, ...] = ()) -> SessionState:
    images = repo.list_images(s, conv)
    numbers = {i.id: i.number for i in images}
    pixel: dict[int, bool] = {}  # a chain is pixel-born once any picture in it is
    for i in images:  # parents come before children (numbers grow, same conversation)
        pixel[i.id] = starts_from_pixels(i) or pixel.get(i.parent_id, False)
    infos = tuple(ImageInfo.of(i, numbers, pixel[i.id]) for i in images)
    current = next((i for i in infos if conv.current_image_id is not None
                    and numbers.get(conv.current_image_id) == i.number), None)
    return SessionState(
        conversation_id=conv.id,
        current=current,
        images=infos,
        settings=dict(conv.settings or {}),
        last_search=tuple(f"{r['library']}:{r['id']}" for r in last_search_results(s, conv)),
        uploads=uploads,
    )


def last_search_results(s: Session, conv: Conversation) -> list[dict[str, Any]]:
    """The results of the latest search in this conversation (kept in its tool message):
    ``{"library", "id", "score", "name"}`` each."""
    for msg in reversed(repo.recent_messages(s, conv, limit=40)):
        if msg.role == "tool" and msg.name == "search_images":
            try:
                results = json.loads(msg.content).get("results", [])
                return [r for r in results if isinstance(r, dict) and "library" in r]
            except (ValueError, TypeError, AttributeError):
                return []
    return []
