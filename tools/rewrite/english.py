"""Applying edits to an English prompt, token by token, keeping what is not changed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.rewrite.english_ops import EnPhraseOps
from tools.rewrite.english_remove import EnRemoveOps
from tools.rewrite.english_words import (
    APPARATUS,
    BOUNDARY,
    COMPOUND_HEADS,
    DETS,
    FRAME,
    ING_COMPOUND_HEADS,
    ING_NOUNS,
    LOOK_VERBS,
    MEASURE,
    MODIFIER_ORDER,
    NOT_OBJECTS,
    POSE_PARTICIPLES,
    PREP,
    QUALITY_WORDS,
    SHADES,
    TOKEN,
)
from tools.rewrite.vocab import (
    MODIFIER_CATS,
    Hit,
    find_en,
    is_living,
    same_kind,
)
from tools.text import stem
from tools.translate import fix_articles

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



class EnPrompt(EnPhraseOps, EnRemoveOps):
    """An English prompt as tokens that keep their spacing, with a trace of what changed."""

    def __init__(self, text: str) -> None:
        self.toks: list[_Tok] = []
        self.styled = False  # a style was set by this request (a second one adds)
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

    def _is_participle(self, i: int) -> bool:
        """"parked" in "a car parked on a street": a verb after the noun, followed by a
        place or the end of the segment, not an adjective before one ("a curved sword")."""
        w = self.toks[i].low
        if not (w.endswith("ed") and len(w) > 4) and w not in POSE_PARTICIPLES:
            return False
        nxt = self.toks[i + 1].low if i + 1 < len(self.toks) else ","
        return nxt in PREP or nxt in BOUNDARY or not self.toks[i + 1].word if \
            i + 1 < len(self.toks) else True

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
            if content and (low in BOUNDARY or self._is_ing(i) or self._is_participle(i)):
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
        if hit is None and len(words[-1]) >= 4:  # "the shelf" in "a bookshelf"
            hit = next(((i, i + 1) for i in range(n) if stems[i].endswith(words[-1])
                        and len(stems[i]) > len(words[-1]) + 2), None)
        if hit is not None and len(words) == 1 and hit[1] < n and self._plain_noun(hit[1]) \
                and self.toks[hit[1]].low not in COMPOUND_HEADS and self.toks[hit[1]].pre == " ":
            # "dog" in "a golden retriever at a dog show" names the show, not the dog
            hit = self._same_kind_hit(words, stems, skip=hit[0]) or hit
        if hit is None:  # another word for it ("the puppy" -> "golden retriever")
            hit = self._same_kind_hit(words, stems)
        if hit is None:
            return None
        a, b = self._grow(hit, len(words))
        if target.lower().split()[-1:] == ["one"] and b < n and self.toks[b].low == "one":
            b += 1  # "the ginger one": the one that is ginger, all of it
        return a, b

    def _same_kind_hit(self, words: list[str], stems: list[str], skip: int = -1
                       ) -> tuple[int, int] | None:
        """Where another word for ``words[-1]`` stands ("the puppy" -> "golden retriever")."""
        n = len(self.toks)
        for group in same_kind(words[-1]):
            hit = next(((i, i + 1) for i in range(n) if i != skip and stems[i] and (
                stems[i] in group or self.toks[i].low in group)), None)
            if hit:  # "a tabby kitten", "a retriever puppy": one name in several words
                while hit[1] < n and (stems[hit[1]] in group or self.toks[hit[1]].low in
                                      group) and len(words) == 1:
                    hit = (hit[0], hit[1] + 1)
                return hit
        return None

    def _grow(self, hit: tuple[int, int], nwords: int) -> tuple[int, int]:
        """The whole noun phrase around the words found."""
        n = len(self.toks)
        a, b = hit
        # right: the rest of a compound noun ("the teddy" in "a teddy bear sitting")
        while b < n and self.toks[b].word and self.toks[b - 1].word and nwords == 1 \
                and self.toks[b].low in COMPOUND_HEADS:
            b += 1
        # right: "cup of coffee", "mug of hot chocolate"
        if self.toks[b - 1].low in MEASURE and b + 1 < n and self.toks[b].low == "of":
            b = max(b + 2, self._np_end(b + 1, n))
        # left: modifiers and determiners up to a boundary
        while a > 0:
            t = self.toks[a - 1]
            front = t.low in ("front", "back", "side") and self.toks[a].low not in ("of", "to")
            if not t.word or (t.low in BOUNDARY and not front) or self._is_ing(a - 1):
                break  # "front" of "in front of" ends it; "a red front door" goes on
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
            if h.entry.category == "weather":  # "deep snow", "heavy rain": the whole of it
                deep = re.search(r"\b(?:deep|heavy|light|thick|fresh|falling|pouring|driving|"
                                 r"gentle|soft|fine)\s+$", text[:a], re.I)
                a = deep.start() if deep else a
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
        while a > 0:  # "a smiling man", "a fresh, crisp apple": modifiers the phrase stops at
            if self.toks[a - 1].word and find_en(self.toks[a - 1].low, (cat,)):
                a -= 1
            elif (a > 1 and self.toks[a - 1].text == "," and self.toks[a - 2].word
                  and find_en(self.toks[a - 2].low, (cat,))):
                a -= 1
            else:
                break
        head = self._head((a, b))
        k = a
        old_at = None  # where the old value was: the new one goes there ("a red sports car")
        while k < head:
            piece = " ".join(t.low for t in self.toks[k:head])
            hit = [h for h in find_en(piece, (cat,)) if h.start == 0]
            if hit:
                n_words = len(TOKEN.findall(hit[0].text))
                if cat == "color" and k > a and self.toks[k - 1].low in SHADES:
                    k -= 1
                    n_words += 1
                old_at = k if old_at is None else old_at
                if k + n_words < head and self.toks[k + n_words].text == ",":
                    n_words += 1  # "a fresh, crisp apple": the comma goes with the old value
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
        if cat in ("state", "expression"):
            self._drop_after(b, cat)
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
        if old_at is not None and old_at < head:
            self._insert(old_at, value)
            return
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
        if at == head:  # "a fire truck", "a coffee cup": before the compound
            while at > a and self._plain_noun(at - 1):
                at -= 1
        self._insert(at, value)

    def _plain_noun(self, k: int) -> bool:
        """Token ``k`` may be the first half of a compound noun ("fire" in "fire truck"):
        a word that is no determiner, number, possessive or known modifier."""
        t = self.toks[k]
        return (t.word and t.low not in DETS and t.low not in BOUNDARY and "'" not in t.low
                and not t.low.isdigit() and not t.low.endswith(("ed", "ing", "ful", "ous"))
                and not find_en(t.low, (*MODIFIER_CATS, "color", "style", "time", "weather")))

    def _drop_after(self, b: int, cat: str) -> None:
        """The old state or expression further on ("a door slightly open", "full to the
        brim", "with a serious expression", ", serious expression,"): the new one replaces it."""
        text = "".join(t.pre + t.text for t in self.toks[b:])
        seg_end = text.find(",") if cat == "state" else len(text)
        if seg_end >= 0 and cat == "state":  # "a glass of water, full to the brim, ..."
            nxt = text[seg_end + 1:].split(",")[0]
            if any(h.start == len(nxt) - len(nxt.lstrip()) for h in find_en(nxt, (cat,), True)):
                seg_end += 1 + len(nxt)
        region = text[:seg_end if seg_end >= 0 else len(text)]
        tail = text[len(region):]
        hits = find_en(region, (cat,), strong=True)
        if not hits:
            return
        spans = []
        for h in hits:
            a, z = h.start, h.end
            pre = re.search(r"(?:\b(?:with\s+(?:a|an)\s+|a\s+|an\s+))?(?:\b(?:slightly|half|"
                            r"partly|partially|very|wide|fully|completely)\s+)?$", region[:a], re.I)
            a = pre.start() if pre else a
            post = re.match(r"\s+(?:expression|face|look|smile|to the brim|to the top)\b",
                            region[z:], re.I)
            if cat == "expression" and not post and "," in region[:a]:
                continue  # another one's smile, in another part of the prompt
            if cat == "state" and re.search(r"\b(?:in|on|at|under|near|inside|by|beside|behind|"
                                            r"over|into|onto)\s+(?:a|an|the)\b",
                                            region[:a].rsplit(",", 1)[-1], re.I):
                continue  # "a candle in a dark room": the room's, not the candle's
            z += post.end() if post else 0
            spans.append((a, z))
        for a, z in reversed(spans):
            region = region[:a] + region[z:]
        self.removed.extend(text[a:z].strip() for a, z in spans)
        head = "".join(t.pre + t.text for t in self.toks[:b])
        self.reload(head + region + tail)

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
            pair = " ".join(t.low for t in self.toks[end:end + 3])
            if pair in ("side by side", "back to back", "hand in hand", "face to face",
                        "arm in arm", "cheek to cheek", "shoulder to shoulder"):
                end += 3  # "standing side by side": all of how they stand
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
            posture = re.match(r"(?:sitting|standing|lying|kneeling|crouching)\b", phrase)
            tool = end
            was_pose = re.match(r"(?:sitting|standing|lying|kneeling|crouching)\b",
                                self.toks[k].low)  # "standing on a trampoline": it stays
            if tool < n and self.toks[tool].low in ("on", "onto") and not was_pose and (
                    not posture or tool + 2 < n and self.toks[tool + 2].low in (
                        "treadmill", "elliptical")):  # no one sits on a treadmill
                tool += 1 + (tool + 1 < n and self.toks[tool + 1].low in DETS | {
                    "his", "her", "its", "their"})
                # "running on a treadmill" -> "lifting dumbbells": the treadmill goes too
                if tool < n and self.toks[tool].low in APPARATUS or (
                        tool + 1 < n and self.toks[tool + 1].low in APPARATUS):
                    end = tool + 1 + (self.toks[tool].low not in APPARATUS)
            self._delete(k, end)
            b = k
        if not re.fullmatch(r"(?:sitting|standing|lying|kneeling|crouching|squatting|leaning)"
                            r"(?:\s+(?:down|up))?", phrase):
            self._drop_activity_segments(b)
        self._insert(b, phrase)

    def _drop_activity_segments(self, b: int) -> None:
        """A new action replaces the old one told in its own comma part ("a man at a desk,
        typing on a laptop"); what it holds or wears stays."""
        k = self._seg_bounds(b)[1]
        while k < len(self.toks) and self.toks[k].text == ",":
            first = k + 1
            seg_end = self._seg_bounds(first)[1] if first < len(self.toks) else first
            if first < len(self.toks) and self._is_ing(first) and self.toks[first].low not in (
                    "wearing", "holding", "carrying", "lighting", "looking"):
                self._delete(k, seg_end)
                continue
            k = seg_end

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

    def insert_after(self, span: tuple[int, int] | None, text: str) -> None:
        if span is None:
            at = self._seg_bounds(0)[1]
        else:
            at = span[1]
        self._insert(at, text)
