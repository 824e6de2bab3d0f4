"""Content-addressed image files under the data dir, written atomically.

A file's name is the SHA-256 of its bytes (``ab/cd/abcd….png``), so the same picture is
stored once and a half-written file never carries a valid name: we write to a temporary
file in the same folder, fsync, then ``os.replace``.

Failures while running (a full disk, an unwritable folder, a missing file) raise
:class:`~storage.db.StorageError` whose message is a sentence for the chat user; the path and
the system's words are on ``detail`` and in the log.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
from pathlib import Path

from PIL import Image as PILImage

from storage.db import StorageError, disk_full, ensure_writable_dir, runtime_error

log = logging.getLogger(__name__)


class ImageFileMissing(StorageError):
    """An image row points at a file that is no longer on disk (``detail`` names the path)."""


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
        tmp: str | None = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException as e:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            if isinstance(e, OSError):
                raise _write_error(e, target) from e
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
            detail = f"image file {path} is missing from the image store"
            log.error("%s", detail)
            raise ImageFileMissing(
                "That picture's file is missing from the server, so I cannot use it.", detail
            ) from e
        except OSError as e:
            detail = f"image file {path} cannot be read ({e})"
            log.error("%s", detail)
            raise ImageFileMissing(
                "That picture's file cannot be read on the server, so I cannot use it.", detail
            ) from e


def _write_error(e: OSError, target: Path) -> StorageError:
    """A failed write of a picture: a sentence for the user, the path in the log."""
    why = e.strerror or str(e)
    if disk_full(e):
        return runtime_error("I could not save the picture: the disk is full. "
                             "Please tell the operator.",
                             f"cannot write image file {target}: the disk is full ({why})")
    return runtime_error("I could not save the picture: the server cannot write it. "
                         "Please tell the operator.",
                         f"cannot write image file {target} ({why})")
