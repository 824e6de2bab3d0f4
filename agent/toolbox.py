"""The agent's tools: LangChain tools over ``tools/`` and ``storage/`` for one turn.

Each tool works on the conversation of a :class:`TurnContext`, commits every image it
makes as soon as it exists, and returns JSON: ``{"ok": true, "message": ...}`` plus data,
or ``{"ok": false, "error": ...}`` with a message fit for the user. Image work goes
through the one job queue, so turns of many users wait their turn for the accelerator.
"""

from __future__ import annotations

import functools
import json
import random
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool, StructuredTool
from PIL import Image as PILImage

from agent.messages import msg
from agent.toolbox_edits import (  # noqa: F401 - re-exported, as before the split
    DEFAULT_STRENGTH,
    MAX_VARIATIONS,
    PHOTO_VARIATION_STRENGTH,
    EditTools,
    _edited_prompt,
)
from agent.toolbox_pixels import PixelTools
from agent.types import Progress
from errors import ImagechatError, InvalidInput
from settings import Settings
from storage import Conversation, Storage, repo
from storage.models import Image
from tools import beautify as beautify_tool
from tools import rewrite as rewrite_tool
from tools.jobs import JobCancelled, JobEvent
from tools.prompting import prepare_prompt
from tools.text import clean_text, has_cjk
from tools.validate import check_generation, load_image

STOPPED = "Stopped: nothing new was made."
MAX_SEED = 2**31 - 1
MAX_IMAGE_NUMBER = 10**9
MAX_NEGATIVE_CHARS = 500
MAX_SEARCH_RESULTS = 12


@dataclass
class TurnContext:
    """Everything a tool needs during one turn; tools never see other users' rows."""

    settings: Settings
    storage: Storage
    conversation_id: int
    on_progress: Callable[[Progress], None] | None = None
    llm: BaseChatModel | None = None  # the agent's chat LLM, when one is configured
    produced: list[int] = field(default_factory=list)  # image ids made this turn
    shown: list[int] = field(default_factory=list)  # earlier image ids sent again this turn
    tools_called: list[str] = field(default_factory=list)  # tool names, as they answered
    notes: list[str] = field(default_factory=list)  # things the user should know
    errors: list[str] = field(default_factory=list)  # what tools refused, for the user
    planner: str = "rules"  # who planned the turn: "rules" or "llm"
    user: str = ""  # the channel-qualified user id ("telegram:42"), for their own library
    lang: str = "en"  # the language of the user's message: replies follow it
    cancel: threading.Event | None = None  # set by the channel to stop this turn's picture
    slot: threading.Semaphore | None = None  # the turn's share of the cores, given back
    # while it waits for its picture (agent.engine.TURN_SLOTS)

    # --- storage helpers -------------------------------------------------------------
    def conversation(self, s) -> Conversation:  # noqa: ANN001 - a Session
        return repo.get_conversation(s, self.conversation_id)

    def image(self, s, number: int | None) -> Image:  # noqa: ANN001
        """Image ``#number`` (the current one if None) of this conversation, or a clear error."""
        conv = self.conversation(s)
        if number is None:
            if conv.current_image is None:
                raise InvalidInput(msg("no_image_yet", self.lang))
            return conv.current_image
        if not 1 <= int(number) <= MAX_IMAGE_NUMBER:
            raise InvalidInput(msg("bad_number", self.lang, n=number))
        image = repo.get_image(s, conv, int(number))
        if image is None:
            existing = [i.number for i in repo.list_images(s, conv)]
            have = (msg("have_range", self.lang, a=existing[0], b=existing[-1])
                    if len(existing) > 1 else
                    msg("have_one", self.lang, a=existing[0]) if existing else
                    msg("have_none", self.lang))
            raise InvalidInput(msg("no_such_image", self.lang, n=number, have=have))
        return image

    def pixels(self, image: Image) -> PILImage.Image:
        return self.storage.images.open(image.file)

    def params(self, s) -> dict[str, Any]:  # noqa: ANN001
        """The user's generation settings (None where the profile's default applies)."""
        conv = self.conversation(s)
        return {k: conv.settings.get(k) for k in ("width", "height", "steps", "guidance")}

    # --- running image work ----------------------------------------------------------
    def run_job(self, label: str, op: str, kwargs: dict[str, Any],
                pictures: Sequence[PILImage.Image] = ()) -> Any:
        """Run image operation ``op`` (:data:`tools.work.OPERATIONS`) with JSON ``kwargs``
        and input ``pictures`` on the image engine (this process, or the workers when
        ``broker_url`` is set) and wait for its result."""
        from tools.work import image_work

        def report(event: JobEvent) -> None:
            if self.on_progress is None:
                return
            self.on_progress(Progress(
                stage=event.stage, position=event.position, step=event.step, total=event.total,
                label=event.label if event.stage == "downloading" else label))

        job = image_work(self.settings).submit(op, kwargs, pictures, label=label,
                                               on_progress=report)
        with waiting(self.slot):
            if self.cancel is None:
                return job.result()
            while True:  # the user may stop it: a queued job never starts, a running one
                if self.cancel.is_set():  # stops at its next step
                    job.cancel()
                try:
                    return job.result(timeout=0.2)
                except TimeoutError:
                    continue
                except JobCancelled:
                    raise JobCancelled(STOPPED) from None

    def save(self, result: Any, *, kind: str, tool: str, parent: Image | None,
             prompt: str | None, extra: dict[str, Any] | None = None) -> Image:
        """Store one ImageResult as the conversation's next image (and make it current)."""
        recipe = result.recipe
        file = self.storage.images.put_image(result.image)
        with self.storage.db.session() as s:
            conv = self.conversation(s)
            parent_row = s.get(Image, parent.id) if parent is not None else None
            row = repo.add_image(
                s, conv, file=file, kind=kind, width=recipe.width, height=recipe.height,
                parent=parent_row, prompt=prompt, negative_prompt=recipe.negative_prompt or None,
                seed=recipe.seed, model=recipe.model, steps=recipe.steps,
                guidance=recipe.guidance, tool=tool,
                extra={**(recipe.extra or {}), **(extra or {}),
                       "model_prompt": recipe.prompt,
                       **({"strength": recipe.strength} if recipe.strength else {})},
            )
        self.produced.append(row.id)
        return row

    def ratio_size(self, aspect: str) -> tuple[int, int]:
        """Width and height for an aspect ratio within the profile's pixel budget."""
        from tools.models import profile_for
        from tools.validate import ratio, size_for_ratio

        profile = profile_for(self.settings)
        return size_for_ratio(ratio(aspect), profile.size, profile.size_multiple)

    def prepare_prompt(self, prompt: str) -> tuple[str, dict[str, Any]]:
        return prepare_prompt(prompt, settings=self.settings, llm=self.llm)


def _ok(message: str, **data: Any) -> str:
    return json.dumps({"ok": True, "message": message, **data}, ensure_ascii=False)


def _fail(message: str) -> str:
    return json.dumps({"ok": False, "error": message}, ensure_ascii=False)


_LINEAGE = frozenset({"refine", "beautify", "variations", "img2img", "instruct", "restyle",
                      "region", "zoom_out", "pan", "upscale", "vary", "blend"})


def _describe(row: Image, lang: str = "en") -> str:
    """'#3: a red car with a spoiler (refined from #1, seed 42)', with the whole prompt."""
    short = (row.prompt or "").strip()
    bits = []
    if row.parent is not None:
        key = f"lin_{row.tool}" if row.tool in _LINEAGE else "lin_from"
        bits.append(msg(key, lang, n=row.parent.number))
    if row.kind == "uploaded":
        bits.append(msg("your_picture", lang))
    if row.seed is not None:
        bits.append(msg("seed", lang, seed=row.seed))
    sep, left, right = ("，", "（", "）") if lang == "zh" else (", ", " (", ")")
    return (f"#{row.number}: {short or msg('no_prompt', lang)}"
            + (f"{left}{sep.join(bits)}{right}" if bits else ""))


@contextmanager
def waiting(slot: threading.Semaphore | None) -> Iterator[None]:
    """Give the turn's slot back while it waits (for its picture), take it again after."""
    if slot is None:
        yield
        return
    slot.release()
    try:
        yield
    finally:
        slot.acquire()


_current_turn: ContextVar[TurnContext] = ContextVar("imagechat_turn")


def current_turn() -> TurnContext | None:
    """The running turn's context, if a turn is running."""
    return _current_turn.get(None)


@contextmanager
def running(ctx: TurnContext) -> Iterator[None]:
    """Make ``ctx`` the turn the tools work on (LangGraph copies the context into the
    threads that run tools)."""
    token = _current_turn.set(ctx)
    try:
        yield
    finally:
        _current_turn.reset(token)


class ImageTools(EditTools, PixelTools):
    """The agent's tools, in the way of llm's ``Toolbox``: each public method is a tool, its
    signature the schema and its docstring the manual. One instance serves every turn (the
    schemas cost more than a whole rules-planned turn): ``ctx`` is the turn made current
    by :func:`running`."""

    @property
    def ctx(self) -> TurnContext:
        return _current_turn.get()

    def tools(self) -> list[BaseTool]:
        """A LangChain tool for each public method, in :data:`TOOL_NAMES` order."""
        return [StructuredTool.from_function(self._guarded(getattr(self, name)), name=name,
                                             description=(getattr(self, name).__doc__ or "")
                                             .strip(), args_schema=None, infer_schema=True)
                for name in TOOL_NAMES]

    def _guarded(self, fn: Callable[..., str]) -> Callable[..., str]:
        """Turn user-caused errors into a JSON failure the planner reads, not an exception."""

        @functools.wraps(fn)
        def wrapper(**kwargs: Any) -> str:
            try:
                return fn(**kwargs)
            except ImagechatError as e:
                self.ctx.errors.append(str(e))
                return _fail(str(e))

        return wrapper

    def _random_seed(self) -> int:
        return random.randint(0, MAX_SEED)

    def _made(self, rows: list[Image], verb: str | None = None, **values: Any) -> str:
        """The reply for pictures made: ``verb`` (a :mod:`agent.messages` key, filled with
        ``desc`` and ``values``) says what was done."""
        with self.ctx.storage.db.session() as s:
            rows = [s.get(Image, r.id) for r in rows]
            lang = self.ctx.lang
            lines = [_describe(r, lang) for r in rows]
            if verb is not None:
                text = msg(verb, lang, desc="\n".join(lines), **values)
            elif len(lines) == 1:
                text = msg("here_is", lang, desc=lines[0])
            else:
                text = msg("here_are", lang, lines="\n".join(lines))
            return _ok(text,
                       images=[{"number": r.number, "prompt": r.prompt, "seed": r.seed}
                               for r in rows])

    # ------------------------------------------------------------------ generation
    def generate_image(self, prompt: str, negative_prompt: str | None = None,
                       seed: int | None = None, aspect: str | None = None,
                       parent: int | None = None, n: int = 1, tool: str = "generate") -> str:
        """Make new image(s) from a text prompt (Chinese or English). Pass `parent` (an image
        number) and its seed when this is a changed version of an earlier image; `aspect`
        ("16:9", "portrait") when the user names the picture's shape."""
        prompt = (prompt or "").strip()
        if not prompt:
            raise InvalidInput("Tell me what to draw: the prompt is empty.")
        with self.ctx.storage.db.session() as s:
            conv = self.ctx.conversation(s)
            parent_row = self.ctx.image(s, parent) if parent is not None else None
            params = self.ctx.params(s)
            if aspect:
                params["width"], params["height"] = self.ctx.ratio_size(aspect)
            elif parent_row is not None:  # a change keeps the picture's shape and size
                params["width"], params["height"] = parent_row.width, parent_row.height
            if seed is None:
                seed = conv.settings.get("seed")
            if negative_prompt is None:
                negative_prompt = conv.settings.get("negative_prompt", "")
        n = check_generation(n=n)["n"]  # refused with a message, never clamped silently
        seed = self._random_seed() if seed is None else check_generation(seed=seed)["seed"]
        if (parent_row is not None and tool == "refine" and seed == parent_row.seed
                and _same_prompt(prompt, parent_row.prompt)):
            return _ok(_unchanged_message(parent_row.number, prompt, self.ctx.lang), unchanged=True)
        model_prompt, info = self.ctx.prepare_prompt(prompt)
        results = self.ctx.run_job(
            "generating", "generate",
            {"prompt": model_prompt, "negative_prompt": negative_prompt or "", "seed": seed,
             "n": n, **params})
        kind = "generated" if parent_row is None else "edited"
        rows = [self.ctx.save(r, kind=kind, tool=tool, parent=parent_row, prompt=prompt, extra=info)
                for r in results]
        return self._made(rows)

    def rewrite_prompt(self, instruction: str, image: int | None = None) -> str:
        """Rewrite the prompt of an image (default: the current one) so it follows the user's
        change instruction and keeps everything else. Returns the new prompt; then call
        generate_image with it, the same seed and parent=that image."""
        with self.ctx.storage.db.session() as s:
            row = self.ctx.image(s, image)
            number, prompt, seed = row.number, row.prompt, row.seed
            negative = row.negative_prompt
        if not prompt:
            raise InvalidInput(f"#{number} has no prompt to rewrite (it is a picture you gave "
                               "me); I can edit the picture itself instead.")
        result = rewrite_tool.rewrite(prompt, instruction, settings=self.ctx.settings,
                                      llm=self.ctx.llm,
                                      backend=self.ctx.settings.rewrite_backend or None)
        if result.fell_back and result.note:
            self.ctx.notes.append(result.note)
        if _same_prompt(result.prompt, prompt):
            return _ok(_unchanged_message(number, prompt, self.ctx.lang), prompt=prompt,
                       image=number, seed=seed, negative_prompt=negative, unchanged=True)
        return _ok(f"New prompt for #{number}: {result.prompt}", prompt=result.prompt,
                   image=number, seed=seed, negative_prompt=negative,
                   backend=result.backend, integrity=round(result.integrity, 2))

    def beautify_prompt(self, image: int | None = None, prompt: str | None = None) -> str:
        """Turn a short prompt (of an image, default the current one, or given) into a
        detailed, beautiful one. Returns ranked candidates; the first is best."""
        number = seed = None
        if not prompt:
            with self.ctx.storage.db.session() as s:
                row = self.ctx.image(s, image)
                number, prompt, seed = row.number, row.prompt, row.seed
            if not prompt:
                raise InvalidInput(f"#{number} has no prompt to beautify; describe it to me.")
        candidates = beautify_tool.beautify(prompt, n=5, settings=self.ctx.settings)
        if not candidates:
            raise InvalidInput("I could not find a better prompt for that.")
        best = candidates[0].prompt
        return _ok(f"Beautified prompt: {best}", prompt=best, image=number, seed=seed,
                   candidates=[c.prompt for c in candidates])

    # ---------------------------------------------------------------------------- library
    def search_images(self, query: str | None = None, like: int | None = None, k: int = 4) -> str:
        """Search the user's picture library by text (Chinese or English) or for pictures
        like image #`like`. Results can be used as starting images."""
        if not 1 <= int(k or 4) <= MAX_SEARCH_RESULTS:
            raise InvalidInput(f"I can show 1 to {MAX_SEARCH_RESULTS} search results at a time.")
        k = int(k or 4)
        libraries = self._libraries()
        if like is not None:
            with self.ctx.storage.db.session() as s:
                picture = self.ctx.pixels(self.ctx.image(s, like))
            what = f"pictures like #{like}"
        elif query and query.strip():
            picture = None
            what = f"'{query.strip()}'"
        else:
            raise InvalidInput("Tell me what to search for, e.g. 'find pictures of a beach'.")
        if not libraries:
            raise InvalidInput(
                "Your picture library is empty. Send a photo and say 'add this to my library', "
                "or ask the operator to run: python bot.py index DIR --user YOUR_ID.")
        hits = []
        for name, library, show_names in libraries:
            found = (library.search_image(picture, k=k) if picture is not None
                     else library.search_text(query.strip(), k=k))
            hits += [(h, name, show_names) for h in found]
        hits = sorted(hits, key=lambda x: -x[0].score)[:k]
        if not hits:
            return _ok(f"No pictures found for {what}.", results=[])
        results = [{"library": name, "id": int(h.id), "score": round(float(h.score), 4),
                    "name": Path(h.path).name if show else None} for h, name, show in hits]
        listing = "\n".join(f"{i}. {r['name'] or 'a picture'} (score {r['score']:.2f})"
                            for i, r in enumerate(results, 1))
        return _ok(f"Found {len(results)} for {what}:\n{listing}\nSay 'use result N' to start "
                   "from one of them.", results=results)

    def _libraries(self) -> list[tuple[str, Any, bool]]:
        """(name, library, show file names) the turn's user may search: their own, and the
        operator's when they are the operator or it is shared."""
        from tools.retrieve import CATALOG_FILE, DEFAULT_NAME, get_library, user_library_name

        ctx = self.ctx
        operator = is_operator(ctx.settings, ctx.user)
        names = [(user_library_name(ctx.user), True)]
        if operator or ctx.settings.library_shared:
            names.append((DEFAULT_NAME, operator))
        return [(name, get_library(ctx.settings, name), show) for name, show in names
                if (ctx.settings.index_dir / name / CATALOG_FILE).exists()]

    def use_search_result(self, result: int, prompt: str = "", strength: float = 0.6) -> str:
        """Use result number `result` of the last search as the starting image (垫图), drawn
        again following `prompt` (or kept as a reference when the prompt is empty)."""
        from agent.state import last_search_results
        from tools.retrieve import get_library

        with self.ctx.storage.db.session() as s:
            results = last_search_results(s, self.ctx.conversation(s))
        if not results:
            raise InvalidInput("There is no search to take a result from; search first.")
        if not 1 <= int(result) <= len(results):
            raise InvalidInput(f"The last search has results 1–{len(results)}, not {result}.")
        hit = results[int(result) - 1]
        allowed = {name for name, _, _ in self._libraries()}
        if hit.get("library") not in allowed:
            raise InvalidInput("That result is no longer available; search again.")
        path = get_library(self.ctx.settings, hit["library"]).path_of(int(hit["id"]))
        if path is None:
            raise InvalidInput("That picture is no longer in the library; search again.")
        picture = load_image(Path(path), name="that result")  # a clear error if it is gone
        file = self.ctx.storage.images.put_image(picture)
        with self.ctx.storage.db.session() as s:
            conv = self.ctx.conversation(s)
            row = repo.add_image(s, conv, file=file, kind="retrieved", width=picture.width,
                                 height=picture.height, tool="search",
                                 extra={"library": hit["library"], "library_id": hit["id"]})
            repo.add_reference(s, conv, row, "retrieved", caption=hit.get("name"))
        self.ctx.produced.append(row.id)
        if not prompt.strip():
            return self._made([row], "saved_reference")
        return self._made([row, self._edit(row, prompt, "img2img", None, strength=strength)])

    def add_to_library(self, image: int | None = None) -> str:
        """Add picture #`image` (default: the current one, e.g. a photo just sent) to the
        user's own searchable library."""
        from tools.retrieve import add_picture, get_library, user_library_name

        with self.ctx.storage.db.session() as s:
            row = self.ctx.image(s, image)
            number, picture = row.number, self.ctx.pixels(row)
        library = get_library(self.ctx.settings, user_library_name(self.ctx.user))
        add_picture(library, picture)
        return _ok(f"Added #{number} to your library ({library.count} picture"
                   f"{'s' if library.count != 1 else ''}). Find it with 'find pictures of …' "
                   f"or 'find pictures like #{number}'.", image=number, library_size=library.count)

    # ------------------------------------------------------------------------ session
    def undo(self) -> str:
        """Go back to the image before the current one."""
        with self.ctx.storage.db.session() as s:
            conv = self.ctx.conversation(s)
            current = conv.current_image
            if current is None:
                raise InvalidInput(msg("undo_nothing", self.ctx.lang))
            target = current.parent or repo.get_image(s, conv, current.number - 1)
            if target is None:
                raise InvalidInput(msg("undo_first", self.ctx.lang, n=current.number))
            repo.set_current_image(s, conv, target)
            return _ok(msg("back_to", self.ctx.lang, desc=_describe(target, self.ctx.lang)),
                       current=target.number)

    def go_to_image(self, number: int) -> str:
        """Make image #`number` the current one, so the next change starts from it."""
        with self.ctx.storage.db.session() as s:
            target = self.ctx.image(s, number)
            repo.set_current_image(s, self.ctx.conversation(s), target)
            return _ok(msg("now_on", self.ctx.lang, desc=_describe(target, self.ctx.lang)),
                       current=target.number)

    def history(self) -> str:
        """List the images of this conversation with their prompts and lineage."""
        with self.ctx.storage.db.session() as s:
            conv = self.ctx.conversation(s)
            images = repo.list_images(s, conv)
            lang = self.ctx.lang
            if not images:
                return _ok(msg("history_empty", lang))
            current = conv.current_image_id
            lines = [("→ " if i.id == current else "  ") + _describe(i, lang) for i in images]
            return _ok(msg("history_head", lang) + "\n" + "\n".join(lines))

    def set_settings(self, width: int | None = None, height: int | None = None,
                     steps: int | None = None, guidance: float | None = None,
                     seed: int | None = None, negative_prompt: str | None = None,
                     ratio: str | None = None) -> str:
        """Change this conversation's generation settings (size, aspect ratio like 16:9,
        steps, guidance, fixed seed, negative prompt). Use -1 for seed to go back to random
        seeds."""
        if ratio is not None:
            width, height = self.ctx.ratio_size(ratio)
        changes: dict[str, Any] = {"width": width, "height": height, "steps": steps,
                                   "guidance": guidance}
        changes = check_generation(**{k: v for k, v in changes.items() if v is not None})
        if seed is not None:
            if int(seed) < 0:
                changes["seed"] = None
            else:
                changes["seed"] = check_generation(seed=seed)["seed"]
        if negative_prompt is not None:
            negative = clean_text(str(negative_prompt), MAX_NEGATIVE_CHARS)
            if len(str(negative_prompt)) > MAX_NEGATIVE_CHARS:
                raise InvalidInput(f"The negative prompt is too long; keep it under "
                                   f"{MAX_NEGATIVE_CHARS} characters.")
            changes["negative_prompt"] = negative or None
        if not changes:
            raise InvalidInput("Tell me which setting to change, e.g. /settings size 512.")
        with self.ctx.storage.db.session() as s:
            merged = repo.update_settings(s, self.ctx.conversation(s), **changes)
        shown = settings_text(merged) or "the defaults"
        if "seed" in changes and changes["seed"] is None:
            shown += " (seeds are random again)"
        return _ok(msg("settings", self.ctx.lang, shown=shown), settings=merged)

    # ------------------------------------------------------------------- looking back
    def show_image(self, image: int | None = None) -> str:
        """Send image #`image` (default: the current one) again, with its whole recipe; the
        next change starts from it. Makes no new picture."""
        with self.ctx.storage.db.session() as s:
            row = self.ctx.image(s, image)
            self.ctx.shown.append(row.id)
            if image is not None:  # "show #1", "第一张": the one the user looks at now
                repo.set_current_image(s, self.ctx.conversation(s), row)
            return _ok(_recipe_text(row, self.ctx.lang), image=row.number)

    def image_info(self, image: int | None = None, field: str = "recipe",
                   other: int | None = None) -> str:
        """Answer a question about image #`image` (default: the current one): its whole
        prompt, its seed, its full recipe, or what changed from image #`other` (default: its
        parent) (field: prompt | seed | recipe | diff)."""
        with self.ctx.storage.db.session() as s:
            row = self.ctx.image(s, image)
            lang = self.ctx.lang
            if field == "diff":
                base = self.ctx.image(s, other) if other is not None else row.parent
                if base is None:
                    return _ok(_recipe_text(row, lang))
                return _ok(prompt_diff(base.number, base.prompt, row.number, row.prompt, lang))
            if field == "seed":
                if row.seed is None:
                    return _ok(msg("no_seed_photo", lang, n=row.number))
                return _ok(msg("seed_of", lang, n=row.number, seed=row.seed), seed=row.seed)
            if field == "prompt":
                if not row.prompt:
                    return _ok(msg("no_prompt_photo", lang, n=row.number))
                return _ok(msg("prompt_of", lang, n=row.number, prompt=row.prompt),
                           prompt=row.prompt)
            return _ok(_recipe_text(row, lang))

    def describe_image(self, image: int | None = None) -> str:
        """Say what is in image #`image` (default: the current one) and suggest a prompt for
        it. Makes no new picture."""
        with self.ctx.storage.db.session() as s:
            row = self.ctx.image(s, image)
            number, file, prompt = row.number, row.file, row.prompt
            text = (row.extra or {}).get("description")
        if not text:
            picture = self.ctx.storage.images.open(file)
            text = self.ctx.run_job("describing", "describe", {}, [picture])
            with self.ctx.storage.db.session() as s:
                row = self.ctx.image(s, number)
                row.extra = {**(row.extra or {}), "description": text}
        suggested = prompt or text
        if has_cjk(suggested):
            return _ok(f"#{number} 里有：{text}。\n建议的提示词（prompt）：{suggested}\n"
                       f"告诉我要怎么改（例如：画成水彩风格），或者说：用#{number}作为底图，画一座城堡。",
                       description=text, prompt=suggested, image=number)
        return _ok(f"#{number} shows: {text}.\nSuggested prompt: {suggested}\nSay what to "
                   "change (e.g. 'make it watercolor'), or 'a castle, use #"
                   f"{number} as the starting image'.", description=text, prompt=suggested,
                   image=number)


TOOL_NAMES = (
    "generate_image", "rewrite_prompt", "beautify_prompt", "variations", "edit_image", "img2img",
    "restyle", "search_images", "use_search_result", "undo", "go_to_image", "history",
    "set_settings", "show_image", "image_info", "describe_image", "add_to_library",
    "region_edit", "zoom_out", "pan", "upscale", "vary", "blend",
)


def build_tools() -> list[BaseTool]:
    """The agent's tools; each works on the turn made current by :func:`running`."""
    return ImageTools().tools()



def is_operator(settings: Settings, user: str) -> bool:
    """The person who runs this imagechat: the terminal chat's user, or Telegram's admin.
    Only they search the operator's indexed folder by default, and see its file names."""
    admin = settings.telegram_admin_id.strip()
    return user.startswith("cli:") or bool(admin and user == f"telegram:{admin}")


def prompt_diff(a: int, old: str | None, b: int, new: str | None, lang: str = "en") -> str:
    """What changed between two prompts, in words: '#3 vs #2: added “a red hat”; removed
    “at night”.'"""
    import difflib

    def words(text: str | None) -> list[str]:
        return re.findall(r"[\u3400-\u9fff]|[^\s,，。\u3400-\u9fff]+", text or "")

    before, after = words(old), words(new)
    added, removed = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after).get_opcodes():
        if op in ("replace", "delete"):
            removed.append(_joined(before[i1:i2]))
        if op in ("replace", "insert"):
            added.append(_joined(after[j1:j2]))
    if lang == "zh":
        parts = ([f"加了“{'”“'.join(added)}”"] if added else []) + (
            [f"去掉了“{'”“'.join(removed)}”"] if removed else [])
        body = "；".join(parts) or "提示词相同（种子或底图不同）"
        return f"#{b} 相比 #{a}：{body}。\n#{b}: {new}"
    parts = ([f"added “{'”, “'.join(added)}”"] if added else []) + (
        [f"removed “{'”, “'.join(removed)}”"] if removed else [])
    body = "; ".join(parts) or "the same prompt (another seed or starting picture)"
    return f"#{b} vs #{a}: {body}.\n#{b}: {new}"


def _joined(tokens: list[str]) -> str:
    """Tokens back into text: Chinese characters run together, other words get spaces."""
    out = ""
    for t in tokens:
        if out and not (re.match(r"[\u3400-\u9fff]", t) and re.search(r"[\u3400-\u9fff]$", out)):
            out += " "
        out += t
    return out


def settings_text(chosen: dict[str, Any]) -> str:
    """A conversation's settings in the words users type: 'size 512×512, steps 8, seed 7,
    negative prompt: blurry'."""
    parts = []
    if "width" in chosen or "height" in chosen:
        parts.append(f"size {chosen.get('width', '?')}×{chosen.get('height', '?')}")
    for key in ("steps", "guidance", "seed"):
        if key in chosen:
            parts.append(f"{key} {chosen[key]:g}" if key == "guidance" else
                         f"{key} {chosen[key]}")
    if chosen.get("negative_prompt"):
        parts.append(f"negative prompt: {chosen['negative_prompt']}")
    return ", ".join(parts)


def _same_prompt(a: str | None, b: str | None) -> bool:
    """Equal but for case, spacing and trailing punctuation."""
    def norm(t: str | None) -> str:
        return re.sub(r"[\s,，。.;；]+", " ", (t or "").lower()).strip()

    return norm(a) == norm(b)


def _unchanged_message(number: int, prompt: str | None, lang: str = "en") -> str:
    return msg("unchanged", lang, n=number, prompt=prompt)


def _recipe_text(row: Image, lang: str = "en") -> str:
    """Everything about one image: its whole prompt, seed, size, steps, lineage."""
    lines = [_describe(row, lang)]
    if row.negative_prompt:
        lines.append(f"negative prompt: {row.negative_prompt}")
    extra = row.extra or {}
    if extra.get("model_prompt") and extra["model_prompt"] != row.prompt:
        lines.append(f"the model read: {extra['model_prompt']}")
    if extra.get("instruction"):
        lines.append(f"instruction: {extra['instruction']}")
    if extra.get("mask_prompt") or extra.get("region"):
        lines.append(f"region: {extra.get('region') or extra['mask_prompt']}"
                     + (f" → {extra['region_prompt']}" if extra.get("region_prompt") else "")
                     + (" (mask saved)" if extra.get("mask_file") else ""))
    if extra.get("sources"):
        lines.append("blend of " + ", ".join(f"#{n}" for n in extra["sources"])
                     + (f" ({extra['method']})" if extra.get("method") else ""))
    elif extra.get("method"):
        lines.append(f"method: {extra['method']}")
    bits = [f"{row.width}×{row.height}"]
    if row.steps:
        bits.append(f"{row.steps} steps")
    if row.guidance is not None:
        bits.append(f"guidance {row.guidance:g}")
    if extra.get("strength"):
        bits.append(f"strength {extra['strength']:g}")
    if row.model:
        bits.append(f"model {row.model}")
    lines.append(" · ".join(bits))
    return "\n".join(lines)
