"""Phrasings found with the sixth case sets (edits_dev8, conversations_dev8): each test is a
mechanism, not one case: a value stuck to the changed thing, opposite values, traditional
characters given back as written, Chinese arrows, removal said in pieces, Cantonese, greetings,
hedged wishes and a whole new description."""

from __future__ import annotations

import pytest

from agent.engine import Agent
from agent.intents import parse
from agent.types import Reply, Turn
from settings import Settings
from tools.rewrite.rules import apply_rules
from tools.spelling import respell
from tools.text import simplified


@pytest.fixture
def agent(settings: Settings) -> Agent:
    return Agent(settings)


def say(agent: Agent, text: str) -> Reply:
    return agent.handle_turn(Turn(user="cli:kim", text=text))


def rewrites(prompt: str, said: str, has: str, lacks: str) -> None:
    """The rules rewrite of ``prompt`` for ``said`` has every ``|``-separated word of ``has``
    and none of ``lacks``."""
    out = apply_rules(prompt, said).prompt
    assert all(h in out for h in has.split("|")), out
    assert not any(w and w in out for w in lacks.split("|")), out


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    # the old value of the thing that changed, wherever it stands
    ("厨房的橱柜是白色的，现代简约", "橱柜弄成墨绿色", "墨绿", "白色"),
    ("a wooden rowboat painted blue, tied to a dock", "make the rowboat red", "red", "blue"),
    # ... and only that thing's: the other things keep theirs
    ("a red car and a white bus at an intersection", "make the bus yellow", "red car", "white"),
    # opposite values: the new one takes out the one it contradicts
    ("a man with a neutral expression sitting at a cafe table", "make him laugh", "laugh",
     "neutral"),
    ("a cup of coffee on a saucer, cold, no steam", "make it steaming hot", "steaming", "cold"),
    ("桌上有一根没点着的蜡烛和一本旧书，暗调", "把蜡烛点上", "点燃的蜡烛", "没点"),
    ("a cozy bakery at night with the lights off", "把灯打开", "lit", "lights off"),
    # arrows, in Chinese: the words before become those after
    ("一只白鹭站在稻田里，清晨的薄雾", "白鹭->灰鹤", "灰鹤", "白鹭"),
    ("湖边有一只天鹅，清晨，薄雾", "一只->五只", "五只天鹅", "一只"),
    ("厨房的橱柜是深棕色的，大理石台面", "橱柜深棕->雾霾蓝", "雾霾蓝", "棕"),
    ("一辆白色的车停在路边", "车->红色", "红色的车", "白色"),
    # "thing from old to new" without a verb
    ("a bouquet of white lilies wrapped in brown paper",
     "paper from brown to black, lilies stay white", "white lilies wrapped in black paper",
     "brown"),
    # removal said in pieces
    ("菜园里种着番茄，中间放着一辆装满土的手推车", "手推车挡着了，删掉", "番茄", "手推车"),
    ("一碗红烧牛肉面，上面撒着香菜", "我不吃香菜，去掉", "牛肉面", "香菜"),
    ("客厅墙上挂着一幅画，下面是一个电视柜和电视，北欧风", "电视跟电视柜都删了吧", "北欧风",
     "电视"),
    ("我家主子（一只布偶猫）戴着铃铛项圈趴在窗台上", "铃铛项圈摘掉吧", "窗台", "项圈"),
    ("新娘捧着花束站在一辆老爷车旁边", "是不是可以不要那辆车？", "花束", "车"),
    ("a board game table with dice, cards, a bowl of chips and two soda cans",
     "the snacks are messy, drop the chips and the cans", "dice", "cans"),
    ("a man holding an umbrella in the rain", "Cut the umbrella.", "in the rain", "umbrella"),
    ("a woman with long hair", "cut her hair", "short hair", "long"),
    ("a woman walking a dalmatian on a leash through a city park", "lose the dog", "park",
     "leash"),
    # things put somewhere, with verbs people use
    ("a minimalist living room with a grey linen sofa, oak floor",
     "hang a large abstract painting above the sofa", "painting above the sofa", "large grey"),
    ("a three-masted schooner on a choppy grey sea", "put a lighthouse off the port bow",
     "lighthouse", "with the port"),
    ("一把机械键盘放在木桌上，暗色背景", "键盘改白色", "白色的键盘", "键盘改"),
])
def test_changes_said_this_way(prompt: str, said: str, has: str, lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


def test_a_prompt_in_traditional_characters_keeps_them() -> None:
    out = apply_rules("一間藍色嘅茶餐廳，門口有招牌，舊香港風格", simplified("招牌改成綠色")).prompt
    assert "茶餐廳" in out and "舊香港風格" in out  # the user's own characters
    assert "綠色" in out and "绿" not in out  # the new words in theirs too


@pytest.mark.parametrize(("said", "means"), [
    ("背景轉咗做海邊啦", "背景换成海边"), ("幫佢戴返條紅色頸巾", "戴上一条红色颈巾"),
    ("再嚟一張", "再来一张"), ("畫一隻柴犬坐喺天台度", "坐在天台"),
    ("門口嗰架單車換咗做電單車得唔得", "自行车换成摩托车"),
])
def test_cantonese_is_read_as_mandarin(said: str, means: str) -> None:
    assert means in respell(simplified(said))


@pytest.mark.parametrize("said", [
    "hello there, nice to meet you!", "goodbye, have a lovely evening!", "namaste 🙏",
    "that's a wrap, everybody", "aye, that'll do. fair winds to you", "当当当！",
])
def test_greetings_and_goodbyes_make_no_picture(agent: Agent, said: str) -> None:
    assert say(agent, "a lighthouse on a rocky cliff at dusk").images
    reply = say(agent, said)
    assert not reply.images and not reply.error


@pytest.mark.parametrize(("said", "kind"), [
    ("I'm not sure... maybe a small deer near the trees?", "edit"),
    ("graffiti all over the walls", "edit"),
    ("姐妹们帮我加点氛围感！窗外下小雨那种", "edit"),
    ("a teapot shaped like a snail, ceramic, product photo on a white background", "generate"),
    ("what is a deer?", "question"),
])
def test_what_a_message_to_a_picture_asks_for(said: str, kind: str) -> None:
    assert parse(said, has_image=True, images=1,
                 current="a cozy cabin in a pine forest, storybook illustration").kind == kind


def test_asking_for_a_picture_without_saying_of_what(agent: Agent) -> None:
    reply = say(agent, "你好呀，能帮阿姨画个图吗")
    assert not reply.images and not reply.error and reply.text


def test_one_request_inside_a_long_story(agent: Agent) -> None:
    assert say(agent, "a lighthouse on a rocky cliff at dusk, dramatic clouds").images
    reply = say(agent, "so I was showing this to my brother last night and he said it reminded "
                       "him of a trip we took as kids, the one where the car broke down and we "
                       "waited four hours for a tow truck, anyway he's into boats now, and "
                       "honestly I think it would be way better with a little red fishing boat "
                       "on the water below the cliff, but yeah, everyone's fine")
    prompt = reply.images[0].prompt
    assert "lighthouse" in prompt and "fishing boat" in prompt
    assert "truck" not in prompt and "brother" not in prompt


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    ("a ceramic vase of dried flowers on a shelf", "change the vase to hammered copper",
     "hammered copper vase", "ceramic"),
    ("a wooden dining table in a loft", "make the table solid marble", "solid marble dining table",
     "wooden"),
    ("a red fox crouching in tall snowy grass", "actually make it an arctic hare, same crouch",
     "an arctic hare crouching", "red"),
    ("a red car on a road", "replace the car with a motorcycle", "a red motorcycle", "car"),
    ("a wooden front door painted red on a brick cottage", "门改成深绿色", "dark green", "painted"),
    ("a wooden rowboat painted blue, tied to a dock", "red boat", "red wooden rowboat", "blue"),
    ("a skateboard ramp made of plywood in a backyard", "concrete ramp instead", "concrete ramp",
     "plywood"),
    ("a girl with blonde hair in a blue jacket", "give her red hair", "blue jacket", "blonde"),
    ("a close-up of a chess board with a white knight", "Shot note: lose the knight",
     "chess board", "knight"),
    ("a lighthouse on a rocky cliff, stormy sea",
     "put a small sailboat out on the water fighting the waves", "sailboat on the water", "out"),
    ("a florist arranging a bouquet, a cat sleeping on the counter beside her",
     "the cat keeps distracting from the flowers, maybe we could take it out?", "bouquet", "cat"),
])
def test_more_changes_said_this_way(prompt: str, said: str, has: str, lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    ("a big rig truck on an empty highway, photo", "night time, headlights on",
     "lit headlights", "headlights on,"),
    ("a living room, evening", "turn the floor lamp on", "lit floor lamp", "an on"),
    ("a golden retriever puppy on an exam table, looking nervous", "make him happy",
     "happy golden retriever", "looking"),
    ("a tailor's dummy wearing a navy suit jacket", "drape a measuring tape over the shoulders",
     "measuring tape over the shoulders", "drape"),
    ("a chocolate cake on a marble counter", "instead of the cake put a stack of pancakes",
     "pancakes", "chocolate"),
])
def test_lights_moods_and_things_laid_on(prompt: str, said: str, has: str, lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


@pytest.mark.parametrize(("said", "means"), [
    ("can add a plate of satay also lah", "add a plate of satay"),
    ("make it rain outside can or not", "make it rain outside"),
    ("another one leh", "another one"),
])
def test_singlish_particles_are_not_part_of_the_request(said: str, means: str) -> None:
    assert respell(said) == means


@pytest.mark.parametrize("said", ["wah shiok", "gg"])
def test_singlish_praise_makes_no_picture(agent: Agent, said: str) -> None:
    assert say(agent, "a hawker centre stall selling chicken rice").images
    reply = say(agent, said)
    assert not reply.images and not reply.error


def test_a_hedged_change_is_not_a_new_picture(agent: Agent) -> None:
    assert say(agent, "a cozy cabin in a pine forest, smoke from the chimney, autumn").images
    reply = say(agent, "maybe a bit more... wintery? like there could be snow, if that's ok")
    assert reply.images and "cabin" in (reply.images[0].prompt or "")


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    ("an orange cat sleeping on a windowsill, cozy afternoon", "把 background 换成 beach",
     "orange cat sleeping on a beach", "windowsill"),
    ("一套青瓷茶具放在竹席上，茶壶冒着热气", "茶具换成紫砂的", "紫砂茶具", "青瓷"),
    ("a Scandinavian kitchen with white marble countertops",
     "Correction to the last change: marble should be black, not white.",
     "black marble countertops", "white"),
])
def test_parts_named_in_english_and_corrections(prompt: str, said: str, has: str,
                                                lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


@pytest.mark.parametrize(("said", "kind"), [
    ("这张放大一下 高清", "upscale"), ("帮我放大2倍", "upscale"), ("把猫放大一下", "edit"),
    ("banger. cheers", "chat"),
])
def test_upscale_said_in_chinese_and_a_cheer(said: str, kind: str) -> None:
    assert parse(said, has_image=True, images=2, current="一只猫坐在窗台上").kind == kind


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    # a style said as the thing the picture is made as
    ("a skateboarder in mid-air over a gap, photo, golden hour",
     "make it look like a 90s skate zine, photocopy grain", "skateboarder", "photo,"),
    ("a birthday cake with candles, photorealistic, studio lighting",
     "as a cute kawaii sticker with a white border", "kawaii sticker", "photorealistic"),
    ("a cyclist on a mountain road, realistic, cinematic",
     "Make it a stained-glass window, lead lines and all.", "stained-glass", "realistic"),
    ("a cat on a sofa", "make it a dog", "a dog on a sofa", "style"),
    # what is said to be beyond, in Chinese
    ("一位老渔夫坐在船上，背后是平静的湖面，水墨画", "背后换成惊涛骇浪的大海",
     "背后是惊涛骇浪的大海", "湖面"),
    ("一只猫坐在窗台上", "窗外改成下雪的森林", "窗外是下雪的森林", "一只下雪"),
    ("a cozy cabin in a pine forest", "背后换成下雪的山", "cabin", "背后"),
])
def test_a_style_as_a_frame_and_what_is_beyond(prompt: str, said: str, has: str,
                                               lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    ("an old wizard with a long white beard", "longer beard", "very long white beard", "xx"),
    ("一把机械键盘放在大理石上，RGB灯光，暗色背景", "去掉RGB", "键盘", "RGB"),
    ("a dwarf blacksmith hammering a sword on an anvil", "this card needs three dwarves, not one",
     "three dwar", "a dwarf"),
    ("a single goldfish in a round glass bowl", "three goldfish instead of one",
     "three goldfish", "single"),
])
def test_more_of_a_quality_and_counts(prompt: str, said: str, has: str, lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    ("a baker standing behind the counter with arms crossed",
     "let him hold a tray of fresh croissants", "baker holding a tray", "with hold"),
    ("a baker standing behind the counter", "have him holding a tray of croissants",
     "a baker holding", "a holding"),
    ("a girl in a park", "make her hug a teddy bear", "girl hugging a teddy bear", "huging"),
    ("一只柴犬坐在草地上，蓝天白云", "改成在草地上奔跑", "柴犬在草地上奔跑", "坐"),
    ("一只柴犬站在草地上", "改成坐着", "柴犬坐在草地上", "站"),
])
def test_what_they_do_said_this_way(prompt: str, said: str, has: str, lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    ("sneakers floating over a city at night", "add some lightning around them", "lightning",
     "add some"),
    ("a red fox in deep snow, telephoto", "heavy blizzard", "blizzard", "deep"),
    ("a man walking in heavy rain", "make it sunny", "sunny", "heavy"),
])
def test_the_weather_in_the_users_own_word(prompt: str, said: str, has: str, lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


@pytest.mark.parametrize(("said", "kind"), [
    ("是不是可以在路边加一张长椅？", "edit"), ("get rid of the headphones bruh", "edit"),
    ("my boy holding his food bowl in his mouth", "edit"),
    ("deep oxblood red walls, like a classic gallery", "edit"),
    ("我想要狗看起来很开心的样子", "edit"), ("要是木桶就好了", "edit"),
    ("这张图是什么风格？", "describe"),
])
def test_wishes_for_this_picture_are_changes(said: str, kind: str) -> None:
    assert parse(said, has_image=True, images=1,
                 current="a dog lying on the lawn by beige walls").kind == kind
