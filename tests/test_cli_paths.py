"""More of the piped terminal chat (``bot.py chat`` through ``bot.main`` in-process): /export
lines it cannot use, blank lines, and /quit ending the chat before the lines after it."""

# ruff: noqa: F811 - the fixture imported from the other test module is used by name
from __future__ import annotations

from pathlib import Path

from tests.test_cli import chat, replies  # noqa: F401 - the fixture


def test_export_lines_it_cannot_use_say_why_and_save_nothing(chat, tmp_path: Path) -> None:
    code, out, err = chat([
        "a red car",
        "",
        "/export 1 'unclosed",
        f"/export first {tmp_path / 'a.png'}",
        f"/export 1 {tmp_path / 'car.gif'}",
        "/quit",
        "a blue car",  # never read: the chat ended
    ], "--json")
    assert code == 0, err
    made, unreadable, not_a_number, gif = replies(out)  # the blank line gets no reply
    assert made["error"] is False and len(made["images"]) == 1
    assert unreadable["error"] and unreadable["text"].startswith("Could not read that command")
    assert not_a_number["error"] and not_a_number["text"] == (
        "'first' is not a picture number. Usage: /export N PATH")
    assert gif["error"] and gif["text"] == "I can save .png, .jpg or .webp files, not car.gif."
    assert list(tmp_path.glob("*.png")) == [] and list(tmp_path.glob("*.gif")) == []
