"""A fake OpenAI-compatible chat endpoint on loopback, answering from a script.

Each POST to ``/v1/chat/completions`` pops the next scripted answer: a list of tool calls
``[(name, args_json_text)]`` or a plain text reply (which may hold a call written as text,
the way small models do). When the script is empty, ``default`` answers (a callable gets
the request body). Requests are recorded so tests can see what the planner was told
(system prompt with state, history, tool schemas) and how big each request was.

``mode`` makes it a faulty endpoint instead:

``hang``          accepts the request and never answers
``drip``          sends headers, then one byte of body every ``drip_every`` seconds, forever
``garbage``       HTTP 200 with a body that is not JSON
``error500``      HTTP 500 with a JSON error body
``unauthorized``  HTTP 401 whose body echoes the request's Authorization header

``strict=True`` checks the messages the way the OpenAI API does (roles, every assistant tool
call answered by a tool message right after it, tool messages only after their call) and
answers 400 otherwise; ``rejected`` keeps the reasons.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = str | list[tuple[str, str]]

MODES = ("script", "hang", "drip", "garbage", "error500", "unauthorized")


class FakeOpenAI:
    def __init__(self, script: list[Answer] | None = None, *, mode: str = "script",
                 strict: bool = False, drip_every: float = 1.0):
        assert mode in MODES, mode
        self.script: list[Answer] = list(script or [])
        self.requests: list[dict[str, Any]] = []
        self.sizes: list[int] = []  # bytes of each request body
        self.rejected: list[str] = []
        self.default: Answer | Callable[[dict[str, Any]], Answer] = "OK."
        self.mode = mode
        self.strict = strict
        self.drip_every = drip_every
        self.stopping = threading.Event()
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()  # ends hanging and dripping handlers
        self.server.shutdown()
        self.server.server_close()

    def _answer(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.script:
            answer = self.script.pop(0)
        else:
            answer = self.default(body) if callable(self.default) else self.default
        message: dict[str, Any] = {"role": "assistant", "content": None}
        finish = "stop"
        if isinstance(answer, str):
            message["content"] = answer
        else:
            finish = "tool_calls"
            message["tool_calls"] = [
                {"id": f"call_{len(self.requests)}_{i}", "type": "function",
                 "function": {"name": name, "arguments": args}}
                for i, (name, args) in enumerate(answer)
            ]
        return {
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion",
            "created": int(time.time()), "model": body.get("model", "fake"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def _send(self, status: int, data: bytes, ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length) or b"{}"
                if not self.path.endswith("/chat/completions"):
                    self.send_error(404)
                    return
                body = json.loads(raw)
                fake.requests.append(body)
                fake.sizes.append(len(raw))
                if fake.mode == "hang":
                    fake.stopping.wait(120)
                    return
                if fake.mode == "drip":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "100000")
                    self.end_headers()
                    try:
                        while not fake.stopping.wait(fake.drip_every):
                            self.wfile.write(b" ")
                            self.wfile.flush()
                    except OSError:
                        pass
                    return
                if fake.mode == "garbage":
                    self._send(200, b"<html><body>502 Bad Gateway (upstream)</body></html>",
                               "application/json")
                    return
                if fake.mode == "error500":
                    self._send(500, json.dumps({"error": {
                        "message": "model crashed at /srv/models/qwen.gguf",
                        "type": "server_error"}}).encode())
                    return
                if fake.mode == "unauthorized":
                    auth = self.headers.get("Authorization", "")
                    self._send(401, json.dumps({"error": {
                        "message": f"Invalid credentials: {auth}",
                        "type": "invalid_request_error"}}).encode())
                    return
                problem = check_messages(body.get("messages", [])) if fake.strict else ""
                if problem:
                    fake.rejected.append(problem)
                    self._send(400, json.dumps({"error": {
                        "message": problem, "type": "invalid_request_error"}}).encode())
                    return
                self._send(200, json.dumps(fake._answer(body)).encode())

        return Handler


def check_messages(messages: list[dict[str, Any]]) -> str:
    """What the OpenAI API would refuse in ``messages`` ("" if nothing)."""
    pending: list[str] = []
    for i, m in enumerate(messages):
        role = m.get("role")
        if role not in ("system", "developer", "user", "assistant", "tool"):
            return f"messages[{i}]: invalid role {role!r}"
        if role == "tool":
            if m.get("tool_call_id") not in pending:
                return (f"messages[{i}]: messages with role 'tool' must be a response to a "
                        "preceding message with 'tool_calls'")
            pending.remove(m["tool_call_id"])
            continue
        if pending:
            return (f"messages[{i - 1}]: an assistant message with 'tool_calls' must be "
                    f"followed by tool messages responding to each 'tool_call_id' "
                    f"(missing: {pending})")
        if role == "assistant":
            ids = [c.get("id") for c in m.get("tool_calls") or []]
            if len(set(ids)) != len(ids):
                return f"messages[{i}]: duplicate tool_call ids {ids}"
            pending = list(ids)
            if not ids and m.get("content") in (None, ""):
                return f"messages[{i}]: assistant message needs content or tool_calls"
    if pending:
        return f"the last assistant message's tool calls are unanswered: {pending}"
    return ""
