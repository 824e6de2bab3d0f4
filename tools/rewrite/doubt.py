"""When a rules rewrite is likely wrong: the signs a second opinion (the chat model) is worth
asking for.

The rules read a great many phrasings, and when they read one they are usually right. When
they do not, the result shows it: the request's own talk ends up in the prompt ("…, hamster
way chonkier", "短发的头发搞成"), words of the other language land in it, or nothing was read
and the words were added as they came. :func:`doubts` names those signs; an empty list means
the rules' result can stand alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tools.rewrite.vocab import Edit, find_vocab
from tools.text import has_cjk

# words of talking about a picture that a drawing prompt never needs
TALK_EN = frozenset(
    "could would should can can't cant couldn't please pls plz make makes made let have want "
    "wanted wants need needs needed maybe perhaps actually instead just really kinda sorta "
    "gonna wanna i i'm im me my you your we our us thank thanks thx lol hey hi hello dear "
    "think guess like wayyy way idea possible able try change changed turn replace swap "
    "remove delete get rid lose do does did also too either neither what if how why".split())
# the same in Chinese; each is looked for as a substring the prompt did not have
_TALK_ZH = ("能不能", "可不可以", "可以", "请", "帮我", "给我", "把", "让", "搞", "弄", "整成",
            "咋", "啥", "吧", "呢", "啊", "吗", "一下", "改成", "换成", "变成", "改为", "调整",
            "我想", "我要", "要是", "的话", "怎么样", "如何", "觉得", "希望", "感觉", "将其",
            "麻烦", "谢谢", "好不好", "行不行", "是不是", "不是", "而是")
# words the rules themselves write ("wearing", "holding") are prompt words, not talk
_WRITTEN_BY_RULES = frozenset("with wearing holding and the a an in on of at".split())


def _latin_words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]*", text)}


def doubts(prompt: str, new: str, recognised: bool = True) -> list[str]:
    """Why ``new`` may be a wrong rewrite of ``prompt``; ``[]``: no sign. ``recognised``: the
    rules read a change in the request (a model's answer counts as read)."""
    reasons: list[str] = []
    if not recognised:
        reasons.append("no change was recognised")
    elif re.sub(r"\s+", " ", new.strip()) == re.sub(r"\s+", " ", prompt.strip()):
        reasons.append("the prompt did not change")
    if has_cjk(prompt):
        new_latin = _latin_words(new) - _latin_words(prompt)
        if any(len(w) > 2 for w in new_latin):
            reasons.append("English words in a Chinese prompt")
        talk = [w for w in _TALK_ZH if w in new and w not in prompt]
    else:
        if has_cjk(new):
            reasons.append("Chinese words in an English prompt")
        talk = sorted((_latin_words(new) - _latin_words(prompt)) & TALK_EN - _WRITTEN_BY_RULES)
    if talk:
        reasons.append("the request's own words are in the prompt: " + ", ".join(talk[:4]))
    return reasons


def kept_share(prompt: str, instruction: str, new: str, gone: set[str] | None = None) -> float:
    """The share of the prompt's words that ``new`` keeps, of those the request does not name
    (nor ``gone``: what it removes)."""
    from tools.integrity import _Text, keywords

    asked = set(keywords(instruction)) | (gone or set())
    kept = [k for k in keywords(prompt) if k not in asked]
    if not kept:
        return 1.0
    text = _Text(new)
    cats = ("color", "material", "size", "shape", "age", "expression", "state", "time",
            "weather", "season", "style")
    was = {h.entry.key for h in find_vocab(prompt, cats)}
    changed = {h.entry.category for h in find_vocab(new, cats) if h.entry.key not in was}

    def kept_or_changed(k: str) -> bool:  # "tiny" -> "chubby": a value of its kind changed
        return text.has(k) or any(h.entry.category in changed for h in find_vocab(k, cats))

    return sum(kept_or_changed(k) for k in kept) / len(kept)


def verdict(prompt: str, instruction: str, new: str, edits: Sequence[Edit] = (),
            recognised: bool = True) -> float:
    """How well ``new`` carries out ``instruction`` on ``prompt``, judged the same way for
    any author (the rules or a model): the share of the prompt's words it keeps (those the
    request does not name), plus the share of the request's own words it brings in (or,
    for a removal, leaves out), less half a point for each sign of :func:`doubts`."""
    from tools.integrity import _Text, keywords

    if not new.strip():
        return float("-inf")
    text = _Text(new)
    asked = set(keywords(instruction))
    gone = {k for e in edits if e.kind == "remove" and e.target for k in keywords(e.target)}
    keep = kept_share(prompt, instruction, new, gone)
    wanted = [k for k in asked if k not in gone and k not in TALK_EN and
              not any(t in k for t in _TALK_ZH)]
    brought = sum(text.has(k) for k in wanted) + sum(not text.has(k) for k in gone)
    cover = brought / (len(wanted) + len(gone)) if wanted or gone else 1.0
    return keep + cover - 0.5 * len(doubts(prompt, new, recognised))
