"""What a user is told when a number, a ratio, a text or a picture cannot be used, and how a
transparent palette picture is flattened (tools/validate.py, the checks every channel's input
and every tool's arguments go through)."""

from __future__ import annotations

import io
import math

import pytest
from PIL import Image

from errors import InvalidInput
from tools import validate


@pytest.mark.parametrize(("call", "said"), [
    (lambda: validate.steps(True), "steps must be a whole number, got True"),
    (lambda: validate.steps("lots"), "steps must be a whole number, got 'lots'"),
    (lambda: validate.steps(7.5), "steps must be a whole number, got 7.5"),
    (lambda: validate.guidance(False), "guidance must be a number, got False"),
    (lambda: validate.guidance(math.inf), "guidance must be a finite number, got inf"),
    (lambda: validate.guidance("strong"), "guidance must be a number, got 'strong'"),
    (lambda: validate.ratio("0:9"), "an aspect ratio looks like 16:9, 3:2 or 'portrait'"),
    (lambda: validate.ratio("wide-ish"), "an aspect ratio looks like 16:9"),
    (lambda: validate.text(12), "prompt must be text, got int"),
    (lambda: validate.text(None), "prompt"),
])
def test_a_value_that_cannot_be_used_is_refused_in_words(call, said: str) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput) as e:
        call()
    assert str(e.value).startswith(said)


def test_numbers_written_as_text_or_whole_floats_are_accepted() -> None:
    assert validate.steps(" 12 ") == 12 and validate.steps(8.0) == 8
    assert validate.text(None, required=False) == ""


def _png(mode: str = "RGB", size: tuple[int, int] = (4, 4)) -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size).save(buf, format="PNG")
    return buf.getvalue()


def test_pictures_that_cannot_be_read_are_refused_in_words(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput, match="photo is empty"):
        validate.image_size(b"", "photo")
    with pytest.raises(InvalidInput, match=r"does not exist or is not a file"):
        validate.load_image(tmp_path / "gone.png", "photo")
    with pytest.raises(InvalidInput, match="must be a picture .* got int"):
        validate.load_image(42, "photo")  # type: ignore[arg-type]
    monkeypatch.setattr(validate, "MAX_INPUT_BYTES", 10)
    with pytest.raises(InvalidInput, match="the limit is 0 MB"):
        validate.load_image(_png(), "photo")
    with pytest.raises(InvalidInput, match="the limit is 0 MB"):
        validate.image_size(_png(), "photo")
    big = tmp_path / "big.png"
    big.write_bytes(_png())
    with pytest.raises(InvalidInput, match="is larger than 0 MB"):
        validate.load_image(big, "photo")


def test_a_transparent_palette_picture_is_flattened_onto_white() -> None:
    im = Image.new("P", (2, 1))
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    im.putpixel((0, 0), 0)  # transparent black
    im.putpixel((1, 0), 1)  # opaque red
    im.info["transparency"] = 0
    buf = io.BytesIO()
    im.save(buf, format="PNG", transparency=0)
    rgb = validate.load_image(buf.getvalue())
    assert rgb.mode == "RGB"
    assert rgb.getpixel((0, 0)) == (255, 255, 255) and rgb.getpixel((1, 0)) == (255, 0, 0)
