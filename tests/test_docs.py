"""The docs say what the code does: each fact is defined once, and a copy that drifts fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agent import commands
from agent.planner import HELP
from settings import Settings
from tools.profiles import PROFILES

ROOT = Path(__file__).resolve().parents[1]
DOCS = (ROOT / "README.md").read_text() + "".join(
    p.read_text() for p in sorted((ROOT / "docs").glob("*.md")))


@pytest.mark.parametrize("name,env,help_", Settings.documented())
def test_every_setting_is_documented(name: str, env: str, help_: str) -> None:
    assert f"`{name}`" in DOCS and env in DOCS
    assert help_  # each carries its own one-line help


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_profile_is_documented(profile: str) -> None:
    assert f"`{profile}`" in DOCS


@pytest.mark.parametrize("cmd", commands.COMMANDS, ids=lambda c: c.name)
def test_every_command_is_in_help_and_the_readme(cmd: commands.Command) -> None:
    readme = (ROOT / "README.md").read_text()
    assert cmd.name in readme
    if not cmd.channels:  # the agent's own: in its help
        assert cmd.name in HELP
    else:
        assert cmd.name in DOCS


def test_command_sets_come_from_the_table() -> None:
    from agent import engine
    from channels import telegram

    assert engine.SLASH_PLANNED | engine.SLASH_ENGINE == {
        n for c in commands.for_agent() for n in (c.name, *c.aliases)}
    menu = {c.command for c in telegram.BOT_COMMANDS}
    assert menu == {c.word for c in commands.COMMANDS
                    if not c.admin and c.channels in ((), ("telegram",))}
    assert {c.command for c in telegram.ADMIN_COMMANDS} == {"queue", "usage"}
    # what only reads never waits behind the user's picture, in the engine and Telegram alike
    for text in ("/search beach", "/help", "/history", "/settings", "/prompt 2", "/chats"):
        assert commands.is_read_only(text), text
    for text in ("/settings seed 7", "/undo", "/new", "/describe 1", "make it blue"):
        assert not commands.is_read_only(text), text


def test_profile_help_is_built_from_the_profiles() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "bot.py"), "chat", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert all(name in out for name in PROFILES)
    bad = subprocess.run([sys.executable, str(ROOT / "bot.py"), "chat", "--profile", "nope"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_settings_doc_names_no_planner_that_does_not_exist() -> None:
    source = (ROOT / "settings.py").read_text()
    assert "transformers" not in source
