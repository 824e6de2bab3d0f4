"""Scripted conversations through the real agent (rules planner, tiny profile).

Each asserts what a user would notice: the replies, the prompts and seeds used, the image
lineage, and the rows that were stored. Which tools the planner calls, in which order, is
pinned in tests/test_planner.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image as PILImage

from agent.engine import Agent
from agent.types import Attachment, Reply, Turn
from settings import Settings
from storage import repo
from tests.pictures import png
from tests.servers import child_env

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def agent(settings: Settings) -> Agent:
    return Agent(settings)


def say(agent: Agent, text: str, user: str = "cli:alice", pictures: list[bytes] = ()) -> Reply:
    return agent.handle_turn(Turn(user=user, text=text,
                                  attachments=[Attachment(p, f"p{i}.png")
                                               for i, p in enumerate(pictures)]))




def image(agent: Agent, number: int, user: str = "cli:alice"):  # noqa: ANN201
    with agent.storage.db.session() as s:
        conv = repo.current_conversation(s, repo.get_user(s, user))
        return repo.get_image(s, conv, number)


def all_images(agent: Agent, user: str = "cli:alice") -> list:
    with agent.storage.db.session() as s:
        return repo.list_images(s, repo.current_conversation(s, repo.get_user(s, user)))


def current(agent: Agent, user: str = "cli:alice") -> int | None:
    with agent.storage.db.session() as s:
        conv = repo.current_conversation(s, repo.get_user(s, user))
        return conv.current_image.number if conv.current_image else None


# ------------------------------------------------------------------- conversations


def test_red_car_blue_undo_spoiler(agent: Agent) -> None:
    r1 = say(agent, "a red car")
    assert [i.number for i in r1.images] == [1] and r1.images[0].parent is None
    seed = r1.images[0].seed

    r2 = say(agent, "make it blue")
    two = r2.images[0]
    assert (two.number, two.parent, two.seed) == (2, 1, seed)
    assert "blue" in two.prompt and "car" in two.prompt and "red" not in two.prompt
    assert Path(two.path).is_file()

    undone = say(agent, "undo")
    assert not undone.images and "#1" in undone.text and current(agent) == 1

    r4 = say(agent, "add a spoiler")
    three = r4.images[0]
    assert (three.number, three.parent, three.seed) == (3, 1, seed)
    assert "spoiler" in three.prompt and "red" in three.prompt and "car" in three.prompt
    row = image(agent, 3)
    assert (row.kind, row.tool, row.model) == ("edited", "refine", "tiny")


def test_chinese_background_then_watercolor(agent: Agent) -> None:
    one = say(agent, "一只猫坐在沙发上").images[0]
    two = say(agent, "把背景换成海边").images[0]
    assert (two.number, image(agent, 2).tool) == (2, "refine")
    assert (two.parent, two.seed) == (1, one.seed)
    assert "猫" in two.prompt and "海边" in two.prompt
    three = say(agent, "画成水彩风格").images[0]
    assert three.parent == 2 and "水彩" in three.prompt and "猫" in three.prompt
    # the model read English: the stored recipe keeps both
    row = image(agent, 3)
    assert row.prompt == three.prompt and row.extra["model_prompt"] != three.prompt


def test_night_keeps_cat_and_sofa(agent: Agent) -> None:
    say(agent, "a cat on a sofa")
    two = say(agent, "make it night").images[0]
    assert all(w in two.prompt for w in ("night", "cat", "sofa"))


def test_photo_with_caption_is_edited(agent: Agent) -> None:
    reply = say(agent, "make it watercolor", pictures=[png((200, 30, 30))])
    # the photo's description is rewritten, and its pixels are edited
    assert [(i.number, i.parent, i.tool) for i in reply.images] == [(2, 1, "instruct")]
    upload = image(agent, 1)
    assert upload.kind == "uploaded" and upload.prompt == upload.extra["description"]
    assert "watercolor" in reply.images[0].prompt and upload.prompt in reply.images[0].prompt
    assert image(agent, 2).extra["source_image_id"] == upload.id
    with agent.storage.db.session() as s:
        conv = repo.current_conversation(s, repo.get_user(s, "cli:alice"))
        refs = repo.list_references(s, conv)
        assert [(r.image.number, r.source, r.caption) for r in refs] == [
            (1, "upload", "make it watercolor")]


def test_photo_without_caption_then_starting_image(agent: Agent) -> None:
    reply = say(agent, "", pictures=[png((10, 120, 200))])
    # a photo alone is described, not drawn again
    assert reply.images == [] and "saved as #1" in reply.text
    assert [(i.number, i.kind) for i in all_images(agent)] == [(1, "uploaded")]
    assert image(agent, 1).prompt and image(agent, 1).prompt in reply.text
    two = say(agent, "a castle, use it as the starting image").images[0]
    assert (two.number, two.parent, two.tool) == (2, 1, "img2img")
    assert two.prompt == "a castle"
    three = say(agent, "a dragon, use #1 as the starting image").images[0]
    assert (three.parent, three.prompt) == (1, "a dragon")


def test_two_references_restyle(agent: Agent) -> None:
    say(agent, "", pictures=[png((250, 250, 0)), png((0, 0, 250))])
    reply = say(agent, "draw #1 in the style of #2")
    made = reply.images[0]
    assert made.number == 3 and made.parent == 1
    row = image(agent, 3)
    assert row.extra["style_image_id"] == image(agent, 2).id
    assert "style" in reply.text.lower()  # tiny has no IP-Adapter and says what it did


def test_variations_and_seed(agent: Agent) -> None:
    one = say(agent, "a lighthouse").images[0]
    two = say(agent, "variations").images[0]
    assert (two.parent, two.prompt) == (1, one.prompt) and two.seed != one.seed
    three = say(agent, "same but seed 7").images[0]
    assert (three.number, three.parent, three.seed) == (3, 2, 7)
    a = PILImage.open(three.path)
    four = say(agent, "variations of #1 seed 7").images[0]
    assert four.seed == 7 and four.parent == 1
    assert PILImage.open(four.path).tobytes() == a.tobytes()  # same recipe


def test_back_to_one_then_refine(agent: Agent) -> None:
    say(agent, "a dog in a park")
    say(agent, "make it night")
    say(agent, "add a hat")
    back = say(agent, "back to #1")
    assert not back.images and "#1" in back.text and current(agent) == 1
    four = say(agent, "make it snowy").images[0]
    assert (four.number, four.parent) == (4, 1)
    assert "dog" in four.prompt and "snow" in four.prompt
    assert "night" not in four.prompt and "hat" not in four.prompt


def test_beautify_keeps_subject_and_seed(agent: Agent) -> None:
    one = say(agent, "a castle").images[0]
    two = say(agent, "more detailed").images[0]
    assert image(agent, 2).tool == "beautify"
    assert (two.parent, two.seed) == (1, one.seed)
    assert "castle" in two.prompt and len(two.prompt) > len(one.prompt)


def test_chinese_colour_undo_and_another(agent: Agent) -> None:
    one = say(agent, "一辆红色的汽车").images[0]
    two = say(agent, "把车改成蓝色").images[0]
    assert "蓝" in two.prompt and "红" not in two.prompt and "车" in two.prompt
    assert two.seed == one.seed
    say(agent, "撤销")
    assert current(agent) == 1
    three = say(agent, "再来一张").images[0]
    assert (three.parent, three.prompt) == (1, one.prompt) and three.seed != one.seed


def test_settings_change_the_next_image(agent: Agent) -> None:
    reply = say(agent, "/settings size 96")
    assert "96" in reply.text
    made = say(agent, "a tree").images[0]
    assert (made.width, made.height) == (96, 96)
    assert PILImage.open(made.path).size == (96, 96)
    bad = say(agent, "/settings steps 0")
    assert bad.error and "steps" in bad.text.lower()
    assert say(agent, "/settings").text.count("96") >= 2


def test_history_and_new_conversation(agent: Agent) -> None:
    say(agent, "a red apple")
    say(agent, "make it green")
    hist = say(agent, "/history").text
    assert "#1" in hist and "#2" in hist and "green" in hist
    new = say(agent, "/new")
    assert "new conversation" in new.text.lower()
    assert say(agent, "a boat").images[0].number == 1
    chats = say(agent, "/chats").text
    assert "2 image(s)" in chats and "1 image(s)" in chats
    say(agent, "/open 1")
    assert say(agent, "make it blue").images[0].number == 3


def test_search_and_use_result(agent: Agent, settings: Settings, tmp_path: Path) -> None:
    from tools.retrieve import Library

    folder = tmp_path / "pics"
    folder.mkdir()
    for i, color in enumerate([(255, 0, 0), (0, 255, 0), (0, 0, 255), (250, 250, 250)]):
        PILImage.new("RGB", (64, 64), color).save(folder / f"p{i}.png")
    Library.open(settings).index_folder(folder, progress=False)

    found = say(agent, "find pictures of a beach")
    assert "use result" in found.text and not found.images
    made = say(agent, "use result 2 as the starting image: a sunny beach")
    assert [(i.number, i.parent, i.tool) for i in made.images] == [(2, 1, "img2img")]
    assert image(agent, 1).kind == "retrieved"
    like = say(agent, "find pictures like #1")
    assert "like #1" in like.text and not like.images
    # the picture #1 came from (result 2) is found first, exactly; every file is listed
    second = re.search(r"^2\. (\S+) ", found.text, re.M).group(1)
    assert re.search(r"^1\. (\S+) \(score 1\.00\)", like.text, re.M).group(1) == second
    assert sorted(re.findall(r"^\d\. (p\d\.png) ", like.text, re.M)) == [
        "p0.png", "p1.png", "p2.png", "p3.png"]
    for picture in folder.iterdir():  # the library's files go away after the search
        picture.unlink()
    gone = say(agent, "use result 1 as the starting image")
    assert gone.error and "does not exist" in gone.text and not gone.images


# ------------------------------------------------------------------------ bad input


def test_bad_input_keeps_the_session(agent: Agent) -> None:
    say(agent, "a red car")
    assert say(agent, "make #9 blue").text.startswith("There is no image #9")
    long = say(agent, "x" * 50_000)
    assert long.error and "50,000" in long.text
    notimg = say(agent, "make it blue", pictures=[b"%PDF-1.4 not an image"])
    assert notimg.error and "image" in notimg.text.lower()
    many = say(agent, "make them blue", pictures=[png((1, 2, 3))] * 11)
    assert many.error and "at most 10" in many.text
    unknown = say(agent, "/frobnicate")
    assert unknown.error and "/help" in unknown.text
    # bob cannot reach alice's #1
    assert say(agent, "make #1 blue", user="cli:bob").text.startswith("There is no image #1")
    # nothing was lost: alice still has exactly her one image, current
    assert current(agent) == 1 and image(agent, 2) is None
    two = say(agent, "make it blue").images[0]
    assert (two.number, two.parent) == (2, 1)


def test_owns_image_is_per_user(agent: Agent) -> None:
    made = say(agent, "a red car").images[0]
    assert agent.owns_image("cli:alice", made.image_id)
    assert not agent.owns_image("cli:bob", made.image_id)
    assert agent.image_number("cli:alice", made.image_id) == 1


def test_restart_mid_conversation_continues(settings: Settings) -> None:
    """A new ``bot.py chat --json`` process picks the conversation up from the database, and
    its stdout holds one JSON reply per line and nothing else (one launch for both)."""
    first = Agent(settings)
    one = say(first, "a red car").images[0]
    say(first, "make it blue")
    say(first, "undo")
    first.storage.close()
    env = child_env({"IMAGECHAT_HOME": str(settings.home),
                     "IMAGECHAT_MODEL_CACHE": settings.model_cache, "IMAGECHAT_DEVICE": "cpu",
                     "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    out = subprocess.run([sys.executable, str(ROOT / "bot.py"), "chat", "--json", "--user",
                          "alice"], input="add a spoiler\nmake it night\n",
                         capture_output=True, text=True, env=env, cwd=ROOT, check=True,
                         timeout=300)
    lines = [json.loads(x) for x in out.stdout.strip().splitlines()]
    assert len(lines) == 2 and all(len(x["images"]) == 1 for x in lines)
    made = lines[0]["images"][0]
    assert (made["number"], made["parent"], made["seed"]) == (3, 1, one.seed)
    assert "red" in made["prompt"] and "spoiler" in made["prompt"]
    keys = {"number", "path", "prompt", "negative_prompt", "seed", "parent", "tool", "width",
            "height"}
    night = lines[1]["images"][0]
    assert set(night) == keys
    assert lines[1]["error"] is False
    assert lines[1]["conversation_id"] == lines[0]["conversation_id"]
    assert night["parent"] == 3 and "night" in night["prompt"] and "spoiler" in night["prompt"]
    assert Path(night["path"]).is_file()


def test_a_button_under_an_old_photo_acts_in_its_own_conversation(agent: Agent) -> None:
    old = say(agent, "a red car").images[0]
    say(agent, "/new")
    say(agent, "a boat")
    reply = agent.handle_turn(Turn(user="cli:alice", text="variations of #1",
                                   image_id=old.image_id))
    made = reply.images[0]
    assert (made.conversation_id, made.number, made.parent) == (old.conversation_id, 2, 1)
    assert made.prompt == "a red car"  # not the boat of the newer conversation
    stolen = agent.handle_turn(Turn(user="cli:bob", text="variations of #1",
                                    image_id=old.image_id))
    assert stolen.error and "not one of yours" in stolen.text and not stolen.images


def test_help_does_not_wait_for_the_users_own_picture(agent: Agent) -> None:
    import threading

    from tools.jobs import get_queue

    gate = threading.Event()
    blocker = get_queue(agent.settings).submit(lambda ctx: gate.wait(30), label="blocker")
    picture: list[Reply] = []
    worker = threading.Thread(target=lambda: picture.append(say(agent, "a slow picture")))
    worker.start()
    try:
        helped = say(agent, "/help")  # the picture above is still waiting in the queue
        assert "make and refine" in helped.text and picture == []
        assert "No images yet" in say(agent, "/history").text
        # /search only reads (an empty library here): it answers while the picture waits
        assert "index" in say(agent, "/search a beach").text.lower() and picture == []
    finally:
        gate.set()
        blocker.result(30)
        worker.join(60)
    assert picture and picture[0].images[0].number == 1
