"""Pictures for tests, made here once: solid PNG bytes, noise pictures, folders of distinct
pictures, and pixels to compare."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw


def png(color: str | tuple[int, int, int] = "red", size: int = 64) -> bytes:
    """A solid square PNG, as a channel would receive it."""
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, format="PNG")
    return buf.getvalue()


def solid(color: tuple[int, int, int], size: int = 16) -> Image.Image:
    return Image.new("RGB", (size, size), color)


def noise(w: int = 64, h: int = 64, seed: int = 0) -> Image.Image:
    """A noise picture: every pixel different, the same for the same seed."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))


def png_bytes(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def pixels(result: Any) -> np.ndarray:
    """The pixels of an ImageResult (or a PIL image), as signed ints to subtract."""
    return np.asarray(getattr(result, "image", result), dtype=np.int16)


def shapes(folder: Path, n: int, seed: int = 0, *, webp_every: int = 0,
           path_for: Any = None) -> list[Path]:
    """``n`` distinct 64 px pictures (a coloured background, shapes, a little noise) saved in
    ``folder``; every ``webp_every``-th one as WebP, or where ``path_for(folder, i)`` says."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        img = Image.new("RGB", (64, 64), tuple(int(c) for c in rng.integers(0, 256, 3)))
        draw = ImageDraw.Draw(img)
        for _ in range(3):
            x0, y0 = (int(v) for v in rng.integers(0, 48, 2))
            box = [x0, y0, x0 + int(rng.integers(8, 32)), y0 + int(rng.integers(8, 32))]
            colour = tuple(int(c) for c in rng.integers(0, 256, 3))
            (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
        noisy = np.asarray(img, np.int16) + rng.integers(-20, 21, (64, 64, 3))
        img = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
        webp = webp_every and i % webp_every == 0
        path = (path_for(folder, i) if path_for is not None
                else folder / f"pic_{i:03d}.{'webp' if webp else 'png'}")
        path.parent.mkdir(parents=True, exist_ok=True)
        img.save(path, quality=95) if path.suffix == ".jpg" else img.save(path)
        paths.append(path)
    return paths
