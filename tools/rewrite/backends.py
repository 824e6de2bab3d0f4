"""DiffChat-style prompt rewriting: (current prompt, change instruction) -> new prompt.


The user never edits a prompt by hand; they say what to change ("make it night", "add a red
hat", "把猫换成狗") and the prompt follows, keeping everything they did not ask to change
(DiffChat's *content integrity*, seed 002). Three backends, picked by the profile
(``rewrite_backend``) or the ``backend`` argument:

``rules``  offline and deterministic: the instruction is parsed into :class:`Edit` s (add,
           remove, replace, colour, style, time, weather, season, background, count,
           camera; English and Chinese) and applied to the prompt word by word.
``lm``     a causal LM through transformers with an InstructPE-style template
           (:data:`REWRITE_TEMPLATE`); only the new tokens are decoded.
``llm``    the agent's chat model with a rewrite prompt (:data:`LLM_SYSTEM`).
``both``   the rules and the chat model each propose; the better one by
           :func:`tools.rewrite.doubt.verdict` wins.
``auto``   the rules, and the chat model only where their result shows a sign of being
           wrong (the request's own words in the prompt, another language, nothing read).
           The default whenever a chat model is configured.

Every model-backed rewrite is checked with :func:`tools.integrity.content_integrity`; below
:data:`INTEGRITY_THRESHOLD` it is retried once with different sampling, then the rule-based
rewrite is used, and the result says so (``fell_back``, ``note``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from errors import ImagechatError, NotAvailable
from tools.rewrite.rules import apply_rules
from tools.rewrite.vocab import Edit
from tools.text import (
    MAX_INSTRUCTION_CHARS,
    MAX_PROMPT_CHARS,
    clean_text,
    require_text,
    simplified,
)
from tools.translate import message_text

if TYPE_CHECKING:
    from settings import Settings

INTEGRITY_THRESHOLD = 0.7
BACKENDS = ("rules", "lm", "llm", "both", "auto")
log = logging.getLogger(__name__)

# The DiffChat/InstructPE-style template of the ``lm`` backend: source prompt and
# instruction in, target prompt out (the model continues after "Output:").
REWRITE_TEMPLATE = (
    "Instruction: Rewrite the drawing prompt so that it follows the request. Keep every "
    "subject, detail and style the request does not change.\n"
    "Input: {prompt}\n"
    "Request: {instruction}\n"
    "Output:"
)
# Sampling of the first try and of the one retry (the retry restricts the action space
# with locally typical sampling, as DiffChat does).
LM_SAMPLING = dict(do_sample=True, temperature=0.9, top_k=50, top_p=0.95,
                   repetition_penalty=1.2)
LM_RETRY_SAMPLING = dict(do_sample=True, temperature=0.7, top_k=50, typical_p=0.9,
                         repetition_penalty=1.2)
LM_MAX_NEW_TOKENS = 96
TINY_MAX_NEW_TOKENS = 12  # the tiny random model only has to prove the path works

LLM_SYSTEM = (
    "You rewrite prompts for an image generator. You get the current prompt and the user's "
    "change request. Write the new prompt: apply the request exactly, and keep every other "
    "subject, attribute, colour, count, place, style and detail as it was. Write in the "
    "language of the current prompt. Reply with the new prompt only, on one line, without "
    "quotes or explanations."
)
LLM_USER = "Current prompt: {prompt}\nChange request: {instruction}"
# worked examples for small models: (prompt, request, new prompt), English and Chinese
LLM_EXAMPLES = (
    ("a red car parked on a street, sunny day", "make it blue",
     "a blue car parked on a street, sunny day"),
    ("an old man wearing a straw hat, portrait, film photo", "lose the hat pls",
     "an old man, portrait, film photo"),
    ("a small boat on a lake at dawn, oil painting", "three boats, and make it sunset",
     "three small boats on a lake at sunset, oil painting"),
    ("a girl reading under a tree, watercolor", "could she be sitting on a bench instead?",
     "a girl reading, sitting on a bench, watercolor"),
    ("一只橘猫趴在窗台上，午后阳光", "把时间改成下雪的夜晚", "一只橘猫趴在窗台上，下雪的夜晚"),
    ("一个女孩穿着白色连衣裙站在海边", "裙子改成红色的，再给她戴顶草帽",
     "一个戴着草帽的女孩穿着红色连衣裙站在海边"),
)
LLM_RETRY = ("That rewrite lost or kept the wrong words ({problem}). Try again: apply only "
             "the change request and keep everything else.")


@dataclass
class RewriteResult:
    prompt: str
    backend: str  # the backend that produced ``prompt``: "rules" | "lm" | "llm"
    integrity: float
    missing: list[str] = field(default_factory=list)
    fell_back: bool = False
    note: str = ""
    edits: tuple[Edit, ...] = ()


# ====================================================================== model backends


def _clean_model_output(text: str, prompt: str) -> str:
    """The first usable line of a model's answer, without labels, quotes or template echo."""
    lines = [ln.strip() for ln in (text or "").replace("\r", "\n").split("\n")]
    for ln in lines:
        ln = re.sub(r"^(?:output|new prompt|prompt|rewritten prompt|target prompt|新提示词|"
                    r"提示词)\s*[:：]\s*", "", ln, flags=re.I)
        ln = ln.strip().strip('"“”\'`').strip()
        if re.match(r"^(?:input|request|instruction)\s*:", ln, re.I):
            continue
        if ln:
            return clean_text(ln.replace("\ufffd", ""), MAX_PROMPT_CHARS)
    return ""


def _lm_generate(settings: Settings, model_id: str, prompt: str, instruction: str,
                 sampling: dict[str, Any], seed: int | None) -> str:
    import torch

    from tools.models import TINY, load_causal_lm

    tokenizer, model = load_causal_lm(settings, model_id)
    text = REWRITE_TEMPLATE.format(prompt=prompt, instruction=instruction)
    input_ids = tokenizer.encode(text, return_tensors="pt").to(model.device)
    max_new = TINY_MAX_NEW_TOKENS if model_id == TINY else LM_MAX_NEW_TOKENS
    if seed is not None:
        torch.manual_seed(seed)
    with torch.inference_mode():
        out = model.generate(input_ids, max_new_tokens=max_new, num_return_sequences=1,
                             pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
                             **sampling)
    return decode_new_tokens(tokenizer, out, input_ids.shape[1])[0]


def decode_new_tokens(tokenizer: Any, output_ids: Any, prompt_len: int) -> list[str]:
    """Decode only what the model generated after the prompt (never the template)."""
    texts = tokenizer.batch_decode(output_ids[:, prompt_len:], skip_special_tokens=True)
    return [t.strip() for t in texts]


def _llm_generate(llm: Any, prompt: str, instruction: str, problem: str | None,
                  first: str | None) -> str:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    messages: list[Any] = [SystemMessage(LLM_SYSTEM)]
    for was, asked, now in LLM_EXAMPLES:  # the same every time: the server caches them
        messages += [HumanMessage(LLM_USER.format(prompt=was, instruction=asked)),
                     AIMessage(now)]
    messages.append(HumanMessage(LLM_USER.format(prompt=prompt, instruction=instruction)))
    if problem is not None and first is not None:
        messages += [AIMessage(first), HumanMessage(LLM_RETRY.format(problem=problem))]
    return message_text(llm.invoke(messages))


def _second_opinion(prompt: str, instruction: str, rules: Any, llm: Any, mode: str,
                    rules_result: Any) -> RewriteResult:
    """``both``: the rules and the chat model each propose and the better one by
    :func:`tools.rewrite.doubt.verdict` wins; ``auto``: the model is asked only when the
    rules' result shows a sign of being wrong (:func:`tools.rewrite.doubt.doubts`). A model
    that fails leaves the rules' result, without a word to the user: it was the first one."""
    from tools.integrity import content_integrity
    from tools.rewrite.doubt import doubts, kept_share, verdict

    recognised = bool(rules.edits)
    if mode == "auto" and not doubts(prompt, rules.prompt, recognised):
        return rules_result(False, "")
    try:
        new = _clean_model_output(_llm_generate(llm, prompt, instruction, None, None), prompt)
    except ImagechatError:
        raise
    except Exception as e:  # noqa: BLE001 - a model failure leaves the rules' answer
        log.info("the chat model's rewrite failed (%s); keeping the rules'", type(e).__name__)
        return rules_result(False, "")
    if mode == "auto":  # the rules' result is visibly wrong: the model's, unless it is too
        better = not doubts(prompt, new) and kept_share(prompt, instruction, new) >= 0.6 \
            and len(new) <= 2.5 * len(prompt) + 80
    else:
        better = verdict(prompt, instruction, new, rules.edits) > verdict(
            prompt, instruction, rules.prompt, rules.edits, recognised)
    log.debug("rewrite %s: rules %r, model %r: %s", mode, rules.prompt, new,
              "model" if better else "rules")
    if not better:
        return rules_result(False, "")
    integ = content_integrity(prompt, instruction, new)
    return RewriteResult(new, "llm", integ.score, list(integ.missing), False, "",
                         tuple(rules.edits))


def _acceptable(prompt: str, instruction: str, new: str) -> tuple[bool, Any]:
    from tools.integrity import content_integrity

    if not new:
        return False, None
    integ = content_integrity(prompt, instruction, new)
    return integ.score >= INTEGRITY_THRESHOLD and not integ.unwanted, integ


def _problem(integ: Any) -> str:
    if integ is None:
        return "the answer was empty"
    bits = []
    if integ.missing:
        bits.append("lost " + ", ".join(integ.missing[:6]))
    if integ.unwanted:
        bits.append("still has " + ", ".join(integ.unwanted[:6]))
    return "; ".join(bits) or f"integrity {integ.score:.2f}"


# ============================================================================== rewrite


def rewrite(prompt: str, instruction: str, *, settings: Settings, backend: str | None = None,
            llm: Any = None, seed: int | None = None) -> RewriteResult:
    """The prompt after applying ``instruction``, keeping everything it does not change.

    Raises :class:`errors.InvalidInput` for an empty prompt or instruction; everything else
    (huge or garbled text, an instruction it does not understand, a model that fails) gives
    a sensible prompt and a ``note`` saying what happened.
    """
    from tools.integrity import content_integrity
    from tools.models import profile_for

    prompt = require_text(prompt, "prompt", MAX_PROMPT_CHARS)
    instruction = simplified(require_text(instruction, "change instruction",
                                          MAX_INSTRUCTION_CHARS))
    profile = profile_for(settings)
    # with a chat model configured, the rules ask it whenever their own result looks wrong
    chosen = (backend or ("auto" if llm is not None else "") or profile.rewrite_backend
              or "rules").lower()
    if chosen not in BACKENDS:
        raise ImagechatError(f"unknown rewrite backend {chosen!r}; use "
                             + ", ".join(BACKENDS))

    rules = apply_rules(prompt, instruction)

    def rules_result(fell_back: bool, note: str) -> RewriteResult:
        integ = content_integrity(prompt, instruction, rules.prompt)
        notes = [n for n in (note, *rules.notes) if n]
        return RewriteResult(rules.prompt, "rules", integ.score, list(integ.missing),
                             fell_back, "; ".join(notes), tuple(rules.edits))

    if chosen == "rules":
        return rules_result(False, "")
    if chosen in ("both", "auto") and llm is not None:
        return _second_opinion(prompt, instruction, rules, llm, chosen, rules_result)
    if chosen in ("llm", "both", "auto") and llm is None:
        return rules_result(True, "no chat model is configured, so I used the rule-based "
                                  "rewrite")
    if chosen == "lm" and not profile.rewrite_lm:
        return rules_result(True, f"the profile {profile.name!r} names no rewrite model, so I "
                                  "used the rule-based rewrite")

    tries: list[str] = []
    first: str | None = None
    integ: Any = None
    for attempt in range(2):
        try:
            if chosen == "lm":
                raw = _lm_generate(settings, profile.rewrite_lm or "", prompt, instruction,
                                   LM_SAMPLING if attempt == 0 else LM_RETRY_SAMPLING,
                                   None if seed is None else seed + attempt)
            else:
                raw = _llm_generate(llm, prompt, instruction,
                                    _problem(integ) if attempt else None, first)
        except NotAvailable as e:
            return rules_result(True, f"{e}; I used the rule-based rewrite")
        except ImagechatError:
            raise
        except Exception as e:  # noqa: BLE001 - a model failure must not break the chat
            return rules_result(True, f"the {chosen} rewrite failed ({type(e).__name__}); I "
                                      "used the rule-based rewrite")
        new = _clean_model_output(raw, prompt)
        first = new or raw
        ok, integ = _acceptable(prompt, instruction, new)
        if ok:
            note = "" if attempt == 0 else "the first try lost content; the retry kept it"
            return RewriteResult(new, chosen, integ.score, list(integ.missing), False, note,
                                 tuple(rules.edits))
        tries.append(_problem(integ))
    what = "language model" if chosen == "lm" else "chat model"
    return rules_result(True, f"the {what}'s rewrite failed the content check twice "
                              f"({tries[-1]}), so I used the rule-based rewrite")

