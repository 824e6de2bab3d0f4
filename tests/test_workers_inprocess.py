"""Image work through Celery and a real Redis, the worker running in this process.

A throwaway ``redis-server`` on loopback (skipped when it is not installed) and Celery's own
in-thread test worker (``celery.contrib.testing.worker.start_worker``, solo pool) run the very
task ``python bot.py worker`` runs, so these tests are fast and coverage counts the worker's
side too. Where a worker must misbehave (never answer, die mid-job, answer garbage), the test
plays the worker by writing what Celery's result backend would hold. The slow tests in
test_workers.py keep the real ``bot.py worker`` processes (kill -9, two workers).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import errors
from agent.engine import Agent
from agent.types import Reply, Turn
from settings import Settings
from storage import repo
from tests.servers import RedisMissing, free_port, redis_server
from tools import workers
from tools.jobs import JobCancelled, JobEvent, QueueFull
from tools.work import b64, encode_result, png_bytes, run_operation
from tools.workers import (
    WAITING,
    BrokerDown,
    CeleryWork,
    JobExpired,
    WorkerLost,
    alive_key,
    cancel_key,
)

# the front gives a silent worker ALIVE_TTL_S + 1 s; this makes it 0.2 s
LAPSE = -0.8
SHORT = {"prompt": "a quick cat", "seed": 4, "steps": 3}
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning")

LONG = {"prompt": "a slow cat", "seed": 3, "steps": 150, "width": 256, "height": 256}


@pytest.fixture(scope="module")
def _redis_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("redis-inprocess")


def _server(folder: Path) -> Iterator[str]:
    try:
        server = redis_server(folder)
        url = server.__enter__()
    except RedisMissing as e:
        pytest.skip(str(e))
    try:
        yield url
    finally:
        server.__exit__(None, None, None)


@pytest.fixture(scope="module")
def busy_url(_redis_folder: Path, model_cache: Path) -> Iterator[str]:
    """A Redis with one in-process Celery worker (tiny profile) taking its jobs."""
    from celery.contrib.testing.worker import start_worker

    for url in _server(_redis_folder / "busy"):
        worker_settings = Settings.load(env={}, home=_redis_folder / "worker-home",
                                        profile="tiny", device="cpu",
                                        model_cache=str(model_cache), broker_url=url)
        app = workers.make_app(url)
        saved = dict(workers._worker)
        workers._worker.update(settings=worker_settings, redis=workers._redis(url),
                               name="inprocess-worker")
        try:
            with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False,
                              loglevel="WARNING", shutdown_timeout=30):
                yield url
        finally:
            workers._worker.clear()
            workers._worker.update(saved)


@pytest.fixture
def idle_url(tmp_path: Path) -> Iterator[str]:
    """A Redis nobody works for: jobs stay queued until the test plays the worker."""
    yield from _server(tmp_path / "idle")


def front(settings: Settings, url: str, **kw: Any) -> CeleryWork:
    return CeleryWork(settings.with_(broker_url=url, **kw))


def until(test: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if test():
            return
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout} s")


def stages(events: list[JobEvent]) -> list[tuple]:
    return [(e.stage, e.position) if e.stage == "queued" else (e.stage,) for e in events
            if not (e.stage == "running" and e.total)]


def say(agent: Agent, text: str, **kw: Any) -> Reply:
    return agent.handle_turn(Turn(user="cli:alice", text=text, **kw))


def stored(agent: Agent) -> list[tuple]:
    with agent.storage.db.session() as s:
        conv = repo.current_conversation(s, repo.get_user(s, "cli:alice"))
        return [(i.number, i.tool, i.prompt, i.seed, i.steps, i.width, i.file)
                for i in repo.list_images(s, conv)]


# ------------------------------------------------------------ a worker that does its job
def test_a_chat_through_the_worker_stores_the_same_pictures_as_in_process(
        settings: Settings, tmp_path: Path, busy_url: str) -> None:
    here = Agent(settings)
    there = Agent(settings.with_(home=tmp_path / "front", broker_url=busy_url))
    for text in ("/settings seed 7", "/settings steps 3", "a red car", "make it blue"):
        seen: list[JobEvent] = []
        a, b = say(here, text), say(there, text, on_progress=seen.append)
        assert not a.error and not b.error, (a.text, b.text)
        assert a.text == b.text
        assert len(a.images) == len(b.images)
    # the same recipes and the very same pixels (the file name is the PNG's hash)
    assert stored(there) == stored(here)
    assert [r[1] for r in stored(there)] == ["generate", "refine"]
    # the user saw the job queued, then done (a job this quick may skip "running")
    assert (seen[0].stage, seen[0].position, seen[-1].stage) == ("queued", 1, "done")


def test_progress_and_describe_of_a_job_run_by_the_worker(
        settings: Settings, busy_url: str) -> None:
    work = front(settings, busy_url)
    try:
        seen: list[JobEvent] = []
        job = work.submit("generate", SHORT, label="cat", on_progress=seen.append)
        made = job.result(60)
        assert made[0].recipe.prompt == "a quick cat" and made[0].image.size == (64, 64)
        assert stages(seen)[0] == ("queued", 1)
        assert stages(seen)[-1] == ("done",)
        assert not work.busy()
        text = work.describe()
        assert "0 job(s) waiting" in text and "0 from here" in text
        assert f"limit {settings.max_queue}" in text
    finally:
        work.shutdown()


def test_cancelling_a_running_job_stops_it_at_its_next_step_and_frees_the_worker(
        settings: Settings, busy_url: str) -> None:
    work = front(settings, busy_url)
    try:
        seen: list[JobEvent] = []
        job = work.submit("generate", LONG, label="slow", on_progress=seen.append)
        until(lambda: any(e.stage == "running" and (e.step or 0) >= 2 for e in seen), 60)
        started = time.monotonic()
        assert job.cancel()
        with pytest.raises(JobCancelled):
            job.result(15)
        assert time.monotonic() - started < 5
        assert seen[-1].stage == "cancelled"
        steps = [e.step or 0 for e in seen if e.stage == "running"]
        assert max(steps) < LONG["steps"]
        # the worker is free again at once
        assert work.submit("generate", SHORT).result(60)[0].recipe.seed == 4
    finally:
        work.shutdown()


def test_a_job_the_worker_fails_on_is_a_failure_with_its_reason(
        settings: Settings, busy_url: str) -> None:
    work = front(settings, busy_url)
    try:
        seen: list[JobEvent] = []
        job = work.submit("generate", {"prompt": "a cat", "colour_depth": 9},
                          on_progress=seen.append)
        with pytest.raises(RuntimeError, match="the image worker failed: TypeError") as e:
            job.result(60)
        assert "colour_depth" in str(e.value)
        assert seen[-1].stage == "failed" and "TypeError" in (seen[-1].error or "")
    finally:
        work.shutdown()


# ----------------------------------------------------- the queue, with no worker taking jobs
def test_queue_positions_move_up_when_a_queued_job_is_cancelled(
        settings: Settings, idle_url: str) -> None:
    work = front(settings, idle_url)
    try:
        seen_a: list[JobEvent] = []
        seen_b: list[JobEvent] = []
        a = work.submit("generate", SHORT, label="a", on_progress=seen_a.append)
        b = work.submit("generate", SHORT, label="b", on_progress=seen_b.append)
        until(lambda: bool(seen_b))
        assert stages(seen_b) == [("queued", 2)]
        assert work.waiting() == 2 and work.busy()
        assert "2 job(s) waiting" in work.describe() and "2 from here" in work.describe()
        started = time.monotonic()
        assert a.cancel()
        with pytest.raises(JobCancelled, match="before it started"):
            a.result(5)
        assert time.monotonic() - started < 2
        assert stages(seen_a)[-1] == ("cancelled",)
        until(lambda: stages(seen_b)[-1] == ("queued", 1), 5)  # b moved up
        assert work.waiting() == 1
        assert work.redis.exists(cancel_key(a.task_id))  # a worker would skip it
    finally:
        work.shutdown()
    with pytest.raises(JobCancelled):  # shutting down cancels what is still queued
        b.result(5)


def test_a_full_queue_refuses_a_job_with_a_line_saying_so(
        settings: Settings, idle_url: str) -> None:
    work = front(settings, idle_url, max_queue=2)
    try:
        work.submit("generate", SHORT)
        work.submit("generate", SHORT)
        with pytest.raises(QueueFull, match="busy: 2 image jobs are already waiting"):
            work.submit("generate", SHORT)
    finally:
        work.shutdown()
    with pytest.raises(errors.ImagechatError, match="shut down"):
        work.submit("generate", SHORT)


def test_a_job_with_no_worker_alive_fails_instead_of_waiting_for_ever(
        settings: Settings, idle_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "NO_WORKER_S", 0.3)
    work = front(settings, idle_url)
    try:
        job = work.submit("generate", SHORT)
        with pytest.raises(WorkerLost, match="No image worker is running") as e:
            job.result(10)
        assert "python bot.py worker" in str(e.value)
        assert work.waiting() == 0 and work.redis.exists(cancel_key(job.task_id))
    finally:
        work.shutdown()


def test_a_queued_job_past_its_deadline_is_dropped_with_a_message(
        settings: Settings, idle_url: str) -> None:
    work = front(settings, idle_url, job_deadline_s=0.2)
    try:
        job = work.submit("generate", SHORT)
        with pytest.raises(JobExpired, match="passed its deadline") as e:
            job.result(10)
        assert "Please ask again" in str(e.value)
        assert work.waiting() == 0
    finally:
        work.shutdown()


def play_worker(work: CeleryWork, task_id: str, state: str, result: Any = None) -> None:
    """Write what a Celery worker would leave in the result backend for ``task_id``."""
    if state != "PENDING":
        work.redis.lrem(WAITING, 0, task_id)
    work.app.backend.store_result(task_id, result, state)


def test_a_worker_that_dies_mid_job_gets_its_job_sent_again_once_then_a_clear_line(
        settings: Settings, idle_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "ALIVE_TTL_S", LAPSE)
    work = front(settings, idle_url)
    try:
        seen: list[JobEvent] = []
        job = work.submit("generate", SHORT, label="cat", on_progress=seen.append)
        first = job.task_id
        play_worker(work, first, "STARTED")  # it starts, never says it is alive: died
        until(lambda: job.task_id != first, 10)
        assert job.attempts == 2 and work.redis.exists(cancel_key(first))
        second = job.task_id
        play_worker(work, second, "PROGRESS", {"step": 1, "total": 3})
        with pytest.raises(WorkerLost, match="stopped while making this picture"):
            job.result(10)
        assert stages(seen) == [("queued", 1), ("running",), ("queued", 1), ("running",),
                                ("failed",)]
        assert [(e.step, e.total) for e in seen if e.total] == [(1, 3)]
    finally:
        work.shutdown()


def test_a_cancel_while_the_worker_is_gone_ends_the_job_as_cancelled(
        settings: Settings, idle_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "ALIVE_TTL_S", LAPSE)
    work = front(settings, idle_url)
    try:
        seen: list[JobEvent] = []
        job = work.submit("generate", SHORT, on_progress=seen.append)
        work.redis.set(alive_key(job.task_id), "w")  # running on a live worker
        play_worker(work, job.task_id, "STARTED")
        until(lambda: job.started)
        assert job.cancel()  # running: the worker would stop at its next step...
        assert work.redis.exists(cancel_key(job.task_id))
        work.redis.delete(alive_key(job.task_id))  # ... but it died instead
        with pytest.raises(JobCancelled):
            job.result(10)
        assert seen[-1].stage == "cancelled" and job.attempts == 1
    finally:
        work.shutdown()


ANSWERS = [
    ("SUCCESS", {"ok": False, "kind": "cancelled", "error": "cancelled"}, JobCancelled,
     "cancelled"),
    ("SUCCESS", {"ok": False, "kind": "expired"}, JobExpired, "passed its deadline"),
    ("SUCCESS", {"ok": False, "kind": "error", "type": "InvalidInput",
                 "error": "that picture is too small"}, errors.InvalidInput,
     "that picture is too small"),
    ("SUCCESS", {"ok": False, "kind": "error", "type": "QueueFull", "error": "busy"},
     QueueFull, "busy"),
    ("SUCCESS", {"ok": False, "kind": "error", "type": "ValueError", "error": "boom"},
     RuntimeError, "the image worker failed: ValueError: boom"),
    ("SUCCESS", {"ok": True, "result": {"kind": "nonsense"}}, RuntimeError,
     "unreadable answer from the image worker"),
    ("FAILURE", {"exc_type": "MemoryError", "exc_message": ["out of memory"]}, RuntimeError,
     "the image worker failed"),
    ("REVOKED", None, JobCancelled, "cancelled"),
]


@pytest.mark.parametrize(("state", "answer", "raised", "said"), ANSWERS,
                         ids=["cancelled", "expired", "our-error", "queue-full",
                              "other-error", "garbled", "failure", "revoked"])
def test_what_the_worker_answers_is_what_the_user_is_told(
        settings: Settings, idle_url: str, state: str, answer: Any,
        raised: type[BaseException], said: str) -> None:
    work = front(settings, idle_url)
    try:
        seen: list[JobEvent] = []
        job = work.submit("generate", SHORT, on_progress=seen.append)
        if state == "FAILURE":
            work.redis.lrem(WAITING, 0, job.task_id)
            work.app.backend.mark_as_failure(job.task_id, MemoryError("out of memory"))
        else:
            play_worker(work, job.task_id, state, answer)
        with pytest.raises(raised, match=said):
            job.result(10)
        assert seen[-1].stage == ("cancelled" if raised is JobCancelled else "failed")
        assert not work.busy()
    finally:
        work.shutdown()


def test_a_good_answer_gives_the_pictures_back(settings: Settings, idle_url: str) -> None:
    made = run_operation("generate", SHORT, [], settings=settings)
    work = front(settings, idle_url)
    try:
        job = work.submit("generate", SHORT)
        play_worker(work, job.task_id, "SUCCESS", {"ok": True, "result": encode_result(made)})
        back = job.result(10)
        assert back[0].recipe == made[0].recipe
        assert back[0].image.tobytes() == made[0].image.tobytes()
    finally:
        work.shutdown()


def test_a_broker_that_goes_down_mid_job_fails_the_job_with_one_clear_line(
        settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "BROKER_DOWN_S", 0.3)
    server = _server(tmp_path / "doomed")
    url = next(server)
    work = front(settings, url)
    try:
        job = work.submit("generate", SHORT)
        server.close()  # redis-server stops
        with pytest.raises(BrokerDown, match="cannot be reached right now") as e:
            job.result(20)
        assert "Text commands still work" in str(e.value)
        assert "cannot be reached" in work.describe()
        assert job.cancel() is False  # over already
    finally:
        work.shutdown()


# --------------------------------------------------- the task itself, as the worker runs it
class _Task:
    """What Celery hands the task as ``self``: its request id and ``update_state``."""

    def __init__(self, task_id: str):
        self.request = type("Request", (), {"id": task_id})()
        self.states: list[tuple[str, dict]] = []

    def update_state(self, state: str, meta: dict) -> None:
        self.states.append((state, meta))


@pytest.fixture
def as_worker(settings: Settings, idle_url: str) -> Iterator[Any]:
    import redis

    saved = dict(workers._worker)
    client = redis.Redis.from_url(idle_url)
    workers._worker.update(settings=settings, redis=client, name="w-test")
    yield client
    workers._worker.clear()
    workers._worker.update(saved)


def test_the_task_skips_a_job_cancelled_or_expired_before_it_started(as_worker: Any) -> None:
    as_worker.rpush(WAITING, "t1", "t2")
    as_worker.set(cancel_key("t1"), 1)
    out = workers._run_task(_Task("t1"), "generate", SHORT, [], {"deadline": time.time() + 60})
    assert out == {"ok": False, "kind": "cancelled", "error": "cancelled before it started"}
    out = workers._run_task(_Task("t2"), "generate", SHORT, [], {"deadline": time.time() - 1})
    assert out["kind"] == "expired"
    assert as_worker.llen(WAITING) == 0  # both left the waiting line


def test_the_task_runs_a_job_with_pictures_and_reports_its_steps(
        as_worker: Any, settings: Settings) -> None:
    photo = run_operation("generate", SHORT, [], settings=settings)[0].image
    task = _Task("t3")
    out = workers._run_task(task, "img2img", {"prompt": "a blue cat", "seed": 1, "steps": 4,
                                              "strength": 0.5},
                            [b64(png_bytes(photo))], {"profile": "tiny"})
    assert out["ok"], out
    assert task.states and task.states[-1] == ("PROGRESS", {"step": 2, "total": 2})
    assert not as_worker.exists(alive_key("t3"))  # its alive key goes with it


def test_the_task_stops_when_cancelled_mid_job_and_says_which(as_worker: Any) -> None:
    task = _Task("t4")

    def cancel_at_the_first_report(state: str, meta: dict) -> None:
        task.states.append((state, meta))
        as_worker.set(cancel_key("t4"), 1)  # the user cancels while it runs

    task.update_state = cancel_at_the_first_report  # type: ignore[method-assign]
    out = workers._run_task(task, "generate", dict(SHORT, steps=40), [], {})
    assert out["ok"] is False and out["kind"] == "cancelled"
    assert task.states and max(m["step"] for _, m in task.states) < 40


def test_the_task_of_an_unknown_profile_fails_with_our_own_error(
        as_worker: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="tools.workers"):
        out = workers._run_task(_Task("t5"), "generate", SHORT, [], {"profile": "no-such"})
        crash = workers._run_task(_Task("t6"), "generate", {"prompt": "x", "bogus": 1}, [], {})
    assert out["ok"] is False and out["kind"] == "error"
    assert issubclass(getattr(errors, out["type"]), errors.ImagechatError), out
    assert "no-such" in out["error"]
    assert crash["type"] == "TypeError" and "bogus" in crash["error"]
    # a bug is logged with its traceback on the worker; a user's error is not
    assert [r.message for r in caplog.records] == ["job t6 (generate) failed"]


# ------------------------------------------------------------ python bot.py worker, refusing
def test_the_worker_command_without_a_broker_or_with_one_down_says_why(
        settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    args = argparse.Namespace(concurrency=1, name="", threads=None, loglevel="INFO")
    assert workers.run(args, settings.with_(broker_url="")) == 2
    assert "set IMAGECHAT_BROKER_URL" in capsys.readouterr().out
    down = f"redis://:secret@127.0.0.1:{free_port()}/0"
    assert workers.run(args, settings.with_(broker_url=down)) == 1
    out = capsys.readouterr().out
    assert "cannot be reached" in out and "secret" not in out
