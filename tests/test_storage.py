"""Storage: numbered image lineage, persistence across processes, concurrency, bad files."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from errors import ConfigError
from settings import Settings
from storage import ImageFileMissing, Storage, StorageError, repo
from storage.db import MIGRATIONS, Database
from storage.models import SCHEMA_VERSION
from tests.pictures import solid

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """The same tests on SQLite and, when IMAGECHAT_TEST_PG_URL names an empty scratch
    database (e.g. postgresql+psycopg://user:pw@127.0.0.1/imagechat_test), PostgreSQL."""
    if request.param == "sqlite":
        return settings
    url = os.environ.get("IMAGECHAT_TEST_PG_URL")
    if not url:
        pytest.skip("set IMAGECHAT_TEST_PG_URL to run the storage tests on PostgreSQL")
    from sqlalchemy import create_engine

    from storage.models import Base

    engine = create_engine(url)
    Base.metadata.drop_all(engine)  # each test starts from an empty schema
    engine.dispose()
    return settings.with_(db_url=url)




def _add(st: Storage, s, conv, parent=None, prompt="a cat", seed=1):  # noqa: ANN001
    return repo.add_image(
        s, conv, file=st.images.put_image(solid((seed % 256, 0, 0))), kind="generated",
        width=16, height=16, parent=parent, prompt=prompt, seed=seed, tool="generate",
    )


def test_lineage_survives_a_new_process(db_settings: Settings) -> None:
    st = Storage.open(db_settings)
    with st.db.session() as s:
        user = repo.get_or_create_user(s, "cli:alice")
        conv = repo.current_conversation(s, user)
        one = _add(st, s, conv, prompt="a cat", seed=1)
        two = _add(st, s, conv, parent=one, prompt="a cat at night", seed=1)
        _add(st, s, conv, parent=two, prompt="a cat at night, red hat", seed=1)
        conv_id = conv.id
    st.close()

    script = f"""
import json, sys
sys.path.insert(0, {str(ROOT)!r})
from settings import Settings
from storage import Storage, repo
st = Storage.open(Settings.load(env={{}}, home={str(db_settings.home)!r},
                               db_url={db_settings.db_url!r}))
with st.db.session() as s:
    conv = repo.get_conversation(s, {conv_id})
    rows = [(i.number, i.parent.number if i.parent else None, i.prompt, i.seed)
            for i in repo.list_images(s, conv)]
    print(json.dumps({{"rows": rows, "current": conv.current_image.number,
                      "exists": [st.images.path(i.file).exists()
                                 for i in repo.list_images(s, conv)]}}))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    data = json.loads(out.stdout)
    assert data["rows"] == [
        [1, None, "a cat", 1],
        [2, 1, "a cat at night", 1],
        [3, 2, "a cat at night, red hat", 1],
    ]
    assert data["current"] == 3
    assert data["exists"] == [True, True, True]


def test_back_to_one_then_new_image_is_four_with_parent_one(db_settings: Settings) -> None:
    st = Storage.open(db_settings)
    with st.db.session() as s:
        conv = repo.current_conversation(s, repo.get_or_create_user(s, "cli:bob"))
        one = _add(st, s, conv)
        _add(st, s, conv, parent=_add(st, s, conv, parent=one))
        repo.set_current_image(s, conv, repo.get_image(s, conv, 1))
    with st.db.session() as s:
        conv = repo.current_conversation(s, repo.get_or_create_user(s, "cli:bob"))
        assert conv.current_image.number == 1
        four = _add(st, s, conv, parent=conv.current_image, prompt="a dog")
        assert (four.number, four.parent.number) == (4, 1)
        assert conv.current_image_id == four.id


def test_numbers_are_per_conversation_and_not_shared(db_settings: Settings) -> None:
    st = Storage.open(db_settings)
    with st.db.session() as s:
        alice = repo.get_or_create_user(s, "cli:alice")
        bob = repo.get_or_create_user(s, "cli:bob")
        a, b = repo.current_conversation(s, alice), repo.current_conversation(s, bob)
        _add(st, s, a)
        _add(st, s, a)
        first_of_bob = _add(st, s, b)
        assert first_of_bob.number == 1
        assert repo.get_image(s, b, 2) is None  # alice's #2 is not reachable through bob
        with pytest.raises(ValueError):
            repo.add_image(s, b, file="x", kind="generated", width=1, height=1,
                           parent=repo.get_image(s, a, 1))


def test_new_conversation_keeps_old_ones(db_settings: Settings) -> None:
    st = Storage.open(db_settings)
    with st.db.session() as s:
        user = repo.get_or_create_user(s, "cli:carol")
        first = repo.current_conversation(s, user)
        _add(st, s, first)
        second = repo.new_conversation(s, user)
        assert repo.current_conversation(s, user).id == second.id
        assert [c.id for c in repo.list_conversations(s, user)] == [first.id, second.id]
        assert len(repo.list_images(s, first)) == 1


def test_two_threads_writing_turns_lose_nothing(db_settings: Settings) -> None:
    st = Storage.open(db_settings)
    with st.db.session() as s:
        user = repo.get_or_create_user(s, "cli:dave")
        conv_id = repo.current_conversation(s, user).id
    turns, errors = 40, []

    def writer(tag: str) -> None:
        try:
            for i in range(turns):
                with st.db.session() as s:
                    conv = repo.get_conversation(s, conv_id)
                    repo.add_message(s, conv, "user", f"{tag} {i}")
                    repo.add_image(s, conv, file=f"{tag}-{i}.png", kind="generated",
                                   width=8, height=8, prompt=f"{tag} {i}")
                    repo.add_message(s, conv, "assistant", f"done {tag} {i}")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(t,)) for t in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with st.db.session() as s:
        conv = repo.get_conversation(s, conv_id)
        numbers = [i.number for i in repo.list_images(s, conv)]
        assert numbers == list(range(1, 2 * turns + 1))
        assert repo.count_messages(s, conv) == 4 * turns


def test_sqlite_runs_in_wal_mode_with_foreign_keys(settings: Settings) -> None:
    st = Storage.open(settings)
    assert st.db.journal_mode() == "wal"
    with st.db.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert st.db.schema_version() == SCHEMA_VERSION


def test_eight_writers_numbering_images_at_once(db_settings: Settings) -> None:
    """Numbers are max+1: SQLite's BEGIN IMMEDIATE and PostgreSQL's row lock keep them
    unique under contention (without the lock PostgreSQL fails most of these writes)."""
    st = Storage.open(db_settings)
    with st.db.session() as s:
        conv_id = repo.current_conversation(s, repo.get_or_create_user(s, "cli:frank")).id
    errors: list[Exception] = []

    def writer() -> None:
        for _ in range(25):
            try:
                with st.db.session() as s:
                    repo.add_image(s, repo.get_conversation(s, conv_id), file="f.png",
                                   kind="generated", width=8, height=8)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with st.db.session() as s:
        numbers = [i.number for i in repo.list_images(s, repo.get_conversation(s, conv_id))]
    assert numbers == list(range(1, 201))


def test_a_waiting_transaction_starts_as_soon_as_the_one_before_it_ends(
        settings: Settings) -> None:
    """SQLite's busy handler retries in sleeps of up to 100 ms; a transaction that waited
    behind another one of this process starts when that one commits (a /help behind 50
    picture turns waited up to 240 ms otherwise)."""
    import time

    st = Storage.open(settings)
    holding = threading.Event()
    ended: list[float] = []

    def writer() -> None:
        with st.db.session() as s:
            repo.get_or_create_user(s, "cli:first")
            holding.set()
            time.sleep(0.25)
        ended.append(time.monotonic())

    t = threading.Thread(target=writer)
    t.start()
    holding.wait(5)
    time.sleep(0.02)
    with st.db.session() as s:
        repo.get_or_create_user(s, "cli:second")  # BEGIN IMMEDIATE: the write lock
        started = time.monotonic()
    t.join()
    assert started - ended[0] < 0.04, started - ended[0]  # the busy handler: ~0.1 s late


def test_messages_keep_tool_calls(db_settings: Settings) -> None:
    st = Storage.open(db_settings)
    with st.db.session() as s:
        conv = repo.current_conversation(s, repo.get_or_create_user(s, "cli:eve"))
        repo.add_message(s, conv, "user", "a cat")
        call = {"id": "c1", "name": "generate", "args": {"prompt": "a cat"}}
        repo.add_message(s, conv, "assistant", "", tool_calls=[call])
        repo.add_message(s, conv, "tool", "made #1", tool_call_id="c1", name="generate")
    with st.db.session() as s:
        conv = repo.current_conversation(s, repo.get_or_create_user(s, "cli:eve"))
        roles = [(m.role, m.tool_calls, m.tool_call_id) for m in repo.recent_messages(s, conv)]
        assert roles == [("user", None, None), ("assistant", [call], None),
                         ("tool", None, "c1")]


def test_corrupted_database_gives_a_clear_error_naming_the_path(settings: Settings) -> None:
    settings.home.mkdir(parents=True)
    db_file = settings.home / "imagechat.db"
    db_file.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StorageError) as e:
        Storage.open(settings)
    assert str(db_file) in str(e.value) and "corrupted" in str(e.value)
    assert db_file.read_bytes().startswith(b"this is not")  # nothing touched


def test_unwritable_data_dir_names_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    settings = Settings.load(env={}, home=blocker / "home")
    with pytest.raises(StorageError) as e:
        Storage.open(settings)
    assert str(blocker / "home") in str(e.value) and "not writable" in str(e.value)


def test_missing_image_file_names_the_path(settings: Settings) -> None:
    st = Storage.open(settings)
    rel = st.images.put_image(solid((1, 2, 3)))
    assert st.images.open(rel).size == (16, 16)
    st.images.path(rel).unlink()
    with pytest.raises(ImageFileMissing) as e:
        st.images.open(rel)
    # the path is for the operator (detail, log), never for the chat user (issue 15)
    assert str(st.images.path(rel)) in e.value.detail
    assert str(st.images.path(rel)) not in str(e.value) and "missing" in str(e.value)


def test_image_files_are_content_addressed(settings: Settings) -> None:
    st = Storage.open(settings)
    a = st.images.put_image(solid((9, 9, 9)))
    b = st.images.put_image(solid((9, 9, 9)))
    c = st.images.put_image(solid((8, 9, 9)))
    assert a == b != c
    assert not list(st.images.root.rglob(".tmp-*"))


def test_newer_schema_is_refused_and_migrations_run(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    Database(url).close()
    con = sqlite3.connect(tmp_path / "db.sqlite")
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION + 1,))
    con.commit()
    con.close()
    with pytest.raises(StorageError, match="newer"):
        Database(url)

    # an older database is migrated forward by the registered steps
    con = sqlite3.connect(tmp_path / "db.sqlite")
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION,))
    con.commit()
    con.close()
    ran = []
    monkeypatch.setattr("storage.db.SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(MIGRATIONS, SCHEMA_VERSION + 1, lambda s: ran.append(True))
    db = Database(url)
    assert ran == [True] and db.schema_version() == SCHEMA_VERSION + 1


def test_settings_precedence_and_toml(tmp_path: Path) -> None:
    home = tmp_path / "h"
    home.mkdir()
    (home / "config.toml").write_text('profile = "sd15"\nplanner = "openai"\n')
    s = Settings.load(env={"IMAGECHAT_HOME": str(home), "IMAGECHAT_PLANNER": "rules"})
    assert (s.profile, s.planner) == ("sd15", "rules")  # env beats the file
    assert Settings.load(env={"IMAGECHAT_HOME": str(home)}, profile="tiny").profile == "tiny"
    assert s.database_url == f"sqlite:///{home / 'imagechat.db'}"
    (home / "config.toml").write_text("profile = [unclosed\n")
    with pytest.raises(ConfigError, match="config.toml"):
        Settings.load(env={"IMAGECHAT_HOME": str(home)})


def _schema(url: str) -> dict[str, list[tuple[str, str, bool]]]:
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        insp = inspect(engine)
        return {t: sorted((c["name"], str(c["type"]), bool(c["nullable"]))
                          for c in insp.get_columns(t)) for t in insp.get_table_names()}
    finally:
        engine.dispose()


def test_one_schema_path_migrations_build_what_the_models_declare(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from storage.models import Base

    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    Database(fresh).close()  # built by the migrations alone
    declared = f"sqlite:///{tmp_path / 'declared.db'}"
    engine = create_engine(declared)
    Base.metadata.create_all(engine)
    engine.dispose()
    assert _schema(fresh) == _schema(declared)

    # an old database (here: version 0, before the first migration) migrated forward is
    # the same as a fresh one, and says so
    old = tmp_path / "old.db"
    con = sqlite3.connect(old)
    con.execute("CREATE TABLE meta (key VARCHAR(64) NOT NULL PRIMARY KEY, "
                "value VARCHAR(256) NOT NULL)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '0')")
    con.commit()
    con.close()
    db = Database(f"sqlite:///{old}")
    assert db.schema_version() == SCHEMA_VERSION
    db.close()
    assert _schema(f"sqlite:///{old}") == _schema(fresh)


def test_one_users_rows_never_serve_another(db_settings: Settings) -> None:
    """The storage guards behind 'not one of yours': another user's conversation, an image
    of another conversation made current or a parent, an unknown kind or role; and a
    user's display name follows their latest one."""
    st = Storage.open(db_settings)
    with st.db.session() as s:
        alice = repo.get_or_create_user(s, "telegram:1", "Alice")
        bob = repo.get_or_create_user(s, "telegram:2", "Bob")
        a_conv, b_conv = repo.current_conversation(s, alice), repo.current_conversation(s, bob)
        a_one = _add(st, s, a_conv)
        with pytest.raises(LookupError):
            repo.get_conversation(s, a_conv.id, bob)
        assert repo.get_conversation(s, a_conv.id, alice) is a_conv
        with pytest.raises(ValueError, match="another conversation"):
            repo.set_current_image(s, b_conv, a_one)
        with pytest.raises(ValueError, match="another conversation"):
            _add(st, s, b_conv, parent=a_one)
        with pytest.raises(ValueError, match="unknown message role"):
            repo.add_message(s, a_conv, "wizard", "hi")
        assert repo.get_or_create_user(s, "telegram:1", "Alice B.").id == alice.id
    with st.db.session() as s:
        assert repo.get_user(s, "telegram:1").name == "Alice B."
        assert repo.current_conversation(s, repo.get_user(s, "telegram:2")).current_image is None
    st.close()
