"""A scripted stand-in for ``agent.engine.Agent`` for the Telegram tests that need image jobs
of a known length (many users at once, /help while jobs wait, throttled progress edits, and
``bot.py telegram`` without the models).

It keeps only what the real agent guarantees to a channel, and no semantics of its own: a
text turn makes one picture (numbered per user) through one worker thread, like the real
GPU job queue (jobs wait their turn, report their queue position and per-step progress from
that thread, and take ``steps * step_time`` seconds); ``/help`` answers at once, without
waiting for the queue; every turn ends with a "done" progress event. Conversations, edits,
undo and buttons are the real agent's business, tested with it (tests/test_telegram.py).
"""

from __future__ import annotations

import io
import itertools
import queue
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image

from agent.types import Progress, Reply, ReplyImage, Turn
from errors import NotAvailable
from settings import Settings

HELP = ("I draw pictures from your words and refine them: describe a picture, then say "
        "\"make it night\", send a photo to edit it. /new starts over.")


@dataclass
class _Job:
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
        self.owners: dict[int, tuple[str, int]] = {}  # image id -> (user, number)
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
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
            text = " ".join(turn.text.split())
            if text.split(" ")[0].lower() in ("/start", "/help"):
                return Reply(HELP)
            if text.startswith("/"):
                return Reply(f"I don't know {text.split(' ')[0]}.", error=True)
            return self._make(turn, text)
        finally:  # like the real agent: every turn ends with "done", image work or not
            if turn.on_progress is not None:
                turn.on_progress(Progress("done"))

    def owns_image(self, user: str, image_id: int) -> bool:
        with self._lock:
            return self.owners.get(image_id, ("", 0))[0] == user

    def image_number(self, user: str, image_id: int) -> int | None:
        with self._lock:
            owner, number = self.owners.get(image_id, ("", 0))
            return number if owner == user else None

    def queue_status(self) -> str:
        with self._lock:
            running = 1 if self._running is not None else 0
            return f"{len(self._waiting)} job(s) queued, {running} running, {self.jobs_done} done"

    def usage(self) -> str:
        with self._lock:
            return f"{len(self._counts)} users, {len(self.owners)} images"

    def close(self) -> None:
        self._jobs.put(None)

    # --- one picture -----------------------------------------------------------------------
    def _make(self, turn: Turn, prompt: str) -> Reply:
        seed = random.randrange(1, 2**31)
        job = self._submit(seed, turn.on_progress)
        job.done.wait()
        with self._lock:
            image_id = next(self._ids)
            number = self._counts[turn.user] = self._counts.get(turn.user, 0) + 1
            self.owners[image_id] = (turn.user, number)
        path = self.images_dir / f"{image_id}.png"
        path.write_bytes(job.png)
        image = ReplyImage(number=number, path=path, prompt=prompt, negative_prompt=None,
                           seed=seed, parent=None, tool="generate", width=self.size,
                           height=self.size, image_id=image_id, conversation_id=1)
        return Reply(f"Here is #{number}.", images=[image], conversation_id=1)

    # --- the "GPU" --------------------------------------------------------------------------
    def _submit(self, seed: int, on_progress: Callable[[Progress], None] | None) -> _Job:
        job = _Job(seed, on_progress)
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
