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
from agent.intents_settings import aspect_of, looks_like_setting, setting_change
from tools.rewrite import classify, parse_instruction
from tools.rewrite.parse import zh_request
from tools.text import cjk_pairs, has_cjk

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


_HELP = re.compile(r"^(/?help|/start|\?|帮助|怎么用|使用说明|what can you do|what do you do|"
                   r"how does this work|how do i use (this|you)|你能做什么|你会什么|"
                   r"你可以做什么)\W*$",
                   re.I)
_UNDO = re.compile(r"^(/?undo|undo (that|it|this|the last( change| edit)?)|go back|"
                   r"go back one|step back|revert( that| it)?|take (that|it) back|"
                   r"(no,? )?(go back to|back to) the (previous|last|old|earlier) "
                   r"(one|image|picture|version)|previous (one|version)|"
                   r"(撤销|撤回|回退)(上一步|一下|刚才的?(修改|改动|那步)?)?|返回上一(步|张|个)|上一张|"
                   r"回到上一张|回到上一步|退回|还原|不要这个改动)\W*$",
                   re.I)
_GOTO = re.compile(r"^(?:go\s+)?back\s+to\b|^(?:switch|go|jump|return)\s+to\b|^请?回到|^请?返回|"
                   r"^切换到|"
                   r"^用回|^退回到?|^continue (?:from|with)\b|^use\b|^select\b|^pick\b|^选|^用",
                   re.I)
_GOTO_LEAD = re.compile(r"^(?:(?:go\s+back\s+to|back\s+to|switch\s+to|go\s+to|jump\s+to|"
                        r"return\s+to)\b|请?回到|请?切换到|请?返回到?)", re.I)
_HISTORY = re.compile(r"^(/?history|show (me )?(the )?history|list (the |my |all )?(images|"
                      r"pictures)|what have we (made|done)( so far)?|历史|历史记录|看看历史|"
                      r"查看历史|所有图片)\W*$", re.I)
_VARIATIONS = re.compile(
    r"\b(variations?|variants?|another( one| version| take| try)?|one more|more like (this|it)|"
    r"again|redo|re-?do it|try again|different seed|new seed|re-?roll|re-?generate|"
    r"regenerate)\b|再来(一|几|两|二|三|四|五|1|2|3|4)?(张|次|个|遍|幅)|再画(一|两|三|四)?(张|次|遍|幅)|"
    r"换个种子|换一张|变体|重新生成|重画|重新画|再生成",
    re.I)
_SEED = re.compile(r"\bseed\s*(?:=|:|to|of|number|#)?\s*(-?\d{1,40})\b|种子\s*(?:=|:|：|为|改成|"
                   r"换成|用|是)?"
                   r"\s*(-?\d{1,40})", re.I)
_SEARCH = re.compile(
    r"^(?:please\s+)?(?:/search\b|search(?:\s+for)?\b|find\b|look\s+for\b|look\s+up\b|"
    r"show\s+me\b(?=.*\b(?:pictures?|images?|photos?|pics?)\b))"
    r"(?:\s+(?:me|some|all|any|the|my))?(?:\s+(?:pictures?|images?|photos?|pics?))?"
    r"(?:\s+(?:of|with|showing|about|like))?\s*"
    r"|^(?:/search)|^(?:帮我)?(?:搜索?|找找?|查找|检索)(?:一下|一些|几张|下)?",
    re.I,
)
_LIKE = re.compile(r"\b(like|similar to|resembling)\b|相似|类似|像", re.I)
_BEAUTIFY = re.compile(r"\b(beautify|more detail(ed)?|add (more )?details?|make it (look )?"
                       r"(better|prettier|nicer|more beautiful|more detailed|fancier)|"
                       r"enhance( it)?|"
                       r"improve (the )?prompt|improve it|polish( it)?|embellish)\b|美化|"
                       r"更(多)?细节|更精美|更好看|润色|丰富一下|优化一下|优化提示词|精细一点|"
                       r"加点细节", re.I)
_RESTYLE = re.compile(r"\bin the style of\b|\bstyle of\b|的风格|风格(像|参考)|参考.*风格", re.I)
_STARTING = re.compile(
    r"\b((use\s+(it|this|that)?\s*)?as (the |a )?(starting|start|base|init(ial)?) "
    r"(image|picture|point)|start(ing)? from|"
    r"based on|use .* as (a )?(base|starting point|background))\b|垫图|作为(起始|底图|基础|"
    r"参考)(图|图片)?|"
    r"当(作|做)?(底图|垫图)|以.*为(底图|基础)|基于",
    re.I,
)
_SETTING_NAMES = (r"size|width|height|steps|guidance|cfg|seed|ratio|aspect(?: ratio)?|"
                  r"negative(?:[ _]prompt)?|比例|画幅|"
                  r"尺寸|大小|步数|种子|反向提示词|负面提示词")
_SETTINGS = re.compile(
    rf"^(?:/settings\s+|set\s+(?:the\s+)?|(?:always\s+)?use\s+(?:the\s+)?|设置\s*|把|用)?"
    rf"({_SETTING_NAMES})(?![a-z])"
    r"\s*(?:=|:|：|to|为|设为|设置为|改成|改为)?\s*(.*)$",
    re.I,
)
_SETTINGS_CMD = re.compile(r"^/settings\s+(\S+)\s*(.*)$", re.I)
_NEW_CHAT = re.compile(r"^(/new|new chat|new conversation|start over|start again|start fresh|"
                       r"reset|clear( the)? chat|重新开始|新对话|新的对话|开始新对话|从头开始)\W*$",
                       re.I)

# ---- conversation that is not a picture request ----------------------------------------
_SHOW = re.compile(
    r"^(?:please\s+)?(?:show|send|display|give|view|open|see|let me see)(?:\s+me)?(?:\s+(?:again|"
    r"back))?"
    r"(?:\s+(?:the\s+)?(?:picture|image|photo|pic))?\s*(?:again|back|once more)?\W*$|"
    r"^(?:再)?(?:显示|发|看看|看一下|给我看|展示|打开|重发)(?:一下|一次|给我)?(?:图片?)?\W*$|"
    r"^(?:再)?(?:发|显示|展示)(?:一下|一次|给我)?(?:图片?)?一次\W*$",
    re.I)
_INFO = re.compile(
    r"\b(prompt|seed|recipe|settings|negative|how (was|did you make|were)|what did you use|"
    r"parameters|params)\b|提示词|咒语|种子|参数|怎么(画|生成)的|用的什么",
    re.I)
_INFO_CMD = re.compile(r"^/(prompt|info|show|recipe)\b\s*(.*)$", re.I)
_DESCRIBE = re.compile(
    r"^/describe\b|^(?:please\s+|can you\s+|could you\s+)?(?:describe|caption)\b|"
    r"\bwhat(?:'s| is| do you see)\s+(?:in|on)\s+(?:this|that|the|my)\s+(?:picture|image|photo|"
    r"pic)|"
    r"\bwhat(?:'s| is)\s+(?:this|that)(?:\s+(?:picture|image|photo))?\s*\??$|"
    r"\bwhat do you see\b|\bwhat does (?:it|this|the (?:picture|image|photo)) show\b|"
    r"图(?:片|里|中|上)?(?:里|中|上)?(?:面)?(?:有|是)(?:什么|啥)|这是什么|描述一下|描述这张|描述图|"
    r"看图说话|这张(?:图|照片)(?:里|中)?(?:有|是)(?:什么|啥)",
    re.I)
_QUESTION_START = re.compile(
    r"^(what|who|whom|whose|why|when|where|which|how|is|are|was|were|do|does|did|"
    r"should|shall|am)\b|[?？]\s*$|(吗|呢|么|什么|为什么|怎么样|谁|哪里|哪儿|几点|多少)\W*$|^(为什么|谁|哪)",
    re.I)
_REQUEST_LEAD = re.compile(
    r"^(?:(?:ok(?:ay)?|alright|now|and|then|also|next|hmm+|well|great|nice|cool|good|perfect|"
    r"thanks|thank you|thx|awesome|lovely|wow|actually|sorry|oh|oops|i meant|i mean)"
    r"[,!.]?\s+|(?:no|nope)[,!.]\s+)*"
    r"(?:(?:please|pls|plz|kindly)\s+|(?:can|could|would|will) you(?: please)?\s+|"
    r"(?:i'?d like|i would like|i want|i wanna|i need|let'?s|let us|how about|what about|"
    r"why not|maybe|perhaps|would it be possible to|would you mind|could you possibly|"
    r"is it possible to|can (?:i|we) (?:have|get)|(?:can|could) we|(?:can|could) i get)"
    r"(?: (?:you )?to)?\s+)*",
    re.I)
_REQUEST_TAIL = re.compile(r"(?:,?\s*(?:please|pls|thanks?|thank you|for me)\s*)+[.!?]*$|"
                           r"\s*[?？]+$",
                           re.I)
_DRAW_LEAD = re.compile(
    r"^(?:(?:draw|paint|sketch|generate|create|make|render|produce|show)\s+(?:me\s+|us\s+)?"
    r"(?:(?:(?:a|an|one|some)\s+)?(?:new\s+)?(?:picture|image|photo|painting|drawing|"
    r"illustration|pic|render|artwork)s?\s+(?:of|showing|with)\s+)?"
    r"|(?:(?:a|an)\s+)?(?:picture|image|photo|painting|drawing|illustration)\s+of\s+)",
    re.I)
_ZH_DRAW_LEAD = re.compile(
    r"^(?:请|麻烦)?(?:你)?(?:帮我|给我|为我|替我)?(?:再)?(?:画(?![面质风])|生成|创作|做|来|绘制|制作)"
    r"(?:一下|一张|一幅|一个|张|幅)?(?:图片?|画)?(?:[:：，,]\s*)?"
    r"|^(?:我想要|我要|想要|我想看|我想|给我)(?:一张|一幅|张|幅)(?:图片?|画)?(?:[:：，,]\s*)?")
_ZH_DRAW_TAIL = re.compile(r"的(?:图片?|画|照片|插画)$")
_ADD_TO_LIBRARY = re.compile(
    r"\b(?:add|save|put|keep|store)\b.*\b(?:to|in|into)\s+(?:my|the)\s+(?:library|collection|"
    r"album|gallery)\b|(?:加入|添加到|加到|保存到|存到|放进|放到)(?:我的)?(?:图库|相册|图片库|收藏)",
    re.I)
_SURPRISE = re.compile(
    r"^(?:surprise me|anything|whatever(?: you (?:like|want))?|random(?: picture| image)?|"
    r"(?:draw|paint|make) (?:me )?(?:something|anything)(?: random| nice| cool)?|dealer'?s choice|"
    r"随便画?(?:点|一张)?|随便画(?:点|些)?(?:什么|啥)|随便|给我(?:个|一个)?惊喜|你随意|画点什么|"
    r"随便来一张)\W*$", re.I)
_NOT_WANTED = re.compile(
    r"^(?:that'?s |this is |it'?s )?not (?:what i (?:wanted|asked for|meant)|right|it|good)\W*$|"
    r"^(?:that'?s |it'?s )?wrong\W*$|^不对\W*$|^不是我想要的|^不是这样|^不行\W*$", re.I)
_DIFF = re.compile(
    r"\bwhat (?:did you|have you|has) change|\bwhat changed\b|\bwhat'?s (?:the )?differen|"
    r"\bcompare\b|\bdifference between\b|\bhow (?:is|are) .* different\b|"
    r"改了什么|改动了?什么|有什么(?:不同|区别)|区别是什么|比较|对比", re.I)
_FAQ = {
    "save": re.compile(r"\b(?:how (?:do|can) i|can i|where do i) (?:save|download|export|"
                       r"keep)\b.*|怎么保存|如何保存|怎么下载|如何下载|保存到哪", re.I),
    "bigger": re.compile(r"\b(?:can i get (?:it|this|them) (?:bigger|larger)|higher resolution|"
                         r"(?:increase|change|set) the (?:size|resolution)|bigger pictures|"
                         r"larger pictures)\b|分辨率|高清一点|大尺寸", re.I),
    "noise": re.compile(r"\b(?:why (?:is|are|does) .*(?:noise|noisy|random|garbage|static|look "
                        r"(?:bad|weird))|just noise|only noise)\b|噪点|为什么.*(?:乱|花|看不清)",
                        re.I),
}
_EDIT_CUE = re.compile(
    r"^as an? |^in (?:the )?style\b|^like an? |^(?:\w+\s+){0,2}(?:style|version)\W*$|\bto be\b|"
    r"\bshould be\b|"
    r"^(?:line art|pixel art|watercolou?r|oil painting|sketch|cartoon|anime|manga|3d|cgi|"
    r"black and white|monochrome|sepia|vintage|retro)\b|"
    r"\b(?:fewer|double|triple|twice|half|only one|just one|"
    r"more|less|bigger|smaller|brighter|darker|lighter|larger|taller|shorter|older|younger|"
    r"happier|sadder|wider|thinner|fatter|longer|it|him|her|them|instead)\b|"
    r"更|一点|一些|大些|小些|它|他|她|他们|她们|它们|变得?[大小亮暗长短高矮胖瘦老年轻]|改为|换为|"
    r"^背景|虚化|模糊|色调|代替|替换|取代|换掉|^(?:can|could|would|should|will) (?:the|his|her|its|"
    r"their|it|he|she|they)\b.*\b(?:be|have|wear|look)\b",
    re.I)
_EDIT_LEAD = re.compile(
    r"^(?:age|have|make|turn|change|add|remove|delete|erase|replace|swap|put|give|let|set|switch|"
    r"get rid of|take (?:away|off|out)|convert|transform|move|place|paint|color|colour|"
    r"recolor|dye|increase|decrease|reduce|enlarge|shrink|zoom|brighten|darken|lighten|"
    r"without|no more|lose|drop|keep)\b|^(?:把|将|让|给|换|改|加|添|去掉|删|移除|变成|换成|改成|"
    r"画成|"
    r"再加|加上|不要|去除|使|再(?![画来生做])|多加|多放|多来|少|撒|来点|来些|整点|弄点|颜色|配色|色调|"
    r"在.{1,8}?(?:上|里|中|旁边|前面|后面)(?:加|放|挂|摆|增设|添|画|来)|could there be|"
    r"can there be|there should be)",
    re.I)


_MORE_OF = re.compile(r"^(?:and|also|plus|and also|oh and|as well as)\s+((?:a|an|some|the|two|"
                      r"three|few|a few|more|another)\b.+)$", re.I)
_PLACED = re.compile(r"(?:over|above|under|below|in|on|at|near|beside|behind|inside|through|"
                     r"across|by|next to|in front of|on top of|among)\s+(?:a|an|the|some)\s+"
                     r"[\w' -]{2,40}", re.I)


def is_new_chat(text: str) -> bool:
    """'start over', '/new', '重新开始': the engine starts a new conversation."""
    return bool(_NEW_CHAT.match(text.strip()))


def strip_request(text: str) -> str:
    """'Could you please make it blue?' -> 'make it blue'; '请帮我把车改成蓝色吧' keeps its verb."""
    out = _REQUEST_LEAD.sub("", text.strip(), count=1)
    out = _REQUEST_TAIL.sub("", out)
    out = re.sub(r"^(?:请你?|麻烦你?|能不能|能否|可不可以|可以|能|帮我|"
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
    text = _STARTING.sub(" ", rest)
    text = re.sub(r"^\s*(?:use|take)\s+(?:it|this|that|this one|that one|this picture|"
                  r"this image|this photo)?\b"
                  r"|^\s*(?:用|把|拿|以)(?:这张图片?|这张照片|这张|它|这个|图)?",
                  " ", text, flags=re.I)
    clauses = [c.strip() for c in re.split(r"[，,;；:：]", text)]
    kept = [c for c in clauses if c and not re.fullmatch(
        r"(?:and|then|to|please|it|this|that|this one|用|把|这张图?|它|来|and draw|draw)?", c,
        flags=re.I)]
    return draw_subject(_clean(", ".join(kept))) if kept else ""


def draw_subject(text: str) -> str:
    """The subject of a drawing request: 'draw me a cat on a sofa' -> 'a cat on a sofa'."""
    out = _DRAW_LEAD.sub("", text, count=1).strip()
    zh = _ZH_DRAW_LEAD.sub("", out, count=1).strip()
    if zh != out and len(zh) >= 2:
        out = _ZH_DRAW_TAIL.sub("", zh).strip()
    return _clean(out) or _clean(text)


def parse(text: str, *, has_image: bool = False, has_search: bool = False,
          has_upload: bool = False, images: int = 0, origin: int | None = None,
          current: str | None = None) -> Intent:
    """Read one message. ``has_image``: the conversation has a current image to refine;
    ``has_search``: a previous search left results; ``has_upload``: this turn has uploads;
    ``images``: how many pictures the conversation has; ``origin``: the first picture of
    the current one's chain ("the original"); ``current``: the current picture's prompt."""
    raw = text.strip()
    if not raw:
        return Intent("describe" if has_upload else "empty")
    if talk.EMOJI.sub("", raw).strip():  # "perfect 😊 可以 upscale 一下吗": words only
        raw = re.sub(r"\s+", " ", talk.EMOJI.sub(" ", raw)).strip()
    if not has_cjk(raw):  # chat spelling: "can u draw", "pls"
        raw = re.sub(r"\bu\b", "you", raw, flags=re.I)
        raw = re.sub(r"\bur\b", "your", raw, flags=re.I)
    said = talk.sentences(raw)
    asked = [x for x in said if not talk.is_chatter(x)]
    if len(said) > 1 and asked and len(asked) < len(said):
        # "Love it. Is it possible to add a deer?": the request, without the talk around it
        return parse(" ".join(asked), has_image=has_image, has_search=has_search,
                     has_upload=has_upload, images=images, origin=origin, current=current)
    lead = re.match(r"^(?:不对|不是|算了|不行|还是[^，,。]{0,8}好看?|no|nah|hmm+|actually|wait)"
                    r"[，,。!！\s]+(.+)$", raw, re.I)
    if lead and (_UNDO.match(lead.group(1)) or _GOTO_LEAD.match(lead.group(1))):
        # "不对，回到上一张", "还是第一张好，回到第一张": the move is what counts
        return parse(lead.group(1), has_image=has_image, has_search=has_search,
                     has_upload=has_upload, images=images, origin=origin, current=current)
    if (talk.is_small_talk(raw) or talk.is_reaction(raw)) and not has_upload:
        return Intent("chat", text=raw)
    if talk.wants_picture(raw) and not has_upload:  # "my son wants to make a picture": of what?
        return Intent("unclear", text=raw)
    clauses = [c for c in re.split(r"[,，.。!！;；]\s*", raw.strip(" .。!！")) if c.strip()]
    if len(clauses) > 1 and _UNDO.match(clauses[-1].strip()):
        return Intent("undo")  # "not that, undo", "不对不对，还是要吉他，撤回"
    if len(clauses) > 1 and _GOTO_LEAD.match(clauses[-1].strip()):  # "不要这个，回到戴帽子那张"
        return parse(clauses[-1].strip(), has_image=has_image, has_search=has_search,
                     has_upload=has_upload, images=images, origin=origin, current=current)
    if talk.says_thanks(raw) and not has_upload:  # "thank you, that's exactly what I need"
        return _thanked(raw, has_image=has_image, has_search=has_search, images=images,
                        origin=origin, current=current)
    if has_image and not has_upload and (m := _MORE_OF.match(raw.strip(" .!"))):
        # "and a round coffee table", "also some candles": one more thing for the picture
        return Intent("edit", text="add " + m.group(1))
    long_enough = len(raw) > (10 if has_cjk(raw) else 24)
    drawn = talk.draw_request(raw) if long_enough and not has_upload and not re.search(
        r"#\s*\d|第[一二三四五六七八九十\d]+[张个幅]", raw) and not _STARTING.search(raw) \
        and not RESULT_RE.search(raw) else None
    if drawn:  # "Hi! I just found this bot. Can you draw a cozy cabin…?"
        aspect, subject = aspect_of(drawn)
        return Intent("generate", text=subject, settings={"aspect": aspect} if aspect else {})
    wrapped = talk.WRAPPED_DRAW.search(raw) if len(raw) > 40 else None
    if wrapped and not has_upload:
        # "so could you make me a picture of an otter floating …, kind of cute": the subject
        subject, aspect = wrapped.group(1).strip(" ,.!?"), None
        aspect, subject = aspect_of(subject)
        return Intent("generate", text=subject, settings={"aspect": aspect} if aspect else {})
    if raw.startswith("/"):
        command = _command(raw, has_image=has_image)
        if command is not None:
            return command
    body = strip_request(raw)
    refs, rest = _refs(body, images, origin)
    rest = _clean(rest)
    low = body.lower()
    any_image = has_image or bool(refs) or has_upload

    if _HELP.match(raw) or _HELP.match(body):
        return Intent("help")
    if _NEW_CHAT.match(raw):
        return Intent("new_chat")
    if _UNDO.match(body):
        return Intent("undo")
    if _HISTORY.match(body):
        return Intent("history")
    if refs and _GOTO.search(body) and len(_GOTO.sub("", rest).strip(" 图张个号")) <= 3:
        return Intent("goto", refs=refs)
    if has_image and _GOTO_LEAD.match(body) and not refs:
        return Intent("goto", text=raw)  # "go back to the one with the hat": ask which
    if (talk.GREETING.match(body) or talk.THANKS.match(body) or talk.THANKS.match(raw)) \
            and not has_upload:
        return Intent("chat", text=raw)
    if _NOT_WANTED.match(body) and not has_upload:
        return Intent("unclear", text=raw)
    if _SURPRISE.match(body) and not has_upload:
        return Intent("surprise", text=raw)
    for key, pattern in _FAQ.items():
        if pattern.search(raw) and not has_upload:
            return Intent("faq", text=raw, field_=key)
    if _DIFF.search(body) and (has_image or refs):
        return Intent("info", refs=refs, field_="diff")
    if refs and (not rest or _SHOW.match(rest) is not None) and not has_upload:
        return Intent("show", refs=refs)
    if _DESCRIBE.search(body) and (any_image or not _EDIT_LEAD.match(body)):
        return Intent("describe", refs=refs)
    if _ADD_TO_LIBRARY.search(body) and any_image:
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
    if (m := _SETTINGS.match(body)) and looks_like_setting(body, m):
        return Intent("settings", settings=setting_change(m.group(1), m.group(2)))
    if any_image and has_cjk(rest) and not refs:
        plain = zh_request(rest)  # "裙子是黑色的话会不会更好看", "要是木桶就好了": a change
        if plain != rest.strip() and parse_instruction(plain) is not None:
            return Intent("edit", refs=refs, text=_edit_text(raw, rest, images, origin))

    result = RESULT_RE.search(body)
    if result:  # with no search yet, the tool says to search first
        n = _number(next(g for g in result.groups() if g))
        prompt = _clean(RESULT_RE.sub(" ", rest))
        prompt = _clean(_STARTING.sub(" ", prompt))
        prompt = re.sub(r"^(?:use|用|把|拿)\s*(?:it\s*)?", "", prompt, flags=re.I)
        prompt = _clean(re.sub(r"^(?:and|then|to)\s+|^(?:来|去)", "", prompt, flags=re.I))
        prompt = draw_subject(prompt) if prompt else ""
        return Intent("use_result", text=prompt, result=n, refs=refs)

    if _SEARCH.match(body) and not has_upload:
        query = _clean(_SEARCH.sub("", rest, count=1))
        if refs and (_LIKE.search(body) or not query):
            return Intent("search_like", refs=refs, text=query)
        if query:
            return Intent("search", text=query)

    if _is_info_question(raw, rest, refs, has_image):
        return Intent("info", refs=refs, field_=_info_field(body))
    if refs and _looks_like_question(raw) and not _EDIT_LEAD.match(rest) \
            and parse_instruction(rest) is None:
        return Intent("info", refs=refs, field_="recipe")  # "what was the original?"

    seed = _SEED.search(body)
    if seed and (has_image or refs):
        return Intent("reseed", refs=refs, seed=int(next(g for g in seed.groups() if g)))
    if _VARIATIONS.search(body) and (has_image or refs) and len(rest) <= 40 \
            and not _VAR_FILLER.sub("", _VARIATIONS.sub(" ", rest)).strip(" ,.!?，。"):
        return Intent("variations", refs=refs, count=_count(rest))
    if _BEAUTIFY.search(body) and any_image and len(rest) <= 40:
        return Intent("beautify", refs=refs)
    if len(refs) >= 2 and _RESTYLE.search(body):
        return Intent("restyle", refs=refs, text=rest)
    if any_image and _STARTING.search(body):
        return Intent("img2img", refs=refs, text=starting_prompt(rest))
    if (tool := _read_image_tool(body, refs, any_image)) is not None:  # upscale, zoom, blend…
        return tool
    instruction = rest or low
    if any_image and _PLACED.fullmatch(instruction.strip(" .!")) and not classify(
            instruction, ("style", "time", "season", "weather", "camera", "color", "material")) \
            and not re.search(r"\b(?:style|manner|way|look|colou?rs?|light)\b", instruction, re.I):
        # "over a castle": the picture's subject put there (not "in the style of …")
        return Intent("edit", refs=refs, text="put it " + instruction.strip(" .!"))
    if any_image and _EDIT_LEAD.match(instruction) and parse_instruction(instruction) is not None:
        return Intent("edit", refs=refs, text=_edit_text(raw, rest, images, origin))
    if _looks_like_question(raw) and not _EDIT_LEAD.match(instruction) and not (
            any_image and (_EDIT_CUE.search(instruction)
                           or parse_instruction(instruction) is not None)):
        return Intent("question", text=raw)
    if any_image and not _is_new_picture(body) and (
            parse_instruction(instruction) is not None or _EDIT_LEAD.match(instruction)
            or _EDIT_CUE.search(instruction) or _names_what_is_there(instruction, current)
            or _names_what_is_there(raw, current)
            or talk.terse_addition(instruction) or talk.adds_to_picture(instruction)):
        # a change the rewrite may not read word for word is still a change, never a new
        # picture of the instruction's words; the reply says when nothing changed
        return Intent("edit", refs=refs, text=_edit_text(raw, rest, images, origin))
    if has_upload:  # a caption that asks nothing ("my garden"): keep it, say what it shows
        return Intent("describe", refs=refs, text=rest)
    if not any_image and _EDIT_LEAD.match(instruction) and not _is_new_picture(body):
        return Intent("needs_image", text=rest)
    subject = draw_subject(rest)
    aspect, subject = aspect_of(subject)
    if talk.unclear(subject):
        return Intent("unclear", text=raw)
    return Intent("generate", text=subject, refs=refs,
                  settings={"aspect": aspect} if aspect else {})


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
    asks = bool(_EDIT_LEAD.match(body) or (edit is not None and edit.kind not in (
                "background", "add", "replace"))
                or talk.draw_request(rest) or _DRAW_LEAD.match(body)
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
    if m := _INFO_CMD.match(raw):
        target = m.group(2).strip()
        refs, _ = _refs(target if not target.lstrip("-").isdigit() else f"#{target}")
        kind = "show" if m.group(1).lower() == "show" else "info"
        return Intent(kind, refs=refs, field_="recipe")
    if word == "/settings":
        if not arg:
            return Intent("settings")
        name, _, value = arg.partition(" ")
        if m := re.match(rf"^({_SETTING_NAMES})\s*(?:=|:)?\s*(.*)$", arg, re.I):
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
    if not (refs or has_image) or not _INFO.search(body) or _SEED.search(rest):
        return False
    if _VARIATIONS.search(body):  # "换个种子", "new seed": a variation, not a question
        return False
    if _looks_like_question(body):
        return True
    words = re.sub(r"\b(the|of|for|its|it|this|that|image|picture|full|whole|me|show|"
                   r"tell|give|what|was|is)\b", " ", rest, flags=re.I)
    words = re.sub(r"的|是|多少|什么|完整|全部|显示|告诉我|给我|发我|发给我|看看|这张|上一张|"
                   r"前一张|那张|图片?|一下|用了?|我", " ", words)
    return len(_INFO.sub(" ", words).strip(" ,.?？，。")) <= 2


def _info_field(body: str) -> str:
    if re.search(r"\bseed\b|种子", body, re.I):
        return "seed"
    if re.search(r"\bprompt\b|提示词|咒语", body, re.I):
        return "prompt"
    return "recipe"


def _looks_like_question(body: str) -> bool:
    body = body.strip()
    request = strip_request(body)
    return bool(_QUESTION_START.search(body) or re.search(r"哪个|哪一|哪张|多少|是什么", body)) \
        and not _DRAW_LEAD.match(body) and not _is_new_picture(request) \
        and not _DRAW_LEAD.match(request)


def _is_new_picture(body: str) -> bool:
    """'draw a dog', 'a new picture of a boat', '画一只狗' ask for a new picture even when one
    exists."""
    if re.match(r"^(?:draw|paint|sketch|generate|create|render|produce|make)\s+(?:it|this|that|"
                r"them|him|her|as|in)\b", body, re.I):
        return False  # "render it in anime style", "draw it as a sketch": a change
    return bool(re.match(r"^(?:draw|paint|sketch|generate|create|render|produce)\b|"
                         r"^(?:make|show)\s+(?:me\s+)?(?:a|an)\s+(?:new\s+)?(?:picture|image|photo|"
                         r"painting|drawing)\b|^(?:a |an )?new (?:picture|image|one)\b|"
                         r"^(?:请|帮我|给我)?(?:画(?![面质风])|生成|创作|绘制)(?!成)|^(?:新|另)(?:画|"
                         r"一张)", body, re.I))


def _names_what_is_there(text: str, current: str | None) -> bool:
    """'the dog wearing a hat', 'a hat on the dog': a definite reference to something in
    the current picture makes a description a change of it."""
    if not current:
        return False
    if has_cjk(text):  # "小熊手里拿一个 balloon", "我想看小鸟张开翅膀的样子": its bear, its bird
        return any(g in current for g in cjk_pairs(text)
                   if not re.search(r"[我你想要看的是了吧呢样子起来一个只把让给再来点些很]", g))
    words = set(re.findall(r"[a-z]+", current.lower()))
    placed = re.findall(r"\b(?:on|under|in|next to|beside|behind|above|near|by|over|at|around)\s+"
                        r"(?:the\s+|a\s+|an\s+|his\s+|her\s+)?(\w+)", text.lower())
    if any(w in words or w.rstrip("s") in words for w in placed) and not re.match(
            r"(?:a|an|one|some|two|three|four|five)\b", text.strip(), re.I):
        return True  # "rug under sofa": something put by a thing of the picture (not "a
        # lighthouse on a cliff", a new picture in a place like this one's)
    lead = re.sub(r"^(?:i want|i'?d like|i would like|give me|how about|what about|now|maybe)\s+",
                  "", text.lower().strip())
    first = re.findall(r"[a-z]+", lead)[:4]  # "fisherman casting his line", "a white horse …"
    if first and first[0] not in ("a", "an", "the", "some", "one") and first[0] in words:
        return True
    np = re.match(r"([a-z]+(?:\s+[a-z]+){0,2}?)\s+(?:with|in|on|and)\b|([a-z]+(?:\s+[a-z]+){1,2})$",
                  lead)
    if np and first and first[0] not in ("a", "an", "the", "some", "one", "i", "it", "make",
                                         "add", "put", "more", "no"):
        head = (np.group(1) or np.group(2)).split()[-1]  # "blue sky with a few clouds": its sky
        if len(head) > 2 and (head in words or head.rstrip("s") in words):
            return True
    if first and first[0] in ("a", "an", "some", "one") and any(
            w in words and len(w) > 2 for w in first[1:]) and re.match(
            r"(?:i want|i'?d like|i would like|give me|how about|what about)\b", text.lower()):
        return True  # "I want a white horse galloping" to "a black horse …": that horse
    named = re.findall(r"\b(?:the|his|her|its|their)\s+(\w+)(?:\s+(\w+))?", text.lower())
    return any(w and (w in words or w.rstrip("s") in words) for pair in named for w in pair)


_VAR_FILLER = re.compile(
    r"\b(?:make|give|show|create|generate|draw|do|me|us|some|more|a few|few|of|it|this|that|"
    r"one|ones|please|the|same|picture|image|pictures|images|\d+|two|three|four|five)\b|"
    r"\blike (?:this|that|it)\b|再|来|给我|一下|这张|同样|一样|的|类似|这样|[\d两二三四五]", re.I)
_CN_COUNT = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8}
_COUNT_RE = re.compile(r"\b([2-8])\b|([两二三四五六七八])\s*[张幅个次遍]|\b(two|three|four|five|"
                       r"six|"
                       r"seven|eight)\b", re.I)
_EN_COUNT = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}


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
