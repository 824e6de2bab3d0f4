"""The accelerator job queue: one job at a time, positions, progress, cancel, asyncio."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from tools.generate import generate
from tools.jobs import JobCancelled, JobEvent, JobQueue, QueueFull, get_queue

WAIT = 30  # seconds; generous for a loaded 2-core machine, never reached when all is well



@pytest.fixture
def queue():
    q = JobQueue("test", max_queue=20)
    yield q
    q.shutdown()


def blocker(q: JobQueue):
    """A running job that holds the queue until ``release.set()``."""
    started, release = threading.Event(), threading.Event()

    def work(ctx):
        started.set()
        assert release.wait(WAIT)
        return "blocker done"

    job = q.submit(work, label="blocker")
    assert started.wait(WAIT)
    return job, release


def recorder():
    events: list[JobEvent] = []
    return events, events.append


def test_ten_concurrent_submissions_all_finish_one_at_a_time(queue):
    lock = threading.Lock()
    running = 0
    peak = 0
    spans: list[tuple[float, float]] = []

    def work(i):
        def run(ctx):
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            start = time.monotonic()
            time.sleep(0.02)
            end = time.monotonic()
            with lock:
                running -= 1
                spans.append((start, end))
            return i * i

        return run

    jobs: list = [None] * 10

    def submit(i):
        jobs[i] = queue.submit(work(i), label=f"job {i}")

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [job.result(WAIT) for job in jobs] == [i * i for i in range(10)]
    assert peak == 1
    spans.sort()
    assert all(
        prev_end <= start for (_, prev_end), (start, _) in zip(spans, spans[1:], strict=False)
    )


def test_positions_are_reported_and_updated(queue):
    first, release = blocker(queue)
    logs = [recorder() for _ in range(3)]
    jobs = [
        queue.submit(lambda ctx, i=i: i, label=f"j{i}", on_progress=log[1])
        for i, log in enumerate(logs)
    ]
    assert [j.position for j in jobs] == [2, 3, 4]  # the running job is ahead of them all
    jobs[0].cancel()
    release.set()
    assert [j.result(WAIT) for j in jobs[1:]] == [1, 2]
    with pytest.raises(JobCancelled):
        jobs[0].result(WAIT)

    def stages(events):
        return [(e.stage, e.position) for e in events]

    assert stages(logs[0][0]) == [("queued", 2), ("cancelled", None)]
    assert stages(logs[1][0]) == [("queued", 3), ("queued", 2), ("running", None), ("done", None)]
    assert stages(logs[2][0]) == [
        ("queued", 4),
        ("queued", 3),
        ("queued", 2),
        ("running", None),
        ("done", None),
    ]
    assert first.result(WAIT) == "blocker done"


def test_a_cancelled_queued_job_never_starts(queue):
    first, release = blocker(queue)
    ran = threading.Event()
    job = queue.submit(lambda ctx: ran.set(), label="later")
    assert job.cancel() is True
    release.set()
    with pytest.raises(JobCancelled):
        job.result(WAIT)
    first.result(WAIT)
    queue.submit(lambda ctx: None).result(WAIT)  # the queue has moved past it
    assert not ran.is_set()
    assert job.cancel() is False  # finished jobs cannot be cancelled


def test_a_running_generation_stops_at_the_next_step(queue, settings):
    events, on_progress = recorder()
    jobs: list = []

    def work(ctx):
        def progress(step, total):
            ctx.progress(step, total)
            if step == 2:
                jobs[0].cancel()  # as a user pressing "stop" during step 2 would

        return generate(
            "a cat", steps=30, seed=1, settings=settings, progress=progress, cancel=ctx.cancelled
        )

    jobs.append(queue.submit(work, label="generating", on_progress=on_progress))
    with pytest.raises(JobCancelled):
        jobs[0].result(WAIT)
    running = [(e.step, e.total) for e in events if e.stage == "running" and e.step]
    assert running == [(1, 30), (2, 30)]  # stopped at step 3 of 30, before running it
    assert events[-1].stage == "cancelled" and jobs[0].stage == "cancelled"


def test_progress_of_a_queued_generation_reaches_every_step(queue, settings):
    events, on_progress = recorder()
    job = queue.submit(
        lambda ctx: generate(
            "a cat", steps=4, seed=2, settings=settings, progress=ctx.progress, cancel=ctx.cancelled
        ),
        label="generating",
        on_progress=on_progress,
    )
    [result] = job.result(WAIT)
    assert result.image.size == (64, 64)
    assert [(e.stage, e.step, e.total) for e in events] == [
        ("queued", None, None),
        ("running", 0, None),
        *[("running", i, 4) for i in range(1, 5)],
        ("done", None, None),
    ]
    assert all(e.label == "generating" for e in events)


def test_a_full_queue_says_busy(queue):
    queue.max_queue = 2
    assert queue.describe() == "the image queue (test) is idle"
    first, release = blocker(queue)
    waiting = [queue.submit(lambda ctx: "ok") for _ in range(2)]
    with pytest.raises(QueueFull, match="busy.*try again"):
        queue.submit(lambda ctx: "one too many")
    assert queue.describe() == "image queue (test): running: blocker; 2 waiting (limit 2)"
    release.set()
    assert [j.result(WAIT) for j in waiting] == ["ok", "ok"]
    assert queue.submit(lambda ctx: "room again").result(WAIT) == "room again"


def test_a_failing_job_reports_and_the_next_one_still_runs(queue):
    events, on_progress = recorder()

    def boom(ctx):
        raise ValueError("the model exploded")

    bad = queue.submit(boom, on_progress=on_progress)
    good = queue.submit(lambda ctx: "fine")
    with pytest.raises(ValueError, match="exploded"):
        bad.result(WAIT)
    assert good.result(WAIT) == "fine"
    assert events[-1] == JobEvent("failed", error="the model exploded")


def test_a_broken_progress_listener_does_not_break_the_job(queue):
    def listener(event):
        raise RuntimeError("listener bug")

    assert queue.submit(lambda ctx: 5, on_progress=listener).result(WAIT) == 5


async def test_awaiting_a_job_does_not_block_the_event_loop(queue):
    release = threading.Event()
    job = queue.submit(lambda ctx: release.wait(WAIT) and "finished")
    ticks = 0

    async def ticker():
        nonlocal ticks
        while not job.done():
            ticks += 1
            if ticks == 5:
                release.set()
            await asyncio.sleep(0.01)

    result, _ = await asyncio.wait_for(asyncio.gather(job, ticker()), WAIT)
    assert result == "finished"
    assert ticks >= 5  # the loop kept running while the job waited


async def test_cancelling_the_awaiting_task_cancels_the_job(queue):
    first, release = blocker(queue)
    ran = threading.Event()
    job = queue.submit(lambda ctx: ran.set())
    task = asyncio.create_task(job.wait())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    await asyncio.wait_for(first.wait(), WAIT)
    with pytest.raises(JobCancelled):
        await asyncio.wait_for(job.wait(), WAIT)
    assert not ran.is_set()


def test_get_queue_is_one_queue_per_device(settings):
    q = get_queue(settings)
    assert q is get_queue(settings.with_(max_queue=3))
    assert q.name == "cpu"
    assert q.submit(lambda ctx: "ran on the shared queue").result(WAIT) == (
        "ran on the shared queue"
    )


def test_a_job_sees_the_submitters_context_variables(settings) -> None:  # noqa: ANN001
    import contextvars

    from tools.jobs import get_queue

    request = contextvars.ContextVar("request")
    request.set("alice's turn")
    job = get_queue(settings).submit(lambda ctx: request.get("none"), label="ctx")
    assert job.result(10) == "alice's turn"
