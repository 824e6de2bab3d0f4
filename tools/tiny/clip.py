"""A tiny random-weight Chinese-CLIP (``cn_clip.clip.model.CLIP``), built from a config.

Same classes as the real ViT-B-16 / RoBERTa model, so the tiny profile drives the real
code path: ``cn_clip.clip.tokenize`` with the bundled Chinese BERT vocabulary (Chinese and
English both tokenize offline), a ViT image tower fed by ``cn_clip``'s own
``image_transform``, and L2-normalised embeddings in a shared space. Only the widths are
tiny (64), so 200 images of 64 px embed in about a second on a CPU. Weights are seeded:
every build is the same model. The embeddings mean nothing beyond "same picture, same
vector", which is all the tests need.

The folder holds ``config.json`` (the keyword arguments of ``CLIP``) and ``model.pt``
(an fp32 state dict); :func:`tools.models.load_clip` reads it back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SEED = 1234
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.pt"


def config() -> dict[str, Any]:
    """Keyword arguments of ``cn_clip.clip.model.CLIP`` for the tiny model."""
    from cn_clip.clip import _tokenizer

    return {
        "embed_dim": 64,
        # vision: ViT, 64 px in 16 px patches -> 16 tokens + class token
        "image_resolution": 64,
        "vision_layers": 2,
        "vision_width": 64,
        "vision_patch_size": 16,
        "vision_head_width": 32,
        # text: BERT over the bundled Chinese vocabulary (the real models use the same one)
        "vocab_size": len(_tokenizer.vocab),
        "text_attention_probs_dropout_prob": 0.0,
        "text_hidden_act": "gelu",
        "text_hidden_dropout_prob": 0.0,
        "text_hidden_size": 64,
        "text_initializer_range": 0.02,
        "text_intermediate_size": 128,
        "text_max_position_embeddings": 64,  # >= cn_clip's context length of 52
        "text_num_attention_heads": 2,
        "text_num_hidden_layers": 2,
        "text_type_vocab_size": 2,
    }


def build(folder: Path) -> None:
    """Write the tiny model's config and seeded fp32 weights into ``folder``."""
    import torch
    from cn_clip.clip.model import CLIP

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cfg = config()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        model = CLIP(**cfg).float().eval()
    (folder / CONFIG_FILE).write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")
    torch.save(model.state_dict(), folder / WEIGHTS_FILE)
