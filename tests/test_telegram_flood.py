"""Telegram's flood limits, with answers sent before queued photos and status messages."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram.error import RetryAfter

from channels.telegram_flood import ANSWER, MEDIA, PROGRESS, Bucket, FloodControl, lane_of
from tests.test_telegram import start_bot, telegram_agent  # noqa: F401 - fixtures


async def _grants(bucket: Bucket, lanes: list[tuple[str, int]]) -> list[str]:
    order: list[str] = []

    async def one(name: str, lane: int) -> None:
        await bucket.acquire(lane)
        order.append(name)

    tasks = []
    for name, lane in lanes:
        tasks.append(asyncio.create_task(one(name, lane)))
        await asyncio.sleep(0)  # they queue in this order
    await asyncio.gather(*tasks)
    return order


async def test_a_queued_answer_goes_before_queued_photos_and_status_messages():
    bucket = Bucket(2, 0.1)  # 20 a second, a burst of 2
    order = await _grants(bucket, [("s1", PROGRESS), ("s2", PROGRESS), ("s3", PROGRESS),
                                   ("photo", MEDIA), ("s4", PROGRESS), ("help", ANSWER)])
    assert order[:2] == ["s1", "s2"]  # the burst, first come
    assert order[2:] == ["help", "photo", "s3", "s4"]


async def test_the_budget_holds_whatever_the_lane():
    bucket = Bucket(3, 0.3)  # 10 a second, a burst of 3
    start = time.monotonic()
    await _grants(bucket, [(str(i), i % 3) for i in range(10)])
    assert time.monotonic() - start >= 0.65  # 7 beyond the burst, at 10 a second


async def test_status_messages_leave_the_top_of_the_burst_to_answers():
    bucket = Bucket(6, 10.0, reserve=1 / 6)  # one of six kept for answers
    for _ in range(5):
        await asyncio.wait_for(bucket.acquire(PROGRESS), 0.05)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(bucket.acquire(PROGRESS), 0.1)
    await asyncio.wait_for(bucket.acquire(ANSWER), 0.05)  # still there for an answer


async def test_a_cancelled_wait_does_not_hold_up_the_others():
    bucket = Bucket(1, 0.1)
    await bucket.acquire(ANSWER)
    stuck = asyncio.create_task(bucket.acquire(ANSWER))
    await asyncio.sleep(0)
    stuck.cancel()
    await asyncio.wait_for(bucket.acquire(MEDIA), 0.5)


def test_lanes_of_bot_api_methods():
    assert lane_of("sendMessage") == ANSWER
    assert lane_of("sendPhoto") == MEDIA and lane_of("sendDocument") == MEDIA
    assert lane_of("editMessageText") == PROGRESS and lane_of("deleteMessage") == PROGRESS
    assert lane_of("sendMessage", PROGRESS) == PROGRESS  # a status message marks itself


async def test_retry_after_waits_as_telegram_asks_then_sends():
    flood = FloodControl(max_retries=2)
    calls: list[float] = []

    async def send() -> bool:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise RetryAfter(1)
        return True

    assert await flood.process_request(send, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert len(calls) == 2 and calls[1] - calls[0] >= 1.0

    async def refused() -> bool:
        raise RetryAfter(0)

    with pytest.raises(RetryAfter):
        await FloodControl(max_retries=1).process_request(refused, (), {}, "sendMessage",
                                                          {"chat_id": 1}, None)


async def test_a_group_gets_its_own_per_minute_budget():
    flood = FloodControl(group_rate=2, group_period=60)
    sent: list[int] = []

    async def send(chat: int) -> bool:
        sent.append(chat)
        return True

    for chat in (-100, -100, 7, 8):
        await flood.process_request(send, (chat,), {}, "sendMessage", {"chat_id": chat}, None)
    third = asyncio.create_task(flood.process_request(send, (-100,), {}, "sendMessage",
                                                      {"chat_id": -100}, None))
    await asyncio.sleep(0.2)
    assert sent == [-100, -100, 7, 8]  # the group's third message waits; private chats not
    third.cancel()


async def test_help_is_answered_while_many_photos_and_status_messages_wait(start_bot):  # noqa: F811
    """At 3 messages a second, eight users' pictures (a status message and a photo each)
    are a backlog of seconds; another user's /help is answered at the next free slot."""
    bot = await start_bot(flood_rate=3)
    users = list(range(7001, 7009))
    for uid in users:
        bot.tg.text(uid, f"a red car number {uid}")
    await bot.tg.wait_until(lambda: len(bot.tg.calls_of("sendMessage")) >= 4, 10, "statuses")
    asked = time.monotonic()  # four more status messages wait, then the photos
    bot.tg.text(6000, "/help")
    await bot.text(6000, "make and refine", timeout=10)
    waited = time.monotonic() - asked
    photos = sum(bool(bot.tg.photos_to(uid)) for uid in users)
    assert waited < 0.8, waited  # first come, first served: behind the backlog, > 1.3 s
    assert photos < len(users)  # the backlog was there
    for uid in users:
        await bot.photos(uid, timeout=20)

