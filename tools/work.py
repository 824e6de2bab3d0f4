"""Image work as named, serialisable jobs, behind one interface with two engines.

A job is an operation name (:data:`OPERATIONS`), JSON keyword arguments and input
pictures; its result is what the tool returns (``ImageResult``\\ s with their recipes, or
a description's text). The caller cannot tell where it runs::

    work = image_work(settings)
    job = work.submit("generate", {"prompt": "a cat", "seed": 7}, [], label="generating",
                      on_progress=print)
    results = job.result()     # or: await job; job.cancel()

* **embedded** (no ``broker_url``): today's in-process :class:`tools.jobs.JobQueue`, one
  job at a time per device, in a thread of this process.
* **Celery** (``broker_url`` set, e.g. ``redis://host:6379/0``): the job travels as JSON
  with its pictures as PNG bytes to ``python bot.py worker`` processes, which hold the
  models and nothing else (:mod:`tools.workers`). Results come back as PNG bytes plus the
  recipe; this process stores them.

Both give the same :class:`tools.jobs.JobEvent`\\ s (queued with a position, running with
step/total, done/failed/cancelled) and raise the same errors (``InvalidInput``,
``NotAvailable``, :class:`tools.jobs.JobCancelled` ...).
"""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from tools.jobs import JobEvent

if TYPE_CHECKING:
    from PIL.Image import Image

    from settings import Settings
    from tools.generate import ImageResult

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


# ---------------------------------------------------------------------------- operations
def _generate(pictures: list[Image], kw: dict[str, Any], **run: Any) -> Any:
    from tools import generate

    return generate.generate(**kw, **run)


def _img2img(pictures: list[Image], kw: dict[str, Any], **run: Any) -> Any:
    from tools import edit

    return edit.img2img(pictures[0], **kw, **run)


def _instruct(pictures: list[Image], kw: dict[str, Any], **run: Any) -> Any:
    from tools import edit

    return edit.instruct(pictures[0], **kw, **run)


def _restyle(pictures: list[Image], kw: dict[str, Any], **run: Any) -> Any:
    from tools import edit

    return edit.restyle(pictures[0], pictures[1], **kw, **run)


def _region_edit(pictures: list[Image], kw: dict[str, Any], **run: Any) -> Any:
    from tools import regions

    return regions.region_edit(pictures[0], **kw, **run)


def _zoom_out(pictures: list[Image], kw: dict[str, Any], **run: Any) -> Any:
    from tools import outpaint

    return outpaint.zoom_out(pictures[0], **kw, **run)


def _pan(pictures: list[Image], kw: dict[str, Any], **run: Any) -> Any:
    from tools import outpaint

    return outpaint.pan(pictures[0], **kw, **run)


def _outpaint(pictures: list[Image], kw: dict[str, Any], **run: Any) -> Any:
    """Grow the canvas by ``grow`` (left, right, top, bottom fractions): pan wider/taller."""
    from tools import outpaint

    kw = dict(kw)
    grow = tuple(float(g) for g in kw.pop("grow"))
    return outpaint._outpaint(pictures[0], grow, kw.pop("tool"), kw.pop("extra"), **kw, **run)


def _upscale(pictures: list[Image], kw: dict[str, Any], **run: Any) -> Any:
    from tools import upscale

    return upscale.upscale(pictures[0], **kw, **run)


def _vary(pictures: list[Image], kw: dict[str, Any], **run: Any) -> Any:
    from tools import vary

    return vary.vary(pictures[0], **kw, **run)


def _blend(pictures: list[Image], kw: dict[str, Any], **run: Any) -> Any:
    from tools import blend

    return blend.blend(pictures, **kw, **run)


def _describe(pictures: list[Image], kw: dict[str, Any], *, settings: Settings,
              progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> str:
    from tools.describe import describe

    if cancel is not None and cancel():
        from tools.jobs import JobCancelled

        raise JobCancelled()
    return describe(pictures[0], settings=settings, **kw).text


# name -> (function, how many input pictures: an exact count, or -1 for "one or more")
OPERATIONS: dict[str, tuple[Callable[..., Any], int]] = {
    "generate": (_generate, 0),
    "img2img": (_img2img, 1),
    "instruct": (_instruct, 1),
    "restyle": (_restyle, 2),
    "region_edit": (_region_edit, 1),
    "zoom_out": (_zoom_out, 1),
    "pan": (_pan, 1),
    "outpaint": (_outpaint, 1),
    "upscale": (_upscale, 1),
    "vary": (_vary, 1),
    "blend": (_blend, -1),
    "describe": (_describe, 1),
}


def check_job(op: str, kwargs: dict[str, Any], pictures: Sequence[Any]) -> None:
    """Refuse a job no engine could carry: an unknown operation, the wrong number of
    pictures, or arguments that are not plain JSON (so the embedded engine never accepts
    what a worker could not)."""
    if op not in OPERATIONS:
        raise ValueError(f"unknown image operation {op!r}")
    want = OPERATIONS[op][1]
    if (want >= 0 and len(pictures) != want) or (want < 0 and not pictures):
        raise ValueError(f"operation {op!r} takes {want if want >= 0 else 'some'} picture(s), "
                         f"got {len(pictures)}")
    try:
        json.dumps(kwargs, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ValueError(f"the arguments of {op!r} are not plain JSON: {e}") from e


def run_operation(op: str, kwargs: dict[str, Any], pictures: Sequence[Image], *,
                  settings: Settings, progress: ProgressFn | None = None,
                  cancel: CancelFn | None = None) -> Any:
    """Run one job here, synchronously (what a worker, or the embedded queue, does)."""
    check_job(op, kwargs, pictures)
    fn = OPERATIONS[op][0]
    return fn(list(pictures), dict(kwargs), settings=settings, progress=progress, cancel=cancel)


# ------------------------------------------------------------------------- the wire format
def png_bytes(picture: Image) -> bytes:
    buf = io.BytesIO()
    picture.save(buf, format="PNG")
    return buf.getvalue()


def from_png(data: bytes) -> Image:
    from PIL import Image as PILImage

    picture = PILImage.open(io.BytesIO(data))
    picture.load()
    return picture


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def _jsonable(value: Any) -> Any:
    """Recipe extras as JSON (tuples become lists, as they do when stored)."""
    return json.loads(json.dumps(value, default=str))


def encode_result(value: Any) -> dict[str, Any]:
    """An operation's return value as JSON: pictures as base64 PNG, recipes as dicts."""
    from tools.generate import ImageResult

    def one(r: ImageResult) -> dict[str, Any]:
        return {"png": b64(png_bytes(r.image)), "recipe": _jsonable(r.recipe.as_dict()),
                "extra_images": {k: b64(png_bytes(v)) for k, v in r.extra_images.items()}}

    if isinstance(value, str):
        return {"type": "text", "text": value}
    if isinstance(value, ImageResult):
        return {"type": "image", "items": [one(value)]}
    if isinstance(value, list) and all(isinstance(v, ImageResult) for v in value):
        return {"type": "images", "items": [one(v) for v in value]}
    raise TypeError(f"an image job returned {type(value).__name__}, which cannot travel")


def decode_result(data: dict[str, Any]) -> Any:
    from tools.generate import ImageResult, Recipe

    if data["type"] == "text":
        return data["text"]
    items = [ImageResult(from_png(unb64(i["png"])), Recipe(**i["recipe"]),
                         {k: from_png(unb64(v)) for k, v in i["extra_images"].items()})
             for i in data["items"]]
    return items[0] if data["type"] == "image" else items


# ---------------------------------------------------------------------------- the engines
class WorkJob(Protocol):
    """What :meth:`ImageWork.submit` returns (a :class:`tools.jobs.Job` or its remote twin)."""

    id: Any
    label: str
    stage: str

    def result(self, timeout: float | None = None) -> Any: ...
    def cancel(self) -> bool: ...
    def done(self) -> bool: ...
    async def wait(self) -> Any: ...


class ImageWork(Protocol):
    name: str

    def submit(self, op: str, kwargs: dict[str, Any], pictures: Sequence[Image] = (), *,
               label: str = "", on_progress: Callable[[JobEvent], None] | None = None
               ) -> WorkJob: ...
    def describe(self) -> str: ...
    def waiting(self) -> int: ...


class EmbeddedWork:
    """Jobs in this process: the device's :class:`tools.jobs.JobQueue`."""

    name = "embedded"

    def __init__(self, settings: Settings):
        self.settings = settings

    @property
    def queue(self) -> Any:
        from tools.jobs import get_queue

        return get_queue(self.settings)

    def submit(self, op: str, kwargs: dict[str, Any], pictures: Sequence[Image] = (), *,
               label: str = "", on_progress: Callable[[JobEvent], None] | None = None
               ) -> WorkJob:
        check_job(op, kwargs, pictures)
        settings, pictures = self.settings, list(pictures)
        return self.queue.submit(
            lambda ctx: run_operation(op, kwargs, pictures, settings=settings,
                                      progress=ctx.progress, cancel=ctx.cancelled),
            label=label, on_progress=on_progress)

    def describe(self) -> str:
        return self.queue.describe()

    def waiting(self) -> int:
        return self.queue.waiting()


_engines: dict[str, Any] = {}
_engines_lock = threading.Lock()


def image_work(settings: Settings) -> ImageWork:
    """The engine ``settings`` pick: Celery workers when ``broker_url`` is set, else this
    process. One per broker URL (and profile, deadline, queue limit) per process."""
    url = settings.broker_url.strip()
    if not url:
        return EmbeddedWork(settings)
    key = (url, settings.profile, settings.job_deadline_s, settings.max_queue)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None or engine.closed:
            from tools.workers import CeleryWork

            engine = _engines[key] = CeleryWork(settings)
        return engine
