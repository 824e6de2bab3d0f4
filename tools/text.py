"""Text helpers shared by the prompt tools: cleaning, script detection, segmentation, stems.

Everything a user types passes :func:`clean_text` first (control characters out, whitespace
normalised, a length cap), so no tool has to defend against a 20,000-character message or a
stray escape sequence on its own. Chinese is segmented with one private jieba tokenizer
(the prompt vocabulary is added to it, so "水彩风格" or "花椰菜" stay whole words); English
words are lowercased and reduced to a simple stem so "cats" matches "cat".
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from typing import Any

from errors import InvalidInput

MAX_PROMPT_CHARS = 2000  # a prompt longer than this is cut (CLIP reads 77 tokens anyway)
MAX_INSTRUCTION_CHARS = 500  # an edit instruction is a sentence, not an essay
# emoji and pictographs in chat ("love it 😍", "night 🌙"): no words of a request
EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]+")

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_CUT_AT = re.compile(r"[\s,，。;；、.!?！？]")
_KEEP_PUNCT = "，！？：；（）～"
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
_KEEP_SPLIT = re.compile(f"([{_KEEP_PUNCT}])")


def clean_text(text: object, max_len: int = MAX_PROMPT_CHARS) -> str:
    """``text`` without control/format characters, with normalised whitespace, at most
    ``max_len`` characters (cut at a word or clause boundary when one is near).

    Full-width letters/digits become ASCII (NFKC) but Chinese punctuation (，！？…) is kept,
    so the result reads the same to a person. Never raises; ``None`` gives ``""``.
    """
    if text is None:
        return ""
    # NFKC (full-width letters -> ASCII), except Chinese punctuation, which stays as typed
    s = _ANSI.sub("", str(text))  # terminal colour codes: the whole sequence, not just ESC
    s = "".join(part if part in _KEEP_PUNCT else unicodedata.normalize("NFKC", part)
                for part in _KEEP_SPLIT.split(s))
    out = []
    for ch in s:
        cat = unicodedata.category(ch)
        if ch in "\n\r\t":
            out.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue  # control, format (zero-width, bidi), surrogate, private use, unassigned
        else:
            out.append(ch)
    s = _SPACES.sub(" ", "".join(out)).strip()
    if len(s) > max_len:
        cut = s[:max_len]
        # prefer ending at a boundary in the last fifth rather than mid-word
        for i in range(len(cut) - 1, int(max_len * 0.8) - 1, -1):
            if _CUT_AT.match(cut[i]):
                cut = cut[:i]
                break
        s = cut.rstrip(" ,，;；、")
    return s


def require_text(text: object, what: str, max_len: int = MAX_PROMPT_CHARS) -> str:
    """:func:`clean_text`, raising :class:`InvalidInput` (naming ``what``) when nothing is left."""
    s = clean_text(text, max_len)
    if not s or not any(ch.isalnum() for ch in s):
        raise InvalidInput(f"The {what} is empty; tell me in words what you want.")
    return s


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def simplified(text: str) -> str:
    """``text`` with traditional Chinese characters in their simplified form ("背景換成夜市"
    -> "背景换成夜市"), so the planner, the rewrite and the lexicon read both; the words
    themselves are not changed."""
    if not has_cjk(text):
        return text
    import zhconv

    # "戴著": the 著 after a verb is the simplified 着 ("著" alone is a word of its own)
    return re.sub(r"(?<=[戴穿拿抱举站坐躺趴靠看望带背牵握捧提挂放插摆开亮闪飘飞跑走睡笑哭吃喝"
                  r"唱弹画写读听想等跟围盖披撑骑划])著", "着", zhconv.convert(text, "zh-hans"))


def in_their_characters(original: str, plain: str, new: str) -> str:
    """``new`` (written from ``plain``, the simplified form of ``original``) in the characters
    of ``original``: what it kept from ``plain`` as the user wrote it, what it added in
    traditional form ("牆" stays "牆", a new "绿色" comes back as "綠色")."""
    import difflib

    import zhconv

    out = []
    matcher = difflib.SequenceMatcher(None, plain, new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(original[a1:a2] if len(original) == len(plain) else new[b1:b2])
        else:
            out.append(zhconv.convert(new[b1:b2], "zh-hant"))
    return "".join(out)


def cjk_pairs(text: str) -> list[str]:
    """Every two neighbouring Chinese characters of ``text``, in order ("戴草帽" -> "戴草",
    "草帽"): how a Chinese word is found again in other words without a segmenter."""
    return [run[k:k + 2] for run in re.findall(r"[\u4e00-\u9fff]{2,}", text)
            for k in range(len(run) - 1)]


def is_chinese(text: str) -> bool:
    """True when Chinese characters outnumber Latin letters counted as words (mixed: by weight)."""
    cjk = len(_CJK.findall(text or ""))
    latin_words = len(re.findall(r"[A-Za-z]+", text or ""))
    return cjk > 0 and cjk >= latin_words


def language(text: str) -> str:
    """``"zh"`` or ``"en"``: which language the text is mainly written in."""
    return "zh" if is_chinese(text) else "en"


# --------------------------------------------------------------------------- Chinese

_jieba_lock = threading.Lock()
_jieba_state: dict[str, Any] = {}
_pending_words: dict[str, str | None] = {}
NEW_WORD_FREQ = 50_000  # enough for an added word to beat splitting it, not to eat neighbours


def add_words(words: Iterable[str] | dict[str, str | None], tag: str | None = None) -> None:
    """Teach the segmenter whole words (vocabulary, lexicon entries). ``words`` may map each
    word to its part-of-speech tag; words jieba already knows keep their own frequency/tag."""
    items = words.items() if isinstance(words, dict) else ((w, tag) for w in words)
    new = {w.strip(): t for w, t in items if w and has_cjk(w) and len(w.strip()) > 1}
    with _jieba_lock:
        tok = _jieba_state.get("tok")
        if tok is None:
            for w, t in new.items():
                _pending_words.setdefault(w, t)
            return
        _add(tok, new)


def _add(tok: Any, words: dict[str, str | None]) -> None:
    for w, t in words.items():
        if not tok.FREQ.get(w):
            tok.add_word(w, freq=NEW_WORD_FREQ, tag=t)


def _tokenizer() -> Any:
    with _jieba_lock:
        tok = _jieba_state.get("tok")
        if tok is not None:
            return tok
        import logging

        import jieba
        import jieba.posseg

        from storage.caches import jieba_dir

        jieba.setLogLevel(logging.WARNING)
        tok = jieba.Tokenizer()
        tok.tmp_dir = jieba_dir()  # its cache under the data dir, not the shared /tmp
        tok.initialize()
        _add(tok, _pending_words)
        _pending_words.clear()
        _jieba_state["pos"] = jieba.posseg.POSTokenizer(tok)
        _jieba_state["tok"] = tok
        return tok


def segment(text: str) -> list[str]:
    """jieba words of ``text`` (every character kept, so ``"".join`` gives the text back)."""
    if not text:
        return []
    return list(_tokenizer().cut(text, HMM=True))


def pos_segment(text: str) -> list[tuple[str, str]]:
    """(word, part-of-speech flag) pairs from jieba's tagger."""
    if not text:
        return []
    _tokenizer()
    return [(p.word, p.flag) for p in _jieba_state["pos"].cut(text, HMM=True)]


ZH_NUMERALS = "一二两三四五六七八九十几百千0123456789"
ZH_CLASSIFIERS = ("只个位条辆棵朵颗本张把座头匹块片杯盘群对双架艘幢栋间盏支根件顶副串束碗瓶"
                  "袋枚轮面扇道株堆名匹尊")
ZH_NUMBER_CLASSIFIER = re.compile(f"^[{ZH_NUMERALS}]+[{ZH_CLASSIFIERS}]?$")

ZH_STOPWORDS = frozenset(
    "的 地 得 了 着 过 和 与 跟 及 或 在 是 有 把 将 让 给 被 从 向 对 于 为 成 就 都 也 还 又 "
    "很 非常 更 最 太 它 他 她 它们 他们 她们 我 你 我们 你们 这 那 这个 那个 这些 那些 "
    "上 下 里 中 内 外 边 旁 一个 一只 一些 一下 请 帮 帮我 要 想 能 可以 再 吧 呢 啊 吗 "
    "一点 一点儿 稍微 然后 并且 而且 同时 改 换 变 加 去掉 删掉 换成 变成 改成 改为 变为 "
    "替换 替换成 画 画成 弄 弄成 做成 整 使 使得 用 来 去 到 放 放到 放在 图 图片 画面 "
    "照片 背景 风格 颜色 色 样子".split()
)


# --------------------------------------------------------------------------- English

EN_STOPWORDS = frozenset(
    "a an the of and or but with without in on at to from by for into onto over under up down "
    "out off about above below near behind beside between through during it its it's this that "
    "these those there here is are was were be been being am do does did has have had having "
    "can could would should will shall may might must i me my we us our you your he him his she "
    "her they them their some any all each every no not very too so such just also only then "
    "than as like make made makes making turn turned change changed please now instead more "
    "less much many one's let let's want wants put place set get got give gave show image "
    "picture photo's scene thing things one".split()
)

_IRREGULAR_PLURALS = {
    "mice": "mouse", "children": "child", "people": "person", "men": "man", "women": "woman",
    "feet": "foot", "teeth": "tooth", "geese": "goose", "leaves": "leaf", "wolves": "wolf",
    "knives": "knife", "shelves": "shelf", "loaves": "loaf", "calves": "calf", "halves": "half",
    "elves": "elf", "thieves": "thief", "wives": "wife", "lives": "life", "oxen": "ox",
    "cacti": "cactus", "fungi": "fungus", "dice": "die", "scarves": "scarf", "dwarves": "dwarf",
    "hooves": "hoof", "wharves": "wharf", "sheaves": "sheaf",
}
_PLURAL_OF = {v: k for k, v in _IRREGULAR_PLURALS.items()}
_SAME_PLURAL = frozenset("sheep fish deer species series aircraft salmon trout moose bison "
                         "swine shrimp squid glasses sunglasses goggles scissors pants jeans "
                         "trousers shorts headphones clothes".split())
_KEEP_S = ("ss", "us", "is", "ous", "news", "ics")


# one spelling for words British and American write differently ("flat colours" is the
# prompt's "flat colors")
_AMERICAN = {"colour": "color", "grey": "gray", "centre": "center", "theatre": "theater",
             "jewellery": "jewelry", "armour": "armor", "harbour": "harbor", "metre": "meter",
             "neighbour": "neighbor", "aluminium": "aluminum", "tyre": "tire", "moustache":
             "mustache", "pyjama": "pajama", "favourite": "favorite", "parlour": "parlor"}


def stem(word: str) -> str:
    """A small English normaliser: lowercase, singular and one spelling ("cats" -> "cat",
    "glasses" -> "glass", "leaves" -> "leaf", "colours" -> "color"). Not a linguist's
    stemmer; enough to match prompt words."""
    w = _singular(word)
    return _AMERICAN.get(w, w)


def _singular(word: str) -> str:
    w = word.lower().strip("'’")
    if w in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[w]
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith(("'s", "’s")):
        w = w[:-2]
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "ches", "shes", "xes", "zes", "oes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(_KEEP_S):
        return w[:-1]
    return w


def pluralize(noun: str) -> str:
    """English plural of a singular noun ("cat" -> "cats", "fox" -> "foxes", "mouse" -> "mice")."""
    w = noun
    low = w.lower()
    if low in _SAME_PLURAL or not low.isalpha() or low.endswith(("fish", "sheep", "deer")):
        return w  # "goldfish", "swordfish"
    if low in _PLURAL_OF:
        return _PLURAL_OF[low]
    if low.endswith("y") and len(low) > 1 and low[-2] not in "aeiou":
        return w[:-1] + "ies"
    if low.endswith(("s", "x", "z", "ch", "sh")) or low in ("tomato", "potato", "hero", "mango"):
        return w + "es"
    if low.endswith("f") and low in ("wolf", "leaf", "shelf", "loaf", "calf", "half", "elf",
                                     "thief", "scarf"):
        return w[:-1] + "ves"
    if low.endswith("fe") and low in ("knife", "wife", "life"):
        return w[:-2] + "ves"
    return w + "s"


def singularize(noun: str) -> str:
    """The singular of an English noun, keeping its capitalisation where it can."""
    low = noun.lower()
    if low in _SAME_PLURAL:
        return noun
    s = stem(low)
    return s if noun.islower() else (s.capitalize() if noun[:1].isupper() else s)


def is_plural(noun: str) -> bool:
    low = noun.lower()
    if low in _SAME_PLURAL:
        return low.endswith("s")
    return stem(low) != low


_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+")


def en_words(text: str) -> list[str]:
    """Lowercase English words and numbers of ``text``."""
    return [m.group(0).lower() for m in _EN_WORD.finditer(text or "")]
