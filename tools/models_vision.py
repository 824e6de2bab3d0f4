"""Loaders of the models that look at pictures or rework them: Chinese-CLIP (retrieval),
BLIP (describing photos), CLIPSeg, inpainting and upscalers (region edits, zoom out, upscale).

Part of :mod:`tools.models`, which re-exports every name here: callers use ``tools.models``,
and weights still load only through these two modules. Split off by concern when
``tools/models.py`` grew past 900 lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from errors import ConfigError
from tools import models
from tools.models import (
    TINY,
    Profile,
    _device_dtype,
    _is_load_failure,
    _model_load_error,
    _pipeline_classes,
    _pipeline_parts,
    _ready,
    _vae_key,
    download_progress,
    hub_reachable,
    pick_device,
    pick_dtype,
    profile_for,
    shared,
    tiny_dir,
)

if TYPE_CHECKING:
    import torch

    from settings import Settings


# --- retrieval: Chinese-CLIP (issue 5) --------------------------------------------------

CLIP_MODELS = ("RN50", "ViT-B-16", "ViT-L-14", "ViT-L-14-336", "ViT-H-14")  # cn_clip names


@dataclass(frozen=True)
class LoadedClip:
    """A Chinese-CLIP model ready for inference, plus what an index must record about it.

    ``name`` identifies the weights (``cn_clip/ViT-B-16``; the tiny one carries a hash of
    its weights), so vectors from another model are never mixed into an index.
    """

    model: Any  # cn_clip.clip.model.CLIP, eval mode, on ``device``
    preprocess: Callable[[Any], Any]  # PIL image -> CHW tensor (cn_clip.image_transform)
    tokenize: Callable[..., Any]  # list[str] -> LongTensor (cn_clip.clip.tokenize)
    dim: int
    name: str
    device: Any  # torch.device
    dtype: Any  # torch.dtype


def clip_identity(settings: Settings) -> tuple[str, int]:
    """(name, dimension) of the profile's Chinese-CLIP, known without loading it.

    An index records these, so ``bot.py index`` on an unchanged folder can check them
    without importing torch or reading the weights.
    """
    import importlib.util
    import json

    clip = profile_for(settings).clip
    if clip == TINY:
        from tools.tiny import clip as tiny_clip

        return _tiny_clip_identity(tiny_dir(settings, "cn_clip", tiny_clip.build))
    if clip in CLIP_MODELS:
        spec = importlib.util.find_spec("cn_clip")
        if spec is None or spec.origin is None:
            raise ConfigError("the cn_clip package is not installed (pip install cn_clip)")
        config = Path(spec.origin).parent / "clip" / "model_configs" / f"{clip}.json"
        return f"cn_clip/{clip}", int(json.loads(config.read_text(encoding="utf-8"))["embed_dim"])
    raise ConfigError(
        f"unknown Chinese-CLIP model {clip!r}; use one of {', '.join(CLIP_MODELS)} or tiny"
    )


def _tiny_clip_identity(folder: Path) -> tuple[str, int]:
    import hashlib
    import json

    from tools.tiny import clip as tiny_clip

    cfg = json.loads((folder / tiny_clip.CONFIG_FILE).read_text(encoding="utf-8"))
    digest = hashlib.sha256((folder / tiny_clip.WEIGHTS_FILE).read_bytes()).hexdigest()[:12]
    return f"cn_clip/tiny-{digest}", int(cfg["embed_dim"])


def load_clip(settings: Settings) -> LoadedClip:
    """The profile's Chinese-CLIP, loaded once per (model, device, dtype, cache)."""
    device = pick_device(settings)
    dtype = pick_dtype(device, settings)
    clip = profile_for(settings).clip
    key = ("clip", clip, str(device), str(dtype), str(settings.models_dir))
    return shared(key, lambda: _load_clip(clip, settings, device, dtype))


def _load_clip(clip: str, settings: Settings, device: torch.device,
               dtype: torch.dtype) -> LoadedClip:
    import contextlib
    import json
    import sys

    import torch
    from cn_clip.clip import image_transform, tokenize

    if clip == TINY:
        from cn_clip.clip.model import CLIP

        from tools.tiny import clip as tiny_clip

        folder = tiny_dir(settings, "cn_clip", tiny_clip.build)
        cfg = json.loads((folder / tiny_clip.CONFIG_FILE).read_text(encoding="utf-8"))
        model = CLIP(**cfg)
        model.load_state_dict(torch.load(folder / tiny_clip.WEIGHTS_FILE, map_location="cpu",
                                         weights_only=True))
        resolution = int(cfg["image_resolution"])
        name = _tiny_clip_identity(folder)[0]
    elif clip in CLIP_MODELS:
        from cn_clip.clip import load_from_name

        root = settings.models_dir / "cn_clip"
        try:
            # cn_clip prints its config to stdout; keep stdout clean for --json output
            with contextlib.redirect_stdout(sys.stderr):
                model, _ = load_from_name(clip, device="cpu", download_root=str(root))
        except Exception as e:  # download or checkpoint failures, reported to the user
            from errors import NotAvailable

            raise NotAvailable(
                f"cannot load Chinese-CLIP {clip} (weights under {root}): {e}"
            ) from e
        resolution = int(model.visual.input_resolution)
        name = f"cn_clip/{clip}"
    else:
        raise ConfigError(
            f"unknown Chinese-CLIP model {clip!r}; use one of {', '.join(CLIP_MODELS)} or tiny"
        )
    # create_model returns fp16 weights; move once to the chosen device and dtype
    model = model.to(device=device, dtype=dtype).eval()
    if dtype != torch.float32:
        # As in CLIP's own convert_weights, layer norms stay fp32: cn_clip's LayerNorm
        # computes in fp32 (input cast up), which fails against bf16/fp16 weights on a CPU
        # ("mixed dtype (CPU): expect parameter to have scalar type of Float").
        for module in model.modules():
            if isinstance(module, torch.nn.LayerNorm):
                module.float()
    return LoadedClip(
        model=model,
        preprocess=image_transform(resolution),
        tokenize=tokenize,
        dim=int(model.text_projection.shape[1]),
        name=name,
        device=device,
        dtype=dtype,
    )

# --- describing photos: BLIP captioner (tools/describe.py) ------------------------------

TINY_CAPTION_KIND = "blip-caption"  # tiny_dir kind of the tiny BLIP (tools/tiny/caption.py)


@dataclass(frozen=True)
class LoadedCaptioner:
    """A BLIP captioner ready for inference: ``BlipForConditionalGeneration`` (eval mode, on
    ``device`` in ``dtype``) and its ``BlipProcessor``. ``tiny`` marks the random tiny build."""

    model: Any
    processor: Any
    model_id: str
    device: Any  # torch.device
    dtype: Any  # torch.dtype
    tiny: bool


def load_captioner(settings: Settings) -> LoadedCaptioner:
    """The profile's BLIP captioner, loaded once per (model, device, dtype, cache) and shared.

    ``tiny`` is a random-weight BLIP built into the tiny model cache on first use; any other
    id is a Hugging Face repo id or a local folder in Hugging Face layout. With the hub
    offline only the local cache is consulted. Raises :class:`errors.NotAvailable` (naming
    the model and why) when it cannot be loaded or the profile has no captioner.
    """
    from errors import NotAvailable

    profile = profile_for(settings)
    model_id = profile.captioner
    if not model_id:
        raise NotAvailable(f"describing photos is not available in the {profile.name} profile")
    device, dtype = _device_dtype(settings)
    where = str(settings.models_dir) if model_id == TINY else ""

    def factory() -> LoadedCaptioner:
        from transformers import BlipForConditionalGeneration, BlipProcessor

        kwargs: dict[str, Any] = {}
        if model_id == TINY:
            from tools.tiny import caption as tiny_caption

            source: str = str(tiny_dir(settings, TINY_CAPTION_KIND, tiny_caption.build))
        else:
            source = model_id
            if not hub_reachable():
                kwargs["local_files_only"] = True
        try:
            # the model first: its errors say best why (not cached, offline, no such repo)
            model = BlipForConditionalGeneration.from_pretrained(source, dtype=dtype, **kwargs)
            processor = BlipProcessor.from_pretrained(source, **kwargs)
        except Exception as e:
            if not _is_load_failure(e):
                raise
            raise _model_load_error(model_id, e) from e
        model = model.to(device).eval()
        return LoadedCaptioner(model=model, processor=processor, model_id=model_id,
                               device=device, dtype=dtype, tiny=model_id == TINY)

    return shared(("captioner", model_id, where, str(device), str(dtype)), factory)

# --- region edits, zoom out, upscale: CLIPSeg, inpainting, upscalers (issue 16) ---------
#
# tools/regions.py, tools/outpaint.py and tools/upscale.py. Inpainting without a dedicated
# model reuses the text-to-image modules (``from_pipe``: the 4-channel UNet runs diffusers'
# legacy inpaint path); the upscalers and CLIPSeg are their own models.

TINY_SEGMENT_KIND = "clipseg"  # tiny_dir kind of the tiny CLIPSeg (tools/tiny/segment.py)


@dataclass(frozen=True)
class LoadedSegmenter:
    """CLIPSeg ready for inference: ``CLIPSegForImageSegmentation`` (eval, on ``device``)
    and its ``CLIPSegProcessor``. ``tiny`` marks the random tiny build."""

    model: Any
    processor: Any
    model_id: str
    device: Any  # torch.device
    dtype: Any  # torch.dtype
    tiny: bool


def load_segmenter(settings: Settings) -> LoadedSegmenter:
    """The profile's text-prompted segmenter (CLIPSeg), loaded once and shared.

    Raises :class:`errors.NotAvailable` when the profile has none or it cannot be loaded.
    """
    from errors import NotAvailable

    profile = profile_for(settings)
    model_id = profile.segmenter
    if not model_id:
        raise NotAvailable(f"region edits are not available in the {profile.name} profile")
    device, dtype = _device_dtype(settings)
    if device.type == "cpu":  # a small model: plain fp32 on a CPU
        import torch

        dtype = torch.float32
    where = str(settings.models_dir) if model_id == TINY else ""

    def factory() -> LoadedSegmenter:
        from transformers import CLIPSegForImageSegmentation, CLIPSegProcessor

        kwargs: dict[str, Any] = {}
        if model_id == TINY:
            from tools.tiny import segment as tiny_segment

            source = str(tiny_dir(settings, TINY_SEGMENT_KIND, tiny_segment.build))
        else:
            source = model_id
            if not hub_reachable():
                kwargs["local_files_only"] = True
        try:
            with download_progress(None if model_id == TINY else model_id):
                model = CLIPSegForImageSegmentation.from_pretrained(source, dtype=dtype,
                                                                    **kwargs)
                processor = CLIPSegProcessor.from_pretrained(source, **kwargs)
        except Exception as e:
            if not _is_load_failure(e):
                raise
            raise _model_load_error(model_id, e) from e
        return LoadedSegmenter(model=model.to(device).eval(), processor=processor,
                               model_id=model_id, device=device, dtype=dtype,
                               tiny=model_id == TINY)

    return shared(("segmenter", model_id, where, str(device), str(dtype)), factory)


def _inpaint_class(profile: Profile) -> Any:
    import diffusers

    if profile.pipeline == "sdxl":
        return diffusers.StableDiffusionXLInpaintPipeline
    _pipeline_classes(profile)  # refuses an unknown pipeline kind
    return diffusers.StableDiffusionInpaintPipeline


def load_inpaint(settings: Settings) -> Any:
    """The profile's inpainting pipeline: its own model (``profile.inpaint``, a 9-channel
    UNet) or, when it names none, ``from_pipe`` over the shared text-to-image modules."""
    profile = profile_for(settings)
    device, dtype = _device_dtype(settings)
    cls = _inpaint_class(profile)
    if profile.inpaint:
        def factory() -> Any:
            from tools.tiny import inpaint as tiny_inpaint

            folder = (tiny_dir(settings, "diffusion-inpaint", tiny_inpaint.build)
                      if profile.inpaint == TINY else None)
            parts = _pipeline_parts(settings, profile.pipeline, dtype)
            pipe = models._from_pretrained(cls, profile.inpaint, folder, dtype, **parts)
            return _ready(pipe, device, fast=folder is None)

        key = ("inpaint", profile.inpaint, profile.pipeline, str(device), str(dtype),
               *_vae_key(settings))
        return shared(key, factory)
    txt2img = models.load_txt2img(settings)
    key = ("inpaint", profile.txt2img, profile.pipeline, "from_pipe", str(device), str(dtype),
           *_vae_key(settings))
    # the VAE by name and the pipeline's own dtype (models.from_pipe says why)
    return shared(key, lambda: _ready(models.from_pipe(cls, txt2img), device))


def upscaler_id(settings: Settings, factor: int) -> str | None:
    """The model id the profile upscales ``factor`` x with, or ``None`` (plain Lanczos)."""
    x2, x4 = profile_for(settings).upscaler
    return {2: x2, 4: x4}.get(factor)


def load_upscaler(settings: Settings, factor: int) -> Any | None:
    """The profile's ``factor`` x upscaling pipeline, or ``None`` when it has none.

    2x: ``StableDiffusionLatentUpscalePipeline`` (sd-x2-latent-upscaler); 4x:
    ``StableDiffusionUpscalePipeline`` (stable-diffusion-x4-upscaler, or the tiny build).
    """
    model_id = upscaler_id(settings, factor)
    if not model_id:
        return None
    device, dtype = _device_dtype(settings)

    def factory() -> Any:
        import diffusers

        folder = None
        if model_id == TINY:
            from tools.tiny import upscale as tiny_upscale

            build = tiny_upscale.build if factor == 4 else tiny_upscale.build_x2
            folder = tiny_dir(settings, f"upscaler-x{factor}", build)
        cls = (diffusers.StableDiffusionUpscalePipeline if factor == 4
               else diffusers.StableDiffusionLatentUpscalePipeline)
        return _ready(models._from_pretrained(cls, model_id, folder, dtype), device)

    return shared(("upscaler", factor, model_id, str(device), str(dtype)), factory)
