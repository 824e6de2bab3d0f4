"""Change instructions (English or Chinese, one or several clauses) -> a list of edits."""

from __future__ import annotations

import re
from dataclasses import replace

from tools.rewrite.chat_en import chat_cleanup_en
from tools.rewrite.en_phrases import EN_EDIT_START, EN_LEAD
from tools.rewrite.parse_en import parse_en
from tools.rewrite.parse_zh import parse_zh
from tools.rewrite.vocab import MODIFIER_CATS, Edit, classify, find_en, find_vocab
from tools.rewrite.zh_words import ZH_AUDIENCE
from tools.text import MAX_INSTRUCTION_CHARS, clean_text, has_cjk, language

# ------------------------------------------------------------------- splitting clauses

_EN_SPLIT = re.compile(r"\s*(?:;|,|\s[-–—]+\s|\band then\b|\bthen\b|\band also\b|\balso\b|\band\b|"
                       r"\bplus\b|\bbut\b)\s*", re.I)
_ZH_SPLIT = re.compile(r"\s*(?:[，,；;。+＋]|然后|并且|同时|再把|而且|另外|还要|并把|以及|"
                       r"并(?=[让把将给加去换改变])|再(?=[让把将给加去换改变])|"
                       r"还(?=[让把将给加去换改])|和(?=[让把将给去换改]))\s*")


_DESCRIBE = "\x00describe:"


_GAP_VERB = re.compile(r"(change|make|turn|replace|swap|remove|delete|erase|add|put|paint|"
                       r"colou?r|set|give|move|get rid of|take away|take out|take off|drop|"
                       r"lose|ditch|scrap|nix|axe|cut|strike|rm)\b", re.I)


def _gapped(previous: str, part: str) -> str | None:
    """"the background to a beach" after "change the cat to a dog": the same verb, left out
    ("change the background to a beach"); ``None`` when the part is not such a clause."""
    verb = _GAP_VERB.match(EN_LEAD.sub("", previous.strip()))
    if not verb or not (re.match(r"(?:the|his|her|its|their|my)\s+\w", part.strip(), re.I) or (
            verb.group(1).lower() in ("add", "put") and re.match(
                r"(?:a|an|some)\s+\w+.*\b(?:on|in|next to|behind|beside|near|under|above|at)\b",
                part.strip(), re.I))):
        return None
    candidate = f"{verb.group(1)} {part.strip()}"
    found = parse_en(candidate)
    if not found or (found[0].kind == "replace" and verb.group(1).lower() in ("make", "turn")
                     and not re.search(r"\b(?:into|to)\b", part)):
        return None
    return candidate


_SHADES = frozenset("and or light dark pale pastel deep bright soft muted neon".split())


def _only_colours(part: str) -> bool:
    """'blue and mint', 'white and red': nothing but colours."""
    words = re.findall(r"[A-Za-z-]+", part)
    return bool(words) and any(find_en(w, ("color",)) for w in words) and all(
        w.lower() in _SHADES or find_en(w, ("color",)) for w in words)


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
        starts_edit = (bool(EN_EDIT_START.match(EN_LEAD.sub("", part.strip())))
                       if lang == "en" else bool(parse_zh(part)))
        if lang == "en" and not starts_edit:
            starts_edit = bool(classify(part.strip(), ("time", "weather", "season", "camera",
                                                      "style"))) or bool(re.match(
                r"(?:in|on|at|under|inside|underwater|near)\s+(?:the|a|an)\s+\w+|"
                r"(?:be|is|are)\s+(?:holding|carrying|wearing)\b|"
                r"(?:the|his|her|its|their)\s+[\w'-]+(?:\s+[\w'-]+)?\s+(?:should|must|needs? to|"
                r"has to|have to|ought to)\b", part.strip(), re.I))
        elaboration = re.match(r"\s*(?:maybe|perhaps|like|say|probably|kind of|sort of|so|as if|"
                               r"about|around|roughly)\b", part, re.I)
        colours = re.search(r"\b(?:black|white)\s*$", clauses[-1] if clauses else "", re.I) \
            and re.match(r"\s*(?:black|white)\b", part, re.I)  # "black and white"
        if lang == "en" and clauses and _only_colours(part) and find_en(clauses[-1],
                                                                         ("color",)):
            # "paint the hives in pastel yellow, blue and mint": one list of colours
            clauses[-1] = clauses[-1] + seps[k - 1] + part
            continue
        if lang == "en" and not starts_edit and clauses and "," in seps[k - 1] and \
                not elaboration:
            # "make him younger, brighter lighting": a comma and a change of its own
            starts_edit = any(e.kind not in ("replace", "add") for e in parse_en(part))
        elif lang == "en" and not starts_edit and clauses and not elaboration and \
                not colours and parse_en(clauses[-1]):
            # "sunset and two swans": two changes, but not "black and white"
            starts_edit = any(e.kind not in ("replace", "add", "color") for e in parse_en(part))
        if lang == "en" and not starts_edit and clauses and "," in seps[k - 1] and re.match(
                r"\s*with\s+(?:a|an|some|\w+\s+\w+)", part, re.I) and any(
                e.kind not in ("add", "replace") for e in parse_en(clauses[-1])):
            # "make it autumn, with orange trees around the lake": a thing added as well
            clauses.append("add " + re.sub(r"^\s*with\s+", "", part, flags=re.I))
            continue
        gapped = _gapped(clauses[-1], part) if clauses and lang == "en" and not starts_edit \
            else None
        if gapped:  # "change the cat to a dog and the background to a beach"
            clauses.append(gapped)
        elif clauses and not starts_edit and lang == "zh" and re.search(r"[，,；;。]",
                                                                        seps[k - 1]) \
                and len(part.strip()) >= 2:
            clauses.append(_DESCRIBE + part)  # "改成冬天，湖面结冰": a description to keep
        elif clauses and not starts_edit:
            clauses[-1] = clauses[-1] + seps[k - 1] + part
        else:
            clauses.append(part)
    return [c.strip() for c in clauses if c.strip()]


_MIND_EN = re.compile(
    r"^(?P<before>.+?)(?:\s*(?:[,;:]|\.{2,}|…|—|–|\s-)\s*|\.\s+|\s+(?=no\b))"
    r"(?:(?:no+|nah|hmm+|um+|oh)[,.!]?\s+)*(?:no,?\s+)?(?:actually|wait|on second thought|"
    r"scratch that|or rather|i mean|make that|change of plan|never ?mind|no no)\b[,.!:]?\s*"
    r"(?P<after>.+)$|"
    r"^(?P<before2>.+?)(?:\s*[,;.…]\s*|\s+)(?:hmm+[,.!]?\s+(?:no[,.!]?\s+)?|(?:no+|nah)[,.!]\s+)"
    r"(?P<after2>.+)$", re.I)
_MIND_ZH = re.compile(r"^(?P<before>.+?)[，,。；;…\s]+(?:不对|不不|算了|等等|等一下|哦不|啊不)"
                      r"[，,。！!\s]*(?:还是|改成|换成|就|要)?(?P<after>.+)$")


_NOT_FIRST_EN = re.compile(r"^not\s+(?:the\s+|a\s+|an\s+)?(?P<old>[\w' -]{2,30}?)\s*[,;]\s*"
                           r"(?:but\s+|rather\s+|instead\s+)?(?P<new>[^,;]{2,60})$", re.I)
_NOT_LAST_EN = re.compile(r"^(?P<new>[^,;]{2,60}?)\s*[,;]?\s+(?:but\s+|and\s+)?not\s+"
                          r"(?:the\s+|a\s+|an\s+)?(?P<old>[\w' -]{2,30}?)$", re.I)
_NOT_ZH = re.compile(r"^(?:不是|不要|别用|不用|别要|别)(?P<old>[^，,。；;]{1,12}?)(?:了)?"
                     r"[，,；;\s]*(?:而是|是|要|用|换成|改成)(?P<new>[^，,。；;]{1,16}?)[吧啊呀。!！]*$")
_NOT_ZH_LAST = re.compile(r"^(?:要|用|是)?(?P<new>[^，,。；;]{2,16}?)(?:[，,\s]+"
                          r"(?:而不是|不是|不要|别用)|而不是)(?P<old>[^，,。；;]{1,12}?)[吧啊呀。!！]*$")


_HE = ("sir", "lord", "king", "prince", "mr", "mr.", "duke", "captain", "father", "brother")
_SHE = ("queen", "lady", "princess", "mrs", "mrs.", "ms", "ms.", "miss", "dame", "duchess",
        "mother", "sister")
_NAMED = re.compile(r"^(?:(?P<title>[A-Z][a-z]+\.?)\s+)?(?P<name>[A-Z][a-z]{2,})"
                    r"(?:(?P<own>'s)(?=\s+[a-z])|(?=\s+(?:is|was|has|had|now|looks|should|will|"
                    r"would|can|must|[a-z]+s)\b(?!:)))")


def named_subject(text: str) -> str:
    """A character called by their name, as a novelist does ("Queen Maelis kneels now", "Sir
    Aldren is older now", "Elara's blade"): the picture's subject, as he, she or they."""
    m = _NAMED.match(text.strip())
    if not m or has_cjk(text):
        return text
    from tools.spelling import is_word

    title = (m.group("title") or "").lower()
    if m.group("title") and title not in _HE + _SHE or is_word(m.group("name").lower()) or \
            find_en(m.group(0), ("style", "place")):
        return text  # "Make it …", "Monet style": no one's name
    who = ("he", "his") if title in _HE else ("she", "her") if title in _SHE else ("they",
                                                                                    "their")
    return who[1 if m.group("own") else 0] + text.strip()[m.end():]


_IF_LEAD = re.compile(r"^(?:(?:and|so|ok|hmm+)[\s,]+)?(?:(?:what|how)\s+(?:about\s+)?if|"
                      r"imagine if|imagine that|suppose|if)\s+", re.I)
_IF_PART = re.compile(r"\s*(?:,\s*and|,|\band\b)\s+(?=(?:it|there|the|he|she|they|his|her|"
                      r"its|their)\b)", re.I)


def what_if(text: str) -> str:
    """A change asked as a what-if, in plain requests: "if it were winter and the roses were
    covered in snow?" -> "make it winter, the roses should be covered in snow"; "what if the
    light was on?" -> "the light should be on"."""
    m = _IF_LEAD.match(text.strip())
    if not m or has_cjk(text):
        return text
    parts = _IF_PART.split(text.strip()[m.end():].rstrip(" ?!."))
    out = []
    for p in parts:
        said = re.sub(r"^it\s+(?:were|was|is|became)\s+", "make it ", p, flags=re.I)
        said = re.sub(r"^there\s+(?:was|were|is|are)\s+", "add ", said, flags=re.I)
        said = re.sub(r"^((?:the|his|her|its|their|he|she|they)\b[\w' -]*?)\s+(?:was|were)\s+",
                      r"\1 should be ", said, flags=re.I)
        if said == p:
            return text  # "what if he rode a camel": read as it is
        out.append(said)
    return ", ".join(out)


def not_but(text: str) -> str:
    """A correction said as "not X, Y" ("not blue, green", "not a wall, a wooden fence",
    "serve it in a glass cup, not ceramic", "不是红色，是蓝色", "用玻璃杯，不要陶瓷的"):
    Y in X's place."""
    s = text.strip()
    if ";" in s or "；" in s:  # "not yellow, black; and not daytime, night"
        parts = [re.sub(r"^(?:and|also|then)\s+", "", p.strip(), flags=re.I)
                 for p in re.split(r"[;；]", s) if p.strip()]
        return "; ".join(not_but(p) for p in parts)
    owner = re.match(r"^(?:the\s+)?([a-z][\w' -]{1,24}?)\s*:\s*(not\s.+)$", s, re.I)
    if owner:  # "sofa: not green, mustard yellow" -> "make the sofa mustard yellow instead of…"
        said = not_but(owner.group(2))
        return f"make the {owner.group(1)} {said}" if said != owner.group(2) else text
    if has_cjk(s):
        m = _NOT_ZH.match(s) or _NOT_ZH_LAST.match(s)
        if m and not re.search(r"把|将|让|可以|是不是|能不能|我要|我想", s) and not re.fullmatch(
                r"[了吗呢吧啊]+", m.group("old")):
            old = re.sub(r"的$", "", m.group("old").strip())
            return f"把{old}换成{m.group('new').strip()}"
        return text
    m = _NOT_FIRST_EN.match(s)
    if m and not re.match(r"(?:sure|yet|really|quite|so|too|that|this|bad|now)\b",
                          m.group("old"), re.I):
        return f"{m.group('new').strip()} instead of {m.group('old').strip()}"
    m = _NOT_LAST_EN.match(s)
    if m and re.fullmatch(r"\d+|one|two|three|four|five|six|seven|eight|nine|ten", m.group("old"),
                          re.I) and re.match(r"(?:only|just|\d|one|two|three|four|five|six|"
                                             r"seven|eight|nine|ten)\b", m.group("new"), re.I):
        return m.group("new")  # "only one hive, not three": the count said first
    if m and len(m.group("old").split()) <= 3 and len(m.group("new").split()) <= 4 \
            and not EN_EDIT_START.match(m.group("new")) and not re.match(
            r"(?:too|so|very|that|this|anymore|now|yet|sure|at all)\b", m.group("old"), re.I) \
            and not re.search(r"\b(?:remove|delete|erase|get rid|take|do|does|is|are|should|"
                              r"keep|leave)\b", m.group("new"), re.I):
        return f"{m.group('new').strip()} instead of {m.group('old').strip()}"
    return text


def changed_mind(text: str) -> str:
    """What is left of a message in which the user changed their mind half-way: "make it
    red, no actually blue" -> "make it blue"; "paint the wall white... actually leave the
    wall, make the bike yellow" -> "make the bike yellow"; "add a basket with flowers, wait,
    make it bread instead of flowers" -> "add a basket with bread"; "改成红色，不对，蓝色吧"."""
    m = (_MIND_ZH if has_cjk(text) else _MIND_EN).match(text.strip())
    if m is None:
        return text
    before = (m.group("before") if has_cjk(text) else m.group("before") or m.group("before2"))
    after = (m.group("after") if has_cjk(text) else m.group("after") or m.group("after2"))
    before, after = before.strip(" ,.;…"), after.strip(" ,.;…")
    if not has_cjk(text) and m.group("before2") is not None and not classify(after):
        return text  # "hmm no" before something that is no value of its own: not a correction
    if not before or not after:
        return text
    keep = re.match(r"(?:just\s+)?(?:leave|keep|forget)\s+(?:the\s+)?([\w'-]+)(?:\s+(?:alone|"
                    r"as it is|as is|then|about it))?\s*(?:[,;.]\s*(?:and\s+|just\s+)?(.*))?$",
                    after, re.I)
    if keep and re.search(rf"\b{re.escape(keep.group(1))}\b", before, re.I):
        return (keep.group(2) or "").strip() or text
    swap = re.match(r"(?:make (?:it|them|that)\s+)?(.+?)\s+instead of\s+(?:the\s+)?(.+)$", after,
                    re.I)
    if swap and re.search(rf"\b{re.escape(swap.group(2))}\b", before, re.I):
        return re.sub(rf"\b{re.escape(swap.group(2))}\b", swap.group(1), before, count=1,
                      flags=re.I)
    if has_cjk(text):
        was = classify(before.split("改成")[-1].split("换成")[-1])
        now = classify(after.rstrip("吧呢啊"))
        if now and was and was[0].entry.category == now[0].entry.category:
            return before.replace(was[0].text, now[0].text)
        return after
    now = classify(after)
    if now:  # "make it red, no actually blue": the value, in the first request's place
        hits = find_vocab(before, (now[0].entry.category,))
        if hits:
            h = hits[-1]
            return before[:h.start] + after + before[h.end:]
        if classify(before):
            return after
    return after


def parse_instructions(text: str) -> list[Edit]:
    """Every edit in ``text``, in order ("add a hat and make it night" -> 2 edits)."""
    s = clean_text(text, MAX_INSTRUCTION_CHARS)
    if not s:
        return []
    lang = language(s)
    if lang == "en" and not re.search(r"[.!?]\s+\S", s):
        s = re.sub(r"\s*[.!]+$", "", s)  # one sentence: its full stop says nothing
    s = not_but(what_if(changed_mind(named_subject(s))))
    if lang == "zh":  # "把 background 换成 beach": the picture's parts named in English
        s = re.sub(r"\s*\b(?:background|backdrop|bg)\b\s*", "背景", s, flags=re.I)
        s = re.sub(r"\s*\b(?:art ?style|style)\b\s*", "风格", s, flags=re.I)
        s = re.sub(r"\s*\b(?:colou?r)\b\s*", "颜色", s, flags=re.I)
        s = zh_request(s)
    if lang == "zh":  # "背景换成晚上 紫外灯照着发光": a space between two parts is a comma
        s = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "，", s)
        # "换个背景，改成下雪的街头": one request for a new background
        s = re.sub(r"(?:换个|换一个|改个|改一个|换下|换一下)(背景|场景)[，,。\s]*"
                   r"(?:改成|换成|变成|就|要)?", r"\1换成", s)
    if lang == "en":  # "smiling with her eyes closed": two changes, the second said as is
        s = re.sub(r"\s+(with\s+(?:his|her|their|its)\s+(?:eyes|mouth|arms|hands|legs|head)\s+"
                   r"(?:closed|shut|open|wide open|crossed|folded|raised|outstretched|down|up|"
                   r"back)\b)", r", \1", s, flags=re.I)
    if lang == "en" and re.search(r"[.!?]\s+[A-Za-z]", s):  # several sentences: chat out first
        s = chat_cleanup_en(s) or s
    said = re.split(r"(?<=[.!?])\s+(?=[A-Za-z])", s) if lang == "en" else [s]
    if len(said) > 1:  # "Oh dear, I do not like the television. Could you take it away?"
        found_each, named = [], None
        for k, x in enumerate(said):
            # "she's heading into weather. make it stormy": the story, then what is asked
            story = re.match(r"(?:he|she|it|they)(?:'s|'re| is| are)\s", x, re.I) and any(
                re.match(r"(?:make|add|put|give|change|turn|remove)\b", y, re.I)
                for y in said[k + 1:])
            found = [] if story else parse_instructions(x)
            if not found:  # a sentence naming the thing the next one calls "it"
                things = re.findall(r"\b(?:the|this|that|these|those)\s+([a-z][\w-]*)", x, re.I)
                named = things[-1] if things else named
            elif named:
                found = [replace(e, target=named) if e.kind in (*MODIFIER_CATS, "remove") and (
                    e.target or "it").lower() in ("it", "them", "this", "that") else e
                         for e in found]
            found_each.append(found)
        if any(found_each):
            return [e for found in found_each for e in found]
    if lang == "en":  # chat around the change: "pls", "lol", "ok this is nice but", "w/"
        s = chat_cleanup_en(s) or s
        # "sword longer, like a huge greatsword": an elaboration after a change said in full
        m = re.match(r"(.+?)\s*(?:,|—|–|\s-)\s*(?:like|looks like|as if|so it looks|so that|"
                     r"because|since|it'?d|it would)\b.*$", s, re.I)
        if m and any(e.kind != "add" and e.key != "many" for e in parse_instructions(m.group(1))):
            s = m.group(1)  # (but "more tiers, like 5 layers" says how many)
    if has_cjk(s) and re.search(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}", s):
        # "下雨 + neon reflections", "加一些 stars and planets": each part in its language
        parts = [p for p in re.split(r"\s*[+＋，,；;]\s*", s) if p.strip()]
        if len(parts) > 1 and any(has_cjk(p) for p in parts) and any(
                not has_cjk(p) for p in parts):
            mixed: list[Edit] = []
            for p in parts:
                found = parse_instructions(p)
                if not found and not has_cjk(p) and 1 <= len(p.split()) <= 4:
                    found = [Edit("add", value=p.strip(), lang="en", text=p)]  # a thing
                mixed.extend(found)
            if mixed:
                return mixed
    edits: list[Edit] = []
    for clause in _clauses(s, lang):
        if edits and edits[-1].kind == "pose" and edits[-1].value is None:
            stop = edits.pop()  # "狗别睡了，让它跑": the old pose for the new one
            found = [e if e.kind != "pose" or e.old else replace(e, old=stop.old)
                     for e in (parse_zh(clause) if has_cjk(clause) else parse_en(clause))]
            edits.extend(found or [stop])
            continue
        if clause.startswith(_DESCRIBE):
            body = clause[len(_DESCRIBE):]
            act = re.sub(r"^(?:还|并|也)?(?:正在|在)", "", body)  # "在追蝴蝶": what it does now
            posed = [replace(e, text=body) for e in parse_zh("让它" + act) if e.kind == "pose"] \
                if re.match(r"[坐站躺趴蹲跪跑跳走飞游睡靠倚抬低转举挥追玩吃喝看读弹唱跳]", act) \
                else []
            if not posed and re.search(r"[坐站躺趴蹲跪跑跳]", body):  # "男孩站起来"
                posed = [replace(e, text=body) for e in parse_zh("让" + body) if e.kind == "pose"]
            if posed:  # "让她变老一点，坐在树下": the same subject, a new pose
                edits.extend(replace(e, text=body) for e in posed)
                continue
            edits.append(Edit("add", value=body, key="describe", lang="zh", text=body))
            continue
        found = parse_zh(clause) if has_cjk(clause) else _described_en(clause) or parse_en(
            clause)
        if edits and edits[-1].kind == "remove" and not edits[-1].key and len(found) == 1 \
                and found[0].kind == "replace" and found[0].target is None:
            # "不要公交车了，换成出租车", "no bus, a taxi instead": the bus becomes a taxi
            found = [replace(found[0], target=edits.pop().target)]
        if edits and edits[-1].target and has_cjk(clause) and len(found) == 1 and \
                found[0].kind in ("color", "material") and found[0].target is None and \
                len(clause.strip(" 的了吧")) <= 5 and edits[-1].kind in (
                    "state", "material", "size", "shape", "replace"):
            # "冰淇淋变成草莓味的，粉色的": the ice cream's pink, said after it
            last = edits[-1]
            found = [replace(found[0], target=last.value if last.kind == "replace" and last.value
                             else last.target)]
        edits.extend(found)
    out: list[Edit] = []
    for e in map(_place_for_subject, edits):
        if e.kind in ("color", "material") and e.target and e.lang == "zh" and re.match(
                r"[红绿蓝黄白黑紫粉灰橙棕](?!色)[\u4e00-\u9fff]{2,}$", e.target):
            e = replace(e, target=e.target[1:])  # "把红棉袄改成绿的": the 棉袄, red no more
        last = out[-1] if out else None
        if last and e.kind == last.kind == "material" and e.target == last.target and \
                e.text == last.text and last.value and classify(last.value, ("color",)):
            # "sofa in terracotta velvet": a colour, then the material
            out[-1] = e  # (the material first: the colour is then not read as one)
            out.append(replace(last, kind="color", key=classify(last.value, ("color",))[0]
                               .entry.key))
            continue
        if last and e.kind == last.kind == "color" and e.target == last.target and \
                e.text == last.text and e.value and last.value:
            # "pastel pink and mint": two colours of one thing, together
            joint = " " if f"{last.value} {e.value}".lower() in e.text.lower() else " and "
            out[-1] = replace(last, value=f"{last.value}{joint}{e.value}", key=None)
            continue
        out.append(e)
    return out


def _place_for_subject(e: Edit) -> Edit:
    """"换成雪地", "change it to a snowy field": a place said in the main subject's stead is a
    new setting for it, not a new subject."""
    if e.kind != "replace" or e.target is not None or not e.value:
        return e
    hits = classify(e.value, ("place",))
    rest = re.sub(r"^(?:a|an|the|some|一片|一个|个)\s*", "", e.value.strip(), flags=re.I)
    if len(hits) == 1 and hits[0].text.strip().lower() == rest.lower():
        return replace(e, kind="background", key=hits[0].entry.key)
    return e


def _thing_judged(clause: str) -> str | None:
    """The thing a Chinese clause judges or refuses: "手推车挡着了" -> "手推车", "我不吃香菜" ->
    "香菜"; None when it names none."""
    c = re.sub(r"^(?:嗯|那个|就是|哈哈)*(?:我|我们|你|他|她)?(?:真的|实在)?(?:不吃|不喜欢|讨厌|"
               r"不想要|受不了|怕|嫌)", "", clause.strip(" ，,"))
    m = re.match(r"(?:那个|这个|那些|这些|那|这)?([\u4e00-\u9fff]{1,6}?)(?:挡|太|有点|很|了|着|"
                 r"不|真|好|看着|显得|是|都|也|比较|特别|$)", c)
    if not m or re.search(r"[把将让给换改加去删画]", m.group(1)):
        return None
    return m.group(1)


def zh_request(s: str) -> str:
    """A Chinese instruction said as a correction, a wish or a question, in the plain form the
    rules read: "不是狗！是把猫改成灰色" -> "把猫改成灰色"; "要是木桶就好了" -> "改成木桶";
    "猫能是白色的吗" -> "猫改成白色的"; "画面里能不能没有垃圾桶" -> "去掉垃圾桶"."""
    # short-video talk: "家人们，给柴犬安排一串烤肠" -> "给柴犬加一串烤肠"
    s = re.sub(rf"^(?:{ZH_AUDIENCE}|亲)[，,！!~～\s]+|^(?:{ZH_AUDIENCE})|"
               rf"[，,\s]+(?:{ZH_AUDIENCE}|亲)[~～!！。]*$", "", s.strip())  # "书不要了呢，亲"
    s = re.sub(r"安排(?=[一两三四五六七八九几个点些上])", "加", s)
    # "帽子要被去掉", "領結拿掉好了", "背景整一个豪华酒店大堂"
    s = re.sub(r"^(?![把将给帮让请])([\u4e00-\u9fff]{1,8}?)(?:应该|要|需要|得)?被?"
               r"(去掉|删掉|拿掉|拿走|摘掉|删除)"
               r"(?:好了|就好|吧|了)*$", r"\2\1", s)
    s = re.sub(r"^背景(?:给我|你给我)?(?:整|搞|弄|来)(?:一个|个|成)", "背景换成", s)
    # "鸭子只要一只就够了" -> "只要一只鸭子"
    s = re.sub(r"^([\u4e00-\u9fff]{1,6}?)(?:只要|只留|留|要)([一两二三四五六七八九十\d]+)"
               r"([只个条头匹辆棵朵位张把盏])(?:就够了|就行了?|就好了?|就可以了?)?$",
               r"只要\2\3\1", s)
    # said aloud: "那个那个毛衣你给我弄成灰色的就是浅灰色" -> "毛衣弄成浅灰色"
    s = re.sub(r"(?:那个){2,}", "", s)
    s = re.sub(r"你?给我(?=弄|换|改|变|整|搞|加|去|删|做|画成)", "", s)
    s = re.sub(r"(弄成|换成|改成|变成|搞成|整成)[^，,。；;]*?的?就是([^，,。；;]+)$", r"\1\2", s)
    # "如果是在火山口呢", "要是下雪了会怎么样": a wish, asked as a what-if
    m = re.match(r"^(?:如果|要是|假如|假设)(?:是)?(.+?)(?:的话)?(呢|会怎么样|会怎样|怎么样|"
                 r"会不会更好)?[?？]*$", s)
    if m and (m.group(2) or m.group(1).startswith("在")):
        asked = []
        for part in re.split(r"[，,]\s*(?:而且|并且|同时|还|再)?(?:是)?", m.group(1)):
            part = re.sub(r"了$", "", part.strip())
            if part:
                # (only the first says 改成: "改成X，改成Y" reads X as a thing)
                asked.append(f"把背景换成{part[1:]}" if part.startswith("在") else
                             part if asked else f"改成{part}")
        s = "，".join(asked) or s
    # "小哥换上厨师服": clothes put on, not the man replaced; "再整一个卡通风": a style
    s = re.sub(r"换上(?=[^，,。；;\s]{0,6}(?:服|装|衣|裙|袍|衫|裤|帽|鞋|靴|外套|西装|制服|盔甲))",
               "穿上", s)
    s = re.sub(r"(^|[，,。；;\s])(?!给|让|把|帮)([\u4e00-\u9fff]{1,4}?)(穿上|戴上)", r"\1给\2\3", s)
    s = re.sub(r"(?:再)?(?:整|来|搞)(?:一个|个|一下|点)([^，,。；;\s]{1,8}?)风(?:格)?"
               r"(?=[，,。；;\s！!吧]|$)", r"改成\1风格", s)
    # "整只大鹅在院子里溜达", "再整个烟囱": 整 before a measure word gets one ("整个" alone is
    # "the whole"); "…烟囱，冒着烟那种": the kind said after the thing
    s = re.sub(r"^整(?=[一两几]?[只条头匹辆棵朵位张把群盏])|(?<=[再多])整(?=[一两几]?[个只条头"
               r"匹辆棵朵位张把群盏])|^整(?=一个)", "加", s)
    s = re.sub(r"^整起[，,\s]*", "", s)  # 四川话 "整起": go on, do it
    s = re.sub(r"[，,]\s*[^，,。；;]*才[^，,。；;]*[嘛呢啊呀]$", "", s)  # "…，一群才热闹嘛": why
    s = re.sub(r"((?:加|添|来|放)[一两几]?[个只条头匹辆棵朵位张把群盏]?)([^，,。；;]{1,6})[，,]\s*"
               r"([^，,。；;]{1,8}?)的?那种的?$", r"\1\3的\2", s)
    parts = [p for p in re.split(r"([，,！!。；;\s]+)", s.strip())]
    kept: list[str] = []
    for p in parts:
        t = p.strip()
        if re.fullmatch(r"[，,！!。；;\s]+", p or " "):
            kept.append(p)
            continue
        if re.fullmatch(r"(?:不是|不对|不要|你改错了|改错了|错了|搞错了|弄错了|不是要)"
                        r"(?:[^，,！!。]{0,10})", t) and not re.search(r"[把将]|改成|换成", t) \
                and len(parts) > 1:
            continue  # "不是狗", "不是换老虎", "不是要油画": what was NOT meant
        if re.fullmatch(r"[^，,！!。]{1,6}(?:留着|不动|不变|别动|保留|不要动|还在)", t):
            continue  # "兔子留着", "红车不动"
        if re.fullmatch(r"(?:就|都|直接|给我)?(?:删掉|删了|删除|删|去掉|去了|拿掉|拿走|摘掉|"
                        r"撤掉|不要了)(?:它|吧|了|啊|呀|哈|吧哈)*", t):
            said = [k for k, x in enumerate(kept) if x.strip(" ，,！!。；;")]
            thing = _thing_judged(kept[said[-1]]) if said else None
            if thing:  # "手推车挡着了，删掉", "我不吃香菜，去掉": the thing said before
                kept[said[-1]] = f"去掉{thing}"
                continue
            if said and re.search(r"不要|去掉|删|拿掉", kept[said[-1]]):
                continue  # "奶茶不要了，拿掉": said twice
        t = re.sub(r"^(?:而)?是(?=[把将让给换改删去加])", "", t)  # "是把猫改成灰色"
        t = re.sub(r"^(?:我是说|我的意思是|我说的是)(?=[把将让给换改删去加])", "", t)
        t = re.sub(r"^(删|去掉|拿掉|换|改)的是(.+)$", lambda m: {"删": "删掉", "换": "换掉",
                                                             "改": "改"}.get(m.group(1),
                                                                            m.group(1))
                   + m.group(2), t)  # "删的是篮子"
        t = re.sub(r"^(?:我)?(?:要的是|想要的是|要的其实是)(?=.)", "改成", t)  # "我要的是水彩"
        kept.append(t)
    s = "".join(kept).strip(" ，,！!。")
    s = re.sub(r"^(?:要是|如果|假如|要是能|如果能)(.+?)(?:的话)?(?:就好了|就好|会更好|"
               r"会不会更好看?|会怎样|呢|怎么样)?[？?]?$", r"改成\1", s)
    s = re.sub(r"^改成(.{1,8}?)(?:是|改成)(.+)$", r"把\1改成\2", s)  # "要是桌子是木头的"
    s = re.sub(r"^改成(.+?)的是(.+)$", r"改成\2", s)  # "要是坐在门口的是一只狐狸"
    s = re.sub(r"^(.{1,8}?)能(?:不能)?是(.+?)吗[？?]?$", r"把\1改成\2", s)  # "猫能是白色的吗"
    s = re.sub(r"^(.{1,8}?)是(.{1,8}?)的话(?:会不会|会)?(?:更)?(?:好看|好|漂亮)[吗？?]*$",
               r"把\1改成\2", s)
    s = re.sub(r"(?:画面里|图里|图上)?(?:能不能|可不可以|能否)?(?:没有|不要有)(.+?)[？?]?$",
               r"去掉\1", s) if re.search(r"没有|不要有", s) else s
    s = re.sub(r"(?<=[\u4e00-\u9fff])(?:是不是可以|是不是能|能不能|可不可以|能否|可以)"
               r"(?=[\u4e00-\u9fff])", "", s)
    s = re.sub(r"^(?:是不是可以|是不是能|是不是)(?=[把将让给换改加去在放删拿]|不要|没有|别)", "",
               s).rstrip("？?")
    s = re.sub(r"^(.{1,6}?)换个颜色[，,\s]*(?:来个|换成|改成|要|用|就)?(?=.)", r"\1换成", s)
    s = re.sub(r"^(?:来个|来一个)(?=.)", "加个", s)  # "来个荷包蛋": one more thing
    # "改成在草地上奔跑", "改成坐着": what it does, not a new thing
    s = re.sub(r"^(?:改成|变成|换成)(?=在[^，,。]{1,10}[上里中下边旁]"
               r"(?:[坐站躺趴蹲跪跑跳走飞游睡]|奔跑)|"
               r"(?:坐着|站着|躺着|趴着|蹲着|跪着|睡着|奔跑|跑步|飞翔)$)", "让它", s)
    # "键盘改白色", "木桌换大理石": terse, the thing then its new value
    s = re.sub(r"^([^把将让给，,。！!？?\s]{1,8}?)([改换])(?![成为变掉一下个了回])"
               r"([^，,。！!？?\s]{1,12})$", r"把\1\2成\3", s)
    return s


def _described_en(clause: str) -> list[Edit]:
    """"I want a white horse galloping": the subject told anew, its look and its action; each
    is a change of its own ("make the horse white", "the horse should be galloping")."""
    m = re.fullmatch(r"(?:i want|i'?d like|i'?d prefer|i prefer|let'?s have|give me|how about|"
                     r"what about|now)\s+(?:a|an|the)\s+((?:[\w-]+\s+){1,3}?)([a-z]+)\s+"
                     r"([a-z]+ing)\b(.*?)[.!]?", clause.strip(), re.I)
    if m is None or len(m.group(3)) < 6 or m.group(3).lower() in (
            "building", "painting", "clothing", "evening", "morning", "ceiling", "wedding",
            "drawing", "carving", "lighting", "sibling", "pudding", "dumpling", "something"):
        return []
    mods = m.group(1).strip()
    if not all(classify(w, MODIFIER_CATS) or classify(w, ("color",)) for w in mods.split()):
        return []
    noun = m.group(2)
    look = Edit("replace", target=noun, value=f"a {mods} {noun}", lang="en", text=clause)
    act = parse_en(f"the {noun} should be {m.group(3)}{m.group(4)}")
    return [look, *act] if act else []


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

