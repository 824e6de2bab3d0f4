"""A scripted stand-in for ``agent.engine.Agent`` with the same interface and real semantics.

It lets the Telegram channel be tested while the agent is written: images are numbered
per conversation, know their parent, "variations of #N" makes a new image whose parent is
#N, ``/undo`` moves the current pointer back, a photo with a caption is an edit of that
photo (the upload is the parent). Image work goes through one worker thread, like the
real GPU job queue: jobs wait their turn, report their queue position and per-step
progress from that thread, and take ``steps * step_time`` seconds to "render" a PNG.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import queue
import random
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from agent.types import Action, Progress, Reply, ReplyImage, Turn
from errors import InvalidInput, NotAvailable
from settings import Settings

HELP = ("I draw pictures from your words and refine them: describe a picture, then say "
        "\"make it night\", press 🎲 for variations, send a photo to edit it. /new starts over.")


@dataclass
class FakeImage:
    image_id: int
    user: str
    conversation_id: int
    number: int
    parent: int | None  # number of the parent in the same conversation
    prompt: str | None
    seed: int | None
    tool: str
    path: Path
    width: int
    height: int


@dataclass
class _Conversation:
    id: int
    images: list[int] = field(default_factory=list)  # image ids; number = index + 1
    current: int | None = None  # number
    back: list[int | None] = field(default_factory=list)  # earlier current numbers, for /undo
    settings: dict[str, str] = field(default_factory=dict)


@dataclass
class _Job:
    prompt: str
    seed: int
    on_progress: Callable[[Progress], None] | None
    done: threading.Event = field(default_factory=threading.Event)
    png: bytes = b""


class FakeAgent:
    def __init__(self, settings: Settings, *, steps: int = 3, step_time: float = 0.01,
                 size: int = 64, max_queue: int | None = None):
        self.settings = settings
        self.steps = steps
        self.step_time = step_time
        self.size = size
        self.max_queue = settings.max_queue if max_queue is None else max_queue
        self.images_dir = settings.images_dir
        self.images_dir.mkdir(parents=True, exist_ok=True)
        self.turns: list[Turn] = []
        self.images: dict[int, FakeImage] = {}
        self._conversations: dict[str, list[_Conversation]] = {}
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._conv_ids = itertools.count(1)
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._waiting: list[_Job] = []
        self._running: _Job | None = None
        self.jobs_done = 0
        self._worker = threading.Thread(target=self._work, name="fake-gpu", daemon=True)
        self._worker.start()

    # --- the agent contract ----------------------------------------------------------------
    def handle_turn(self, turn: Turn) -> Reply:
        with self._lock:
            self.turns.append(turn)
        try:
            return self._handle(turn)
        finally:  # like the real agent: every turn ends with "done", image work or not
            if turn.on_progress is not None:
                turn.on_progress(Progress("done"))

    def _handle(self, turn: Turn) -> Reply:
        text = " ".join(turn.text.split())
        if text.startswith("/"):
            return self._command(turn, text)
        uploads = [self._store_upload(turn, a.data) for a in turn.attachments]
        if uploads and not text:
            numbers = ", ".join(f"#{im.number}" for im in uploads)
            return Reply(f"Saved {numbers} as a reference. Tell me what to do with it.",
                         images=[self._reply_image(im) for im in uploads])
        if uploads:
            base = uploads[0]
            return self._make(turn, f"{text} (edit of #{base.number})", parent=base, tool="edit")
        if m := re.fullmatch(r"variations of #(\d+)", text, re.I):
            source = self._by_number(turn.user, int(m.group(1)))
            return self._make(turn, source.prompt or "", parent=source, tool="variation")
        if m := re.fullmatch(r"beautify #(\d+)", text, re.I):
            source = self._by_number(turn.user, int(m.group(1)))
            prompt = f"{source.prompt}, highly detailed, soft light"
            return self._make(turn, prompt, parent=source, tool="beautify", seed=source.seed)
        current = self._current(turn.user)
        if current is not None and re.match(r"(make it|add|now)\b", text, re.I):
            return self._make(turn, f"{current.prompt}, {text}", parent=current, tool="edit")
        return self._make(turn, text, parent=None, tool="generate")

    async def ahandle_turn(self, turn: Turn) -> Reply:
        return await asyncio.to_thread(self.handle_turn, turn)

    def owns_image(self, user: str, image_id: int) -> bool:
        with self._lock:
            image = self.images.get(image_id)
            return image is not None and image.user == user

    def image_number(self, user: str, image_id: int) -> int | None:
        with self._lock:
            image = self.images.get(image_id)
            return image.number if image is not None and image.user == user else None

    def queue_status(self) -> str:
        with self._lock:
            running = 1 if self._running is not None else 0
            return f"{len(self._waiting)} job(s) queued, {running} running, {self.jobs_done} done"

    def usage(self) -> str:
        with self._lock:
            conversations = sum(len(c) for c in self._conversations.values())
            return (f"{len(self._conversations)} users, {conversations} conversations, "
                    f"{len(self.images)} images")

    def close(self) -> None:
        self._jobs.put(None)

    # --- commands -------------------------------------------------------------------------
    def _command(self, turn: Turn, text: str) -> Reply:
        command, _, rest = text.partition(" ")
        command = command.lower()
        if command in ("/start", "/help"):
            return Reply(HELP)
        if command == "/new":
            with self._lock:
                self._conversations.setdefault(turn.user, []).append(
                    _Conversation(next(self._conv_ids)))
            return Reply("Started a new conversation.")
        if command == "/undo":
            with self._lock:
                conv = self._conversation(turn.user)
                if not conv.back:
                    return Reply("Nothing to undo.", error=True)
                conv.current = conv.back.pop()
                if conv.current is None:
                    return Reply("Back to the start: no current picture.")
                image = self.images[conv.images[conv.current - 1]]
            return Reply(f"Back to #{image.number}.", images=[self._reply_image(image)],
                         actions=self._actions(image), conversation_id=conv.id)
        if command == "/history":
            with self._lock:
                conv = self._conversation(turn.user)
                images = [self.images[i] for i in conv.images]
            if not images:
                return Reply("No pictures yet in this conversation.")
            return Reply("\n".join(
                f"#{im.number}" + (f" (from #{im.parent})" if im.parent else "")
                + f" · {im.prompt or im.tool}" for im in images))
        if command == "/settings":
            with self._lock:
                conv = self._conversation(turn.user)
                if rest:
                    key, _, value = rest.partition(" ")
                    conv.settings[key] = value
                shown = ", ".join(f"{k}={v}" for k, v in conv.settings.items()) or "defaults"
            return Reply(f"Settings: {shown}")
        if command == "/chats":
            with self._lock:
                convs = self._conversations.get(turn.user, [])
                lines = [f"{i}. {len(c.images)} image(s)" for i, c in enumerate(convs, 1)]
            return Reply("Your conversations:\n" + "\n".join(lines) if lines
                         else "No conversations yet.")
        if command == "/open":
            with self._lock:
                convs = self._conversations.get(turn.user, [])
                if not rest.isdigit() or not 1 <= int(rest) <= len(convs):
                    return Reply(f"Say /open N with N from 1 to {len(convs)}.", error=True)
                convs.append(convs.pop(int(rest) - 1))  # the last one is the current one
            return Reply(f"Switched to conversation {rest}.")
        if command == "/search":
            if not rest:
                raise InvalidInput("/search needs some text, e.g. /search sunset")
            raise NotAvailable("no pictures are indexed yet: run python bot.py index DIR")
        return Reply(f"I don't know {command}.", error=True)

    # --- state ---------------------------------------------------------------------------
    def _conversation(self, user: str) -> _Conversation:
        convs = self._conversations.setdefault(user, [])
        if not convs:
            convs.append(_Conversation(next(self._conv_ids)))
        return convs[-1]

    def _current(self, user: str) -> FakeImage | None:
        with self._lock:
            conv = self._conversation(user)
            if conv.current is None:
                return None
            return self.images[conv.images[conv.current - 1]]

    def _by_number(self, user: str, number: int) -> FakeImage:
        with self._lock:
            conv = self._conversation(user)
            if not 1 <= number <= len(conv.images):
                raise InvalidInput(f"there is no #{number} in this conversation")
            return self.images[conv.images[number - 1]]

    def _add(self, user: str, png: bytes, *, parent: FakeImage | None, prompt: str | None,
             seed: int | None, tool: str) -> FakeImage:
        with self._lock:
            conv = self._conversation(user)
            image_id = next(self._ids)
            path = self.images_dir / f"{image_id}.png"
            path.write_bytes(png)
            with Image.open(io.BytesIO(png)) as im:
                width, height = im.size
            image = FakeImage(image_id, user, conv.id, len(conv.images) + 1,
                              parent.number if parent else None, prompt, seed, tool, path,
                              width, height)
            self.images[image_id] = image
            conv.images.append(image_id)
            conv.back.append(conv.current)
            conv.current = image.number
            return image

    def _store_upload(self, turn: Turn, data: bytes) -> FakeImage:
        try:
            with Image.open(io.BytesIO(data)) as im:
                im.load()
                buf = io.BytesIO()
                im.convert("RGB").save(buf, "PNG")
        except Exception as e:
            raise InvalidInput("that file is not an image I can read") from e
        return self._add(turn.user, buf.getvalue(), parent=None, prompt=None, seed=None,
                         tool="upload")

    def _make(self, turn: Turn, prompt: str, *, parent: FakeImage | None, tool: str,
              seed: int | None = None) -> Reply:
        seed = random.randrange(1, 2**31) if seed is None else seed
        job = self._submit(prompt, seed, turn.on_progress)
        job.done.wait()
        image = self._add(turn.user, job.png, parent=parent, prompt=prompt, seed=seed, tool=tool)
        return Reply(f"Here is #{image.number}.", images=[self._reply_image(image)],
                     actions=self._actions(image), conversation_id=image.conversation_id)

    @staticmethod
    def _actions(image: FakeImage) -> list[Action]:
        n = image.number
        return [Action("🎲 Variations", f"variations of #{n}"),
                Action("✨ Beautify", f"beautify #{n}"), Action("↩ Undo", "/undo")]

    @staticmethod
    def _reply_image(image: FakeImage) -> ReplyImage:
        return ReplyImage(number=image.number, path=image.path, prompt=image.prompt,
                          negative_prompt=None, seed=image.seed, parent=image.parent,
                          tool=image.tool, width=image.width, height=image.height,
                          image_id=image.image_id, conversation_id=image.conversation_id)

    # --- the "GPU" --------------------------------------------------------------------------
    def _submit(self, prompt: str, seed: int, on_progress: Callable[[Progress], None] | None
                ) -> _Job:
        job = _Job(prompt, seed, on_progress)
        with self._lock:
            if len(self._waiting) >= self.max_queue:
                raise NotAvailable("too many pictures are waiting; try again in a minute")
            self._waiting.append(job)
            position = len(self._waiting) + (1 if self._running is not None else 0)
        _report(job, Progress("queued", position=position))
        self._jobs.put(job)
        return job

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            with self._lock:
                self._waiting.remove(job)
                self._running = job
                ahead = list(self._waiting)
            for position, other in enumerate(ahead, start=2):
                _report(other, Progress("queued", position=position))
            for step in range(1, self.steps + 1):
                threading.Event().wait(self.step_time)
                _report(job, Progress("running", step=step, total=self.steps, label="drawing"))
            job.png = _render(job.seed, self.size)
            with self._lock:
                self._running = None
                self.jobs_done += 1
            _report(job, Progress("done"))
            job.done.set()


def _report(job: _Job, progress: Progress) -> None:
    if job.on_progress is None:
        return
    try:
        job.on_progress(progress)
    except Exception:  # a channel's broken callback must not stop the queue
        pass


def _render(seed: int, size: int) -> bytes:
    rng = random.Random(seed)
    colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    buf = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buf, "PNG")
    return buf.getvalue()
