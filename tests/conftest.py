"""Shared fixtures: every test gets its own data dir; tiny models are built once per run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from settings import Settings

# Tests never touch the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# Tiny models are 3-10x slower with torch's default threads on a busy 2-core machine; child
# processes (bot.py chat, workers, builders) inherit the same setting through the environment.
torch.set_num_threads(1)
os.environ["OMP_NUM_THREADS"] = "1"


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny-model cache for the whole run, so each tiny model is built once."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def settings(tmp_path: Path, model_cache: Path) -> Settings:
    """Settings for a fresh data dir, the tiny profile, the CPU and the shared model cache."""
    return Settings.load(
        env={}, home=tmp_path / "home", profile="tiny", device="cpu", model_cache=str(model_cache)
    )


@pytest.fixture
def ip_settings(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Settings:
    """The tiny profile plus a tiny IP-Adapter (built locally like the other tiny models)."""
    from tools import models
    from tools.tiny.diffusion import IP_SUBFOLDER, IP_WEIGHT_NAME

    profile = models.replace_profile(
        models.PROFILES["tiny"],
        name="tiny-ip",
        ip_adapter=(models.TINY, IP_SUBFOLDER, IP_WEIGHT_NAME),
    )
    monkeypatch.setitem(models.PROFILES, "tiny-ip", profile)
    return settings.with_(profile="tiny-ip")
