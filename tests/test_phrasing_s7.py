"""Phrasings found with the seventh case sets (edits_dev9, conversations_dev9): each test is a
mechanism, not one case: the picture written again as the change, corrections said as "not X,
Y", the passive voice, what-ifs, talk that draws nothing, a few words that change the picture,
the look of the thing that is there, characters called by name, Chinese removals and
backgrounds."""

from __future__ import annotations

import pytest

from agent.engine import Agent
from agent.intents import parse
from settings import Settings
from tests.test_phrasing_s6 import rewrites, say


@pytest.fixture
def agent(settings: Settings) -> Agent:
    return Agent(settings)


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    # the whole picture written again: their words are the picture
    ("a woman with long curly red hair, studio portrait",
     "now: a woman with a short red bob, studio portrait", "short red bob|studio portrait",
     "long|curly"),
    ("a cat staring at a goldfish bowl on a table",
     "ok so, a cat asleep beside a goldfish bowl on a table", "asleep beside", "staring"),
    ("a lighthouse on a cliff", "actually I'd like a lighthouse on a rocky island at night",
     "rocky island|night", "cliff"),
    # ... the parts they did not speak of stay, unless theirs say the same kind of thing
    ("a cat on a sofa, cozy living room, sunny afternoon, highly detailed",
     "a cat on a red sofa at night", "red sofa at night|cozy living room|highly detailed",
     "afternoon"),
    ("a bowl of ramen on a wooden table, restaurant background, food photography",
     "now: a bowl of ramen on a wooden table at a street stall on a rainy night",
     "street stall|food photography", "restaurant"),
    ("一只猫在沙发上，水彩画", "一只橘猫睡在红色沙发上，夜晚，水彩", "橘猫|红色沙发|夜晚",
     "水彩画"),
    # a description naming one thing of the picture is not the picture written again
    ("a cat on a sofa", "a red hat on the cat", "sofa|red hat", ""),
    ("a plastic toy robot on a white table", "make it a wooden toy robot, hand carved",
     "wooden|table", "plastic"),
    ("一个男孩背对着镜头看海", "男孩转过身来面向镜头", "海", ""),
])
def test_the_picture_written_again(prompt: str, said: str, has: str, lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    ("a blue bicycle leaning against a brick wall, afternoon", "not blue, green", "green bicycle",
     "blue"),
    ("a blue bicycle leaning against a brick wall, afternoon", "not a wall, a wooden fence",
     "wooden fence|blue bicycle", "wall"),
    ("a red apple on a table", "green, not red", "green apple", "red"),
    ("a man with a hat on a bench", "not a hat, a helmet", "helmet|bench", "hat"),
    ("一张木桌上放着一杯红茶", "不是红茶，是咖啡", "咖啡|木桌", "红茶"),
    ("一张木桌上放着一杯红茶", "用咖啡，不要红茶", "咖啡", "红茶"),
    # not a correction: "X不要了" removes X, "是不是可以…" asks
    ("一位老人坐在公园长椅上喂鸽子，秋天", "鸽子不要了", "老人", "鸽"),
    ("一枚银戒指，特写，黑色背景", "是不是可以换成金的？", "金|戒指", "银"),
])
def test_a_correction_said_as_not_this_but_that(prompt: str, said: str, has: str,
                                                lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


_NOOK = "a cozy reading nook with an armchair, a floor lamp, a rug and a bookshelf"


@pytest.mark.parametrize(("said", "has", "lacks"), [
    ("a sleeping dog should be added at the foot of the chair", "sleeping dog|armchair", ""),
    ("the armchair should be reupholstered in green velvet", "green velvet armchair", ""),
    ("the rug should be removed", "armchair|bookshelf", "rug"),
    ("a vase of flowers should go on the table", "vase of flowers|armchair", ""),
    ("it should be raining outside the window", "rain|armchair", ""),
])
def test_changes_said_in_the_passive(said: str, has: str, lacks: str) -> None:
    rewrites(_NOOK, said, has, lacks)


def test_a_thing_to_be_added_is_not_a_new_picture() -> None:
    intent = parse("a sleeping dog should be added at the foot of the chair", has_image=True,
                   images=1, current=_NOOK)
    assert intent.kind == "edit"


def test_restating_the_picture_refines_it(agent: Agent) -> None:
    say(agent, "a cat on a sofa in a living room, watercolor painting")
    reply = say(agent, "actually I want a ginger cat sleeping on a red sofa in a living room "
                       "at night, watercolor")
    new = reply.images[-1]
    assert "ginger cat sleeping on a red sofa" in new.prompt and "night" in new.prompt
    assert new.prompt.count("sofa") == 1 and "refined from #1" in reply.text


@pytest.mark.parametrize("said", [
    "🔥🔥🔥", "😍👍", "good enough for the farm stand sign, ta", "chapter one cover done. thanks!",
    "that'll do nicely for the menu board", "家人们下期见", "下次再来",
    "Good morning! I give tours at a natural history museum and I'll need a picture for our "
    "leaflet.",
])
def test_reactions_and_goodbyes_make_no_picture(agent: Agent, said: str) -> None:
    say(agent, "a loaf of sourdough on a wooden board")
    reply = say(agent, said)
    assert not reply.images and not reply.error, reply.text


@pytest.mark.parametrize(("said", "kind"), [
    ("harder rim light from behind", "edit"),
    ("all wearing graduation caps", "edit"),
    ("the whole family in matching sweaters", "edit"),
    ("lava flowing at the base of the cliff", "edit"),
    ("reskin the banners to purple with a skull emblem", "edit"),
    # a new picture is still asked for as one, and gibberish is no change
    ("a red fox sleeping in the snow", "generate"),
    ("qwpoeiru zzxv", "unclear"),
])
def test_a_few_words_to_a_picture_change_it(said: str, kind: str) -> None:
    intent = parse(said, has_image=True, images=1,
                   current="a medieval stone fortress with banners on a cliff, concept art")
    assert intent.kind == kind


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    ("a medieval stone fortress with banners on a cliff, game concept art",
     "reskin the banners to purple", "purple banners|fortress", "reskin"),
    ("a medieval stone fortress with stone walls on a cliff",
     "retexture the walls as dark obsidian", "obsidian walls", "retexture"),
    # short-video talk: 安排 puts a thing in, 换上 puts clothes on, 整一个…风 is a style
    ("赛博朋克风的夜市，满街霓虹灯", "家人们，安排一只戴墨镜的柴犬站在摊位前", "柴犬|夜市",
     "家人们|戴着一只"),
    ("一个小哥在厨房炒菜，写实", "家人们 小哥换上厨师服 再整一个卡通风", "穿着厨师服|卡通风格|小哥",
     "上厨师服在"),
    ("一个女孩在公园", "女孩戴上一顶草帽", "戴着一顶草帽|女孩", ""),
])
def test_makers_words(prompt: str, said: str, has: str, lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


def test_a_short_video_makers_new_picture() -> None:
    intent = parse("家人们！今天整一个赛博朋克风的夜市，满街霓虹灯，还在下雨")
    assert intent.kind == "generate" and intent.text.startswith("赛博朋克风的夜市")


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    # what is in the background goes with the words that say it is there
    ("a young wizard holding a staff, library in the background, fantasy illustration",
     "move him to a stormy clifftop", "stormy clifftop in the background|wizard", "library"),
    # "thing: not X, Y", several corrections in one message
    ("a green sofa in a bright living room", "sofa: not green, mustard yellow",
     "mustard yellow sofa", "green"),
    ("a glass vase with sunflowers on a kitchen table", "vase: not glass, hammered metal",
     "hammered metal vase", "glass"),
    ("a yellow taxi in New York, daytime", "not yellow, black; and not daytime, night",
     "black taxi|night", "yellow|daytime"),
    ("一辆蓝色的车停在白天的街上", "别用蓝色，用红色；别白天，要黄昏", "红色的车|黄昏", "蓝"),
    # a colour named as the thing: the old colour, wherever it is
    ("一辆蓝色的车停在白天的街上", "把蓝色换成红色", "红色的车", "蓝"),
    # said aloud, and asked as a what-if
    ("一件红色的毛衣叠在床上", "那个毛衣颜色不好看你给我弄成那个那个灰色的就是浅灰色",
     "浅灰色的毛衣", "红色|那个"),
    ("一个骑士站在草原上，油画", "如果是在火山口呢", "骑士|火山口|油画", "草原"),
    ("一片苹果园，树上挂满红苹果，秋天，阳光", "要是下雪了会怎么样", "苹果园|雪", "会怎么样"),
])
def test_corrections_places_and_what_ifs(prompt: str, said: str, has: str, lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    # where the eyes go is not a new place: the tree stays
    ("a boy reading a book under a tree", "make the boy look up at the sky",
     "looking up at the sky|under a tree", "reading"),
    ("a boy reading a book under a tree",
     "the boy should be looking up at the sky instead of the book", "under a tree", "reading"),
    # how they stood or walked goes with what they did
    ("two children standing side by side on a beach", "make them hug", "hugging on a beach",
     "side"),
    ("一对情侣手牵手走在海边", "让他们拥抱", "拥抱|海边", "手牵手"),
])
def test_a_new_doing_takes_the_old_ones_words(prompt: str, said: str, has: str,
                                              lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    # a change asked as a what-if, several at once
    ("a garden with blooming roses in summer",
     "if it were winter and the roses were covered in snow?", "winter|snow", "summer|if it"),
    ("a lighthouse on a rocky coast", "and what if the light was on?", "lighthouse|lit",
     "an on"),
    ("a castle in the sun, oil painting", "what if it was raining and it was night",
     "rain|night|castle", "what if"),
    ("一座城堡在阳光下，油画", "如果是雨天，而且是晚上呢", "雨|晚上|城堡", "如果"),
    ("a lamp on a desk", "the lamp should be off", "unlit lamp", "should"),
])
def test_what_ifs(prompt: str, said: str, has: str, lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    # a material or colour said without "a" is the thing's, not a new thing
    ("a tall vase with a matte white glaze on a potter's wheel",
     "make it wood-fired stoneware with ash drips", "stoneware vase|ash drips", ""),
    ("a teapot shaped like a snail, ceramic, product photo", "could it be glazed turquoise?",
     "glazed turquoise teapot", ""),
    ("a woman doing warrior pose on a yoga mat in a studio", "the mat should be lavender",
     "lavender yoga mat|woman", ""),
    ("a vase on a table", "make it hammered copper with a green patina",
     "hammered copper vase|green patina", ""),
    # ... but a thing said for a thing is that thing
    ("a dog on a lawn", "make it a fox", "fox on a lawn", "dog"),
    ("a vase of sunflowers on a wooden table", "change the sunflowers to lavender",
     "vase of lavender", "sunflower"),
    ("A wooden wedding arch draped with white roses on the sand",
     "Could the roses be blush pink instead?", "blush pink roses", "white"),
    ("a cup of bubble tea on a desk, cute illustration", "把奶茶换成冰可乐", "cola", "bubble"),
    # Chinese: a look or a part of the thing
    ("清晨的渔港，几艘木头渔船停在码头，海鸥飞过", "船刷成蓝白相间的", "蓝白相间的渔船", ""),
    ("一片稻田，远处有个农舍", "农舍改成蓝色屋顶", "蓝色屋顶的农舍", ""),
    ("一个滑板少年在街头，穿着白T恤，夏天傍晚", "T恤改成格子衬衫", "格子衬衫", "T恤"),
])
def test_the_look_of_the_thing_that_is_there(prompt: str, said: str, has: str,
                                             lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    ("a minimalist living room with a grey velvet sofa, oak floor",
     "sofa in terracotta velvet please", "terracotta velvet sofa", "grey"),
    ("three blue wooden beehives in a lavender field", "only one hive, not three",
     "beehive|lavender field", "three"),
    # a thing the picture does not have, doing something: it comes in, doing it
    ("a DJ booth on a rooftop, a crowd dancing", "confetti falling",
     "confetti falling|DJ booth on a rooftop", "booth falling"),
    ("a detective under a streetlamp in the rain, night, film noir",
     "next take, lose the rain, fog rolling in instead", "fog rolling in|detective under",
     "rain"),
    ("an open observatory dome under the Milky Way", "show the telescope pointing up",
     "telescope pointing up|dome", "show"),
])
def test_things_said_short(prompt: str, said: str, has: str, lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    # a character called by their name is the picture's subject
    ("a fairy queen standing on a cliff edge, flowing gown", "Queen Maelis kneels now",
     "queen kneeling", "standing|Maelis"),
    ("a young knight with short black hair, portrait", "Sir Aldren is older now, grey beard",
     "old knight|grey beard", "young|Aldren"),
    ("a fantasy sword with a steel blade, ornate hilt, concept art",
     "Elara's blade was forged from obsidian", "obsidian blade", "steel|Elara"),
    ("a lake at dawn", "Monet style please", "Monet|lake", ""),
    # full of, and how many are enough
    ("an empty bird feeder hanging from a tree branch", "feeder should be full of seeds",
     "full bird feeder|seeds", "empty"),
    ("三只小鸭子在池塘里游泳，卡通插画", "鸭子只要一只就够了", "一只小鸭子", "三只"),
])
def test_names_and_amounts(prompt: str, said: str, has: str, lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    ("一个戴着草帽的农夫站在麦田里", "帽子要被去掉", "农夫|麦田", "帽"),
    # traditional characters: 戴著 is 戴着, and goes with what is worn
    ("一隻貓戴著紅色領結坐在沙發上", "領結拿掉好了", "貓坐在沙發上", "領結|戴"),
    ("一个博主在卧室里化妆，暖光", "背景给我整一个豪华酒店大堂", "豪华酒店大堂|博主", "卧室"),
    ("一双皮鞋放在白色背景上，电商主图", "背景换成大理石台面", "鞋放在大理石台面上|电商", "白色"),
])
def test_chinese_removals_and_backgrounds(prompt: str, said: str, has: str, lacks: str) -> None:
    rewrites(prompt, said, has, lacks)
