"""Settings from the environment and config.toml: what an operator types, and the one-line
error they get for a wrong value (never a traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from errors import ConfigError
from settings import Settings


def load(tmp_path: Path, **env: str) -> Settings:
    return Settings.load(env={"IMAGECHAT_HOME": str(tmp_path / "home"), **env})


@pytest.mark.parametrize("text,value", [("1", True), ("yes", True), ("ON", True),
                                        ("0", False), ("no", False), ("off", False)])
def test_true_and_false_in_words(tmp_path: Path, text: str, value: bool) -> None:
    assert load(tmp_path, IMAGECHAT_LIBRARY_SHARED=text).library_shared is value


def test_numbers_are_read_and_checked(tmp_path: Path) -> None:
    s = load(tmp_path, IMAGECHAT_MAX_QUEUE="12", IMAGECHAT_JOB_DEADLINE_S="2.5")
    assert (s.max_queue, s.job_deadline_s) == (12, 2.5)


@pytest.mark.parametrize("name,value,says", [
    ("IMAGECHAT_LIBRARY_SHARED", "maybe", "library_shared must be true or false, got 'maybe'"),
    ("IMAGECHAT_JOB_DEADLINE_S", "soon", "job_deadline_s must be a number, got 'soon'"),
    ("IMAGECHAT_JOB_DEADLINE_S", "7200", "job_deadline_s must be between 0 and 3600 seconds"),
    ("IMAGECHAT_MAX_QUEUE", "lots", "max_queue must be a whole number, got 'lots'"),
])
def test_a_wrong_value_is_one_clear_error(tmp_path: Path, name: str, value: str,
                                          says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, **{name: value})
    assert str(caught.value) == f"setting {says}"


def test_config_file_values_and_its_errors(tmp_path: Path) -> None:
    config = tmp_path / "imagechat.toml"
    config.write_text("max_queue = 3\nlibrary_shared = true\n", encoding="utf-8")
    s = load(tmp_path, IMAGECHAT_CONFIG=str(config))
    assert (s.max_queue, s.library_shared) == (3, True)
    config.write_text("max_queue = 3\nmax_quuee = 4\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"imagechat.toml: unknown setting\(s\) max_quuee"):
        load(tmp_path, IMAGECHAT_CONFIG=str(config))
    with pytest.raises(ConfigError, match=r"config file .*nowhere.toml does not exist"):
        load(tmp_path, IMAGECHAT_CONFIG=str(tmp_path / "nowhere.toml"))
    config.write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError, match="cannot read config file"):
        load(tmp_path, IMAGECHAT_CONFIG=str(config))
