"""Phrasings found with the eighth case sets (edits_dev10, conversations_dev10): each test is a
mechanism, not one case: short Chinese clauses said to a picture, the words a shop or a
short-video maker greets with, dialect praise, more words for taking a thing away, a look
"instead of" the old one, British spellings, things added with where they are."""

from __future__ import annotations

import pytest

from agent.intents import parse
from tests.test_phrasing_s6 import rewrites
from tools.spelling import respell

YARD = "大雪天的东北农村小院，红砖房，门口挂着大红灯笼"
DANCE = "一群大妈在公园广场上跳广场舞，穿红色的衣服，早晨"


@pytest.mark.parametrize(("said", "current", "kind"), [
    # a short Chinese clause that puts something in the picture: a change of it
    ("整只大鹅在院子里溜达", YARD, "edit"),
    ("每人手里拿一把扇子", DANCE, "edit"),
    ("配上一个戴草帽的女孩坐在车头", "一辆红色的敞篷车停在海边公路上", "edit"),
    ("书不要了呢，亲", "白色马克杯放在木桌上，旁边有一本书", "edit"),
    # ... a new thing described from its first thing is a new picture
    ("一只猫在沙发上", DANCE, "generate"),
    ("海边的日落", DANCE, "generate"),
    # praise in dialect, a shop's thanks, "收工": talk, no picture
    ("得劲儿！", YARD, "chat"),
    ("巴适得板", YARD, "chat"),
    ("perfect 收工", YARD, "chat"),
    ("亲，这个就可以了哦，谢谢亲～", YARD, "chat"),
    # "亲手" is "by hand", no greeting
    ("亲手做的蛋糕", DANCE, "generate"),
    # a pilot's "roger", then a change; "now some …" changes the picture
    ("roger. now some low cloud hanging over the peaks",
     "a small plane on a grass airstrip, mountains behind", "edit"),
    ("now draw a boat", "a small plane on a grass airstrip", "generate"),
    ("one more take", "a small plane on a grass airstrip", "variations"),
    ("再来一张哦", DANCE, "variations"),
    # "polish" a thing of the picture is a change, "polish it" the prompt
    ("polish the chrome so it gleams", "a vintage fire engine", "edit"),
    ("polish it", "a vintage fire engine", "beautify"),
    # asking for the prompt, said formally; a remark comparing it with the user's own
    ("Please state the current prompt in full.", "a courtroom interior", "info"),
    ("嗯，跟我们村一个样", YARD, "chat"),
])
def test_what_a_message_to_a_picture_asks_for(said: str, current: str, kind: str) -> None:
    assert parse(said, has_image=True, images=1, current=current).kind == kind


def test_a_reason_said_after_a_chinese_change_is_not_part_of_it() -> None:
    intent = parse("衣服改成粉色的，我们队服是粉的", has_image=True, images=1, current=DANCE)
    assert (intent.kind, intent.text) == ("edit", "衣服改成粉色的")


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    # 东北话 "整": get one; "…那种": the kind said after the thing
    (YARD, "整只大鹅在院子里溜达", "大鹅在院子里溜达|灯笼", "整只"),
    (YARD, "再整个烟囱，冒着烟那种", "冒着烟的烟囱|灯笼", "那种"),
    # a count set where the thing is, after its verb
    (YARD, "灯笼整成两个", "门口挂着两盏大红灯笼", ""),
    # a person added with where they are: a person, not one more car
    ("一辆薄荷绿的敞篷车停在海边公路上，夏天", "配上一个戴草帽的女孩坐在车头",
     "一辆薄荷绿|女孩坐在车头", "两辆|一辆一辆"),
    ("大雪天的东北农村小院，红砖房", "加一只大鹅在院子里溜达", "小院，红砖房，一只大鹅在院子里",
     ""),
    # a bare colour after a change is the changed thing's
    ("一只绿色的恐龙在吃冰淇淋", "冰淇淋变成草莓味的，粉色的", "绿色的恐龙|粉色的冰淇淋", ""),
    ("一只白猫在沙发上", "把猫换成狗，黑色的", "黑色的狗", "白|猫"),
    # a shop's "亲" and a short-video maker's "姐妹们" around a removal
    ("木桌上的马克杯，旁边有一本书", "书不要了呢，亲", "马克杯", "书|亲"),
    ("一个女生拿着一杯奶茶站在樱花树下", "姐妹们奶茶不要了", "樱花", "奶茶|姐妹"),
    ("一位老奶奶在厨房包饺子", "不是这样，我是说让她笑着", "笑", "我是说"),
])
def test_chinese_changes_said_this_way(prompt: str, said: str, has: str, lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    # more words for taking a thing away
    ("a courtroom, wooden judge's bench, tall windows", "Strike the windows entirely.",
     "bench", "window"),
    ("a food truck in a park, a couple of pigeons, sunny", "nix the pigeons actually",
     "food truck", "pigeon|nix|actually"),
    ("a cabin, snow, smoke from the chimney, dusk", "rm the smoke", "cabin", "smoke|rm"),
    ("a dj in a packed club, crowd with hands up, purple lasers",
     "crowd out. empty club", "empty club|lasers", "crowd|packed"),
    ("a red panda on a branch, soft rain, forest", "stop the rain", "forest", "rain"),
    # ... but not what a thing does, nor a way of framing
    ("a closed treasure chest on a beach", "open the chest, gold spilling out", "gold|open", ""),
    ("a lion resting in the savanna", "zoom out", "lion|wide", ""),
    # a look instead of the old one: the old goes (its other parts too), British or not
    ("a vigilante on a rooftop, rain, neon city below, ink and flat colors",
     "make it halftone pop art instead of flat colours", "pop art|ink", "flat"),
    ("a vigilante on a rooftop, rain, neon city below, night", "dawn instead of the night rain",
     "dawn|neon city", "rain|night"),
    # the weather said as an adjective is not said twice
    ("a cat, oil painting, sunny", "make it rainy", "rain", "rainy|sunny"),
])
def test_english_changes_said_this_way(prompt: str, said: str, has: str, lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


@pytest.mark.parametrize(("said", "means"), [
    ("add one chai stall on the left side", "add one chai stall on the left side"),
    ("one umbrella for the chai wala", "one umbrella for the chai wala"),
    ("ad a smal boat", "add a small boat"),  # a typo still is one
])
def test_a_word_from_another_language_is_not_corrected_into_english(said: str,
                                                                     means: str) -> None:
    assert respell(said, "a yellow auto-rickshaw on a busy Mumbai street") == means


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    # what the subject does or where it is now, said as a fact: not a new subject
    ("A tailor is sewing at his workbench, lit by a warm lamp.",
     "he's fallen asleep at the bench, head on the fabric", "tailor|sleeping", "sewing"),
    ("a fishing boat moored in a quiet harbor, cloudy day",
     "the boat is now out in the middle of a storm at sea", "fishing boat|storm at sea",
     "harbor"),
    ("a man running through a park, morning jog, trees",
     "he's stopped and is sitting on a bench catching his breath", "man sitting|bench",
     "running|stopped"),
    ("a cat on a sofa", "it's a dog now", "dog|sofa", "cat"),
    # ... a reason said first, then the change
    ("a soldier standing at attention in front of a flag, parade ground",
     "it's for a memorial poster - have him saluting, head bowed slightly", "soldier|saluting",
     "memorial"),
    ("A newlywed couple in wedding clothes stands on a busy city street.",
     "they got married in Iceland, so put them in front of a black sand beach and a glacier",
     "newlywed couple|black sand beach", "city street|Iceland"),
    ("a three-masted schooner under full sail on a choppy grey sea, oil painting",
     "she's heading into weather. make it stormy with lightning", "schooner|storm", "heading"),
    # Indian English, a lawyer, an abbreviator
    ("an auto rickshaw parked on a busy street in Delhi",
     "Kindly change the rickshaw to a scooter itself", "scooter|Delhi", "rickshaw|itself"),
    ("two brothers standing apart in a wheat field, sunset",
     "Kindly make both brothers hugging each other itself, do the needful",
     "brothers hugging each other", "apart|needful"),
    ("a red sedan parked in front of a suburban house, summer",
     "The vehicle shall be blue; furthermore, the aforementioned house shall be removed.",
     "blue sedan", "house|red|furthermore"),
    ("a desk with a laptop, a coffee mug and a stack of papers, modern office",
     "Remove the aforementioned stack of papers in its entirety.", "laptop|mug", "papers"),
    ("a fountain pen resting on a contract, desk lamp", "Substitute the fountain pen with a wax "
     "seal stamp.", "wax seal stamp|contract", "pen"),
    ("a mug of tea next to a notebook, cafe table", "swap tea 4 hot chocolate",
     "mug of hot chocolate", "tea|4"),
    # a haircut replaces the hair's length and style, its colour stays
    ("portrait of a woman with long straight brown hair, salon lighting",
     "give her a shoulder-length bob instead", "brown hair in a shoulder-length bob", "long"),
    ("portrait of a woman with long brown hair in a ponytail, hair salon",
     "give her a pixie cut and dye it platinum blonde", "platinum blonde hair in a pixie cut",
     "long|ponytail|brown"),
    ("a girl with short hair", "give her braids", "hair in braids", "short"),
    # what it does now, in a verb the pose list does not know
    ("a red panda sleeping on a mossy branch, soft rain",
     "wake it up and have it munching on bamboo leaves", "red panda munching", "sleeping"),
    # a colour said as where it goes, a named green
    ("a dj in a club, purple lasers, smoke", "drop the lasers to green", "green lasers",
     "purple"),
    ("a grey terraced house on a rainy London street",
     "could you paint the front door a lovely racing green", "grey terraced house|racing green "
     "front door", "lovely"),
    # "way more bees": many, the few no more (a number said with it still counts)
    ("a white beehive box in a meadow with a few bees, summer",
     "way more bees, a whole swarm around the hive", "many bees", "few"),
    ("a sky with a couple of clouds", "lots more clouds", "sky with many clouds", "couple"),
    ("a wedding cake with two tiers, white frosting", "more tiers!! like 5 layers",
     "five tiers", "many|two"),
    # "drop in" adds
    ("a DJ booth with a single turntable under neon lights", "drop in two decks",
     "single turntable|two decks", ""),
    # a reason ("it's meant to look like …, so …"), a tailor's "hem"
    ("A red balloon is tied to a garden fence, fully inflated and bobbing in the breeze.",
     "it's meant to look like the party's over, so make the balloon deflated and saggy",
     "deflated|balloon", "inflated|meant|party"),
    ("a man in a tailored navy suit with long baggy trousers, street style photo",
     "hem the trousers shorter, cropped at the ankle", "short", "long"),
    # the queue goes with the people queueing
    ("a food truck in a city park, striped awning, people queueing, sunny afternoon",
     "ditch the queue", "striped awning|sunny", "queue"),
])
def test_more_english_changes_said_this_way(prompt: str, said: str, has: str,
                                            lacks: str) -> None:
    rewrites(prompt, said, has, lacks)


@pytest.mark.parametrize(("said", "context", "means"), [
    # a character written in pinyin: the word the picture has, else a word the tools know
    ("把feng筝去掉", "一个男孩在放风筝", "把风筝去掉"),
    ("把雪人变成ni土做的", "一个雪人站在院子里", "把雪人变成泥土做的"),
    ("给她加一个大大的hu蝶结在头上", "一个女孩在画画", "给她加一个大大的蝴蝶结在头上"),
    ("让小猫变成hei色的", "一只小白猫在沙发上睡觉", "让小猫变成黑色的"),
    # English words in a Chinese message stay English
    ("把 sofa 换成红色", "一个沙发", "把 sofa 换成红色"),
    ("heart 换成 swan", "a latte with a heart on top", "heart 换成 swan"),
])
def test_a_character_written_in_pinyin_is_read_as_the_character(said: str, context: str,
                                                                 means: str) -> None:
    from tools.spelling import pinyin_slips

    assert pinyin_slips(said, context) == means


@pytest.mark.parametrize(("prompt", "said", "has", "lacks"), [
    # a colour written into the thing's name changes with it
    ("一个小姑娘穿着红棉袄站在门口，过年", "把红棉袄改成绿的", "绿色的棉袄|门口", "红"),
    # a thing taken out of a hand leaves no empty hand behind
    ("一个渔夫坐在小船上钓鱼，手里拿着鱼竿，湖面上有薄雾", "把鱼竿去掉", "渔夫|薄雾", "鱼竿|手里"),
    # ... that hand, not another one said before it
    ("一个女孩手里拿着花，渔夫坐在船上，手里拿着鱼竿", "把鱼竿去掉", "女孩手里拿着花|渔夫坐在船上",
     "鱼竿|船上，手里"),
    # 四川话 "整起" before the change
    ("一只柯基坐在草地上，阳光明媚", "整起戴个墨镜，背景换成海滩", "墨镜|海滩", "整起|草地"),
])
def test_more_chinese_changes_said_this_way(prompt: str, said: str, has: str,
                                            lacks: str) -> None:
    rewrites(prompt, said, has, lacks)
