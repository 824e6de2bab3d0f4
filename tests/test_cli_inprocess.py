"""The terminal chat's plain-text mode and /image, and batch's --n bounds and --beautify,
through ``bot.main`` in-process (so coverage counts them and the run stays fast)."""

# ruff: noqa: F811 - the fixtures imported from the other test module are used by name
from __future__ import annotations

from pathlib import Path

from test_batch import out_rows, run_batch  # noqa: F401 - fixtures
from test_cli import chat  # noqa: F401 - a fixture

from tests.pictures import png


def test_image_command_sends_a_picture_and_the_reply_is_readable(chat, tmp_path: Path) -> None:
    photo = tmp_path / "my photo.png"
    photo.write_bytes(png("blue", 64))
    code, out, err = chat([f'/image "{photo}" make it watercolor', "/image",
                           f"/image {tmp_path / 'missing.png'}", "/image 'unclosed"])
    assert code == 0, err
    lines = out.splitlines()
    made = next(i for i, line in enumerate(lines) if line.startswith("Here is #2: "))
    assert lines[made].endswith(")") and "watercolor" in lines[made]
    assert "(edit of #1, seed " in lines[made]  # the photo is #1, its edit #2
    assert lines[made + 1].startswith("#2 64×64 → ")
    assert Path(lines[made + 1].split(" → ", 1)[1]).is_file()
    assert "Usage: /image PATH [what to do with it]" in lines
    assert f"Cannot read {tmp_path / 'missing.png'}: No such file or directory" in lines
    assert any(line.startswith("Could not read that command") for line in lines)

def test_batch_n_outside_its_bounds_is_refused_before_drawing(run_batch, tmp_path: Path) -> None:
    source = tmp_path / "in.tsv"
    source.write_text("1\ta red car\n", encoding="utf-8")
    out = tmp_path / "out.tsv"
    for n in ("0", "17", "-1"):
        code, err = run_batch(str(source), "-o", str(out), "--n", n)
        assert code == 1 and "--n must be between 1 and 16" in err, err
    assert not out.exists()
    code, err = run_batch(str(source), "-o", str(out), "--n", "16", "--size", "64",
                          "--steps", "1")
    assert code == 0, err
    assert len(out_rows(out)) == 16


def test_batch_beautify_draws_a_richer_prompt_than_the_text(run_batch, tmp_path: Path) -> None:
    source = tmp_path / "in.tsv"
    source.write_text("1\ta red car\n2\ta lighthouse\n", encoding="utf-8")
    out = tmp_path / "out.tsv"
    code, err = run_batch(str(source), "-o", str(out), "--size", "64", "--beautify")
    assert code == 0, err
    for _, text, _, prompt, _, _ in out_rows(out):
        assert prompt != text and text.split()[-1] in prompt
        assert len(prompt.split(",")) > len(text.split(","))
