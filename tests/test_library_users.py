"""Each chat user searches their own pictures: the operator's indexed folder is theirs unless
they share it (and then its file names stay hidden), uploads join a user's own library on
request, and an index never follows a link out of its folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent.engine import Agent
from settings import Settings
from tests.pictures import png, shapes
from tests.test_agent import say
from tools.retrieve import Library, user_library_name

OPERATOR, BOB = "cli:op", "telegram:2"


@pytest.fixture
def operator_folder(settings: Settings, tmp_path: Path) -> list[Path]:
    paths = shapes(tmp_path / "secret-holiday", 6, seed=3)
    Library.open(settings).index_folder(tmp_path / "secret-holiday", progress=False)
    return paths


def test_the_operators_folder_is_not_searched_by_other_users(settings, operator_folder) -> None:
    agent = Agent(settings)
    mine = say(agent, "find pictures of a beach", user=OPERATOR)
    assert "pic_000" in mine.text or "pic_00" in mine.text  # the operator sees file names
    theirs = say(agent, "find pictures of a beach", user=BOB)
    assert "library is empty" in theirs.text and "pic_" not in theirs.text
    refused = say(agent, "use result 1 as the starting image", user=BOB)
    assert refused.images == [] and "search first" in refused.text


def test_a_shared_folder_is_searchable_without_its_file_names(settings, operator_folder) -> None:
    agent = Agent(settings.with_(library_shared=True))
    found = say(agent, "find pictures of a beach", user=BOB)
    assert "Found" in found.text and "pic_" not in found.text
    assert "secret-holiday" not in found.text
    used = say(agent, "use result 1 as the starting image: a castle", user=BOB)
    assert [i.number for i in used.images] == [2]  # #1 the result, #2 drawn from it
    assert "pic_" not in used.text and "secret" not in used.text


@pytest.mark.parametrize("ask", ["add this to my library", "加入我的图库"])
def test_an_upload_joins_the_users_own_library(settings, ask: str) -> None:
    agent = Agent(settings)
    reply = say(agent, ask, user=BOB, pictures=[png((10, 200, 30))])
    assert "library" in reply.text.lower() and reply.images == []
    found = say(agent, "find pictures like #1", user=BOB)
    assert "Found 1" in found.text
    # another user does not see it
    other = say(agent, "find pictures of a field", user="telegram:3")
    assert "library is empty" in other.text


def test_index_for_a_user_builds_their_library(settings, tmp_path: Path) -> None:
    shapes(tmp_path / "mine", 3, seed=5)
    Library(settings, user_library_name(BOB)).index_folder(tmp_path / "mine", progress=False)
    agent = Agent(settings)
    assert "Found 3" in say(agent, "find pictures of a cat", user=BOB).text
    assert "library is empty" in say(agent, "find pictures of a cat", user="telegram:3").text


def test_links_out_of_the_folder_are_not_indexed(settings, tmp_path: Path) -> None:
    outside = shapes(tmp_path / "private", 2, seed=9)
    folder = tmp_path / "public"
    shapes(folder, 2, seed=1)
    os.symlink(outside[0], folder / "escape.png")
    os.symlink(folder / "pic_000.png", folder / "inside.png")  # a link within stays
    report = Library(settings).index_folder(folder, progress=False)
    assert report.total == 3 and any("outside" in why for _, why in report.skipped)
