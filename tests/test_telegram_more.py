"""More of what a Telegram user sees: /cancel with nothing running, a bare mention in a
group, an edit in a group, a user who blocked the bot, a reply that never gets through the
network. Driven like tests/test_telegram.py (the real bot client against the fake Bot API
server, the real agent on the tiny profile)."""

# ruff: noqa: F811 - the fixtures imported from the other test module are used by name
from __future__ import annotations

import logging

from test_telegram import ALICE, start_bot, telegram_agent  # noqa: F401 - fixtures

from channels.telegram import APOLOGY, EDITED

GROUP = -5000


async def test_cancel_with_nothing_running_says_so(start_bot):
    bot = await start_bot()
    bot.tg.text(ALICE, "/cancel")
    said = await bot.text(ALICE, "Nothing to stop")
    assert said == "Nothing to stop: no picture of yours is waiting or being drawn."
    assert bot.agent.turns == []


async def test_a_bare_mention_in_a_group_asks_what_to_draw(start_bot):
    bot = await start_bot()
    bot.tg.text(ALICE, "@imagechat_test_bot", group=GROUP)
    said = await bot.text(GROUP, "Tell me what to draw")
    assert said == 'Tell me what to draw, e.g. "a red car, watercolor".'
    await bot.quiet()
    assert bot.agent.turns == [] and not bot.tg.photos_to(GROUP)


async def test_an_edit_in_a_group_is_not_answered_but_in_private_it_is(start_bot):
    bot = await start_bot()
    bot.tg.edited(ALICE, "@imagechat_test_bot a red car, oil painting", group=GROUP)
    await bot.quiet()
    assert bot.tg.texts_to(GROUP) == [] and bot.agent.turns == []
    bot.tg.edited(ALICE, "a red car, oil painting")
    assert await bot.text(ALICE, EDITED[:20]) == EDITED


async def test_a_user_who_blocked_the_bot_gets_no_apology_and_the_bot_goes_on(start_bot,
                                                                             caplog):
    caplog.set_level(logging.ERROR, logger="channels.telegram")
    bot = await start_bot()
    bot.tg.fail_next("sendPhoto", 403, "Forbidden: bot was blocked by the user")
    bot.tg.text(ALICE, "a red car")
    await bot.tg.wait_until(lambda: [c for c in bot.tg.errors() if c.method == "sendPhoto"],
                            what="the refused photo")
    await bot.quiet(0.6)
    assert APOLOGY not in bot.tg.texts_to(ALICE)  # nobody to tell
    assert any("bot was blocked" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
    bot.tg.text(ALICE, "make it blue")  # unblocked: the next reply arrives
    [photo] = await bot.photos(ALICE, timeout=30)
    assert photo.params["caption"].startswith("#2 (from #1)")


async def test_a_reply_the_network_never_delivers_is_an_apology_once_it_is_back(start_bot,
                                                                                caplog):
    caplog.set_level(logging.WARNING, logger="channels.telegram")
    bot = await start_bot()
    for _ in range(3):  # every attempt of the /help reply fails
        bot.tg.fail_next("sendMessage", 502, "Bad Gateway")
    bot.tg.text(ALICE, "/help")
    said = await bot.text(ALICE, APOLOGY[:20], timeout=15)
    assert said == APOLOGY
    assert [c.method for c in bot.tg.errors()] == ["sendMessage"] * 3
    assert sum("retrying" in r.getMessage() for r in caplog.records) == 2


# --- python bot.py telegram: what the operator reads when the Bot API says no -----------------
class _Args:
    api_url = "http://127.0.0.1:9/fake"
    webhook_url = None


def _refusing_run(settings, monkeypatch, error: Exception, webhook: str | None = None):  # noqa: ANN001, ANN202
    """channels.telegram.run with the connection check passing and the Application's own
    loop raising ``error``; returns the agent it closed."""
    from telegram.ext import Application

    from channels import telegram as channel

    async def connected(token: str, api_url: str | None, where: str) -> str:
        return "imagechat_test_bot"

    def refuse(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        raise error

    monkeypatch.setattr(channel, "_check_connection", connected)
    monkeypatch.setattr(channel, "_configure_logging", lambda: None)  # pytest's logging stays
    monkeypatch.setattr(Application, "run_polling", refuse)
    monkeypatch.setattr(Application, "run_webhook", refuse)
    args = _Args()
    args.webhook_url = webhook
    return channel.run(args, settings.with_(telegram_token="123456:TEST-fake-token",
                                            telegram_allowed_users="*"))


def test_a_token_refused_while_polling_is_a_configuration_error(settings, monkeypatch, capsys):
    import pytest
    from telegram.error import InvalidToken

    from errors import ConfigError

    with pytest.raises(ConfigError, match=r"Telegram rejected TELEGRAM_BOT_TOKEN \(.*\); copy"):
        _refusing_run(settings, monkeypatch, InvalidToken("Unauthorized"))
    out = capsys.readouterr().out
    assert "@imagechat_test_bot" in out and "long polling via http://127.0.0.1:9/fake" in out


def test_a_lost_network_or_no_webhook_support_is_one_clear_line(settings, monkeypatch):
    import pytest
    from telegram.error import NetworkError

    from errors import NotAvailable

    with pytest.raises(NotAvailable, match="cannot reach the Telegram Bot API at http://127"):
        _refusing_run(settings, monkeypatch, NetworkError("connection reset"))
    with pytest.raises(NotAvailable, match=r"pip install 'python-telegram-bot\[webhooks\]'"):
        _refusing_run(settings, monkeypatch,
                      RuntimeError("To use `start_webhook`, PTB must be installed via "
                                   "`pip install python-telegram-bot[webhooks]`"),
                      webhook="https://example.org/hook")
    with pytest.raises(RuntimeError, match="something else"):  # not ours to explain
        _refusing_run(settings, monkeypatch, RuntimeError("something else"))
