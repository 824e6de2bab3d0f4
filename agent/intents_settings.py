"""Settings said in a message and the shape of a new picture: "/settings seed 7",
"set the seed to 7 from now on", "size 512"; "a beach at sunset, 16:9", "竖版的城堡". Read by
:func:`agent.intents.parse`."""

from __future__ import annotations

import re


def looks_like_setting(body: str, m: re.Match[str]) -> bool:
    """'set seed 7', 'size 512', 'steps: 8', 'negative blurry' are settings; 'same but seed 7'
    (a variation) and 'make it bigger' are not."""
    name = m.group(1).lower()
    value = m.group(2).strip()
    explicit = bool(re.match(r"^(?:/settings|set|设置|把)", body, re.I))
    if name in ("seed", "种子"):
        if explicit:
            return True
        return bool(re.search(r"\b(from now on|always|fixed|keep|for all|default)\b|以后|固定|一直",
                              body, re.I))
    if name.startswith("negative") or name in ("反向提示词", "负面提示词"):
        return True
    return explicit or bool(re.match(r"^[\d.]+(\s*[x×*]\s*\d+)?$", value))


SETTING_KEYS = {"尺寸": "size", "大小": "size", "步数": "steps", "cfg": "guidance", "种子": "seed",
                 "aspect": "ratio", "aspect ratio": "ratio", "比例": "ratio", "画幅": "ratio"}
# "16:9", "--ar 3:2", "in portrait", "竖版": the shape of a new picture, said with it
ASPECT_RE = re.compile(
    r"(?:--ar\s*|(?:\b(?:in|at|with)\s+)?(?:\ban?\s+)?(?:\baspect\s+)?(?:\bratio\s+)?)"
    # the ratios pictures have, not a clock's "10:30"
    r"\b((?:1|2|3|4|5|7|9|10|16|21)\s*:\s*(?:1|2|3|4|5|7|9|10|16|21))\b(?!\s*(?:am|pm)\b)"
    r"(?:\s+(?:ratio|aspect))?"
    r"|\bin\s+(portrait|landscape|widescreen|square)(?:\s+(?:format|mode|orientation))?\b"
    r"|\b(portrait|landscape|widescreen|square)\s+(?:format|mode|orientation)\b"
    r"|(竖版|竖图|竖屏|横版|横图|横屏|宽屏|方图)(?:的)?", re.I)


def aspect_of(text: str) -> tuple[str | None, str]:
    """('16:9', the text without it) when a message says the shape of the picture."""
    m = ASPECT_RE.search(text)
    if m is None:
        return None, text
    found = next(g for g in m.groups() if g).replace(" ", "").lower()
    rest = (text[:m.start()] + " " + text[m.end():]).strip()
    return found, re.sub(r"\s*[,，]\s*$|^\s*[,，]\s*", "", rest).strip()


def setting_change(name: str, value: str) -> dict[str, object]:
    name = name.lower().replace("_", " ")
    value = value.strip().strip("。.")
    if name in ("negative", "negative prompt", "反向提示词", "负面提示词"):
        if not value:
            return {"invalid": "Say what to keep out of the pictures, e.g. /settings negative "
                               "blurry, text (or /settings negative none to clear it)."}
        return {"negative_prompt": "" if value.lower() in ("none", "off", "clear", "无") else value}
    key = SETTING_KEYS.get(name, name)
    if not value:
        return {"invalid": f"Give {key} a value, e.g. /settings {key} "
                           + {"size": "512", "steps": "8", "guidance": "7.5",
                              "seed": "7 (or -1 for random)"}.get(key, "1")}
    if key == "size":
        m = re.match(r"^(\d{1,6})\s*(?:[x×*]\s*(\d{1,6}))?$", value)
        if not m:
            return {"invalid": f"size must look like 512 or 768x512, not {value[:40]!r}"}
        w = int(m.group(1))
        return {"width": w, "height": int(m.group(2) or w)}
    if key == "seed" and value.lower() in ("random", "off", "none", "随机"):
        return {"seed": -1}
    if key == "ratio":
        return {"ratio": value.replace(" ", "")}
    value = re.sub(r"\s*(?:from now on|for now|always|for all|for every(?:thing| picture)?|"
                   r"please|以后|之后|一直|固定)\W*$", "", value, flags=re.I).strip()
    try:
        number = float(value) if key == "guidance" else int(value)
    except ValueError:
        return {"invalid": f"{key} must be a number, not {value[:40]!r}"}
    return {key: number}
