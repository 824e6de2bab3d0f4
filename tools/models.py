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

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from errors import ConfigError
from tools.hub import (  # noqa: F401  (re-exported for callers of tools.models)
    HUB_PROBE_SECONDS,
    HUB_PROBE_TTL,
    _is_load_failure,
    _load_reason,
    _model_load_error,
    download_progress,
    how_to_get,
    hub_offline,
    hub_reachable,
    model_label,
)
from tools.profiles import (  # noqa: F401  (re-exported: profiles live there)
    BLIP_BASE,
    PROFILES,
    TINY,
    Profile,
    get_profile,
    profile_for,
    replace_profile,
)

if TYPE_CHECKING:
    import torch

    from settings import Settings

T = TypeVar("T")


# ------------------------------------------------------------------- device and dtype


def pick_device(settings: Settings | None = None) -> torch.device:
    """``settings.device`` if set, else cuda, then mps, then cpu."""
    import torch

    if settings is not None:
        from storage import caches

        caches.use_home(settings.home)  # torch's caches under the data dir, not /tmp
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
            _quiet_libraries()
            _cache[key] = factory()
        return _cache[key]


def _quiet_libraries() -> None:
    """No download/loading progress bars from the libraries: they would break the chat's
    lines and the JSON output. Our own progress reporting says what is happening."""
    import diffusers
    import transformers
    from huggingface_hub.utils import disable_progress_bars

    disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()
    diffusers.utils.logging.disable_progress_bar()
    # e.g. "truncated because CLIP can only handle 77 tokens": expected for long enriched
    # prompts (the entity descriptions come last), not something to print in a chat
    transformers.utils.logging.set_verbosity_error()
    diffusers.utils.logging.set_verbosity_error()


def loaded_keys() -> list[tuple[Any, ...]]:
    """What has been loaded in this process (tests use it to prove laziness)."""
    return list(_cache)


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
        _locks.clear()


def tiny_dir(settings: Settings, kind: str, build: Callable[[Path], None]) -> Path:
    """The folder of the tiny model ``kind``, built by ``build(folder)`` the first time.

    Built once, even by several processes on a fresh cache: the builder holds an exclusive
    lock on ``<cache>/tiny/<kind>.lock`` and checks again for a finished build once it has
    the lock, so a second process waits and then uses the first one's folder (a finished
    folder is never deleted or replaced under a process that loads it). The build goes into
    a temporary sibling that is renamed when complete, so a crash never leaves half a model.
    """
    import shutil
    import tempfile

    target = settings.models_dir / "tiny" / kind
    done = target / ".complete"
    if done.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(target.parent / f"{kind}.lock"):
        if done.exists():  # another process built it while we waited
            return target
        for stale in target.parent.glob(f".{kind}.build-*"):  # a crashed build's leftovers
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{kind}.build-"))
        try:
            build(tmp)
            (tmp / ".complete").write_text("ok\n")
            if target.exists():  # an unfinished folder of an older version: nobody uses it
                shutil.rmtree(target)
            tmp.rename(target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``lock_path`` (between processes and threads alike)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no cross-process lock
        yield
        return
    with open(lock_path, "a+b") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


# =====================================================================================
# Loaders by area. Each area owns its section below; keep edits inside your section.
# =====================================================================================

# --- diffusion: text-to-image, img2img, instruct, IP-Adapter (issue 3) ----------------
#
# Pipelines are cached under (kind, model id, device, dtype). img2img is built with
# ``from_pipe`` from the text-to-image pipeline, so both share one UNet/VAE/text encoder
# (and one scheduler object: its timesteps are per-call state, which is why every use of a
# pipeline holds ``diffusion_lock``). InstructPix2Pix has its own 8-channel UNet. The tiny
# builds carry no safety checker; real profiles keep the library default (SD 1.5 and
# InstructPix2Pix ship one, which blacks out flagged images; sd-turbo/sdxl-turbo have none).

_diffusion_locks: dict[str, threading.RLock] = {}


def diffusion_lock(settings: Settings) -> threading.RLock:
    """The lock every caller holds while it runs a diffusion pipeline of this device.

    Load pipelines (``load_*``) before taking it, never while holding it.
    """
    key = str(pick_device(settings))
    with _cache_lock:
        return _diffusion_locks.setdefault(key, threading.RLock())


def _from_pretrained(cls: Any, model_id: str, folder: Path | None, dtype: torch.dtype) -> Any:
    """``cls.from_pretrained`` of a tiny folder or a hub id, errors turned into user messages.

    On fp16 a hub model is first tried with its ``fp16`` weight variant (half the download),
    then without.
    """
    import torch

    if folder is not None:
        attempts: list[dict[str, Any]] = [{}]
        source: str = str(folder)
    else:
        attempts = [{"variant": "fp16"}, {}] if dtype == torch.float16 else [{}]
        source = model_id
        if not hub_reachable():  # the local cache only: no retries, no waiting
            attempts = [{**a, "local_files_only": True} for a in attempts]
    # diffusers renamed ``torch_dtype`` to ``dtype`` (the old name now warns)
    try:
        from diffusers.utils.deprecation_utils import _resolve_dtype  # noqa: F401

        dtype_kw = "dtype"
    except ImportError:
        dtype_kw = "torch_dtype"
    last: BaseException | None = None
    for extra in attempts:
        try:
            with download_progress(model_id if folder is None else None):
                return cls.from_pretrained(source, **{dtype_kw: dtype}, **extra)
        except Exception as e:
            if not _is_load_failure(e):
                raise
            last = e
    assert last is not None
    raise _model_load_error(model_id, last) from last


def _ready(pipe: Any, device: torch.device) -> Any:
    if device.type != "cpu":
        pipe = pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def _pipeline_classes(profile: Profile) -> tuple[Any, Any]:
    """(text-to-image class, img2img class) for ``profile.pipeline``."""
    import diffusers

    if profile.pipeline == "sdxl":
        return diffusers.StableDiffusionXLPipeline, diffusers.StableDiffusionXLImg2ImgPipeline
    if profile.pipeline == "sd":
        return diffusers.StableDiffusionPipeline, diffusers.StableDiffusionImg2ImgPipeline
    raise ConfigError(
        f"profile {profile.name!r}: unknown pipeline {profile.pipeline!r} (use 'sd' or 'sdxl')"
    )


def _device_dtype(settings: Settings) -> tuple[torch.device, torch.dtype]:
    device = pick_device(settings)
    return device, pick_dtype(device, settings)


def load_txt2img(settings: Settings) -> Any:
    """The profile's text-to-image pipeline (StableDiffusion[XL]Pipeline), loaded once."""
    profile = profile_for(settings)
    device, dtype = _device_dtype(settings)

    def factory() -> Any:
        from tools.tiny import diffusion as tiny

        cls, _ = _pipeline_classes(profile)
        folder = tiny_dir(settings, "diffusion", tiny.build) if profile.txt2img == TINY else None
        return _ready(_from_pretrained(cls, profile.txt2img, folder, dtype), device)

    key = ("txt2img", profile.txt2img, profile.pipeline, str(device), str(dtype))
    return shared(key, factory)


def load_img2img(settings: Settings) -> Any:
    """img2img over the text-to-image pipeline's own modules (``from_pipe``: no second UNet)."""
    profile = profile_for(settings)
    device, dtype = _device_dtype(settings)
    txt2img = load_txt2img(settings)

    def factory() -> Any:
        _, cls = _pipeline_classes(profile)
        return _ready(cls.from_pipe(txt2img), device)

    key = ("img2img", profile.txt2img, profile.pipeline, str(device), str(dtype))
    return shared(key, factory)


def load_instruct(settings: Settings) -> Any:
    """The profile's InstructPix2Pix pipeline (its own UNet with 8 input channels)."""
    from errors import NotAvailable

    profile = profile_for(settings)
    if not profile.instruct:
        raise NotAvailable(f"instruction editing is not available in the {profile.name} profile")
    device, dtype = _device_dtype(settings)

    def factory() -> Any:
        from diffusers import StableDiffusionInstructPix2PixPipeline

        from tools.tiny import diffusion as tiny

        folder = (
            tiny_dir(settings, "diffusion-instruct", tiny.build_instruct)
            if profile.instruct == TINY
            else None
        )
        pipe = _from_pretrained(
            StableDiffusionInstructPix2PixPipeline, profile.instruct, folder, dtype
        )
        return _ready(pipe, device)

    key = ("instruct", profile.instruct, str(device), str(dtype))
    return shared(key, factory)


class IPAdapter:
    """IP-Adapter weights attached to the shared text-to-image UNet, on only while in use.

    ``load_ip_adapter`` rewires the UNet's cross-attention for image prompts, which would
    make every plain text-to-image call demand an image. So the adapter's processors and
    projection are kept aside and swapped in only inside ``with adapter.active(scale):``
    (hold ``diffusion_lock`` around it); leaving the block restores the plain UNet.
    """

    def __init__(self, txt2img: Any, img2img: Any, repo: str, plain_procs: dict[str, Any]):
        self.txt2img = txt2img
        self.img2img = img2img
        self.repo = repo
        unet = txt2img.unet
        self._ip_procs = dict(unet.attn_processors)
        self._ip_proj = unet.encoder_hid_proj
        self._plain_procs = dict(plain_procs)
        self._deactivate()

    def _set(self, procs: dict[str, Any], proj: Any, hid_type: str | None) -> None:
        unet = self.txt2img.unet
        unet.set_attn_processor(dict(procs))  # set_attn_processor pops from the dict it gets
        unet.encoder_hid_proj = proj
        unet.config.encoder_hid_dim_type = hid_type

    def _deactivate(self) -> None:
        self._set(self._plain_procs, None, None)

    def active(self, scale: float) -> IPAdapter:
        """Switch the adapter on at ``scale`` (0..1); use as ``with adapter.active(s):``."""
        self._set(self._ip_procs, self._ip_proj, "ip_image_proj")
        self.txt2img.set_ip_adapter_scale(scale)
        return self

    def __enter__(self) -> IPAdapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._deactivate()


def load_ip_adapter(settings: Settings) -> IPAdapter:
    """The profile's IP-Adapter on the shared UNet (off until ``IPAdapter.active``)."""
    from errors import NotAvailable

    profile = profile_for(settings)
    if profile.ip_adapter is None:
        raise NotAvailable(
            f"reference style is not available in the {profile.name} profile; "
            "use the sd15 or sdxl-turbo profile"
        )
    repo, subfolder, weight_name = profile.ip_adapter
    device, dtype = _device_dtype(settings)
    txt2img = load_txt2img(settings)

    def factory() -> IPAdapter:
        from tools.tiny import diffusion as tiny

        source = repo
        if repo == TINY:
            source = str(tiny_dir(settings, "ip-adapter", tiny.build_ip_adapter))
        with diffusion_lock(settings):
            plain = dict(txt2img.unet.attn_processors)
            try:
                local = {} if repo == TINY or hub_reachable() else {"local_files_only": True}
                txt2img.load_ip_adapter(source, subfolder=subfolder, weight_name=weight_name,
                                        **local)
            except Exception as e:
                if not _is_load_failure(e):
                    raise
                raise _model_load_error(f"{repo}/{subfolder}/{weight_name}", e) from e
            _, cls = _pipeline_classes(profile)
            return IPAdapter(txt2img, _ready(cls.from_pipe(txt2img), device), repo, plain)

    key = ("ip_adapter", profile.txt2img, profile.ip_adapter, str(device), str(dtype))
    return shared(key, factory)


# --- prompt language models: rewrite LM, BeautifulPrompt, translation (issue 4) -------

TINY_TEXT_KIND = "text-lm"  # tiny_dir kind of the tiny BLOOM (tools/tiny/text.py)


def load_causal_lm(settings: Settings, model_id: str) -> tuple[Any, Any]:
    """``(tokenizer, model)`` of a causal LM (BeautifulPrompt, the rewrite LM), loaded once.

    ``model_id`` ``"tiny"`` is the tiny random BLOOM built locally. With the hub offline only
    the local cache is consulted. Raises :class:`errors.NotAvailable` when the weights cannot
    be had, so callers can fall back to their rule-based path.
    """
    device = pick_device(settings)
    dtype = pick_dtype(device, settings)
    where = str(settings.models_dir) if model_id == TINY else ""

    def factory() -> tuple[Any, Any]:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from errors import NotAvailable

        kwargs: dict[str, Any] = {}
        if model_id == TINY:
            from tools.tiny import text as tiny_text

            source: str | Path = tiny_dir(settings, TINY_TEXT_KIND, tiny_text.build)
        else:
            source = model_id
            if not hub_reachable():
                kwargs["local_files_only"] = True
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
            model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype, **kwargs)
        except (OSError, ValueError) as e:
            raise NotAvailable(f"the language model {model_label(model_id)} is not available "
                               f"here: {_load_reason(model_id, e)}") from e
        model.to(device).eval()
        return tokenizer, model

    return shared(("causal_lm", model_id, where, str(device), str(dtype)), factory)


def load_translator(settings: Settings) -> tuple[Any, Any] | None:
    """``(tokenizer, model)`` of the profile's zh->en translation model, or ``None``.

    ``None`` when the profile names none or the weights cannot be had; the offline lexicon
    translator takes over then. The local cache is tried first; the hub only when it is
    allowed. A miss is remembered for the process so a chat does not retry every turn.
    """
    model_id = profile_for(settings).translator
    if not model_id:
        return None
    device = pick_device(settings)

    def factory() -> tuple[Any, Any] | None:
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        attempts = [True, False] if hub_reachable() else [True]
        for local_only in attempts:
            try:
                tokenizer = AutoTokenizer.from_pretrained(model_id, local_files_only=local_only)
                model = AutoModelForSeq2SeqLM.from_pretrained(model_id,
                                                              local_files_only=local_only)
            except (OSError, ValueError, ImportError):
                continue
            model.to(device).eval()
            return tokenizer, model
        import logging

        logging.getLogger(__name__).warning(
            "the translator %s is not on this machine, so Chinese prompts use the built-in "
            "lexicon; %s", model_label(model_id), how_to_get(model_id))
        return None

    return shared(("translator", model_id, str(device)), factory)

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
