"""The dtype a pipeline was loaded in survives the pipelines built over its modules
(``from_pipe``): img2img must not turn a bf16 text-to-image model into fp32."""

from __future__ import annotations

import pytest
import torch

from settings import Settings
from tools import models


@pytest.fixture
def bf16(settings: Settings) -> Settings:
    models.clear_cache()
    yield settings.with_(dtype="bfloat16")
    models.clear_cache()


def test_img2img_keeps_the_shared_modules_in_their_dtype(bf16: Settings) -> None:
    txt2img = models.load_txt2img(bf16)
    assert txt2img.unet.dtype == torch.bfloat16
    img2img = models.load_img2img(bf16)
    assert img2img.unet is txt2img.unet
    # diffusers' from_pipe casts to fp32 unless told otherwise: the shared UNet and text
    # encoder would double in memory and every later picture would run at fp32 speed
    assert txt2img.unet.dtype == torch.bfloat16
    assert txt2img.text_encoder.dtype == torch.bfloat16
    assert img2img.vae.dtype == torch.bfloat16
