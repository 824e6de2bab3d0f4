"""Content-addressed image files under the data dir, written atomically.

A file's name is the SHA-256 of its bytes (``ab/cd/abcd….png``), so the same picture is
stored once and a half-written file never carries a valid name: we write to a temporary
file in the same folder, fsync, then ``os.replace``.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

from PIL import Image as PILImage

from storage.db import StorageError, ensure_writable_dir


class ImageFileMissing(StorageError):
    """An image row points at a file that is no longer on disk."""


class ImageStore:
    def __init__(self, root: Path):
        self.root = ensure_writable_dir(Path(root))

    def put_bytes(self, data: bytes, suffix: str = ".png") -> str:
        """Store ``data`` and return its path relative to the store."""
        digest = hashlib.sha256(data).hexdigest()
        rel = f"{digest[:2]}/{digest[2:4]}/{digest}{suffix}"
        target = self.root / rel
        if target.exists():
            return rel
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return rel

    def put_image(self, image: PILImage.Image) -> str:
        """Store a PIL image as PNG (lossless, so the stored pixels are the generated ones)."""
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        return self.put_bytes(buf.getvalue(), ".png")

    def path(self, rel: str) -> Path:
        return self.root / rel

    def open(self, rel: str) -> PILImage.Image:
        """Load a stored image, or raise :class:`ImageFileMissing` naming the path."""
        path = self.path(rel)
        try:
            with PILImage.open(path) as im:
                im.load()
                return im.copy()
        except FileNotFoundError as e:
            raise ImageFileMissing(f"image file {path} is missing from the image store") from e
        except OSError as e:
            raise ImageFileMissing(f"image file {path} cannot be read ({e})") from e
