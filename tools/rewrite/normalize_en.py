"""English instruction paraphrases -> the canonical phrasings :func:`parse_en` reads.

Users say the same change in many ways ("the car needs to be red", "can the car be red",
"I want the car in red", "recolor the car to red"); rather than teaching every rule every
phrasing, each clause is first rewritten to one canonical form ("make the car red",
"change the car from red to green", "make her smile"). The rewrites are general (modal
verbs, passives, "X in <colour>", "instead of" after a value), never keyed to one case.
"""

from __future__ import annotations

import re

from tools.rewrite.en_phrases import (
    EXPRESSION_VERBS,
    _ing,
    base_adjective,
    ing_form,
    is_modifier,
    is_pronoun,
)
from tools.rewrite.vocab import KINDS, MODIFIER_CATS, classify, find_en
from tools.text import stem
from tools.translate import WORD_NUMBERS

_SUBJ = r"(?:he|she|it|they|him|her|them|(?:the|this|that|these|those|his|her|its|their)\s+.+?)"
_MODAL_BE = (r"(?:should|must|needs? to|has to|have to|ought to|is supposed to|are supposed to|"
             r"would|could|can|will|shall|'?d better|had better|is going to|are going to)")
_TO_OBJ = {"he": "him", "she": "her", "they": "them", "it": "it"}


def _obj(subject: str) -> str:
    """"she" -> "her" (object form for "make her ...")."""
    return _TO_OBJ.get(subject.lower(), subject)


# what is cut shorter rather than cut out
_GROWS = re.compile(r"\b(?:hair|haircut|beard|bangs|fringe|mane|fur|nails?|grass|lawn|hedge|"
                    r"moustache|mustache|ponytail|braids?|sleeves?|skirt|dress|coat|tail)\b",
                    re.I)


def normalize_en(c: str) -> str:
    """The clause ``c`` in a canonical phrasing (``c`` itself when none applies)."""
    # "the light should be on": switched
    c = re.sub(r"^((?:the|his|her|its|their)\s+[\w -]+?)\s+should\s+be\s+(on|off)$",
               r"turn \1 \2", c.strip(), flags=re.I)
    # "turn the lamp on", "headlights on", "fairy lights off": switched, a light's state
    c = re.sub(r"^(?:(turn|switch)\s+)?((?:the|his|her|its|their)\s+)?((?:[\w-]+\s+)?(?:lamps?|"
               r"lights?|headlights|taillights|candles?|lanterns?|tv|television|screen|"
               r"neon signs?|fairy lights|string lights|fireplace|sign))\s+(on|off)$",
               lambda m: f"{m.group(1) or 'turn'} {m.group(4)} the {m.group(3)}", c, flags=re.I)
    s = c.strip()
    # "20 years younger", "a decade older", "much younger": the direction is the change
    s = re.sub(r"\b(?:(?:\d+|a few|a couple of|several|some|many|ten|twenty|thirty|forty|fifty)"
               r"\s+years|a decade|decades|(?:a lot|much|way|a bit|a little|far)"
               r")\s+(younger|older)\b", r"\1", s, flags=re.I)
    # "make the sky clear and blue": the sky's look is the weather
    m = re.fullmatch(r"(?:make|turn|change|get|i want|let)\s+the\s+sk(?:y|ies)\s+(?:to\s+|into\s+)?"
                     r"(?:be\s+|look\s+)?(clear|sunny|cloudy|overcast|stormy|foggy|misty|rainy)"
                     r"(?:\s+and\s+(?:blue|bright|sunny|clear|grey|gray|dark))?", s, re.I)
    if m:
        return f"make it {'sunny' if m.group(1).lower() == 'clear' else m.group(1)}"
    # "the grass should be covered in fallen leaves", "cover the table with petals": put
    # them there
    m = re.fullmatch(r"(?:(?:make|have|let|get|i want|i'?d like)\s+)?(the\s+[\w' -]+?|it)\s+"
                     r"(?:(?:should|must|could|would|needs? to|has to|to)\s+be\s+|(?:is|are|be)\s+|"
                     r"getting\s+|all\s+)?(?:covered|carpeted|littered|strewn|blanketed|"
                     r"coated|dusted|sprinkled|piled)\s+(?:in|with|of|by)\s+(.+)", s, re.I)
    if m:
        return f"put {m.group(2)} on {m.group(1)}"
    m = re.fullmatch(r"(?:cover|carpet|litter|strew|blanket|coat|dust|sprinkle)\s+"
                     r"(the\s+[\w' -]+?|it)\s+(?:in|with)\s+(.+)", s, re.I)
    if m:
        return f"put {m.group(2)} on {m.group(1)}"
    # "tint the liquid rose pink", "dye her hair blue": its colour
    m = re.fullmatch(r"(?:tint|dye|recolou?r|colou?r|stain|spray|spray-paint)\s+"
                     r"((?:the|his|her|its|their)\s+[\w' -]+?|it|him|her|them)\s+(?:in\s+|to\s+)?"
                     r"([\w -]+)", s, re.I)
    if m and find_en(m.group(2), ("color",)):
        dyed = re.match(r"(?:dye|bleach)", s, re.I) and m.group(1).lower() in ("it", "them")
        return f"make {'the hair' if dyed else m.group(1)} {m.group(2)}"  # ("dye it blonde")
    # "make the tree a cherry blossom tree", "can the tree be a cherry blossom tree": that
    # kind of it
    m = re.fullmatch(r"(?:make|turn|can|could|should|let)\s+(?:you\s+make\s+)?the\s+([\w'-]+)\s+"
                     r"(?:be\s+|into\s+)?(?:a|an)\s+([\w' -]+?\s+([\w'-]+))(?:\s+instead)?[?.!]*",
                     s, re.I)
    if m and stem(m.group(3).lower()) == stem(m.group(1).lower()):
        return f"change the {m.group(1)} to a {m.group(2)}"
    # "could she do warrior pose instead": have her do it
    m = re.fullmatch(r"(?:could|can|would|should|will)\s+(he|she|they|it|the\s+[\w'-]+)\s+"
                     r"(?:please\s+)?(do|strike)\s+(.+?)[?.!]*", s, re.I)
    if m:
        return f"make {_obj(m.group(1))} {m.group(2)} {m.group(3)}"
    # "can it have two kids climbing the ladder", "could there be a moon": add it
    m = re.fullmatch(r"(?:can|could|would|should|may)\s+(?:it|the (?:picture|image|scene|"
                     r"photo))\s+(?:also\s+)?(?:have|get|include|show)\s+(.+?)[?.!]*", s, re.I) or \
        re.fullmatch(r"(?:can|could|would|should|may)\s+there\s+(?:also\s+)?be\s+(.+?)[?.!]*", s,
                     re.I)
    if m:
        return f"add {m.group(1)}"
    # "turn it into a manga style panel with screentones": the style, not a new subject
    m = re.fullmatch(r"(?:turn|make|change|render|redo|redraw)\s+(?:it|this|the (?:picture|image|"
                     r"scene|whole thing))\s+(?:into|as|in(?:to)?)\s+(?:a|an)?\s*([\w' -]+?)\s+"
                     r"style\b(.*)", s, re.I)
    if m and find_en(m.group(1), ("style",)):
        return f"make it {m.group(1)} style"
    # "trim his beard short", "cut her hair": shorter
    m = re.fullmatch(r"(trim|cut|shorten|crop|clip)\s+((?:the|his|her|its|their)\s+[\w'-]+)"
                     r"(?:\s+(?:short|shorter|a bit|a little))*", s, re.I)
    if m and m.group(1).lower() == "cut" and not _GROWS.search(m.group(2)):
        return f"remove {m.group(2)}"  # "cut the umbrella" (a film note): it goes
    if m:
        return f"make {m.group(2)} short"
    # "light five more candles", "put two more chairs": that many more
    m = re.fullmatch(r"(?:light|put|place|draw|add|set)\s+(\w+)\s+more\s+(.+)", s, re.I)
    if m and m.group(1).lower() in WORD_NUMBERS or (m and m.group(1).isdigit()):
        return f"add {m.group(1)} more {m.group(2)}"
    # "apple change to pear", "the guitar change it to violin": the thing first
    m = re.fullmatch(r"(?:the\s+)?([a-z][\w'-]*)\s+(?:change|switch|turn|swap|replace)\s+"
                     r"(?:it\s+|that\s+|them\s+)?(?:to|into|for|with)\s+(.+)", s, re.I)
    if m and not is_pronoun(m.group(1)):
        return f"change the {m.group(1)} to {m.group(2)}"
    # "marble statue instead of bronze": a new value for a thing, the old one named
    m = re.fullmatch(r"(?:a\s+|an\s+|the\s+)?([a-z][\w'-]*)\s+([a-z][\w'-]*)\s+instead of\s+"
                     r"(?:the\s+|a\s+|an\s+)?([a-z][\w'-]*)(?:\s+one)?", s, re.I)
    if m and is_modifier(m.group(1)) and is_modifier(m.group(3)) and \
            not is_modifier(m.group(2)):
        return f"make the {m.group(2)} {m.group(1)}"
    # "stairs in polished white marble", "the armchair could be in rattan": its look
    m = re.fullmatch(r"(?:the\s+)?([a-z][\w'-]*)\s+(?:(?:could|should|would|can|might|must)\s+"
                     r"be\s+)?(?:in|made of|made from|out of)\s+(.+?)", s, re.I)
    if m and not is_pronoun(m.group(1)) and is_modifier(m.group(2)) and \
            not is_modifier(m.group(1)):
        return f"make the {m.group(1)} {m.group(2)}"
    # "I would prefer the door to be dark green", "let the kite be of paper"
    m = re.fullmatch(r"(?:i'?d prefer|i would prefer|i prefer|i want|i'?d like|i would like|"
                     r"let|have)\s+((?:the|his|her|its|their)\s+[\w'-]+(?:\s+[\w'-]+)?|it|him|"
                     r"her|them)\s+(?:to\s+)?be\s+(?:of\s+|made of\s+|from\s+)?(.+)", s, re.I)
    if m and not re.match(r"\w+ing\b", m.group(2), re.I):
        return f"make {m.group(1)} {m.group(2)}"
    # "I want that the cabinets are from wood", "make she is wearing a shirt",
    # "can you make the boy is climbing a tree": a non-native "that" clause
    m = re.fullmatch(r"(?:i want that|i would like that|i'?d like that|make|make that)\s+"
                     r"(he|she|it|they|the\s+[\w'-]+)\s+(?:is|are)\s+(.+)", s, re.I)
    if m:
        who, what = m.group(1), re.sub(r"^(?:from|of|made of)\s+", "", m.group(2), flags=re.I)
        if re.match(r"\w+ing\b", what, re.I):
            return f"{who} should be {what}"
        return f"make {_obj(who)} {what}"
    # "do the scooter turquoise", "do the beard shorter": make
    m = re.fullmatch(r"do\s+((?:the|his|her|its|their)\s+[\w'-]+)\s+(.+)", s, re.I)
    if m and (is_modifier(m.group(2)) or looks_like_adjective(m.group(2).split()[0])):
        return f"make {m.group(1)} {m.group(2)}"
    # "make the statue of bronze": what it is made of
    m = re.fullmatch(r"make\s+((?:the|his|her|its|their)\s+[\w'-]+)\s+of\s+(.+)", s, re.I)
    if m and is_modifier(m.group(2)):
        return f"make {m.group(1)} {m.group(2)}"
    # "shift to golden hour", "switch to night": the whole scene
    m = re.fullmatch(r"(?:shift|switch|go|change|move|turn)\s+(?:it\s+)?(?:to|into)\s+(.+)", s,
                     re.I)
    if m and classify(m.group(1), ("time", "weather", "season", "style")):
        return f"make it {m.group(1)}"
    # "shoot her against a graffiti wall": where she stands
    m = re.fullmatch(r"(?:shoot|put|place|show|have|pose|photograph)\s+(?:him|her|it|them|the\s+"
                     r"[\w'-]+)\s+(?:against|in front of)\s+(.+)", s, re.I)
    if m:
        return f"change the background to {m.group(1)}"
    # "make her asleep": sleeping
    s = re.sub(r"^(make|let|have)\s+(him|her|it|them|the\s+[\w'-]+)\s+asleep\b", r"\1 \2 sleep",
               s, flags=re.I)
    # "it would be lovely if the dog was running": a wish
    m = re.fullmatch(r"(?:it would be|it'?d be|would be|that would be)\s+(?:\w+\s+)?(?:lovely|nice|"
                     r"great|cool|better|good|fun|cute|amazing|awesome)\s+if\s+(.+?)\s+"
                     r"(?:was|were|is|could be|would be)\s+(.+)", s, re.I)
    if m:
        if re.match(r"\w+ing\b", m.group(2), re.I):
            return f"{m.group(1)} should be {m.group(2)}"
        return f"make {_obj(m.group(1))} {m.group(2)}"
    # "what if he rode a camel": the thing he does it with is new
    m = re.fullmatch(r"(?:what if|how about if|maybe|imagine)\s+(he|she|they|it)\s+(rode|drove|"
                     r"held|wore|ate|drank|played|carried|read|had|used|flew)\s+(.+)", s, re.I)
    if m:
        base = {"rode": "ride", "drove": "drive", "held": "hold", "wore": "wear", "ate": "eat",
                "drank": "drink", "played": "play", "carried": "carry", "read": "read",
                "had": "have", "used": "use", "flew": "fly"}[m.group(2).lower()]
        return f"let {_TO_OBJ.get(m.group(1).lower(), 'it')} {base} {m.group(3)}"
    # "make there three soldiers": how many there are
    s = re.sub(r"^make there(?: be)?\s+", "make it ", s, flags=re.I)
    if classify(s, ("color",)) and len(s.split()) <= 3:  # "light blue": its colour
        return f"make it {s}"
    # "car mint green", "blanket dark red": a thing and a new value of several words
    m = re.fullmatch(r"([a-z][\w-]*)\s+((?!(?:be|is|are|was|were|will)\b)[a-z][\w'-]*\s+"
                     r"[a-z][\w'-]*)", s, re.I)
    if m and not is_pronoun(m.group(1)) and is_modifier(m.group(2)) and \
            not is_modifier(m.group(1)) and not classify(m.group(1)) and \
            m.group(1).lower() not in ("make", "go", "more", "less", "very", "too", "all", "so",
                                       "keep", "paint", "add", "no", "and", "but", "in", "with",
                                       "not", "that", "this", "just", "also", "it", "the", "a",
                                       "an", "really", "even", "way", "much", "be", "is"):
        return f"make the {m.group(1)} {m.group(2)}"
    # "dress red", "roses white": a thing and its new value, no verb
    m = re.fullmatch(r"([a-z][\w'-]*)\s+([a-z][\w'-]*)", s, re.I)
    if m and not is_pronoun(m.group(1)) and is_modifier(m.group(2)) and \
            not is_modifier(m.group(1)) and not classify(m.group(1)) and \
            m.group(1).lower() not in ("make", "go", "more", "less", "very", "too", "all", "so",
                                       "keep", "paint"):
        return f"make the {m.group(1)} {m.group(2)}"
    # "just one ladybug is enough", "only 2 cats": how many in all
    m = re.search(r"\b(?:just|only)\s+(one|a single|a|two|three|four|five|\d+)\s+([a-z][\w-]*)"
                  r"(?:\s+(?:is|are|will do|would be)\s+(?:enough|fine|ok|better))?\W*$", s, re.I)
    if m and not re.match(r"(?:more|bit|little)$", m.group(2), re.I):
        return f"only {m.group(1)} {m.group(2)}"
    # "a bit more eggs, like 3", "more tiers, like 5 layers": the number said
    m = re.fullmatch(r"(?:a\s+(?:bit|few|little)\s+|some\s+|even\s+)?more\s+([a-z][\w-]*)\W*,?\s*"
                     r"(?:like|maybe|say|about|around)\s+(\d+|two|three|four|five|six|seven|eight|"
                     r"nine|ten)(?:\s+[\w-]+)?\W*", s, re.I)
    if m:
        return f"make it {m.group(2)} {m.group(1)}"
    # "the sofa would look better in leather", "it might be cooler if it was all brass"
    m = re.fullmatch(r"(.+?)\s+(?:would|might|could|will)\s+(?:look|be)\s+(?:much\s+|way\s+)?"
                     r"(?:better|cooler|nicer|prettier|great|good|awesome|more \w+)\s+"
                     r"(?:if (?:it|they) "
                     r"(?:was|were|is)|in|as|with|made of|made from)\s+(?:all\s+)?(.+)", s, re.I)
    if m:
        return f"make {m.group(1)} {m.group(2)}"
    # "can the robot be broken", "could it be at night": a wish said as a question
    m = re.fullmatch(r"(?:can|could|would|will)\s+((?:the|his|her|its|their)\s+[\w'-]+"
                     r"(?:\s+[\w'-]+)?|it|he|she|they)\s+be\s+(.+)", s, re.I)
    if m and not re.match(r"(?:\w+ing)\b", m.group(2), re.I):
        who = _TO_OBJ.get(m.group(1).lower(), m.group(1))
        return f"make {who} {m.group(2)}"
    # "sword longer", "armor but make it like crystal", "lantern is silk", "shirt in latex"
    m = re.fullmatch(r"(?:the\s+)?([a-z][\w'-]*)\s+(?:but\s+)?(?:make\s+(?:it|them)|could be|"
                     r"should be|can be|is|are|to be|needs to be|made of|make from|made from|"
                     r"made out of|in)\s+(?:like\s+|all\s+|from\s+|of\s+)?(.+)", s, re.I)
    if m and not is_pronoun(m.group(1)) and m.group(1).lower() not in (
            "it", "make", "put", "add", "change", "turn", "there", "what", "that", "this", "why",
            "how", "who", "where", "when", "which", "whose", "here", "so", "and", "but") and (
            classify(m.group(2), MODIFIER_CATS) or classify(m.group(2), ("material", "color"))):
        return f"make the {m.group(1)} {m.group(2)}"
    m = re.fullmatch(r"(?:the\s+)?([a-z][\w'-]*)\s+(?:slightly\s+|a bit\s+|a little\s+|much\s+|"
                     r"way\s+|even\s+)?([a-z]+er)\b(.*)", s, re.I)
    if m and not is_pronoun(m.group(1)) and is_modifier(m.group(2)) and \
            m.group(1).lower() not in ("make", "it", "much", "way", "even"):
        return f"make the {m.group(1)} {m.group(2)}{m.group(3)}"
    # "outdoors in a lavender field": a new setting
    m = re.fullmatch(r"(?:outdoors?|outside|indoors?|inside)\s+(in|on|at|by|under)\s+(.+)", s, re.I)
    if m:
        return f"put it {m.group(1)} {m.group(2)}"
    # "what if there was a cat next to her", "there should be a dog": something new
    m = re.fullmatch(r"(?:what if|how about if|imagine if|maybe)?\s*there\s+(?:was|were|is|are|"
                     r"should be|could be|would be)\s+((?:a|an|some|two|three|\d+)\s+.+)", s, re.I)
    if m:
        return f"add {m.group(1)}"
    # "shaped like a heart", "in the shape of a star": the shape is "heart-shaped"
    s = re.sub(r"\b(?!(?:be|is|are|was|were|been|get|got|look|looks)\b)([a-z]+)\s+"
               r"shaped\b(?!\s+like)", r"\1-shaped", s, flags=re.I)  # "heart shaped"
    s = re.sub(r"\b(?:shaped\s+like|in\s+the\s+shape\s+of|"
               r"with\s+the\s+shape\s+of|the\s+shape\s+of)\s+(?:a|an|the)\s+([a-z]+)\b",
               r"\1-shaped", s, flags=re.I)
    m = re.fullmatch(r"(?:(?:can|could|would|will)\s+)?((?:the|his|her|its|their)\s+[\w'-]+)\s+"
                     r"(?:should\s+be\s+|must\s+be\s+|needs\s+to\s+be\s+|be\s+|is\s+)?"
                     r"([a-z]+-shaped)\W*", s, re.I)
    if m:  # "the kite heart-shaped", "the kite should be heart-shaped"
        return f"make {m.group(1)} {m.group(2)}"
    # "she should have two balloons", "let her hold three balloons": what she has, counted
    m = re.fullmatch(rf"(?:(?:let|make|have|get)\s+)?({_SUBJ}|he|she|they)\s+(?:{_MODAL_BE}\s+)?"
                     r"(?:to\s+)?(?:have|hold|carry|be holding|be carrying|get)\s+"
                     r"((?:two|three|four|five|six|several|many|lots of|\d+)\s+[\w'-]+)", s, re.I)
    if m:
        who = _TO_OBJ.get(m.group(1).lower(), m.group(1))
        return f"give {who} {m.group(2)}"
    # "wake the lion up": an action, waking up
    m = re.fullmatch(rf"wake\s+(?:up\s+)?({_SUBJ})(?:\s+up)?", s, re.I)
    if m:
        return f"make {m.group(1)} wake up"
    # "wide open", "fully closed": the state itself
    s = re.sub(r"\b(?:wide|fully|completely|all the way)\s+(open|opened|closed|shut)\b", r"\1",
               s, flags=re.I)
    # "the door open", "the sky blue": a thing and its new value, said without a verb
    m = re.fullmatch(r"((?:the|his|her|its|their)\s+[\w'-]+(?:\s+[\w'-]+)?)\s+([\w'-]+)", s, re.I)
    if m and is_modifier(m.group(2)) and not is_modifier(m.group(1).split()[-1]):
        return f"make {m.group(1)} {m.group(2)}"
    # "she should hold a puppy instead (of the cat)", "make him carry a lamp instead": what
    # is held is replaced -> "she should be holding a puppy" (a new action, the old one goes)
    m = re.fullmatch(rf"(?:(?:make|have|let|get)\s+)?({_SUBJ}|he|she|they)\s+"
                     rf"(?:{_MODAL_BE}\s+|to\s+)?(hold|holds|holding|carry|carries|carrying|"
                     r"hug|hugs|hugging)\s+(.+?),?\s+"
                     r"(?:instead(?:\s+of\s+.+)?|rather than\s+.+)", s.strip(), re.I)
    if m:
        verb = {"holds": "holding", "hold": "holding", "carries": "carrying",
                "carry": "carrying", "hugs": "hugging", "hug": "hugging"}.get(
                    m.group(2).lower(), m.group(2).lower())
        who = {"him": "he", "her": "she", "them": "they"}.get(m.group(1).lower(), m.group(1))
        return f"{who} should be {verb} {m.group(3)}"
    # "this one", "the image", "the whole picture" -> "it"
    s = re.sub(r"\b(?:this one|that one|the whole (?:thing|image|picture|scene)|the (?:image|"
               r"picture|photo|artwork|drawing)|the scene(?!\s+(?:in)?to\s+(?:a|an|the)\b))\b"
               r"(?=\s+(?:as|in|into|to|look|like|a|an)\b)", "it", s, flags=re.I)
    # an elaboration after the change: ", like a mansion", ", maybe in his 30s", "so we see"
    cut = re.sub(r"(?:,\s*|\s+)(?:like it'?s|like it is|like he'?s|like she'?s|like they'?re|"
                 r"like he is|like she is|as if|as though|so (?:that )?(?:we|you|it|i|the|he|she|"
                 r"they)\b|because|since|ready to|maybe|perhaps|kind of like|sort of like|similar "
                 r"to|almost like)\b.*$", "", s, flags=re.I)
    cut = re.sub(r",\s*like\s+.*$", "", cut, flags=re.I)
    if len(cut.split()) >= 2:
        s = cut
    # "... and the jeans stay the same", "keep everything else": nothing to change
    s = re.sub(r"(?:,\s*|\s+and\s+|\s+but\s+)(?:keep\s+.+|(?:the\s+|his\s+|her\s+)?[\w' -]+?\s+"
               r"(?:stays?|remains?|can stay|should stay|stay as (?:it is|they are)|unchanged|"
               r"untouched|as (?:it is|they are|is)|the same)\b.*)$", "", s, flags=re.I) or s
    # "mug should be yellow": a bare noun before a modal is "the mug"
    s = re.sub(r"^(?!(?:he|she|it|they|this|that|there|i|we|you)\b)([a-z][\w'-]*)(?=\s+(?:should|"
               r"must|needs? to|has to|have to|ought to|could|can)\b)", r"the \1", s, flags=re.I)
    # "I'd love this in a Studio Ghibli look", "can I see it as a watercolor"
    s = re.sub(r"^(?:i'?d love|i would love|i'?d like|i would like|i want|can i (?:see|get|have)|"
               r"could i (?:see|get|have)|let'?s see|show me|give me|i'?d prefer)\s+"
               r"(?:it|this|that)\s+(in|as)\s+", r"\1 ", s, flags=re.I)
    # "X should be Y instead of Z" / "X should be Y, not Z" -> "change X from Z to Y"
    m = re.fullmatch(rf"({_SUBJ})\s+(?:{_MODAL_BE}\s+)?(?:be|look|become|is|are)\s+(.+?),?\s+"
                     r"(?:instead of|rather than|and not|not)\s+(?:being\s+)?(.+)", s, re.I)
    if m and re.match(r"\w+ing\b", m.group(2)) and not is_modifier(m.group(2)):
        return f"{m.group(1)} should be {m.group(2)}"  # the old doing goes with the new one
    if m:
        return f"change {_obj(m.group(1))} from {m.group(3)} to {m.group(2)}"
    # "can the car be red", "could she be smiling"
    m = re.fullmatch(rf"(?:can|could|would|will|may)\s+({_SUBJ})\s+(be|look)\s+(.+)", s, re.I)
    if m:
        return f"{m.group(1)} should {m.group(2)} {m.group(3)}"
    # "make it so (that) the dog is sleeping"
    m = re.fullmatch(r"(?:make it|make sure|make it look like|so)\s+(?:so\s+)?(?:that\s+)?"
                     r"(.+)", s, re.I)
    if m and re.match(rf"{_SUBJ}\s+(?:is|are|looks?|has|have)\b", m.group(1), re.I):
        s = m.group(1)
    # "have the puppy lying down", "get him sitting" -> "the puppy should be lying down"
    m = re.fullmatch(r"(?:have|get|let|make|i want|i'?d like|i would like)\s+(him|her|them|it|"
                     r"(?:the|his|her|its|their)\s+[\w'-]+(?:\s+[\w'-]+)?)\s+(\w+ing)\b(.*)",
                     s, re.I)
    if m and (ing_form(m.group(2)) or m.group(2).lower() in (
            "holding", "carrying", "hugging", "clutching", "cradling", "wielding")):
        who = {"him": "he", "her": "she", "them": "they"}.get(m.group(1).lower(), m.group(1))
        return f"{who} should be {m.group(2)}{m.group(3)}"
    # "one cat only", "just the one dog" -> "only one cat"
    m = re.fullmatch(r"(?:just\s+)?(?:the\s+)?(one|two|three|four|five|six|\d+)\s+([\w'-]+)"
                     r"(?:\s+only)?", s, re.I)
    if m and (s.lower().endswith("only") or s.lower().startswith("just")):
        return f"only {m.group(1)} {m.group(2)}"
    # "the car needs to be red" -> "the car should be red"
    s = re.sub(rf"^({_SUBJ})\s+(?:needs? to|has to|have to|ought to|must|is supposed to|"
               r"are supposed to|would have to|had better|'d better|is going to|are going to|"
               r"will|shall)\s+(be|look|become)\b", r"\1 should \2", s, flags=re.I)
    # "her blade was forged from obsidian": what it is made of
    m = re.fullmatch(r"(.+?)\s+(?:was|is|were|are|gets?|got)\s+(?:now\s+)?(?:forged|made|carved|"
                     r"cast|built|crafted|woven|sculpted|moulded|molded)\s+(?:from|of|out of|in)\s+"
                     r"([^,]+)(?:,.*)?", s, re.I)
    if m and not is_pronoun(m.group(1)):
        return f"make {_obj(m.group(1))} {m.group(2)}"
    # "feeder should be full of seeds" -> "fill the feeder with seeds"
    m = re.fullmatch(r"(?:the\s+)?([\w' -]+?)\s+(?:should|must|needs? to)\s+be\s+(?:full|filled)\s+"
                     r"(?:of|with)\s+(.+)", s, re.I)
    if m and not is_pronoun(m.group(1)):
        return f"fill the {m.group(1)} with {m.group(2)}"
    # "show the telescope pointing up": something put in the picture
    m = re.fullmatch(r"show\s+((?:the|a|an|some)\s+(?!(?:whole|entire|same|back|front|side|"
                     r"view|scene|picture|image)\b).+)", s, re.I)
    if m and not re.search(r"\b(?:from|angle|view|close-?up|closer|side|behind)\b", m.group(1),
                           re.I):
        return f"add {m.group(1)}"
    # a game modder's words: "reskin the banners to purple", "retexture the walls as obsidian"
    m = re.fullmatch(r"(?:re-?skin|re-?texture)\s+(.+?)\s+(?:to|as|in|into|with)\s+(.+)", s, re.I)
    if m:
        return f"make {m.group(1)} {m.group(2)}"
    # said in the passive: "a sleeping dog should be added at the foot of the chair", "the
    # rug should be removed", "the armchair should be reupholstered in green velvet"
    m = re.fullmatch(r"(.+?)\s+should\s+(?:be|get)\s+(added|put|placed|included|inserted|hung|"
                     r"drawn|shown|set|removed|deleted|erased|taken (?:out|away)|gone|dropped|"
                     r"cut out|hidden|got rid of|(?:re-?)?(?:upholstered|painted|dyed|colou?red|"
                     r"covered|made|done|finished|carved|built|cast))\b\s*(.*)", s, re.I)
    if m and not is_pronoun(m.group(1)):
        how, rest = m.group(2).lower(), m.group(3)
        if how in ("added", "included", "inserted", "drawn", "shown"):
            return f"add {m.group(1)} {rest}".strip()
        if how in ("put", "placed", "hung", "set"):
            return f"put {m.group(1)} {rest}".strip()
        if not re.match(r"(?:in|with|from|of|out of|as|into)\b", rest, re.I):
            return f"remove {m.group(1)}" if not rest else s
        value = re.sub(r"^(?:in|with|from|of|out of|as|into)\s+", "", rest, flags=re.I)
        return f"make {_obj(m.group(1))} {value}"
    # "a vase of flowers should go on the table"
    m = re.fullmatch(r"(.+?)\s+should\s+(?:go|sit|be)\s+((?:on|in|under|beside|next to|by|near|"
                     r"behind|in front of|above|over|against)\s+.+)", s, re.I)
    if m and not is_pronoun(m.group(1)) and not re.match(r"(?:the|his|her|its|their)\b",
                                                          m.group(1), re.I):
        return f"put {m.group(1)} {m.group(2)}"
    # "it should be raining outside the window"
    m = re.fullmatch(r"it\s+should\s+be\s+(raining|snowing|pouring|drizzling|storming)\b.*",
                     s, re.I)
    if m:
        return f"make it {m.group(1)}"
    # "the dog should be soaking wet": a state or colour, not an action in -ing
    m = re.fullmatch(rf"({_SUBJ})\s+should\s+(?:be|become|get)\s+(.+)", s, re.I)
    if m and re.match(r"\w+ing\b", m.group(2)) and is_modifier(m.group(2)):
        return f"make {_obj(m.group(1))} {m.group(2)}"
    # "age him up to about 40", "age her down"
    m = re.fullmatch(r"age\s+(.+?)\s+(up|down)(?:\s+(?:to|by)\s+(?:about|around|roughly)?\s*"
                     r"(\d{1,3})\b.*)?", s, re.I)
    if m:
        if m.group(3):
            return f"make {m.group(1)} {m.group(3)} years old"
        return f"make {m.group(1)} {'older' if m.group(2).lower() == 'up' else 'younger'}"
    # "the girl looks happy", "the dress is green now" -> "the girl should look happy"
    m = re.fullmatch(rf"({_SUBJ})\s+(looks?|is|are)\s+(.+)", s, re.I)
    if m and not re.match(r"\w+ing\b|(?:gone|removed|deleted|not|no longer|there|here)\b",
                          m.group(3), re.I) and (
            m.group(2).lower().startswith("look") or is_modifier(m.group(3))):
        verb = "look" if m.group(2).lower().startswith("look") else "be"
        return f"{m.group(1)} should {verb} {m.group(3)}"
    # "the cat should face the camera", "she should smile" -> "make the cat face ..."
    m = re.fullmatch(rf"({_SUBJ})\s+{_MODAL_BE}\s+(\w+)\b(.*)", s, re.I)
    if m and m.group(2).lower() not in ("be", "look", "have", "hold", "wear", "carry", "not") \
            and (ing_form(m.group(2)) or m.group(2).lower() in EXPRESSION_VERBS):
        return f"make {_obj(m.group(1))} {m.group(2)}{m.group(3)}"
    # "the boy should hold a puppy" -> "make the boy hold a puppy"
    m = re.fullmatch(rf"({_SUBJ})\s+(?:should|must|needs? to|has to|could|can)\s+(hold|carry|"
                     r"wear|have on|put on)\s+(.+)", s, re.I)
    if m:
        return f"make {_obj(m.group(1))} {m.group(2)} {m.group(3)}"
    # "get her to smile", "have the dog to sit" -> "make her smile"
    m = re.fullmatch(r"(?:get|have|let|make|ask|tell)\s+(\S+(?:\s+\S+){0,3}?)\s+to\s+(\w+)\b(.*)",
                     s, re.I)
    if m and (ing_form(m.group(2)) or m.group(2).lower() in EXPRESSION_VERBS) and \
            m.group(2).lower() not in ("be",):
        return f"make {m.group(1)} {m.group(2)}{m.group(3)}"
    # "recolor the car to matte black", "paint the walls in light blue"
    m = re.fullmatch(r"(?:re-?colou?r|repaint|paint|dye|colou?r|tint|re-?dye)\s+(.+?)\s+"
                     r"(?:in|into|to|with)\s+(.+)", s, re.I)
    if m and is_modifier(m.group(2)):
        return f"make {m.group(1)} {m.group(2)}"
    # "change its colour to orange", "set the car's color to red", "change her hair colour to"
    m = re.fullmatch(r"(?:change|set|switch|make|turn|update|alter)\s+(its|his|her|their|"
                     r"the)\s+(?:(.+?)\s+)?colou?r\s+(?:to|into|in)\s+(.+)", s, re.I)
    if m:
        owner = {"its": "it", "his": "him", "their": "them"}.get(m.group(1).lower(),
                                                                   m.group(1))
        if m.group(2):
            return f"make {m.group(1)} {m.group(2)} {m.group(3)}"
        return f"make {owner if owner != 'the' else 'it'} {m.group(3)}"
    # "I want the car in red", "can I get the dress in navy", "the car in silver"
    m = re.fullmatch(r"(?:i want|i'?d like|i would like|i need|give me|can i get|can i have|"
                     r"could i get|could i have|let'?s have|let'?s see|show me|let'?s make|"
                     r"do|redo|have|draw|render)?\s*((?:the|his|her|its|their)\s+[\w' -]+?|"
                     r"[\w'-]+)\s+(?:in|in a|in an)\s+(.+?)(?:\s+(?:colou?r|tones?|shade|finish))?",
                     s, re.I)
    if m and classify(m.group(2), ("color",)) and not re.fullmatch(
            r"(?:it|this|that|everything|the (?:image|picture|scene|photo))", m.group(1), re.I):
        obj = m.group(1) if " " in m.group(1) else f"the {m.group(1)}"
        return f"make {obj} {m.group(2)}"
    # "convert it to black and white", "convert to watercolor"
    m = re.fullmatch(r"(?:convert|switch|change|turn)\s+(?:it\s+|this\s+|the (?:image|picture|"
                     r"photo|scene)\s+)?(?:in)?to\s+(.+)", s, re.I)
    if m and classify(m.group(1)):
        return f"make it {m.group(1)}"
    # "as if painted by Monet", "painted by Monet", "like Monet would paint it"
    m = re.fullmatch(r"(?:(?:make it|paint it|draw it|render it|do it)\s+)?(?:as if|as though|"
                     r"like it was|like it's)?\s*(?:it was\s+|it were\s+)?(?:painted|drawn|done|"
                     r"made|illustrated|shot|photographed)\s+by\s+(.+)", s, re.I)
    if m:
        return f"in the style of {m.group(1)}"
    # "turn the cat around", "have her turn around" -> facing away
    m = re.fullmatch(r"(?:turn|spin|rotate|have|make|let)\s+(.+?)\s+(?:turn\s+)?(?:around|"
                     r"round|away)(?:\s+to face away)?", s, re.I)
    if m and not re.match(r"(?:it|this|the (?:image|picture|camera|view))$", m.group(1), re.I):
        return f"make {m.group(1)} face away"
    # "make the man look 30", "make her about 70", "she should be 40"
    m = re.fullmatch(rf"(?:(?:make|have|let)\s+({_SUBJ})\s+(?:look|be|appear|seem)?|"
                     rf"({_SUBJ})\s+(?:should|must)\s+(?:look|be))\s*(?:about|around|like|"
                     r"roughly|maybe)?\s*(\d{1,3})(?:\s*(?:years?|yrs?)(?:\s*old)?|s)?", s, re.I)
    if m:
        return f"make {_obj(m.group(1) or m.group(2))} {m.group(3)} years old"
    # "a motorcycle, not a car", "a motorcycle rather than the car"
    m = re.fullmatch(r"(?:i want|i'?d like|i would like|i'?d prefer|use|draw|give me|make it|"
                     r"let'?s have)?\s*((?:a|an|some|the)\s+.+?),?\s+(?:not|rather than|"
                     r"and not)\s+((?:a|an|the|some)\s+.+)", s, re.I)
    if m:
        return f"replace {m.group(2)} with {m.group(1)}"
    # "give it a cyberpunk look", "give the image a vintage feel"
    m = re.fullmatch(r"give\s+(?:it|this|the (?:image|picture|photo|scene|whole thing))\s+"
                     r"(?:a|an|some)\s+(.+?)\s+(?:look|feel|vibe|vibes|aesthetic|style|touch|"
                     r"treatment|finish|makeover)", s, re.I)
    if m:
        return f"make it {m.group(1)} style"
    return s


def fallback_en(c: str) -> str | None:
    """A second reading of a clause the rules found nothing in, or ``None``."""
    s = re.sub(r"^(?:i want|i'?d like|i would like|give me|let'?s have|let'?s go with|"
               r"go with|maybe|how about|what about)\s+", "", c.strip(), flags=re.I)
    s = re.sub(r"\s+(?:instead|please|then)$", "", s, flags=re.I)
    if re.match(r"(?:a|an|some|\d+|two|three)\s", s, re.I):
        return None  # "a watercolor painting of a fox" describes a new picture
    # "green dress please", "a wooden table", "bigger dog": modifiers and a noun
    m = re.fullmatch(r"(?:(a|an|the|some)\s+)?((?:[\w'-]+\s+){1,3})([\w'-]+)", s, re.I)
    if m:
        mods = m.group(2).strip()
        if is_modifier(mods) and not classify(m.group(3)) and not is_modifier(m.group(3)):
            return f"make the {m.group(3)} {mods}"
    # "chair made of steel", "the table in marble"
    m = re.fullmatch(r"(?:(?:a|an|the|some)\s+)?([\w'-]+(?:\s+[\w'-]+)?)\s+(?:made (?:out )?of|"
                     r"out of|made from|in)\s+(.+)", s, re.I)
    if m and classify(m.group(2), ("material",)):
        return f"make the {m.group(1)} out of {m.group(2)}"
    # "dog running", "the dog lying down", "running dog"
    m = re.fullmatch(r"(?:(?:a|an|the|some)\s+)?([\w'-]+)\s+(\w+ing\b.*)", s, re.I)
    if m and ing_form(m.group(2).split()[0]) and not ing_form(m.group(1)):
        return f"the {m.group(1)} should be {m.group(2)}"
    m = re.fullmatch(r"(?:(?:a|an|the|some)\s+)?(\w+ing)\s+([\w'-]+)", s, re.I)
    if m and ing_form(m.group(1)):
        return f"the {m.group(2)} should be {m.group(1)}"
    return None


_NOT_VERBS = frozenset(
    "a an the some any one two three four five six seven eight nine ten more less very so "
    "really much too into to as like out from in on at with by look looks be seem appear "
    "become feel stay remain keep not no bigger smaller older younger taller shorter all "
    "both each his her its their my your our this that these those it him them me us "
    "young old new wet dry pastel neon matte glossy metallic pale".split())
_ADJ_ENDINGS = ("ous", "ful", "less", "ive", "able", "ible", "ish", "est", "ic", "ary", "ese")


def looks_like_verb(word: str) -> bool:
    """Whether a word after "make her ..." reads as a verb rather than a value: not a
    determiner, number, adjective or vocabulary word."""
    w = word.lower()
    if w.endswith("ing") and w in ("swing", "sing", "bring", "fling", "sting", "cling", "spring",
                                   "wring", "ring"):
        return True
    if w.endswith("y") and not ing_form(w):
        return False  # "dreamy", "fluffy" (the verbs in -y the pose list knows pass)
    if len(w) < 2 or w in _NOT_VERBS or w.endswith(("ing", "ed", "ly", "ier")) or \
            base_adjective(w):  # "sturdier": a comparative, not a verb
        return False
    if w.endswith(_ADJ_ENDINGS) and w not in ("finish", "polish", "publish", "establish",
                                              "nourish", "relish", "banish", "vanish",
                                              "perish", "flourish", "cherish", "wish"):
        return False
    return not find_en(w, KINDS)


def ing_word(verb: str) -> str:
    """"toss" -> "tossing" (the pose list's spelling when it knows the verb)."""
    return ing_form(verb) or _ing(verb)


def looks_like_adjective(word: str) -> bool:
    """"nervous", "stocky": a single word with an adjective's ending or a known adjective."""
    w = word.lower()
    if w in WORD_NUMBERS or w.isdigit():
        return False
    return bool(base_adjective(w)) or (len(w) > 3 and w.endswith(
        ("ous", "ful", "less", "ive", "ish", "ic", "able", "ible", "ky", "ty", "py", "dy",
         "y", "ed", "ent", "ant", "-drawn", "-made", "-style", "-like"))) and not find_en(w, KINDS)
