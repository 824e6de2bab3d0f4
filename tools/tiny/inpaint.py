"""A tiny random-weight inpainting pipeline with its own 9-channel UNet, the layout of
``stable-diffusion-v1-5/stable-diffusion-inpainting`` (4 noisy latents + 1 mask channel +
4 masked-picture latents). The tiny profile itself inpaints with ``from_pipe`` of its
text-to-image modules (the legacy 4-channel path); this build lets tests drive the path
of profiles that name a dedicated inpainting model. Weights are seeded; pictures are noise.
"""

from __future__ import annotations

from pathlib import Path


def build(folder: Path) -> None:
    """Write a tiny ``StableDiffusionInpaintPipeline`` folder (9-channel UNet input)."""
    import torch
    from diffusers import StableDiffusionInpaintPipeline

    from tools.tiny.diffusion import _components

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(4)
        pipe = StableDiffusionInpaintPipeline(**_components(folder, in_channels=9),
                                              image_encoder=None)
    pipe.save_pretrained(folder)
