"""The catalog of a picture-search index: which file each vector id is, and how it was made.

One small SQLite file per index (``<index dir>/meta.sqlite``), next to the faiss file it
describes; it is not the app database. A row per indexed file keeps the path, the
SHA-256 of its bytes (so unchanged, moved and duplicate files are recognised without
re-embedding) and its size and mtime (so an unchanged file is not even re-read). Row ids
are the faiss vector ids and are never reused (``AUTOINCREMENT``).

Writes collect in one transaction until :meth:`LibraryCatalog.commit`; the index commits
right after writing its faiss file, so the committed ``generation`` always names a faiss
file that matches the committed rows (see ``tools/retrieve.py``).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from storage.db import StorageError

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    path     TEXT NOT NULL UNIQUE,
    sha256   TEXT NOT NULL,
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS files_sha256 ON files (sha256);
"""


@dataclass(frozen=True)
class FileRow:
    id: int
    path: str
    sha256: str
    size: int
    mtime_ns: int


class LibraryCatalog:
    """Repository functions over one index's ``meta.sqlite`` (thread safe, one connection)."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            version = self.get("schema_version")
            if version is None:
                self.set("schema_version", str(SCHEMA_VERSION))
                self.commit()
            elif int(version) > SCHEMA_VERSION:
                raise StorageError(
                    f"index catalog {path} has version {version}, newer than this imagechat "
                    f"understands ({SCHEMA_VERSION}); upgrade imagechat"
                )
        except sqlite3.DatabaseError as e:
            raise StorageError(
                f"index catalog {path} cannot be used ({e}); rebuild the index with "
                "`python bot.py index DIR --rebuild`"
            ) from e
        except OSError as e:
            raise StorageError(f"cannot create index folder {path.parent} ({e})") from e

    # --- meta ---------------------------------------------------------------------------
    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # --- files --------------------------------------------------------------------------
    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM files").fetchone()[0])

    def rows(self) -> Iterator[FileRow]:
        with self._lock:
            data = self._db.execute(
                "SELECT id, path, sha256, size, mtime_ns FROM files ORDER BY id"
            ).fetchall()
        return (FileRow(*r) for r in data)

    def by_path(self, path: str) -> FileRow | None:
        with self._lock:
            r = self._db.execute(
                "SELECT id, path, sha256, size, mtime_ns FROM files WHERE path = ?", (path,)
            ).fetchone()
        return FileRow(*r) if r else None

    def by_sha256(self, sha256: str) -> list[FileRow]:
        with self._lock:
            data = self._db.execute(
                "SELECT id, path, sha256, size, mtime_ns FROM files WHERE sha256 = ? ORDER BY id",
                (sha256,),
            ).fetchall()
        return [FileRow(*r) for r in data]

    def paths(self, ids: Iterable[int]) -> dict[int, str]:
        """id -> path for those of ``ids`` that exist."""
        wanted = [int(i) for i in ids]
        out: dict[int, str] = {}
        with self._lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                out.update(
                    self._db.execute(
                        f"SELECT id, path FROM files WHERE id IN ({marks})", chunk
                    ).fetchall()
                )
        return out

    def ids(self) -> list[int]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT id FROM files")]

    def add(self, path: str, sha256: str, size: int, mtime_ns: int) -> int:
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO files (path, sha256, size, mtime_ns) VALUES (?, ?, ?, ?)",
                (path, sha256, size, mtime_ns),
            )
            return int(cur.lastrowid)

    def update(self, row_id: int, *, path: str, sha256: str, size: int, mtime_ns: int) -> None:
        """Point row ``row_id`` at a new path and/or content (a move, an edit, a touch)."""
        with self._lock:
            self._db.execute(
                "UPDATE files SET path = ?, sha256 = ?, size = ?, mtime_ns = ? WHERE id = ?",
                (path, sha256, size, mtime_ns, row_id),
            )

    def delete(self, ids: Iterable[int]) -> None:
        with self._lock:
            self._db.executemany("DELETE FROM files WHERE id = ?", [(int(i),) for i in ids])

    def clear(self) -> None:
        """Forget every file and every setting but the schema version (``--rebuild``)."""
        with self._lock:
            self._db.execute("DELETE FROM files")
            self._db.execute("DELETE FROM meta WHERE key != 'schema_version'")

    # --- transactions -------------------------------------------------------------------
    def commit(self) -> None:
        with self._lock:
            self._db.commit()

    def rollback(self) -> None:
        with self._lock:
            self._db.rollback()

    def close(self) -> None:
        with self._lock:
            self._db.close()
