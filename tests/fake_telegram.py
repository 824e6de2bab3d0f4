"""A fake Telegram Bot API server on loopback, for the real python-telegram-bot client.

Plain asyncio streams (HTTP/1.1 with keep-alive), so it needs nothing beyond the
standard library and runs on the test's event loop. It speaks the subset the bot uses:
getMe, getUpdates (long polling with offset and timeout), sendMessage, sendPhoto and
sendDocument (multipart uploads), editMessageText, deleteMessage, answerCallbackQuery,
setMyCommands, getFile and file download (``/file/bot<token>/<path>``), webhook
bookkeeping and sendChatAction. It answers like Telegram does where the bot has to cope
(editing to the same text, deleting a missing message, a 429 with ``retry_after``).

Tests inject updates (:meth:`FakeTelegram.text`, :meth:`photo`, :meth:`press`, ...) and
assert on :attr:`FakeTelegram.calls`, every request in arrival order with its time.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from PIL import Image

# parameters Telegram takes as plain strings; everything else arrives JSON-encoded
_STRING_PARAMS = {
    "text", "caption", "callback_query_id", "file_id", "url", "secret_token", "parse_mode",
    "description", "short_description", "language_code", "business_connection_id",
}
MAX_DOWNLOAD = 20 * 1024 * 1024  # the Bot API refuses getFile above this
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
            429: "Too Many Requests", 502: "Bad Gateway"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # field -> (name, data)
    at: float = 0.0  # time.monotonic() on arrival
    status: int = 200
    result: Any = None
    error: str | None = None


@dataclass
class _File:
    file_id: str
    unique_id: str
    path: str
    data: bytes
    size: int  # what Telegram reports (may exceed len(data) to fake a huge upload)


class FakeTelegram:
    def __init__(self, token: str = "123456:TEST-fake-token", bot_id: int = 999_000,
                 username: str = "imagechat_test_bot"):
        self.token = token
        self.bot = {"id": bot_id, "is_bot": True, "first_name": "imagechat",
                    "username": username, "can_join_groups": True,
                    "can_read_all_group_messages": False, "supports_inline_queries": False}
        self.username = username
        self.calls: list[Call] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}  # scope json -> commands
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # bot messages, live state
        self.deleted: set[tuple[int, int]] = set()
        self.answered: dict[str, dict[str, Any]] = {}  # callback_query_id -> answer params
        self.port = 0
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._file_ids = itertools.count(1)
        self._files: dict[str, _File] = {}
        self._failures: dict[str, list[ApiError]] = {}
        self._event = asyncio.Event()
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # --- lifecycle -------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> FakeTelegram:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    # --- injecting updates -------------------------------------------------------------------
    def user(self, user_id: int, name: str | None = None) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name or f"user{user_id}",
                "username": f"user{user_id}"}

    def chat(self, user_id: int, group: int | None = None) -> dict[str, Any]:
        if group is not None:
            return {"id": group, "type": "group", "title": f"group {group}"}
        return {"id": user_id, "type": "private", "first_name": f"user{user_id}"}

    def _message(self, user_id: int, group: int | None, **fields: Any) -> dict[str, Any]:
        chat = self.chat(user_id, group)
        return {"message_id": self._next_message_id(chat["id"]), "date": int(time.time()),
                "from": self.user(user_id), "chat": chat, **fields}

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), kind: payload}
        self._updates.append(update)
        self._changed()
        return update

    def text(self, user_id: int, text: str, *, group: int | None = None,
             reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
        """A text message from ``user_id`` (entities for commands and mentions are added)."""
        fields: dict[str, Any] = {"text": text}
        if entities := self._entities(text):
            fields["entities"] = entities
        if reply_to is not None:
            fields["reply_to_message"] = reply_to
        return self.push("message", self._message(user_id, group, **fields))

    def edited(self, user_id: int, text: str, *, group: int | None = None) -> dict[str, Any]:
        message = self._message(user_id, group, text=text, edit_date=int(time.time()))
        return self.push("edited_message", message)

    def add_file(self, data: bytes, path: str, size: int | None = None) -> _File:
        n = next(self._file_ids)
        f = _File(f"file-{n}", f"u{n}", f"{path}/file_{n}{_suffix(data)}", data,
                  len(data) if size is None else size)
        self._files[f.file_id] = f
        return f

    def photo(self, user_id: int, data: bytes | None = None, *, caption: str | None = None,
              file_size: int | None = None, small: bytes | None = None,
              media_group_id: str | None = None, group: int | None = None) -> dict[str, Any]:
        """A photo; ``file_size`` fakes the size Telegram reports; ``small``: a thumbnail
        size that is offered too (as Telegram offers several sizes of one photo)."""
        sizes = []
        if small is not None:
            sizes.append(self._photo_size(self.add_file(small, "photos")))
        if data is not None:
            sizes.append(self._photo_size(self.add_file(data, "photos", file_size)))
        fields: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            fields["caption"] = caption
            if entities := self._entities(caption):
                fields["caption_entities"] = entities
        if media_group_id is not None:
            fields["media_group_id"] = media_group_id
        return self.push("message", self._message(user_id, group, **fields))

    def document(self, user_id: int, data: bytes, *, file_name: str, mime_type: str | None,
                 file_size: int | None = None, caption: str | None = None) -> dict[str, Any]:
        f = self.add_file(data, "documents", file_size)
        doc = {"file_id": f.file_id, "file_unique_id": f.unique_id, "file_name": file_name,
               "file_size": f.size}
        if mime_type:
            doc["mime_type"] = mime_type
        fields: dict[str, Any] = {"document": doc}
        if caption is not None:
            fields["caption"] = caption
        return self.push("message", self._message(user_id, None, **fields))

    def sticker(self, user_id: int) -> dict[str, Any]:
        f = self.add_file(b"RIFF....WEBP", "stickers")
        sticker = {"file_id": f.file_id, "file_unique_id": f.unique_id, "type": "regular",
                   "width": 512, "height": 512, "is_animated": False, "is_video": False,
                   "emoji": "🙂"}
        return self.push("message", self._message(user_id, None, sticker=sticker))

    def press(self, user_id: int, message: dict[str, Any], data: str) -> dict[str, Any]:
        """``user_id`` presses a button with ``data`` under the bot's ``message``."""
        query = {"id": f"cb-{next(self._file_ids)}", "from": self.user(user_id),
                 "message": message, "chat_instance": f"ci-{message['chat']['id']}",
                 "data": data}
        return self.push("callback_query", query)

    def fail_next(self, method: str, code: int, description: str,
                  retry_after: int | None = None) -> None:
        """Answer the next ``method`` call with this error (e.g. 429 flood, 502)."""
        self._failures.setdefault(method, []).append(ApiError(code, description, retry_after))

    # --- observing -------------------------------------------------------------------------
    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates the bot has not confirmed yet (by polling with a higher offset)."""
        return list(self._updates)

    def calls_of(self, method: str, chat_id: int | None = None, ok: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method
                and (chat_id is None or c.params.get("chat_id") == chat_id)
                and (not ok or c.status == 200)]

    def photos_to(self, chat_id: int) -> list[Call]:
        return self.calls_of("sendPhoto", chat_id)

    def texts_to(self, chat_id: int) -> list[str]:
        return [c.params["text"] for c in self.calls_of("sendMessage", chat_id)]

    def errors(self) -> list[Call]:
        return [c for c in self.calls if c.status != 200]

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = 10.0,
                         what: str = "condition") -> Any:
        """Wait until ``predicate()`` is truthy (re-checked after every request/update)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._event
            if result := predicate():
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                summary = [(c.method, c.params.get("chat_id"), c.status) for c in self.calls[-15:]]
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; "
                                     f"last calls: {summary}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    # --- internals --------------------------------------------------------------------------
    def _changed(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _entities(self, text: str) -> list[dict[str, Any]]:
        out = []
        for m in re.finditer(r"(?<![\w/])/[A-Za-z0-9_]+(@\w+)?|@\w+", text):
            kind = "bot_command" if m.group(0).startswith("/") else "mention"
            if kind == "bot_command" and m.start() != 0:
                continue
            out.append({"type": kind, "offset": _utf16_len(text[: m.start()]),
                        "length": _utf16_len(m.group(0))})
        return out

    @staticmethod
    def _photo_size(f: _File) -> dict[str, Any]:
        try:
            width, height = Image.open(io.BytesIO(f.data)).size
        except Exception:
            width, height = 1280, 960
        return {"file_id": f.file_id, "file_unique_id": f.unique_id, "width": width,
                "height": height, "file_size": f.size}

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    break
                verb, target, _ = request_line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    key, _, value = line.decode("latin-1").partition(":")
                    headers[key.strip().lower()] = value.strip()
                body = await _read_body(reader, headers)
                status, payload, ctype = await self._dispatch(verb, target, headers, body)
                head = (f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
                        f"Content-Type: {ctype}\r\nContent-Length: {len(payload)}\r\n"
                        "Connection: keep-alive\r\n\r\n")
                writer.write(head.encode("latin-1") + payload)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _dispatch(self, verb: str, target: str, headers: dict[str, str],
                        body: bytes) -> tuple[int, bytes, str]:
        url = urlsplit(target)
        file_prefix = f"/file/bot{self.token}/"
        if unquote(url.path).startswith(file_prefix):
            path = unquote(url.path)[len(file_prefix):]
            found = next((f for f in self._files.values() if f.path == path), None)
            self.calls.append(Call("download", {"path": path}, at=time.monotonic(),
                                   status=200 if found else 404))
            self._changed()
            if found is None:
                return 404, b"Not Found", "text/plain"
            return 200, found.data, "application/octet-stream"
        prefix = f"/bot{self.token}/"
        if not url.path.startswith(prefix):
            return _json_error(ApiError(401, "Unauthorized"))
        method = url.path[len(prefix):]
        params, files = _parse_params(url.query, headers.get("content-type", ""), body)
        call = Call(method, params, files, at=time.monotonic())
        self.calls.append(call)
        self._changed()  # waiters see the request arrive (a long poll returns much later)
        try:
            if queued := self._failures.get(method):
                raise queued.pop(0)
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            call.result = await handler(**params, **files)
            return 200, json.dumps({"ok": True, "result": call.result}).encode(), \
                "application/json"
        except ApiError as e:
            call.status, call.error = e.code, e.description
            return _json_error(e)
        except TypeError as e:  # a parameter the real API would reject too
            call.status, call.error = 400, f"Bad Request: {e}"
            return _json_error(ApiError(400, f"Bad Request: {e}"))
        finally:
            self._changed()

    def _bot_message(self, chat_id: int, **fields: Any) -> dict[str, Any]:
        chat_id = int(chat_id)
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
        if chat_id < 0:
            chat["title"] = f"group {chat_id}"
        message = {"message_id": self._next_message_id(chat_id), "date": int(time.time()),
                   "from": self.bot, "chat": chat,
                   **{k: v for k, v in fields.items() if v is not None}}
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _live(self, chat_id: Any, message_id: Any, what: str) -> dict[str, Any]:
        key = (int(chat_id), int(message_id))
        if key not in self.messages or key in self.deleted:
            raise ApiError(400, f"Bad Request: message to {what} not found")
        return self.messages[key]

    # --- API methods ---------------------------------------------------------------------------
    async def _api_getMe(self, **_: Any) -> dict[str, Any]:
        return self.bot

    async def _api_deleteWebhook(self, **_: Any) -> bool:
        return True

    async def _api_setWebhook(self, url: str, **_: Any) -> bool:
        return True

    async def _api_setMyCommands(self, commands: list[dict[str, Any]],
                                 scope: dict[str, Any] | None = None, **_: Any) -> bool:
        self.commands[json.dumps(scope or {"type": "default"}, sort_keys=True)] = commands
        return True

    async def _api_getUpdates(self, offset: int | None = None, limit: int = 100,
                              timeout: float = 0, **_: Any) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(timeout)
        while True:
            if offset is not None:  # confirms every update before offset
                self._updates = [u for u in self._updates if u["update_id"] >= int(offset)]
            event = self._event
            remaining = deadline - loop.time()
            if self._updates or remaining <= 0:
                return self._updates[: int(limit)]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def _api_sendChatAction(self, chat_id: int, action: str, **_: Any) -> bool:
        return True

    async def _api_sendMessage(self, chat_id: int, text: str, reply_markup: Any = None,
                               reply_parameters: Any = None, **_: Any) -> dict[str, Any]:
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self._bot_message(chat_id, text=text, reply_markup=reply_markup)

    async def _api_sendPhoto(self, chat_id: int, photo: Any, caption: str | None = None,
                             reply_markup: Any = None, **_: Any) -> dict[str, Any]:
        if not isinstance(photo, tuple):
            raise ApiError(400, "Bad Request: this fake only takes uploaded photos")
        _check_caption(caption)
        _, data = photo
        try:
            with Image.open(io.BytesIO(data)) as im:
                im.load()
        except Exception as e:
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED") from e
        f = self.add_file(data, "photos")
        return self._bot_message(chat_id, photo=[self._photo_size(f)], caption=caption,
                                 reply_markup=reply_markup)

    async def _api_sendDocument(self, chat_id: int, document: Any, caption: str | None = None,
                                reply_markup: Any = None, **_: Any) -> dict[str, Any]:
        if not isinstance(document, tuple):
            raise ApiError(400, "Bad Request: this fake only takes uploaded documents")
        _check_caption(caption)
        name, data = document
        f = self.add_file(data, "documents")
        doc = {"file_id": f.file_id, "file_unique_id": f.unique_id, "file_name": name,
               "file_size": f.size}
        return self._bot_message(chat_id, document=doc, caption=caption,
                                 reply_markup=reply_markup)

    async def _api_editMessageText(self, text: str, chat_id: int, message_id: int,
                                   reply_markup: Any = None, **_: Any) -> dict[str, Any]:
        message = self._live(chat_id, message_id, "edit")
        if message.get("text") == text and reply_markup == message.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                                "content and reply markup are exactly the same")
        message["text"] = text
        message["edit_date"] = int(time.time())
        return message

    async def _api_deleteMessage(self, chat_id: int, message_id: int, **_: Any) -> bool:
        self._live(chat_id, message_id, "delete")
        self.deleted.add((int(chat_id), int(message_id)))
        return True

    async def _api_answerCallbackQuery(self, callback_query_id: str, **params: Any) -> bool:
        if callback_query_id in self.answered:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired "
                                "or query ID is invalid")
        self.answered[callback_query_id] = params
        return True

    async def _api_getFile(self, file_id: str, **_: Any) -> dict[str, Any]:
        f = self._files.get(file_id)
        if f is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if f.size > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {"file_id": f.file_id, "file_unique_id": f.unique_id, "file_size": f.size,
                "file_path": f.path}


def _check_caption(caption: str | None) -> None:
    if caption is not None and len(caption) > 1024:
        raise ApiError(400, "Bad Request: message caption is too long")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _suffix(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return ".png"
    if data.startswith(b"\xff\xd8"):
        return ".jpg"
    return ".bin"


def _json_error(e: ApiError) -> tuple[int, bytes, str]:
    payload: dict[str, Any] = {"ok": False, "error_code": e.code, "description": e.description}
    if e.retry_after is not None:
        payload["parameters"] = {"retry_after": e.retry_after}
    return e.code, json.dumps(payload).encode(), "application/json"


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while (size := int((await reader.readline()).split(b";")[0].strip(), 16)) > 0:
            body += await reader.readexactly(size)
            await reader.readline()
        await reader.readline()
        return body
    return b""


def _decode(name: str, value: str) -> Any:
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _parse_params(query: str, content_type: str, body: bytes
                  ) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    params: dict[str, Any] = {k: _decode(k, v) for k, v in parse_qsl(query)}
    files: dict[str, tuple[str, bytes]] = {}
    if content_type.startswith("application/json") and body:
        params.update(json.loads(body))
    elif content_type.startswith("application/x-www-form-urlencoded"):
        params.update({k: _decode(k, v) for k, v in parse_qsl(body.decode())})
    elif content_type.startswith("multipart/form-data"):
        fields, files = parse_multipart(body, content_type)
        params.update({k: _decode(k, v) for k, v in fields.items()})
    return params, files


def parse_multipart(body: bytes, content_type: str
                    ) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """Split a multipart/form-data body into text fields and files (name, bytes)."""
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if not m:
        raise ApiError(400, "Bad Request: multipart body without boundary")
    delimiter = b"--" + m.group(1).encode()
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        disposition = next((line for line in head.decode("utf-8").split("\r\n")
                            if line.lower().startswith("content-disposition")), "")
        name = re.search(r'\bname="([^"]*)"', disposition)
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        if name is None:
            continue
        if filename is not None:
            files[name.group(1)] = (filename.group(1), content)
        else:
            fields[name.group(1)] = content.decode("utf-8")
    return fields, files
