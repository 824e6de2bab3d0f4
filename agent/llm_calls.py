"""Tool calls as real (small) language models write them, read and checked.

Small models served by llama.cpp, Ollama or vLLM often put a tool call in the *text* of
their answer instead of the API's ``tool_calls``: a fenced or bare JSON object
(``{"name": .., "arguments": {..}}``, ``{"name": .., "parameters": ..}``,
``{"tool": .., "args": ..}``, a list of them), a ``<tool_call>…</tool_call>`` block
(Qwen/Hermes) or ``generate_image(prompt="a cat", seed=7)``. :func:`parse_calls` finds
those for tools that exist and validates their arguments against the tool's schema;
:func:`check_against_state` then rejects or corrects what the model invented (seeds,
image numbers) using the conversation state; :func:`clean_reply` makes sure no call or raw
JSON is ever shown to a user as an answer.
"""

from __future__ import annotations

import ast
import json
import logging
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agent.state import SessionState

log = logging.getLogger(__name__)

# tool -> the arguments that name an image number of the conversation
IMAGE_ARGS: dict[str, tuple[str, ...]] = {
    "generate_image": ("parent",), "rewrite_prompt": ("image",), "beautify_prompt": ("image",),
    "variations": ("image",), "edit_image": ("image",), "img2img": ("image",),
    "restyle": ("image", "style"), "search_images": ("like",), "go_to_image": ("number",),
}
SEEDED = ("generate_image", "variations", "edit_image", "img2img", "restyle")
MAX_CALLS_PER_ANSWER = 4
MAX_JSON_TRIES = 60  # places in one answer where a JSON value is tried (bounds the work)
MAX_TEXT = 20_000  # characters of an answer that are read for calls


@dataclass
class Parsed:
    """What one model answer asked for: valid calls, refused ones (with why), the text left."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    text: str = ""
    found: bool = False  # the text held something shaped like a call


def new_call_id() -> str:
    return f"call_{uuid.uuid4().hex[:12]}"


# ------------------------------------------------------------------------ parsing
_TOOL_CALL_TAG = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S | re.I)
_FENCE = re.compile(r"```[ \t]*(?:json|tool_call|python|js|javascript)?[ \t]*\n?(.*?)```",
                    re.S | re.I)
_WRAPPERS = re.compile(r"</?(?:tool_call|tool_calls|function_call|functioncall)>|<\|[^|>]*\|>",
                       re.I)


def parse_calls(text: str, schemas: Mapping[str, Any]) -> Parsed:
    """Tool calls written in ``text`` for tools named in ``schemas`` (name -> pydantic model
    of its arguments, or None to accept any dict). Never raises: text it cannot read is
    returned as text, with ``found`` set if it looked like a call."""
    try:
        return _parse_calls((text or "")[:MAX_TEXT], schemas)
    except Exception:  # noqa: BLE001 - a model's odd output must not break the turn
        log.warning("could not read tool calls from %r", (text or "")[:200], exc_info=True)
        return Parsed(text=text or "", found=True, errors=["the tool call could not be read"])


def _parse_calls(text: str, schemas: Mapping[str, Any]) -> Parsed:
    out = Parsed(text=text or "")
    if not text or not text.strip():
        return out
    spans: list[tuple[int, int]] = []
    raw: list[Any] = []
    for m in _TOOL_CALL_TAG.finditer(text):
        objs = _json_values(m.group(1))
        if not objs:
            objs = _function_forms(m.group(1), schemas)
        raw += objs
        spans.append(m.span())
    for m in _FENCE.finditer(text):
        if _inside(m.span(), spans):
            continue
        objs = _json_values(m.group(1)) or _function_forms(m.group(1), schemas)
        if objs or _looks_like_code(m.group(1)):
            raw += objs
            spans.append(m.span())
    for start, end, obj in _bare_json(text):
        if not _inside((start, end), spans) and _call_shaped(obj):
            raw.append(obj)
            spans.append((start, end))
    for start, end, obj in _function_spans(text, schemas):
        if not _inside((start, end), spans):
            raw.append(obj)
            spans.append((start, end))
    calls = [c for obj in raw for c in _flatten(obj)]
    out.found = bool(calls) or bool(spans)
    for name, args in calls[:MAX_CALLS_PER_ANSWER]:
        if name not in schemas:
            out.errors.append(f"there is no tool named {name!r}")
            continue
        checked, error = validate_args(name, args, schemas[name])
        if error:
            out.errors.append(error)
        else:
            out.calls.append({"id": new_call_id(), "name": name, "args": checked,
                              "type": "tool_call"})
    out.text = _cut(text, spans)
    return out


def _inside(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(a <= span[0] < b or a < span[1] <= b for a, b in spans)


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    for a, b in sorted(spans, reverse=True):
        text = text[:a] + " " + text[b:]
    text = _WRAPPERS.sub(" ", text).replace("```", " ")
    if spans and not re.search(r"\w", text):
        return ""  # only the braces and commas around the calls were left
    return re.sub(r"[ \t]+\n|\n{3,}", "\n", re.sub(r"[ \t]{2,}", " ", text)).strip()


def _json_values(text: str) -> list[Any]:
    text = text.strip()
    if not text:
        return []
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    return [obj for _, _, obj in _bare_json(text)]


def _bare_json(text: str) -> Iterable[tuple[int, int, Any]]:
    """Every top-level JSON object or array in ``text`` with its span."""
    decoder = json.JSONDecoder()
    i = tries = 0
    while i < len(text) and tries < MAX_JSON_TRIES:
        if text[i] in "{[":
            tries += 1
            try:
                obj, end = decoder.raw_decode(text, i)
            except (ValueError, RecursionError):
                obj, end = _lenient(text, i)
            if end > i and isinstance(obj, dict | list):
                yield i, end, obj
                i = end
                continue
        i += 1


def _lenient(text: str, start: int) -> tuple[Any, int]:
    """A JSON object small models almost got right: single quotes, Python literals,
    trailing commas or a missing closing brace at the end of the text."""
    end = _closing(text, start, "{[", "}]")
    chunk = text[start:end] if end > 0 else text[start:].rstrip().rstrip("`").rstrip()
    if end < 0:
        chunk += "}" * max(1, chunk.count("{") - chunk.count("}"))
    chunk = re.sub(r",\s*([}\]])", r"\1", chunk)
    for attempt in (chunk, _pythonish(chunk)):
        try:
            return json.loads(attempt), (end if end > 0 else len(text))
        except (ValueError, RecursionError):
            pass
    try:
        return _literal(ast.parse(_pythonish(chunk), mode="eval").body), \
            (end if end > 0 else len(text))
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError):
        return None, start


def _pythonish(chunk: str) -> str:
    return re.sub(r"\b(null|true|false)\b",
                  lambda m: {"null": "None", "true": "True", "false": "False"}[m.group(1)], chunk)


def _call_shaped(obj: Any) -> bool:
    if isinstance(obj, list):
        return bool(obj) and all(_call_shaped(o) for o in obj)
    if not isinstance(obj, dict):
        return False
    if "tool_calls" in obj or "function" in obj:
        return True
    return any(k in obj for k in ("name", "tool", "tool_name", "function_name")) and \
        any(k in obj for k in ("arguments", "parameters", "args", "input", "params")) or \
        set(obj) == {"name"}


def _flatten(obj: Any) -> list[tuple[str, dict[str, Any]]]:
    """(name, args) of every call in one parsed value."""
    if isinstance(obj, list):
        return [c for o in obj for c in _flatten(o)]
    if not isinstance(obj, dict):
        return []
    if isinstance(obj.get("tool_calls"), list):
        return _flatten(obj["tool_calls"])
    if isinstance(obj.get("function"), dict):
        return _flatten(obj["function"])
    name = next((obj[k] for k in ("name", "tool", "tool_name", "function_name", "function")
                 if isinstance(obj.get(k), str)), None)
    if not name:
        return []
    args: Any = next((obj[k] for k in ("arguments", "parameters", "args", "input", "params")
                      if k in obj), {})
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError:
            args = _lenient(args, 0)[0] if args.strip().startswith("{") else None
    if args is None:
        args = {}
    if not isinstance(args, dict):
        return [(name.strip(), {"__invalid__": args})]
    return [(name.strip(), args)]


def _looks_like_code(text: str) -> bool:
    return bool(re.search(r"[{}()]|\w+\s*=", text))


# ----------------------------------------------------------- name(arg=..) forms
def _function_spans(text: str, schemas: Mapping[str, Any]) -> Iterable[tuple[int, int, Any]]:
    if not schemas:
        return
    names = "|".join(re.escape(n) for n in sorted(schemas, key=len, reverse=True))
    for tries, m in enumerate(re.finditer(rf"\b({names})\s*\(", text)):
        if tries >= MAX_JSON_TRIES:
            return
        end = _closing(text, m.end() - 1, "(", ")")
        if end < 0:
            continue
        call = _call_from_source(text[m.start():end], schemas)
        if call is not None:
            yield m.start(), end, call


def _function_forms(text: str, schemas: Mapping[str, Any]) -> list[Any]:
    return [obj for _, _, obj in _function_spans(text, schemas)]


def _closing(text: str, start: int, opens: str, closes: str) -> int:
    """The index just past the bracket that closes the one at ``start`` (quotes skipped), or
    -1 when the text ends first."""
    depth, quote = 0, ""
    for j in range(start, len(text)):
        ch = text[j]
        if quote:
            if ch == quote and text[j - 1] != "\\":
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in opens:
            depth += 1
        elif ch in closes:
            depth -= 1
            if depth == 0:
                return j + 1
    return -1


def _call_from_source(source: str, schemas: Mapping[str, Any]) -> dict[str, Any] | None:
    try:
        node = ast.parse(_pythonish(source.strip()), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        return None
    name = node.func.id
    try:
        args = {kw.arg: _literal(kw.value) for kw in node.keywords if kw.arg}
        positional = [_literal(a) for a in node.args]
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return None
    fields = list(_fields(schemas.get(name)))
    for i, value in enumerate(positional):
        if i < len(fields) and fields[i] not in args:
            args[fields[i]] = value
    return {"name": name, "arguments": args}


def _literal(node: ast.AST) -> Any:
    if isinstance(node, ast.Name) and node.id in ("None", "True", "False"):
        return {"None": None, "True": True, "False": False}[node.id]
    return ast.literal_eval(node)


# --------------------------------------------------------------------- validation
def _fields(schema: Any) -> dict[str, Any]:
    return dict(getattr(schema, "model_fields", {}) or {})


def validate_args(name: str, args: dict[str, Any], schema: Any) -> tuple[dict[str, Any], str]:
    """(checked arguments, "") or ({}, why they are not acceptable)."""
    if "__invalid__" in args:
        return {}, f"the arguments of {name} must be a JSON object"
    if schema is None:
        return dict(args), ""
    fields = _fields(schema)
    known = {k: v for k, v in args.items() if k in fields}
    for k, v in list(known.items()):
        if v is None and fields[k].is_required():
            known.pop(k)
        elif isinstance(v, str) and v.strip().lower() in ("", "null", "none") \
                and fields[k].annotation is not str:
            known.pop(k)  # "parent": "null" and the like
        elif isinstance(v, str) and re.fullmatch(r"#\s*\d+", v.strip()):
            known[k] = int(v.strip().lstrip("#").strip())
    try:
        model = schema.model_validate(known)
    except Exception as e:  # noqa: BLE001 - pydantic's ValidationError, said briefly
        problems = getattr(e, "errors", lambda: [])()
        said = "; ".join(f"{'.'.join(str(x) for x in p.get('loc', ()))}: {p.get('msg')}"
                         for p in problems[:3]) or str(e)[:120]
        return {}, f"bad arguments for {name} ({said})"
    return {k: getattr(model, k) for k in known}, ""


def schemas_of(tools: Iterable[Any]) -> dict[str, Any]:
    """name -> pydantic model of its arguments, for LangChain tools."""
    out: dict[str, Any] = {}
    for t in tools:
        name = getattr(t, "name", None)
        if name:
            schema = getattr(t, "args_schema", None)
            out[name] = schema if hasattr(schema, "model_validate") else None
    return out


# ------------------------------------------------------------ checks against state
@dataclass
class TurnFacts:
    """What this turn knows besides the state: images made so far and seeds tools returned."""

    numbers: set[int] = field(default_factory=set)
    seeds: dict[int, int | None] = field(default_factory=dict)  # image number -> seed
    returned_seeds: set[int] = field(default_factory=set)
    calls: list[tuple[str, str]] = field(default_factory=list)  # (name, args json) so far
    # image number -> the prompt rewrite_prompt/beautify_prompt made for it this turn
    rewritten: dict[int, str] = field(default_factory=dict)


def turn_facts(state: SessionState | None, tool_results: Iterable[str],
               calls: Iterable[Mapping[str, Any]] = ()) -> TurnFacts:
    facts = TurnFacts()
    if state is not None:
        for i in state.images:
            facts.numbers.add(i.number)
            facts.seeds[i.number] = i.seed
    for content in tool_results:
        try:
            data = json.loads(content)
        except (ValueError, TypeError):
            continue
        if not isinstance(data, dict):
            continue
        for image in data.get("images") or []:
            if isinstance(image, dict) and isinstance(image.get("number"), int):
                facts.numbers.add(image["number"])
                facts.seeds[image["number"]] = image.get("seed")
        for key in ("current", "image"):
            if isinstance(data.get(key), int):
                facts.numbers.add(data[key])
        if isinstance(data.get("seed"), int):
            facts.returned_seeds.add(data["seed"])
        if (isinstance(data.get("image"), int) and isinstance(data.get("prompt"), str)
                and data.get("ok") and not data.get("unchanged") and "images" not in data):
            facts.rewritten[data["image"]] = data["prompt"]
    facts.calls = [(c["name"], json.dumps(c.get("args") or {}, sort_keys=True, default=str))
                   for c in calls]
    return facts


_COUNT_WORDS = re.compile(r"\b(two|three|four|several|a few|some|couple|variations|versions|"
                         r"options)\b|[两二三四几]\s*[张幅个]", re.I)


def _said_numbers(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\d+", text or "")}


# tools that change or read an existing picture: with no picture named, it is the current one
_ON_CURRENT = {"rewrite_prompt": "image", "beautify_prompt": "image", "variations": "image",
               "edit_image": "image", "img2img": "image", "describe_image": "image",
               "generate_image": "parent"}


def _follow_current(name: str, args: dict[str, Any], state: SessionState | None,
                    user_text: str, facts: TurnFacts) -> None:
    """A change the user asked for without naming a picture is a change of the current one
    (after "undo" or "back to #1", small models still pick the newest): correct it."""
    from agent.intents import _refs

    key = _ON_CURRENT.get(name)
    if key is None or state is None or state.current is None or args.get(key) is None:
        return
    named, _ = _refs(user_text or "", len(state.images), state.origin())
    made_now = facts.numbers - {i.number for i in state.images}
    if named or args[key] == state.current.number or args[key] in made_now:
        return
    if name == "generate_image" and args.get("seed") not in (None, facts.seeds.get(args[key])):
        return  # not a refinement of that picture: leave it
    args[key] = state.current.number


# what the rules read with certainty: a first call that does something else is corrected
_COMMAND_KINDS = frozenset({
    "undo", "goto", "variations", "reseed", "history", "show", "info", "settings", "search",
    "search_like", "use_result", "beautify", "describe", "add_to_library", "restyle"})


def _correct_first_call(call: dict[str, Any], state: SessionState | None, user_text: str,
                        facts: TurnFacts) -> None:
    """Small models call the wrong tool for plain commands ("another one" ->
    generate_image("another one")) and paraphrase instructions ("把背景换成海边" ->
    "make it watercolor"): where the rules read the message with certainty, the call
    follows that reading, and a change always carries the user's own words."""
    if state is None or not user_text.strip():
        return
    from agent.planner import first_call

    intent, planned = first_call(user_text, state)
    if intent is None or planned is None:
        return
    name = call["name"]
    if not facts.calls and name != planned[0] and (
            intent.kind in _COMMAND_KINDS
            or (intent.kind == "edit" and name in ("generate_image", "edit_image", "img2img")
                and not (name == "generate_image" and call["args"].get("parent")))):
        call["name"], call["args"] = planned[0], dict(planned[1])
        return
    if not facts.calls and name == planned[0] and not call["args"]:
        call["args"] = dict(planned[1])  # "undo" alone, "go_to_image" with no number
    if intent.kind == "edit" and call["name"] in ("rewrite_prompt", "edit_image") \
            and intent.text:
        call["args"]["instruction"] = intent.text


def _keep_pixels(call: dict[str, Any], state: SessionState | None, user_text: str) -> None:
    """A photo (or an edit of one) is changed through its pixels, never drawn again from
    noise: a model's generate_image with such a parent becomes edit_image."""
    if call["name"] != "generate_image" or state is None:
        return
    parent = call["args"].get("parent")
    info = state.image(parent) if isinstance(parent, int) else None
    if info is None or not info.pixel_born:
        return
    from agent.planner import read

    intent = read(user_text, state)
    instruction = intent.text if intent.kind == "edit" and intent.text else user_text
    call["name"] = "edit_image"
    call["args"] = {"instruction": instruction or "redraw it", "image": parent,
                    **({"prompt": call["args"]["prompt"]} if call["args"].get("prompt") else {})}


def check_against_state(call: dict[str, Any], state: SessionState | None, user_text: str,
                        facts: TurnFacts) -> str:
    """Correct ``call["args"]`` in place where the intent is clear; "" or why it is wrong."""
    _correct_first_call(call, state, user_text, facts)
    _keep_pixels(call, state, user_text)
    name, args = call["name"], call["args"]
    said = _said_numbers(user_text)
    for key in IMAGE_ARGS.get(name, ()):
        value = args.get(key)
        if value is None:
            continue
        if not isinstance(value, int) or value not in facts.numbers:
            if not facts.numbers and name == "generate_image":
                args.pop(key)  # a brand-new picture has no parent to name
                continue
            have = sorted(facts.numbers)
            listing = (f"the images are #{have[0]}–#{have[-1]}" if len(have) > 1 else
                       f"the only image is #{have[0]}" if have else "there are no images yet")
            current = (f", the current one is #{state.current.number}"
                       if state is not None and state.current else "")
            return f"{name}: there is no image #{value} ({listing}{current})"
    _follow_current(name, args, state, user_text, facts)
    if name == "generate_image":
        args.pop("tool", None)  # how the image is labelled is not the model's to say
        if args.get("parent") in facts.rewritten:  # draw the rewrite, not a retelling of it
            args["prompt"] = facts.rewritten[args["parent"]]
            args["tool"] = "refine"
        n = args.get("n")
        if isinstance(n, int) and n > 1 and n not in said and not _COUNT_WORDS.search(user_text):
            args.pop("n")  # one picture unless the user asked for more
    if name in SEEDED and args.get("seed") is not None:
        seed = args["seed"]
        setting = (state.settings.get("seed") if state is not None else None)
        parent = args.get("parent") if name == "generate_image" else args.get("image")
        parent_seed = facts.seeds.get(parent) if parent is not None else None
        allowed = {s for s in (setting, parent_seed) if s is not None} | said \
            | facts.returned_seeds
        if seed not in allowed:
            if name == "generate_image" and parent_seed is not None:
                args["seed"] = parent_seed  # a change keeps its parent's seed
            else:
                args.pop("seed")  # invented: let the tool pick (or use the settings)
    key = (name, json.dumps(args, sort_keys=True, default=str))
    if key in facts.calls:
        return f"{name} was already called with these arguments in this turn"
    return ""


def follow_up_call(results: list[tuple[str, str]]) -> dict[str, Any] | None:
    """``generate_image`` with the prompt, seed and image a just-finished
    ``rewrite_prompt``/``beautify_prompt`` returned, when that was this turn's last tool: a
    small model often stops after the rewrite, but the only sensible next step is drawing."""
    if not results or results[-1][0] not in ("rewrite_prompt", "beautify_prompt"):
        return None
    try:
        data = json.loads(results[-1][1])
    except (TypeError, ValueError):
        return None
    if not isinstance(data, dict) or not data.get("ok") or not isinstance(data.get("prompt"), str):
        return None
    args: dict[str, Any] = {"prompt": data["prompt"]}
    if isinstance(data.get("image"), int):
        args["parent"] = data["image"]
        if isinstance(data.get("seed"), int):
            args["seed"] = data["seed"]
    if isinstance(data.get("negative_prompt"), str) and data["negative_prompt"]:
        args["negative_prompt"] = data["negative_prompt"]
    return {"id": new_call_id(), "name": "generate_image", "args": args, "type": "tool_call"}


# ------------------------------------------------------------------------ replies
_CALLISH = re.compile(r"<\s*/?\s*tool_call|\"(?:name|arguments|parameters|tool_calls)\"\s*:|"
                      r"^\s*[\[{]", re.I | re.M)


def clean_reply(text: str, tool_names: Iterable[str] = ()) -> str:
    """``text`` without any tool call, code fence or raw JSON; "" if nothing else is left."""
    if not text:
        return ""
    try:
        return _clean_reply(text[:MAX_TEXT], list(tool_names))
    except Exception:  # noqa: BLE001 - then keep only plain words
        log.warning("could not clean a reply %r", text[:200], exc_info=True)
        return "" if re.search(r"[{}\[\]<>()]", text) else text.strip()


def _clean_reply(text: str, tool_names: list[str]) -> str:
    parsed = parse_calls(text, {n: None for n in tool_names})
    rest = parsed.text
    rest = _cut(rest, [(a, b) for a, b, obj in _bare_json(rest)
                       if isinstance(obj, dict) or any(isinstance(o, dict) for o in obj)])
    names = [re.escape(n) for n in tool_names]
    callish = re.compile(_CALLISH.pattern + (rf"|\b(?:{'|'.join(names)})\s*\(" if names else ""),
                         re.I | re.M)
    if callish.search(rest):
        rest = "\n".join(line for line in rest.splitlines() if not callish.search(line))
    # template debris a small model echoes: "<tools>", "</tool_call>", "<|im_end|>"
    rest = re.sub(r"</?\s*(?:tools?|tool_calls?|tool_response|function|\|[a-z_]+\|)\s*>", "",
                  rest, flags=re.I)
    return rest.strip()


# ------------------------------------------------------------------ compact schemas
def compact_tool_specs(specs: Any) -> Any:
    """OpenAI tool specs with fewer tokens and the same meaning for the model: one-line
    descriptions, ``anyOf [X, null]`` as ``X``, no ``default: null`` and no titles. Small
    local models read every token of them on every request."""
    if isinstance(specs, list):
        return [compact_tool_specs(s) for s in specs]
    if not isinstance(specs, dict):
        return specs
    out: dict[str, Any] = {}
    for key, value in specs.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "default" and value is None:
            continue
        if key == "description" and isinstance(value, str):
            value = re.sub(r"\s+", " ", value).strip()
        if key == "anyOf" and isinstance(value, list):
            kept = [v for v in value if v != {"type": "null"}]
            if len(kept) == 1 and isinstance(kept[0], dict):
                out.update(compact_tool_specs(kept[0]))
                continue
        out[key] = compact_tool_specs(value)
    return out
