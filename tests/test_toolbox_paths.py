"""The agent's tools on the paths a conversation rarely takes, checked in the reply a user
reads: a negative prompt set, refused and shown in recipes; what changed between two pictures,
in English and Chinese; questions about a photo, which has no seed; the library's search
results used by number, out of range or as a plain reference; recipes of upscaled pictures.
"""

from __future__ import annotations

import pytest

from agent.engine import Agent
from agent.types import Attachment, Reply, Turn
from settings import Settings
from storage import repo
from tests.pictures import png


@pytest.fixture
def agent(settings: Settings) -> Agent:
    return Agent(settings)


def say(agent: Agent, text: str, photo: bool = False) -> Reply:
    attachments = [Attachment(png((200, 30, 30)), "photo.png")] if photo else []
    return agent.handle_turn(Turn(user="cli:alice", text=text, attachments=attachments))


def numbers(agent: Agent) -> list[tuple[int, str, str | None]]:
    with agent.storage.db.session() as s:
        conv = repo.current_conversation(s, repo.get_user(s, "cli:alice"))
        return [(i.number, i.kind, i.negative_prompt) for i in repo.list_images(s, conv)]


def test_a_negative_prompt_is_set_shown_used_and_refused_when_too_long(agent: Agent) -> None:
    assert say(agent, "undo").text == "There is nothing to undo yet."
    done = say(agent, "/settings negative blurry, watermark")
    assert not done.error and "negative prompt: blurry, watermark" in done.text
    assert "negative prompt: blurry, watermark" in say(agent, "/settings").text
    made = say(agent, "a red car")
    assert made.images and made.images[0].negative_prompt == "blurry, watermark"
    assert numbers(agent) == [(1, "generated", "blurry, watermark")]
    recipe = say(agent, "what changed in #1")  # no parent: the whole recipe instead
    assert recipe.text.splitlines()[1:] == ["negative prompt: blurry, watermark",
                                            "64×64 · 4 steps · guidance 5 · model tiny"]
    refused = say(agent, "/settings negative " + "x" * 600)
    assert refused.error and "too long; keep it under 500 characters" in refused.text
    assert "negative prompt: blurry, watermark" in say(agent, "/settings").text  # kept


def test_what_changed_is_said_in_the_users_language(agent: Agent) -> None:
    say(agent, "a red car")
    say(agent, "make it blue")
    assert say(agent, "what changed in #2?").text == (
        "#2 vs #1: added “blue”; removed “red”.\n#2: a blue car")
    say(agent, "一只猫坐在沙发上")
    say(agent, "把猫换成狗")
    diff = say(agent, "#4 和 #3 有什么不同").text
    assert diff.startswith("#") and "“猫”" in diff and "“狗”" in diff
    assert "加了" in diff and "去掉了" in diff


def test_a_photo_has_no_seed_and_its_prompt_is_its_caption(agent: Agent) -> None:
    saved = say(agent, "", photo=True)
    assert not saved.error and "saved as #1" in saved.text
    assert say(agent, "what is the seed of #1").text == (
        "#1 has no seed: it is a picture you gave me.")
    caption = say(agent, "what's the prompt of #1").text
    assert caption.startswith("The prompt of #1: ") and len(caption) > len("The prompt of #1: ")
    recipe = say(agent, "what changed in #1").text  # a photo has no parent
    assert recipe.splitlines()[0].endswith("(your picture)") and recipe.splitlines()[1] == "64×64"


def test_search_results_are_used_by_number_or_refused(agent: Agent) -> None:
    assert say(agent, "use result 1").text == (
        "There is no search to take a result from; search first.")
    empty = say(agent, "find pictures of a beach")
    assert empty.error and "Your picture library is empty" in empty.text
    assert "Added #1 to your library (1 picture)" in say(agent, "add this to my library",
                                                         photo=True).text
    found = say(agent, "find pictures like #1")
    assert found.text.startswith("Found 1 for pictures like #1:\n1. ")
    assert "(score 1.00)" in found.text
    out_of_range = say(agent, "use result 7")
    assert out_of_range.error and out_of_range.text == "The last search has results 1–1, not 7."
    kept = say(agent, "use result 1")
    assert not kept.error and kept.text.startswith("Saved as a reference: #2") and not kept.images
    assert numbers(agent)[-1][:2] == (2, "retrieved")


def test_the_recipe_of_an_upscaled_picture_names_its_method_and_size(agent: Agent) -> None:
    say(agent, "a red car")
    up = say(agent, "upscale #1")
    assert up.images and up.images[0].number == 2
    recipe = say(agent, "recipe of #2").text.splitlines()
    assert recipe[0] == f"#2: a red car (upscaled from #1, seed {up.images[0].seed})"
    assert "method: tiny" in recipe
    assert recipe[-1].startswith("128×128 · 4 steps")


@pytest.mark.xfail(strict=True, reason="'#2 的配方' (the recipe of #2) draws a new picture "
                   "with the prompt '的配方' instead of showing #2's recipe (agent/intents.py)")
def test_asking_for_a_recipe_in_chinese_shows_it_and_draws_nothing(agent: Agent) -> None:
    say(agent, "一只猫坐在沙发上")
    say(agent, "把猫换成狗")
    reply = say(agent, "#2 的配方")
    assert not reply.images and reply.text.startswith("#2: 一只狗坐在沙发上")


@pytest.mark.xfail(strict=True, reason="'show me the picture' draws a new picture with the "
                   "prompt 'the picture' instead of showing the current one (agent/intents.py)")
def test_show_me_the_picture_shows_the_current_one(agent: Agent) -> None:
    say(agent, "a red car")
    reply = say(agent, "show me the picture")
    assert [i.number for i in reply.images] == [1]
