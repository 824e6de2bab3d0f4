"""Upscale a picture 2x or 4x: "upscale #2", "upscale 4x", the upscale button.

Profiles name their upscalers in ``Profile.upscaler`` = (2x, 4x): the real profiles use
``stabilityai/sd-x2-latent-upscaler`` (``StableDiffusionLatentUpscalePipeline``) and
``stabilityai/stable-diffusion-x4-upscaler`` (``StableDiffusionUpscalePipeline``); the tiny
profile has a tiny random 4x build and Lanczos for 2x. Where a profile has no upscaler for
the factor, or the picture is too large for the model to handle in reasonable time and
memory (``MODEL_MAX_INPUT``), plain PIL Lanczos resampling does it. The recipe says which:
``extra["method"]`` is ``"lanczos"`` or the model id, so the reply can tell the user.

The output is exactly ``factor`` times the input's size, at most ``MAX_OUTPUT_SIDE`` px a
side (refused beforehand otherwise).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import tools.models as models
from errors import InvalidInput
from tools import validate
from tools.generate import CancelFn, ImageResult, ProgressFn, Recipe, run_pipeline
from tools.jobs import JobCancelled

if TYPE_CHECKING:
    from PIL.Image import Image

    from settings import Settings

FACTORS = (2, 4)
MAX_OUTPUT_SIDE = 4096
# Input pixels above which a model upscaler gives way to Lanczos: the x4 model runs its UNet
# at the input's full resolution, the x2 one at the latents' (input / 8, then 2x).
MODEL_MAX_INPUT = {2: 1024 * 1024, 4: 384 * 384}
# The model cards' settings (x4: 75 steps at guidance 9 is the default; 25 is plenty).
MODEL_STEPS = {2: 20, 4: 25}
MODEL_GUIDANCE = {2: 0.0, 4: 7.5}
# The models' UNets halve the size three times: x4 at the picture's resolution, x2 at twice
# its latents' (picture / 8). Pictures are padded (edge pixels) to these multiples first.
SIDE_MULTIPLE = {2: 32, 4: 8}
NOISE_LEVEL = 20  # x4: how much noise the low-resolution picture gets (the model's default)


def _factor(value: Any) -> int:
    text = value.strip().lower().rstrip("x×") if isinstance(value, str) else value
    try:
        f = None if isinstance(value, bool) else float(text)
    except (TypeError, ValueError):
        f = None
    if f not in FACTORS:
        raise InvalidInput(f"upscale factor must be 2 or 4, got {value!r}")
    return int(f)


class _StepCallbacks:
    """An upscale pipeline behind the ``callback_on_step_end`` interface of
    :func:`tools.generate.run_pipeline` (the upscalers only take the older ``callback``)."""

    def __init__(self, pipe: Any, steps: int):
        self.pipe = pipe
        self.num_timesteps = steps

    def __call__(self, *, callback_on_step_end: Any, **call: Any) -> Any:
        def callback(i: int, t: Any, latents: Any) -> None:
            callback_on_step_end(self, i, t, {"latents": latents})

        return self.pipe(**call, callback=callback, callback_steps=1)


def upscale(
    image: Any,
    factor: int = 2,
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
    """``image`` at ``factor`` (2 or 4; "2x" is accepted) times its size.

    ``prompt`` (pass the parent's) guides a model upscaler; Lanczos ignores it. Unset
    ``steps``/``guidance`` are the model's recommended ones (the tiny profile's own for the
    tiny build). Recipe tool ``"upscale"``, ``extra["factor"]`` and ``extra["method"]``.
    """
    from PIL import Image as PILImage

    profile = models.profile_for(settings)
    factor = _factor(factor)
    prompt = validate.text(prompt, required=False)
    negative_prompt = validate.text(negative_prompt, "negative prompt", required=False)
    model_id = models.upscaler_id(settings, factor)
    tiny = model_id == models.TINY
    default_steps = profile.steps if tiny else MODEL_STEPS[factor]
    default_guidance = profile.guidance if tiny else MODEL_GUIDANCE[factor]
    steps = validate.steps(default_steps if steps is None else steps)
    guidance = validate.guidance(default_guidance if guidance is None else guidance)
    seed = validate.seed(seed)
    source = validate.load_image(image)
    w, h = source.width * factor, source.height * factor
    if max(w, h) > MAX_OUTPUT_SIDE:
        raise InvalidInput(
            f"{factor}x of a {source.width}x{source.height} picture would be {w}x{h}; the limit "
            f"is {MAX_OUTPUT_SIDE} px a side (try 2x, or a smaller picture)")

    reason = None
    if model_id and source.width * source.height > MODEL_MAX_INPUT[factor]:
        reason = f"the picture is larger than the {factor}x model takes"
    elif model_id and min(source.size) < validate.MIN_SIDE:
        reason = f"the picture is smaller than {validate.MIN_SIDE} px"
    if model_id is None or reason is not None:
        if cancel is not None and cancel():
            raise JobCancelled()
        out, flagged = lanczos(source, factor), False
        if progress is not None:
            progress(1, 1)
        method, steps, guidance = "lanczos", 0, 0.0
    else:
        pipe = models.load_upscaler(settings, factor)
        start = _pad(source, SIDE_MULTIPLE[factor])
        call: dict[str, Any] = {"prompt": prompt, "negative_prompt": negative_prompt or None,
                                "image": start, "num_inference_steps": steps,
                                "guidance_scale": guidance}
        if factor == 4:
            call["noise_level"] = NOISE_LEVEL
        out, flagged = run_pipeline(_StepCallbacks(pipe, steps), settings, seed=seed,
                                    progress=progress, cancel=cancel, **call)
        out = out.convert("RGB")
        if out.size != (start.width * factor, start.height * factor):
            out = out.resize((start.width * factor, start.height * factor),
                             PILImage.Resampling.LANCZOS)
        out = out.crop((0, 0, w, h))  # the padding's share goes
        method = model_id
    recipe = Recipe(
        prompt=prompt, negative_prompt=negative_prompt, seed=seed, steps=steps,
        guidance=guidance, width=w, height=h, model=method, tool="upscale", parent=parent,
        extra={"factor": factor, "method": method},
    )
    if factor == 4 and method != "lanczos":
        recipe.extra["noise_level"] = NOISE_LEVEL
    if reason is not None:
        recipe.extra["lanczos_because"] = reason
    return ImageResult.of(out, flagged, recipe)


def _pad(image: Image, multiple: int) -> Image:
    """``image`` grown right and down to sides in multiples of ``multiple`` (edge pixels)."""
    import numpy as np
    from PIL import Image as PILImage

    w = -(-image.width // multiple) * multiple
    h = -(-image.height // multiple) * multiple
    if (w, h) == image.size:
        return image
    pad = ((0, h - image.height), (0, w - image.width), (0, 0))
    return PILImage.fromarray(np.pad(np.asarray(image), pad, mode="edge"))


def lanczos(image: Image, factor: int) -> Image:
    """Plain Lanczos resampling to ``factor`` times the size (no model, no checks)."""
    from PIL import Image as PILImage

    return image.resize((image.width * factor, image.height * factor),
                        PILImage.Resampling.LANCZOS)
