"""Opening the database: engine, SQLite pragmas, versioned schema, clear failures.

SQLite runs in WAL mode with foreign keys on and a busy timeout, and every transaction
starts with ``BEGIN IMMEDIATE`` so two writers never interleave a read-then-write (the
per-conversation image number is ``max + 1``). The same code runs on PostgreSQL by
setting ``IMAGECHAT_DB_URL``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from errors import ImagechatError
from storage.models import SCHEMA_VERSION, Base, Meta


class StorageError(ImagechatError):
    """The database or the data directory cannot be used; the message names the path."""


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
    """An engine plus a session factory; use :meth:`session` as a unit of work."""

    def __init__(self, url: str):
        self.url = url
        self.path = _sqlite_path(url)
        self.engine = _make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._migrate()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back on error."""
        with self._sessions() as s:
            try:
                yield s
                s.commit()
            except DatabaseError as e:
                s.rollback()
                raise self._error(e) from e
            except BaseException:
                s.rollback()
                raise

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
    def _error(self, e: Exception) -> StorageError:
        where = self.path or self.url
        msg = str(getattr(e, "orig", e))
        if "not a database" in msg or "malformed" in msg or "file is encrypted" in msg:
            return StorageError(
                f"database file {where} is corrupted or not an imagechat database ({msg}); "
                "move it away to start afresh"
            )
        if "readonly" in msg or "unable to open" in msg:
            return StorageError(f"cannot write database {where} ({msg}); check its permissions")
        return StorageError(f"database {where}: {msg}")

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
            raise self._error(e) from e


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
