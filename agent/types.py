"""What channels hand the agent (:class:`Turn`) and what they get back (:class:`Reply`).

A channel only converts between its wire format and these objects.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Attachment:
    """An uploaded file, as raw bytes (the agent checks that it really is an image)."""

    data: bytes
    filename: str = "upload"
    mime_type: str | None = None


@dataclass
class Progress:
    """A progress event while a turn waits for or runs image work.

    ``stage`` is ``"queued"`` (``position`` set: jobs ahead of this one + 1),
    ``"running"`` (``step``/``total`` set), ``"downloading"`` (a model's first use:
    ``step``/``total`` are bytes) or ``"done"``.
    """

    stage: str
    position: int | None = None
    step: int | None = None
    total: int | None = None
    label: str = ""

    def describe(self) -> str:
        if self.stage == "queued":
            return f"queued (position {self.position})"
        if self.stage == "running" and self.total:
            return f"{self.label or 'working'}… step {self.step}/{self.total}"
        if self.stage == "downloading":  # a real profile's model, the first time
            done = f"{(self.step or 0) / 1e6:,.0f} MB"
            if self.total:
                return (f"{self.label}… {100 * (self.step or 0) // self.total}% "
                        f"({done} of {self.total / 1e6:,.0f} MB)")
            return f"{self.label}… {done}"
        return self.label or self.stage


@dataclass
class Turn:
    """One user message. ``user`` is a channel-qualified id like ``"telegram:42"``."""

    user: str
    text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    user_name: str | None = None
    # called from a worker thread with queue position and per-step progress
    on_progress: Callable[[Progress], None] | None = None
    # the image this turn is about (a button under an older photo): the turn runs in that
    # image's conversation, which becomes the current one again
    image_id: int | None = None
    # set by the channel to stop the turn's picture: a queued job never starts, a running
    # one stops at its next step, and nothing half-made is stored
    cancel: threading.Event | None = None


@dataclass
class ReplyImage:
    """An image in a reply: its number in the conversation and its whole recipe."""

    number: int
    path: Path
    prompt: str | None
    negative_prompt: str | None
    seed: int | None
    parent: int | None  # number of the parent image, if any
    tool: str | None
    width: int
    height: int
    image_id: int
    conversation_id: int

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "path": str(self.path),
            "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            "seed": self.seed,
            "parent": self.parent,
            "tool": self.tool,
        }


@dataclass
class Action:
    """A suggested next step; ``command`` is the text to send back as the next turn."""

    label: str
    command: str


@dataclass
class Reply:
    text: str
    images: list[ReplyImage] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    conversation_id: int | None = None
    error: bool = False  # the turn was refused or failed; text says why
    # what the user should know beyond the images (fallbacks, substitutions); also in text
    notes: list[str] = field(default_factory=list)
    # who wrote ``text``: "rules" (it restates the images' numbers, prompts and seeds, so
    # a channel that captions the images itself may drop it) or "llm" (its own words)
    planner: str = "rules"

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "images": [im.as_json() for im in self.images]}
