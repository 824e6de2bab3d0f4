"""The Telegram channel, driven through the real python-telegram-bot HTTP client.

A fake Bot API server (tests/fake_telegram.py) runs on loopback; the bot polls it like
it polls api.telegram.org. The agent under the bot comes from ONE fixture,
``telegram_agent``: the real ``agent.engine.Agent`` on the tiny profile. Tests about
timing under load (50 users, /help while jobs wait, progress throttling) use
``scripted_agent`` instead (tests/fake_agent.py: same interface, jobs of a known length),
because on a CPU the real tiny models take about a second per picture;
``test_fifty_users_with_the_real_agent`` (marked slow) runs the load on the real one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fake_agent import FakeAgent
from fake_telegram import Call, FakeTelegram

from agent.types import Action, ReplyImage, Turn
from channels.telegram import (
    APOLOGY,
    EDITED,
    EXPIRED,
    NOT_AN_IMAGE,
    NOT_YOURS,
    STICKER,
    _check_connection,
    api_urls,
    build_application,
)
from channels.telegram_access import Access, UserRateLimit
from channels.telegram_render import (
    MORE_ROWS,
    PHOTO_ROWS,
    caption,
    chunks,
    decode_button,
    encode_button,
    keyboards,
    photo_keyboards,
)
from errors import ConfigError, InvalidInput, NotAvailable
from tests.pictures import png

ALICE, BOB = 1001, 1002


@pytest.fixture
def telegram_agent(settings):
    """The agent under the bot: the real engine on the tiny profile (the scripted one in
    tests/fake_agent.py only makes pictures of a known length; it has no conversations)."""
    from agent.engine import Agent

    agent = Agent(settings)
    yield agent
    agent.storage.close()


@pytest.fixture
def scripted_agent(settings):
    """The scripted agent: every picture takes 2 steps of 0.03 s on one "GPU" thread."""
    agent = FakeAgent(settings, steps=2, step_time=0.03)
    yield agent
    agent.close()


class SpyAgent:
    """Wraps the agent: records the turns the bot hands it; can fail on demand."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.turns: list[Turn] = []
        self.fail_with: Exception | None = None
        self.returned: list[tuple[str, float]] = []  # (turn text, time.monotonic())

    def handle_turn(self, turn: Turn):
        self.turns.append(turn)
        if self.fail_with is not None:
            raise self.fail_with
        reply = self.inner.handle_turn(turn)
        self.returned.append((turn.text, time.monotonic()))
        return reply

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@dataclass
class Harness:
    tg: FakeTelegram
    app: Any
    agent: SpyAgent

    async def photos(self, chat_id: int, n: int = 1, timeout: float = 15) -> list[Call]:
        return await self.tg.wait_until(
            lambda: (p := self.tg.photos_to(chat_id)) and len(p) >= n and p,
            timeout, f"{n} photo(s) to {chat_id}")

    async def text(self, chat_id: int, needle: str, timeout: float = 10) -> str:
        return await self.tg.wait_until(
            lambda: next((t for t in self.tg.texts_to(chat_id) if needle in t), None),
            timeout, f"a message to {chat_id} containing {needle!r}")

    async def quiet(self, seconds: float = 0.4) -> None:
        """Let the bot process what was injected (for asserting that nothing happens)."""
        await self.tg.wait_until(lambda: not self.tg.pending_updates, 5, "updates fetched")
        await asyncio.sleep(seconds)


@pytest.fixture
async def start_bot(settings, request):
    tg = await FakeTelegram().start()
    apps = []

    async def start(allowed: str = "*", admin: str = "", agent: Any = None,
                    **options: Any) -> Harness:
        s = settings.with_(telegram_token=tg.token, telegram_allowed_users=allowed,
                           telegram_admin_id=admin)
        spy = SpyAgent(agent if agent is not None else request.getfixturevalue("telegram_agent"))
        app = build_application(s, spy, api_url=tg.api_url, **options)
        await app.initialize()
        await app.post_init(app)
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        apps.append(app)
        return Harness(tg, app, spy)

    yield start
    for app in apps:
        await app.updater.stop()
        await app.stop()
        await app.post_shutdown(app)
        await app.shutdown()
    await tg.stop()




def buttons(photo: Call) -> dict[str, str]:
    """label -> callback data of a sent photo's inline keyboard."""
    markup = photo.params.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", [])
            for b in row}


def button(photo: Call, word: str) -> str:
    return next(data for label, data in buttons(photo).items() if word.lower() in label.lower())


# --- the main flow -----------------------------------------------------------------------
async def test_text_turn_sends_photo_with_caption_keyboard_and_status(start_bot):
    bot = await start_bot()
    bot.tg.text(ALICE, "a red car, watercolor")
    [photo] = await bot.photos(ALICE)

    assert photo.files["photo"][1].startswith(b"\x89PNG")  # a multipart PNG upload
    cap = photo.params["caption"]
    assert cap.startswith("#1") and "seed" in cap and "a red car, watercolor" in cap
    data = buttons(photo)
    assert any("reroll" in label.lower() for label in data)
    assert all(len(d.encode()) <= 64 for d in data.values())
    # a status ("⏳ queued (position 1)", or already "🎨 …" when the job started at once)
    # was posted before the photo, then removed
    status = bot.tg.calls_of("sendMessage", ALICE)[0]
    assert status.params["text"][0] in "⏳🎨" and status.at < photo.at
    await bot.tg.wait_until(lambda: bot.tg.calls_of("deleteMessage", ALICE), what="delete")
    assert (ALICE, status.result["message_id"]) in bot.tg.deleted
    assert [t.user for t in bot.agent.turns] == [f"telegram:{ALICE}"]
    assert not bot.tg.errors()
    commands = bot.tg.commands['{"type": "default"}']
    assert {c["command"] for c in commands} >= {"start", "help", "new", "undo", "history",
                                                "settings", "search"}


async def test_variations_button_makes_a_child_and_undo_goes_back(start_bot):
    bot = await start_bot()
    bot.tg.text(ALICE, "a lighthouse at dusk")
    [first] = await bot.photos(ALICE)

    press = bot.tg.press(ALICE, first.result, button(first, "reroll"))
    second = (await bot.photos(ALICE, 2))[1]
    assert second.params["caption"].startswith("#2 (from #1)")
    assert "a lighthouse at dusk" in second.params["caption"]
    assert bot.agent.turns[-1].text == "variations of #1"
    # the press was answered at once, before the new job was even queued
    answer = bot.tg.calls_of("answerCallbackQuery")[0]
    assert answer.params["callback_query_id"] == press["callback_query"]["id"]
    statuses = [c for c in bot.tg.calls_of("sendMessage", ALICE) if c.params["text"][0] in "⏳🎨"]
    assert answer.at < statuses[1].at < second.at

    bot.tg.text(ALICE, "/undo")
    back = await bot.text(ALICE, "Back to #1")
    assert back.startswith("Back to #1: a lighthouse at dusk")
    assert len(bot.tg.photos_to(ALICE)) == 2  # going back draws nothing
    # undo moved the pointer: the next refinement builds on #1, not #2
    bot.tg.text(ALICE, "make it night")
    latest = (await bot.photos(ALICE, 3))[-1]
    assert latest.params["caption"].startswith("#3 (from #1)")


async def test_photo_with_caption_is_an_edit_of_that_photo(start_bot):
    bot = await start_bot()
    upload = png("blue")
    bot.tg.photo(ALICE, upload, caption="make it watercolor")
    [photo] = await bot.photos(ALICE)

    [turn] = bot.agent.turns
    assert turn.text == "make it watercolor"
    assert [a.data for a in turn.attachments] == [upload]
    assert bot.tg.calls_of("getFile") and bot.tg.calls_of("download")
    assert photo.params["caption"].startswith("#2 (from #1)")  # #1 is the upload


async def test_album_is_one_turn_with_every_photo(start_bot):
    bot = await start_bot(album_wait=0.3)
    bot.tg.photo(ALICE, png("red"), caption="the cat of the first in the style of the second",
                 media_group_id="album-1")
    bot.tg.photo(ALICE, png("green"), media_group_id="album-1")
    await bot.tg.wait_until(lambda: bot.agent.returned, 30, "the album's turn")
    await bot.quiet()

    [turn] = bot.agent.turns
    assert turn.text == "the cat of the first in the style of the second"
    assert [a.data for a in turn.attachments] == [png("red"), png("green")]
    # and the user got the agent's answer, not an apology: the first photo in the second's
    # style, #3 from #1
    [photo] = await bot.photos(ALICE)
    assert photo.params["caption"].startswith("#3 (from #1)")
    assert not any(APOLOGY in t for t in bot.tg.texts_to(ALICE))
    assert not bot.tg.errors()


async def test_captions_say_things_once_and_keep_the_agents_notes(start_bot):
    bot = await start_bot(album_wait=0.3)
    bot.tg.text(ALICE, "a red car")
    [first] = await bot.photos(ALICE)
    assert "Here is" not in first.params["caption"]  # the caption already says it
    bot.tg.photo(ALICE, png("red"), media_group_id="album-2")
    bot.tg.photo(ALICE, png("blue"), media_group_id="album-2")
    await bot.text(ALICE, "saved as #2, #3")
    bot.tg.text(ALICE, "draw #2 in the style of #3")
    photos = await bot.photos(ALICE, 2)
    cap = photos[-1].params["caption"]
    assert cap.startswith("#4 (from #2)")
    assert "not available in the tiny profile" in cap  # the agent's note survives


async def test_a_text_only_turn_posts_no_status_message(start_bot):
    bot = await start_bot()
    bot.tg.text(ALICE, "/help")
    await bot.tg.wait_until(lambda: bot.tg.texts_to(ALICE), what="the help text")
    await bot.quiet()
    assert len(bot.tg.texts_to(ALICE)) == 1 and not bot.tg.calls_of("deleteMessage")


async def test_a_users_turns_run_in_order(start_bot):
    bot = await start_bot()
    bot.tg.text(ALICE, "a cat on a sofa")
    bot.tg.text(ALICE, "make it night")
    first, second = await bot.photos(ALICE, 2)
    assert first.params["caption"].startswith("#1 ")
    assert second.params["caption"].startswith("#2 (from #1)")
    assert any("waiting for your previous request" in t for t in bot.tg.texts_to(ALICE))


# --- concurrency -------------------------------------------------------------------------
async def _fifty_users(bot: Harness, timeout: float) -> None:
    users = range(5000, 5050)
    for uid in users:
        bot.tg.text(uid, f"a house number {uid}")
    await bot.tg.wait_until(lambda: all(bot.tg.photos_to(uid) for uid in users), timeout,
                            "a photo for each of 50 users")
    for uid in users:
        [photo] = bot.tg.photos_to(uid)
        assert f"a house number {uid}" in photo.params["caption"]
    assert not bot.tg.errors()


async def test_fifty_users_at_once_all_get_their_photos(start_bot, scripted_agent):
    await _fifty_users(await start_bot(agent=scripted_agent), timeout=45)


@pytest.mark.slow
async def test_fifty_users_with_the_real_agent(start_bot):
    await _fifty_users(await start_bot(), timeout=300)


async def test_help_is_answered_while_image_jobs_are_queued(start_bot, scripted_agent):
    bot = await start_bot(agent=scripted_agent)
    users = range(7000, 7016)  # more waiting turns than asyncio's default thread pool has
    for uid in users:
        bot.tg.text(uid, f"a mountain {uid}")
    await bot.tg.wait_until(lambda: sum(1 for c in bot.tg.calls_of("sendMessage")
                                        if "⏳ queued (position" in c.params["text"]) >= 3,
                            what="queued")
    bot.tg.text(7000, "/help")  # one of the waiting users
    bot.tg.text(BOB, "/help")
    help_bob = await bot.tg.wait_until(
        lambda: next((c for c in bot.tg.calls_of("sendMessage", BOB)), None), what="help")
    help_7000 = await bot.tg.wait_until(lambda: next(
        (c for c in bot.tg.calls_of("sendMessage", 7000) if "⏳" not in c.params["text"]
         and "🎨" not in c.params["text"]), None), what="help for a waiting user")
    await bot.tg.wait_until(lambda: all(bot.tg.photos_to(uid) for uid in users), 30, "photos")
    finished = [at for text, at in bot.agent.returned if text.startswith("a mountain")]
    # both answers came while most of the image turns were still waiting for the "GPU"
    for answer in (help_bob, help_7000):
        assert sum(at > answer.at for at in finished) >= 10
    assert bot.tg.photos_to(7000)[0].at > help_7000.at  # its own job finished later


async def test_progress_edits_are_throttled_and_never_repeat(start_bot, settings):
    slow = FakeAgent(settings, steps=12, step_time=0.15)  # 1.8 s of "rendering"
    try:
        bot = await start_bot(agent=slow)
        bot.tg.text(ALICE, "a slow painting")
        await bot.photos(ALICE)
    finally:
        slow.close()
    edits = bot.tg.calls_of("editMessageText", ALICE, ok=False)
    assert 1 <= len(edits) <= 3, [e.params["text"] for e in edits]
    assert any("step" in e.params["text"] for e in edits)
    assert all(b.at - a.at >= 0.9 for a, b in zip(edits, edits[1:], strict=False))
    assert not bot.tg.errors()  # no "message is not modified"


# --- access control, rate limit ------------------------------------------------------------
async def test_stranger_is_refused_and_the_agent_never_called(start_bot):
    bot = await start_bot(allowed=str(ALICE))
    bot.tg.text(BOB, "a red car")
    refusal = await bot.text(BOB, "private")
    assert str(BOB) in refusal and "TELEGRAM_ALLOWED_USERS" in refusal
    bot.tg.photo(BOB, png())
    bot.tg.press(BOB, {"message_id": 1, "date": 0, "chat": bot.tg.chat(BOB)}, "a:1:v")
    await bot.tg.wait_until(lambda: bot.tg.calls_of("answerCallbackQuery"), what="answer")
    await bot.quiet()
    assert bot.agent.turns == []
    assert not bot.tg.calls_of("getFile")
    assert "private" in bot.tg.calls_of("answerCallbackQuery")[0].params["text"]

    bot.tg.text(ALICE, "a red car")  # Alice is on the list
    await bot.photos(ALICE)


async def test_unset_allow_list_means_only_the_admin(start_bot, caplog):
    caplog.set_level(logging.INFO, logger="channels.telegram")
    bot = await start_bot(allowed="", admin=str(ALICE))
    assert any("only the admin" in r.getMessage() for r in caplog.records)
    bot.tg.text(BOB, "hello")
    bot.tg.text(ALICE, "a tree")
    await bot.photos(ALICE)
    await bot.text(BOB, "private")
    assert {t.user for t in bot.agent.turns} == {f"telegram:{ALICE}"}


async def test_admin_sees_queue_and_usage_others_do_not(start_bot):
    bot = await start_bot(allowed="*", admin=str(ALICE))
    scopes = list(bot.tg.commands)
    assert any(str(ALICE) in s for s in scopes)  # the admin's menu has /queue and /usage
    bot.tg.text(ALICE, "/queue")
    bot.tg.text(ALICE, "/usage")
    bot.tg.text(BOB, "/usage")
    await bot.text(ALICE, "queue")
    await bot.text(ALICE, "users")
    await bot.text(BOB, "only for the bot's admin")
    assert bot.agent.turns == []


async def test_per_user_rate_limit_says_slow_down(start_bot):
    bot = await start_bot(rate_limit=3)
    for _ in range(5):
        bot.tg.text(ALICE, "/help")
    await bot.text(ALICE, "Slow down")
    await bot.quiet()
    assert len(bot.agent.turns) == 3
    assert sum("Slow down" in t for t in bot.tg.texts_to(ALICE)) == 1
    bot.tg.text(BOB, "/help")  # others are not affected
    await bot.tg.wait_until(lambda: bot.tg.texts_to(BOB), what="Bob's answer")


# --- buttons -----------------------------------------------------------------------------
async def test_nobody_can_press_buttons_of_someone_elses_image(start_bot):
    bot = await start_bot()
    bot.tg.text(ALICE, "a secret garden")
    [photo] = await bot.photos(ALICE)
    image_id = int(button(photo, "reroll").split(":")[1])

    bot.tg.press(BOB, photo.result, button(photo, "reroll"))
    bot.tg.press(BOB, photo.result, f"t:{image_id}:variations of #1")  # forged
    bot.tg.press(BOB, photo.result, f"p:{ALICE}:/undo")  # forged, text-reply kind
    await bot.tg.wait_until(lambda: len(bot.tg.calls_of("answerCallbackQuery")) == 3)
    await bot.quiet()
    answers = bot.tg.calls_of("answerCallbackQuery")
    assert all(a.params["text"] == NOT_YOURS and a.params["show_alert"] for a in answers)
    assert [t.user for t in bot.agent.turns] == [f"telegram:{ALICE}"]
    assert len(bot.tg.photos_to(ALICE)) == 1 and not bot.tg.photos_to(BOB)


async def test_expired_and_unknown_buttons(start_bot):
    bot = await start_bot()
    message = {"message_id": 7, "date": 0, "chat": bot.tg.chat(ALICE)}
    ids = [bot.tg.press(ALICE, message, data)["callback_query"]["id"]
           for data in ("variations_5", "a:12:zz", "x", "a:999999:v")]
    await bot.tg.wait_until(lambda: len(bot.tg.answered) == 4)
    texts = [bot.tg.answered[i]["text"] for i in ids]
    assert texts[:3] == [EXPIRED] * 3
    assert texts[3] == NOT_YOURS  # an image id that does not exist is nobody's to press
    assert bot.agent.turns == []


async def test_every_photo_button_as_the_owner_and_as_someone_else(start_bot):
    """Each button under a photo (and behind its "more") refuses a stranger and runs for the
    owner; the first photo's buttons keep acting on #1 after newer pictures came."""
    from channels.telegram_render import ACTION_TEMPLATES

    bot = await start_bot()
    bot.tg.text(ALICE, "a red car on a street")
    [photo] = await bot.photos(ALICE)
    labels = buttons(photo)
    main = [code for row in PHOTO_ROWS for _, code in row]
    assert [d.rsplit(":", 1)[1] for d in labels.values()][:len(main)] == main
    assert "➕ More" in labels and all(len(d.encode()) <= 64 for d in labels.values())
    image_id = int(labels["➕ More"].split(":")[1])

    async def press(user: int, message: dict, data: str) -> None:
        turns, answered = len(bot.agent.returned), len(bot.tg.answered)
        bot.tg.press(user, message, data)
        await bot.tg.wait_until(lambda: len(bot.tg.answered) > answered, 10, "the answer")
        if user == ALICE and not data.endswith(":more"):
            await bot.tg.wait_until(lambda: len(bot.agent.returned) > turns, 60, data)

    for data in labels.values():  # a stranger: refused, nothing runs
        await press(BOB, photo.result, data)
    assert all(a.get("text") == NOT_YOURS for a in bot.tg.answered.values())
    assert [t.user for t in bot.agent.turns] == [f"telegram:{ALICE}"]
    assert not bot.tg.texts_to(BOB)

    await press(ALICE, photo.result, labels["➕ More"])
    more = await bot.tg.wait_until(lambda: next(
        (c for c in bot.tg.calls_of("sendMessage", ALICE)
         if c.params["text"] == "More for #1:"), None), 10, "the more keyboard")
    more_data = [b["callback_data"] for row in more.params["reply_markup"]["inline_keyboard"]
                 for b in row]
    assert more_data == [f"a:{image_id}:{code}" for row in MORE_ROWS for _, code in row]
    for data in more_data[:2]:
        await press(BOB, more.result, data)
    assert len(bot.agent.turns) == 1

    codes = main + [code for row in MORE_ROWS for _, code in row]
    for code in codes:
        await press(ALICE, photo.result if code in main else more.result,
                    f"a:{image_id}:{code}")
    await bot.quiet(0.6)
    said = [t.text for t in bot.agent.turns[1:]]
    assert said == [ACTION_TEMPLATES[c].format(n=1) for c in codes]
    made = [c for c in [*bot.tg.calls_of("sendPhoto", ALICE),
                        *bot.tg.calls_of("sendDocument", ALICE)]
            if "(from #1)" in c.params.get("caption", "")]
    assert len(made) == len(codes) - 2  # all but undo and describe make a picture of #1
    documents = bot.tg.calls_of("sendDocument", ALICE)  # upscales: files, not recompressed
    assert len(documents) == 2 and all(d.params.get("reply_markup") for d in documents)
    assert any("shows" in text for text in bot.tg.texts_to(ALICE))  # describe
    assert not bot.tg.errors()


def test_photo_keyboards_carry_their_own_image():
    one, two = _image(1, 501), _image(2, 502, parent=1)
    actions = [Action("🎲 Variations", "variations of #2"), Action("✨ Beautify", "beautify #2"),
               Action("↩ Undo", "/undo")]
    marks = photo_keyboards(actions, [one, two], owner=ALICE)
    for image_id in (501, 502):
        data = [b.callback_data for row in marks[image_id].inline_keyboard for b in row]
        assert all(d.startswith(f"a:{image_id}:") for d in data), data
        assert len(data) == len(set(data))  # the reply's variations/undo are not twice
        assert data[-1] == f"a:{image_id}:more"
    assert "✨ Beautify" in [b.text for row in marks[502].inline_keyboard for b in row]
    assert decode_button("a:501:x2").command_for(1) == "/upscale #1"
    assert decode_button("a:501:more").code == "more"


# --- bad input ---------------------------------------------------------------------------
async def test_documents_images_accepted_others_refused(start_bot):
    bot = await start_bot()
    bot.tg.document(ALICE, b"%PDF-1.4 ...", file_name="report.pdf", mime_type="application/pdf")
    await bot.text(ALICE, NOT_AN_IMAGE)
    assert bot.agent.turns == [] and not bot.tg.calls_of("getFile")

    image = png("yellow")
    bot.tg.document(ALICE, image, file_name="sketch.png", mime_type="image/png",
                    caption="make it watercolor")
    await bot.photos(ALICE)
    [turn] = bot.agent.turns
    assert turn.attachments[0].data == image and turn.attachments[0].filename == "sketch.png"


async def test_huge_uploads_are_refused_before_download(start_bot):
    bot = await start_bot()
    bot.tg.photo(ALICE, png(), file_size=20 * 1024 * 1024, caption="make it night")
    await bot.text(ALICE, "20.0 MB")
    bot.tg.document(ALICE, png(), file_name="big.png", mime_type="image/png",
                    file_size=20 * 1024 * 1024)
    await bot.text(ALICE, "“big.png” is 20.0 MB")
    await bot.quiet()
    assert bot.agent.turns == [] and not bot.tg.calls_of("getFile")

    # Telegram offers several sizes of a photo: the largest that fits is used
    small = png("green", 48)
    bot.tg.photo(ALICE, png("green", 64), file_size=20 * 1024 * 1024, small=small,
                 caption="make it night")
    await bot.photos(ALICE)
    assert bot.agent.turns[0].attachments[0].data == small


async def test_stickers_and_edits_are_answered_not_run(start_bot):
    bot = await start_bot()
    bot.tg.sticker(ALICE)
    bot.tg.edited(ALICE, "a red car, oil painting")
    await bot.text(ALICE, STICKER)
    await bot.text(ALICE, EDITED)
    await bot.quiet()
    assert bot.agent.turns == []
    bot.tg.text(ALICE, "/frobnicate now")  # the agent judges commands, and says it
    await bot.text(ALICE, "/frobnicate")
    assert [t.text for t in bot.agent.turns] == ["/frobnicate now"]


async def test_groups_only_what_is_addressed_to_the_bot(start_bot):
    bot = await start_bot()
    group = -5000
    bot.tg.text(ALICE, "lunch anyone?", group=group)
    bot.tg.text(ALICE, "/help@some_other_bot", group=group)
    await bot.quiet()
    assert bot.agent.turns == [] and not bot.tg.calls_of("sendMessage", group)

    bot.tg.text(ALICE, "@imagechat_test_bot a blue bird", group=group)
    [photo] = await bot.photos(group)
    assert bot.agent.turns[-1].text == "a blue bird"
    assert bot.agent.turns[-1].user == f"telegram:{ALICE}"
    assert photo.params["reply_parameters"]["message_id"]  # quotes the request
    bot.tg.text(ALICE, "/help@imagechat_test_bot", group=group)
    await bot.tg.wait_until(lambda: len(bot.agent.turns) == 2, what="the /help turn")
    assert bot.agent.turns[-1].text == "/help"
    bot.tg.text(BOB, "a green frog", group=group, reply_to=photo.result)
    await bot.photos(group, 2)
    assert bot.agent.turns[-1].user == f"telegram:{BOB}"


async def test_agent_errors_become_an_apology_with_a_logged_context(start_bot, caplog):
    bot = await start_bot()
    bot.agent.fail_with = RuntimeError("database password is hunter2")
    update = bot.tg.text(ALICE, "a red car")
    await bot.text(ALICE, APOLOGY)
    assert not any("hunter2" in t or "Traceback" in t for t in bot.tg.texts_to(ALICE))
    record = next(r for r in caplog.records if r.name == "channels.telegram"
                  and r.levelno >= logging.ERROR)
    assert str(update["update_id"]) in record.getMessage()
    assert f"telegram:{ALICE}" in record.getMessage()

    bot.agent.fail_with = InvalidInput("there is no #9 in this conversation")
    bot.tg.text(ALICE, "variations of #9")
    await bot.text(ALICE, "there is no #9 in this conversation")


async def test_flood_waits_and_network_errors_are_retried(start_bot):
    bot = await start_bot()
    bot.tg.fail_next("sendPhoto", 429, "Too Many Requests: retry after 1", retry_after=1)
    bot.tg.fail_next("sendPhoto", 502, "Bad Gateway")
    bot.tg.text(ALICE, "a red car")
    await bot.photos(ALICE)
    statuses = [c.status for c in bot.tg.calls_of("sendPhoto", ALICE, ok=False)]
    assert statuses == [429, 502, 200]


# --- configuration -----------------------------------------------------------------------
def test_missing_token_is_a_clear_error(settings, monkeypatch, tmp_path, capsys):
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        build_application(settings, agent=None)
    import bot

    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("IMAGECHAT_HOME", str(tmp_path))
    assert bot.main(["telegram"]) == 1
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err


def test_access_settings(settings):
    with pytest.raises(ConfigError, match="TELEGRAM_ALLOWED_USERS"):
        Access.from_settings(settings.with_(telegram_allowed_users="12, alice"))
    with pytest.raises(ConfigError, match="TELEGRAM_ADMIN_ID"):
        Access.from_settings(settings.with_(telegram_admin_id="@me"))
    only_admin = Access.from_settings(settings.with_(telegram_admin_id="7"))
    assert only_admin.allows(7) and not only_admin.allows(8)
    assert "only the admin (7)" in only_admin.describe()
    listed = Access.from_settings(settings.with_(telegram_allowed_users="8, 9",
                                                 telegram_admin_id="7"))
    assert listed.allows(7) and listed.allows(9) and not listed.allows(10)
    everyone = Access.from_settings(settings.with_(telegram_allowed_users="*"))
    assert everyone.allows(123) and not everyone.is_admin(123)
    assert "nobody" in Access.from_settings(settings).describe()


def test_rate_limit_window_and_albums():
    now = [0.0]
    limit = UserRateLimit(2, 60, clock=lambda: now[0])
    assert limit.allow(1) and limit.allow(1, group="g") and limit.allow(1, group="g")
    assert not limit.allow(1) and limit.allow(2)
    assert limit.retry_in(1) == 60
    now[0] = 60.5
    assert limit.allow(1)


def test_api_urls_for_a_local_bot_api_server():
    assert api_urls("http://localhost:8081") == ("http://localhost:8081/bot",
                                                 "http://localhost:8081/file/bot")
    assert api_urls("http://127.0.0.1:9/bot/") == ("http://127.0.0.1:9/bot",
                                                   "http://127.0.0.1:9/file/bot")


def _image(number: int, image_id: int, parent: int | None = None) -> ReplyImage:
    return ReplyImage(number=number, path=Path("x.png"), prompt="a red car " * 30,
                      negative_prompt=None, seed=42, parent=parent, tool="generate",
                      width=64, height=64, image_id=image_id, conversation_id=1)


def test_buttons_round_trip_and_stay_short():
    one, two = _image(1, 501), _image(2, 502, parent=1)
    actions = [Action("🎲 Variations", "variations of #2"), Action("↩ Undo", "/undo"),
               Action("✨ Beautify", "beautify #1"),
               Action("🌙 Night", "make #2 a night scene with a full moon"),
               Action("Too long", "x" * 80)]
    marks = keyboards(actions, [one, two], owner=ALICE)
    flat = {b.text: b.callback_data for row in marks[502].inline_keyboard for b in row}
    assert flat["🎲 Variations"] == "a:502:v" and flat["↩ Undo"] == "a:502:u"
    assert "Too long" not in flat
    assert [b.callback_data for row in marks[501].inline_keyboard for b in row] == ["a:501:b"]
    night = decode_button(flat["🌙 Night"])
    assert night.kind == "t" and night.target == 502
    assert night.command_for(2) == "make #2 a night scene with a full moon"
    assert decode_button("a:502:v").command_for(7) == "variations of #7"
    assert decode_button("p:5:/undo").command == "/undo"
    assert decode_button("a:1:zz") is None and decode_button("old_style_5") is None
    assert encode_button(Action("New", "/new"), None, ALICE, {}) == f"p:{ALICE}:/new"
    cap = caption(two)
    assert cap.startswith("#2 (from #1) · seed 42 · a red car") and len(cap) < 200


def test_long_texts_are_split_for_telegram():
    text = "\n".join(f"#{i} a picture" for i in range(1000))
    parts = chunks(text)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text
    assert chunks("   ") == []


async def test_the_agent_runs_off_the_event_loop(start_bot):
    """A turn that blocks its thread for a while does not stop other users' replies."""

    class Sleepy:
        def __init__(self, inner):
            self.inner = inner

        def handle_turn(self, turn):
            if turn.user == f"telegram:{ALICE}":
                time.sleep(1.5)
            return self.inner.handle_turn(turn)

        def __getattr__(self, name):
            return getattr(self.inner, name)

    bot = await start_bot()
    bot.agent.inner = Sleepy(bot.agent.inner)
    bot.tg.text(ALICE, "a slow one")
    await asyncio.sleep(0.2)
    started = time.monotonic()
    bot.tg.text(BOB, "/help")
    await bot.tg.wait_until(lambda: bot.tg.texts_to(BOB), what="Bob's help")
    assert time.monotonic() - started < 1.0
    await bot.photos(ALICE)


# --- python bot.py telegram, end to end -------------------------------------------------------
# Runs bot.py in a subprocess with agent.engine replaced by the fake agent (so the check
# is about the channel's run(), fast, and independent of the models).
_RUN_BOT = """
import sys, types
sys.path.insert(0, "tests")
import fake_agent
engine = types.ModuleType("agent.engine")
engine.Agent = fake_agent.FakeAgent
sys.modules["agent.engine"] = engine
import bot
sys.exit(bot.main(sys.argv[1:]))
"""


async def _start_bot_process(tg: FakeTelegram, tmp_path, *args: str,
                             allowed: str = "*") -> asyncio.subprocess.Process:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_ALLOWED_USERS": allowed,
           "TELEGRAM_ADMIN_ID": "", "IMAGECHAT_HOME": str(tmp_path / "home"),
           "IMAGECHAT_PROFILE": "tiny", "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", _RUN_BOT, "telegram", "--api-url", tg.api_url, *args,
        cwd=Path(__file__).resolve().parents[1], env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)


async def _stop(process: asyncio.subprocess.Process) -> tuple[int, str]:
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
    out, _ = await asyncio.wait_for(process.communicate(), 20)
    return process.returncode, out.decode()


async def test_bot_py_telegram_polls_and_stops_on_ctrl_c(tmp_path):
    tg = await FakeTelegram().start()
    process = await _start_bot_process(tg, tmp_path, allowed="")
    try:
        await tg.wait_until(lambda: tg.calls_of("getUpdates"), 30, "the bot to poll")
        tg.text(ALICE, "a red car")  # nobody is allowed: no admin, no allow-list
        await tg.wait_until(lambda: tg.texts_to(ALICE), 10, "the refusal")
    finally:
        code, out = await _stop(process)
        await tg.stop()
    assert code == 0, out
    assert "nobody may use this bot" in out and "TELEGRAM_ADMIN_ID" in out
    assert "@imagechat_test_bot" in out
    assert "private bot" in tg.texts_to(ALICE)[0]
    assert tg.token not in out  # the request log with the token in its URLs stays quiet


async def test_bot_py_telegram_webhook_mode(tmp_path):
    import httpx

    tg = await FakeTelegram().start()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/imagechat-hook"
    process = await _start_bot_process(tg, tmp_path, "--webhook-url", url,
                                       "--listen", "127.0.0.1", "--port", str(port))
    try:
        [hook] = await tg.wait_until(lambda: tg.calls_of("setWebhook"), 30, "setWebhook")
        assert hook.params["url"] == url and hook.params["secret_token"]
        update = {"update_id": 1, "message": {
            "message_id": 1, "date": int(time.time()), "text": "a red car",
            "from": tg.user(ALICE), "chat": tg.chat(ALICE)}}
        async with httpx.AsyncClient() as client:
            forged = await client.post(url, json=update)
            assert forged.status_code == 403  # no secret header: not from Telegram
            ok = await client.post(url, json=update, headers={
                "X-Telegram-Bot-Api-Secret-Token": hook.params["secret_token"]})
            assert ok.status_code == 200
        [photo] = await tg.wait_until(lambda: tg.photos_to(ALICE), 20, "the photo")
        assert photo.params["caption"].startswith("#1")
    finally:
        code, out = await _stop(process)
        await tg.stop()
    assert code == 0, out


async def test_a_wrong_token_or_no_server_is_one_clear_line():
    tg = await FakeTelegram().start()
    try:
        assert await _check_connection(tg.token, tg.api_url, "fake") == "imagechat_test_bot"
        with pytest.raises(ConfigError, match="rejected TELEGRAM_BOT_TOKEN"):
            await _check_connection("42:not-the-token", tg.api_url, "fake")
    finally:
        await tg.stop()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(NotAvailable, match="cannot reach the Telegram Bot API"):
        await _check_connection(tg.token, closed, closed)


async def test_a_forged_button_id_too_large_for_an_integer_is_expired_quietly(start_bot, caplog):
    """``a:9999999999999999999:v`` (above 2**63 - 1) once logged an ERROR traceback from the
    database; it is an expired button like any other, answered without a word in the log."""
    bot = await start_bot()
    message = {"message_id": 7, "date": 0, "chat": bot.tg.chat(ALICE)}
    with caplog.at_level(logging.WARNING):
        ids = [bot.tg.press(ALICE, message, data)["callback_query"]["id"]
               for data in ("a:9999999999999999999:v", "t:9223372036854775808:/help")]
        await bot.tg.wait_until(lambda: len(bot.tg.answered) == 2)
    assert [bot.tg.answered[i]["text"] for i in ids] == [EXPIRED, EXPIRED]
    assert bot.agent.turns == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
