"""How people type in a chat, read back into plain words before an instruction is parsed:
typos ("remov the tree", "mak it more autum"), chat spellings ("nite", "pls", "bg"),
emoji that stand for a thing ("add a 🦋 on its nose", "make it 🌧️"), and Cantonese written
words ("帮佢戴副太阳眼镜", "个波换做红色嘅") as the Mandarin the rules read.

A word is corrected only when neither the prompt tools (the prompt vocabulary, the
translator's English words, the styles, the words of the picture being changed) nor
pyspellchecker's English dictionary knows it, and only to a word one keystroke away (a
letter missing, extra, wrong or two swapped) that the picture or the prompt tools use, or
that is a common English word. A name or a rare word the user meant stays as it was typed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from tools.text import has_cjk

# chat spellings of whole words
_CHAT = {
    "nite": "night", "tonite": "tonight", "pls": "please", "plz": "please", "plez": "please",
    "thx": "thanks", "thnx": "thanks", "bg": "background", "pic": "picture", "pics": "pictures",
    "rmv": "remove", "w/": "with", "w/o": "without",
    "abt": "about", "ppl": "people", "sm": "some", "smth": "something", "bc": "because",
    "cuz": "because", "coz": "because", "kinda": "kind of", "sorta": "sort of", "gonna": "going to",
    "wanna": "want to", "gimme": "give me", "lemme": "let me", "dont": "don't", "cant": "can't",
    "wont": "won't", "isnt": "isn't", "doesnt": "doesn't", "thru": "through",
    "abit": "a bit", "alittle": "a little", "alot": "a lot", "som": "some", "blu": "blue",
    "pleas": "please", "becuz": "because", "thats": "that's", "whats": "what's",
    "theres": "there's", "hes": "he's", "shes": "she's", "im": "I'm", "ive": "I've",
}
# the words of an edit: corrected to when one keystroke away
_EDIT_WORDS = (
    "make turn change add remove delete erase replace swap put place give move keep leave "
    "undo redo show draw paint create generate render zoom wider bigger smaller larger taller "
    "shorter darker brighter lighter warmer cooler more less some the a an it its them their "
    "his her with without and into onto from instead please again another one two three four "
    "five background foreground sky water lake river sea ocean beach mountain mountains tree "
    "trees forest flower flowers grass snow snowy rain rainy winter summer spring autumn fall "
    "night day morning evening sunset sunrise fog foggy cloud clouds cloudy sunny frozen ice "
    "colour color red blue green yellow orange purple pink black white brown grey gray gold "
    "silver style watercolor watercolour painting photo realistic cartoon anime sketch "
    "picture image little small big large tiny huge bright dark light boat house car dog cat "
    "bird birds people person man woman girl boy child hat glasses shirt dress table chair "
    "window door wall floor road street city garden field castle bridge lamp lights moon sun "
    "stars star happy sad smiling angry surprised look looks looking like very really bit "
    "also now then but not no yes".split())
# everyday words that are never typos of a prompt word ("him" is no "his")
_COMMON = frozenset(
    "bot bots job bruh bro fam ngl tbh fr lowkey highkey sus mid slay bussin yeet vibe vibes "
    "goated rizz reskin reskins reskinned retexture retextured retextures "
    "i me my mine you your yours he him his she her hers we us our they them their this that "
    "these those what which who whom whose where when why how is are was were be been being "
    "am do does did done have has had having can could will would shall should may might must "
    "of to in on at by for from up down out over under about above below between behind "
    "beside near next around through across along against among onto into off than as if "
    "so too very just only even still yet ever never always maybe perhaps please thanks "
    "thank sorry okay ok hi hello hey yeah yep nope lol haha wow cool nice great good bad "
    "love like want need think know see get got go going went come came let lets try same "
    "other else each every all any both few many much most own such here there back again "
    "way thing things stuff bit lot kind sort one ones first last new old right left top "
    "side middle front end part whole entire look made done used well also actually really "
    "quite rather pretty kinda something anything nothing everything someone everyone "
    "day time year man men woman women kid kids baby guy guys girl girls boy boys "
    # words from other languages a prompt says as they are ("chai", not "chair")
    "chai wala wallah boba banh dango arepa lassi pho mochi bao masala naan kulfi tteok "
    "tuk".split())
_EMOJI_WORDS = {
    "🦋": "butterfly", "🌧": "rainy", "☔": "rainy", "🌦": "rainy", "❄": "snowy", "☃": "snowman",
    "⛄": "snowman", "🌨": "snowy", "☀": "sunny", "🌞": "sunny", "🌤": "sunny", "🌙": "night",
    "🌛": "night", "🌜": "night", "🌚": "night", "🌃": "night", "🌅": "sunrise", "🌄": "sunrise",
    "🌇": "sunset", "🌈": "rainbow", "⚡": "lightning", "🌪": "tornado", "🌫": "foggy",
    "🔥": "fire", "⭐": "star", "🌟": "star", "🌊": "waves", "🌸": "cherry blossoms",
    "🌹": "rose", "🌻": "sunflower", "🌷": "tulip", "🌺": "hibiscus flower", "🍂": "autumn leaves",
    "🍁": "maple leaves", "🌲": "pine tree", "🌳": "tree", "🌴": "palm tree", "🌵": "cactus",
    "🐱": "cat", "🐈": "cat", "🐶": "dog", "🐕": "dog", "🐦": "bird", "🐟": "fish", "🐠": "fish",
    "🐰": "rabbit", "🐇": "rabbit", "🦊": "fox", "🐻": "bear", "🐼": "panda", "🦄": "unicorn",
    "🐉": "dragon", "🐲": "dragon", "🦁": "lion", "🐯": "tiger", "🐴": "horse", "🐎": "horse",
    "🦉": "owl", "🐝": "bee", "🐞": "ladybug", "🐢": "turtle", "🐸": "frog", "🐧": "penguin",
    "🦆": "duck", "🐘": "elephant", "🐭": "mouse", "🐷": "pig", "🐮": "cow", "🐑": "sheep",
    "🎩": "top hat", "👑": "crown", "🕶": "sunglasses", "👓": "glasses", "🎀": "bow",
    "🧣": "scarf", "🎈": "balloon", "🎁": "gift box", "🎂": "birthday cake", "🍰": "cake",
    "🕯": "candle", "🏮": "red lantern", "🎃": "pumpkin", "🎄": "christmas tree",
    "☕": "coffee cup", "🍕": "pizza", "🍎": "apple", "🍌": "banana", "🍓": "strawberry",
    "🚗": "car", "🚲": "bicycle", "⛵": "sailboat", "🚀": "rocket", "✈": "airplane",
    "🏠": "house", "🏰": "castle", "⛰": "mountain", "🏔": "snowy mountain", "🌋": "volcano",
    "🏖": "beach", "🌌": "starry sky", "🌠": "shooting star", "☁": "clouds", "💧": "water drops",
    "↩": "undo", "🔙": "undo", "⏪": "undo", "🔁": "again", "🔄": "again",
}
# Cantonese written words, as Mandarin (the longest first when they overlap)
_CANTONESE = {
    "唔该晒": "谢谢", "唔該晒": "谢谢", "唔该": "谢谢", "唔該": "谢谢", "多谢晒": "谢谢",
    "多謝晒": "谢谢", "帮佢": "给他", "幫佢": "给他", "佢哋": "他们", "佢": "他", "嘅": "的",
    "咗": "了", "唔要": "不要", "唔好": "不要", "唔": "不", "係": "是", "冇": "没有",
    "啲": "些", "喺": "在", "嗰个": "那个", "嗰個": "那个", "嗰": "那", "呢个": "这个",
    "呢個": "这个", "畀": "给", "睇": "看", "靓": "漂亮", "靚": "漂亮", "换做": "换成",
    "換做": "换成", "变做": "变成", "變做": "变成", "整成": "弄成", "搞成": "弄成",
    "帮我整": "帮我弄", "幫我整": "帮我弄", "而家": "现在", "仲": "还", "揾": "找",
    "乜嘢": "什么", "点样": "怎么样", "點樣": "怎么样", "边个": "哪个", "邊個": "哪个",
    "正呀": "很好", "好正": "很好", "正啊": "很好", "返": "回", "啱啱": "刚刚",
    "咁": "这么", "嘢": "东西", "攞走": "拿走", "拎走": "拿走", "换咗做": "换成",
    "換咗做": "换成", "改做": "改成", "转做": "换成", "轉做": "换成", "得唔得": "好吗",
    "好唔好": "好吗", "喇": "了", "企喺": "站在", "企在": "站在", "坐低": "坐下",
    "揸住": "拿着", "揸": "拿", "食紧": "吃着", "食緊": "吃着", "落雨": "下雨",
    "雨遮": "雨伞", "电单车": "摩托车", "電單車": "摩托车", "单车": "自行车",
    "單車": "自行车", "樽": "瓶子", "入面": "里面", "𠮶个": "那个", "𠮶": "那",
    "把遮": "把伞", "嚟": "来", "啦": "",
}
_CANTONESE_RE = re.compile("|".join(sorted(map(re.escape, _CANTONESE), key=len, reverse=True)))
# a classifier at the start of a Cantonese sentence names "the" thing: "个波" = "那个球"
_CANTONESE_LEAD = re.compile(r"^(?:个|個|只|隻|架|张|張|条|條|件|顶|頂|些)(?=[\u4e00-\u9fff])")
_CANTONESE_NOUNS = {"波": "球", "太阳眼镜": "墨镜", "雪条": "冰棍", "barbie": "芭比"}
_CANTONESE_MARK = re.compile(r"[佢嘅咗唔係冇啲喺嗰𠮶畀睇靓靚揾嘢攞拎揸樽嚟]|[换換改转轉]做|"
                             r"晒|啱|食[紧緊]|企[喺在]|坐低")


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    """Every English word the prompt tools know."""
    from tools.translate import vocabulary, zh_en_lexicon

    words: set[str] = set(_EDIT_WORDS)
    for e in vocabulary():
        for v in (*e.en, e.en_phrase):
            words.update(re.findall(r"[a-z]+", v.lower()))
    for en in zh_en_lexicon().values():
        words.update(re.findall(r"[a-z]+", en.lower()))
    styles = Path(__file__).parent / "data" / "styles.tsv"
    if styles.is_file():
        words.update(re.findall(r"[a-z]+", styles.read_text(encoding="utf-8").lower()))
    return frozenset(w for w in words if len(w) > 1)


# words the prompt tools know that show nothing on their own
_NOT_SEEN = frozenset("good bad way now one back close closer spot distracted fine ok okay bot "
                      "great nice cool right left more less well done much very just still "
                      "again new old sure".split())


def is_word(word: str) -> bool:
    """True when ``word`` is an English word (pyspellchecker's dictionary), not a typo or
    keyboard noise ("asdfgh")."""
    return bool(_checker().known([word.lower()]))


def picture_words() -> frozenset[str]:
    """The English words of things, looks and changes a picture can show."""
    return _known() - _NOT_SEEN


def _plain(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


@lru_cache(maxsize=1)
def _checker() -> Any:
    """pyspellchecker's English word frequencies, candidates one edit away."""
    from spellchecker import SpellChecker

    return SpellChecker(distance=1)


def _correct_word(word: str, known: frozenset[str], context: frozenset[str]) -> str:
    low = word.lower()
    if low in _CHAT:
        return _CHAT[low]
    if len(low) < 3 or not low.isalpha() or any(
            form in pool for form in (low, _plain(low), low + "s", low + "es")
            for pool in (known, context, _COMMON)):
        return word
    checker = _checker()
    if low in checker:
        return word  # an English word, however rare: what the user meant
    if len(low) == 3:  # "mak": a letter left out of an edit word ("qwe", "yay" stay)
        longer = [w for w in checker.candidates(low) or () if len(w) == 4 and (
            w in _EDIT_WORDS or w in context)]
        return longer[0] if len(longer) == 1 else word
    ours = [w for w in (checker.candidates(low) or ()) if w in context or w in known]
    if len(ours) == 1:
        return ours[0]
    best = checker.correction(low)
    if best and best != low and (best in known or best in context or best in _COMMON
                                 or checker.word_usage_frequency(best) >= 1e-5):
        return best
    return word


def emoji_words(text: str) -> str:
    """'add a 🦋 on its nose' -> 'add a butterfly on its nose'; emoji naming nothing stay."""
    out = text
    for mark, word in _EMOJI_WORDS.items():
        if mark in out:
            said = re.search(rf"\b{re.escape(word)}\b", out, re.I)  # "↩️ undo": said already
            out = re.sub(rf"\s*{re.escape(mark)}\ufe0f?\s*", " " if said else f" {word} ", out)
    return re.sub(r"\s{2,}", " ", out).strip() if out != text else text


def mandarin(text: str) -> str:
    """Cantonese written words as Mandarin ('个波换做红色嘅' -> '那个球换成红色的')."""
    if not _CANTONESE_MARK.search(text):
        return text
    out = re.sub(r"([换換转轉改变變])咗?做", r"\1成", text)  # "背景轉咗做海邊": 换成
    out = re.sub(r"[转轉]成", "换成", out)
    out = re.sub(r"([戴着著穿加画畫整])返", r"\1上", out)  # "幫佢戴返條頸巾": put one on
    out = re.sub(r"(戴上|穿上|加上)([条條件顶頂只隻个個])", r"\1一\2", out)
    out = re.sub(r"([喺在][\u4e00-\u9fff]{1,4}?)度(?=[，,。！!\s]|$)", r"\1", out)  # "天台度"
    out = _CANTONESE_RE.sub(lambda m: _CANTONESE[m.group(0)], out)
    if _CANTONESE_LEAD.match(out):
        out = "那" + out
    for yue, zh in _CANTONESE_NOUNS.items():
        if yue in out and zh not in out:
            out = out.replace(yue, zh)
    return out


# one message in both languages ("天气 change to snowing", "把 background 换成 beach"): the
# sentence is built in one of them (its frame), and the words of the other are read in it
_EN_FRAME = re.compile(r"\b(?:make|add|put|change|turn|remove|delete|get rid|give|let|replace|"
                       r"swap|draw|paint|can you|could you|please|i want|i'd like|set|more|less|"
                       r"no|without|instead)\b", re.I)
_ZH_FRAME = re.compile(r"把|换成|改成|变成|弄成|画成|换个|给|让|去掉|删掉|删除|加上|加个|加一|不要|"
                       r"来个|来点|帮我|能不能|可不可以|可以")
# the Chinese frame words said inside an English sentence ("加 a baby panda", "make him 吃 apple")
_ZH_IN_EN = {"加": "add", "加上": "add", "添加": "add", "加个": "add a", "加一个": "add a",
             "去掉": "remove", "删掉": "remove", "删除": "remove", "不要": "no",
             "换成": "change to",
             "改成": "change to", "变成": "turn into", "吃": "eat", "拿": "hold", "拿着": "holding",
             "戴": "wear", "戴上": "wearing", "穿": "wear", "画": "draw", "把": "", "给": "give",
             "让": "let", "和": "and", "在": "in", "的": "", "也": "also", "再": "again"}
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z' -]*[A-Za-z]|[A-Za-z]")


def code_switched(text: str, context: str = "") -> str:
    """A message in both languages built as an English sentence, in English: "天气 change to
    snowing" -> "weather change to snowing", "加 a little baby panda" -> "add a little baby
    panda". A Chinese sentence keeps its English words (the rules read each part in its
    language). Words the lexicon does not know (names, brands) stay as they are."""
    from tools.translate import zh_to_en

    if text.lstrip().startswith("/") or not has_cjk(text):
        return text
    latin = [w for w in re.findall(r"[A-Za-z]+", text) if len(w) > 1 or w.lower() == "a"]
    if not latin:
        return text
    cjk = sum(len(r) for r in _CJK_RUN.findall(text))
    english = bool(_EN_FRAME.search(text)) or (len(latin) >= 3 and len(latin) * 2 > cjk)
    english = english and not (_ZH_FRAME.search(text) and not _EN_FRAME.search(text))

    def to_en(m: re.Match[str]) -> str:
        run = m.group(0)
        said = _ZH_IN_EN.get(run)
        said = said if said is not None else zh_to_en(run)
        return f" {said} " if not has_cjk(said) else run

    in_en = re.sub(r"\s{2,}", " ", _CJK_RUN.sub(to_en, text)).strip()
    if not english and context.strip() and not has_cjk(context) and not has_cjk(in_en) and any(
            len(run.split()) >= 2 for run in _LATIN_RUN.findall(text)):
        # "sofa 换成 velvet emerald green" to an English picture: an English phrase inside a
        # Chinese sentence that reads wholly in English, where the picture's words are
        english = True
    # a Chinese sentence keeps its English words: the rules read each part in its language
    # ("下雨 + neon reflections", "颜色搞成 pastel 一点")
    return in_en if english else text


def respell(text: str, context: str = "") -> str:
    """``text`` as plain words: a message in both languages in one, emoji named, Cantonese
    as Mandarin, English typos and chat spellings corrected (see the module doc).
    ``context`` is the prompt of the picture the message is about; its words are preferred."""
    out = code_switched(emoji_words(pinyin_slips(text, context)), context)
    if has_cjk(out):
        return mandarin(out)
    known = _known()
    ctx = frozenset(w for w in re.findall(r"[a-z]+", context.lower()) if len(w) > 2)
    fixed = re.sub(r"[A-Za-z][A-Za-z'/]*", lambda m: _correct_word(m.group(0), known, ctx), out)
    if re.match(r"ad\s+(?:a|an|some|the|more|\d)\b", fixed, re.I):
        fixed = "add" + fixed[2:]  # "ad a small boat"
    return singlish(fixed)


_SINGLISH_TAIL = re.compile(r"(?:[\s,]+(?:can or not|can anot|also|lah|leh|lor|meh|sia|ah|"
                            r"hor))+[\s?!.]*$", re.I)


def singlish(text: str) -> str:
    """'can add a plate of satay also lah' -> 'add a plate of satay': the particles around
    a request in Singapore English."""
    if not re.search(r"\b(?:lah|leh|lor|meh|sia|hor|can or not|can anot)\b", text, re.I):
        return text
    out = _SINGLISH_TAIL.sub("", text)
    out = re.sub(r"^can\s+(?=add|make|put|change|remove|give|turn)", "", out, flags=re.I)
    return out.strip() or text


# a syllable in pinyin written beside characters: "feng筝", "hu蝶结", "ni土"
_PINYIN_SLIP = re.compile(r"([\u4e00-\u9fff]{0,2})([a-z]{1,6})([\u4e00-\u9fff]{0,2})", re.I)


def pinyin_slips(text: str, context: str = "") -> str:
    """A character a child or a hurried typist wrote in pinyin, as the character: "把feng筝去掉"
    -> "把风筝去掉", "变成ni土做的" -> "变成泥土做的". The word is looked for in ``context`` (the
    picture's prompt) first, then in the Chinese words the prompt tools know; a syllable no
    such word explains stays as written ("把 sofa 换成红色")."""
    if not has_cjk(text) or not re.search(r"[A-Za-z][\u4e00-\u9fff]|[\u4e00-\u9fff][A-Za-z]", text):
        return text

    def fixed(m: re.Match[str]) -> str:
        pre, syl, post = m.group(1), m.group(2).lower(), m.group(3)
        if not (pre or post) or len(syl) < 2 and syl not in "aeo":
            return m.group(0)
        found = _pinyin_word(pre, syl, post, context)
        return found if found else m.group(0)

    return _PINYIN_SLIP.sub(fixed, text)


def _pinyin_word(pre: str, syl: str, post: str, context: str) -> str | None:
    """``pre`` + the character read ``syl`` + ``post`` (or a shorter part of each), when some
    known word is that; the longest such word of the context, else of the lexicon."""
    from pypinyin import lazy_pinyin

    from tools.translate import zh_en_lexicon

    for pool in (_context_words(context), zh_en_lexicon()):
        for a in range(len(pre) + 1):  # the longest first: "hu蝶结" is 蝴蝶结, not 蝴蝶
            for b in range(len(post), -1, -1):
                left, right = pre[a:], post[:b]
                if not (left or right):
                    continue
                for w in pool:
                    if len(w) == len(left) + 1 + len(right) and w.startswith(left) and \
                            w.endswith(right) and lazy_pinyin(w[len(left)])[0] == syl:
                        return pre[:a] + w + post[b:]
    return None


def _context_words(context: str) -> list[str]:
    """Every run of two to four characters of the prompt."""
    runs = re.findall(r"[\u4e00-\u9fff]+", context)
    return [r[i:i + n] for r in runs for n in (4, 3, 2) for i in range(len(r) - n + 1)]
