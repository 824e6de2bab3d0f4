"""Content integrity (DiffChat, seed 002): did a rewritten prompt keep what it should?

The key words of the old prompt and of the instruction should survive the rewrite, except
the ones the instruction removes or replaces. :func:`content_integrity` scores the share
that survived (0..1) and names the missing ones; it also names words that should have gone
but are still there (``unwanted``: "red" after "a red car" + "make it blue").

What an instruction removes or adds comes from the rule-based rewrite's trace
(:func:`tools.rewrite.apply_rules`), so the check and the rules agree on what "make it
night" means. Words are compared language-neutrally: Chinese is segmented with jieba and
mapped through the lexicon ("红色" matches "red"), English is lowercased and stemmed
("cats" matches "cat"), and words of the prompt vocabulary match any of their variants
("dusk" is satisfied by "twilight", "夜晚" by "at night").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from tools.text import (
    EN_STOPWORDS,
    ZH_NUMBER_CLASSIFIER,
    ZH_STOPWORDS,
    clean_text,
    en_words,
    has_cjk,
    segment,
    stem,
)
from tools.translate import EN_NUMBERS, concepts, zh_en_lexicon

_NUMBER_WORDS = frozenset(EN_NUMBERS.values())
# words that connect content rather than carry it ("a cat wearing a hat" ~ "a cat with a hat")
_CONNECTORS = frozenset("wearing holding carrying having featuring showing depicting "
                        "containing including".split())
_VOCAB_CATS = ("color", "style", "time", "weather", "season", "camera", "place")


@dataclass(frozen=True)
class Integrity:
    score: float  # share of the expected keywords found in the new prompt, in [0, 1]
    missing: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)
    unwanted: list[str] = field(default_factory=list)  # should have gone, still there


def keywords(text: str) -> list[str]:
    """Content words of ``text``, normalised: Chinese segmented with jieba (stop words and
    numeral+measure words dropped), English lowercased, stop words dropped, stemmed."""
    s = clean_text(text)
    if not s:
        return []
    out: list[str] = []
    seen: set[str] = set()
    if has_cjk(s):
        zh_en_lexicon()  # the segmenter learns the prompt vocabulary first
        tokens = [t.strip() for t in segment(s)]
    else:
        tokens = en_words(s)
    for tok in tokens:
        for word in ([tok] if has_cjk(tok) else en_words(tok)):
            k = _normalise(word)
            if k and k not in seen:
                seen.add(k)
                out.append(k)
    return out


def _normalise(word: str) -> str | None:
    if not word:
        return None
    if has_cjk(word):
        w = re.sub(r"^[的了着]+|[的了着]+$", "", word)
        if not w or w in ZH_STOPWORDS or ZH_NUMBER_CLASSIFIER.match(w):
            return None
        if not re.search(r"[\u3400-\u9fff]", w):
            return None
        return w
    w = word.lower()
    if (len(w) < 2 or w in EN_STOPWORDS or w in _NUMBER_WORDS or w in _CONNECTORS
            or w.isdigit()):
        return None
    return stem(w)


class _Text:
    """A new prompt prepared for fast "is this keyword in it?" questions."""

    def __init__(self, text: str) -> None:
        from tools.rewrite import find_en, find_zh

        self.raw = clean_text(text)
        self.low = self.raw.lower()
        self.keys = keywords(self.raw)
        self.key_set = set(self.keys)
        self.concepts: set[str] = set()
        for k in self.keys:
            self.concepts |= concepts(k)
        self.vocab = {h.entry.key for h in find_en(self.raw, _VOCAB_CATS)}
        self.vocab |= {h.entry.key for h in find_zh(self.raw, _VOCAB_CATS)}

    def has(self, k: str) -> bool:
        if k in self.key_set:
            return True
        if has_cjk(k):
            if k in self.raw:
                return True
        elif stem(k) in self.concepts:
            return True
        c = concepts(k)
        if c and c <= self.concepts:
            return True
        key = _vocab_key(k)
        return key is not None and key in self.vocab


def _vocab_key(word: str) -> str | None:
    from tools.rewrite import classify

    hits = classify(word, _VOCAB_CATS)
    return hits[0].entry.key if len(hits) == 1 else None


def _count(text: str, k: str) -> int:
    return Counter(keywords_all(text)).get(k, 0)


def keywords_all(text: str) -> list[str]:
    """Like :func:`keywords` but with repeats (to count occurrences)."""
    s = clean_text(text)
    tokens = segment(s) if has_cjk(s) else en_words(s)
    out = []
    for tok in tokens:
        for word in ([tok.strip()] if has_cjk(tok) else en_words(tok)):
            k = _normalise(word)
            if k:
                out.append(k)
    return out


def _expected_changes(prompt: str, instruction: str) -> tuple[set[str], list[str]]:
    """(prompt keywords the instruction drops, keywords it brings in)."""
    from tools.rewrite import apply_rules

    try:
        outcome = apply_rules(prompt, instruction)
    except Exception:  # noqa: BLE001 - fall back to "keep everything, add the instruction"
        return set(), keywords(instruction)
    added_trace = set(keywords(" ".join(outcome.added)))
    dropped = set(keywords(" ".join(outcome.removed))) - added_trace
    dropped &= set(keywords(prompt))
    added: list[str] = []
    for e in outcome.edits:
        if e.kind == "remove":
            continue
        for piece in (e.value, e.target if e.kind == "count" else None):
            if piece:
                added += [k for k in keywords(piece) if k not in dropped]
    if not outcome.edits:
        added = [k for k in keywords(" ".join(outcome.added))]
    # a removal drops the removed thing from the expectations even if the trace missed it
    for e in outcome.edits:
        if e.kind == "remove" and e.target:
            dropped |= set(keywords(e.target)) & set(keywords(prompt))
    return dropped, added


def content_integrity(prompt: str, instruction: str, new_prompt: str) -> Integrity:
    """How much of what should survive ``instruction`` is in ``new_prompt`` (see module doc)."""
    dropped, added = _expected_changes(prompt, instruction) if clean_text(instruction) else (
        set(), [])
    expected: list[str] = []
    for k in [*keywords(prompt), *added]:
        if k not in dropped and k not in expected:
            expected.append(k)
    new = _Text(new_prompt)
    missing = [k for k in expected if not new.has(k)]
    score = 1.0 if not expected else (len(expected) - len(missing)) / len(expected)
    unwanted = [k for k in sorted(dropped)
                if _count(new_prompt, k) >= max(1, _count(prompt, k))]
    return Integrity(round(score, 4), missing, expected, unwanted)
