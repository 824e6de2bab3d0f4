"""Edits of a region named in words: "replace the sky with a starry night", "remove the cup",
"make the car red" (only the car), "把天空换成晚霞".

A text-prompted segmentation model (CLIPSeg) finds the region; its mask is dilated and
feathered; the profile's inpainting pipeline repaints it with the prompt; then the result is
pasted back over the parent through the feathered mask, so every pixel outside the mask is
the parent's own, exactly.

Like the other image tools, everything is validated before any model loads, the work runs
synchronously in the calling thread (submit it to :func:`tools.jobs.get_queue`), and the
result is an :class:`~tools.generate.ImageResult` with a full recipe; the mask comes back as
``result.extra_images["mask"]`` for the caller to store (and to note in
``recipe.extra["mask_file"]``). :func:`inpaint_region` is shared with :mod:`tools.outpaint`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

import tools.models as models
from errors import InvalidInput, NotAvailable
from tools import validate
from tools.edit import _fit, _output_size, denoising_steps
from tools.generate import CancelFn, ImageResult, ProgressFn, Recipe, run_pipeline

if TYPE_CHECKING:
    from PIL.Image import Image

    from settings import Settings

THRESHOLD = 0.4  # CLIPSeg probability (sigmoid of its logit) from which a pixel is the region
FALLBACK_SHARE = 0.08  # nothing that sure (random weights, odd words): the likeliest 8%
SMOOTH = 0.06  # the fallback ranks a map blurred by this share of its side
GROW = 0.04  # dilation, as a share of the picture's shorter side (at least 2 px)
REGION_STRENGTH = 1.0  # repaint the region from noise; lower keeps more of its shapes


def find_region(image: Any, what: str, *, settings: Settings,
                threshold: float = THRESHOLD) -> Image:
    """The region of ``image`` that ``what`` names ("the sky", "天空"), as an ``L`` mask the
    size of the picture: 255 inside, a feathered edge, 0 outside. Never empty: when no pixel
    reaches ``threshold`` the likeliest ``FALLBACK_SHARE`` of the pixels are taken.
    The real CLIPSeg reads English only: translate ``what`` first (the tiny one reads any)."""
    what = validate.text(what, "region")
    threshold = validate.fraction(threshold, "threshold")
    source = validate.load_image(image)
    if not models.profile_for(settings).segmenter:
        raise NotAvailable(
            f"region edits are not available in the {settings.profile} profile")
    return mask_from_logits(_logits(source, what, settings), source.size, threshold)


def _logits(source: Image, what: str, settings: Settings) -> np.ndarray:
    """CLIPSeg's per-pixel logit that the pixel shows ``what`` (at the model's resolution)."""
    import torch

    seg = models.load_segmenter(settings)
    inputs = seg.processor(text=[what], images=[source], return_tensors="pt", padding=True,
                           truncation=True)
    inputs = {k: (v.to(seg.device, dtype=seg.dtype) if v.is_floating_point() else
                  v.to(seg.device)) for k, v in inputs.items()}
    with torch.no_grad():
        logits = seg.model(**inputs).logits
    logits = logits.reshape(-1, *logits.shape[-2:])[0]  # a batch of one may come squeezed
    return logits.float().cpu().numpy()


def mask_from_logits(logits: np.ndarray, size: tuple[int, int],
                     threshold: float = THRESHOLD) -> Image:
    """Pixels whose probability passes ``threshold`` (else the likeliest share, ranked on a
    smoothed map so they form blobs, not specks), resized to ``size``, dilated, feathered."""
    from PIL import Image as PILImage
    from PIL import ImageFilter

    cut = float(np.log(threshold / (1 - threshold))) if 0 < threshold < 1 else (
        np.inf if threshold >= 1 else -np.inf)
    chosen = logits > cut
    if not chosen.any():
        flat = _blur(logits, max(1.0, min(logits.shape) * SMOOTH)).ravel()
        k = max(1, round(logits.size * FALLBACK_SHARE))
        chosen = np.zeros(logits.shape, dtype=bool)
        chosen.flat[np.argpartition(flat, -k)[-k:]] = True
    small = PILImage.fromarray(chosen.astype(np.uint8) * 255)
    core = np.asarray(small.resize(size, PILImage.Resampling.BILINEAR)) >= 128
    if not core.any():  # a sliver lost in the resize: keep its likeliest pixel
        y, x = np.unravel_index(int(np.argmax(logits)), logits.shape)
        core[int(y * size[1] / logits.shape[0]), int(x * size[0] / logits.shape[1])] = True
    grow = max(2, round(GROW * min(size)))
    dilated = PILImage.fromarray(_dilate(core, grow).astype(np.uint8) * 255)
    return dilated.filter(ImageFilter.GaussianBlur(grow / 2))


def _blur(values: np.ndarray, sigma: float) -> np.ndarray:
    """A separable Gaussian blur of a 2-D float array (edges reflected)."""
    r = max(1, int(3 * sigma))
    kernel = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    out = np.pad(values.astype(np.float64), r, mode="reflect")
    out = np.apply_along_axis(np.convolve, 0, out, kernel, mode="valid")
    return np.apply_along_axis(np.convolve, 1, out, kernel, mode="valid")


def _dilate(binary: np.ndarray, r: int) -> np.ndarray:
    """Square dilation by ``r`` pixels: a running window sum along each axis in turn."""

    def along(a: np.ndarray, axis: int) -> np.ndarray:
        n = a.shape[axis]
        sums = np.concatenate([np.zeros_like(np.take(a, [0], axis), dtype=np.int32),
                               np.cumsum(a, axis=axis, dtype=np.int32)], axis=axis)
        hi = np.minimum(np.arange(n) + r + 1, n)
        lo = np.maximum(np.arange(n) - r, 0)
        return (np.take(sums, hi, axis) - np.take(sums, lo, axis)) > 0

    return along(along(binary, 0), 1)


def support(mask: Image) -> Image:
    """Every pixel the (feathered) ``mask`` touches, as a binary ``L`` mask."""
    return mask.point(lambda v: 255 if v > 0 else 0)


def inpaint_region(
    picture: Image,
    mask: Image,
    size: tuple[int, int],
    *,
    settings: Settings,
    seed: int,
    progress: ProgressFn | None,
    cancel: CancelFn | None,
    **call: Any,
) -> tuple[Image, bool]:
    """The profile's inpainting pipeline repaints where ``mask`` is non-zero, working at
    ``size`` (multiples of 8); the painted picture comes back at ``picture``'s size, not yet
    pasted over it. ``call``: prompt, strength, steps... as the pipeline takes them."""
    from PIL import Image as PILImage

    pipe = models.load_inpaint(settings)
    work_mask = support(mask.resize(size, PILImage.Resampling.BILINEAR))
    out, flagged = run_pipeline(
        pipe, settings, seed=seed, progress=progress, cancel=cancel,
        image=_fit(picture, size), mask_image=work_mask, width=size[0], height=size[1], **call,
    )
    if out.size != picture.size:
        out = out.resize(picture.size, PILImage.Resampling.LANCZOS)
    return out.convert("RGB"), flagged


def _given_mask(mask: Any, size: tuple[int, int]) -> Image:
    """A caller's mask (PIL image, bytes or path; white = the region) at ``size``."""
    from PIL import Image as PILImage

    if isinstance(mask, PILImage.Image):
        validate._check_pixels(mask.size, "mask")
        grey = mask.convert("L")
    else:
        grey = validate.load_image(mask, "mask").convert("L")
    if grey.size != size:
        grey = grey.resize(size, PILImage.Resampling.BILINEAR)
    if grey.getbbox() is None:
        raise InvalidInput("the mask is empty; it must mark the region to change in white")
    return grey


def region_edit(
    image: Any,
    what: str,
    prompt: str,
    *,
    strength: float = REGION_STRENGTH,
    negative_prompt: str = "",
    seed: int | None = None,
    steps: int | None = None,
    guidance: float | None = None,
    parent: int | None = None,
    settings: Settings,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    mask: Any = None,
) -> ImageResult:
    """Repaint the region of ``image`` that ``what`` names with ``prompt``; every pixel
    outside the region's mask stays the parent's, exactly.

    ``what``: the region in words ("the sky", "the cup", "天空"). ``prompt``: what to paint
    there ("a starry night sky"; empty lets the model fill in, as for "remove the cup").
    ``mask`` (optional: PIL image, bytes or path, white = region) skips the segmentation, e.g.
    to redo an edit from its stored mask. ``strength`` in (0, 1]: 1 repaints the region from
    noise; lower keeps more of what was there. The output has the parent's size; the model
    works at the parent's size fitted to the profile (multiples of 8).
    """
    profile = models.profile_for(settings)
    what = validate.text(what, "region", required=mask is None)
    prompt = validate.text(prompt, required=False)
    negative_prompt = validate.text(negative_prompt, "negative prompt", required=False)
    strength = validate.strength(strength)
    steps = validate.steps(profile.steps if steps is None else steps)
    guidance = validate.guidance(profile.guidance if guidance is None else guidance)
    seed = validate.seed(seed)
    source = validate.load_image(image)
    given = _given_mask(mask, source.size) if mask is not None else None
    if given is None and not profile.segmenter:
        raise NotAvailable(f"region edits are not available in the {profile.name} profile")
    size = _output_size(profile, source, None, None)
    steps = denoising_steps(steps, strength)

    region = given if given is not None else find_region(source, what, settings=settings)
    painted, flagged = inpaint_region(
        source, region, size, settings=settings, seed=seed, progress=progress, cancel=cancel,
        prompt=prompt, negative_prompt=negative_prompt or None, strength=strength,
        num_inference_steps=steps, guidance_scale=guidance,
    )
    from PIL import Image as PILImage

    result = PILImage.composite(painted, source, region)  # mask 0: the parent's pixel
    recipe = Recipe(
        prompt=prompt,
        negative_prompt=negative_prompt,
        seed=seed,
        steps=steps,
        guidance=guidance,
        width=source.width,
        height=source.height,
        model=profile.inpaint or profile.txt2img,
        tool="region",
        strength=strength,
        parent=parent,
        extra={
            "mask_prompt": what,
            "mask_file": None,  # the caller stores extra_images["mask"] and notes it here
            "segmenter": None if given is not None else profile.segmenter,
            "denoising_steps": int(steps * strength),
            "work_size": list(size),
        },
    )
    done = ImageResult.of(result, flagged, recipe)
    done.extra_images["mask"] = region
    return done
