"""The turn engine: ``Agent.handle_turn(Turn) -> Reply``.

A turn loads the user's conversation from storage, stores their message and uploads,
lets the planner (rules or an LLM, in the same LangChain agent graph) call tools, and
commits every message, tool call and image as the graph streams them, so a crash mid-turn
loses nothing already said. Slash commands always run on the deterministic planner.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import threading
from collections import defaultdict
from typing import Any

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agent import commands
from agent.intents import is_new_chat
from agent.llm import PlannerUnavailable, build_chat_model, check_tool_calls, system_prompt
from agent.messages import lang_of
from agent.planner import HELP, RulesPlanner, first_call
from agent.state import SessionState, load_state
from agent.toolbox import TurnContext, build_tools, running, waiting
from agent.types import Action, Progress, Reply, ReplyImage, Turn
from errors import ImagechatError, InvalidInput
from settings import Settings
from storage import Storage, repo
from storage.models import Image, Message
from tools.text import clean_text, has_cjk, simplified
from tools.translate import en_to_zh
from tools.validate import DECODE_BYTES_PER_PIXEL, MemoryBudget, image_size, load_image

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4000
MAX_ATTACHMENTS = 10
HISTORY_MESSAGES = 20
RECURSION_LIMIT = 12  # model/tool steps in one turn
# turns running their own Python work at once (planning, storing, rewriting), not counting
# those waiting for their picture: more would only share the cores (and the GIL) thinner,
# and read-only commands (/help, /history), which never take a slot, would wait longer
TURN_SLOTS = max(2, os.cpu_count() or 2)
# memory the decoding of uploaded pictures may take at once, in this process: an album is
# decoded one picture at a time, and a user's upload waits while others decode
UPLOAD_MEMORY_BUDGET = 1 << 30
UPLOAD_SIDE = 2048  # a bigger photo is stored whole but described from a copy this size
_uploads = MemoryBudget(UPLOAD_MEMORY_BUDGET)

SLASH_PLANNED = commands.names("planner")
SLASH_ENGINE = commands.names("engine")


class Agent:
    """One per process; thread-safe. Turns of the same user run one at a time."""

    def __init__(self, settings: Settings, storage: Storage | None = None):
        self.settings = settings
        self.storage = storage or Storage.open(settings)
        self._user_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._locks_lock = threading.Lock()
        self._llm: BaseChatModel | None = build_chat_model(settings)
        self._tools = build_tools()
        # a language-model planner waits on the network, not on the cores: no slots then
        self._slots: threading.Semaphore | None = (
            threading.BoundedSemaphore(TURN_SLOTS) if self._llm is None else None)

    # ------------------------------------------------------------------ public API
    def handle_turn(self, turn: Turn) -> Reply:
        try:
            text = self._check_text(turn.text)
            if len(turn.attachments) > MAX_ATTACHMENTS:
                raise InvalidInput(f"Please send at most {MAX_ATTACHMENTS} pictures at once.")
            # sizes from the headers only: nothing is decoded before it is stored
            sizes = [image_size(a.data, name=a.filename) for a in turn.attachments]
        except ImagechatError as e:
            return Reply(text=str(e), error=True)
        # reading commands never wait behind the same user's picture in the queue
        read_only = _read_only(text)
        lock = contextlib.nullcontext() if read_only else self._lock_for(turn.user)
        slot = None if read_only else self._slots
        with lock, (slot or contextlib.nullcontext()):
            try:
                return self._turn(turn, text, sizes, slot)
            except ImagechatError as e:
                return Reply(text=str(e), error=True)
            except Exception:
                log.exception("turn failed for %s: %r", turn.user, turn.text[:200])
                return Reply(text="Sorry, something went wrong on my side while doing that. "
                             "Your conversation is safe; please try again.", error=True)
            finally:
                if turn.on_progress is not None:
                    turn.on_progress(Progress(stage="done"))

    async def ahandle_turn(self, turn: Turn) -> Reply:
        """The same turn without blocking the event loop."""
        return await asyncio.to_thread(self.handle_turn, turn)

    def owns_image(self, user: str, image_id: int) -> bool:
        return self.image_number(user, image_id) is not None

    def image_number(self, user: str, image_id: int) -> int | None:
        """The number of image ``image_id`` if it belongs to ``user``, else None."""
        with self.storage.db.session() as s:
            owner = repo.get_user(s, user)
            image = s.get(Image, image_id)
            if owner is None or image is None or image.conversation.user_id != owner.id:
                return None
            return image.number

    def queue_status(self) -> str:
        from tools.work import image_work

        return image_work(self.settings).describe()

    def usage(self) -> str:
        with self.storage.db.session() as s:
            counts = repo.usage_counts(s)
        return ", ".join(f"{v} {k}" for k, v in counts.items())

    # ------------------------------------------------------------------ internals
    def _lock_for(self, user: str) -> threading.Lock:
        with self._locks_lock:
            return self._user_locks[user]

    @staticmethod
    def _check_text(text: str) -> str:
        if len(text) > MAX_MESSAGE_CHARS:
            raise InvalidInput(f"That message is {len(text):,} characters long; please keep it "
                               f"under {MAX_MESSAGE_CHARS:,}. Nothing was changed.")
        return simplified(clean_text(text, MAX_MESSAGE_CHARS))  # "謝謝" reads as "谢谢"

    def _turn(self, turn: Turn, text: str, sizes: list[tuple[int, int]],
              slot: threading.Semaphore | None = None) -> Reply:
        command = _command_of(text)
        if not command and not turn.attachments and is_new_chat(text):
            command = text = "/new"  # "start over", "重新开始"
        with self.storage.db.session() as s:
            user = repo.get_or_create_user(s, turn.user, turn.user_name)
            if command in SLASH_ENGINE:
                return self._engine_command(s, user, command, text)
            conv = self._conversation_for(s, user, turn.image_id)
            conv_id = conv.id
            if command == "/help" and not sizes:  # what the planner would say and store,
                repo.add_message(s, conv, "user", text)  # in this one transaction
                repo.add_message(s, conv, "assistant", HELP)
                return Reply(text=HELP, conversation_id=conv_id)
        if command and command not in SLASH_PLANNED:
            return Reply(text=f"I don't know {command}. Try /help.", conversation_id=conv_id,
                         error=True)
        if command == "/settings" and not text[len(command):].strip():
            return self._show_settings(conv_id)
        if command == "/start":
            text = "help"

        uploads = self._store_uploads(conv_id, turn.attachments, sizes, text, slot)
        with self.storage.db.session() as s:
            conv = repo.get_conversation(s, conv_id)
            history = _history(repo.recent_messages(s, conv, HISTORY_MESSAGES))
            repo.add_message(s, conv, "user", text, image_ids=[i.id for i in uploads] or None)
            state = load_state(s, conv, tuple(i.number for i in uploads))

        ctx = TurnContext(settings=self.settings, storage=self.storage, conversation_id=conv_id,
                          on_progress=turn.on_progress, llm=self._llm, user=turn.user,
                          lang=lang_of(text), cancel=turn.cancel, slot=slot)
        final = self._plan_and_run(ctx, state, history, text, deterministic=bool(command))
        return self._reply(ctx, final, uploads)

    @staticmethod
    def _conversation_for(s: Any, user: Any, image_id: int | None) -> Any:
        """The current conversation, or the one holding ``image_id`` (made current again)."""
        if image_id is None:
            return repo.current_conversation(s, user)
        image = s.get(Image, image_id)
        if image is None or image.conversation.user_id != user.id:
            raise InvalidInput("That picture is not one of yours (or no longer exists).")
        repo.touch_conversation(s, image.conversation)
        return image.conversation

    def _plan_and_run(self, ctx: TurnContext, state: SessionState, history: list[BaseMessage],
                      text: str, *, deterministic: bool) -> str:
        from agent.llm import (
            NO_CALL_NOTE,
            PARTIAL_NOTE,
            UNAVAILABLE_NOTE,
            LLMSkipped,
            llm_turn,
            turn_message,
        )

        rules = [HumanMessage(text)]
        if self._llm is None or deterministic:
            return self._run_graph(ctx, RulesPlanner(state=state), state, rules, llm=False)
        intent, planned = first_call(text, state)
        if intent is not None and intent.kind in _SMALL_TALK:  # the rules answer it at once
            return self._run_graph(ctx, RulesPlanner(state=state), state, rules, llm=False)
        needs_image = intent is not None and intent.kind in _IMAGE_KINDS
        said = text or f"(sent {len(state.uploads)} picture(s))"
        # one LLM budget for the whole turn, also for the tools' own LLM use (rewrite,
        # translation) after a fallback, so a dead endpoint costs the turn at most once
        with llm_turn(state, said, getattr(self._llm, "turn_budget_s", None)) as budget:
            ctx.planner = "llm"
            try:
                asked = HumanMessage(turn_message(state, said))  # the state last, for caching
                final = self._run_graph(ctx, self._llm, state, [*history, asked], llm=True)
                # the LLM did what the rules say was asked (a picture, a tool), or nothing was
                if (ctx.produced or not needs_image) and (ctx.tools_called or planned is None):
                    return final
                log.info("LLM planner made no picture for %r (%s); using the rules planner",
                         said[:80], "; ".join(budget.log)[:300] or "no usable tool call")
                note = NO_CALL_NOTE
            except PlannerUnavailable as e:  # its text is redacted: fine for the log only
                # a skip (breaker open) was logged once when the breaker opened
                log.log(logging.DEBUG if isinstance(e, LLMSkipped) else logging.WARNING,
                        "LLM planner unavailable for conversation %s: %s",
                        ctx.conversation_id, e)
                if ctx.produced:  # some work was done: keep it, report what happened
                    ctx.notes.append(PARTIAL_NOTE)
                    return ""
                note = UNAVAILABLE_NOTE
            ctx.planner = "rules"
            ctx.notes.append(note)
            return self._run_graph(ctx, RulesPlanner(state=state), state, rules, llm=False)

    def _run_graph(self, ctx: TurnContext, model: BaseChatModel, state: SessionState,
                   messages: list[BaseMessage], *, llm: bool) -> str:
        from agent.llm_calls import clean_reply

        prompt = system_prompt(state, self.settings) if llm else None
        graph = create_agent(model, self._tools, system_prompt=prompt)
        final = ""
        said = ""  # the last successful tool's own message, if the model's answer is unusable
        made: list[str] = []  # the messages of tools that made pictures
        try:
            with running(ctx):
                for update in graph.stream({"messages": messages}, stream_mode="updates",
                                           config={"recursion_limit": RECURSION_LIMIT}):
                    for node in update.values():
                        for msg in (node or {}).get("messages", []):
                            if llm and isinstance(msg, AIMessage):
                                check_tool_calls(msg)
                            self._persist(ctx, msg)  # committed as it happens
                            if isinstance(msg, AIMessage) and not msg.tool_calls:
                                final = str(msg.content)
                            elif isinstance(msg, ToolMessage):
                                ctx.tools_called.append(msg.name or "")
                                if llm:
                                    said = _tool_message(str(msg.content)) or said
                                    if '"images"' in str(msg.content) and said:
                                        made.append(said)
        except PlannerUnavailable:
            raise
        except Exception as e:
            if llm and _is_llm_failure(e):
                raise PlannerUnavailable(_short(e)) from e
            raise
        if llm:  # never show a tool call or raw JSON as the answer
            final = clean_reply(final, [t.name for t in self._tools]) or said
            numbers = re.findall(r"Here (?:is|are)[^#]*#(\d+)|^#(\d+):", "\n".join(made), re.M)
            named = {int(a or b) for a, b in numbers}
            words = re.sub(r"#\d+|[\W_]+", "", final)
            if made and (len(words) < 4 or not all(f"#{n}" in final for n in named)):
                # pictures were made and the model's closing words do not name them (a small
                # model says "You're welcome!"): say what was made in the tools' own words
                final = "\n".join(made)
        return final

    def _persist(self, ctx: TurnContext, msg: BaseMessage) -> None:
        with self.storage.db.session() as s:
            conv = repo.get_conversation(s, ctx.conversation_id)
            if isinstance(msg, AIMessage):
                calls = [{"id": c["id"], "name": c["name"], "args": c["args"]}
                         for c in msg.tool_calls] or None
                content = str(msg.content)
                if ctx.planner == "llm":  # history keeps words, never a model's debris
                    from agent.llm_calls import clean_reply

                    content = clean_reply(content, [t.name for t in self._tools])
                repo.add_message(s, conv, "assistant", content, tool_calls=calls)
            elif isinstance(msg, ToolMessage):
                repo.add_message(s, conv, "tool", str(msg.content), tool_call_id=msg.tool_call_id,
                                 name=msg.name)

    def _store_uploads(self, conv_id: int, attachments: list[Any],
                       sizes: list[tuple[int, int]], caption: str,
                       slot: threading.Semaphore | None = None) -> list[Image]:
        """Store each photo as the next image and a reference, described by the captioner
        so it has a prompt that later changes can rewrite. Photos are decoded one at a
        time, under the process's upload memory budget."""
        rows = []
        for attachment, (w, h) in zip(attachments, sizes, strict=True):
            with _uploads.hold(w * h * DECODE_BYTES_PER_PIXEL, attachment.filename):
                picture = load_image(attachment.data, name=attachment.filename)
                width, height = picture.size
                file = self.storage.images.put_image(picture)
                if max(picture.size) > UPLOAD_SIDE:  # the captioner reads a small copy
                    picture.thumbnail((UPLOAD_SIDE, UPLOAD_SIDE))
            with waiting(slot):
                description = self._describe_upload(picture)
            # a Chinese caption: the photo's prompt is Chinese too, so changes read alike
            prompt = en_to_zh(description) if description and has_cjk(caption) else description
            with self.storage.db.session() as s:
                conv = repo.get_conversation(s, conv_id)
                row = repo.add_image(s, conv, file=file, kind="uploaded", width=width,
                                     height=height, tool="upload", prompt=prompt,
                                     extra={"description": description} if description else None)
                repo.add_reference(s, conv, row, "upload", caption=caption or None)
                rows.append(row)
        return rows

    def _describe_upload(self, picture: Any) -> str | None:
        """The captioner's description of a photo, or None when it cannot run (logged)."""
        from tools.work import image_work

        try:
            job = image_work(self.settings).submit("describe", {}, [picture],
                                                   label="describing")
            return job.result() or None
        except Exception:  # a photo is kept even when it cannot be described
            log.warning("could not describe an upload", exc_info=True)
            return None

    def _reply(self, ctx: TurnContext, final: str, uploads: list[Image]) -> Reply:
        with self.storage.db.session() as s:
            rows = [s.get(Image, i) for i in [*ctx.shown, *ctx.produced]]
            images = [self._reply_image(r) for r in rows
                      if r.kind != "retrieved" or r.id in ctx.shown]
            conv = repo.get_conversation(s, ctx.conversation_id)
            actions = _actions(images[-1]) if images else []
            text = "\n".join(x for x in [*ctx.notes, final] if x) or "Done."
            if not final:  # the planner said nothing: keep a record of what was answered
                repo.add_message(s, conv, "assistant", text)
        return Reply(text=text, images=images, actions=actions,
                     conversation_id=ctx.conversation_id,
                     error=bool(ctx.errors) and not ctx.produced, notes=list(ctx.notes),
                     planner=ctx.planner)

    def _reply_image(self, row: Image) -> ReplyImage:
        return ReplyImage(
            number=row.number, path=self.storage.images.path(row.file), prompt=row.prompt,
            negative_prompt=row.negative_prompt, seed=row.seed,
            parent=row.parent.number if row.parent is not None else None, tool=row.tool,
            width=row.width, height=row.height, image_id=row.id,
            conversation_id=row.conversation_id,
        )

    def _show_settings(self, conv_id: int) -> Reply:
        with self.storage.db.session() as s:
            conv = repo.get_conversation(s, conv_id)
            chosen = dict(conv.settings or {})
        from tools.models import profile_for

        p = profile_for(self.settings)

        def mark(key: str) -> str:
            return "" if key in chosen else " (default)"

        w, h = chosen.get("width", p.size), chosen.get("height", p.size)
        lines = [
            f"size: {w}×{h}" + ("" if {"width", "height"} & set(chosen) else " (default)"),
            f"steps: {chosen.get('steps', p.steps)}{mark('steps')}",
            f"guidance: {chosen.get('guidance', p.guidance):g}{mark('guidance')}",
            f"seed: {chosen['seed']}" if "seed" in chosen else "seed: random",
            f"negative prompt: {chosen.get('negative_prompt') or 'none'}",
        ]
        return Reply(text=f"Profile {p.name}. Settings of this conversation:\n" + "\n".join(lines)
                     + "\nChange with e.g. /settings size 512, /settings steps 8, "
                     "/settings negative blurry, /settings seed 7 (or seed -1 for random).",
                     conversation_id=conv_id)

    def _engine_command(self, s: Any, user: Any, command: str, text: str) -> Reply:
        convs = repo.list_conversations(s, user)
        if command == "/new":
            conv = repo.new_conversation(s, user)
            plural = "s are" if len(convs) != 1 else " is"
            note = (f" Your {len(convs)} earlier conversation{plural} kept: /chats lists them."
                    if convs else "")
            return Reply(text=f"Started a new conversation.{note} Describe a picture to begin.",
                         conversation_id=conv.id)
        if command == "/chats":
            if not convs:
                return Reply(text="No conversations yet.")
            current = repo.current_conversation(s, user).id
            lines = []
            for i, c in enumerate(convs, 1):
                images = repo.list_images(s, c)
                first = next((im.prompt for im in images if im.prompt), None) or "(no images)"
                mark = "→" if c.id == current else " "
                lines.append(f"{mark} {i}. {len(images)} image(s) · {first[:50]}")
            return Reply(text="Your conversations:\n" + "\n".join(lines)
                         + "\n/open N switches to one.", conversation_id=current)
        arg = text.split(maxsplit=1)[1] if len(text.split(maxsplit=1)) > 1 else ""
        if not arg.strip().isdigit() or not 1 <= int(arg) <= len(convs):
            return Reply(text=f"Say /open N with N from 1 to {len(convs)} (see /chats).",
                         error=True)
        conv = convs[int(arg) - 1]
        repo.touch_conversation(s, conv)
        count = len(repo.list_images(s, conv))
        return Reply(text=f"Switched to conversation {arg} ({count} image(s)).",
                     conversation_id=conv.id)


def _command_of(text: str) -> str:
    """The slash command a message starts with ("/undo" for "/undo@MyBot 2"), or ""."""
    command = text.split(maxsplit=1)[0].lower() if text.startswith("/") else ""
    return command.split("@", 1)[0]  # Telegram: /undo@MyBot


def _read_only(text: str) -> bool:
    """Commands that only read the session (so need not wait for the user's running turn)."""
    return commands.is_read_only(text)


def _history(rows: list[Message]) -> list[BaseMessage]:
    """Stored messages as LangChain messages the way chat APIs accept them: each assistant
    tool call answered by a tool message right after it (unanswered calls, e.g. left by a
    crash, are dropped; stray tool answers too), and call ids unique even where the stored
    ones repeat across turns."""
    out: list[BaseMessage] = []
    i = 0
    while i < len(rows):
        m = rows[i]
        i += 1
        if m.role == "user":
            out.append(HumanMessage(m.content or "(sent a picture)"))
        elif m.role == "assistant":
            answers: dict[str, Message] = {}
            while i < len(rows) and rows[i].role == "tool":  # the answers right after it
                answers.setdefault(rows[i].tool_call_id or "", rows[i])
                i += 1
            calls, tools = [], []
            for c in m.tool_calls or []:
                answer = answers.pop(c.get("id") or "", None)
                if answer is None:
                    continue  # never answered: the API would refuse the whole history
                call_id = f"h{m.id}_{len(calls)}"  # unique even if stored ids repeat
                calls.append({"id": call_id, "name": c["name"], "args": c.get("args") or {}})
                tools.append(ToolMessage(answer.content or "", tool_call_id=call_id,
                                         name=answer.name))
            if calls or (m.content or "").strip():
                out.append(AIMessage(m.content or "", tool_calls=calls))
                out.extend(tools)
        # a tool message not right after its call answers nothing we still have: dropped
    while out and not isinstance(out[0], HumanMessage):
        out.pop(0)
    return out


def _actions(image: ReplyImage) -> list[Action]:
    n = image.number
    actions = [Action("🎲 Variations", f"variations of #{n}")]
    if image.prompt:
        actions.append(Action("✨ Beautify", f"beautify #{n}"))
    actions.append(Action("↩ Undo", "/undo"))
    return actions


def _is_llm_failure(e: Exception) -> bool:
    """Errors that mean the LLM endpoint, not our code, failed."""
    names = {cls.__name__ for cls in type(e).__mro__}
    module = type(e).__module__
    return (module.startswith(("openai", "httpx", "httpcore", "json"))
            or bool(names & {"APIError", "APIConnectionError", "OutputParserException",
                             "GraphRecursionError", "ConnectionError", "TimeoutError",
                             "JSONDecodeError", "LLMFailure", "ValidationError"}))


def _short(e: Exception) -> str:
    """One line about ``e`` for the log: no endpoint body beyond it, keys redacted."""
    from agent.llm import redact

    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return redact(f"{type(e).__name__}: {text}"[:200])


_IMAGE_KINDS = {"generate", "edit", "img2img", "restyle", "variations", "reseed", "beautify",
                "use_result"}
# greetings, thanks, help, how-to questions, moves between pictures, lookups and the named
# image tools are read exactly by the rules: they never wait for a language model (which
# also cannot turn "撤销上一步" or "remove the hat" with no picture into a new drawing)
_SMALL_TALK = {"chat", "help", "faq", "undo", "goto", "history", "show", "info", "settings",
               "needs_image", "unclear", "new_chat", "upscale", "zoom", "pan",
               "vary", "blend"}


def _tool_message(content: str) -> str:
    """A successful tool's ``message`` (its own words for the user), else ""."""
    import json

    try:
        data = json.loads(content)
    except (TypeError, ValueError):
        return ""
    if isinstance(data, dict) and data.get("ok") and isinstance(data.get("message"), str):
        return data["message"]
    return ""


__all__ = ["Agent", "HELP"]
