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

    @classmethod
    def of(cls, image: Image, numbers: dict[int, int]) -> ImageInfo:
        return cls(image.number, image.kind, image.prompt, image.seed,
                   numbers.get(image.parent_id) if image.parent_id else None, image.tool)


@dataclass(frozen=True)
class SessionState:
    conversation_id: int
    current: ImageInfo | None
    images: tuple[ImageInfo, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    last_search: tuple[str, ...] = ()  # paths of the last search's results, in order
    uploads: tuple[int, ...] = ()  # numbers of images uploaded with this turn

    def image(self, number: int) -> ImageInfo | None:
        return next((i for i in self.images if i.number == number), None)

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
    infos = tuple(ImageInfo.of(i, numbers) for i in images)
    current = next((i for i in infos if conv.current_image_id is not None
                    and numbers.get(conv.current_image_id) == i.number), None)
    return SessionState(
        conversation_id=conv.id,
        current=current,
        images=infos,
        settings=dict(conv.settings or {}),
        last_search=tuple(last_search_paths(s, conv)),
        uploads=uploads,
    )


def last_search_paths(s: Session, conv: Conversation) -> list[str]:
    """Result paths of the latest search in this conversation (kept in its tool message)."""
    for msg in reversed(repo.recent_messages(s, conv, limit=40)):
        if msg.role == "tool" and msg.name == "search_images":
            try:
                return [hit["path"] for hit in json.loads(msg.content).get("results", [])]
            except (ValueError, TypeError, KeyError):
                return []
    return []
