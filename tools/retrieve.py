"""Search the user's own pictures by text (Chinese or English) or by an example picture.

Chinese-CLIP (``cn_clip``) puts pictures and texts in one embedding space; faiss finds
the nearest pictures (:mod:`tools.faiss_index`: exact up to
``settings.index_exact_limit`` pictures, IVF above). What the agent calls::

    lib = get_library(settings)                  # cached per index folder
    hits = lib.search_text("海边的日落", k=10)    # or "sunset by the sea"
    hits = lib.search_image("~/cat.jpg", k=10)   # path, bytes or PIL image
    hits[2].path                                 # "use result 3 as the starting image"

An index lives in ``settings.index_dir/<name>/``: ``meta.sqlite`` (the catalog, see
:mod:`storage.library`: path, SHA-256, size and mtime per vector id, plus the model and
dimension the vectors came from) and ``vectors-<generation>.faiss``. Updates go to
memory, then at each checkpoint (every ``save_every`` seconds and at the end) a new
faiss file is written and the catalog transaction that names it commits: the committed
generation always matches the committed rows, a killed run resumes from its last
checkpoint, and a search in another process picks up the new generation on its next call.

Indexing is incremental: a file whose size and mtime are unchanged is not read; a
changed one is hashed, and content already indexed (a touched, moved, renamed or
duplicated file) is recorded without embedding; deleted files are dropped. Only one
``index`` run may update a library at a time (a lock file says so).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from PIL import Image, ImageOps

from errors import ImagechatError, InvalidInput, NotAvailable
from storage.library import FileRow, LibraryCatalog
from tools.faiss_index import IndexSpec, VectorIndex

if TYPE_CHECKING:
    from settings import Settings
    from tools.models import LoadedClip

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp"})
DEFAULT_NAME = "default"
MAX_K = 1000
MAX_QUERY_CHARS = 1000
MAX_BATCH_SIZE = 1024
SAVE_EVERY_S = 30.0
TARGET_RECALL = 0.95
DECODE_SIZE = 336  # >= every Chinese-CLIP input resolution
CATALOG_FILE = "meta.sqlite"
LOCK_FILE = ".lock"

ImageQuery = Image.Image | str | os.PathLike | bytes  # what search_image accepts


class IndexModelMismatch(ImagechatError):
    """The index holds vectors from another embedding model; they cannot be compared."""


class IndexBusy(ImagechatError):
    """Another process is updating the same index."""


class LibraryEmpty(NotAvailable):
    """Nothing is indexed yet, so there is nothing to search."""


@dataclass(frozen=True)
class Hit:
    """One search result: the picture's file, its cosine similarity, its vector id."""

    path: str
    score: float
    id: int


@dataclass
class IndexReport:
    """What one ``index_folder`` run did (printed by ``bot.py index``)."""

    folder: str
    added: int = 0  # new pictures (embedded, or copied from an identical indexed one)
    updated: int = 0  # same path, new content: re-embedded
    moved: int = 0  # known content at a new path: path updated, nothing embedded
    unchanged: int = 0
    removed: int = 0  # gone from disk (or no longer readable): dropped from the index
    embedded: int = 0  # pictures that went through the model
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    total: int = 0
    index_kind: str = ""
    seconds: float = 0.0

    @property
    def skipped_count(self) -> int:
        return len(self.skipped)


class Embedder(Protocol):
    """What the index needs from a model (tests wrap the real one to count calls)."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray: ...

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray: ...


class ClipEmbedder:
    """Chinese-CLIP embeddings: L2-normalised float32 rows, one per picture or text.

    The model loads on first use (through :func:`tools.models.load_clip`, shared per
    process) and runs on the profile's device under ``torch.inference_mode``.
    """

    def __init__(self, settings: Settings, batch_size: int = 32):
        self.settings = settings
        self.batch_size = batch_size
        self._identity: tuple[str, int] | None = None

    @property
    def clip(self) -> LoadedClip:
        from tools.models import load_clip

        return load_clip(self.settings)

    def _known(self) -> tuple[str, int]:
        if self._identity is None:  # without loading the model (or torch)
            from tools.models import clip_identity

            self._identity = clip_identity(self.settings)
        return self._identity

    @property
    def name(self) -> str:
        return self._known()[0]

    @property
    def dim(self) -> int:
        return self._known()[1]

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        import torch

        clip = self.clip
        out = []
        for start in range(0, len(images), self.batch_size):
            chunk = images[start : start + self.batch_size]
            batch = torch.stack([clip.preprocess(im) for im in chunk])
            with torch.inference_mode():
                feats = clip.model.encode_image(batch.to(clip.device, clip.dtype))
            out.append(_normalised(feats))
        return np.concatenate(out) if out else np.empty((0, self.dim), np.float32)

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        clip = self.clip
        out = []
        for start in range(0, len(texts), self.batch_size):
            tokens = clip.tokenize(list(texts[start : start + self.batch_size]))
            with torch.inference_mode():
                feats = clip.model.encode_text(tokens.to(clip.device))
            out.append(_normalised(feats))
        return np.concatenate(out) if out else np.empty((0, self.dim), np.float32)


def _normalised(feats: Any) -> np.ndarray:
    feats = feats.float()
    feats = feats / feats.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    return np.ascontiguousarray(feats.cpu().numpy(), dtype=np.float32)


# ------------------------------------------------------------------------------ images


class UnreadableImage(ValueError):
    """Bytes that are not a picture we can decode; the message says why."""


def decode_image(data: bytes, size_hint: int = DECODE_SIZE) -> Image.Image:
    """RGB picture from file bytes (see :func:`to_rgb`).

    JPEGs decode at a reduced scale no smaller than ``size_hint`` (the model resizes to
    224 or 336 px anyway), which makes indexing large photos several times faster.
    """
    try:
        img = Image.open(io.BytesIO(data))
        if img.format == "JPEG":
            img.draft("RGB", (size_hint, size_hint))
        img.load()
        return to_rgb(img)
    except UnreadableImage:
        raise
    except Exception as e:  # PIL raises many types for broken files
        reason = str(e) or type(e).__name__
        if isinstance(e, Image.UnidentifiedImageError):
            reason = "not an image PIL can read"
        raise UnreadableImage(reason) from e


def to_rgb(img: Image.Image) -> Image.Image:
    """Upright (EXIF orientation) RGB, transparency flattened onto white."""
    if img.width < 1 or img.height < 1:
        raise UnreadableImage("empty image")
    img = ImageOps.exif_transpose(img) or img
    if img.mode in ("P", "PA", "LA", "La", "RGBA", "RGBa") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        img = Image.new("RGB", rgba.size, (255, 255, 255))
        img.paste(rgba, mask=rgba.getchannel("A"))
    elif img.mode != "RGB":
        img = img.convert("RGB")
    return img


# ----------------------------------------------------------------------------- library


class Library:
    """A searchable index of picture files (see the module docstring for the layout)."""

    def __init__(self, settings: Settings, name: str = DEFAULT_NAME,
                 embedder: Embedder | None = None):
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise InvalidInput(f"bad index name {name!r}")
        self.settings = settings
        self.folder = settings.index_dir / name
        self._embedder = embedder
        self._lock = threading.RLock()
        self._catalog = LibraryCatalog(self.folder / CATALOG_FILE)
        self._vectors: VectorIndex | None = None
        self._generation = -1
        self._changed = False  # vectors differ from the committed generation's file
        self._shared = False  # set on the process-wide instance by get_library
        try:
            self._load()
        except NotAvailable:
            # an unreadable vectors file: every use says so (and how to fix it) until
            # index_folder(rebuild=True) replaces it, which must not need to read it
            self._generation = -1

    @classmethod
    def open(cls, settings: Settings, name: str = DEFAULT_NAME,
             embedder: Embedder | None = None) -> Library:
        """The process-wide Library of this index (see :func:`get_library`); with an
        ``embedder``, a private new one. ``Library(settings)`` always opens a new one."""
        if embedder is not None:
            return cls(settings, name, embedder)
        return get_library(settings, name)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = ClipEmbedder(self.settings)
        return self._embedder

    # --- state --------------------------------------------------------------------------
    @property
    def count(self) -> int:
        with self._lock:
            self._sync()
            return self._catalog.count()

    @property
    def index_kind(self) -> str:
        with self._lock:
            self._sync()
            return self._vectors.spec.kind if self._vectors is not None else "none"

    @property
    def spec(self) -> IndexSpec | None:
        with self._lock:
            self._sync()
            return self._vectors.spec if self._vectors is not None else None

    @property
    def model_name(self) -> str | None:
        """The model the stored vectors came from (None before the first index run)."""
        return self._catalog.get("model")

    def close(self) -> None:
        """Close the catalog; the shared instance (``Library.open``) stays open."""
        if not self._shared:
            self._catalog.close()

    # --- search -------------------------------------------------------------------------
    def search_text(self, query: str, k: int = 10) -> list[Hit]:
        """Pictures best matching ``query`` (Chinese or English), best first."""
        k = _check_k(k)
        text = (query or "").strip() if isinstance(query, str) else ""
        if not text:
            raise InvalidInput("the search text is empty; say what the pictures show")
        if len(text) > MAX_QUERY_CHARS:
            raise InvalidInput(
                f"the search text is {len(text)} characters long; keep it under "
                f"{MAX_QUERY_CHARS}"
            )
        with self._lock:
            self._ready()
            return self._search(self.embedder.embed_texts([text]), k)

    def search_image(self, image: ImageQuery, k: int = 10) -> list[Hit]:
        """Pictures most like ``image`` (a path, file bytes or a PIL image), best first."""
        k = _check_k(k)
        query = self._query_image(image)
        with self._lock:
            self._ready()
            return self._search(self.embedder.embed_images([query]), k)

    def _query_image(self, image: Any) -> Image.Image:
        if isinstance(image, Image.Image):
            try:
                image.load()
                return to_rgb(image)
            except (OSError, ValueError) as e:
                raise InvalidInput(f"the query image cannot be used ({e})") from e
        if isinstance(image, bytes | bytearray | memoryview):
            data, label = bytes(image), "the query image"
        elif isinstance(image, str | os.PathLike):
            path = Path(image).expanduser()
            label = f"query image {path}"
            if not path.is_file():
                raise InvalidInput(f"{label} does not exist")
            try:
                data = path.read_bytes()
            except OSError as e:
                raise InvalidInput(f"{label} cannot be read ({e.strerror or e})") from e
        else:
            raise InvalidInput("the query image must be a file path, file bytes or a picture")
        if not data:
            raise InvalidInput(f"{label} is empty")
        try:
            return decode_image(data)
        except UnreadableImage as e:
            raise InvalidInput(f"{label} is not a readable picture ({e})") from e

    def _ready(self) -> None:
        self._sync()
        if self._vectors is None or self._catalog.count() == 0:
            raise LibraryEmpty(
                "the picture library is empty; index a folder first: python bot.py index DIR"
            )
        self._check_model()

    def path_of(self, vector_id: int) -> str | None:
        """The file of result ``vector_id``, or None when it left the library."""
        with self._lock:
            return self._catalog.paths([vector_id]).get(vector_id)

    def _search(self, queries: np.ndarray, k: int) -> list[Hit]:
        assert self._vectors is not None
        fetch = min(self._vectors.ntotal, k + max(16, k // 4))  # room for vanished files
        scores, ids = self._vectors.search(queries, fetch)
        paths = self._catalog.paths(int(i) for i in ids[0] if i >= 0)
        hits = []
        for score, vid in zip(scores[0], ids[0], strict=True):
            path = paths.get(int(vid))
            if path is None or not os.path.exists(path):
                continue
            hits.append(Hit(path=path, score=float(score), id=int(vid)))
            if len(hits) == k:
                break
        return hits

    # --- indexing -----------------------------------------------------------------------
    def index_folder(
        self,
        folder: str | os.PathLike,
        batch_size: int = 32,
        progress: bool = True,
        rebuild: bool = False,
        save_every: float = SAVE_EVERY_S,
    ) -> IndexReport:
        """Add the pictures under ``folder`` (recursive), drop deleted ones; see module doc.

        ``rebuild`` starts the index afresh (needed after changing the model). Raises
        InvalidInput for a missing or picture-less folder before changing anything.
        """
        started = time.monotonic()
        if not isinstance(batch_size, int) or not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise InvalidInput(f"batch size must be between 1 and {MAX_BATCH_SIZE}, "
                               f"got {batch_size}")
        root = Path(folder).expanduser()
        if not root.exists():
            raise InvalidInput(f"folder {root} does not exist")
        if not root.is_dir():
            raise InvalidInput(f"{root} is not a folder")
        root = root.resolve()
        report = IndexReport(folder=str(root))
        found = list(_scan(root, report))
        if not found:
            exts = ", ".join(sorted(e.lstrip(".") for e in IMAGE_EXTENSIONS))
            raise InvalidInput(f"no pictures ({exts}) found in {root}")

        with self._lock, self._exclusive():
            try:
                self._sync()
            except NotAvailable:
                if not rebuild:
                    raise
            embedder = self.embedder
            fresh = rebuild or self._catalog.count() == 0
            if not fresh:
                self._check_model()
            try:
                if fresh:  # generations keep counting up, so readers notice the new one
                    self._catalog.clear()
                    self._catalog.set("generation", str(self._generation))
                    self._vectors = VectorIndex.empty(embedder.dim)
                self._changed = fresh  # a fresh index is saved even if nothing is added
                self._catalog.set("model", embedder.name)
                self._catalog.set("dim", str(embedder.dim))
                self._index(found, report, batch_size, progress, save_every)
            except BaseException:
                # back to the last checkpoint: memory and catalog agree again
                self._catalog.rollback()
                self._load()
                raise
        report.total = self.count
        report.index_kind = self.index_kind
        report.seconds = time.monotonic() - started
        return report

    def _index(self, found: list[tuple[str, int, int]], report: IndexReport,
               batch_size: int, progress: bool, save_every: float) -> None:
        from tqdm import tqdm

        assert self._vectors is not None
        catalog = self._catalog
        known = {r.path: r for r in catalog.rows()}
        on_disk = {p for p, _, _ in found}
        gone = [r for r in known.values() if r.path not in on_disk and not os.path.exists(r.path)]
        moved_from: dict[str, list[FileRow]] = {}
        for r in gone:
            moved_from.setdefault(r.sha256, []).append(r)
        pending = []
        for path, size, mtime in found:
            row = known.get(path)
            if row is not None and row.size == size and row.mtime_ns == mtime:
                report.unchanged += 1
            else:
                pending.append((path, size, mtime))

        last_save = time.monotonic()
        workers = min(8, (os.cpu_count() or 2) + 2)
        bar = tqdm(total=len(pending), desc="indexing", unit="img", disable=not progress,
                   dynamic_ncols=True)
        with ThreadPoolExecutor(max_workers=workers) as pool, bar:
            for start in range(0, len(pending), batch_size):
                batch = pending[start : start + batch_size]
                read = list(pool.map(_read_and_hash, [p for p, _, _ in batch]))
                to_decode = []
                for (path, size, mtime), (data, sha, error) in zip(batch, read, strict=True):
                    row = known.get(path)
                    if error is not None:
                        report.skipped.append((path, error))
                        self._drop(row, report)
                        continue
                    if not self._record_known(path, size, mtime, sha, row, moved_from, report):
                        to_decode.append((path, size, mtime, sha, row, data))
                self._embed_batch(to_decode, report, pool)
                bar.update(len(batch))
                if time.monotonic() - last_save >= save_every:
                    self._checkpoint()
                    last_save = time.monotonic()
        leftover = [r for rows in moved_from.values() for r in rows]
        for row in leftover:
            self._drop(row, report)
        self._checkpoint()

    def _record_known(self, path: str, size: int, mtime: int, sha: str, row: FileRow | None,
                      moved_from: dict[str, list[FileRow]], report: IndexReport) -> bool:
        """Record a file whose content is already indexed; False when it must be embedded."""
        assert self._vectors is not None
        catalog = self._catalog
        if row is not None and row.sha256 == sha:  # touched, same bytes
            catalog.update(row.id, path=path, sha256=sha, size=size, mtime_ns=mtime)
            report.unchanged += 1
            return True
        if moved_from.get(sha):  # moved or renamed: keep its vector, change its path
            source = moved_from[sha].pop()
            if row is not None:  # it replaced another indexed file at this path
                self._drop(row, report)
            catalog.update(source.id, path=path, sha256=sha, size=size, mtime_ns=mtime)
            report.moved += 1
            return True
        twins = catalog.by_sha256(sha)
        if twins:  # a copy of an indexed picture: copy its vector
            vector = self._vectors.reconstruct([twins[0].id])
            self._put(path, size, mtime, sha, row, vector, report)
            return True
        return False

    def _embed_batch(self, items: list[tuple], report: IndexReport,
                     pool: ThreadPoolExecutor) -> None:
        if not items:
            return
        decoded = list(pool.map(lambda item: _try_decode(item[5]), items))
        ready = []
        for item, (image, error) in zip(items, decoded, strict=True):
            path, _, _, _, row, _ = item
            if error is not None:
                report.skipped.append((path, error))
                self._drop(row, report)
            else:
                ready.append((item, image))
        if not ready:
            return
        vectors = self.embedder.embed_images([image for _, image in ready])
        report.embedded += len(ready)
        for ((path, size, mtime, sha, row, _), _), vector in zip(ready, vectors, strict=True):
            self._put(path, size, mtime, sha, row, vector[None, :], report)

    def _put(self, path: str, size: int, mtime: int, sha: str, row: FileRow | None,
             vector: np.ndarray, report: IndexReport) -> None:
        assert self._vectors is not None
        if row is not None:
            self._vectors.remove([row.id])
            self._catalog.update(row.id, path=path, sha256=sha, size=size, mtime_ns=mtime)
            self._vectors.add(np.array([row.id]), vector)
            report.updated += 1
        else:
            row_id = self._catalog.add(path, sha, size, mtime)
            self._vectors.add(np.array([row_id]), vector)
            report.added += 1
        self._changed = True

    def _drop(self, row: FileRow | None, report: IndexReport | None = None) -> None:
        if row is None:
            return
        assert self._vectors is not None
        self._vectors.remove([row.id])
        self._catalog.delete([row.id])
        self._changed = True
        if report is not None:
            report.removed += 1

    def remove(self, path: str | os.PathLike) -> bool:
        """Drop one picture from the index (the file is left alone). False if not indexed."""
        with self._lock, self._exclusive():
            self._sync()
            candidates = {os.path.abspath(os.path.expanduser(path))}
            with contextlib.suppress(OSError):
                candidates.add(str(Path(path).expanduser().resolve()))
            for candidate in candidates:
                row = self._catalog.by_path(candidate)
                if row is not None and self._vectors is not None:
                    self._drop(row)
                    self._checkpoint()
                    return True
            return False

    # --- persistence --------------------------------------------------------------------
    def _vectors_path(self, generation: int) -> Path:
        return self.folder / f"vectors-{generation}.faiss"

    def _load(self) -> None:
        """Read the committed generation (catalog + faiss file) into memory."""
        generation = int(self._catalog.get("generation") or 0)
        dim = self._catalog.get("dim")
        self._generation = generation
        self._changed = False
        if not generation or dim is None:
            self._vectors = None
            return
        spec = IndexSpec(**json.loads(self._catalog.get("spec") or '{"kind": "flat"}'))
        path = self._vectors_path(generation)
        try:
            self._vectors = VectorIndex.load(path, spec, int(dim))
        except (RuntimeError, ValueError, OSError) as e:
            raise NotAvailable(
                f"the search index in {self.folder} cannot be read ({path.name}: "
                f"{str(e).splitlines()[0] if str(e) else type(e).__name__}); rebuild it with: "
                "python bot.py index DIR --rebuild"
            ) from e
        if self._vectors.ntotal != self._catalog.count():
            self._reconcile()

    def _reconcile(self) -> None:
        """Make catalog and vectors agree (after a file was lost or edited by hand)."""
        assert self._vectors is not None
        in_index = set(self._vectors.ids().tolist())
        in_catalog = set(self._catalog.ids())
        self._vectors.remove(sorted(in_index - in_catalog))
        self._catalog.delete(sorted(in_catalog - in_index))  # re-embedded by the next index
        self._catalog.commit()

    def _sync(self) -> None:
        """Reload if another process committed a newer generation since we last looked."""
        if int(self._catalog.get("generation") or 0) != self._generation:
            self._load()

    def _checkpoint(self) -> None:
        """Write the vectors as a new generation, then commit the catalog that names it."""
        assert self._vectors is not None
        limit = self.settings.index_exact_limit
        if self._vectors.needs_rebuild(limit):
            self._vectors = self._vectors.rebuilt(limit, TARGET_RECALL)
            self._changed = True
        if self._changed or not self._generation:
            generation = self._generation + 1  # a stray file of that number is uncommitted
            self._vectors.save(self._vectors_path(generation))
            self._catalog.set("generation", str(generation))
            spec = self._vectors.spec
            self._catalog.set("spec", json.dumps(spec.__dict__))
            self._catalog.commit()
            self._generation = generation
            self._changed = False
            self._clean_old_files()
        else:
            self._catalog.commit()

    def _clean_old_files(self) -> None:
        keep = {self._vectors_path(self._generation).name,
                self._vectors_path(self._generation - 1).name}  # a reader may be opening it
        for path in self.folder.glob("vectors-*.faiss*"):
            if path.name not in keep:
                with contextlib.suppress(OSError):
                    path.unlink()

    def _check_model(self) -> None:
        stored = self._catalog.get("model")
        if stored is None or self._catalog.count() == 0:  # nothing to mix up with
            return
        stored_dim = self._catalog.get("dim")
        current = self.embedder.name
        if stored != current or stored_dim != str(self.embedder.dim):
            raise IndexModelMismatch(
                f"the picture index in {self.folder} was built with {stored} "
                f"({stored_dim}-d vectors), but profile {self.settings.profile!r} uses "
                f"{current} ({self.embedder.dim}-d); vectors of different models cannot be "
                "compared. Rebuild it with: python bot.py index DIR --rebuild"
            )

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """One writer per index across processes (an advisory lock file)."""
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; the catalog still serialises
            yield
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / LOCK_FILE, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexBusy(
                    f"another process is updating the picture index in {self.folder}; "
                    "wait for it to finish"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def user_library_name(user: str) -> str:
    """The name of ``user``'s own library ("user-" and a hash: no user id in a path)."""
    return "user-" + hashlib.sha256(user.encode("utf-8")).hexdigest()[:16]


def add_picture(library: Library, picture: Image.Image) -> Path:
    """Keep a copy of ``picture`` in the library's own folder and index it (the user's
    "add this to my library"); returns the copy's path. Adding the same picture twice
    keeps one copy."""
    buf = io.BytesIO()
    to_rgb(picture).save(buf, format="PNG")
    data = buf.getvalue()
    folder = library.folder / "files"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()[:32]}.png"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    library.index_folder(folder, progress=False)
    return path


def get_library(settings: Settings, name: str = DEFAULT_NAME) -> Library:
    """The process-wide :class:`Library` of ``settings``' index ``name``, opened once.

    Shared like the models (one faiss index in memory, however many conversations
    search it); it reloads by itself when another process (``bot.py index``) commits.
    """
    from tools.models import shared

    def make() -> Library:
        library = Library(settings, name)
        library._shared = True
        return library

    return shared(("library", settings, name), make)


# ----------------------------------------------------------------------------- helpers


def _check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise InvalidInput(f"k must be a whole number between 1 and {MAX_K}, got {k!r}")
    if not 1 <= k <= MAX_K:
        raise InvalidInput(f"k must be between 1 and {MAX_K}, got {k}")
    return int(k)


def _scan(root: Path, report: IndexReport) -> Iterator[tuple[str, int, int]]:
    """(path, size, mtime_ns) of every picture file under ``root``, sorted; hidden dirs
    skipped, and links that lead outside ``root`` too (an index never reaches further than
    the folder it was given)."""
    real_root = os.path.realpath(root)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if os.path.splitext(name)[1].lower() not in IMAGE_EXTENSIONS:
                continue
            path = os.path.join(dirpath, name)
            if os.path.islink(path) and os.path.commonpath(
                    [real_root, os.path.realpath(path)]) != real_root:
                report.skipped.append((path, "a link to a file outside the folder"))
                continue
            try:
                st = os.stat(path)
            except OSError as e:
                report.skipped.append((path, e.strerror or str(e)))
                continue
            if not os.path.isfile(path):
                continue
            yield path, st.st_size, st.st_mtime_ns


def _read_and_hash(path: str) -> tuple[bytes | None, str, str | None]:
    """(bytes, sha256 hex, None) or (None, "", why it cannot be read)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return None, "", f"cannot read ({e.strerror or e})"
    if not data:
        return None, "", "empty file"
    return data, hashlib.sha256(data).hexdigest(), None


def _try_decode(data: bytes) -> tuple[Image.Image | None, str | None]:
    try:
        return decode_image(data), None
    except UnreadableImage as e:
        return None, f"not a readable picture ({e})"
