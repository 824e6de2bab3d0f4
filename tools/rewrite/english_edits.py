"""How each kind of :class:`Edit` changes an English prompt (:class:`EnPrompt`)."""

from __future__ import annotations

import re
from dataclasses import replace

from tools.rewrite.en_phrases import NUM_RE, count_from
from tools.rewrite.english import EnPrompt
from tools.rewrite.english_words import LOOK_VERBS, TOKEN
from tools.rewrite.vocab import (
    DARK_TIMES,
    MODIFIER_CATS,
    PERSON,
    Edit,
    classify,
    entry,
    find_en,
    is_living,
    other_season_marks,
    same_kind,
    to_prompt_lang,
    vocab_phrase,
    wear_kind,
)
from tools.text import has_cjk, is_plural, pluralize, singularize, stem
from tools.translate import EN_NUMBERS

_PARTS = frozenset("hair eyes eye hat glasses shirt jacket coat dress shoe shoes".split())
_BODY_FEATURES = frozenset("beard mustache moustache goatee stubble tattoo freckle scar wing "
                           "horn tail antler whisker".split())
_ANIMAL_PARTS = frozenset("fur coat feather wing skin scale shell body plumage mane".split())
_GROUND = frozenset(
    "grass sand ground floor rock stone bench chair sofa couch bed table desk rug carpet "
    "blanket towel lawn snow ice branch fence log stump step stair swing mat pillow "
    "cushion wall edge ledge shore water leg knee".split())


def looks_like_adjective_phrase(v: str) -> bool:
    """"blurry", "dark and moody", "soft, out of focus": how the background looks, no place."""
    words = re.findall(r"[a-z'-]+", v.lower())
    return bool(words) and len(words) <= 4 and all(
        w in ("and", "very", "more", "less", "out", "of", "focus", "slightly") or w.endswith(
            ("y", "ed", "ful", "ous", "ish", "al", "ic", "ive", "less")) or w in (
            "soft", "dark", "light", "bright", "plain", "simple", "clean", "dim", "pale", "warm",
            "cool", "calm", "quiet", "busy", "minimal", "white", "black", "neutral", "abstract",
            "bokeh", "muted", "pastel", "smooth", "flat") for w in words) and not any(
        w in ("sky", "city", "valley", "alley", "gallery", "library", "bakery", "factory",
              "country", "prairie", "jetty", "quay", "abbey", "nursery", "pottery", "hospital",
              "industrial", "tropical", "coastal", "rural", "medieval", "natural") for w in words)


def _place_phrase_en(value: str, key: str | None) -> str:
    v = re.sub(r"^(?:something|anything|somewhere)\s+", "", value.strip(), flags=re.I)
    if re.search(r"\b(?:background|backdrop)$", v, re.I) and key is None:
        return ", " + re.sub(r"^(?:a|an|the)\s+", "", v, flags=re.I)  # "soft pastel background"
    if key is None and looks_like_adjective_phrase(v):
        return f", {v} background"  # "make the background blurry": a blurry background
    if re.match(r"^(?:on|in|at|by|near|under|inside|underwater|beside|in front of|among|"
                r"outdoors|indoors|atop|across|along|over|above|below|through|behind|"
                r"next to|on top of|around)\b", v, re.I):
        return v
    e = entry(key)
    if e is not None:
        prep = re.match(r"^(on the|on|in the|in|at|by|among|in front of|underwater)\b",
                        e.en_phrase)
        body = v if re.match(r"^(?:a|an|the|some)\s", v, re.I) or is_plural(v.split()[-1]) \
            else ("the " + v if e.en_phrase.split()[1:2] == ["the"] else
                  ("a " + v if e.en_phrase.split()[1:2] in (["a"], ["an"]) else v))
        if prep and prep.group(1) == "underwater":
            return "underwater"
        return f"{prep.group(1).split()[0] if prep else 'in'} {body}".strip()
    if not re.match(r"^(?:a|an|the|some)\s", v, re.I) and not is_plural(v.split()[-1]) \
            and not v[:1].isupper():
        v = "a " + v
    return f"in {v}"


_PRONOUN_WORDS = re.compile(r"(?:it|he|she|they|him|her|them|this|that|one|the one)$", re.I)
_PLANTS = frozenset("flower sunflower rose tulip daisy lily orchid plant bush shrub herb bouquet "
                    "peony poppy iris violet bloom blossom".split())


def _made_of(p: EnPrompt, target: str | None, value: str, said: str) -> bool:
    """"make it wood-fired stoneware with ash drips", "could it be glazed turquoise?": a
    material or colour said without "a", for the thing that is there, not a new thing."""
    if re.match(r"(?:a|an|the|some|one|two|three|four|five|\d+|his|her|its|their|my|our)\b",
                value, re.I) or re.search(r"\b(?:replace|swap|instead|into|with a|rather)\b",
                                          said.replace(value, ""), re.I) or is_living(value):
        return False
    lead, _, rest = value.partition(" with ")
    hits = find_en(lead, ("material", "color"))
    span = p.find(target) if target else p.subject()
    if not hits or span is None or len(lead.split()) > 4 or hits[-1].end < len(lead.rstrip()) \
            or (target and find_en(target, ("material", "color"))):
        return False  # ("ice cola" is a drink; "linen -> leather" swaps one for the other)
    if hits[-1].weak and re.search(r"\b(?:change|turn|switch)\b.*\bto\b", said, re.I):
        return False  # "change the sunflowers to lavender": the flowers
    p.set_modifier(span, lead, hits[-1].entry.category)
    if rest:
        p.insert_after(p.find(target) if target else p.subject(), "with " + rest)
    return True


def apply_en(p: EnPrompt, e: Edit) -> None:
    target = to_prompt_lang(e.target, "en") if e.target else None
    value = to_prompt_lang(e.value, "en") if e.value else None
    if e.kind == "remove":
        if e.old and not target:  # "should not be holding anything": what she holds goes
            held = next((i for i, t in enumerate(p.toks) if t.low == e.old), None)
            if held is not None:
                p._delete(held, p._np_end(held + 1, len(p.toks)))
            return
        if e.key == "contents":
            if not p.clear_contents(target or ""):
                p.notes.append(f"there was nothing on the {target} to remove")
            return
        if e.key and entry(e.key) is not None and entry(e.key).category in MODIFIER_CATS:
            # "dark" of "in a dark room": the word goes, the room stays
            hits = [i for i, t in enumerate(p.toks) if t.word and any(
                h.entry.key == e.key for h in find_en(t.low, (entry(e.key).category,)))]
            for i in reversed(hits):
                p._delete(i, i + 1)
            return
        if e.key:
            if not p.strip_vocab((entry(e.key).category,), e.key):  # type: ignore[union-attr]
                p.notes.append(f"there was no {target} to remove")
            return
        if not p.remove(target or ""):
            p.notes.append(f"there was no {target} in the prompt to remove")
        return
    if e.kind == "add":
        if not value:
            return
        if _HAIRDO.search(value) and p.find("hair") is not None:
            _restyle_hair(p, value)  # "give her a shoulder-length bob" to "long straight hair"
            return
        if e.key == "describe":
            p.append_segment(value)
            return
        if e.modifier:
            span = (p.find(target) if target else None) or p.subject()
            if span is None:
                p.append_segment(value)
            elif value.endswith("ing"):
                p.insert_after(span, value)  # "a woman smiling"
            else:
                p._insert(p._head(span), value)
            return
        parts = re.split(r"\s+and\s+(?:an?\s+)?", value)
        if len(parts) > 1 and all(p.find(x.split()[-1]) for x in parts if x.split()):
            for part in parts:  # "give her red hair and a black shirt"
                apply_en(p, replace(e, value=part))
            return
        words = value.split()
        placed = re.search(r"\b(?:above|on|in|under|over|beside|next to|near|behind|by|at|around|"
                           r"against|below|onto|into|across|along)\b", value, re.I)
        if placed:  # "a large painting above the sofa": a new thing, put by the sofa
            words = words[:len(value[:placed.start()].split())] or words
        if len(words) >= 3 and re.match(r"(?:a|an|some)$", words[0], re.I) and p.find(
                words[-1]) is not None and find_en(" ".join(words[1:-1]), MODIFIER_CATS):
            words = words[1:]  # "give him a longer tail" to "a dog with a short tail"
        if len(words) >= 2 and not re.match(r"(?:a|an|the|some|\d+)$", words[0], re.I):
            span = p.find(words[-1])
            mods = [h for h in find_en(" ".join(words[:-1]), MODIFIER_CATS)]
            if span is not None and mods:  # "give her long hair" to "... with short hair"
                for h in mods:
                    p.set_modifier(p.find(words[-1]) or span, h.text, h.entry.category)
                return
        m = re.fullmatch(rf"({NUM_RE}|a|an)\s+(?:more\s+)?([\w'-]+)", value, re.I)
        if m and p.find(m.group(2)) is not None:  # "add two cats" to "a cat": three cats
            n = count_from(m.group(1)) or 1
            # "add two cats" is two more; "give her two balloons" is two in all
            more = re.search(r"\b(?:add|adds|added|more|another|extra|include|insert|plus|also|"
                             r"throw in|put in)\b", e.text, re.I)
            p.set_count(n, m.group(2), relative=bool(more))
            return
        if has_cjk(e.value or "") and not re.match(rf"(?:a|an|the|some|{NUM_RE})\b", value,
                                                   re.I) and not is_plural(words[-1]):
            value = f"a {value}"  # "给猫戴个帽子" on an English prompt: "a hat"
        kind = wear_kind(value)
        span = p.find(target) if target else None
        subj = p.subject()
        where = span or subj
        head_word = p.toks[p._head(where)].low if where else ""
        if kind == "wear" and where and stem(words[-1].lower()) in _BODY_FEATURES:
            p.insert_after(where, f"with {value}")  # "a man with a beard", not "wearing"
        elif kind == "wear" and where:
            p.insert_after(where, f"wearing {value}")
        elif kind == "hold" and where and stem(head_word) in PERSON:
            if any(t.low == "holding" for t in p.toks):
                idx = next(i for i, t in enumerate(p.toks) if t.low == "holding")
                obj = p.find(p.toks[idx + 1].text) if idx + 1 < len(p.toks) else None
                p.insert_after(obj or where, f"and {value}")
            else:
                p.insert_after(where, f"holding {value}")
        elif is_living(value) and where and re.search(
                r"\s(?:\w+ing|next to|beside|near|behind|in front of|on|at|by)\s", value + " "):
            p.append_segment(value)  # "a cat sleeping next to her": a scene of its own
        elif is_living(value) and where:
            p.insert_after(where, f"and {value}")
        elif span:
            p.insert_after(span, f"with {value}")
        else:
            at = re.search(rf"\b(on top of|in front of|next to|on|in|at|inside|by|near|under|"
                           rf"beside|behind|above|over|around)\s+(?:the\s+|a\s+|an\s+)?"
                           rf"{re.escape(target)}\b", e.text, re.I) if target else None
            # "a warm light in the window" with no window yet: where it is goes with it
            where_said = f" {at.group(1)} the {target}" if at else ""
            p.insert_after(None, f"with {value}{where_said}")
        return
    if e.kind == "replace":
        if not value:
            return
        if e.key == "restate" or target is None:
            # "i'd prefer yellow roses", "make it a clay teacup": the prompt's own roses or
            # teacup, restated
            head = TOKEN.findall(value)[-1] if TOKEN.findall(value) else ""
            if head and p.find(head) is not None:
                target = head
            elif e.key == "instead":  # "pizza instead": the main thing becomes pizza
                target = None
            elif e.key == "restate":
                subj = p.subject()
                words = [t.low for t in p.toks[subj[0]:subj[1]]] if subj else []
                kin = {w for group in same_kind(head) for w in group}  # a hare for a fox
                theirs = {k for w in words for group in same_kind(w) for k in group}
                if not kin & set(words) and head not in theirs and not (
                        any(map(is_living, kin | {head})) and any(map(is_living, words))):
                    p.append_segment(value)  # (not "a grind down a handrail" for a kickflip)
                    return
        if _made_of(p, target, value, e.text or ""):
            return
        if target and re.fullmatch(r"[a-z]+ing", target, re.I) and value and \
                re.match(r"[a-z]+ing\b", value, re.I) and p.substitute(target, value):
            return  # "holding an umbrella instead of waving": one action for another
        if target and p.find(target) is None:
            p.notes.append(f"there was no {target} in the prompt; I changed the main subject")
            target = None
        m = re.match(r"(?:an?|one|some)\s+([a-z]+)\s+of\s+", value, re.I)
        if target and m and re.search(rf"\b{m.group(1)}\s+of\s+(?:\w+\s+)?{re.escape(target)}",
                                      p.render(), re.I):
            value = value[m.end():]  # "a cup of coffee" + "a cup of tea instead": the tea
        if not p.replace_np(target, value):
            p.append_segment(value)
        return
    hue = classify(value, ("color",)) if e.kind == "color" and value else []
    if hue and hue[0].weak and target and len(value.split()) == 1 and \
            stem(target.split()[-1]) in _PLANTS and p.replace_np(target, value):
        return  # "change the sunflowers to lavender": the flower, not its colour
    if e.kind in MODIFIER_CATS:
        before = p.render()
        _apply_modifier_en(p, e, target, value or "")
        if p.render() == before and re.fullmatch(r"[a-z]+(?:er|ier)", (value or "").lower()):
            _further(p, e)  # "longer beard" to "a long white beard": longer still
        return
    if e.kind == "pose":
        span = _locate_en(p, target, e.owner)
        if not value or (e.old and p.substitute(to_prompt_lang(e.old, "en"), value, span)):
            return
        if _redirect_look(p, value):  # "facing away" for "facing the camera": the gaze only
            return
        if target and p.find(target) is None and \
                not is_living(target) and not _PRONOUN_WORDS.match(target):
            p.append_segment(f"{target} {value}")  # "confetti falling", "fog rolling in"
            return
        if span is None:
            p.append_segment(value)
            return
        m = re.fullmatch(r"(\w+ing(?:\s+(?:down|up|around|together))?)\s+((?:on|in|at|inside|"
                         r"under|across|through|along|near|by|beside|atop|over|above|around|"
                         r"into|in front of)\s+"
                         r"(?!(?:his|her|its|their|each)\b).+)", value, re.I)
        place = m.group(2) if m else ""
        ground = re.sub(r"^\w+(?:\s+front of)?\s+(?:the\s+|a\s+|an\s+|some\s+)?", "", place)
        if m and (stem(ground.split()[-1] if ground else "") in _GROUND or re.match(
                r"at\s+(?:the\s+)?(?:camera|viewer|me|us|each other|him|her|them)\b", place)
                or not find_en(place, ("place",)) and p.setting_spans()
                or place.startswith("at ") and re.match(
                    r"(?:look|star|gaz|peer|glanc|watch|point|wav|smil|laugh|bark|shout|yell|"
                    r"aim|grin|frown|glar|squint)", m.group(1), re.I)):
            m = None  # "sit on the grass" in a garden, "on the railing" on a bridge: it stays;
            # "looking up at the sky": where the eyes go, not a new place
        if m and not re.match(r"(?:on|in|at)\s+(?:the\s+)?(?:\w+\s+)?(?:legs?|feet|knees?|"
                              r"back|side|belly|stomach|tiptoes?|hands?|arms?|toes?)\b",
                              place, re.I):
            # "make them dance on a rooftop": a new action in a new place
            p.set_pose(span, m.group(1))
            thing = re.sub(r"^\w+(?:\s+front of)?\s+", "", place)
            p.set_background(place, thing)
            return
        p.set_pose(span, value)
        return
    if e.kind in ("style", "time", "weather", "season", "camera"):
        if e.kind == "style" and p.styled:  # "pop art, andy warhol vibes": both styles
            p.append_segment(_own_words(e))
            return
        if e.kind == "style":
            _strip_en_style_phrases(p)  # "in the style of X" goes whole, X known or not
            _strip_medium_segments(p)  # "35mm photo", "cinematic still", "digital art"
            p.styled = True
        p.strip_vocab((e.kind,))
        if e.kind == "season":
            for mark in other_season_marks(e.key, "en"):
                if re.search(rf"\b{re.escape(mark)}\b", p.render(), re.I):
                    p.remove(mark)
        if e.kind == "time" and e.key in DARK_TIMES:
            p.strip_vocab(("weather",), "sunny")  # a sunny day is no night
        p.append_segment(_own_words(e) if e.kind == "style" else _time_words(e))
        return
    if e.kind == "background":
        phrase = _place_phrase_en(value or "", e.key)
        said = find_en(phrase, ("weather", "season", "time"))
        cats = {h.entry.category for h in said}
        if any(h.entry.key in ("snow", "snowy") for h in said):
            cats.add("season")  # "a snowy forest" is no summer forest
        for cat in sorted(cats):  # the new place's weather replaces the old one
            text = "".join(t.pre + t.text for t in p.toks)
            before = [h for h in find_en(text, (cat,), strong=True)
                      if not (h.start >= text.find(phrase) >= 0)]
            if before:
                p.strip_vocab((cat,))
        thing = re.sub(r"^(?:on|in|at|by|near|under|inside|beside|in front of|among|atop|"
                       r"across|along|over|above|below|through|behind|next to|on top of|"
                       r"around)\s+", "", phrase)
        p.set_background(phrase, thing if thing != phrase or not
                         re.match(r"(?:underwater|outdoors|indoors)$", thing) else "")
        return
    if e.kind == "count":
        if e.key == "many" and target:
            if not _many(p, target):  # "more lights" where there were none: many of them
                p.append_segment(f"many {target}")
            return
        if e.count is None:
            return
        tgt = target
        subj = p.subject()
        head = stem(p.toks[p._head(subj)].low) if subj else ""
        kin = (any(head in g for g in same_kind(singularize(tgt))) or (
            is_living(tgt) and is_living(head))) if tgt else True
        if tgt and p.find(tgt) is None and (e.relative or not kin):
            # "two swans" beside a boat: new things; "three cats" for a dog: the dog changes
            p.insert_after(p.subject(), f"and {EN_NUMBERS.get(e.count, e.count)} "
                                        f"{pluralize(singularize(tgt)) if e.count > 1 else tgt}")
            return
        if not p.set_count(e.count, tgt, e.relative):
            p.notes.append("I could not tell what to count")
        return


def _redirect_look(p: EnPrompt, value: str) -> bool:
    """A new direction of gaze ("facing away", "looking up") replaces the old one of the
    same verb, keeping the posture ("sitting ... facing the camera")."""
    verb = value.split()[0].lower()
    if verb not in LOOK_VERBS:
        return False
    at = next((i for i, t in enumerate(p.toks) if t.low == verb), None)
    if at is None:
        return False
    end = at + 1
    n = len(p.toks)
    while end < n and p.toks[end].word and p.toks[end].low not in ("and", "with", "while"):
        end += 1
    p._delete(at, end)
    p._insert(at, value)
    return True


def _locate_en(p: EnPrompt, target: str | None, owner: str | None) -> tuple[int, int] | None:
    """The noun phrase an edit is about: the target, else its owner, else the subject."""
    if target:
        span = p.find(target)
        if span is not None:
            return span
    if owner:
        span = p.find(to_prompt_lang(owner, "en"))
        if span is not None:
            return span
    return p.subject()


def _apply_modifier_en(p: EnPrompt, e: Edit, target: str | None, value: str) -> None:
    """A colour, material, size, shape, age, expression or state for one noun."""
    ent = entry(e.key)
    if e.kind == "color" and ent is not None:
        # the user's own words ("fuchsia", "matte black"), a Chinese colour in English
        value = value if value and not has_cjk(e.value or "") and find_en(
            value, ("color",)) else vocab_phrase(e, "en")
    elif ent is not None and has_cjk(e.value or ""):
        value = ent.en_phrase  # "把电脑合上" on an English prompt: "closed"
    elif ent is not None and e.kind == "expression" and value.lower().split()[-1:] and \
            value.lower().split()[-1] in ("grin", "smile", "frown", "laugh", "pout", "wink",
                                          "yawn", "tears", "smirk", "scowl"):
        value = ent.en_phrase  # "big grin": grinning, before the noun
    elif ent is not None and re.fullmatch(r"[a-z]+(?:er|ier)", value.lower()) and \
            value.lower() not in ("silver", "copper", "paper", "rubber", "leather", "sober"):
        value = ent.en_phrase  # "bigger" -> "big", "older" -> "old"
    if not value:
        return
    if target and e.kind in ("color", "material") and not e.old and \
            classify(target, (e.kind,)) and p.substitute(target, value):
        return  # "make the neon pink into electric blue": the value named is the thing
    span = p.find(target) if target else None
    if e.old and p.substitute(to_prompt_lang(e.old, "en"), value, span):
        return
    if target in ("background", "backdrop"):
        span = p.find("background") or p.find("backdrop")
    if span is None and target in ("background", "backdrop"):
        p.append_segment(f"{value} background")  # "make the background pink"
        return
    if span is None and target and e.owner and e.kind == "color" and stem(
            target.split()[-1]) in _ANIMAL_PARTS and p.find(to_prompt_lang(e.owner, "en")):
        # "make the butterfly's wings orange": the butterfly's colour was its wings'
        owner = p.find(to_prompt_lang(e.owner, "en"))
        p.set_modifier(owner, value, "color")
        return
    if span is None and target and not e.owner and same_kind(target.split()[-1]) and \
            target.split()[-1].lower() not in _PARTS:
        span = p.subject()  # "make the car red" for "a ford mustang": the subject is the car
    if span is None and target:
        where = _locate_en(p, None, e.owner)
        if e.owner and p.find(to_prompt_lang(e.owner, "en")) is None and where is None:
            p.append_segment(f"{value} {target}")
        else:  # "make her hair pink" when the prompt says nothing of hair
            p.insert_after(where, f"with {value} {target}")
        return
    if span is None and target is None and re.search(r"\b(?:them|they|those|these)\b", e.text,
                                                    re.I):
        span = _plural_noun(p)  # "make them purple": the tulips of "a bouquet of tulips"
    span = span or p.subject()
    if span is None:
        p.append_segment(value)
        return
    kind = e.kind
    if kind == "color" and e.key in ("gold", "silver") and any(
            find_en(t.low, ("material",)) for t in p.toks[span[0]:span[1]]):
        kind = "material"  # "make the stone statue gold": gold is what it is made of
    p.set_modifier(span, value, kind, noun=target)


def _strip_en_style_phrases(p: EnPrompt) -> None:
    """Drop "in the style of X", "by <artist>" and "<X> style" pieces before a new style."""
    text = "".join(t.pre + t.text for t in p.toks)
    new = re.sub(r"(?:,\s*)?\b(?:in\s+)?the\s+style\s+of\s+[^,]+", "", text, flags=re.I)
    new = re.sub(r"(?:,\s*)?\bby\s+(?!the\b|a\b|an\b)[A-Za-z][^,]*", "", new)
    new = re.sub(r"(?:^|,)\s*[\w\s'-]{1,30}?\s+style\s*(?=,|$)", "", new, flags=re.I)
    if new != text:
        gone = [w for w in re.findall(r"[\w'-]+", text) if w not in re.findall(r"[\w'-]+", new)]
        p.removed.append(" ".join(gone))
        p.reload(new)




_MEDIUM_NOUNS = frozenset(
    "photo photos photograph photography shot still painting art artwork illustration render "
    "rendering drawing sketch print film footage snapshot selfie headshot photoshoot "
    "cinematography style".split())
_MEDIUM_WORDS = frozenset(
    "cinematic photorealistic hyperrealistic hyper-realistic realistic realism photoreal "
    "impressionist impressionism expressionist dslr 35mm 50mm 85mm 24mm analog analogue film "
    "grain polaroid hdr digital epic professional studio raw unreal engine octane "
    "documentary editorial lifelike".split())


def _strip_medium_segments(p: EnPrompt) -> None:
    """A new style replaces the old medium: comma segments that only name how the picture
    was made ("35mm photo", "cinematic still", "wildlife photo", "epic digital art") go;
    the first segment (the subject) always stays."""
    text = "".join(t.pre + t.text for t in p.toks)
    parts = text.split(",")
    keep, gone = [parts[0]], []
    for part in parts[1:]:
        words = re.findall(r"[\w'-]+", part.lower())
        medium = bool(words) and (all(w in _MEDIUM_WORDS or w in _MEDIUM_NOUNS for w in words)
                                  or (words[-1] in _MEDIUM_NOUNS and len(words) <= 3
                                      and words[-1] != "style"))
        (gone if medium else keep).append(part)
    if gone:
        p.removed.extend(g.strip() for g in gone)
        p.reload(",".join(keep))


def _own_words(e: Edit) -> str:
    """The style phrase for the prompt: the vocabulary's phrase when it says what the user
    said ("anime" -> "anime style"), else the user's own words ("charcoal drawing", not the
    vocabulary's "pencil sketch")."""
    phrase = vocab_phrase(e, "en")
    said = e.value or ""
    if not said or has_cjk(said) or entry(e.key) is None:
        return phrase

    def norm(w: str) -> str:
        return stem(w.lower().replace("our", "or").replace("-", ""))

    mine = [norm(w) for w in re.findall(r"[\w'-]+", said)
            if w.lower() not in ("a", "an", "the", "style", "look", "art", "version")]
    theirs = {norm(w) for w in re.findall(r"[\w'-]+", phrase)}
    if not mine or all(w in theirs for w in mine):
        return phrase
    last = said.split()[-1].lower()
    return said if last in _MEDIUM_NOUNS or last in ("art", "style", "print", "cover",
                                                     "poster", "window") else f"{said} style"


def _time_words(e: Edit) -> str:
    """The vocabulary's phrase, in the user's own word for the time of day when it is one
    ("evening" stays "in the evening", not "at dusk"), with the user's own word for the
    weather when the phrase lacks it ("lightning", "blizzard")."""
    phrase = vocab_phrase(e, "en")
    word = (e.value or "").strip().lower()
    ent = entry(e.key)
    if ent is None or not re.fullmatch(r"[a-z]+", word) or word in phrase.lower() or \
            word not in [v.lower().rstrip("*") for v in ent.en]:
        return phrase  # the user's word is the phrase's already, or none of the entry's
    if e.kind == "weather":  # "add some lightning": the storm, and its lightning (but
        # "rainy" is the phrase's rain, said as an adjective)
        return phrase if re.sub(r"(.)\1?y$", r"\1", word) in phrase.lower() else \
            f"{phrase}, {word}"
    if e.kind == "time":
        return f"in the {word}" if word.endswith("ing") else f"at {word}"
    return phrase


def _plural_noun(p: EnPrompt) -> tuple[int, int] | None:
    """The first plural noun of the prompt's first part ("them" of "make them purple")."""
    for t in p.toks:
        if t.text == ",":
            break
        if t.word and len(t.low) > 3 and is_plural(t.low) and not t.low.endswith("ss") and \
                not find_en(t.low, MODIFIER_CATS):
            return p.find(t.low)
    return None


def _further(p: EnPrompt, e: Edit) -> None:
    """A comparative asked of a thing that already has the quality ("longer beard" to "a long
    white beard"): "very long"."""
    base = e.key or ""
    for i, t in enumerate(p.toks):
        if t.low == base and i + 1 < len(p.toks) and (i == 0 or p.toks[i - 1].low not in (
                "very", "extremely")):
            p._insert(i, "very")
            return


# a way of cutting or tying hair: it replaces the hair's old length, shape and style
_HAIRDOS = (r"(?:bob|pixie(?: cut)?|buzz ?cut|crew cut|bowl cut|ponytail|pigtails|braids?|bun|"
            r"updo|afro|mohawk|mullet|undercut|dreadlocks|cornrows|quiff|pompadour)")
_HAIRDO = re.compile(rf"\b{_HAIRDOS}$", re.I)
_HAIR_SHAPE = frozenset("long short straight curly wavy cropped shoulder-length medium-length "
                        "chin-length waist-length messy".split())


def _restyle_hair(p: EnPrompt, value: str) -> None:
    """"a shoulder-length bob" to "a woman with long straight brown hair in a ponytail":
    "a woman with brown hair in a shoulder-length bob" (its colour stays)."""
    text = p.render()
    old = re.search(rf"\s*\b(?:in|with|tied in|worn in)\s+(?:a\s+|two\s+)?(?:[\w-]+\s+)?"
                    rf"{_HAIRDOS}\b", text, re.I)
    if old:
        p.remove(old.group(0).strip().split()[-1])
    span = p.find("hair")
    if span is None:
        return
    for i in range(span[1] - 1, span[0] - 1, -1):
        if p.toks[i].low in _HAIR_SHAPE:
            p._delete(i, i + 1)
    span = p.find("hair")
    p.insert_after(span, f"in {value}" if re.match(r"(?:a|an|two)\s", value, re.I)
                   or value.lower().endswith(("braids", "pigtails", "dreadlocks", "cornrows"))
                   else f"in a {value}")


_FEW = frozenset("a an one single lone few couple of some several two three handful".split())


def _many(p: EnPrompt, target: str) -> bool:
    """"way more bees" to "… with a few bees": "… with many bees"."""
    span = p.find(target)
    if span is None:
        return False
    head = p._head(span)
    k = head
    while k > 0 and p.toks[k - 1].word and p.toks[k - 1].low in _FEW:
        k -= 1
    if k < head:
        p.removed.append(" ".join(t.text for t in p.toks[k:head]))
        p._delete(k, head)
        head = k
    noun = p.toks[head].text
    if not is_plural(noun):
        p.toks[head].text = pluralize(singularize(noun))
    p._insert(head, "many")
    p.added.append("many")
    return True
