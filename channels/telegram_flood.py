"""Telegram's flood limits, with answers ahead of progress messages.

Telegram takes about 30 messages a second from one bot overall and 20 a minute in one
group, and answers more with "retry after N seconds". python-telegram-bot's
``AIORateLimiter`` keeps those limits first come, first served, so under load a user's
``/help`` waited behind 50 other users' "⏳ queued" edits and photos. :class:`FloodControl`
keeps the same limits (a leaky bucket per limit, the same "retry after" handling) and
hands out the overall budget by lane:

- :data:`ANSWER`: text answers (``sendMessage``), first;
- :data:`MEDIA`: photos and files, next;
- :data:`PROGRESS`: status messages, their edits and deletes, chat actions: last, and
  never from the top :data:`RESERVE` of the burst (5 of Telegram's 30), which stays free
  for answers.

A status message marks its own ``sendMessage`` with ``rate_limit_args=PROGRESS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram import constants
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

ANSWER, MEDIA, PROGRESS = 0, 1, 2
RESERVE = 1 / 6  # of the overall burst, kept for answers and media
_MEDIA_METHODS = frozenset({"sendPhoto", "sendDocument", "sendMediaGroup", "sendAnimation",
                            "sendVideo", "sendAudio", "sendVoice", "sendSticker"})
_PROGRESS_METHODS = frozenset({"editMessageText", "editMessageCaption", "deleteMessage",
                               "deleteMessages", "sendChatAction", "editMessageReplyMarkup"})


def lane_of(endpoint: str, marked: int | None = None) -> int:
    """The lane of one Bot API call; ``marked``: the caller's own ``rate_limit_args``."""
    if marked is not None:
        return marked
    if endpoint in _PROGRESS_METHODS:
        return PROGRESS
    return MEDIA if endpoint in _MEDIA_METHODS else ANSWER


class Bucket:
    """A leaky bucket of ``capacity`` messages draining ``capacity / period`` a second,
    whose waiters are served lane first, then in arrival order."""

    def __init__(self, capacity: float, period: float, *, reserve: float = 0.0,  # a share
                 clock: Callable[[], float] | None = None):
        self.capacity = capacity
        self.per_second = capacity / period
        self.reserve = reserve * capacity  # the top of the burst only ANSWER and MEDIA use
        self._clock = clock
        self._level = 0.0
        self._at: float | None = None
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    def _leak(self) -> None:
        now = self._now()
        if self._at is not None:
            self._level = max(0.0, self._level - (now - self._at) * self.per_second)
        self._at = now

    def idle(self) -> bool:
        """Drained, and nobody waiting: forgetting it changes nothing."""
        self._leak()
        return self._level == 0 and not self._waiters

    def _room(self, lane: int) -> float:
        """How far the level may rise for ``lane``."""
        return self.capacity - (self.reserve if lane == PROGRESS else 0.0)

    def _take(self, lane: int) -> bool:
        if self._level + 1 <= self._room(lane):
            self._level += 1
            return True
        return False

    async def acquire(self, lane: int = ANSWER) -> None:
        self._leak()
        if not any(w[0] <= lane for w in self._waiters) and self._take(lane):
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (lane, next(self._order), waiter))
        self._schedule()
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # granted, then cancelled: give back
                self._level = max(0.0, self._level - 1)
            self._waiters = [w for w in self._waiters if w[2] is not waiter]
            heapq.heapify(self._waiters)
            self._schedule()
            raise

    def _schedule(self) -> None:
        if self._timer is not None or not self._waiters:
            return
        lane = self._waiters[0][0]
        wait = max(0.0, (self._level + 1 - self._room(lane)) / self.per_second)
        self._timer = asyncio.get_running_loop().call_later(wait, self._release)

    def _release(self) -> None:
        self._timer = None
        self._leak()
        while self._waiters:
            lane, _, waiter = self._waiters[0]
            if waiter.done():  # cancelled while waiting
                heapq.heappop(self._waiters)
                continue
            if not self._take(lane):
                break
            heapq.heappop(self._waiters)
            waiter.set_result(None)
        self._schedule()


class FloodControl(BaseRateLimiter[int]):
    """The bot's rate limiter: Telegram's limits, answers first (see the module doc)."""

    def __init__(self, *, overall_rate: float = constants.FloodLimit.MESSAGES_PER_SECOND,
                 overall_period: float = 1.0,
                 group_rate: float = constants.FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
                 group_period: float = 60.0, max_retries: int = 0,
                 reserve: float = RESERVE):
        self._overall = Bucket(overall_rate, overall_period, reserve=reserve)
        self._group_rate = group_rate
        self._group_period = group_period
        self._groups: dict[int | str, Bucket] = {}
        self._max_retries = max_retries
        self._resume = asyncio.Event()  # cleared while Telegram asked everyone to wait
        self._resume.set()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def _group(self, chat_id: int | str) -> Bucket:
        if len(self._groups) > 512:  # forget idle groups
            for key, bucket in list(self._groups.items()):
                if key != chat_id and bucket.idle():
                    del self._groups[key]
        if chat_id not in self._groups:
            self._groups[chat_id] = Bucket(self._group_rate, self._group_period)
        return self._groups[chat_id]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        lane = lane_of(endpoint, rate_limit_args)
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        group = chat_id if (isinstance(chat_id, int) and chat_id < 0) or isinstance(
            chat_id, str) else None
        for attempt in range(self._max_retries + 1):
            try:
                if group is not None and self._group_rate:
                    await self._group(group).acquire(lane)
                if chat_id is not None:
                    await self._overall.acquire(lane)
                await self._resume.wait()
                return await callback(*args, **kwargs)
            except RetryAfter as e:
                if attempt == self._max_retries:
                    log.warning("flood limit: %s still refused after %d retries", endpoint,
                                self._max_retries)
                    raise
                with warnings.catch_warnings():  # an int today, a timedelta in PTB 23
                    warnings.simplefilter("ignore")
                    after = e.retry_after
                pause = after.total_seconds() if isinstance(after, timedelta) else float(after)
                log.info("flood limit: Telegram asks to wait %.1f s (%s)", pause, endpoint)
                self._resume.clear()
                try:
                    await asyncio.sleep(pause + 0.1)
                finally:
                    self._resume.set()
        raise AssertionError("unreachable")
