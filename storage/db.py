"""Opening the database: engine, SQLite pragmas, versioned schema, clear failures.

SQLite runs in WAL mode with foreign keys on and a busy timeout, and every transaction
starts with ``BEGIN IMMEDIATE`` so two writers never interleave a read-then-write (the
per-conversation image number is ``max + 1``). Within one process the transactions on a
SQLite file also take turns on a lock, so a waiting transaction starts the moment the one
before it ends, instead of in SQLite's busy handler, which sleeps in steps of up to 100 ms
(a ``/help`` behind 50 picture turns waited up to 240 ms that way). The same code runs on
PostgreSQL by setting ``IMAGECHAT_DB_URL``.
"""

from __future__ import annotations

import errno
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from errors import ImagechatError
from storage.models import SCHEMA_VERSION, Base, Meta

log = logging.getLogger(__name__)


class StorageError(ImagechatError):
    """The database or the data directory cannot be used.

    ``str(error)`` is what a person may be shown. Errors raised while a turn runs (a full
    disk, a database deleted under us) reach chat users, so their message is a plain
    sentence without paths; the paths and the library's own words are on ``detail`` and
    are logged when the error is made. Errors of opening the storage (start-up, read by the
    operator who runs ``bot.py``) name the path in the message itself, and ``detail`` is
    the same text.
    """

    def __init__(self, message: str, detail: str | None = None):
        super().__init__(message)
        self.detail = detail or message


def runtime_error(user_message: str, detail: str) -> StorageError:
    """A :class:`StorageError` for a user (no paths), with ``detail`` logged for the operator."""
    log.error("%s", detail)
    return StorageError(user_message, detail)


def disk_full(e: BaseException) -> bool:
    """True when ``e`` says the disk (or the user's quota) is full."""
    if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(getattr(e, "orig", e)).lower()
    return "database or disk is full" in text or "no space left" in text


def m001_initial(s: Session) -> None:
    """Version 1: users, conversations, messages, images, references (and meta).

    The tables are created as storage/models.py declares them; when a later version changes
    a table, that version's migration alters it (and this one keeps creating version 1)."""
    Base.metadata.create_all(s.connection(), checkfirst=True)


# version -> function that brings a database from version-1 to version. Add one entry per
# schema change. Every database, a new one too, is built by running the missing ones in
# order inside one transaction: there is one path to the schema.
MIGRATIONS: dict[int, Callable[[Session], None]] = {1: m001_initial}

BUSY_TIMEOUT_MS = 30_000


def ensure_writable_dir(path: Path) -> Path:
    """Create ``path`` if needed and prove we can write there, or say which path fails."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as e:
        raise StorageError(
            f"data directory {path} is not writable ({e.strerror or e}); "
            "set IMAGECHAT_HOME to a folder you can write to"
        ) from e
    return path


class Database:
    """An engine plus a session factory; use :meth:`session` as a unit of work.

    A SQLite file is watched: its identity (device and inode) is remembered when it is
    opened, and every transaction checks, before it starts and after it commits, that the
    path still is that file. A database deleted or replaced while imagechat runs would
    otherwise keep "succeeding" into a file nobody will read again; instead every turn is
    refused with a :class:`StorageError` asking for a restart.

    History is never replaced silently by an empty database either: a new SQLite file is
    created only when ``images_dir`` (the image store of the same data dir, if given) holds
    no pictures. Pictures without a database mean the database was lost or moved; the
    operator is told to restore it, or to move the images folder away to start afresh. A
    brand-new data dir has neither, and starts normally.
    """

    def __init__(self, url: str, images_dir: Path | None = None):
        self.url = url
        self.path = _sqlite_path(url)
        if self.path is not None and images_dir is not None:
            _refuse_new_database_beside_pictures(self.path, Path(images_dir))
        self.engine = _make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time: this process's transactions queue here
        self._turns: AbstractContextManager[object] = (
            threading.RLock() if url.startswith("sqlite") else nullcontext())
        self._migrate()
        self._identity = self._file_identity()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on error."""
        self._check_file()
        with self._turns, self._sessions() as s:
            try:
                yield s
                s.commit()
            except DatabaseError as e:
                s.rollback()
                raise self._error(e) from e
            except BaseException:
                s.rollback()
                raise
        self._check_file()

    def journal_mode(self) -> str:
        with self.engine.connect() as c:
            return str(c.exec_driver_sql("PRAGMA journal_mode").scalar())

    def schema_version(self) -> int:
        with self.session() as s:
            row = s.get(Meta, "schema_version")
            return int(row.value) if row else 0

    def close(self) -> None:
        self.engine.dispose()

    # --- internals ---------------------------------------------------------------------
    def _file_identity(self) -> tuple[int, int] | None:
        if self.path is None:
            return None
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def _check_file(self) -> None:
        """Refuse to go on when the SQLite file was deleted or replaced since it was opened."""
        if self._identity is None:
            return
        now = self._file_identity()
        if now == self._identity:
            return
        how = "deleted" if now is None else "replaced by another file"
        raise runtime_error(
            "The conversation database was deleted or replaced while I was running, so I "
            "cannot save anything now. Please ask the operator to restart imagechat.",
            f"the database file {self.path} was {how} while imagechat was running; "
            "nothing more is written to it; restart imagechat",
        )

    def _error(self, e: Exception, *, at_open: bool = False) -> StorageError:
        """A database failure: while running, a sentence for the user and the rest logged;
        while opening (read by the operator at start-up), the detail itself."""
        where = self.path or self.url
        msg = str(getattr(e, "orig", e))
        if "not a database" in msg or "malformed" in msg or "file is encrypted" in msg:
            user = ("The conversation database is damaged, so I cannot save or read anything. "
                    "Please tell the operator.")
            detail = (f"database file {where} is corrupted or not an imagechat database "
                      f"({msg}); move it away to start afresh")
        elif disk_full(e):
            user = "I could not save that: the disk is full. Please tell the operator."
            detail = f"database {where}: the disk is full ({msg})"
        elif "readonly" in msg or "unable to open" in msg:
            user = "I cannot write to the conversation database. Please tell the operator."
            detail = f"cannot write database {where} ({msg}); check its permissions"
        else:
            user = "The conversation database failed; please try again, or tell the operator."
            detail = f"database {where}: {msg}"
        return StorageError(detail) if at_open else runtime_error(user, detail)

    def _migrate(self) -> None:
        try:
            with self.engine.begin() as conn:
                tables = set(inspect(conn).get_table_names())
                if "meta" not in tables:
                    if tables - {"meta"} and "users" in tables:
                        raise StorageError(
                            f"database {self.path or self.url} has no schema version; "
                            "it was not made by imagechat"
                        )
                    # a new database: version 0, then every migration below
                    Meta.__table__.create(conn)
                    conn.execute(Meta.__table__.insert().values(key="schema_version", value="0"))
            with self._sessions() as s:
                row = s.execute(select(Meta).where(Meta.key == "schema_version")).scalar_one()
                version = int(row.value)
                if version > SCHEMA_VERSION:
                    raise StorageError(
                        f"database {self.path or self.url} has schema version {version}, newer "
                        f"than this imagechat understands ({SCHEMA_VERSION}); upgrade imagechat"
                    )
                for v in range(version + 1, SCHEMA_VERSION + 1):
                    MIGRATIONS[v](s)
                    row.value = str(v)
                s.commit()
        except (DatabaseError, OperationalError) as e:
            raise self._error(e, at_open=True) from e


def _refuse_new_database_beside_pictures(path: Path, images_dir: Path) -> None:
    """Raise when ``path`` does not exist but ``images_dir`` holds pictures (see Database)."""
    if path.exists() or not images_dir.is_dir():
        return
    pictures = next((p for p in images_dir.rglob("*") if p.is_file()
                     and not p.name.startswith(".")), None)
    if pictures is None:
        return
    raise StorageError(
        f"the database file {path} is missing, but {images_dir} holds pictures of an earlier "
        "history; restore the database file (or set IMAGECHAT_DB_URL to it), or move "
        f"{images_dir} away to start with an empty history"
    )


def _sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///"))
    return None


def _make_engine(url: str) -> Engine:
    path = _sqlite_path(url)
    if path is not None:
        ensure_writable_dir(path.parent)
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            raise StorageError(f"database file {path} is not readable and writable by you")
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    elif url.startswith("sqlite"):
        engine = create_engine(url)
    else:
        return create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API objects
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
