"""Faults a user, an operator or a hostile client can cause, and what each one sees.

A database deleted or replaced under a running bot, a full disk, several processes
building the tiny models at once, caches written outside the data dir, a real profile
without its weights and without the hub.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import event

from agent.engine import Agent
from agent.types import Turn
from settings import Settings
from storage import Storage, StorageError, repo
from tests.pictures import solid

ROOT = Path(__file__).resolve().parents[1]


def say(agent: Agent, text: str, user: str = "cli:alice"):  # noqa: ANN201
    return agent.handle_turn(Turn(user=user, text=text))


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# ------------------------------------------------------------- the database file goes away


def test_a_deleted_database_refuses_every_turn_instead_of_losing_it(
        settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    agent = Agent(settings)
    try:
        assert not say(agent, "/help").error
        db_file = settings.home / "imagechat.db"
        _remove_sqlite(db_file)
        with caplog.at_level(logging.ERROR):
            replies = [say(agent, f"hello {i}") for i in range(10)]
        # every turn is refused, none "succeeds" into the deleted file
        assert all(r.error for r in replies), [r.text for r in replies]
        assert all("restart" in r.text for r in replies)
        assert all(str(settings.home) not in r.text for r in replies)  # no paths for users
        assert str(db_file) in caplog.text and "deleted" in caplog.text  # the log has them
    finally:
        agent.storage.close()


def test_a_replaced_database_is_refused_and_the_error_keeps_the_path_on_detail(
        settings: Settings) -> None:
    st = Storage.open(settings)
    with st.db.session() as s:
        repo.get_or_create_user(s, "cli:alice")
    db_file = settings.home / "imagechat.db"
    other = settings.home / "other.db"
    sqlite3.connect(other).close()
    os.replace(other, db_file)  # e.g. a backup restored while the bot runs
    with pytest.raises(StorageError) as e:
        with st.db.session() as s:
            repo.get_or_create_user(s, "cli:bob")
    assert "restart" in str(e.value) and str(db_file) not in str(e.value)
    assert str(db_file) in e.value.detail and "replaced" in e.value.detail
    st.close()


def test_a_missing_database_beside_pictures_is_not_recreated_empty(settings: Settings) -> None:
    st = Storage.open(settings)  # a brand-new home: neither database nor pictures, fine
    st.images.put_image(solid((1, 2, 3)))
    with st.db.session() as s:
        repo.new_conversation(s, repo.get_or_create_user(s, "cli:alice"))
    st.close()
    Storage.open(settings).close()  # database and pictures: fine
    db_file = settings.home / "imagechat.db"
    _remove_sqlite(db_file)
    with pytest.raises(StorageError) as e:
        Storage.open(settings)
    # the operator (who starts bot.py) is told which file is missing and what to do
    assert str(db_file) in str(e.value) and "restore" in str(e.value)
    assert not db_file.exists()  # no empty history was created in its place


# ------------------------------------------------------------------------- a full disk


def test_a_full_image_folder_gives_a_clear_sentence_and_logs_the_path(
        settings: Settings, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    import storage.files

    def full(*args: object, **kwargs: object) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    agent = Agent(settings)
    try:
        monkeypatch.setattr(storage.files.tempfile, "mkstemp", full)
        with caplog.at_level(logging.ERROR):
            reply = say(agent, "a red car")
        assert reply.error
        assert "disk is full" in reply.text and "could not save the picture" in reply.text
        assert str(settings.home) not in reply.text and "Traceback" not in reply.text
        assert str(settings.images_dir) in caplog.text
        assert "Traceback" not in caplog.text  # a known failure, not a crash
        monkeypatch.undo()
        assert not say(agent, "a red car").error  # space again: the conversation goes on
    finally:
        agent.storage.close()


def test_a_full_database_disk_does_not_show_the_database_path(
        settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    st = Storage.open(settings)

    @event.listens_for(st.db.engine, "connect")
    def _tiny_quota(dbapi_conn, _record) -> None:  # noqa: ANN001
        dbapi_conn.execute("PRAGMA max_page_count = 40")  # a disk that fills up

    st.db.engine.dispose()
    with pytest.raises(StorageError) as e, caplog.at_level(logging.ERROR):
        with st.db.session() as s:
            conv = repo.new_conversation(s, repo.get_or_create_user(s, "cli:alice"))
            for _ in range(100):
                repo.add_message(s, conv, "user", "x" * 4000)
    assert "disk is full" in str(e.value)
    assert str(settings.home) not in str(e.value)
    assert str(settings.home / "imagechat.db") in e.value.detail
    assert str(settings.home / "imagechat.db") in caplog.text
    st.close()


# --------------------------------------------------------------- the tiny models' cache

_BUILDER = textwrap.dedent("""
    import json, os, sys, time
    from pathlib import Path
    from settings import Settings
    from tools.models import tiny_dir

    cache = Path(sys.argv[1])
    settings = Settings.load(env={}, home=cache / "home", model_cache=str(cache / "models"))

    def build(folder: Path) -> None:
        with open(cache / "builds.log", "a") as log:
            log.write(f"{os.getpid()}\\n")
        token = os.urandom(8).hex()
        for i in range(3):  # a build takes a while and writes several files
            (folder / f"part{i}.bin").write_text(token)
            time.sleep(0.1)

    start = float(sys.argv[2])
    time.sleep(max(0.0, start - time.time()))  # all processes start together
    folder = tiny_dir(settings, "racer", build)
    time.sleep(0.3)  # keep "loading" while the others finish
    parts = {p.read_text() for p in sorted(folder.glob("part*.bin"))}
    print(json.dumps({"folder": str(folder), "parts": sorted(parts),
                      "n": len(list(folder.glob("part*.bin")))}))
""")


def test_six_processes_building_the_same_tiny_model_all_succeed_with_one_build(
        tmp_path: Path) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    start = time.time() + 1.5
    procs = [subprocess.Popen([sys.executable, "-c", _BUILDER, str(tmp_path), str(start)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(6)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert [rc for _, _, rc in results] == [0] * 6, [err[-800:] for _, err, _ in results]
    outputs = [json.loads(out) for out, _, _ in results]
    assert len({o["folder"] for o in outputs}) == 1
    # every process loaded one complete build, the same one, that nobody replaced
    assert all(o["n"] == 3 and len(o["parts"]) == 1 for o in outputs), outputs
    assert len({o["parts"][0] for o in outputs}) == 1, outputs
    assert len((tmp_path / "builds.log").read_text().split()) == 1  # built once
    tiny = tmp_path / "models" / "tiny"
    assert sorted(p.name for p in tiny.iterdir()) == ["racer", "racer.lock"]  # no leftovers


# ------------------------------------------------------- caches stay under the data dir

_SEGMENTER = textwrap.dedent("""
    import json, os, sys, tempfile
    from settings import Settings
    from storage import Storage
    from tools.text import segment

    settings = Settings.load(env={}, home=sys.argv[1])
    Storage.open(settings).close()
    words = segment("一只猫坐在红色的沙发上")
    print(json.dumps({"words": words, "tmp": tempfile.gettempdir(),
                      "inductor": os.environ.get("TORCHINDUCTOR_CACHE_DIR")}))
""")


def test_jieba_and_torch_caches_are_kept_under_the_data_dir(tmp_path: Path) -> None:
    shared_tmp = tmp_path / "shared-tmp"  # stands for /tmp, which every local user shares
    shared_tmp.mkdir()
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items()
           if k not in ("IMAGECHAT_HOME", "TORCHINDUCTOR_CACHE_DIR")}
    env.update(TMPDIR=str(shared_tmp), PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", _SEGMENTER, str(home)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert "猫" in result["words"] and result["tmp"] == str(shared_tmp)
    assert list(shared_tmp.iterdir()) == []  # nothing written to the shared temp folder
    assert [p.name for p in (home / "cache" / "jieba").glob("*.cache")] == ["jieba.cache"]
    assert Path(result["inductor"]).is_relative_to(home / "cache")


# ------------------------------------------------- a real profile without its weights


def test_offline_real_profile_names_the_missing_model_its_size_and_how_to_get_it(
        settings: Settings) -> None:
    import diffusers  # noqa: F401 - imported before the clock starts: only the load is timed
    import transformers  # noqa: F401

    from errors import NotAvailable
    from tools import models

    turbo = settings.with_(profile="sd-turbo")
    lm = models.get_profile("sd-turbo").beautify_lm
    for load, model_id in ((lambda: models.load_txt2img(turbo), "stabilityai/sd-turbo"),
                           (lambda: models.load_causal_lm(turbo, lm), lm)):
        start = time.monotonic()
        with pytest.raises(NotAvailable) as e:
            load()
        assert time.monotonic() - start < 5
        text = str(e.value)
        assert repr(model_id) in text and "GB" in text  # which model, how big
        assert f"huggingface-cli download {model_id}" in text  # how to get it
        assert "HF_HUB_OFFLINE" in text and "\n" not in text


_UNREACHABLE = textwrap.dedent("""
    import json, sys, time
    import transformers
    from settings import Settings
    from tools import models

    settings = Settings.load(env={}, home=sys.argv[1], profile="sd-turbo", device="cpu")
    start = time.monotonic()
    translator = models.load_translator(settings)
    took = time.monotonic() - start
    try:
        models.load_causal_lm(settings, "alibaba-pai/pai-bloom-1b1-text2prompt-sd-v2")
        error = ""
    except Exception as e:
        error = str(e)
    print(json.dumps({"translator": translator is not None, "took": took,
                      "total": time.monotonic() - start, "error": error}))
""")


def test_an_unreachable_hub_fails_fast_without_retry_warnings(tmp_path: Path) -> None:
    """Without HF_HUB_OFFLINE and without a network the hub client retried for 47.8 s and
    printed its warnings into the chat; a quick probe now sends every load to the cache."""
    import socket

    with socket.socket() as s:  # a local port nobody listens on stands for the hub
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items()
           if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE") and "proxy" not in k.lower()}
    env.update(HF_ENDPOINT=f"http://127.0.0.1:{port}", PYTHONPATH=str(ROOT),
               HF_HOME=str(tmp_path / "hf"), OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", _UNREACHABLE, str(tmp_path / "home")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["translator"] is False and result["total"] < 8, result
    assert "Retrying" not in out.stderr and "thrown while requesting" not in out.stderr
    assert "'alibaba-pai/pai-bloom-1b1-text2prompt-sd-v2' (about 2-4 GB)" in result["error"]
    assert "the hub is unreachable" in result["error"]


def test_a_first_download_reports_its_progress_to_the_turn(settings) -> None:  # noqa: ANN001
    """A real profile's first use downloads gigabytes: the bytes reach the job's progress
    (the chat's progress line, Telegram's status), not the library's own bars."""
    import logging

    from huggingface_hub.utils.tqdm import _get_progress_bar_context

    from agent.types import Progress
    from tools import hub
    from tools.jobs import get_queue

    def load_like_the_hub() -> str:  # what huggingface_hub does while downloading a file
        with hub.download_progress("org/model"):
            with _get_progress_bar_context(desc="model.safetensors", log_level=logging.INFO,
                                           total=1000) as bar:
                for _ in range(4):
                    bar.update(250)
        return "loaded"

    events = []
    job = get_queue(settings).submit(lambda ctx: load_like_the_hub(), label="generating",
                                     on_progress=events.append)
    assert job.result(30) == "loaded"
    downloads = [e for e in events if e.stage == "downloading"]
    assert [e.step for e in downloads] == [250, 500, 750, 1000]
    assert downloads[-1].total == 1000 and "org/model" in downloads[-1].label
    shown = Progress(stage="downloading", step=500_000_000, total=1_000_000_000,
                     label="downloading org/model").describe()
    assert shown == "downloading org/model… 50% (500 MB of 1,000 MB)"
    # outside a download the hub's own class is back
    import sys
    assert sys.modules["huggingface_hub.utils.tqdm"].tqdm.__name__ == "tqdm"
