"""The sd-turbo profile end to end on full-size random-weight copies of its real models
(``scripts/shadow_hub.py``), offline, on the CPU. Slow: the first run builds ~8 GB into
``<model cache>/shadow-hub`` (or ``$IMAGECHAT_SHADOW_HUB``) and keeps it for the next."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_sd_turbo_profile_runs_end_to_end_on_its_real_architectures(tmp_path):
    out = tmp_path / "rows.json"
    cmd = [sys.executable, str(ROOT / "scripts" / "shadow_hub.py"), "run",
           "--profile", "sd-turbo", "--keep", "--size", "128", "--json", str(out)]
    if os.environ.get("IMAGECHAT_SHADOW_HUB"):
        cmd += ["--cache", os.environ["IMAGECHAT_SHADOW_HUB"]]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    rows = json.loads(out.read_text()) if out.exists() else []
    failed = [r for r in rows if not r["ok"]]
    assert done.returncode == 0 and rows and not failed, (
        done.stdout[-3000:] + done.stderr[-3000:])
    steps = {r["step"]: r["detail"] for r in rows}
    assert set(steps) == {"generate", "refine", "instruct", "beautify", "translate",
                          "retrieve", "describe"}
    assert steps["generate"].startswith("128x128")
    assert "AutoencoderTiny" in steps["generate"]  # the CPU default decoder
    assert "cn_clip/ViT-B-16" in steps["retrieve"]
    assert steps["describe"].startswith("Salesforce/blip-image-captioning-base")
