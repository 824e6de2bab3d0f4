"""Chat around an English request, taken off before it is read ("pls", "lol", "ok this is
nice but", "w/"), and requests said in a structured way ("Countertop material: oak -> white
marble", "walls from grey to terracotta"): what is left is the clause
:func:`tools.rewrite.normalize_en.normalize_en` reads. (Split from ``normalize_en`` when that
file outgrew the size the project keeps to.)"""

from __future__ import annotations

import re

from tools.rewrite.en_phrases import (
    EN_EDIT_START,
    POLITE_IF,
    is_modifier,
    is_pronoun,
)
from tools.rewrite.vocab import classify
from tools.text import EMOJI


def _colour_said(m: re.Match[str]) -> str:
    """"a nice lavender colour" -> "lavender" (or "lavender colour" where only that says it is
    a colour); anything else as it was."""
    if classify(m.group(1), ("color",)):
        return m.group(1)
    said = f"{m.group(1)} colour"
    return said if classify(said, ("color",)) else m.group(0)


# the edit verbs a polite "would you mind …ing" asks with, as the verb the rules read
_GERUND_VERB = {g: v for v in (
    "add make remove change put turn give take replace swap get move place paint draw delete "
    "erase set have let show try darken brighten lighten").split() for g in (
    v + "ing" if not v.endswith("e") else v[:-1] + "ing",
    v + v[-1] + "ing")}


# "Cabinets: currently white, should be sage green.", "Countertop material: oak -> white
# marble", "the sofa is grey, I want it to be mustard yellow": the old and the new value
_ASPECTS = r"(?:\s+(?:colou?rs?|material|count|number|shape|size|style|finish|fabric|texture))?"
_STRUCTURED = (
    re.compile(rf"^(?:the\s+)?(?P<thing>[a-z][\w' -]{{0,30}}?){_ASPECTS}\s*:\s*(?:currently|now|"
               rf"is|are|was|were)?\s*(?P<old>[\w' -]{{1,30}}?)\s*(?:->|→|=>|>|,\s*(?:should|must|"
               rf"needs? to|has to|have to)\s+be|\s+to)\s+(?P<new>[^.;!]{{1,40}}?)\s*"
               rf"(?:[.;!]+\s*(?P<tail>.*))?$", re.I),
    re.compile(r"^(?:the\s+)?(?P<thing>[a-z][\w'-]*(?:\s+[a-z][\w'-]*)?)\s+(?:is|are)\s+"
               r"(?:currently\s+|now\s+)?(?P<old>[\w' -]{1,30}?),?\s+(?:but\s+)?(?:i|we)\s+(?:want|"
               r"need|'d like|would like)\s+(?:it|them)\s+(?:to\s+be|to\s+look|in)\s+"
               r"(?P<new>[^.;!]{1,40}?)\s*(?:[.;!]+\s*(?P<tail>.*))?$", re.I),
    # "walls from grey to a warm terracotta", "paper from brown to black, lilies stay white"
    re.compile(r"^(?:the\s+)?(?P<thing>[a-z][\w'-]*(?:\s+[a-z][\w'-]*)?)\s+from\s+"
               r"(?P<old>[\w' -]{1,30}?)\s+(?:to|into)\s+(?P<new>[^.;!,]{1,40}?)\s*"
               r"(?:[.;!,]+\s*(?P<tail>.*))?$", re.I),
)


def _structured(s: str) -> str:
    for pattern in _STRUCTURED:
        m = pattern.match(s.strip())
        if m and not is_pronoun(m.group("thing").split()[-1]):
            tail = (m.group("tail") or "").strip()
            out = (f"change the {m.group('thing').strip()} from {m.group('old').strip()} to "
                   f"{m.group('new').strip()}")
            return f"{out}, {tail}" if tail else out
    return s


def chat_cleanup_en(s: str) -> str:
    """An English instruction without the chat around the change: fillers ("pls", "lol",
    "honestly i think"), praise before it ("ok this is nice but"), offers after it ("can we
    try that", "keep everything else the same"), shouting ("!!", "??") and shorthand."""
    s = re.sub(r"(?<!\w)w/o(?=\s)", "without", s, flags=re.I)
    s = re.sub(r"(?<!\w)w/(?=\s)", "with", s, flags=re.I)
    # "would you mind adding smoke": the request itself, "add smoke"
    s = re.sub(r"^(?:would|do)\s+you\s+mind\s+([a-z]+ing)\b",
               lambda m: _GERUND_VERB.get(m.group(1).lower(), m.group(0)), s, flags=re.I)
    s = re.sub(r"^(?:note|edit|change|request|update|feedback|fix|revision|tweak|ps|p\.s\.|"
               r"one (?:more )?thing|also|shot note|next shot|next take|new take|take \w+|"
               r"shot \w+|director'?s note|correction(?: to the last change)?)\s*[:,]\s*", "", s,
               flags=re.I)  # "Note: make it night"
    s = re.sub(r"^(?:cut|action|and cut)[.!]+\s*", "", s, flags=re.I)  # a film set's words
    s = re.sub(r"(?:,\s*|\s+and\s+)(?:the\s+)?same\s+(?:\w+\s?){1,2}$", "", s,
               flags=re.I)  # "make it an arctic hare, same crouch": what stays
    s = re.sub(r"\s+out front\b", " in front", s, flags=re.I)
    s = re.sub(r"^instead,?\s+(?!of\b)(?=\w+\s)", "", s, flags=re.I)  # "instead make the …"
    s = re.sub(r"^(?:.*\b(?:needs?|should have|wants?)\s+)?((?:two|three|four|five|six|seven|eight|"
               r"\d+)\s+[\w-]+),?\s+not\s+(?:just\s+)?(?:one|a single one|1)$",
               r"make it \1", s, flags=re.I)  # "this card needs three dwarves, not one"
    s = re.sub(r"^(put|place|set|stick)\s+(.+?)\s+out\s+(?=on\b|in\b|there\b)", r"\1 \2 ",
               s, flags=re.I)  # "put a small sailboat out on the water"
    s = re.sub(r"^(?:let|have|get|make)\s+(him|her|them|it)\s+(hold|carry|hug|clutch|grab)\s+",
               lambda m: "{} should be {} ".format(
                   {"him": "he", "her": "she", "them": "they"}.get(m.group(1).lower(), "it"),
                   {"hold": "holding", "carry": "carrying", "hug": "hugging", "clutch": "clutching",
                    "grab": "grabbing"}[m.group(2).lower()]), s, flags=re.I)  # "let him hold …"
    s = _structured(s)
    # "the parmesan looks like plastic, take it off": "it" is the thing judged first
    m = re.match(r"^(?:hmm+,?\s*|ugh,?\s*|honestly,?\s*)?((?:the|that|this|those|these)\s+"
                 r"[\w' -]{1,30}?)\s+(?:looks?|is|are|seems?|feels?|looked|keeps?)\b[^,.;]{0,40}"
                 r"[,.;]\s*(?:so\s+|just\s+|please\s+|maybe\s+|(?:maybe\s+)?(?:we|you)\s+"
                 r"(?:could|can)\s+|(?:can|could)\s+(?:we|you)\s+|let'?s\s+)?(take|remove|"
                 r"get rid of|lose|drop|delete|erase|make|turn|change|fix|move)\s+(?:it|them)\b"
                 r"(.*)$", s, re.I)
    if m:
        thing = re.sub(r"^(?:that|this|those|these)\s", "the ", m.group(1))
        s = f"{m.group(2)} {thing}{m.group(3)}"
    s = re.sub(r"^this time,?\s+(?:just\s+)?", "", s, flags=re.I)  # "this time just tuck in …"
    s = re.sub(r"^(put|place|add|set)\s+(.+?)\s+off\s+(?=the\s)", r"\1 \2 near ", s,
               flags=re.I)  # "put a lighthouse off the port bow": a place, nothing taken off
    s = re.sub(r"^(?:swap|switch|change|go|flip)\s+(?:it\s+)?(?:to|for)\s+(?=(?:a|an)\s)",
               "replace it with ", s, flags=re.I)  # "swap to an arctic fox"
    # "the snacks are messy, drop the chips": a judgement first, the request after it
    s = re.sub(r"^(?:the|this|that|these|those|my|his|her|its|their)\s+[\w' -]{1,30}?\s+"
               r"(?:is|are|looks?|seems?|feels?)\s+(?:kind of\s+|kinda\s+|so\s+|too\s+|"
               r"really\s+|a bit\s+|very\s+|way too\s+)?[\w'-]+(?:\s+now)?\s*[,;.]\s*(?:so\s+)?"
               r"(?=(?:remove|delete|drop|lose|ditch|add|put|make|change|turn|swap|replace|"
               r"get rid of|take|give|move|cut|paint|go|use)\b)", "", s, flags=re.I)
    s = re.sub(r"(?:[,.;!]\s*|\s+(?:and|but)\s+)(?:nothing else (?:changes|should change|"
               r"changes?)|everything else (?:stays|remains|the same|as is|unchanged)|the rest "
               r"(?:stays|remains|the same|as is|unchanged)|(?:do not|don't) change anything "
               r"else|no other changes)[\w ]*[.!]?$", "", s, flags=re.I)
    s = re.sub(r"\s+[&+]\s+", " and ", s)
    s = re.sub(r"(?<=[a-z])\s+n\s+(?=[a-z]{2})", " and ", s)  # "sunglasses n make it sunset"
    s = EMOJI.sub(" ", s).strip()
    s = re.sub(r"\b[A-Z]{2,}\b", lambda m: m.group(0).lower() if m.group(0) not in (
        "TV", "UFO", "DJ", "3D", "NYC", "USA", "UK", "BMW", "VW") else m.group(0), s)  # "LIGHT"
    s = re.sub(r"\bbg\b", "background", s, flags=re.I)
    s = re.sub(r"\b(?:more|much more)\s+(\w+er)\b", r"\1", s, flags=re.I)  # "more older"
    s = re.sub(r"\b(make|let|have)\s+(it|him|her|them)\s+looks\b", r"\1 \2 look", s, flags=re.I)
    s = re.sub(r"[!?]{2,}", "!", s)
    s = re.sub(r"(?<=\w)[?!]+\s+(?=\w)", ", ", s)  # "can the robot be broken? like …"
    s = re.sub(r"\s*\b(?:pls|plz|please|kindly|lol|lmao|haha+|hehe+|tbh|honestly|hmm+|umm*|"
               r"uhh*|idk|imo|btw|kinda|sorta|ngl)\b|,?\s*(?:and\s+)?do the needful\b|\s+yo$|"
               r"\s+itself\b(?=\s*(?:[,.;!]|$))", "", s, flags=re.I)
    # a lawyer's "shall", "is to be", "furthermore": should, and a second change
    s = re.sub(r"\bshall\b|\b(?:is|are) to be\b(?!\s+shown)", lambda m: "should" if m.group(0)
               .lower() == "shall" else "should be", s, flags=re.I)
    s = re.sub(r"[;,]\s*(?:furthermore|moreover|additionally|in addition),?\s*", ", and ", s,
               flags=re.I)
    s = re.sub(r"^[\s,.]+|\s+(?=[,.])", "", s)
    s = re.sub(r"^(?:ok(?:ay)?|so|well|alright|yeah|yes|yep|right|actually|also|now|and|oh|hmm+|"
               r"nah|nope|k)\b"
               r"[,.]?\s*", "", s, flags=re.I)
    s = re.sub(r"^(swap|switch|trade|exchange)\s+(.+?)\s+4\s+", r"\1 \2 for ", s, flags=re.I)
    # a tailor's "hem the trousers shorter", "let the sleeves down": their length
    s = re.sub(r"^(?:hem|shorten|crop|take up)\s+((?:the|his|her|their)\s+[\w'-]+)(?:\s+shorter)?",
               r"make \1 shorter", s, flags=re.I)
    s = re.sub(r"^(?:lengthen|let down|let out)\s+((?:the|his|her|their)\s+[\w'-]+)(?:\s+longer)?",
               r"make \1 longer", s, flags=re.I)
    s = re.sub(r"^(make|have|let|get|turn|give)\s+(?:both|all|all of)\s+(?:the\s+)?", r"\1 the ", s,
               flags=re.I)  # "make both brothers hug": the brothers
    # "make the coat burgundy, not black": the old value, said only to be clear
    m = re.search(r"[,;]\s*not\s+(?:the\s+)?([a-z][\w -]*?)[.!]?$",
                  s, re.I)
    if m and classify(m.group(1), ("color", "material", "style", "time", "weather", "season",
                                   "expression", "size", "shape", "state", "age")) \
            and re.match(r"(?:make|turn|change|paint|dye|colou?r|recolou?r)\b", s, re.I):
        s = s[:m.start()]
    s = re.sub(r"^(?:aw+\s+|oh\s+|wow\s+)?(?:this|it|that)(?:'s| is| looks)\s+(?:really\s+|so\s+|"
               r"very\s+)?(?:nice|great|good|cool|sick|awesome|amazing|perfect|lovely|fine|"
               r"adorable|cute|beautiful|gorgeous)\b[,.!]?\s*(?:but\s+)?", "", s, flags=re.I)
    s = re.sub(r"\b(?:i (?:think|guess|feel like|was thinking|believe|reckon)(?: that)?|"
               r"i was wondering if)\s+", "", s, flags=re.I)
    s = re.sub(rf"[,.;\s]*\b(?:can we try that|could we try that|try that|thanks|thank you|thx|"
               rf"{POLITE_IF})\b[.!?]*\s*$", "", s, flags=re.I)
    s = re.sub(r"^(?:if (?:it'?s|it is) not too much (?:trouble|bother)|if you don'?t mind|"
               r"if possible)\s*,\s*|^(?:perhaps|maybe)\b[,\s]*", "", s, flags=re.I)
    s = re.sub(r"[,.;\s]*\b(?:and\s+)?(?:maybe\s+)?(?:please\s+)?(?:keep (?:everything|all|the "
               r"rest) else (?:the same|as is)|keep (?:everything|the rest) (?:the same|as is)|"
               r"(?:everything|the rest) (?:else )?(?:stays|the same))\b.*$", "", s, flags=re.I)
    s = re.sub(r"\s+(?:maybe|perhaps|i guess)\s*(?=[,.]|$)", "", s, flags=re.I)
    s = re.sub(r"([a-z])\1{2,}", r"\1", s, flags=re.I)  # "wayyy bigger", "sooo cute"
    s = re.sub(r"\s*\b(?:fr(?:fr)?|no cap|af|asf|istg|lowkey|highkey|bestie|bruh|bro|fam|"
               r"deadass|ong|rn|icl)\b", "", s, flags=re.I)
    s = re.sub(r"(?<!\w)w\s+(?=(?:a|an|the|some|his|her|its|their)\s)", "with ", s, flags=re.I)
    s = re.sub(r"\b(?:back\s?side|backdrop)\b", "background", s, flags=re.I)  # "backside"
    # "delete the guitar its cringe", "make the car chrome it's so much cooler": why, cut
    s = re.sub(r"(?<!\band)[,.]?\s+(?:it's|it’s|it is|its\s+(?=(?:not|so|too|very|kinda|really|"
               r"cringe|ugly|weird|boring|just|a|the|my|way|\w+er)\b)|cuz|coz|cause|because|"
               r"bc|b/c|since)\b.*$", "",
               s, flags=re.I) if re.match(r"\s*(?:delete|remove|make|turn|change|no|add|put|"
                                          r"give|swap|replace|get rid)\b", s, re.I) else s
    s = re.sub(r"\b(striped|spotted|dotted|checkered|plaid|patterned)\s+(?:in|with)\s+(?:the\s+)?"
               r"([a-z]+)(?:\s+colou?rs?)?\b", r"\2-\1", s, flags=re.I)  # "rainbow-striped"
    s = re.sub(r"\b(?:a\s+(?:bit|little|tad|touch)|slightly|somewhat)\s+(?=more\b|less\b)", "", s,
               flags=re.I)  # "a bit more sparkly": more sparkly
    # "long until waist", "short to her chin": how long, said by where it ends
    s = re.sub(r"\b(long|short|longer|shorter)\s+(?:until|till|down to|to|past|up to|at)\s+"
               r"(?:the\s+|her\s+|his\s+|its\s+|their\s+)?(?:waist|shoulders?|knees?|hips?|"
               r"chin|ankles?|floor|ground|back|ears?)\b", r"\1", s, flags=re.I)
    # corrections: "sorry i meant remove the boy, keep the man", "ugh not dark green, i said
    # LIGHT blue", "nope, replace the tulips not the cat. roses."
    s = re.sub(r"^(?:(?:no+|nope|ugh+|sorry|oops|wait)\b[,.!]?\s*)*(?:not\s+[^,.]+[,.]\s*)?"
               r"(?:i\s+(?:meant|mean|said)|what i meant (?:was|is))\s+", "", s, flags=re.I)
    s = re.sub(r"^(?:no+|nope)\s+not like that[,.!]?\s*", "", s, flags=re.I)
    s = re.sub(r"^(?:(?:no+|nope|ugh+|sorry|oops|wait|hmm+)[,.!]\s*)+", "", s, flags=re.I)
    s = re.sub(r"\s+not\s+(?:the|his|her)\s+[\w'-]+(?=\s*(?:[,.]|$))", "", s, flags=re.I)
    m = re.fullmatch(r"((?:replace|change|swap)\s+(?:the\s+)?[\w' -]+?)\s*[.!]\s*([\w' -]+?)[.!]?",
                     s, re.I)
    if m and len(m.group(2).split()) <= 3:  # "replace the tulips. roses."
        s = f"{m.group(1)} with {m.group(2)}"
    s = re.sub(r"(?<=\w)[,.;]\s*(?:but\s+)?(?:keep|leave)\s+(?:the\s+)?[\w'-]+(?:\s+[\w'-]+)?"
               r"(?:\s+(?:as is|as it is|alone|there))?[.!]?$", "", s, flags=re.I)
    # "make it look like a vhs tape from the 90s": the look of that medium, not a new subject
    s = re.sub(r"^(?:make|turn)\s+(?:it|this|the (?:picture|image|photo|whole thing))\s+"
               r"(?:look\s+)?like\s+((?:an?\s+)?(?:old\s+|vintage\s+|retro\s+|faded\s+|cheap\s+)?"
               r"(?:[\w-]+\s+){0,2}?(?:tape|photo|photograph|film|film still|movie still|"
               r"poster|postcard|print|screenshot|still|frame|footage|polaroid|magazine cover|"
               r"album cover|book cover|stamp|sticker|comic|cartoon|painting|drawing|sketch|"
               r"video game|game|snapshot|selfie|x-?ray|blueprint|mural|tapestry|mosaic)"
               r"(?:\s+(?:from|of)\s+the\s+[\w']+)?)\s*$", r"in the style of \1", s, flags=re.I)
    # "he's holding a fishing rod": something he has now, not a new pose
    if not re.search(r"\binstead\b", s, re.I):
        s = re.sub(r"^(?:he|she|it|they)(?:'s| is| are|'re)\s+(?:now\s+|also\s+)?"
                   r"(?=(?:holding|carrying|wearing)\b)", "", s, flags=re.I)
    s = _now_is(s)
    # "make her look up at the sky": where she looks is a pose, not how she looks
    s = re.sub(r"^(?:make|have|let|get)\s+(him|her|them|it|the\s+[\w'-]+)\s+"
               r"(look|hold)\s+(?=(?:up|down|away|out|back|around|over|at|towards?|into|through|"
               r"behind|hands)\b)", _should_be, s, flags=re.I)
    # "no cane either", "lose the hat too": the word that only links it to the last change
    s = re.sub(r"^((?:no|without|remove|lose|drop|get rid of)\s+.+?)\s+(?:either|too|as well|also)"
               r"(?=\s*(?:[,.;]|$))", r"\1", s, flags=re.I)
    # "make this look like it's spring", "make it feel like it is winter": that season/time
    s = re.sub(r"\b(?:look|feel|seem)\s+(?:like|as if|as though)\s+(?:it'?s|it is|it was|"
               r"there'?s)\s+(?:a\s+|an\s+)?", "", s, flags=re.I)
    # "could there be a warm light in the window?": something added
    s = re.sub(r"^(?:could|can|would|should)\s+there\s+be\s+|^there\s+should\s+be\s+", "add ", s,
               flags=re.I)
    # "can we have it without the bicycle": the bicycle goes
    s = re.sub(r"^(?:(?:can|could)\s+(?:we|you|i)\s+)?(?:have|show|make|do|get)\s+(?:it|this|the "
               r"(?:picture|image|scene))\s+without\s+", "remove ", s, flags=re.I)
    # "would it work as a stained glass window?": that look
    s = re.sub(r"^(?:would|could|can|will)\s+it\s+(?:work|look good|look nice|be nice|be cool)"
               r"\s+as\s+", "make it look like ", s, flags=re.I)
    # "a nice lavender colour", "a soft mint shade": the colour itself
    s = re.sub(r"\b(?:an?\s+)?(?:(?:nice|lovely|pretty|beautiful|soft|warm|cool|deep|rich|"
               r"gentle|subtle|bold|muted)\s+)?([a-z]+(?:[ -][a-z]+)?)\s+(?:colou?r|shade|hue|"
               r"tone)\b", _colour_said, s, flags=re.I)
    # "blow the candle out": no longer lit
    s = re.sub(r"^(?:blow|put)\s+out\s+((?:the|his|her)\s+[\w'-]+)|^(?:blow|put)\s+((?:the|his|"
               r"her)\s+[\w'-]+)\s+out\b", lambda m: f"make {m.group(1) or m.group(2)} unlit", s,
               flags=re.I)
    s = _thing_first(s) or s
    # "no, not the table, the bowl — make the bowl wooden": the correction is what counts
    m = re.match(r"^no\b,?\s+not\s+(?:the\s+)?[\w'-]+(?:\s+[\w'-]+)?\s*,\s*(?:it'?s\s+)?"
                 r"(?:the\s+[\w'-]+\s*)?(?:[—–-]+|,|:)?\s*(.+)", s, re.I)
    if m and len(m.group(1).split()) >= 2:
        s = m.group(1)
    return s.strip(" ,")


def _should_be(m: re.Match[str]) -> str:
    """"make her look up" -> "she should be looking up" (where she looks, a pose);
    "make them hold hands" -> "they should be holding hands"."""
    who = {"him": "he", "her": "she", "them": "they", "it": "it"}.get(m.group(1).lower(),
                                                                    m.group(1))
    return f"{who} should be {m.group(2).lower()}ing "


def _thing_first(s: str) -> str | None:
    """"her hair make it long", "dinosaur make from wood", "armor but make it like crystal",
    "lantern is silk, not paper": the thing said first, the change after it."""
    m = re.fullmatch(r"((?:the|his|her|its|their)\s+)?([a-z][\w'-]*(?:\s+[a-z][\w'-]*)?)\s+"
                     r"(?:but\s+|just\s+|now\s+)?(make|turn|change)\s+(?:it|them|him|her)?\s*"
                     r"(from|of|out of|made of|like|look like|into|to)?\s*(.+)", s, re.I)
    if m and not is_pronoun(m.group(2).split()[0]) and m.group(2).split()[0].lower() not in (
            "i", "you", "we", "can", "could", "please", "pls", "just", "now", "also", "then",
            "and", "so", "let", "lets", "let's", "maybe", "ok", "to", "will", "would", "should",
            "don't", "dont", "not", "never", "also", "pls", "plz", "try", "go", "do"):
        det = m.group(1) or "the "
        how = (m.group(4) or "").lower()
        if m.group(3).lower() != "make" or how in ("into", "to"):
            return f"change {det}{m.group(2)} to {m.group(5)}"
        return f"make {det}{m.group(2)} {m.group(5)}"
    # "lantern is silk, not paper", "the car should be red not blue": the new value said
    m = re.fullmatch(r"(?:the\s+)?([a-z][\w'-]*)\s+(?:is|are|should be|must be|needs to be)\s+"
                     r"(?:made of\s+|made from\s+|in\s+)?(.+?),?\s+(?:and\s+)?not\s+"
                     r"(?:a\s+|an\s+)?[\w'-]+", s, re.I)
    if m and not is_pronoun(m.group(1)):
        if is_modifier(m.group(2)):
            return f"make the {m.group(1)} {m.group(2)}"
        return f"change the {m.group(1)} to {m.group(2)}"
    return None


_OBJECT = {"he": "him", "she": "her", "it": "it", "they": "them"}


def _now_is(s: str) -> str:
    """What the subject does or where it is now, said as a fact: "he's fallen asleep at the
    bench" -> "have him asleep at the bench"; "the boat is now out in a storm at sea" -> "put
    the boat out in a storm at sea". A reason said first goes: "it's for a memorial poster -
    have him saluting", "they got married in Iceland, so put them on a black sand beach"."""
    m = re.match(r"^(.+?)(?:\s+[-–—]+\s+|,?\s+so\s+)(.+)$", s)
    if m and EN_EDIT_START.match(m.group(2)) and (not EN_EDIT_START.match(m.group(1)) or re.match(
            r"(?:he|she|it|they|we)(?:'s|'re| is| are| has| have| got)\s+(?:just|for|had|got|"
            r"been|always|never|meant|supposed)\b", m.group(1), re.I)):
        return m.group(2)
    m = re.match(r"^(he|she|it|they|the\s+[\w'-]+)(?:'s| is| are|'re| has| have)\s+(?:now\s+)?"
                 r"(?:(?:just\s+)?(?:fallen|gone|got|gotten|become)\s+)?(.+)$", s, re.I)
    if not m or re.search(r"[.!?]\s+\S", s) or re.match(
            r"(?:an?|the|some|my|his|her|their|for|just|going|about|not|no|still|too|so|very|"
            r"holding|carrying|wearing)\b", m.group(2), re.I):
        return s  # (one sentence only; "it's a dog now" is a new subject, said as one)
    who = _OBJECT.get(m.group(1).lower(), m.group(1))
    what = m.group(2)
    if re.match(r"(?:out\s+|back\s+)?(?:in|on|at|under|inside|by|near|beside|into|onto|"
                r"in front of)\s", what, re.I):
        return f"put {who} {what}"
    first = what.split()[0].lower()
    if first.endswith("ing") or first in ("asleep", "awake", "seated", "kneeling", "lying",
                                          "sitting", "standing", "stopped"):
        what = re.sub(r"^stopped(?:\s+and)?\s+(?:is\s+|are\s+)?", "", what, flags=re.I)
        return f"have {who} {what}"
    return s
