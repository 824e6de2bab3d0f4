"""Chinese change instructions -> :class:`Edit` s ("把猫换成狗", "背景换成海边")."""

from __future__ import annotations

import re
from dataclasses import replace

from tools.rewrite.en_values import value_edits_en
from tools.rewrite.vocab import (
    MODIFIER_CATS,
    Edit,
    classify,
    find_zh,
    is_living,
    vocab_edits,
)
from tools.rewrite.zh_words import ZH_ACTION_CHARS, ZH_VERB_CHARS
from tools.text import ZH_CLASSIFIERS, ZH_NUMERALS, has_cjk, pos_segment
from tools.translate import zh_number

# ------------------------------------------------------------------------ Chinese parser

_ZH_LEAD = re.compile(r"^(?:请你?|麻烦你?|帮我|帮忙|给我|我想要?|我要|我希望|希望|能不能|能否|"
                      r"可以|可不可以|再|然后|并且|并|还要|另外|同时|把它|让我们|试试|试着)+")
_ZH_TAIL = re.compile(r"(?:吧|呢|啊|呀|哦|呗|嘛|哈|咯|啦|一下|好吗|可以吗|行吗|谢谢|就好|就行|即可|"
                      r"看看|咋样|怎么样|如何|好不好|行不行|可不可以|成不成)*"
                      r"[。！!？?.~～\s]*$")
_ZH_REMOVE = (r"[Pp][Ss]?掉|修掉|弄掉|弄走|搬走|赶走|消掉|抠掉|裁掉|干掉|去除掉|"
              r"删去|移去|除去|去掉|去除|删掉|删除|移除|移走|拿掉|拿走|摘掉|摘下|脱掉|取消|"
              r"消除|抹掉|擦掉|清除|不要了|去了|删了|剃掉|刮掉|拿开|扔掉|丢掉|撤掉|移开|清理掉|摘了|脱了|"
              r"扔了|丢了|[整弄搞]没了?|去|删")
_ZH_CHANGE = (r"换成|改成|变成|替换成|替换为|换为|改为|变为|改画成|画成|涂成|染成|调成|弄成|做成|"
              r"变作|换作|改作|刷成|漆成|喷成|喷涂成|粉刷成|整成|搞成|修改为|修改成|更换为|更换成|"
              r"更改为|更改成|调整为|调整成|替换成为")
_ZH_ADD = (r"加点|加些|加一些|添点|加上|加个|加一个|加入|添加|添上|增加|增添|放上|放一个|放个|"
           r"增设|添置|撒点|撒些|撒上|撒一些|铺上|来几只|来几个|来几朵|"
           r"画上|画一个|画个|戴上|穿上|戴个|戴一个|戴副|戴一副|戴顶|戴一顶|穿件|穿一件|"
           r"配上|配个|带上|多加|再加|再来|来一个|来个|加")
_ZH_PRONOUN = re.compile(r"^(?:它|他|她|它们|他们|她们|这个|那个|这|那|整体|画面|图片|整个画面|图|"
                         r"照片|主体|整张图|这张图|其|人物|主角|画中人|人)$")
_ZH_SCENE = re.compile(r"^(?:背景|场景|环境|地点|背景图|周围|环境背景)$")
_ZH_NUMCL = re.compile(rf"^([{ZH_NUMERALS}]+)([{ZH_CLASSIFIERS}])(.*)$")


_ZH_ATTR = {"颜色": "color", "色": "color", "发色": "color", "毛色": "color", "色调": "color",
            "材质": "material", "材料": "material", "质地": "material", "面料": "material",
            "形状": "shape", "外形": "shape", "大小": "size", "尺寸": "size", "个头": "size",
            "年龄": "age", "表情": "expression", "神情": "expression", "情绪": "expression",
            "心情": "expression", "姿势": "pose", "动作": "pose", "姿态": "pose",
            "状态": "state"}
_ZH_ATTR_RE = "|".join(sorted(_ZH_ATTR, key=len, reverse=True))
_ZH_PLACE_SUFFIX = r"(?:脸上|头上|身上|手上|手里|脖子上|脚上|鼻子上|眼睛上|背上|上面|上|里|中)"
# verbs of a pose or an action ("让狗跑起来", "让他坐下")
_ZH_POSE = sorted(
    "投篮 踢球 吃草 走路 跑步 打球 弹琴 看报 露营 做饭 骑车 钓鱼 游 坐 "
    "站 躺 跑 走 跳 飞 游泳 睡觉 睡 跪 蹲 趴 玩 玩耍 奔跑 散步 跳舞 "
    "爬 吃 喝 看书 读书 唱歌 挥手 拥抱 奔驰 飞奔 打滚 伸懒腰 打哈欠 追 "
    "追逐 嬉戏 休息 骑 倚 靠 跳跃 飞翔 奔腾 漫步 行走 站立 坐下 躺下 "
    "蹲下 跪下 趴下 睡着 打架 亲吻 抬头 低头 回头 招手 举手 弯腰 转身 "
    "微笑 大笑 哭 笑 醒 醒来 醒着".split(), key=len, reverse=True)
_ZH_POSE_RE = "|".join(_ZH_POSE)


_ZH_STATE_VERBS = {"打开": "打开", "关上": "关着", "关起来": "关着", "关掉": "关着",
                   "合上": "关着", "点燃": "点燃", "点亮": "点燃", "熄灭": "熄灭", "吹灭": "熄灭",
                   "打碎": "破碎", "打破": "破碎", "摔碎": "破碎", "装满": "装满", "倒满": "装满",
                   "清空": "空的", "倒空": "空的", "弄湿": "湿", "擦干": "干燥", "冻住": "冰冻",
                   "融化": "融化", "切开": "切开", "弄脏": "脏", "弄干净": "干净",
                   "翻开": "打开", "掀开": "打开", "拉开": "打开", "推开": "打开", "睁开": "睁开",
                   "闭上": "闭上", "合起来": "关着", "拉上": "关着", "关好": "关着",
                   "倒空了": "空的", "喝光": "空的", "喝完": "空的", "弄乱": "乱",
                   "剪短": "短", "剪掉": "短", "留长": "长", "弄干": "干燥", "淋湿": "湿",
                   "点上": "点燃", "点着": "点燃", "开亮": "点燃", "关灭": "熄灭"}


def _zh_target(text: str | None) -> str | None:
    return _zh_owner(text)[0]


def _zh_owner(text: str | None) -> tuple[str | None, str | None]:
    """"男人脸上的眼镜" -> ("眼镜", "男人"); "她的头发" -> ("头发", None); "它" -> (None, None)."""
    if not text:
        return None, None
    t = text.strip().strip("的")
    t = re.sub(r"^(?:那个|这个|那只|这只|那些|这些|那|这)", "", t)
    t = re.sub(r"的?颜色$", "", t)
    owner = None
    if "的" in t:
        own, _, t = t.rpartition("的")
        own = re.sub(_ZH_PLACE_SUFFIX + "$", "", own)
        owner = None if not own or _ZH_PRONOUN.match(own) else own
    elif m := re.fullmatch(rf"(.+?){_ZH_PLACE_SUFFIX}(.+)", t):
        if len(m.group(2)) >= 2 and not classify(t):
            owner, t = m.group(1), m.group(2)
    if not t or _ZH_PRONOUN.match(t):
        return None, owner
    return t, owner


def _zh_attribute_of(obj: str) -> tuple[str | None, str | None, str | None]:
    """"裙子的颜色" -> ("裙子", "color", None); "她的头发" -> ("头发", None, None)."""
    o = obj.strip()
    m = re.fullmatch(rf"(.*?)的?({_ZH_ATTR_RE})", o)
    if m:
        attr = _ZH_ATTR[m.group(2)]
        target, owner = _zh_owner(m.group(1))
        if m.group(2) == "发色":
            target, owner = "头发", target
        elif m.group(2) == "毛色":
            target, owner = "毛", target
        return target, attr, owner
    target, owner = _zh_owner(o)
    return target, None, owner


def _zh_modifier_edits(value: str, target: str | None, text: str, attr: str | None = None,
                       owner: str | None = None, old: str | None = None) -> list[Edit]:
    v = re.sub(r"^(?:看起来|看上去|显得|变得|更加|更|很|非常|有点|一点|全|纯|整个|全部)+", "",
               value.strip())
    v = re.sub(r"(?:一点|一些|些|的|一样|点|起来|下来|了)+$", "", v).strip()
    v = re.sub(r"(?:做的|制的|做成的|制成的|材质的|做|制)$", "", v) or v
    m = re.fullmatch(rf"(.+?)的?({_ZH_ATTR_RE})", v)
    if m and attr is None and classify(m.group(1), MODIFIER_CATS):  # "天鹅绒材质"
        v, attr = m.group(1), _ZH_ATTR[m.group(2)]
    if not v:
        return []
    if attr == "pose" or (attr is None and re.match(_ZH_POSE_RE, v)):
        pose = _zh_pose_edits(v, target, text, owner, old)
        if not pose and attr == "pose":  # "士兵的动作改为投掷长矛": a doing the list lacks
            pose = [Edit("pose", target=target, value=re.sub(r"^(?:正在|在)", "", v),
                         key="action", owner=owner, lang="zh", text=text)]
        if pose or attr == "pose":
            return pose
    cats = (attr,) if attr in MODIFIER_CATS else MODIFIER_CATS
    hits = classify(v, cats)
    if hits:
        return [Edit(h.entry.category, target=target, value=h.text, key=h.entry.key,
                     owner=owner, old=old, lang="zh", text=text) for h in hits]
    if attr in MODIFIER_CATS and len(v) <= 6:
        return [Edit(attr, target=target, value=v, owner=owner, old=old, lang="zh",
                     text=text)]
    return []


def _zh_let_edits(c: str, text: str) -> list[Edit]:
    """"让男人哭", "让狗跑起来", "让她看起来很伤心", "把房子变大", "猫变胖一点"."""
    m = re.fullmatch(r"(?:让|使|叫|把|将)?(.+)", c)
    body = m.group(1) if m else c
    lead = c[:len(c) - len(body)]
    splits = [(k, explicit) for explicit in (True, False) for k in range(1, min(len(body), 10))]
    for k, explicit in splits:
        who, rest = body[:k], body[k:]
        if explicit and not re.match(rf"(?:都|也|一起)?(?:看起来|看上去|显得|变成|变为|换成|改成|"
                                     rf"变得|变|开始|在|(?:{_ZH_POSE_RE}|停)(?:在|到))", rest):
            continue
        if lead in ("把", "将") or not lead:
            v = re.match(r"(?:都|也)?(?:变得|变|弄得|弄|调得|调)(?:得)?", rest)
            if not v:
                continue
            rest = rest[v.end():]
        else:
            rest = re.sub(r"^(?:都|也|一起)?(?:看起来|看上去|显得|变成|变为|换成|改成|变得|变|"
                          r"开始|在)?", "", rest)
        if not rest or re.match(r"(?:戴|穿|拿|抱|举|加|配|添|画|成)", rest):
            continue
        target, owner = _zh_owner(who)
        place = re.fullmatch(rf"(?:{_ZH_POSE_RE}|停|待|呆|留)?(?:在|到)(.+?)(上|里|中|下|边|旁边)?"
                             rf"((?:{_ZH_POSE_RE}).*)?", body[k:])
        if explicit and place and (classify(place.group(1), ("place",)) or place.group(2)
                                   or place.group(3)):
            # "让她在树下跳舞", "让车停在山顶上": a new place (and maybe a new action)
            where = place.group(1) + (place.group(2) or "")
            found = [Edit("background", value="在" + where, lang="zh", text=text)]
            verb = re.match(rf"(?:{_ZH_POSE_RE}|停)", body[k:])
            action = place.group(3) or (verb.group(0) if verb else "")
            if action:
                found += _zh_pose_edits(action, target, text, owner)
            return found
        if explicit and re.match(r"(?:变成|变为|换成|改成)", body[k:]):
            found = _zh_modifier_edits(rest, target, text, None, owner)
            return found or _zh_change(who, rest, text)
        found = _zh_modifier_edits(rest, target, text, None, owner)
        if found:
            return found
    return []


def _zh_pose_edits(value: str, target: str | None, text: str, owner: str | None = None,
                   old: str | None = None) -> list[Edit]:
    v = re.sub(r"^(?:一起|在|正在|开始|都)+", "", value.strip())
    v = re.sub(r"(?:起来|下来|过来|了|着|吧)+$", "", v)
    v = re.sub(r"^(伸|打|睡|洗|散|跑|跳)个", r"\1", v)  # "伸个懒腰"
    v = re.sub(r"^([坐躺蹲跪趴])下$", r"\1", v)
    m = re.match(_ZH_POSE_RE, v)
    if not m:
        return []
    if v in ("微笑", "大笑", "哭", "笑"):
        return [Edit("expression", target=target, value=v, owner=owner, old=old, lang="zh",
                     text=text)]
    return [Edit("pose", target=target, value=v, owner=owner, old=old, lang="zh", text=text)]


def _value_edits_zh(value: str, target: str | None, text: str) -> list[Edit]:
    v = (_ZH_VALUE_HEDGE.sub("", value.strip()) or value).strip().strip("的").strip()
    if not v:
        return []
    m = re.fullmatch(r"(.+?)(?:那种|这种|的)?(材质|质地|材料|结构|构造)", v)
    hits = find_zh(m.group(1), ("material",)) if m else []
    if hits:  # "弄成玻璃烧杯那种材质": what it is made of, said by a thing of that stuff
        h = hits[0]
        return [Edit("material", target=target, value=h.text, key=h.entry.key, lang="zh",
                     text=text)]
    if not has_cjk(v):
        return [replace(e, lang="zh") for e in value_edits_en(v, target, text)]
    hits = classify(v)
    if hits:
        return vocab_edits(hits, "zh", text, target)
    mods = _zh_modifier_edits(v, target, text)
    if mods and mods[0].kind != "pose":  # "改成玉石的": what it is made of
        return mods
    if re.search(r"(?:素描|速写|画|风格|画风|插画|漫画|照片|动画|雕塑|雕像|剪纸|版画)$", v) and (
            target is None or find_zh(v, ("style",))):
        style = find_zh(v, ("style",))
        return [Edit("style", value=v, key=style[0].entry.key if style else None, lang="zh",
                     text=text)]
    m = _ZH_NUMCL.match(v)
    if m:
        n = zh_number(m.group(1) + m.group(2))
        noun = m.group(3).strip() or None
        if n is not None and (noun is None or len(noun) <= 4):
            if noun is None or n > 1:
                return [Edit("count", target=noun or target, count=n, lang="zh", text=text)]
            v = noun  # "换成一只狗": a replacement that happens to say "one"
    place = classify(v, ("place",))
    if place and target is None and re.match(r"^在", value.strip()):
        return [Edit("background", value=v, key=place[0].entry.key, lang="zh", text=text)]
    return [Edit("replace", target=target, value=v, lang="zh", text=text)]


def parse_zh(clause: str) -> list[Edit]:
    c = _ZH_TAIL.sub("", _ZH_LEAD.sub("", clause.strip())).strip(" ，,。")
    c = re.sub(r"(伸|打|睡|洗|散)个(懒腰|哈欠|盹|澡|步)", r"\1\2", c)  # "伸个懒腰"
    c = re.sub(r"([\u4e00-\u9fff])一\1", r"\1", c)  # "笑一笑"
    # "改成只有一个小孩" -> "只要一个小孩"
    c = re.sub(r"^(?:改成|变成|换成|改为)?只(?:有|剩下|剩|留下|留)(?=[一两二三四五六七八九十\d])",
               "只要", c)
    # "把他改得很瘦" -> "让他变瘦"
    c = re.sub(r"^(?:把|将)(.{1,8}?)(?:改|变|弄|画|调)得(?:很|更|非常|超级|特别|再|更加)?(.{1,4})$",
               r"让\1变\2", c)
    # "瓶子要超级大的那种", "瓶子大一点": the value without the hedges around it
    c = re.sub(r"(?<=[\u4e00-\u9fff])(?:的那种|那种|的那样|一点儿|一点|一些|点儿)$", "", c)
    for k in range(max(1, len(c) - 3), len(c)):
        m = re.fullmatch(r"(.{1,6}?)(?:要|得|再)?(?:超级|特别|非常|很|更|再|稍微|有点)?", c[:k])
        size = find_zh(c[k:], ("size",))
        if m and not re.search(r"[把将让给变]", c[:k]) and size and size[0].text == c[k:]:
            c = f"让{m.group(1)}变{c[k:]}"  # "瓶子大一点" -> "让瓶子变大"
            break
    # "风筝要是龙的形状", "把风筝改成心形的": a shape is "<thing>形"
    c = re.sub(r"([\u4e00-\u9fff]{1,4}?)的?(?:形状|外形|造型)(?:的)?$", r"\1形", c)
    c = re.sub(r"^(.{1,8}?)(?:要是|要|得是|应该是|是)(.{1,4}形)$", r"把\1改成\2", c)
    # "城堡用冰做的", "城堡是冰做的", "用冰做城堡": what it is made of
    m = re.fullmatch(r"(?:把|将|让)?([^让使把将变改换是用]{1,8}?)(?:要|得|应该)?"
                     r"(?:是|改成|换成|变成|改为)?用?([^改换是用成变把将]{1,4}?)"
                     r"(?:做|制|造|雕|砌|打造|制作|做成|雕刻)(?:成)?的", c)
    if m is not None:
        c = f"把{m.group(1)}改成{m.group(2)}做的"
    else:
        m = re.fullmatch(r"用(.{1,4}?)(?:做|制作|打造|雕刻|造)(?:一个|个)?(.{1,8})", c)
        if m:
            c = f"把{m.group(2)}改成{m.group(1)}做的"
    # "雨停了", "不下雪了", "雨过天晴": the weather goes
    m = re.fullmatch(r"(雨|雪|风|暴风雨|雷雨)(?:也)?(?:停了|停下来了|停|没了)|"
                     r"不(?:再)?下(雨|雪)了?|(雨)过天晴", c)
    if m:
        what = next(g for g in m.groups() if g)
        hits = classify(what, ("weather",))
        return [Edit("remove", target=what, key=hits[0].entry.key if hits else None, lang="zh",
                     text=c)]
    # "猫在打哈欠", "狗正在睡觉": what it is doing now
    m = re.fullmatch(rf"(.{{1,8}}?)(?:正在|在|正)({_ZH_POSE_RE})(?:着|呢|了)*", c)
    if m and not re.match(r"(?:让|把|将|给)", c):
        target, owner = _zh_owner(m.group(1))
        found = _zh_pose_edits(m.group(2), target, c, owner)
        if found:
            return found
    # "让她拿两个气球", "给她三个气球": what she holds, counted
    m = re.fullmatch(rf"(?:让([^变成改换]{{1,6}}?)(?:手里)?(?:拿着|拿|抱着|抱|举着|举|带着|带|有)|"
                     rf"给([^变成改换]{{1,6}}?))([{ZH_NUMERALS}]+[{ZH_CLASSIFIERS}].{{1,6}})", c)
    if m:  # "给猫戴上一顶帽子": the cat, without the verb of wearing
        who = re.sub(r"(?:戴上|戴着|戴|穿上|穿着|穿|拿着|拿|抱着|抱|带上|带着|背着|背|配上|"
                     r"加上|加)$", "", m.group(1) or m.group(2))
        return _zh_add(m.group(3), _zh_target(who), c)
    # --- "苹果的数量调整为三个": how many in all
    m = re.fullmatch(rf"(?:把|将)?(.{{1,8}}?)的?(?:数量|个数|数目)(?:{_ZH_CHANGE}|增加到|增加至|"
                     rf"减少到|变|改|是|要)([{ZH_NUMERALS}]+)([{ZH_CLASSIFIERS}])", c)
    if m and zh_number(m.group(2) + m.group(3)):
        return [Edit("count", target=m.group(1), count=zh_number(m.group(2) + m.group(3)),
                     lang="zh", text=c)]
    # --- "柠檬片加到三片", "狗变成三只": how many in all
    m = re.fullmatch(rf"(.{{1,8}}?)(?:加到|增加到|增加至|变成|改成|变为|减少到|减到)"
                     rf"([{ZH_NUMERALS}]+)([{ZH_CLASSIFIERS}])", c)
    if m and zh_number(m.group(2) + m.group(3)):
        return [Edit("count", target=m.group(1), count=zh_number(m.group(2) + m.group(3)),
                     lang="zh", text=c)]
    m = re.fullmatch(r"(?:别|不要|不再|不用)(?:再)?([\u4e00-\u9fff]{2,6}?)(?:了)?", c)
    if m and not classify(m.group(1)) and (m.group(1)[0] in ZH_VERB_CHARS or list(
            pos_segment(m.group(1)))[0][1].startswith("v")):
        # "别织毛衣了" after "让她织围巾": what she stops doing (the new doing is said)
        return [Edit("pose", old=m.group(1), lang="zh", text=c)]
    m = re.fullmatch(rf"(.+?)(?:别|不要|不再|不用)(?:再)?({_ZH_POSE_RE})(?:着|了)*", c)
    if m:  # "狗别睡了": what it should stop doing (the next clause says what instead)
        target, owner = _zh_owner(m.group(1))
        return [Edit("pose", target=target, owner=owner, old=m.group(2), lang="zh", text=c)]
    if not c:
        return []
    text = c

    # --- "把裙子的颜色从红色改成绿色", "把猫从坐着改成站着"
    m = re.fullmatch(rf"(?:把|将|让)?(.*?)(?:从|由)(.+?)(?:{_ZH_CHANGE}|变|改|换)(.+)", c)
    if m:
        target, attr, owner = _zh_attribute_of(m.group(1))
        old = m.group(2).strip().strip("的")
        if attr is None:
            hits = classify(old, MODIFIER_CATS)
            attr = hits[0].entry.category if hits else (
                "pose" if re.match(_ZH_POSE_RE, old) else None)
        if attr:
            found = _zh_modifier_edits(m.group(3), target, text, attr, owner, old)
            if found:
                return found
        edits = _value_edits_zh(m.group(3), old if target is None else target, text)
        return [replace(e, old=old, owner=e.owner or owner) for e in edits]

    # --- "让女孩坐着而不是站着": the first part, the second is what it replaces
    m = re.fullmatch(r"(.+?)[，,]?(?:而不是|而非|不要再?|不再)(.+)", c)
    if m and re.match(r"(?:让|使|把|将)?[^，,]*$", m.group(2)) is not None:
        edits = parse_zh(m.group(1))
        old = re.sub(r"(?:着|了|的)$", "", m.group(2).strip())
        if edits:
            return [e if e.old else replace(e, old=old) for e in edits]

    # --- state: "把门打开", "把蜡烛点燃"
    m = re.fullmatch(rf"(?:把|将|让)(.+?)({'|'.join(_ZH_STATE_VERBS)})(?:了|起来|吧)?", c)
    if m is None:  # "台灯关了", "门打开", "蜡烛点燃": the thing, then its new state
        m = re.fullmatch(rf"([^把将让给]{{1,6}}?)(?:也|都)?({'|'.join(_ZH_STATE_VERBS)}|关|开)"
                         rf"(?:了|起来|着)", c) or re.fullmatch(
            rf"([^把将让给]{{1,6}}?)(?:也|都)?({'|'.join(_ZH_STATE_VERBS)})(?:吧|一下)?", c)
        if m and m.group(2) in ("关", "开"):
            m = re.fullmatch(r"(.+?)(关掉|打开)", m.group(1) + {"关": "关掉", "开": "打开"}[
                m.group(2)])
    if m is None:  # "让杯子装满水", "杯子里倒满咖啡"
        m = re.fullmatch(r"(?:把|将|让)?(.+?)(?:里面|里)?(装满|倒满)(?:了)?(.{1,6})", c)
    if m:
        target, owner = _zh_owner(m.group(1))
        state = _ZH_STATE_VERBS[m.group(2)]
        if re.search(r"灯|电视|屏幕|蜡烛|火", target) and state == "打开":
            state = "点燃"  # a lamp is switched on, not opened
        found = _zh_modifier_edits(state, target, text, "state", owner)
        if found and m.lastindex == 3:
            found += _zh_add(m.group(3), target, text)
        if found:
            return found

    # --- pose, expression: "让狗跑起来", "让他坐下", "让她看起来很伤心", "让她笑"
    found = _zh_let_edits(c, text)
    if found:
        return found

    # --- "去掉桌上的东西", "把桌子上的东西都拿走", "清空桌子": what is on it goes, it stays
    mc = re.fullmatch(rf"(?:(?:{_ZH_REMOVE})(?:了|掉)?|把|将)(.{{1,6}}?)(?:上面|上|里面|里)的?"
                      rf"(?:所有|全部|一切)?(?:东西|物品|杂物|一切|摆设)(?:都|全都|全部)?"
                      rf"(?:给)?(?:{_ZH_REMOVE})?(?:了|掉|吧)?", c)
    if mc is None:
        mc = re.fullmatch(r"(?:清空|清理|收拾干净|收拾)(?:一下)?(?:了)?(.{1,6}?)(?:上面|上)?", c)
    if mc:
        return [Edit("remove", target=mc.group(1), key="contents", lang="zh", text=text)]
    m = re.fullmatch(rf"(?:把|将)(.+?)(?:给)?(?:{_ZH_REMOVE})(?:了|掉)?", c)
    if m is None:
        m = re.fullmatch(rf"(?:{_ZH_REMOVE})(?:了|掉)?(?:那个|这个|那些|这些)?(.+)", c)
    if m is None:
        m = re.fullmatch(r"(?:不要|别要|不要有|别有|没有|不带|不需要|不用)(?:那个|这个)?(.+)", c)
    if m is None:
        m = re.fullmatch(r"(?:让|把)?(.+?)(?:消失|不见)(?:了)?", c)
    if m is None:  # "彩虹去掉", "墙上的时钟不要了"
        m = re.fullmatch(rf"([^把将让给在]{{1,12}}?)(?:也|都|就)?(?:给)?"
                         rf"(?:{_ZH_REMOVE}|不要|不需要)(?:了|掉|吧)?", c)
    if m:
        what = (_zh_target(m.group(1)) or m.group(1)).strip()
        what = re.sub(r"(?:都|全|全部|也|了)+$", "", what)  # "把游客都去掉"
        # "那棵松树": the tree, not its measure word
        what = re.sub(rf"^(?:那|这)?[{ZH_NUMERALS}]*[{ZH_CLASSIFIERS}](?=..)", "", what)
        hits = classify(what)
        if hits:
            return [Edit("remove", target=what, key=hits[0].entry.key, lang="zh", text=text)]
        return [Edit("remove", target=what, lang="zh", text=text)]

    # --- "地球放在背景里", "把月亮加到天上": a thing added where it is seen
    m = re.fullmatch(r"(?:把|将)?([^把将让给]{1,8}?)(?:也)?(?:放在|放到|放进|加在|加到|画在|挂在|"
                     r"出现在)(背景|远处|天上|天空|后面|身后)(?:里|中|上|里面)?", c)
    if m and not _ZH_PRONOUN.match(m.group(1)):
        where = {"背景": "背景里", "远处": "远处", "天上": "天上", "天空": "天空中", "后面": "后面",
                 "身后": "身后"}[m.group(2)]
        return [Edit("add", value=f"{where}有{_no_measure(m.group(1))}", key="describe",
                     lang="zh", text=text)]
    # --- background
    c = re.sub(r"^(?:换个|换一个|改个|改一个|换下|换一下)(背景|场景)[\s，,]*(?=.)", r"\1换成", c)
    c = re.sub(r"(背景|场景)(?:给我|帮我|也|就)", r"\1", c)  # "背景给我换成…"
    m = re.fullmatch(rf"(?:把|将)?(?:[^，,把将让给]{{1,6}}?的?)?(?:背景|场景|环境|背景图)(?:也)?"
                     rf"(?:{_ZH_CHANGE}|设为|设置为|设成|是|为|用|：|:|要|放在|在|整点|来点|弄点|"
                     rf"整个|弄个|来个|换个|搞个)(.+)", c)
    if m is None:
        m = re.fullmatch(rf"(?:(?:把|将)?(?:背景|场景)?(?:{_ZH_CHANGE}|换个|换一个|改个|改一个|"
                         rf"换|改|用|要|来个|来一个|"
                         rf"加个|弄个|给个|我想要|想要))?(.+?)(?:的)?(?:背景|场景)(?:吧|呢|啊)?", c)
        if m and (_ZH_PRONOUN.match(m.group(1)) or not m.group(1)):
            m = None
    if m:
        v = m.group(1).strip().strip("的")
        hits = classify(v)
        if hits and all(h.entry.category in ("color", "material") for h in hits) and not \
                classify(v, ("place",)):  # "背景改成粉色": the background's colour
            return [Edit(h.entry.category, target="背景", value=h.text, key=h.entry.key,
                         lang="zh", text=text) for h in hits]
        if hits:
            return vocab_edits(hits, "zh", text)
        place = classify(v, ("place",))
        return [Edit("background", value=v, key=place[0].entry.key if place else None,
                     lang="zh", text=text)]
    m = re.fullmatch(r"(?:把|将|让)?(?:它|他|她|它们|他们|(.+?))?(?:放到|放在|移到|搬到|挪到|放进|"
                     r"带到|送到|去到|去|来到|到|移动到|换到)(.+?)(?:去|里面|里|上面|上)?", c)
    if m and m.group(2):
        v = m.group(2).strip()
        hits = classify(v)
        if hits:
            return vocab_edits(hits, "zh", text)
        place = classify(v, ("place",))
        return [Edit("background", value=v, key=place[0].entry.key if place else None,
                     lang="zh", text=text)]

    # --- "颜色用 navy blue 和 gold", "配色改成黑白": the colours of the whole picture
    m = re.fullmatch(r"(?:整体|整个)?(?:颜色|配色|色调|主色调?)(?:就|都|全)?"
                     r"(?:用|要|是|改成|换成|改为|变成|调成)(.+)", c)
    if m:
        v = m.group(1).strip()
        if re.search(r"和|、|\band\b|跟|与|\+", v):  # two colours or more: a palette
            latin = not has_cjk(re.sub(r"和|、|跟|与", "", v))
            v = re.sub(r"\s*(?:和|、|跟|与|\+)\s*", " and " if latin else "和", v)
            return [Edit("add", value=f"{v} color palette" if latin else f"{v}配色",
                         key="describe", lang="en" if latin else "zh", text=text)]
        found = _value_edits_zh(v, None, text)
        if found and all(e.kind in ("color", "style") for e in found):
            return found
    # --- replace / change: "把猫换成狗", "用狗代替猫", "猫换成狗", "换成水彩风格"
    m = re.fullmatch(r"用(.+?)(?:代替|替换|替代|取代|换掉)(.+)", c)
    if m:
        return _zh_change(m.group(2), m.group(1), text)
    m = re.fullmatch(rf"(?:把|将|给)(.+?)(?:都|也|全部|全)?(?:{_ZH_CHANGE})(.+)", c)
    if m is None:  # "气球要绿色的"
        m = re.fullmatch(r"([^把将让给]{1,10}?)(?:要|要是|得是|应该是|应该|最好是|改为|是)"
                         r"((?:更|很)?[^，,]{1,8})", c)
        if m and re.match(_ZH_POSE_RE, m.group(2)):  # "她应该坐着"
            target, owner = _zh_owner(m.group(1))
            found = _zh_pose_edits(m.group(2), target, text, owner)
            if found:
                return found
        if m and not (classify(m.group(2).strip("的")) or
                      classify(m.group(2).strip("的"), MODIFIER_CATS)):
            m = None
    if m is None:
        m = re.fullmatch(rf"(.+?)(?:{_ZH_CHANGE})(.+)", c)
        if m and re.search(r"[让给加]", m.group(1)[:1]):
            m = None
    if m:
        return _zh_change(m.group(1), m.group(2), text)
    m = re.fullmatch(rf"(?:让它|让画面|让|使|使它|把它)?"
                     rf"(?:{_ZH_CHANGE}|用|来个|来一个|改用|换个|换一个)(.+)", c)
    if m and re.match(rf"(?:{_ZH_CHANGE})", c):
        action = _zh_action(c, text)  # "改成闭眼许愿": a new doing, not a new thing
        if action:
            return action
    if m:
        return _value_edits_zh(m.group(1), None, text)

    # --- "只留一只鸭子", "只要一个"
    m = re.fullmatch(rf"(?:只留|只保留|只剩|只剩下|留下|只要|只画)([{ZH_NUMERALS}]+)"
                     rf"([{ZH_CLASSIFIERS}])(.*)", c)
    if m:
        n = zh_number(m.group(1) + m.group(2))
        if n:
            return [Edit("count", target=m.group(3) or None, count=n, lang="zh", text=text)]

    # --- count (relative): "再加两只猫", "多一只狗"
    m = re.fullmatch(rf"(?:再|多)(?:加|来|画|添)?([{ZH_NUMERALS}]+)([{ZH_CLASSIFIERS}])(.+)", c)
    if m:
        n = zh_number(m.group(1) + m.group(2))
        if n:
            return [Edit("count", target=m.group(3), count=n, relative=True, lang="zh",
                         text=text)]

    # --- add beside: "在他旁边加一只狗", "在桌子上放一个花瓶"
    m = re.fullmatch(rf"在?(.*?)(?:的)?(旁边|身边|身旁|左边|右边|前面|后面|上面|下面|上|里|脚边|"
                     rf"附近)(?:再)?(?:{_ZH_ADD}|放|画|摆|站|坐|有)(?:了)?(.+)", c)
    if m and (m.group(1) or m.group(2) in ("旁边", "左边", "右边", "前面", "后面", "附近")):
        target = _zh_target(m.group(1)) if m.group(1) else None
        if target is not None and is_living(target):
            return _zh_add(m.group(3), target, text)
        # "在杯子旁边放个牛角包", "旁边放一个牛角包": a thing beside a thing, said where it is
        what = _no_measure(m.group(3))
        what = what if re.match(rf"[{ZH_NUMERALS}]", what) else "一个" + what
        return [Edit("add", value=f"{target or ''}{m.group(2)}放着{what}", lang="zh",
                     text=text)]

    # --- "再弄个月亮在窗外": a thing, then where it goes
    m = re.fullmatch(r"(?:再)?(?:弄个|弄一个|加个|加一个|来个|来一个|放个|放一个|画个|画一个|"
                     r"整个|搞个)"
                     r"([^在]{1,8})在(.{1,8}?)(?:上|里|中|外)?", c)
    if m:
        place = m.group(2) + ("外" if c.endswith("外") else "")
        return [Edit("add", value=f"{place}有{_no_measure(m.group(1))}", key="describe",
                     lang="zh", text=text)]
    # --- add: "加一顶红帽子", "给猫戴上帽子", "让她拿着一把伞"
    m = re.fullmatch(r"(?:给|让)(.+?)(?:戴上|戴着|戴|穿上|穿着|拿着|拿上|抱着|举着|加上|加|配上|"
                     r"添上|画上|整个|整一个|整条|整顶|弄个|弄一个|搞个|搞一个|来个|来一个|配个)(.+)",
                     c)
    if m:
        return _zh_add(m.group(2), _zh_target(m.group(1)), text)
    m = re.fullmatch(rf"(?:{_ZH_ADD}|戴着|穿着|拿着|带着|还有|再有|有)(?:了)?(.+)", c)
    if m:
        what = m.group(1).strip()
        hits = classify(what, ("weather", "time", "season", "style", "camera"))
        if hits:
            return vocab_edits(hits, "zh", text)
        if re.fullmatch(r"(?:更多)?细节|(?:点|些)细节", what):
            return [Edit("add", value="细节丰富", lang="zh", text=text)]
        return _zh_add(what, None, text)

    # --- style: "水彩风格", "画成水彩风格" (handled above), "用梵高的风格"
    m = re.fullmatch(r"(?:用|以|按|按照|采用)?(.+?)(?:的)?(?:风格|画风|风)", c)
    if m and len(m.group(1)) <= 8:
        hits = classify(m.group(1), ("style",))
        if hits:
            return [Edit("style", value=hits[0].text, key=hits[0].entry.key, lang="zh",
                         text=text)]
        return [Edit("style", value=c if c.endswith(("风格", "画风")) else c + "风格",
                     lang="zh", text=text)]

    # --- count: "三只猫", "两只"
    m = _ZH_NUMCL.match(c)
    if m and len(m.group(3)) <= 4 and not re.search(r"[在，,]", m.group(3)):
        n = zh_number(m.group(1) + m.group(2))
        if n is not None and n >= 2:
            return [Edit("count", target=m.group(3) or None, count=n, lang="zh", text=text)]

    # --- a bare vocabulary phrase: "夜晚", "下雪", "特写", "从上往下看", "蓝色"
    hits = classify(c)
    if hits:
        return vocab_edits(hits, "zh", text)
    if len(c) <= 4:  # "胖一点" (the hedge already gone): how the subject looks
        found = _zh_modifier_edits(c, None, text)
        if found:
            return found
    m = re.fullmatch(r"在(.+?)(?:上|里|中|边|旁边)?", c)
    if m:
        place = classify(m.group(1), ("place",))
        if place:
            return [Edit("background", value=m.group(1), key=place[0].entry.key, lang="zh",
                         text=text)]
    return _zh_action(c, text)


def _zh_action(c: str, text: str) -> list[Edit]:
    """"让他扣篮", "改成闭眼许愿", "让她织围巾": a new action the pose list does not know;
    it takes the place of what the subject is doing now."""
    m = re.fullmatch(r"(?:(?:让|叫|使)([^，,。]{1,4}?)|(?:改成|变成|换成|改为))((?:在|去|正在)?"
                     r"[\u4e00-\u9fff]{2,10})", c)
    if not m:
        return []
    vp = m.group(2)
    if re.search(r"[成]|风格|画风|背景|颜色|打着|拿着|撑着|戴着|穿着|带着|抱着|举着|背着|牵着|"
                 r"(?:放|加|添|摆|挂|贴|插)(?:上|了)?(?:一些|些|一个|个|一|几)", vp) or find_zh(
            vp, ("style", "color", "time", "weather", "season", "material", "place")):
        return []  # a style, a colour, a thing held or put somewhere: not a doing
    words = list(pos_segment(re.sub(r"^(?:正在|在|去)", "", vp)))
    if len(words) > 2 and words[0][0] in ("与", "和", "跟", "同", "对", "向", "给", "替", "陪"):
        words = words[2:]  # "与病人交谈": a doing with someone
    if not words or not (words[0][1].startswith("v") or words[0][0][0] in ZH_ACTION_CHARS) or \
            classify(vp) or classify(
            vp, MODIFIER_CATS):
        return []
    who = m.group(1)
    if who and not (re.fullmatch(r"[他她它]们?", who) or len(who) <= 4):
        return []
    return [Edit("pose", target=_zh_target(who) if who else None, value=vp, key="action",
                 lang="zh", text=text)]


# hedges around a new value: "那种大红色的", "水墨画那种感觉", "正在交谈的状态"
_ZH_VALUE_HEDGE = re.compile(r"^(?:那种|这种|一种|那样|这样)|(?:的?(?:那种|这种)?(?:感觉|样子|效果|"
                             r"状态|模样|氛围感)|的那种|那种|那样的?)$")


def _zh_change(old: str, new: str, text: str) -> list[Edit]:
    old = re.sub(r"(?:给我|帮我|都|也)$", "", old.strip())
    new = _ZH_VALUE_HEDGE.sub("", new.strip()) or new.strip()
    if re.fullmatch(r"(?:风格|画风|绘画风格|艺术风格|整体风格|画面风格)", old):  # "风格改成…"
        style = find_zh(new, ("style",))
        return [Edit("style", value=new.strip("的"), key=style[0].entry.key if style else None,
                     lang="zh", text=text)]
    if _ZH_SCENE.match(old.strip("的")):
        v = new.strip().strip("的")
        hits = classify(v)
        if hits:
            return vocab_edits(hits, "zh", text)
        place = classify(v, ("place",))
        return [Edit("background", value=v, key=place[0].entry.key if place else None,
                     lang="zh", text=text)]
    if re.fullmatch(r"(?:时间|天气|季节|风格|画风|视角|镜头|角度|颜色|色调|整体颜色)", old):
        return _value_edits_zh(new, None, text)
    target, attr, owner = _zh_attribute_of(old)
    if re.match(r"(?:在|正在)", new.strip()) and len(new.strip()) >= 3:
        action = _zh_action("改成" + new.strip(), text)  # "厨师改成在炒菜": what he does
        if action:
            return [replace(e, target=target) for e in action]
    if re.fullmatch(r"[\u4e00-\u9fff]{1,4}形的?", new.strip()):  # "把风筝改成龙形"
        return [Edit("shape", target=target, value=new.strip().rstrip("的"), owner=owner,
                     lang="zh", text=text)]
    if attr or not classify(new.strip()):
        found = _zh_modifier_edits(new, target, text, attr, owner)
        if found and (attr or found[0].kind != "pose" or len(new.strip()) <= 4):
            return found
    if re.fullmatch(r"[\u4e00-\u9fff]{1,3}的", new.strip()) and not classify(new.strip("的")) \
            and not classify(new.strip("的"), MODIFIER_CATS):
        # "珊瑚搞成白化的": how it looks, a word the vocabulary does not know
        return [Edit("state", target=target, value=new.strip().rstrip("的"), owner=owner,
                     lang="zh", text=text)]
    if re.fullmatch(r"[\u4e00-\u9fff]{1,4}色的?", new.strip()) and not classify(new.strip("的")):
        # "卫衣换成奶白色": a colour the vocabulary does not know is still a colour
        return [Edit("color", target=target, value=new.strip().rstrip("的"), owner=owner,
                     lang="zh", text=text)]
    if owner and target:
        return [replace(e, owner=owner) for e in _value_edits_zh(new, target, text)]
    hits = classify(target or "")
    if hits and classify(new.strip()):
        return _value_edits_zh(new, None, text)
    return _value_edits_zh(new, target, text)


def _zh_add(what: str, target: str | None, text: str) -> list[Edit]:
    w = _no_measure(what)
    return [Edit("add", target=target, value=w, lang="zh", text=text)] if w else []


def _no_measure(what: str) -> str:
    """``what`` without a leading bare measure word ("戴个帽子" -> "帽子")."""
    return re.sub(r"^[个只顶件副朵束串](?=[\u4e00-\u9fff])", "", what.strip())
