"""One job queue per accelerator: diffusion work runs one job at a time, off the event loop.

Callers submit a callable taking a :class:`JobContext` and get a :class:`Job` back at once::

    queue = get_queue(settings)
    job = queue.submit(
        lambda ctx: generate(prompt, settings=settings, progress=ctx.progress,
                             cancel=ctx.cancelled),
        label="generating",
        on_progress=print,  # JobEvent(stage, position, step, total, label, error)
    )
    results = job.result(timeout=60)  # from a thread, or
    results = await job                # from asyncio, without blocking the loop
    job.cancel()                       # queued: never starts; running: stops at its next step

A single worker thread per device runs the jobs in order. ``on_progress`` is called with a
:class:`JobEvent` when the job is queued (and whenever its place in the queue changes), when
it starts, after every denoising step (through ``ctx.progress``), and when it ends. Events
are delivered in order from the queue's event thread (never the caller's, never under a
lock), so an asyncio consumer should hop back with ``loop.call_soon_threadsafe`` and a
listener should be quick. A job's result is published after its last event. The queue is
bounded: beyond ``settings.max_queue`` waiting jobs, :meth:`JobQueue.submit` raises
:class:`QueueFull`.

Cancelling a running job works by the job noticing: ``ctx.cancelled()`` turns true and the
image tools raise :class:`JobCancelled` from diffusers' ``callback_on_step_end`` (which every
pipeline we use calls, InstructPix2Pix included; its loop has no ``_interrupt`` check).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import itertools
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from errors import ImagechatError

if TYPE_CHECKING:
    from settings import Settings

T = TypeVar("T")
log = logging.getLogger(__name__)

STAGES = ("queued", "running", "done", "failed", "cancelled")


class JobCancelled(ImagechatError):
    """The job was cancelled before it finished; nothing was produced."""

    def __init__(self, message: str = "cancelled"):
        super().__init__(message)


class QueueFull(ImagechatError):
    """Too many jobs are waiting for the accelerator."""


@dataclass(frozen=True)
class JobEvent:
    """What a job is doing now. ``position`` (queued): jobs ahead of it, the running one
    included, plus 1. ``step``/``total`` (running): denoising steps done / to do."""

    stage: str
    position: int | None = None
    step: int | None = None
    total: int | None = None
    label: str = ""
    error: str | None = None


class JobContext:
    """Handed to the job's callable: report progress, look for cancellation."""

    def __init__(self, job: Job[Any], owner: JobQueue):
        self._job = job
        self._queue = owner

    def progress(self, step: int, total: int) -> None:
        self._queue._post(
            self._job, JobEvent("running", step=step, total=total, label=self._job.label)
        )

    def downloading(self, done: int, total: int | None, name: str) -> None:
        """Bytes of a model download so far (the first use of a real profile's model)."""
        self._queue._post(self._job, JobEvent("downloading", step=done, total=total,
                                              label=f"downloading {name}"))

    def cancelled(self) -> bool:
        return self._job._cancel_requested.is_set()

    def check(self) -> None:
        """Raise :class:`JobCancelled` if the job was cancelled (for non-diffusion jobs)."""
        if self.cancelled():
            raise JobCancelled()


class Job(Generic[T]):
    """A submitted piece of work; wait with :meth:`result`, ``await job`` or :meth:`wait`.

    ``stage`` and ``position`` are the latest known state (see :class:`JobEvent`).
    """

    _ids = itertools.count(1)

    def __init__(
        self,
        fn: Callable[[JobContext], T],
        label: str,
        on_progress: Callable[[JobEvent], None] | None,
        owner: JobQueue,
    ):
        self.id = next(self._ids)
        self.label = label
        self.stage = "queued"
        self.position: int | None = None
        self._fn = fn
        # the job runs in a copy of the submitter's context (contextvars), as
        # asyncio.to_thread does, so per-request state follows the work into the worker
        self._context = contextvars.copy_context()
        self._on_progress = on_progress
        self._queue = owner
        self._future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._cancel_requested = threading.Event()

    # --- waiting -------------------------------------------------------------------
    def result(self, timeout: float | None = None) -> T:
        """The callable's return value; re-raises its exception (:class:`JobCancelled` if
        cancelled); ``TimeoutError`` if not done within ``timeout`` seconds.

        By the time it returns, every event of the job has been delivered.
        """
        return self._future.result(timeout)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        return self._future.exception(timeout)

    def done(self) -> bool:
        return self._future.done()

    async def wait(self) -> T:
        """Await the result without blocking the event loop; cancelling the awaiting task
        cancels the job."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[T] = loop.create_future()

        def transfer(f: concurrent.futures.Future[T]) -> None:
            if waiter.done():
                return
            exc = f.exception()
            if exc is not None:
                waiter.set_exception(exc)
            else:
                waiter.set_result(f.result())

        def on_done(f: concurrent.futures.Future[T]) -> None:
            try:
                loop.call_soon_threadsafe(transfer, f)
            except RuntimeError:  # the loop closed meanwhile; nobody is waiting any more
                pass

        self._future.add_done_callback(on_done)
        try:
            return await waiter
        except asyncio.CancelledError:
            self.cancel()
            raise

    def __await__(self) -> Generator[Any, None, T]:
        return self.wait().__await__()

    # --- cancelling ----------------------------------------------------------------
    def cancel(self) -> bool:
        """Stop the job: a queued one never starts, a running one stops at its next step.

        Returns False if it had already finished.
        """
        if self.stage in ("done", "failed", "cancelled"):
            return False
        self._cancel_requested.set()
        self._queue._drop(self)
        return True

    def _deliver(self, event: JobEvent) -> None:
        if self._on_progress is None:
            return
        try:
            self._on_progress(event)
        except Exception:  # a broken listener must not break the job or the queue
            log.exception("progress callback of job %s (%s) failed", self.id, self.label)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.label!r} {self.stage}>"


class JobQueue:
    """Runs submitted jobs one at a time on a worker thread (one queue per device).

    Events go through a second thread, in order, so neither the submitter nor the worker
    ever runs a listener while holding the queue's lock, and a job's result is published
    only after all its events were delivered.
    """

    def __init__(self, name: str = "cpu", max_queue: int = 100):
        self.name = name
        self.max_queue = max_queue
        self._waiting: deque[Job[Any]] = deque()
        self._running: Job[Any] | None = None
        self._cond = threading.Condition()
        self._closed = False
        self._events: queue.SimpleQueue[
            tuple[Job[Any], JobEvent, Callable[[], None] | None] | None
        ] = queue.SimpleQueue()
        self._worker = threading.Thread(target=self._work, name=f"jobs-{name}", daemon=True)
        self._dispatcher = threading.Thread(
            target=self._dispatch, name=f"jobs-{name}-events", daemon=True
        )
        self._dispatcher.start()
        self._worker.start()

    # --- public --------------------------------------------------------------------
    def submit(
        self,
        fn: Callable[[JobContext], T],
        *,
        label: str = "",
        on_progress: Callable[[JobEvent], None] | None = None,
    ) -> Job[T]:
        """Queue ``fn(ctx)``; returns at once. Raises :class:`QueueFull` when too busy."""
        job: Job[T] = Job(fn, label, on_progress, self)
        with self._cond:
            if self._closed:
                raise ImagechatError("the image worker has shut down")
            if len(self._waiting) >= self.max_queue:
                raise QueueFull(
                    f"busy: {len(self._waiting)} image jobs are already waiting; "
                    "try again in a minute"
                )
            self._waiting.append(job)
            job.position = self._position_of(len(self._waiting) - 1)
            self._post(job, JobEvent("queued", position=job.position, label=label))
            self._cond.notify_all()
        return job

    def waiting(self) -> int:
        """Jobs not yet started."""
        with self._cond:
            return len(self._waiting)

    def busy(self) -> bool:
        with self._cond:
            return self._running is not None or bool(self._waiting)

    def describe(self) -> str:
        """One line for a status command: what runs and how many wait."""
        with self._cond:
            running, waiting = self._running, len(self._waiting)
        if running is None and not waiting:
            return f"the image queue ({self.name}) is idle"
        now = f"running: {running.label or 'a job'}" if running is not None else "starting"
        return f"image queue ({self.name}): {now}; {waiting} waiting (limit {self.max_queue})"

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking jobs, cancel the waiting ones, let the running one finish."""
        with self._cond:
            self._closed = True
            pending = list(self._waiting)
            self._cond.notify_all()
        for job in pending:
            job.cancel()
        if wait and threading.current_thread() not in (self._worker, self._dispatcher):
            self._worker.join()
            self._dispatcher.join()

    # --- internals -----------------------------------------------------------------
    def _post(
        self, job: Job[Any], event: JobEvent, settle: Callable[[], None] | None = None
    ) -> None:
        job.stage = event.stage
        self._events.put((job, event, settle))

    def _dispatch(self) -> None:
        while (item := self._events.get()) is not None:
            job, event, settle = item
            job._deliver(event)
            if settle is not None:
                settle()

    def _position_of(self, index: int) -> int:
        return index + 1 + (1 if self._running is not None else 0)

    def _repost_positions(self) -> None:
        """Tell waiting jobs whose place moved; call with the lock held."""
        for i, job in enumerate(self._waiting):
            p = self._position_of(i)
            if p != job.position:
                job.position = p
                self._post(job, JobEvent("queued", position=p, label=job.label))

    def _drop(self, job: Job[Any]) -> None:
        """Remove a cancelled job that has not started yet."""
        with self._cond:
            try:
                self._waiting.remove(job)
            except ValueError:
                return  # already picked by the worker (it will notice) or finished
            self._finish(
                job,
                JobEvent("cancelled", label=job.label),
                exc=JobCancelled("cancelled before it started"),
            )
            self._repost_positions()

    def _finish(
        self, job: Job[Any], event: JobEvent, *, value: Any = None, exc: BaseException | None = None
    ) -> None:
        self._post(job, event, settler(job._future, value, exc))

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._waiting and not self._closed:
                    self._cond.wait()
                if not self._waiting:
                    break  # closed and drained
                job = self._waiting.popleft()
                self._running = job
                if job._cancel_requested.is_set():  # cancel() raced with being picked
                    self._running = None
                    self._finish(
                        job,
                        JobEvent("cancelled", label=job.label),
                        exc=JobCancelled("cancelled before it started"),
                    )
                    self._repost_positions()
                    continue
                self._post(job, JobEvent("running", step=0, label=job.label))
                self._repost_positions()
            try:
                self._run(job)
            finally:
                with self._cond:
                    self._running = None  # positions move when the next job is picked
        self._events.put(None)

    def _run(self, job: Job[Any]) -> None:
        ctx = JobContext(job, self)
        _running.ctx = ctx
        try:
            value = job._context.run(job._fn, ctx)
        except JobCancelled as e:
            self._finish(job, JobEvent("cancelled", label=job.label), exc=e)
        except BaseException as e:  # the worker must outlive any job
            if not isinstance(e, Exception):
                log.error("job %s (%s) raised %r", job.id, job.label, e)
            self._finish(
                job, JobEvent("failed", label=job.label, error=str(e) or type(e).__name__), exc=e
            )
        else:
            self._finish(job, JobEvent("done", label=job.label), value=value)
        finally:
            _running.ctx = None


def settler(future: concurrent.futures.Future[Any], value: Any = None,
            exc: BaseException | None = None) -> Callable[[], None]:
    """What publishes a job's outcome on ``future`` once its last event was delivered (a
    second settle, after a cancel raced with the result, does nothing)."""

    def settle() -> None:
        if future.done():
            return
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(value)

    return settle


_running = threading.local()  # the JobContext of the job this worker thread runs


def current_job() -> JobContext | None:
    """The context of the job running in this thread (model loading reports downloads
    through it), or None outside a job."""
    return getattr(_running, "ctx", None)


_queues: dict[str, JobQueue] = {}
_queues_lock = threading.Lock()


def get_queue(settings: Settings) -> JobQueue:
    """The process-wide queue of the device ``settings`` picks (first call imports torch)."""
    from tools.models import pick_device

    name = str(pick_device(settings))
    with _queues_lock:
        q = _queues.get(name)
        if q is None or q._closed:
            q = _queues[name] = JobQueue(name, max_queue=settings.max_queue)
        return q
