"""Telegram paths that only show when something goes wrong: a photo Telegram refuses, a
download that fails, a handler that crashes, a status message that cannot be posted, a
reply too long for one message. Driven like tests/test_telegram.py (the real bot client
against the fake Bot API server, the real agent on the tiny profile); each asserts what
reaches the user's chat."""

# ruff: noqa: F811 - the fixtures imported from the other test module are used by name
from __future__ import annotations

import logging

from test_telegram import ALICE, buttons, start_bot, telegram_agent  # noqa: F401 - fixtures

from channels.telegram import APOLOGY
from tests.pictures import png


async def test_a_photo_telegram_refuses_is_sent_as_a_file_with_its_buttons(start_bot):
    bot = await start_bot()
    bot.tg.fail_next("sendPhoto", 400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
    bot.tg.text(ALICE, "a red car")
    [doc] = await bot.tg.wait_until(lambda: bot.tg.calls_of("sendDocument", ALICE),
                                    what="the picture as a file")
    assert doc.files["document"][1].startswith(b"\x89PNG")
    assert doc.params["caption"].startswith("#1 ") and "a red car" in doc.params["caption"]
    assert any("reroll" in label.lower() for label in buttons(doc))
    assert not bot.tg.photos_to(ALICE) and APOLOGY not in bot.tg.texts_to(ALICE)


async def test_a_photo_that_cannot_be_downloaded_is_explained_and_nothing_runs(start_bot):
    bot = await start_bot()
    bot.tg.fail_next("getFile", 400, "Bad Request: file is temporarily unavailable")
    bot.tg.photo(ALICE, png("blue"), caption="make it watercolor")
    said = await bot.text(ALICE, "could not download")
    assert "could not download that file from telegram (file is temporarily unavailable)" \
        in said.lower()
    await bot.quiet()
    assert bot.agent.turns == [] and not bot.tg.photos_to(ALICE)
    bot.tg.photo(ALICE, png("blue"), caption="make it watercolor")  # the next one works
    [photo] = await bot.photos(ALICE, timeout=30)
    assert photo.params["caption"].startswith("#2 (from #1)")


async def test_an_album_part_that_cannot_be_downloaded_is_skipped_and_the_rest_used(start_bot):
    bot = await start_bot(album_wait=0.3)
    bot.tg.fail_next("getFile", 400, "Bad Request: file is temporarily unavailable")
    bot.tg.photo(ALICE, png("red"), caption="add this", media_group_id="album-9")
    bot.tg.photo(ALICE, png("green"), media_group_id="album-9")
    said = await bot.text(ALICE, "I skipped 1 of the 2 files")
    assert "(file is temporarily unavailable)" in said.lower()
    await bot.tg.wait_until(lambda: bot.agent.returned, 30, "the album's turn")
    [turn] = bot.agent.turns
    assert [a.data for a in turn.attachments] == [png("green")]


async def test_a_reply_that_cannot_be_sent_at_all_is_an_apology_and_is_logged(start_bot,
                                                                             caplog):
    """sendPhoto refused, then the file refused too: the handler fails, on_error tells the
    user in plain words (never the exception) and logs it for the operator."""
    caplog.set_level(logging.ERROR, logger="channels.telegram")
    bot = await start_bot()
    bot.tg.fail_next("sendPhoto", 400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
    bot.tg.fail_next("sendDocument", 400, "Bad Request: wrong file identifier")
    bot.tg.text(ALICE, "a red car")
    said = await bot.text(ALICE, APOLOGY[:20], timeout=30)
    assert said == APOLOGY and "file identifier" not in said
    assert any("error while handling update" in r.getMessage() and r.exc_info
               and "wrong file identifier" in str(r.exc_info[1]).lower()
               for r in caplog.records)
    bot.tg.text(ALICE, "make it blue")  # the bot goes on: the next reply arrives
    [photo] = await bot.photos(ALICE, timeout=30)
    assert photo.params["caption"].startswith("#2 (from #1)")


async def test_a_failing_button_check_is_an_apology_not_a_run(start_bot, caplog):
    caplog.set_level(logging.ERROR, logger="channels.telegram")
    bot = await start_bot()
    bot.tg.text(ALICE, "a lighthouse")
    [photo] = await bot.photos(ALICE)

    def broken(user: str, image_id: int) -> bool:
        raise RuntimeError("the ownership lookup broke")

    bot.agent.owns_image = broken
    press = bot.tg.press(ALICE, photo.result, next(iter(buttons(photo).values())))
    await bot.tg.wait_until(lambda: press["callback_query"]["id"] in bot.tg.answered,
                            what="the answer")
    answer = bot.tg.answered[press["callback_query"]["id"]]
    assert answer["text"] == APOLOGY and answer["show_alert"]
    await bot.quiet()
    assert len(bot.agent.turns) == 1 and len(bot.tg.photos_to(ALICE)) == 1
    assert any("button check failed" in r.getMessage() for r in caplog.records)


async def test_a_status_message_that_cannot_be_posted_does_not_stop_the_picture(start_bot,
                                                                                 caplog):
    caplog.set_level(logging.WARNING, logger="channels.telegram_status")
    bot = await start_bot()
    bot.tg.fail_next("sendMessage", 400, "Bad Request: not enough rights to send text")
    bot.tg.text(ALICE, "a quiet harbour")
    [photo] = await bot.photos(ALICE)
    assert photo.params["caption"].startswith("#1 ") and "a quiet harbour" in photo.params[
        "caption"]
    assert any("could not post status message" in r.getMessage() for r in caplog.records)
    assert not bot.tg.calls_of("deleteMessage", ALICE)  # nothing was posted, nothing deleted


async def test_a_long_reply_is_split_and_keeps_its_buttons_on_the_last_part(start_bot):
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    bot = await start_bot()
    channel = bot.app.bot_data["channel"]
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Undo", callback_data="p:1:/undo")]])
    text = "\n".join(f"line {i:04d} " + "x" * 60 for i in range(200))  # ~14,000 characters
    await channel._send_text(bot.app.bot, ALICE, text, markup)
    sent = bot.tg.calls_of("sendMessage", ALICE)
    assert len(sent) == 4 and "\n".join(c.params["text"] for c in sent) == text
    assert [bool(c.params.get("reply_markup")) for c in sent] == [False, False, False, True]


async def test_an_upscaled_picture_arrives_as_a_file_at_full_size(start_bot):
    bot = await start_bot()
    bot.tg.text(ALICE, "a red car")
    await bot.photos(ALICE)
    bot.tg.text(ALICE, "upscale #1")
    [doc] = await bot.tg.wait_until(lambda: bot.tg.calls_of("sendDocument", ALICE), 60,
                                    "the upscaled picture as a file")
    name, data = doc.files["document"]
    assert name == "imagechat-2.png" and data.startswith(b"\x89PNG")
    assert doc.params["caption"].startswith("#2 (from #1)")
    assert len(bot.tg.photos_to(ALICE)) == 1  # only the first picture went as a photo


async def test_a_picture_whose_file_is_gone_is_still_answered_with_its_caption(start_bot,
                                                                               tmp_path):
    bot = await start_bot()
    real = bot.agent.inner.handle_turn

    def lose_the_file(turn):  # the reply names a file that was deleted meanwhile
        reply = real(turn)
        for image in reply.images:
            image.path.unlink()
        return reply

    bot.agent.inner.handle_turn = lose_the_file
    bot.tg.text(ALICE, "a red car")
    said = await bot.text(ALICE, "(the image file is missing)", timeout=30)
    assert said.startswith("#1 ") and "a red car" in said
    assert not bot.tg.photos_to(ALICE) and APOLOGY not in bot.tg.texts_to(ALICE)


async def test_a_message_of_another_kind_is_answered_and_runs_nothing(start_bot):
    from channels.telegram import OTHER

    bot = await start_bot()
    bot.tg.push("message", bot.tg._message(ALICE, None,
                                           location={"latitude": 1.5, "longitude": 2.5}))
    said = await bot.text(ALICE, "I understand")
    assert said == OTHER
    await bot.quiet()
    assert bot.agent.turns == []


async def test_an_admin_command_that_fails_is_an_apology(start_bot, caplog):
    caplog.set_level(logging.ERROR, logger="channels.telegram")
    bot = await start_bot(admin=str(ALICE))

    def broken() -> str:
        raise RuntimeError("the queue cannot be read")

    bot.agent.queue_status = broken
    bot.tg.text(ALICE, "/queue")
    said = await bot.text(ALICE, APOLOGY[:20])
    assert said == APOLOGY
    assert any("/queue failed" in r.getMessage() for r in caplog.records)
