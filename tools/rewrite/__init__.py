"""DiffChat-style prompt rewriting: (current prompt, change instruction) -> new prompt.

The user never edits a prompt by hand; they say what to change ("make it night", "add a red
hat", "把猫换成狗") and the prompt follows, keeping everything they did not ask to change
(DiffChat's *content integrity*, seed 002).

Layout:

``vocab``     :class:`Edit`, the vocabulary lookups (:func:`find_en`, :func:`find_zh`,
              :func:`classify`) and helpers both editors share.
``parse``     instruction -> list of :class:`Edit` (clause splitting; ``parse_en`` and
              ``parse_zh`` read one English / Chinese clause; ``en_phrases`` holds the
              English phrase helpers: owners, attribute nouns, pose verbs, modifiers;
              ``normalize_en`` rewrites paraphrases to the canonical phrasings the English
              rules read: "the car needs to be red", "I want the car in red", "get her to
              smile" -> "make the car red", "make her smile").
``english``   :class:`EnPrompt`: an English prompt as tokens, with noun-phrase operations
              (find, remove, set a modifier or a pose...); ``english_ops`` the
              whole-phrase operations (count, a new thing, the place).
``english_edits``  what each kind of :class:`Edit` does to an :class:`EnPrompt`;
              ``english_words`` the word lists both use.
``chinese``   :class:`ZhPrompt` and what each kind of edit does to a Chinese prompt;
              ``zh_words`` the Chinese word lists it reads (names of one kind: 车/轿车).
``rules``     :func:`apply_rules`, the deterministic offline backend.
``backends``  :func:`rewrite`: the ``rules``, ``lm`` and ``llm`` backends with the content
              integrity check and the fallback to the rules.
"""

from tools.rewrite.backends import (
    INTEGRITY_THRESHOLD,
    LLM_SYSTEM,
    REWRITE_TEMPLATE,
    RewriteResult,
    decode_new_tokens,
    rewrite,
)
from tools.rewrite.parse import parse_instruction, parse_instructions
from tools.rewrite.rules import RulesOutcome, apply_rules
from tools.rewrite.vocab import KINDS, Edit, Hit, classify, entry, find_en, find_zh

__all__ = [
    "INTEGRITY_THRESHOLD", "KINDS", "LLM_SYSTEM", "REWRITE_TEMPLATE", "Edit", "Hit",
    "RewriteResult", "RulesOutcome", "apply_rules", "classify", "decode_new_tokens", "entry",
    "find_en", "find_zh", "parse_instruction", "parse_instructions", "rewrite",
]
