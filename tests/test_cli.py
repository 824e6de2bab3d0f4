"""The terminal chat (``bot.py chat``) piped and with --json, /export, and start-up checks,
through ``bot.main`` in-process with the real agent and the tiny profile."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image as PILImage

import bot
from settings import Settings


@pytest.fixture
def chat(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         settings: Settings):
    """``chat(lines, *args)`` -> (exit status, stdout, stderr) of a piped ``bot.py chat``."""
    for name in ("IMAGECHAT_CONFIG", "IMAGECHAT_PROFILE", "IMAGECHAT_DEVICE", "IMAGECHAT_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IMAGECHAT_MODEL_CACHE", settings.model_cache)

    def run(lines: list[str], *args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{x}\n" for x in lines)))
        code = bot.main(["chat", "--user", "tester", *args, "--home", str(settings.home),
                         "--profile", "tiny", "--device", "cpu"])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def replies(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_json_replies_say_error_size_and_conversation(chat) -> None:
    code, out, err = chat(["a red car", "/prompt 9", "/settings steps 100000"], "--json")
    assert code == 0, err
    made, missing, refused = replies(out)
    assert made["error"] is False and isinstance(made["conversation_id"], int)
    image = made["images"][0]
    with PILImage.open(image["path"]) as picture:
        assert (image["width"], image["height"]) == picture.size
    assert image["number"] == 1 and image["prompt"] and "seed" in image
    assert missing["error"] is True and missing["images"] == []
    assert refused["error"] is True, refused


def test_a_piped_json_run_continues_the_conversation_unless_new(chat) -> None:
    first = replies(chat(["a red car"], "--json")[1])[0]
    again = replies(chat(["make it blue"], "--json")[1])[0]
    assert again["conversation_id"] == first["conversation_id"]
    assert (again["images"][0]["number"], again["images"][0]["parent"]) == (2, 1)
    started, fresh = replies(chat(["a boat"], "--json", "--new")[1])
    assert started["error"] is False and fresh["conversation_id"] != first["conversation_id"]
    assert fresh["images"][0]["number"] == 1


def test_chat_help_tells_about_continuing_and_new(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        bot.main(["chat", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "continues your current conversation" in text and "--new" in text
    assert "/export N PATH" in text and '"error"' in text and '"width"' in text


def test_export_writes_a_copy_where_the_user_says(
        chat, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "pics").mkdir()
    existing = tmp_path / "taken.png"
    existing.write_bytes(b"mine")
    code, out, err = chat([
        "a red car",
        "/export 1 ~/pics/car.png",
        "save #1 as ~/pics/car.jpg",
        f"/export 1 {existing}",
        "/export 1 ~/no/such/folder/x.png",
        "/export 7 ~/pics/seven.png",
        "/export 1",
        "把#1保存到 ~/pics/",
    ], "--json")
    assert code == 0, err
    made, png, jpg, taken, no_folder, seven, usage, into_folder = replies(out)
    source = Path(made["images"][0]["path"])
    assert png["error"] is False and str(tmp_path / "pics" / "car.png") in png["text"]
    assert (tmp_path / "pics" / "car.png").read_bytes() == source.read_bytes()
    with PILImage.open(tmp_path / "pics" / "car.jpg") as picture:
        assert picture.format == "JPEG" and picture.size == (made["images"][0]["width"],
                                                             made["images"][0]["height"])
    assert taken["error"] and "already exists" in taken["text"]
    assert existing.read_bytes() == b"mine"
    assert no_folder["error"] and "does not exist" in no_folder["text"]
    assert not (tmp_path / "no").exists()
    assert seven["error"] and not (tmp_path / "pics" / "seven.png").exists()
    assert usage["error"] and "Usage: /export N PATH" in usage["text"]
    assert (tmp_path / "pics" / "picture-1.png").read_bytes() == source.read_bytes()
    assert into_folder["error"] is False


def test_export_in_plain_text_mode(chat, tmp_path: Path) -> None:
    target = tmp_path / "out.png"
    code, out, err = chat(["a red car", f"export #1 to {target}"])
    assert code == 0, err
    assert f"Saved #1 to {target}" in out and target.is_file()


@pytest.mark.parametrize("device", ["tpu", "cuda", "cuda:7", "mps", "gpu"])
def test_a_device_this_machine_lacks_is_refused_at_start_up(
        device: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    if device == "cuda" and torch.cuda.is_available() or torch.cuda.device_count() > 7:
        pytest.skip("this machine has CUDA")
    if device == "mps" and torch.backends.mps.is_available():
        pytest.skip("this machine has MPS")
    monkeypatch.delenv("IMAGECHAT_CONFIG", raising=False)
    source = tmp_path / "in.tsv"
    source.write_text("1\ta cat\n", encoding="utf-8")
    for argv in (["batch", str(source), "-o", str(tmp_path / "out.tsv")], ["chat"]):
        capsys.readouterr()
        code = bot.main([*argv, "--home", str(tmp_path / "home"), "--device", device])
        err = capsys.readouterr().err
        assert code == 2
        assert len(err.strip().splitlines()) == 1 and device in err, err
    assert not (tmp_path / "out.tsv").exists() and not (tmp_path / "home").exists()


def test_a_profile_from_the_environment_is_checked_at_start_up(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IMAGECHAT_CONFIG", raising=False)
    monkeypatch.setenv("IMAGECHAT_PROFILE", "bogus")
    code = bot.main(["chat", "--home", str(tmp_path / "home")])
    err = capsys.readouterr().err
    assert code == 2 and "unknown profile 'bogus'" in err and "tiny" in err
    with pytest.raises(SystemExit) as exit_:  # on the command line argparse refuses it
        bot.main(["chat", "--profile", "bogus"])
    assert exit_.value.code == 2
