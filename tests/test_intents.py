"""How messages are read: which kind of request each phrasing is, in English and Chinese."""

from __future__ import annotations

import pytest

from agent import intents

WITH_IMAGE = [
    # talk, not pictures
    ("hello", "chat"), ("hi there", "chat"), ("thanks!", "chat"), ("thank you so much", "chat"),
    ("perfect, thanks", "chat"), ("ok", "chat"), ("你好", "chat"), ("谢谢！", "chat"),
    ("好的", "chat"), ("再见", "chat"),
    ("what is the capital of France?", "question"), ("why is the sky blue", "question"),
    ("今天天气怎么样？", "question"),
    # questions about the session
    ("what is the prompt of #2?", "info"), ("which seed was #3", "info"),
    ("prompt of #1", "info"), ("what prompt did you use?", "info"),
    ("#2的提示词是什么", "info"), ("#1 用的是哪个种子？", "info"), ("/prompt 2", "info"),
    ("show #2", "show"), ("send #2 again", "show"), ("显示#2", "show"), ("/show 2", "show"),
    ("describe #1", "describe"), ("what's in this picture?", "describe"),
    ("这张图里有什么", "describe"), ("描述一下#1", "describe"), ("/describe", "describe"),
    # changes
    ("make it night", "edit"), ("can you make it blue?", "edit"),
    ("could you please add a red hat", "edit"), ("is it possible to add a cat?", "edit"),
    ("remove the glasses from the man's face", "edit"), ("make her sit down", "edit"),
    ("把背景换成海边", "edit"), ("请帮我把车改成绿色吧", "edit"), ("让她坐下", "edit"),
    ("更亮一点", "edit"), ("把它变大", "edit"), ("改成黑白照片", "edit"),
    # new seeds, pointer moves, settings
    ("variations", "variations"), ("another one", "variations"), ("redo", "variations"),
    ("再来两张", "variations"), ("再来一张", "variations"), ("same but seed 7", "reseed"),
    ("seed 7", "reseed"), ("undo", "undo"), ("撤销", "undo"), ("go back", "undo"),
    ("back to #2", "goto"), ("回到#1", "goto"), ("history", "history"),
    ("/settings seed 7", "settings"), ("set the seed to 7 from now on", "settings"),
    ("/settings 种子 7", "settings"), ("/settings size 512", "settings"),
    ("more detailed", "beautify"), ("美化一下", "beautify"),
    # new pictures
    ("draw a dog on a beach", "generate"), ("画一只狗", "generate"),
    ("a lighthouse on a cliff", "generate"),
    ("hmm", "chat"), ("?!", "help"),
    # said in passing: particles, mixed languages, a terse thing to add, keyboard mash
    ("谢谢啦", "chat"), ("谢谢你呀", "chat"), ("hi 你好", "chat"), ("hello hello", "chat"),
    ("neon signs", "edit"), ("falling leaves", "edit"), ("qwe qwe zzz", "unclear"),
    ("撤销上一步", "undo"), ("回到上一步", "undo"), ("不对，回到上一张", "undo"),
    ("lol nice", "chat"), ("perfect, thank you so much!!", "chat"), ("谢谢 bye", "chat"),
    # thanks said with other words: still talk, unless a change or a question comes with it
    ("she'll be thrilled, thanks a lot!", "chat"), ("thank you, just what the flyer needed",
                                                    "chat"),
    ("谢了兄弟，拿去做封面了", "chat"), ("thanks! now add a red hat", "edit"),
    # a move back said after other words
    ("nope, undo", "undo"), ("not this one, undo", "undo"), ("算了算了，撤回", "undo"),
    # talk before the request, mixed languages, tools said loosely
    ("Gorgeous. Could you add a small boat on the lake?", "edit"),
    ("omg so cute. What seed was that?", "info"), ("好漂亮！这是用什么模型画的？", "question"),
    ("再放点樱花花瓣", "edit"), ("配色用 teal 和 coral", "edit"), ("pull back a little", "zoom"),
    ("nice 👍 能 upscale 一下吗", "upscale"), ("再来两张 like this", "variations"),
    ("这张的种子发我看看", "info"), ("还是第一张更好看，回到第一张", "goto"),
]


@pytest.mark.parametrize("text,kind", WITH_IMAGE)
def test_kind_with_a_current_picture(text: str, kind: str) -> None:
    assert intents.parse(text, has_image=True).kind == kind


@pytest.mark.parametrize("text,kind", [
    ("make it night", "needs_image"), ("add a red hat", "needs_image"),
    ("把背景换成海边", "needs_image"), ("hello", "chat"), ("a cat on a sofa", "generate"),
    ("could you draw me a dog on a beach please", "generate"), ("...", "unclear"),
])
def test_kind_without_a_picture(text: str, kind: str) -> None:
    assert intents.parse(text).kind == kind


@pytest.mark.parametrize("text,subject", [
    ("could you draw me a dog on a beach please", "a dog on a beach"),
    ("draw a picture of a cat", "a cat"), ("make me an image of a red fox", "a red fox"),
    ("画一只猫坐在窗台上", "一只猫坐在窗台上"), ("帮我画一幅山水画", "山水画"),
    # a preamble before the request
    ("Hello! New here, looks fun. Could you draw a lighthouse on a rocky coast at dusk?",
     "a lighthouse on a rocky coast at dusk"),
    ("Hi. I run a tea shop and need a simple banner: a teapot and two cups on bamboo",
     "a teapot and two cups on bamboo"),
    ("下周我妈生日，帮我画一张贺卡，一束康乃馨放在桌上", "贺卡，一束康乃馨放在桌上"),
])
def test_drawing_requests_lose_their_framing(text: str, subject: str) -> None:
    intent = intents.parse(text)
    assert (intent.kind, intent.text) == ("generate", subject)


def test_settings_values_are_read_or_refused() -> None:
    assert intents.parse("/settings seed 7").settings == {"seed": 7}
    assert intents.parse("/settings seed -1").settings == {"seed": -1}
    assert intents.parse("/settings seed random").settings == {"seed": -1}
    assert intents.parse("/settings size 768x512").settings == {"width": 768, "height": 512}
    assert intents.parse("/settings negative none").settings == {"negative_prompt": ""}
    for bad in ("/settings negative", "/settings foo 3", "/settings steps many"):
        assert "invalid" in intents.parse(bad).settings, bad


def test_counts_and_numbers() -> None:
    assert intents.parse("再来三张", has_image=True).count == 3
    assert intents.parse("make 2 more variations", has_image=True).count == 2
    assert intents.parse("back to #99999999999999999999", has_image=True).refs == [
        99999999999999999999]
    use = intents.parse("用第2个结果作为底图，画一座城堡", has_image=True, has_search=True)
    assert (use.kind, use.result, use.text) == ("use_result", 2, "一座城堡")


def test_every_kind_has_a_plan_or_a_reply() -> None:
    """A kind the planner neither plans nor answers would leave the user with the generic
    'tell me what you'd like to see' line."""
    from agent.planner import RulesPlanner
    from agent.state import ImageInfo, SessionState

    one = ImageInfo(1, "generated", "a red car", 7, None, "generate")
    state = SessionState(conversation_id=1, current=one, images=(one,),
                         last_search=("/x.png",))
    planner = RulesPlanner(state=state)
    generic = planner._final(intents.Intent("empty"), [])
    slots = {"refs": [1, 1], "text": "a red car", "result": 1, "seed": 7, "count": 2,
             "settings": {"seed": 7}, "field_": "prompt"}
    for kind in intents.Kind:
        if kind in (intents.Kind.EMPTY, intents.Kind.NEW_CHAT):  # engine's, or truly empty
            continue
        intent = intents.Intent(kind, **slots)
        plan = planner._plan(intent, [])
        assert plan is not None or planner._final(intent, []) != generic, kind
    with pytest.raises(ValueError):
        intents.Intent("draw")


@pytest.mark.parametrize("text,kind,ref", [
    ("go back to the first picture", "goto", 1), ("back to the original", "goto", 1),
    ("回到第一张", "goto", 1), ("go to 2", "goto", 2), ("回到2", "goto", 2),
    ("show me the first one", "show", 1), ("show the last one", "show", 3),
    ("what's the prompt of the second one?", "info", 2), ("第二张的提示词是什么", "info", 2),
    ("make the third one blue", "edit", 3), ("variations of the first one", "variations", 1),
])
def test_pictures_named_by_order(text: str, kind: str, ref: int) -> None:
    intent = intents.parse(text, has_image=True, images=3, origin=1)
    assert (intent.kind, intent.refs[:1]) == (kind, [ref])


def test_going_back_to_a_picture_it_cannot_name_asks_which() -> None:
    intent = intents.parse("back to the one with the hat", has_image=True, images=3)
    assert (intent.kind, intent.refs) == ("goto", [])


@pytest.mark.parametrize("text,kind", [
    ("asdfgh", "unclear"), ("qwerty", "unclear"), ("surprise me", "surprise"),
    ("随便画点什么", "surprise"), ("that's not what I wanted", "unclear"), ("不对", "unclear"),
    ("what did you change?", "info"), ("改了什么", "info"), ("compare #1 and #2", "info"),
    ("how do I save it?", "faq"), ("can I get it bigger?", "faq"), ("怎么保存", "faq"),
    ("why is the picture just noise?", "faq"), ("the second one", "show"), ("图2", "show"),
    ("第二张", "show"), ("换个种子", "variations"), ("use seed 42 from now on", "settings"),
    ("背景虚化", "edit"), ("what was the original?", "info"),
])
def test_more_ways_people_talk(text: str, kind: str) -> None:
    assert intents.parse(text, has_image=True, images=3, origin=1).kind == kind


@pytest.mark.parametrize("text,subject", [
    ("no, I meant a treehouse", "a treehouse"), ("thanks, now a dog", "a dog"),
    ("我想要一张赛博朋克城市夜景", "赛博朋克城市夜景"), ("再画一只狗", "一只狗"),
    ("Could you please create an image of a cozy cabin in the woods?", "a cozy cabin in the woods"),
])
def test_requests_in_other_words_draw_their_subject(text: str, subject: str) -> None:
    intent = intents.parse(text, has_image=True, images=1)
    assert (intent.kind, intent.text) == ("generate", subject)


@pytest.mark.parametrize("text,prompt", [
    ("用#1作为底图，画一座城堡", "一座城堡"), ("用这张图作为底图，画一座城堡", "一座城堡"),
    ("use it as the starting image: a castle", "a castle"),
    ("a dragon, use #1 as the starting image", "a dragon"),
])
def test_starting_image_requests_keep_only_what_to_draw(text: str, prompt: str) -> None:
    intent = intents.parse(text, has_image=True, images=1)
    assert (intent.kind, intent.text) == ("img2img", prompt)


def test_a_photo_with_a_caption_that_asks_nothing_is_kept_and_described() -> None:
    assert intents.parse("my garden", has_upload=True).kind == "describe"
    assert intents.parse("make it watercolor", has_upload=True).kind == "edit"


@pytest.mark.parametrize("text", [
    "how about making it red", "would it be possible to make the sky pink?",
    "can the dog be brown?", "could the cat be wearing a bow tie?", "why not add some clouds",
    "fewer birds", "double the birds", "age the photo", "来一只狗代替猫", "要是晚上就好了",
    "画面再暗一点", "a hat on the dog", "the dog wearing a hat",
])
def test_changes_phrased_as_questions_wishes_or_descriptions(text: str) -> None:
    intent = intents.parse(text, has_image=True, images=1,
                           current="a dog sitting in a park with two birds")
    assert intent.kind == "edit", (text, intent)


@pytest.mark.parametrize("text", ["a cat on a sofa", "一只猫坐在窗台上"])
def test_a_new_description_is_still_a_new_picture(text: str) -> None:
    intent = intents.parse(text, has_image=True, images=1,
                           current="a dog sitting in a park with two birds")
    assert intent.kind == "generate", (text, intent)


def test_a_thing_of_the_picture_named_in_chinese_with_english_words_is_a_change() -> None:
    current = "astronaut 小狗 floating in space"
    assert intents.parse("小狗手里拿一根 bone", has_image=True, current=current).kind == "edit"


def test_no_wait_keep_it_goes_back_before_the_removal() -> None:
    intent = intents.parse("no wait, hmm, keep the scarf but make it green", has_image=True)
    assert (intent.kind, intent.field_, intent.text) == ("edit", "restore",
                                                         "make the scarf green")


@pytest.mark.parametrize("text", ["lighthouse with a red roof pls", "keeper waving from the door",
                                  "I want a grey lighthouse at dawn",
                                  "what if there was a boat near the rocks"])
def test_a_message_about_a_thing_of_the_picture_changes_it(text: str) -> None:
    current = "a lighthouse on a cliff, a keeper at the door"
    assert intents.parse(text, has_image=True, current=current).kind == "edit"


def test_a_new_subject_is_still_a_new_picture() -> None:
    assert intents.parse("a fox in the snow", has_image=True,
                         current="a lighthouse on a cliff").kind == "generate"


def test_a_new_picture_in_a_place_like_the_current_one_is_a_new_picture() -> None:
    current = "a red lighthouse on a cliff at dusk"
    assert intents.parse("a castle on a cliff at dawn", has_image=True,
                         current=current).kind == "generate"
    assert intents.parse("flag on cliff", has_image=True, current=current).kind == "edit"
