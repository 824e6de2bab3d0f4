#!/usr/bin/env python
"""The shadow hub: full-size random-weight copies of the models the real profiles name.

    .venv/bin/python scripts/shadow_hub.py build [--profile sd-turbo] [--cache DIR]
    .venv/bin/python scripts/shadow_hub.py run [--profile sd-turbo|sd15|sdxl-turbo|all] [--keep]

No model can be downloaded here, and the tiny profile cannot show the shape, dtype and
loader bugs of the real architectures. So ``build`` writes each model a profile names with
the *configuration of its hub repo* (sources below) and seeded random weights (fp16
safetensors, half the disk), in the layout the real loaders read:

* the Hugging Face cache layout, ``<cache>/hf/hub/models--org--name/snapshots/<rev>/...``
  plus ``refs/main``, with ``HF_HOME=<cache>/hf``;
* Chinese-CLIP's own checkpoint format, ``<cache>/models/cn_clip/clip_cn_vit-b-16.pt``
  (``{"state_dict": {"module.<name>": fp16 tensor}}``, as ``cn_clip.load_from_name`` reads).

``run`` (which builds first) sets ``HF_HUB_OFFLINE=1`` and drives the profile end to end on
the CPU at a small size through the project's own tools: generate, refine (img2img at the
same seed), instruct, restyle (profiles with an IP-Adapter), beautify, translate, index +
search, describe. It prints one line per step and exits non-zero if one fails. Unless
``--keep``, the profile's cache is deleted after its run (the sd-turbo set is ~8 GB).

What is not the hub's: the tokenizers. Their vocabularies cannot be downloaded, so each
model gets a small tokenizer of the same class (ids within the model's vocabulary); the
shapes the models see (77 CLIP tokens, etc.) are the real ones.

Config sources (read through the code search of public GitHub mirrors of the hub repos):

* SD 2.1-base = sd-turbo's architecture (UNet sample_size 64, OpenCLIP-H text encoder):
  github.com/jack-op11/stable-diffusion-2-1-base ``unet|text_encoder|vae/config.json``.
  sd-turbo's scheduler (Euler, trailing spacing) as on its model card.
* SD 1.5: github.com/HDRJ-One/runwayml-stable-diffusion-v1-5 ``unet``, ``text_encoder``,
  ``safety_checker/config.json``, ``feature_extractor/preprocessor_config.json``,
  ``scheduler/scheduler_config.json``.
* InstructPix2Pix: github.com/gaikwadbsupriyaofficial/timbrook1 ``unet/config.json``
  (SD 1.5 with ``in_channels`` 8); its other parts are SD 1.5's.
* SDXL(-turbo): github.com/HDRJ-One/stable-diffusion-xl-base-1.0 ``unet`` and
  ``text_encoder/config.json``; sdxl-turbo's UNet is SDXL base's at sample_size 64.
* TAESD / TAESDXL: the ``madebyollin/taesd`` config.json quoted in a public repo (the
  ``AutoencoderTiny`` defaults: 64 channels, blocks (1,3,3,3)/(3,3,3,1), relu).
* opus-mt-zh-en: github.com/chenbob1987/Helsinki-NLP-opus-mt-zh-en ``config.json``.
* BLOOM-1b1 (pai-bloom-1b1-text2prompt-sd[-v2] are fine-tunes of it): hidden 1536,
  24 layers, 16 heads, vocab 250880 (bigscience/bloom-1b1 config.json).
* BLIP base: ``BlipConfig()``'s defaults are blip-image-captioning-base's (ViT-B/16 at
  384 px, BERT-base text decoder, vocab 30524).
* IP-Adapter (h94/IP-Adapter): image encoders OpenCLIP ViT-H/14 (``models/image_encoder``,
  1280 wide, 32 layers, projection 1024) and ViT-bigG/14 (``sdxl_models/image_encoder``,
  1664 wide, 48 layers, projection 1280); adapter tensors shaped as diffusers converts them
  (4 image tokens; one to_k_ip/to_v_ip pair per cross-attention layer).
* Chinese-CLIP: the model configs shipped in the ``cn_clip`` package itself.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# ----------------------------------------------------------------------------- configs

SD21_UNET: dict[str, Any] = {
    "act_fn": "silu", "attention_head_dim": [5, 10, 20, 20],
    "block_out_channels": [320, 640, 1280, 1280], "center_input_sample": False,
    "cross_attention_dim": 1024,
    "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                         "CrossAttnDownBlock2D", "DownBlock2D"],
    "downsample_padding": 1, "dual_cross_attention": False, "flip_sin_to_cos": True,
    "freq_shift": 0, "in_channels": 4, "layers_per_block": 2, "mid_block_scale_factor": 1,
    "norm_eps": 1e-05, "norm_num_groups": 32, "num_class_embeds": None,
    "only_cross_attention": False, "out_channels": 4, "sample_size": 64,
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                       "CrossAttnUpBlock2D"],
    "use_linear_projection": True,
}
SD21_TEXT: dict[str, Any] = {
    "attention_dropout": 0.0, "bos_token_id": 0, "dropout": 0.0, "eos_token_id": 2,
    "hidden_act": "gelu", "hidden_size": 1024, "initializer_factor": 1.0,
    "initializer_range": 0.02, "intermediate_size": 4096, "layer_norm_eps": 1e-05,
    "max_position_embeddings": 77, "num_attention_heads": 16, "num_hidden_layers": 23,
    "pad_token_id": 1, "projection_dim": 512, "vocab_size": 49408,
}
SD_VAE: dict[str, Any] = {
    "act_fn": "silu", "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlock2D"] * 4, "in_channels": 3, "latent_channels": 4,
    "layers_per_block": 2, "norm_num_groups": 32, "out_channels": 3, "sample_size": 768,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
}
TURBO_SCHEDULER: dict[str, Any] = {
    "beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085,
    "interpolation_type": "linear", "num_train_timesteps": 1000, "prediction_type": "epsilon",
    "steps_offset": 1, "timestep_spacing": "trailing", "use_karras_sigmas": False,
}
SD15_UNET: dict[str, Any] = {
    **SD21_UNET, "attention_head_dim": 8, "cross_attention_dim": 768,
    "use_linear_projection": False, "mid_block_type": "UNetMidBlock2DCrossAttn",
}
SD15_TEXT: dict[str, Any] = {
    **SD21_TEXT, "hidden_act": "quick_gelu", "hidden_size": 768, "intermediate_size": 3072,
    "num_attention_heads": 12, "num_hidden_layers": 12, "projection_dim": 768,
}
SD15_SCHEDULER: dict[str, Any] = {
    "beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085,
    "clip_sample": False, "num_train_timesteps": 1000, "prediction_type": "epsilon",
    "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1,
}
SAFETY_CHECKER: dict[str, Any] = {
    "projection_dim": 768,
    "text_config": {"dropout": 0.0, "hidden_size": 768, "intermediate_size": 3072,
                    "num_attention_heads": 12},
    "vision_config": {"dropout": 0.0, "hidden_size": 1024, "intermediate_size": 4096,
                      "num_attention_heads": 16, "num_hidden_layers": 24, "patch_size": 14},
}
CLIP_IMAGE_PROCESSOR: dict[str, Any] = {
    "crop_size": 224, "do_center_crop": True, "do_convert_rgb": True, "do_normalize": True,
    "do_resize": True, "image_mean": [0.48145466, 0.4578275, 0.40821073],
    "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3, "size": 224,
}
SDXL_UNET: dict[str, Any] = {
    "act_fn": "silu", "addition_embed_type": "text_time", "addition_embed_type_num_heads": 64,
    "addition_time_embed_dim": 256, "attention_head_dim": [5, 10, 20],
    "block_out_channels": [320, 640, 1280], "center_input_sample": False,
    "cross_attention_dim": 2048,
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
    "downsample_padding": 1, "dual_cross_attention": False, "flip_sin_to_cos": True,
    "freq_shift": 0, "in_channels": 4, "layers_per_block": 2, "mid_block_scale_factor": 1,
    "mid_block_type": "UNetMidBlock2DCrossAttn", "norm_eps": 1e-05, "norm_num_groups": 32,
    "out_channels": 4, "projection_class_embeddings_input_dim": 2816,
    "resnet_time_scale_shift": "default", "sample_size": 64,
    "transformer_layers_per_block": [1, 2, 10],
    "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
    "use_linear_projection": True,
}
SDXL_TEXT: dict[str, Any] = {**SD15_TEXT, "projection_dim": 768}
SDXL_TEXT_2: dict[str, Any] = {
    **SD21_TEXT, "hidden_act": "gelu", "hidden_size": 1280, "intermediate_size": 5120,
    "num_attention_heads": 20, "num_hidden_layers": 32, "projection_dim": 1280,
}
SDXL_VAE: dict[str, Any] = {**SD_VAE, "sample_size": 1024, "scaling_factor": 0.13025,
                            "force_upcast": True}
MARIAN_ZH_EN: dict[str, Any] = {
    "activation_dropout": 0.0, "activation_function": "swish", "attention_dropout": 0.0,
    "bad_words_ids": [[65000]], "bos_token_id": 0, "d_model": 512,
    "decoder_attention_heads": 8, "decoder_ffn_dim": 2048, "decoder_layers": 6,
    "decoder_start_token_id": 65000, "dropout": 0.1, "encoder_attention_heads": 8,
    "encoder_ffn_dim": 2048, "encoder_layers": 6, "eos_token_id": 0, "init_std": 0.02,
    "is_encoder_decoder": True, "max_length": 512, "max_position_embeddings": 512,
    "num_beams": 6, "num_hidden_layers": 6, "pad_token_id": 65000, "scale_embedding": True,
    "static_position_embeddings": True, "vocab_size": 65001,
}
BLOOM_1B1: dict[str, Any] = {
    "hidden_size": 1536, "n_head": 16, "n_layer": 24, "vocab_size": 250880,
    "layer_norm_epsilon": 1e-05, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 3,
    "unk_token_id": 0, "apply_residual_connection_post_layernorm": False,
}
IP_ENCODER_H: dict[str, Any] = {  # h94/IP-Adapter models/image_encoder (OpenCLIP ViT-H/14)
    "hidden_size": 1280, "intermediate_size": 5120, "num_attention_heads": 16,
    "num_hidden_layers": 32, "patch_size": 14, "image_size": 224, "projection_dim": 1024,
    "hidden_act": "gelu", "layer_norm_eps": 1e-05,
}
IP_ENCODER_BIGG: dict[str, Any] = {  # h94/IP-Adapter sdxl_models/image_encoder (ViT-bigG/14)
    "hidden_size": 1664, "intermediate_size": 8192, "num_attention_heads": 16,
    "num_hidden_layers": 48, "patch_size": 14, "image_size": 224, "projection_dim": 1280,
    "hidden_act": "gelu", "layer_norm_eps": 1e-05,
}

# --------------------------------------------------------------------------- the layout


def default_cache() -> Path:
    from settings import Settings

    return Settings.load().models_dir / "shadow-hub"


def hf_home(cache: Path) -> Path:
    return cache / "hf"


def snapshot(cache: Path, repo: str) -> Path:
    """The snapshot folder of ``repo`` (its fake revision is the hash of its name)."""
    rev = hashlib.sha1(repo.encode()).hexdigest()
    return hf_home(cache) / "hub" / f"models--{repo.replace('/', '--')}" / "snapshots" / rev


def _publish(cache: Path, repo: str, build: Callable[[Path], None]) -> bool:
    """Build ``repo`` into its snapshot once (a marker says it is complete); True if built."""
    target = snapshot(cache, repo)
    marker = target.parent.parent / ".shadow-complete"
    if marker.exists():
        return False
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".build-"))
    try:
        build(tmp)
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    refs = target.parent.parent / "refs"
    refs.mkdir(exist_ok=True)
    (refs / "main").write_text(target.name)
    marker.write_text("ok\n")
    return True


def _seeded(seed: int) -> None:
    import torch

    torch.manual_seed(seed)


def _clip_tokenizer() -> Any:
    """A CLIPTokenizer of the tiny profile's byte-level vocabulary (77 tokens, any text)."""
    from tools.tiny.diffusion import _tokenizer

    return _tokenizer()


def _half(*modules: Any) -> None:
    import torch

    for m in modules:
        if m is not None:
            m.to(torch.float16)


def _sd_components(unet_cfg: dict[str, Any], text_cfg: dict[str, Any],
                   vae_cfg: dict[str, Any], seed: int) -> dict[str, Any]:
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    _seeded(seed)
    return {
        "unet": UNet2DConditionModel(**unet_cfg),
        "vae": AutoencoderKL(**vae_cfg),
        "text_encoder": CLIPTextModel(CLIPTextConfig(**text_cfg)),
        "tokenizer": _clip_tokenizer(),
    }


def _safety(seed: int) -> dict[str, Any]:
    from diffusers.pipelines.stable_diffusion.safety_checker import (
        StableDiffusionSafetyChecker,
    )
    from transformers import CLIPConfig, CLIPImageProcessor

    _seeded(seed)
    cfg = dict(SAFETY_CHECKER)
    config = CLIPConfig(text_config=cfg["text_config"], vision_config=cfg["vision_config"],
                        projection_dim=cfg["projection_dim"])
    extractor = {k: v for k, v in CLIP_IMAGE_PROCESSOR.items()}
    return {"safety_checker": StableDiffusionSafetyChecker(config),
            "feature_extractor": CLIPImageProcessor(**extractor)}


def build_sd_turbo(folder: Path) -> None:
    from diffusers import EulerDiscreteScheduler, StableDiffusionPipeline

    parts = _sd_components(SD21_UNET, SD21_TEXT, SD_VAE, seed=21)
    pipe = StableDiffusionPipeline(**parts,
                                   scheduler=EulerDiscreteScheduler.from_config(TURBO_SCHEDULER),
                                   safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    _half(pipe.unet, pipe.vae, pipe.text_encoder)
    pipe.save_pretrained(folder, safe_serialization=True)


def build_sd15(folder: Path) -> None:
    from diffusers import PNDMScheduler, StableDiffusionPipeline

    parts = _sd_components(SD15_UNET, SD15_TEXT, {**SD_VAE, "sample_size": 512}, seed=15)
    pipe = StableDiffusionPipeline(**parts, **_safety(16),
                                   scheduler=PNDMScheduler.from_config(SD15_SCHEDULER))
    _half(pipe.unet, pipe.vae, pipe.text_encoder, pipe.safety_checker)
    pipe.save_pretrained(folder, safe_serialization=True)


def build_instruct_pix2pix(folder: Path) -> None:
    from diffusers import EulerAncestralDiscreteScheduler, StableDiffusionInstructPix2PixPipeline

    parts = _sd_components({**SD15_UNET, "in_channels": 8}, SD15_TEXT,
                           {**SD_VAE, "sample_size": 512}, seed=8)
    sched = {k: SD15_SCHEDULER[k] for k in ("beta_end", "beta_schedule", "beta_start",
                                            "num_train_timesteps", "prediction_type",
                                            "steps_offset")}
    pipe = StableDiffusionInstructPix2PixPipeline(
        **parts, scheduler=EulerAncestralDiscreteScheduler(**sched), **_safety(9))
    _half(pipe.unet, pipe.vae, pipe.text_encoder, pipe.safety_checker)
    pipe.save_pretrained(folder, safe_serialization=True)


def build_sdxl_turbo(folder: Path) -> None:
    from diffusers import (
        AutoencoderKL,
        EulerAncestralDiscreteScheduler,
        StableDiffusionXLPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    _seeded(64)
    sched = {k: TURBO_SCHEDULER[k] for k in ("beta_end", "beta_schedule", "beta_start",
                                             "num_train_timesteps", "prediction_type",
                                             "steps_offset", "timestep_spacing")}
    pipe = StableDiffusionXLPipeline(
        vae=AutoencoderKL(**SDXL_VAE),
        text_encoder=CLIPTextModel(CLIPTextConfig(**SDXL_TEXT)),
        text_encoder_2=CLIPTextModelWithProjection(CLIPTextConfig(**SDXL_TEXT_2)),
        tokenizer=_clip_tokenizer(), tokenizer_2=_clip_tokenizer(),
        unet=UNet2DConditionModel(**SDXL_UNET),
        scheduler=EulerAncestralDiscreteScheduler(**sched),
    )
    _half(pipe.unet, pipe.vae, pipe.text_encoder, pipe.text_encoder_2)
    pipe.save_pretrained(folder, safe_serialization=True)


def build_taesd(folder: Path) -> None:
    from diffusers import AutoencoderTiny

    _seeded(1)
    vae = AutoencoderTiny()  # its defaults are madebyollin/taesd(xl)'s config.json
    _half(vae)
    vae.save_pretrained(folder, safe_serialization=True)


def _ip_adapter_tensors(unet_cfg: dict[str, Any], image_dim: int) -> dict[str, Any]:
    """``image_proj.*`` and ``ip_adapter.N.to_k_ip/to_v_ip`` for a UNet of ``unet_cfg``."""
    import torch
    from diffusers import UNet2DConditionModel

    with torch.device("meta"):
        unet = UNet2DConditionModel(**unet_cfg)
    cross = int(unet_cfg["cross_attention_dim"])
    out = unet.config.block_out_channels
    tensors = {
        "image_proj.proj.weight": torch.randn(4 * cross, image_dim) * 0.02,
        "image_proj.proj.bias": torch.zeros(4 * cross),
        "image_proj.norm.weight": torch.ones(cross),
        "image_proj.norm.bias": torch.zeros(cross),
    }
    key = 1
    for name in unet.attn_processors:
        if name.endswith("attn1.processor"):
            continue
        if name.startswith("mid_block"):
            hidden = out[-1]
        elif name.startswith("up_blocks"):
            hidden = list(reversed(out))[int(name.split(".")[1])]
        else:
            hidden = out[int(name.split(".")[1])]
        for kv in ("to_k_ip", "to_v_ip"):
            tensors[f"ip_adapter.{key}.{kv}.weight"] = torch.randn(hidden, cross) * 0.02
        key += 2
    return {k: v.to(torch.float16) for k, v in tensors.items()}


def build_ip_adapter(folder: Path, which: tuple[str, ...] = ("models",)) -> None:
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    plan = {"models": (IP_ENCODER_H, SD15_UNET, "ip-adapter_sd15.safetensors"),
            "sdxl_models": (IP_ENCODER_BIGG, SDXL_UNET, "ip-adapter_sdxl.safetensors")}
    for sub in which:
        enc_cfg, unet_cfg, weight = plan[sub]
        _seeded(5)
        encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(**enc_cfg))
        _half(encoder)
        encoder.save_pretrained(folder / sub / "image_encoder", safe_serialization=True)
        del encoder
        tensors = _ip_adapter_tensors(unet_cfg, int(enc_cfg["projection_dim"]))
        save_file(tensors, str(folder / sub / weight))


def build_bloom(folder: Path) -> None:
    import torch
    from transformers import BloomConfig, BloomForCausalLM, GenerationConfig

    from tools.tiny.text import build_tokenizer

    tokenizer: Any = build_tokenizer(folder)
    assert tokenizer.pad_token_id == 3 and tokenizer.eos_token_id == 2  # BLOOM's ids
    _seeded(11)
    model = BloomForCausalLM(BloomConfig(**BLOOM_1B1))
    model.generation_config = GenerationConfig(bos_token_id=1, eos_token_id=2, pad_token_id=3)
    model.to(torch.float16).save_pretrained(folder, safe_serialization=True)


def build_marian(folder: Path) -> None:
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    from tools.tiny.text import _corpus

    folder.mkdir(parents=True, exist_ok=True)
    text = folder / "corpus.txt"
    text.write_text("\n".join(_corpus()), encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(text), model_prefix=str(folder / "sp"), vocab_size=2000,
        hard_vocab_limit=False, character_coverage=1.0, model_type="unigram", unk_id=1,
        eos_id=0, bos_id=-1, pad_id=-1, minloglevel=2)
    text.unlink()
    for side in ("source", "target"):
        shutil.copy(folder / "sp.model", folder / f"{side}.spm")
    processor = spm.SentencePieceProcessor(model_file=str(folder / "sp.model"))
    vocab = {processor.id_to_piece(i): i for i in range(processor.get_piece_size())}
    vocab["</s>"], vocab["<unk>"], vocab["<pad>"] = 0, 1, 65000
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    for f in ("sp.model", "sp.vocab"):
        (folder / f).unlink()
    tok = MarianTokenizer(source_spm=str(folder / "source.spm"),
                          target_spm=str(folder / "target.spm"),
                          vocab=str(folder / "vocab.json"), source_lang="zh", target_lang="en")
    tok.save_pretrained(folder)
    _seeded(12)
    model = MarianMTModel(MarianConfig(**MARIAN_ZH_EN))
    with torch.no_grad():  # the small vocabulary: never emit an id it cannot decode
        model.final_logits_bias[:, processor.get_piece_size():65000] = -1e4
    model.to(torch.float16).save_pretrained(folder, safe_serialization=True)


def build_blip(folder: Path) -> None:
    import torch
    from transformers import (
        BertTokenizer,
        BlipConfig,
        BlipForConditionalGeneration,
        BlipImageProcessor,
        BlipProcessor,
    )

    from tools.tiny.caption import vocabulary

    vocab = {token: i for i, token in enumerate(vocabulary())}
    tokenizer = BertTokenizer(
        vocab=vocab, do_lower_case=True, unk_token="[UNK]", sep_token="[SEP]",
        pad_token="[PAD]", cls_token="[CLS]", mask_token="[MASK]", bos_token="[DEC]",
        additional_special_tokens=["[ENC]"], model_max_length=512)
    image_processor = BlipImageProcessor(
        size={"height": 384, "width": 384}, do_resize=True, do_rescale=True, do_normalize=True,
        do_convert_rgb=True)
    BlipProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(folder)
    ids = tokenizer.get_vocab()
    config = BlipConfig(text_config={"vocab_size": 30524, "bos_token_id": ids["[DEC]"],
                                     "pad_token_id": ids["[PAD]"], "sep_token_id": ids["[SEP]"],
                                     "eos_token_id": ids["[SEP]"]})
    _seeded(13)
    model = BlipForConditionalGeneration(config)
    model.to(torch.float16).save_pretrained(folder, safe_serialization=True)


def build_cn_clip(cache: Path, name: str) -> bool:
    """The cn_clip checkpoint ``load_from_name(name, download_root=<models>/cn_clip)`` reads."""
    import torch
    from cn_clip.clip import utils as cn_utils

    target = cache / "models" / "cn_clip" / cn_utils._MODELS[name][1]
    if target.exists():
        return False
    import contextlib

    _seeded(14)
    with contextlib.redirect_stdout(sys.stderr):
        model = cn_utils.create_model(cn_utils._MODEL_INFO[name]["struct"])  # fp16 weights
    state = {f"module.{k}": v for k, v in model.state_dict().items()}
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    torch.save({"epoch": 0, "step": 0, "name": f"shadow-{name}", "state_dict": state}, tmp)
    tmp.rename(target)
    return True


HUB_BUILDERS: dict[str, Callable[[Path], None]] = {
    "stabilityai/sd-turbo": build_sd_turbo,
    "stable-diffusion-v1-5/stable-diffusion-v1-5": build_sd15,
    "stabilityai/sdxl-turbo": build_sdxl_turbo,
    "timbrooks/instruct-pix2pix": build_instruct_pix2pix,
    "madebyollin/taesd": build_taesd,
    "madebyollin/taesdxl": build_taesd,
    "alibaba-pai/pai-bloom-1b1-text2prompt-sd": build_bloom,
    "alibaba-pai/pai-bloom-1b1-text2prompt-sd-v2": build_bloom,
    "Helsinki-NLP/opus-mt-zh-en": build_marian,
    "Salesforce/blip-image-captioning-base": build_blip,
}
PROFILES_HERE = ("sd-turbo", "sd15", "sdxl-turbo")  # pai-zh: its Chinese text encoder's
# config was not found, so it has no shadow


def repos_of(profile_name: str, steps: tuple[str, ...] | None = None) -> list[str]:
    """Every hub repo the profile (and the CPU default's tiny VAE) loads, or only those
    the run ``steps`` load (generate, which always runs, loads the text-to-image one)."""
    from tools.models import TAESD, get_profile

    p = get_profile(profile_name)
    by_step: dict[str, list[str | None]] = {
        "instruct": [p.instruct, TAESD["sd"] if p.instruct else None],
        "restyle": [p.ip_adapter[0] if p.ip_adapter else None],
        "beautify": [p.beautify_lm], "translate": [p.translator], "describe": [p.captioner],
    }
    repos: list[str | None] = [p.txt2img, TAESD[p.pipeline]]
    for step in STEPS if steps is None else steps:
        repos += by_step.get(step, [])
    return [r for r in dict.fromkeys(repos) if r]


def build(profile_name: str, cache: Path, only: list[str] | None = None,
          steps: tuple[str, ...] | None = None) -> None:
    """Build what ``profile_name`` needs (or what its run ``steps`` need, or just the repos
    ``only``) into ``cache``."""
    from tools.models import get_profile

    p = get_profile(profile_name)
    for repo in only or repos_of(profile_name, steps):
        if repo == "h94/IP-Adapter":
            assert p.ip_adapter is not None
            sub = p.ip_adapter[1]

            def builder(folder: Path, sub: str = sub) -> None:
                build_ip_adapter(folder, (sub,))

            kept = snapshot(cache, repo)
            if (kept.parent.parent / ".shadow-complete").exists() and not (kept / sub).exists():
                builder(kept)  # the other profile's subfolder is there (a --keep cache)
                print(f"built {repo}/{sub}", flush=True)
                continue
        else:
            builder = HUB_BUILDERS[repo]
        t0 = time.perf_counter()
        if _publish(cache, repo, builder):
            print(f"built {repo} in {time.perf_counter() - t0:.0f} s", flush=True)
    if only is None and (steps is None or "retrieve" in steps) and build_cn_clip(cache, p.clip):
        print(f"built cn_clip {p.clip}", flush=True)


# ------------------------------------------------------------------------------- run


def use_cache(cache: Path) -> None:
    """Point the Hugging Face libraries at the shadow hub, offline. Call before importing
    them (huggingface_hub reads these at import)."""
    os.environ["HF_HOME"] = str(hf_home(cache))
    os.environ.pop("HF_HUB_CACHE", None)
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


STEPS = ("generate", "refine", "instruct", "restyle", "beautify", "translate", "retrieve",
         "describe")


def run(profile_name: str, cache: Path, size: int = 128,
        only: tuple[str, ...] = STEPS) -> list[dict[str, Any]]:
    """Drive ``profile_name`` end to end through the project's tools; one row per step."""
    from PIL import Image

    from settings import Settings
    from tools import models
    from tools.beautify import beautify
    from tools.describe import describe
    from tools.edit import img2img, instruct, restyle
    from tools.generate import generate
    from tools.retrieve import Library
    from tools.translate import _by_model, to_english

    home = Path(tempfile.mkdtemp(prefix="shadow-home-"))
    settings = Settings.load(env={}, home=home, profile=profile_name, device="cpu",
                             model_cache=str(cache / "models"))
    profile = models.profile_for(settings)
    size = max(size, profile.size_multiple)
    rows: list[dict[str, Any]] = []
    state: dict[str, Any] = {}

    def step(name: str, fn: Callable[[], str]) -> None:
        if name not in only and name != "generate":
            return
        t0 = time.perf_counter()
        try:
            detail, ok = fn(), True
        except Exception as e:  # report every step, then fail at the end
            detail, ok = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", False
        row = {"step": name, "ok": ok, "s": round(time.perf_counter() - t0, 2), "detail": detail}
        rows.append(row)
        print(f"{'PASS' if ok else 'FAIL'} {profile_name:10s} {name:10s} {row['s']:7.2f} s  "
              f"{detail}", flush=True)

    def _generate() -> str:
        [r] = generate("a red car on a street", seed=7, width=size, height=size,
                       settings=settings)
        state["picture"] = r.image
        pipe = models.load_txt2img(settings)
        state["dtype"] = pipe.unet.dtype
        assert r.image.size == (size, size), r.image.size
        return (f"{r.image.size[0]}x{r.image.size[1]} {r.recipe.steps} steps, "
                f"{pipe.unet.dtype}, vae {type(pipe.vae).__name__}")

    def _refine() -> str:
        r = img2img(state["picture"], "a red car on a street, watercolor", strength=0.6,
                    seed=7, settings=settings)
        assert r.image.size == state["picture"].size
        return f"img2img {r.image.size[0]}x{r.image.size[1]} strength 0.6 seed 7, {_kept()}"

    def _kept() -> str:
        """The shared modules are still in the dtype they loaded in (diffusers' from_pipe
        once cast them to fp32 in place)."""
        unet = models.load_txt2img(settings).unet
        assert unet.dtype == state["dtype"], f"the shared UNet is now {unet.dtype}"
        return f"shared UNet still {unet.dtype}"

    def _instruct() -> str:
        r = instruct(state["picture"], "make it night", seed=7, settings=settings)
        return f"{r.image.size[0]}x{r.image.size[1]} {r.recipe.steps} steps"

    def _restyle() -> str:
        r = restyle(state["picture"], state["picture"], prompt="a red car", seed=7,
                    settings=settings)
        encoder = models.load_txt2img(settings).image_encoder
        return (f"{r.image.size[0]}x{r.image.size[1]}, image encoder {encoder.dtype}, "
                f"{_kept()}, peak RSS {_peak_rss_gb():.1f} GB")

    def _beautify() -> str:
        c = beautify("a red car", n=2, settings=settings, backend="lm", seed=1)
        assert c.backend == "lm" or "random" in c.note or c, c.note
        return f"backend {c.backend}, {len(c)} candidates {c.note[:60]!r}"

    def _translate() -> str:
        loaded = models.load_translator(settings)
        assert loaded is not None, "the translator did not load"
        raw = _by_model("一只红色的猫在沙发上", settings)  # the model itself ran
        t = to_english("一只红色的猫在沙发上", settings=settings)
        return f"model ran ({raw[:20]!r}); to_english via {t.backend}: {t.text[:40]!r}"

    def _retrieve() -> str:
        folder = home / "photos"
        folder.mkdir()
        for i, colour in enumerate(("red", "blue", "green")):
            Image.new("RGB", (96, 96), colour).save(folder / f"{i}.png")
        state["picture"].save(folder / "car.png")
        library = Library(settings, "shadow")
        report = library.index_folder(folder, progress=False)
        hits = library.search_text("红色的车", k=2)
        name = library.model_name
        library.close()
        assert hits, "no hits"
        return f"indexed {report}, {len(hits)} hits, model {name}"

    def _describe() -> str:
        d = describe(state["picture"], settings=settings)
        return f"{d.model}: {d.text[:50]!r}"

    step("generate", _generate)
    if "picture" in state:
        step("refine", _refine)
        if profile.instruct:
            step("instruct", _instruct)
        if profile.ip_adapter:
            step("restyle", _restyle)
    step("beautify", _beautify)
    step("translate", _translate)
    if "picture" in state:
        step("retrieve", _retrieve)
        step("describe", _describe)
    shutil.rmtree(home, ignore_errors=True)
    return rows


def _peak_rss_gb() -> float:
    """This process's peak resident memory so far (Linux), in GB; 0 where unknown."""
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    except (ImportError, OSError):
        return 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=("build", "run"))
    ap.add_argument("--profile", default="sd-turbo", choices=(*PROFILES_HERE, "all"))
    ap.add_argument("--cache", type=Path, default=None,
                    help="where the shadow hub lives (default: <model cache>/shadow-hub)")
    ap.add_argument("--keep", action="store_true", help="keep the built models after a run")
    ap.add_argument("--size", type=int, default=128, help="picture side for the run")
    ap.add_argument("--json", type=Path, help="write the run's rows here")
    ap.add_argument("--steps", default=",".join(STEPS),
                    help="comma-separated steps to run (generate always runs); only what "
                    "they load is built")
    args = ap.parse_args(argv)
    cache = (args.cache or default_cache()).expanduser().resolve()
    use_cache(cache)
    import torch

    torch.manual_seed(0)
    names = list(PROFILES_HERE) if args.profile == "all" else [args.profile]
    failed = 0
    all_rows: list[dict[str, Any]] = []
    for name in names:
        steps = tuple(args.steps.split(","))
        if args.command == "build":
            build(name, cache, steps=steps)
            continue
        if len(names) > 1:  # each profile in its own process: the next one must not load
            # its models into this one's heap (SDXL's 13 GB next to what sd15 left: past
            # 24 GiB), and each line's peak RSS is then its own profile's
            rows = _run_child(name, cache, args)
        else:
            # built in a child process: the build's fp32 models (10 GB for SDXL's UNet)
            # would otherwise stay in this process's heap while the run loads its own
            cmd = [sys.executable, __file__, "build", "--profile", name, "--cache",
                   str(cache), "--steps", args.steps]
            if subprocess.run(cmd).returncode:
                return 1
            rows = [{"profile": name, **r} for r in run(name, cache, args.size, steps)]
            if not args.keep:
                shutil.rmtree(cache, ignore_errors=True)
        all_rows += rows
        failed += sum(not r["ok"] for r in rows)
    if args.json:
        args.json.write_text(json.dumps(all_rows, indent=2, ensure_ascii=False))
    if args.command == "run":
        print(f"{len(all_rows) - failed}/{len(all_rows)} steps passed", flush=True)
    return 1 if failed else 0


def _run_child(name: str, cache: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    """``run --profile name`` in a child process; its rows (one failed row if it died)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rows.json"
        cmd = [sys.executable, __file__, "run", "--profile", name, "--cache", str(cache),
               "--size", str(args.size), "--steps", args.steps, "--json", str(out)]
        if args.keep:
            cmd.append("--keep")
        code = subprocess.run(cmd).returncode
        if out.exists():
            return list(json.loads(out.read_text()))
    return [{"profile": name, "step": "all", "ok": False, "s": 0.0,
             "detail": f"the run's process ended with status {code}"}]


if __name__ == "__main__":
    sys.exit(main())
