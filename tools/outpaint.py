"""Zoom out and pan: the picture on a larger canvas, the new border painted by the profile's
inpainting pipeline, the original pasted back so it appears unchanged.

"zoom out", "zoom out 2x" (:func:`zoom_out`: the canvas grows by ``factor`` on every side,
the picture stays in the centre), "extend to the left", "make it wider", "向右扩展"
(:func:`pan`: the canvas grows on one side). The canvas sides are multiples of the
profile's ``size_multiple``. Its area is capped at ``BUDGET_AREAS`` times the profile's native
area (4: a native-size picture zoomed out 2x fits); a larger canvas is scaled down as a
whole, the original with it. Otherwise the original's pixels are kept exactly.

Same contract as the other image tools (validation before any model loads, progress, cancel,
a full recipe); the border mask comes back as ``result.extra_images["mask"]``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

import tools.models as models
from errors import InvalidInput
from tools import validate
from tools.generate import CancelFn, ImageResult, ProgressFn, Recipe
from tools.regions import inpaint_region

if TYPE_CHECKING:
    from settings import Settings
    from tools.models import Profile

MAX_ZOOM = 4.0
MAX_PAN = 2.0  # a pan adds at most twice the picture's side
BUDGET_AREAS = 4  # canvas area cap, in native areas (profile.size ** 2)
DIRECTIONS = ("left", "right", "up", "down")


def _factor(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, str):
        value = value.strip().lower().rstrip("x×")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a number like 2 or 1.5, got {value!r}") from None
    if not (math.isfinite(v) and low < v <= high):
        raise InvalidInput(f"{name} must be above {low:g} and at most {high:g}, got {v:g}")
    return v


def _direction(value: Any) -> str:
    d = str(value).strip().lower()
    if d not in DIRECTIONS:
        raise InvalidInput(f"direction must be one of {', '.join(DIRECTIONS)}, got {d[:20]!r}")
    return d


def plan_canvas(profile: Profile, w: int, h: int, grow: tuple[float, float, float, float]
                ) -> tuple[tuple[int, int], tuple[int, int, int, int], float]:
    """Where a ``w`` x ``h`` picture goes on a canvas that adds ``grow`` = (left, right, up,
    down) times its width/height on each side: ((canvas w, h), (x, y, picture w, h), scale).
    Growth on both sides of an axis centres the picture on it (zoom out); on one side only
    puts it against the other edge (pan).

    The canvas sides are multiples of ``profile.size_multiple``; the area is capped at
    ``BUDGET_AREAS`` native areas (and the side limits) by scaling everything by ``scale``.
    """
    left, right, up, down = grow
    m = max(validate.MULTIPLE, profile.size_multiple)
    want_w, want_h = w * (1 + left + right), h * (1 + up + down)
    budget = min(validate.MAX_PIXELS, BUDGET_AREAS * profile.size * profile.size)
    scale = min(1.0, math.sqrt(budget / (want_w * want_h)), validate.MAX_SIDE / want_w,
                validate.MAX_SIDE / want_h)
    pw, ph = (w, h) if scale == 1.0 else (max(1, round(w * scale)), max(1, round(h * scale)))

    def snap(want: float, inner: int) -> int:
        v = max(round(want / m) * m, math.ceil(inner / m) * m, validate.MIN_SIDE)
        return min(v, validate.MAX_SIDE // m * m)

    cw, ch = snap(want_w * scale, pw), snap(want_h * scale, ph)
    if scale < 1.0:  # rounding up to the multiple may overshoot the budget a little
        while cw * ch > validate.MAX_PIXELS:
            cw, ch = cw - m, ch - m
    pw, ph = min(pw, cw), min(ph, ch)

    def place(extra: int, before: float, after: float) -> int:
        return extra // 2 if before == after else (extra if after == 0 else 0)

    x, y = place(cw - pw, left, right), place(ch - ph, up, down)
    return (cw, ch), (x, y, pw, ph), scale


def _outpaint(image: Any, grow: tuple[float, float, float, float], tool: str,
              extra: dict[str, Any], *, prompt: str, negative_prompt: str, seed: int | None,
              steps: int | None, guidance: float | None, parent: int | None,
              settings: Settings, progress: ProgressFn | None,
              cancel: CancelFn | None) -> ImageResult:
    from PIL import Image as PILImage

    profile = models.profile_for(settings)
    prompt = validate.text(prompt, required=False)
    negative_prompt = validate.text(negative_prompt, "negative prompt", required=False)
    steps = validate.steps(profile.steps if steps is None else steps)
    guidance = validate.guidance(profile.guidance if guidance is None else guidance)
    seed = validate.seed(seed)
    source = validate.load_image(image)
    (cw, ch), (x, y, pw, ph), scale = plan_canvas(profile, source.width, source.height, grow)
    cw, ch = validate.size(cw, ch)
    if (cw, ch) == (pw, ph):
        raise InvalidInput("that adds nothing to the picture; ask for more (e.g. zoom out 2x)")

    placed = source if scale == 1.0 else source.resize((pw, ph), PILImage.Resampling.LANCZOS)
    # the new border starts as the picture's edge pixels drawn outwards (a calm start)
    pad = ((y, ch - ph - y), (x, cw - pw - x), (0, 0))
    canvas = PILImage.fromarray(np.pad(np.asarray(placed), pad, mode="edge"))
    mask = PILImage.new("L", (cw, ch), 255)
    mask.paste(0, (x, y, x + pw, y + ph))
    painted, flagged = inpaint_region(
        canvas, mask, (cw, ch), settings=settings, seed=seed, progress=progress, cancel=cancel,
        prompt=prompt, negative_prompt=negative_prompt or None, strength=1.0,
        num_inference_steps=steps, guidance_scale=guidance,
    )
    painted.paste(placed, (x, y))  # the original, unchanged
    recipe = Recipe(
        prompt=prompt, negative_prompt=negative_prompt, seed=seed, steps=steps,
        guidance=guidance, width=cw, height=ch, model=profile.inpaint or profile.txt2img,
        tool=tool, strength=1.0, parent=parent,
        extra={**extra, "placed": [x, y, pw, ph], "scale": round(scale, 4)},
    )
    result = ImageResult.of(painted, flagged, recipe)
    result.extra_images["mask"] = mask
    return result


def zoom_out(
    image: Any,
    factor: float = 2.0,
    *,
    prompt: str = "",
    negative_prompt: str = "",
    seed: int | None = None,
    steps: int | None = None,
    guidance: float | None = None,
    parent: int | None = None,
    settings: Settings,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> ImageResult:
    """``image`` in the centre of a canvas ``factor`` times its size (1 < factor <= 4; "2x"
    is accepted), the new border painted to match ``prompt`` (pass the parent's prompt).
    Recipe tool ``"zoom_out"``, ``extra["factor"]``."""
    factor = _factor(factor, "zoom factor", 1.0, MAX_ZOOM)
    g = (factor - 1) / 2
    return _outpaint(image, (g, g, g, g), "zoom_out", {"factor": factor}, prompt=prompt,
                     negative_prompt=negative_prompt, seed=seed, steps=steps,
                     guidance=guidance, parent=parent, settings=settings, progress=progress,
                     cancel=cancel)


def pan(
    image: Any,
    direction: str,
    amount: float = 0.5,
    *,
    prompt: str = "",
    negative_prompt: str = "",
    seed: int | None = None,
    steps: int | None = None,
    guidance: float | None = None,
    parent: int | None = None,
    settings: Settings,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> ImageResult:
    """``image`` extended towards ``direction`` ("left", "right", "up", "down") by ``amount``
    times its width (left/right) or height (up/down), 0 < amount <= 2; the new strip is
    painted to match ``prompt``. Recipe tool ``"pan"``, ``extra["direction"]``/``["amount"]``.
    """
    direction = _direction(direction)
    amount = _factor(amount, "pan amount", 0.0, MAX_PAN)
    left, right, up, down = (amount if d == direction else 0.0 for d in DIRECTIONS)
    return _outpaint(image, (left, right, up, down), "pan",
                     {"direction": direction, "amount": amount},
                     prompt=prompt, negative_prompt=negative_prompt, seed=seed, steps=steps,
                     guidance=guidance, parent=parent, settings=settings, progress=progress,
                     cancel=cancel)
