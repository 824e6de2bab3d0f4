"""The "⏳ queued (position N)" message of one turn, kept up to date while it runs.

The agent reports progress from a worker thread; :meth:`StatusMessage.push_threadsafe`
hands it to the event loop. One task per status sends the message on the first event
and edits it afterwards, at most once per ``interval`` seconds and never with the same
text twice (Telegram answers an identical edit with an error and counts it against the
flood limit). A failed send or edit is logged and never fails the turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from telegram import Bot, ReplyParameters
from telegram.error import TelegramError

from agent.types import Progress
from channels.telegram_flood import PROGRESS

log = logging.getLogger(__name__)


def progress_text(progress: Progress) -> str:
    icon = {"queued": "⏳", "running": "🎨", "downloading": "⬇️", "done": "✅"}.get(
        progress.stage, "⏳")
    return f"{icon} {progress.describe()}"


def reply_parameters(message_id: int | None) -> ReplyParameters | None:
    """Quote ``message_id`` when set; still send if it was deleted meanwhile."""
    if message_id is None:
        return None
    return ReplyParameters(message_id, allow_sending_without_reply=True)


class StatusMessage:
    def __init__(self, bot: Bot, chat_id: int, *, interval: float | Callable[[], float] = 1.0,
                 reply_to: int | None = None):
        """``interval``: seconds between edits, or a function giving it (so many live
        status messages can share the bot's overall flood budget)."""
        self.bot = bot
        self.chat_id = chat_id
        self._interval = interval
        self.reply_to = reply_to
        self.message_id: int | None = None
        self.edits = 0
        self._loop = asyncio.get_running_loop()
        self._latest: str | None = None
        self._shown: str | None = None
        self._last_sent = 0.0
        self._wake = asyncio.Event()
        self._closing = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def interval(self) -> float:
        return self._interval() if callable(self._interval) else self._interval

    # --- feeding ------------------------------------------------------------------------
    def push_threadsafe(self, progress: Progress) -> None:
        """``Turn.on_progress``: may be called from any thread.

        "done" only updates a status already shown: a turn without image work (``/help``)
        posts nothing.
        """
        text = progress_text(progress)
        create = progress.stage != "done"
        with contextlib.suppress(RuntimeError):  # the loop is gone: the bot is stopping
            self._loop.call_soon_threadsafe(self.show, text, create)

    def show(self, text: str, create: bool = True) -> None:
        """Show ``text`` as soon as the throttle allows (event loop only)."""
        if self._closing.is_set() or (self._task is None and not create):
            return
        self._latest = text
        self._wake.set()
        if self._task is None:
            self._task = self._loop.create_task(self._run())

    # --- finishing -----------------------------------------------------------------------
    async def stop(self) -> None:
        """No more updates; waits for a send already in flight so its id is known."""
        self._closing.set()
        self._wake.set()
        if self._task is not None:
            await self._task

    async def delete(self) -> None:
        """Remove the status message (after the result was sent)."""
        await self.stop()
        if self.message_id is None:
            return
        try:
            await self.bot.delete_message(self.chat_id, self.message_id)
        except TelegramError as e:  # too old to delete, or the user deleted it
            log.debug("could not delete status message %s: %s", self.message_id, e)

    # --- the task ------------------------------------------------------------------------
    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._closing.is_set():
                return
            if self.message_id is None:
                await self._send(self._latest or "⏳")
                continue
            wait = self._last_sent + self.interval - self._loop.time()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), wait)
                if self._closing.is_set():
                    return
            if self._latest is not None and self._latest != self._shown:
                await self._edit(self._latest)

    async def _send(self, text: str) -> None:
        try:
            msg = await self.bot.send_message(
                self.chat_id, text, reply_parameters=reply_parameters(self.reply_to),
                rate_limit_args=PROGRESS,  # behind answers in the flood budget
            )
        except TelegramError as e:
            log.warning("could not post status message in chat %s: %s", self.chat_id, e)
            self._closing.set()  # no message to edit: stay quiet for the rest of the turn
            return
        self.message_id = msg.message_id
        self._shown = text
        self._last_sent = self._loop.time()
        if self._latest != text:
            self._wake.set()

    async def _edit(self, text: str) -> None:
        try:
            await self.bot.edit_message_text(text, chat_id=self.chat_id,
                                             message_id=self.message_id)
            self.edits += 1
        except TelegramError as e:
            log.debug("could not edit status message %s: %s", self.message_id, e)
        self._shown = text
        self._last_sent = self._loop.time()
