"""What the value of an English change means ("make <thing> <value>", "replace <old> with
<new>", "change <thing> from <old> to <new>"): a colour, a style, a place or a new thing.
Used by :mod:`tools.rewrite.parse_en`, which reads the verbs around it."""

from __future__ import annotations

import re
from dataclasses import replace

from tools.rewrite.en_phrases import (
    ART_NOUNS,
    EXPRESSION_VERBS,
    NUM_RE,
    POSE_VERBS,
    SCENE_WORDS,
    attribute_of,
    base_adjective,
    count_from,
    ing_form,
    is_pronoun,
    modifier_edits,
    pose_edits,
    split_owner,
    strip_det,
    target_of,
)
from tools.rewrite.normalize_en import (
    looks_like_adjective,
)
from tools.rewrite.vocab import (
    MODIFIER_CATS,
    Edit,
    Hit,
    classify,
    find_en,
    vocab_edits,
)


def value_edits_en(value: str, target: str | None, text: str, allow_place: bool = False
                    ) -> list[Edit]:
    """What "make <target> <value>" means: a colour, a style, a time... or a new thing."""
    v = value.strip()
    looks = bool(re.match(r"^(?:look(?:s)?(?: like)?|seem|appear|like|more like)\b", v, re.I))
    v = re.sub(r"^(?:look(?:s)? like|looks?|seem|appear|be|become|into|as|like|"
               r"more like)\s+", "", v, flags=re.I).strip()
    v = re.sub(r"^in\s+(?=(?:\w+\s+){0,2}(?:style|colou?rs?|tones?)$)", "", v, flags=re.I)
    if not v:
        return []
    degree = re.fullmatch(r"(?:a\s+(?:bit|little|lot|tad)\s+|much\s+|way\s+|slightly\s+|even\s+|"
                          r"somewhat\s+|kind of\s+)+(?:more\s+)?([a-z][\w-]+)", v, re.I)
    if degree and looks_like_adjective(degree.group(1)):
        v = degree.group(1)  # "a bit more sparkly": sparkly
    why = re.fullmatch(r"(.+?)\s+(?:because|since|cause|cuz|coz|so that|as if|he|she|it|they|"
                       r"he'?s|she'?s|it'?s|i|we|for)\s.+", v, re.I)
    if why and (classify(why.group(1)) or classify(why.group(1), MODIFIER_CATS) or
                classify(why.group(1), ("color",))):
        v = why.group(1)  # "sad he didnt win": the value, then why
    adj = re.fullmatch(r"([a-z]+(?:y|ful|ous|ic|ive|ish|ed|al|ing))\s+with\s+((?:(?:a|an|some)\s+)?"
                       r"[a-z].*)", v, re.I)
    if adj is None:  # "make it red with glowing engines": a colour and a new thing
        adj = re.fullmatch(r"([a-z]+)\s+with\s+((?:(?:a|an|some)\s+)?[a-z].*)", v, re.I)
        adj = adj if adj and classify(adj.group(1), ("color", "weather", "time", "season",
                                                     *MODIFIER_CATS)) else None
    scene = adj and classify(adj.group(1), ("weather", "time", "season"))
    if adj and scene:  # "stormy with waves", "night with christmas lights": the scene's
        return (vocab_edits(scene, "en", text)
                + [Edit("add", value=adj.group(2), lang="en", text=text)])
    if adj:
        return (value_edits_en(adj.group(1), target, text)
                + [Edit("add", target=target, value=adj.group(2), lang="en", text=text)])
    neg = re.fullmatch(r"(.+?),?\s+(?:and\s+)?(?:not|rather than|instead of)\s+(.+)", v, re.I)
    if neg:  # "red not green"
        edits = value_edits_en(neg.group(1), target, text)
        return [e if e.old else replace(e, old=strip_det(neg.group(2))) for e in edits]
    shade = re.fullmatch(r"(bright|light|dark|pale|deep|vivid|matte|pastel|neon|hot|baby|sky|"
                         r"royal|forest|olive|burnt|metallic|glossy|shiny|murky|muddy|dusty|dull|"
                         r"muted|soft|rich|warm|cool|faded)\s+(\w+)", v, re.I)
    if shade and classify(shade.group(2), ("color",)):  # "bright orange"
        return [Edit("color", target=target, value=v, lang="en", text=text)]
    made = re.fullmatch(r"(?:made (?:out )?of|out of|made from|from)\s+(.+)", v, re.I)
    if made:  # "make the lantern out of stained glass"
        return modifier_edits(made.group(1), target, text, "material")
    age = re.fullmatch(r"(?:about |around |roughly |maybe )?(\d+|\w+)[\s-]+years?[\s-]+old", v,
                       re.I)
    if age:  # "make him about 70 years old"
        return [Edit("age", target=target, value=f"{age.group(1)}-year-old", lang="en",
                     text=text)]
    v = re.sub(r"^(?:just|only)\s+(?=\S)", "", v, flags=re.I)
    both = re.split(r"\s+and\s+", v)
    if len(both) == 2 and all(len(x.split()) <= 2 for x in both) and not classify(v):
        # "dry and fluffy"
        parts = [value_edits_en(x, target, text) for x in both]
        if all(p and p[0].kind != "replace" for p in parts):
            return parts[0] + parts[1]
    one = re.fullmatch(r"(?:a|an|the)\s+(.+?)\s+(?:one|ones)", v, re.I)
    if one:  # "turn the chair into a wooden one"
        mods = modifier_edits(one.group(1), target, text)
        if mods:
            return mods
    words = v.lower().split()
    owner = None
    if looks and not re.match(r"^(?:a|an|the)\s", v, re.I) and len(words) <= 3:
        mods = modifier_edits(v, target, text, owner=owner)
        if mods:
            return mods
    pose = pose_edits(v, target, text) if not classify(v) else []
    if pose and (words[0] in POSE_VERBS or words[0] in EXPRESSION_VERBS
                 or words[0].endswith("ing")):
        return pose
    if (looks or len(words) <= 3) and words[-1] in ART_NOUNS and not classify(v):
        return [_style_edit(v, text, hits=[]) if not looks else
                Edit("style", value=strip_det(v), lang="en", text=text)]
    style = find_en(v, ("style",), strong=True)
    if style and target is None and looks:  # "make it look like a stained glass window"
        return [_style_edit(style[0].text, text, hits=style)]
    if style and target is None and re.search(r"\b(?:panel|painting|art|print|poster|"
                                              r"illustration|drawing|style|render|comic|photo|"
                                              r"cartoon|sketch|version|look|movie|film|scene|"
                                              r"artwork|piece|image|picture|window|cover|tapestry|mosaic|diorama|mural|"
                                              r"poster|postcard)s?$", v, re.I):
        return [_style_edit(style[0].text, text, hits=style)]
    v = re.sub(r"^(an?\s+.+?)\s+(?:one|ones|shade|colou?r|tone|hue)$", r"\1", v, flags=re.I)
    if target and re.fullmatch(r"(?:black and white|white and black)(?: stripes)?", v, re.I):
        return [Edit("color", target=target, value=v, lang="en", text=text)]  # its colours
    hits = classify(v)
    if hits and not (re.match(r"^(?:a|an)\s+\w+$", v, re.I)
                     and all(h.entry.category == "color" for h in hits)):
        return vocab_edits(hits, "en", text, target)
    if not re.match(r"^(?:a|an|the|some)\s", v, re.I):
        mods = modifier_edits(v, target, text)
        if mods:
            return mods
    whole = bool(re.match(r"(?:make|turn|render|do|show|style|paint|draw|have|keep)\s+(?:it|"
                          r"this|that|everything|the (?:image|picture|photo|scene))\b", text,
                          re.I))
    if looks and len(words) <= 2 and looks_like_adjective(words[-1]) and not whole:
        return [Edit("add", target=target, value=v, modifier=True, lang="en", text=text)]
    if target is None and whole and len(words) <= 2 and not base_adjective(v) and \
            looks_like_adjective(words[-1]) and not find_en(v, ("place", "wear", "hold")):
        return [_style_edit(v, text)]  # "make it isometric": a look for the whole picture
    if allow_place or re.match(r"^(?:on|in|at|by|near|under|inside|underwater|beside)\b", v,
                               re.I):
        place = find_en(v, ("place",))
        if place or re.match(r"^(?:on|at|inside|by|near|under|beside|in)\s", v, re.I):
            return [Edit("background", value=v, key=place[0].entry.key if place else None,
                         lang="en", text=text)]
    m = re.fullmatch(rf"({NUM_RE})(?:\s+(.+))?", v, re.I)
    if m and m.group(1).lower() not in ("a", "an"):
        n = count_from(m.group(1))
        if n is not None:  # "five purple tulips": the count, and the tulips' new colour
            noun = m.group(2) or target
            words = (noun or "").split()
            mods = modifier_edits(" ".join(words[:-1]), words[-1], text) \
                if len(words) > 1 and classify(" ".join(words[:-1]), MODIFIER_CATS) else []
            return [Edit("count", target=words[-1] if mods else noun, count=n, lang="en",
                         text=text), *mods]
    with_ = re.fullmatch(r"(.+?)\s+with\s+((?:a|an|some)\s+.+)", v, re.I)
    if with_ and not re.match(r"(?:a|an|the|some)\s", v, re.I):
        first = value_edits_en(with_.group(1), target, text)
        if first and first[0].kind != "replace":  # "older with a grey beard"
            return first + _add_edits(with_.group(2), target, text)
    adj = base_adjective(v)
    if adj and not re.match(r"^(?:a|an|the)\s", v, re.I):
        return [Edit("add", target=target, value=adj, modifier=True, lang="en", text=text)]
    plain = [w for w in words if w not in ("and", "very", "really", "quite", "super", "more")]
    if plain and len(plain) <= 3 and all(looks_like_adjective(w) for w in plain):
        # "short and stocky", "nervous": a description of the thing, not a new thing
        return [Edit("add", target=target, value=v, modifier=True, lang="en", text=text)]
    return [Edit("replace", target=target, value=v, lang="en", text=text)]


def _object_value_edits(obj: str, value: str, text: str, old: str | None = None
                        ) -> list[Edit]:
    """"change <obj> to <value>" where obj may name an attribute ("the table's shape") or
    an owner ("the man's hat")."""
    if SCENE_WORDS.match(obj.strip()):  # "i'd like the background to be a rainy window"
        return _background_edits(value, text)
    target, attr, owner = attribute_of(obj)
    if attr:
        found = modifier_edits(value, target, text, attr, owner, old)
        if found:
            return found
    finish = re.fullmatch(r"(?:(?:[a-z]+(?:ed|y|ish)|matte|raw|solid|pure|real|faux|dark|light|"
                          r"pale|bright|deep|soft|clear)\s+){1,2}([a-z]+)", value.strip(), re.I)
    hits = classify(finish.group(1), ("material", "color")) if finish else []
    if hits and not classify(value.strip(), MODIFIER_CATS):  # "hammered copper": copper
        found = modifier_edits(value.strip(), target, text, hits[0].entry.category, owner, old)
        if found:
            return found
    m = re.fullmatch(r"([\w-]+)\s+(?:with|from|after|because of)\s+.+", value.strip(), re.I)
    if m and classify(m.group(1), MODIFIER_CATS):  # "the leaf is wet with dew": wet
        value = m.group(1)
    edits = value_edits_en(value, target, text)
    return [replace(e, owner=e.owner or owner, old=old) for e in edits]


def _from_to_edits(obj: str, old: str, new: str, text: str) -> list[Edit]:
    """"change <obj> from <old> to <new>": the new value, remembering the old one."""
    old_v = strip_det(old)
    target, attr, owner = attribute_of(obj)
    if attr is None and not is_pronoun(obj):
        old_hits = classify(old_v, MODIFIER_CATS)
        attr = old_hits[0].entry.category if old_hits else None
        if attr is None and ing_form(old_v.split()[0]) if old_v else False:
            attr = "pose"
    if attr:
        found = modifier_edits(new, target, text, attr, owner, old_v)
        if found:
            return found
    if is_pronoun(obj) or target is None:
        edits = value_edits_en(new, None, text)
        if edits and edits[0].kind == "replace":
            return [replace(edits[0], target=old_v, old=old_v)]
        return [replace(e, old=old_v) for e in edits]
    edits = value_edits_en(new, target, text)
    if edits and edits[0].kind == "replace":  # "change the pet from a cat to a dog"
        return [replace(edits[0], target=old_v, owner=target, old=old_v)]
    return [replace(e, old=old_v, owner=e.owner or owner) for e in edits]


def _replace_edits(old: str, new: str, text: str) -> list[Edit]:
    old_t = target_of(old)
    if old_t and not classify(old_t) and not classify(old_t, MODIFIER_CATS) and (
            _whole_modifier(new)):  # "car -> lime green": the car, now lime green
        found = modifier_edits(new.strip(), old_t, text)
        if found:
            return found
    many = re.fullmatch(rf"({NUM_RE})\s+([\w'-]+)", new.strip(), re.I)
    if many and re.fullmatch(r"(?:just\s+|only\s+)?(?:one|a single one|a single|1)", old.strip(),
                             re.I):  # "three roses instead of one"
        n = count_from(many.group(1))
        if n:
            return [Edit("count", target=many.group(2), count=n, lang="en", text=text)]
    one = re.fullmatch(r"(?:a|an|some|the)\s+(.+?)\s+(?:one|ones)", new.strip(), re.I)
    if one and old_t:  # "swap the red tie for a purple one": the same tie, now purple
        target, owner = split_owner(old_t)
        words = (target or old_t).split()
        noun = " ".join(w for w in words if not classify(w, MODIFIER_CATS)) or words[-1]
        found = modifier_edits(one.group(1), noun, text, owner=owner)
        if found:
            return found
    if old_t and SCENE_WORDS.match(old_t):
        return _background_edits(new, text)
    old_hits = classify(old_t or "")
    new_hits = classify(strip_det(new))
    if old_t:  # "sitting instead of standing", "a leather jacket instead of denim"
        mod_old = classify(old_t, MODIFIER_CATS)
        if mod_old or ing_form(old_t.split()[0]):
            found = _from_to_edits("it", old_t, new, text)
            if found and found[0].kind != "replace":
                return found
    if new_hits and (not old_t or old_hits):
        return vocab_edits(new_hits, "en", text,
                            None if old_hits else old_t)
    return [Edit("replace", target=old_t, value=new.strip(), lang="en", text=text)]


def _background_edits(value: str, text: str) -> list[Edit]:
    v = re.sub(r"^(?:a|an|some)\s+(?=\w+\s+\w)", "", value.strip(), flags=re.I)
    shade = re.fullmatch(r"((?:(?:soft|pastel|light|dark|pale|deep|warm|cool|muted|bright|vivid|"
                         r"dusty|baby|sky|navy|neon|gradient|off|"
                         r"subtle|gentle|rich)[\s-]+)+)([a-z]+)", v, re.I)
    if shade and classify(shade.group(2), ("color",)):  # "a soft pastel blue"
        return [Edit("color", target="background", value=v, lang="en", text=text)]
    hits = classify(v)
    if hits and not find_en(v, ("place",)):
        if all(h.entry.category in ("color", "material") for h in hits):
            # "make the background pink": the colour of the background, not of the subject
            return [Edit(h.entry.category, target="background", value=h.text, key=h.entry.key,
                         lang="en", text=text) for h in hits]
        return vocab_edits(hits, "en", text)
    place = find_en(v, ("place",))
    return [Edit("background", value=v, key=place[0].entry.key if place else None, lang="en",
                 text=text)]


def _add_edits(what: str, target: str | None, text: str) -> list[Edit]:
    w = what.strip()
    if not w:
        return []
    adj = base_adjective(w)
    if adj and not re.match(r"^(?:a|an|the|some)\s", w, re.I):
        return [Edit("add", target=target, value=adj, modifier=True, lang="en", text=text)]
    return [Edit("add", target=target, value=w, lang="en", text=text)]


def _style_edit(value: str, text: str, artist: bool = False,
                hits: list[Hit] | None = None) -> Edit:
    v = strip_det(value.strip())
    hits = hits if hits is not None else classify(v, ("style",))
    if hits:
        return Edit("style", value=hits[0].text, key=hits[0].entry.key, lang="en", text=text)
    phrase = f"in the style of {v}" if artist else f"{v} style"
    return Edit("style", value=phrase, lang="en", text=text)


def _whole_modifier(value: str) -> bool:
    """``value`` is nothing but a colour, material, size... ("lime green", "matte black")."""
    v = value.strip().lower()
    hits = find_en(v, ("color", *MODIFIER_CATS))
    return bool(hits) and " ".join(h.text.lower() for h in hits) == v
