"""The only place that loads weights: profiles, device/dtype choice, lazy shared loading.
(The loaders of the prompt language models and of the vision models are its parts,
:mod:`tools.models_text` and :mod:`tools.models_vision`, re-exported here.)

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
    """``settings.dtype`` if set, else fp16 on an accelerator; on the CPU bf16 for a real
    profile when the CPU computes bf16 natively (:func:`cpu_supports_bf16`: about twice as
    fast as fp32 there), else fp32. The tiny profile stays fp32 (its pictures and tests are
    bit-identical to what they always were)."""
    import torch

    wanted = settings.dtype if settings is not None else ""
    if wanted:
        names = {"fp16": torch.float16, "float16": torch.float16, "bf16": torch.bfloat16,
                 "bfloat16": torch.bfloat16, "fp32": torch.float32, "float32": torch.float32}
        if wanted not in names:
            raise ConfigError(f"unknown dtype {wanted!r}; use one of {', '.join(names)}")
        return names[wanted]
    if device.type != "cpu":
        return torch.float16
    if settings is None or _is_tiny(settings) or not cpu_supports_bf16():
        return torch.float32
    return torch.bfloat16


def _is_tiny(settings: Settings) -> bool:
    """The profile draws with the tiny local diffusion model (``tiny`` and its variants)."""
    return profile_for(settings).txt2img == TINY


_bf16_cpu: list[bool] = []


def cpu_supports_bf16() -> bool:
    """True when this CPU has native bf16 arithmetic (AVX-512 BF16 or AMX), checked once.

    Without it torch emulates bf16 and is slower than fp32, so the CPU default stays fp32.
    """
    if not _bf16_cpu:
        _bf16_cpu.append(_detect_bf16_cpu())
    return _bf16_cpu[0]


def _detect_bf16_cpu() -> bool:
    import torch

    capability = str(torch.backends.cpu.get_cpu_capability()).upper()
    if "AMX" in capability or "BF16" in capability:
        return True
    try:  # torch reports "AVX512" whether or not the BF16 extension is there: ask the CPU
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    words = set(flags.split())
    return bool(words & {"avx512_bf16", "amx_bf16"})


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


def warm_up(settings: Settings, then: Callable[[], object] | None = None
            ) -> threading.Thread | None:
    """Start loading the profile's text-to-image pipeline in a background thread, so that a
    chat's first picture does not wait for torch, diffusers and the weights; returns the
    (daemon) thread, or None when there is nothing to warm.

    Only models already on this machine are warmed (the tiny ones, or a real profile whose
    pipeline is in the local hub cache): a download starts when a picture asks for it, with
    its progress shown. A failure is left for that picture to report (nothing is cached on
    failure, so it tries again). The load goes through :func:`shared`, so a picture asked
    for meanwhile waits for this load instead of starting a second one. ``then`` is called
    when the load has ended, however it ended (at once when there is nothing to warm).
    """
    profile = profile_for(settings)
    if profile.txt2img != TINY and not _in_local_cache(profile.txt2img):
        if then is not None:
            then()
        return None

    def work() -> None:
        try:
            load_txt2img(settings)
        except Exception:  # noqa: BLE001 - the first picture reports it, with its context
            import logging

            logging.getLogger(__name__).debug("warming the models failed", exc_info=True)
        finally:
            if then is not None:
                then()

    thread = threading.Thread(target=work, name="imagechat-warm-up", daemon=True)
    thread.start()
    return thread


def _in_local_cache(repo: str) -> bool:
    """True when the hub repo's pipeline index is in the local Hugging Face cache."""
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(repo, "model_index.json"), str)
    except Exception:  # noqa: BLE001 - an unusual cache: just do not warm
        return False


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


def _from_pretrained(cls: Any, model_id: str, folder: Path | None, dtype: torch.dtype,
                     fp16_variant: bool = True, **components: Any) -> Any:
    """``cls.from_pretrained`` of a tiny folder or a hub id, errors turned into user messages.

    On fp16 or bf16 a hub model is first tried with its ``fp16`` weight variant (half the
    download; bf16 is cast from it), then without; ``fp16_variant=False`` skips that for a
    repo known to have none (a miss logs an error line). ``components`` replace the
    pipeline's own (e.g. ``vae=`` the tiny decoder), so those are never read from disk.
    """
    import torch

    if folder is not None:
        attempts: list[dict[str, Any]] = [{}]
        source: str = str(folder)
    else:
        half = fp16_variant and dtype in (torch.float16, torch.bfloat16)
        attempts = [{"variant": "fp16"}, {}] if half else [{}]
        source = model_id
        if not hub_reachable():  # the local cache only: no retries, no waiting
            attempts = [{**a, "local_files_only": True} for a in attempts]
    dtype_kw = _dtype_kw()
    last: BaseException | None = None
    for extra in attempts:
        try:
            with download_progress(model_id if folder is None else None):
                return cls.from_pretrained(source, **{dtype_kw: dtype}, **extra, **components)
        except Exception as e:
            if not _is_load_failure(e):
                raise
            last = e
    assert last is not None
    raise _model_load_error(model_id, last) from last


def _dtype_kw() -> str:
    """diffusers renamed ``torch_dtype`` to ``dtype`` (the old name now warns)."""
    try:
        from diffusers.utils.deprecation_utils import _resolve_dtype  # noqa: F401

        return "dtype"
    except ImportError:
        return "torch_dtype"


def _ready(pipe: Any, device: torch.device, fast: bool = False) -> Any:
    """``pipe`` on ``device``, without progress bars. ``fast`` (the real profiles): attention
    through PyTorch's scaled_dot_product_attention, and the convolution models in
    channels_last on CUDA; on the CPU only the tiny VAE (pure convolutions: its bf16 decode
    at 512 px took 0.25 s instead of 0.45 s), not the UNet, whose bf16 step channels_last
    made 40% slower (2.9 s against 2.05 s on two Zen 5 cores, torch 2.14)."""
    if device.type != "cpu":
        pipe = pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    if fast:
        import torch

        for name in ("unet", "vae"):
            module = getattr(pipe, name, None)
            tiny_vae = type(module).__name__ == "AutoencoderTiny"
            if module is not None and (device.type == "cuda" or tiny_vae):
                module.to(memory_format=torch.channels_last)
        unet = getattr(pipe, "unet", None)
        if unet is not None and hasattr(unet, "set_default_attn_processor"):
            from diffusers.models.attention_processor import AttnProcessor2_0

            # SDPA is diffusers' default; make sure (an IP-Adapter swaps its own in later)
            if not all(isinstance(p, AttnProcessor2_0) for p in unet.attn_processors.values()):
                unet.set_attn_processor(AttnProcessor2_0())
    return pipe


# The tiny VAE (TAESD) a real profile decodes with on the CPU unless ``vae = "full"``.
TAESD = {"sd": "madebyollin/taesd", "sdxl": "madebyollin/taesdxl"}
VAE_CHOICES = ("auto", "tiny", "full")


def vae_choice(settings: Settings) -> str:
    """``"tiny"`` (AutoencoderTiny) or ``"full"`` (the model's own VAE) for this profile.

    ``settings.vae`` ``auto`` (or empty): the tiny decoder on the CPU for a real profile,
    where the full VAE costs more than the UNet (about 10 s per 512 px picture in fp32 on
    two cores, 0.3 s for TAESD); the full one on an accelerator and for the tiny profile.
    """
    wanted = (getattr(settings, "vae", "") or "auto").strip().lower()
    if wanted not in VAE_CHOICES:
        raise ConfigError(f"unknown vae {wanted!r}; use one of {', '.join(VAE_CHOICES)}")
    if wanted != "auto":
        return wanted
    return "tiny" if pick_device(settings).type == "cpu" and not _is_tiny(settings) else "full"


def _tiny_vae(settings: Settings, pipeline: str, dtype: torch.dtype) -> Any:
    """The AutoencoderTiny for ``pipeline`` (``sd``/``sdxl``): TAESD(XL) from the hub cache,
    or for the tiny profile a seeded tiny one built locally."""
    from diffusers import AutoencoderTiny

    if _is_tiny(settings):
        folder = tiny_dir(settings, "taesd", _build_tiny_taesd)
        return _from_pretrained(AutoencoderTiny, TINY, folder, dtype)
    repo = TAESD.get(pipeline, TAESD["sd"])
    return _from_pretrained(AutoencoderTiny, repo, None, dtype, fp16_variant=False)  # 10 MB


def _build_tiny_taesd(folder: Path) -> None:
    """A seeded AutoencoderTiny as small as the tiny profile's VAE (8x, 4 latents)."""
    import torch
    from diffusers import AutoencoderTiny

    torch.manual_seed(0)
    AutoencoderTiny(encoder_block_out_channels=(8, 8, 8, 8),
                    decoder_block_out_channels=(8, 8, 8, 8), num_encoder_blocks=(1, 1, 1, 1),
                    num_decoder_blocks=(1, 1, 1, 1)).save_pretrained(folder)


def _vae_key(settings: Settings) -> tuple[str, ...]:
    """What the VAE choice adds to a pipeline's cache key (nothing for the model's own)."""
    return ("vae=tiny",) if vae_choice(settings) == "tiny" else ()


def _pipeline_parts(settings: Settings, pipeline: str, dtype: torch.dtype) -> dict[str, Any]:
    """Components that replace a pipeline's own when it loads: the tiny VAE when chosen."""
    if vae_choice(settings) == "tiny":
        return {"vae": _tiny_vae(settings, pipeline, dtype)}
    return {}


def _load_pipeline(settings: Settings, cls: Any, model_id: str, folder: Path | None,
                   dtype: torch.dtype, pipeline: str) -> Any:
    """``cls`` loaded with the VAE :func:`vae_choice` picks.

    With the tiny VAE the pipeline loads without its own (never read from disk), then gets
    TAESD; the pipeline first, so a missing model is the error the user sees. When ``vae``
    is ``auto`` and TAESD is not to be had, the model's own VAE is used instead, with a
    warning: a slower picture beats none.
    """
    if vae_choice(settings) != "tiny":
        return _from_pretrained(cls, model_id, folder, dtype)
    from errors import NotAvailable

    pipe = _from_pretrained(cls, model_id, folder, dtype, vae=None)
    try:
        vae = _tiny_vae(settings, pipeline, dtype)
    except NotAvailable as e:
        if (settings.vae or "auto").strip().lower() == "tiny":
            raise
        import logging

        from diffusers import AutoencoderKL

        logging.getLogger(__name__).warning("%s; decoding with the model's own VAE (slower)", e)
        vae = _from_pretrained(AutoencoderKL, model_id, folder, dtype, subfolder="vae")
    pipe.register_modules(vae=vae)
    return pipe


def from_pipe(cls: Any, pipe: Any) -> Any:
    """``cls.from_pipe(pipe)`` sharing all of ``pipe``'s modules, its VAE always included:
    diffusers drops a module whose class differs from ``cls``'s type hint (TAESD's
    AutoencoderTiny for an ``AutoencoderKL``) unless it is passed by name.

    And in ``pipe``'s own dtype: without one, diffusers' ``from_pipe`` casts the new
    pipeline to fp32, and with it the modules it shares, in place. On a bf16 CPU that
    turned the shared UNet, text encoders and image encoder to fp32 at the first refine
    (sdxl-turbo's restyle: 13 GB of bf16 weights became 25 GB, and the process was killed
    at 24 GiB), and every picture after it ran at fp32 speed."""
    return cls.from_pipe(pipe, vae=pipe.vae, **{_dtype_kw(): pipe.dtype})


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
        pipe = _load_pipeline(settings, cls, profile.txt2img, folder, dtype, profile.pipeline)
        return _ready(pipe, device, fast=folder is None)

    key = ("txt2img", profile.txt2img, profile.pipeline, str(device), str(dtype),
           *_vae_key(settings))
    return shared(key, factory)


def load_img2img(settings: Settings) -> Any:
    """img2img over the text-to-image pipeline's own modules (``from_pipe``: no second UNet)."""
    profile = profile_for(settings)
    device, dtype = _device_dtype(settings)
    txt2img = load_txt2img(settings)

    def factory() -> Any:
        _, cls = _pipeline_classes(profile)
        return _ready(from_pipe(cls, txt2img), device)

    key = ("img2img", profile.txt2img, profile.pipeline, str(device), str(dtype),
           *_vae_key(settings))
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
        pipe = _load_pipeline(settings, StableDiffusionInstructPix2PixPipeline,
                              profile.instruct, folder, dtype, "sd")
        return _ready(pipe, device, fast=folder is None)

    key = ("instruct", profile.instruct, str(device), str(dtype), *_vae_key(settings))
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
            return IPAdapter(txt2img, _ready(from_pipe(cls, txt2img), device), repo, plain)

    key = ("ip_adapter", profile.txt2img, profile.ip_adapter, str(device), str(dtype),
           *_vae_key(settings))
    return shared(key, factory)


# the prompt language models and the vision loaders live in their own modules; every name
# stays reachable from here
from tools.models_text import (  # noqa: E402,F401  (re-exported)
    TINY_TEXT_KIND,
    load_causal_lm,
    load_translator,
)
from tools.models_vision import (  # noqa: E402,F401  (re-exported)
    CLIP_MODELS,
    TINY_CAPTION_KIND,
    TINY_SEGMENT_KIND,
    LoadedCaptioner,
    LoadedClip,
    LoadedSegmenter,
    clip_identity,
    load_captioner,
    load_clip,
    load_inpaint,
    load_segmenter,
    load_upscaler,
    upscaler_id,
)
