"""Batch generation from a TSV, through the real command line."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
from pathlib import Path

from PIL import Image as PILImage

from settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def batch(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"IMAGECHAT_HOME": str(settings.home), "IMAGECHAT_MODEL_CACHE": settings.model_cache,
           "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, str(ROOT / "bot.py"), "batch", *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


def decode(b64: str) -> PILImage.Image:
    image = PILImage.open(io.BytesIO(base64.b64decode(b64)))
    assert image.format == "PNG"
    return image


def test_thirty_rows_two_broken_then_resume(settings: Settings, tmp_path: Path) -> None:
    subjects = ["a red car", "一只猫", "a lighthouse at dusk", "花椰菜", "a castle", "a boat"]
    lines = [f"{i}\t{subjects[i % len(subjects)]} {i}" for i in range(30)]
    lines[7] = "7"  # no text column
    lines[19] = "19\t   "  # empty text
    source = tmp_path / "in.tsv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.tsv"

    first = batch(settings, str(source), "-o", str(out), "--size", "72", "--images",
                  str(tmp_path / "png"))
    assert first.returncode == 0, first.stderr
    assert f"{source}:8: skipped" in first.stderr and f"{source}:20: skipped" in first.stderr
    rows = [r.split("\t") for r in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 28
    assert {r[0] for r in rows} == {str(i) for i in range(30)} - {"7", "19"}
    for idx, text, b64, prompt, seed in rows:
        assert decode(b64).size == (72, 72)
        assert text == lines[int(idx)].split("\t")[1] and prompt and seed == "0"
    # Chinese text reached the model in English, the original kept in the text column
    cat = next(r for r in rows if r[1].startswith("一只猫"))
    assert "cat" in cat[3].lower()
    assert len(list((tmp_path / "png").glob("*.png"))) == 28

    again = batch(settings, str(source), "-o", str(out), "--size", "72")
    assert again.returncode == 0, again.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 28
    assert "wrote 0 image(s)" in again.stderr and "28 already there" in again.stderr


def test_n_images_per_row_and_img2img_column(settings: Settings, tmp_path: Path) -> None:
    buf = io.BytesIO()
    PILImage.new("RGB", (64, 64), (0, 200, 0)).save(buf, format="PNG")
    start = base64.b64encode(buf.getvalue()).decode()
    source = tmp_path / "in.tsv"
    source.write_text(f"a\ta green field\t{start}\nb\ta red barn\nc\tbroken\tnot-base64!!\n",
                      encoding="utf-8")
    out = tmp_path / "out.tsv"
    done = batch(settings, str(source), "-o", str(out), "--n", "2", "--seed", "5")
    assert done.returncode == 0, done.stderr
    rows = [r.split("\t") for r in out.read_text(encoding="utf-8").splitlines()]
    assert sorted((r[0], r[4]) for r in rows) == [("a", "5"), ("a", "6"), ("b", "5"), ("b", "6")]
    assert f"{source}:3: skipped" in done.stderr and "base64" in done.stderr
    a5, a6 = (decode(r[2]) for r in rows if r[0] == "a")
    assert a5.size == (64, 64) and a5.tobytes() != a6.tobytes()


def test_missing_input_is_a_clear_error(settings: Settings, tmp_path: Path) -> None:
    done = batch(settings, str(tmp_path / "nope.tsv"), "-o", str(tmp_path / "o.tsv"))
    assert done.returncode == 1
    assert "nope.tsv" in done.stderr and "Traceback" not in done.stderr
