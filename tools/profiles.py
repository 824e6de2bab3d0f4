"""Model profiles: one name picks every model the tools use.

``tiny`` (the offline default) points at tiny random-weight models that :mod:`tools.tiny`
builds from configs; the other profiles name Hugging Face ids. This module is data only
(no torch), so ``--help`` and the docs tests can list the profiles cheaply; the models load
in :mod:`tools.models`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from errors import ConfigError

if TYPE_CHECKING:
    from settings import Settings

TINY = "tiny"  # model id meaning "the tiny random model of this kind, built locally"
BLIP_BASE = "Salesforce/blip-image-captioning-base"  # English captioner of the real profiles
CLIPSEG = "CIDAS/clipseg-rd64-refined"  # text-prompted segmentation of the real profiles
UPSCALERS = ("stabilityai/sd-x2-latent-upscaler", "stabilityai/stable-diffusion-x4-upscaler")


@dataclass(frozen=True)
class Profile:
    """Every model a profile uses. A model id of ``"tiny"`` means the local tiny build."""

    name: str
    description: str
    # --- images (tools/generate.py, tools/edit.py)
    txt2img: str  # diffusers repo id or local dir
    pipeline: str = "sd"  # "sd" (StableDiffusionPipeline family) | "sdxl"
    instruct: str | None = None  # InstructPix2Pix repo id
    ip_adapter: tuple[str, str, str] | None = None  # (repo, subfolder, weight_name)
    steps: int = 25
    guidance: float = 7.5
    size: int = 512
    size_multiple: int = 8  # sides are multiples of this (SDXL: 64)
    native_chinese: bool = False  # the text encoder understands Chinese prompts
    # --- prompts (tools/rewrite.py, tools/beautify.py, translation)
    rewrite_backend: str = "rules"  # rules | lm | llm
    rewrite_lm: str | None = None  # causal LM for the DiffChat-style rewrite
    beautify_backend: str = "rules"  # rules | lm
    beautify_lm: str | None = None  # BeautifulPrompt model
    translator: str | None = None  # zh->en translation model (transformers)
    # --- retrieval (tools/retrieve.py)
    clip: str = "ViT-B-16"  # Chinese-CLIP model name, or "tiny"
    # --- describing photos (tools/describe.py)
    captioner: str | None = None  # BLIP captioning repo id or local dir, or "tiny"
    # --- region edits, zoom out, upscale (tools/regions.py, outpaint.py, upscale.py)
    segmenter: str | None = None  # CLIPSeg repo id (text-prompted masks), or "tiny"
    inpaint: str | None = None  # inpainting repo id; None: from_pipe of txt2img's modules
    upscaler: tuple[str | None, str | None] = (None, None)  # (2x latent, 4x) ids; None: Lanczos


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in [
        Profile(
            name="tiny",
            description="tiny random-weight models built locally; offline, seconds on CPU, "
            "images are noise",
            txt2img=TINY,
            instruct=TINY,
            steps=4,
            guidance=5.0,
            size=64,
            rewrite_lm=TINY,
            beautify_lm=TINY,
            clip=TINY,
            captioner=TINY,
            segmenter=TINY,
            upscaler=(TINY, TINY),  # tiny latent 2x and 4x upscaler pipelines
        ),
        Profile(
            name="sd-turbo",
            description="stabilityai/sd-turbo (SD 2.1, 1-4 steps, 512px) + InstructPix2Pix",
            txt2img="stabilityai/sd-turbo",
            instruct="timbrooks/instruct-pix2pix",
            steps=2,
            guidance=0.0,
            size=512,
            beautify_backend="lm",
            beautify_lm="alibaba-pai/pai-bloom-1b1-text2prompt-sd-v2",
            translator="Helsinki-NLP/opus-mt-zh-en",
            clip="ViT-B-16",
            captioner=BLIP_BASE,
            segmenter=CLIPSEG,
            upscaler=UPSCALERS,
        ),
        Profile(
            name="sd15",
            description="Stable Diffusion 1.5 + InstructPix2Pix + IP-Adapter (reference style)",
            txt2img="stable-diffusion-v1-5/stable-diffusion-v1-5",
            instruct="timbrooks/instruct-pix2pix",
            ip_adapter=("h94/IP-Adapter", "models", "ip-adapter_sd15.safetensors"),
            inpaint="stable-diffusion-v1-5/stable-diffusion-inpainting",
            steps=25,
            guidance=7.5,
            size=512,
            beautify_backend="lm",
            beautify_lm="alibaba-pai/pai-bloom-1b1-text2prompt-sd",
            translator="Helsinki-NLP/opus-mt-zh-en",
            clip="ViT-B-16",
            captioner=BLIP_BASE,
            segmenter=CLIPSEG,
            upscaler=UPSCALERS,
        ),
        Profile(
            name="sdxl-turbo",
            description="stabilityai/sdxl-turbo (1-4 steps, 512px) + IP-Adapter SDXL",
            txt2img="stabilityai/sdxl-turbo",
            pipeline="sdxl",
            instruct="timbrooks/instruct-pix2pix",
            ip_adapter=("h94/IP-Adapter", "sdxl_models", "ip-adapter_sdxl.safetensors"),
            steps=2,
            guidance=0.0,
            size=512,
            size_multiple=64,
            beautify_backend="lm",
            beautify_lm="alibaba-pai/pai-bloom-1b1-text2prompt-sd-v2",
            translator="Helsinki-NLP/opus-mt-zh-en",
            clip="ViT-L-14",
            captioner=BLIP_BASE,
            segmenter=CLIPSEG,
            upscaler=UPSCALERS,
        ),
        Profile(
            name="pai-zh",
            description="alibaba-pai PAI-Diffusion Chinese model: Chinese prompts natively",
            txt2img="alibaba-pai/pai-diffusion-artist-large-zh",
            instruct="timbrooks/instruct-pix2pix",
            steps=25,
            guidance=7.5,
            size=512,
            native_chinese=True,
            beautify_backend="lm",
            beautify_lm="alibaba-pai/pai-bloom-1b1-text2prompt-sd",
            translator="Helsinki-NLP/opus-mt-zh-en",
            clip="ViT-B-16",
            captioner=BLIP_BASE,
            segmenter=CLIPSEG,
            upscaler=UPSCALERS,
        ),
    ]
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ConfigError(
            f"unknown profile {name!r}; choose one of: {', '.join(PROFILES)}"
        ) from None


def profile_for(settings: Settings) -> Profile:
    return get_profile(settings.profile)


def replace_profile(profile: Profile, **changes: Any) -> Profile:
    return dataclasses.replace(profile, **changes)

