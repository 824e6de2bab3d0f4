"""Taking a thing out of an English prompt with what only belonged to it: "seagulls flying
overhead", "a tattoo on her arm", "a stack of papers", the leash of a removed dog; and
clearing what stands on a thing ("a desk covered in papers" -> "a desk")."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tools.rewrite.english_words import BOUNDARY, CONNECT, DETS, PREP
from tools.rewrite.vocab import is_living, same_kind
from tools.text import stem

if TYPE_CHECKING:
    from tools.rewrite.english import _Tok

# what a person does, not a thing they have ("a woman with sunglasses sitting in a cafe")
_OWNER_ING = frozenset(
    "sitting standing lying walking running reading sleeping waiting leaning posing smiling "
    "looking playing working talking dancing eating drinking riding skateboarding skating "
    "cycling swimming jumping kneeling crouching singing laughing crying writing painting "
    "cooking shopping".split())
_SIDES = frozenset("left right other bare outstretched open".split())
_WHERE_IN_PICTURE = re.compile(
    r"(?:in|at|on) the (?:middle|center|centre|corner|foreground|distance|left|right|top|"
    r"bottom)(?: corner)?\b")
# words that only say where the thing before them is ("seagulls overhead")
_PLACING = frozenset("overhead above nearby around everywhere aloft below".split())
# a quantity of something, no thing of its own ("a stack of papers", unlike "a vase of roses")
QUANTITIES = frozenset(
    "pair bunch group pile stack herd flock pack school couple set row lot handful swarm "
    "crowd team family heap bundle cluster swarm gaggle litter troop bevy few number "
    "variety assortment collection".split())

# things that only exist with another thing: removing the dog removes its leash
ATTACHED = {
    "dog": {"leash", "lead", "collar"}, "puppy": {"leash", "lead", "collar"},
    "horse": {"saddle", "rein", "bridle"}, "kite": {"string"}, "balloon": {"string"},
    "bike": {"helmet"}, "bicycle": {"helmet"}, "dragon": {"rider"},
}


class EnRemoveOps:
    """Removal for :class:`tools.rewrite.english.EnPrompt` (its tokens and noun phrases)."""

    toks: list[_Tok]

    def clear_contents(self, target: str) -> bool:
        """What is on ``target`` goes, ``target`` stays ("a table with a vase and books on
        it" -> "a table"; "a desk covered in papers" -> "a desk")."""
        span = self.find(target)
        if span is None:
            return False
        b = self._head(span) + 1
        n = len(self.toks)
        lead = " ".join(t.low for t in self.toks[b:b + 3])
        m = re.match(r"(?:with|covered (?:with|in)|full of|piled (?:high )?with|cluttered with|"
                     r"filled with|topped with|laden with|strewn with|heaped with)\b", lead)
        if m is None:
            return False
        end = self._seg_bounds(b)[1]
        for k in range(b, min(n, b + 25)):  # "with a vase, books and a cup on it"
            if self.toks[k].low == "on" and k + 1 < n and self.toks[k + 1].low in ("it", "top"):
                end = k + 2 + (k + 3 < n and self.toks[k + 2].low == "of") * 2
                break
            if k > b + 1 and self.toks[k].low in ("in", "at", "under", "near", "by", "beside",
                                                  "inside") and k < end:
                end = k  # "a table with a red cloth in a garden": the garden stays
                break
        else:  # "with fruit, bread and a knife": the list runs on to its "and"
            k = end
            for _ in range(3):
                if k >= n or self.toks[k].text != ",":
                    break
                z = self._seg_bounds(k + 1)[1] if k + 1 < n else k
                words = [t.low for t in self.toks[k + 1:z]]
                if len(words) > 5 or any(self._is_ing(j) for j in range(k + 1, z)):
                    break
                if "and" in words:
                    end = z
                    break
                k = z
        self._delete(b, end)
        return True

    def _remove_doing(self, target: str) -> bool:
        """"ditch the queue" to "…, people queueing, …": the short part that does the thing
        goes (a word made from it, "queueing", "queuing")."""
        words = re.findall(r"[a-z]+", target.lower())
        if len(words) != 1 or len(words[0]) < 4:
            return False
        root = re.sub(r"e$", "", words[0])
        for i, t in enumerate(self.toks):
            if t.word and t.low != words[0] and t.low.startswith(root) and t.low.endswith("ing"):
                a, b = self._seg_bounds(i)
                if sum(1 for x in self.toks[a:b] if x.word) <= 4 and a > 0:
                    self._delete(a - 1 if self.toks[a - 1].text == "," else a, b)
                    return True
        return False

    def remove(self, target: str) -> bool:
        span = self.find(target)
        if span is None:
            return self._remove_doing(target)
        a, b = span
        seg_a, seg_b = self._seg_bounds(a)
        if a > seg_a + 2 and self.toks[a - 1].low == "of" and \
                self.toks[a - 2].low in QUANTITIES and self.toks[a - 3].low in DETS:
            a -= 3  # "a stack of papers": the stack goes with its papers
        if a > seg_a:
            left = self.toks[a - 1].low
            if left in CONNECT or left in PREP or self._is_ing(a - 1):
                b = self._trailing_end(a, b, seg_b)
                if left in ("with", "and") and b < seg_b and self.toks[b].low == "and" and \
                        b + 1 < seg_b and self.toks[b + 1].word:
                    b += 1  # "with a beard and a mustache" without the beard: "with a mustache"
                else:
                    a -= 1
                before = [t.low for t in self.toks[max(seg_a, a - 2):a]]
                if left == "to" and before[-1:] in (["next"], ["close"]):
                    a -= 1  # "next to a window"
                elif left == "of" and before == ["in", "front"]:
                    a -= 2  # "in front of a house"
        else:
            b = self._trailing_end(a, self._dependents_end(a, b, seg_b), seg_b)
            if [t.low for t in self.toks[b:b + 3]] == ["in", "the", "background"]:
                b += 3
            if b < seg_b and self._is_participle(b) and b + 1 < seg_b and \
                    self.toks[b + 1].low in PREP | {"next", "in"}:
                # "a red sedan parked in front of a bakery" without the car: "a bakery"
                k = b + 1
                while k < seg_b and self.toks[k].low in PREP | {"next", "close", "front"}:
                    k += 1
                if k < seg_b and self.toks[k].low in DETS:
                    b = k
            if b < seg_b and self.toks[b].low in ("and", "with", "or"):
                b += 1
            elif b < seg_b and self.toks[b].low in PREP | {"next", "close"}:
                # "a man next to a woman" without the man: "a woman"
                k = b
                while k < seg_b and self.toks[k].low in PREP | {"next", "close", "front"}:
                    k += 1
                if k < seg_b and self.toks[k].low in DETS:
                    b = k
        after = " ".join(t.low for t in self.toks[b:b + 3])
        m = re.match(r"(?:full of|filled with|covered (?:in|with)|piled with|loaded with|"
                     r"stuffed with|packed with)\b", after)
        if m:  # "a guitar case full of coins": what it held goes with it
            b = self._np_end(b + len(m.group(0).split()), seg_b)
        if a == seg_a and b == seg_b and seg_a > 0:
            a -= 1  # the comma before a segment that disappears
        elif a == seg_a and b == seg_b and seg_b < len(self.toks):
            b += 1
        head = stem(self.toks[span[1] - 1].low)
        self._delete(a, b)
        self._drop_attached(head)
        return True

    def _trailing_end(self, a: int, b: int, stop: int) -> int:
        """Past what only places the removed thing: "seagulls flying overhead", "a tattoo on
        her arm", "pigeons around it", "lights above" (not "a dog in a park", whose park
        places more than the dog)."""
        k = b
        while k < stop and (self.toks[k].text.isupper() and len(self.toks[k].text) > 1
                            or self.toks[k].text in ('"', "'", "“", "”")):
            k += 1  # the words of "a sign with the words SUMMER SALE" go with the sign
        if k > b:
            return k
        ahead = [t.low for t in self.toks[b + 1:b + 3]]
        shared = a > 0 and self.toks[a - 1].low == "and"  # "a cat and a dog sleeping"
        living = is_living(" ".join(t.low for t in self.toks[a:b]))
        if k < stop and self._is_ing(k) and not shared and (
                living or ahead[:1] and ahead[0] in _PLACING):
            k += 1  # "seagulls flying overhead", "lights hanging above"
        elif k < stop and self._is_ing(k) and not living and \
                self.toks[k].low not in _OWNER_ING and ahead[:1] and \
                (ahead[0] in PREP or ahead[0] in ("out", "up", "down", "off")):
            # "smoke coming out of the chimney", "pots hanging from the ceiling": the thing's
            # own motion and where it comes from go with it (not "sitting", its owner's pose)
            k += 1
            while k < stop and (self.toks[k].low in PREP or self.toks[k].low in (
                    "out", "up", "down", "off")):
                k += 1
            return self._np_end(k, stop)
        low = [t.low for t in self.toks[k:stop]]
        owner = len(low) >= 3 and low[1] in ("his", "her", "its", "their") and \
            self.toks[k + 2].word and low[2] not in BOUNDARY
        if len(low) >= 2 and low[0] in PREP and (
                owner or low[1] in ("it", "him", "her", "them") or
                low[1:3] in (["the", "sky"], ["the", "air"])):
            n = 3 if owner or low[1] == "the" else 2
            if n == 3 and k + n < stop and low[2] in _SIDES:
                n += 1  # "on her left arm"
            return k + n
        m = _WHERE_IN_PICTURE.match(" ".join(low[:4]))
        if m:  # "a scarecrow in the middle" without the scarecrow: the middle goes too
            return k + len(m.group(0).split())
        if low[:1] and low[0] in _PLACING:
            return k + 1
        return b if k == b else k

    def _drop_attached(self, head: str) -> None:
        """What only the removed thing had: "on a leash" without the dog, "with reins"
        without the horse."""
        parts = ATTACHED.get(head) or next(  # "a dalmatian on a leash": a dog's
            (ATTACHED[w] for group in same_kind(head)[:1] for w in group if w in ATTACHED), None)
        if not parts:
            return
        for k in range(len(self.toks) - 1):
            if self.toks[k].low in ("on", "with", "by", "holding", "in") and self.toks[k + 1].word:
                end = self._np_end(k + 1, len(self.toks))
                at = next((j for j in range(k + 1, min(end, k + 4))
                           if stem(self.toks[j].low) in parts), None)
                if at is not None:  # "on a leash" (even when "down the street" follows)
                    self._delete(k, at + 1)
                    return
