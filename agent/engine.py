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
import threading
from collections import defaultdict
from typing import Any

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agent.llm import PlannerUnavailable, build_chat_model, check_tool_calls, system_prompt
from agent.planner import HELP, RulesPlanner
from agent.state import SessionState, load_state
from agent.toolbox import TurnContext, build_tools, running
from agent.types import Action, Progress, Reply, ReplyImage, Turn
from errors import ImagechatError, InvalidInput
from settings import Settings
from storage import Storage, repo
from storage.models import Image, Message
from tools.text import clean_text
from tools.validate import load_image

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4000
MAX_ATTACHMENTS = 10
HISTORY_MESSAGES = 20
RECURSION_LIMIT = 12  # model/tool steps in one turn

SLASH_PLANNED = {"/start", "/help", "/undo", "/history", "/search", "/settings"}
SLASH_ENGINE = {"/new", "/chats", "/open"}


class Agent:
    """One per process; thread-safe. Turns of the same user run one at a time."""

    def __init__(self, settings: Settings, storage: Storage | None = None):
        self.settings = settings
        self.storage = storage or Storage.open(settings)
        self._user_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._locks_lock = threading.Lock()
        self._llm: BaseChatModel | None = build_chat_model(settings)
        self._tools = build_tools()

    # ------------------------------------------------------------------ public API
    def handle_turn(self, turn: Turn) -> Reply:
        try:
            text = self._check_text(turn.text)
            if len(turn.attachments) > MAX_ATTACHMENTS:
                raise InvalidInput(f"Please send at most {MAX_ATTACHMENTS} pictures at once.")
            pictures = [load_image(a.data, name=a.filename) for a in turn.attachments]
        except ImagechatError as e:
            return Reply(text=str(e), error=True)
        # reading commands never wait behind the same user's picture in the queue
        lock = contextlib.nullcontext() if _read_only(text) else self._lock_for(turn.user)
        with lock:
            try:
                return self._turn(turn, text, pictures)
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
        from tools.jobs import get_queue

        return get_queue(self.settings).describe()

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
        return clean_text(text, MAX_MESSAGE_CHARS)

    def _turn(self, turn: Turn, text: str, pictures: list[Any]) -> Reply:
        command = text.split(maxsplit=1)[0].lower() if text.startswith("/") else ""
        command = command.split("@", 1)[0]  # Telegram: /undo@MyBot
        with self.storage.db.session() as s:
            user = repo.get_or_create_user(s, turn.user, turn.user_name)
            if command in SLASH_ENGINE:
                return self._engine_command(s, user, command, text)
            conv = self._conversation_for(s, user, turn.image_id)
            conv_id = conv.id
        if command and command not in SLASH_PLANNED:
            return Reply(text=f"I don't know {command}. Try /help.", conversation_id=conv_id,
                         error=True)
        if command == "/settings" and not text[len(command):].strip():
            return self._show_settings(conv_id)
        if command == "/start":
            text = "help"
        elif command == "/settings":  # "/settings size 512" reads as "size 512"
            text = text[len(command):].strip()

        uploads = self._store_uploads(conv_id, pictures, text)
        with self.storage.db.session() as s:
            conv = repo.get_conversation(s, conv_id)
            history = _history(repo.recent_messages(s, conv, HISTORY_MESSAGES))
            repo.add_message(s, conv, "user", text, image_ids=[i.id for i in uploads] or None)
            state = load_state(s, conv, tuple(i.number for i in uploads))

        ctx = TurnContext(settings=self.settings, storage=self.storage, conversation_id=conv_id,
                          on_progress=turn.on_progress, llm=self._llm)
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
        if self._llm is not None and not deterministic:
            said = text or f"(sent {len(state.uploads)} picture(s))"
            try:
                ctx.planner = "llm"
                return self._run_graph(ctx, self._llm, state, [*history, HumanMessage(said)],
                                       llm=True)
            except PlannerUnavailable as e:
                if ctx.produced:  # some work was done: keep it, report what happened
                    ctx.notes.append(f"(The language model failed part-way: {e}.)")
                    return ""
                ctx.planner = "rules"
                ctx.notes.append(f"(The language model is unavailable: {e}. I used the "
                                 "built-in planner instead.)")
        return self._run_graph(ctx, RulesPlanner(state=state), state, [HumanMessage(text)],
                               llm=False)

    def _run_graph(self, ctx: TurnContext, model: BaseChatModel, state: SessionState,
                   messages: list[BaseMessage], *, llm: bool) -> str:
        graph = create_agent(model, self._tools,
                             system_prompt=system_prompt(state) if llm else None)
        final = ""
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
        except PlannerUnavailable:
            raise
        except Exception as e:
            if llm and _is_llm_failure(e):
                raise PlannerUnavailable(_short(e)) from e
            raise
        return final

    def _persist(self, ctx: TurnContext, msg: BaseMessage) -> None:
        with self.storage.db.session() as s:
            conv = repo.get_conversation(s, ctx.conversation_id)
            if isinstance(msg, AIMessage):
                calls = [{"id": c["id"], "name": c["name"], "args": c["args"]}
                         for c in msg.tool_calls] or None
                repo.add_message(s, conv, "assistant", str(msg.content), tool_calls=calls)
            elif isinstance(msg, ToolMessage):
                repo.add_message(s, conv, "tool", str(msg.content), tool_call_id=msg.tool_call_id,
                                 name=msg.name)

    def _store_uploads(self, conv_id: int, pictures: list[Any], caption: str) -> list[Image]:
        rows = []
        for picture in pictures:
            file = self.storage.images.put_image(picture)
            with self.storage.db.session() as s:
                conv = repo.get_conversation(s, conv_id)
                row = repo.add_image(s, conv, file=file, kind="uploaded", width=picture.width,
                                     height=picture.height, tool="upload")
                repo.add_reference(s, conv, row, "upload", caption=caption or None)
                rows.append(row)
        return rows

    def _reply(self, ctx: TurnContext, final: str, uploads: list[Image]) -> Reply:
        with self.storage.db.session() as s:
            rows = [s.get(Image, i) for i in ctx.produced]
            images = [self._reply_image(r) for r in rows if r.kind != "retrieved"]
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
        defaults = {"width": p.size, "height": p.size, "steps": p.steps, "guidance": p.guidance}
        shown = {**defaults, **chosen}
        lines = [f"{k}: {v}" + ("" if k in chosen else " (default)") for k, v in shown.items()]
        if "seed" not in chosen:
            lines.append("seed: random")
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


READ_ONLY_COMMANDS = {"/start", "/help", "/history", "/chats"}


def _read_only(text: str) -> bool:
    """Commands that only read the session (so need not wait for the user's running turn)."""
    words = text.split()
    if not words or not words[0].startswith("/"):
        return False
    command = words[0].lower().split("@", 1)[0]
    return command in READ_ONLY_COMMANDS or (command == "/settings" and len(words) == 1)


def _history(rows: list[Message]) -> list[BaseMessage]:
    """Stored messages as LangChain messages, with unanswered tool calls dropped."""
    answered = {m.tool_call_id for m in rows if m.role == "tool"}
    out: list[BaseMessage] = []
    for m in rows:
        if m.role == "user":
            out.append(HumanMessage(m.content or "(sent a picture)"))
        elif m.role == "assistant":
            calls = [c for c in (m.tool_calls or []) if c["id"] in answered]
            if m.tool_calls and len(calls) != len(m.tool_calls):
                continue
            out.append(AIMessage(m.content, tool_calls=[
                {"id": c["id"], "name": c["name"], "args": c["args"]} for c in calls]))
        elif m.role == "tool":
            if any(isinstance(o, AIMessage) and any(c["id"] == m.tool_call_id
                                                    for c in o.tool_calls) for o in out):
                out.append(ToolMessage(m.content, tool_call_id=m.tool_call_id, name=m.name))
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
    return (module.startswith(("openai", "httpx", "httpcore"))
            or bool(names & {"APIError", "APIConnectionError", "OutputParserException",
                             "GraphRecursionError", "ConnectionError", "TimeoutError"}))


def _short(e: Exception) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text[:200]


__all__ = ["Agent", "HELP"]
