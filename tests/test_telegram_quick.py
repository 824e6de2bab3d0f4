"""One user's pile of commands never delays another user's /help in Telegram."""

from __future__ import annotations

import time

import pytest

from tests.test_telegram import ALICE, BOB, start_bot, telegram_agent  # noqa: F401 - fixtures


@pytest.mark.slow
async def test_eight_pending_settings_of_one_user_do_not_delay_anothers_help(start_bot):  # noqa: F811
    bot = await start_bot()
    for line in ("/settings steps 60", "/settings size 256"):  # a picture of ~5 s
        bot.tg.text(ALICE, line)
        await bot.text(ALICE, "steps 60")
    bot.tg.text(ALICE, "a red car")
    await bot.tg.wait_until(lambda: any(  # drawing now
        "🎨" in str(c.params.get("text", "")) for c in bot.tg.calls
        if c.method in ("sendMessage", "editMessageText")), 60, "the picture drawn")
    for _ in range(8):  # they wait for Alice's picture; so do her searches
        bot.tg.text(ALICE, "/settings steps 8")
        bot.tg.text(ALICE, "/search beach")
    await bot.quiet(0.3)
    asked = time.monotonic()
    bot.tg.text(BOB, "/help")
    await bot.text(BOB, "make and refine", timeout=5)
    assert time.monotonic() - asked < 0.5
    assert not bot.tg.photos_to(ALICE)  # her picture was still being drawn


@pytest.mark.slow
async def test_cancel_stops_the_picture_being_drawn_and_the_one_waiting(start_bot):  # noqa: F811
    bot = await start_bot()
    bot.tg.text(ALICE, "/cancel")
    await bot.text(ALICE, "Nothing to stop")
    for line in ("/settings steps 150", "/settings size 256"):  # a picture of ~10 s
        bot.tg.text(ALICE, line)
        await bot.text(ALICE, "steps 150")
    bot.tg.text(ALICE, "a red car")
    await bot.tg.wait_until(lambda: any(
        "🎨" in str(c.params.get("text", "")) for c in bot.tg.calls
        if c.method in ("sendMessage", "editMessageText")), 60, "the picture drawn")
    bot.tg.text(ALICE, "a blue car")  # waits for the red one
    await bot.quiet(0.2)
    asked = time.monotonic()
    bot.tg.text(ALICE, "/cancel")
    await bot.text(ALICE, "Stopping your picture")
    await bot.tg.wait_until(lambda: sum("Stopped" in t for t in bot.tg.texts_to(ALICE)) == 2,
                            5, "both pictures stopped")
    assert time.monotonic() - asked < 3
    await bot.quiet(0.5)
    assert not bot.tg.photos_to(ALICE)
    bot.tg.text(ALICE, "/settings steps 2")  # the chat goes on
    await bot.text(ALICE, "steps 2")
    bot.tg.text(ALICE, "a green car")
    await bot.photos(ALICE)
