"""The last check of a rules rewrite: a new value said in the instruction takes the place of
the old value of its kind that the edit left behind.

The rules read many phrasings, but people find more. When a change is read partly ("the
car mint green" appended as words, "make her hair long until waist" read as the length but
not where) the new value is in the new prompt and the old one often still is too: "a red
car …, mint green". This pass looks only at vocabulary: for each kind of value the instruction
names (a colour, a material, a time of day, the weather, a season, an expression…) it removes
the prompt's old value of that kind when the new one is now in the prompt, the old one is no
longer wanted, and it can tell which one is meant (one old value, or the one on the thing the
instruction names). It never adds words.
"""

from __future__ import annotations

import re

from tools.rewrite.vocab import Edit, Hit, find_vocab, same_kind, to_prompt_lang
from tools.text import cjk_pairs, has_cjk, stem

# values of one thing (a noun's modifier) and values of the whole picture
_THING = ("color", "material", "expression", "age", "state", "shape")
_SCENE = ("time", "weather", "season")
# words before a value that say it is the old one ("not red", "instead of red", "不是红色")
_OLD_EN = re.compile(r"(?:\bnot|\bno|\binstead of|\brather than|\bfrom|\bno longer|\bkeep|"
                     r"\bkeeping|\bleave|\bstill|\bboth)\s+(?:the\s+|a\s+|an\s+|it\s+)?$|"
                     r"\bthe\s+$", re.I)  # "give the ginger cat a hat": which cat, not a change
_OLD_ZH = re.compile(r"(?:不是|不要|而不是|不再|从|别|保留|留着|还是|由)$")


def _said_new(instruction: str, cats: tuple[str, ...]) -> list[Hit]:
    """The values the instruction asks for, without those it names as old or kept."""
    out = []
    for h in find_vocab(instruction, cats):
        before = instruction[:h.start]
        if (_OLD_ZH if has_cjk(instruction) else _OLD_EN).search(before):
            continue
        out.append(h)
    return out


def _nouns_named(instruction: str, output: str, kin: bool = True) -> list[int]:
    """Where the things the instruction names stand in ``output`` (character offsets); with
    ``kin``, also things of the same kind ("the pup" for "a beagle")."""
    if has_cjk(output):
        return [i for pair in cjk_pairs(instruction) if (i := output.find(pair)) >= 0]
    words = {stem(w) for w in re.findall(r"[a-z][a-z'-]+", instruction.lower()) if len(w) > 2}
    spots = []
    for m in re.finditer(r"[A-Za-z][\w'-]*", output):
        w = m.group(0).lower()
        if stem(w) in words or kin and any(w in g for s in words for g in same_kind(s)) or any(
                len(s) >= 4 and stem(w).endswith(s) for s in words):  # "boat": the rowboat
            spots.append(m.start())
    return spots


def _remove(text: str, h: Hit) -> str:
    """``text`` without the value ``h`` (and the little words that only served it)."""
    a, b = h.start, h.end
    if has_cjk(text):
        if text[b:b + 1] == "的":
            b += 1
        out = text[:a] + text[b:]
        return re.sub(r"([，,])\s*[，,]", r"\1", out).strip(" ，,")
    lead = re.search(r"\s(?:painted|dyed|colou?red|made (?:out )?of|made from|(?:that|which) "
                     r"(?:is|are)|looking|feeling|seeming)\s+(?:in\s+)?$", text[:a], re.I)
    if lead:  # "a rowboat painted blue": the words that only brought the value go with it
        a = lead.start()
    before = text[:a]
    m = re.search(r"(?:\b(?:at|in|during|on a|on an|a|an)\s+)$", before, re.I)
    seg_start = max(before.rfind(","), -1) + 1
    seg_end = text.find(",", b)
    seg_end = len(text) if seg_end < 0 else seg_end
    rest = (text[seg_start:a] + text[b:seg_end]).strip()
    if not rest or re.fullmatch(r"(?:at|in|during|on|a|an|the)(?:\s+(?:a|an|the))?", rest, re.I):
        out = text[:seg_start] + text[seg_end + 1:] if seg_end < len(text) \
            else text[:max(seg_start - 1, 0)]
    else:
        if m and re.match(r"\s*(?:,|$)", text[b:]) and m.group(0).strip().lower() in (
                "at", "in", "during"):
            a -= len(m.group(0))
        out = text[:a] + text[b:]
    out = re.sub(r"\s{2,}", " ", out)
    out = re.sub(r"\s+([,.])", r"\1", out)
    out = re.sub(r",\s*,", ",", out)
    return out.strip(" ,")


_GAP_EN = re.compile(r"\s*(?:[a-z]+-?\s*)?", re.I)
_AFTER_EN = re.compile(r"\s+(?:(?:that|which)\s+(?:is|are)|is|are|painted|dyed|colou?red|"
                       r"made of|made from|made out of|of)\s+(?:in\s+)?", re.I)
_GAP_ZH = re.compile(r"(?:是|为|的|色|是纯)?")
_NOT_A_MODIFIER = re.compile(r"\b(?:on|in|at|with|and|of|by|near|under|beside|to|from|for)\b",
                             re.I)


def _beside(text: str, h: Hit, spot: int) -> bool:
    """The value ``h`` modifies the thing at ``spot`` directly: "grey velvet armchair", "橱柜是
    白色" (at most one word between, none of them a preposition)."""
    if has_cjk(text):
        end = spot + 2
        gap = text[end:h.start] if h.start >= end else text[h.end:spot] if h.end <= spot else "x"
        return bool(_GAP_ZH.fullmatch(gap))
    if h.start > spot:  # "a rowboat painted blue", "a door that is red"
        noun = re.match(r"[\w'-]+", text[spot:])
        gap = text[spot + (noun.end() if noun else 0):h.start]
        return bool(_AFTER_EN.fullmatch(gap))
    if h.end > spot:
        return False
    gap = text[h.end:spot]
    return bool(_GAP_EN.fullmatch(gap)) and not _NOT_A_MODIFIER.search(gap)


# values that cannot both be true of one thing: when the new one is written, the old one goes
# wherever it stands ("a laughing man with a neutral expression", "coffee, cold, no steam")
_GLAD = ("happy", "smiling", "laughing", "excited")
_GLUM = ("sad", "serious", "neutral", "crying", "angry", "grumpy", "frowning", "scared",
         "bored", "tired", "nervous")
_OPPOSITES: dict[str, tuple[str, ...]] = {
    **{k: _GLUM for k in _GLAD}, **{k: _GLAD for k in _GLUM if k != "tired"},
    "awake": ("asleep", "tired"), "asleep": ("awake",),
    "open": ("closed",), "closed": ("open",), "lit": ("unlit",), "unlit": ("lit",),
    "full": ("empty", "halffull"), "empty": ("full", "halffull"), "wet": ("dry",),
    "dry": ("wet",), "blooming": ("withered", "bare", "bud"), "withered": ("blooming", "fresh"),
    "clean": ("dirty",), "dirty": ("clean",), "broken": ("intact",), "intact": ("broken",),
    "young": ("old", "middleaged"), "old": ("young", "teenage", "baby", "middleaged"),
    "steaming": ("cold",), "hot": ("cold",), "cold": ("hot", "steaming"),
    "matte": ("shiny",), "shiny": ("matte", "rusty"), "bare": ("blooming",),
}


def _opposites(prompt: str, output: str, instruction: str) -> str:
    """``output`` without a value of the prompt that the instruction's new value contradicts,
    when there is exactly one such word."""
    cats = ("expression", "state", "age")
    before = {h.entry.key for h in find_vocab(prompt, cats)}
    written = find_vocab(output, cats)
    now = {h.entry.key for h in written}
    new = {h.entry.key for h in _said_new(instruction, cats)}
    if has_cjk(instruction) != has_cjk(prompt):  # said in the other language: what came new
        new = now - before
    if not new:
        return output
    if not new & now:
        return output  # the new value was not written
    against = {k for n in new for k in _OPPOSITES.get(n, ())} - new
    old = [h for h in written if h.entry.key in against and h.entry.key in before]
    if len({h.entry.key for h in old}) != 1:
        return output
    for h in sorted(old, key=lambda x: -x.start):
        output = _remove(output, h)
    return output


def settle(prompt: str, output: str, instruction: str, edits: list[Edit]) -> str:
    """``output`` without the old values the instruction replaced (see the module doc)."""
    had = {stem(w) for w in re.findall(r"[a-z]{3,}", prompt.lower())}

    def kept_thing(value: str) -> bool:  # "blue and yellow feathers" to a parrot's feathers
        words = re.findall(r"[a-z]{3,}", value.lower())
        return bool(words) and stem(words[-1]) in had

    adds = [e for e in edits if e.kind == "add" and e.key != "describe"]
    added = " ".join((e.value or "") for e in adds if not kept_thing(e.value or ""))
    restated = " ".join((e.value or "") for e in adds if kept_thing(e.value or ""))
    # "改成黑白照片" read as a style: its black and white are no colours of a thing
    styles = find_vocab(instruction, ("style",)) if any(e.kind == "style" for e in edits) else []
    read = {e.kind for e in edits}
    for cats, per_thing in ((_SCENE, False), (_THING, True)):
        for cat in cats:
            said = _said_new(instruction, (cat,))
            made = cat in read or any(h.text.lower() in restated.lower() for h in said)
            # (the rules read this change and made it: they know which value, so only an old
            # value stuck to the same thing is left to take out: "墨绿色的橱柜是白色")
            new = {h.entry.key for h in said
                   if not (added and h.text.lower() in added.lower())
                   and not any(s.start < h.end and h.start < s.end for s in styles)}
            now = find_vocab(output, (cat,))
            if not added and not styles and has_cjk(instruction) != has_cjk(prompt):
                # said in the other language ("眼睛睁开吧" to "eyes closed"): what came new
                was = {h.entry.key for h in find_vocab(prompt, (cat,))}
                new |= {h.entry.key for h in now if h.entry.key not in was}
            if not new:
                continue
            if not any(h.entry.key in new for h in now):
                continue  # the change was not written: nothing to settle
            before = {h.entry.key for h in find_vocab(prompt, (cat,))}
            old = [h for h in now if h.entry.key not in new and h.entry.key in before]
            if not old:
                continue
            if made and not per_thing:
                continue
            if per_thing:  # the old value of the thing named, or of the subject
                if made:  # only the thing that change was made on
                    targets = " ".join(to_prompt_lang(e.target, "zh" if has_cjk(output) else "en")
                                       for e in edits if e.kind == cat and e.target)
                    targets += " " + " ".join(re.findall(r"[a-z]{3,}", restated.lower())[-1:])
                    spots = _nouns_named(targets, output, kin=False) if targets.strip() else []
                else:
                    spots = _nouns_named(instruction, output)
                if not spots and not made:
                    m = re.search(r"\s(?:on|in|at|with|near|by|under|beside|wearing|holding)\s|"
                                  r"[,，在]", output)
                    spots = [m.start()] if m else [len(output)]
                near = [h for h in old if any(_beside(output, h, s) if made else
                                              0 <= s - h.end <= 12 or 0 <= h.start - s <= 12
                                              or _beside(output, h, s) for s in spots)]
                if len(near) != 1:
                    continue  # which one is meant is not clear: leave them
                old = near
            for h in sorted(old, key=lambda x: -x.start):
                output = _remove(output, h)
    if any(e.kind == "state" and e.key in ("lit", "unlit") for e in edits):
        # "the unlit lights on": the switch said before goes with the light's new state
        output = re.sub(r"\b((?:unlit|lit|switched off|switched on|turned off|turned on)\s+"
                        r"(?:[\w-]+\s+)?(?:lights?|lamps?|candles?|lanterns?|signs?|tv|"
                        r"screens?))\s+(?:on|off)\b", r"\1", output, flags=re.I)
    return _opposites(prompt, output, instruction)
