"""Telegram channel: python-telegram-bot v22 <-> the agent's Turn / Reply.

``python bot.py telegram`` runs :func:`run`; tests drive :func:`build_application`.

How it stays responsive: updates are processed concurrently; every agent call runs in a
thread pool of this channel (turns that may render wait in a large pool, slash commands
that only read in a small separate one, so ``/help`` is never stuck behind renders); a
user's own turns run one after another so "make it night" then "add a hat" apply in
order, while other users go on. Progress from the agent's worker threads is bridged to
the event loop and shown in one throttled status message per turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    Document,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType, FloodLimit
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from agent import commands
from agent.types import Attachment, Reply, ReplyImage, Turn
from channels.telegram_access import Access, UserRateLimit
from channels.telegram_flood import FloodControl
from channels.telegram_render import (
    CAPTION_LIMIT,
    MORE,
    caption,
    chunks,
    decode_button,
    more_keyboard,
    photo_keyboards,
    shorten,
)
from channels.telegram_status import StatusMessage, reply_parameters
from errors import ConfigError, ImagechatError, InvalidInput, NotAvailable
from settings import Settings

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # photos/files above this are refused before download
RATE_LIMIT = 20  # messages (and button presses) per user ...
RATE_WINDOW = 60.0  # ... in this many seconds
ALBUM_WAIT = 1.0  # an album is complete when no part arrived for this long
ALBUM_MAX_WAIT = 5.0
PROGRESS_INTERVAL = 1.0  # at most one status edit per message per this many seconds
STATUS_EDITS_PER_SECOND = 10.0  # all status edits together (Telegram allows ~30 sends/s)
CONCURRENT_UPDATES = 256
QUICK_WORKERS = 8  # threads for read-only commands (/help, /history, ...)
SEND_RETRIES = 3  # attempts for a send that failed with a network error
FLOOD_RATE = FloodLimit.MESSAGES_PER_SECOND  # Telegram's overall limit, 30/s
FLOOD_RETRIES = 3  # FloodControl retries after Telegram's "retry after N seconds"
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff")
# results sent as a file, so Telegram does not recompress them: upscales, and pictures
# larger than Telegram keeps for a photo
DOCUMENT_TOOLS = frozenset({"upscale"})
PHOTO_MAX_SIDE = 2560

# the command menus, from the one command table
BOT_COMMANDS = [BotCommand(c.word, c.help) for c in commands.COMMANDS
                if not c.admin and c.channels in ((), ("telegram",))]
ADMIN_COMMANDS = [BotCommand(c.word, c.help) for c in commands.COMMANDS if c.admin]
AGENT_COMMANDS = [c.word for c in commands.for_agent()]

APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."
EXPIRED = "This button has expired. Please send your request again."
NOT_YOURS = "That picture isn't yours, so its buttons don't work for you."
NOT_AN_IMAGE = "Please send me a photo or an image file (PNG, JPEG, WebP…)."
STICKER = "I can't work with stickers. Send me a photo or an image file, or describe a picture."
EDITED = ("I don't re-run edited messages. Send your change as a new message, e.g. "
          "\"make it night\".")
OTHER = "I understand text messages and photos (or image files). /help shows more."

T = TypeVar("T")


def user_key(telegram_user_id: int) -> str:
    """The agent's user id for a Telegram user."""
    return f"telegram:{telegram_user_id}"


def refusal_text(user_id: int) -> str:
    return (f"Sorry, this is a private bot. Your Telegram user id is {user_id}: ask the bot's "
            "owner to add it to TELEGRAM_ALLOWED_USERS.")


def api_urls(api_url: str) -> tuple[str, str]:
    """(base_url, base_file_url) for python-telegram-bot from a Bot API server URL.

    Accepts ``http://host:8081`` as well as ``http://host:8081/bot``.
    """
    root = api_url.rstrip("/")
    if root.endswith("/bot"):
        root = root[: -len("/bot")]
    return f"{root}/bot", f"{root}/file/bot"


def webhook_secret(token: str) -> str:
    """A secret Telegram sends with every webhook call, stable across restarts."""
    return hashlib.sha256(f"imagechat-webhook:{token}".encode()).hexdigest()[:48]


def is_image_document(doc: Document) -> bool:
    mime = (doc.mime_type or "").lower()
    name = (doc.file_name or "").lower()
    return mime.startswith("image/") or (not mime and name.endswith(IMAGE_EXTENSIONS))


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


@dataclass
class _UserLock:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holders: int = 0


@dataclass
class _Album:
    updates: list[Update]
    first: float
    last: float


class TelegramChannel:
    """The handlers of one bot, bound to one agent."""

    def __init__(self, agent: Any, access: Access, *, rate_limit: int = RATE_LIMIT,
                 rate_window: float = RATE_WINDOW, album_wait: float = ALBUM_WAIT,
                 progress_interval: float = PROGRESS_INTERVAL,
                 max_upload_bytes: int = MAX_UPLOAD_BYTES, work_workers: int = 128):
        self.agent = agent
        self.access = access
        self.rate = UserRateLimit(rate_limit, rate_window)
        self.notices = UserRateLimit(1, rate_window)  # "slow down" / refusals: once a window
        self.edit_notes = UserRateLimit(1, rate_window)  # "I don't re-run edits": once too
        self.album_wait = album_wait
        self.progress_interval = progress_interval
        self.max_upload_bytes = max_upload_bytes
        self._work_pool = ThreadPoolExecutor(work_workers, thread_name_prefix="telegram-turn")
        self._quick_pool = ThreadPoolExecutor(QUICK_WORKERS, thread_name_prefix="telegram-quick")
        self._locks: dict[int, _UserLock] = {}
        self._cancels: dict[int, set[threading.Event]] = {}  # user -> their turns' stops
        self._live_statuses = 0
        self._albums: dict[tuple[int, str], _Album] = {}

    # --- wiring --------------------------------------------------------------------------
    def register(self, app: Application) -> None:
        app.add_handler(TypeHandler(Update, self.gate), group=-1)
        app.add_handler(CommandHandler(AGENT_COMMANDS, self.on_command))
        app.add_handler(CommandHandler([c.word for c in commands.COMMANDS if c.admin],
                                       self.on_admin_command))
        app.add_handler(CommandHandler("cancel", self.on_cancel))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(MessageHandler(filters.PHOTO | filters.Document.ALL, self.on_media))
        app.add_handler(MessageHandler(filters.Sticker.ALL, self.on_sticker))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.on_text))
        app.add_handler(MessageHandler(filters.COMMAND, self.on_command))  # the agent's to judge
        app.add_handler(MessageHandler(filters.ALL, self.on_other))
        app.add_error_handler(self.on_error)

    async def post_init(self, app: Application) -> None:
        """Register the command menu (the admin's includes /queue and /usage)."""
        bot = app.bot
        await bot.set_my_commands(BOT_COMMANDS)
        if self.access.admin is not None:
            try:
                await bot.set_my_commands(BOT_COMMANDS + ADMIN_COMMANDS,
                                          scope=BotCommandScopeChat(self.access.admin))
            except TelegramError as e:  # the admin has not opened a chat with the bot yet
                log.info("could not set the admin's command menu: %s", e)
        log.info("running as @%s; %s", bot.username, self.access.describe())

    async def post_shutdown(self, app: Application) -> None:
        self._work_pool.shutdown(wait=False, cancel_futures=True)
        self._quick_pool.shutdown(wait=False, cancel_futures=True)

    # --- the gate: who, where, how often ------------------------------------------------
    async def gate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs before every handler; stops updates that must not reach the agent."""
        user = update.effective_user
        if update.edited_message is not None:
            await self._on_edited(update, context)
            raise ApplicationHandlerStop
        message, query = update.message, update.callback_query
        if user is None or user.is_bot or (message is None and query is None):
            raise ApplicationHandlerStop  # channel posts, member updates, ...
        if message is not None and not self._addressed(message, context.bot):
            raise ApplicationHandlerStop  # group chatter that is not for us
        if not self.access.allows(user.id):
            log.info("refused update %s from user %s: not on the allow-list",
                     update.update_id, user.id)
            await self._notice(update, user.id, refusal_text(user.id), alert=True)
            raise ApplicationHandlerStop
        album = f"{message.chat.id}:{message.media_group_id}" \
            if message is not None and message.media_group_id else None
        if not self.rate.allow(user.id, album):
            wait = max(1, round(self.rate.retry_in(user.id)))
            log.info("rate limit: update %s from user %s dropped", update.update_id, user.id)
            await self._notice(update, user.id, f"🐢 Slow down: at most {self.rate.limit} "
                               f"messages a minute. Try again in {wait} s.")
            raise ApplicationHandlerStop

    async def _notice(self, update: Update, user_id: int, text: str, alert: bool = False) -> None:
        """Tell a refused user why, at most once a window (button presses: every time)."""
        query = update.callback_query
        if query is not None:
            await query.answer(text, show_alert=alert)
        elif self.notices.allow(user_id) and update.effective_chat is not None:
            await update.effective_chat.send_message(text)

    async def _on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.edited_message
        user = update.effective_user
        if (user is None or message.chat.type != ChatType.PRIVATE
                or not self.access.allows(user.id) or not self.edit_notes.allow(user.id)):
            return
        await message.reply_text(EDITED)

    def _addressed(self, message: Message, bot: Bot) -> bool:
        """Private chat, or in a group: a command, a mention of us or a reply to us."""
        if message.chat.type == ChatType.PRIVATE:
            return True
        if message.media_group_id and (message.chat.id, message.media_group_id) in self._albums:
            return True  # later parts of an album whose first part was for us
        reply = message.reply_to_message
        if reply is not None and reply.from_user is not None and reply.from_user.id == bot.id:
            return True
        me = f"@{bot.username}".casefold()
        for entity, text in self._entities(message).items():
            if entity.type == MessageEntity.MENTION and text.casefold() == me:
                return True
            if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
                _, _, target = text.partition("@")
                return not target or f"@{target}".casefold() == me
        return False

    @staticmethod
    def _entities(message: Message) -> dict[MessageEntity, str]:
        if message.text is not None:
            return message.parse_entities()
        return message.parse_caption_entities()

    def _clean_text(self, message: Message, bot: Bot) -> str:
        """The message text without ``@ourbot`` (mentions, ``/cmd@ourbot``)."""
        text = message.text if message.text is not None else (message.caption or "")
        me = f"@{bot.username}"
        cuts = []
        for entity, fragment in self._entities(message).items():
            if entity.type == MessageEntity.MENTION and fragment.casefold() == me.casefold():
                cuts.append((fragment, ""))
            elif (entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0
                  and "@" in fragment):
                cuts.append((fragment, fragment.split("@", 1)[0]))
        for old, new in cuts:
            text = text.replace(old, new, 1)
        return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()

    # --- handlers ------------------------------------------------------------------------
    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A slash command: the agent runs it (and answers unknown ones itself)."""
        text = self._clean_text(update.message, context.bot)
        quick = commands.is_read_only(text)
        await self._turn(update, context, text=text, quick=quick)

    async def on_admin_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        command = self._clean_text(update.message, context.bot).split()[0].lstrip("/").lower()
        if not self.access.is_admin(user.id):
            await update.message.reply_text(f"/{command} is only for the bot's admin.")
            return
        read = self.agent.queue_status if command == "queue" else self.agent.usage
        try:
            text = await asyncio.get_running_loop().run_in_executor(self._quick_pool, read)
        except Exception:
            log.exception("/%s failed: update %s, user %s", command, update.update_id, user.id)
            text = APOLOGY
        await self._send_text(context.bot, update.effective_chat.id, text)

    async def on_cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/cancel: stop the user's pictures, the one being drawn (at its next step) and
        those waiting (they never start); their turns answer "Stopped"."""
        stops = self._cancels.get(update.effective_user.id, set())
        for stop in stops:
            stop.set()
        text = ("Stopping your picture…" if stops else
                "Nothing to stop: no picture of yours is waiting or being drawn.")
        await self._send_text(context.bot, update.effective_chat.id, text)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        text = self._clean_text(update.message, context.bot)
        if not text:
            await update.message.reply_text("Tell me what to draw, e.g. \"a red car, watercolor\".")
            return
        await self._turn(update, context, text=text)

    async def on_sticker(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(STICKER)

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message is not None:
            await update.message.reply_text(OTHER)

    async def on_media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo or a file: an image to edit or keep as a reference."""
        message = update.message
        if message.media_group_id:
            self._collect_album(update, context)
            return
        try:
            attachment = await self._fetch(message, context.bot)
        except InvalidInput as e:
            await message.reply_text(str(e))
            return
        text = self._clean_text(message, context.bot)
        await self._turn(update, context, text=text, attachments=[attachment])

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An inline button: re-check whose it is, answer at once, then run its command."""
        query = update.callback_query
        user = update.effective_user
        button = decode_button(query.data)
        if button is None:
            await query.answer(EXPIRED, show_alert=True)
            return
        number: int | None = None
        if button.kind == "p":
            ok = button.target == user.id
        else:
            try:
                ok, number = await asyncio.get_running_loop().run_in_executor(
                    self._quick_pool, self._image_of, user_key(user.id), button.target)
            except Exception:
                log.exception("button check failed: update %s, user %s", update.update_id, user.id)
                await query.answer(APOLOGY, show_alert=True)
                return
        if not ok:
            log.info("user %s pressed a button of image %s that is not theirs", user.id,
                     button.target)
            await query.answer(NOT_YOURS, show_alert=True)
            return
        if button.code is not None and number is None:
            await query.answer(EXPIRED, show_alert=True)
            return
        await query.answer()
        if button.code == MORE:  # the rest of the photo's buttons, no turn needed
            chat_id = query.message.chat.id if query.message is not None else user.id
            await self._send_text(context.bot, chat_id, f"More for #{number}:",
                                  more_keyboard(button.target))
            return
        command = button.command_for(number or 0)
        chat_id = query.message.chat.id if query.message is not None else user.id
        quick = commands.is_read_only(command)
        await self._turn(update, context, text=command, chat_id=chat_id, quick=quick,
                         image_id=button.target if button.kind != "p" else None)

    def _image_of(self, user: str, image_id: int) -> tuple[bool, int | None]:
        if not self.agent.owns_image(user, image_id):
            return False, None
        return True, self.agent.image_number(user, image_id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log with context; the user gets a short message, never a traceback."""
        error = context.error
        if not isinstance(update, Update):
            log.error("error outside an update: %s", error, exc_info=error)
            return
        user = update.effective_user
        user_id = user.id if user is not None else None
        if isinstance(error, ImagechatError):
            log.info("update %s from user %s refused: %s", update.update_id, user_id, error)
            text = str(error)
        else:
            log.error("error while handling update %s from user %s: %r", update.update_id,
                      user_id, error, exc_info=error)
            text = APOLOGY
        if isinstance(error, Forbidden):  # the user blocked the bot: nobody to tell
            return
        with contextlib.suppress(TelegramError):
            if update.callback_query is not None:
                with contextlib.suppress(BadRequest):  # already answered
                    await update.callback_query.answer()
            if update.effective_chat is not None:
                await context.bot.send_message(update.effective_chat.id, text)

    # --- uploads -------------------------------------------------------------------------
    def _pick_file(self, message: Message) -> tuple[str, str, str | None]:
        """(file_id, filename, mime type) of the upload, refused before any download."""
        limit = self.max_upload_bytes
        if message.photo:
            sizes = sorted(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
            fitting = [p for p in sizes if p.file_size is None or p.file_size <= limit]
            if not fitting:
                raise InvalidInput(
                    f"That photo is {_megabytes(sizes[0].file_size or 0)}; I take images up to "
                    f"{_megabytes(limit)}. Please send a smaller one.")
            best = fitting[-1]
            return best.file_id, f"photo-{message.message_id}.jpg", "image/jpeg"
        doc = message.document
        if doc is None or not is_image_document(doc):
            raise InvalidInput(NOT_AN_IMAGE)
        if doc.file_size is not None and doc.file_size > limit:
            raise InvalidInput(
                f"“{shorten(doc.file_name or 'That file', 60)}” is {_megabytes(doc.file_size)}; "
                f"I take images up to {_megabytes(limit)}. Please send a smaller one.")
        return doc.file_id, doc.file_name or f"upload-{message.message_id}", doc.mime_type

    async def _fetch(self, message: Message, bot: Bot) -> Attachment:
        file_id, name, mime = self._pick_file(message)
        try:
            tg_file = await self._call(bot.get_file, file_id)
            if tg_file.file_size is not None and tg_file.file_size > self.max_upload_bytes:
                raise InvalidInput(f"That image is {_megabytes(tg_file.file_size)}; I take "
                                   f"images up to {_megabytes(self.max_upload_bytes)}.")
            data = bytes(await self._call(tg_file.download_as_bytearray))
        except BadRequest as e:
            raise InvalidInput(f"I could not download that file from Telegram ({e.message}).") \
                from e
        if len(data) > self.max_upload_bytes:
            raise InvalidInput(f"That image is {_megabytes(len(data))}; I take images up to "
                               f"{_megabytes(self.max_upload_bytes)}.")
        return Attachment(data=data, filename=name, mime_type=mime)

    def _collect_album(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Album parts arrive as separate updates: gather them into one turn."""
        message = update.message
        key = (message.chat.id, message.media_group_id)
        now = asyncio.get_running_loop().time()
        album = self._albums.get(key)
        if album is None:
            self._albums[key] = _Album([update], now, now)
            context.application.create_task(self._flush_album(key, context), update=update)
        else:
            album.updates.append(update)
            album.last = now

    async def _flush_album(self, key: tuple[int, str], context: ContextTypes.DEFAULT_TYPE) -> None:
        loop = asyncio.get_running_loop()
        album = self._albums[key]
        while (due := min(album.last + self.album_wait, album.first + ALBUM_MAX_WAIT)) \
                > loop.time():
            await asyncio.sleep(due - loop.time())
        del self._albums[key]
        updates = sorted(album.updates, key=lambda u: u.message.message_id)
        attachments: list[Attachment] = []
        problems: list[str] = []
        for u in updates:
            try:
                attachments.append(await self._fetch(u.message, context.bot))
            except InvalidInput as e:
                problems.append(str(e))
        first = updates[0]
        chat_id = first.message.chat.id
        if problems:
            skipped = f"I skipped {len(problems)} of the {len(updates)} files: {problems[0]}"
            await self._send_text(context.bot, chat_id, skipped)
        if not attachments:
            return
        text = next((t for u in updates if (t := self._clean_text(u.message, context.bot))), "")
        await self._turn(first, context, text=text, attachments=attachments)

    # --- one turn --------------------------------------------------------------------------
    async def _turn(self, update: Update, context: ContextTypes.DEFAULT_TYPE, *, text: str,
                    attachments: list[Attachment] | None = None, chat_id: int | None = None,
                    quick: bool = False, image_id: int | None = None) -> None:
        user = update.effective_user
        chat = update.effective_chat
        chat_id = chat_id if chat_id is not None else chat.id
        in_group = chat is not None and chat.type != ChatType.PRIVATE
        reply_to = update.message.message_id if in_group and update.message else None
        status = StatusMessage(context.bot, chat_id, interval=self._status_interval,
                               reply_to=reply_to)
        stop = threading.Event()
        turn = Turn(user=user_key(user.id), text=text, attachments=attachments or [],
                    user_name=user.full_name, on_progress=status.push_threadsafe,
                    image_id=image_id, cancel=stop)
        self._live_statuses += 1
        stops = self._cancels.setdefault(user.id, set())
        stops.add(stop)
        try:
            async with self._in_order(user.id, status, quick):
                reply = await self._ask_agent(turn, update.update_id, quick)
                await status.stop()
                await self._send_reply(context.bot, chat_id, reply, owner=user.id,
                                       reply_to=reply_to)
        finally:
            self._live_statuses -= 1
            stops.discard(stop)
            if not stops and self._cancels.get(user.id) is stops:
                del self._cancels[user.id]
            await status.delete()

    def _status_interval(self) -> float:
        """Seconds between edits of one status message: slower when many are live, so
        progress never eats the flood budget that replies need."""
        return max(self.progress_interval, self._live_statuses / STATUS_EDITS_PER_SECOND)

    @contextlib.asynccontextmanager
    async def _in_order(self, user_id: int, status: StatusMessage,
                        quick: bool) -> AsyncIterator[None]:
        """One turn at a time per user (read-only commands skip the line)."""
        if quick:
            yield
            return
        entry = self._locks.setdefault(user_id, _UserLock())
        entry.holders += 1
        try:
            if entry.lock.locked():
                status.show("⏳ waiting for your previous request to finish…")
            async with entry.lock:
                yield
        finally:
            entry.holders -= 1
            if entry.holders == 0:
                self._locks.pop(user_id, None)

    async def _ask_agent(self, turn: Turn, update_id: int, quick: bool) -> Reply:
        pool = self._quick_pool if quick else self._work_pool
        try:
            return await asyncio.get_running_loop().run_in_executor(
                pool, self.agent.handle_turn, turn)
        except ImagechatError as e:
            return Reply(text=str(e), error=True)
        except Exception:
            log.exception("agent failed: update %s, user %s, text %r", update_id, turn.user,
                          shorten(turn.text, 80))
            return Reply(text=APOLOGY, error=True)

    # --- sending -------------------------------------------------------------------------
    async def _call(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Retry a Bot API call on network errors (flood waits: FloodControl retries)."""
        for attempt in range(SEND_RETRIES):
            try:
                return await fn(*args, **kwargs)
            except (BadRequest, Forbidden, InvalidToken):
                raise
            except NetworkError as e:
                if attempt == SEND_RETRIES - 1:
                    raise
                log.warning("%s failed (%s); retrying", getattr(fn, "__name__", "call"), e)
                await asyncio.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")

    async def _send_text(self, bot: Bot, chat_id: int, text: str,
                         markup: InlineKeyboardMarkup | None = None,
                         reply_to: int | None = None) -> None:
        parts = chunks(text)
        for i, part in enumerate(parts):
            await self._call(bot.send_message, chat_id, part,
                             reply_markup=markup if i == len(parts) - 1 else None,
                             reply_parameters=reply_parameters(reply_to) if i == 0 else None)

    async def _send_reply(self, bot: Bot, chat_id: int, reply: Reply, *, owner: int,
                          reply_to: int | None = None) -> None:
        text = reply.text.strip()
        marks = photo_keyboards(reply.actions, reply.images, owner)
        if not reply.images:
            if text:
                await self._send_text(bot, chat_id, text, marks.get(None), reply_to)
            return
        if reply.planner == "rules":  # its text restates what the captions already say
            text = "\n".join(reply.notes).strip()
        last = reply.images[-1]
        last_caption = caption(last)
        if text:
            if len(last_caption) + 2 + len(text) <= CAPTION_LIMIT:
                last_caption = f"{last_caption}\n\n{text}"
            else:
                await self._send_text(bot, chat_id, text, reply_to=reply_to)
        for image in reply.images:
            await self._send_photo(bot, chat_id, image,
                                   last_caption if image is last else caption(image),
                                   marks.get(image.image_id), reply_to)

    async def _send_photo(self, bot: Bot, chat_id: int, image: ReplyImage, text: str,
                          markup: InlineKeyboardMarkup | None, reply_to: int | None) -> None:
        try:
            data = await asyncio.to_thread(Path(image.path).read_bytes)
        except OSError as e:
            log.error("image #%s (id %s) has no readable file %s: %s", image.number,
                      image.image_id, image.path, e)
            await self._send_text(bot, chat_id, f"{text}\n\n(the image file is missing)", markup)
            return
        name = f"imagechat-{image.number}{Path(image.path).suffix or '.png'}"
        if image.tool in DOCUMENT_TOOLS or max(image.width, image.height) > PHOTO_MAX_SIDE:
            await self._call(bot.send_document, chat_id, document=data, filename=name,
                             caption=text, reply_markup=markup,
                             reply_parameters=reply_parameters(reply_to))
            return
        try:
            await self._call(bot.send_photo, chat_id, photo=data, filename=name, caption=text,
                             reply_markup=markup, reply_parameters=reply_parameters(reply_to))
        except BadRequest as e:  # e.g. dimensions Telegram refuses for photos: send the file
            log.info("sendPhoto refused #%s (%s); sending it as a file", image.number, e)
            await self._call(bot.send_document, chat_id, document=data, filename=name,
                             caption=text, reply_markup=markup,
                             reply_parameters=reply_parameters(reply_to))


def _token(settings: Settings) -> str:
    token = settings.telegram_token.strip()
    if not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and "
                          "export TELEGRAM_BOT_TOKEN=<its token> (see docs/telegram.md)")
    return token


def build_application(settings: Settings, agent: Any, *, api_url: str | None = None,
                      rate_limit: int = RATE_LIMIT, rate_window: float = RATE_WINDOW,
                      album_wait: float = ALBUM_WAIT,
                      progress_interval: float = PROGRESS_INTERVAL,
                      max_upload_bytes: int = MAX_UPLOAD_BYTES,
                      flood_rate: float = FLOOD_RATE) -> Application:
    """A ready Application for ``agent`` (not started); ``api_url``: a Bot API server;
    ``flood_rate``: messages a second the bot sends at most, over all chats."""
    token = _token(settings)
    access = Access.from_settings(settings)
    channel = TelegramChannel(agent, access, rate_limit=rate_limit, rate_window=rate_window,
                              album_wait=album_wait, progress_interval=progress_interval,
                              max_upload_bytes=max_upload_bytes,
                              work_workers=max(16, settings.max_queue + 8))
    limiter = FloodControl(overall_rate=flood_rate, max_retries=FLOOD_RETRIES)
    builder = (
        ApplicationBuilder()
        .token(token)
        .concurrent_updates(CONCURRENT_UPDATES)
        .rate_limiter(limiter)
        .post_init(channel.post_init)
        .post_shutdown(channel.post_shutdown)
    )
    if api_url:
        base_url, base_file_url = api_urls(api_url)
        builder = builder.base_url(base_url).base_file_url(base_file_url)
    app = builder.build()
    app.bot_data["channel"] = channel
    channel.register(app)
    return app


def _configure_logging() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                            level=logging.INFO)
    # httpx logs every request URL at INFO, and the URL contains the bot token
    logging.getLogger("httpx").setLevel(logging.WARNING)


async def _check_connection(token: str, api_url: str | None, where: str) -> str:
    """The bot's username; a clear error (no traceback) for a bad token or no network."""
    urls = api_urls(api_url) if api_url else ("https://api.telegram.org/bot",
                                              "https://api.telegram.org/file/bot")
    try:
        async with Bot(token, base_url=urls[0], base_file_url=urls[1]) as bot:
            return bot.username
    except InvalidToken as e:
        raise ConfigError(f"Telegram rejected TELEGRAM_BOT_TOKEN ({e.message}); copy the "
                          "token from @BotFather again") from e
    except NetworkError as e:
        raise NotAvailable(f"cannot reach the Telegram Bot API at {where}: {e.message}") from e


def run(args: Any, settings: Settings) -> int:
    """``python bot.py telegram``: poll (default) or serve a webhook until Ctrl-C."""
    _configure_logging()
    token = _token(settings)
    access = Access.from_settings(settings)
    print(access.describe(), flush=True)
    log.info("%s", access.describe())
    try:
        from agent.engine import Agent
    except ModuleNotFoundError as e:
        if e.name not in ("agent.engine", "agent"):
            raise
        raise NotAvailable("the agent is not available in this version of imagechat") from e

    api_url = getattr(args, "api_url", None)
    webhook_url = getattr(args, "webhook_url", None)
    where = api_url or "https://api.telegram.org"
    username = asyncio.run(_check_connection(token, api_url, where))
    agent = Agent(settings)
    try:
        app = build_application(settings, agent, api_url=api_url)
        mode = f"webhook {webhook_url}" if webhook_url else "long polling"
        print(f"imagechat Telegram bot @{username}: profile {settings.profile}, {mode} via "
              f"{where}. Ctrl-C stops it.", flush=True)
        try:
            if webhook_url:
                path = urlsplit(webhook_url).path.strip("/")
                app.run_webhook(listen=getattr(args, "listen", "127.0.0.1"),
                                port=getattr(args, "port", 8443), url_path=path,
                                webhook_url=webhook_url, secret_token=webhook_secret(token),
                                allowed_updates=Update.ALL_TYPES)
            else:
                app.run_polling(allowed_updates=Update.ALL_TYPES)
        except InvalidToken as e:
            raise ConfigError(f"Telegram rejected TELEGRAM_BOT_TOKEN ({e.message}); copy the "
                              "token from @BotFather again") from e
        except NetworkError as e:
            raise NotAvailable(f"cannot reach the Telegram Bot API at {where}: {e.message}") from e
        except RuntimeError as e:
            if "webhooks" in str(e):
                raise NotAvailable("webhook mode needs "
                                   "pip install 'python-telegram-bot[webhooks]'") from e
            raise
    finally:
        close = getattr(agent, "close", None)
        if callable(close):
            close()
    return 0
