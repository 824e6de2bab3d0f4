"""Describing photos (tools/describe.py) with the BLIP captioner of tools/models.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from errors import InvalidInput, NotAvailable
from tools import models
from tools.describe import FALLBACK, Description, clean_caption, describe
from tools.tiny import caption as tiny_caption

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
TINY_WORDS = set(tiny_caption.WORDS) | {".", ","}


def _noise(seed: int, size: tuple[int, int] = (96, 64)) -> Image.Image:
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    return Image.fromarray(pixels, "RGB")


def _profile_with(monkeypatch, settings, base: str = "sd15", **changes):
    profile = models.replace_profile(models.PROFILES[base], name="captioner-test", **changes)
    monkeypatch.setitem(models.PROFILES, "captioner-test", profile)
    return settings.with_(profile="captioner-test")


# ------------------------------------------------------------------------------- loading


def test_every_profile_names_a_captioner_and_the_docs_say_which():
    docs = (ROOT / "docs" / "profiles.md").read_text(encoding="utf-8")
    section = docs.split("## Describing photos", 1)[1].split("\n## ", 1)[0]
    lines = {line.split("`")[1]: line for line in section.splitlines() if line.startswith("- `")}
    assert models.PROFILES["tiny"].captioner == models.TINY
    assert "tiny random-weight BLIP" in lines["tiny"]
    for name, profile in models.PROFILES.items():
        if name != "tiny":
            assert profile.captioner == "Salesforce/blip-image-captioning-base", name
            assert f"`{profile.captioner}`" in lines[name], name


def test_tiny_captioner_is_built_once_into_the_model_cache_and_shared(settings):
    loaded = models.load_captioner(settings)
    assert type(loaded.model).__name__ == "BlipForConditionalGeneration"
    assert type(loaded.processor).__name__ == "BlipProcessor"
    assert loaded.tiny and loaded.model_id == "tiny"
    assert str(loaded.device) == "cpu" and not loaded.model.training
    folder = settings.models_dir / "tiny" / models.TINY_CAPTION_KIND
    assert (folder / ".complete").exists() and (folder / "config.json").exists()

    def must_not_build(_: Path) -> None:
        raise AssertionError("the tiny captioner was built a second time")

    assert models.tiny_dir(settings, models.TINY_CAPTION_KIND, must_not_build) == folder
    assert models.load_captioner(settings) is loaded  # loaded once per process
    assert models.load_captioner(settings.with_(home=settings.home / "other")) is loaded


def test_tiny_tokenizer_has_an_ordinary_english_vocabulary(settings):
    tokenizer = models.load_captioner(settings).processor.tokenizer
    assert 300 <= len(tokenizer) < 1000
    assert tokenizer.tokenize("A dog sitting on the beach") == [
        "a", "dog", "sitting", "on", "the", "beach"]
    assert tokenizer.bos_token == "[DEC]" and tokenizer.sep_token == "[SEP]"


def test_profile_without_captioner_says_so(monkeypatch, settings):
    broken = _profile_with(monkeypatch, settings, captioner=None)
    with pytest.raises(NotAvailable, match="describing photos is not available"):
        describe(_noise(0), settings=broken)


def test_missing_local_captioner_folder_gives_a_clear_error(monkeypatch, settings, tmp_path):
    missing = str(tmp_path / "no-blip-here")
    broken = _profile_with(monkeypatch, settings, captioner=missing)
    with pytest.raises(NotAvailable, match="could not be loaded") as err:
        models.load_captioner(broken)
    assert missing in str(err.value)
    assert not any(missing in key for key in models.loaded_keys())


def test_unknown_hub_captioner_offline_names_it(monkeypatch, settings):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    broken = _profile_with(monkeypatch, settings, captioner="imagechat-tests/no-such-blip")
    with pytest.raises(NotAvailable) as err:
        models.load_captioner(broken)
    assert "imagechat-tests/no-such-blip" in str(err.value)
    assert "not in the local cache and the hub is unreachable" in str(err.value)


def test_importing_describe_loads_no_torch():
    code = (
        "import sys\n"
        "import tools.describe\n"
        "assert 'torch' not in sys.modules, 'tools.describe imported torch'\n"
        "assert 'transformers' not in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# ------------------------------------------------------------------------------ describing


def test_describe_gives_words_from_the_vocabulary(settings):
    d = describe(_noise(1), settings=settings)
    assert isinstance(d, Description) and d.model == "tiny"
    words = d.text.split()
    assert len(words) >= 2
    assert set(words) <= TINY_WORDS, set(words) - TINY_WORDS
    assert d.text == d.text.lower() and d.text == d.text.strip()
    assert d.prompt and d.prompt in d.text  # the caption, usable as a prompt


def test_describe_is_deterministic_and_every_tiny_build_is_the_same_model(settings, tmp_path):
    picture = _noise(2)
    first = describe(picture, settings=settings)
    assert describe(picture, settings=settings) == first
    assert describe(picture.copy(), settings=settings) == first
    rebuilt = settings.with_(model_cache=str(tmp_path / "fresh-cache"))
    assert models.load_captioner(rebuilt) is not models.load_captioner(settings)
    assert describe(picture, settings=rebuilt) == first


def test_different_pictures_get_different_captions(settings):
    pictures = [Image.new("RGB", (64, 64), c) for c in ("red", "blue", "white")] + [_noise(3)]
    captions = {describe(p, settings=settings).text for p in pictures}
    assert len(captions) >= 3, captions  # the picture reaches the text decoder


def test_rgba_greyscale_and_palette_pictures_are_described_like_their_rgb(settings):
    rgb = _noise(4, (48, 48))
    grey = rgb.convert("L")
    assert describe(grey, settings=settings) == describe(grey.convert("RGB"), settings=settings)
    palette = rgb.convert("P")
    assert describe(palette, settings=settings) == describe(palette.convert("RGB"),
                                                            settings=settings)
    # transparency is flattened onto white, as everywhere else in imagechat
    rgba = rgb.copy()
    rgba.putalpha(0)
    white = Image.new("RGB", rgb.size, "white")
    assert describe(rgba, settings=settings) == describe(white, settings=settings)


def test_large_photos_bytes_and_paths_are_accepted(settings, tmp_path):
    big = _noise(5, (3000, 2000))
    d = describe(big, settings=settings)
    assert d.text and set(d.text.split()) <= TINY_WORDS
    path = tmp_path / "photo.png"
    small = _noise(6)
    small.save(path)
    assert describe(path, settings=settings) == describe(small, settings=settings)
    assert describe(path.read_bytes(), settings=settings) == describe(small, settings=settings)


def test_broken_picture_is_refused(settings):
    with pytest.raises(InvalidInput, match="not an image"):
        describe(b"this is not a picture", settings=settings)


def test_conditional_prefix_starts_the_caption(settings):
    d = describe(_noise(7), settings=settings, prefix="a picture of")
    assert d.text.startswith("a picture of ")
    assert len(d.text.split()) > 3


def test_nothing_usable_gives_the_fallback(monkeypatch, settings):
    loaded = models.load_captioner(settings)
    sep = loaded.processor.tokenizer.sep_token_id

    def silent_generate(*args, **kwargs):
        import torch

        return torch.tensor([[loaded.processor.tokenizer.bos_token_id, sep]])

    monkeypatch.setattr(loaded.model, "generate", silent_generate)
    d = describe(_noise(8), settings=settings)
    assert d.text == FALLBACK and d.prompt == FALLBACK


@pytest.mark.parametrize(("raw", "clean"), [
    ("arafed man sitting on a bench", "man sitting on a bench"),
    ("an araffe woman holding a cat", "a woman holding a cat"),
    ("there is a dog dog on the beach .", "a dog on the beach"),
    ("There are   two cats , sleeping on a couch", "two cats, sleeping on a couch"),
    ("a close - up of a man ' s hat", "a close-up of a man's hat"),
    ("", FALLBACK),
    (" . , ", FALLBACK),
    ("arafed", FALLBACK),
])
def test_clean_caption_trims_blip_artefacts(raw, clean):
    assert clean_caption(raw) == clean


def test_clean_caption_keeps_a_prefix_once():
    assert clean_caption("a picture of arafed dog", "a picture of") == "a picture of dog"
    assert clean_caption("a picture of", "a picture of") == FALLBACK


# ------------------------------------------------------- full-size BLIP through the real path


def _bert_layout_vocab(size: int) -> dict[str, int]:
    """bert-base-uncased's layout (PAD 0, UNK 100, CLS 101, SEP 102, MASK 103), ordinary
    words after the specials, ``[unusedN]`` filler up to ``size - 2``, then BLIP's tokens."""
    tokens = ["[PAD]"] + [f"[unused{i}]" for i in range(99)]
    tokens += ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokens += [w for w in dict.fromkeys(tiny_caption.WORDS) if w not in tokens]
    tokens += [f"[unused{i}]" for i in range(99, 99 + size - 2 - len(tokens))]
    tokens += ["[DEC]", "[ENC]"]
    assert len(tokens) == size
    return {t: i for i, t in enumerate(tokens)}


@pytest.mark.slow
def test_full_size_blip_base_loads_and_describes_through_the_real_path(
        monkeypatch, settings, tmp_path):
    import torch
    from transformers import (
        BertTokenizer,
        BlipConfig,
        BlipForConditionalGeneration,
        BlipImageProcessor,
        BlipProcessor,
    )

    values = json.loads((DATA / "blip_base_config.json").read_text(encoding="utf-8"))
    values.pop("_source")
    values.pop("architectures")
    config = BlipConfig(**values)
    folder = tmp_path / "blip-image-captioning-base"
    tokenizer = BertTokenizer(
        vocab=_bert_layout_vocab(config.text_config.vocab_size), do_lower_case=True,
        bos_token="[DEC]", additional_special_tokens=["[ENC]"], model_max_length=512)
    BlipProcessor(image_processor=BlipImageProcessor(), tokenizer=tokenizer).save_pretrained(
        folder)
    torch.manual_seed(0)
    BlipForConditionalGeneration(config).save_pretrained(folder)
    assert (folder / "config.json").exists() and (folder / "model.safetensors").exists()

    real = _profile_with(monkeypatch, settings, captioner=str(folder))
    loaded = models.load_captioner(real)
    assert not loaded.tiny and loaded.model_id == str(folder)
    text, vision = loaded.model.config.text_config, loaded.model.config.vision_config
    assert (text.num_hidden_layers, text.num_attention_heads, text.vocab_size) == (12, 12, 30524)
    assert (vision.hidden_size, vision.image_size, vision.patch_size) == (768, 384, 16)
    params = sum(p.numel() for p in loaded.model.parameters())
    assert 200e6 < params < 300e6  # blip-base is ~225M parameters
    assert models.load_captioner(real) is loaded

    d = describe(_noise(9, (640, 480)), settings=real)
    assert d.text and d.prompt and d.model == str(folder)
    assert describe(_noise(9, (640, 480)), settings=real) == d  # beam search is deterministic
