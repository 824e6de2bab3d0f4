"""The pixel tools through the agent, in English and Chinese (rules planner, tiny profile):
region edits, zoom out, pan, upscale, vary subtle/strong and blend. What a user notices:
the picture they asked for, its size, its parent, what stayed unchanged, and a reply that
says what was done."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image as PILImage

from agent import intents
from agent.engine import Agent
from agent.intents_tools import LocalChange, in_picture, local_change
from settings import Settings
from tests.pictures import noise, png_bytes
from tests.test_agent import image, say

CAR_PHOTO = "a red car parked under a blue sky"


@pytest.fixture
def agent(settings: Settings) -> Agent:
    return Agent(settings)


@pytest.fixture
def described(monkeypatch: pytest.MonkeyPatch) -> None:
    """Uploads are described as a red car under a sky (the tiny captioner's words are
    random), so the region edit has a thing in the picture to find."""
    monkeypatch.setattr(Agent, "_describe_upload", lambda self, picture: CAR_PHOTO)


def pixels_of(agent: Agent, number: int) -> np.ndarray:
    row = image(agent, number)
    return np.asarray(agent.storage.images.open(row.file).convert("RGB"), dtype=np.int16)


def photo() -> bytes:
    return png_bytes(noise(64, 64, seed=3))


# ---------------------------------------------------------------------- reading requests


@pytest.mark.parametrize("text,kind,slot", [
    ("upscale #2", "upscale", {"factor": 2}), ("upscale 4x", "upscale", {"factor": 4}),
    ("放大2倍", "upscale", {"factor": 2}), ("高清放大", "upscale", {"factor": 2}),
    ("/upscale 2 4x", "upscale", {"factor": 4}),
    ("zoom out", "zoom", {"factor": 2.0}), ("zoom out 3x", "zoom", {"factor": 3.0}),
    ("缩小一点", "zoom", {"factor": 2.0}), ("拉远", "zoom", {"factor": 2.0}),
    ("extend to the left", "pan", {"direction": "left"}),
    ("向右扩展", "pan", {"direction": "right"}), ("make it wider", "pan", {"direction": "wider"}),
    ("vary subtle", "vary", {"strength": "subtle"}),
    ("vary strong", "vary", {"strength": "strong"}),
    ("微调一下", "vary", {"strength": "subtle"}), ("大改一下", "vary", {"strength": "strong"}),
    ("only make the car red", "region", {"region": "the car", "paint": "red car"}),
    ("只把天空换成晚霞", "region", {"region": "天空", "paint": "晚霞"}),
])
def test_tool_requests_are_read_in_both_languages(text: str, kind: str, slot: dict) -> None:
    intent = intents.parse(text, has_image=True, images=3)
    assert intent.kind == kind, (text, intent)
    assert intent.settings == slot


@pytest.mark.parametrize("text,refs", [("blend #1 and #3", [1, 3]), ("mix #2 #4 #5", [2, 4, 5]),
                                       ("把#1和#2融合", [1, 2]), ("/blend 1 3", [1, 3])])
def test_blend_names_its_pictures(text: str, refs: list[int]) -> None:
    intent = intents.parse(text, has_image=True, images=5)
    assert (intent.kind, intent.refs) == ("blend", refs)


@pytest.mark.parametrize("text", [
    "make it night", "make the car red", "replace the sky with a starry night", "把背景换成海边",
    "zoom in", "enlarge the cat", "make the river wider", "just one horse please",
    "variations", "blend it", "change the style to anime",
])
def test_other_changes_read_as_before(text: str) -> None:
    """Only plain tool requests and "only …" change how a message is read."""
    assert intents.parse(text, has_image=True, images=3).kind in ("edit", "variations")


@pytest.mark.parametrize("text", ["upscale", "zoom out 2x", "vary strong", "放大2倍", "向右扩展",
                                  "only make the car red"])
def test_tool_requests_without_a_picture_say_there_is_none(agent, text: str) -> None:
    assert intents.parse(text).kind == "needs_image"
    reply = say(agent, text)
    assert not reply.images and ("no picture yet" in reply.text or "还没有图片" in reply.text)


def test_a_mix_or_blend_without_pictures_is_a_subject() -> None:
    assert intents.parse("a blend of coffee beans").kind == "generate"
    assert intents.parse("mix of flowers in a vase", has_image=True).kind == "generate"


def test_local_and_global_changes() -> None:
    assert local_change("make the car red") == LocalChange("the car", "red car")
    assert local_change("replace the sky with a starry night").region == "the sky"
    assert local_change("把天空换成晚霞").region == "天空"
    assert local_change("remove the cup").paint == ""
    for text in ("make it night", "change the style to anime", "make the dog bigger",
                 "replace the car with a bike and add a dog", "把画面变成夜晚"):
        assert local_change(text) is None, text
    assert in_picture("the car", CAR_PHOTO) and in_picture("天空", CAR_PHOTO)
    assert not in_picture("the dog", CAR_PHOTO)


# --------------------------------------------------------------------------- region edit


@pytest.mark.parametrize("say_it,region", [("make the car red", "the car"),
                                           ("把天空换成晚霞", "天空")])
def test_a_local_change_of_a_photo_repaints_only_that_region(agent, described, say_it,
                                                             region) -> None:
    say(agent, "", pictures=[photo()])
    reply = say(agent, say_it)
    assert [i.number for i in reply.images] == [2], reply.text
    row, parent = image(agent, 2), image(agent, 1)
    assert (row.tool, row.parent_id, row.extra["region"]) == ("region", parent.id, region)
    assert row.extra["mask_prompt"] in ("the car", "sky")  # the segmenter reads English
    mask = np.asarray(agent.storage.images.open(row.extra["mask_file"]).convert("L"))
    assert mask.shape == (64, 64) and 0 < (mask > 0).sum() < mask.size
    after, before = pixels_of(agent, 2), pixels_of(agent, 1)
    assert np.array_equal(after[mask == 0], before[mask == 0])  # outside: the parent's
    assert not np.array_equal(after[mask == 255], before[mask == 255])  # inside: repainted
    assert ("only" in reply.text or "只重画" in reply.text) and region in reply.text
    assert "mask saved" in say(agent, "/prompt 2").text


def test_global_changes_of_a_photo_and_changes_of_text_pictures_are_not_region_edits(
        agent, described) -> None:
    """Documented choice: a picture drawn from text is refined (same seed, rewritten
    prompt), a photo's global change is an instruction edit; "only …" asks for a region."""
    say(agent, "", pictures=[photo()])
    night = say(agent, "make it night").images[0]
    assert image(agent, night.number).tool == "instruct"
    red_dog = say(agent, "make the dog red").images[0]  # no dog in the photo: not a region
    assert image(agent, red_dog.number).tool == "instruct"
    say(agent, "a blue car on a road")
    red_car = say(agent, "make the car red").images[0]
    assert image(agent, red_car.number).tool == "refine"
    reply = say(agent, "only make the car green")
    assert image(agent, reply.images[0].number).tool == "region", reply.text


# ------------------------------------------------------------------------ zoom and pan


@pytest.mark.parametrize("ask,factor", [("zoom out 2x", 2), ("缩小一点", 2),
                                        ("zoom out 1.5x", 1.5)])
def test_zoom_out_grows_the_canvas_and_keeps_the_original_in_the_centre(agent, ask,
                                                                        factor) -> None:
    say(agent, "", pictures=[photo()])
    reply = say(agent, ask)
    [made] = reply.images
    row = image(agent, made.number)
    assert (row.tool, made.parent) == ("zoom_out", 1)
    w, h = row.width, row.height
    assert abs(w / 64 - factor) <= 0.15 and abs(h / 64 - factor) <= 0.15  # multiples of 8
    x, y, pw, ph = row.extra["placed"]
    assert (pw, ph) == (64, 64) and abs(x - (w - 64) / 2) <= 1 and abs(y - (h - 64) / 2) <= 1
    assert np.array_equal(pixels_of(agent, made.number)[y:y + 64, x:x + 64], pixels_of(agent, 1))
    assert "#1" in reply.text and ("Zoomed out" in reply.text or "拉远" in reply.text)


@pytest.mark.parametrize("ask,grew", [("extend to the left", "width"), ("向右扩展", "width"),
                                      ("make it wider", "width")])
def test_pan_extends_the_picture(agent, ask, grew) -> None:
    say(agent, "", pictures=[photo()])
    [made] = say(agent, ask).images
    row = image(agent, made.number)
    assert row.tool == "pan" and made.parent == 1 and row.width > 64 and row.height == 64
    x, y, pw, ph = row.extra["placed"]
    assert np.array_equal(pixels_of(agent, made.number)[y:y + ph, x:x + pw], pixels_of(agent, 1))
    if ask == "extend to the left":
        assert x > 0 and x + pw == row.width
    if ask == "向右扩展":
        assert x == 0


# ------------------------------------------------------------------------------ upscale


@pytest.mark.parametrize("ask", ["upscale #1", "放大2倍"])
def test_upscale_doubles_the_size_and_says_how(agent, ask) -> None:
    say(agent, "a lighthouse at dusk")
    reply = say(agent, ask)
    [made] = reply.images
    assert (made.width, made.height, made.parent, made.tool) == (128, 128, 1, "upscale")
    assert image(agent, 2).extra["factor"] == 2
    assert ("Upscaled #1 2x (model tiny)" in reply.text
            or "已把 #1 放大 2 倍（模型 tiny）" in reply.text), reply.text


def test_upscale_without_an_upscaler_says_lanczos(monkeypatch, settings) -> None:
    from tools import models

    bare = models.replace_profile(models.PROFILES["tiny"], name="bare", upscaler=(None, None))
    monkeypatch.setitem(models.PROFILES, "bare", bare)
    agent = Agent(settings.with_(profile="bare"))
    say(agent, "", pictures=[photo()])
    reply = say(agent, "upscale 4x")
    assert (reply.images[0].width, reply.images[0].height) == (256, 256)
    assert "Upscaled #1 4x (Lanczos: this profile has no upscaler)" in reply.text
    parent = agent.storage.images.open(image(agent, 1).file).convert("RGB")
    lanczos = parent.resize((256, 256), PILImage.Resampling.LANCZOS)
    assert np.array_equal(pixels_of(agent, 2), np.asarray(lanczos, dtype=np.int16))


# --------------------------------------------------------------------------------- vary


@pytest.mark.parametrize("ask,kind,strength", [("vary subtle", "subtle", 0.35),
                                               ("vary strong", "strong", 0.7),
                                               ("微调一下", "subtle", 0.35),
                                               ("大改一下", "strong", 0.7)])
def test_vary_draws_from_the_pictures_pixels_at_its_strength(agent, ask, kind,
                                                             strength) -> None:
    say(agent, "a red fox in the snow")
    reply = say(agent, ask)
    row = image(agent, 2)
    assert (row.tool, reply.images[0].parent, row.extra["vary"]) == ("vary", 1, kind)
    assert row.extra["strength"] == strength and row.extra["source_image_id"] == image(
        agent, 1).id
    assert row.prompt == "a red fox in the snow"
    assert ("variation of #1" in reply.text) or ("#1 的" in reply.text)
    again = say(agent, "another one")  # a variation of it starts from its pixels too
    assert image(agent, again.images[0].number).extra["source_image_id"] == row.id


# -------------------------------------------------------------------------------- blend


@pytest.mark.parametrize("ask", ["blend #1 and #3", "把#1和#3融合"])
def test_blend_recipe_names_every_source(agent, ask) -> None:
    for subject in ("a red apple", "a green pear", "a yellow lemon"):
        say(agent, subject)
    reply = say(agent, ask)
    [made] = reply.images
    row = image(agent, made.number)
    assert (row.tool, made.parent, row.extra["sources"]) == ("blend", 1, [1, 3])
    assert row.extra["method"] == "average-img2img" and row.extra["source_ids"] == [
        image(agent, 1).id, image(agent, 3).id]
    assert "#1" in reply.text and "#3" in reply.text
    assert "blend of #1, #3" in say(agent, f"/prompt {made.number}").text


def test_blend_needs_two_pictures(agent) -> None:
    say(agent, "a red apple")
    reply = say(agent, "blend #1 and #1")
    assert reply.error and not reply.images and "2 to 5" in reply.text


def test_pixel_tool_commands(agent) -> None:
    say(agent, "", pictures=[photo()])
    assert say(agent, "/upscale 1").images[0].width == 128
    [varied] = say(agent, "/vary 1 strong").images
    assert image(agent, varied.number).extra["vary"] == "strong" and varied.parent == 1
    assert say(agent, "/zoom 1").images[0].width == 128
    assert say(agent, "/pan 1 left").images[0].width > 64
    assert image(agent, say(agent, "/blend 1 2").images[0].number).extra["sources"] == [1, 2]
    assert "/upscale" in say(agent, "help").text


def test_region_results_open_as_pictures(agent, described) -> None:
    say(agent, "", pictures=[photo()])
    say(agent, "replace the sky with a starry night")
    row = image(agent, 2)
    assert row.tool == "region" and row.extra["region_prompt"] == "a starry night"
    with PILImage.open(agent.storage.images.path(row.extra["mask_file"])) as mask:
        assert mask.mode == "L" and mask.size == (64, 64)
