"""The only place that loads weights: profiles, device/dtype choice, lazy shared loading.

A *profile* names every model the tools use. ``tiny`` (the offline default) points at
tiny random-weight models that :mod:`tools.tiny` builds from configs into the model cache
on first use; from then on they load with ``from_pretrained`` exactly like real ones. The
other profiles name Hugging Face ids that download on first use through the libraries'
normal caching.

Weights load lazily, once per process, and are shared (img2img reuses the text-to-image
components through ``from_pipe``). Importing this module imports no torch and loads
nothing; callers get models through the ``load_*`` functions below.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from errors import ConfigError

if TYPE_CHECKING:
    import torch

    from settings import Settings

T = TypeVar("T")

TINY = "tiny"  # model id meaning "the tiny random model of this kind, built locally"


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
    native_chinese: bool = False  # the text encoder understands Chinese prompts
    # --- prompts (tools/rewrite.py, tools/beautify.py, translation)
    rewrite_backend: str = "rules"  # rules | lm | llm
    rewrite_lm: str | None = None  # causal LM for the DiffChat-style rewrite
    beautify_backend: str = "rules"  # rules | lm
    beautify_lm: str | None = None  # BeautifulPrompt model
    translator: str | None = None  # zh->en translation model (transformers)
    # --- retrieval (tools/retrieve.py)
    clip: str = "ViT-B-16"  # Chinese-CLIP model name, or "tiny"


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
        ),
        Profile(
            name="sd15",
            description="Stable Diffusion 1.5 + InstructPix2Pix + IP-Adapter (reference style)",
            txt2img="stable-diffusion-v1-5/stable-diffusion-v1-5",
            instruct="timbrooks/instruct-pix2pix",
            ip_adapter=("h94/IP-Adapter", "models", "ip-adapter_sd15.safetensors"),
            steps=25,
            guidance=7.5,
            size=512,
            beautify_backend="lm",
            beautify_lm="alibaba-pai/pai-bloom-1b1-text2prompt-sd",
            translator="Helsinki-NLP/opus-mt-zh-en",
            clip="ViT-B-16",
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
            beautify_backend="lm",
            beautify_lm="alibaba-pai/pai-bloom-1b1-text2prompt-sd-v2",
            translator="Helsinki-NLP/opus-mt-zh-en",
            clip="ViT-L-14",
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


# ------------------------------------------------------------------- device and dtype


def pick_device(settings: Settings | None = None) -> torch.device:
    """``settings.device`` if set, else cuda, then mps, then cpu."""
    import torch

    wanted = settings.device if settings is not None else ""
    if wanted:
        return torch.device(wanted)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def pick_dtype(device: torch.device, settings: Settings | None = None) -> torch.dtype:
    """``settings.dtype`` if set, else fp16 on an accelerator and fp32 on the CPU."""
    import torch

    wanted = settings.dtype if settings is not None else ""
    if wanted:
        names = {"fp16": torch.float16, "float16": torch.float16, "bf16": torch.bfloat16,
                 "bfloat16": torch.bfloat16, "fp32": torch.float32, "float32": torch.float32}
        if wanted not in names:
            raise ConfigError(f"unknown dtype {wanted!r}; use one of {', '.join(names)}")
        return names[wanted]
    return torch.float32 if device.type == "cpu" else torch.float16


# ------------------------------------------------------------------ shared lazy cache

_cache: dict[tuple[Any, ...], Any] = {}
_locks: dict[tuple[Any, ...], threading.Lock] = {}
_cache_lock = threading.Lock()


def shared(key: tuple[Any, ...], factory: Callable[[], T]) -> T:
    """Return the object cached under ``key``, building it once even under threads."""
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        if key not in _cache:
            _cache[key] = factory()
        return _cache[key]


def loaded_keys() -> list[tuple[Any, ...]]:
    """What has been loaded in this process (tests use it to prove laziness)."""
    return list(_cache)


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
        _locks.clear()


def tiny_dir(settings: Settings, kind: str, build: Callable[[Path], None]) -> Path:
    """The folder of the tiny model ``kind``, built by ``build(folder)`` the first time.

    Built into a temporary sibling and renamed, so a crash never leaves half a model.
    """
    import shutil
    import tempfile

    target = settings.models_dir / "tiny" / kind
    if (target / ".complete").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{kind}-"))
    try:
        build(tmp)
        (tmp / ".complete").write_text("ok\n")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    except FileExistsError:  # another process won the race; its build is as good as ours
        shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def replace_profile(profile: Profile, **changes: Any) -> Profile:
    return dataclasses.replace(profile, **changes)


# =====================================================================================
# Loaders by area. Each area owns its section below; keep edits inside your section.
# =====================================================================================

# --- diffusion: text-to-image, img2img, instruct, IP-Adapter (issue 3) ----------------

# --- prompt language models: rewrite LM, BeautifulPrompt, translation (issue 4) -------

# --- retrieval: Chinese-CLIP (issue 5) --------------------------------------------------
