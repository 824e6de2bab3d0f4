"""Chinese prompts for English-only image models, and the bilingual lexicon behind it.

``to_english`` tries, in order: the agent's chat LLM (when one is passed), the profile's
transformers translation model (``profile.translator``, only if it can be loaded), and a
built-in lexicon translator that works offline (``data/zh_en.tsv`` + the prompt vocabulary
+ the entity names). Profiles whose image model reads Chinese (``native_chinese``) skip
translation. The original text always travels with the result so it can be stored.

The same lexicon serves the other prompt tools: :func:`zh_to_en` / :func:`en_to_zh` for
short phrases (a rewrite instruction in one language applied to a prompt in the other), and
:func:`concepts` to compare keywords across languages (content integrity).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.text import (
    EN_STOPWORDS,
    MAX_PROMPT_CHARS,
    ZH_NUMBER_CLASSIFIER,
    add_words,
    clean_text,
    en_words,
    has_cjk,
    pluralize,
    pos_segment,
    stem,
)

if TYPE_CHECKING:
    from settings import Settings

DATA = Path(__file__).resolve().parent / "data"

LLM_SYSTEM = (
    "You translate prompts for an image generator from Chinese into English. Translate "
    "faithfully: keep every subject, colour, count, style, place and detail; do not add or "
    "explain anything. Reply with the English prompt only, on one line."
)


@dataclass(frozen=True)
class Translation:
    """``text`` is what the image model should read; ``original`` what the user wrote."""

    text: str
    original: str
    backend: str  # "none" (nothing to do) | "llm" | "model" | "lexicon"
    note: str = ""


# ------------------------------------------------------------------------ the lexicon


@dataclass(frozen=True)
class VocabEntry:
    category: str  # color | style | time | weather | season | camera | place | wear | hold
    key: str
    en: tuple[str, ...]  # every English variant, lowercase
    en_strong: tuple[str, ...]  # variants that mark the category even inside a prompt
    zh: tuple[str, ...]
    en_phrase: str
    zh_phrase: str


def _rows(path: Path) -> list[list[str]]:
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        out.append([c.strip() for c in line.split("\t")])
    return out


@lru_cache(maxsize=1)
def vocabulary() -> tuple[VocabEntry, ...]:
    """The categorised prompt vocabulary of ``data/vocab.tsv``."""
    entries = []
    for row in _rows(DATA / "vocab.tsv"):
        if len(row) < 6:
            continue
        cat, key, en, zh, en_phrase, zh_phrase = row[:6]
        variants = [v.strip().lower() for v in en.split("|") if v.strip()]
        entries.append(VocabEntry(
            category=cat, key=key,
            en=tuple(v.rstrip("*") for v in variants),
            en_strong=tuple(v for v in variants if not v.endswith("*")),
            zh=tuple(z for z in zh.split("|") if z),
            en_phrase=en_phrase, zh_phrase=zh_phrase,
        ))
    tags = {"place": "s", "color": "a", "time": "t", "season": "t"}
    add_words({z: tags.get(e.category, "n") for e in entries for z in e.zh})
    return tuple(entries)


_lex_lock = threading.Lock()
_lex_cache: dict[str, Any] = {}


def _entity_rows() -> list[tuple[str, list[str]]]:
    """(entity name, aliases) of the shipped entity lexicon (names translate like words)."""
    out = []
    for row in _rows(DATA / "lexicon.tsv"):
        if len(row) >= 2:
            out.append((row[0], [a.strip() for a in row[1].split("|") if a.strip()]))
    return out


def zh_en_lexicon() -> dict[str, str]:
    """Chinese word or phrase -> English; an empty value means "drop this word"."""
    with _lex_lock:
        if "zh_en" in _lex_cache:
            return _lex_cache["zh_en"]
    lex: dict[str, str] = {}
    for e in vocabulary():
        english = e.en[0] if e.category not in ("place",) else e.en[0]
        for z in e.zh:
            lex.setdefault(z, english)
    for name, aliases in _entity_rows():
        for a in aliases:
            if has_cjk(a):
                lex[a] = name
    for row in _rows(DATA / "zh_en.tsv"):
        if row and row[0]:
            lex[row[0]] = row[1] if len(row) > 1 else ""
    add_words({k: ("v" if v.split(" ")[0].endswith("ing") else "n") for k, v in lex.items()
               if v})
    with _lex_lock:
        _lex_cache["zh_en"] = lex
        _lex_cache["zh_max"] = max((len(k) for k in lex), default=1)
    return lex


def en_zh_lexicon() -> dict[str, str]:
    """English word or phrase (lowercase) -> Chinese, for phrases going the other way."""
    with _lex_lock:
        if "en_zh" in _lex_cache:
            return _lex_cache["en_zh"]
    rev: dict[str, str] = {}
    for e in vocabulary():
        for v in e.en:
            rev.setdefault(v, e.zh_phrase if e.category in ("color", "time", "weather",
                                                             "season", "camera") else e.zh[0])
    for name, aliases in _entity_rows():
        zh = next((a for a in aliases if has_cjk(a)), None)
        if zh:
            for a in [name, *aliases]:
                if not has_cjk(a):
                    rev.setdefault(a.lower(), zh)
    pairs = [(zh, en.lower()) for zh, en in zh_en_lexicon().items()
             if en and en.lower() not in ("a", "an", "the", "one")
             and not ZH_NUMBER_CLASSIFIER.match(zh)]
    for zh, en in pairs:
        if " " not in en:
            rev.setdefault(en, zh)
    modifiers = {v for e in vocabulary() if e.category in ("color", "size", "material")
                 for v in e.en if " " not in v}
    for zh, en in pairs:  # "red scarf" is red + scarf, never 红领巾 (the Young Pioneers')
        first, _, rest = en.partition(" ")
        if rest and not (first in modifiers and rest in rev):
            rev.setdefault(en, zh)
    with _lex_lock:
        _lex_cache["en_zh"] = rev
    return rev


def _zh_max() -> int:
    zh_en_lexicon()
    return _lex_cache.get("zh_max", 4)


# ------------------------------------------------------------------ zh -> en (lexicon)

_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
        "九": 9, "十": 10}
EN_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
              8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve"}
_LOCATIVE_VERBS = {"在": "", "正在": "", "坐在": "sitting", "站在": "standing",
                   "躺在": "lying", "停在": "parked", "趴在": "lying", "睡在": "sleeping",
                   "住在": "living", "位于": "", "漂浮在": "floating", "走在": "walking",
                   "飞在": "flying", "挂在": "hanging", "立在": "standing", "落在": "perched"}
_LOC_SUFFIX = {"上": "on", "上面": "on", "之上": "above", "里": "in", "里面": "in",
               "中": "in", "之中": "in", "内": "inside", "下": "under", "下面": "under",
               "底下": "under", "旁": "beside", "旁边": "beside", "边": "by", "边上": "by",
               "前": "in front of", "前面": "in front of", "后": "behind", "后面": "behind",
               "外": "outside", "外面": "outside", "中间": "in the middle of",
               "附近": "near", "周围": "around", "之间": "between", "对面": "across from"}
# "桌上放着一本书", "树上有两只鸟": a thing in a place, said place first
_EXISTENTIAL_VERBS = {"放着": "", "摆着": "", "有": "", "站着": "standing", "坐着": "sitting",
                      "停着": "parked", "挂着": "hanging", "躺着": "lying", "趴着": "lying",
                      "长着": "growing", "蹲着": "crouching", "飞着": "flying",
                      "落着": "perched", "放了": "", "摆了": ""}
_EXISTENTIAL = re.compile(r"(?:在)?([\u4e00-\u9fff]{1,8}?)(上面|上|里面|里|下面|下|旁边|边上|前面|"
                          r"后面|中间|周围)(" + "|".join(_EXISTENTIAL_VERBS) +
                          r")([\u4e00-\u9fff\d]{2,})")
_ZH_PUNCT = {"，": ", ", "、": ", ", "。": ". ", "；": "; ", "：": ": ", "！": "! ",
             "？": "? ", "（": " (", "）": ") ", "“": '"', "”": '"', "《": '"', "》": '"'}


def zh_number(token: str) -> int | None:
    """The count of a numeral(+classifier) token such as "两只" or "3个", else ``None``."""
    if not ZH_NUMBER_CLASSIFIER.match(token or ""):
        return None
    digits = re.match(r"\d+", token)
    if digits:
        return int(digits.group(0))
    head = token[0]
    if head == "十" and len(token) > 1 and token[1] in _NUM:
        return 10 + _NUM[token[1]]
    if len(token) > 1 and token[1] == "十":
        return _NUM.get(head, 1) * 10 + (_NUM.get(token[2], 0) if len(token) > 2 else 0)
    return _NUM.get(head)


def _word_en(token: str) -> str | None:
    """English for one Chinese token: the lexicon, else a longest-match split, else None."""
    lex = zh_en_lexicon()
    if token in lex:
        return lex[token]
    n = zh_number(token)
    if n is not None:
        return "a" if n == 1 else EN_NUMBERS.get(n, str(n))
    parts, i, unknown = [], 0, False
    top = _zh_max()
    while i < len(token):
        for j in range(min(len(token), i + top), i, -1):
            piece = token[i:j]
            if piece in lex:
                if lex[piece]:
                    parts.append(lex[piece])
                i = j
                break
        else:
            if has_cjk(token[i]):
                unknown = True
            parts.append(token[i])
            i += 1
    if unknown and len(parts) == len(token):
        return None  # nothing known at all: keep the Chinese
    return " ".join(p for p in parts if p)


def _place_phrase(zh: str) -> str | None:
    for e in vocabulary():
        if e.category == "place" and zh in e.zh:
            return e.en_phrase
    return None


_VERB_ZHE = {"戴", "穿", "拿", "抱", "背", "骑", "握", "举", "牵", "提", "披", "叼", "捧", "撑"}


def _zh_tokens(text: str) -> list[tuple[str, str]]:
    """jieba (word, flag) pairs with "戴"+"着" merged into one verb, as the lexicon has it."""
    out: list[tuple[str, str]] = []
    for w, f in pos_segment(text):
        if w == "着" and out and out[-1][0] in _VERB_ZHE:
            out[-1] = (out[-1][0] + "着", "v")
        elif (out and zh_number(out[-1][0]) is not None and len(w) > 1
              and zh_number(out[-1][0] + w[0]) is not None and w[1:] in zh_en_lexicon()):
            # "一"+"本书": the measure word goes with the number ("一本" + "书")
            out[-1] = (out[-1][0] + w[0], "m")
            out.append((w[1:], "n"))
        else:
            out.append((w, f))
    return out


def _is_boundary(tok: tuple[str, str]) -> bool:
    w = tok[0]
    return (w in _ZH_PUNCT or not has_cjk(w) or w in _LOCATIVE_VERBS
            or zh_number(w) is not None or w in ("和", "与", "跟", "把"))


def _verbish(tok: tuple[str, str]) -> bool:
    w, f = tok
    en = zh_en_lexicon().get(w, "")
    if en:  # the lexicon knows better than the tagger: "教练" is a coach, not a verb
        return en.split(" ")[0].endswith("ing")
    return f.startswith("v")


def _reorder_relatives(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """"戴着眼镜的男人" -> "男人 戴着眼镜": a verb clause before 的 follows its noun in English."""
    out = list(tokens)
    i = 0
    while i < len(out):
        if out[i][0] != "的":
            i += 1
            continue
        k, verb_at = i - 1, None
        while k >= 0 and not _is_boundary(out[k]):
            if _verbish(out[k]):
                verb_at = k
            k -= 1
        m = i + 1
        while (m < len(out) and not _is_boundary(out[m]) and out[m][0] != "的"
               and not _verbish(out[m])):
            m += 1
        if verb_at is not None and m > i + 1:
            clause, head = out[verb_at:i], out[i + 1:m]
            out[verb_at:m] = head + clause
            i = verb_at + len(head) + len(clause)
        else:
            i += 1
    return out


def _locative(tokens: list[tuple[str, str]], i: int) -> tuple[list[str], int] | None:
    """English for "在 X 上" starting at ``tokens[i]`` and the index after it, or None."""
    verb = _LOCATIVE_VERBS[tokens[i][0]]
    j, prep, middle = i + 1, None, []
    lex = zh_en_lexicon()
    if j < len(tokens) and _verbish(tokens[j]) and tokens[j][0] not in lex.get("", ""):
        if tokens[j][0] not in _LOC_SUFFIX and _place_phrase(tokens[j][0]) is None:
            return [verb], j  # "在看书": progressive, not a place
    while j < len(tokens) and j <= i + 6:
        w = tokens[j][0]
        if w in _ZH_PUNCT or w in _LOCATIVE_VERBS or not has_cjk(w):
            break
        if w in _LOC_SUFFIX and middle:
            prep = _LOC_SUFFIX[w]
            j += 1
            break
        if (w not in lex and len(w) > 1 and w[-1] in _LOC_SUFFIX
                and (w[:-1] in lex or _place_phrase(w[:-1]))):
            middle.append(w[:-1])
            prep = _LOC_SUFFIX[w[-1]]
            j += 1
            break
        if _verbish(tokens[j]) and middle:
            break
        middle.append(w)
        j += 1
    if not middle:
        return None
    joined = "".join(middle)
    phrase = _place_phrase(joined)
    if phrase and prep is None:
        return [verb, phrase], j
    if phrase:  # "窗台上": the vocabulary's noun phrase with this preposition
        body = re.sub(r"^(?:on|in|at|by|among|in front of|on the)\s+", "", phrase)
        if phrase.startswith("on the "):
            body = "the " + body
        return [verb, prep, body], j
    inner = " ".join(filter(None, (_word_en(m) or m for m in middle)))
    if re.fullmatch(r"[a-z]+", inner) and stem(inner) == inner:
        inner = "a " + inner  # "树下" -> "under a tree"
    return [verb, prep or "in", inner], j


def zh_to_en(text: str) -> str:
    """Offline lexicon translation of Chinese (mixed text: the English parts are kept).

    Segments with jieba (lexicon phrases stay whole), translates word by word with a
    longest match inside unknown words, puts "戴着眼镜的男人" in English order, turns
    "在…上/里/下" into prepositions and pluralises nouns after a count. Words it does not
    know stay as they are.
    """
    text = clean_text(text)
    if not has_cjk(text):
        return text
    parts = re.split(r"([，,。；;])", text)
    if len(parts) > 1:  # each part on its own, so a part may be a sentence of its own
        return tidy_english(" ".join(zh_to_en(p) if p not in "，,。；;" else _ZH_PUNCT.get(p, p)
                                     for p in parts if p))
    m = _EXISTENTIAL.fullmatch(text)
    if m and m.group(1) not in ("门", "这", "那", "它", "他", "她"):
        # "船上放着几只海鸥": there are some seagulls on the boat
        place, where, verb, thing = m.groups()
        return tidy_english(f"{zh_to_en(thing)} {_EXISTENTIAL_VERBS[verb]} "
                            f"{_LOC_SUFFIX[where]} the {zh_to_en(place)}")
    zh_en_lexicon()  # teaches the segmenter the lexicon's words first
    tokens = _reorder_relatives(_zh_tokens(text))
    out: list[str] = []
    plural_next = False
    adjective = False
    i = 0
    while i < len(tokens):
        word, flag = tokens[i]
        if word in _ZH_PUNCT:
            out.append(_ZH_PUNCT[word])
            i += 1
            continue
        if not has_cjk(word):
            out.append(word)
            i += 1
            continue
        if word in _LOCATIVE_VERBS:
            loc = _locative(tokens, i)
            if loc is not None:
                out += loc[0]
                i = loc[1]
                continue
        n = zh_number(word)
        en = _word_en(word)
        if en is None:
            if out and has_cjk(out[-1][-1:]):
                out[-1] += word  # unknown Chinese stays one piece
            else:
                out.append(word)
        elif en:
            # "三只华丽的猫", "三只毛茸茸的小狗": the count is of the noun, not the adjective
            adjective = (i + 1 < len(tokens) and tokens[i + 1][0] == "的") or word.endswith("的")
            if plural_next and adjective:
                pass
            elif plural_next and (flag.startswith("n") or flag in ("zg", "ng")) and \
                    " " not in en and en.isalpha() and not en.endswith("ing"):
                en = pluralize(en)
                plural_next = False
            out.append(en)
        if n is not None and n > 1:
            plural_next = True
        elif flag.startswith("n") and not (en and adjective):
            plural_next = False
        i += 1
    return tidy_english(" ".join(p for p in out if p))


def tidy_english(text: str) -> str:
    """Spaces around punctuation, repeated words and articles (a/an) put right."""
    s = re.sub(r"\s+", " ", text).strip()
    s = re.sub(r"\s+([,.;:!?)])", r"\1", s)
    s = re.sub(r"([,;])(?=\S)", r"\1 ", s)
    s = re.sub(r"(?:,\s*){2,}", ", ", s)
    s = re.sub(r"\b([A-Za-z]+)(\s+\1\b)+", r"\1", s, flags=re.I)
    s = fix_articles(s)
    return s.strip(" ,;")


_VOWEL_SOUND_EXCEPTIONS = ("uni", "use", "usu", "euro", "one", "once", "ukiyo")
_SILENT_H = ("hour", "honest", "honor", "honour", "heir")


def fix_articles(text: str) -> str:
    """"a apple" -> "an apple", "an car" -> "a car" (a/an agree with the next word)."""

    def repl(m: re.Match[str]) -> str:
        art, word = m.group(1), m.group(2)
        low = word.lower()
        vowel = low[0] in "aeiou" and not low.startswith(_VOWEL_SOUND_EXCEPTIONS)
        vowel = vowel or low.startswith(_SILENT_H) or (low[0] in "8" or low in ("11", "18"))
        want = "an" if vowel else "a"
        if art[0].isupper():
            want = want.capitalize()
        return f"{want} {word}"

    return re.sub(r"\b([Aa]n?) ([A-Za-z0-9][\w'-]*)", repl, text)


# ------------------------------------------------------------------ en -> zh (phrases)

_ANIMAL_HINT = "猫狗鸟鱼兔熊虎狮象鹿马牛羊猪鸡鸭鹅鹰龙蛇龟蛙蝶蜂鼠猴狐狼"


def classifier_for(zh_noun: str) -> str:
    """A plausible measure word for a Chinese noun ("猫" -> "只", "车" -> "辆")."""
    last = zh_noun[-1:] if zh_noun else ""
    if any(ch in zh_noun for ch in _ANIMAL_HINT):
        return "只" if last != "鱼" else "条"
    table = {"车": "辆", "树": "棵", "花": "朵", "船": "艘", "书": "本", "山": "座", "塔": "座",
             "桥": "座", "楼": "栋", "房": "栋", "伞": "把", "剑": "把", "椅": "把",
             "帽": "顶", "镜": "副", "人": "个", "孩": "个", "星": "颗", "灯": "盏",
             "苹果": "个", "杯": "个"}
    for k, v in table.items():
        if k in zh_noun:
            return v
    return "个"


_ZH_DIGITS = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九",
              10: "十"}


def zh_count(n: int, noun: str = "") -> str:
    """"两只" for (2, "猫"): a Chinese numeral and measure word."""
    return _ZH_DIGITS.get(n, str(n)) + classifier_for(noun)


WORD_NUMBERS = {v: k for k, v in EN_NUMBERS.items()} | {"a": 1, "an": 1, "single": 1,
                                                       "couple": 2, "pair": 2}


_EN_PLACE_PREP = re.compile(
    r"^(.*?)\b(on top of|in front of|next to|on|in|inside|under|beneath|beside|near|behind|"
    r"above|over|at)\s+(.+)$", re.I)
_ZH_PLACE_FRAME = {"on top of": "{}顶上", "in front of": "{}前面", "next to": "{}旁边",
                   "on": "{}上", "in": "{}里", "inside": "{}里", "under": "{}下",
                   "beneath": "{}下", "beside": "{}旁边", "near": "{}附近", "behind": "{}后面",
                   "above": "{}上方", "over": "{}上方", "at": "{}"}


def en_to_zh(text: str) -> str:
    """Lexicon translation of a short English phrase into Chinese ("a red hat" -> "红色的帽子",
    "sitting on the rocks" -> "坐在岩石上").

    Greedy longest match over up to four words; articles dropped; numbers become a numeral
    and measure word; unknown words are kept in English. A place phrase at the end ("on X",
    "under X") becomes "在X上", "在X下"...
    """
    m = _EN_PLACE_PREP.match(clean_text(text))
    if m and m.group(3).strip() and not en_zh_lexicon().get(clean_text(text).lower()):
        obj = _en_to_zh_words(m.group(3))
        if obj and has_cjk(obj) and not re.search(r"[A-Za-z]", obj):
            places = {z for e in vocabulary() if e.category == "place" for z in e.zh}
            frame = _ZH_PLACE_FRAME[m.group(2).lower()]
            place = obj if obj in places and m.group(2).lower() in ("on", "in", "at") \
                else frame.format(obj)  # "on a beach" -> "在海边", not "在海边上"
            head = _en_to_zh_words(m.group(1)) if m.group(1).strip() else ""
            return (head + "在" + place).strip()
    return _en_to_zh_words(text)


def _en_to_zh_words(text: str) -> str:
    words = en_words(clean_text(text))
    rev = en_zh_lexicon()
    pieces: list[tuple[str, bool]] = []  # (text, is_chinese)
    count: int | None = 1 if words[:1] in (["a"], ["an"], ["one"]) else None
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("a", "an", "the", "some", "of") and not pieces:
            i += 1
            continue
        if (w in WORD_NUMBERS and w not in ("a", "an")) or w.isdigit():
            count = int(w) if w.isdigit() else WORD_NUMBERS[w]
            i += 1
            continue
        for j in range(min(len(words), i + 4), i, -1):
            phrase = " ".join(words[i:j])
            zh = rev.get(phrase) or (rev.get(stem(phrase)) if j == i + 1 else None)
            if zh:
                pieces.append((zh, True))
                i = j
                break
        else:
            if w not in ("a", "an", "the", "of", "with", "and"):
                pieces.append((w, False))
            i += 1
    out = ""
    colours = {e.zh_phrase for e in vocabulary() if e.category == "color"} | {
        z for e in vocabulary() if e.category == "color" for z in e.zh}
    for k, (p, zh) in enumerate(pieces):
        if zh and out and not out.endswith(" ") and out[-1].isascii():
            out += " "
        elif not zh and out:
            out += " "
        out += p
        nxt = pieces[k + 1] if k + 1 < len(pieces) else None
        if zh and nxt and nxt[1] and p in colours and p.endswith("色"):
            out += "的"
    places = {z for e in vocabulary() if e.category in ("place", "time", "weather", "season",
                                                         "camera", "color", "style")
              for z in (*e.zh, e.zh_phrase)}
    if count is not None and pieces and pieces[-1][1] and pieces[-1][0] not in places:
        out = zh_count(count, pieces[-1][0]) + out
    return out.strip()


# ------------------------------------------------------------------ concepts (integrity)


def concepts(word: str) -> frozenset[str]:
    """Language-neutral forms of one keyword: English stems, via the lexicon for Chinese.

    ``concepts("红色") == {"red"}``, ``concepts("cats") == {"cat"}``; a Chinese word the
    lexicon does not know is its own concept.
    """
    if not has_cjk(word):
        return frozenset({stem(word)})
    en = _word_en(word)
    if not en:
        return frozenset({word})
    stems = {stem(w) for w in en_words(en) if w not in EN_STOPWORDS}
    return frozenset(stems) if stems else frozenset({word})


# ------------------------------------------------------------------------ to_english


def to_english(text: str, *, settings: Settings, llm: Any = None) -> Translation:
    """What an English-only image model should read for ``text`` (see module doc)."""
    from tools.models import profile_for

    original = clean_text(text, MAX_PROMPT_CHARS)
    if not has_cjk(original):
        return Translation(original, original, "none")
    if profile_for(settings).native_chinese:
        return Translation(original, original, "none", "the image model reads Chinese")
    notes = []
    if llm is not None:
        try:
            out = _by_llm(original, llm)
            if out:
                return Translation(out, original, "llm")
            notes.append("the chat model's translation was unusable")
        except Exception as e:  # noqa: BLE001 - any LLM failure means: try the next way
            notes.append(f"the chat model failed ({type(e).__name__})")
    try:
        out = _by_model(original, settings)
        if out:
            return Translation(out, original, "model")
    except Exception as e:  # noqa: BLE001
        notes.append(f"the translation model failed ({type(e).__name__})")
    return Translation(zh_to_en(original), original, "lexicon", "; ".join(notes))


def _usable(candidate: str, original: str) -> str:
    out = clean_text(candidate).strip().strip('"“”').strip()
    out = re.sub(r"^(english( prompt)?|translation)\s*[:：]\s*", "", out, flags=re.I)
    if not out or len(re.findall(r"[\u4e00-\u9fff]", out)) > len(out) * 0.1:
        return ""
    return out


def _by_llm(text: str, llm: Any) -> str:
    from langchain_core.messages import HumanMessage, SystemMessage

    reply = llm.invoke([SystemMessage(LLM_SYSTEM), HumanMessage(text)])
    return _usable(message_text(reply), text)


def message_text(reply: Any) -> str:
    """The plain text of a LangChain message (content may be a list of parts)."""
    content = getattr(reply, "content", reply)
    if isinstance(content, list):
        content = " ".join(p.get("text", "") if isinstance(p, dict) else str(p)
                           for p in content)
    return str(content or "")


def _by_model(text: str, settings: Settings) -> str:
    from tools.models import load_translator

    loaded = load_translator(settings)
    if loaded is None:
        return ""
    import torch

    tokenizer, model = loaded
    batch = tokenizer([text], return_tensors="pt", truncation=True, max_length=512)
    batch = {k: v.to(model.device) for k, v in batch.items()}
    with torch.inference_mode():
        out = model.generate(**batch, max_new_tokens=256, num_beams=4)
    return _usable(tokenizer.batch_decode(out, skip_special_tokens=True)[0], text)
