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


def test_a_terminal_shows_progress_on_one_line_then_the_reply(capsys) -> None:
    from agent.types import Action, Progress, Reply, ReplyImage
    from channels.cli import ChatPrinter

    out = ChatPrinter(json_mode=False, interactive=True)
    out.progress(Progress(stage="queued", position=2))
    out.progress(Progress(stage="running", step=3, total=4, label="drawing"))
    out.note("stopping the picture…")
    out.progress(Progress(stage="running", step=4, total=4, label="drawing"))
    out.progress(Progress(stage="done"))
    image = ReplyImage(number=1, path=Path("/p/1.png"), prompt="a red car",
                       negative_prompt=None, seed=7, parent=None, tool="generate", width=64,
                       height=48, image_id=9, conversation_id=1)
    out.reply(Reply(text="Here is #1: a red car\nsecond line", images=[image],
                    actions=[Action("Reroll", "variations of #1"), Action("Undo", "/undo")]))
    captured = capsys.readouterr()
    assert captured.err == ("\r\x1b[K  … queued (position 2)\r\x1b[K  … drawing… step 3/4"
                            "\r\x1b[K  (stopping the picture…)\n\r\x1b[K  … drawing… step 4/4"
                            "\r\x1b[K")
    assert captured.out.splitlines() == [
        "bot> Here is #1: a red car", "     second line", "     #1 64×48 → /p/1.png",
        "     next: variations of #1 · /undo"]
    piped = ChatPrinter(json_mode=False, interactive=False)
    piped.progress(Progress(stage="queued", position=1))  # a pipe gets no progress line
    assert capsys.readouterr().err == ""


def test_a_batch_whose_every_row_fails_exits_1(run_batch, tmp_path: Path) -> None:
    source = tmp_path / "in.tsv"
    source.write_text("a\ta green field\tnot-base64!!\nb\ta red barn\t%%%\n", encoding="utf-8")
    out = tmp_path / "out.tsv"
    code, err = run_batch(str(source), "-o", str(out))
    assert code == 1, err
    assert f"{source}:1: skipped" in err and f"{source}:2: skipped" in err
    assert "0 rows drawn, 2 skipped; wrote 0 image(s)" in err
