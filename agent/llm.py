"""The planner's language model, when one is configured, and what it is told.

``planner = "rules"`` (the default) needs no model. ``planner = "openai"`` talks to any
OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp server, DashScope…) through
``langchain-openai``, wrapped in :class:`GuardedChatModel`, which makes a real endpoint safe
to depend on:

- deadlines: each request ends within :data:`REQUEST_DEADLINE_S` and all requests of one
  turn within :data:`TURN_BUDGET_S` (a hung or dripping endpoint cannot hold a turn; no
  retries);
- a circuit breaker: after :data:`BREAKER_FAILURES` failures in a row (or one timeout) the
  endpoint is skipped for :data:`BREAKER_COOLDOWN_S`, then tried once again;
- every failure (HTTP errors, a body that is not JSON, timeouts) is a
  :class:`PlannerUnavailable` whose text is safe to log: keys are redacted, and users only
  ever see a generic sentence (the engine's);
- tool calls that small models write into their text (see :mod:`agent.llm_calls`) become
  real tool calls, checked against the tools' schemas and the conversation state; a call
  naming an image that does not exist goes back to the model once as a corrective retry.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

import httpx
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict

from agent.llm_calls import (
    check_against_state,
    clean_reply,
    compact_tool_specs,
    follow_up_call,
    new_call_id,
    parse_calls,
    schemas_of,
    turn_facts,
    validate_args,
)
from agent.state import SessionState
from errors import ConfigError, ImagechatError
from settings import Settings

log = logging.getLogger(__name__)

# Read at call time, so tests can shorten them.
REQUEST_DEADLINE_S = 12.0  # one request, connect to last byte
TURN_BUDGET_S = 12.0  # all LLM requests of one turn (tool time not counted)
CONNECT_TIMEOUT_S = 3.0
MIN_REQUEST_S = 0.5  # less time left than this: do not start a request
BREAKER_FAILURES = 2  # failures in a row that open the breaker (a timeout opens it at once)
BREAKER_COOLDOWN_S = 60.0
MAX_LLM_STEPS = 5  # tool-calling answers per turn before the turn is ended (the graph's
# recursion limit, 12 steps, must leave room for them, their tools and a final answer)
LLM_TIMEOUT_S = REQUEST_DEADLINE_S  # kept for callers of the old name

UNAVAILABLE_NOTE = ("(The language model is not answering right now; I used the built-in "
                    "planner.)")
NO_CALL_NOTE = "(The language model did not do that; I used the built-in planner.)"
PARTIAL_NOTE = "(The language model stopped part-way; I kept what was done.)"


class PlannerUnavailable(ImagechatError):
    """The configured LLM could not plan this turn (down, timed out, malformed output).
    Its text is for logs (already redacted), not for users."""


class LLMSkipped(PlannerUnavailable):
    """The circuit breaker is open: the endpoint was not asked (logged when it opened)."""


class LLMFailure(RuntimeError):
    """The LLM failed a plain (tool-less) request, e.g. a rewrite or a translation; callers
    fall back to their rule-based way."""


# ------------------------------------------------------------------ per-turn context
@dataclass
class LLMTurn:
    """The LLM time left in one turn (time spent waiting for the model; the tools' time is
    not counted) and what the model's calls are checked against."""

    budget: float
    state: SessionState | None = None
    text: str = ""
    spent: float = 0.0
    log: list[str] = field(default_factory=list)  # what went wrong, for the engine's log

    def remaining(self) -> float:
        return self.budget - self.spent


_TURN: contextvars.ContextVar[LLMTurn | None] = contextvars.ContextVar("imagechat_llm_turn",
                                                                      default=None)
_REQUEST_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "imagechat_llm_request_deadline", default=None)


@contextlib.contextmanager
def llm_turn(state: SessionState | None = None, text: str = "",
             budget: float | None = None) -> Iterator[LLMTurn]:
    """Every LLM request inside shares one budget and is checked against ``state``."""
    turn = LLMTurn(TURN_BUDGET_S if budget is None else budget, state, text)
    token = _TURN.set(turn)
    try:
        yield turn
    finally:
        _TURN.reset(token)


# ------------------------------------------------------------------ circuit breaker
class CircuitBreaker:
    """Closed -> (failures) -> open for ``cooldown`` -> one probe -> closed or open again."""

    def __init__(self, name: str = "LLM endpoint"):
        self.name = name
        self._lock = threading.Lock()
        self.failures = 0
        self.open_until = 0.0
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self.open_until > time.monotonic()

    def allow(self) -> bool:
        with self._lock:
            if self.open_until == 0.0:
                return True
            if time.monotonic() < self.open_until or self._probing:
                return False
            self._probing = True  # cooldown over: let exactly one request probe
            return True

    def success(self) -> None:
        with self._lock:
            if self.open_until:
                log.warning("%s answers again; using it.", self.name)
            self.failures, self.open_until, self._probing = 0, 0.0, False

    def failure(self, reason: str, *, severe: bool = False) -> None:
        cooldown = BREAKER_COOLDOWN_S
        with self._lock:
            self.failures += 1
            was_open = self.open_until != 0.0
            if severe or self.failures >= BREAKER_FAILURES or self._probing:
                self.open_until = time.monotonic() + cooldown
                if not was_open or self._probing:
                    log.warning("%s failing (%s); skipping it for %.0f s.", self.name, reason,
                                cooldown)
            self._probing = False


# ------------------------------------------------------------------ redaction
_SECRETISH = re.compile(r"(?i)(bearer\s+|api[_-]?key[\"'=:\s]+|authorization[\"'=:\s]+)"
                        r"[^\s\"',}]+|\bsk-[A-Za-z0-9_\-]{6,}")


def redact(text: str, secrets: Sequence[str] = ()) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _SECRETISH.sub(lambda m: (m.group(1) or "") + "***", text)


# ------------------------------------------------------------------ HTTP with a deadline
class _DeadlineStream(httpx.SyncByteStream):
    def __init__(self, stream: Any, deadline: float):
        self._stream, self._deadline = stream, deadline

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            if time.monotonic() > self._deadline:
                raise httpx.ReadTimeout("the LLM endpoint took longer than its deadline")
            yield chunk

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class DeadlineTransport(httpx.HTTPTransport):
    """Each read waits at most until the request's deadline, and a body that drips in
    slower than that is cut off: httpx's own timeouts are per read, not per request."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = _REQUEST_DEADLINE.get()
        if deadline is None:
            return super().handle_request(request)
        left = deadline - time.monotonic()
        if left <= 0:
            raise httpx.ReadTimeout("no time left for the LLM request", request=request)
        request.extensions["timeout"] = {"connect": min(CONNECT_TIMEOUT_S, left), "read": left,
                                         "write": left, "pool": left}
        response = super().handle_request(request)
        response.stream = _DeadlineStream(response.stream, deadline)
        return response


_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="llm-request")


def _describe_failure(e: BaseException) -> tuple[str, bool]:
    """(a short reason safe to log, whether it means the endpoint is hanging)."""
    names = {cls.__name__ for cls in type(e).__mro__}
    status = getattr(e, "status_code", None)
    if isinstance(status, int):
        return f"HTTP {status}", False
    if names & {"APITimeoutError", "TimeoutException", "TimeoutError", "ReadTimeout"}:
        return "timed out", True
    if names & {"APIConnectionError", "ConnectError", "ConnectionError"}:
        return "cannot connect", False
    if names & {"JSONDecodeError", "APIResponseValidationError"}:
        return "answered with something that is not JSON", False
    return type(e).__name__, False


# ------------------------------------------------------------------ the guarded model
class GuardedChatModel(BaseChatModel):
    """A chat model (ChatOpenAI) with deadlines, a circuit breaker, redacted errors, and
    tool calls read from the text of answers and checked against the session."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    delegate: BaseChatModel
    breaker: CircuitBreaker
    secrets: tuple[str, ...] = ()
    request_deadline_s: float | None = None  # None: REQUEST_DEADLINE_S
    turn_budget_s: float | None = None  # None: TURN_BUDGET_S
    bound_tools: tuple[Any, ...] = ()
    tool_kwargs: dict[str, Any] = {}

    @property
    def _llm_type(self) -> str:
        return "imagechat-guarded"

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None,
                   **kwargs: Any) -> GuardedChatModel:
        binding = self.delegate.bind_tools(tools, tool_choice=tool_choice, **kwargs)
        bound = dict(getattr(binding, "kwargs", {}))
        if "tools" in bound:
            bound["tools"] = compact_tool_specs(bound["tools"])
        return self.model_copy(update={"bound_tools": tuple(tools), "tool_kwargs": bound})

    # --- one request -----------------------------------------------------------------
    def _fail(self, reason: str) -> Exception:
        return PlannerUnavailable(reason) if self.bound_tools else LLMFailure(reason)

    def request(self, messages: list[BaseMessage], stop: list[str] | None = None,
                **kwargs: Any) -> AIMessage:
        """One request within the turn's budget and the breaker; raises on any failure."""
        turn = _TURN.get()
        limit = self.request_deadline_s or REQUEST_DEADLINE_S
        left = limit if turn is None else min(limit, turn.remaining())
        if left < MIN_REQUEST_S:
            raise self._fail("no time left in this turn for the language model")
        if not self.breaker.allow():
            if self.bound_tools:
                raise LLMSkipped("skipped: the endpoint failed recently")
            raise LLMFailure("skipped: the endpoint failed recently")
        log.debug("LLM request: %d messages, ~%d tokens", len(messages),
                  approx_tokens([str(m.content) for m in messages]))
        started = time.monotonic()
        deadline = started + left
        future = _POOL.submit(contextvars.copy_context().run, self._call, messages, stop,
                              deadline, kwargs)
        try:
            result = future.result(timeout=left + 0.05)
        except FutureTimeout:
            future.cancel()
            reason = f"timed out after {left:.1f} s"
            self.breaker.failure(reason, severe=True)
            raise self._fail(reason) from None
        except Exception as e:  # noqa: BLE001 - anything the endpoint does is its failure
            reason, severe = _describe_failure(e)
            log.warning("LLM request failed: %s: %s", reason,
                        redact(str(e)[:500], self.secrets))
            self.breaker.failure(reason, severe=severe)
            raise self._fail(reason) from None
        finally:
            if turn is not None:
                turn.spent += time.monotonic() - started
        self.breaker.success()
        return result

    def _call(self, messages: list[BaseMessage], stop: list[str] | None, deadline: float,
              kwargs: dict[str, Any]) -> AIMessage:
        _REQUEST_DEADLINE.set(deadline)
        result = self.delegate._generate(messages, stop=stop, **{**self.tool_kwargs, **kwargs})
        message = result.generations[0].message
        if not isinstance(message, AIMessage):
            raise ValueError("the endpoint's answer has no assistant message")
        return message

    # --- BaseChatModel ---------------------------------------------------------------
    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None,
                  **kwargs: Any) -> ChatResult:
        if not self.bound_tools:
            return ChatResult(generations=[ChatGeneration(message=self.request(
                messages, stop, **kwargs))])
        return ChatResult(generations=[ChatGeneration(message=self._plan_step(
            messages, stop, kwargs))])

    def _plan_step(self, messages: list[BaseMessage], stop: list[str] | None,
                   kwargs: dict[str, Any]) -> AIMessage:
        turn = _TURN.get()
        state = turn.state if turn else None
        start = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)),
                    default=0)
        this_turn = messages[start + 1:]
        user_text = (turn.text if turn and turn.text else
                     str(messages[start].content).rpartition("User message:\n")[2])
        steps = sum(1 for m in this_turn if isinstance(m, AIMessage) and m.tool_calls)
        if steps >= MAX_LLM_STEPS:
            log.warning("LLM planner: %d tool-calling steps in one turn; ending it", steps)
            return AIMessage(content="")
        facts = turn_facts(state, [str(m.content) for m in this_turn
                                   if isinstance(m, ToolMessage)],
                           [c for m in this_turn if isinstance(m, AIMessage)
                            for c in m.tool_calls])
        message = self.request(messages, stop, **kwargs)
        calls, errors, text = self._calls_of(message, state, user_text, facts)
        if not calls:  # a prompt was rewritten but not drawn: the next step is certain
            follow = follow_up_call(_tool_results(this_turn))
            if follow is not None and not check_against_state(follow, state, user_text, facts):
                log.info("LLM planner: drawing the prompt it rewrote (it stopped there)")
                return AIMessage(content="", tool_calls=[follow], id=message.id)
        if errors and not calls:  # once: tell the model what was wrong and let it correct
            log.info("LLM planner: corrective retry (%s)", "; ".join(errors)[:300])
            said = text or str(message.content or "")
            retry = [*messages, AIMessage(content=said or "(a tool call)"),
                     HumanMessage(content="That tool call cannot run: " + "; ".join(errors)
                                  + ". Answer again with one corrected tool call, or a short "
                                  "sentence if no tool is needed.")]
            message = self.request(retry, stop, **kwargs)
            calls, errors, text = self._calls_of(message, state, user_text, facts)
            if errors:
                log.info("LLM planner: dropped invalid calls (%s)", "; ".join(errors)[:300])
        if turn is not None and errors:
            turn.log.extend(errors)
        return AIMessage(content=text, tool_calls=calls,
                         id=message.id, response_metadata=message.response_metadata)

    def _calls_of(self, message: AIMessage, state: SessionState | None, user_text: str,
                  facts: Any) -> tuple[list[dict[str, Any]], list[str], str]:
        """(valid calls, why others were refused, the answer's text without any call)."""
        schemas = schemas_of(self.bound_tools)
        content = message.content if isinstance(message.content, str) else "".join(
            p.get("text", "") if isinstance(p, dict) else str(p) for p in message.content)
        calls: list[dict[str, Any]] = []
        errors: list[str] = []
        for c in message.tool_calls:
            if c["name"] not in schemas:
                errors.append(f"there is no tool named {c['name']!r}")
                continue
            args, error = validate_args(c["name"], dict(c.get("args") or {}),
                                        schemas[c["name"]])
            if error:
                errors.append(error)
            else:
                calls.append({"id": c.get("id") or new_call_id(), "name": c["name"],
                              "args": args, "type": "tool_call"})
        for bad in message.invalid_tool_calls:  # arguments that are not JSON: try to read them
            source = ('{"name": ' + json.dumps(bad.get("name") or "") + ', "arguments": '
                      + (bad.get("args") or "{}") + "}")
            found = parse_calls(source, schemas)
            calls += found.calls
            if not found.calls:
                errors += found.errors or [f"the arguments of {bad.get('name') or 'a tool'} "
                                           "are not valid JSON"]
        text = content
        if not message.tool_calls and not message.invalid_tool_calls:
            found = parse_calls(content, schemas)
            calls += found.calls
            errors += found.errors
            text = found.text
            bare = content.strip().strip("`'\".").strip()
            if not calls and bare in schemas:  # a tool's name alone ("undo"): that call
                calls.append({"name": bare, "args": {}, "id": new_call_id(),
                              "type": "tool_call"})
                text = ""
        text = clean_reply(text, schemas)
        kept = []
        for call in calls:
            error = check_against_state(call, state, user_text, facts)
            if error:
                errors.append(error)
            else:
                kept.append(call)
                facts.calls.append((call["name"], json.dumps(call["args"], sort_keys=True,
                                                             default=str)))
        if any(c["name"] in ("rewrite_prompt", "beautify_prompt") for c in kept):
            # a drawing asked for beside the rewrite cannot know the new prompt yet: the
            # next step draws what the rewrite returns
            kept = [c for c in kept if c["name"] not in ("generate_image", "img2img",
                                                         "edit_image")]
        if message.tool_calls or message.invalid_tool_calls:
            text = "" if kept else text
        return kept, errors, text


def _tool_results(messages: Sequence[BaseMessage]) -> list[tuple[str, str]]:
    """(tool name, content) of the tool messages among ``messages``, in order."""
    names = {c["id"]: c["name"] for m in messages if isinstance(m, AIMessage)
             for c in m.tool_calls}
    return [(m.name or names.get(m.tool_call_id, ""), str(m.content)) for m in messages
            if isinstance(m, ToolMessage)]


def build_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat LLM, or None for the rules planner."""
    if settings.planner == "rules":
        return None
    if settings.planner == "openai":
        if not settings.llm_base_url or not settings.llm_model:
            raise ConfigError("planner 'openai' needs IMAGECHAT_LLM_BASE_URL and "
                              "IMAGECHAT_LLM_MODEL (e.g. http://127.0.0.1:8000/v1 and the "
                              "served model name)")
        from langchain_openai import ChatOpenAI

        # a slow local model needs more than the defaults (settings llm_timeout_s, ...)
        deadline = settings.llm_timeout_s or REQUEST_DEADLINE_S
        budget = settings.llm_turn_budget_s or None
        client = httpx.Client(transport=DeadlineTransport(),
                              timeout=httpx.Timeout(deadline, connect=CONNECT_TIMEOUT_S))
        chat = ChatOpenAI(base_url=settings.llm_base_url, model=settings.llm_model,
                          api_key=settings.llm_api_key or "not-needed",
                          timeout=deadline, max_retries=0, temperature=0.2,
                          http_client=client)
        return GuardedChatModel(
            delegate=chat, breaker=CircuitBreaker(),
            request_deadline_s=deadline,
            turn_budget_s=budget, secrets=tuple(s for s in (settings.llm_api_key,) if s))
    raise ConfigError(f"unknown planner {settings.planner!r}; use 'rules' or 'openai'")


def check_tool_calls(message: AIMessage) -> None:
    """Refuse a model answer whose tool calls could not be parsed."""
    if message.invalid_tool_calls:
        bad = message.invalid_tool_calls[0]
        raise PlannerUnavailable(f"it sent a malformed call to {bad.get('name') or 'a tool'}"
                                 f" ({(bad.get('error') or 'unparseable arguments')[:80]})")


# ------------------------------------------------------------------ the system prompt
def prompt_language(settings: Settings | None) -> str:
    """"zh" when the image model reads Chinese prompts, else "en"."""
    if settings is None:
        return "en"
    try:
        from tools.models import profile_for

        profile = profile_for(settings)
    except ImagechatError:
        return "en"
    native = getattr(profile, "native_chinese", None)
    if native is None:
        native = profile.name == "pai-zh"
    return "zh" if native else "en"


_PROMPT_HEAD = """You are imagechat. You make and change pictures by calling tools.
Call a tool for every picture request. Never write a tool call as text or JSON in your \
answer.
Image prompts: {language}
Seeds and image numbers: never invent them. Pass seed only when the user names one, or the \
seed of the image you change (from the state or a tool result). Only use image numbers \
listed in the state below.

Examples (user says -> your tool call):
"a cat on a sofa" -> generate_image({{"prompt": "a cat on a sofa"}})
"a red car, seed 7" -> generate_image({{"prompt": "a red car", "seed": 7}})
"make it night" (current #1, seed 42) -> rewrite_prompt({{"instruction": "make it night", \
"image": 1}}); when it returns "a cat at night": generate_image({{"prompt": "a cat at night", \
"seed": 42, "parent": 1}})
"more detailed" -> beautify_prompt({{"image": 1}}), then generate_image with the first \
candidate, the same seed and "parent": 1
photo #2 sent with "make it watercolor" -> edit_image({{"instruction": "make it \
watercolor", "image": 2}})
"draw #1 in the style of #2" -> restyle({{"image": 1, "style": 2}})
"two variations" -> variations({{"count": 2}})
"undo" -> undo({{}}); "go back to #2" -> go_to_image({{"number": 2}}); "history" -> history({{}})
"find pictures of a beach" -> search_images({{"query": "beach"}}); "use result 2" -> \
use_search_result({{"result": 2}})
"size 768, 8 steps" -> set_settings({{"width": 768, "height": 768, "steps": 8}})
"thanks!" -> no tool; answer "You're welcome!"
When the tools are done, answer in one short sentence in the user's language and name \
images like #3."""

_LANGUAGE = {
    "en": "always in English (translate Chinese or other languages), short and concrete.",
    "zh": "in the user's language (the image model reads Chinese), short and concrete.",
}


def system_prompt(state: SessionState | None = None, settings: Settings | None = None) -> str:
    """Short, with exact example calls for small models, and the same in every turn (the
    conversation state goes into the turn's message, see :func:`turn_message`), so a
    server's prompt cache keeps the system prompt, the tools and the history."""
    return _PROMPT_HEAD.format(language=_LANGUAGE[prompt_language(settings)])


def turn_message(state: SessionState, said: str) -> str:
    """The user's message as the model gets it: the per-turn state last in the request,
    right before the words it is about."""
    return f"Conversation state:\n{state.describe()}\n\nUser message:\n{said}"


def approx_tokens(payload: Any) -> int:
    """Roughly how many tokens a request body is (4 characters a token)."""
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return len(text) // 4
