"""The conversation a user has, not only the pictures: photos stay photos through every
change, talk gets talk back, questions about the session are answered, a change that changes
nothing says so, and commands are read as commands (rules planner, tiny profile)."""

from __future__ import annotations

import pytest

from agent.engine import Agent
from settings import Settings
from storage import repo
from tests.pictures import png
from tests.test_agent import image, say


@pytest.fixture
def agent(settings: Settings) -> Agent:
    return Agent(settings)


def count_images(agent: Agent, user: str = "cli:alice") -> int:
    with agent.storage.db.session() as s:
        user_row = repo.get_user(s, user)
        if user_row is None:
            return 0
        return len(repo.list_images(s, repo.current_conversation(s, user_row)))


# ------------------------------------------------------------- photos keep their pixels


@pytest.mark.parametrize("steps", [
    ("make it watercolor", "add a red hat", "make it night"),
    ("画成水彩风格", "加一顶红帽子", "变成夜晚"),
])
def test_every_change_to_a_photo_edits_its_parents_pixels(agent: Agent, steps) -> None:
    first = say(agent, steps[0], pictures=[png((200, 30, 30))])
    assert image(agent, 1).kind == "uploaded" and image(agent, 1).prompt  # described
    replies = [first, say(agent, steps[1]), say(agent, steps[2])]
    for number, reply in zip((2, 3, 4), replies, strict=True):
        assert [i.number for i in reply.images] == [number], reply.text
        row, parent = image(agent, number), image(agent, number - 1)
        assert row.parent_id == parent.id and row.extra["source_image_id"] == parent.id
        assert row.tool == "instruct" and row.extra["edit_mode"] == "instruct"
        assert (row.width, row.height) == (parent.width, parent.height)
    # the photo's description carries every change, so captions and history show them
    final = image(agent, 4).prompt
    assert image(agent, 1).prompt in final
    # a Chinese caption makes the photo's prompt Chinese, and the changes follow it
    assert all(w in final for w in (("watercolor", "red hat", "night") if steps[0][0] == "m"
                                    else ("水彩", "红", "帽", "夜")))


def test_variations_beautify_of_a_photo_start_from_its_pixels(agent: Agent) -> None:
    say(agent, "", pictures=[png((20, 200, 30))])
    var = say(agent, "variations of #1").images[0]
    row = image(agent, var.number)
    assert (var.parent, row.tool, row.extra["source_image_id"]) == (1, "variations",
                                                                   image(agent, 1).id)
    assert "variation of #1" in say(agent, "history").text
    nice = say(agent, "美化一下 #1").images[0]
    row = image(agent, nice.number)
    assert row.extra["source_image_id"] == image(agent, 1).id and row.tool == "beautify"
    assert len(nice.prompt) > len(image(agent, 1).prompt)


def test_a_variation_of_an_edit_is_labelled_a_variation(agent: Agent) -> None:
    say(agent, "make it watercolor", pictures=[png((200, 30, 30))])
    reply = say(agent, "another one")
    assert "variation of #2" in reply.text and "edit of" not in reply.text
    assert image(agent, 3).extra["source_image_id"] == image(agent, 1).id


# ------------------------------------------------------------------- describing photos


@pytest.mark.parametrize("ask", ["describe #1", "what is in this picture?", "这张图里有什么",
                                 "/describe 1"])
def test_describe_answers_in_words_and_draws_nothing(agent: Agent, ask: str) -> None:
    say(agent, "", pictures=[png((10, 120, 200))])
    description = image(agent, 1).prompt
    reply = say(agent, ask)
    assert reply.images == [] and count_images(agent) == 1
    assert description in reply.text and "prompt" in reply.text.lower()


# ------------------------------------------------------------ talk is not a picture


@pytest.mark.parametrize("words", [
    ("hello", "thanks!", "what is the prompt of #2?", "which seed was #1?", "ok"),
    ("你好", "谢谢", "#2的提示词是什么", "#1 用的是哪个种子？", "好的"),
])
def test_talk_and_questions_make_no_picture(agent: Agent, words) -> None:
    hello = say(agent, words[0])
    assert hello.images == [] and count_images(agent) == 0 and not hello.error
    say(agent, "a red car parked on a street" if words[0] == "hello" else "一辆红色的汽车停在街上")
    two = say(agent, "make it blue" if words[0] == "hello" else "把车改成蓝色").images[0]
    for text in words[1:]:
        reply = say(agent, text)
        assert reply.images == [] and count_images(agent) == 2, text
    assert two.prompt in say(agent, words[2]).text
    assert str(image(agent, 1).seed) in say(agent, words[3]).text


@pytest.mark.parametrize("text", ["what is the capital of France?", "why is the sky blue",
                                  "今天天气怎么样？"])
def test_questions_the_bot_cannot_answer_get_a_sentence(agent: Agent, text: str) -> None:
    say(agent, "a lighthouse")
    reply = say(agent, text)
    assert reply.images == [] and count_images(agent) == 1
    assert "picture" in reply.text or "画" in reply.text


@pytest.mark.parametrize("ask", ["show #1", "send #1 again", "显示#1", "/show 1"])
def test_show_sends_the_picture_again_with_its_recipe(agent: Agent, ask: str) -> None:
    one = say(agent, "a castle on a hill at sunset").images[0]
    say(agent, "make it night")
    reply = say(agent, ask)
    assert [i.number for i in reply.images] == [1] and count_images(agent) == 2
    assert reply.images[0].path == one.path
    assert one.prompt in reply.text and str(one.seed) in reply.text


def test_the_whole_prompt_is_one_command_away(agent: Agent) -> None:
    long = ("a very detailed painting of an old lighthouse on a rocky cliff above a stormy sea "
            "with seagulls, dramatic clouds, golden light and a small red boat")
    say(agent, long)
    for ask in ("history", "prompt of #1", "/prompt 1", "what is the prompt of #1?"):
        assert long in say(agent, ask).text


@pytest.mark.parametrize("text", ["make it night", "add a red hat", "把背景换成海边"])
def test_a_change_with_no_picture_asks_for_one(agent: Agent, text: str) -> None:
    reply = say(agent, text)
    assert reply.images == [] and count_images(agent) == 0
    assert "no picture" in reply.text.lower() or "还没有图片" in reply.text


# ------------------------------------------------------------------ no-op changes


@pytest.mark.parametrize("prompt,change", [
    ("a dog running on grass", "remove the hat"),
    ("一只小狗在草地上奔跑", "去掉那只猫"),
])
def test_a_change_that_changes_nothing_makes_no_picture(agent: Agent, prompt, change) -> None:
    say(agent, prompt)
    reply = say(agent, change)
    assert reply.images == [] and count_images(agent) == 1
    assert ("no new picture" in reply.text or "没有生成新图" in reply.text) and prompt in reply.text


def test_the_same_change_twice_makes_one_picture(agent: Agent) -> None:
    say(agent, "a busy street in tokyo")
    assert say(agent, "make it night").images
    again = say(agent, "make it night")
    assert again.images == [] and count_images(agent) == 2 and "no new picture" in again.text


# ----------------------------------------------------------------------- settings


@pytest.mark.parametrize("set_seed,show_word", [("/settings seed 7", "seed: 7"),
                                                ("/settings 种子 7", "seed: 7")])
def test_settings_seed_is_kept_for_new_pictures(agent: Agent, set_seed, show_word) -> None:
    reply = say(agent, set_seed)
    assert reply.images == [] and count_images(agent) == 0 and "seed 7" in reply.text
    assert show_word in say(agent, "/settings").text
    assert say(agent, "a boat").images[0].seed == 7
    assert say(agent, "a tree").images[0].seed == 7
    back = say(agent, "/settings seed -1")
    assert back.images == [] and "random" in back.text
    assert "seed: random" in say(agent, "/settings").text
    assert count_images(agent) == 2


@pytest.mark.parametrize("text,expect", [
    ("/settings negative", "negative"),
    ("/settings foo 3", "foo"),
    ("/settings seed 99999999999999999999", "seed"),
    ("/settings seed abc", "seed"),
    ("/settings steps", "steps"),
])
def test_bad_settings_are_refused_and_draw_nothing(agent: Agent, text: str, expect: str) -> None:
    say(agent, "a red car")
    reply = say(agent, text)
    assert reply.images == [] and count_images(agent) == 1
    assert expect in reply.text.lower()
    assert "seed" not in (repo_settings(agent) or {})


def repo_settings(agent: Agent) -> dict:
    with agent.storage.db.session() as s:
        return dict(repo.current_conversation(s, repo.get_user(s, "cli:alice")).settings or {})


# ----------------------------------------------------------------- misread commands


@pytest.mark.parametrize("text", ["/search", "go to #-1", "back to #99999999999999999999",
                                  "回到#0"])
def test_commands_with_bad_arguments_draw_nothing(agent: Agent, text: str) -> None:
    say(agent, "a red car")
    reply = say(agent, text)
    assert reply.images == [] and count_images(agent) == 1, reply.text
    assert "#1" in reply.text or "search" in reply.text.lower()


@pytest.mark.parametrize("text,count", [("再来两张", 2), ("再来三张", 3),
                                        ("two more variations", 2)])
def test_counted_variations(agent: Agent, text: str, count: int) -> None:
    one = say(agent, "一只猫坐在沙发上").images[0]
    reply = say(agent, text)
    assert len(reply.images) == count
    assert all(i.prompt == one.prompt and i.parent == 1 for i in reply.images)
    assert len({i.seed for i in reply.images}) == count


@pytest.mark.parametrize("prompt,change,subject", [
    ("一辆红色的汽车停在街上", "更亮一点", "汽车"),
    ("一辆红色的汽车停在街上", "把它变大", "汽车"),
    ("一辆红色的汽车停在街上", "让车变成绿色", "车"),
    ("一辆红色的汽车停在街上", "改成黑白照片", "汽车"),
    ("a red car parked on a street", "make it brighter", "car"),
])
def test_short_changes_refine_the_picture_not_draw_their_words(agent: Agent, prompt, change,
                                                                subject) -> None:
    say(agent, prompt)
    reply = say(agent, change)
    new = reply.images[0]
    assert image(agent, new.number).tool == "refine"  # the prompt rewritten, same seed
    assert new.parent == 1 and subject in new.prompt and new.prompt != change


def test_chinese_colour_and_black_and_white(agent: Agent) -> None:
    say(agent, "一辆红色的汽车停在街上")
    green = say(agent, "让车变成绿色").images[0]
    assert "绿" in green.prompt and "红" not in green.prompt
    bw = say(agent, "改成黑白照片").images[0]
    assert "黑白" in bw.prompt


def test_use_a_search_result_as_the_starting_image_in_chinese(agent: Agent, settings, tmp_path
                                                               ) -> None:
    from PIL import Image as PILImage

    from tools.retrieve import Library

    folder = tmp_path / "pics"
    folder.mkdir()
    for i, color in enumerate([(255, 0, 0), (0, 255, 0), (0, 0, 255)]):
        PILImage.new("RGB", (64, 64), color).save(folder / f"p{i}.png")
    Library.open(settings).index_folder(folder, progress=False)
    say(agent, "找一些海边的图片")
    made = say(agent, "用第2个结果作为底图，画一座城堡")
    assert image(agent, 1).kind == "retrieved" and made.images[-1].parent == 1
    assert made.images[-1].prompt == "一座城堡"


@pytest.mark.parametrize("text", ["/settings size 512x512x5", "/settings foo 1",
                                  "/settings negative"])
def test_a_refused_setting_is_flagged_as_an_error(agent: Agent, text: str) -> None:
    reply = say(agent, text)
    assert reply.error and reply.images == []
    assert not say(agent, "/settings size 96").error


def test_a_chinese_conversation_is_answered_in_chinese(agent: Agent) -> None:
    assert say(agent, "一只猫坐在沙发上").text.startswith("这是 #1")
    assert "由 #1 修改" in say(agent, "变成夜晚").text
    assert say(agent, "撤销").text.startswith("回到 #1")
    assert say(agent, "#2的提示词是什么").text.startswith("#2 的提示词")
    assert "这个对话的图片" in say(agent, "历史").text
    assert say(agent, "a red car").text.startswith("Here is #3")  # English stays English


def test_what_changed_and_faq_make_no_picture(agent: Agent) -> None:
    say(agent, "a dog in a park")
    say(agent, "add a red hat")
    changed = say(agent, "what did you change?")
    assert "red hat" in changed.text and "#2 vs #1" in changed.text and not changed.images
    assert "/export" in say(agent, "how do I save it?").text
    assert "/settings size" in say(agent, "can I get it bigger?").text
    surprise = say(agent, "surprise me")
    assert [i.number for i in surprise.images] == [3] and surprise.images[0].parent is None


def test_a_captioned_photo_that_asks_nothing_is_kept_not_redrawn(agent: Agent) -> None:
    reply = say(agent, "my garden", pictures=[png((30, 160, 40))])
    assert reply.images == [] and "saved as #1" in reply.text and "my garden" in reply.text
    zh = say(agent, "这张图里有什么", pictures=[png((30, 60, 140))])
    assert zh.images == [] and "已保存为 #2" in zh.text


def test_a_stopped_turn_makes_nothing_and_says_so(agent: Agent) -> None:
    """A user's Stop: the queued picture never starts, nothing is stored, the reply says so."""
    import threading

    from agent.types import Turn
    from tools.jobs import get_queue

    gate = threading.Event()
    blocker = get_queue(agent.settings).submit(lambda ctx: gate.wait(30), label="blocker")
    stop = threading.Event()
    replies = []
    worker = threading.Thread(target=lambda: replies.append(agent.handle_turn(
        Turn(user="cli:alice", text="a slow lighthouse", cancel=stop))))
    worker.start()
    try:
        stop.set()
        worker.join(30)
    finally:
        gate.set()
        blocker.result(30)
    assert replies and replies[0].images == [] and "Stopped" in replies[0].text
    assert count_images(agent) == 0
    assert say(agent, "a lighthouse").images[0].number == 1  # the next turn works


@pytest.mark.parametrize("text,ratio,subject", [
    ("a beach at sunset, 16:9", 16 / 9, "a beach at sunset"),
    ("a castle --ar 3:2", 3 / 2, "a castle"), ("a tower in portrait", 2 / 3, "a tower"),
    ("竖版的城堡", 2 / 3, "城堡"), ("一座桥，横屏", 16 / 9, "一座桥"),
])
def test_a_picture_in_the_shape_the_user_names(agent: Agent, text, ratio, subject) -> None:
    made = say(agent, text).images[0]
    assert made.prompt == subject
    assert made.width % 8 == 0 and made.height % 8 == 0
    assert abs(made.width / made.height - ratio) / ratio <= 0.02, (made.width, made.height)
    changed = say(agent, "make it night").images[0]  # a change keeps the shape
    assert (changed.parent, changed.width, changed.height) == (1, made.width, made.height)


def test_an_aspect_ratio_setting_shapes_the_next_pictures(agent: Agent) -> None:
    assert not say(agent, "/settings ratio 16:9").error
    made = say(agent, "a bridge").images[0]
    assert abs(made.width / made.height - 16 / 9) / (16 / 9) <= 0.02
    assert say(agent, "/settings ratio 9:1").error  # too narrow: refused
    # a word that is also a subject is not a shape
    portrait = say(agent, "a portrait of an old fisherman").images[0]
    assert portrait.prompt == "a portrait of an old fisherman"


def test_keeping_what_was_just_removed_changes_it_from_before(agent: Agent) -> None:
    say(agent, "a snowman wearing a black top hat in a snowy garden")
    assert "hat" not in say(agent, "remove the hat").images[0].prompt
    back = say(agent, "no, keep the hat but make it blue").images[0]
    assert "blue" in back.prompt and "hat" in back.prompt and "black" not in back.prompt
    assert back.parent == 1  # made from the picture that still had the hat
    assert "hat" in say(agent, "add a carrot nose").images[0].prompt


def test_undo_of_a_named_picture_goes_to_the_one_it_came_from(agent: Agent) -> None:
    """The undo button under an old photo ("/undo #2") acts on that photo, not the newest."""
    say(agent, "a red car on a street")
    say(agent, "make it blue")  # #2, from #1
    say(agent, "a lighthouse on a cliff")  # #3, a new picture; current
    reply = say(agent, "/undo #2")
    assert not reply.images and "#1" in reply.text
    assert "red car" in say(agent, "make it night").images[0].prompt  # now from #1


@pytest.mark.parametrize("say_back", ["go back to the one with the straw hat", "回到戴草帽那张"])
def test_back_to_the_picture_described_by_what_it_shows(agent: Agent, say_back: str) -> None:
    zh = not say_back.startswith("go")
    say(agent, "一个稻草人站在麦田里" if zh else "a scarecrow in a wheat field")
    say(agent, "给它戴一顶草帽" if zh else "give it a straw hat")
    say(agent, "把草帽换成毛线帽" if zh else "swap the straw hat for a wool beanie")
    reply = say(agent, say_back)
    assert reply.images == [] and count_images(agent) == 3
    assert "#2" in reply.text
    four = say(agent, "把草帽改成红色的" if zh else "make the straw hat red").images[0]
    assert four.parent == 2 and ("红" in four.prompt if zh else "red" in four.prompt)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_i_meant_the_other_one_moves_the_last_change(agent: Agent, lang: str) -> None:
    zh = lang == "zh"
    say(agent, "一个男孩和一只小猫坐在台阶上" if zh else
        "a boy and his kitten sitting on the steps")
    say(agent, "给男孩戴上一顶帽子" if zh else "give the boy a scarf")
    fixed = say(agent, "不是男孩，是给小猫戴" if zh else "no, I meant the kitten, not the boy")
    three = fixed.images[0]
    assert three.parent == 1  # the change is made again on the picture before it
    words = ("小猫戴", "帽") if zh else ("kitten wearing a scarf", "boy")
    assert words[0] in three.prompt and words[1] in three.prompt
    if not zh:
        assert "boy wearing" not in three.prompt


def test_a_correction_that_cannot_be_moved_asks_and_draws_nothing(agent: Agent) -> None:
    say(agent, "a lighthouse on a cliff at dusk")
    say(agent, "make it night and add a ship on the sea")  # a change of two parts
    reply = say(agent, "no, I meant the lighthouse, not the ship")
    assert reply.images == [] and count_images(agent) == 2


def test_a_chinese_correction_with_its_own_change_is_that_change(agent: Agent) -> None:
    say(agent, "a red lighthouse on a cliff with a ship on the sea")
    three = say(agent, "不是灯塔，是把船改成白色").images[0]
    assert "lighthouse" in three.prompt and "white ship" in three.prompt


# ------------------------------------------- how people go on talking to a picture


@pytest.mark.parametrize("words", [
    ("my son wants to make a picture, he's 8", "perfect, the sellers are going to love this",
     "yay!!!"),
    ("你好 我想给孙子画张画", "她一定会很喜欢", "謝謝"),
])
def test_wishes_and_reactions_around_a_picture_draw_nothing(agent: Agent, words) -> None:
    wish = say(agent, words[0])  # a picture is wanted, but not yet what of
    assert wish.images == [] and count_images(agent) == 0 and not wish.error
    say(agent, "a purple dragon eating pizza")
    for text in words[1:]:
        reply = say(agent, text)
        assert reply.images == [] and count_images(agent) == 1, text


def test_fragments_said_to_a_picture_change_it(agent: Agent) -> None:
    say(agent, "exterior of a suburban house, overcast sky, bare lawn, real estate photo")
    sky = say(agent, "blue sky with a few clouds").images[0]  # its sky, not a new picture
    assert "house" in sky.prompt and "blue sky" in sky.prompt and "overcast" not in sky.prompt
    table = say(agent, "and a bench with two pots of lavender").images[0]
    assert "house" in table.prompt and "bench" in table.prompt and "blue sky" in table.prompt
    say(agent, "a unicorn flying with a rainbow mane")
    over = say(agent, "over a castle").images[0]
    assert over.prompt == "a unicorn flying with a rainbow mane over a castle"
    assert image(agent, over.number).parent_id is not None


def test_traditional_chinese_is_read_like_simplified(agent: Agent) -> None:
    say(agent, "一杯珍珠奶茶放在木桌上，日系攝影")
    night = say(agent, "背景換成夜市").images[0]
    assert "奶茶" in night.prompt and "夜市" in night.prompt and "木桌" not in night.prompt
    thanks = say(agent, "謝謝")
    assert thanks.images == [] and count_images(agent) == 2
