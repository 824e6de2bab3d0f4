"""Describe a photo in words: a BLIP caption, cleaned, plus a prompt to redraw it.

``describe(picture, settings=settings)`` runs the profile's captioner
(:func:`tools.models.load_captioner`: ``Salesforce/blip-image-captioning-base`` in the real
profiles, a tiny random-weight BLIP of the same classes in ``tiny``) and returns a
:class:`Description`. Decoding is deterministic (beam search in the real profiles, greedy
in ``tiny``), so the same picture always gets the same words.

BLIP has a few well-known habits that are trimmed from its captions: the made-up word
"arafed" (and its cousins "araffe", "arafly", ...), a leading "there is"/"there are",
the same word twice in a row, and the spaces BERT decoding leaves around punctuation
("man ' s", "close - up", "dog , cat"). If nothing usable is left,
the caption is the neutral :data:`FALLBACK`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PIL import Image

from tools import validate
from tools.models import load_captioner
from tools.validate import ImageSource

if TYPE_CHECKING:
    from settings import Settings

FALLBACK = "a photo"  # the caption when the model says nothing usable
MAX_PREFIX_CHARS = 100  # a conditional-captioning prefix is a few words ("a picture of")

# Decoding settings. Real BLIP: beam search of 3 and up to 30 new tokens (close to BLIP's
# reference captioning settings: 3 beams, length 30); the tiny model: greedy, 12 tokens.
REAL_GENERATION: dict[str, Any] = {
    "num_beams": 3, "max_new_tokens": 30, "min_new_tokens": 3, "no_repeat_ngram_size": 3,
}
TINY_GENERATION: dict[str, Any] = {
    "num_beams": 1, "max_new_tokens": 12, "min_new_tokens": 3, "no_repeat_ngram_size": 3,
}

_ARAFED = re.compile(r"\b(?:(an?)\s+)?ar+af+\w*\s*")  # "arafed", "araffe", "an arafly", ...
_THERE_IS = re.compile(r"^(?:there\s+(?:is|are)|this\s+is)\s+")
_REPEATED_WORD = re.compile(r"\b(\w+)(?:\s+\1\b)+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.!?;:])")
_APOSTROPHE = re.compile(r"\s*'\s*(s|t|re|ve|ll|d|m)\b")  # BERT decodes "man's" as "man ' s"
_HYPHEN = re.compile(r"(\w)\s+-\s+(\w)")  # ... and "close-up" as "close - up"
_EDGE_JUNK = re.compile(r"^[\s,.;:!?'\"-]+|[\s,.;:!?'\"-]+$")


@dataclass(frozen=True)
class Description:
    """What a picture shows, in words.

    ``text`` is the cleaned caption (lowercase, never empty); ``prompt`` is a prompt to
    redraw the picture (the caption without end punctuation); ``model`` names the
    captioner that wrote it (the profile's captioner id, ``"tiny"`` for the tiny one).
    """

    text: str
    prompt: str
    model: str


def clean_caption(raw: str, prefix: str = "") -> str:
    """BLIP's raw caption made presentable; :data:`FALLBACK` if nothing usable remains."""
    text = " ".join(raw.lower().split())
    prefix = " ".join(prefix.lower().split())
    if prefix and text.startswith(prefix):  # conditional captioning echoes the prefix
        text = text[len(prefix):]
    text = _ARAFED.sub(lambda m: "a " if m.group(1) else "", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _APOSTROPHE.sub(r"'\1", text)
    text = _HYPHEN.sub(r"\1-\2", text)
    text = _EDGE_JUNK.sub("", " ".join(text.split()))
    text = _THERE_IS.sub("", text)
    text = _REPEATED_WORD.sub(r"\1", text)
    text = _EDGE_JUNK.sub("", " ".join(text.split()))
    if not any(c.isalpha() for c in text):
        return FALLBACK
    if prefix:  # "a picture of" + "a dog" reads as a caption; keep the user's framing
        text = f"{prefix} {text}"
    return text


def prompt_for(caption: str) -> str:
    """A text-to-image prompt that redraws what ``caption`` describes."""
    return caption.rstrip(" .!?,;:") or FALLBACK


def _shrink(picture: Image.Image, side: int) -> Image.Image:
    """The picture scaled down (cheap box filter) to about twice the model's input side, so
    the processor's bicubic resize does not work through a 12-megapixel photo. Aspect ratio
    is kept; small pictures are returned as they are."""
    w, h = picture.size
    scale = 2 * side / min(w, h)
    if scale >= 1:
        return picture
    return picture.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.BOX)


def _input_side(processor: Any) -> int:
    """The side of the square the processor resizes pictures to (384 for blip-base)."""
    size = getattr(processor.image_processor, "size", None)
    get = size.get if isinstance(size, dict) else lambda key: getattr(size, key, None)
    return int(get("height") or get("shortest_edge") or 384)


def describe(picture: ImageSource, *, settings: Settings, prefix: str = "") -> Description:
    """Caption ``picture`` (PIL image, bytes or a path; RGBA/L/P are converted to RGB).

    ``prefix`` (optional) starts the caption, BLIP's conditional captioning ("a picture
    of"); it is kept at the start of ``text``. Raises :class:`errors.InvalidInput` for a
    picture that is not one and :class:`errors.NotAvailable` when the captioner cannot be
    loaded.
    """
    import torch

    image = validate.load_image(picture, "picture")
    prefix = validate.text(prefix, "prefix", required=False)[:MAX_PREFIX_CHARS] if prefix else ""
    captioner = load_captioner(settings)
    processor = captioner.processor
    image = _shrink(image, _input_side(processor))
    if prefix:
        inputs = processor(images=image, text=prefix, return_tensors="pt")
    else:
        inputs = processor(images=image, return_tensors="pt")
    inputs = inputs.to(captioner.device)
    inputs["pixel_values"] = inputs["pixel_values"].to(captioner.dtype)
    options = TINY_GENERATION if captioner.tiny else REAL_GENERATION
    with torch.inference_mode():
        ids = captioner.model.generate(**inputs, do_sample=False, **options)
    raw = processor.decode(ids[0], skip_special_tokens=True)
    text = clean_caption(raw, prefix)
    return Description(text=text, prompt=prompt_for(text), model=captioner.model_id)
