"""Image to image (tiny profile): img2img, InstructPix2Pix, reference style, input pictures."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from errors import InvalidInput, NotAvailable
from tests.pictures import noise as picture
from tests.pictures import pixels, png_bytes
from tools import models, validate
from tools.edit import denoising_steps, img2img, instruct, restyle
from tools.generate import generate


def png_claiming_size(w: int, h: int) -> bytes:
    """A small PNG whose header claims ``w`` x ``h``: what a decompression bomb looks like
    before decoding."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 4096))
        + chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------- img2img


def test_img2img_makes_the_requested_size_and_records_the_parent(settings):
    result = img2img(
        picture(),
        "a cat at night",
        strength=0.7,
        seed=5,
        width=96,
        height=80,
        parent=42,
        settings=settings,
    )
    assert result.image.size == (96, 80)
    r = result.recipe
    assert (r.tool, r.parent, r.strength, r.seed, r.width, r.height, r.model) == (
        "img2img",
        42,
        0.7,
        5,
        96,
        80,
        "tiny",
    )
    again = img2img(
        picture(), "a cat at night", strength=0.7, seed=5, width=96, height=80, settings=settings
    )
    assert np.array_equal(pixels(result), pixels(again))
    other_start = img2img(
        picture(seed=1),
        "a cat at night",
        strength=0.7,
        seed=5,
        width=96,
        height=80,
        settings=settings,
    )
    assert not np.array_equal(pixels(result), pixels(other_start))  # the start picture counts


def test_img2img_default_size_follows_the_input_picture(settings):
    source = picture(100, 70)
    result = img2img(source, "a cat", seed=1, settings=settings)
    expected = validate.fit_size(100, 70, int(1.5 * 64 * 64))
    assert result.image.size == expected
    w, h = expected
    assert w % 8 == 0 and h % 8 == 0 and w > h  # landscape stays landscape


def test_img2img_at_low_strength_still_denoises(settings):
    seen: list[tuple[int, int]] = []
    result = img2img(
        picture(),
        "a cat",
        strength=0.05,
        steps=4,
        seed=1,
        settings=settings,
        progress=lambda step, total: seen.append((step, total)),
    )
    assert seen == [(1, 1)]
    assert result.recipe.extra["denoising_steps"] == 1
    assert result.recipe.steps == denoising_steps(4, 0.05) == 20


def test_img2img_accepts_bytes_and_paths(settings, tmp_path):
    path = tmp_path / "start.png"
    path.write_bytes(png_bytes(picture()))
    from_path = img2img(path, "a cat", seed=2, settings=settings)
    from_bytes = img2img(path.read_bytes(), "a cat", seed=2, settings=settings)
    from_str = img2img(str(path), "a cat", seed=2, settings=settings)
    assert np.array_equal(pixels(from_path), pixels(from_bytes))
    assert np.array_equal(pixels(from_path), pixels(from_str))


@pytest.mark.parametrize("strength", [0, 0.001, -0.1, 1.5, "lots"])
def test_img2img_refuses_strength_outside_zero_to_one(settings, strength):
    with pytest.raises(InvalidInput, match="strength must be (between 0.01 and 1|a number)"):
        img2img(picture(), "a cat", strength=strength, settings=settings)


# -------------------------------------------------------------------------- instruct


def test_instruct_edits_at_the_input_size_and_records_the_parent(settings):
    source = picture(80, 64)
    result = instruct(source, "make it night", seed=4, parent=7, settings=settings)
    assert result.image.size == (80, 64)
    r = result.recipe
    assert (r.tool, r.parent, r.prompt, r.seed, r.model) == (
        "instruct",
        7,
        "make it night",
        4,
        "tiny",
    )
    assert r.extra["image_guidance"] == 1.5
    again = instruct(source, "make it night", seed=4, settings=settings)
    assert np.array_equal(pixels(result), pixels(again))


def test_instruct_reports_every_step(settings):
    seen: list[tuple[int, int]] = []
    instruct(
        picture(),
        "add a red hat",
        steps=3,
        seed=1,
        settings=settings,
        progress=lambda step, total: seen.append((step, total)),
    )
    assert seen == [(1, 3), (2, 3), (3, 3)]


# ------------------------------------------------------------------- reference style


def test_restyle_is_not_available_in_the_tiny_profile(settings):
    with pytest.raises(NotAvailable, match="reference style is not available in the tiny"):
        restyle("a cat", picture(), settings=settings)



def test_restyle_follows_the_reference_and_leaves_plain_generation_alone(ip_settings):
    [before] = generate("a cat", seed=9, settings=ip_settings)
    styled = restyle("a cat", picture(seed=1), seed=9, scale=1.0, settings=ip_settings)
    other = restyle("a cat", picture(seed=2), seed=9, scale=1.0, settings=ip_settings)
    [after] = generate("a cat", seed=9, settings=ip_settings)

    assert styled.image.size == (64, 64)
    assert styled.recipe.tool == "restyle" and styled.recipe.extra["from"] == "text"
    assert not np.array_equal(pixels(styled), pixels(other))  # the reference counts
    assert not np.array_equal(pixels(styled), pixels(before))
    assert np.array_equal(pixels(before), pixels(after))  # the adapter is off again
    txt2img = models.load_txt2img(ip_settings)
    assert models.load_ip_adapter(ip_settings).img2img.unet is txt2img.unet


def test_restyle_can_redraw_a_picture(ip_settings):
    result = restyle(
        picture(80, 64),
        picture(seed=3),
        prompt="watercolor",
        strength=0.5,
        seed=2,
        parent=11,
        settings=ip_settings,
    )
    assert result.image.size == (80, 64)
    r = result.recipe
    assert (r.tool, r.parent, r.strength, r.extra["from"]) == ("restyle", 11, 0.5, "image")


# ------------------------------------------------------------------- bad pictures


def _bad_pictures(tmp_path):
    text_file = tmp_path / "notes.png"
    text_file.write_text("this is not a picture\n")
    truncated = png_bytes(picture(128, 128))
    truncated = truncated[: len(truncated) // 2]
    return {
        "text file": (text_file, "not an image"),
        "truncated png": (truncated, "broken or truncated"),
        "bomb": (png_claiming_size(100_000, 100_000), "too large"),
        "giant": (png_claiming_size(8000, 8000), "the limit is 50,000,000"),
        "missing file": (tmp_path / "nope.png", "does not exist"),
        "empty bytes": (b"", "empty"),
        "not a picture at all": (12345, "must be a picture"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "text file",
        "truncated png",
        "bomb",
        "giant",
        "missing file",
        "empty bytes",
        "not a picture at all",
    ],
)
def test_bad_pictures_are_refused_before_any_model_work(monkeypatch, settings, tmp_path, case):
    def no_model_work(*_a, **_k):
        raise AssertionError("a model was loaded for a bad picture")

    for loader in ("load_txt2img", "load_img2img", "load_instruct", "load_ip_adapter"):
        monkeypatch.setattr(models, loader, no_model_work)
    source, message = _bad_pictures(tmp_path)[case]
    with pytest.raises(InvalidInput, match=message):
        img2img(source, "a cat", settings=settings)
    with pytest.raises(InvalidInput, match=message):
        instruct(source, "make it night", settings=settings)


def test_transparent_pictures_are_flattened_onto_white():
    im = Image.new("RGBA", (64, 64), (255, 0, 0, 0))
    rgb = validate.load_image(png_bytes(im))
    assert rgb.mode == "RGB" and rgb.getpixel((0, 0)) == (255, 255, 255)
