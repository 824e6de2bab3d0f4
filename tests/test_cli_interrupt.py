"""Ctrl-C in the terminal chat: the first stops the picture and returns to the prompt, the
second leaves at once and cleanly. A real ``bot.py chat`` process gets real SIGINTs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLOW_PICTURE = ["/settings steps 150", "/settings size 256"]  # ~10 s on the tiny profile


class Chat:
    def __init__(self, tmp_path: Path, model_cache: Path):
        env = {**os.environ, "IMAGECHAT_HOME": str(tmp_path / "home"),
               "IMAGECHAT_MODEL_CACHE": str(model_cache), "IMAGECHAT_PROFILE": "tiny",
               "IMAGECHAT_DEVICE": "cpu", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT),
               "OMP_NUM_THREADS": "1"}
        env.pop("IMAGECHAT_BROKER_URL", None)
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bot.py"), "chat", "--new", "--json"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env, cwd=str(ROOT))

    def say(self, text: str) -> None:
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def reply(self, timeout: float = 120) -> dict:
        line = self.proc.stdout.readline()  # the process's own timeout guards the test
        assert line, self.proc.stderr.read()
        return json.loads(line)


@pytest.fixture
def chat(tmp_path: Path, model_cache: Path):  # noqa: ANN201
    c = Chat(tmp_path, model_cache)
    yield c
    if c.proc.poll() is None:
        c.proc.kill()
        c.proc.wait()


def start_slow_picture(chat: Chat) -> None:
    assert chat.reply()["text"].startswith("Started a new conversation")
    chat.say("a cat")  # loads the models
    assert chat.reply()["images"]
    for line in SLOW_PICTURE:
        chat.say(line)
        assert not chat.reply()["error"]
    chat.say("a red car")
    time.sleep(2)  # the picture is being drawn


@pytest.mark.slow
def test_ctrl_c_stops_the_picture_and_returns_to_the_prompt(chat: Chat) -> None:
    start_slow_picture(chat)
    chat.proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    stopped = chat.reply()
    assert time.monotonic() - started < 1.5
    assert stopped["text"].startswith("Stopped") and not stopped["images"]
    chat.say("history")  # the chat goes on; the stopped picture was never stored
    assert "#2" not in chat.reply()["text"]
    chat.proc.stdin.close()
    assert chat.proc.wait(30) == 0


@pytest.mark.slow
def test_a_second_ctrl_c_leaves_at_once_and_cleanly(chat: Chat) -> None:
    start_slow_picture(chat)
    chat.proc.send_signal(signal.SIGINT)
    time.sleep(0.05)
    chat.proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    assert chat.proc.wait(5) == 130
    assert time.monotonic() - started < 1.5
    err = chat.proc.stderr.read()
    assert "terminate called" not in err and "Traceback" not in err, err
