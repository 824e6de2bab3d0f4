"""Everything that is remembered: SQLite (or PostgreSQL) rows and image files.

``Storage.open(settings)`` gives the database and the image store of one data dir.
"""

from __future__ import annotations

from dataclasses import dataclass

from settings import Settings
from storage import caches, repo
from storage.db import Database, StorageError, ensure_writable_dir
from storage.files import ImageFileMissing, ImageStore
from storage.models import Conversation, Image, Message, Reference, User

__all__ = [
    "Conversation",
    "Database",
    "Image",
    "ImageFileMissing",
    "ImageStore",
    "Message",
    "Reference",
    "Storage",
    "StorageError",
    "User",
    "repo",
]


@dataclass
class Storage:
    db: Database
    images: ImageStore

    @classmethod
    def open(cls, settings: Settings) -> Storage:
        ensure_writable_dir(settings.home)
        caches.use_home(settings.home)  # jieba's and torch's caches under the data dir
        db = Database(settings.database_url, images_dir=settings.images_dir)
        return cls(db=db, images=ImageStore(settings.images_dir))

    def close(self) -> None:
        self.db.close()
