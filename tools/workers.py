"""Image work on Celery with Redis as broker and result backend (``broker_url`` set).

The front process (chat, Telegram, batch) sends each job as the task ``imagechat.run``:
the operation name, JSON arguments and the input pictures as base64 PNG. A worker
(``python bot.py worker``) holds the profile's models, runs the job and returns PNG bytes
plus the recipe; it has no database and no shared disk. The front stores the result.

Celery's own conventions carry the job: ``task_acks_late`` with
``worker_prefetch_multiplier = 1`` (a worker takes one job at a time and the broker keeps
it until it is done), ``task_reject_on_worker_lost`` (a pool process that dies puts its
job back), ``expires`` (a job older than its deadline is dropped, never run for someone
who has left), ``task_track_started`` and ``update_state(state="PROGRESS")`` for step
progress, ``revoke`` for queued jobs, and a result expiry.

A few Redis keys beside Celery's give what it has no convention for:

* ``imagechat:waiting``: the ids of jobs not started yet, oldest first (queue positions);
* ``imagechat:cancel:<id>``: set by the front to cancel; the worker's ``cancel()``
  callback reads it at every denoising step, and before it starts;
* ``imagechat:alive:<id>``: refreshed by the worker every 2 s while it runs the job. If it
  lapses, the worker died (``kill -9``): the front sends the job again once (nothing was
  stored, so nothing is stored twice), then gives up with one clear line;
* ``imagechat:workers``: the workers alive (a sorted set of heartbeats), so a job with no
  worker to run it fails with a message instead of waiting for ever.
"""

from __future__ import annotations

import argparse
import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import errors
from errors import ImagechatError
from tools.jobs import Job, JobCancelled, JobEvent, QueueFull, settler
from tools.work import b64, check_job, decode_result, encode_result, from_png, png_bytes, unb64

if TYPE_CHECKING:
    from celery import Celery
    from PIL.Image import Image

    from settings import Settings

log = logging.getLogger(__name__)

TASK = "imagechat.run"
QUEUE = "imagechat"
WAITING = "imagechat:waiting"
WORKERS = "imagechat:workers"
HEARTBEAT_S = 2.0  # a running job's worker refreshes its alive key this often
ALIVE_TTL_S = 10  # ... and the key lapses this long after the worker died
WORKER_TTL_S = 15  # a worker not heard from for this long is gone
NO_WORKER_S = 30  # a queued job with no live worker for this long fails
POLL_S = 0.1  # the front reads the state of its jobs this often
BROKER_DOWN_S = 15  # jobs fail after the broker was unreachable this long
ATTEMPTS = 2  # a job whose worker died is sent again once
DEFAULT_DEADLINE_S = 600.0
FINAL = ("done", "failed", "cancelled")


def cancel_key(task_id: str) -> str:
    return f"imagechat:cancel:{task_id}"


def alive_key(task_id: str) -> str:
    return f"imagechat:alive:{task_id}"


class BrokerDown(ImagechatError):
    """The broker (Redis) cannot be reached: no image work now; text commands still work."""


class JobExpired(ImagechatError):
    """The job waited or ran past its deadline and was dropped."""


class WorkerLost(ImagechatError):
    """The worker running the job died, twice."""


def safe_url(url: str) -> str:
    from kombu.utils.url import maybe_sanitize_url

    return str(maybe_sanitize_url(url))


def deadline_of(settings: Settings) -> float:
    return float(settings.job_deadline_s or DEFAULT_DEADLINE_S)


def make_app(url: str, deadline_s: float = DEFAULT_DEADLINE_S) -> Celery:
    """The Celery app for broker (and result backend) ``url``, with the task registered."""
    from celery import Celery

    app = Celery("imagechat", broker=url, backend=url, set_as_current=False)
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"],
        result_accept_content=["json"],
        task_default_queue=QUEUE,
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        task_reject_on_worker_lost=True,
        task_track_started=True,
        result_expires=int(deadline_s) + 3600,
        # a worker's own guard (prefork pools); the job's deadline is enforced at every
        # step by its cancel() callback and by ``expires`` before it starts
        task_soft_time_limit=int(deadline_s) + 30,
        task_time_limit=int(deadline_s) + 60,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        broker_transport_options={
            # an unacknowledged job of a worker that vanished comes back after this; by
            # then it is past its deadline (the front has sent it again or given up)
            "visibility_timeout": int(deadline_s) + 120,
            "socket_connect_timeout": 3, "socket_timeout": 10,
        },
        redis_socket_connect_timeout=3,
        redis_socket_timeout=10,
        redis_retry_on_timeout=False,
        result_backend_always_retry=False,
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0,
                                   "interval_step": 0.5, "interval_max": 0.5},
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_send_sent_event=False,
        worker_cancel_long_running_tasks_on_connection_loss=True,
    )
    app.task(name=TASK, bind=True)(_run_task)
    return app


def _redis(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)


# -------------------------------------------------------------------------------- worker
_worker: dict[str, Any] = {}  # "settings", "redis", "name" of this worker process


def _run_task(self: Any, op: str, kwargs: dict[str, Any], pictures: list[str],
              job: dict[str, Any]) -> dict[str, Any]:
    """The task: run one job, return {"ok": true, "result": ...} or what stopped it."""
    from tools.work import run_operation

    task_id = self.request.id
    settings: Settings = _worker["settings"]
    r = _worker["redis"]
    r.lrem(WAITING, 0, task_id)
    deadline = float(job.get("deadline") or time.time() + deadline_of(settings))
    if r.exists(cancel_key(task_id)):
        return {"ok": False, "kind": "cancelled", "error": "cancelled before it started"}
    if time.time() > deadline:
        return {"ok": False, "kind": "expired", "error": "past its deadline before it started"}
    profile = job.get("profile") or settings.profile
    if profile != settings.profile:
        settings = settings.with_(profile=profile)
    stop = threading.Event()

    def heartbeat() -> None:
        while True:
            try:
                r.set(alive_key(task_id), _worker["name"], ex=ALIVE_TTL_S)
            except Exception:  # the broker is down: the front notices by itself
                log.warning("cannot refresh the alive key of %s", task_id)
            if stop.wait(HEARTBEAT_S):
                return

    beat = threading.Thread(target=heartbeat, name=f"alive-{task_id[:8]}", daemon=True)
    beat.start()
    last = [0.0]
    why: list[str] = []

    def progress(step: int, total: int) -> None:
        now = time.monotonic()
        if step >= total or now - last[0] >= 0.1:  # no more than ~10 writes a second
            last[0] = now
            self.update_state(state="PROGRESS", meta={"step": step, "total": total})

    def cancel() -> bool:
        if r.exists(cancel_key(task_id)):
            why.append("cancelled")
            return True
        if time.time() > deadline:
            why.append("expired")
            return True
        return False

    try:
        value = run_operation(op, kwargs, [from_png(unb64(p)) for p in pictures],
                              settings=settings, progress=progress, cancel=cancel)
        return {"ok": True, "result": encode_result(value)}
    except JobCancelled as e:
        kind = why[0] if why else "cancelled"
        return {"ok": False, "kind": kind, "error": str(e)}
    except Exception as e:  # the job's failure is the user's to read, not the worker's end
        if not isinstance(e, ImagechatError):
            log.exception("job %s (%s) failed", task_id, op)
        return {"ok": False, "kind": "error", "type": type(e).__name__,
                "error": str(e) or type(e).__name__}
    finally:
        stop.set()
        beat.join(timeout=5)
        try:
            r.delete(alive_key(task_id))
        except Exception:
            pass


def _error_from(result: dict[str, Any]) -> BaseException:
    """The exception the embedded engine would have raised for a job's failure."""
    kind, text = result.get("kind"), str(result.get("error") or "")
    if kind == "cancelled":
        return JobCancelled(text or "cancelled")
    if kind == "expired":
        return JobExpired("That picture was dropped: it passed its deadline before it was "
                          "done. Please ask again.")
    cls = getattr(errors, str(result.get("type")), None)
    if isinstance(cls, type) and issubclass(cls, ImagechatError):
        return cls(text)
    if result.get("type") == "QueueFull":
        return QueueFull(text)
    return RuntimeError(f"the image worker failed: {result.get('type')}: {text}")


# ---------------------------------------------------------------------------------- front
class RemoteJob(Job[Any]):
    """A job sent to the workers: the same waiting, events and cancel as a local Job."""

    def __init__(self, owner: CeleryWork, op: str, kwargs: dict[str, Any],
                 pictures: list[str], label: str,
                 on_progress: Callable[[JobEvent], None] | None):
        super().__init__(lambda ctx: None, label, on_progress, owner)  # type: ignore[arg-type]
        self.op, self.kwargs, self.pictures = op, kwargs, pictures
        self.task_id = ""
        self.attempts = 0
        self.submitted = time.time()
        self.deadline = self.submitted + owner.deadline_s
        self.started = False  # a worker took it (this attempt)
        self.last_alive = 0.0
        self.step: tuple[int, int] | None = None
        self.last_worker_seen = time.monotonic()


class CeleryWork:
    """The front's side: sends jobs, follows them, cancels them (one per broker URL)."""

    name = "celery"

    def __init__(self, settings: Settings):
        self.settings = settings
        self.url = settings.broker_url.strip()
        self.deadline_s = deadline_of(settings)
        self.max_queue = settings.max_queue
        self.app = make_app(self.url, self.deadline_s)
        self.redis = _redis(self.url)
        self.closed = False
        self._jobs: dict[str, RemoteJob] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._down_since: float | None = None
        self._events: queue.SimpleQueue[
            tuple[Job[Any], JobEvent, Callable[[], None] | None] | None] = queue.SimpleQueue()
        self._dispatcher = threading.Thread(target=self._dispatch, name="jobs-celery-events",
                                            daemon=True)
        self._poller = threading.Thread(target=self._poll, name="jobs-celery-poll", daemon=True)
        self._dispatcher.start()
        self._poller.start()

    # --- the interface (tools.work.ImageWork) ---------------------------------------
    def submit(self, op: str, kwargs: dict[str, Any], pictures: Sequence[Image] = (), *,
               label: str = "", on_progress: Callable[[JobEvent], None] | None = None
               ) -> RemoteJob:
        check_job(op, kwargs, pictures)
        if self.closed:
            raise ImagechatError("the image worker has shut down")
        waiting = self.waiting()
        if waiting >= self.max_queue:
            raise QueueFull(f"busy: {waiting} image jobs are already waiting; "
                            "try again in a minute")
        job = RemoteJob(self, op, kwargs, [b64(png_bytes(p)) for p in pictures], label,
                        on_progress)
        position = self._send(job)
        job.position = position
        self._post(job, JobEvent("queued", position=position, label=label))
        with self._lock:
            self._jobs[job.task_id] = job
        self._wake.set()
        return job

    def waiting(self) -> int:
        try:
            return int(self.redis.llen(WAITING))
        except Exception as e:
            raise self._down(e) from e

    def workers_alive(self) -> int:
        try:
            return int(self.redis.zcount(WORKERS, time.time() - WORKER_TTL_S, "+inf"))
        except Exception as e:
            raise self._down(e) from e

    def describe(self) -> str:
        try:
            waiting, alive = self.waiting(), self.workers_alive()
        except ImagechatError as e:
            return str(e)
        with self._lock:
            mine = len(self._jobs)
        return (f"image workers (celery at {safe_url(self.url)}): {alive} worker(s) alive, "
                f"{waiting} job(s) waiting (limit {self.max_queue}); {mine} from here")

    def busy(self) -> bool:
        with self._lock:
            return bool(self._jobs)

    def shutdown(self, wait: bool = True) -> None:
        self.closed = True
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel()
        self._wake.set()
        if wait:
            self._poller.join(timeout=5)

    # --- sending ---------------------------------------------------------------------
    def _down(self, e: BaseException) -> BrokerDown:
        log.warning("broker %s unreachable: %s", safe_url(self.url), e)
        return BrokerDown("The image workers cannot be reached right now (their queue "
                          f"server at {safe_url(self.url)} is down), so I can't make pictures. "
                          "Text commands still work; try again in a minute.")

    def _send(self, job: RemoteJob) -> int:
        """Send (or send again) ``job`` under a new task id; its queue position."""
        job.task_id = uuid.uuid4().hex
        job.attempts += 1
        job.started = False
        job.step = None
        job.last_worker_seen = time.monotonic()
        meta = {"deadline": job.deadline, "profile": self.settings.profile,
                "label": job.label, "attempt": job.attempts}
        try:
            position = int(self.redis.rpush(WAITING, job.task_id))
            self.app.send_task(TASK, args=[job.op, job.kwargs, job.pictures, meta],
                               task_id=job.task_id, queue=QUEUE,
                               expires=max(1.0, job.deadline - time.time()))
        except Exception as e:
            try:
                self.redis.lrem(WAITING, 0, job.task_id)
            except Exception:
                pass
            raise self._down(e) from e
        return position

    # --- events (in order, from one thread, never under a lock) ----------------------
    def _post(self, job: Job[Any], event: JobEvent,
              settle: Callable[[], None] | None = None) -> None:
        job.stage = event.stage
        self._events.put((job, event, settle))

    def _dispatch(self) -> None:
        while (item := self._events.get()) is not None:
            job, event, settle = item
            job._deliver(event)
            if settle is not None:
                settle()

    def _finish(self, job: RemoteJob, event: JobEvent, *, value: Any = None,
                exc: BaseException | None = None) -> None:
        with self._lock:
            if self._jobs.get(job.task_id) is not job or job.stage in FINAL:
                return  # finished already (cancel raced with the result): once only
            del self._jobs[job.task_id]
            job.stage = event.stage
        self._post(job, event, settler(job._future, value, exc))
        try:
            self.app.backend.forget(job.task_id)
        except Exception:
            pass

    def _fail(self, job: RemoteJob, exc: BaseException) -> None:
        self._finish(job, JobEvent("failed", label=job.label, error=str(exc)), exc=exc)

    # --- cancelling (Job.cancel calls _drop) -------------------------------------------
    def _drop(self, job: Job[Any]) -> None:
        assert isinstance(job, RemoteJob)
        tid = job.task_id
        try:
            self.redis.set(cancel_key(tid), 1, ex=int(self.deadline_s) + 3600)
        except Exception:
            log.warning("could not mark job %s cancelled in the broker", tid)
        if job.started:
            return  # the worker stops at its next step and says so
        try:
            self.redis.lrem(WAITING, 0, tid)
            self.app.control.revoke(tid)
        except Exception:
            log.warning("could not revoke job %s", tid)
        self._finish(job, JobEvent("cancelled", label=job.label),
                     exc=JobCancelled("cancelled before it started"))

    # --- following the jobs -------------------------------------------------------------
    def _poll(self) -> None:
        while not (self.closed and not self._jobs):
            with self._lock:
                jobs = list(self._jobs.values())
            if not jobs:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            try:
                self._poll_once(jobs)
                self._down_since = None
            except Exception as e:
                now = time.monotonic()
                self._down_since = self._down_since or now
                if now - self._down_since > BROKER_DOWN_S:
                    for job in jobs:
                        self._fail(job, self._down(e))
            time.sleep(POLL_S)
        self._events.put(None)

    def _poll_once(self, jobs: list[RemoteJob]) -> None:
        from celery import states

        backend = self.app.backend
        pipe = self.redis.pipeline(transaction=False)
        for job in jobs:
            pipe.get(backend.get_key_for_task(job.task_id))
            pipe.exists(alive_key(job.task_id))
        pipe.lrange(WAITING, 0, -1)
        pipe.zcount(WORKERS, time.time() - WORKER_TTL_S, "+inf")
        answers = pipe.execute()
        waiting = [w.decode() if isinstance(w, bytes) else w for w in answers[-2]]
        order = {tid: i for i, tid in enumerate(waiting)}
        workers = int(answers[-1])
        now, clock = time.time(), time.monotonic()
        for i, job in enumerate(jobs):
            raw, alive = answers[2 * i], answers[2 * i + 1]
            meta = backend.decode_result(raw) if raw else {"status": states.PENDING}
            status = meta["status"]
            if workers:
                job.last_worker_seen = clock
            if job._cancel_requested.is_set() and not job.started:
                self._drop(job)  # a cancel that came while the job was being sent again
                continue
            if status == states.SUCCESS:
                self._settle(job, meta.get("result") or {})
            elif status in (states.FAILURE, states.REVOKED):
                if status == states.REVOKED and job.deadline <= now + 1:
                    self._fail(job, _error_from({"kind": "expired"}))
                elif status == states.REVOKED:
                    self._finish(job, JobEvent("cancelled", label=job.label),
                                 exc=JobCancelled("cancelled"))
                else:
                    self._fail(job, RuntimeError(f"the image worker failed: {meta.get('result')}"))
            elif status in (states.STARTED, "PROGRESS") or alive:
                self._follow_running(job, meta, bool(alive), clock)
            else:  # PENDING: waiting for a worker
                self._follow_waiting(job, order.get(job.task_id), now, clock)

    def _settle(self, job: RemoteJob, result: dict[str, Any]) -> None:
        if result.get("ok"):
            try:
                value = decode_result(result["result"])
            except Exception as e:  # a malformed answer is a failure, not a crash
                self._fail(job, RuntimeError(f"unreadable answer from the image worker: {e}"))
                return
            self._finish(job, JobEvent("done", label=job.label), value=value)
        elif result.get("kind") == "cancelled":
            self._finish(job, JobEvent("cancelled", label=job.label),
                         exc=_error_from(result))
        else:
            self._fail(job, _error_from(result))

    def _follow_running(self, job: RemoteJob, meta: dict[str, Any], alive: bool,
                        clock: float) -> None:
        if not job.started:
            job.started, job.last_alive = True, clock
            self._post(job, JobEvent("running", step=0, label=job.label))
        if alive:
            job.last_alive = clock
        info = meta.get("result") if meta.get("status") == "PROGRESS" else None
        if isinstance(info, dict) and "step" in info:
            step = (int(info["step"]), int(info["total"]))
            if step != job.step:
                job.step = step
                self._post(job, JobEvent("running", step=step[0], total=step[1],
                                         label=job.label))
        if clock - job.last_alive > ALIVE_TTL_S + 1:
            self._lost(job)

    def _lost(self, job: RemoteJob) -> None:
        """The worker running ``job`` died: send it again once, else say so."""
        old = job.task_id
        log.warning("the worker running job %s (%s) is gone", old, job.label)
        try:
            self.redis.set(cancel_key(old), 1, ex=int(self.deadline_s) + 3600)
        except Exception:
            pass
        if job._cancel_requested.is_set():
            self._finish(job, JobEvent("cancelled", label=job.label), exc=JobCancelled())
            return
        if job.attempts >= ATTEMPTS or time.time() >= job.deadline:
            self._fail(job, WorkerLost("The image worker stopped while making this picture "
                                       "and it could not be finished; please try again."))
            return
        with self._lock:
            self._jobs.pop(old, None)
        try:
            position = self._send(job)
        except BrokerDown as e:
            with self._lock:
                self._jobs[old] = job
            self._fail(job, e)
            return
        with self._lock:
            self._jobs[job.task_id] = job
        job.position = position
        self._post(job, JobEvent("queued", position=position, label=job.label))

    def _follow_waiting(self, job: RemoteJob, index: int | None, now: float,
                        clock: float) -> None:
        if now > job.deadline + 2:
            try:
                self.redis.set(cancel_key(job.task_id), 1, ex=int(self.deadline_s) + 3600)
                self.redis.lrem(WAITING, 0, job.task_id)
            except Exception:
                pass
            self._fail(job, _error_from({"kind": "expired"}))
            return
        if clock - job.last_worker_seen > NO_WORKER_S:
            try:
                self.redis.set(cancel_key(job.task_id), 1, ex=int(self.deadline_s) + 3600)
                self.redis.lrem(WAITING, 0, job.task_id)
            except Exception:
                pass
            self._fail(job, WorkerLost("No image worker is running, so this picture cannot "
                                       "be made now. (The operator starts one with: "
                                       "python bot.py worker)"))
            return
        if index is not None and index + 1 != job.position:
            job.position = index + 1
            self._post(job, JobEvent("queued", position=job.position, label=job.label))


# ------------------------------------------------------------------------ the worker command
def _prepare_process(settings: Settings, threads: int | None) -> None:
    """One process that runs jobs: torch threads, then the profile's models, once."""
    import torch

    from tools import models

    device = models.pick_device(settings)
    if threads or device.type == "cpu":
        torch.set_num_threads(threads or 1)
    started = time.monotonic()
    models.load_txt2img(settings)
    models.load_img2img(settings)
    log.info("models of profile %s loaded on %s in %.1f s", settings.profile, device,
             time.monotonic() - started)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """``python bot.py worker``: run image jobs from the broker until stopped."""
    from celery import signals

    url = settings.broker_url.strip()
    if not url:
        print("error: set IMAGECHAT_BROKER_URL (e.g. redis://127.0.0.1:6379/0) or "
              "broker_url in config.toml", flush=True)
        return 2
    concurrency = max(1, int(args.concurrency or 1))
    name = args.name or f"imagechat-{os.getpid()}@{socket.gethostname()}"
    app = make_app(url, deadline_of(settings))
    app.conf.worker_redirect_stdouts = False
    r = _redis(url)
    try:
        r.ping()
    except Exception as e:
        print(f"error: the broker at {safe_url(url)} cannot be reached: {e}", flush=True)
        return 1
    _worker.update(settings=settings, redis=r, name=name)
    logging.basicConfig(level=getattr(logging, str(args.loglevel).upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if concurrency == 1:
        _prepare_process(settings, args.threads)  # the solo pool runs jobs in this process
    else:
        @signals.worker_process_init.connect(weak=False)
        def _child(**_: Any) -> None:
            _worker["redis"] = _redis(url)  # never share a connection across fork
            _prepare_process(settings, args.threads)

    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(WORKER_TTL_S / 3):
            try:
                r.zadd(WORKERS, {name: time.time()})
            except Exception:
                log.warning("cannot reach the broker for the heartbeat")

    @signals.worker_ready.connect(weak=False)
    def _ready(**_: Any) -> None:
        r.zadd(WORKERS, {name: time.time()})
        threading.Thread(target=beat, name="worker-heartbeat", daemon=True).start()
        print(f"imagechat worker {name} ready: profile {settings.profile}, "
              f"{concurrency} job(s) at once, queue {QUEUE} at {safe_url(url)}", flush=True)

    argv = ["worker", f"--hostname={name}", f"--concurrency={concurrency}",
            f"--pool={'solo' if concurrency == 1 else 'prefork'}", f"--queues={QUEUE}",
            f"--loglevel={args.loglevel}", "--without-gossip", "--without-mingle"]
    try:
        app.worker_main(argv)
    finally:
        stop.set()
        try:
            r.zrem(WORKERS, name)
        except Exception:
            pass
    return 0
