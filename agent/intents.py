"""What a message asks for, read deterministically in English and Chinese.

The rules planner turns an :class:`Intent` into tool calls. Image references are read
first ("#2", "[ref#1]", "图2", "第2张", "result 3") and removed from the text, so what is
left is the instruction itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tools.rewrite import parse_instruction

_NUM = r"(\d{1,6})"
# image references: #2, # 2, [ref#1], ref 1, image 2, 图2, 第2张, 2号图
REF_RE = re.compile(
    rf"\[\s*ref\s*#?\s*{_NUM}\s*\]|\bref\s*#?\s*{_NUM}\b|#\s*{_NUM}"
    rf"|\b(?:image|picture|photo|pic|img)\s+(?:number\s+|no\.?\s*)?{_NUM}\b"
    rf"|图\s*{_NUM}|第\s*{_NUM}\s*[张幅个]|{_NUM}\s*号图",
    re.IGNORECASE,
)
RESULT_RE = re.compile(
    rf"\b(?:result|hit|match)\s*#?\s*{_NUM}\b|第\s*{_NUM}\s*个结果|结果\s*{_NUM}", re.IGNORECASE
)


@dataclass
class Intent:
    """``kind`` is one of the names in :data:`KINDS`; the other fields are its slots."""

    kind: str
    text: str = ""  # the instruction / prompt / query with references removed
    refs: list[int] = field(default_factory=list)  # image numbers mentioned, in order
    result: int | None = None  # "result 3" of the last search
    seed: int | None = None
    count: int | None = None
    settings: dict[str, object] = field(default_factory=dict)


KINDS = (
    "help", "undo", "goto", "history", "variations", "reseed", "search", "search_like",
    "use_result", "beautify", "restyle", "img2img", "edit", "settings", "new_chat",
    "describe", "generate", "empty",
)


def _refs(text: str) -> tuple[list[int], str]:
    refs = [int(next(g for g in m.groups() if g)) for m in REF_RE.finditer(text)]
    return refs, REF_RE.sub(" ", text)


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" ,.;:!?，。；：！？、")
    return text.strip()


_HELP = re.compile(r"^(/?help|/start|\?|帮助|怎么用|使用说明|what can you do)\W*$", re.I)
_UNDO = re.compile(r"^(/?undo|undo (that|it|the last( change)?)|go back|revert|撤销|撤回|"
                   r"回退|返回上一(步|张))\W*$", re.I)
_GOTO = re.compile(r"^(?:go\s+)?back\s+to\b|^(?:switch|go)\s+to\b|^回到|^返回|^切换到|^用回", re.I)
_HISTORY = re.compile(r"^(/?history|show (me )?(the )?history|list (the )?images|历史|历史记录|"
                      r"看看历史)\W*$", re.I)
_VARIATIONS = re.compile(r"\b(variations?|variants?|another one|more like (this|it)|again|"
                         r"different seed|new seed|reroll|re-roll)\b|再来(一|几)?(张|次|个)|"
                         r"换个种子|换一张|变体", re.I)
_SEED = re.compile(r"\bseed\s*(?:=|:|to|of)?\s*(\d{1,10})\b|种子\s*(?:=|:|：|为|改成|换成)?\s*"
                   r"(\d{1,10})", re.I)
_SEARCH = re.compile(
    r"^(?:please\s+)?(?:/search\b|search(?:\s+for)?\b|find\b|look\s+for\b|show\s+me\b)"
    r"(?:\s+(?:me|some|all|any|the))?(?:\s+(?:pictures?|images?|photos?|pics?))?"
    r"(?:\s+(?:of|with|showing|about|like))?\s*"
    r"|^(?:帮我)?(?:搜索?|找|查找|检索)(?:一下|一些|几张|下)?",
    re.I,
)
_LIKE = re.compile(r"\b(like|similar to|resembling)\b|相似|类似|像", re.I)
_BEAUTIFY = re.compile(r"\b(beautify|more detail(ed)?|add (more )?details?|make it (look )?"
                       r"(better|prettier|nicer|more beautiful|more detailed)|enhance|improve "
                       r"(the )?prompt)\b|美化|更(多)?细节|更精美|更好看|润色|丰富一下", re.I)
_RESTYLE = re.compile(r"\bin the style of\b|\bstyle of\b|的风格|风格(像|参考)|参考.*风格", re.I)
_STARTING = re.compile(
    r"\b((use\s+(it|this|that)?\s*)?as (the |a )?(starting|start|base|init(ial)?) "
    r"(image|picture|point)|start(ing)? from|"
    r"based on|use .* as (a )?(base|starting point|background))\b|垫图|作为(起始|底图|基础|参考)|"
    r"以.*为(底图|基础)|基于",
    re.I,
)
_SETTINGS = re.compile(
    r"^/?(?:set\s+)?(size|width|height|steps|guidance|cfg|negative(?: prompt)?|"
    r"尺寸|步数|反向提示词)"
    r"\s*(?:=|:|：|to|为)?\s*(.+)$",
    re.I,
)
_NEW_CHAT = re.compile(r"^(/new|new chat|new conversation|start over|重新开始|新对话)\W*$", re.I)


def parse(text: str, *, has_image: bool = False, has_search: bool = False,
          has_upload: bool = False) -> Intent:
    """Read one message. ``has_image``: the conversation has a current image to refine;
    ``has_search``: a previous search left results; ``has_upload``: this turn has uploads."""
    raw = text.strip()
    refs, rest = _refs(raw)
    rest = _clean(rest)
    low = raw.lower()

    if not raw:
        return Intent("describe" if has_upload else "empty", refs=refs)
    if _HELP.match(raw):
        return Intent("help")
    if _NEW_CHAT.match(raw):
        return Intent("new_chat")
    if _UNDO.match(raw):
        return Intent("undo")
    if _HISTORY.match(raw):
        return Intent("history")
    if refs and _GOTO.search(raw) and len(_GOTO.sub("", rest).strip(" 图张")) <= 3:
        return Intent("goto", refs=refs)
    if m := _SETTINGS.match(raw):
        return Intent("settings", settings=_setting(m.group(1), m.group(2)))

    result = RESULT_RE.search(raw)
    if result and has_search:
        n = int(next(g for g in result.groups() if g))
        prompt = _clean(RESULT_RE.sub(" ", rest))
        prompt = _clean(_STARTING.sub(" ", prompt))
        prompt = re.sub(r"^(use|用|把)\s*", "", prompt, flags=re.I).strip()
        return Intent("use_result", text=prompt, result=n, refs=refs)

    if _SEARCH.match(raw) and not has_upload:
        query = _clean(_SEARCH.sub("", rest, count=1))
        if refs and (_LIKE.search(raw) or not query):
            return Intent("search_like", refs=refs, text=query)
        if query:
            return Intent("search", text=query)

    seed = _SEED.search(raw)
    if seed and (has_image or refs):
        return Intent("reseed", refs=refs, seed=int(next(g for g in seed.groups() if g)))
    if _VARIATIONS.search(raw) and (has_image or refs) and len(rest) <= 40:
        count = re.search(r"\b([2-8])\b|([两二三四五六七八])张", raw)
        return Intent("variations", refs=refs, count=_count(count))
    if _BEAUTIFY.search(raw) and (has_image or refs or has_upload) and len(rest) <= 40:
        return Intent("beautify", refs=refs)
    if len(refs) >= 2 and _RESTYLE.search(raw):
        return Intent("restyle", refs=refs, text=rest)
    if (refs or has_upload or has_image) and _STARTING.search(raw):
        return Intent("img2img", refs=refs, text=_clean(_STARTING.sub(" ", rest)))
    if (has_image or refs or has_upload) and parse_instruction(rest or low) is not None:
        return Intent("edit", refs=refs, text=rest)
    if has_upload:
        return Intent("img2img", refs=refs, text=rest)
    return Intent("generate", text=rest, refs=refs)


_CN_COUNT = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8}


def _count(m: re.Match[str] | None) -> int | None:
    if m is None:
        return None
    return int(m.group(1)) if m.group(1) else _CN_COUNT[m.group(2)]


def _setting(name: str, value: str) -> dict[str, object]:
    name = name.lower()
    value = value.strip()
    if name in ("negative", "negative prompt", "反向提示词"):
        return {"negative_prompt": value}
    key = {"尺寸": "size", "步数": "steps", "cfg": "guidance"}.get(name, name)
    if key == "size":
        m = re.match(r"^(\d+)\s*(?:[x×*]\s*(\d+))?$", value)
        if not m:
            return {"invalid": f"size must look like 512 or 768x512, not {value!r}"}
        w = int(m.group(1))
        return {"width": w, "height": int(m.group(2) or w)}
    try:
        return {key: float(value) if key == "guidance" else int(value)}
    except ValueError:
        return {"invalid": f"{key} must be a number, not {value!r}"}
