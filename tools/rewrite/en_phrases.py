"""Words and phrases of English instructions that the parser shares: leads and tails
("please", "thanks"), determiners and pronouns, owners ("the man's hat"), attribute nouns
("the colour of ..."), verbs of pose and action, and modifiers (colour, material, size...)."""

from __future__ import annotations

import re

from tools.rewrite.vocab import MODIFIER_CATS, Edit, classify
from tools.text import stem
from tools.translate import EN_NUMBERS, WORD_NUMBERS

_NUM_WORDS = "|".join(sorted([*EN_NUMBERS.values(), "a couple of", "a few", "several",
                              "many", "lots of", "a lot of"], key=len, reverse=True))
NUM_RE = rf"(?:\d+|{_NUM_WORDS})"
EN_LEAD = re.compile(
    r"^(?:(?:please|pls|ok(?:ay)?|now|and|also|then|so|hey|hmm+|just|actually|maybe|"
    r"can you|could you|would you|will you|can we|could we|i want(?: you)? to|"
    r"i'?d like(?: you)? to|i would like(?: you)? to|let'?s|lets|try to|go ahead and|"
    r"how about|what about|what if you|what if we|you can|you could|but|first|firstly|"
    r"first of all|next|finally|lastly|after that|then also|ew+|eh|oh|"
    r"(?:is|would) it be possible to|is it possible to|would you mind|could you possibly|"
    r"one more thing|another thing|last thing|oh and|and also)\b[\s,:]*)+", re.I)
EN_TAIL = re.compile(
    r"(?:[\s,]*\b(?:please|pls|plz|thx|ty|thanks|thank you|instead|now|too|as well|for me|"
    r"all around|around (?:it|him|her|them)|nearby|everywhere|here and there|"
    r"a bit|a little|"
    r"again|in (?:the|this) (?:image|picture|photo|scene|drawing)|to (?:the|this) "
    r"(?:image|picture|photo|scene|drawing)|ok|okay)\b)+[\s.!?]*$|[\s.!?]+$", re.I)
_EN_DET = re.compile(r"^(?:(?:the|a|an|some|any|all|this|that|these|those|his|her|its|their|"
                     r"my|your|our)\s+)+(?:(?:aforementioned|above-mentioned|aforesaid|said)\s+)?",
                     re.I)  # (a lawyer's "the aforementioned stack of papers")
_PRONOUN = re.compile(r"^(?:it|this|that|him|her|them|he|she|they|everything|the (?:image|"
                      r"picture|photo|scene|drawing|whole (?:thing|image|picture))|the subject|"
                      r"the main subject|the whole thing)$", re.I)
SCENE_WORDS = re.compile(r"^(?:the\s+|this\s+|that\s+)?(?:[a-z]+\s+)?(?:background|backdrop|"
                         r"setting|scenery|scene|location|"
                         r"place|surroundings|environment|backgrounds)$", re.I)
# a polite condition that asks nothing ("…, if it's not too much trouble?"), as a fragment for
# the patterns that drop it from a request (the agent's drawing requests, the rewrite's chat)
POLITE_IF = (r"if (?:it'?s|it is) not too much (?:trouble|bother)|if you don'?t mind|"
             r"if you (?:could|can|would|please|have time|get a chance)|"
             r"if (?:that'?s|it'?s) (?:ok|okay|alright|possible|fine)|if possible|"
             r"when you (?:get a chance|have time|can)")
EN_EDIT_START = re.compile(
    r"^(?:add|remove|delete|erase|get rid|take|make|change|turn|replace|swap|switch|put|"
    r"move|place|set|give|paint|color|colour|recolor|zoom|use|draw|render|redo|no|without|"
    r"include|insert|show|let|have|keep|convert|transform|drop|lose|hide|bring|view|shave|"
    r"kill|nuke|scrap|ditch|clone out|shift|strike|nix|rm|cross out|stop|dye|bleach|"
    r"(?:he|she|it|they)(?:'s|'re| is| are| should)|now|"
    r"(?:with\s+)?(?:his|her|their|its)\s+(?:hands?|arms?|legs?|feet|head|eyes|tail|ears?|"
    r"wings?|paws?)"
    r"\s+(?:in|on|behind|around|over|up|down|out|crossed|folded|raised|closed|shut|open|wide))"
    r"\b", re.I)
_ADJECTIVES = frozenset(
    "big small huge tiny giant little cute happy sad angry old young fat thin tall short "
    "dark bright colorful fluffy shiny scary spooky cozy beautiful pretty ugly detailed "
    "simple elegant cheerful gloomy dramatic vivid soft sharp blurry wet dry furry smiling "
    "futuristic ancient modern magical mysterious warm cold glowing realistic chubby slim "
    "serious calm peaceful wild friendly fierce majestic cinematic moody lively bald bearded "
    "muscular skinny wrinkled tanned freckled dirty muddy clean messy tidy rusty broken "
    "sleepy tired excited scared surprised shy proud lonely curious hungry thirsty sick "
    "strong weak hairy shaggy sleek elegant fancy plain shabby worn torn "
    "crumpled shiny dusty sparkling glowing transparent translucent".split())


def strip_det(text: str) -> str:
    return _EN_DET.sub("", text.strip()).strip()


def is_pronoun(text: str | None) -> bool:
    return not text or bool(_PRONOUN.match(text.strip()))


def target_of(text: str | None) -> str | None:
    """The thing an instruction points at, or None for "it"/"the image" (the main subject)."""
    if text is None or is_pronoun(text):
        return None
    t = strip_det(text)
    return t or None


def base_adjective(word: str) -> str | None:
    """"bigger" -> "big", "more colorful" -> "colorful", "cuter" -> "cute"; None otherwise."""
    w = word.lower().strip()
    m = re.match(r"^(?:more|much more|even more|a bit more|a little more)\s+(.+)$", w)
    if m:
        return m.group(1)
    if w in _ADJECTIVES:
        return w
    if w.endswith("er") and len(w) > 4:
        for base in (w[:-3] + "y" if w.endswith("ier") else "", w[:-2], w[:-1], w[:-3]):
            if base in _ADJECTIVES:
                return base
    return None


_ACTIONS = frozenset(
    "smile laugh cry run jump sleep dance fly sit stand swim sing read eat drink play walk "
    "glow shine wave fight rest kneel pray sparkle float climb ride yawn wink frown "
    "shout roar bark meow stretch lie".split())
ART_NOUNS = frozenset(
    "painting drawing sketch photo photograph picture cartoon poster illustration "
    "sculpture statue movie film still comic postcard mosaic tapestry mural print "
    "engraving woodcut etching figurine toy render cover diorama miniature fresco collage "
    "embroidery origami lithograph linocut blueprint storybook stamp sticker emoji "
    "claymation papercut manga anime".split())


def _ing(verb: str) -> str:
    v = verb.lower()
    if v == "lie":
        return "lying"
    if v.endswith("ie"):
        return v[:-2] + "ying"
    if v.endswith("e") and not v.endswith(("ee", "ye", "oe")):
        return v[:-1] + "ing"
    if (len(v) >= 3 and v[-1] not in "aeiouwxy" and v[-2] in "aeiou" and v[-3] not in "aeiou"
            and len(re.findall(r"[aeiouy]+", v)) == 1):  # run, hug, sit, swim, jog
        return v + v[-1] + "ing"
    return v + "ing"


def count_from(word: str) -> int | None:
    w = word.lower()
    if w.isdigit():
        return int(w)
    if w in ("a couple of",):
        return 2
    if w in ("a few", "several"):
        return 3
    if w in ("many", "lots of", "a lot of"):
        return 6
    return WORD_NUMBERS.get(w)


# ------------------------------------------------------------ attributes, poses, owners

# "the colour of the dress", "the table's shape": the attribute a noun names
_ATTR_NOUNS = {
    "color": "color", "colour": "color", "colors": "color", "colours": "color",
    "shade": "color", "hue": "color", "paint": "color", "paint job": "color",
    "material": "material", "texture": "material", "fabric": "material",
    "size": "size", "height": "size", "length": "size",
    "shape": "shape", "form": "shape", "age": "age",
    "expression": "expression", "facial expression": "expression", "mood": "expression",
    "emotion": "expression", "face": "expression",
    "pose": "pose", "posture": "pose", "position": "pose", "action": "pose",
    "activity": "pose", "state": "state", "condition": "state",
}
_ATTR_NOUN_RE = "|".join(sorted((re.escape(k) for k in _ATTR_NOUNS), key=len, reverse=True))
# verbs of a pose or an action ("make the dogs play", "have her sit down")
POSE_VERBS = frozenset(
    "sit stand lie sleep run walk jump fly swim dance kneel crouch squat play climb eat drink "
    "read sing fight wave hug gallop stretch yawn lean rest ride look stare point kiss chase "
    "hunt roar bark howl sprint jog skate ski surf fish cook write pray meditate bow spin "
    "float dive crawl perch pose sunbathe wink shout scream sniff lick nap roll fetch graze "
    "hover leap run race march stroll hide relax lounge sail drive fall kick throw catch "
    "bite bark hop glide soar sway paddle wander sniff cuddle snuggle embrace talk chat "
    "whisper pounce prowl curl sprawl bend raise lift study work bloom blossom taste cook "
    "chop cut carry push pull feed pet stroke brush comb wash sweep paint draw write type "
    "juggle hit shoot aim celebrate cheer clap salute whistle blow sip chew smell gaze "
    "watch peek roam trot prance skip tumble slither flap nest groom growl purr chirp hike "
    "trek dig plant water harvest pick gather build fix repair knit sew teach practice "
    "perform meditate glow shine sparkle kneel stare look listen sing play spread cross fold "
    "raise lower wag extend shake nod tilt put face rear bask laze doze slumber think ponder "
    "balance somersault cartwheel jump skydive parachute wrestle box punch kick bathe splash "
    "graze flutter crouch squat limp tiptoe sneak stalk charge flee escape peer point".split())
EXPRESSION_VERBS = {"smile": "smiling", "laugh": "laughing", "cry": "crying",
                     "frown": "frowning", "grin": "grinning", "weep": "crying",
                     "pout": "pouting", "scowl": "frowning"}
_PARTICLE_DROP = {("sit", "down"), ("stand", "up"), ("sit", "up")}


def ing_form(word: str) -> str | None:
    """"run" -> "running", "sitting" -> "sitting"; None when ``word`` is not a pose verb."""
    w = word.lower()
    if w in POSE_VERBS:
        return _ing(w)
    if w.endswith("ing") and len(w) > 4:
        bases = [w[:-3], w[:-3] + "e", w[:-4], w[:-4] + "ie" if w.endswith("ying") else ""]
        if any(b in POSE_VERBS or b in EXPRESSION_VERBS for b in bases if b):
            return w
    if w.endswith("s") and w[:-1] in POSE_VERBS:  # "the dog sits"
        return _ing(w[:-1])
    return None


def pose_edits(phrase: str, target: str | None, text: str, owner: str | None = None,
                loose: bool = False) -> list[Edit]:
    """"play with each other" -> a pose edit "playing with each other"; ``[]`` if the phrase
    does not start with a verb of pose or action. Smiles and tears are expressions."""
    words = phrase.strip().split()
    if not words:
        return []
    m = re.fullmatch(r"(.+?),?\s+and\s+(?:then\s+|also\s+)?(\w+)\b(.*)", phrase.strip(), re.I)
    left = pose_edits(m.group(1), target, text, owner, loose) if m else []
    right: list[Edit] = []
    if left and m and (ing_form(m.group(2).lower()) or m.group(2).lower() in EXPRESSION_VERBS):
        # "smile and wave", "jump and bark": each verb is a change of its own
        right = pose_edits(m.group(2) + m.group(3), target, text, owner, loose)
    elif left and m:
        from tools.rewrite.normalize_en import ing_word, looks_like_verb
        if looks_like_verb(m.group(2)) and re.match(r"\s+(?:the|a|an|his|her|their|its|"
                                                    r"each|some)\b", m.group(3), re.I):
            # "laugh and clink their glasses": a verb the list does not know, with an object
            right = [Edit("pose", target=target, owner=owner, lang="en", text=text,
                          value=ing_word(m.group(2).lower()) + m.group(3))]
    if left and right:
        poses = [e for e in left + right if e.kind == "pose"]
        others = [e for e in left + right if e.kind != "pose"]
        if len(poses) > 1:
            poses = [Edit("pose", target=target, owner=owner, lang="en", text=text,
                          value=" and ".join(e.value or "" for e in poses))]
        return poses + others  # a new pose drops "a smiling man"; the smile comes after it
    first = words[0].lower()
    if first in ("do", "does", "doing", "strike", "striking") and len(words) > 1 and \
            words[1].lower() not in ("it", "that", "this", "so", "something", "the same"):
        # "do warrior pose instead", "do a handstand": the action is doing that
        rest = re.sub(r"\s+(?:instead|now|please|too)$", "", " ".join(words[1:]), flags=re.I)
        return [Edit("pose", target=target, value=f"doing {rest}", owner=owner, lang="en",
                     text=text)]
    if first in ("to", "be", "start", "begin", "starts", "keep"):
        return pose_edits(" ".join(words[1:]), target, text, owner) if len(words) > 1 else []
    if first in EXPRESSION_VERBS or stem(first) in EXPRESSION_VERBS:
        base = first if first in EXPRESSION_VERBS else stem(first)
        return [Edit("expression", target=target, value=EXPRESSION_VERBS[base],
                     owner=owner, lang="en", text=text)]
    ing = ing_form(first) or (first if loose and re.fullmatch(r"[a-z]{3,}ing", first)
                               and first not in ("nothing", "something", "anything", "thing",
                                                 "everything", "king", "ring", "wing")
                               else None)
    if ing is None:
        return []
    if ing in EXPRESSION_VERBS.values():  # "he should be laughing": an expression
        return [Edit("expression", target=target, value=ing, owner=owner, lang="en",
                     text=text)]
    rest = words[1:]
    base = first if first in POSE_VERBS else ""
    if rest and (base, rest[0].lower()) in _PARTICLE_DROP:
        rest = rest[1:]
    rest = [w for w in rest if w.lower() not in ("around", "about")] if not rest[1:] else rest
    value = " ".join([ing, *rest]).strip()
    # "hold a puppy instead of the cat": the new action takes the old one's place anyway
    value = re.sub(r",?\s+(?:instead(?:\s+of\s+.+)?|rather than\s+.+)$", "", value, flags=re.I)
    return [Edit("pose", target=target, value=value, owner=owner, lang="en", text=text)]


def split_owner(text: str | None) -> tuple[str | None, str | None]:
    """"the man's hat" -> ("hat", "man"); "her hair" -> ("hair", None); "it" -> (None, None)."""
    if text is None:
        return None, None
    t = text.strip()
    m = re.fullmatch(r"(?:the\s+|a\s+|an\s+)?(.+?)(?:'s|’s|s'|s’)\s+(.+)", t, re.I)
    if m:
        return target_of(m.group(2)), target_of(m.group(1))
    m = re.fullmatch(r"(.+?)\s+(?:of|on|in)\s+(?:the\s+|his\s+|her\s+|its\s+|their\s+)(.+)",
                     strip_det(t), re.I)
    if m and not re.search(r"\b(?:cup|glass|bowl|pair|bunch|plate|slice|piece|basket|"
                           r"bouquet|vase|pile|stack|herd|flock|group)$", m.group(1), re.I):
        return target_of(m.group(1)), target_of(m.group(2))
    return target_of(t), None


def attribute_of(obj: str) -> tuple[str | None, str | None, str | None]:
    """"the colour of the dress" -> ("dress", "color", None); "the table's shape" ->
    ("table", "shape", None); "her hair colour" -> ("hair", "color", None); "the man's
    hat" -> ("hat", None, "man")."""
    o = obj.strip()
    m = re.fullmatch(rf"(?:the\s+|its\s+|his\s+|her\s+|their\s+)?({_ATTR_NOUN_RE})", o, re.I)
    if m:  # "change the colour to blue": of the main subject
        return None, _ATTR_NOUNS[m.group(1).lower()], None
    m = re.fullmatch(rf"(?:the\s+|its\s+|his\s+|her\s+|their\s+)?({_ATTR_NOUN_RE})\s+of\s+(.+)",
                     o, re.I)
    if m:
        target, owner = split_owner(m.group(2))
        return target, _ATTR_NOUNS[m.group(1).lower()], owner
    m = re.fullmatch(rf"(.+?)(?:'s|’s|s')?\s+({_ATTR_NOUN_RE})", o, re.I)
    if m:
        target, owner = split_owner(m.group(1))
        return target, _ATTR_NOUNS[m.group(2).lower()], owner
    target, owner = split_owner(o)
    return target, None, owner


def modifier_edits(value: str, target: str | None, text: str, attr: str | None = None,
                    owner: str | None = None, old: str | None = None) -> list[Edit]:
    """A colour, material, size, shape, age, expression or state for ``target``, or ``[]``."""
    v = re.sub(r"^(?:made (?:out )?of|out of|made from|from|of|in|into|be|a|an|more|"
               r"look|looks|looking)\s+", "", value.strip(), flags=re.I).strip()
    v = re.sub(r"\s+(?:one|ones|colou?r|colou?red|material|shape|shaped)$", "", v, flags=re.I)
    if attr == "pose":
        return pose_edits(v, target, text, owner) or [
            Edit("pose", target=target, value=v, owner=owner, old=old, lang="en", text=text)]
    cats = (attr,) if attr in MODIFIER_CATS else MODIFIER_CATS
    hits = classify(v, cats)
    if hits:
        return [Edit(h.entry.category, target=target, value=h.text, key=h.entry.key,
                     owner=owner, old=old, lang="en", text=text) for h in hits]
    if attr in MODIFIER_CATS and v and len(v.split()) <= 3:
        return [Edit(attr, target=target, value=v, owner=owner, old=old, lang="en",
                     text=text)]
    return []


def is_modifier(value: str) -> bool:
    """A colour/material/size... value, possibly with a shade ("matte black")."""
    v = re.sub(r"^(?:a|an)\s+", "", value.strip(), flags=re.I)
    return bool(classify(v, ("color",)) or classify(v, MODIFIER_CATS))
