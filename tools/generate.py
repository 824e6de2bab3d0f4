"""Text to image with the profile's diffusion pipeline, reproducibly.

Every picture comes back with its :class:`Recipe` (prompt, seed, steps, guidance, size,
model, tool, parent...): running the same recipe on the same device gives the same pixels,
because each image gets its own explicitly seeded ``torch.Generator``. ``n`` images use the
seeds ``seed, seed+1, ...`` and are made one after another, so each one is reproducible on
its own ("same as #3" needs only #3's recipe).

These functions run synchronously in the calling thread. Run them through
:func:`tools.jobs.get_queue` (one job per device at a time, progress, cancellation); they
also take the device's ``diffusion_lock`` so that direct calls cannot interleave.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import tools.models as models
from errors import ImagechatError
from tools import validate
from tools.jobs import JobCancelled

if TYPE_CHECKING:
    from PIL.Image import Image

    from settings import Settings

ProgressFn = Callable[[int, int], None]  # (steps done, steps in total), from 1
CancelFn = Callable[[], bool]  # true once the caller wants the work stopped

TOOLS = ("generate", "img2img", "instruct", "restyle")


@dataclass
class Recipe:
    """Everything needed to make the picture again (mirrors storage's image row)."""

    prompt: str
    negative_prompt: str
    seed: int
    steps: int
    guidance: float
    width: int
    height: int
    model: str
    tool: str
    strength: float | None = None
    parent: int | None = None  # opaque id of the picture this one was made from
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> Recipe:
        return dataclasses.replace(self, **changes)


@dataclass
class ImageResult:
    image: Image
    recipe: Recipe
    # side pictures a caller may store with the image, e.g. ``"mask"`` of a region edit
    extra_images: dict[str, Image] = field(default_factory=dict)

    @classmethod
    def of(cls, image: Image, flagged: bool, recipe: Recipe) -> ImageResult:
        """A pipeline's picture with its recipe, noting when the safety checker blanked it."""
        if flagged:
            recipe.extra["nsfw_filtered"] = True
        return cls(image, recipe)


def generate(
    prompt: str,
    negative_prompt: str = "",
    seed: int | None = None,
    steps: int | None = None,
    guidance: float | None = None,
    width: int | None = None,
    height: int | None = None,
    n: int = 1,
    *,
    settings: Settings,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    batch: bool | None = None,
) -> list[ImageResult]:
    """``n`` pictures of ``prompt``; unset values come from the profile.

    ``batch``: make the ``n`` pictures in one pipeline call (one generator per seed, so
    each keeps its own seed). ``None`` batches on CUDA, where it multiplies throughput;
    elsewhere the pictures are made one after another, each bit-identical to making it
    alone. On a GPU a batched picture can differ from its single twin in the last bits.

    ``seed=None`` picks a random seed (recorded in the recipe). Raises ``InvalidInput``
    before any model work for bad values, ``NotAvailable`` when the model cannot be
    loaded, :class:`~tools.jobs.JobCancelled` when ``cancel()`` turns true.
    """
    profile = models.profile_for(settings)
    prompt = validate.text(prompt)
    negative_prompt = validate.text(negative_prompt, "negative prompt", required=False)
    n = validate.count(n)
    steps = validate.steps(profile.steps if steps is None else steps)
    guidance = validate.guidance(profile.guidance if guidance is None else guidance)
    width, height = validate.size(
        profile.size if width is None else width, profile.size if height is None else height
    )
    seed = validate.seed(seed, n)

    pipe = models.load_txt2img(settings)
    if batch is None:
        batch = n > 1 and models.pick_device(settings).type == "cuda"
    call = dict(prompt=prompt, negative_prompt=negative_prompt or None,
                num_inference_steps=steps, guidance_scale=guidance, width=width, height=height)
    seeds = [seed + i for i in range(n)]
    if batch and n > 1:
        made = run_pipeline_batch(pipe, settings, seeds=seeds, progress=progress,
                                  cancel=cancel, **call)
    else:
        made = [run_pipeline(pipe, settings, seed=s, progress=progress, cancel=cancel,
                             index=i, count=n, **call) for i, s in enumerate(seeds)]
    results = []
    for s, (image, flagged) in zip(seeds, made, strict=True):
        recipe = Recipe(prompt=prompt, negative_prompt=negative_prompt, seed=s, steps=steps,
                        guidance=guidance, width=width, height=height, model=profile.txt2img,
                        tool="generate")
        if batch and n > 1:
            recipe.extra["batch"] = n
        results.append(ImageResult.of(image, flagged, recipe))
    return results


def run_pipeline(
    pipe: Any,
    settings: Settings,
    *,
    seed: int,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    index: int = 0,
    count: int = 1,
    **call: Any,
) -> tuple[Image, bool]:
    """One image from ``pipe(**call)`` with a fresh generator seeded ``seed``.

    Shared by the image tools: reports progress after every denoising step (image ``index``
    of ``count`` in one request), stops with :class:`JobCancelled` at the next step once
    ``cancel()`` is true, turns running out of accelerator memory into a clear error.
    Returns the image and whether the pipeline's safety checker blanked it.
    """
    return _run(pipe, settings, [seed], progress, cancel, index, count, call)[0]


def run_pipeline_batch(
    pipe: Any,
    settings: Settings,
    *,
    seeds: list[int],
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    **call: Any,
) -> list[tuple[Image, bool]]:
    """``len(seeds)`` images of one prompt in a single call, one generator per seed;
    progress counts the batch's steps (every step advances all its images)."""
    return _run(pipe, settings, seeds, progress, cancel, 0, 1, call)


def _run(pipe: Any, settings: Settings, seeds: list[int], progress: ProgressFn | None,
         cancel: CancelFn | None, index: int, count: int,
         call: dict[str, Any]) -> list[tuple[Image, bool]]:
    import torch

    device = models.pick_device(settings)
    # MPS generators are not reproducible across runs; diffusers recommends CPU ones there.
    generators = [torch.Generator(device="cpu" if device.type == "mps" else device)
                  .manual_seed(seed) for seed in seeds]

    def on_step_end(p: Any, i: int, t: Any, tensors: dict[str, Any]) -> dict[str, Any]:
        if cancel is not None and cancel():
            raise JobCancelled()
        if progress is not None:
            per_image = int(p.num_timesteps)
            progress(index * per_image + i + 1, count * per_image)
        return tensors

    if cancel is not None and cancel():
        raise JobCancelled()
    if len(seeds) > 1:
        call = {**call, "num_images_per_prompt": len(seeds)}
    try:
        with models.diffusion_lock(settings):
            out = pipe(
                **call,
                generator=generators if len(seeds) > 1 else generators[0],
                callback_on_step_end=on_step_end,
                output_type="pil",
            )
    except torch.OutOfMemoryError as e:
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        w, h = call.get("width"), call.get("height")
        size = f" at {w}x{h}" if w and h else ""
        raise ImagechatError(
            f"the accelerator ran out of memory{size}; try a smaller size or fewer images"
        ) from e
    flagged = getattr(out, "nsfw_content_detected", None) or [False] * len(seeds)
    return [(image, bool(flag)) for image, flag in zip(out.images, flagged, strict=True)]
