"""Blend 2 to 5 pictures into one: "blend #1 and #3", "mix #2 #4 #5".

Where the profile has an IP-Adapter, all the pictures are its image prompts at once (one
adapter, several reference images: their embeddings become extra cross-attention tokens
side by side) and a new picture is drawn from them and the optional ``prompt``. Elsewhere,
the tiny profile included, the documented fallback: the pictures are resized to one size
(the first one's, fitted to the profile), their pixels averaged, and img2img redraws that
average with ``prompt`` at ``strength``. ``extra["method"]`` says which was used
(``"ip-adapter"`` or ``"average-img2img"``) and ``extra["sources"]`` names every picture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

import tools.models as models
from errors import InvalidInput
from tools import validate
from tools.edit import _fit, _output_size, img2img
from tools.generate import CancelFn, ImageResult, ProgressFn, Recipe, run_pipeline

if TYPE_CHECKING:
    from PIL.Image import Image

    from settings import Settings

MIN_PICTURES, MAX_PICTURES = 2, 5
BLEND_SCALE = 0.7  # IP-Adapter weight of the pictures against the prompt
BLEND_STRENGTH = 0.75  # fallback img2img strength: the average is a blurry double exposure


def average(pictures: list[Image], size: tuple[int, int]) -> Image:
    """The pixel mean of ``pictures``, each resized to ``size`` first."""
    from PIL import Image as PILImage

    stack = np.stack([np.asarray(_fit(p, size), dtype=np.float32) for p in pictures])
    return PILImage.fromarray(np.clip(stack.mean(0).round(), 0, 255).astype(np.uint8))


def blend(
    images: list[Any],
    prompt: str = "",
    *,
    sources: list[Any] | None = None,
    scale: float = BLEND_SCALE,
    strength: float = BLEND_STRENGTH,
    negative_prompt: str = "",
    seed: int | None = None,
    steps: int | None = None,
    guidance: float | None = None,
    width: int | None = None,
    height: int | None = None,
    parent: int | None = None,
    settings: Settings,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> ImageResult:
    """One picture mixing ``images`` (2 to 5: PIL images, bytes or paths).

    ``sources``: the caller's ids of the pictures, in order (recorded in the recipe; the
    first is the parent unless ``parent`` is given). ``scale`` weighs the pictures in the
    IP-Adapter path, ``strength`` is the fallback's img2img strength. The size follows the
    first picture (fitted to the profile) unless ``width``/``height`` are given.
    """
    if not isinstance(images, list | tuple):
        raise InvalidInput("blend needs a list of pictures")
    if not MIN_PICTURES <= len(images) <= MAX_PICTURES:
        raise InvalidInput(
            f"blend takes {MIN_PICTURES} to {MAX_PICTURES} pictures, got {len(images)}")
    if sources is not None and len(sources) != len(images):
        raise InvalidInput(f"{len(sources)} source ids for {len(images)} pictures")
    profile = models.profile_for(settings)
    prompt = validate.text(prompt, required=False)
    negative_prompt = validate.text(negative_prompt, "negative prompt", required=False)
    scale = validate.fraction(scale, "blend scale")
    strength = validate.strength(strength)
    steps = validate.steps(profile.steps if steps is None else steps)
    guidance = validate.guidance(profile.guidance if guidance is None else guidance)
    seed = validate.seed(seed)
    pictures = [validate.load_image(im, f"picture {i + 1}") for i, im in enumerate(images)]
    size = _output_size(profile, pictures[0], width, height)
    names = list(sources) if sources is not None else [None] * len(pictures)
    if parent is None and sources is not None:
        parent = sources[0]
    extra: dict[str, Any] = {"sources": names}

    if profile.ip_adapter is None:
        result = img2img(average(pictures, size), prompt, strength,
                         negative_prompt=negative_prompt, seed=seed, steps=steps,
                         guidance=guidance, width=size[0], height=size[1], parent=parent,
                         settings=settings, progress=progress, cancel=cancel)
        result.recipe = result.recipe.replace(
            tool="blend", extra={**result.recipe.extra, **extra, "method": "average-img2img"})
        return result

    adapter = models.load_ip_adapter(settings)  # load before taking the diffusion lock
    with models.diffusion_lock(settings), adapter.active(scale):
        out, flagged = run_pipeline(
            adapter.txt2img, settings, seed=seed, progress=progress, cancel=cancel,
            prompt=prompt, negative_prompt=negative_prompt or None,
            ip_adapter_image=[[_fit(p, size) for p in pictures]],  # one adapter, n pictures
            width=size[0], height=size[1], num_inference_steps=steps, guidance_scale=guidance,
        )
    recipe = Recipe(
        prompt=prompt, negative_prompt=negative_prompt, seed=seed, steps=steps,
        guidance=guidance, width=size[0], height=size[1], model=profile.txt2img,
        tool="blend", parent=parent,
        extra={**extra, "method": "ip-adapter", "blend_scale": scale,
               "ip_adapter": "/".join(profile.ip_adapter)},
    )
    return ImageResult.of(out, flagged, recipe)
