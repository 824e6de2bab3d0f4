"""Tiny random-weight upscalers: 4x (``StableDiffusionUpscalePipeline``, written like
``stabilityai/stable-diffusion-x4-upscaler``) and 2x (``StableDiffusionLatentUpscalePipeline``,
like ``stabilityai/sd-x2-latent-upscaler``).

What matters to the code that drives it is kept: a UNet whose input is the 4 noisy latents
plus the 3 channels of the low-resolution picture (7 channels), the noise level fed as a
class label, a VAE with three blocks (4x up-sampling, ``scaling_factor`` 0.08333), a DDPM
scheduler that noises the low-resolution picture, v-prediction DDIM for the denoising, and
the tiny CLIP text encoder of :mod:`tools.tiny.diffusion`. A 64 px picture becomes a 256 px
one in well under a second on a CPU.

The 2x one works on SD latents (8x VAE): a k-diffusion UNet (K blocks, Fourier time
embedding, 8 input channels = 4 noisy latents + 4 of the picture, 5 output channels of which
the pipeline drops the last) conditioned on the text's pooled embedding through
``time_cond_proj_dim`` (128 noise-level features + the text width), and a Euler scheduler
predicting the sample. Weights are seeded; the pictures are noise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SEED = 3
MAX_NOISE_LEVEL = 350


def _unet() -> Any:
    from diffusers import UNet2DConditionModel

    from tools.tiny.diffusion import HIDDEN

    return UNet2DConditionModel(
        sample_size=16,
        in_channels=7,
        out_channels=4,
        layers_per_block=1,
        block_out_channels=(16, 32),
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=HIDDEN,
        attention_head_dim=4,
        norm_num_groups=8,
        num_class_embeds=MAX_NOISE_LEVEL + 1,  # the noise level is the class label
    )


def _vae() -> Any:
    from diffusers import AutoencoderKL

    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 3,
        up_block_types=("UpDecoderBlock2D",) * 3,
        block_out_channels=(8, 8, 16),
        layers_per_block=1,
        latent_channels=4,
        norm_num_groups=4,
        scaling_factor=0.08333,
    )


def build(folder: Path) -> None:
    """Write a tiny ``StableDiffusionUpscalePipeline`` folder."""
    import torch
    from diffusers import DDIMScheduler, DDPMScheduler, StableDiffusionUpscalePipeline

    from tools.tiny.diffusion import _text_encoder, _tokenizer

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        tokenizer = _tokenizer()
        pipe = StableDiffusionUpscalePipeline(
            vae=_vae(),
            text_encoder=_text_encoder(tokenizer),
            tokenizer=tokenizer,
            unet=_unet(),
            low_res_scheduler=DDPMScheduler(beta_schedule="scaled_linear"),
            scheduler=DDIMScheduler(prediction_type="v_prediction", beta_schedule="scaled_linear",
                                    timestep_spacing="trailing"),
            safety_checker=None,
            feature_extractor=None,
            watermarker=None,
            max_noise_level=MAX_NOISE_LEVEL,
        )
    pipe.save_pretrained(folder)


def _latent_unet() -> Any:
    from diffusers import UNet2DConditionModel

    from tools.tiny.diffusion import HIDDEN

    return UNet2DConditionModel(
        act_fn="gelu",
        attention_head_dim=8,
        norm_num_groups=None,
        block_out_channels=(32, 32, 64, 64),  # K blocks norm in groups of 32 channels
        time_cond_proj_dim=128 + HIDDEN,  # the pipeline's noise-level features + pooled text
        conv_in_kernel=1,
        conv_out_kernel=1,
        cross_attention_dim=HIDDEN,
        down_block_types=("KDownBlock2D", "KCrossAttnDownBlock2D", "KCrossAttnDownBlock2D",
                          "KCrossAttnDownBlock2D"),
        in_channels=8,
        mid_block_type=None,
        only_cross_attention=False,
        out_channels=5,
        resnet_time_scale_shift="scale_shift",
        time_embedding_type="fourier",
        timestep_post_act="gelu",
        up_block_types=("KCrossAttnUpBlock2D", "KCrossAttnUpBlock2D", "KCrossAttnUpBlock2D",
                        "KUpBlock2D"),
    )


def build_x2(folder: Path) -> None:
    """Write a tiny ``StableDiffusionLatentUpscalePipeline`` folder."""
    import torch
    from diffusers import EulerDiscreteScheduler, StableDiffusionLatentUpscalePipeline

    from tools.tiny.diffusion import _text_encoder, _tokenizer, _vae

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED + 1)
        tokenizer = _tokenizer()
        pipe = StableDiffusionLatentUpscalePipeline(
            vae=_vae(),
            text_encoder=_text_encoder(tokenizer),
            tokenizer=tokenizer,
            unet=_latent_unet(),
            scheduler=EulerDiscreteScheduler(prediction_type="sample"),
        )
    pipe.save_pretrained(folder)
