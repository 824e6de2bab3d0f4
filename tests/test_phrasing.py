"""Messages as people write them to the bot: a story around the request, a change of mind
half-way, polite wrapping, 'go back to before the sketch'. What the user sees: whether a
picture came, and what its prompt holds."""

from __future__ import annotations

import pytest

from agent.engine import Agent
from agent.types import Reply, Turn
from settings import Settings
from tools.rewrite.rules import apply_rules


@pytest.fixture
def agent(settings: Settings) -> Agent:
    return Agent(settings)


def say(agent: Agent, text: str) -> Reply:
    return agent.handle_turn(Turn(user="cli:pat", text=text))


def test_the_story_around_a_request_stays_out_of_the_prompt(agent: Agent) -> None:
    first = say(agent, "Hi! I'm planning a beach ceremony for a client and need a mood "
                       "picture. A wooden wedding arch draped with white roses on the sand")
    prompt = first.images[-1].prompt
    assert "arch" in prompt and "roses" in prompt
    assert "planning" not in prompt and "client" not in prompt
    pink = say(agent, "Lovely. Could the roses be blush pink instead? The bride hates white.")
    assert "pink" in pink.images[-1].prompt and "bride" not in pink.images[-1].prompt


def test_greeting_and_pleasantries_make_no_picture(agent: Agent) -> None:
    assert not say(agent, "Good morning! I hope you're well.").images
    drawn = say(agent, "Would you mind drawing a little stone cottage with a thatched roof, "
                       "if it's not too much trouble?")
    assert drawn.images and "trouble" not in drawn.images[-1].prompt
    assert "cottage" in drawn.images[-1].prompt
    assert not say(agent, "That's wonderful. Thank you kindly.").images
    assert not say(agent, "Thank you so much, you've been super helpful").images


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    ("a vintage bicycle leaning against a brick wall", "make it red, no actually blue",
     "blue", "red"),
    ("a vintage bicycle leaning against a brick wall",
     "add a basket with flowers, wait, make it bread instead of flowers", "bread", "flowers"),
    ("a red bicycle leaning against a brick wall",
     "paint the wall white... actually leave the wall, make the bike yellow", "yellow", "white"),
    ("a cat on a sofa", "night time. hmm no, early morning", "morning", "night"),
    ("一辆红色的自行车靠在墙边", "改成绿色，不对，蓝色吧", "蓝", "绿"),
])
def test_a_change_of_mind_keeps_the_last_word(prompt: str, said: str, has: str,
                                              lacks: str) -> None:
    out = apply_rules(prompt, said).prompt
    assert has in out and lacks not in out


def test_back_to_before_a_change(agent: Agent) -> None:
    say(agent, "a lighthouse on a cliff")
    say(agent, "add a red boat")
    sketch = say(agent, "make it a pencil sketch")
    assert "sketch" in sketch.images[-1].prompt
    back = say(agent, "Hmm, go back to before the sketch")
    assert not back.images or back.images[-1].number == 2
    assert "#2" in back.text
    again = say(agent, "make it night")
    assert "sketch" not in again.images[-1].prompt and "boat" in again.images[-1].prompt


@pytest.mark.parametrize(("prompt", "said", "gone"), [
    ("a lighthouse on a cliff with seagulls flying overhead", "the birds have to go", "flying"),
    ("a woman with a tattoo on her arm holding a coffee", "no tattoo", "arm"),
    ("a crowd of tourists in front of the eiffel tower", "no people please", "tourists"),
    ("a cat on a windowsill next to a potted cactus", "can you take the plant out", "cactus"),
    ("a desk with a laptop and a stack of papers", "clear the papers off the desk", "stack"),
    ("a portrait of a man with a beard and a mustache", "shave off his beard", "beard"),
    ("a poster with the words SUMMER SALE over a beach", "remove the text", "SALE"),
    ("a cozy cabin with smoke coming out of the chimney", "remove the smoke", "chimney"),
    ("海边的灯塔，天上飞着几只海鸥", "去掉海鸥", "飞"),
    ("公园里有很多游客，中间有一座喷泉", "人都去掉", "游客"),
])
def test_removal_takes_what_only_placed_the_thing(prompt: str, said: str, gone: str) -> None:
    out = apply_rules(prompt, said).prompt
    assert gone not in out and out  # the rest of the picture stays
    assert out.split()[0].strip("，") in prompt or out[:2] in prompt


def test_asks_that_keep_the_picture(agent: Agent) -> None:
    say(agent, "a minimalist living room with a grey sofa, big windows")
    warm = say(agent, "warmer lighting, like evening with the lamps on")
    assert "sofa" in warm.images[-1].prompt  # a change of #1, not a new picture of the words
    alts = say(agent, "love it. can I get a couple of alternates for the deck?")
    assert len(alts.images) == 2 and all("sofa" in i.prompt for i in alts.images)
    assert not say(agent, "lol the sofa is perfect").images
    style = say(agent, "what style is it in?")
    assert not style.images and "sofa" in style.text


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    ("a wooden desk with a green lamp on the left and a stack of books on the right",
     "make the thing on the left red", "red lamp", "green"),
    ("a desk with a lamp on the left, a mug in the middle and books on the right",
     "remove the one in the middle", "books", "mug"),
    ("桌子上左边是一盏绿色的台灯，右边是一摞书", "把左边那个改成红色", "红色的台灯", "绿色"),
    ("a man in a long black coat, holding a cane, foggy street",
     "no cane either, his hands in his pockets", "pockets", "cane"),
    ("a man in a black coat, foggy street", "no fog, a clear evening", "evening", "fog"),
    ("a smiling old troll under a bridge", "he's holding a fishing rod", "smiling", "pose"),
    ("a cozy cabin in the woods",
     "Would you mind adding smoke from the chimney, if it is not too much trouble?",
     "smoke from the chimney", "trouble"),
    ("a cozy cabin in the woods", "do you mind making it night", "night", "mind"),
])
def test_things_named_by_place_and_asides(prompt: str, said: str, has: str, lacks: str) -> None:
    out = apply_rules(prompt, said).prompt
    assert has in out and lacks not in out


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    ("a smiling woman meditating on a wooden deck", "can she be smiling with her eyes closed",
     "eyes closed", "can she"),
    ("a guy doing a kickflip at a skatepark", "make it look like a vhs tape from the 90s",
     "kickflip", "a vhs tape from the 90s with"),
    ("a fishbowl with one goldfish on a windowsill", "three goldfish instead of one",
     "three goldfish ", "goldfishes"),
    ("雪山脚下的高山湖泊，湖边有帐篷，蓝天白云", "改成阴天", "阴天", "蓝天"),
])
def test_more_ways_to_say_a_change(prompt: str, said: str, has: str, lacks: str) -> None:
    out = apply_rules(prompt, said).prompt
    assert has in out and lacks not in out


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    ("a girl reading a book under a tree", "make her look up at the sky", "looking up", "make"),
    ("a couple walking on the beach", "make them hold hands", "holding hands", "with hands"),
    ("a woman waving at the camera",
     "she's holding an umbrella over her head instead of waving", "a woman holding", "waving"),
])
def test_poses_said_with_other_verbs(prompt: str, said: str, has: str, lacks: str) -> None:
    out = apply_rules(prompt, said).prompt
    assert has in out and lacks not in out
