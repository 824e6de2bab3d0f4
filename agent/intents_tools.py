"""Requests for the pixel tools, read in English and Chinese: upscale, zoom out, pan, vary
subtle/strong, blend, and edits of one named region.

:func:`read_image_tool` is called by :func:`agent.intents.parse` right before it decides
between a change of the current picture and a new one; it answers only for messages that
plainly ask for one of these tools ("upscale #2", "zoom out 2x", "extend to the left",
"vary strong", "blend #1 and #3", "放大2倍", "缩小一点", "向右扩展", "微调一下", "把#1和#2融合")
and None for everything else, so every other reading stays as it was.

Region edits. :func:`local_change` reads an instruction that names one thing and asks to
change only it ("make the car red", "replace the sky with a starry night", "remove the cup",
"把天空换成晚霞") as (region, what to paint there). The planner uses it in two cases only:

* the user says so ("only make the car red", "just replace the sky with …", "只把车改成红色"):
  :func:`read_image_tool` returns a ``region`` intent, on any picture;
* the picture is pixel-born (a photo, a search result, an edit of one) and the thing named is
  in its description (:func:`in_picture`): the change becomes a region edit instead of an
  instruction edit of the whole picture.

Pictures drawn from text keep today's same-seed refinement for such changes (the rewritten
prompt redrawn with the same seed keeps the picture and reads the change better than a
repainted patch); global changes (style, time of day, weather, "make it night") are never
region edits. When unsure, nothing here answers and the change is read as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.intents import Intent, Kind

# ----------------------------------------------------------------------------- upscale
_FACTOR_EN = (r"(?:\s*(?:by\s+)?(?P<f>[24])\s*(?:x|×|times)|\s*(?:x|×)\s*(?P<f2>[24])"
              r"|\s+(?P<fw>twice|double|four times|quadruple))?")
_UPSCALE_EN = re.compile(
    r"^(?:/upscale|up-?scale|upres|super-?resolve|enlarge|"
    r"make (?:it|this)(?: picture| image)? (?:hi-?res|high[- ]res(?:olution)?|4k)|"
    r"(?:increase|raise) the resolution(?: of (?:it|this))?)"
    r"(?:\s+(?:it|this|that|the (?:picture|image|photo)))?" + _FACTOR_EN + r"\W*$", re.I)
_UPSCALE_ZH = re.compile(
    r"^(?:/upscale\s*)?(?:帮我)?(?:把)?(?:这张|这幅|这个|图片?|它)?(?:图)?(?:高清)?(?:放大|超分|"
    r"提高清晰度)(?:一下)?(?:到)?(?:(?P<f>[24两二四])\s*倍)?[\s，,]*(?:高清|清晰一?点)?(?:一下)?"
    r"\W*$|^高清放大(?:一下)?\W*$")
# --------------------------------------------------------------------------- zoom out
_ZOOM_EN = re.compile(
    r"^(?:/zoom(?:\s*out)?|zoom(?: it| the (?:picture|image|camera))? out|pull (?:the camera )?"
    r"back|(?:a )?wider (?:shot|view|angle)|show more of the (?:scene|surroundings))"
    r"(?:\s+(?:by\s+)?(?P<f>\d(?:\.\d{1,2})?)\s*(?:x|×|times)?)?"
    r"(?:\s*(?:x|×)\s*(?P<f2>\d(?:\.\d{1,2})?))?"
    r"(?:\s+(?:a\s+(?:bit|little|tad)|slightly|some|more|a bit more))?\W*$", re.I)
_ZOOM_ZH = re.compile(
    r"^(?:/zoom\s*)?(?:把)?(?:镜头|画面)?(?:拉远|缩小)(?:镜头|画面)?(?:一点|一些|点|些)?"
    r"(?:(?P<f>[234两二三四])\s*倍)?\W*$")
# ------------------------------------------------------------------------------- pan
_SIDE = {"left": "left", "right": "right", "up": "up", "top": "up", "down": "down",
         "bottom": "down", "upwards": "up", "downwards": "down", "左": "left", "右": "right",
         "上": "up", "下": "down"}
_PAN_EN = re.compile(
    r"^(?:/pan\s+|pan\s+(?:it\s+)?(?:to the\s+)?|(?:extend|expand|outpaint|continue)\s+"
    r"(?:it|this|the (?:picture|image|photo|scene))?\s*(?:to(?:wards)?\s+the\s+|on\s+the\s+|"
    r"to\s+|at\s+the\s+)?)"
    r"(?P<side>left|right|up|down|top|bottom|upwards|downwards)(?:\s+side)?\W*$", re.I)
_PAN_ZH = re.compile(
    r"^(?:/pan\s*)?(?:把)?(?:画面|图片?)?(?:向|往|朝)(?P<side>[左右上下])(?:边|面)?"
    r"(?:扩展|延伸|扩图|扩充|扩大|扩|延展)(?:一点|一些|画面)?\W*$"
    r"|^(?:扩展|延伸)(?:画面)?(?:的)?(?P<side2>[左右上下])(?:边|面|侧)\W*$")
_WIDER = re.compile(
    r"^(?:make (?:it|this|the (?:picture|image|photo|canvas|frame)) wider|widen (?:it|this|"
    r"the (?:picture|image|photo|canvas|frame))|extend (?:it|the (?:picture|image)) on both "
    r"sides|/pan\s+wider)\W*$|^(?:把)?(?:画面|图片?)?(?:加宽|变宽|横向扩展|左右扩展)(?:一点|一些)?\W*$",
    re.I)
_TALLER = re.compile(
    r"^(?:make (?:the (?:picture|image|photo|canvas|frame)) taller|/pan\s+taller)\W*$|"
    r"^(?:把)?(?:画面|图片?)?(?:加高|纵向扩展|上下扩展)(?:一点|一些)?\W*$", re.I)
# ------------------------------------------------------------------------------ vary
_VARY_EN = re.compile(
    r"^(?:/vary|vary|varied)(?:\s+(?:it|this|that))?(?:\s+(?P<k>subtle|subtly|strong|strongly|"
    r"a little|a lot))?\W*$|^(?:make\s+)?(?:an?\s+)?(?P<k2>subtle|strong)\s+variation\W*$", re.I)
_VARY_ZH = re.compile(r"^(?:/vary\s*)?(?:稍微|轻微)?(?P<k>微调|大改|轻微变化|大幅变化|小改|"
                      r"细微变化|大变化)(?:一下|一点)?\W*$")
_SLASH_NUMBERS = re.compile(r"^(/(?:upscale|zoom|vary|blend|pan)\w*)\b(.*)$", re.I | re.S)
_STRONG = ("strong", "strongly", "a lot", "大改", "大幅变化", "大变化")
# ----------------------------------------------------------------------------- blend
_BLEND_EN = re.compile(r"^(?:/blend|blend|mix|merge|combine|fuse)\b", re.I)
_BLEND_FILLER_EN = re.compile(
    r"^(?:/blend|blend|mix|merge|combine|fuse)\b|\b(?:and|with|together|them|these|those|"
    r"pictures?|images?|photos?|into one|in one|one|into|of)\b|[,&+]", re.I)
_BLEND_ZH = re.compile(r"融合|混合|合成一张|合为一张|融为一体|合在一起|混在一起")
_BLEND_FILLER_ZH = re.compile(
    r"把|将|和|与|跟|及|、|融合|混合|合成一张|合为一张|融为一体|合在一起|混在一起|在一起|起来|一起|"
    r"成一张|一下|吧|图片?|这几张|这两张|[,，+&]")
# ------------------------------------------------------------------------ region edit
_ONLY_EN = re.compile(r"^(?:only|just)\s+(?P<rest>.+)$|^(?P<verb>make|change|turn|paint|"
                      r"colou?r|recolou?r|replace|remove)\s+only\s+(?P<rest2>the\s+.+)$", re.I)
_ONLY_ZH = re.compile(r"^只(?:需要|要)?(?P<rest>[把将去删移擦].+)$")


@dataclass(frozen=True)
class LocalChange:
    region: str  # the thing, as the user named it ("the car", "天空")
    paint: str  # what to paint there ("a red car", "晚霞"; "" to remove it)


_COLOURS_EN = (
    "red|green|blue|yellow|orange|purple|violet|pink|black|white|grey|gray|brown|gold|golden|"
    "silver|teal|cyan|magenta|beige|turquoise|navy|maroon|crimson|scarlet|lime|olive|"
    "light blue|dark blue|light green|dark green|dark red|bright red|pale pink|hot pink")
_NOUN = r"(?:the|his|her|its|their)\s+(?P<x>[a-z][a-z'-]*(?:\s+[a-z][a-z'-]*){0,2}?)"
_LOCAL_EN = [
    re.compile(rf"^(?:replace|swap)\s+{_NOUN}\s+(?:with|for)\s+(?P<y>.+)$"),
    re.compile(rf"^(?:change|turn)\s+{_NOUN}\s+(?:from\s+\w+\s+)?(?:to|into)\s+(?P<y>.+)$"),
    re.compile(rf"^(?:make|paint|colou?r|recolou?r|dye)\s+{_NOUN}\s+(?P<y>{_COLOURS_EN}|"
               rf"(?:a|an)\s+.+)$"),
    re.compile(rf"^(?:remove|erase|delete|get rid of|take away|take out)\s+{_NOUN}(?P<y>)$"),
]
_ZH_CHANGE = r"(?:换成|改成|变成|替换成|换为|改为|涂成|染成|刷成|变为)"
_ZH_REMOVE = r"(?:去掉|删掉|移除|删除|擦掉|去除|拿掉)"
_ZH_THING = r"(?P<x>[\u4e00-\u9fff]{1,6}?)"
_ZH_NEW = r"(?P<y>[\u4e00-\u9fffA-Za-z ]{1,20})"
_LOCAL_ZH = [
    re.compile(rf"^(?:把|将){_ZH_THING}(?:的颜色)?{_ZH_CHANGE}{_ZH_NEW}$"),
    re.compile(rf"^{_ZH_THING}(?:的颜色)?{_ZH_CHANGE}{_ZH_NEW}$"),
    re.compile(rf"^(?:把|将){_ZH_THING}{_ZH_REMOVE}(?P<y>)$"),
    re.compile(rf"^{_ZH_REMOVE}(?:了)?{_ZH_THING}(?P<y>)$"),
]
_ZH_COLOUR = re.compile(
    r"^(?:[深浅淡亮暗]?[红绿蓝黄黑白紫粉橙灰棕金银青]色?|[\u4e00-\u9fff]{1,3}色)$")
# what is not one thing in the picture: changes of these are global (style, light, weather)
_GLOBAL_EN = frozenset(
    "picture image photo scene style lighting light colors colours color colour weather "
    "season time mood atmosphere tone palette everything whole overall look feel "
    "art artwork painting drawing background's vibe".split())
_GLOBAL_ZH = ("画面", "整体", "风格", "天气", "光线", "色调", "季节", "时间", "氛围", "整张",
              "全部", "图片", "照片", "这张", "它", "颜色", "画风", "时候", "一切", "全图")
_ALWAYS_THERE = frozenset({"background", "背景"})


def local_change(text: str) -> LocalChange | None:
    """(region, what to paint) when ``text`` changes one named thing only, else None."""
    from agent.intents import strip_request

    t = re.sub(r"\s+", " ", strip_request(text or "").strip(" .!。！")).lower()
    if not t or re.search(r"[,;，；、]| and |和|并且|然后", t):
        return None  # several changes: not one region
    for pattern in _LOCAL_EN:
        if m := pattern.match(t):
            x, y = m.group("x").strip(), m.group("y").strip()
            if set(x.split()) & _GLOBAL_EN or x in ("it", "them"):
                return None
            if y and re.fullmatch(_COLOURS_EN, y):
                y = f"{y} {x}"
            return LocalChange(region=f"the {x}", paint=y)
    for pattern in _LOCAL_ZH:
        if m := pattern.match(t):
            x, y = m.group("x").strip(), m.group("y").strip()
            if any(w in x for w in _GLOBAL_ZH) or re.search(r"[它他她这那]", x):
                return None
            if y and _ZH_COLOUR.match(y):
                y = f"{y}{'' if y.endswith('色') else '色'}的{x}"
            return LocalChange(region=x, paint=y)
    return None


def in_picture(region: str, prompt: str | None) -> bool:
    """Whether the picture's description (``prompt``) names ``region`` (English words or
    Chinese characters, across the two languages): the background always is there."""
    from tools.translate import en_to_zh, zh_to_en

    words = region.lower().removeprefix("the ").strip()
    if words in _ALWAYS_THERE:
        return True
    text = (prompt or "").lower()
    if not text:
        return False
    if re.search(r"[\u4e00-\u9fff]", words):
        if words in text:
            return True
        words = zh_to_en(words).lower()
    elif re.search(r"[\u4e00-\u9fff]", text):
        zh = en_to_zh(words)
        if zh and zh in text:
            return True
    have = {w.rstrip("s") for w in re.findall(r"[a-z]+", text)}
    nouns = [w for w in re.findall(r"[a-z]+", words) if w not in ("a", "an", "the")]
    return bool(nouns) and nouns[-1].rstrip("s") in have


# ---------------------------------------------------------------------------------
def read_image_tool(body: str, refs: list[int], any_image: bool) -> Intent | None:
    """The pixel-tool request in ``body`` (the message, request words stripped; picture
    references still in it), or None. ``refs``: the pictures it names; ``any_image``:
    whether there is a picture to work on (without one, a plain tool request is answered
    that there is no picture yet)."""
    intent = _read(body, refs)
    if intent is None or any_image:
        return intent
    return Intent(Kind.NEEDS_IMAGE, text=body)


def _read(body: str, refs: list[int]) -> Intent | None:
    from agent.intents import REF_RE

    if m := _SLASH_NUMBERS.match(body):  # "/upscale 2 4x", "/blend 1 3": bare numbers
        bare = r"(?<![\d.#])(\d{1,9})(?![\d.x×倍])"
        refs = list(dict.fromkeys([*refs, *(int(n) for n in re.findall(bare, m.group(2)))]))
        body = m.group(1) + " " + re.sub(bare, " ", m.group(2))
    rest = re.sub(r"\s+", " ", REF_RE.sub(" ", body)).strip()
    rest = re.sub(r"^(?:of|for)\s+|\s+(?:of|for)$", "", rest.strip(" ,.!?，。！？"), flags=re.I)
    rest = re.sub(r"^(/\w+)\s+(?:of|for)\s+", r"\1 ", rest, flags=re.I)
    low = rest.lower()
    if _BLEND_EN.match(low) or _BLEND_ZH.search(rest):
        if not refs:
            return None  # "a mix of flowers": a picture to draw
        filler = _BLEND_FILLER_EN if _BLEND_EN.match(low) else _BLEND_FILLER_ZH
        prompt = re.sub(r"\s+", " ", filler.sub(" ", rest)).strip(" ,.，。")
        return Intent(Kind.BLEND, refs=refs, text=prompt)
    if m := (_UPSCALE_EN.match(low) or _UPSCALE_ZH.match(rest)):
        groups = m.groupdict()
        said = groups.get("f") or groups.get("f2") or groups.get("fw") or ""
        four = said in ("4", "四", "four times", "quadruple")
        return Intent(Kind.UPSCALE, refs=refs, settings={"factor": 4 if four else 2})
    if m := (_ZOOM_EN.match(low) or _ZOOM_ZH.match(rest)):
        said = m.groupdict().get("f") or m.groupdict().get("f2")
        factor = {"两": 2.0, "二": 2.0, "三": 3.0, "四": 4.0}.get(said or "") or float(said or 2)
        return Intent(Kind.ZOOM, refs=refs, settings={"factor": factor})
    if _WIDER.match(low) or _TALLER.match(low):
        return Intent(Kind.PAN, refs=refs,
                      settings={"direction": "wider" if _WIDER.match(low) else "taller"})
    if m := (_PAN_EN.match(low) or _PAN_ZH.match(rest)):
        side = next(g for g in (m.groupdict().get("side"), m.groupdict().get("side2")) if g)
        return Intent(Kind.PAN, refs=refs, settings={"direction": _SIDE[side.lower()]})
    if m := (_VARY_EN.match(low) or _VARY_ZH.match(rest)):
        said = (m.groupdict().get("k") or m.groupdict().get("k2") or "").lower()
        return Intent(Kind.VARY, refs=refs,
                      settings={"strength": "strong" if said in _STRONG else "subtle"})
    if m := (_ONLY_EN.match(rest) or _ONLY_ZH.match(rest)):
        groups = m.groupdict()
        asked = (f"{groups['verb']} {groups['rest2']}" if groups.get("verb")
                 else groups.get("rest") or "")
        change = local_change(asked)
        if change is not None:
            return Intent(Kind.REGION, refs=refs, text=asked,
                          settings={"region": change.region, "paint": change.paint})
    return None
