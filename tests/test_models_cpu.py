"""The CPU fast path of the real profiles: bf16 where the CPU has it, the tiny VAE decoder
(TAESD) unless ``vae = "full"``; the tiny profile keeps fp32 and its own VAE."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from errors import ConfigError, NotAvailable
from settings import Settings
from tools import models
from tools.generate import generate


def _cpu(settings: Settings) -> torch.device:
    return models.pick_device(settings)


@pytest.fixture
def real(settings: Settings) -> Settings:
    return settings.with_(profile="sd-turbo")


def test_real_profile_on_a_bf16_cpu_runs_bf16_and_elsewhere_fp32(monkeypatch, settings, real):
    monkeypatch.setattr(models, "cpu_supports_bf16", lambda: True)
    assert models.pick_dtype(_cpu(real), real) == torch.bfloat16
    assert models.pick_dtype(_cpu(settings), settings) == torch.float32  # tiny stays fp32
    assert models.pick_dtype(torch.device("cuda"), real) == torch.float16
    assert models.pick_dtype(_cpu(real), real.with_(dtype="float32")) == torch.float32
    monkeypatch.setattr(models, "cpu_supports_bf16", lambda: False)
    assert models.pick_dtype(_cpu(real), real) == torch.float32  # emulated bf16 is slower


def test_bf16_detection_trusts_the_cpu_flags(monkeypatch):
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    monkeypatch.setattr(models.Path, "read_text",
                        lambda self, **kw: "flags : fpu avx512f avx512_bf16 avx512_vnni\n")
    assert models._detect_bf16_cpu() is True
    monkeypatch.setattr(models.Path, "read_text", lambda self, **kw: "flags : fpu avx2\n")
    assert models._detect_bf16_cpu() is False
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AMX")
    assert models._detect_bf16_cpu() is True


def test_vae_setting_picks_the_decoder(monkeypatch, settings, real):
    assert models.vae_choice(real) == "tiny"  # a real profile on the CPU
    assert models.vae_choice(settings) == "full"  # the tiny profile keeps its own
    assert models.vae_choice(real.with_(vae="full")) == "full"
    assert models.vae_choice(settings.with_(vae="tiny")) == "tiny"
    assert models.vae_choice(real.with_(device="cuda")) == "full"
    with pytest.raises(ConfigError, match="unknown vae"):
        models.vae_choice(real.with_(vae="small"))
    assert Settings.load(env={"IMAGECHAT_VAE": "full"}).vae == "full"
    assert Settings.load(env={}).vae == "auto"


class _FakePipe:
    def __init__(self, vae: Any) -> None:
        self.vae = vae

    def register_modules(self, **parts: Any) -> None:
        for k, v in parts.items():
            setattr(self, k, v)

    def set_progress_bar_config(self, **kw: Any) -> None:
        pass


@pytest.fixture
def fresh_cache():
    """No pipeline cached before or after (the fakes below must not leak into other tests)."""
    models.clear_cache()
    yield
    models.clear_cache()


def _record_loads(monkeypatch, fail_taesd: bool = False) -> list[tuple[str, str, dict]]:
    calls: list[tuple[str, str, dict]] = []

    def fake(cls: Any, model_id: str, folder: Any, dtype: Any, **kw: Any) -> Any:
        calls.append((cls.__name__, model_id, kw))
        if cls.__name__ == "AutoencoderTiny" and fail_taesd:
            raise NotAvailable(f"The model {model_id!r} could not be loaded: not cached.")
        if cls.__name__.startswith("Autoencoder"):
            return cls.__name__
        return _FakePipe(kw.get("vae", "AutoencoderKL"))

    monkeypatch.setattr(models, "_from_pretrained", fake)
    return calls


def test_real_profile_loads_taesd_and_never_reads_the_full_vae(monkeypatch, real,
                                                               fresh_cache):
    calls = _record_loads(monkeypatch)
    pipe = models.load_txt2img(real)
    assert pipe.vae == "AutoencoderTiny"
    assert calls[0][:2] == ("StableDiffusionPipeline", "stabilityai/sd-turbo")
    assert calls[0][2] == {"vae": None}  # the pipeline's own VAE is not loaded
    assert calls[1][:2] == ("AutoencoderTiny", "madebyollin/taesd")
    assert len(calls) == 2

    sdxl = real.with_(profile="sdxl-turbo")
    assert models.load_txt2img(sdxl).vae == "AutoencoderTiny"
    assert calls[-1][:2] == ("AutoencoderTiny", "madebyollin/taesdxl")

    full = models.load_txt2img(real.with_(vae="full"))
    assert full.vae == "AutoencoderKL" and full is not pipe  # one setting away
    assert calls[-1] == ("StableDiffusionPipeline", "stabilityai/sd-turbo", {})


def test_missing_taesd_falls_back_to_the_full_vae_unless_tiny_was_asked(monkeypatch, real,
                                                                        fresh_cache):
    calls = _record_loads(monkeypatch, fail_taesd=True)
    assert models.load_txt2img(real).vae == "AutoencoderKL"
    assert calls[-1] == ("AutoencoderKL", "stabilityai/sd-turbo", {"subfolder": "vae"})
    models.clear_cache()
    with pytest.raises(NotAvailable, match="taesd"):
        models.load_txt2img(real.with_(vae="tiny"))


def test_tiny_profile_can_decode_with_a_tiny_autoencoder(settings):
    own = generate("a red cat", seed=3, settings=settings)[0].image
    fast = settings.with_(vae="tiny")
    pipe = models.load_txt2img(fast)
    assert type(pipe.vae).__name__ == "AutoencoderTiny"
    assert type(models.load_txt2img(settings).vae).__name__ == "AutoencoderKL"
    image = generate("a red cat", seed=3, settings=fast)[0].image
    assert image.size == own.size == (64, 64)
    assert image.tobytes() != own.tobytes()  # another decoder drew it
    from tools.edit import img2img

    again = img2img(image, "a red cat, watercolor", seed=3, settings=fast)  # TAESD encodes
    assert again.image.size == (64, 64)
