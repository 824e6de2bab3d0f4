"""``bot.py index`` and ``bot.py search`` as a user runs them (subprocesses, tiny profile)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import bot
from storage.library import LibraryCatalog
from tests.pictures import shapes

ROOT = Path(__file__).resolve().parent.parent




@pytest.fixture
def env(tmp_path: Path, model_cache: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("IMAGECHAT_")}
    out.update(
        IMAGECHAT_HOME=str(tmp_path / "home"),
        IMAGECHAT_MODEL_CACHE=str(model_cache),
        IMAGECHAT_PROFILE="tiny",
        IMAGECHAT_DEVICE="cpu",
        HF_HUB_OFFLINE="1",
        OMP_NUM_THREADS="1",  # tiny models on 2 shared cores: one thread is fastest
    )
    return out


def bot_py(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def in_process(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Run ``bot.main`` in this process with the same environment as the subprocesses."""
    for key in [k for k in os.environ if k.startswith("IMAGECHAT_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        if key.startswith("IMAGECHAT_"):
            monkeypatch.setenv(key, value)


def test_index_then_search_by_image_prints_json_with_the_picture_first(
    tmp_path: Path, env: dict[str, str], in_process: None, capsys: pytest.CaptureFixture[str]
) -> None:
    pictures = shapes(tmp_path / "pics", 24, seed=7, webp_every=4)
    (tmp_path / "pics" / "broken.jpg").write_bytes(b"\xff\xd8\xff not really a jpeg")

    # indexing and the text search run in this process (one bot.py launch is enough to show
    # what a user's shell gets: the JSON search below)
    assert bot.main(["index", str(tmp_path / "pics"), "--batch-size", "8"]) == 0
    indexed = capsys.readouterr().out
    assert "added" in indexed and " 24" in indexed
    assert "broken.jpg" in indexed and "exact index" in indexed

    query = pictures[5]
    found = bot_py(env, "search", "--image", str(query), "-k", "5", "--json")
    assert found.returncode == 0, found.stderr
    results = json.loads(found.stdout)  # stdout holds the JSON and nothing else
    assert len(results) == 5
    assert results[0]["path"] == str(query.resolve())
    assert results[0]["score"] == pytest.approx(1.0, abs=1e-4)
    assert all(set(r) == {"path", "score"} for r in results)

    assert bot.main(["search", "海边的日落", "-k", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("1.") and str(tmp_path / "pics") in lines[0]


def test_search_errors_are_one_clear_line_and_a_failing_exit(
    tmp_path: Path, in_process: None, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(*args: str) -> str:
        code = bot.main(list(args))
        err = capsys.readouterr().err
        assert code != 0, args
        assert err.startswith("error: ") and "Traceback" not in err, err
        return err

    assert "index a folder first" in run("search", "猫")
    assert "no pictures" in run("index", str(tmp_path))
    assert "does not exist" in run("index", str(tmp_path / "missing"))

    shapes(tmp_path / "pics", 6, seed=7, webp_every=4)
    assert bot.main(["index", str(tmp_path / "pics")]) == 0
    capsys.readouterr()

    assert "say what to look for" in run("search")
    assert "not both" in run("search", "cat", "--image", str(tmp_path / "pics" / "pic_001.png"))
    assert "k must be between 1 and 1000" in run("search", "cat", "-k", "0")
    assert "k must be between 1 and 1000" in run("search", "cat", "-k", "100000")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    assert "not a readable picture" in run("search", "--image", str(broken))

    # an index made by another model is refused, with the way out
    catalog = LibraryCatalog(tmp_path / "home" / "index" / "default" / "meta.sqlite")
    catalog.set("model", "cn_clip/ViT-H-14")
    catalog.commit()
    catalog.close()
    err = run("search", "猫")
    assert "built with cn_clip/ViT-H-14" in err and "--rebuild" in err
    assert bot.main(["index", str(tmp_path / "pics"), "--rebuild"]) == 0
    assert bot.main(["search", "猫", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out.strip().splitlines()[-1])) == 6
