"""Applying edits to a Chinese prompt (jieba tokens), keeping what is not changed."""

from __future__ import annotations

import re

from tools.rewrite.parse_zh import _ZH_NUMCL
from tools.rewrite.vocab import (
    classify,
    find_en,
    find_zh,
    is_living,
)
from tools.rewrite.zh_words import (
    _HAIR,
    _ZH_GROUPS,
    _ZH_HAVE_VERBS,
    _ZH_LOC_SUFFIX,
    _ZH_LOC_VERBS,
    _ZH_POSE_WORD,
    _ZH_PUNCT,
    ZH_VERB_CHARS,
)
from tools.text import ZH_CLASSIFIERS, has_cjk, pos_segment
from tools.translate import zh_count, zh_en_lexicon, zh_number

# ====================================================================== Chinese editing


# things one sits or stands on: a new one keeps the place around it ("公园的长椅上")
_ZH_SUPPORTS = r"(?:长椅|椅子|凳子|沙发|床|桌子|台阶|秋千|石头|岩石|树桩|栏杆|窗台|树枝|长凳|木凳)"
# heads of place names a prompt may list as a clause of its own ("，体育馆，", "，现代城市")
_ZH_PLACE_HEADS = (r"(?:房间|客厅|厨房|卧室|教室|办公室|会议室|体育馆|球场|街道|街头|城市|森林|"
                   r"公园|花园|海边|沙滩|教堂|寺庙|湖边|田野|草原|沙漠|雪山|实验室|舞台|咖啡馆|"
                   r"餐厅|图书馆|车站|机场|港口|市场|庭院|城堡|宫殿|室内|户外|白底|竹林|树林|"
                   r"山谷|村庄|小镇|广场|商场|医院|学校|博物馆|剧院|酒吧|工厂|农场|果园|操场|赛道|"
                   r"泳池)")
# what is left of a clause whose object went ("加了" of "加了鸡蛋")
_ZH_BARE_VERB = r"(?:加了|加上|加|有|还有|配上|配着|配|带着|上面有|里面有|旁边有|和|以及)?"
_ZH_VERB_PREFIX = ZH_VERB_CHARS
# a clause left with only a place and a verb ("天上飞着", "旁边", "远处是"): what it placed is gone
_ZH_EMPTY_CLAUSE = (r"(?:天上|空中|天空中|旁边|身边|身旁|远处|近处|水里|水中|水面上|地上|上面|下面|"
                    r"里面|周围|四周|附近|前面|后面|中间|正中间|中央|左边|右边|角落里?|背景里|背景中|脚边|头顶上?|身后|"
                    r"窗外|门口|桌上|树上|枝头|"
                    r"飞着|飞|有|是|站着|坐着|停着|放着|躺着|趴着|挂着|游着|跑着|走着|长着|开着|"
                    r"在|着|了|还|也|都|正|一些|几只|几个|许多|很多)+")


class ZhPrompt:
    """A Chinese prompt as jieba tokens, with a trace of what changed."""

    def __init__(self, text: str) -> None:
        zh_en_lexicon()  # the segmenter learns the prompt vocabulary first
        self.styled = False  # a style was set by this request (a second one adds)
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
                    w, ("color", "style", "time", "weather", "season", "camera", "expression")) \
                    and not (head is not None and w.endswith("着")):  # "笑着" is no noun
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
        """(np_start, head) of the token that contains ``target`` ("墙" for "墙壁" too)."""
        found = self._find(target)
        if found is None and target and len(target) >= 2 and target[-1] in "壁子儿们":
            found = self._find(target[:-1])  # "墙壁" in "白墙的卧室"
        if found is None and target and has_cjk(target) and len(target) >= 2:
            plain = re.sub(r"^[小大老](?=..)|(.)\1$", r"\1", target)  # "熊熊" -> "熊", "小宝宝"
            if plain and plain != target:
                found = self.find(plain) or self.find_kin(plain)
        if found is None and target and has_cjk(target):
            english = zh_en_lexicon().get(target, "").lower()  # "可颂" in "… a croissant …"
            for i, (w, _) in enumerate(self.toks):
                if english and w.strip().lower() in (english, english + "s"):
                    return i, i
        if found is None and target and has_cjk(target):
            found = self.find_kin(target)  # "人都去掉" for "很多游客"
        return found

    def _find(self, target: str) -> tuple[int, int] | None:
        for i, (w, _) in enumerate(self.toks):
            if target and w != target and w.endswith(target) and \
                    w[:-len(target)] in _ZH_VERB_PREFIX:
                # "放风筝", "遛狗": one token of a verb and its object; the object is the noun
                self.toks[i:i + 1] = [[w[:-len(target)], "v"], [target, "n"]]
                w = target
                i += 1
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
        at = sum(len(w) for w, _ in self.toks[:h])
        if len(target) > len(self._w(h)) and self.text.startswith(target, at):
            while b < len(self.toks) and sum(len(w) for w, _ in self.toks[h:b]) < len(target):
                b += 1  # "铃铛项圈" as the two tokens "铃铛", "项圈"
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
        if self._w(a - 1) == "的":  # "一辆装满土的手推车": what it is said to be goes too
            k = a - 1
            while k > 0 and self._w(k - 1) not in _ZH_PUNCT and self.toks[k - 1][1] not in (
                    "m", "q", "mq") and self._w(k - 1) not in ("和", "与", "跟", "有", "是"):
                k -= 1
            if k < a - 1 and k > 0 and self.toks[k - 1][1] in ("m", "q", "mq"):
                a = k
        # modifiers: colours, adjectives ("蓝色的"), numeral+classifier
        while a > 0 and (self._is_vocab(self._w(a - 1), ("color",))
                         or self.toks[a - 1][1] in ("a", "m", "q", "mq")
                         or zh_number(self._w(a - 1)) is not None
                         or (self._w(a - 1) == "的" and a > 1 and (
                             self._is_vocab(self._w(a - 2), ("color",))
                             or self.toks[a - 2][1] in ("a", "z")))):
            a -= 1
        if self._w(b) in ("和", "与", "跟", "、") and b + 1 < len(self.toks):
            self._delete(a, b + 1)  # "上面有鸡蛋和葱花" -> "上面有葱花": the verb stays
            self._drop_dependents(target)
            return True
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
        self._drop_dependents(target)
        return True

    def _drop_dependents(self, target: str) -> None:
        """After ``target`` went: a clause that named it ("牵着狗绳" without the dog) or that
        is only a verb now ("加了" of "加了鸡蛋") goes too; the first clause stays."""
        clauses: list[list[list[str]]] = [[]]
        for tok in self.toks:
            if tok[0] in "，,；;":
                clauses.append([])
            else:
                clauses[-1].append(tok)
        if len(clauses) < 2:
            return
        kept = [clauses[0]]
        for c in clauses[1:]:
            text = "".join(w for w, _ in c)
            if (target in text and len(text) <= 8) or re.fullmatch(_ZH_BARE_VERB, text) \
                    or re.fullmatch(_ZH_EMPTY_CLAUSE, text):
                self.removed.append(text)
                continue
            kept.append(c)
        if len(kept) != len(clauses):
            self.toks = [t for i, c in enumerate(kept) for t in ([["，", "x"]] if i else []) + c]

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
            inner = find_zh(self._w(k), (cat,))
            if inner and inner[0].start == 0 and len(self._w(k)) > inner[0].end + 1:
                self.removed.append(inner[0].text)  # "塑料玩具" -> "玩具"
                self.toks[k][0] = self._w(k)[inner[0].end:]
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
        if j < len(self.toks) and (self._is_vocab(self._w(j), (cat,)) or (
                cat == "expression" and self._is_vocab(re.sub("着$", "", self._w(j)), (cat,)))):
            self._delete(h + 1, j + 1)  # "女孩笑着吃冰淇淋": the old look goes
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
        rest = "".join(w for w, _ in self.toks[span[1] + 1:end]) if span else ""
        if span is not None and rest and "的" not in rest and has_cjk(verb) and \
                verb[:1] not in "坐站躺趴蹲跪睡停":
            self.set_action(span, verb)  # "堆沙堡" -> "游泳": the doing the list does not know
            return
        if span is not None:
            self._insert(end, verb if self._w(end - 1) != "在" else "，" + verb)
            return
        self.append_segment(verb)

    def set_action(self, span: tuple[int, int] | None, action: str) -> None:
        """What the subject does after its name becomes ``action`` ("一个篮球运动员在运球"
        -> "…扣篮"); a posture and its place stay ("坐在摇椅上织毛衣" -> "坐在摇椅上织围巾"),
        unless the action names a place of its own ("在海里游泳")."""
        if span is None:
            self.append_segment(action)
            return
        end = self._clause_end(span[1])
        rest = "".join(w for w, _ in self.toks[span[1] + 1:end])
        if not rest or rest.startswith("的"):
            self._insert(end, action)  # nothing done yet: "一只猫" -> "一只猫打哈欠"
            return
        keep = ""
        if not re.match(r"(?:在|去|到)", action):
            m = re.match(r"(?:正)?(?:[坐站躺蹲跪趴靠倚][着在]?|正在|在)?(?:在|于)?[^，,。在]{0,8}?"
                         r"(?:上|里|中|下|边|旁|前|后|内|外)", rest)
            keep = m.group(0) if m and re.search(r"[在于]", m.group(0)) else ""
            if keep and re.match(r"[坐站躺蹲跪趴]", action):  # a new posture: only the place
                keep = keep[keep.index("在"):] if "在" in keep else ""
            place = re.search(r"在[^，,。在]{1,8}?(?:中央|中间|上|里|中|下|边|旁|前|后|内|外)",
                              rest)
            if not keep and place:  # "拿着球站在球场中央" -> "在球场中央扣篮"
                keep = place.group(0)
            if not keep and rest.startswith(("在", "正在")):
                keep = "在"  # "在运球" -> "在扣篮": still in progress
        self.removed.append(rest)
        self.added.append(action)
        self._delete(span[1] + 1, end)
        self._insert(span[1] + 1, keep + action)

    def substitute(self, old: str, new: str, start: int = 0) -> bool:
        """Replace the text ``old`` with ``new`` (the first place it appears from ``start``)."""
        text = self.text
        at = text.find(old, start) if old else -1
        if at < 0:
            return False
        self.removed.append(old)
        self.added.append(new)
        self.toks = [[w, f] for w, f in pos_segment(text[:at] + new + text[at + len(old):])]
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
            cats_new = {h.entry.category for h in find_zh(v, ("color", "size", "age", "material"))}
            keep += rest if rest and any(  # "砖墙" -> "水泥墙": the new material, not both
                h.entry.category not in cats_new
                for h in find_zh(rest, ("color", "size", "age", "material"))) else ""
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
        for k in range(h - 1, a - 1, -1):  # the count nearest the thing ("一只白兔", not the
            if self.toks[k][1].startswith("v") and k < h - 1:  # magician's "一个" before it)
                break
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
        # after the last verb of the phrase: "门口挂着[两盏]大红灯笼", not "[两盏]门口挂着…"
        at = max([k + 1 for k in range(a, h) if self.toks[k][1].startswith("v")], default=a)
        self._insert(at, zh_count(n2, self._w(h)))
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
                    if k == j and x[:1] in ZH_VERB_CHARS and not classify(x, ("place",)):
                        break  # "在踢球": doing, not a place
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
            landmark = (hits and hits[0].start == 0 and len(clause) - hits[0].end <= 4
                        and any(c.isupper() for c in hits[0].entry.en_phrase))
            # ", 现代城市,", ", 体育馆,", ", 白底,": a clause that is only where it is
            bare = len(clause) <= 6 and "背景" not in clause and (
                re.search(_ZH_PLACE_HEADS + "$", clause) or (
                hits and not re.match(_ZH_SUPPORTS, hits[0].text))) and not find_zh(
                clause, ("style", "camera", "time", "weather", "season"))
            if landmark or bare:
                self.removed.append(clause)
                changed = True
                continue
            timed = find_zh(clause, ("time", "weather", "season"))
            if timed and len(clause) <= 8 and (re.search(_ZH_PLACE_HEADS + "$", clause) or (
                    hits and not re.match(_ZH_SUPPORTS, hits[0].text))) and "背景" not in clause:
                kept = "".join(h.text for h in timed)  # "夜晚森林" -> "夜晚": the place goes
                self.removed.append(clause[len(kept):] if clause.startswith(kept) else clause)
                keep += [parts[k], kept]
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
                at = next((j for j in range(i - 1, a - 1, -1) if self._w(j).endswith("在")),
                          None)
                if at is not None and at > a:  # "一双皮鞋放在白色背景上": the shoes stay
                    was = "".join(self._w(k) for k in range(at + 1, b))
                    self._delete(at + 1, b)
                    self._insert(at + 1, v + ("上" if was.endswith("上") and v[-1] not in
                                             "上里中边" else ""))
                    return
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
            where = re.sub(r"(?:上面|里面|上|里|中|边)$", "", self._w(span[0]))
            if re.match(_ZH_SUPPORTS, v) and where and not re.search(_ZH_SUPPORTS, old):
                v = f"{where}的{v}"  # "坐在长椅上" in a park: the park's bench
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
