"""What a message asks for, read deterministically in English and Chinese.

The rules planner turns an :class:`Intent` into tool calls. Image references are read
first ("#2", "[ref#1]", "图2", "第2张", "result 3") and removed from the text, so what is
left is the instruction itself.

Not every message asks for a picture: greetings, thanks, questions about the session
("what is the prompt of #2", "show #2", "which seed was #3"), questions the bot cannot
answer and unclear text are read as such, so they get a text answer and no image.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agent import talk
from agent.intent_words import (
    ADD_TO_LIBRARY,
    BEAUTIFY,
    DESCRIBE,
    DIFF,
    DRAW_LEAD,
    EDIT_CUE,
    EDIT_LEAD,
    FAQ,
    GOTO,
    GOTO_LEAD,
    HELP,
    HISTORY,
    INFO,
    INFO_CMD,
    LIKE,
    MORE_OF,
    NEW_CHAT,
    NOT_WANTED,
    PLACED,
    PREFERRED,
    QUESTION_START,
    REQUEST_LEAD,
    REQUEST_TAIL,
    RESTYLE,
    SEARCH,
    SEED,
    SETTING_NAMES,
    SETTINGS,
    SHOW,
    STARTING,
    SURPRISE,
    UNDO,
    VARIATIONS,
    ZH_DRAW_LEAD,
    ZH_DRAW_TAIL,
)
from agent.intents_settings import aspect_of, looks_like_setting, setting_change
from agent.new_or_change import fresh_description, is_new_picture, names_what_is_there
from tools import spelling
from tools.rewrite import classify, parse_instruction
from tools.rewrite.parse import zh_request
from tools.text import has_cjk

_NUM = r"(-?\d{1,30})"
# image references: #2, # 2, [ref#1], ref 1, image 2, 图2, 第2张, 2号图
REF_RE = re.compile(
    rf"\[\s*ref\s*#?\s*{_NUM}\s*\]|\bref\s*#?\s*{_NUM}\b|#\s*{_NUM}"
    rf"|\b(?:image|picture|photo|pic|img)\s+(?:number\s+|no\.?\s*)?{_NUM}\b"
    rf"|图\s*{_NUM}|第\s*{_NUM}\s*[张幅个](?!结果)|{_NUM}\s*号图",
    re.IGNORECASE,
)
RESULT_RE = re.compile(
    r"\b(?:result|hit|match)\s*(?:number\s*|no\.?\s*)?#?\s*(\d{1,6})\b|第\s*([\d一二两三四五六七八九十]{1,3})\s*个?"
    r"(?:搜索)?结果|结果\s*(\d{1,6})",
    re.IGNORECASE,
)
MAX_IMAGE_NUMBER = 10**9  # larger numbers name no image; they are reported, not drawn


@dataclass
class Intent:
    """``kind`` is one of the names in :data:`KINDS`; the other fields are its slots."""

    kind: Kind
    text: str = ""  # the instruction / prompt / query with references removed
    refs: list[int] = field(default_factory=list)  # image numbers mentioned, in order
    result: int | None = None  # "result 3" of the last search
    seed: int | None = None
    count: int | None = None
    settings: dict[str, object] = field(default_factory=dict)
    field_: str | None = None  # for "info": prompt | seed | recipe

    def __post_init__(self) -> None:
        self.kind = Kind(self.kind)  # a misspelt kind fails here, not as a silent no-op


class Kind(StrEnum):
    """What a message asks for; the rules planner has a plan or a reply for each."""

    HELP = "help"
    UNDO = "undo"
    GOTO = "goto"
    HISTORY = "history"
    VARIATIONS = "variations"
    RESEED = "reseed"
    SEARCH = "search"
    SEARCH_LIKE = "search_like"
    USE_RESULT = "use_result"
    BEAUTIFY = "beautify"
    RESTYLE = "restyle"
    IMG2IMG = "img2img"
    EDIT = "edit"
    SETTINGS = "settings"
    NEW_CHAT = "new_chat"  # the engine starts the conversation (see is_new_chat)
    DESCRIBE = "describe"
    GENERATE = "generate"
    EMPTY = "empty"
    CHAT = "chat"  # greetings, thanks, "ok"
    SHOW = "show"  # send a picture again
    INFO = "info"  # a question about a picture: its prompt, seed, recipe
    QUESTION = "question"  # a question the bot cannot answer
    UNCLEAR = "unclear"
    NEEDS_IMAGE = "needs_image"  # a change, but there is no picture yet
    ADD_TO_LIBRARY = "add_to_library"  # keep a picture in the user's searchable library
    SURPRISE = "surprise"  # "surprise me": a picture of the bot's choosing
    FAQ = "faq"  # how to save, get bigger pictures, why pictures look like noise
    # the pixel tools (read by agent.intents_tools.read_image_tool)
    REGION = "region"  # change one named thing only ("only make the car red")
    ZOOM = "zoom"  # zoom out: the picture on a larger canvas
    PAN = "pan"  # extend the picture to one side (or wider / taller)
    UPSCALE = "upscale"
    VARY = "vary"  # vary subtle / strong: img2img of the picture
    BLEND = "blend"  # mix 2-5 pictures


KINDS = tuple(Kind)


def _refs(text: str, images: int = 0, origin: int | None = None) -> tuple[list[int], str]:
    """Image numbers named in ``text`` ("#2", "图2", "the second one", "the original",
    "最后一张", "go to 3") and the text without them. ``images``: how many the conversation
    has (for "the last one"); ``origin``: the first picture of the current chain."""
    found: list[tuple[int, int]] = [(m.start(), int(next(g for g in m.groups() if g)))
                                    for m in REF_RE.finditer(text)]
    text = REF_RE.sub(lambda m: " " * len(m.group(0)), text)
    for m in ORDINAL_RE.finditer(text):
        number = _ordinal_number(m, images, origin)
        if number is not None:
            found.append((m.start(), number))
            text = text[:m.start()] + " " * len(m.group(0)) + text[m.end():]
    if m := _BARE_GOTO.match(text):  # "go to 2", "back to 3", "回到2"
        found.append((m.start(1), int(m.group(1))))
        text = text[:m.start(1)] + " " * len(m.group(1)) + text[m.end(1):]
    if len(found) > 1:  # "show #1 and #2": the "and" joined the numbers, nothing else
        text = re.sub(r"(?<=\s)(?:and|&|or|和|与|跟|以及|、|,|，)(?=\s)", " ", f" {text} ")[1:-1]
    return [n for _, n in sorted(found)], text


_ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "fifth": 5, "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "7th": 7, "eighth": 8, "8th": 8,
    "ninth": 9, "9th": 9, "tenth": 10, "10th": 10,
}
_PICTURE_WORD = r"(?:one|image|picture|photo|pic|version|drawing|result)"
ORDINAL_RE = re.compile(
    rf"\b(?:the\s+)?(?P<ord>{'|'.join(_ORDINALS)})\s+{_PICTURE_WORD}\b"
    rf"|\bthe\s+(?P<bare>{'|'.join(_ORDINALS)})(?=\s+(?:in|with|as|and|to|into|like)\b|\s*$|"
    r"\s*[,.!?])"  # "the cat of the first in the style of the second"
    rf"|\b(?:the\s+)?(?P<orig>original|very first)(?:\s+{_PICTURE_WORD})?\b"
    rf"|\b(?:the\s+)?(?P<last>last|latest|newest|most recent)\s+{_PICTURE_WORD}\b"
    r"|第\s*(?P<zh>[一二两三四五六七八九十]{1,3})\s*[张幅个](?:图片?|照片)?"
    r"|(?P<zhorig>原图|原来的?那张|最初的?那?张|最开始的?那?张|第一版)"
    r"|(?P<zhlast>最后一张|最新的?那?张|最近的?那?张)",
    re.I)
_BARE_GOTO = re.compile(r"^\s*(?:go\s+)?(?:back\s+to|switch\s+to|go\s+to|jump\s+to|return\s+to|"
                        r"回到|切换到|返回到?)\s*(?:number\s+|no\.?\s*)?(\d{1,9})\s*$", re.I)


def _ordinal_number(m: re.Match[str], images: int, origin: int | None) -> int | None:
    if m.group("ord") or m.group("bare"):
        return _ORDINALS[(m.group("ord") or m.group("bare")).lower()]
    if m.group("zh"):
        return _zh_small(m.group("zh")) or None
    if m.group("orig") or m.group("zhorig"):
        return origin or 1
    if (m.group("last") or m.group("zhlast")) and images:
        return images
    return None


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" ,.;:!?，。；：！？、~～")
    return text.strip()


def is_new_chat(text: str) -> bool:
    """'start over', '/new', '重新开始': the engine starts a new conversation."""
    return bool(NEW_CHAT.match(text.strip()))


def strip_request(text: str) -> str:
    """'Could you please make it blue?' -> 'make it blue'; '请帮我把车改成蓝色吧' keeps its verb."""
    out = REQUEST_LEAD.sub("", text.strip(), count=1)
    out = REQUEST_TAIL.sub("", out)
    out = re.sub(r"^(?:请你?|麻烦你?|是不是可以|能不能|能否|可不可以|可以|能|帮我|"
                 r"帮忙)(?:帮我)?(?=[把将让给换改加去删画生])", "", out)
    out = re.sub(r"^what if there (?:was|were|is|are) (.+)$", r"add \1", out, flags=re.I)
    out = re.sub(r"^what if (.+?) (?:was|were|is|became) (.+)$", r"make \1 \2", out,
                 flags=re.I)  # "what if the bear was a puppy" asks for a change
    out = re.sub(r"^(mak|tak|giv|chang|remov|mov|plac|us)ing\b", r"\1e", out, flags=re.I)
    out = re.sub(r"^(add|turn|put|let|swap|get|paint|draw|show|set|try)(?:t|p)?ing\b", r"\1",
                 out, flags=re.I)  # "how about making it red" -> "make it red"
    out = re.sub(r"^(?:要是|如果|要是能|如果能)(.+?)(?:就好了|就好|会更好)\W*$", r"\1", out)
    out = re.sub(r"(?:吧|吗|呢|好吗|可以吗|行吗|谢谢)[\s。！？?!]*$", "", out)
    # "可以 upscale 一下吗": an English request inside Chinese politeness
    out = re.sub(r"^(?:可以|能不能|能否|能|请|帮我|麻烦)\s*(?=[A-Za-z])", "", out)
    out = re.sub(r"(?<=[A-Za-z])\s*(?:一下|下)$", "", out)
    return out.strip() or text.strip()


def _edit_text(raw: str, rest: str, images: int, origin: int | None) -> str:
    """The instruction as the rewrite reads best: the user's own words (without picture
    numbers) when it understands them, else the request-stripped ones."""
    _, own = _refs(raw, images, origin)
    own = _clean(own)
    if own and own != rest and parse_instruction(own) is not None \
            and not re.match(r"^what if\b", own, re.I):
        return own
    return rest


def starting_prompt(rest: str) -> str:
    """What to draw from a starting image: 'use it as the starting image: a castle' and
    '用这张图作为底图，画一座城堡' -> 'a castle' / '一座城堡'."""
    text = STARTING.sub(" ", rest)
    text = re.sub(r"^\s*(?:use|take)\s+(?:it|this|that|this one|that one|this picture|"
                  r"this image|this photo)?\b"
                  r"|^\s*(?:用|把|拿|以)(?:这张图片?|这张照片|这张|它|这个|图)?",
                  " ", text, flags=re.I)
    clauses = [c.strip() for c in re.split(r"[，,;；:：]", text)]
    kept = [c for c in clauses if c and not re.fullmatch(
        r"(?:and|then|to|please|it|this|that|this one|用|把|这张图?|它|来|and draw|draw)?", c,
        flags=re.I)]
    return draw_subject(_clean(", ".join(kept))) if kept else ""


# what a first message may open with before the picture itself: "For my new autumn menu:
# a bowl of risotto", "Reference for my next cosplay: a knight…", "The scene: a derelict…"
_PREAMBLE = re.compile(
    r"^(?:(?:the\s+|my\s+|our\s+)?(?:scene|idea|concept|prompt|brief|reference|ref|setting|"
    r"description|context|plan|request|shot|image|picture)|(?:for|reference for|ref for|this is "
    r"for|it'?s for|idea for|concept for)\s+(?:my|our|the|a|an)\s+[^:：]{1,40}|(?:here'?s|here "
    r"is)\s+[^:：]{1,30})\s*[:：]\s*(?=\S)", re.I)


_ADD_THAT = re.compile(
    r"^(.*?)\b(?:wears|wore|has|had|carries|carried|holds|held|owns|loves|always has|got)\s+"
    r"((?:a|an|the|his|her|their|its|some|two|three)\s+[^,.;]{1,40}?)\s*[,.;]\s*(?:so\s+)?"
    r"(?:please\s+)?(?:add|include|put in|draw in|give (?:him|her|them|it))\s+(?:that|it|this|"
    r"them|those|one)(?:\s+(?:too|as well|in|please))?[.!]*$", re.I)


def draw_subject(text: str) -> str:
    """The subject of a drawing request: 'draw me a cat on a sofa' -> 'a cat on a sofa'."""
    text = _PREAMBLE.sub("", text.strip(), count=1)
    out = DRAW_LEAD.sub("", text, count=1).strip()
    zh = ZH_DRAW_LEAD.sub("", out, count=1).strip()
    if zh != out and len(zh) >= 2:
        out = ZH_DRAW_TAIL.sub("", zh).strip()
    return _clean(out) or _clean(text)


def parse(text: str, *, has_image: bool = False, has_search: bool = False,
          has_upload: bool = False, images: int = 0, origin: int | None = None,
          current: str | None = None) -> Intent:
    """Read one message. ``has_image``: the conversation has a current image to refine;
    ``has_search``: a previous search left results; ``has_upload``: this turn has uploads;
    ``images``: how many pictures the conversation has; ``origin``: the first picture of
    the current one's chain ("the original"); ``current``: the current picture's prompt."""
    if has_image and not has_upload and talk.only_reaction_emoji(text):
        return Intent("chat", text=text.strip())  # "🔥🔥🔥", "😍👍": how it landed
    raw = spelling.respell(text.strip(), current or "")
    if not raw:
        return Intent("describe" if has_upload else "empty")
    if talk.EMOJI.sub("", raw).strip():  # "perfect 😊 可以 upscale 一下吗": words only
        raw = re.sub(r"\s+", " ", talk.EMOJI.sub(" ", raw)).strip()
    if not has_cjk(raw):  # chat spelling: "can u draw", "pls"
        raw = re.sub(r"\bu\b", "you", raw, flags=re.I)
        raw = re.sub(r"\bur\b", "your", raw, flags=re.I)
    raw = talk.without_filler(raw)  # "yo draw…", "hmm 还是撤销吧"
    if has_image and (buried := talk.buried_request(raw)):  # a story with one request in it
        return parse(buried, has_image=has_image, has_search=has_search, has_upload=has_upload,
                     images=images, origin=origin, current=current)
    said = talk.sentences(raw)
    asked = [x for x in said if not talk.is_chatter(x) and not talk.is_context(x)]
    if len(said) > 1 and not asked and not has_upload:
        return Intent("chat", text=raw)  # "Good morning! I hope you're well."
    if len(said) > 1 and asked and len(asked) < len(said):
        # "Love it. Is it possible to add a deer?": the request, without the talk around it
        return parse(" ".join(asked), has_image=has_image, has_search=has_search,
                     has_upload=has_upload, images=images, origin=origin, current=current)
    lead = re.match(r"^(?:不对|不是|算了|不行|还是[^，,。]{0,8}好看?|no|nah|hmm+|actually|wait)"
                    r"[，,。!！\s]+(.+)$", raw, re.I)
    if lead and (UNDO.match(lead.group(1)) or GOTO_LEAD.match(lead.group(1))):
        # "不对，回到上一张", "还是第一张好，回到第一张": the move is what counts
        return parse(lead.group(1), has_image=has_image, has_search=has_search,
                     has_upload=has_upload, images=images, origin=origin, current=current)
    if (talk.is_small_talk(raw) or talk.is_reaction(raw)) and not has_upload:
        return Intent("chat", text=raw)
    if has_image and not has_upload and (talk.closing_remark(raw) or talk.asks_opinion(raw)):
        return Intent("chat", text=raw)  # "perfect, sending it to my armor smith"
    if has_image and not has_upload and talk.is_chatter(raw) and not re.search(
            r"\b(?:make|add|put|change|remove|turn|give|replace|swap|more|less|but|too|"
            r"should|could|can|would|please|instead|bigger|smaller|darker|brighter|another|"
            r"again|one more|like this|like that|version|variation)\b|[把让改换加再来张]",
            raw, re.I):
        return Intent("chat", text=raw)  # "lol the cat is perfect", "wow the sky looks amazing"
    if (talk.wants_picture(raw) or talk.wants_something(raw)) and not has_upload:
        return Intent("unclear", text=raw)  # "my son wants to make a picture": of what?
    if has_image and not has_upload and (m := _ADD_THAT.match(raw)):
        # "my boy always wears a green bandana, add that": the thing said first
        return Intent("edit", text=f"add {m.group(2).strip()}")
    # clauses: Chinese people also part them with a space ("emmm 有点丑 撤销")
    clauses = [c for c in re.split(r"[,，.。!！;；]\s*|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])",
                                   raw.strip(" .。!！")) if c.strip()]
    reasons = [c for c in clauses[1:] if talk.is_context(c)]
    if reasons and not talk.is_context(clauses[0]):
        # "zoom out, I need to see the boots", "make the cape crimson, I already bought red
        # fabric": the request without the reasons after it
        joined = ("，" if has_cjk(raw) else ", ").join(c for c in clauses if c not in reasons)
        return parse(joined, has_image=has_image, has_search=has_search, has_upload=has_upload,
                     images=images, origin=origin, current=current)
    if len(clauses) > 1 and UNDO.match(clauses[-1].strip()):
        return Intent("undo")  # "not that, undo", "不对不对，还是要吉他，撤回"
    if len(clauses) > 1 and GOTO_LEAD.match(clauses[-1].strip()):  # "不要这个，回到戴帽子那张"
        return parse(clauses[-1].strip(), has_image=has_image, has_search=has_search,
                     has_upload=has_upload, images=images, origin=origin, current=current)
    if talk.says_thanks(raw) and not has_upload:  # "thank you, that's exactly what I need"
        return _thanked(raw, has_image=has_image, has_search=has_search, images=images,
                        origin=origin, current=current)
    if has_image and not has_upload and (m := MORE_OF.match(raw.strip(" .!"))):
        # "and a round coffee table", "also some candles": one more thing for the picture
        return Intent("edit", text="add " + m.group(1))
    long_enough = len(raw) > (10 if has_cjk(raw) else 24)
    drawn = talk.draw_request(raw) if long_enough and not has_upload and not re.search(
        r"#\s*\d|第[一二三四五六七八九十\d]+[张个幅]", raw) and not STARTING.search(raw) \
        and not RESULT_RE.search(raw) else None
    if drawn:  # "Hi! I just found this bot. Can you draw a cozy cabin…?"
        return _generate(drawn)
    wrapped = talk.WRAPPED_DRAW.search(raw) if len(raw) > 40 else None
    if wrapped and not has_upload:
        # "so could you make me a picture of an otter floating …, kind of cute": the subject
        return _generate(wrapped.group(1).strip(" ,.!?"))
    if raw.startswith("/"):
        command = _command(raw, has_image=has_image)
        if command is not None:
            return command
    body = strip_request(raw)
    refs, rest = _refs(body, images, origin)
    rest = _clean(rest)
    low = body.lower()
    any_image = has_image or bool(refs) or has_upload

    if HELP.match(raw) or HELP.match(body):
        return Intent("help")
    if NEW_CHAT.match(raw):
        return Intent("new_chat")
    if UNDO.match(body):
        return Intent("undo")
    if HISTORY.match(body):
        return Intent("history")
    if (has_image or refs) and (m := PREFERRED.match(body.strip())):
        which = next(g for g in (m.group("which"), m.group("which2"), m.group("which3")) if g)
        if re.search(r"previous|last|上一张", which, re.I):
            return Intent("undo")  # "the previous one was better"
        if refs:
            return Intent("goto", refs=refs)
    if refs and GOTO.search(body) and len(GOTO.sub("", rest).strip(" 图张个号")) <= 3:
        return Intent("goto", refs=refs)
    if has_image and GOTO_LEAD.match(body) and not refs:
        return Intent("goto", text=raw)  # "go back to the one with the hat": ask which
    if (talk.GREETING.match(body) or talk.THANKS.match(body) or talk.THANKS.match(raw)) \
            and not has_upload:
        return Intent("chat", text=raw)
    if NOT_WANTED.match(body) and not has_upload:
        return Intent("unclear", text=raw)
    if SURPRISE.match(body) and not has_upload:
        return Intent("surprise", text=raw)
    for key, pattern in FAQ.items():
        if pattern.search(raw) and not has_upload:
            return Intent("faq", text=raw, field_=key)
    if DIFF.search(body) and (has_image or refs):
        return Intent("info", refs=refs, field_="diff")
    if refs and (not rest or SHOW.match(rest) is not None) and not has_upload:
        return Intent("show", refs=refs)
    if DESCRIBE.search(body) and (any_image or not EDIT_LEAD.match(body)):
        return Intent("describe", refs=refs)
    if ADD_TO_LIBRARY.search(body) and any_image:
        return Intent("add_to_library", refs=refs)
    other = talk.meant_other(raw) if has_image and not refs else None
    if other:  # "no, I meant the other cat, the ginger one": the last change, moved
        return Intent("edit", text=raw, field_=f"retarget:{other}")
    keep = talk.KEEP.match(raw) if re.match(r"(?:no|nope|wait|actually|oh)\b", raw, re.I) else None
    if keep and has_image and not refs:
        # "no, keep the hat but make it blue": back to before the hat went, then the change
        thing = keep.group(1).strip()
        change = re.sub(r"\b(?:it|them|that|this one)\b", f"the {thing}", keep.group(2).strip(),
                        count=1, flags=re.I)
        return Intent("edit", text=change or f"add the {thing}", field_="restore")
    if (m := SETTINGS.match(body)) and looks_like_setting(body, m):
        return Intent("settings", settings=setting_change(m.group(1), m.group(2)))
    if any_image and has_cjk(raw) and not refs and (
            re.match(r"(?:要是|如果|假如)(?:能)?.+?(?:就好了|就好|会更好)", raw.strip())
            or re.search(r"看起来|变得|的样子|显得", raw) and not is_new_picture(body)):
        # "要是木桶就好了", "我想要狗看起来很开心的样子": wishes for this picture
        return Intent("edit", refs=refs, text=_edit_text(raw, raw, images, origin))
    if any_image and has_cjk(rest) and not refs:
        plain = zh_request(rest)  # "裙子是黑色的话会不会更好看", "要是木桶就好了": a change
        if plain != rest.strip() and parse_instruction(plain) is not None:
            return Intent("edit", refs=refs, text=_edit_text(raw, rest, images, origin))

    result = RESULT_RE.search(body)
    if result:  # with no search yet, the tool says to search first
        n = _number(next(g for g in result.groups() if g))
        prompt = _clean(RESULT_RE.sub(" ", rest))
        prompt = _clean(STARTING.sub(" ", prompt))
        prompt = re.sub(r"^(?:use|用|把|拿)\s*(?:it\s*)?", "", prompt, flags=re.I)
        prompt = _clean(re.sub(r"^(?:and|then|to)\s+|^(?:来|去)", "", prompt, flags=re.I))
        prompt = draw_subject(prompt) if prompt else ""
        return Intent("use_result", text=prompt, result=n, refs=refs)

    if SEARCH.match(body) and not has_upload:
        query = _clean(SEARCH.sub("", rest, count=1))
        if refs and (LIKE.search(body) or not query):
            return Intent("search_like", refs=refs, text=query)
        if query:
            return Intent("search", text=query)

    if _is_info_question(raw, rest, refs, has_image):
        return Intent("info", refs=refs, field_=_info_field(body))
    if refs and _looks_like_question(raw) and not EDIT_LEAD.match(rest) \
            and parse_instruction(rest) is None:
        return Intent("info", refs=refs, field_="recipe")  # "what was the original?"

    seed = SEED.search(body)
    if seed and (has_image or refs):
        return Intent("reseed", refs=refs, seed=int(next(g for g in seed.groups() if g)))
    if VARIATIONS.search(body) and (has_image or refs) and len(rest) <= 40 \
            and not _VAR_FILLER.sub("", VARIATIONS.sub(" ", rest)).strip(" ,.!?，。"):
        return Intent("variations", refs=refs, count=_count(rest))
    if BEAUTIFY.search(body) and any_image and len(rest) <= 40:
        return Intent("beautify", refs=refs)
    if len(refs) >= 2 and RESTYLE.search(body):
        return Intent("restyle", refs=refs, text=rest)
    if any_image and STARTING.search(body):
        return Intent("img2img", refs=refs, text=starting_prompt(rest))
    if (tool := _read_image_tool(body, refs, any_image)) is not None:  # upscale, zoom, blend…
        return tool
    instruction = rest or low
    if any_image and not refs and fresh_description(instruction, current):
        return _generate(draw_subject(rest))  # a whole new description, sharing nothing
        # with the picture: a new picture, not a change of it
    if any_image and PLACED.fullmatch(instruction.strip(" .!")) and not classify(
            instruction, ("style", "time", "season", "weather", "camera", "color", "material")) \
            and not re.search(r"\b(?:style|manner|way|look|colou?rs?|light)\b", instruction, re.I):
        # "over a castle": the picture's subject put there (not "in the style of …")
        return Intent("edit", refs=refs, text="put it " + instruction.strip(" .!"))
    if any_image and EDIT_LEAD.match(instruction) and parse_instruction(instruction) is not None:
        return Intent("edit", refs=refs, text=_edit_text(raw, rest, images, origin))
    offered = any_image and (raw.rstrip().endswith(("?", "？")) and re.match(
        r"(?:a|an|some|a few|more|another|two|three)\s", instruction.strip(), re.I) or (
        has_cjk(raw) and re.search(r"是不是可以|是不是能|能不能|可不可以|可以|能否|我想要|我想让|"
                                   r"希望", raw)
        and re.search(r"加|换|改|删|去掉|放|让|把|变|看起来", raw)))
    # ("maybe a small deer near the trees?": a wish, said as a question)
    if _looks_like_question(raw) and not EDIT_LEAD.match(instruction) and not offered and not (
            any_image and (EDIT_CUE.search(instruction)
                           or parse_instruction(instruction) is not None)):
        return Intent("question", text=raw)
    if has_image and not has_upload and not refs and talk.says_nothing_of_a_picture(raw):
        return Intent("chat", text=raw)  # "nailed it", "sending this to my team", "还行"
    if any_image and not is_new_picture(body) and (
            parse_instruction(instruction) is not None or EDIT_LEAD.match(instruction)
            or EDIT_CUE.search(instruction) or names_what_is_there(instruction, current)
            or names_what_is_there(raw, current)
            or talk.terse_addition(instruction) or talk.adds_to_picture(instruction)
            or re.match(r"(?:(?:and|ok(?:ay)?|so)[,\s]+)?now\b(?![,:]?\s+(?:draw|paint|"
                        r"generate|create|make me|show me|an?)\b)", raw, re.I)):
        # ("now some low cloud over the peaks"; "now a dog" is a new picture)
        # a change the rewrite may not read word for word is still a change, never a new
        # picture of the instruction's words; the reply says when nothing changed
        return Intent("edit", refs=refs, text=_edit_text(raw, rest, images, origin))
    if has_upload:  # a caption that asks nothing ("my garden"): keep it, say what it shows
        return Intent("describe", refs=refs, text=rest)
    if not any_image and EDIT_LEAD.match(instruction) and not is_new_picture(body):
        return Intent("needs_image", text=rest)
    if any_image and not refs and not is_new_picture(body) and (
            _follow_up(instruction) or _follow_up_zh(instruction)):
        # "harder rim light from behind", "all wearing graduation caps": a few words to a
        # picture, naming no new one, change it
        return Intent("edit", refs=refs, text=_edit_text(raw, rest, images, origin))
    subject = draw_subject(rest)
    aspect, subject = aspect_of(subject)
    if talk.unclear(subject):
        return Intent("unclear", text=raw)
    return Intent("generate", text=subject, refs=refs,
                  settings={"aspect": aspect} if aspect else {})


def _generate(described: str) -> Intent:
    """A new picture of ``described``, with the aspect ratio said in it ("…, 16:9")."""
    aspect, subject = aspect_of(described)
    return Intent("generate", text=subject, settings={"aspect": aspect} if aspect else {})


def _thanked(raw: str, **state: Any) -> Intent:
    """A message with thanks in it: talk, unless the rest of it asks for a change or a new
    picture ("thanks! now add a hat", "thanks, what size is it now?" asks a question)."""
    rest = talk.without_thanks(raw)
    if not rest or talk.is_small_talk(rest) or talk.GREETING.match(rest) or \
            talk.THANKS.match(rest):
        return Intent("chat", text=raw)
    inner = parse(rest, **state)
    body = strip_request(rest)
    edit = parse_instruction(body)  # a thing put somewhere may be talk ("拿去做封面了")
    asks = bool(EDIT_LEAD.match(body) or (edit is not None and edit.kind not in (
                "background", "add", "replace"))
                or talk.draw_request(rest) or DRAW_LEAD.match(body)
                or (inner.kind == "generate" and (not state.get("has_image") or re.match(
                    r"(?:a|an|one|some|two|three|[一两二三四五六七八九十][只个张幅头条辆座])\b",
                    body, re.I))))
    if inner.kind in ("generate", "edit", "question", "unclear", "needs_image") and not asks:
        return Intent("chat", text=raw)
    return inner


# ---------------------------------------------------------------------- slash commands
def _command(raw: str, *, has_image: bool) -> Intent | None:
    word, _, arg = raw.partition(" ")
    word = word.lower().split("@", 1)[0]
    arg = arg.strip()
    if word in ("/help", "/start"):
        return Intent("help")
    if word == "/undo":
        refs, _ = _refs(arg if not arg.isdigit() else f"#{arg}")
        return Intent("undo", refs=refs[:1])  # "/undo #3": back to the one #3 came from
    if word == "/history":
        return Intent("history")
    if word == "/new":
        return Intent("new_chat")
    if word == "/search":
        if not arg:
            return Intent("search", text="")
        refs, rest = _refs(arg)
        if refs:
            return Intent("search_like", refs=refs, text=_clean(rest))
        return Intent("search", text=_clean(arg))
    if word == "/describe":
        refs, _ = _refs(arg if arg.startswith("#") or not arg.isdigit() else f"#{arg}")
        return Intent("describe", refs=refs)
    if m := INFO_CMD.match(raw):
        target = m.group(2).strip()
        refs, _ = _refs(target if not target.lstrip("-").isdigit() else f"#{target}")
        kind = "show" if m.group(1).lower() == "show" else "info"
        return Intent(kind, refs=refs, field_="recipe")
    if word == "/settings":
        if not arg:
            return Intent("settings")
        name, _, value = arg.partition(" ")
        if m := re.match(rf"^({SETTING_NAMES})\s*(?:=|:)?\s*(.*)$", arg, re.I):
            return Intent("settings", settings=setting_change(m.group(1), m.group(2)))
        return Intent("settings", settings={"invalid": (
            f"I don't know the setting {name!r}. Settings: size, steps, guidance, seed, "
            "negative — e.g. /settings size 512, /settings seed 7.")})
    return None


# ---------------------------------------------------------------------- helpers
def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    return _CN_COUNT.get(text, 0) or _zh_small(text)


def _zh_small(text: str) -> int:
    digits = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + digits.get(text[1:], 0)
    if text.endswith("十"):
        return digits.get(text[0], 0) * 10
    if "十" in text:
        a, b = text.split("十", 1)
        return digits.get(a, 0) * 10 + digits.get(b, 0)
    return digits.get(text, 0)


def _is_info_question(body: str, rest: str, refs: list[int], has_image: bool) -> bool:
    """'what is the prompt of #2', 'which seed was #3', '#2的提示词是什么', 'prompt #2'."""
    if not (refs or has_image) or not INFO.search(body) or SEED.search(rest):
        return False
    if VARIATIONS.search(body):  # "换个种子", "new seed": a variation, not a question
        return False
    if _looks_like_question(body):
        return True
    words = re.sub(r"\b(the|of|for|its|it|this|that|image|picture|full|whole|me|show|"
                   r"tell|give|what|was|is|state|current|now|in full|exact|exactly|share|"
                   r"read|out|print|paste|copy|send|again|used|you)\b", " ", rest, flags=re.I)
    words = re.sub(r"的|是|多少|什么|完整|全部|显示|告诉我|给我|发我|发给我|看看|这张|上一张|"
                   r"前一张|那张|图片?|一下|用了?|我", " ", words)
    return len(INFO.sub(" ", words).strip(" ,.?？，。")) <= 2


def _info_field(body: str) -> str:
    if re.search(r"\bseed\b|种子", body, re.I):
        return "seed"
    if re.search(r"\bprompt\b|提示词|咒语", body, re.I):
        return "prompt"
    return "recipe"


def _looks_like_question(body: str) -> bool:
    body = body.strip()
    request = strip_request(body)
    return bool(QUESTION_START.search(body) or re.search(r"哪个|哪一|哪张|多少|是什么", body)) \
        and not DRAW_LEAD.match(body) and not is_new_picture(request) \
        and not DRAW_LEAD.match(request)


def _follow_up(text: str) -> bool:
    """A few English words said to a picture that do not begin as a new picture would ("a
    fox in the snow", "two kittens"): "harder rim light from behind", "the whole family in
    matching sweaters", "all wearing graduation caps"."""
    t = text.strip(" .!")
    words = re.findall(r"[A-Za-z'-]+", t)
    from tools.spelling import is_word

    return not has_cjk(t) and 2 <= len(words) <= 10 and all(
        is_word(w.lower().strip("'-")) for w in words) and not re.match(
        r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|some|several|many|my|our|"
        r"\d+)\b", t, re.I) and not _looks_like_question(t) and not re.match(r"\w+ of\b", t)
    # ("mix of flowers in a vase", "bowl of ramen": a thing of its own, a new picture)


# where a thing goes in any picture: "每人手里拿一把扇子", "整只大鹅在院子里溜达"
_ZH_PLACE_IN_PICTURE = re.compile(
    r"手里|手上|头上|身上|脖子上|脸上|怀里|嘴里|脚下|脚边|旁边|身边|边上|地上|桌上|墙上|天上|门口|"
    r"窗外|窗边|背景|前面|后面|左边|右边|中间|角落|车头|车上|屋顶")


def _follow_up_zh(text: str) -> bool:
    """A short Chinese clause said to a picture that puts something in it, not a new picture
    described from its first thing ("一只猫在沙发上"): "每人手里拿一把扇子", "整只大鹅在院子里
    溜达", "配上一个戴草帽的女孩"."""
    t = text.strip(" ，,。!！~～")
    zh = re.sub(r"[^\u4e00-\u9fff]", "", t)
    if not zh or len(zh) > 16 or re.match(
            r"[一两二三四五六七八九十几这那][只个条头匹辆棵朵位张把群片座艘]", t):
        return False
    return bool(re.match(r"(?:每(?:个人|人|个|只)|大家|都|全都|全部|配上|添上|配个|配一|再整|再来|"
                         r"再给|给[他她它]们?|整[一两几]?[只个条头匹辆棵朵位张把群点些])", t)
                or _ZH_PLACE_IN_PICTURE.search(t) and not re.search(r"画|生成|照片|图片", t))


_VAR_FILLER = re.compile(
    r"\b(?:make|give|show|create|generate|draw|do|me|us|some|more|a few|few|of|it|this|that|"
    r"one|ones|please|the|same|picture|image|pictures|images|\d+|two|three|four|five|can|could|"
    r"i|we|get|have|see|try|a couple|couple|pair|for (?:the|my|our|a) [\w-]+(?: [\w-]+)?|"
    r"to (?:choose|pick) from|those|these|them|run it back|take|shot|go)\b|"
    r"\blike (?:this|that|it)\b|再|来|给我|一下|这张|同样|一样|的|类似|这样|是不是|可以|能不能|"
    r"可不可以|吗|吧|哦|呢|嘛|啦|呀|亲|[\d两二三四五]", re.I)
_CN_COUNT = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8}
_COUNT_RE = re.compile(r"\b([2-8])\b|([两二三四五六七八])\s*[张幅个次遍]|\b(two|three|four|five|"
                       r"six|seven|eight|a couple of|a couple|a pair of|a few)\b", re.I)
_EN_COUNT = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
             "a couple of": 2, "a couple": 2, "a pair of": 2, "a few": 3}


def _count(text: str) -> int | None:
    m = _COUNT_RE.search(text)
    if m is None:
        return None
    if m.group(1):
        return int(m.group(1))
    if m.group(2):
        return _CN_COUNT[m.group(2)]
    return _EN_COUNT[m.group(3).lower()]


def _read_image_tool(body: str, refs: list[int], any_image: bool) -> Intent | None:
    """Upscale, zoom out, pan, vary, blend and "only change X" requests (see
    :mod:`agent.intents_tools`, which imports this module)."""
    from agent.intents_tools import read_image_tool

    return read_image_tool(body, refs, any_image)
