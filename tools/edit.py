"""Image to image: start from a picture (img2img, "垫图"), edit it by instruction
(InstructPix2Pix), or borrow a reference picture's style (IP-Adapter).

Like :mod:`tools.generate`, each function validates everything first, runs synchronously
in the calling thread (submit it to :func:`tools.jobs.get_queue`), and returns an
:class:`~tools.generate.ImageResult` whose recipe records ``parent`` (an opaque id the
caller passes, e.g. the stored image's id) so "undo" and "back to #2" are pointer moves.

Input pictures may be PIL images, bytes or file paths; they are checked and converted to
RGB by :func:`tools.validate.load_image`. Unless a size is given, the output keeps the input's
aspect ratio, never upscales, is capped near the model's native area (1.5 x size^2) and
rounded down to multiples of 8.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import tools.models as models
from errors import NotAvailable
from tools import validate
from tools.generate import CancelFn, ImageResult, ProgressFn, Recipe, run_pipeline

if TYPE_CHECKING:
    from PIL.Image import Image

    from settings import Settings
    from tools.models import Profile

# InstructPix2Pix's own recommended settings (timbrooks/instruct-pix2pix); the tiny profile
# uses its fast profile defaults instead.
INSTRUCT_STEPS = 20
INSTRUCT_GUIDANCE = 7.5


def _output_size(profile: Profile, source: Image, width: Any, height: Any) -> tuple[int, int]:
    """Requested size (one side alone keeps the aspect), else the input's, fitted."""
    if width is None and height is None:
        cap = int(1.5 * profile.size * profile.size)
        return validate.size(*validate.fit_size(source.width, source.height, cap))
    if width is None or height is None:
        given = validate.side(
            width if width is not None else height, "width" if width is not None else "height"
        )
        ratio = source.height / source.width if width is not None else source.width / source.height
        other = max(validate.MIN_SIDE, min(validate.MAX_SIDE, round(given * ratio / 8) * 8))
        width, height = (given, other) if width is not None else (other, given)
    return validate.size(width, height)


def _fit(image: Image, size: tuple[int, int]) -> Image:
    from PIL import Image as PILImage

    return image if image.size == size else image.resize(size, PILImage.Resampling.LANCZOS)


def denoising_steps(steps: int, strength: float) -> int:
    """The smallest step count >= ``steps`` whose ``int(steps * strength)`` (what diffusers
    actually runs at this strength) is at least 1, so low strengths still denoise."""
    n = max(steps, math.ceil(1 / strength) - 1)
    while int(n * strength) < 1:
        n += 1
    return n


def img2img(
    image: Any,
    prompt: str,
    strength: float = 0.6,
    *,
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
    """A new picture that starts from ``image`` and follows ``prompt``.

    ``strength`` in (0, 1]: how far to move away from the start picture (1 ignores it).
    The recipe's ``steps`` is what was passed to the pipeline (raised if needed so that at
    least one denoising step runs); ``extra["denoising_steps"]`` is how many ran.
    """
    profile = models.profile_for(settings)
    prompt = validate.text(prompt, required=False)
    negative_prompt = validate.text(negative_prompt, "negative prompt", required=False)
    strength = validate.strength(strength)
    steps = validate.steps(profile.steps if steps is None else steps)
    guidance = validate.guidance(profile.guidance if guidance is None else guidance)
    seed = validate.seed(seed)
    source = validate.load_image(image)
    size = _output_size(profile, source, width, height)
    steps = denoising_steps(steps, strength)

    pipe = models.load_img2img(settings)
    out, flagged = run_pipeline(
        pipe,
        settings,
        seed=seed,
        progress=progress,
        cancel=cancel,
        prompt=prompt,
        negative_prompt=negative_prompt or None,
        image=_fit(source, size),
        strength=strength,
        num_inference_steps=steps,
        guidance_scale=guidance,
    )
    recipe = Recipe(
        prompt=prompt,
        negative_prompt=negative_prompt,
        seed=seed,
        steps=steps,
        guidance=guidance,
        width=size[0],
        height=size[1],
        model=profile.txt2img,
        tool="img2img",
        strength=strength,
        parent=parent,
        extra={"denoising_steps": int(steps * strength)},
    )
    return ImageResult.of(out, flagged, recipe)


def instruct(
    image: Any,
    instruction: str,
    *,
    seed: int | None = None,
    steps: int | None = None,
    guidance: float | None = None,
    image_guidance: float = 1.5,
    parent: int | None = None,
    settings: Settings,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> ImageResult:
    """Edit ``image`` as ``instruction`` says ("make it night", "add a red hat").

    ``guidance`` weighs the instruction, ``image_guidance`` faithfulness to the picture
    (InstructPix2Pix's text and image CFG scales). Output size: the input's, fitted.
    """
    profile = models.profile_for(settings)
    if not profile.instruct:
        raise NotAvailable(f"instruction editing is not available in the {profile.name} profile")
    tiny = profile.instruct == models.TINY
    instruction = validate.text(instruction, "instruction")
    default_steps = profile.steps if tiny else INSTRUCT_STEPS
    default_guidance = profile.guidance if tiny else INSTRUCT_GUIDANCE
    steps = validate.steps(default_steps if steps is None else steps)
    guidance = validate.guidance(default_guidance if guidance is None else guidance)
    image_guidance = validate.guidance(image_guidance, "image guidance")
    seed = validate.seed(seed)
    source = validate.load_image(image)
    size = _output_size(profile, source, None, None)

    pipe = models.load_instruct(settings)
    out, flagged = run_pipeline(
        pipe,
        settings,
        seed=seed,
        progress=progress,
        cancel=cancel,
        prompt=instruction,
        image=_fit(source, size),
        num_inference_steps=steps,
        guidance_scale=guidance,
        image_guidance_scale=image_guidance,
    )
    recipe = Recipe(
        prompt=instruction,
        negative_prompt="",
        seed=seed,
        steps=steps,
        guidance=guidance,
        width=size[0],
        height=size[1],
        model=profile.instruct,
        tool="instruct",
        parent=parent,
        extra={"image_guidance": image_guidance},
    )
    return ImageResult.of(out, flagged, recipe)


def restyle(
    image_or_prompt: Any,
    style_reference: Any,
    *,
    prompt: str = "",
    scale: float = 0.6,
    strength: float = 0.6,
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
    """A picture in the style of ``style_reference`` (IP-Adapter image prompt).

    ``image_or_prompt`` is either text (a new picture of it: text-to-image) or a picture
    (PIL image, bytes or path: redrawn from it like :func:`img2img` with ``strength``,
    ``prompt`` optional). ``scale`` in [0, 1] is how strongly the reference counts.
    Profiles without an IP-Adapter raise ``NotAvailable`` before anything else.
    """
    profile = models.profile_for(settings)
    if profile.ip_adapter is None:
        raise NotAvailable(
            f"reference style is not available in the {profile.name} profile; "
            "use the sd15 or sdxl-turbo profile"
        )
    from_text = isinstance(image_or_prompt, str)
    text = image_or_prompt if from_text else prompt
    text = validate.text(text, required=from_text)
    negative_prompt = validate.text(negative_prompt, "negative prompt", required=False)
    scale = validate.fraction(scale, "style scale")
    steps = validate.steps(profile.steps if steps is None else steps)
    guidance = validate.guidance(profile.guidance if guidance is None else guidance)
    seed = validate.seed(seed)
    style = validate.load_image(style_reference, "style reference")
    call: dict[str, Any] = {
        "prompt": text,
        "negative_prompt": negative_prompt or None,
        "guidance_scale": guidance,
    }
    if from_text:
        size = validate.size(
            profile.size if width is None else width, profile.size if height is None else height
        )
        call.update(width=size[0], height=size[1], num_inference_steps=steps)
        strength_used: float | None = None
    else:
        strength_used = validate.strength(strength)
        source = validate.load_image(image_or_prompt)
        size = _output_size(profile, source, width, height)
        steps = denoising_steps(steps, strength_used)
        call.update(image=_fit(source, size), strength=strength_used, num_inference_steps=steps)

    adapter = models.load_ip_adapter(settings)  # load before taking the diffusion lock
    pipe = adapter.txt2img if from_text else adapter.img2img
    with models.diffusion_lock(settings), adapter.active(scale):
        out, flagged = run_pipeline(
            pipe,
            settings,
            seed=seed,
            progress=progress,
            cancel=cancel,
            ip_adapter_image=style,
            **call,
        )
    recipe = Recipe(
        prompt=text,
        negative_prompt=negative_prompt,
        seed=seed,
        steps=steps,
        guidance=guidance,
        width=size[0],
        height=size[1],
        model=profile.txt2img,
        tool="restyle",
        strength=strength_used,
        parent=parent,
        extra={
            "style_scale": scale,
            "ip_adapter": "/".join(profile.ip_adapter),
            "from": "text" if from_text else "image",
        },
    )
    if not from_text:
        recipe.extra["denoising_steps"] = int(steps * (strength_used or 0))
    return ImageResult.of(out, flagged, recipe)
