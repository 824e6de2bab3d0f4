"""English change instructions -> :class:`Edit` s ("make the car blue", "add a red hat")."""

from __future__ import annotations

import re
from dataclasses import replace

from tools.rewrite.en_phrases import (
    EN_LEAD,
    EN_TAIL,
    EXPRESSION_VERBS,
    NUM_RE,
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
from tools.rewrite.en_values import (
    _add_edits,
    _background_edits,
    _from_to_edits,
    _object_value_edits,
    _replace_edits,
    _style_edit,
    value_edits_en,
)
from tools.rewrite.normalize_en import (
    fallback_en,
    ing_word,
    looks_like_verb,
    normalize_en,
)
from tools.rewrite.vocab import (
    MODIFIER_CATS,
    Edit,
    _leftover_en,
    classify,
    find_en,
    vocab_edits,
)


def _split_make(rest: str) -> tuple[str | None, str]:
    """"the red car blue" -> ("red car", "blue"): where the object ends and the value begins."""
    words = rest.split()
    if len(words) < 2:
        return None, rest
    for k in range(1, len(words)):
        value = " ".join(words[k:])
        if (classify(value) or classify(value, MODIFIER_CATS)
                or (k + 1 < len(words) and words[k + 1].lower() == "with" and (
                    classify(words[k]) or classify(words[k], MODIFIER_CATS)))
                or (re.fullmatch(r"murky|muddy|dusty|dull|muted|soft|rich|bright|light|dark|pale|"
                                 r"deep|vivid|matte|pastel|neon|warm|cool|faded", words[k], re.I)
                    and classify(" ".join(words[k + 1:]), ("color",)))
                or (classify(words[k], MODIFIER_CATS) and " and " in value)
                or (k + 1 < len(words) and re.fullmatch(  # "the table brushed steel"
                    r"[a-z]+ed|solid|pure|real|faux|raw|matte|polished|glossy", words[k], re.I)
                    and classify(" ".join(words[k + 1:]), ("material", "color")))
                or re.match(r"^(?:a|an|into|look|like|as|in|out of|made of|\d+[\s-]+years?)\b",
                            value, re.I)):
            return " ".join(words[:k]), value
    return " ".join(words[:-1]), words[-1]


_STATE_VERBS = {"close": "closed", "shut": "closed", "open": "open", "light": "lit",
                "ignite": "lit", "break": "broken", "shatter": "broken", "smash": "broken",
                "crack": "broken", "fill": "full", "empty": "empty", "freeze": "frozen",
                "melt": "melting", "wet": "wet", "soak": "wet", "dry": "dry", "clean": "clean",
                "tidy": "clean", "extinguish": "unlit", "blow out": "unlit", "slice": "sliced",
                "cut": "sliced", "unlock": "open", "switch on": "lit", "turn on": "lit",
                "turn off": "unlit", "switch off": "unlit", "fix": "intact", "repair": "intact",
                "mend": "intact"}
_REMOVE_VERBS = (r"remove|delete|erase|get rid of|take away|take out|take off|drop(?!\s+in\b)|"
                 r"eliminate|"
                 r"lose|hide|cut out|clear away|clean up|strip|shave off|shave|ditch|"
                 r"leave out|omit|exclude|wipe out|wipe away|wipe|clear|kill|nuke|scrap|axe|"
                 r"clone out|yeet|bin|chuck|toss out|throw out|throw away|cut|strike out|strike|"
                 r"cross out|nix|rm|do away with|get shot of")
_ADD_VERBS = (r"add|include|insert|paint in|attach|also add|throw in|put in|drop in|bring in|"
              r"hang up|hang|mount|"
              r"tuck in|tuck|pin up|pin|pop in|pop|plop|stick|slap on|prop up|prop|"
              r"squeeze in|sneak in|set up|drape|scatter|sprinkle|lay|wrap")
_PREPS = (r"on top of|in front of|next to|on|in|at|into|onto|inside|by|near|under|beside|"
          r"behind|above|over|around|to")


def parse_en(clause: str) -> list[Edit]:
    """The edits one English clause asks for; a phrasing none of the rules reads gets a
    second chance in its fallback form ("green dress please" -> "i'd prefer a green dress")."""
    found = _parse_en(clause)
    head, comma, tail = clause.rpartition(",")
    if comma and head.strip() and all(e.kind in ("replace", "add") for e in found):
        # "make the dinosaur wood, handmade": the change, then a word about it
        first = parse_en(head)
        if first and any(e.kind not in ("replace", "add") for e in first):
            target = next((e.target for e in first if e.target), None)
            more = [replace(e, target=e.target or target) for e in _parse_en(tail)
                    if e.kind in MODIFIER_CATS]
            return first + more
    c = EN_TAIL.sub("", EN_LEAD.sub("", clause.strip())).strip(" ,.")
    if not found or (len(found) == 1 and found[0].kind in ("replace", "background")
                     and not found[0].key):
        m = re.fullmatch(r"(?:make|have|let|get)\s+(.+)", normalize_en(c), re.I)
        verb = _unknown_verb_edits(m.group(1), found[0].text if found else c) if m else []
        if verb:  # "make the kid swing really high": a verb the pose list does not know
            return verb
    if found:
        return found
    again = fallback_en(c)
    found = _parse_en(again) if again else []
    words = c.split()
    if not found and words and not re.match(
            r"(?:a|an|the|some|what|why|how|who|where|when|which|is|are|do|does|can|could)\b",
            c, re.I) and "?" not in clause:
        # "stormy sea at night": the scene words it names, at least
        hits = [h for h in find_en(c, ("time", "weather", "season", "style"))
                if not h.entry.en or h.text.lower() in h.entry.en]
        if hits and 3 * sum(len(h.text.split()) for h in hits) >= len(words):
            found = vocab_edits(hits, "en", c)
    return found


# what a picture can be made as: "a 90s skate zine", "a scrimshaw carving", "a kawaii sticker"
_MEDIUMS = (r"zine|sticker|carving|engraving|etching|woodcut|linocut|lithograph|screenprint|"
            r"print|poster|postcard|stamp|sketch|drawing|doodle|painting|mural|fresco|mosaic|"
            r"tapestry|embroidery|needlepoint|cross-stitch|quilt|window|stained glass|collage|"
            r"comic|comic strip|manga panel|cartoon|storyboard|blueprint|diagram|infographic|"
            r"illustration|render|figurine|sculpture|statue|relief|diorama|claymation|papercut|"
            r"paper cut|silhouette|tattoo|graffiti|pixel art|sprite|icon|logo|emblem|badge|"
            r"cover|album cover|book cover|movie poster|trading card|tarot card|playing card|"
            r"photograph|polaroid|snapshot|x-ray|hologram|neon sign|ukiyo-e|scroll|miniature")
_MEDIUM_FRAME = re.compile(
    r"(?:(?:make|turn|do|redo|render|draw|paint|show|reimagine|recreate)\s+(?:it|this|the\s+"
    r"(?:picture|image|scene|whole thing))\s+(?:look\s+like\s+|into\s+|as\s+|like\s+)?|"
    r"(?:as|like|in the form of)\s+)(?P<medium>(?:a|an)\s+[\w' -]{0,40}?\b(?:" + _MEDIUMS +
    r")s?)(?:\s*(?:,|with|on|made|in|and)\b.*)?", re.I)


def _parse_en(clause: str) -> list[Edit]:
    clause = re.sub(r"^\s*(?:just|only)\s+(?=(?:one|a single)\b)", "only ", clause, flags=re.I)
    instead = bool(re.search(r"\binstead\W*$", clause, re.I))
    c = EN_TAIL.sub("", EN_LEAD.sub("", clause.strip())).strip(" ,.")
    c = re.sub(r"\b(he|she|it|they|that|there)'s\b", r"\1 is", c, flags=re.I)
    c = re.sub(r"\b(they|we|you)'re\b", r"\1 are", c, flags=re.I)
    held = instead and re.search(r"\b(?:hold|holds|holding|carry|carries|carrying|hug|hugs|"
                                 r"hugging)\b", c, re.I)
    c = normalize_en(c + " instead" if held else c)  # "hold a puppy instead": what is held
    c = re.sub(r"\s+instead$", "", c) if held else c
    if not c:
        return []
    text = c
    framed = _MEDIUM_FRAME.fullmatch(c)
    if framed:  # "make it a stained-glass window", "as a cute kawaii sticker": the picture
        return [_style_edit(framed.group("medium").strip(" ,."), text)]  # made as that thing
    low = c.lower()

    # --- "brighter lighting", "more light": light, and the dark goes
    if re.fullmatch(r"(?:make\s+(?:it|the\s+(?:lighting|light|room|scene))\s+)?"
                    r"(?:much\s+|a lot\s+)?(?:brighter|lighter|well[- ]lit)"
                    r"(?:\s+(?:lighting|light|lights))?|(?:more|better|brighter)\s+"
                    r"(?:light|lighting)|turn (?:on )?the lights(?: on)?", c, re.I):
        return [Edit("remove", target="dark", key="dark", lang="en", text=text),
                Edit("add", value="bright lighting", key="describe", lang="en", text=text)]
    # --- "apple -> pear", "door: yellow", "the mouse shouldn't be there"
    m = re.fullmatch(r"(.+?)\s*(?:->|→|=>|⇒)\s*(.+)", c)
    if m:
        return _replace_edits(m.group(1), m.group(2), text)
    m = re.fullmatch(r"((?:the\s+|his\s+|her\s+|its\s+|their\s+)?[a-z][\w'-]*(?:\s+[a-z][\w'-]*)?)"
                     r"\s*:\s*(.+)", c, re.I)
    if m and not re.match(r"(?:a|an|some)\b", m.group(1), re.I) and not SCENE_WORDS.match(
            m.group(1)) and m.group(1).lower() not in (
            "style", "time", "weather", "season", "note"):
        return _object_value_edits(m.group(1), m.group(2), text)
    m = re.fullmatch(r"(?:the\s+)?(.+?)\s+(?:shouldn'?t|should not|mustn'?t|must not|does not "
                     r"need to|doesn'?t need to|can'?t|cannot)\s+be\s+(?:there|here|in (?:it|"
                     r"the (?:picture|image|photo|scene|shot))|visible|in the way)", c, re.I)
    if m:
        return [Edit("remove", target=strip_det(m.group(1)), lang="en", text=text)]

    # --- "he shouldn't be smiling", "the sky shouldn't be so dark": that look goes
    m = re.fullmatch(r"(?:he|she|it|they|(?:the|his|her|its|their)\s+[\w'-]+)\s+(?:shouldn'?t|"
                     r"should not|mustn'?t|must not|isn'?t|is not|aren'?t|are not)\s+(?:be\s+)?"
                     r"(?:so\s+|that\s+|too\s+)?([a-z][\w-]*)", c, re.I)
    if m and classify(m.group(1), MODIFIER_CATS):
        hit = classify(m.group(1), MODIFIER_CATS)[0]
        return [Edit("remove", target=hit.text, key=hit.entry.key, lang="en", text=text)]
    # --- "instead of a horse, he should be riding a camel"
    m = re.fullmatch(r"instead of\s+(.+?),?\s+((?:he|she|it|they|the|make|have|let|i|put|use|"
                     r"draw|show|add|give|place|there should be|let'?s have)\b.+)", c, re.I)
    if m:
        new = re.findall(r"\b(?:a|an|the|some)\s+[\w\s'-]+?$", m.group(2), re.I)
        if new:
            return _replace_edits(m.group(1), new[-1], text)
    m = re.fullmatch(r"instead of\s+(.+?),\s*((?:a|an|some|\d+)\s+.+)", c, re.I)
    if m:  # "instead of the dog, a fox"
        return _replace_edits(m.group(1), m.group(2), text)

    # --- "i'd prefer yellow roses", "let's go with a matte black car"
    m = re.fullmatch(r"(?:the\s+|a\s+|an\s+)?[a-z][\w-]*\s+((?:on|in|at|inside|under|by|near)"
                     r"\s+.+)", c, re.I) if instead else None
    if m and find_en(m.group(1), ("place",)):  # "frog on a mossy log in a swamp instead"
        return _background_edits(m.group(1), text)
    if instead:  # "make it a space shuttle instead": the main thing, whatever it was
        c = re.sub(r"^(?:make it|turn it into|change it (?:in)?to|make them|it should be)\s+", "",
                   c, flags=re.I)
    if instead and re.fullmatch(r"(?:(?:a|an|some)\s+)?[a-z][\w'-]*(?:\s+[a-z][\w'-]*){0,2}", c,
                                re.I) and not classify(c) and not re.search(
            r"\b(?:on|in|at|with|of|to|from|under|over|around|top|behind|beside)\b", c,
            re.I) and not re.match(
            r"(?:make|turn|change|put|add|remove|have|let|give|use|the|it|he|she|they)\b", c, re.I):
        # "pizza instead": the main thing becomes pizza
        return [Edit("replace", value=c, key="instead", lang="en", text=text)]
    if instead and re.match(r"(?:a|an|some)\s+\w+\s+\w+", c, re.I):
        c = "i'd prefer " + c  # "a silk scarf instead" (the agent strips "I want")
    m = re.fullmatch(r"(?:(him|her|them|it)\s+(?:to be\s+)?)(\w+ing\b.*)", c, re.I)
    if m:  # "him eating a banana instead"
        found = pose_edits(m.group(2), None, text, loose=True)
        if found:
            return found
    m = re.fullmatch(r"((?:the|his|her|its|their)\s+.+?|him|her|it|them)\s+to\s+(?:be|look|become)"
                     r"\s+(.+)", c, re.I)
    if m:  # "the cat to be orange" (the agent strips "I want")
        return _object_value_edits(m.group(1), m.group(2), text)
    m = re.fullmatch(r"(he|she|they|it|(?:the|his|her|its|their)\s+.+?)\s+(?:should not|shouldn'?t|"
                     r"must not|mustn'?t|doesn'?t|does not|is not|isn'?t)\s+(?:be\s+)?(holding|"
                     r"carrying|wearing)\s+(?:anything|something|that|it|any\w*)", c, re.I)
    if m:  # "the woman should not be holding anything"
        return [Edit("remove", target=None, old=m.group(2).lower(), lang="en", text=text)]
    m = re.fullmatch(r"((?:the|his|her|its|their)\s+.+?)\s+(?:needs|should have|could use|"
                     r"gets|deserves|must have|has to have)\s+((?:a|an|some)\s+.+)", c, re.I)
    if m:  # "the puppy needs a blue collar"
        target, owner = split_owner(m.group(1))
        return _add_edits(m.group(2), target, text)
    m = re.fullmatch(r"(?:i'?d prefer|i prefer|i would prefer|go with|let'?s go with|i'?d rather "
                     r"have|i'?d rather|rather|how about|what about|maybe|try|let'?s try|"
                     r"let'?s do|i'?d like|i want|i need|make it|it should be)\s+"
                     r"((?:a|an|some|\d+|two|three)\s+.+|\w+\s+\w+s)", c, re.I)
    if m and not re.match(r"(?:a|an)\s+\w+$", m.group(1), re.I) and not classify(m.group(1)) \
            and not re.search(r"\b(?:instead of|rather than|than|not)\b", m.group(1), re.I):
        value = m.group(1)
        words = value.split()
        if find_en(" ".join(words[:-1]), MODIFIER_CATS) or len(words) >= 3:
            return [Edit("replace", value=value, key="restate", lang="en", text=text)]

    # --- state: "close the book", "light the candles", "open the window"
    m = re.fullmatch(rf"({'|'.join(_STATE_VERBS)})\s+(.+?)(?:\s+(?:up|out|down))?"
                     rf"(?:\s+(?:with|of)\s+(.+))?", c, re.I)
    if m and not re.match(r"(?:it|this|that|everything)$", m.group(2), re.I):
        key = _STATE_VERBS[m.group(1).lower()]
        target, owner = split_owner(m.group(2))
        found = modifier_edits(key, target, text, "state", owner)
        if m.group(3):  # "fill the bowl with fruit"
            found += _add_edits(m.group(3), target, text)
        return found

    # --- "way more bees", "lots more lanterns": many of them
    m = re.fullmatch(r"(?:(?:add|put in|throw in)\s+)?(?:way|a lot|lots|loads|many|much|far|even|"
                     r"a bunch|tons)?\s*more\s+([a-z][\w-]*s)", c, re.I)
    if m and not classify(m.group(1)) and not re.search(rf"\d|\b(?:{NUM_RE})\b", text, re.I):
        return [Edit("count", target=m.group(1), key="many", lang="en", text=text)]
    # --- remove
    m = re.fullmatch(r"(?:take|move|put|carry|clear|get|send)\s+(.+?)\s+(?:away|out|off)"
                     r"(?:\s+.+)?", c, re.I)
    if m is None:
        m = re.fullmatch(r"(?:he|she|it|they|(?:the|this|that)\s+.+?)\s+(?:shouldn'?t|should not|"
                         r"doesn'?t|does not|don'?t|do not|mustn'?t|must not|needn'?t|can'?t)\s+"
                         r"(?:have|hold|wear|carry|need|be holding|be wearing|be carrying|"
                         r"have on)\s+(?:a\s+|an\s+|the\s+|any\s+|his\s+|her\s+|its\s+|"
                         r"their\s+)?(.+)", c, re.I)
    # "take away everything on the table", "clear the desk": what is on it goes, it stays
    mc = re.fullmatch(rf"(?:(?:{_REMOVE_VERBS})\s+(?:everything|all the (?:things|stuff|objects|"
                      r"items|clutter)|all|the (?:things|stuff|objects|items|clutter))|"
                      r"clear(?: off| away)?|empty|tidy up|declutter)\s+"
                      r"(?:that is\s+|that's\s+|lying\s+)?"
                      r"(?:(?:on|from|off|in|on top of)\s+)?(?:the\s+|his\s+|her\s+|their\s+)?"
                      r"([\w'-]+(?:\s+[\w'-]+)?)", c, re.I)
    if mc and not classify(mc.group(1)) and not is_pronoun(mc.group(1)):
        return [Edit("remove", target=mc.group(1), key="contents", lang="en", text=text)]
    if m is None:
        m = re.fullmatch(r"(?:make\s+)?(.+?)\s+(?:should be |is |are |can be |could be |"
                         r"needs to be |need to be |has to be |have to be |must be )?"
                         r"(?:gone|removed|deleted|disappear|vanish|go away|leave|erased|"
                         r"(?:(?:has|have|has got|have got|needs?|must|should|can|could|"
                         r"gotta|got)\s+(?:to\s+)?go))(?:\s+(?:from|out of)\s+.+)?", c, re.I)
        if m and (is_pronoun(m.group(1)) or len(m.group(1).split()) > 5):
            m = None
    if m is None:  # "crowd out", "the lasers out" (not "lights out", "sun out": a look)
        m = re.fullmatch(r"(?:the\s+)?((?!(?:the\s+)?(?:lights?|lamps?|candles?|sun|moon|stars|"
                         r"zoom|pan|pull|back|fade|blur|spread|stretch|cut|print|spell|sort|check|"
                         r"point|bring|move|go|come|get|take|put|lay|work|try|find|figure|"
                         r"way)\s)"
                         r"[a-z][\w'-]*(?:\s+[a-z][\w'-]*)?)\s+out", c, re.I)
        if m and (classify(m.group(1)) or is_pronoun(m.group(1)) or re.search(
                r"(?:ing|ed)\b", m.group(1))):  # ("gold spilling out": what it does)
            m = None
    if m is None:  # "stop the rain", "stop the snow": the weather goes
        m = re.fullmatch(r"(?:stop|end|clear up|clear)\s+(?:the\s+)?(rain|snow|snowfall|"
                         r"drizzle|storm|hail|wind|fog|mist|sleet)", c, re.I)
    if m is None:
        m = re.fullmatch(rf"(?:{_REMOVE_VERBS})\s+(.+?)(?:\s+(?:from|off|out of|on)\s+"
                         rf"(?:the\s+)?(.+))?", c, re.I)
    if m is None:
        m = re.fullmatch(r"(?:no more|no|without|not (?:have|include|show|want|need|put)|not|"
                         r"i don'?t want|don'?t want|do not want|"
                         r"i don'?t need|don'?t need|(?:can|could) (?:we|you) not have|"
                         r"let'?s not have|i'?d rather not have|i would rather not have|"
                         r"(?:can|could) (?:we|you) (?:do|go) without|"
                         r"make it without|get rid of)\s+(?:any\s+|the\s+)?(.+?)"
                         r"(?:\s+(?:in|from) (?:it|there|here)|\s+anymore|\s+any more)?()",
                         c, re.I)
    if m and (to_colour := re.fullmatch(r"(?:drop|switch|flip|shift|take|bring)\s+(.+?)\s+"
                                        r"(?:down\s+|over\s+)?to\s+(.+)", c, re.I)) and \
            classify(to_colour.group(2), ("color",)):
        # "drop the lasers to green": their colour, not the lasers gone
        return modifier_edits(to_colour.group(2), strip_det(to_colour.group(1)), text, "color")
    if m:
        what = strip_det(m.group(1).split(",")[0])
        what = re.sub(r"(?:\s+(?:(?:out )?(?:of|from|in) (?:there|here|it|the (?:picture|image|"
                      r"photo|scene|shot|frame))|altogether|entirely|completely|for good|"
                      r"at all|actually|then|though|now|please|pls|too|as well|"
                      r"in (?:its|their) entirety))+$", "", what,
                      flags=re.I) or what
        what = re.sub(r"\s+(?:on|from|off)\s+(?:the\s+|a\s+|an\s+|his\s+|her\s+|its\s+)?"
                      r"[\w-]+$", "", what, flags=re.I) or what  # "no candle on cake"
        what = re.sub(r"\s+(?:in|on|at|from|near)\s+the\s+(?:background|foreground|left|right|"
                      r"picture|image|photo|scene|sky|distance|corner|middle|center|front|"
                      r"back)$", "", what, flags=re.I) or what
        hits = classify(what)
        if hits:
            return [Edit("remove", target=what, key=hits[0].entry.key, lang="en", text=text)]
        return [Edit("remove", target=what, lang="en", text=text)] if what else []

    # --- "change the dress from red to green", "turn the cat from sitting to standing"
    m = re.fullmatch(r"(?:change|turn|switch|make|convert|transform|swap|alter|recolou?r|"
                     r"repaint|paint|dye|update|modify|edit|move)\s+(.+?)\s+from\s+(.+?)\s+"
                     r"(?:in)?to\s+(?:be\s+|being\s+)?(.+)", c, re.I)
    if m:
        return _from_to_edits(m.group(1), m.group(2), m.group(3), text)
    m = re.fullmatch(r"(?:change\s+|switch\s+|go\s+)?from\s+(.+?)\s+(?:in)?to\s+(.+)", c, re.I)
    if m:
        return _from_to_edits("it", m.group(1), m.group(2), text)

    # --- replace X with Y / swap / substitute / Y instead of X
    m = re.fullmatch(r"(?:replace|swap|switch|exchange|change)\s+(.+?)\s+(?:with|for|by)\s+(.+)",
                     c, re.I)
    if m and not re.search(r"\s(?:to|into)\s", m.group(1)):  # not "change X to Y with Z"
        return _replace_edits(m.group(1), m.group(2), text)
    m = re.fullmatch(r"substitute\s+(.+?)\s+for\s+(.+)", c, re.I)
    if m:
        return _replace_edits(m.group(2), m.group(1), text)
    m = re.fullmatch(r"substitute\s+(.+?)\s+(?:with|by)\s+(.+)", c, re.I)
    if m:  # "substitute the fountain pen with a wax seal stamp"
        return _replace_edits(m.group(1), m.group(2), text)
    m = re.fullmatch(r"(?:i'?d rather have|i would rather have|i'?d rather see|i'?d prefer|"
                     r"i prefer|i would prefer|rather)\s+(.+?)\s+than\s+(.+)", c, re.I)
    if m:  # "i'd rather have a rabbit than a cat"
        return _replace_edits(m.group(2), m.group(1), text)
    m = re.fullmatch(r"(.+?)\s+(?:instead of|rather than|in place of)\s+(.+)", c, re.I)
    if m:  # "make it a castle instead of a lighthouse", "i want a white horse instead of ..."
        said = re.sub(r"^(?:can|could|would|will)\s+you\s+(?:please\s+)?", "", m.group(1),
                      flags=re.I)
        if re.match(r"(?:make|have|let|turn)\s+(?!it\b|them\b)", said, re.I):
            # "make him look happy instead of grumpy": a whole change, and what it replaces
            whole = [e for e in parse_en(said) if e.kind not in ("add", "replace", "background")]
            if whole:
                return [replace(e, old=e.old or m.group(2)) if e.kind in MODIFIER_CATS else e
                        for e in whole]
        new = re.sub(r"^(?:could|can|may)\s+(?:i|we)\s+(?:please\s+)?(?:have|get|see)\s+", "",
                     m.group(1), flags=re.I)  # "could I have a cup of tea instead of …"
        new = re.sub(r"^(?:he|she|they|it|we)\s+(?:should|could|would|can|will|might|must)\s+"
                     r"(?:be\s+)?", "", new, flags=re.I)  # "they should be dancing"
        new = re.sub(r"^(?:make it|make them|turn it into|change it to|i want|i'?d like|"
                     r"i'?d prefer|i prefer|use|have|let'?s have|draw|put|show|(?:give|hand)"
                     r"(?:\s+(?:him|her|them|it|the\s+\w+))?)\s+", "", new, flags=re.I)
        new = re.sub(r"\s+(?:there|here|in there|in its place)$", "", new, flags=re.I)
        old = re.sub(r"^(?:a|an|the)\s+(\w+)\s+one$", r"\1", m.group(2), flags=re.I)
        hits = [h for h in find_en(new, ("style", "time", "weather", "season")) if not h.weak]
        if hits and 2 * sum(len(h.text.split()) for h in hits) >= len(new.split()):
            # "dawn instead of the night rain", "halftone pop art instead of flat colours": the
            # look, and what it replaces goes (the rain too; the night the dawn replaces)
            said = {h.entry.category for h in hits}
            named = [h for h in find_en(old, ("style", "time", "weather", "season")) if not h.weak]
            gone = [Edit("remove", target=h.text, key=h.entry.key, lang="en", text=text)
                    for h in named if h.entry.category not in said]
            if not named:
                gone = [Edit("remove", target=strip_det(old), lang="en", text=text)]
            return vocab_edits(hits, "en", text) + gone
        return _replace_edits(old, new, text)

    # --- "i'd like the lion to be roaring", "i want the cat to be orange"
    m = re.fullmatch(r"(?:i'?d like|i would like|i want|i need|i'?d love|let'?s have)\s+"
                     r"(it|him|her|them|(?:the|this|that|these|those)\s+.+?)\s+(?:to\s+"
                     r"(?:be\s+|look\s+|become\s+)?|(?=\w+ing\b))(.+)", c, re.I)
    if m:
        target, owner = split_owner(m.group(1))
        found = pose_edits(m.group(2), target, text, owner, loose=True)
        if found:
            return found
        return _object_value_edits(m.group(1), m.group(2), text)

    # --- pose / action: "make the dogs play with each other", "have her sit down"
    found = _make_do_edits(c, text)
    if found:
        return found

    # --- background / setting
    m = re.fullmatch(r"(?:change|replace|swap|switch|make|set|turn|use)\s+(?:the\s+)?"
                     r"(?:background|backdrop|setting|scenery|location|place|surroundings|"
                     r"environment|scene)\s*(?:to|into|with|as|for|:)?\s+(.+)", c, re.I)
    if m is None:
        m = re.fullmatch(r"(?:the\s+)?(?:background|backdrop|setting|scenery|location)\s*"
                         r"(?:should be|is|becomes|:|=|to|of|-)?\s*(.+)", c, re.I)
    if m:
        return _background_edits(m.group(1), text)
    m = re.fullmatch(rf"(?:put|move|place|set|take|bring|send|transport|teleport|relocate|park|"
                     rf"show|have|i want|i'?d like|i would like|want|keep|need)\s+"
                     rf"(it|him|her|them|this|everything|the\s+[\w\s'-]+?)\s+"
                     rf"({_PREPS})\s+(.+)", c, re.I)
    if m and not re.match(r"^(?:a|an|some)\b", m.group(1), re.I):
        prep = m.group(2).lower()
        value = m.group(3) if prep in ("to", "into") else f"{prep} {m.group(3)}"
        hits = classify(value)
        if hits:
            return vocab_edits(hits, "en", text)
        return _background_edits(value, text)
    m = re.fullmatch(r"(?:put|move|place|take|send|bring|show)\s+(?:it|him|her|them|"
                     r"the\s+[\w\s'-]+?)\s+(underwater|outdoors|indoors|outside|in space|"
                     r"upstairs|downstairs|in the (?:sky|air|water|rain|snow))", c, re.I)
    if m:
        return _background_edits(m.group(1), text)
    m = re.fullmatch(r"(?:with\s+|add\s+|put\s+)?(?:a|an|the)?\s*(.+?)\s+(?:background|backdrop|"
                     r"in the background|as (?:the\s+)?background)", c, re.I)
    if m:
        return _look_background(m.group(1), text)

    # --- count (relative): "add two more cats", "another cat", "one more dog"
    m = re.fullmatch(rf"(?:add\s+|draw\s+|include\s+)?(?:(another)|({NUM_RE})\s+more)\s+"
                     rf"(?:of\s+)?(.+)", c, re.I)
    if m and not classify(m.group(3)):
        n = 1 if m.group(1) else count_from(m.group(2))
        if n:
            return [Edit("count", target=strip_det(m.group(3)), count=n, relative=True,
                         lang="en", text=text)]

    # --- add (with an optional receiver: "give the cat a hat", "put a hat on the cat")
    # "give the ginger cat a bow tie": the receiver is all before the article of the gift
    # (the receiver has no "and": "give the DJ big headphones and a bucket hat")
    m = re.fullmatch(r"(?:give|let)\s+(it|him|her|them|the\s+(?:(?!and\b)[\w'-]+\s+)*?"
                     r"(?:(?!and\b)[\w'-]+))\s+(?:have\s+)?"
                     r"((?:a|an|some|\d+|two|three|four|five)\s+.+)", c, re.I) or re.fullmatch(
        r"(?:give|let)\s+(it|him|her|them|the\s+[\w\s'-]+?)\s+(?:have\s+)?"
        r"([\w-]+s|[\w-]+\s+[\w\s-]+)", c, re.I)
    if m:
        return _add_edits(m.group(2), target_of(m.group(1)), text)
    m = re.fullmatch(r"(?:make|let|have)\s+(it|him|her|them|the\s+[\w\s'-]+?)\s+(?:wear|hold|"
                     r"carry|have|get|put on)\s+(.+)", c, re.I)
    if m:
        return _add_edits(m.group(2), target_of(m.group(1)), text)
    m = re.fullmatch(rf"(?:{_ADD_VERBS}|put|place|plus|with|also|there should be|"
                     rf"there (?:is|are)|i want|wearing|holding|carrying|(?:seat|sit|stand|"
                     rf"position|hang|lay|perch|station|plant|stick|pop|set down|draw in|"
                     rf"sneak in)(?!\s+(?:it|him|her|them|the)\b))\s+(.+?)"
                     rf"(?:\s+(?:to|on|onto|in|into|next to|beside|near|by|behind|in front of|"
                     rf"around|at|for)\s+(it|him|her|them|the\s+[\w\s'-]+))?", c, re.I)
    if m:
        what = m.group(1)
        hits = classify(what, ("weather", "time", "season", "style", "camera"))
        if re.search(r"\b(?:background|backdrop|bg)\s*$", what, re.I):
            core = re.sub(r"^(?:a|an|some|the)\s+|\s*\b(?:background|backdrop|bg)\s*$", "",
                          what.strip(), flags=re.I)
            if core:
                return _look_background(core, text)
        if hits:
            return vocab_edits(hits, "en", text)
        if re.fullmatch(r"(?:more\s+)?details?|detail", what, re.I):
            return [Edit("add", value="highly detailed", lang="en", text=text)]
        if is_pronoun(what):
            return []
        receiver = m.group(2)
        if receiver and SCENE_WORDS.match(receiver.strip()):
            receiver = None
        return _add_edits(what, target_of(receiver), text)

    # --- style: "in the style of X", "X style", "render it as X", "in watercolor"
    m = re.fullmatch(r"(?:(?:make|draw|paint|render|redo|do|turn|show|style|reimagine|recreate)"
                     r"\s+(?:it|this|that|him|her|them|everything)\s+)?(?:in|as|with|like)?\s*"
                     r"(?:the\s+|a\s+)?(?:style|manner|art style)\s+of\s+(.+)", c, re.I)
    if m:
        return [_style_edit(m.group(1), text, artist=True)]
    m = re.fullmatch(r"(?:(?:make|draw|paint|render|redo|do|turn|show|restyle|reimagine|"
                     r"recreate|change)\s+(?:it|this|that|him|her|them|everything|the "
                     r"(?:image|picture|scene|whole thing))\s+(?:in|as|into|to|like)?\s*|"
                     r"make it\s+|in\s+|as\s+)?(?:an?\s+)?(.+?)[\s-](?:style|styled|"
                     r"aesthetic|look|vibes?)", c, re.I)
    if m and len(m.group(1).split()) <= 4:
        hits = classify(m.group(1), ("style",))
        return [_style_edit(m.group(1), text, hits=hits)]

    # --- pose / action: "make the dogs play with each other", "have her sit down",
    #     "the cat should be sleeping"
    m = re.fullmatch(r"(?:what if|imagine if|imagine|suppose)\s+(.+?)\s+(?:was|were|is|are|"
                     r"became|looked like|turned into)\s+(.+)", c, re.I)
    if m is None:
        m = re.fullmatch(r"(he|she|it|they|(?:the|this|that|these|those|his|her|its|their)\s+"
                         r".+?)\s+(?:should be|should look|"
                         r"must be|needs? to be|has to be|is now|are now|becomes|should become|"
                         r"looks like|should look like|is|are)\s+(?!\w+ing\b)(.+)", c, re.I)
        if m and (ing_form(m.group(2).split()[0]) or re.match(
                r"(?:gone|removed|deleted|not|no longer)\b", m.group(2), re.I)):
            m = None
    if m:
        return _object_value_edits(m.group(1), m.group(2), text)
    words = c.split()
    if re.match(r"(?:he|she|it|they|the|both|all)$", words[0], re.I):  # "the dog lies down"
        for k in range(1, min(len(words), 5)):
            verb = words[k].lower()
            if verb in ("is", "are", "was", "were", "has", "does", "looks", "should", "must"):
                break
            if ing_form(verb) and not verb.endswith("ing"):
                who = " ".join(words[:k])
                target, owner = split_owner(None if who.lower() in ("he", "she", "they", "it")
                                             else who)
                found = pose_edits(" ".join(words[k:]), target, text, owner)
                if found:
                    return found
                break
    m = re.fullmatch(r"(it|he|she|they|(?:the|both|all)\s+.+?)\s+(?:should be|should|is|are|"
                     r"must be|needs? to be|will be|to be|be|becomes?)\s+(\w+ing\b.*|\w+)",
                     c, re.I)
    if m and (ing_form(m.group(2).split()[0]) or m.group(2).lower().endswith("ing")
              or re.match(r"\w+ing\s", m.group(2))):
        target, owner = split_owner(None if m.group(1).lower() in ("he", "she", "they", "it")
                                     else m.group(1))
        found = pose_edits(m.group(2), target, text, owner, loose=True)
        if found:
            return found

    # --- make / turn / paint / change ... <value>
    m = re.fullmatch(r"(?:change|turn|transform|convert|switch|alter|make|set)\s+(.+?)\s+"
                     r"(?:in)?to\s+(?:be\s+|a\s+different\s+)?(.+)", c, re.I)
    if m and not re.match(r"^(?:look|like)\b", m.group(2), re.I):
        obj, value = m.group(1), m.group(2)
        obj_l = obj.strip().lower()
        if re.fullmatch(r"(?:the\s+)?(?:time|time of day|hour|lighting)", obj_l):
            return value_edits_en(value, None, text)
        if re.fullmatch(r"(?:the\s+)?(?:weather|season|style|art style|mood|view|camera|"
                        r"angle|perspective|shot)", obj_l):
            return value_edits_en(value, None, text)
        if SCENE_WORDS.match(obj_l):
            return _background_edits(value, text)
        return _object_value_edits(obj, value, text)
    m = re.fullmatch(r"(?:make|turn|paint|colou?r|recolou?r|dye|repaint)\s+(?:her|his|its|"
                     r"their)\s+(.+)", c, re.I)
    if m and not re.match(r"(?:look|seem|appear|be|become|feel)\b", m.group(1), re.I):
        obj, value = _split_make(m.group(1))
        if obj and (classify(value) or base_adjective(value) or classify(value, MODIFIER_CATS)
                    or attribute_of(obj)[1]):
            return _object_value_edits(obj, value, text)
    m = re.fullmatch(r"(?:make|turn|paint|colou?r|recolou?r|dye|render|draw|redo|do|show|"
                     r"have|keep|repaint|style|set)\s+(?:it|this|that|him|her|them|everything|"
                     r"the\s+(?:image|picture|photo|scene|whole\s+\w+))\s+(.+)", c, re.I)
    if m:
        return value_edits_en(m.group(1), None, text)
    m = re.fullmatch(r"(?:make|turn|paint|colou?r|recolou?r|dye|repaint)\s+(?:the\s+|his\s+|"
                     r"her\s+|its\s+|their\s+)(.+)", c, re.I)
    if m:
        obj, value = _split_make(m.group(1))
        if obj:
            return _object_value_edits(obj, value, text)
    m = re.fullmatch(r"(?:it should be|it'?s|it is|should be|make that|make it|turn it|"
                     r"it becomes|let it be|let it)\s+(.+)", c, re.I)
    if m:
        return value_edits_en(m.group(1), None, text)
    m = re.fullmatch(r"(?:change|switch)\s+(?:the\s+)?(?:time|weather|season|style|art style|"
                     r"colou?r|view|camera|angle|background)", c, re.I)
    if m:
        return []

    # --- camera / framing: "zoom in", "show it from above", "close-up of the face"
    cam = find_en(c, ("camera",))
    if cam and len(_leftover_en(c, cam)) <= 2 and not re.search(
            r"\b(?:add|remove|replace|with|and)\b", low):
        return vocab_edits(cam, "en", text)

    # --- count: "three cats", "make it two", "only one dog"
    m = re.fullmatch(rf"(?:make\s+(?:it|them|there be)\s+|there should be\s+|i want\s+|"
                     rf"only\s+|just\s+|show\s+|draw\s+|change\s+(?:it|the number)\s+to\s+)?"
                     rf"({NUM_RE})(?:\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?))?", c, re.I)
    if m:
        n = count_from(m.group(1))
        noun = m.group(2)
        explicit = bool(re.match(r"^(?:make|there|i want|only|just|show|draw|change)", low))
        if n is not None and (n >= 2 or explicit) and (noun or explicit):
            if not noun or not classify(noun):
                return [Edit("count", target=noun, count=n, lang="en", text=text)]

    # --- a bare vocabulary phrase or preposition phrase: "night", "at sunset", "watercolor",
    #     "in winter", "on a beach", "blue"
    hits = classify(c)
    if hits:
        return vocab_edits(hits, "en", text)
    m = re.fullmatch(r"(?:on|in|at|inside|underwater|by|near|under|beside|in front of)\s+.+|"
                     r"underwater|outdoors|indoors|in space", c, re.I)
    if m and len(c.split()) <= 9:
        return _background_edits(c, text)
    m = re.fullmatch(r"(?:with\s+)?(?:his|her|their|its)\s+(?:hands?|arms?|legs?|feet|foot|head|"
                     r"eyes|hair|mouth|chin|back|tail|ears?|wings?|paws?|knees?)\s+(?:in|on|behind|"
                     r"around|over|up|down|out|crossed|folded|raised|open|closed|outstretched)"
                     r"\b.*", c, re.I)
    if m:  # "his hands in his pockets": how he holds himself, said as is
        return [Edit("add", value=c, key="describe", lang="en", text=text)]
    m = re.fullmatch(r"(?:be|is|are)\s+((?:holding|carrying|wearing)\s+.+)", c, re.I)
    if m:  # "... and be holding a cake"
        return _add_edits(m.group(1).split(None, 1)[1], None, text)
    return []


def _look_background(core: str, text: str) -> list[Edit]:
    """"a soft pastel background", "a dark moody backdrop": a background of that look (not
    a style of the whole picture); a place or a colour is read as one."""
    hits = classify(core)
    if find_en(core, ("place",)) or not hits or any(
            h.entry.category not in ("style",) for h in hits):
        return _background_edits(core, text)
    return [Edit("background", value=f"{core} background", lang="en", text=text)]


# words in -ing that are things, not what someone does
_ING_NOUNS = frozenset("painting building ceiling clothing ring king wing thing string morning "
                       "evening lighting wedding pudding stocking earring swing spring bedding "
                       "frosting icing railing siding something nothing anything everything "
                       "drawing sibling dumpling".split())


def _make_do_edits(c: str, text: str) -> list[Edit]:
    """"make the two dogs play with each other", "have her sit down", "let him smile"."""
    m = re.fullmatch(r"(?:make|have|let|get)\s+(.+?)\s+(open|close|shut)\s+(?:its|his|her|their)"
                     r"\s+(\w+)", c, re.I)
    if m:  # "make the cat open its mouth": the mouth is open
        target, owner = split_owner(m.group(1))
        state = "open" if m.group(2).lower() == "open" else "closed"
        return modifier_edits(state, m.group(3), text, "state", target)
    m = re.fullmatch(r"(?:have|get|keep)\s+(it|him|her|them|(?:the|his|her|its|their)\s+[\w'-]+)\s+"
                     r"([a-z]{3,}ing)\b(.*)", c, re.I)
    if m and m.group(2).lower() not in _ING_NOUNS:  # "have it munching on bamboo leaves"
        target, owner = split_owner(m.group(1))
        value = (m.group(2) + m.group(3)).strip()
        return pose_edits(value, target, text, owner) or [
            Edit("pose", target=target, value=value, owner=owner, lang="en", text=text)]
    m = re.fullmatch(r"(?:make|have|let|get)\s+(.+)", c, re.I)
    if not m:
        return []
    words = m.group(1).split()
    for k in range(1, min(len(words), 6)):
        verb = words[k].lower()
        if verb in ("do", "strike") and k + 1 < len(words) and re.fullmatch(
                r"it|him|her|them|(?:the|his|her|its|their)\s+[\w'-]+|[\w'-]+",
                " ".join(words[:k]), re.I):  # "make her do warrior pose"
            target, owner = split_owner(" ".join(words[:k]))
            return pose_edits(" ".join(words[k:]), target, text, owner)
        if verb.endswith("ing") or not (ing_form(verb) or verb in EXPRESSION_VERBS) or \
                verb in ("be", "look") and \
                k + 1 < len(words) and not re.fullmatch(r"up|down|away|back|around|at|out|"
                                                        r"left|right", words[k + 1], re.I):
            continue
        obj = " ".join(words[:k])
        if not re.fullmatch(r"(?:it|him|her|them|(?:the|this|that|these|those|his|her|its|"
                            r"their|both|all)\s+.+|\w+)", obj, re.I) or obj.lower() in (
                "the", "this", "that", "these", "those", "his", "her", "its", "their", "a",
                "an", "some") or re.search(r"\b(?:with|and|in|on|at|of)\b", obj, re.I):
            return []  # "make the water murky": "water" is the thing, not a verb
        target, owner = split_owner(obj)
        return pose_edits(" ".join(words[k:]), target, text, owner)
    return []


def _unknown_verb_edits(rest: str, text: str) -> list[Edit]:
    """"make her do a pirouette", "have the chef toss vegetables": after a pronoun or "the
    <noun>", a word that is no determiner, adjective, number or vocabulary word is a verb
    (one the verb list does not know): the action becomes its -ing form."""
    m = re.fullmatch(r"(him|her|them|it|(?:the|both|all)\s+[\w'-]+)\s+([a-z]+)\b(.*)",
                     rest, re.I)
    if m is None or not looks_like_verb(m.group(2)):
        m = re.fullmatch(r"((?:the|both|all)\s+[\w'-]+\s+[\w'-]+)\s+([a-z]+)\b(.*)", rest,
                         re.I)
    if m is None or not looks_like_verb(m.group(2)) or not looks_like_verb(
            m.group(1).split()[-1]) and len(m.group(1).split()) > 2:
        return []
    target, owner = split_owner(m.group(1))
    value = (ing_word(m.group(2)) + m.group(3)).strip()
    return [Edit("pose", target=target, value=value, owner=owner, lang="en", text=text)]
