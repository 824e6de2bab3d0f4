"""A change said as the whole result: "now: a woman with a short red bob, studio portrait",
"actually I want a ginger cat asleep on a red sofa", "女孩坐在树下的长椅上".

People who know what they want often write the picture again instead of the change. The
words they wrote are then the new picture: the part of the prompt they rewrote (the parts
sharing its words) is replaced by theirs, and the parts they did not speak of (a style, a
lighting or quality tag) stay unless theirs say something of the same kind ("at night"
takes the place of "sunny afternoon").
"""

from __future__ import annotations

import re

from tools.rewrite.vocab import find_vocab
from tools.text import EN_STOPWORDS, cjk_pairs, has_cjk, simplified, stem

# what comes before a restatement: "now:", "ok so", "take two -", "actually I'd like", "改成"
_LEAD_EN = re.compile(
    r"^(?:(?:ok(?:ay)?|so|alright|right|hmm+|well|actually|nah|no|nope|instead|scratch that|"
    r"new version|version (?:\d+|two)|v\d|take (?:\d+|two|three)|next take|now|then|better|"
    r"let me rephrase|rather|sorry)\b\s*[:,.!\-–—]*\s*)*"
    r"(?:(?:i(?:'d| would)? (?:want|like|prefer|love)|i'?m (?:thinking|picturing)(?: of)?|"
    r"give me|let'?s (?:do|go with|try|have|make it)|how about|what about|can (?:i|we) (?:get|"
    r"have)|could (?:i|we) (?:get|have)|go with|try|picture|imagine|"
    r"i (?:need|meant))\s+)?", re.I)
_LEAD_ZH = re.compile(r"^(?:(?:好的?|嗯+|那|那就|现在|算了|不对|不是|其实|重新来|换个思路|这样吧)"
                      r"[，,：:。!！\s]*)*(?:(?:我想要|我要|我想|来一张|要|想要)"
                      r"[：:，,\s]*)?")
_TAIL_ZH = re.compile(r"[，,。!！\s]*(?:好了|就好|就行|吧|谢谢|谢啦|超可爱|可以吗|行吗)*"
                      r"[。!！~～\s]*$")
_TAIL_EN = re.compile(r"[\s,.!]*(?:please|thanks|thank you|thx|instead)?[\s.!]*$", re.I)
# words of a change, not of a description: such a message is read by the parser
_CHANGE_EN = re.compile(
    r"\b(?:add|adds|remove|delete|erase|change|replace|swap|switch|turn|make|put|take|keep|"
    r"instead|without|rather|but|not|no|more|less|into|should|would|could|can|must|get rid|"
    r"lose|move|let|give|set|use|undo|again|same|too|also|still|any|all|it|its|this|that|"
    r"he|she|they|him|her|them|his|their|please|bigger|smaller|brighter|darker)\b", re.I)
_CHANGE_ZH = re.compile(r"把|将|换|改|加|添|去掉|删|不要|别|让|变|弄|整|给|再|更|一点|一些|"
                        r"有|放|摆|挂|戴|穿上|拿|还是|保持|不|没|吗|呢|应该|要|被|用|做成|调|"
                        r"\?|？")
_ARTICLE = re.compile(r"^(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|some|"
                      r"several|\d+)\s", re.I)
_KINDS = ("style", "time", "weather", "season")


def restated(prompt: str, instruction: str) -> str | None:
    """The new prompt when ``instruction`` is the picture written again, else None."""
    text = instruction.strip()
    if not text or has_cjk(text) != has_cjk(prompt) or "?" in text or "？" in text:
        return None  # (a restatement is written in the picture's own language)
    if has_cjk(text):
        said = _TAIL_ZH.sub("", _LEAD_ZH.sub("", simplified(text), count=1))
        if len(re.findall(r"[\u4e00-\u9fff]", said)) < 7 or _CHANGE_ZH.search(said) \
                or re.search(r"[A-Za-z]", said) or not (
                    re.search(r"[，,；;]", said) or re.match(r"[一两三四五六七八九十]", said)):
            return None  # (a clause said again, "男孩转过身来", leaves out what it did before)
        sep = "，"
    else:
        said = _TAIL_EN.sub("", _LEAD_EN.sub("", text, count=1))
        if not _ARTICLE.match(said) or len(re.findall(r"[A-Za-z]+", said)) < 5 \
                or _CHANGE_EN.search(said) or "..." in said:
            return None
        sep = ", "
    theirs = [p.strip() for p in re.split(r"[,，;；]", said) if p.strip()]
    ours = [p.strip() for p in re.split(r"[,，;；]", prompt) if p.strip()]
    if not theirs or not ours:
        return None
    words = [_content(p) for p in ours]
    first = _content(theirs[0])
    overlap = [len(first & w) for w in words]
    best = max(range(len(ours)), key=lambda k: overlap[k])
    if not (_rewrites_zh(said, prompt, len(theirs)) if has_cjk(said) else
            _rewrites(theirs[0], ours[best], overlap[best], len(first))):
        return None  # not the picture said again: the parser reads it
    all_theirs = set().union(*(_content(p) for p in theirs))
    kinds = {h.entry.category for h in find_vocab(said, _KINDS)}
    before: list[str] = []
    after: list[str] = []
    for k, part in enumerate(ours):
        if k == best or words[k] & all_theirs:
            continue  # the part they rewrote, or spoke of again
        if {h.entry.category for h in find_vocab(part, _KINDS)} & kinds:
            continue  # "sunny afternoon" where they say "at night"
        if _BACKDROP.search(part) and _places(said) - _places(ours[best]):
            continue  # "restaurant background" where they put it "at a street stall"
        (after if k > best else before).append(part)
    new = sep.join(before + theirs + after)
    return None if _same(new, prompt) else new


def _rewrites_zh(said: str, prompt: str, parts: int) -> bool:
    """Whether a Chinese message is the picture written again: it shares three character
    pairs with the prompt, or two and either has a second part or begins with a shared
    pair ("女孩坐在…" for "一个女孩站在…")."""
    mine = _content(prompt)
    pairs = _pairs(said)
    shared = len(set(pairs) & mine)
    return shared >= 3 or shared >= 2 and (parts > 1 or pairs[0] in mine)


def _rewrites(theirs: str, ours: str, shared: int, said: int) -> bool:
    """Whether their English part is our part written again: it shares two of its words,
    or its head noun is ours ("a lighthouse on a rocky island at night" for "a lighthouse
    on a cliff")."""
    head = _head(theirs)
    return shared >= 2 and shared * 3 >= said or shared >= 1 and head is not None \
        and head == _head(ours)


_HEAD_END = re.compile(r"^(?:on|in|at|with|by|under|over|near|beside|next|behind|above|below|"
                       r"against|wearing|holding|and|of|from|inside|outside|through|"
                       r"across|along|among|around|during|[a-z]+ing)$")


def _head(part: str) -> str | None:
    """The noun a description is about: the last word before its first preposition or verb
    ("a golden retriever shaking off water" -> retriever)."""
    run: list[str] = []
    for w in re.findall(r"[a-z]+", part.lower()):
        if _HEAD_END.match(w):
            break
        run.append(w)
    run = [w for w in run if w not in EN_STOPWORDS]
    return stem(run[-1]) if run else None


_BACKDROP = re.compile(r"\b(?:background|backdrop|setting|scenery|surroundings)\b|背景", re.I)
_PLACE = re.compile(r"\b(?:at|in|inside|on|by|under|near|beside)\s+(?:a|an|the)\s+"
                    r"(?:[a-z]+\s+){0,2}?([a-z]+)(?=\s+(?:at|in|on|by|with|under|near|of)\b|"
                    r"[,.]|$)", re.I)


def _places(text: str) -> set[str]:
    """Where a description puts things ("at a street stall" -> stall)."""
    if has_cjk(text):
        return set(re.findall(r"(?:在|于)([\u4e00-\u9fff]{2,4}?)(?:上|里|中|旁|前|下|边)", text))
    return {stem(m.group(1).lower()) for m in _PLACE.finditer(text)}


_STOP_CHARS = re.compile(r"[的一个只在是着了上里把将和与很]")


def _pairs(part: str) -> list[str]:
    return [p for p in cjk_pairs(simplified(part)) if not _STOP_CHARS.search(p)]


def _content(part: str) -> set[str]:
    """The words of a part that say what is there (stems; in Chinese, pairs of
    neighbouring characters, so "樱花树下" meets "树下")."""
    if has_cjk(part):
        return set(_pairs(part))
    return {stem(w) for w in re.findall(r"[a-z]+", part.lower())
            if len(w) >= 3 and w not in EN_STOPWORDS}


def _same(a: str, b: str) -> bool:
    return re.sub(r"\W", "", a.lower()) == re.sub(r"\W", "", b.lower())
