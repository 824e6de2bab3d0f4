"""How people type: typos, chat spellings, emoji and Cantonese read back into plain words,
through the agent as a user would send them."""

from __future__ import annotations

import pytest

from agent.engine import Agent
from agent.types import Turn
from settings import Settings
from tools.spelling import mandarin, respell


@pytest.mark.parametrize(("typed", "meant"), [
    ("remov the tree", "remove the tree"),
    ("mak it more autum", "make it more autumn"),
    ("ad som clouds", "add some clouds"),
    ("now its winter and the lake is frozn", "now its winter and the lake is frozen"),
    ("make it nite time", "make it night time"),
    ("remvoe the dog", "remove the dog"),
    ("add a 🦋 on its nose", "add a butterfly on its nose"),
    ("make it 🌧️", "make it rainy"),
    ("↩️ undo", "undo"),
])
def test_typos_and_emoji_read_as_meant(typed: str, meant: str) -> None:
    assert respell(typed) == meant


@pytest.mark.parametrize("typed", [
    "help", "a red vintage car parked outside a diner, 1950s", "female elf ranger",
    "vary strong", "add a chibi zorg", "qwe qwe zzz", "yay!!!", "make it steampunk",
    "ukiyo-e style", "put hat on him",
])
def test_words_a_user_meant_stay(typed: str) -> None:
    assert respell(typed) == typed


def test_the_picture_words_are_preferred() -> None:
    assert respell("ad a small boat on the watr", "a lake at dawn") == \
        "add a small boat on the water"


def test_cantonese_as_mandarin() -> None:
    assert mandarin("个波换做红色嘅") == "那个球换成红色的"
    assert mandarin("唔该晒，正呀") == "谢谢，很好"
    assert mandarin("只要一只猫") == "只要一只猫"  # Mandarin stays


def test_typed_edits_through_the_agent(settings: Settings) -> None:
    agent = Agent(settings)
    first = agent.handle_turn(Turn(user="u", text="a lake with a tree on the shore"))
    assert first.images
    gone = agent.handle_turn(Turn(user="u", text="remov the tree"))
    assert gone.images and "tree" not in gone.images[-1].prompt
    boat = agent.handle_turn(Turn(user="u", text="ad a small boat on the watr"))
    assert boat.images and "boat" in boat.images[-1].prompt
    assert "lake" in boat.images[-1].prompt
    thanks = agent.handle_turn(Turn(user="u", text="唔该晒，正呀"))
    assert not thanks.images
