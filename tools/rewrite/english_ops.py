"""Noun-phrase operations of :class:`~tools.rewrite.english.EnPrompt` that rewrite whole
phrases: a colour, a count, a new thing in place of the old one, the place."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tools.rewrite.english_words import (
    AGE_NOUNS,
    BOUNDARY,
    DETS,
    KEEP_ADJECTIVES,
    LOC_PREP,
    PLACE_HEADS,
    SUPPORTS,
    TOKEN,
)
from tools.rewrite.vocab import MODIFIER_CATS, classify, find_en, is_living, same_kind
from tools.text import is_plural, pluralize, singularize, stem
from tools.translate import EN_NUMBERS, WORD_NUMBERS

if TYPE_CHECKING:
    from tools.rewrite.english import _Tok


class EnPhraseOps:
    """Mixin: needs ``toks``, ``removed``, ``added`` and the token helpers of EnPrompt."""

    toks: list[_Tok]
    removed: list[str]
    added: list[str]

    def colour(self, target: str | None, value: str) -> bool:
        span = self.find(target) if target else self.subject()
        if span is None:
            return False
        a, b = span
        head = self._head(span)
        k = a
        while k < head:
            low = self.toks[k].low
            piece = " ".join(t.low for t in self.toks[k:head])
            hit = [h for h in find_en(piece, ("color",)) if h.start == 0]
            if hit:
                n_words = len(TOKEN.findall(hit[0].text))
                if k > a and self.toks[k - 1].low in ("light", "dark", "pale", "bright", "deep",
                                                      "pastel", "neon", "vivid"):
                    k -= 1
                    n_words += 1
                self._delete(k, k + n_words)
                head -= n_words
                continue
            if re.fullmatch(r"[a-z]+-colou?red", low):
                self._delete(k, k + 1)
                head -= 1
                continue
            k += 1
        self._insert(head, value)
        return True

    def set_count(self, n: int, target: str | None, relative: bool = False) -> bool:
        span = self.find(target) if target else None
        if span is None:
            span = self.subject()
            if span is None:
                return False
            if target and not self.find(target):  # "three cats" when the prompt has a dog
                head = self._head(span)
                self._delete(head, head + 1)
                self._insert(head, singularize(target.split()[-1]))
                span = (span[0], span[1])
        a, b = span
        head = self._head(span)
        det = self.toks[a].low if a < head else ""
        current = WORD_NUMBERS.get(det, None) if det else None
        if det.isdigit():
            current = int(det)
        if relative:
            base = current if current is not None else (
                2 if is_plural(self.toks[head].text) else 1)
            n = base + n
        word = "a" if n == 1 else EN_NUMBERS.get(n, str(n))
        if n > 1:  # "a single red rose" -> "three red roses"
            for k in range(head - 1, a, -1):
                if self.toks[k].low in ("single", "lone", "solitary", "sole", "one", "only"):
                    self._delete(k, k + 1)
                    head -= 1
                    b -= 1
        noun = self.toks[head].text
        new_noun = pluralize(singularize(noun)) if n > 1 else singularize(noun)
        if new_noun != noun:
            self.removed.append(noun)
            self.added.append(new_noun)
            self.toks[head].text = new_noun
        if det in DETS or det.isdigit():
            if det != word:
                self.removed.append(self.toks[a].text)
                self.toks[a].text = word
                self.added.append(word)
        else:
            self._insert(a, word)
        return True

    def restate(self, phrase: str) -> bool:
        """"blue sky with a few clouds" said to "…, overcast sky, …": the prompt's own phrase
        of that head noun ("overcast sky") becomes the user's words; False if the head is not
        in the prompt, or is its main subject (a new subject is a new picture's business)."""
        m = re.match(r"(?:(?:a|an|the|some)\s+)?([a-z][\w-]*(?:\s+[a-z][\w-]*){0,3}?)"
                     r"(?:\s+(?:with|in|on|and|at|under|over|full of)\b.*)?$", phrase.strip(),
                     re.I)
        if not m:
            return False
        head = m.group(1).split()[-1]
        span = self.find(head)
        if span is None or span == self.subject() or len(head) < 3:
            return False
        a, b = span
        self.removed.append(" ".join(t.text for t in self.toks[a:b]))
        self._delete(a, b)
        self._insert(a, phrase.strip())
        return True

    def replace_np(self, target: str | None, value: str) -> bool:
        span = self.find(target) if target else self.subject()
        if span is None:
            return False
        a, b = span
        head = b - 1  # the noun itself, also in "a cup of coffee"
        measure = self._head(span)
        if measure != head and target and stem(target.split()[-1]) == stem(
                self.toks[measure].low):  # "the mug" in "a ceramic mug of hot chocolate"
            head = measure
        value_words = TOKEN.findall(value.strip())
        v_det = value_words[0].lower() if value_words and value_words[0].lower() in DETS else None
        v_body = value_words[1:] if v_det else value_words
        if not v_body:
            return False
        v_low = {w.lower() for w in v_body}
        v_cats = {h.entry.category for h in find_en(" ".join(v_body), MODIFIER_CATS)}
        np_det = self.toks[a].low if self.toks[a].low in DETS else None
        same_head = stem(v_body[-1].lower()) == stem(self.toks[head].low)
        mods = []
        # "an arctic fox", "a polar bear": a kind named by its own word, with its own colours
        kind_named = len(v_body) >= 2 and not find_en(" ".join(v_body[:-1]), MODIFIER_CATS) \
            and v_body[-2].lower() not in KEEP_ADJECTIVES and not v_body[-2].lower().endswith(
                ("ing", "ed")) and any(map(is_living, {v_body[-1].lower()} | {
                    w for g in same_kind(v_body[-1].lower()) for w in g}))
        for t in self.toks[(a + 1 if np_det else a):head]:
            cats = {h.entry.category for h in find_en(t.low, MODIFIER_CATS)}
            if t.low in v_low or cats & v_cats or (kind_named and "color" in cats):
                continue  # the new thing's own colour, size...
            if ("age" in v_cats or stem(v_body[-1].lower()) in AGE_NOUNS) and (
                    "age" in cats or t.low in ("little", "baby")):
                continue  # "a little girl" -> "an old lady": the age goes with the person
            if same_head or (cats - {"material"}) or t.low in KEEP_ADJECTIVES:
                mods.append(t.text)  # "a red car" -> "a red motorcycle"
            # else a part of the old name ("a pickup truck", "a straw hat"): it goes
        # keep the count of "three cats" when the user says "a dog"
        n_np = WORD_NUMBERS.get(np_det or "", None)
        if np_det and np_det.isdigit():
            n_np = int(np_det)
        body = list(v_body)
        det = v_det or np_det
        if n_np and n_np > 1 and v_det in ("a", "an", None):
            det = np_det
            body[-1] = pluralize(singularize(body[-1]))
        elif v_det in ("a", "an") and is_plural(body[-1]) and body[-1].lower() not in (
                "glasses", "sunglasses"):
            det = None
        if " of " in value and b + 1 < len(self.toks) and self.toks[b].low == "of":
            b = self._np_end(b + 1, len(self.toks))  # "a vase of flowers" -> "a bowl of fruit"
        tail = [t.text for t in self.toks[head + 1:b]]
        if " of " in value and tail[:1] == ["of"]:
            tail = []
        new = " ".join(([det] if det else []) + mods + body + tail)
        self._delete(a, b)
        self._insert(a, new)
        return True

    def setting_spans(self) -> list[tuple[int, int]]:
        """Token spans of the prompt's place phrases ("on a sofa", "in a park", "X background")."""
        spans = []
        subj = self.subject()
        n = len(self.toks)
        i = 0
        while i < n:
            t = self.toks[i]
            if t.low == "background" or t.low == "backdrop":
                a, b = self._seg_bounds(i)
                if b - a <= 8:
                    spans.append((a, b))
                    i = b
                    continue
            if t.low in LOC_PREP and not (subj and subj[0] <= i < subj[1]):
                j = i + 1
                if t.low == "in" and j + 1 < n and self.toks[j].low == "front" and \
                        self.toks[j + 1].low == "of":
                    j += 2
                k = j
                while k < n and self.toks[k].word and self.toks[k].low not in BOUNDARY \
                        and not self._is_ing(k):
                    k += 1
                if k > j:
                    phrase = " ".join(x.low for x in self.toks[j:k])
                    if ((not find_en(phrase, ("time", "weather", "season", "style", "camera",
                                              "wear"), strong=True)
                         and not classify(phrase, ("color",)))
                            or find_en(phrase, ("place",))):
                        head = self.toks[k - 1].low
                        if not find_en(head, ("wear", "hold")) and head not in ("style",):
                            start = i
                            if head in ("background", "backdrop"):  # "with hills in the bg"
                                w = i - 1
                                while w >= 0 and self.toks[w].word and \
                                        self.toks[w].low not in BOUNDARY:
                                    w -= 1
                                if w >= 0 and self.toks[w].low == "with" and w < i - 1:
                                    start = w
                            spans.append((start, k))
                            i = k
                            continue
            i += 1
        return spans

    def bare_place_segments(self) -> list[tuple[int, int]]:
        """Comma segments after the first that only name where the picture is (", football
        field,", ", conference room,", ", rainy city view outside"): the old setting."""
        out = []
        for i, t in enumerate(self.toks):
            if t.text != "," or i + 1 >= len(self.toks):
                continue
            a, b = self._seg_bounds(i + 1)
            words = [x.low for x in self.toks[a:b] if x.word and x.low not in DETS]
            if not words or len(words) > 5 or any(self._is_ing(k) for k in range(a, b)):
                continue
            text = " ".join(words)
            if find_en(text, ("style", "camera")) or find_en(text, ("time", "season"),
                                                               strong=True):
                continue
            places = [h for h in find_en(text, ("place",)) if stem(h.text.split()[-1])
                      not in SUPPORTS]
            if places or any(stem(w) in PLACE_HEADS or w in PLACE_HEADS for w in words[-2:]):
                out.append((a, b))
        return out

    def _place_segments(self, after: int) -> list[tuple[int, int]]:
        """Comma segments after ``after`` that only name a place (", paris,", ", london"):
        they belong to the old setting."""
        out = []
        i = after
        while i < len(self.toks):
            if self.toks[i].text == ",":
                a, b = self._seg_bounds(i + 1) if i + 1 < len(self.toks) else (i, i)
                words = " ".join(t.low for t in self.toks[a:b] if t.low not in DETS)
                words = re.sub(r"\s+(?:in (?:the )?(?:distance|background)|behind|far away|"
                               r"in (?:the )?back|towering\s+\w+|looming\s+\w+)$", "", words)
                hits = find_en(words, ("place",)) if words else []
                if hits and hits[0].start == 0 and hits[0].end == len(words) and \
                        any(c.isupper() for c in hits[0].entry.en_phrase):
                    out.append((a, b))
                i = max(b, i + 1)
                continue
            i += 1
        return out

    def set_background(self, phrase: str, thing: str = "") -> None:
        """The place becomes ``phrase`` ("on a beach"); a prompt that names its background
        ("with trees in the background") keeps its other places and gets ``thing`` there."""
        spans = self.setting_spans()
        named = [(a, b) for a, b in spans if any(
            t.low in ("background", "backdrop", "backgrounds") for t in self.toks[a:b])]
        if named and thing:
            a, b = named[0]
            words = [t.low for t in self.toks[a:b]]
            if words[0] == "with":
                new = f"with {thing} in the background"
            elif "in the background" in " ".join(words):
                new = f"{thing} in the background"
                start = self._seg_bounds(a)[0]
                if words[:3] == ["in", "the", "background"] and 0 < start < a and not any(
                        self._is_ing(k) for k in range(start, a)):
                    a = start  # ", library in the background": the library goes too
            else:
                new = f"{thing} background"
            for x, y in reversed(named[1:]):
                self._delete(x, y)
            self._delete(a, b)
            self._insert(a, new)
            return
        head = stem(thing.split()[-1]) if thing.split() else ""
        if head in SUPPORTS:  # "put it on a green rug": the rug takes the blanket's place
            seats = [(x, y) for x, y in spans if stem(self.toks[y - 1].low) in SUPPORTS]
            if seats:
                a, b = seats[0]
                self._delete(a, b)
                self._insert(a, phrase)
                return
        bare = [] if named else self.bare_place_segments()
        for a, b in reversed(bare):  # ", conference room": the old setting goes
            self._delete(a - 1 if a > 0 and self.toks[a - 1].text == "," else a, b)
        if bare:
            spans = self.setting_spans()
            if spans and all(stem(self.toks[y - 1].low) in SUPPORTS for _, y in spans):
                self._insert(spans[-1][1], phrase)  # "on a windowsill" stays, now in a forest
                return
        if len(spans) > 1:  # "on a chair in a kitchen": the kitchen is the background
            scenes = [(x, y) for x, y in spans
                      if stem(self.toks[y - 1].low) not in SUPPORTS]
            spans = scenes or spans[-1:]
        if spans:
            segs = self._place_segments(spans[0][0])
            spans = sorted({(a, b) for a, b in spans if not any(
                x <= a and b <= y for x, y in segs)} | set(segs))
            first = spans[0][0]
            old = " ".join(t.low for t in self.toks[first:first + 3])
            thing = re.sub(r"^front of\s+", "", thing)
            known = [h.entry for h in find_en(thing, ("place",)) if h.start <= 4]
            if thing and re.match(r"against\b|in front of\b", old) and \
                    re.match(r"in\s", phrase) and not (known and not re.match(
                        r"against|in front of", known[0].en_phrase)):
                # "against a white wall" -> "against a ..."; "in front of Big Ben" -> "in Tokyo"
                phrase = ("against " if old.startswith("against") else "in front of ") + thing
            for a, b in reversed(spans):
                if a > 0 and self.toks[a - 1].text == "," and (b >= len(self.toks) or
                                                               self.toks[b].text == ","):
                    a -= 1
                self._delete(a, b)
                first = min(first, a)
            self._insert(min(first, len(self.toks)), phrase)
            return
        subj = self.subject()
        at = self._seg_bounds(subj[0] if subj else 0)[1]
        self._insert(at, phrase)
