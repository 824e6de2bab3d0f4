"""Image work in worker processes: Celery with a real Redis and real ``bot.py worker``
processes, started here on loopback (skipped when redis-server is not installed).

The fast tests need no server: jobs are plain JSON plus PNG bytes, and a broker that is
down gives one clear line while text commands keep working.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from agent.engine import Agent
from agent.types import Attachment, Reply, Turn
from settings import Settings
from storage import repo
from storage.models import Image
from tests.pictures import png
from tests.servers import RedisMissing, Worker, free_port, redis_server
from tools.jobs import JobCancelled, JobEvent
from tools.work import check_job, decode_result, encode_result, image_work, run_operation
from tools.workers import JobExpired

LONG = {"prompt": "a slow cat", "seed": 3, "steps": 150, "width": 256, "height": 256}
SHORT = {"prompt": "a quick cat", "seed": 4, "steps": 2}


def say(agent: Agent, text: str, pictures: list[bytes] = (), **kw) -> Reply:  # noqa: ANN003
    return agent.handle_turn(Turn(user="cli:alice", text=text, attachments=[
        Attachment(p, f"p{i}.png") for i, p in enumerate(pictures)], **kw))


def rows(agent: Agent) -> list[tuple]:
    """Every stored picture's recipe, in order."""
    with agent.storage.db.session() as s:
        conv = repo.current_conversation(s, repo.get_user(s, "cli:alice"))
        return [(i.number, i.kind, i.tool, i.prompt, i.negative_prompt, i.seed, i.steps,
                 i.guidance, i.width, i.height, i.model,
                 i.parent.number if i.parent else None,
                 {k: v for k, v in (i.extra or {}).items() if k != "source_image_id"},
                 i.file)
                for i in repo.list_images(s, conv)]


def image_count(agent: Agent) -> int:
    with agent.storage.db.session() as s:
        return s.query(Image).count()


# ------------------------------------------------------------------ no server needed
def test_a_job_travels_as_json_and_png_and_comes_back_the_same(settings: Settings) -> None:
    made = run_operation("generate", SHORT, [], settings=settings)
    back = decode_result(encode_result(made))
    assert [r.recipe for r in back] == [r.recipe for r in made]
    assert [r.image.tobytes() for r in back] == [r.image.tobytes() for r in made]
    # closures and objects cannot travel, so no engine takes them, the embedded one included
    with pytest.raises(ValueError, match="not plain JSON"):
        image_work(settings).submit("generate", {"prompt": "x", "seed": object()})
    with pytest.raises(ValueError, match="unknown image operation"):
        check_job("paint_my_house", {}, [])
    with pytest.raises(ValueError, match="picture"):
        check_job("img2img", {"prompt": "x"}, [])


def test_broker_down_is_one_clear_line_and_text_commands_still_work(
        settings: Settings) -> None:
    agent = Agent(settings.with_(broker_url=f"redis://127.0.0.1:{free_port()}/0"))
    started = time.monotonic()
    reply = say(agent, "a red car")
    assert time.monotonic() - started < 15
    assert reply.error and not reply.images
    assert "cannot be reached" in reply.text and "Text commands still work" in reply.text
    assert "Traceback" not in reply.text
    assert not say(agent, "help").error
    assert not say(agent, "history").error
    assert "cannot be reached" in agent.queue_status()


# ------------------------------------------------------------- a real Redis, real workers
@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    with _redis_or_skip(tmp_path_factory.mktemp("redis")) as url:
        yield url


@contextmanager
def _redis_or_skip(folder: Path) -> Iterator[str]:
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
def worker(redis_url: str, tmp_path_factory: pytest.TempPathFactory,
           model_cache: Path):  # noqa: ANN201
    w = Worker(redis_url, tmp_path_factory.mktemp("workers"), model_cache, "w1").wait_ready()
    yield w
    w.stop()


CONVERSATION = [("/settings seed 7", []), ("a red car", []), ("make it blue", []),
                ("undo", []), ("make it watercolor", [png("green", 80)]),
                ("add a red hat", []), ("zoom out", [])]


@pytest.mark.slow
def test_a_conversation_through_a_worker_gives_the_same_recipes_as_in_process(
        settings: Settings, tmp_path: Path, redis_url: str, worker: Worker) -> None:
    here = Agent(settings)
    there = Agent(settings.with_(home=tmp_path / "front", broker_url=redis_url))
    for i, (text, pictures) in enumerate(CONVERSATION):
        random.seed(i)  # the seeds edits pick: the same for both
        a = say(here, text, pictures)
        random.seed(i)
        b = say(there, text, pictures)
        assert not a.error and not b.error, (a.text, b.text)
        assert a.text == b.text
    expected = rows(here)
    assert [r[2] for r in expected] == ["generate", "refine", "upload", "instruct", "instruct",
                                        "zoom_out"]
    # the same recipes (prompt, seed, steps, size, tool...) and the very same pixels: the
    # file name is the hash of the PNG
    assert rows(there) == expected
    ran = worker.log.read_text().count("imagechat.run[")
    assert ran >= 2 * 6  # received + succeeded: 5 pictures and the photo's caption


def events_until(events: list[JobEvent], test, timeout: float = 60) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(test(e) for e in list(events)):
            return
        time.sleep(0.02)
    raise AssertionError(f"no such event in {timeout} s: {events[-5:]}")


@pytest.mark.slow
def test_cancel_stops_queued_and_running_jobs(settings: Settings, redis_url: str,
                                              worker: Worker) -> None:
    work = image_work(settings.with_(broker_url=redis_url))
    seen_a: list[JobEvent] = []
    seen_b: list[JobEvent] = []
    a = work.submit("generate", LONG, label="a", on_progress=seen_a.append)
    events_until(seen_a, lambda e: e.stage == "running" and (e.step or 0) >= 2)
    b = work.submit("generate", SHORT, label="b", on_progress=seen_b.append)
    events_until(seen_b, lambda e: e.stage == "queued" and e.position == 1)

    started = time.monotonic()  # queued: it never starts
    assert b.cancel()
    with pytest.raises(JobCancelled):
        b.result(5)
    assert time.monotonic() - started < 1
    assert seen_b[-1].stage == "cancelled"

    started = time.monotonic()  # running: it stops at its next step
    assert a.cancel()
    with pytest.raises(JobCancelled):
        a.result(10)
    assert time.monotonic() - started < 2
    steps = [e.step for e in seen_a if e.stage == "running" and e.total]
    assert steps and max(steps) < LONG["steps"]

    # the worker is free again at once, and the cancelled queued job never ran
    c = work.submit("generate", SHORT, label="c")
    assert c.result(30)[0].recipe.prompt == "a quick cat"
    log = worker.log.read_text()
    b_lines = [line for line in log.splitlines() if b.task_id in line]
    assert not any("'ok': True" in line for line in b_lines), b_lines


@pytest.mark.slow
def test_a_chat_turn_stops_when_the_user_cancels_it(settings: Settings, tmp_path: Path,
                                                    redis_url: str, worker: Worker) -> None:
    agent = Agent(settings.with_(home=tmp_path / "front", broker_url=redis_url))
    assert not say(agent, "/settings steps 150").error
    assert not say(agent, "/settings size 256").error
    cancel, seen = threading.Event(), []
    out: list[Reply] = []
    turn = threading.Thread(target=lambda: out.append(say(
        agent, "a red car", cancel=cancel, on_progress=seen.append)))
    turn.start()
    events_until(seen, lambda p: p.stage == "running" and (p.step or 0) >= 2)
    started = time.monotonic()
    cancel.set()
    turn.join(5)
    assert not turn.is_alive() and time.monotonic() - started < 2
    assert "Stopped" in out[0].text and not out[0].images
    assert image_count(agent) == 0


@pytest.mark.slow
def test_a_job_past_its_deadline_is_dropped_with_a_message(
        settings: Settings, redis_url: str, worker: Worker) -> None:
    busy = image_work(settings.with_(broker_url=redis_url))
    hurried = image_work(settings.with_(broker_url=redis_url, job_deadline_s=2))
    seen: list[JobEvent] = []
    a = busy.submit("generate", LONG, label="a", on_progress=seen.append)
    events_until(seen, lambda e: e.stage == "running")
    late = hurried.submit("generate", SHORT, label="late")
    started = time.monotonic()
    with pytest.raises(JobExpired, match="deadline") as caught:
        late.result(30)
    assert "Please ask again" in str(caught.value)
    assert time.monotonic() - started < 10
    a.cancel()


@pytest.mark.slow
def test_kill_9_of_a_worker_mid_job_reruns_it_and_stores_it_once(
        settings: Settings, tmp_path: Path, model_cache: Path) -> None:
    import redis

    from tools.workers import alive_key

    with _redis_or_skip(tmp_path / "redis") as url:
        workers = [Worker(url, tmp_path / "w", model_cache, f"k{i}") for i in (1, 2)]
        try:
            for w in workers:
                w.wait_ready()
            agent = Agent(settings.with_(home=tmp_path / "front", broker_url=url))
            assert not say(agent, "/settings steps 60").error
            assert not say(agent, "/settings size 256").error
            seen, out = [], []
            turn = threading.Thread(target=lambda: out.append(say(
                agent, "a red car", on_progress=seen.append)))
            turn.start()
            events_until(seen, lambda p: p.stage == "running" and (p.step or 0) >= 2)
            client = redis.Redis.from_url(url)
            running = [k for k in client.scan_iter(alive_key("*"))]
            assert len(running) == 1
            name = client.get(running[0]).decode()
            victim = next(w for w in workers if w.name == name)
            victim.kill9()
            killed = time.monotonic()
            turn.join(60)
            assert not turn.is_alive(), "no answer within 60 s of the kill"
            reply = out[0]
            assert time.monotonic() - killed < 60
            # rerun on the other worker: the picture, stored once
            assert len(reply.images) == 1, reply.text
            assert image_count(agent) == 1
            stored = rows(agent)[0]
            assert (stored[2], stored[3], stored[6], stored[8]) == ("generate", "a red car",
                                                                   60, 256)
        finally:
            for w in workers:
                w.stop()
