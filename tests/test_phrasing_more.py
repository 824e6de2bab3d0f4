"""More of how people talk to the bot (the seventh round of cases): praise and plans for the
picture that must make no new picture, fillers and reasons around a request, messages in
two languages, structured and reason-first changes. What the user sees: whether a picture
came, and what its prompt holds."""

from __future__ import annotations

import pytest

from agent.engine import Agent
from agent.intents import parse
from agent.types import Reply, Turn
from settings import Settings
from tools.rewrite.rules import apply_rules


@pytest.fixture
def agent(settings: Settings) -> Agent:
    return Agent(settings)


def say(agent: Agent, text: str) -> Reply:
    return agent.handle_turn(Turn(user="cli:sam", text=text))


@pytest.mark.parametrize("said", [
    "good, that's the render for the pitch", "that's a sick ride. thanks",
    "lovely, off to water my own beds now", "perfect, sending it to my armor smith",
    "ok thats fire 🔥", "yyds", "不错，这个光比很舒服", "这样是不是好看一点？你觉得呢",
    "nailed it", "close enough", "much better", "sending this to my team",
    "this is going on my wall", "the client approved it", "还行", "就这个了", "收到",
    "客户很满意", "发给老板看看", "perfect for my thumbnail", "does it look better now?",
])
def test_praise_and_plans_for_the_picture_make_no_picture(agent: Agent, said: str) -> None:
    assert say(agent, "a red vintage car on a coastal road").images
    reply = say(agent, said)
    assert not reply.images and not reply.error


@pytest.mark.parametrize("said", [
    "cozier", "spookier", "moody", "whimsical", "90s vibe", "sleek", "less busy", "warmer",
])
def test_a_look_said_in_one_word_is_still_a_change(said: str) -> None:
    assert parse(said, has_image=True, images=1, current="a cabin in a forest").kind == "edit"


@pytest.mark.parametrize(("said", "kind"), [
    ("hmm 还是撤销吧", "undo"), ("emmm 有点丑 撤销", "undo"),
    ("哈哈 其实白天那张也挺好 回到#2", "goto"),
    ("zoom out, I need to see the boots", "zoom"), ("run it back, another one", "variations"),
    ("one more of those", "variations"), ("是不是可以再来一张", "variations"),
    ("Please confirm which seed picture #1 used.", "info"), ("#2 was better", "goto"),
    ("the previous one was better", "undo"), ("还是第二张好", "goto"), ("pull up #3", "goto"),
    ("revert to #2", "goto"), ("what size is it?", "info"), ("把第二张发给我", "show"),
    ("can you send it as a file?", "faq"), ("今天天气怎么样？", "question"),
    ("hi, long night shift, I just want something relaxing", "unclear"),
])
def test_what_a_message_asks_for(said: str, kind: str) -> None:
    assert parse(said, has_image=True, images=3, origin=1,
                 current="a red car on a street").kind == kind


@pytest.mark.parametrize(("said", "kept"), [
    ("For my new autumn menu: a bowl of mushroom risotto on a white plate", "risotto"),
    ("Reference for my next cosplay: a knight in silver armor", "knight"),
    ("yo draw a pair of high top sneakers", "sneakers"),
    ("a clock showing 10:30", "10:30"), ("a cat 4:3", "cat"),
])
def test_a_first_message_draws_the_picture_not_its_preamble(agent: Agent, said: str,
                                                            kept: str) -> None:
    prompt = say(agent, said).images[-1].prompt
    assert kept in prompt
    assert not any(w in prompt.lower() for w in ("menu:", "cosplay", "yo ", "draw"))


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    ("a golden retriever puppy in a field", "天气 change to snowing", "snow", "天气"),
    ("a panda eating bamboo in a forest", "make him 吃 apple instead", "apple", "吃"),
    ("a mid-century living room with a green sofa", "sofa 换成 velvet emerald green",
     "emerald green velvet sofa", "换成"),
    ("一只猫在沙发上", "把 background 换成 beach", "海边", "background"),
])
def test_a_message_in_two_languages(agent: Agent, prompt: str, said: str, has: str,
                                    lacks: str) -> None:
    say(agent, prompt)
    reply = say(agent, said)
    assert reply.images and has in reply.images[-1].prompt
    assert lacks not in reply.images[-1].prompt


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    ("a Scandinavian kitchen with white cabinets, oak countertops",
     "Cabinets: currently white, should be sage green. Nothing else changes.",
     "sage green cabinets", "white cabinets"),
    ("a kitchen with white cabinets, oak countertops", "Countertop material: oak -> white marble.",
     "white marble countertops", "oak"),
    ("a grey sofa in a bright living room", "the sofa is grey, I want it to be mustard yellow",
     "mustard yellow sofa", "grey"),
    ("a beagle playing on the grass, sunny day", "the grass should be covered in fallen leaves",
     "fallen leaves", "covered in fallen leaves, sunny"),
    ("a perfume bottle with pink liquid", "tint the liquid rose pink", "rose pink liquid",
     "tint"),
    ("a woman doing tree pose on a yoga mat", "could she do warrior pose instead",
     "doing warrior pose", "tree pose"),
    ("a DJ behind turntables", "give the DJ big headphones and a bucket hat", "headphones",
     "DJ big"),
    ("a treehouse in a big oak tree", "can the tree be a cherry blossom tree instead?",
     "cherry blossom tree", "blossoming"),
    ("a treehouse in an oak tree", "can it have two kids climbing the ladder?",
     "two kids climbing the ladder", "can it"),
    ("a shiny robot on a park bench", "turn it into a manga style panel with screentones",
     "robot", "panel"),
    ("a watercolor painting of a barn", "add a soft pastel background",
     "soft pastel background", "pastel drawing"),
    ("three wooden beehives in a lavender field", "paint the hives in pastel yellow, blue and mint",
     "yellow", "three blue"),
    ("three wooden beehives in a lavender field", "add a beekeeper in a white suit",
     "with a beekeeper", "wearing a beekeeper"),
])
def test_more_ways_to_say_a_change(prompt: str, said: str, has: str, lacks: str) -> None:
    out = apply_rules(prompt, said).prompt
    assert has in out and lacks not in out, out


def test_a_thing_said_first_then_add_that(agent: Agent) -> None:
    say(agent, "a corgi sitting on a porch, golden hour")
    reply = say(agent, "my boy always wears a green bandana, add that")
    prompt = reply.images[-1].prompt
    assert "corgi" in prompt and "green bandana" in prompt and "always" not in prompt


def test_a_sentence_in_english_with_a_chinese_word_is_answered_in_english(agent: Agent) -> None:
    say(agent, "a golden retriever puppy in a field")
    reply = say(agent, "天气 change to snowing")
    assert reply.images and reply.text.startswith("Here is")
    assert say(agent, "把背景换成海边").text.startswith("这是")
