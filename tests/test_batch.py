"""Batch generation from a TSV, through ``bot.main`` (the real command line, in-process)."""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path

import pytest
from PIL import Image as PILImage

import bot
from channels import batch as batch_mod
from errors import NotAvailable
from settings import Settings


@pytest.fixture
def run_batch(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
              settings: Settings):
    """``run_batch(*args)`` -> (exit status, stderr) of ``bot.py batch *args``."""
    for name in ("IMAGECHAT_CONFIG", "IMAGECHAT_PROFILE", "IMAGECHAT_DEVICE", "IMAGECHAT_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IMAGECHAT_MODEL_CACHE", settings.model_cache)

    def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = bot.main(["batch", *args, "--home", str(settings.home), "--profile", "tiny",
                         "--device", "cpu"])
        return code, capsys.readouterr().err

    return run


def decode(b64: str) -> PILImage.Image:
    image = PILImage.open(io.BytesIO(base64.b64decode(b64)))
    assert image.format == "PNG"
    return image


def out_rows(path: Path) -> list[list[str]]:
    return [r.split("\t") for r in path.read_text(encoding="utf-8").splitlines()]


def test_thirty_rows_two_broken_then_resume(run_batch, tmp_path: Path) -> None:
    subjects = ["a red car", "一只猫", "a lighthouse at dusk", "花椰菜", "a castle", "a boat"]
    lines = [f"{i}\t{subjects[i % len(subjects)]} {i}" for i in range(30)]
    lines[7] = "7"  # no text column
    lines[19] = "19\t   "  # empty text
    source = tmp_path / "in.tsv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.tsv"

    code, err = run_batch(str(source), "-o", str(out), "--size", "72", "--images",
                          str(tmp_path / "png"))
    assert code == 0, err
    assert f"{source}:8: skipped" in err and f"{source}:20: skipped" in err
    assert "28 rows drawn, 2 skipped" in err
    rows = out_rows(out)
    assert len(rows) == 28
    assert {r[0] for r in rows} == {str(i) for i in range(30)} - {"7", "19"}
    for idx, text, b64, prompt, seed, recipe in rows:
        assert decode(b64).size == (72, 72)
        assert text == lines[int(idx)].split("\t")[1] and prompt and recipe
        assert int(seed) == batch_mod.row_seed(0, idx)
    # Chinese text reached the model in English, the original kept in the text column
    cat = next(r for r in rows if r[1].startswith("一只猫"))
    assert "cat" in cat[3].lower()
    assert len(list((tmp_path / "png").glob("*.png"))) == 28

    code, err = run_batch(str(source), "-o", str(out), "--size", "72")
    assert code == 0, err
    assert len(out.read_text(encoding="utf-8").splitlines()) == 28
    assert "wrote 0 image(s)" in err and "28 already there" in err


def test_n_images_per_row_and_img2img_column(run_batch, tmp_path: Path) -> None:
    buf = io.BytesIO()
    PILImage.new("RGB", (64, 64), (0, 200, 0)).save(buf, format="PNG")
    start = base64.b64encode(buf.getvalue()).decode()
    source = tmp_path / "in.tsv"
    source.write_text(f"a\ta green field\t{start}\nb\ta red barn\nc\tbroken\tnot-base64!!\n",
                      encoding="utf-8")
    out = tmp_path / "out.tsv"
    code, err = run_batch(str(source), "-o", str(out), "--n", "2", "--seed", "5")
    assert code == 0, err
    rows = out_rows(out)
    a, b = batch_mod.row_seed(5, "a"), batch_mod.row_seed(5, "b")
    assert sorted((r[0], int(r[4])) for r in rows) == [("a", a), ("a", a + 1), ("b", b),
                                                       ("b", b + 1)]
    assert f"{source}:3: skipped" in err and "base64" in err
    a5, a6 = (decode(r[2]) for r in rows if r[0] == "a")
    assert a5.size == (64, 64) and a5.tobytes() != a6.tobytes()


def test_missing_input_is_a_clear_error(run_batch, tmp_path: Path) -> None:
    code, err = run_batch(str(tmp_path / "nope.tsv"), "-o", str(tmp_path / "o.tsv"))
    assert code == 1
    assert "nope.tsv" in err and "Traceback" not in err


@pytest.mark.parametrize("content,what", [
    (b"1\ta cat\n2\ta dog\n3\tcaf\xe9 au lait\n", "not UTF-8"),  # Latin-1
    (b"1\ta cat\n2\ta dog\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\n", "binary file"),
])
def test_a_file_that_is_not_utf8_text_is_refused_naming_file_and_line(
        run_batch, tmp_path: Path, content: bytes, what: str) -> None:
    source = tmp_path / "in.tsv"
    source.write_bytes(content)
    out = tmp_path / "out.tsv"
    code, err = run_batch(str(source), "-o", str(out))
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"{source}:3:" in lines[0] and what in lines[0], err
    assert not out.exists()  # refused before any work


@pytest.mark.parametrize("target", ["folder", "same", "same-spelled-otherwise", "hardlink"])
def test_an_output_that_is_a_folder_or_the_input_is_refused(
        run_batch, tmp_path: Path, target: str) -> None:
    source = tmp_path / "in.tsv"
    source.write_text("1\ta cat\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    if target == "hardlink":
        os.link(source, tmp_path / "link.tsv")
    out = {"folder": str(tmp_path / "sub"), "same": str(source),
           "same-spelled-otherwise": str(tmp_path / "sub" / ".." / "in.tsv"),
           "hardlink": str(tmp_path / "link.tsv")}[target]
    code, err = run_batch(str(source), "-o", out)
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "-o" in err, err
    assert ("folder" if target == "folder" else "input file") in err
    assert source.read_text(encoding="utf-8") == "1\ta cat\n"
    assert list((tmp_path / "sub").iterdir()) == []


@pytest.mark.parametrize("content", ["my notes\nmore notes\n", "one line, no newline"])
def test_an_output_that_is_some_other_file_is_refused(
        run_batch, tmp_path: Path, content: str) -> None:
    source = tmp_path / "in.tsv"
    source.write_text("1\ta cat\n", encoding="utf-8")
    other = tmp_path / "notes.txt"
    other.write_text(content, encoding="utf-8")
    code, err = run_batch(str(source), "-o", str(other))
    assert code == 1 and "not a batch output" in err
    assert other.read_text(encoding="utf-8") == content


def test_exit_status_is_nonzero_when_no_row_was_drawn(run_batch, tmp_path: Path) -> None:
    source = tmp_path / "in.tsv"
    source.write_text("1\n2\t \n", encoding="utf-8")  # every row bad
    code, err = run_batch(str(source), "-o", str(tmp_path / "out.tsv"))
    assert code == 1 and "no usable rows (2 bad)" in err


@pytest.mark.parametrize("error", [NotAvailable("the model x/y is not downloaded"),
                                   RuntimeError("the model x/y is not downloaded")])
def test_a_model_that_cannot_load_stops_the_run_with_status_1(
        run_batch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    calls = []

    def broken(row, seeds, args, settings):  # noqa: ANN001, ANN202
        calls.append(row.idx)
        raise error

    monkeypatch.setattr(batch_mod, "generate_row", broken)
    source = tmp_path / "in.tsv"
    source.write_text("".join(f"{i}\tprompt {i}\n" for i in range(5)), encoding="utf-8")
    code, err = run_batch(str(source), "-o", str(tmp_path / "out.tsv"))
    assert code == 1 and "x/y is not downloaded" in err and "Traceback" not in err
    assert calls == ["0"]  # not once per row


def test_a_header_line_is_skipped_and_no_header_keeps_it(run_batch, tmp_path: Path) -> None:
    source = tmp_path / "in.tsv"
    source.write_text("idx\ttext\n1\ta red car\n", encoding="utf-8")
    out = tmp_path / "out.tsv"
    code, err = run_batch(str(source), "-o", str(out), "--size", "64")
    assert code == 0, err
    assert "header line skipped" in err and "1 rows drawn, 0 skipped" in err
    assert [r[:2] for r in out_rows(out)] == [["1", "a red car"]]

    commented = tmp_path / "c.tsv"
    commented.write_text("# my prompts\n1\ta red car\n", encoding="utf-8")
    code, err = run_batch(str(commented), "-o", str(out), "--size", "64")
    assert code == 0 and "wrote 0 image(s)" in err  # the comment is no row

    code, err = run_batch(str(source), "-o", str(out), "--size", "64", "--no-header")
    assert code == 0, err
    assert sorted(r[1] for r in out_rows(out)) == ["a red car", "text"]

    # a first row that only looks like data is a header when the user says so
    plain = tmp_path / "p.tsv"
    plain.write_text("0\tcolumn names here\n1\ta red car\n", encoding="utf-8")
    code, err = run_batch(str(plain), "-o", str(tmp_path / "p-out.tsv"), "--size", "64",
                          "--header")
    assert code == 0 and [r[0] for r in out_rows(tmp_path / "p-out.tsv")] == ["1"]


def test_each_row_gets_its_own_stable_seed(run_batch, tmp_path: Path) -> None:
    source = tmp_path / "in.tsv"
    source.write_text("1\ta red car\n2\ta red car\n", encoding="utf-8")
    code, err = run_batch(str(source), "-o", str(tmp_path / "a.tsv"), "--size", "64")
    assert code == 0, err
    first = out_rows(tmp_path / "a.tsv")
    seeds = [int(r[4]) for r in first]
    assert seeds[0] != seeds[1] and 0 <= min(seeds) and max(seeds) < 2**31
    assert decode(first[0][2]).tobytes() != decode(first[1][2]).tobytes()  # same text
    # the same --seed gives the same seeds and pixels in another run; another --seed does not
    run_batch(str(source), "-o", str(tmp_path / "b.tsv"), "--size", "64")
    assert out_rows(tmp_path / "b.tsv") == first
    run_batch(str(source), "-o", str(tmp_path / "c.tsv"), "--size", "64", "--seed", "1")
    assert {int(r[4]) for r in out_rows(tmp_path / "c.tsv")}.isdisjoint(seeds)


def test_a_rerun_with_other_options_draws_afresh(run_batch, tmp_path: Path) -> None:
    source = tmp_path / "in.tsv"
    source.write_text("1\ta red car\n2\ta boat\n", encoding="utf-8")
    out = tmp_path / "out.tsv"
    assert run_batch(str(source), "-o", str(out), "--size", "64")[0] == 0
    code, err = run_batch(str(source), "-o", str(out), "--size", "64", "--beautify")
    assert code == 0 and "wrote 2 image(s)" in err and "0 already there" in err
    code, err = run_batch(str(source), "-o", str(out), "--size", "72")
    assert code == 0 and "wrote 2 image(s)" in err
    rows = out_rows(out)
    assert len(rows) == 6 and len({r[5] for r in rows}) == 3  # three recipes
    assert sorted(decode(r[2]).size[0] for r in rows) == [64, 64, 64, 64, 72, 72]
    # the same options again: everything is there already
    code, err = run_batch(str(source), "-o", str(out), "--size", "64", "--beautify")
    assert code == 0 and "wrote 0 image(s)" in err and "2 already there" in err
    # a changed text is drawn again too
    source.write_text("1\ta green car\n2\ta boat\n", encoding="utf-8")
    code, err = run_batch(str(source), "-o", str(out), "--size", "72")
    assert "wrote 1 image(s)" in err and "1 already there" in err


@pytest.mark.parametrize("subjects", [["a red car", "a boat", "a castle"], ["a red car"]])
def test_a_torn_last_line_is_cut_before_resuming(
        run_batch, tmp_path: Path, subjects: list[str]) -> None:
    source = tmp_path / "in.tsv"
    source.write_text("".join(f"{i}\t{s}\n" for i, s in enumerate(subjects, 1)),
                      encoding="utf-8")
    out = tmp_path / "out.tsv"
    assert run_batch(str(source), "-o", str(out), "--size", "64")[0] == 0
    whole = out.read_bytes()
    last_start = whole.rstrip(b"\n").rfind(b"\n") + 1
    out.write_bytes(whole[:last_start + (len(whole) - last_start) // 2])  # crash mid-write

    code, err = run_batch(str(source), "-o", str(out), "--size", "64")
    assert code == 0, err
    assert "cut off" in err and "wrote 1 image(s)" in err
    assert f"{len(subjects) - 1} already there" in err
    rows = out_rows(out)
    assert len(rows) == len(subjects) and out.read_bytes().endswith(b"\n")
    assert sorted(r[0] for r in rows) == [str(i) for i in range(1, len(subjects) + 1)]
    for row in rows:
        assert len(row) == 6 and decode(row[2]).size == (64, 64)
    assert out.read_bytes() == whole  # the same pixels as the first, whole run
