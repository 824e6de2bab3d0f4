"""Tiny random-weight Stable-Diffusion-family pipelines, written like real ones.

The shapes follow the real models where it matters to the code that drives them, so the
tiny profile exercises the same paths: a VAE with four blocks (8x down-sampling, so any
multiple-of-8 size works exactly as with SD), 4 latent channels, a CLIP text encoder behind
a byte-level BPE tokenizer (77 tokens; any text, Chinese included, tokenizes), and a
cross-attention UNet (8 input channels for the InstructPix2Pix variant). Channels are tiny,
so a 64 px image at 4 steps takes a few hundredths of a second on a CPU (see
bench/bench_images.py). Weights are seeded, so every build is the same model. The pictures
are noise; that is the point.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

HIDDEN = 32  # text hidden size == UNet cross-attention dim == image-projection width
LATENT_SIZE = 8  # UNet sample_size: 8 latents * 8 (VAE factor) = 64 px by default
_WORDS = (
    "a the of and in on with cat dog red blue green night day sky sea tree house girl boy "
    "portrait photo painting watercolor style hat make it add turn into"
).split()


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP's reversible byte -> printable character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    bs += list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs), strict=True))


def _vocab_and_merges() -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Every byte alone and word-final (so any text encodes) plus merges for a few words."""
    chars = list(_bytes_to_unicode().values())
    tokens = chars + [c + "</w>" for c in chars]
    merges: list[tuple[str, str]] = []
    for word in _WORDS:
        parts = list(word[:-1]) + [word[-1] + "</w>"]
        while len(parts) > 1:
            merges.append((parts[0], parts[1]))
            parts = [parts[0] + parts[1], *parts[2:]]
            tokens.append(parts[0])
    tokens += ["<|startoftext|>", "<|endoftext|>"]
    vocab: dict[str, int] = {}
    for t in tokens:
        vocab.setdefault(t, len(vocab))
    return vocab, list(dict.fromkeys(merges))


def _tokenizer() -> Any:
    """A CLIPTokenizer from an in-memory vocab/merges (saved with the pipeline)."""
    from transformers import CLIPTokenizer

    vocab, merges = _vocab_and_merges()
    return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=77)


def _text_encoder(tokenizer: Any) -> Any:
    from transformers import CLIPTextConfig, CLIPTextModel

    vocab = tokenizer.get_vocab()
    return CLIPTextModel(
        CLIPTextConfig(
            vocab_size=len(vocab),
            hidden_size=HIDDEN,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            max_position_embeddings=77,
            projection_dim=HIDDEN,
            layer_norm_eps=1e-5,
            bos_token_id=vocab["<|startoftext|>"],
            eos_token_id=vocab["<|endoftext|>"],
            pad_token_id=vocab["<|endoftext|>"],
        )
    )


def unet_config(in_channels: int = 4) -> dict[str, Any]:
    """The tiny UNet's config (the IP-Adapter builder needs it to size its layers)."""
    return {
        "sample_size": LATENT_SIZE,
        "in_channels": in_channels,
        "out_channels": 4,
        "layers_per_block": 1,
        "block_out_channels": (16, 32),
        "down_block_types": ("CrossAttnDownBlock2D", "DownBlock2D"),
        "up_block_types": ("UpBlock2D", "CrossAttnUpBlock2D"),
        "cross_attention_dim": HIDDEN,
        "attention_head_dim": 4,
        "norm_num_groups": 8,
    }


def _vae() -> Any:
    from diffusers import AutoencoderKL

    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(8, 8, 16, 16),
        layers_per_block=1,
        latent_channels=4,
        norm_num_groups=4,
        sample_size=LATENT_SIZE * 8,
    )


def _scheduler() -> Any:
    from diffusers import EulerDiscreteScheduler

    # SD's training schedule; "trailing" spacing keeps few-step and low-strength img2img sane.
    return EulerDiscreteScheduler(
        num_train_timesteps=1000,
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        timestep_spacing="trailing",
        steps_offset=1,
    )


def _components(folder: Path, in_channels: int) -> dict[str, Any]:
    from diffusers import UNet2DConditionModel

    tokenizer = _tokenizer()
    return {
        "vae": _vae(),
        "text_encoder": _text_encoder(tokenizer),
        "tokenizer": tokenizer,
        "unet": UNet2DConditionModel(**unet_config(in_channels)),
        "scheduler": _scheduler(),
        "safety_checker": None,
        "feature_extractor": None,
        "requires_safety_checker": False,
    }


def build(folder: Path) -> None:
    """Write a tiny ``StableDiffusionPipeline`` folder (text-to-image; img2img via from_pipe)."""
    import torch
    from diffusers import StableDiffusionPipeline

    with torch.random.fork_rng():
        torch.manual_seed(0)
        pipe = StableDiffusionPipeline(**_components(folder, in_channels=4), image_encoder=None)
    pipe.save_pretrained(folder)


def build_instruct(folder: Path) -> None:
    """Write a tiny ``StableDiffusionInstructPix2PixPipeline`` folder (8-channel UNet input)."""
    import torch
    from diffusers import StableDiffusionInstructPix2PixPipeline

    with torch.random.fork_rng():
        torch.manual_seed(1)
        pipe = StableDiffusionInstructPix2PixPipeline(
            **_components(folder, in_channels=8), image_encoder=None
        )
    pipe.save_pretrained(folder)


IP_SUBFOLDER = "models"
IP_WEIGHT_NAME = "ip-adapter_tiny.safetensors"


def build_ip_adapter(folder: Path) -> None:
    """Write a tiny IP-Adapter laid out like ``h94/IP-Adapter`` for the tiny UNet.

    ``folder/models/ip-adapter_tiny.safetensors`` (``image_proj.*`` and ``ip_adapter.*``
    tensors, keyed as ``load_ip_adapter`` expects) and ``folder/models/image_encoder`` (a tiny
    ``CLIPVisionModelWithProjection``).
    """
    import torch
    from diffusers import UNet2DConditionModel
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    root = folder / IP_SUBFOLDER
    root.mkdir(parents=True, exist_ok=True)
    with torch.random.fork_rng():
        torch.manual_seed(2)
        encoder = CLIPVisionModelWithProjection(
            CLIPVisionConfig(
                image_size=32,
                patch_size=8,
                num_channels=3,
                hidden_size=HIDDEN,
                intermediate_size=64,
                num_hidden_layers=2,
                num_attention_heads=4,
                projection_dim=HIDDEN,
            )
        )
        tensors: dict[str, torch.Tensor] = {
            # ImageProjection: image embedding -> 4 extra cross-attention tokens
            "image_proj.proj.weight": torch.randn(4 * HIDDEN, HIDDEN) * 0.05,
            "image_proj.proj.bias": torch.zeros(4 * HIDDEN),
            "image_proj.norm.weight": torch.ones(HIDDEN),
            "image_proj.norm.bias": torch.zeros(HIDDEN),
        }
        # One key/value projection pair per cross-attention layer, numbered 1, 3, 5, ...
        # in the UNet's processor order (how diffusers converts the original checkpoints).
        unet = UNet2DConditionModel(**unet_config())
        key_id = 1
        for name in unet.attn_processors:
            if name.endswith("attn1.processor"):
                continue
            if name.startswith("mid_block"):
                hidden = unet.config.block_out_channels[-1]
            elif name.startswith("up_blocks"):
                hidden = list(reversed(unet.config.block_out_channels))[int(name.split(".")[1])]
            else:
                hidden = unet.config.block_out_channels[int(name.split(".")[1])]
            for kv in ("to_k_ip", "to_v_ip"):
                tensors[f"ip_adapter.{key_id}.{kv}.weight"] = torch.randn(hidden, HIDDEN) * 0.05
            key_id += 2
    encoder.save_pretrained(root / "image_encoder")
    save_file(tensors, str(root / IP_WEIGHT_NAME))
