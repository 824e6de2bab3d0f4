"""The deterministic, offline ``rules`` backend: parse the instruction, edit the prompt."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.rewrite.chinese import ZhPrompt
from tools.rewrite.chinese_edits import apply_zh
from tools.rewrite.conflicts import settle
from tools.rewrite.doubt import TALK_EN
from tools.rewrite.en_phrases import EN_LEAD, EN_TAIL
from tools.rewrite.english import EnPrompt
from tools.rewrite.english_edits import apply_en
from tools.rewrite.parse import parse_instructions
from tools.rewrite.parse_zh import _ZH_LEAD, _ZH_TAIL
from tools.rewrite.restate import restated
from tools.rewrite.vocab import Edit, find_vocab, to_prompt_lang
from tools.text import (
    MAX_INSTRUCTION_CHARS,
    clean_text,
    has_cjk,
    in_their_characters,
    language,
    simplified,
    stem,
)


@dataclass
class RulesOutcome:
    prompt: str
    edits: list[Edit]
    removed: list[str]
    added: list[str]
    notes: list[str]


def apply_rules(prompt: str, instruction: str) -> RulesOutcome:
    """The deterministic rewrite, with a trace of the words it removed and added.

    A prompt in traditional characters ("一張木櫈擺喺白色牆前面") is read in simplified ones,
    as the instruction is, and given back in the user's own characters: the words it kept as
    they were written, the new ones in traditional form.
    """
    plain = simplified(prompt)
    if plain != prompt:
        out = _apply(plain, simplified(instruction))
        return RulesOutcome(in_their_characters(prompt, plain, out.prompt), out.edits,
                            out.removed, out.added, out.notes)
    return _apply(prompt, instruction)


_VALUE_CATS = ("color", "material", "style", "time", "weather", "season", "size", "shape",
               "age", "expression", "state")
_COUNTED = re.compile(r"\d|[一二两三四五六七八九十几]")
# "白鹭->灰鹤", "一只 → 五只", "red => blue": the words before the arrow become those after it
_ARROW = re.compile(r"^\s*(?P<a>[^:：>→⇒]{1,30}?)\s*(?:->|→|=>|⇒|-->)\s*(?P<b>[^:：>→⇒]{1,40}?)"
                    r"[\s.。!！]*$")


def _arrow(prompt: str, instruction: str) -> RulesOutcome | None:
    """A Chinese instruction that is only "old -> new", when the prompt has the old words (or
    their last characters: "橱柜深棕->雾霾蓝" on "橱柜是深棕色的")."""
    m = _ARROW.match(instruction)
    if not m or not has_cjk(m.group("a")):
        return None  # English arrows are read by the parser ("bear → plush bunny": the whole
        # "teddy bear" is the thing)
    a, b = m.group("a").strip(), m.group("b").strip()
    kinds_a = {h.entry.category for h in find_vocab(a, _VALUE_CATS)}
    kinds_b = {h.entry.category for h in find_vocab(b, _VALUE_CATS)}
    if kinds_b and not kinds_a & kinds_b or _COUNTED.search(a) and not _COUNTED.search(b):
        return _apply(prompt, f"把{a}改成{b}", arrows=False)  # "车->红色": the thing gets it
    for old in [a[k:] for k in range(len(a) - 1)]:
        found = re.search(re.escape(old), prompt)
        if found:
            out = prompt[:found.start()] + b + prompt[found.end():]
            return RulesOutcome(out, [Edit("replace", old, b)], [old], [b], [])
    return None


_ZH_BEYOND = re.compile(r"^(?:把|将)?(背后|背景|窗外|远处|身后|后面|外面|门外|天空|天上)"
                        r"(?:的景色|的风景)?(?:换成|改成|变成|换为|改为)(?:了)?"
                        r"([^，,。！!？?]+?)[吧啊呀。！!]*$")


def _beyond(prompt: str, instruction: str) -> RulesOutcome | None:
    """"背后换成惊涛骇浪的大海" to "…，背后是平静的湖面": what is said to be there changes."""
    m = _ZH_BEYOND.match(instruction.strip())
    if not m:
        return None
    if not has_cjk(prompt):  # an English picture: what is behind is its background
        if m.group(1) in ("背后", "身后", "后面", "远处"):
            return _apply(prompt, f"把背景换成{m.group(2)}", arrows=False)
        return None
    said = re.search(rf"{m.group(1)}(?:是|有)([^，,。]+)", prompt)
    if not said and m.group(1) not in ("背景", "天空", "天上") and m.group(1) not in prompt:
        out = f"{prompt.rstrip('，,。 ')}，{m.group(1)}是{m.group(2)}"  # "窗外…" said anew
        return RulesOutcome(out, [Edit("add", None, m.group(2))], [], [m.group(2)], [])
    if not said:
        return None
    out = prompt[:said.start(1)] + m.group(2) + prompt[said.end(1):]
    return RulesOutcome(out, [Edit("background", None, m.group(2))], [said.group(1)],
                        [m.group(2)], [])


def _apply(prompt: str, instruction: str, arrows: bool = True) -> RulesOutcome:
    arrow = (_arrow(prompt, instruction) or _beyond(prompt, instruction)) if arrows else None
    if arrow is not None:
        return arrow
    again = restated(prompt, instruction)
    if again is not None:  # "now: a woman with a short red bob, studio portrait"
        return RulesOutcome(again, [Edit("replace", None, again, key="restate")], [], [],
                            ["I read your words as the whole new picture"])
    instruction = by_position(prompt, instruction)
    edits = parse_instructions(instruction)
    lang = language(prompt)
    p: EnPrompt | ZhPrompt = ZhPrompt(prompt) if lang == "zh" else EnPrompt(prompt)
    notes: list[str] = []
    if not edits:
        extra = _free_text(instruction, lang)
        if extra and isinstance(p, EnPrompt) and not has_cjk(extra) and _described(extra) \
                and p.restate(extra):
            notes.append("I read your words as a new description of that part of the picture")
        elif extra:
            p.append_segment(extra)
            notes.append("I did not recognise a specific change, so I added your words to "
                         "the prompt")
        else:
            notes.append("I could not tell what to change, so the prompt is unchanged")
    for e in edits:
        if isinstance(p, ZhPrompt):
            apply_zh(p, e)
            p.refresh()
        else:
            apply_en(p, e)
    notes += p.notes
    notes += _contradictions(edits)
    out = settle(prompt, p.render() or prompt, instruction, edits) or prompt
    out = _one_language(prompt, out) or prompt
    return RulesOutcome(out, edits, list(p.removed), list(p.added), notes)


_SIDE = r"(left|right|middle|center|centre|top|bottom|front|back|foreground|background|corner)"
_BY_POSITION_EN = re.compile(
    rf"\bthe\s+(?:thing|one|object|item|stuff|bit|part)\s+(?:on|at|in|to)\s+the\s+{_SIDE}"
    r"(?:\s+(?:side|corner))?\b", re.I)
_BY_POSITION_ZH = re.compile(r"(左边|右边|中间|左侧|右侧|前面|后面|角落)(?:的)?"
                             r"(?:那个|那只|那盏|那张|那本|那件|那朵|那棵|东西)")


def by_position(prompt: str, instruction: str) -> str:
    """'make the thing on the left red' said of "a desk with a green lamp on the left …":
    the instruction names the lamp; '左边那个' the thing the prompt puts on the left."""
    m = _BY_POSITION_EN.search(instruction)
    if m and not has_cjk(prompt):
        side = m.group(1).lower().replace("centre", "center")
        place = re.search(rf"\b([a-z][\w-]*)\s+(?:(?:standing|sitting|lying|placed|hanging)\s+)?"
                          rf"(?:on|at|in|to)\s+the\s+{side}\b", prompt, re.I)
        if place and place.group(1).lower() not in ("and", "with", "is", "are", "the", "a"):
            return instruction[:m.start()] + f"the {place.group(1)}" + instruction[m.end():]
        return instruction
    z = _BY_POSITION_ZH.search(instruction)
    if z and has_cjk(prompt):
        place = re.search(rf"{z.group(1)}(?:是|有|放着|摆着|挂着)?(?:一[个盏只张本件朵棵])?"
                          r"(?:[\u4e00-\u9fff]{0,3}的)?([\u4e00-\u9fff]{1,3}?)(?=[，,。、和]|$)",
                          prompt)
        if place:
            return instruction[:z.start()] + place.group(1) + instruction[z.end():]
    return instruction


# the request's English talk, as a word (a few are also words of prompts: "the way", "like")
_TALK_EN_WORD = re.compile(
    r"(?<![A-Za-z'])(?:" + "|".join(sorted(
        TALK_EN - {"way", "like", "have", "do", "does", "did", "turn"}, key=len, reverse=True))
    + r")(?![A-Za-z'])", re.I)


def _one_language(prompt: str, out: str) -> str:
    """``out`` in the prompt's language: Chinese words a translation left in an English prompt
    ("in a 演唱会 stage") are translated again or dropped, and the request's English talk
    ("instead", "please") leaves a Chinese one."""
    if has_cjk(prompt):
        out = _TALK_EN_WORD.sub(lambda m: m.group(0) if re.search(
            rf"(?<![A-Za-z]){re.escape(m.group(0))}(?![A-Za-z])", prompt, re.I) else "", out)
        return re.sub(r"\s{2,}", " ", out).strip()

    def english(m: re.Match[str]) -> str:
        if m.group(0) in prompt:
            return m.group(0)
        en = to_prompt_lang(m.group(0), "en")
        return "" if has_cjk(en) else f" {en} "

    out = re.sub(r"[\u3400-\u9fff]+", english, out)
    out = re.sub(r"\s+([,.])", r"\1", re.sub(r"\s{2,}", " ", out))
    return re.sub(r"\b(a|an)\s+(?=[,.]|$)", "", out).strip(" ,")


def _described(text: str) -> bool:
    """A noun phrase, not a sentence: no verb of its own ("blue sky with a few clouds")."""
    words = text.lower().split()
    return 1 < len(words) <= 10 and not any(
        w in ("is", "are", "was", "be", "make", "should", "could", "can", "would", "will",
              "i", "you", "it", "he", "she", "they", "we", "more", "less", "no", "not")
        for w in words) and not re.search(r"\w+(?:ing|ed)\b", words[0])


def _free_text(instruction: str, lang: str) -> str:
    s = clean_text(instruction, MAX_INSTRUCTION_CHARS)
    if has_cjk(s):
        s = _ZH_TAIL.sub("", _ZH_LEAD.sub("", s))
        s = re.sub(r"^(?:让它|让画面|让|使它|使|更加|更)", "", s)
    else:
        s = EN_TAIL.sub("", EN_LEAD.sub("", s))
        s = re.sub(r"^(?:make|let|have)\s+(?:it|this|the (?:image|picture|scene))\s+(?:look\s+)?",
                   "", s, flags=re.I)
    s = s.strip(" ,.;")
    if not re.search(r"[A-Za-z\u4e00-\u9fff]", s) or len(s) > 80 or len(s.split()) > 12:
        return ""  # not a description worth adding: keep the prompt as it is
    return to_prompt_lang(s, lang) if s else ""


def _contradictions(edits: list[Edit]) -> list[str]:
    notes = []
    adds = {stem((e.value or "").split()[-1]) for e in edits if e.kind == "add" and e.value}
    for e in edits:
        if e.kind == "remove" and e.target and stem(e.target.split()[-1]) in adds:
            notes.append(f"you asked both to add and to remove {e.target}; I followed the "
                         "later request")
    return notes
