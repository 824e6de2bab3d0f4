"""Caches that libraries write, kept under the data dir (``<home>/cache``).

Left alone, jieba writes its 9 MB dictionary cache to the shared temp folder and loads it
from there on the next start (a file any local user could have planted), and torch puts its
inductor cache there too. :func:`use_home` points both at ``<home>/cache``; it is called
when the storage of a data dir is opened and when models are loaded for it, before either
library starts. A ``TORCHINDUCTOR_CACHE_DIR`` the user set themselves is respected.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

INDUCTOR_ENV = "TORCHINDUCTOR_CACHE_DIR"

_lock = threading.Lock()
_root: Path | None = None
_user_inductor: str | None = os.environ.get(INDUCTOR_ENV)  # set before we ran: theirs
_private_tmp: Path | None = None


def use_home(home: Path) -> Path:
    """Keep the libraries' caches under ``home / "cache"`` from now on; returns that folder."""
    global _root
    root = Path(home).expanduser() / "cache"
    with _lock:
        _root = root
        if not _user_inductor:
            os.environ[INDUCTOR_ENV] = str(root / "torchinductor")
    return root


def cache_root() -> Path:
    """The cache folder of the data dir in use (the configured home if none was opened yet)."""
    with _lock:
        if _root is not None:
            return _root
    from settings import Settings

    try:
        home = Settings.load().home
    except Exception:  # noqa: BLE001 - a bad config is reported elsewhere; use the default
        home = Settings().home
    return use_home(home)


def jieba_dir() -> str:
    """Where jieba keeps its dictionary cache (``Tokenizer.tmp_dir``), created if needed.

    When the data dir cannot be written, a private temporary folder of this process is
    used (jieba then rebuilds its cache once per process), never the shared temp folder.
    """
    global _private_tmp
    folder = cache_root() / "jieba"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        where = str(folder)
    except OSError:
        with _lock:
            if _private_tmp is None:
                _private_tmp = Path(tempfile.mkdtemp(prefix="imagechat-jieba-"))
            where = str(_private_tmp)
    jieba = sys.modules.get("jieba")
    if jieba is not None and getattr(jieba, "dt", None) is not None:
        jieba.dt.tmp_dir = where  # jieba's default tokenizer too, should anything use it
    return where
