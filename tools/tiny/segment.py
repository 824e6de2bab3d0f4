"""A tiny random-weight CLIPSeg (``CLIPSegForImageSegmentation`` + ``CLIPSegProcessor``).

The same classes as ``CIDAS/clipseg-rd64-refined``, so the tiny profile drives the real
code path of :func:`tools.regions.find_region`: the processor resizes and normalises the
picture (ViT image processor) and tokenizes the words (CLIP byte-level BPE), the model
returns one logit per pixel of its square input, and the caller thresholds them. Only the
widths are tiny and the input is 64 px, so a mask takes milliseconds on a CPU.

The tokenizer is the tiny diffusion one (every byte and a few whole words, built in memory
from ``vocab=``/``merges=``), so any text, Chinese included, tokenizes. Weights are seeded:
every build is the same model. Its masks mean nothing; that is the point.

Written into the folder in Hugging Face layout (``config.json``, ``model.safetensors`` and
the processor files), so :func:`tools.models.load_segmenter` loads it with
``from_pretrained`` exactly as it loads the real model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SEED = 77
HIDDEN = 32
IMAGE_SIZE = 64
PATCH_SIZE = 16
LOGIT_OFFSET = 60.0  # subtracted from every logit: far below any threshold (see build)


def _tokenizer() -> Any:
    from transformers import CLIPTokenizer

    from tools.tiny.diffusion import _vocab_and_merges

    vocab, merges = _vocab_and_merges()
    return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=77)


def config(vocab: dict[str, int]) -> Any:
    """A small ``CLIPSegConfig``: 2-layer text and vision towers, the decoder reading both."""
    from transformers import CLIPSegConfig

    text = {
        "vocab_size": len(vocab),
        "hidden_size": HIDDEN,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "max_position_embeddings": 77,
        "bos_token_id": vocab["<|startoftext|>"],
        "eos_token_id": vocab["<|endoftext|>"],
        "pad_token_id": vocab["<|endoftext|>"],
    }
    vision = {
        "hidden_size": HIDDEN,
        "intermediate_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "image_size": IMAGE_SIZE,
        "patch_size": PATCH_SIZE,
    }
    return CLIPSegConfig(
        text_config=text,
        vision_config=vision,
        projection_dim=HIDDEN,
        extract_layers=(0, 1),  # hidden_states[i + 1]: after vision layers 1 and 2
        reduce_dim=16,
        decoder_num_attention_heads=2,
        decoder_intermediate_size=32,
        conditional_layer=0,
    )


def build(folder: Path) -> None:
    """Write the tiny model, its image processor and its tokenizer into ``folder``."""
    import torch
    from transformers import CLIPSegForImageSegmentation, CLIPSegProcessor, ViTImageProcessor

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = _tokenizer()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        model = CLIPSegForImageSegmentation(config(tokenizer.get_vocab())).float().eval()
        # Random weights would call about half of any picture "the region", in specks. Like
        # the real model on a word it cannot place, no pixel reaches the threshold, so the
        # tiny profile always takes the caller's fallback (its likeliest pixels, in a blob).
        with torch.no_grad():
            model.decoder.transposed_convolution.bias.fill_(-LOGIT_OFFSET)
    image_processor = ViTImageProcessor(
        do_resize=True,
        size={"height": IMAGE_SIZE, "width": IMAGE_SIZE},
        image_mean=[0.485, 0.456, 0.406],  # the real model's (ImageNet) normalisation
        image_std=[0.229, 0.224, 0.225],
    )
    model.save_pretrained(folder)
    CLIPSegProcessor(image_processor=image_processor, tokenizer=tokenizer).save_pretrained(folder)
