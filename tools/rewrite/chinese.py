"""Applying edits to a Chinese prompt (jieba tokens), keeping what is not changed."""

from __future__ import annotations

import re

from tools.rewrite.parse_zh import _ZH_NUMCL
from tools.rewrite.vocab import (
    DARK_TIMES,
    MODIFIER_CATS,
    Edit,
    classify,
    entry,
    find_en,
    find_zh,
    is_living,
    to_prompt_lang,
    vocab_phrase,
    wear_kind,
)
from tools.rewrite.zh_words import (
    _HAIR,
    _ZH_GROUPS,
    _ZH_HAVE_VERBS,
    _ZH_LOC_SUFFIX,
    _ZH_LOC_VERBS,
    _ZH_POSE_WORD,
    _ZH_PUNCT,
    _ZH_WEAR_VERB,
)
from tools.text import ZH_CLASSIFIERS, has_cjk, pos_segment
from tools.translate import zh_count, zh_en_lexicon, zh_number

# ====================================================================== Chinese editing


def _locate_zh(p: ZhPrompt, target: str | None, owner: str | None
               ) -> tuple[int, int] | None:
    if target:
        span = p.find(target) or p.find_kin(target)
        if span is not None:
            return span
    if owner:
        span = p.find(owner) or p.find_kin(owner)
        if span is not None:
            return span
    return p.subject()


class ZhPrompt:
    """A Chinese prompt as jieba tokens, with a trace of what changed."""

    def __init__(self, text: str) -> None:
        zh_en_lexicon()  # the segmenter learns the prompt vocabulary first
        self.toks: list[list[str]] = [[w, f] for w, f in pos_segment(text)]
        self.removed: list[str] = []
        self.added: list[str] = []
        self.notes: list[str] = []

    def refresh(self) -> None:
        """Segment again after an edit, so later edits see real words, not inserted chunks."""
        self.toks = [[w, f] for w, f in pos_segment(self.text)]

    def render(self) -> str:
        s = "".join(w for w, _ in self.toks)
        s = re.sub(r"\s+", " ", s).strip()
        s = re.sub(r"[，,]\s*(?=[，,。；;]|$)", "", s)
        s = re.sub(r"^[，,。；;、\s]+", "", s)
        s = re.sub(r"(?:的){2,}", "的", s)
        s = re.sub(r"的(?=[，,。]|$)", "", s)
        s = re.sub(r"(?:和|与|还有)(?=[，,。]|$)", "", s)
        return s.strip(" ，,")

    @property
    def text(self) -> str:
        return "".join(w for w, _ in self.toks)

    def _w(self, i: int) -> str:
        return self.toks[i][0] if 0 <= i < len(self.toks) else ""

    def _delete(self, a: int, b: int) -> None:
        if a < b:
            self.removed.append("".join(w for w, _ in self.toks[a:b]))
            del self.toks[a:b]

    def _insert(self, i: int, text: str, record: bool = True) -> None:
        if record:
            self.added.append(text)
        self.toks[i:i] = [[text, "x"]]

    def append_segment(self, text: str) -> None:
        s = self.text.rstrip()
        if s and s[-1] not in _ZH_PUNCT:
            self.toks.append(["，", "x"])
        self.toks.append([text, "x"])
        self.added.append(text)

    def _clause_end(self, start: int = 0) -> int:
        i = start
        while i < len(self.toks) and self._w(i) not in _ZH_PUNCT:
            i += 1
        return i

    def _is_vocab(self, word: str, cats: tuple[str, ...]) -> bool:
        return bool(classify(word, cats)) if has_cjk(word) else False

    def subject(self) -> tuple[int, int] | None:
        """(np_start, head) token indices of the main subject of the first clause."""
        end = self._clause_end()
        stop = end
        for i in range(end):
            if (self._w(i) in _ZH_LOC_VERBS or (self.toks[i][1] == "p" and i > 0)
                    or (self._w(i) in ("和", "与", "以及") and i > 0)):
                stop = i
                break
        head = None
        for i in range(stop):
            w, f = self.toks[i]
            if not has_cjk(w) or w == "的":
                continue
            if head is not None and f.startswith("v") and not any(
                    self._w(k) == "的" for k in range(i, stop)):
                break  # "一个男人穿着西装": the man, not what he wears
            if (f.startswith("n") or f in ("s", "vn", "nr", "nz")) and not self._is_vocab(
                    w, ("color", "style", "time", "weather", "season", "camera")):
                head = i
        if head is None:
            for i in range(stop - 1, -1, -1):
                if has_cjk(self._w(i)) and self._w(i) not in ("的",):
                    head = i
                    break
        if head is None:
            return None
        return 0, head

    def find(self, target: str) -> tuple[int, int] | None:
        """(np_start, head) of the token that contains ``target``."""
        for i, (w, _) in enumerate(self.toks):
            if target and target in w:
                a = i
                while a > 0:
                    pw, pf = self.toks[a - 1]
                    if pw in _ZH_PUNCT or pw in _ZH_LOC_VERBS or pw in ("和", "与", "跟", "把"):
                        break
                    a -= 1
                return a, i
        # the word may be split across tokens ("红帽子" when jieba made "红", "帽子")
        text = self.text
        pos = text.find(target) if target else -1
        if pos < 0:
            return None
        acc = 0
        for i, (w, _) in enumerate(self.toks):
            if acc <= pos < acc + len(w):
                return self.find_from(i)
            acc += len(w)
        return None

    def find_from(self, i: int) -> tuple[int, int]:
        a = i
        while a > 0 and self._w(a - 1) not in _ZH_PUNCT:
            a -= 1
        return a, i

    def remove(self, target: str) -> bool:
        span = self.find(target)
        if span is None:
            return False
        _, h = span
        a, b = h, h + 1
        word = self._w(h)
        if word != target and word.endswith(target) and word[:-len(target)] in _ZH_HAVE_VERBS:
            b += self._w(b) == "的"  # one token "戴眼镜" in "一个戴眼镜的男人"
            self._delete(h, b)
            return True
        if is_living(target) and self._w(h - 1) == "的":
            # "一个戴着帽子的男人" without the man: his hat goes too
            a = h - 1
            while a > 0 and self._w(a - 1) not in _ZH_PUNCT and self._w(a - 1) not in (
                    "和", "与", "跟", "还有"):
                a -= 1
            j = b
            if j < len(self.toks) and (re.match(_ZH_POSE_WORD, self._w(j))
                                       or self._w(j) in _ZH_LOC_VERBS):
                j += 1
                j += self._w(j) in ("在", "着")
                k = j
                while k < len(self.toks) and self._w(k) not in _ZH_PUNCT and k < j + 3:
                    if self._w(k) in _ZH_LOC_SUFFIX or self._w(k) in ("旁边", "身边", "身旁"):
                        self._delete(k, k + 1)
                        break
                    k += 1
                self._delete(b, j)
            self._delete(a, b)
            return True
        # modifiers: colours, adjectives ("蓝色的"), numeral+classifier
        while a > 0 and (self._is_vocab(self._w(a - 1), ("color",))
                         or self.toks[a - 1][1] in ("a", "m", "q", "mq")
                         or zh_number(self._w(a - 1)) is not None
                         or (self._w(a - 1) == "的" and a > 1 and (
                             self._is_vocab(self._w(a - 2), ("color",))
                             or self.toks[a - 2][1] in ("a", "z")))):
            a -= 1
        left = self._w(a - 1)
        took_verb = False
        if left and (self.toks[a - 1][1].startswith("v") or left in (
                "戴着", "穿着", "拿着", "抱着", "带着", "有", "放", "和", "与", "跟", "还有",
                "以及") or left in _ZH_LOC_VERBS or (  # "牵着一只狗": 牵 and 着 go with it
                    left == "着" and a > 1 and self.toks[a - 2][1].startswith("v"))):
            a -= 1
            took_verb = left not in ("和", "与", "跟", "还有", "以及")
            if left == "着" and a > 0 and self.toks[a - 1][1].startswith("v"):
                a -= 1
        if took_verb and self._w(b) == "的":
            b += 1
        if left in _ZH_LOC_VERBS and self._w(b) in _ZH_LOC_SUFFIX:
            b += 1
        if a == 0 or self._w(a - 1) in _ZH_PUNCT:
            if self._w(b) in ("和", "与", "跟"):
                b += 1
        self._delete(a, b)
        return True

    def strip_vocab(self, cats: tuple[str, ...], key: str | None = None) -> list[str]:
        removed = []
        i = 0
        while i < len(self.toks):
            w = self._w(i)
            hits = classify(w, cats) if has_cjk(w) else find_en(w, cats, strong=True)
            hits = [h for h in hits if key is None or h.entry.key == key]
            if hits:
                a, b = i, i + 1
                if self._w(a - 1) in ("在",):
                    a -= 1
                while self._w(b) in ("的", "风格", "画风", "风", "时分", "中", "里", "时", "天",
                                     "效果", "画"):
                    b += 1
                removed.append("".join(x for x, _ in self.toks[a:b]))
                self._delete(a, b)
                i = a
                continue
            i += 1
        return removed

    def find_kin(self, target: str) -> tuple[int, int] | None:
        """A token naming the same kind of thing ("小狗" for "金毛", "她" for "女孩")."""
        for group in _ZH_GROUPS:
            if any(w in target for w in group):
                for i, (w, _) in enumerate(self.toks):
                    if any(g in w for g in group):
                        return self.find_from_np(i)
        return None

    def find_from_np(self, i: int) -> tuple[int, int]:
        a = i
        while a > 0:
            pw = self._w(a - 1)
            if pw in _ZH_PUNCT or pw in _ZH_LOC_VERBS or pw in ("和", "与", "跟", "把"):
                break
            a -= 1
        return a, i

    def set_modifier(self, span: tuple[int, int], value: str, cat: str) -> None:
        """Give the noun at ``span`` the modifier ``value`` of ``cat``, dropping the old one."""
        a, h = span
        k = h - 1  # only its own modifiers: not "粉色" in "粉色花朵上的一只蓝色蝴蝶"
        while k >= a and not (self._w(k) in _ZH_LOC_SUFFIX or self._w(k)[-1:] in "上里中"
                              and len(self._w(k)) > 1 and not self._is_vocab(self._w(k), (cat,))):
            k -= 1
        a = k + 1
        k = a
        while k < h:
            if self._is_vocab(self._w(k), (cat,)):
                b = k + 1 + (self._w(k + 1) == "的")
                self._delete(k, b)
                h -= b - k
                continue
            k += 1
        head = self._w(h)
        hits = find_zh(head, (cat,))
        if hits and hits[0].start == 0 and len(head) > hits[0].end:  # "白猫" -> "猫"
            self.removed.append(hits[0].text)
            self.toks[h][0] = head[hits[0].end:]
        elif cat == "color" and _HAIR.match(head):  # "金发女人" -> "红色头发的女人"
            self.removed.append(head)
            self.added.append(value)
            self.toks[h][0] = value + "头发" + ("的" if self._w(h + 1) != "的" else "")
            return
        # after the noun: "女人在微笑"
        j = h + 1
        while j < len(self.toks) and self._w(j) in ("在", "正在", "很", "非常", "着"):
            j += 1
        if j < len(self.toks) and self._is_vocab(self._w(j), (cat,)):
            self._delete(h + 1, j + 1)
        self._insert(h, value + ("的" if cat not in ("material",) or len(value) > 2 else ""))

    def set_pose(self, span: tuple[int, int] | None, verb: str) -> None:
        """What the subject at ``span`` is doing becomes ``verb`` ("坐在" -> "跑在")."""
        end = self._clause_end(span[1] if span else 0)
        head = self._w(span[1]) if span else ""
        text = self.text
        limit = sum(len(w) for w, _ in self.toks[:end]) if span else len(text)
        for m in re.finditer(_ZH_POSE_WORD + r"(?=在|着|于|起|了|[，,。]|$)", text[:limit]):
            if head and (head == m.group(0) or head.startswith(m.group(0))):
                continue
            if m.start() > 0 and text[m.start() - 1] in "飞跑赛":
                continue  # "飞机", "跑车" are things, not actions
            self.removed.append(m.group(0))
            self.added.append(verb)
            after = text[m.end():]
            if not re.fullmatch(r"[坐站躺趴蹲跪睡停][着下起来了]*", verb):
                # "躺在沙发上睡觉" -> "坐起来舔爪子在沙发上": the old activity goes too
                act = re.match(r"(在[^，,。]{1,10}?(?:上|里|中|下|边|旁|前|后|内|外|间))"
                               r"([^，,。在的]{1,5})?(?=[，,。]|$)", after)
                if act:  # the place comes first: "在地上站起来拍手", not "站起来拍手在地上"
                    if act.group(2):
                        self.removed.append(act.group(2))
                    self.toks = [[w, f] for w, f in pos_segment(
                        text[:m.start()] + act.group(1) + verb + after[act.end():])]
                    return
            self.toks = [[w, f] for w, f in pos_segment(text[:m.start()] + verb + after)]
            return
        for i in range(len(self.toks) if span is None else end):
            w = self._w(i)
            m = re.match(_ZH_POSE_WORD, w)
            if m and (m.end() == len(w) or w[m.end():] in ("在", "着", "着的", "起来")):
                self.removed.append(m.group(0))
                self.added.append(verb)
                self.toks[i][0] = verb + w[m.end():]
                return
        if verb[:1] in "坐站躺趴蹲跪睡停" and span is not None:
            for i in range(span[1] + 1, end):
                if self._w(i) == "在":
                    self._insert(i, verb)
                    return
        if span is not None:
            self._insert(end, verb if self._w(end - 1) != "在" else "，" + verb)
            return
        self.append_segment(verb)

    def substitute(self, old: str, new: str) -> bool:
        """Replace the text ``old`` with ``new`` (the first place it appears)."""
        text = self.text
        if not old or old not in text:
            return False
        self.removed.append(old)
        self.added.append(new)
        self.toks = [[w, f] for w, f in pos_segment(text.replace(old, new, 1))]
        return True

    def colour(self, target: str | None, value: str) -> bool:
        span = self.find(target) if target else self.subject()
        if span is None:
            return False
        a, h = span
        k = a
        while k < h:
            w = self._w(k)
            if self._is_vocab(w, ("color",)):
                b = k + 1
                if self._w(b) == "的":
                    b += 1
                self._delete(k, b)
                h -= b - k
                continue
            k += 1
        head = self._w(h)
        hits = find_zh(head, ("color",))
        if hits and hits[0].start == 0 and len(head) > hits[0].end:  # "白猫" -> "猫"
            self.removed.append(hits[0].text)
            self.toks[h][0] = head[hits[0].end:]
        self._insert(h, value + "的")
        return True

    def replace_np(self, target: str | None, value: str) -> bool:
        span = self.find(target) if target else self.subject()
        if span is None:
            return False
        a, h = span
        head = self._w(h)
        v = value
        m = _ZH_NUMCL.match(v)
        if m and any(zh_number(self._w(k)) is not None for k in range(a, h)):
            v = m.group(3) or v
        cats = ("color",) if find_zh(v, ("color",)) else ()
        if find_zh(v, ("age",)) or re.search(r"男孩|女孩|小孩|孩子|老人|婴儿|爷爷|奶奶|少年|少女",
                                             v):
            cats += ("age",)  # "年轻男人" -> "小男孩": the age goes with the person
        if cats:
            k = a
            while k < h:
                if self._is_vocab(self._w(k), cats):
                    b = k + 1 + (self._w(k + 1) == "的")
                    self._delete(k, b)
                    h -= b - k
                    continue
                k += 1
        old = target if target and target in head else head
        if old != head:  # "车" in "轿车": the kind is named by the whole word, not a part
            pre = head[:head.find(old)]
            num = re.match(r"(?:[一二两三四五六七八九十几\d]+|这|那)[\u4e00-\u9fff]?", pre)
            keep = num.group(0) if num else ""  # "一辆车": the count stays
            rest = pre[len(keep):]
            keep += rest if rest and find_zh(rest, ("color", "size", "age", "material")) else ""
            old = head[len(keep):]
        self.removed.append(old)
        self.added.append(v)
        self.toks[h][0] = head.replace(old, v, 1)
        return True

    def set_count(self, n: int, target: str | None, relative: bool = False) -> bool:
        span = self.find(target) if target else None
        if span is None:
            span = self.subject()
            if span is None:
                return False
            if target:
                _, h = span
                self.removed.append(self._w(h))
                self.added.append(target)
                self.toks[h][0] = target
        a, h = span
        for k in range(a, h):
            cur = zh_number(self._w(k))
            if cur is not None:
                n2 = cur + n if relative else n
                new = zh_count(n2, self._w(h))
                if self._w(k)[-1] in ZH_CLASSIFIERS:
                    new = new[:-1] + self._w(k)[-1]
                self.removed.append(self._w(k))
                self.added.append(new)
                self.toks[k][0] = new
                return True
        n2 = (1 + n) if relative else n
        self._insert(a if a == h or self._w(a) not in ("在",) else a, zh_count(n2, self._w(h)))
        return True

    def setting_span(self) -> tuple[int, int] | None:
        """(first, end) tokens of the place after "在" ("在[沙发上]"), the verb kept."""
        for i, (w, _) in enumerate(self.toks):
            if w in _ZH_LOC_VERBS or (w.endswith("在") and len(w) == 2):
                j = i + 1
                k = j
                while k < len(self.toks) and k <= j + 5:
                    x, f = self.toks[k]
                    if x in _ZH_PUNCT or x == "的":
                        break
                    if x in _ZH_LOC_SUFFIX or (len(x) > 1 and x[-1] in "里上中边" and k > j - 1
                                               and f in ("s", "f", "n", "ns", "nz")):
                        k += 1
                        break
                    if (f.startswith("v") and k > j) or (f.startswith("v") and
                                                         not classify(x, ("place",))):
                        break
                    k += 1
                if k > j:
                    return j, k
        # a leading place: "[客厅沙发上]的一只猫"
        end = min(self._clause_end(), 6)
        for k in range(end):
            w = self._w(k)
            if self._w(k + 1) == "的" and ((w in _ZH_LOC_SUFFIX and k > 0) or (
                    len(w) > 1 and w[-1] in "上里中下边")):
                return 0, k + 1
        w = self._w(0)
        if len(w) > 2 and w[-1] in "里中" and classify(w[:-1], ("place",)):
            return 0, 1  # "[办公室里]穿西装的男人"
        if self._w(1) in ("里", "中", "内", "上") and classify(w, ("place",)):
            return 0, 2
        return None

    def clear_contents(self, target: str) -> bool:
        """What is on ``target`` goes ("一张木桌上放着花瓶和书" -> "一张木桌"), it stays."""
        names = [target] + [g for grp in _ZH_GROUPS if any(w in target for w in grp)
                            for g in grp if len(g) > 1 or g == target]
        text = self.text
        for name in names:
            m = re.search(rf"({re.escape(name)}[^，,。；;]{{0,3}}?)(?:上面|上|里面|里)(?:放着|摆着|"
                          r"摆满了|摆满|堆着|堆满了|有|放了|摆了)[^，,。；;]+", text)
            if m:
                self.removed.append(m.group(0)[len(m.group(1)):])
                self.toks = [[w, f] for w, f in pos_segment(text[:m.start()] + m.group(1) +
                                                            text[m.end():])]
                return True
        return False

    def _drop_place_clauses(self) -> None:
        """Clauses after the first that only name a landmark or city ("埃菲尔铁塔在远处",
        "，巴黎，"): they belong to the old setting."""
        parts = re.split(r"([，,。；;])", self.text)
        keep, changed = parts[:1], False
        for k in range(1, len(parts) - 1, 2):
            clause = parts[k + 1]
            hits = find_zh(clause, ("place",))
            if (hits and hits[0].start == 0 and len(clause) - hits[0].end <= 4
                    and any(c.isupper() for c in hits[0].entry.en_phrase)):
                self.removed.append(clause)
                changed = True
                continue
            keep += [parts[k], clause]
        if changed:
            self.toks = [[w, f] for w, f in pos_segment("".join(keep))]

    def set_background(self, value: str) -> None:
        """The place becomes ``value``; a prompt that names its background ("背景是树林")
        keeps its other places and gets the new background there."""
        v = re.sub(r"^在", "", value)
        self._drop_place_clauses()
        for i, (w, _) in enumerate(self.toks):
            if "背景" in w:
                a = i
                while a > 0 and self._w(a - 1) not in _ZH_PUNCT:
                    a -= 1
                b = self._clause_end(i)
                self._delete(a, b)
                self._insert(a, "背景是" + v)
                return
        i = 0
        while i < len(self.toks):
            if "背景" in self._w(i):
                a = i
                while a > 0 and self._w(a - 1) not in _ZH_PUNCT:
                    a -= 1
                b = self._clause_end(i)
                if a > 0:
                    a -= 1
                self._delete(a, b)
                i = a
                continue
            i += 1
        span = self.setting_span()
        if span:
            old = "".join(w for w, _ in self.toks[span[0]:span[1]])
            self._delete(*span)
            lead = span[0] == 0 and self._w(0) == "的"
            self._insert(span[0], v + (("上" if old.endswith("上") else "里") if lead and
                                       v[-1] not in "上里中边" else ""))
            return
        text = self.text
        m = re.search(r"在([^，,。；;在的]{1,8}?)(?:上面|里面|上|里|中|下|边|旁|内|外)", text)
        if m and not re.search(r"[头手脸身]", m.group(1)):  # "在操场上": the place, any place
            self.removed.append(m.group(0))
            self.added.append(v)
            suffix = "" if v[-1:] in "上里中边下内外" else m.group(0)[len(m.group(1)) + 1:]
            self.toks = [[w, f] for w, f in pos_segment(text[:m.start()] + "在" + v + suffix +
                                                        text[m.end():])]
            return
        subj = self.subject()
        at = self._clause_end(subj[1] if subj else 0)
        self._insert(at, "在" + v)

    def insert_after_subject(self, text: str) -> None:
        subj = self.subject()
        at = (subj[1] + 1) if subj else self._clause_end()
        self._insert(at, text)


# ============================================================== applying an edit

def apply_zh(p: ZhPrompt, e: Edit) -> None:
    target = to_prompt_lang(e.target, "zh") if e.target else None
    value = to_prompt_lang(e.value, "zh") if e.value else None
    if e.kind == "remove":
        if e.key == "contents":
            if not p.clear_contents(target or ""):
                p.notes.append(f"{target}上没有东西")
            return
        if e.key:
            if not p.strip_vocab((entry(e.key).category,), e.key):  # type: ignore[union-attr]
                p.notes.append(f"画面里没有{target}")
            return
        if not (target and p.remove(target)):
            p.notes.append(f"提示词里没有{target}")
        return
    if e.kind == "add":
        if not value:
            return
        if e.key == "describe":
            p.append_segment(value)
            return
        if e.modifier:
            span = (p.find(target) if target else None) or p.subject()
            if span:
                p._insert(span[1], value + "的")
            else:
                p.append_segment(value)
            return
        m = _ZH_NUMCL.match(value)
        if m and m.group(3) and p.find(m.group(3)) is not None:  # "加两只猫" to "一只猫"
            n = zh_number(m.group(1) + m.group(2)) or 1
            p.set_count(n, m.group(3), relative=True)
            return
        verb = re.search(r"(?:让|叫|使)[^，,。]{0,6}?(拿着|抱着|举着|牵着|握着|捧着|提着)", e.text)
        held = re.search(r"(拿着|抱着|举着|牵着|握着|捧着|提着)([^，,。的]{1,8}?)(?=在|站|坐|走|躺|"
                         r"[，,。]|$)", p.text) if verb else None
        if verb and held:  # "让她抱着一只小狗": what she holds now, instead of the cat
            p.substitute(held.group(0), verb.group(1) + value)
            return
        kind = wear_kind(value)
        subj = p.subject()
        if kind == "wear":
            verb = next(v for v, chars in _ZH_WEAR_VERB if not chars or
                        any(ch in value for ch in chars))
            who = target if target and subj and target not in p._w(subj[1]) else ""
            p.append_segment(f"{who}{verb}{value}")
        elif kind == "hold":
            p.append_segment(f"{target or ''}拿着{value}")
        elif is_living(value) and subj:
            p.insert_after_subject("和" + value)
        elif target:
            p.append_segment(f"{target}旁边有{value}")
        else:
            p.append_segment("还有" + value)
        return
    if e.kind == "replace":
        if not value:
            return
        if target and p.find(target) is None:
            p.notes.append(f"提示词里没有{target}，改了主体")
            target = None
        if not p.replace_np(target, value):
            p.append_segment(value)
        return
    if e.kind in MODIFIER_CATS:
        # the user's own word when it is Chinese ("橘色"), else the vocabulary's phrase
        v = vocab_phrase(e, "zh") if e.key and (not e.value or not has_cjk(e.value) or (
            e.kind == "color" and len(e.value) < 2)) else (value or "")
        v = re.sub(r"的$", "", v)
        span = _locate_zh(p, target, e.owner)
        if e.old and p.substitute(to_prompt_lang(e.old, "zh"), v):
            return
        if span is None or (target and p.find(target) is None and e.owner is None
                            and not p.find_kin(target)):
            if target:  # "把她的头发染成粉色" when the prompt says nothing of hair
                p.append_segment(f"{v}的{target}")
            else:
                p.append_segment(v)
            return
        other = {"短": "长", "长": "短"}.get(v)
        if other and target and "发" in target and p.substitute(other + "发", v + "发"):
            return  # "把头发剪短": "长发女孩" -> "短发女孩"
        p.set_modifier(span, v, e.kind)
        return
    if e.kind == "pose":
        if not value:
            return
        if e.old:  # "狗别睡了": the pose word that starts with it
            m = re.search(rf"{re.escape(e.old)}\w?", p.text)
            whole = re.match(_ZH_POSE_WORD, p.text[m.start():]) if m else None
            if whole and p.substitute(whole.group(0), value):
                return
        p.set_pose(_locate_zh(p, target, e.owner), value)
        return
    if e.kind in ("style", "time", "weather", "season", "camera"):
        p.strip_vocab((e.kind,))
        if e.kind == "time" and e.key in DARK_TIMES:
            p.strip_vocab(("weather",), "sunny")  # "晴天" is a day: no sunny night
        own = e.value if e.kind in ("time", "weather", "season") and has_cjk(e.value or "") \
            and len(e.value or "") >= 2 else None
        if e.kind == "style":
            _strip_zh_medium(p)  # "照片", "电影感", "写实摄影": the old medium goes
            phrase = vocab_phrase(e, "zh")
            said = e.value or ""
            if has_cjk(said) and len(said) >= 2 and said not in phrase:
                own = said if re.search(r"(?:画|风|风格|图|照|绘|雕|艺术)$", said) \
                    else said + "风格"  # "宫崎骏动画风格", not the vocabulary's "动漫风格"
        p.append_segment(own or vocab_phrase(e, "zh"))  # "晚霞" stays "晚霞"
        return
    if e.kind == "background":
        v = value or ""
        e_ = entry(e.key)
        if e_ is not None and not has_cjk(e.value or "") and (
                re.search(r"[A-Za-z]", v) or len(v) <= len(e_.zh_phrase)):
            v = e_.zh_phrase  # "a tropical beach" -> "海边", but "a snowy forest" -> "下雪森林"
        p.set_background(v)
        return
    if e.kind == "count":
        if e.count is not None:
            p.set_count(e.count, target, e.relative)



_ZH_MEDIUM = re.compile(r"(?:摄影|照片|拍摄|实拍|电影感|电影质感|胶片|胶片风|写真|纪实|写实|"
                        r"超写实|真实感|照)$")


def _strip_zh_medium(p: ZhPrompt) -> None:
    """Comma parts that only say how the picture was made ("日系摄影", "电影感")."""
    parts = re.split(r"([，,])", p.text)
    keep = [parts[0]]
    for k in range(1, len(parts) - 1, 2):
        part = parts[k + 1]
        if len(part.strip()) <= 6 and _ZH_MEDIUM.search(part.strip()):
            p.removed.append(part.strip())
            continue
        keep += [parts[k], part]
    text = "".join(keep)
    if text != p.text:
        p.toks = [[w, f] for w, f in pos_segment(text)]
