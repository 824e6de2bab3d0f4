"""A message said to a picture: a new picture, or a change of this one? ("a teapot shaped
like a snail" said to a lighthouse is a new picture; "the dog wearing a hat" and "rug under
sofa" speak of this picture's things.) Split from :mod:`agent.intents`, which asks these."""

from __future__ import annotations

import re

from tools.rewrite.vocab import classify
from tools.text import cjk_pairs, has_cjk, stem


def is_new_picture(body: str) -> bool:
    """'draw a dog', 'a new picture of a boat', '画一只狗' ask for a new picture even when one
    exists."""
    if re.match(r"^(?:draw|paint|sketch|generate|create|render|produce|make)\s+(?:it|this|that|"
                r"them|him|her|as|in)\b", body, re.I):
        return False  # "render it in anime style", "draw it as a sketch": a change
    return bool(re.match(r"^(?:draw|paint|sketch|generate|create|render|produce)\b|"
                         r"^(?:make|show)\s+(?:me\s+)?(?:a|an)\s+(?:new\s+)?(?:picture|image|photo|"
                         r"painting|drawing)\b|^(?:a |an )?new (?:picture|image|one)\b|"
                         r"^(?:请|帮我|给我)?(?:画(?![面质风里中上])|生成|创作|绘制)(?!成)|^(?:新|另)(?:画|"
                         r"一张)", body, re.I))


_CJK_WORDS = re.compile(r"[\u4e00-\u9fff]{2,4}(?=手|里|上|下|的|在|拿|戴|穿|被|和|[，,。\s]|$)|"
                        r"^[\u4e00-\u9fff]{2,4}")


def fresh_description(text: str, current: str | None) -> bool:
    """'a teapot shaped like a snail, ceramic, product photo on a white background' said to a
    picture of a lighthouse: a new picture described in full (several parts, or many words),
    naming nothing the picture has."""
    if not current or has_cjk(text) or not re.match(r"(?:a|an|two|three|some)\s", text, re.I) \
            or re.match(r"(?:a|an)\s+(?:bit|little|lot|tad|touch|few more|more|less|different|"
                        r"new|other)\b", text, re.I) or "?" in text or "..." in text \
            or re.search(r"\b(?:should|must|needs? to|has to|ought to)\b", text, re.I):
        return False  # "a bit more... wintery?": a change, hedged; "a dog should be added"
    words = re.findall(r"[a-z]+", text.lower())
    if len(words) < 6 or ("," not in text and len(words) < 10):
        return False
    had = {stem(w) for w in re.findall(r"[a-z]{4,}", current.lower())}
    return not any(stem(w) in had for w in words if len(w) >= 4)


# parts of any scene: "graffiti all over the walls" speaks of this picture's walls
_SCENE_PARTS = frozenset("walls wall floor ground sky table background foreground window windows "
                         "ceiling water road street grass roof horizon corner".split())


def names_what_is_there(text: str, current: str | None) -> bool:
    """'the dog wearing a hat', 'a hat on the dog': a definite reference to something in
    the current picture makes a description a change of it."""
    if not current:
        return False
    if has_cjk(text):  # "小熊手里拿一个 balloon", "我想看小鸟张开翅膀的样子": its bear, its bird
        pairs = [g for g in cjk_pairs(text)
                 if not re.search(r"[我你想要看的是了吧呢样子起来一个只把让给再来点些很]", g)]
        if any(g in current for g in pairs):
            return True
        if has_cjk(current) or not re.search(r"[A-Za-z]{2}", text):
            return False  # (a message in both languages only, like the example above)
        from tools.translate import zh_to_en  # an English picture: its bear cub is "小熊"

        said = {w for g in _CJK_WORDS.findall(text) for w in re.findall(r"[a-z]{3,}",
                                                                      zh_to_en(g).lower())
                if not w.endswith("ing")}
        return bool(said & set(re.findall(r"[a-z]{3,}", current.lower())))
    words = set(re.findall(r"[a-z]+", current.lower()))
    if re.match(r"(?:my|our)\s+(?:boy|girl|baby|babe|pup|puppy|doggo|kitty|buddy|good boy)\b",
                text.strip(), re.I):
        return True  # "my boy holding his bowl": the user's own pet, the picture's subject
    first_part = re.split(r"[,.;]", text.lower(), maxsplit=1)[0]
    if not re.match(r"(?:a|an|the|one|some|two|three)\b", first_part.strip()) and any(
            len(w) >= 4 and (w in words or w.rstrip("s") in words) and not classify(w)
            for w in re.findall(r"[a-z]+", first_part)[1:]):
        return True  # "deep oxblood red walls, like a gallery": this picture's walls
    placed = re.findall(r"\b(?:on|under|in|next to|beside|behind|above|near|by|over|at|around)\s+"
                        r"(?:the\s+|a\s+|an\s+|his\s+|her\s+)?(\w+)", text.lower())
    if any(w in words or w.rstrip("s") in words or w in _SCENE_PARTS for w in placed) and \
            not re.match(r"(?:a|an|one|some|two|three|four|five)\b", text.strip(), re.I):
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
