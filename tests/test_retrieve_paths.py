"""Retrieval paths a user meets when something is off: an index file that cannot be read,
a second indexer at the same time, query pictures with a palette or transparency."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from errors import NotAvailable
from settings import Settings
from tests.pictures import shapes
from tools.retrieve import IndexBusy, Library


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def test_an_unreadable_index_file_says_to_rebuild_and_rebuild_fixes_it(
        settings: Settings, tmp_path: Path) -> None:
    paths = shapes(tmp_path / "pics", 4, seed=5)
    Library(settings).index_folder(tmp_path / "pics", progress=False)
    [vectors] = list(Library(settings).folder.glob("vectors-*.faiss"))
    vectors.write_bytes(b"this is not a faiss index")
    with pytest.raises(NotAvailable, match=r"cannot be read .*--rebuild"):
        Library(settings).search_image(paths[0], k=1)
    report = Library(settings).index_folder(tmp_path / "pics", progress=False, rebuild=True)
    assert report.total == 4
    assert Library(settings).search_image(paths[0], k=1)[0].path == str(paths[0])


def test_a_second_indexer_is_refused_while_one_runs_and_nothing_changes(
        settings: Settings, tmp_path: Path) -> None:
    shapes(tmp_path / "pics", 3, seed=6)
    running = Library(settings)  # stands in for `bot.py index` in another process
    with running._exclusive(), pytest.raises(IndexBusy, match="another process is updating"):
        Library(settings).index_folder(tmp_path / "pics", progress=False)
    assert Library(settings).count == 0
    assert Library(settings).index_folder(tmp_path / "pics", progress=False).added == 3


def _transparent_square() -> tuple[Image.Image, Image.Image]:
    """(an RGBA picture: a red square on a fully transparent black ground, the same picture
    as a user sees it: the square on white)."""
    rgba = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    rgba.paste((220, 20, 20, 255), (16, 16, 48, 48))
    seen = Image.new("RGB", (64, 64), (255, 255, 255))
    seen.paste((220, 20, 20), (16, 16, 48, 48))
    return rgba, seen


def _palette(rgba: Image.Image) -> Image.Image:
    """The same picture with a palette and a transparent palette entry (a GIF-style PNG)."""
    p = Image.new("P", rgba.size, 0)
    p.putpalette([0, 0, 0, 220, 20, 20] + [0, 0, 0] * 254)
    p.paste(1, (16, 16, 48, 48))
    p.info["transparency"] = 0
    return Image.open(io.BytesIO(_png(p)))


@pytest.mark.parametrize("kind", ["rgba", "palette"])
def test_a_transparent_query_picture_is_seen_on_white(settings: Settings, tmp_path: Path,
                                                      kind: str) -> None:
    rgba, seen = _transparent_square()
    folder = tmp_path / "pics"
    shapes(folder, 3, seed=7)
    seen.save(folder / "on-white.png")
    on_black = Image.new("RGB", (64, 64), (0, 0, 0))
    on_black.paste((220, 20, 20), (16, 16, 48, 48))
    on_black.save(folder / "on-black.png")
    library = Library(settings)
    library.index_folder(folder, progress=False)
    query = _png(rgba) if kind == "rgba" else _png(_palette(rgba))
    best = library.search_image(query, k=1)[0]
    assert best.path == str(folder / "on-white.png") and best.score > 0.999
