"""Every check on image-tool input, in one place, run before any model work.

Each function returns the cleaned value or raises :class:`InvalidInput` with a message that
names the value and the limit, so a user sees what to change. Input images are decoded here
too: whatever the source (PIL image, bytes, path), the tools get a plain RGB image or a
clear refusal (not an image, a broken or truncated file, a decompression bomb, a giant).
"""

from __future__ import annotations

import io
import math
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from errors import InvalidInput

MIN_SIDE = 64  # px, per side of a generated image
MAX_SIDE = 2048
MAX_PIXELS = 1536 * 1536  # per generated image: bounds memory and time of one job
MULTIPLE = 8  # the VAE's down-sampling factor
MAX_STEPS = 150
MAX_GUIDANCE = 30.0
MAX_IMAGES = 8  # per request
MAX_PROMPT_CHARS = 2000  # CLIP reads 77 tokens; anything much longer is a mistake
MIN_STRENGTH = 0.01  # below this img2img would need over 100 steps to denoise at all
MAX_SEED = 2**31 - 1  # fits the 32-bit integer columns of every database
MAX_INPUT_BYTES = 50 * 1024 * 1024
MAX_INPUT_PIXELS = 50_000_000  # ~8K x 6K: any real photo; above is a bomb or a mistake

ImageSource = Image.Image | bytes | bytearray | memoryview | str | os.PathLike


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise InvalidInput(f"{name} must be a whole number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise InvalidInput(f"{name} must be a whole number, got {value!r}")


def _as_float(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise InvalidInput(f"{name} must be a number, got {value!r}")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(result):
        raise InvalidInput(f"{name} must be a finite number, got {value!r}")
    return result


def side(value: Any, name: str) -> int:
    v = _as_int(value, name)
    if not MIN_SIDE <= v <= MAX_SIDE:
        raise InvalidInput(f"{name} must be between {MIN_SIDE} and {MAX_SIDE} px, got {v}")
    if v % MULTIPLE:
        lower = max(MIN_SIDE, v - v % MULTIPLE)
        raise InvalidInput(
            f"{name} must be a multiple of {MULTIPLE} px, got {v} (try {lower} or {lower + 8})"
        )
    return v


def size(width: Any, height: Any) -> tuple[int, int]:
    w, h = side(width, "width"), side(height, "height")
    if w * h > MAX_PIXELS:
        raise InvalidInput(
            f"{w}x{h} is {w * h:,} pixels; the limit is {MAX_PIXELS:,} (e.g. 1536x1536)"
        )
    return w, h


RATIO_NAMES = {
    "square": (1, 1), "portrait": (2, 3), "landscape": (3, 2), "wide": (16, 9),
    "widescreen": (16, 9), "tall": (9, 16), "方图": (1, 1), "正方形": (1, 1), "竖版": (2, 3),
    "竖图": (2, 3), "竖屏": (9, 16), "横版": (3, 2), "横图": (3, 2), "横屏": (16, 9),
    "宽屏": (16, 9),
}


def ratio(value: Any) -> tuple[int, int]:
    """'16:9', '3x2', '9/16', 'portrait', '竖版' -> (16, 9); refused with a message otherwise."""
    text = str(value).strip().lower()
    if text in RATIO_NAMES:
        return RATIO_NAMES[text]
    import re

    m = re.fullmatch(r"(\d{1,2})\s*[:x×/比]\s*(\d{1,2})", text)
    if not m or not int(m.group(1)) or not int(m.group(2)):
        raise InvalidInput(f"an aspect ratio looks like 16:9, 3:2 or 'portrait', not {text[:20]!r}")
    a, b = int(m.group(1)), int(m.group(2))
    if max(a / b, b / a) > 4:
        raise InvalidInput(f"{a}:{b} is too narrow; keep the ratio within 4:1")
    return a, b


def size_for_ratio(wanted: tuple[int, int], base: int, multiple: int = MULTIPLE
                   ) -> tuple[int, int]:
    """The width and height closest to ``base``² pixels with the ratio ``wanted`` (within 2%
    where the sides allow), each a multiple of ``multiple`` and within the side limits."""
    r = wanted[0] / wanted[1]
    budget = base * base
    best: tuple[float, int, int] | None = None
    for h in range(max(MIN_SIDE, multiple), MAX_SIDE + 1, multiple):
        w = round(h * r / multiple) * multiple
        if not MIN_SIDE <= w <= MAX_SIDE or w * h > MAX_PIXELS:
            continue
        err = abs(w / h - r) / r
        cost = (0 if err <= 0.02 else 10 + err) + abs(w * h - budget) / budget
        if best is None or cost < best[0]:
            best = (cost, w, h)
    assert best is not None
    return best[1], best[2]


def steps(value: Any) -> int:
    v = _as_int(value, "steps")
    if not 1 <= v <= MAX_STEPS:
        raise InvalidInput(f"steps must be between 1 and {MAX_STEPS}, got {v}")
    return v


def guidance(value: Any, name: str = "guidance") -> float:
    v = _as_float(value, name)
    if not 0.0 <= v <= MAX_GUIDANCE:
        raise InvalidInput(f"{name} must be between 0 and {MAX_GUIDANCE:g}, got {v:g}")
    return v


def fraction(value: Any, name: str, *, minimum: float = 0.0) -> float:
    """A value in [minimum, 1]: img2img strength, reference-style scale."""
    v = _as_float(value, name)
    if not minimum <= v <= 1.0:
        raise InvalidInput(f"{name} must be between {minimum:g} and 1, got {v:g}")
    return v


def strength(value: Any) -> float:
    """img2img strength: 0.01 (keep the picture) .. 1 (ignore it)."""
    return fraction(value, "strength", minimum=MIN_STRENGTH)


def count(value: Any) -> int:
    v = _as_int(value, "number of images")
    if not 1 <= v <= MAX_IMAGES:
        raise InvalidInput(f"number of images must be between 1 and {MAX_IMAGES}, got {v}")
    return v


def seed(value: Any, n: int = 1) -> int:
    """The given seed (``n`` images use seed .. seed+n-1), or a fresh random one."""
    top = MAX_SEED - (n - 1)
    if value is None:
        return secrets.randbelow(top + 1)
    v = _as_int(value, "seed")
    if not 0 <= v <= top:
        raise InvalidInput(f"seed must be between 0 and {top}, got {v}")
    return v


def text(value: Any, name: str = "prompt", *, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be text, got {type(value).__name__}")
    cleaned = value.strip()
    if required and not cleaned:
        raise InvalidInput(f"{name} is empty; say what the picture should show")
    if len(cleaned) > MAX_PROMPT_CHARS:
        raise InvalidInput(
            f"{name} is {len(cleaned):,} characters; the limit is {MAX_PROMPT_CHARS:,}"
        )
    return cleaned


_steps, _guidance, _seed = steps, guidance, seed  # check_generation's parameters shadow them


def check_generation(
    width: Any = None,
    height: Any = None,
    steps: Any = None,
    guidance: Any = None,
    n: Any = None,
    seed: Any = None,
) -> dict[str, Any]:
    """Check the generation settings that are given (e.g. a user's ``/settings``); returns
    them cleaned. A width or height alone is checked as a side, both together as a size."""
    out: dict[str, Any] = {}
    if width is not None and height is not None:
        out["width"], out["height"] = size(width, height)
    elif width is not None:
        out["width"] = side(width, "width")
    elif height is not None:
        out["height"] = side(height, "height")
    if steps is not None:
        out["steps"] = _steps(steps)
    if guidance is not None:
        out["guidance"] = _guidance(guidance)
    if n is not None:
        out["n"] = count(n)
    if seed is not None:
        out["seed"] = _seed(seed)
    return out


def fit_size(width: int, height: int, max_pixels: int) -> tuple[int, int]:
    """A size for working on a ``width`` x ``height`` picture: same aspect, never upscaled,
    at most ``max_pixels``, each side a multiple of 8 within the side limits."""
    scale = min(1.0, math.sqrt(max_pixels / (width * height)))
    w, h = width * scale, height * scale

    def snap(v: float) -> int:
        return min(MAX_SIDE, max(MIN_SIDE, int(v) // MULTIPLE * MULTIPLE))

    return snap(w), snap(h)


# ------------------------------------------------------------------------ input images


def load_image(source: ImageSource, name: str = "image") -> Image.Image:
    """Decode ``source`` (PIL image, bytes or a file path) into an RGB image, or refuse it."""
    if isinstance(source, Image.Image):
        _check_pixels(source.size, name)
        return _to_rgb(source)
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if not data:
            raise InvalidInput(f"{name} is empty (0 bytes)")
        if len(data) > MAX_INPUT_BYTES:
            raise InvalidInput(
                f"{name} is {len(data) / 2**20:.0f} MB; the limit is {MAX_INPUT_BYTES // 2**20} MB"
            )
        return _decode(lambda: io.BytesIO(data), name)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise InvalidInput(f"{name} {path} does not exist or is not a file")
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise InvalidInput(f"{name} {path} is larger than {MAX_INPUT_BYTES // 2**20} MB")
        return _decode(lambda: path.open("rb"), f"{name} {path}")
    raise InvalidInput(
        f"{name} must be a picture (PIL image, bytes or a file path), got {type(source).__name__}"
    )


def image_size(source: bytes | bytearray | memoryview, name: str = "image") -> tuple[int, int]:
    """Width and height of an encoded picture from its header and a structure check,
    without decoding its pixels; refuses what :func:`load_image` would refuse for its size
    or form (a truncated pixel stream is only found when it is decoded)."""
    data = bytes(source)
    if not data:
        raise InvalidInput(f"{name} is empty (0 bytes)")
    if len(data) > MAX_INPUT_BYTES:
        raise InvalidInput(
            f"{name} is {len(data) / 2**20:.0f} MB; the limit is {MAX_INPUT_BYTES // 2**20} MB")
    try:
        with Image.open(io.BytesIO(data)) as im:
            _check_pixels(im.size, name)
            size = im.size
            im.verify()
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise InvalidInput(f"{name} is too large to decode safely ({e})") from e
    except UnidentifiedImageError as e:
        raise InvalidInput(f"{name} is not an image PIL can read (PNG, JPEG, WebP, ...)") from e
    except Exception as e:
        raise InvalidInput(f"{name} is broken or truncated ({e})") from e
    return size


# the peak memory of decoding one picture, per pixel: the decoded frame and its RGB copy
# (a 7000x7000 PNG measured +378 MB, 7.7 bytes a pixel)
DECODE_BYTES_PER_PIXEL = 8


class MemoryBudget:
    """Bytes that decodes may take at once; each waits its turn under the limit, and one
    that could never fit is refused."""

    def __init__(self, limit: int):
        self.limit = limit
        self.used = 0
        self._cond = threading.Condition()

    @contextmanager
    def hold(self, nbytes: int, name: str = "the picture") -> Iterator[None]:
        if nbytes > self.limit:
            raise InvalidInput(f"{name} would take {nbytes / 2**20:,.0f} MB of memory to "
                               f"decode; the limit is {self.limit / 2**20:,.0f} MB")
        with self._cond:
            self._cond.wait_for(lambda: self.used + nbytes <= self.limit)
            self.used += nbytes
        try:
            yield
        finally:
            with self._cond:
                self.used -= nbytes
                self._cond.notify_all()


def _check_pixels(wh: tuple[int, int], name: str) -> None:
    w, h = wh
    if w < 1 or h < 1:
        raise InvalidInput(f"{name} has no pixels ({w}x{h})")
    if w * h > MAX_INPUT_PIXELS:
        raise InvalidInput(
            f"{name} is {w}x{h} = {w * h:,} pixels; the limit is {MAX_INPUT_PIXELS:,}"
        )


def _decode(open_fp: Any, name: str) -> Image.Image:
    """Header check first (size), then a full verify + decode; every failure is InvalidInput.

    Our pixel limit is below PIL's bomb thresholds (``Image.MAX_IMAGE_PIXELS``: a warning
    above it, ``DecompressionBombError`` above twice it), so we refuse oversized pictures
    from the header alone, and PIL's own error still stops absurd ones inside ``open``.
    (No ``warnings.catch_warnings`` here: it is not thread-safe.)
    """
    try:
        with open_fp() as fp, Image.open(fp) as im:
            _check_pixels(im.size, name)
            im.verify()  # checksums and structure, without keeping pixels
        with open_fp() as fp, Image.open(fp) as im:
            im.load()  # raises on truncated data
            rgb = _to_rgb(ImageOps.exif_transpose(im))
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise InvalidInput(f"{name} is too large to decode safely ({e})") from e
    except UnidentifiedImageError as e:
        raise InvalidInput(f"{name} is not an image PIL can read (PNG, JPEG, WebP, ...)") from e
    except Exception as e:  # PIL raises OSError, SyntaxError, ValueError, struct.error, ...
        raise InvalidInput(f"{name} is broken or truncated ({e})") from e
    return rgb


def _to_rgb(im: Image.Image) -> Image.Image:
    """RGB copy; transparency is flattened onto white (not the black PIL would give)."""
    if im.mode == "P" and "transparency" in im.info:
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA"):
        im = im.convert("RGBA")
        background = Image.new("RGBA", im.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, im).convert("RGB")
    return im.convert("RGB")
