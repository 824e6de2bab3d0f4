"""Diffusion loaders in tools/models.py: lazy, shared, one UNet for txt2img+img2img, clear
errors for models that cannot be loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from errors import ImagechatError, NotAvailable
from tools import models
from tools.generate import generate

ROOT = Path(__file__).resolve().parents[1]



def test_importing_the_image_tools_loads_no_weights_and_no_torch():
    code = (
        "import sys\n"
        "import tools, tools.models\n"
        "assert 'torch' not in sys.modules, 'tools.models imported torch'\n"
        "import tools.generate, tools.edit, tools.jobs, tools.validate\n"
        "assert 'torch' not in sys.modules, 'an image tool imported torch'\n"
        "assert 'diffusers' not in sys.modules\n"
        "assert tools.models.loaded_keys() == [], tools.models.loaded_keys()\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_img2img_reuses_the_text_to_image_modules(settings):
    txt2img = models.load_txt2img(settings)
    img2img = models.load_img2img(settings)
    assert type(img2img).__name__ == "StableDiffusionImg2ImgPipeline"
    assert img2img.unet is txt2img.unet  # no second UNet in memory
    assert img2img.vae is txt2img.vae
    assert img2img.text_encoder is txt2img.text_encoder
    assert models.load_txt2img(settings) is txt2img  # loaded once per process
    assert models.load_img2img(settings) is img2img
    keys = models.loaded_keys()
    assert ("txt2img", "tiny", "sd", "cpu", "torch.float32") in keys
    assert ("img2img", "tiny", "sd", "cpu", "torch.float32") in keys


def test_instruct_pix2pix_has_its_own_eight_channel_unet(settings):
    instruct = models.load_instruct(settings)
    txt2img = models.load_txt2img(settings)
    assert type(instruct).__name__ == "StableDiffusionInstructPix2PixPipeline"
    assert instruct.unet is not txt2img.unet
    assert instruct.unet.config.in_channels == 8
    assert txt2img.unet.config.in_channels == 4
    assert instruct.safety_checker is None and txt2img.safety_checker is None


def test_tiny_pipeline_is_built_once_into_the_model_cache(settings):
    models.load_txt2img(settings)
    folder = settings.models_dir / "tiny" / "diffusion"
    assert (folder / ".complete").exists()
    assert (folder / "model_index.json").exists()

    def must_not_build(_: Path) -> None:
        raise AssertionError("the tiny pipeline was built a second time")

    assert models.tiny_dir(settings, "diffusion", must_not_build) == folder


def test_tiny_pipeline_handles_any_multiple_of_eight(settings):
    [result] = generate("a cat", width=72, height=136, steps=1, seed=0, settings=settings)
    assert result.image.size == (72, 136)


def _profile_with(monkeypatch, settings, **changes):
    profile = models.replace_profile(models.PROFILES["tiny"], name="broken", **changes)
    monkeypatch.setitem(models.PROFILES, "broken", profile)
    return settings.with_(profile="broken")


def test_unknown_hub_model_gives_a_clear_error_naming_it(monkeypatch, settings):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    broken = _profile_with(monkeypatch, settings, txt2img="imagechat-tests/no-such-model")
    with pytest.raises(NotAvailable) as err:
        generate("a cat", settings=broken)
    message = str(err.value)
    assert "imagechat-tests/no-such-model" in message
    assert "not in the local cache and the hub is unreachable" in message
    assert not any("imagechat-tests/no-such-model" in key for key in models.loaded_keys())


def test_missing_local_model_folder_gives_a_clear_error(monkeypatch, settings, tmp_path):
    missing = str(tmp_path / "no-model-here")
    broken = _profile_with(monkeypatch, settings, instruct=missing)
    with pytest.raises(ImagechatError, match="could not be loaded") as err:
        models.load_instruct(broken)
    assert missing in str(err.value)


def test_profile_without_instruct_model_says_so(monkeypatch, settings):
    broken = _profile_with(monkeypatch, settings, instruct=None)
    with pytest.raises(NotAvailable, match="instruction editing is not available"):
        models.load_instruct(broken)
