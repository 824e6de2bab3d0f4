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

Every model-backed rewrite is checked with :func:`tools.integrity.content_integrity`; below
:data:`INTEGRITY_THRESHOLD` it is retried once with different sampling, then the rule-based
rewrite is used, and the result says so (``fell_back``, ``note``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from errors import ImagechatError, NotAvailable
from tools.text import (
    MAX_INSTRUCTION_CHARS,
    MAX_PROMPT_CHARS,
    ZH_CLASSIFIERS,
    ZH_NUMERALS,
    clean_text,
    has_cjk,
    is_plural,
    language,
    pluralize,
    pos_segment,
    require_text,
    singularize,
    stem,
)
from tools.translate import (
    EN_NUMBERS,
    WORD_NUMBERS,
    VocabEntry,
    en_to_zh,
    fix_articles,
    message_text,
    vocabulary,
    zh_count,
    zh_en_lexicon,
    zh_number,
    zh_to_en,
)

if TYPE_CHECKING:
    from settings import Settings

INTEGRITY_THRESHOLD = 0.7
KINDS = ("add", "remove", "replace", "color", "style", "time", "weather", "season",
         "background", "count", "camera")

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
LLM_RETRY = ("That rewrite lost or kept the wrong words ({problem}). Try again: apply only "
             "the change request and keep everything else.")


@dataclass(frozen=True)
class Edit:
    """One change the user asked for.

    ``target`` is what it applies to (``None``: the main subject / the whole picture);
    ``value`` is the new thing (object, colour, style, setting...). ``key`` names the
    vocabulary entry (e.g. ``"night"``, ``"watercolor"``) when the value is a known one.
    """

    kind: str
    target: str | None = None
    value: str | None = None
    key: str | None = None
    count: int | None = None
    relative: bool = False  # count: add ``count`` more instead of setting it
    modifier: bool = False  # add: an adjective for the target ("make it bigger")
    lang: str = "en"  # language the instruction was written in
    text: str = ""  # the clause it came from


@dataclass
class RewriteResult:
    prompt: str
    backend: str  # the backend that produced ``prompt``: "rules" | "lm" | "llm"
    integrity: float
    missing: list[str] = field(default_factory=list)
    fell_back: bool = False
    note: str = ""
    edits: tuple[Edit, ...] = ()


# =========================================================================== vocabulary


@lru_cache(maxsize=1)
def _by_key() -> dict[str, VocabEntry]:
    return {e.key: e for e in vocabulary()}


def entry(key: str | None) -> VocabEntry | None:
    return _by_key().get(key or "")


@dataclass(frozen=True)
class _Hit:
    entry: VocabEntry
    start: int
    end: int
    text: str


@lru_cache(maxsize=32)
def _en_pattern(cats: tuple[str, ...], strong: bool) -> tuple[re.Pattern[str], dict]:
    table: dict[str, list[VocabEntry]] = {}
    for e in vocabulary():
        if e.category in cats:
            for v in (e.en_strong if strong else e.en):
                table.setdefault(v, []).append(e)
    alts = sorted(table, key=len, reverse=True)
    body = "|".join(re.escape(a).replace(r"\ ", r"[\s-]+") for a in alts) or "(?!)"
    return re.compile(rf"(?<![\w'-])(?:{body})(?![\w'-])", re.I), table


def find_en(text: str, cats: tuple[str, ...], strong: bool = False) -> list[_Hit]:
    """Vocabulary phrases of ``cats`` in English ``text`` (longest first, no overlaps)."""
    pattern, table = _en_pattern(cats, strong)
    hits = []
    for m in pattern.finditer(text):
        key = re.sub(r"[\s-]+", " ", m.group(0).lower())
        options = table.get(key) or table.get(m.group(0).lower()) or []
        if not options:  # "top down" vs "top-down": try the hyphenated spelling
            options = next((v for k, v in table.items()
                            if re.sub(r"[\s-]+", " ", k) == key), [])
        if options:
            hits.append(_Hit(options[0], m.start(), m.end(), m.group(0)))
    return hits


def find_zh(text: str, cats: tuple[str, ...]) -> list[_Hit]:
    """Vocabulary phrases of ``cats`` in Chinese ``text`` (longest first, no overlaps)."""
    table: dict[str, VocabEntry] = {}
    for e in vocabulary():
        if e.category in cats:
            for z in e.zh:
                table.setdefault(z, e)
    hits: list[_Hit] = []
    taken = [False] * len(text)
    for z in sorted(table, key=len, reverse=True):
        start = 0
        while (i := text.find(z, start)) >= 0:
            if not any(taken[i:i + len(z)]):
                hits.append(_Hit(table[z], i, i + len(z), z))
                for k in range(i, i + len(z)):
                    taken[k] = True
            start = i + 1
    return sorted(hits, key=lambda h: h.start)


_EN_FILLER = frozenset(
    "a an the some more very bit little much really it its it's this that them everything "
    "all whole style styled styles look looks looking like effect effects vibe vibes version "
    "mode filter aesthetic aesthetics scene weather season color colour colored coloured view "
    "shot angle camera lens perspective please instead make turn change into to as in on at "
    "during with be is are should let there image picture kind of sort tone tones theme "
    "themed feel feeling atmosphere mood kinda set setting time lighting light lit render "
    "rendered drawn painted done do show seen from art artwork painting paintings drawing "
    "illustration photo photograph photography shot now then again too also and but".split()
)
_ZH_FILLER = sorted(
    "的样子 那样 一样 的感觉 感觉 效果 风格 画风 样式 色调 颜色 时候 时间 天气 季节 视角 镜头 "
    "角度 场景 让它 让 它 变成 改成 换成 变为 改为 换为 画成 弄成 做成 调成 切换成 切换到 变 "
    "改 换 画 弄 成 是 为 一下 吧 模式 版本 整体 画面 图片 一点 一些 更加 更 很 非常 稍微 "
    "有点 一种 一个 种 点 了 的 时 里 中 上 在 到 用 来 风 色 天 感 式 版 下 看 拍 视图 图 "
    "都 也 再 要 想 请 帮我 给我 帮 加上 加点 加 添加 来点 来个".split(),
    key=len, reverse=True,
)


def _leftover_en(text: str, hits: list[_Hit]) -> list[str]:
    rest = text
    for h in sorted(hits, key=lambda h: h.start, reverse=True):
        rest = rest[:h.start] + " " + rest[h.end:]
    words = re.findall(r"[A-Za-z0-9][\w'-]*", rest.lower())
    return [w for w in words if w not in _EN_FILLER]


def _leftover_zh(text: str, hits: list[_Hit]) -> str:
    rest = text
    for h in sorted(hits, key=lambda h: h.start, reverse=True):
        rest = rest[:h.start] + " " + rest[h.end:]
    for f in _ZH_FILLER:
        rest = rest.replace(f, " ")
    return re.sub(r"[\s，,。.!！?？、]+", "", rest)


_ATTR_CATS = ("color", "style", "time", "weather", "season", "camera")


def classify(value: str, cats: tuple[str, ...] = _ATTR_CATS) -> list[_Hit]:
    """The vocabulary entries that make up ``value`` entirely ("make it night" -> night),
    or ``[]`` when the value says something else too ("a night owl")."""
    value = value.strip()
    if not value:
        return []
    if has_cjk(value):
        hits = find_zh(value, cats)
        return hits if hits and not _leftover_zh(value, hits) else []
    hits = find_en(value, cats)
    return hits if hits and not _leftover_en(value, hits) else []


# =========================================================================== parsing

_NUM_WORDS = "|".join(sorted([*EN_NUMBERS.values(), "a couple of", "a few", "several",
                              "many", "lots of", "a lot of"], key=len, reverse=True))
_NUM_RE = rf"(?:\d+|{_NUM_WORDS})"
_EN_LEAD = re.compile(
    r"^(?:(?:please|pls|ok(?:ay)?|now|and|also|then|so|hey|hmm+|just|actually|maybe|"
    r"can you|could you|would you|will you|can we|could we|i want(?: you)? to|"
    r"i'?d like(?: you)? to|i would like(?: you)? to|let'?s|lets|try to|go ahead and|"
    r"how about|what about|what if you|what if we|you can|you could|but)\b[\s,]*)+", re.I)
_EN_TAIL = re.compile(
    r"(?:[\s,]*\b(?:please|thanks|thank you|instead|now|too|as well|for me|a bit|a little|"
    r"again|in (?:the|this) (?:image|picture|photo|scene|drawing)|to (?:the|this) "
    r"(?:image|picture|photo|scene|drawing)|ok|okay)\b)+[\s.!?]*$|[\s.!?]+$", re.I)
_EN_DET = re.compile(r"^(?:the|a|an|some|any|all|this|that|these|those|his|her|its|their|"
                     r"my|your|our)\s+", re.I)
_PRONOUN = re.compile(r"^(?:it|this|that|him|her|them|everything|the (?:image|picture|photo|"
                      r"scene|drawing|whole (?:thing|image|picture))|the subject|the main "
                      r"subject|the whole thing)$", re.I)
_SCENE_WORDS = re.compile(r"^(?:the\s+)?(?:background|backdrop|setting|scenery|location|"
                          r"place|surroundings|environment|backgrounds)$", re.I)
_EN_EDIT_START = re.compile(
    r"^(?:add|remove|delete|erase|get rid|take|make|change|turn|replace|swap|switch|put|"
    r"move|place|set|give|paint|color|colour|recolor|zoom|use|draw|render|redo|no|without|"
    r"include|insert|show|let|have|keep|convert|transform|drop|lose|hide|bring|view)\b", re.I)
_LIVING = frozenset(
    "cat kitten dog puppy bird horse unicorn cow sheep pig goat chicken duck swan goose fox "
    "wolf bear panda tiger lion elephant giraffe zebra monkey rabbit bunny deer squirrel "
    "owl eagle parrot penguin fish whale dolphin shark turtle frog butterfly bee dragon "
    "dinosaur mouse hamster hedgehog koala kangaroo camel snake man woman boy girl child kid "
    "baby person people lady gentleman knight samurai warrior soldier astronaut wizard witch "
    "princess prince king queen robot angel fairy elf ninja pirate chef doctor student "
    "friend family couple crowd dancer monk farmer fisherman snowman teddy corgi husky "
    "retriever calf foal lamb crow raven hawk falcon peacock flamingo crane heron".split())
_PERSON = frozenset(
    "man woman boy girl child kid baby person lady gentleman knight samurai warrior soldier "
    "astronaut wizard witch princess prince king queen robot angel fairy elf ninja pirate "
    "chef doctor student dancer monk farmer fisherman teacher guy player singer artist "
    "detective explorer hero heroine superhero villain".split())
_ADJECTIVES = frozenset(
    "big small huge tiny giant little cute happy sad angry old young fat thin tall short "
    "dark bright colorful fluffy shiny scary spooky cozy beautiful pretty ugly detailed "
    "simple elegant cheerful gloomy dramatic vivid soft sharp blurry wet dry furry smiling "
    "futuristic ancient modern magical mysterious warm cold glowing realistic chubby slim "
    "serious calm peaceful wild friendly fierce majestic cinematic moody lively".split())


def _strip_det(text: str) -> str:
    return _EN_DET.sub("", text.strip()).strip()


def _is_pronoun(text: str | None) -> bool:
    return not text or bool(_PRONOUN.match(text.strip()))


def _target(text: str | None) -> str | None:
    """The thing an instruction points at, or None for "it"/"the image" (the main subject)."""
    if text is None or _is_pronoun(text):
        return None
    t = _strip_det(text)
    return t or None


def _base_adjective(word: str) -> str | None:
    """"bigger" -> "big", "more colorful" -> "colorful", "cuter" -> "cute"; None otherwise."""
    w = word.lower().strip()
    m = re.match(r"^(?:more|much more|even more|a bit more|a little more)\s+(.+)$", w)
    if m:
        return m.group(1)
    if w in _ADJECTIVES:
        return w
    if w.endswith("er") and len(w) > 4:
        for base in (w[:-3] + "y" if w.endswith("ier") else "", w[:-2], w[:-1], w[:-3]):
            if base in _ADJECTIVES:
                return base
    return None


_ACTIONS = frozenset(
    "smile laugh cry run jump sleep dance fly sit stand swim sing read eat drink play walk "
    "glow shine wave fight rest kneel pray sparkle float climb ride yawn wink frown "
    "shout roar bark meow stretch lie".split())
_ART_NOUNS = frozenset(
    "painting drawing sketch photo photograph picture cartoon poster illustration "
    "sculpture statue movie film still comic postcard mosaic tapestry mural print "
    "engraving woodcut etching figurine toy render".split())


def _ing(verb: str) -> str:
    v = verb.lower()
    if v == "lie":
        return "lying"
    if v.endswith("ie"):
        return v[:-2] + "ying"
    if v.endswith("e") and not v.endswith(("ee", "ye", "oe")):
        return v[:-1] + "ing"
    if (len(v) >= 3 and v[-1] not in "aeiouwxy" and v[-2] in "aeiou" and v[-3] not in "aeiou"
            and v in ("run", "swim", "sit", "jump", "win", "stop", "hop", "nap", "wink",
                      "chat", "dig", "grin")) and v not in ("jump", "wink"):
        return v + v[-1] + "ing"
    return v + "ing"


def _vocab_edits(hits: list[_Hit], lang: str, text: str, target: str | None = None
                 ) -> list[Edit]:
    edits = []
    for h in hits:
        kind = h.entry.category
        edits.append(Edit(kind, target=target if kind == "color" else None,
                          value=h.text, key=h.entry.key, lang=lang, text=text))
    return edits


def _count_from(word: str) -> int | None:
    w = word.lower()
    if w.isdigit():
        return int(w)
    if w in ("a couple of",):
        return 2
    if w in ("a few", "several"):
        return 3
    if w in ("many", "lots of", "a lot of"):
        return 6
    return WORD_NUMBERS.get(w)


def _value_edits_en(value: str, target: str | None, text: str, allow_place: bool = False
                    ) -> list[Edit]:
    """What "make <target> <value>" means: a colour, a style, a time... or a new thing."""
    v = value.strip()
    looks = bool(re.match(r"^(?:look(?:s)?(?: like)?|seem|appear|like|more like)\b", v, re.I))
    v = re.sub(r"^(?:look(?:s)? like|looks?|seem|appear|be|become|into|in|as|like|"
               r"more like)\s+", "", v, flags=re.I).strip()
    if not v:
        return []
    words = v.lower().split()
    if len(words) == 1 and words[0] in _ACTIONS:
        return [Edit("add", target=target, value=_ing(words[0]), modifier=True, lang="en",
                     text=text)]
    if (looks or len(words) <= 3) and words[-1] in _ART_NOUNS and not classify(v):
        return [_style_edit(v, text, hits=[]) if not looks else
                Edit("style", value=_strip_det(v), lang="en", text=text)]
    hits = classify(v)
    if hits:
        return _vocab_edits(hits, "en", text, target)
    if allow_place or re.match(r"^(?:on|in|at|by|near|under|inside|underwater|beside)\b", v,
                               re.I):
        place = find_en(v, ("place",))
        if place or re.match(r"^(?:on|at|inside|by|near|under|beside|in)\s", v, re.I):
            return [Edit("background", value=v, key=place[0].entry.key if place else None,
                         lang="en", text=text)]
    m = re.fullmatch(rf"({_NUM_RE})(?:\s+(.+))?", v, re.I)
    if m and m.group(1).lower() not in ("a", "an"):
        n = _count_from(m.group(1))
        if n is not None:
            return [Edit("count", target=m.group(2) or target, count=n, lang="en", text=text)]
    adj = _base_adjective(v)
    if adj and not re.match(r"^(?:a|an|the)\s", v, re.I):
        return [Edit("add", target=target, value=adj, modifier=True, lang="en", text=text)]
    return [Edit("replace", target=target, value=v, lang="en", text=text)]


def _split_make(rest: str) -> tuple[str | None, str]:
    """"the red car blue" -> ("red car", "blue"): where the object ends and the value begins."""
    words = rest.split()
    if len(words) < 2:
        return None, rest
    for k in range(1, len(words)):
        value = " ".join(words[k:])
        if classify(value) or re.match(r"^(?:a|an|into|look|like|as|in)\b", value, re.I):
            return " ".join(words[:k]), value
    return " ".join(words[:-1]), words[-1]


_REMOVE_VERBS = (r"remove|delete|erase|get rid of|take away|take out|take off|drop|eliminate|"
                 r"lose|hide|cut out|clear away|clean up|strip")
_ADD_VERBS = r"add|include|insert|paint in|attach|also add|throw in|put in"
_PREPS = (r"on top of|in front of|next to|on|in|at|into|onto|inside|by|near|under|beside|"
          r"behind|above|over|around|to")


def _parse_en(clause: str) -> list[Edit]:
    c = _EN_TAIL.sub("", _EN_LEAD.sub("", clause.strip())).strip(" ,.")
    if not c:
        return []
    text = c
    low = c.lower()

    # --- remove
    m = re.fullmatch(rf"(?:{_REMOVE_VERBS})\s+(.+?)(?:\s+from\s+(?:the\s+)?(.+))?", c, re.I)
    if m is None:
        m = re.fullmatch(r"(?:no more|no|without|not|i don'?t want|don'?t want|do not want|"
                         r"make it without|get rid of)\s+(?:any\s+|the\s+)?(.+)()", c, re.I)
    if m:
        what = _strip_det(m.group(1))
        hits = classify(what)
        if hits:
            return [Edit("remove", target=what, key=hits[0].entry.key, lang="en", text=text)]
        return [Edit("remove", target=what, lang="en", text=text)] if what else []

    # --- replace X with Y / swap / substitute / Y instead of X
    m = re.fullmatch(r"(?:replace|swap|switch|exchange|change)\s+(.+?)\s+(?:with|for|by)\s+(.+)",
                     c, re.I)
    if m:
        return _replace_edits(m.group(1), m.group(2), text)
    m = re.fullmatch(r"substitute\s+(.+?)\s+for\s+(.+)", c, re.I)
    if m:
        return _replace_edits(m.group(2), m.group(1), text)
    m = re.fullmatch(r"(.+?)\s+instead of\s+(.+)", c, re.I)
    if m:
        return _replace_edits(m.group(2), m.group(1), text)

    # --- background / setting
    m = re.fullmatch(r"(?:change|replace|swap|switch|make|set|turn|use)\s+(?:the\s+)?"
                     r"(?:background|backdrop|setting|scenery|location|place|surroundings|"
                     r"environment|scene)\s*(?:to|into|with|as|for|:)?\s+(.+)", c, re.I)
    if m is None:
        m = re.fullmatch(r"(?:the\s+)?(?:background|backdrop|setting|scenery|location)\s*"
                         r"(?:should be|is|becomes|:|=|to|of)\s*(.+)", c, re.I)
    if m:
        return _background_edits(m.group(1), text)
    m = re.fullmatch(rf"(?:put|move|place|set|take|bring|send|transport|teleport|relocate|"
                     rf"show|have|i want|i'?d like|i would like|want|keep|need)\s+"
                     rf"(it|him|her|them|this|everything|the\s+[\w\s'-]+?)\s+"
                     rf"({_PREPS})\s+(.+)", c, re.I)
    if m and not re.match(r"^(?:a|an|some)\b", m.group(1), re.I):
        prep = m.group(2).lower()
        value = m.group(3) if prep in ("to", "into") else f"{prep} {m.group(3)}"
        hits = classify(value)
        if hits:
            return _vocab_edits(hits, "en", text)
        return _background_edits(value, text)
    m = re.fullmatch(r"(?:with\s+|add\s+|put\s+)?(?:a|an|the)?\s*(.+?)\s+(?:background|backdrop|"
                     r"in the background|as (?:the\s+)?background)", c, re.I)
    if m:
        return _background_edits(m.group(1), text)

    # --- count (relative): "add two more cats", "another cat", "one more dog"
    m = re.fullmatch(rf"(?:add\s+|draw\s+|include\s+)?(?:(another)|({_NUM_RE})\s+more)\s+"
                     rf"(?:of\s+)?(.+)", c, re.I)
    if m and not classify(m.group(3)):
        n = 1 if m.group(1) else _count_from(m.group(2))
        if n:
            return [Edit("count", target=_strip_det(m.group(3)), count=n, relative=True,
                         lang="en", text=text)]

    # --- add (with an optional receiver: "give the cat a hat", "put a hat on the cat")
    m = re.fullmatch(r"(?:give|let)\s+(it|him|her|them|the\s+[\w\s'-]+?)\s+(?:have\s+)?"
                     r"((?:a|an|some|\d+|two|three|four|five)\s+.+|[\w-]+s)", c, re.I)
    if m:
        return _add_edits(m.group(2), _target(m.group(1)), text)
    m = re.fullmatch(r"(?:make|let|have)\s+(it|him|her|them|the\s+[\w\s'-]+?)\s+(?:wear|hold|"
                     r"carry|have|get|put on)\s+(.+)", c, re.I)
    if m:
        return _add_edits(m.group(2), _target(m.group(1)), text)
    m = re.fullmatch(rf"(?:{_ADD_VERBS}|put|place|plus|with|also|there should be|"
                     rf"there (?:is|are)|i want|wearing|holding|carrying)\s+(.+?)"
                     rf"(?:\s+(?:to|on|onto|in|into|next to|beside|near|by|behind|in front of|"
                     rf"around|at|for)\s+(it|him|her|them|the\s+[\w\s'-]+))?", c, re.I)
    if m:
        what = m.group(1)
        hits = classify(what, ("weather", "time", "season", "style", "camera"))
        if hits:
            return _vocab_edits(hits, "en", text)
        if re.fullmatch(r"(?:more\s+)?details?|detail", what, re.I):
            return [Edit("add", value="highly detailed", lang="en", text=text)]
        if _is_pronoun(what):
            return []
        receiver = m.group(2)
        if receiver and _SCENE_WORDS.match(receiver.strip()):
            receiver = None
        return _add_edits(what, _target(receiver), text)

    # --- style: "in the style of X", "X style", "render it as X", "in watercolor"
    m = re.fullmatch(r"(?:(?:make|draw|paint|render|redo|do|turn|show|style|reimagine|recreate)"
                     r"\s+(?:it|this|that|him|her|them|everything)\s+)?(?:in|as|with|like)?\s*"
                     r"(?:the\s+|a\s+)?(?:style|manner|art style)\s+of\s+(.+)", c, re.I)
    if m:
        return [_style_edit(m.group(1), text, artist=True)]
    m = re.fullmatch(r"(?:make it\s+|in\s+|as\s+)?(?:an?\s+)?(.+?)[\s-](?:style|styled|"
                     r"aesthetic|look|vibes?)", c, re.I)
    if m and len(m.group(1).split()) <= 4:
        hits = classify(m.group(1), ("style",))
        return [_style_edit(m.group(1), text, hits=hits)]

    # --- make / turn / paint / change ... <value>
    m = re.fullmatch(r"(?:change|turn|transform|convert|switch|alter|make|set)\s+(.+?)\s+"
                     r"(?:in)?to\s+(?:be\s+|a\s+different\s+)?(.+)", c, re.I)
    if m and not re.match(r"^(?:look|like)\b", m.group(2), re.I):
        obj, value = m.group(1), m.group(2)
        obj_l = obj.strip().lower()
        if re.fullmatch(r"(?:the\s+)?(?:time|time of day|hour|lighting)", obj_l):
            return _value_edits_en(value, None, text)
        if re.fullmatch(r"(?:the\s+)?(?:weather|season|style|art style|mood|view|camera|"
                        r"angle|perspective|shot)", obj_l):
            return _value_edits_en(value, None, text)
        cm = re.fullmatch(r"(?:the\s+)?colou?r(?:s)?(?:\s+of\s+(.+))?", obj_l)
        if cm:
            return _value_edits_en(value, _target(cm.group(1)), text)
        if _SCENE_WORDS.match(obj_l):
            return _background_edits(value, text)
        return _value_edits_en(value, _target(obj), text)
    m = re.fullmatch(r"(?:make|turn|paint|colou?r|recolou?r|dye|repaint)\s+(?:her|his|its|"
                     r"their)\s+(.+)", c, re.I)
    if m:
        obj, value = _split_make(m.group(1))
        if obj and (classify(value) or _base_adjective(value)):
            return _value_edits_en(value, _target(obj), text)
    m = re.fullmatch(r"(?:make|turn|paint|colou?r|recolou?r|dye|render|draw|redo|do|show|"
                     r"have|keep|repaint|style|set)\s+(?:it|this|that|him|her|them|everything|"
                     r"the\s+(?:image|picture|photo|scene|whole\s+\w+))\s+(.+)", c, re.I)
    if m:
        return _value_edits_en(m.group(1), None, text)
    m = re.fullmatch(r"(?:make|turn|paint|colou?r|recolou?r|dye|repaint)\s+(?:the\s+|his\s+|"
                     r"her\s+|its\s+|their\s+)(.+)", c, re.I)
    if m:
        obj, value = _split_make(m.group(1))
        if obj:
            return _value_edits_en(value, _target(obj), text)
    m = re.fullmatch(r"(?:it should be|it'?s|it is|should be|make that|make it|turn it|"
                     r"it becomes|let it be|let it)\s+(.+)", c, re.I)
    if m:
        return _value_edits_en(m.group(1), None, text)
    m = re.fullmatch(r"(?:change|switch)\s+(?:the\s+)?(?:time|weather|season|style|art style|"
                     r"colou?r|view|camera|angle|background)", c, re.I)
    if m:
        return []

    # --- camera / framing: "zoom in", "show it from above", "close-up of the face"
    cam = find_en(c, ("camera",))
    if cam and len(_leftover_en(c, cam)) <= 2 and not re.search(
            r"\b(?:add|remove|replace|with|and)\b", low):
        return _vocab_edits(cam, "en", text)

    # --- count: "three cats", "make it two", "only one dog"
    m = re.fullmatch(rf"(?:make\s+(?:it|them|there be)\s+|there should be\s+|i want\s+|"
                     rf"only\s+|just\s+|show\s+|draw\s+|change\s+(?:it|the number)\s+to\s+)?"
                     rf"({_NUM_RE})(?:\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?))?", c, re.I)
    if m:
        n = _count_from(m.group(1))
        noun = m.group(2)
        explicit = bool(re.match(r"^(?:make|there|i want|only|just|show|draw|change)", low))
        if n is not None and (n >= 2 or explicit) and (noun or explicit):
            if not noun or not classify(noun):
                return [Edit("count", target=noun, count=n, lang="en", text=text)]

    # --- a bare vocabulary phrase or preposition phrase: "night", "at sunset", "watercolor",
    #     "in winter", "on a beach", "blue"
    hits = classify(c)
    if hits:
        return _vocab_edits(hits, "en", text)
    m = re.fullmatch(r"(?:on|in|at|inside|underwater|by|near|under|beside|in front of)\s+.+|"
                     r"underwater|outdoors|indoors|in space", c, re.I)
    if m and len(c.split()) <= 6:
        return _background_edits(c, text)
    return []


def _replace_edits(old: str, new: str, text: str) -> list[Edit]:
    old_t = _target(old)
    if old_t and _SCENE_WORDS.match(old_t):
        return _background_edits(new, text)
    old_hits = classify(old_t or "")
    new_hits = classify(_strip_det(new))
    if new_hits and (not old_t or old_hits):
        return _vocab_edits(new_hits, "en", text,
                            None if old_hits else old_t)
    return [Edit("replace", target=old_t, value=new.strip(), lang="en", text=text)]


def _background_edits(value: str, text: str) -> list[Edit]:
    v = value.strip()
    hits = classify(v)
    if hits and not find_en(v, ("place",)):
        return _vocab_edits(hits, "en", text)
    place = find_en(v, ("place",))
    return [Edit("background", value=v, key=place[0].entry.key if place else None, lang="en",
                 text=text)]


def _add_edits(what: str, target: str | None, text: str) -> list[Edit]:
    w = what.strip()
    if not w:
        return []
    adj = _base_adjective(w)
    if adj and not re.match(r"^(?:a|an|the|some)\s", w, re.I):
        return [Edit("add", target=target, value=adj, modifier=True, lang="en", text=text)]
    return [Edit("add", target=target, value=w, lang="en", text=text)]


def _style_edit(value: str, text: str, artist: bool = False,
                hits: list[_Hit] | None = None) -> Edit:
    v = _strip_det(value.strip())
    hits = hits if hits is not None else classify(v, ("style",))
    if hits:
        return Edit("style", value=hits[0].text, key=hits[0].entry.key, lang="en", text=text)
    phrase = f"in the style of {v}" if artist else f"{v} style"
    return Edit("style", value=phrase, lang="en", text=text)


# ------------------------------------------------------------------------ Chinese parser

_ZH_LEAD = re.compile(r"^(?:请你?|麻烦你?|帮我|帮忙|给我|我想要?|我要|我希望|希望|能不能|能否|"
                      r"可以|可不可以|再|然后|并且|并|还要|另外|同时|把它|让我们|试试|试着)+")
_ZH_TAIL = re.compile(r"(?:吧|呢|啊|呀|哦|一下|好吗|可以吗|行吗|谢谢|就好|就行|即可|看看)*"
                      r"[。！!？?.~～\s]*$")
_ZH_REMOVE = (r"去掉|去除|删掉|删除|移除|移走|拿掉|拿走|摘掉|摘下|脱掉|取消|消除|抹掉|擦掉|清除|"
              r"不要了|去了")
_ZH_CHANGE = (r"换成|改成|变成|替换成|替换为|换为|改为|变为|改画成|画成|涂成|染成|调成|弄成|做成|"
              r"变作|换作|改作")
_ZH_ADD = (r"加上|加个|加一个|加入|添加|添上|增加|增添|放上|放一个|放个|画上|画一个|画个|戴上|穿上|"
           r"配上|配个|带上|多加|再加|再来|来一个|来个|加")
_ZH_PRONOUN = re.compile(r"^(?:它|他|她|它们|他们|她们|这个|那个|这|那|整体|画面|图片|整个画面|图|"
                         r"照片|主体|整张图|这张图)$")
_ZH_SCENE = re.compile(r"^(?:背景|场景|环境|地点|背景图|周围|环境背景)$")
_ZH_NUMCL = re.compile(rf"^([{ZH_NUMERALS}]+)([{ZH_CLASSIFIERS}])(.*)$")


def _zh_target(text: str | None) -> str | None:
    if not text:
        return None
    t = text.strip().strip("的")
    t = re.sub(r"^(?:那个|这个|那只|这只|那些|这些)", "", t)
    t = re.sub(r"的?颜色$", "", t)
    if not t or _ZH_PRONOUN.match(t):
        return None
    return t


def _value_edits_zh(value: str, target: str | None, text: str) -> list[Edit]:
    v = value.strip().strip("的").strip()
    if not v:
        return []
    if not has_cjk(v):
        return [replace(e, lang="zh") for e in _value_edits_en(v, target, text)]
    hits = classify(v)
    if hits:
        return _vocab_edits(hits, "zh", text, target)
    m = _ZH_NUMCL.match(v)
    if m:
        n = zh_number(m.group(1) + m.group(2))
        noun = m.group(3).strip() or None
        if n is not None and (noun is None or len(noun) <= 4):
            if noun is None or n > 1:
                return [Edit("count", target=noun or target, count=n, lang="zh", text=text)]
            v = noun  # "换成一只狗": a replacement that happens to say "one"
    place = classify(v, ("place",))
    if place and target is None and re.match(r"^在", value.strip()):
        return [Edit("background", value=v, key=place[0].entry.key, lang="zh", text=text)]
    return [Edit("replace", target=target, value=v, lang="zh", text=text)]


def _parse_zh(clause: str) -> list[Edit]:
    c = _ZH_TAIL.sub("", _ZH_LEAD.sub("", clause.strip())).strip(" ，,。")
    if not c:
        return []
    text = c

    # --- remove
    m = re.fullmatch(rf"(?:把|将)(.+?)(?:给)?(?:{_ZH_REMOVE})(?:了|掉)?", c)
    if m is None:
        m = re.fullmatch(rf"(?:{_ZH_REMOVE})(?:了|掉)?(?:那个|这个|那些|这些)?(.+)", c)
    if m is None:
        m = re.fullmatch(r"(?:不要|别要|不要有|别有|没有|不带|不需要|不用)(?:那个|这个)?(.+)", c)
    if m:
        what = (_zh_target(m.group(1)) or m.group(1)).strip()
        hits = classify(what)
        if hits:
            return [Edit("remove", target=what, key=hits[0].entry.key, lang="zh", text=text)]
        return [Edit("remove", target=what, lang="zh", text=text)]

    # --- background
    m = re.fullmatch(rf"(?:把|将)?(?:背景|场景|环境|背景图)(?:也)?(?:{_ZH_CHANGE}|设为|设置为|设成|"
                     rf"是|为|用|：|:|要|放在|在)(.+)", c)
    if m is None:
        m = re.fullmatch(r"(.+?)(?:的)?背景", c)
        if m and (_ZH_PRONOUN.match(m.group(1)) or not m.group(1)):
            m = None
    if m:
        v = m.group(1).strip().strip("的")
        hits = classify(v)
        if hits:
            return _vocab_edits(hits, "zh", text)
        place = classify(v, ("place",))
        return [Edit("background", value=v, key=place[0].entry.key if place else None,
                     lang="zh", text=text)]
    m = re.fullmatch(r"(?:把|将|让)?(?:它|他|她|它们|他们|(.+?))?(?:放到|放在|移到|搬到|挪到|放进|"
                     r"带到|送到|去到|去|来到|到|移动到|换到)(.+?)(?:去|里面|里|上面|上)?", c)
    if m and m.group(2):
        v = m.group(2).strip()
        hits = classify(v)
        if hits:
            return _vocab_edits(hits, "zh", text)
        place = classify(v, ("place",))
        return [Edit("background", value=v, key=place[0].entry.key if place else None,
                     lang="zh", text=text)]

    # --- replace / change: "把猫换成狗", "用狗代替猫", "猫换成狗", "换成水彩风格"
    m = re.fullmatch(r"用(.+?)(?:代替|替换|替代|取代|换掉)(.+)", c)
    if m:
        return _zh_change(m.group(2), m.group(1), text)
    m = re.fullmatch(rf"(?:把|将)(.+?)(?:都|也|全部|全)?(?:{_ZH_CHANGE})(.+)", c)
    if m is None:
        m = re.fullmatch(rf"(.+?)(?:{_ZH_CHANGE})(.+)", c)
        if m and re.search(r"[让给加]", m.group(1)[:1]):
            m = None
    if m:
        return _zh_change(m.group(1), m.group(2), text)
    m = re.fullmatch(rf"(?:让它|让画面|让|使|使它|把它)?"
                     rf"(?:{_ZH_CHANGE}|用|来个|来一个|改用|换个|换一个)(.+)", c)
    if m:
        return _value_edits_zh(m.group(1), None, text)

    # --- count (relative): "再加两只猫", "多一只狗"
    m = re.fullmatch(rf"(?:再|多)(?:加|来|画|添)?([{ZH_NUMERALS}]+)([{ZH_CLASSIFIERS}])(.+)", c)
    if m:
        n = zh_number(m.group(1) + m.group(2))
        if n:
            return [Edit("count", target=m.group(3), count=n, relative=True, lang="zh",
                         text=text)]

    # --- add: "加一顶红帽子", "给猫戴上帽子", "让她拿着一把伞"
    m = re.fullmatch(r"(?:给|让)(.+?)(?:戴上|戴着|戴|穿上|穿着|拿着|拿上|抱着|举着|加上|加|配上|"
                     r"添上|画上)(.+)", c)
    if m:
        return _zh_add(m.group(2), _zh_target(m.group(1)), text)
    m = re.fullmatch(rf"(?:{_ZH_ADD}|戴着|穿着|拿着|带着|还有|再有|有)(?:了)?(.+)", c)
    if m:
        what = m.group(1).strip()
        hits = classify(what, ("weather", "time", "season", "style", "camera"))
        if hits:
            return _vocab_edits(hits, "zh", text)
        if re.fullmatch(r"(?:更多)?细节|(?:点|些)细节", what):
            return [Edit("add", value="细节丰富", lang="zh", text=text)]
        return _zh_add(what, None, text)

    # --- style: "水彩风格", "画成水彩风格" (handled above), "用梵高的风格"
    m = re.fullmatch(r"(?:用|以|按|按照|采用)?(.+?)(?:的)?(?:风格|画风|风)", c)
    if m and len(m.group(1)) <= 8:
        hits = classify(m.group(1), ("style",))
        if hits:
            return [Edit("style", value=hits[0].text, key=hits[0].entry.key, lang="zh",
                         text=text)]
        return [Edit("style", value=c if c.endswith(("风格", "画风")) else c + "风格",
                     lang="zh", text=text)]

    # --- count: "三只猫", "两只"
    m = _ZH_NUMCL.match(c)
    if m and len(m.group(3)) <= 4 and not re.search(r"[在，,]", m.group(3)):
        n = zh_number(m.group(1) + m.group(2))
        if n is not None and n >= 2:
            return [Edit("count", target=m.group(3) or None, count=n, lang="zh", text=text)]

    # --- a bare vocabulary phrase: "夜晚", "下雪", "特写", "从上往下看", "蓝色"
    hits = classify(c)
    if hits:
        return _vocab_edits(hits, "zh", text)
    m = re.fullmatch(r"在(.+?)(?:上|里|中|边|旁边)?", c)
    if m:
        place = classify(m.group(1), ("place",))
        if place:
            return [Edit("background", value=m.group(1), key=place[0].entry.key, lang="zh",
                         text=text)]
    return []


def _zh_change(old: str, new: str, text: str) -> list[Edit]:
    old = old.strip()
    if _ZH_SCENE.match(old.strip("的")):
        v = new.strip().strip("的")
        hits = classify(v)
        if hits:
            return _vocab_edits(hits, "zh", text)
        place = classify(v, ("place",))
        return [Edit("background", value=v, key=place[0].entry.key if place else None,
                     lang="zh", text=text)]
    if re.fullmatch(r"(?:时间|天气|季节|风格|画风|视角|镜头|角度|颜色|色调|整体颜色)", old):
        return _value_edits_zh(new, None, text)
    target = _zh_target(old)
    hits = classify(target or "")
    if hits and classify(new.strip()):
        return _value_edits_zh(new, None, text)
    return _value_edits_zh(new, target, text)


def _zh_add(what: str, target: str | None, text: str) -> list[Edit]:
    w = what.strip()
    return [Edit("add", target=target, value=w, lang="zh", text=text)] if w else []


# ------------------------------------------------------------------- splitting clauses

_EN_SPLIT = re.compile(r"\s*(?:;|,|\band then\b|\bthen\b|\band also\b|\balso\b|\band\b|"
                       r"\bplus\b|\bbut\b)\s*", re.I)
_ZH_SPLIT = re.compile(r"\s*(?:[，,；;。]|然后|并且|同时|再把|而且|另外|还要|并把|以及)\s*")


def _clauses(text: str, lang: str) -> list[str]:
    """Split a compound instruction where a new edit starts ("add a hat and make it night"),
    but not inside a value ("black and white", "a cat and a dog")."""
    splitter = _ZH_SPLIT if lang == "zh" else _EN_SPLIT
    parts, seps, last = [], [], 0
    for m in splitter.finditer(text):
        parts.append(text[last:m.start()])
        seps.append(m.group(0))
        last = m.end()
    parts.append(text[last:])
    clauses: list[str] = []
    for k, part in enumerate(parts):
        if not part.strip():
            continue
        starts_edit = (bool(_EN_EDIT_START.match(_EN_LEAD.sub("", part.strip())))
                       if lang == "en" else bool(_parse_zh(part)))
        if lang == "en" and not starts_edit:
            starts_edit = bool(classify(part.strip(), ("time", "weather", "season", "camera",
                                                      "style")))
        if clauses and not starts_edit:
            clauses[-1] = clauses[-1] + seps[k - 1] + part
        else:
            clauses.append(part)
    return [c.strip() for c in clauses if c.strip()]


def parse_instructions(text: str) -> list[Edit]:
    """Every edit in ``text``, in order ("add a hat and make it night" -> 2 edits)."""
    s = clean_text(text, MAX_INSTRUCTION_CHARS)
    if not s:
        return []
    lang = language(s)
    edits: list[Edit] = []
    for clause in _clauses(s, lang):
        found = _parse_zh(clause) if has_cjk(clause) else _parse_en(clause)
        edits.extend(found)
    return edits


def parse_instruction(text: str) -> Edit | None:
    """The (first) edit ``text`` asks for, or ``None`` when it is not a change instruction.

    Cheap and never raises, so the planner can ask it of every message: "make it night" ->
    ``Edit(kind="time", ...)``, "a cat on a sofa" -> ``None``.
    """
    try:
        edits = parse_instructions(text)
    except Exception:  # noqa: BLE001 - a parser bug must not break the chat
        return None
    return edits[0] if edits else None


# ====================================================================== English editing

_BOUNDARY = frozenset(
    "on in at under over above below near by beside behind between among through across "
    "along around inside outside into onto from with without for against toward towards "
    "during before after beneath atop amid upon via like and or but while that which who "
    "whose where is are was were has have had wearing holding carrying riding eating "
    "reading playing sitting standing lying sleeping running walking flying looking "
    "watching surrounded covered made filled full of to next front than as".split())
_PREP = frozenset(
    "on in at under over above below near by beside behind between among through across "
    "along around inside outside into onto from beneath atop amid upon against to of".split())
_LOC_PREP = frozenset("on in at under inside beside near by atop beneath underwater".split())
_CONNECT = frozenset("with and plus including featuring wearing holding carrying having "
                     "has beside".split())
_DETS = frozenset("a an the one some two three four five six seven eight nine ten eleven "
                  "twelve several many few couple pair his her its their this that these "
                  "those".split())
_MEASURE = frozenset(
    "cup bowl pair bunch group plate glass slice piece basket bouquet vase pile stack herd "
    "flock pack school couple set box bottle jar row lot kind type bag mug pot tray "
    "handful swarm crowd team family".split())
_FRAME = re.compile(
    r"^\s*(?:(?:a|an|the)\s+)?(?:[\w'-]+\s+){0,3}?(?:photo|photograph|picture|image|painting|"
    r"drawing|sketch|illustration|render|rendering|portrait|close-up|closeup|shot|view|"
    r"still life|watercolou?r|artwork|poster|icon)\s+of\s+", re.I)
_STYLE_FRAME_WORDS = re.compile(
    r"\b(?:photo|photograph|painting|drawing|sketch|illustration|render|rendering|"
    r"watercolou?r|artwork)\b", re.I)
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*|[\u3400-\u9fff]+|\S")
_QUALITY_WORDS = frozenset(
    "masterpiece best quality high highest top highly ultra extremely detailed detail "
    "details hd uhd hdr absurdres highres sharp focus intricate award winning award-winning "
    "trending on artstation official art wallpaper unity raw photo res resolution "
    "professional cinematic lighting studio soft dramatic volumetric light lights bokeh "
    "depth of field octane render unreal engine photorealistic realistic hyperrealistic "
    "hyper-realistic 8k 4k 16k 2k 32k beautiful amazing stunning epic illustration "
    "concept digital painting very insanely".split())


def _frame_len(text: str) -> int:
    """How many tokens a leading "a photo of" / "an oil painting of" frame takes."""
    m = _FRAME.match(text)
    return len(_TOKEN.findall(m.group(0))) if m else 0


@dataclass
class _Tok:
    text: str
    pre: str = " "

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def word(self) -> bool:
        return self.text[:1].isalnum()


class EnPrompt:
    """An English prompt as tokens that keep their spacing, with a trace of what changed."""

    def __init__(self, text: str) -> None:
        self.toks: list[_Tok] = []
        last = 0
        for m in _TOKEN.finditer(text):
            self.toks.append(_Tok(m.group(0), text[last:m.start()]))
            last = m.end()
        self.removed: list[str] = []
        self.added: list[str] = []
        self.notes: list[str] = []

    # ---- rendering
    def render(self) -> str:
        s = "".join(t.pre + t.text for t in self.toks).strip()
        s = re.sub(r"\s+", " ", s)
        s = re.sub(r"\s+([,.;:!?)])", r"\1", s)
        s = re.sub(r"\(\s+", "(", s)
        s = re.sub(r"(?:\s*,\s*)+,", ",", s)
        s = re.sub(r"([,;])(?=[^\s\d])", r"\1 ", s)
        s = re.sub(r"^[\s,;.]+|[\s,;]+$", "", s)
        s = re.sub(r"\b(and|with|or)\s*,", ",", s)
        s = re.sub(r",\s*(and|with|or)\b(?=\s*(?:,|$))", "", s)
        s = re.sub(r"\b(and|with|of)\s*$", "", s).strip(" ,")
        s = re.sub(r"^(?:and|with)\s+", "", s)
        s = re.sub(r"\b(a|an|the)\s+(?=,|$)", "", s)
        return fix_articles(s).strip(" ,")

    # ---- helpers
    def _seg_bounds(self, i: int) -> tuple[int, int]:
        a = i
        while a > 0 and self.toks[a - 1].text not in (",", ";", "."):
            a -= 1
        b = i
        while b < len(self.toks) and self.toks[b].text not in (",", ";", "."):
            b += 1
        return a, b

    def _delete(self, a: int, b: int) -> None:
        """Delete tokens ``a..b-1`` (recording them)."""
        if a >= b:
            return
        self.removed.append(" ".join(t.text for t in self.toks[a:b]))
        pre = self.toks[a].pre
        del self.toks[a:b]
        if a < len(self.toks) and self.toks[a].word:
            self.toks[a].pre = pre if pre else " "

    def _insert(self, i: int, text: str, record: bool = True) -> None:
        new = EnPrompt(text).toks
        if not new:
            return
        if record:
            self.added.append(text)
        new[0].pre = " " if i > 0 else ""
        if i < len(self.toks) and self.toks[i].pre == "" and self.toks[i].word:
            self.toks[i].pre = " "
        self.toks[i:i] = new

    def append_segment(self, text: str) -> None:
        self._insert(len(self.toks), ",", record=False)
        self.toks[-1].pre = ""
        self._insert(len(self.toks), text)

    def _is_ing(self, i: int) -> bool:
        w = self.toks[i].low
        return w.endswith("ing") and len(w) > 4 and w not in ("king", "ring", "wing", "string",
                                                              "ceiling", "building", "painting",
                                                              "clothing", "evening", "morning",
                                                              "spring", "swing", "sibling")

    def _frame_end(self) -> int:
        return _frame_len(" ".join(t.text for t in self.toks))

    # ---- noun phrases
    def subject(self) -> tuple[int, int] | None:
        """Token span [start, end) of the main subject's noun phrase (head = end - 1).

        The first comma segment that is not just quality tags ("masterpiece, best quality,
        a fox in the snow" -> "a fox"), after a frame such as "a photo of".
        """
        n = len(self.toks)
        i = 0
        while i < n:
            a, b = self._seg_bounds(i)
            words = [t.low for t in self.toks[a:b] if t.word]
            if words and not all(w in _QUALITY_WORDS or re.fullmatch(r"[\d.:]+k?", w)
                                 for w in words):
                i = a
                break
            i = b + 1
        else:
            return None
        if i == 0:
            i = self._frame_end()
        else:
            i += _frame_len(" ".join(t.text for t in self.toks[i:self._seg_bounds(i)[1]]))
        while i < n and not self.toks[i].word:
            i += 1
        start = i
        content = False
        while i < n:
            t = self.toks[i]
            if not t.word:
                break
            low = t.low
            if low == "of":
                if i > start and self.toks[i - 1].low in _MEASURE:
                    i += 1
                    continue
                if content:
                    break
            if content and (low in _BOUNDARY or self._is_ing(i)):
                break
            if low in _BOUNDARY and not content and low not in _DETS:
                break
            if low not in _DETS:
                content = True
            i += 1
        if not content:
            return None
        return start, i

    def find(self, target: str) -> tuple[int, int] | None:
        """Noun phrase [start, end) containing ``target`` (matched by stems), or None."""
        words = [stem(w) for w in re.findall(r"[A-Za-z0-9][\w'-]*", target.lower())
                 if w not in _DETS]
        if not words:
            return None
        n = len(self.toks)
        stems = [stem(t.low) if t.word else "" for t in self.toks]
        hit = None
        for i in range(n - len(words) + 1):
            if stems[i:i + len(words)] == words:
                hit = (i, i + len(words))
                break
        if hit is None:  # the head word alone ("the red car" -> "car")
            for i in range(n):
                if stems[i] == words[-1]:
                    hit = (i, i + 1)
                    break
        if hit is None:
            return None
        a, b = hit
        # right: "cup of coffee"
        if self.toks[b - 1].low in _MEASURE and b + 1 < n and self.toks[b].low == "of":
            b += 2
        # left: modifiers and determiners up to a boundary
        while a > 0:
            t = self.toks[a - 1]
            if not t.word or t.low in _BOUNDARY or self._is_ing(a - 1):
                break
            a -= 1
        return a, b

    def _head(self, span: tuple[int, int]) -> int:
        a, b = span
        head = b - 1
        # "cup of coffee": the head that takes colours is the measure noun
        for k in range(a, b):
            if self.toks[k].low == "of" and k > a and self.toks[k - 1].low in _MEASURE:
                return k - 1
        return head

    # ---- operations
    def remove(self, target: str) -> bool:
        span = self.find(target)
        if span is None:
            return False
        a, b = span
        seg_a, seg_b = self._seg_bounds(a)
        if a > seg_a:
            left = self.toks[a - 1].low
            if left in _CONNECT or left in _PREP or self._is_ing(a - 1):
                a -= 1
                before = [t.low for t in self.toks[max(seg_a, a - 2):a]]
                if left == "to" and before[-1:] in (["next"], ["close"]):
                    a -= 1  # "next to a window"
                elif left == "of" and before == ["in", "front"]:
                    a -= 2  # "in front of a house"
        elif b < seg_b and self.toks[b].low in ("and", "with", "or"):
            b += 1
        if a == seg_a and b == seg_b and seg_a > 0:
            a -= 1  # the comma before a segment that disappears
        elif a == seg_a and b == seg_b and seg_b < len(self.toks):
            b += 1
        self._delete(a, b)
        return True

    def strip_vocab(self, cats: tuple[str, ...], key: str | None = None) -> list[str]:
        """Remove the prompt's words of these vocabulary categories ("at night", "rainy")."""
        text = "".join(t.pre + t.text for t in self.toks)
        hits = [h for h in find_en(text, cats, strong=True) if key is None or h.entry.key == key]
        hits += self._weak_style_hits(text, cats, key)
        if not hits:
            return []
        removed = []
        spans = []
        for h in sorted(hits, key=lambda h: h.start):
            a, b = h.start, h.end
            before = text[:a]
            m = re.search(r"(?:\b(?:at|in|during|on|under|with|by|through)\s+"
                          r"(?:the\s+|a\s+|an\s+)?)$", before, re.I)
            if m and h.entry.category != "color":
                a = m.start()
            after = text[b:]
            m2 = re.match(r"\s*(?:style|styled|painting|art|aesthetic|scene|shot|view|lighting|"
                          r"light|time|weather|effect|render|rendering|illustration|drawing|"
                          r"photo|photograph|print|icon)\b", after, re.I)
            if m2 and h.entry.category in ("style", "time", "camera", "weather"):
                b += m2.end()
            spans.append((a, b))
            removed.append(text[a:b].strip())
        for a, b in reversed(spans):
            text = text[:a] + " " + text[b:]
        # "an oil painting of a cat" lost its style words: drop the frame too
        text = re.sub(r"^\s*(?:a|an|the)?\s*(?:photo|photograph|painting|drawing|sketch|"
                      r"illustration|render|artwork)\s+of\s+", "", text, flags=re.I)
        text = re.sub(r"(?:^|,)\s*(?:a|an)\s*(?=,|$)", ",", text)
        self.removed.extend(removed)
        self.reload(text)
        return removed

    def reload(self, text: str) -> None:
        """Re-tokenise after a text-level edit, keeping the trace."""
        self.toks = EnPrompt(text).toks

    def _weak_style_hits(self, text: str, cats: tuple[str, ...], key: str | None
                         ) -> list[_Hit]:
        """Weak style words only count when they read as a style: "vintage style",
        "a photo of", "realistic painting" (never "a vintage car")."""
        if "style" not in cats:
            return []
        out = []
        strong = {(h.start, h.end) for h in find_en(text, ("style",), strong=True)}
        for h in find_en(text, ("style",), strong=False):
            if (h.start, h.end) in strong or (key and h.entry.key != key):
                continue
            after = text[h.end:]
            before = text[:h.start]
            if (re.match(r"\s*(?:style|styled|art|painting|illustration|drawing|render|"
                         r"rendering|aesthetic|look)\b", after, re.I)
                    or re.match(r"\s*of\b", after, re.I) and re.search(r"^\s*(?:a|an|the)?\s*$",
                                                                      before, re.I)
                    or re.search(r"(?:^|,)\s*$", before) and re.match(r"\s*(?:,|$)", after)):
                out.append(h)
        return out

    def colour(self, target: str | None, value: str) -> bool:
        span = self.find(target) if target else self.subject()
        if span is None:
            return False
        a, b = span
        head = self._head(span)
        k = a
        while k < head:
            low = self.toks[k].low
            piece = " ".join(t.low for t in self.toks[k:head])
            hit = [h for h in find_en(piece, ("color",)) if h.start == 0]
            if hit:
                n_words = len(_TOKEN.findall(hit[0].text))
                if k > a and self.toks[k - 1].low in ("light", "dark", "pale", "bright", "deep",
                                                      "pastel", "neon", "vivid"):
                    k -= 1
                    n_words += 1
                self._delete(k, k + n_words)
                head -= n_words
                continue
            if re.fullmatch(r"[a-z]+-colou?red", low):
                self._delete(k, k + 1)
                head -= 1
                continue
            k += 1
        self._insert(head, value)
        return True

    def set_count(self, n: int, target: str | None, relative: bool = False) -> bool:
        span = self.find(target) if target else None
        if span is None:
            span = self.subject()
            if span is None:
                return False
            if target and not self.find(target):  # "three cats" when the prompt has a dog
                head = self._head(span)
                self._delete(head, head + 1)
                self._insert(head, singularize(target.split()[-1]))
                span = (span[0], span[1])
        a, b = span
        head = self._head(span)
        det = self.toks[a].low if a < head else ""
        current = WORD_NUMBERS.get(det, None) if det else None
        if det.isdigit():
            current = int(det)
        if relative:
            base = current if current is not None else (
                2 if is_plural(self.toks[head].text) else 1)
            n = base + n
        word = "a" if n == 1 else EN_NUMBERS.get(n, str(n))
        noun = self.toks[head].text
        new_noun = pluralize(singularize(noun)) if n > 1 else singularize(noun)
        if new_noun != noun:
            self.removed.append(noun)
            self.added.append(new_noun)
            self.toks[head].text = new_noun
        if det in _DETS or det.isdigit():
            if det != word:
                self.removed.append(self.toks[a].text)
                self.toks[a].text = word
                self.added.append(word)
        else:
            self._insert(a, word)
        return True

    def replace_np(self, target: str | None, value: str) -> bool:
        span = self.find(target) if target else self.subject()
        if span is None:
            return False
        a, b = span
        head = b - 1  # the noun itself, also in "a cup of coffee"
        value_words = _TOKEN.findall(value.strip())
        v_det = value_words[0].lower() if value_words and value_words[0].lower() in _DETS else None
        v_body = value_words[1:] if v_det else value_words
        if not v_body:
            return False
        v_low = {w.lower() for w in v_body}
        v_has_colour = bool(find_en(" ".join(v_body), ("color",)))
        np_det = self.toks[a].low if self.toks[a].low in _DETS else None
        mods = [t.text for t in self.toks[(a + 1 if np_det else a):head]
                if t.low not in v_low
                and not (v_has_colour and find_en(t.low, ("color",)))]
        # keep the count of "three cats" when the user says "a dog"
        n_np = WORD_NUMBERS.get(np_det or "", None)
        if np_det and np_det.isdigit():
            n_np = int(np_det)
        body = list(v_body)
        det = v_det or np_det
        if n_np and n_np > 1 and v_det in ("a", "an", None):
            det = np_det
            body[-1] = pluralize(singularize(body[-1]))
        elif v_det in ("a", "an") and is_plural(body[-1]) and body[-1].lower() not in (
                "glasses", "sunglasses"):
            det = None
        tail = [t.text for t in self.toks[head + 1:b]]
        new = " ".join(([det] if det else []) + mods + body + tail)
        self._delete(a, b)
        self._insert(a, new)
        return True

    def setting_spans(self) -> list[tuple[int, int]]:
        """Token spans of the prompt's place phrases ("on a sofa", "in a park", "X background")."""
        spans = []
        subj = self.subject()
        n = len(self.toks)
        i = 0
        while i < n:
            t = self.toks[i]
            if t.low == "background" or t.low == "backdrop":
                a, b = self._seg_bounds(i)
                if b - a <= 8:
                    spans.append((a, b))
                    i = b
                    continue
            if t.low in _LOC_PREP and not (subj and subj[0] <= i < subj[1]):
                j = i + 1
                if t.low == "in" and j + 1 < n and self.toks[j].low == "front" and \
                        self.toks[j + 1].low == "of":
                    j += 2
                k = j
                while k < n and self.toks[k].word and self.toks[k].low not in _BOUNDARY \
                        and not self._is_ing(k):
                    k += 1
                if k > j:
                    phrase = " ".join(x.low for x in self.toks[j:k])
                    if (not find_en(phrase, ("time", "weather", "season", "style", "camera",
                                             "color", "wear"), strong=True)
                            or find_en(phrase, ("place",))):
                        head = self.toks[k - 1].low
                        if not find_en(head, ("wear", "hold")) and head not in ("style",):
                            start = i
                            if head in ("background", "backdrop"):  # "with hills in the bg"
                                w = i - 1
                                while w >= 0 and self.toks[w].word and \
                                        self.toks[w].low not in _BOUNDARY:
                                    w -= 1
                                if w >= 0 and self.toks[w].low == "with" and w < i - 1:
                                    start = w
                            spans.append((start, k))
                            i = k
                            continue
            i += 1
        return spans

    def set_background(self, phrase: str) -> None:
        spans = self.setting_spans()
        if spans:
            first = spans[0][0]
            for a, b in reversed(spans):
                if a > 0 and self.toks[a - 1].text == "," and (b >= len(self.toks) or
                                                               self.toks[b].text == ","):
                    a -= 1
                self._delete(a, b)
                first = min(first, a)
            self._insert(min(first, len(self.toks)), phrase)
            return
        subj = self.subject()
        at = self._seg_bounds(subj[0] if subj else 0)[1]
        self._insert(at, phrase)

    def insert_after(self, span: tuple[int, int] | None, text: str) -> None:
        if span is None:
            at = self._seg_bounds(0)[1]
        else:
            at = span[1]
        self._insert(at, text)


# ====================================================================== Chinese editing

_ZH_PUNCT = "，,。；;、！!？?"
_ZH_LOC_VERBS = ("在", "正在", "坐在", "站在", "躺在", "停在", "趴在", "睡在", "住在", "位于",
                 "漂浮在", "走在", "飞在", "挂在", "立在", "落在", "放在")
_ZH_LOC_SUFFIX = ("上面", "里面", "下面", "旁边", "前面", "后面", "外面", "中间", "附近", "周围",
                  "上", "里", "中", "下", "边", "旁", "前", "后", "内", "外")
_ZH_WEAR_VERB = (("穿着", "裙衣衫装服袍甲鞋靴"), ("背着", "背包书包"), ("戴着", ""))


class ZhPrompt:
    """A Chinese prompt as jieba tokens, with a trace of what changed."""

    def __init__(self, text: str) -> None:
        zh_en_lexicon()  # the segmenter learns the prompt vocabulary first
        self.toks: list[list[str]] = [[w, f] for w, f in pos_segment(text)]
        self.removed: list[str] = []
        self.added: list[str] = []
        self.notes: list[str] = []

    def refresh(self) -> None:
        """Segment again after an edit, so later edits see real words, not inserted chunks."""
        self.toks = [[w, f] for w, f in pos_segment(self.text)]

    def render(self) -> str:
        s = "".join(w for w, _ in self.toks)
        s = re.sub(r"\s+", " ", s).strip()
        s = re.sub(r"[，,]\s*(?=[，,。；;]|$)", "", s)
        s = re.sub(r"^[，,。；;、\s]+", "", s)
        s = re.sub(r"(?:的){2,}", "的", s)
        s = re.sub(r"的(?=[，,。]|$)", "", s)
        s = re.sub(r"(?:和|与|还有)(?=[，,。]|$)", "", s)
        return s.strip(" ，,")

    @property
    def text(self) -> str:
        return "".join(w for w, _ in self.toks)

    def _w(self, i: int) -> str:
        return self.toks[i][0] if 0 <= i < len(self.toks) else ""

    def _delete(self, a: int, b: int) -> None:
        if a < b:
            self.removed.append("".join(w for w, _ in self.toks[a:b]))
            del self.toks[a:b]

    def _insert(self, i: int, text: str, record: bool = True) -> None:
        if record:
            self.added.append(text)
        self.toks[i:i] = [[text, "x"]]

    def append_segment(self, text: str) -> None:
        s = self.text.rstrip()
        if s and s[-1] not in _ZH_PUNCT:
            self.toks.append(["，", "x"])
        self.toks.append([text, "x"])
        self.added.append(text)

    def _clause_end(self, start: int = 0) -> int:
        i = start
        while i < len(self.toks) and self._w(i) not in _ZH_PUNCT:
            i += 1
        return i

    def _is_vocab(self, word: str, cats: tuple[str, ...]) -> bool:
        return bool(classify(word, cats)) if has_cjk(word) else False

    def subject(self) -> tuple[int, int] | None:
        """(np_start, head) token indices of the main subject of the first clause."""
        end = self._clause_end()
        stop = end
        for i in range(end):
            if (self._w(i) in _ZH_LOC_VERBS or (self.toks[i][1] == "p" and i > 0)
                    or (self._w(i) in ("和", "与", "以及") and i > 0)):
                stop = i
                break
        head = None
        for i in range(stop):
            w, f = self.toks[i]
            if not has_cjk(w) or w == "的":
                continue
            if (f.startswith("n") or f in ("s", "vn", "nr", "nz")) and not self._is_vocab(
                    w, ("color", "style", "time", "weather", "season", "camera")):
                head = i
        if head is None:
            for i in range(stop - 1, -1, -1):
                if has_cjk(self._w(i)) and self._w(i) not in ("的",):
                    head = i
                    break
        if head is None:
            return None
        return 0, head

    def find(self, target: str) -> tuple[int, int] | None:
        """(np_start, head) of the token that contains ``target``."""
        for i, (w, _) in enumerate(self.toks):
            if target and target in w:
                a = i
                while a > 0:
                    pw, pf = self.toks[a - 1]
                    if pw in _ZH_PUNCT or pw in _ZH_LOC_VERBS or pw in ("和", "与", "跟", "把"):
                        break
                    a -= 1
                return a, i
        # the word may be split across tokens ("红帽子" when jieba made "红", "帽子")
        text = self.text
        pos = text.find(target) if target else -1
        if pos < 0:
            return None
        acc = 0
        for i, (w, _) in enumerate(self.toks):
            if acc <= pos < acc + len(w):
                return self.find_from(i)
            acc += len(w)
        return None

    def find_from(self, i: int) -> tuple[int, int]:
        a = i
        while a > 0 and self._w(a - 1) not in _ZH_PUNCT:
            a -= 1
        return a, i

    def remove(self, target: str) -> bool:
        span = self.find(target)
        if span is None:
            return False
        _, h = span
        a, b = h, h + 1
        # modifiers: colours, adjectives ("蓝色的"), numeral+classifier
        while a > 0 and (self._is_vocab(self._w(a - 1), ("color",))
                         or self.toks[a - 1][1] in ("a", "m", "q", "mq")
                         or zh_number(self._w(a - 1)) is not None
                         or (self._w(a - 1) == "的" and a > 1 and (
                             self._is_vocab(self._w(a - 2), ("color",))
                             or self.toks[a - 2][1] in ("a", "z")))):
            a -= 1
        left = self._w(a - 1)
        took_verb = False
        if left and (self.toks[a - 1][1].startswith("v") or left in (
                "戴着", "穿着", "拿着", "抱着", "带着", "有", "放", "和", "与", "跟", "还有",
                "以及") or left in _ZH_LOC_VERBS):
            a -= 1
            took_verb = left not in ("和", "与", "跟", "还有", "以及")
            if left == "着" and a > 0 and self.toks[a - 1][1].startswith("v"):
                a -= 1
        if took_verb and self._w(b) == "的":
            b += 1
        if left in _ZH_LOC_VERBS and self._w(b) in _ZH_LOC_SUFFIX:
            b += 1
        if a == 0 or self._w(a - 1) in _ZH_PUNCT:
            if self._w(b) in ("和", "与", "跟"):
                b += 1
        self._delete(a, b)
        return True

    def strip_vocab(self, cats: tuple[str, ...], key: str | None = None) -> list[str]:
        removed = []
        i = 0
        while i < len(self.toks):
            w = self._w(i)
            hits = classify(w, cats) if has_cjk(w) else find_en(w, cats, strong=True)
            hits = [h for h in hits if key is None or h.entry.key == key]
            if hits:
                a, b = i, i + 1
                if self._w(a - 1) in ("在",):
                    a -= 1
                while self._w(b) in ("的", "风格", "画风", "风", "时分", "中", "里", "时", "天",
                                     "效果", "画"):
                    b += 1
                removed.append("".join(x for x, _ in self.toks[a:b]))
                self._delete(a, b)
                i = a
                continue
            i += 1
        return removed

    def colour(self, target: str | None, value: str) -> bool:
        span = self.find(target) if target else self.subject()
        if span is None:
            return False
        a, h = span
        k = a
        while k < h:
            w = self._w(k)
            if self._is_vocab(w, ("color",)):
                b = k + 1
                if self._w(b) == "的":
                    b += 1
                self._delete(k, b)
                h -= b - k
                continue
            k += 1
        head = self._w(h)
        hits = find_zh(head, ("color",))
        if hits and hits[0].start == 0 and len(head) > hits[0].end:  # "白猫" -> "猫"
            self.removed.append(hits[0].text)
            self.toks[h][0] = head[hits[0].end:]
        self._insert(h, value + "的")
        return True

    def replace_np(self, target: str | None, value: str) -> bool:
        span = self.find(target) if target else self.subject()
        if span is None:
            return False
        a, h = span
        head = self._w(h)
        v = value
        m = _ZH_NUMCL.match(v)
        if m and any(zh_number(self._w(k)) is not None for k in range(a, h)):
            v = m.group(3) or v
        if find_zh(v, ("color",)):
            k = a
            while k < h:
                if self._is_vocab(self._w(k), ("color",)):
                    b = k + 1 + (self._w(k + 1) == "的")
                    self._delete(k, b)
                    h -= b - k
                    continue
                k += 1
        old = target if target and target in head else head
        self.removed.append(old)
        self.added.append(v)
        self.toks[h][0] = head.replace(old, v, 1)
        return True

    def set_count(self, n: int, target: str | None, relative: bool = False) -> bool:
        span = self.find(target) if target else None
        if span is None:
            span = self.subject()
            if span is None:
                return False
            if target:
                _, h = span
                self.removed.append(self._w(h))
                self.added.append(target)
                self.toks[h][0] = target
        a, h = span
        for k in range(a, h):
            cur = zh_number(self._w(k))
            if cur is not None:
                n2 = cur + n if relative else n
                new = zh_count(n2, self._w(h))
                if self._w(k)[-1] in ZH_CLASSIFIERS:
                    new = new[:-1] + self._w(k)[-1]
                self.removed.append(self._w(k))
                self.added.append(new)
                self.toks[k][0] = new
                return True
        n2 = (1 + n) if relative else n
        self._insert(a if a == h or self._w(a) not in ("在",) else a, zh_count(n2, self._w(h)))
        return True

    def setting_span(self) -> tuple[int, int] | None:
        """(first, end) tokens of the place after "在" ("在[沙发上]"), the verb kept."""
        for i, (w, _) in enumerate(self.toks):
            if w in _ZH_LOC_VERBS or (w.endswith("在") and len(w) == 2):
                j = i + 1
                k = j
                while k < len(self.toks) and k <= j + 5:
                    x, f = self.toks[k]
                    if x in _ZH_PUNCT:
                        break
                    if x in _ZH_LOC_SUFFIX:
                        k += 1
                        break
                    if (f.startswith("v") and k > j) or (f.startswith("v") and
                                                         not classify(x, ("place",))):
                        break
                    k += 1
                if k > j:
                    return j, k
        return None

    def set_background(self, value: str) -> None:
        # drop "背景是X" / "X背景" clauses first
        i = 0
        while i < len(self.toks):
            if "背景" in self._w(i):
                a = i
                while a > 0 and self._w(a - 1) not in _ZH_PUNCT:
                    a -= 1
                b = self._clause_end(i)
                if a > 0:
                    a -= 1
                self._delete(a, b)
                i = a
                continue
            i += 1
        span = self.setting_span()
        v = re.sub(r"^在", "", value)
        if span:
            self._delete(*span)
            self._insert(span[0], v)
            return
        subj = self.subject()
        at = self._clause_end(subj[1] if subj else 0)
        self._insert(at, "在" + v)

    def insert_after_subject(self, text: str) -> None:
        subj = self.subject()
        at = (subj[1] + 1) if subj else self._clause_end()
        self._insert(at, text)


# ======================================================================== rules backend


def _to_prompt_lang(text: str, prompt_lang: str) -> str:
    if prompt_lang == "en" and has_cjk(text):
        return zh_to_en(text)
    if prompt_lang == "zh" and not has_cjk(text):
        return en_to_zh(text)
    return text


def _phrase(edit: Edit, lang: str) -> str:
    e = entry(edit.key)
    if e is not None:
        return e.zh_phrase if lang == "zh" else e.en_phrase
    return _to_prompt_lang(edit.value or "", lang)


def _place_phrase_en(value: str, key: str | None) -> str:
    v = value.strip()
    if re.match(r"^(?:on|in|at|by|near|under|inside|underwater|beside|in front of|among|"
                r"outdoors|indoors|atop|across|along)\b", v, re.I):
        return v
    e = entry(key)
    if e is not None:
        prep = re.match(r"^(on the|on|in the|in|at|by|among|in front of|underwater)\b",
                        e.en_phrase)
        body = v if re.match(r"^(?:a|an|the|some)\s", v, re.I) or is_plural(v.split()[-1]) \
            else ("the " + v if e.en_phrase.split()[1:2] == ["the"] else
                  ("a " + v if e.en_phrase.split()[1:2] in (["a"], ["an"]) else v))
        if prep and prep.group(1) == "underwater":
            return "underwater"
        return f"{prep.group(1).split()[0] if prep else 'in'} {body}".strip()
    if not re.match(r"^(?:a|an|the|some)\s", v, re.I) and not is_plural(v.split()[-1]) \
            and not v[:1].isupper():
        v = "a " + v
    return f"in {v}"


def _wear_kind(value: str) -> str | None:
    """"wear" for a hat or a dress, "hold" for an umbrella or a sword, else None."""
    cats = ("wear", "hold")
    hits = find_zh(value, cats) if has_cjk(value) else find_en(value, cats)
    return hits[-1].entry.category if hits else None


def _is_living(value: str) -> bool:
    if has_cjk(value):
        return any(ch in value for ch in "猫狗鸟鱼兔熊虎狮象鹿马牛羊猪鸡鸭鹅鹰龙蛇龟蛙蝶蜂"
                   "鼠猴狐狼人孩女男娃鹤雀鸦鸽")
    words = [stem(w) for w in re.findall(r"[a-z]+", value.lower())]
    return any(w in _LIVING for w in words)


def _apply_en(p: EnPrompt, e: Edit) -> None:
    target = _to_prompt_lang(e.target, "en") if e.target else None
    value = _to_prompt_lang(e.value, "en") if e.value else None
    if e.kind == "remove":
        if e.key:
            if not p.strip_vocab((entry(e.key).category,), e.key):  # type: ignore[union-attr]
                p.notes.append(f"there was no {target} to remove")
            return
        if not p.remove(target or ""):
            p.notes.append(f"there was no {target} in the prompt to remove")
        return
    if e.kind == "add":
        if not value:
            return
        if e.modifier:
            span = (p.find(target) if target else None) or p.subject()
            if span is None:
                p.append_segment(value)
            elif value.endswith("ing"):
                p.insert_after(span, value)  # "a woman smiling"
            else:
                p._insert(p._head(span), value)
            return
        m = re.fullmatch(rf"({_NUM_RE}|a|an)\s+(?:more\s+)?([\w'-]+)", value, re.I)
        if m and p.find(m.group(2)) is not None:  # "add two cats" to "a cat": three cats
            n = _count_from(m.group(1)) or 1
            p.set_count(n, m.group(2), relative=True)
            return
        kind = _wear_kind(value)
        span = p.find(target) if target else None
        subj = p.subject()
        where = span or subj
        head_word = p.toks[p._head(where)].low if where else ""
        if kind == "wear" and where:
            p.insert_after(where, f"wearing {value}")
        elif kind == "hold" and where and stem(head_word) in _PERSON:
            if any(t.low == "holding" for t in p.toks):
                idx = next(i for i, t in enumerate(p.toks) if t.low == "holding")
                obj = p.find(p.toks[idx + 1].text) if idx + 1 < len(p.toks) else None
                p.insert_after(obj or where, f"and {value}")
            else:
                p.insert_after(where, f"holding {value}")
        elif _is_living(value) and where:
            p.insert_after(where, f"and {value}")
        elif span:
            p.insert_after(span, f"with {value}")
        else:
            p.insert_after(None, f"with {value}")
        return
    if e.kind == "replace":
        if not value:
            return
        if target and p.find(target) is None:
            p.notes.append(f"there was no {target} in the prompt; I changed the main subject")
            target = None
        if not p.replace_np(target, value):
            p.append_segment(value)
        return
    if e.kind == "color":
        colour = _phrase(e, "en") if e.key else (value or "")
        if not p.colour(target, colour):
            if target:
                p.insert_after(None, f"with a {colour} {target}")
            else:
                p.append_segment(colour)
        return
    if e.kind in ("style", "time", "weather", "season", "camera"):
        p.strip_vocab((e.kind,))
        if e.kind == "style":
            _strip_en_style_phrases(p)
        p.append_segment(_phrase(e, "en"))
        return
    if e.kind == "background":
        p.set_background(_place_phrase_en(value or "", e.key))
        return
    if e.kind == "count":
        if e.count is None:
            return
        tgt = target
        if tgt and p.find(tgt) is None and e.relative:
            p.insert_after(p.subject(), f"and {EN_NUMBERS.get(e.count, e.count)} "
                                        f"{pluralize(tgt) if e.count > 1 else tgt}")
            return
        if not p.set_count(e.count, tgt, e.relative):
            p.notes.append("I could not tell what to count")
        return


def _strip_en_style_phrases(p: EnPrompt) -> None:
    """Drop "in the style of X", "by <artist>" and "<X> style" pieces before a new style."""
    text = "".join(t.pre + t.text for t in p.toks)
    new = re.sub(r"(?:,\s*)?\b(?:in\s+)?the\s+style\s+of\s+[^,]+", "", text, flags=re.I)
    new = re.sub(r"(?:,\s*)?\bby\s+(?!the\b|a\b|an\b)[A-Za-z][^,]*", "", new)
    new = re.sub(r"(?:^|,)\s*[\w\s'-]{1,30}?\s+style\s*(?=,|$)", "", new, flags=re.I)
    if new != text:
        gone = [w for w in re.findall(r"[\w'-]+", text) if w not in re.findall(r"[\w'-]+", new)]
        p.removed.append(" ".join(gone))
        p.reload(new)


def _apply_zh(p: ZhPrompt, e: Edit) -> None:
    target = _to_prompt_lang(e.target, "zh") if e.target else None
    value = _to_prompt_lang(e.value, "zh") if e.value else None
    if e.kind == "remove":
        if e.key:
            if not p.strip_vocab((entry(e.key).category,), e.key):  # type: ignore[union-attr]
                p.notes.append(f"画面里没有{target}")
            return
        if not (target and p.remove(target)):
            p.notes.append(f"提示词里没有{target}")
        return
    if e.kind == "add":
        if not value:
            return
        if e.modifier:
            span = (p.find(target) if target else None) or p.subject()
            if span:
                p._insert(span[1], value + "的")
            else:
                p.append_segment(value)
            return
        m = _ZH_NUMCL.match(value)
        if m and m.group(3) and p.find(m.group(3)) is not None:  # "加两只猫" to "一只猫"
            n = zh_number(m.group(1) + m.group(2)) or 1
            p.set_count(n, m.group(3), relative=True)
            return
        kind = _wear_kind(value)
        subj = p.subject()
        if kind == "wear":
            verb = next(v for v, chars in _ZH_WEAR_VERB if not chars or
                        any(ch in value for ch in chars))
            who = target if target and subj and target not in p._w(subj[1]) else ""
            p.append_segment(f"{who}{verb}{value}")
        elif kind == "hold":
            p.append_segment(f"{target or ''}拿着{value}")
        elif _is_living(value) and subj:
            p.insert_after_subject("和" + value)
        elif target:
            p.append_segment(f"{target}旁边有{value}")
        else:
            p.append_segment("还有" + value)
        return
    if e.kind == "replace":
        if not value:
            return
        if target and p.find(target) is None:
            p.notes.append(f"提示词里没有{target}，改了主体")
            target = None
        if not p.replace_np(target, value):
            p.append_segment(value)
        return
    if e.kind == "color":
        colour = _phrase(e, "zh") if e.key else (value or "")
        if not p.colour(target, colour):
            p.append_segment(f"{colour}的{target}" if target else colour)
        return
    if e.kind in ("style", "time", "weather", "season", "camera"):
        p.strip_vocab((e.kind,))
        p.append_segment(_phrase(e, "zh"))
        return
    if e.kind == "background":
        v = value or ""
        e_ = entry(e.key)
        if e_ is not None and not has_cjk(e.value or ""):
            v = e_.zh_phrase
        p.set_background(v)
        return
    if e.kind == "count":
        if e.count is not None:
            p.set_count(e.count, target, e.relative)


@dataclass
class RulesOutcome:
    prompt: str
    edits: list[Edit]
    removed: list[str]
    added: list[str]
    notes: list[str]


def apply_rules(prompt: str, instruction: str) -> RulesOutcome:
    """The deterministic rewrite, with a trace of the words it removed and added."""
    edits = parse_instructions(instruction)
    lang = language(prompt)
    p: EnPrompt | ZhPrompt = ZhPrompt(prompt) if lang == "zh" else EnPrompt(prompt)
    notes: list[str] = []
    if not edits:
        extra = _free_text(instruction, lang)
        if extra:
            p.append_segment(extra)
            notes.append("I did not recognise a specific change, so I added your words to "
                         "the prompt")
        else:
            notes.append("I could not tell what to change, so the prompt is unchanged")
    for e in edits:
        if isinstance(p, ZhPrompt):
            _apply_zh(p, e)
            p.refresh()
        else:
            _apply_en(p, e)
    notes += p.notes
    notes += _contradictions(edits)
    out = p.render() or prompt
    return RulesOutcome(out, edits, list(p.removed), list(p.added), notes)


def _free_text(instruction: str, lang: str) -> str:
    s = clean_text(instruction, MAX_INSTRUCTION_CHARS)
    if has_cjk(s):
        s = _ZH_TAIL.sub("", _ZH_LEAD.sub("", s))
        s = re.sub(r"^(?:让它|让画面|让|使它|使|更加|更)", "", s)
    else:
        s = _EN_TAIL.sub("", _EN_LEAD.sub("", s))
        s = re.sub(r"^(?:make|let|have)\s+(?:it|this|the (?:image|picture|scene))\s+(?:look\s+)?",
                   "", s, flags=re.I)
    s = s.strip(" ,.;")
    if not re.search(r"[A-Za-z\u4e00-\u9fff]", s) or len(s) > 80 or len(s.split()) > 12:
        return ""  # not a description worth adding: keep the prompt as it is
    return _to_prompt_lang(s, lang) if s else ""


def _contradictions(edits: list[Edit]) -> list[str]:
    notes = []
    adds = {stem((e.value or "").split()[-1]) for e in edits if e.kind == "add" and e.value}
    for e in edits:
        if e.kind == "remove" and e.target and stem(e.target.split()[-1]) in adds:
            notes.append(f"you asked both to add and to remove {e.target}; I followed the "
                         "later request")
    return notes


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

    messages: list[Any] = [SystemMessage(LLM_SYSTEM),
                           HumanMessage(LLM_USER.format(prompt=prompt, instruction=instruction))]
    if problem is not None and first is not None:
        messages += [AIMessage(first), HumanMessage(LLM_RETRY.format(problem=problem))]
    return message_text(llm.invoke(messages))


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
    instruction = require_text(instruction, "change instruction", MAX_INSTRUCTION_CHARS)
    profile = profile_for(settings)
    chosen = (backend or profile.rewrite_backend or "rules").lower()
    if chosen not in ("rules", "lm", "llm"):
        raise ImagechatError(f"unknown rewrite backend {chosen!r}; use rules, lm or llm")

    rules = apply_rules(prompt, instruction)

    def rules_result(fell_back: bool, note: str) -> RewriteResult:
        integ = content_integrity(prompt, instruction, rules.prompt)
        notes = [n for n in (note, *rules.notes) if n]
        return RewriteResult(rules.prompt, "rules", integ.score, list(integ.missing),
                             fell_back, "; ".join(notes), tuple(rules.edits))

    if chosen == "rules":
        return rules_result(False, "")
    if chosen == "llm" and llm is None:
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
