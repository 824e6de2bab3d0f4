"""Applying one :class:`Edit` to a Chinese prompt (:class:`~tools.rewrite.chinese.ZhPrompt`)."""

from __future__ import annotations

import re

from tools.rewrite.chinese import ZhPrompt
from tools.rewrite.parse_zh import _ZH_NUMCL
from tools.rewrite.vocab import (
    DARK_TIMES,
    MODIFIER_CATS,
    Edit,
    classify,
    entry,
    is_living,
    other_season_marks,
    to_prompt_lang,
    vocab_phrase,
    wear_kind,
)
from tools.rewrite.zh_words import (
    _ZH_POSE_WORD,
    _ZH_WEAR_VERB,
)
from tools.text import has_cjk, pos_segment
from tools.translate import zh_number


def apply_zh(p: ZhPrompt, e: Edit) -> None:
    target = (e.target if e.target in p.text else to_prompt_lang(e.target, "zh")) \
        if e.target else None  # "去掉RGB" to "…，RGB灯光": the prompt's own Latin letters
    value = to_prompt_lang(e.value, "zh") if e.value else None
    if e.kind == "remove":
        if e.key == "contents":
            if not p.clear_contents(target or ""):
                p.notes.append(f"{target}上没有东西")
            return
        if e.key and target and len(target) >= 2 and target in p.text and p.remove(target):
            return  # "去掉闪电": the lightning, not the whole storm
        if e.key:
            if not p.strip_vocab((entry(e.key).category,), e.key):  # type: ignore[union-attr]
                p.notes.append(f"画面里没有{target}")
            return
        parts = [x for x in re.split(r"和|跟|与|及|以及|还有|、", target or "") if x]
        if len(parts) > 1 and target not in p.text:  # "电视跟电视柜都删了": each of them
            for part in sorted(parts, key=len, reverse=True):
                if not p.remove(part):
                    p.notes.append(f"提示词里没有{part}")
                p.refresh()
            return
        if not (target and p.remove(target)):
            p.notes.append(f"提示词里没有{target}")
            return
        left = re.search(r"(?:^|[，,])((?:手里|手上|怀里|嘴里|头上|身上|脖子上)还?)(?=[，,。]|$)",
                         p.text)
        if left:  # "手里拿着鱼竿" without the rod: no empty hand left behind (that one, not
            p.substitute(left.group(1), "", left.start(1))  # an earlier "女孩手里…")
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
        if re.search(r"(?:旁边|左边|右边|前面|后面|上面|下面|附近|上|里)放着", value):
            p.append_segment(value)  # "杯子旁边放着一个牛角包"
            return
        m = _ZH_NUMCL.match(value)
        # the thing, without where it goes: "一个戴草帽的女孩坐在车头" adds a girl, not a car
        thing = re.split(r"正?[坐站躺趴靠蹲停睡飞走跑跳游挂立放]?在", m.group(3))[0] if m else ""
        if m and thing and p.find(thing) is not None:  # "加两只猫" to "一只猫"
            n = zh_number(m.group(1) + m.group(2)) or 1
            # "加两只猫" is two more; "让她拿两个气球" is two in all
            p.set_count(n, thing, relative=bool(re.search(r"[加添多再还]", e.text)))
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
        elif "在" in value:  # "一个戴草帽的女孩坐在车头", "一只大鹅在院子里溜达": said with
            p.append_segment(value)  # where it is
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
        span = p.find(target) if target else None
        worn = re.fullmatch(r"(.{1,6}?色?)(屋顶|顶|门|窗|窗户|墙|把手|轮子|帆|边|领子|袖子|扣子)",
                            value)
        look = re.search(r"(?:相间|条纹|格子|格纹|渐变|斑点|碎花|迷彩)的?$", value)
        if span is not None and (look or (
                worn and classify(worn.group(1), ("color", "material")))):
            # "船刷成蓝白相间的": a look of the boat; "农舍改成蓝色屋顶": the farmhouse's roof
            if worn:
                p.substitute(target, f"{value}的{target}")
            else:
                p.set_modifier(span, value, "color")
            return
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
        if e.kind == "color" and target and classify(target, ("color",)) and any(
                p.substitute(w, v) for w in (f"{target}色", target) if w in p.text):
            return  # "把蓝色换成红色": the colour said is the old one, wherever it is
        if span is None or (target and p.find(target) is None and e.owner is None
                            and not p.find_kin(target)):
            if target:  # "把她的头发染成粉色" when the prompt says nothing of hair
                p.append_segment(f"{v}的{target}")
            else:
                p.append_segment(v)
            return
        other = {"短": "长", "长": "短"}.get(v.rstrip("发"))
        if other and target and "发" in target and (
                p.substitute(other + "发", v.rstrip("发") + "发")
                or p.substitute(other + "头发", v.rstrip("发") + "头发")):
            return  # "把头发剪短", "头发改成长发": "长发女孩" -> "短发女孩"
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
        for how in ("手牵手", "手拉手", "肩并肩", "背靠背", "面对面", "并排"):
            if how in p.text and how not in value:
                p.remove(how)  # "手牵手走在海边" -> "在海边拥抱": how they walked goes too
        if e.key == "action":  # "让他扣篮": the whole doing, not one pose word
            p.set_action(_locate_zh(p, target, e.owner), value)
            return
        p.set_pose(_locate_zh(p, target, e.owner), value)
        return
    if e.kind in ("style", "time", "weather", "season", "camera"):
        if e.kind != "style" or not p.styled:  # a second style of one request adds to it
            p.strip_vocab((e.kind,))
        if e.kind == "season":
            for mark in other_season_marks(e.key, "zh"):
                if mark in p.text:
                    p.remove(mark)
        if e.kind == "time" and e.key in DARK_TIMES:
            p.strip_vocab(("weather",), "sunny")  # "晴天" is a day: no sunny night
        own = e.value if e.kind in ("time", "weather", "season") and has_cjk(e.value or "") \
            and len(e.value or "") >= 2 else None
        if e.kind == "style" and not p.styled:
            _strip_zh_medium(p)  # "照片", "电影感", "写实摄影": the old medium goes
            p.styled = True
        if e.kind == "style":
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
