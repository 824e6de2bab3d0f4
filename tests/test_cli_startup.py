"""How `bot.py chat` starts: a piped chat whose first line draws nothing imports no
diffusers; one that may draw warms the picture model while the agent is built."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from channels.cli import may_draw

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("line, draws", [
    ("a red car", True), ("一只猫", True), ("/image cat.png make it blue", True),
    ("/vary 2", True), ("make it blue", True),
    ("/history", False), ("/help", False), ("/settings steps 4", False), ("", False),
    ("/export 3 out.png", False), ("save #3 as out.png", False), ("quit", False),
])
def test_which_first_lines_warm_the_picture_model(line: str, draws: bool) -> None:
    assert may_draw(line) is draws


def _imports(tmp_path: Path, model_cache: Path, line: str) -> tuple[str, str]:
    env = {**os.environ, "IMAGECHAT_HOME": str(tmp_path / "home"),
           "IMAGECHAT_MODEL_CACHE": str(model_cache), "IMAGECHAT_PROFILE": "tiny",
           "IMAGECHAT_DEVICE": "cpu", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    env.pop("IMAGECHAT_BROKER_URL", None)
    done = subprocess.run([sys.executable, "-X", "importtime", str(ROOT / "bot.py"), "chat",
                           "--json"], input=line + "\n", capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, done.stderr


def test_a_piped_history_imports_no_diffusers(tmp_path: Path, model_cache: Path) -> None:
    out, imports = _imports(tmp_path, model_cache, "/history")
    assert '"error": false' in out or '"text"' in out
    assert "| diffusers\n" not in imports and "| torch\n" not in imports


@pytest.mark.slow
def test_a_piped_picture_still_comes(tmp_path: Path, model_cache: Path) -> None:
    out, imports = _imports(tmp_path, model_cache, "a red car")
    assert '"images": [{' in out
    assert "| diffusers\n" in imports
