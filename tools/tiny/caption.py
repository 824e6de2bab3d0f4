"""A tiny random-weight BLIP captioner (``BlipForConditionalGeneration`` + ``BlipProcessor``).

The same classes as ``Salesforce/blip-image-captioning-base``, so the tiny profile drives the
real code path of :mod:`tools.describe`: ``BlipImageProcessor`` resizing and normalising the
picture, a ViT image tower, the BERT-style text decoder with cross-attention, BLIP's own
``generate`` (``[DEC]`` start token, ``[SEP]`` end token) and ``BertTokenizer`` decoding.
Only the widths are tiny (32) and the picture is 32 px, so a caption takes milliseconds.

The tokenizer's vocabulary is a few hundred ordinary English caption words (whole words,
no sub-word pieces) plus BERT's special tokens and BLIP's ``[DEC]``/``[ENC]``, so the
random model's output is a string of real words rather than byte junk. Weights are seeded:
every build is the same model. Its captions mean nothing; that is the point.

Written into the folder in Hugging Face layout (``config.json``, ``model.safetensors``,
the processor and tokenizer files), so :func:`tools.models.load_captioner` loads it with
``from_pretrained`` exactly as it loads the real model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SEED = 4321
HIDDEN = 32
IMAGE_SIZE = 32
PATCH_SIZE = 8

# BERT's special tokens (the real vocabulary has them too), then BLIP's decoder start token
# and its encoder token, which BLIP adds to bert-base-uncased.
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
BLIP_TOKENS = ["[DEC]", "[ENC]"]

WORDS = """
a an the of on in at with and by near under over behind next to from into its their his
her two three four several many some one
man woman boy girl child children baby person people men women family couple friends
dog dogs cat cats horse horses cow cows sheep bird birds duck fish bear elephant giraffe
zebra lion tiger monkey rabbit fox deer panda butterfly
car cars truck bus train bicycle bike motorcycle boat ship plane airplane kite umbrella
house houses building buildings street road bridge city town village tower castle church
room kitchen bedroom bathroom living table chair chairs bench bed couch sofa desk window
door wall floor shelf lamp mirror clock picture painting poster sign
tree trees flower flowers grass field garden park forest mountain mountains hill hills
lake river sea ocean beach sand rock rocks water waves snow sky clouds sun moon stars
rain fog sunset sunrise night day morning evening
food plate bowl cup mug glass bottle cake pizza sandwich bread fruit apple apples banana
bananas orange oranges vegetables broccoli coffee tea wine
shirt dress hat cap glasses jacket coat suit tie shoes bag backpack scarf
phone laptop computer book books television camera ball frisbee toy toys guitar
red blue green yellow orange purple pink black white gray grey brown golden silver
dark bright colorful small large big little tall old young new long short wooden
sitting standing walking running riding flying playing holding eating drinking looking
laying lying sleeping smiling wearing carrying talking watching posing swimming parked
close up view top side front back middle background foreground corner
photo image drawing sketch cartoon portrait painting
is are has have
head face hair hand hands arm eyes mouth nose ear legs body
street light traffic fence pole wire roof stairs steps path sidewalk crowd market shop
store restaurant office school station airport stadium farm barn pond island desert valley
meadow hillside shore harbor dock pier boat sail surfboard skateboard skis snowboard tennis
racket bat baseball soccer player team game match
tray box basket vase candle pillow blanket rug curtain towel sink toilet oven stove fridge
counter cabinet plant pot leaves branch wood stone metal brick paper
cup spoon fork knife dinner lunch breakfast meal soup salad rice egg eggs cheese meat
chocolate ice cream donut cookie pie
sunny cloudy rainy snowy foggy empty busy quiet crowded open closed round square
happy sad cute pretty beautiful funny shiny wet dry hot cold warm
skiing surfing jumping climbing cooking reading writing waiting cutting throwing catching
""".split()


def vocabulary() -> list[str]:
    """The tiny tokenizer's tokens in id order: specials, words, then BLIP's tokens."""
    words = list(dict.fromkeys(w for w in WORDS if w not in SPECIAL))
    return SPECIAL + words + [".", ","] + BLIP_TOKENS


def build_processor(folder: Path) -> Any:
    """A ``BlipProcessor`` (32 px image processor + whole-word ``BertTokenizer``), saved."""
    from transformers import BertTokenizer, BlipImageProcessor, BlipProcessor

    # transformers 5.x: ``BertTokenizer(vocab_file=...)`` silently builds a near-empty
    # vocabulary; the vocabulary has to be passed as a mapping.
    vocab = {token: i for i, token in enumerate(vocabulary())}
    tokenizer = BertTokenizer(
        vocab=vocab, do_lower_case=True, unk_token="[UNK]", sep_token="[SEP]",
        pad_token="[PAD]", cls_token="[CLS]", mask_token="[MASK]", bos_token="[DEC]",
        additional_special_tokens=["[ENC]"], model_max_length=512,
    )
    image_processor = BlipImageProcessor(
        size={"height": IMAGE_SIZE, "width": IMAGE_SIZE}, do_resize=True, do_rescale=True,
        do_normalize=True, do_convert_rgb=True,
    )
    processor = BlipProcessor(image_processor=image_processor, tokenizer=tokenizer)
    processor.save_pretrained(folder)
    return processor


def config(tokenizer: Any) -> Any:
    """The tiny ``BlipConfig``: blip-base's layout at width 32, ids from ``tokenizer``."""
    from transformers import BlipConfig

    vocab = tokenizer.get_vocab()
    return BlipConfig(
        text_config={
            "vocab_size": len(vocab),
            "hidden_size": HIDDEN,
            "encoder_hidden_size": HIDDEN,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "max_position_embeddings": 64,
            "bos_token_id": vocab["[DEC]"],
            "pad_token_id": vocab["[PAD]"],
            "sep_token_id": vocab["[SEP]"],
            "eos_token_id": vocab["[SEP]"],
        },
        vision_config={
            "hidden_size": HIDDEN,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "image_size": IMAGE_SIZE,
            "patch_size": PATCH_SIZE,
        },
        projection_dim=HIDDEN,
        image_text_hidden_size=HIDDEN,
    )


def build(folder: Path) -> None:
    """Write the processor and a seeded random ``BlipForConditionalGeneration`` to ``folder``."""
    import torch
    from transformers import BlipForConditionalGeneration

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    processor = build_processor(folder)
    state = torch.random.get_rng_state()
    try:
        torch.manual_seed(SEED)
        model = BlipForConditionalGeneration(config(processor.tokenizer))
        # BLIP initialises the vision tower with std 1e-10 and cross-attention with 0.02 (a
        # pretrained model overwrites both); at those scales the picture would not reach the
        # text, so widen them: different pictures then give different captions.
        with torch.no_grad():
            for param in model.vision_model.embeddings.parameters():
                param.normal_(0.0, 0.2)
            for name, param in model.named_parameters():
                if param.dim() > 1 and ("vision_model.encoder" in name or "crossattention" in name):
                    param.normal_(0.0, 0.2)
    finally:
        torch.random.set_rng_state(state)
    model.save_pretrained(folder)
