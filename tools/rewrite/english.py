"""Applying edits to an English prompt, token by token, keeping what is not changed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.rewrite.english_words import (
    BOUNDARY,
    CONNECT,
    DETS,
    FRAME,
    ING_COMPOUND_HEADS,
    ING_NOUNS,
    KEEP_ADJECTIVES,
    LOC_PREP,
    LOOK_VERBS,
    MEASURE,
    MODIFIER_ORDER,
    NOT_OBJECTS,
    POSE_PARTICIPLES,
    PREP,
    QUALITY_WORDS,
    SHADES,
    SUPPORTS,
    TOKEN,
)
from tools.rewrite.vocab import (
    MODIFIER_CATS,
    Hit,
    classify,
    find_en,
    is_living,
    same_kind,
)
from tools.text import is_plural, pluralize, singularize, stem
from tools.translate import EN_NUMBERS, WORD_NUMBERS, fix_articles

# ====================================================================== English editing

def _frame_len(text: str) -> int:
    """How many tokens a leading "a photo of" / "an oil painting of" frame takes."""
    m = FRAME.match(text)
    return len(TOKEN.findall(m.group(0))) if m else 0


@dataclass
class _Tok:
    text: str
    pre: str = " "

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def word(self) -> bool:
        return self.text[:1].isalnum()


class EnPrompt:
    """An English prompt as tokens that keep their spacing, with a trace of what changed."""

    def __init__(self, text: str) -> None:
        self.toks: list[_Tok] = []
        last = 0
        for m in TOKEN.finditer(text):
            self.toks.append(_Tok(m.group(0), text[last:m.start()]))
            last = m.end()
        self.removed: list[str] = []
        self.added: list[str] = []
        self.notes: list[str] = []

    # ---- rendering
    def render(self) -> str:
        s = "".join(t.pre + t.text for t in self.toks).strip()
        s = re.sub(r"\s+", " ", s)
        s = re.sub(r"\s+([,.;:!?)])", r"\1", s)
        s = re.sub(r"\(\s+", "(", s)
        s = re.sub(r"(?:\s*,\s*)+,", ",", s)
        s = re.sub(r"([,;])(?=[^\s\d])", r"\1 ", s)
        s = re.sub(r"^[\s,;.]+|[\s,;]+$", "", s)
        s = re.sub(r"\b(and|with|or)\s*,", ",", s)
        s = re.sub(r",\s*(and|with|or)\b(?=\s*(?:,|$))", "", s)
        s = re.sub(r"\b(and|with|of)\s*$", "", s).strip(" ,")
        s = re.sub(r"^(?:and|with)\s+", "", s)
        s = re.sub(r"\b(a|an|the)\s+(?=,|$)", "", s)
        return fix_articles(s).strip(" ,")

    # ---- helpers
    def _seg_bounds(self, i: int) -> tuple[int, int]:
        a = i
        while a > 0 and self.toks[a - 1].text not in (",", ";", "."):
            a -= 1
        b = i
        while b < len(self.toks) and self.toks[b].text not in (",", ";", "."):
            b += 1
        return a, b

    def _delete(self, a: int, b: int) -> None:
        """Delete tokens ``a..b-1`` (recording them)."""
        if a >= b:
            return
        self.removed.append(" ".join(t.text for t in self.toks[a:b]))
        pre = self.toks[a].pre
        del self.toks[a:b]
        if a < len(self.toks) and self.toks[a].word:
            self.toks[a].pre = pre if pre else " "

    def _insert(self, i: int, text: str, record: bool = True) -> None:
        new = EnPrompt(text).toks
        if not new:
            return
        if record:
            self.added.append(text)
        new[0].pre = " " if i > 0 else ""
        if i < len(self.toks) and self.toks[i].pre == "" and self.toks[i].word:
            self.toks[i].pre = " "
        self.toks[i:i] = new

    def append_segment(self, text: str) -> None:
        self._insert(len(self.toks), ",", record=False)
        self.toks[-1].pre = ""
        self._insert(len(self.toks), text)

    def _is_ing(self, i: int) -> bool:
        w = self.toks[i].low
        if not w.endswith("ing") or len(w) <= 4 or w in ING_NOUNS:
            return False
        nxt = self.toks[i + 1].low if i + 1 < len(self.toks) else ""
        return stem(nxt) not in ING_COMPOUND_HEADS  # "a living room", "a swimming pool"

    def _frame_end(self) -> int:
        return _frame_len(" ".join(t.text for t in self.toks))

    # ---- noun phrases
    def subject(self) -> tuple[int, int] | None:
        """Token span [start, end) of the main subject's noun phrase (head = end - 1).

        The first comma segment that is not just quality tags ("masterpiece, best quality,
        a fox in the snow" -> "a fox"), after a frame such as "a photo of".
        """
        n = len(self.toks)
        i = 0
        while i < n:
            a, b = self._seg_bounds(i)
            words = [t.low for t in self.toks[a:b] if t.word]
            if words and not all(w in QUALITY_WORDS or re.fullmatch(r"[\d.:]+k?", w)
                                 for w in words):
                i = a
                break
            i = b + 1
        else:
            return None
        if i == 0:
            i = self._frame_end()
        else:
            i += _frame_len(" ".join(t.text for t in self.toks[i:self._seg_bounds(i)[1]]))
        while i < n and not self.toks[i].word:
            i += 1
        start = i
        content = False
        while i < n:
            t = self.toks[i]
            if not t.word:
                break
            low = t.low
            if low == "of":
                if i > start and self.toks[i - 1].low in MEASURE:
                    i += 1
                    continue
                if content:
                    break
            if content and (low in BOUNDARY or self._is_ing(i)):
                break
            if low in BOUNDARY and not content and low not in DETS:
                break
            if low not in DETS:
                content = True
            i += 1
        if not content and i > start and self.toks[i - 1].low in ("couple", "pair"):
            content = True  # "a couple standing on a bridge"
        if not content:
            return None
        return start, i

    def find(self, target: str) -> tuple[int, int] | None:
        """Noun phrase [start, end) containing ``target`` (matched by stems), or None."""
        words = [stem(w) for w in re.findall(r"[A-Za-z0-9][\w'-]*", target.lower())
                 if w not in DETS]
        if not words:
            return None
        n = len(self.toks)
        stems = [stem(t.low) if t.word else "" for t in self.toks]
        hit = None
        for i in range(n - len(words) + 1):
            if stems[i:i + len(words)] == words:
                hit = (i, i + len(words))
                break
        if hit is None:  # the head word alone ("the red car" -> "car")
            for i in range(n):
                if stems[i] == words[-1]:
                    hit = (i, i + 1)
                    break
        if hit is None:  # another word for it ("the puppy" -> "golden retriever")
            for group in same_kind(words[-1]):
                hit = next(((i, i + 1) for i in range(n) if stems[i] and (
                    stems[i] in group or self.toks[i].low in group)), None)
                if hit:
                    break
        if hit is None:
            return None
        a, b = hit
        # right: "cup of coffee", "mug of hot chocolate"
        if self.toks[b - 1].low in MEASURE and b + 1 < n and self.toks[b].low == "of":
            b = max(b + 2, self._np_end(b + 1, n))
        # left: modifiers and determiners up to a boundary
        while a > 0:
            t = self.toks[a - 1]
            if not t.word or t.low in BOUNDARY or self._is_ing(a - 1):
                break
            a -= 1
        return a, b

    def _head(self, span: tuple[int, int]) -> int:
        a, b = span
        head = b - 1
        # "cup of coffee": the head that takes colours is the measure noun
        for k in range(a, b):
            if self.toks[k].low == "of" and k > a and self.toks[k - 1].low in MEASURE:
                return k - 1
        return head

    # ---- operations
    def remove(self, target: str) -> bool:
        span = self.find(target)
        if span is None:
            return False
        a, b = span
        seg_a, seg_b = self._seg_bounds(a)
        if a > seg_a:
            left = self.toks[a - 1].low
            if left in CONNECT or left in PREP or self._is_ing(a - 1):
                a -= 1
                before = [t.low for t in self.toks[max(seg_a, a - 2):a]]
                if left == "to" and before[-1:] in (["next"], ["close"]):
                    a -= 1  # "next to a window"
                elif left == "of" and before == ["in", "front"]:
                    a -= 2  # "in front of a house"
        else:
            b = self._dependents_end(a, b, seg_b)
            if [t.low for t in self.toks[b:b + 3]] == ["in", "the", "background"]:
                b += 3
            if b < seg_b and self.toks[b].low in ("and", "with", "or"):
                b += 1
            elif b < seg_b and self.toks[b].low in PREP | {"next", "close"}:
                # "a man next to a woman" without the man: "a woman"
                k = b
                while k < seg_b and self.toks[k].low in PREP | {"next", "close", "front"}:
                    k += 1
                if k < seg_b and self.toks[k].low in DETS:
                    b = k
        if a == seg_a and b == seg_b and seg_a > 0:
            a -= 1  # the comma before a segment that disappears
        elif a == seg_a and b == seg_b and seg_b < len(self.toks):
            b += 1
        self._delete(a, b)
        return True

    def _np_end(self, i: int, stop: int) -> int:
        """Where the noun phrase starting at token ``i`` ends (before ``stop``)."""
        k = i
        while k < stop and self.toks[k].word and (self.toks[k].low not in BOUNDARY
                                                  or self.toks[k].low in DETS):
            if k > i and self._is_ing(k):
                break
            k += 1
        if k < stop and self.toks[k].low == "of" and self.toks[k - 1].low in MEASURE:
            return self._np_end(k + 1, stop)
        return k

    def _dependents_end(self, a: int, b: int, stop: int) -> int:
        """The end of what hangs on the noun phrase [a, b): "wearing a hat", "with a
        beard", "standing", "reading a book" (for a living thing), so it goes with it."""
        if not is_living(" ".join(t.low for t in self.toks[a:b])):
            return b
        while b < stop:
            low = self.toks[b].low
            if low in ("wearing", "holding", "carrying", "with", "in", "dressed") and \
                    b + 1 < stop:
                end = self._np_end(b + 1 + (low == "dressed"), stop)
                phrase = " ".join(t.low for t in self.toks[b + 1:end])
                if low == "in" and not find_en(phrase, ("wear",)):
                    break
                b = end
                continue
            if self._is_ing(b) and low not in ("looking",):
                b += 1
                while b < stop and self.toks[b].low in ("down", "up", "around", "together"):
                    b += 1
                if b < stop and self.toks[b].low in DETS:
                    b = self._np_end(b, stop)
                continue
            break
        return b

    def strip_vocab(self, cats: tuple[str, ...], key: str | None = None) -> list[str]:
        """Remove the prompt's words of these vocabulary categories ("at night", "rainy")."""
        text = "".join(t.pre + t.text for t in self.toks)
        hits = [h for h in find_en(text, cats, strong=True) if key is None or h.entry.key == key]
        hits += self._weak_style_hits(text, cats, key)
        if not hits:
            return []
        removed = []
        spans = []
        for h in sorted(hits, key=lambda h: h.start):
            a, b = h.start, h.end
            before = text[:a]
            m = re.search(r"(?:\b(?:at|in|during|on|under|with|by|through)\s+"
                          r"(?:the\s+|a\s+|an\s+)?)$", before, re.I)
            if m and h.entry.category != "color":
                a = m.start()
            after = text[b:]
            m2 = re.match(r"\s*(?:style|styled|painting|art|aesthetic|scene|shot|view|lighting|"
                          r"light|time|weather|effect|render|rendering|illustration|drawing|"
                          r"photo|photograph|print|icon)\b", after, re.I)
            if m2 and h.entry.category in ("style", "time", "camera", "weather"):
                b += m2.end()
            spans.append((a, b))
            removed.append(text[a:b].strip())
        for a, b in reversed(spans):
            text = text[:a] + " " + text[b:]
        # "an oil painting of a cat" lost its style words: drop the frame too
        text = re.sub(r"^\s*(?:a|an|the)?\s*(?:photo|photograph|painting|drawing|sketch|"
                      r"illustration|render|artwork)\s+of\s+", "", text, flags=re.I)
        text = re.sub(r"(?:^|,)\s*(?:a|an)\s*(?=,|$)", ",", text)
        text = re.sub(r"^\s*(?:a|an|the)\s+of\s+", "", text, flags=re.I)
        self.removed.extend(removed)
        self.reload(text)
        return removed

    def reload(self, text: str) -> None:
        """Re-tokenise after a text-level edit, keeping the trace."""
        self.toks = EnPrompt(text).toks

    def _weak_style_hits(self, text: str, cats: tuple[str, ...], key: str | None
                         ) -> list[Hit]:
        """Weak style words only count when they read as a style: "vintage style",
        "a photo of", "realistic painting" (never "a vintage car")."""
        if "style" not in cats:
            return []
        out = []
        strong = {(h.start, h.end) for h in find_en(text, ("style",), strong=True)}
        for h in find_en(text, ("style",), strong=False):
            if (h.start, h.end) in strong or (key and h.entry.key != key):
                continue
            after = text[h.end:]
            before = text[:h.start]
            if (re.match(r"\s*(?:style|styled|art|painting|illustration|drawing|render|"
                         r"rendering|aesthetic|look|photo|photograph|photography|image|"
                         r"shot)\b", after, re.I)
                    or re.match(r"\s*of\b", after, re.I) and re.search(r"^\s*(?:a|an|the)?\s*$",
                                                                      before, re.I)
                    or re.search(r"(?:^|,)\s*$", before) and re.match(r"\s*(?:,|$)", after)):
                out.append(h)
        return out

    def set_modifier(self, span: tuple[int, int], value: str, cat: str,
                     noun: str | None = None) -> None:
        """Give the noun phrase ``span`` the modifier ``value`` of category ``cat`` (colour,
        material, size, shape, age, expression, state), dropping its old one."""
        a, b = span
        while a > 0 and self.toks[a - 1].word and find_en(self.toks[a - 1].low, (cat,)):
            a -= 1  # "a smiling man", "a full glass": modifiers the noun phrase stops at
        head = self._head((a, b))
        k = a
        while k < head:
            piece = " ".join(t.low for t in self.toks[k:head])
            hit = [h for h in find_en(piece, (cat,)) if h.start == 0]
            if hit:
                n_words = len(TOKEN.findall(hit[0].text))
                if cat == "color" and k > a and self.toks[k - 1].low in SHADES:
                    k -= 1
                    n_words += 1
                self._delete(k, k + n_words)
                head -= n_words
                b -= n_words
                continue
            if cat == "color" and re.fullmatch(r"[a-z]+-colou?red", self.toks[k].low):
                self._delete(k, k + 1)
                head -= 1
                b -= 1
                continue
            k += 1
        # after the noun: "a woman smiling", "a table made of wood", "a dress in red"
        after = " ".join(t.low for t in self.toks[b:b + 4])
        m = re.match(r"(?:made (?:out )?of|made from)\s+", after) if cat == "material" else None
        if m or (cat == "color" and re.match(r"in\s+", after)):
            rest = after[m.end():] if m else after[3:]
            hits = [h for h in find_en(rest, (cat,)) if h.start == 0]
            if hits:
                self._delete(b, b + len(TOKEN.findall((m.group(0) if m else "in ")
                                                       + hits[0].text)))
        elif b < len(self.toks) and self.toks[b].word:
            after = " ".join(t.low for t in self.toks[b:b + 3])
            hits = [h for h in find_en(after, (cat,)) if h.start == 0]
            if hits:  # "the front door closed", "a man smiling", "a lamp turned on"
                self._delete(b, b + len(TOKEN.findall(hits[0].text)))
        if cat == "material":  # "a golden crown" out of ice: gold was what it was made of
            k = a
            while k < head:
                hit = [h for h in find_en(self.toks[k].low, ("color",))
                       if h.entry.key in ("gold", "silver")]
                if hit:
                    self._delete(k, k + 1)
                    head -= 1
                    continue
                k += 1
        if cat == "age":  # "in his thirties"
            lo, hi = self._seg_bounds(a)
            for k in range(lo, hi - 2):
                if [t.low for t in self.toks[k:k + 1]] == ["in"] and re.fullmatch(
                        r"\w+(?:ties|teens)", self.toks[k + 2].low):
                    self._delete(k, k + 3)
                    break
        rank = MODIFIER_ORDER.get(cat, 5)
        at = head
        if noun:  # "the wedding dress": before "wedding", not between the two nouns
            words = [stem(w) for w in noun.lower().split()]
            k = head - len(words) + 1
            if k >= a and [stem(t.low) for t in self.toks[k:head + 1]] == words:
                at = k
                head = k
        for k in range(a, head):
            t = self.toks[k]
            if not t.word or t.low in DETS:
                continue
            cats = [h.entry.category for h in find_en(t.low, MODIFIER_CATS)]
            if cats and MODIFIER_ORDER.get(cats[0], 5) > rank:
                at = k
                break
        self._insert(at, value)

    def set_pose(self, span: tuple[int, int], phrase: str) -> None:
        """What the noun phrase ``span`` is doing becomes ``phrase`` ("sitting" ->
        "playing with each other"); a place after it ("on the grass") stays."""
        a, b = span
        while a > 0 and (self._is_ing(a - 1) or self.toks[a - 1].low in POSE_PARTICIPLES):
            a -= 1
        for k in range(b - 1, a - 1, -1):  # "a sleeping cat"
            if (self._is_ing(k) or self.toks[k].low in POSE_PARTICIPLES) and \
                    k < self._head((a, b)):
                self._delete(k, k + 1)
                b -= 1
        n = len(self.toks)
        k = b
        while k < n and self.toks[k].low in ("is", "are", "who", "that", "which"):
            k += 1
        k = self._attachments_end(k, self._seg_bounds(a)[1])  # "in a red dress standing"
        if k < n and (self._is_ing(k) or self.toks[k].low in POSE_PARTICIPLES) and \
                self.toks[k].low not in ("wearing",):
            end = k + 1
            if self.toks[k].low in LOOK_VERBS:  # "looking out of a window": all of it
                while end < n and self.toks[end].word and self.toks[end].low in PREP | {
                        "out", "up", "down", "away", "back"}:
                    end += 1
                if end < n and self.toks[end].word and self.toks[end].low in DETS | {
                        "his", "her", "its", "their"}:
                    end = self._np_end(end, n)
            while end < n and self.toks[end].low in ("down", "up", "around", "together",
                                                     "alone", "still", "happily", "quietly") \
                    and not (end + 1 < n and self.toks[end + 1].low in DETS):
                end += 1
            if end < n and (self.toks[end].low in DETS | {"his", "her", "its", "their"} or (
                    self.toks[end].word and self.toks[end].low not in BOUNDARY
                    and self.toks[end].low not in NOT_OBJECTS and not self._is_ing(end))):
                end = self._np_end(end, n)
            if end < n and self.toks[end].low == "with" and end + 1 < n and \
                    self.toks[end + 1].low in ("each", "one"):
                end = min(n, end + 3)
            self._delete(k, end)
            b = k
        self._insert(b, phrase)

    def _attachments_end(self, i: int, stop: int) -> int:
        """Past what a noun wears or has ("wearing a hat", "with a beard", "in a red
        dress"), from token ``i``."""
        while i < stop:
            low = self.toks[i].low
            if low in ("wearing", "with", "in", "dressed") and i + 1 < stop:
                end = self._np_end(i + 1 + (low == "dressed"), stop)
                phrase = " ".join(t.low for t in self.toks[i + 1:end])
                if low == "in" and not find_en(phrase, ("wear",)):
                    break
                if end == i + 1:
                    break
                i = end
                continue
            break
        return i

    def substitute(self, old: str, new: str, span: tuple[int, int] | None = None) -> bool:
        """Replace the words ``old`` with ``new`` (inside ``span``'s segment when given)."""
        words = [stem(w) for w in re.findall(r"[A-Za-z0-9][\w'-]*", old.lower())
                 if w not in DETS]
        if not words:
            return False
        stems = [stem(t.low) if t.word else "" for t in self.toks]
        lo, hi = self._seg_bounds(span[0]) if span else (0, len(self.toks))
        for first, last in ((lo, hi), (0, len(self.toks))):
            for i in range(first, last - len(words) + 1):
                if stems[i:i + len(words)] == words:
                    self._delete(i, i + len(words))
                    self._insert(i, new)
                    return True
        return False

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
        for t in self.toks[(a + 1 if np_det else a):head]:
            cats = {h.entry.category for h in find_en(t.low, MODIFIER_CATS)}
            if t.low in v_low or cats & v_cats:
                continue  # the new thing's own colour, size...
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
        tail = [t.text for t in self.toks[head + 1:b]]
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
            else:
                new = f"{thing} background"
            for x, y in reversed(named[1:]):
                self._delete(x, y)
            self._delete(a, b)
            self._insert(a, new)
            return
        if len(spans) > 1:  # "on a chair in a kitchen": the kitchen is the background
            scenes = [(x, y) for x, y in spans
                      if stem(self.toks[y - 1].low) not in SUPPORTS]
            spans = scenes or spans[-1:]
        if spans:
            first = spans[0][0]
            old = " ".join(t.low for t in self.toks[first:first + 3])
            if thing and re.match(r"against\b|in front of\b", old) and \
                    re.match(r"in\s", phrase):  # "against a white wall" -> "against a ..."
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

    def insert_after(self, span: tuple[int, int] | None, text: str) -> None:
        if span is None:
            at = self._seg_bounds(0)[1]
        else:
            at = span[1]
        self._insert(at, text)
