"""What a message says when it is not a picture request, or how it changes the picture
without an edit verb: greetings, thanks and praise ("lol nice", "谢谢啦"), keyboard mash,
a terse thing to add ("neon signs"), something put somewhere ("床头放一盏台灯"), "no, keep the
hat", and a drawing request wrapped in a story. Read by :func:`agent.intents.parse`."""

from __future__ import annotations

import re

from tools.rewrite.en_phrases import POLITE_IF
from tools.rewrite.zh_words import ZH_AUDIENCE
from tools.text import EMOJI, cjk_pairs, has_cjk

_GREETING_WORD = (r"(hi|hello|hey|hiya|yo|howdy|good (morning|afternoon|evening)|greetings|"
                  r"你好|您好|嗨|哈喽|哈啰|早上好|晚上好|在吗|早|早安)(\s+(there|bot|imagechat|again))?")
GREETING = re.compile(rf"^{_GREETING_WORD}(\W*{_GREETING_WORD})*[\W呀啊呢哈~]*$", re.I)
THANKS = re.compile(
    r"^(thanks?( you)?( so much| a lot| very much)?|thx|ty|cheers|great,? thanks|"
    r"(that'?s |this is |it'?s )?(great|perfect|awesome|nice|cool|lovely|beautiful|amazing|"
    r"wonderful|good|fine)( job| work)?,?( thanks?( you)?)?|"
    r"(ok|okay|k|got it|i see|alright|sure|yes|yep|no|nope|nah|wow|lol|haha|hmm+|uh+|ah+)|"
    r"bye|goodbye|see you|good night|"
    r"谢谢(?:你|您|啦)?|多谢|感谢(?:你|您)?|太好了|很好|不错|好的|好|行|可以|完美|漂亮|好看|哇|嗯+|哦+|再见|拜拜|晚安)"
    r"[\s!.~。！～]*(啦|呀|哈+|哦|噢|了|呢|啊|喔)?(\W*(thanks?|谢谢))?(啦|呀|啊|哈+)?\W*$", re.I)

KEEP = re.compile(r"^(?:(?:no|nope|wait|actually|oh|hmm+)\W+)*(?:please\s+)?keep "
                   r"(?:the |his |her |its |their )?([a-z][\w -]{0,24}?)"
                   r"(?:\s*(?:,|but|and|just|only)\s*(?:just\s+)?(.*?))?\W*$", re.I)
ADDS_EN = re.compile(
    r"\b(?:throw|toss|stick|pop|plop|drop|put|place|pop)\s+(?:some|a|an|the|a few|few|more)?\b.*"
    r"\b(?:in|on|into|onto|there|here|inside|on top)\s*\W*$|"
    r"\b(?:in|into) the (?:corner|background|foreground|sky|distance)\b|"
    r"\bon the (?:left|right|side|wall|table|floor|shelf|roof|ground)\b|"
    r"\b(?:next to|beside|behind|in front of|on top of|near) (?:him|her|it|them|the \w+)\b",
    re.I)
ADDS_ZH = re.compile(r"(?:放|加|添|摆|挂|插|贴|撒|铺|安排)(?![着了])"
                      r"(?:上|个|一|些|点|几|两|辆|只|盏|朵|棵|张)|来点|来个|来一|来几|来两|来些|整点|"
                      r"弄点|弄个|增设|添置")


def adds_to_picture(text: str) -> bool:
    """'throw some tomatoes in', 'a big plant in the corner', '床头放一盏台灯', '天上来点烟花':
    something put into the picture there is, not a new picture."""
    if has_cjk(text):
        return len(text) <= 16 and not re.match(r"(?:画|生成|来一张|来张)", text) and bool(
            ADDS_ZH.search(text))
    return bool(ADDS_EN.search(text))


CHAT_EN = frozenset(
    "thanks thank you ty thx so much very nice cool great good awesome amazing perfect love loved "
    "it this that's thats is was looks look lol haha hahaha lmao wow ok okay k cheers mate my "
    "friend sorry oops about that all for now bye beautiful cute adorable aww awww lovely "
    "gorgeous neat sweet super really just job well done i yes yeah yep sure fine one pretty oh "
    "omg glad happy appreciate appreciated it's its a lot again buddy dude man wonderful "
    "fantastic brilliant excellent incredible stunning exactly what wanted needed hi hello hey "
    "hiya yo bye goodbye xd haha ah dear darling sweetie honey sir madam kindly truly "
    "ever lots heaps you've youve been helpful you sick dope mid ngl tbh fr bro bruh yyds "
    "goated slaps hmm hm mhm meh noice works talking think thinking brb em emm bot job "
    "that'll thatll wrap everybody everyone folks guys aye fair winds take care see ya later "
    "gtg ttyl done do to cya shiok wah gg lah leh lor sia ah banger bangers ta".split())
CHAT_ZH = re.compile(r"(?:非常感谢|多谢|谢谢|谢啦|谢了|感谢|辛苦了|太棒了|太好了|真棒|好棒|"
                      r"不错|很好|挺好|好看|漂亮|可爱|完美|厉害|喜欢|爱了|绝了|牛|哈+|嘿+|呵+|嘻+|好的|好|行|"
                      r"棒|真|非常|太|特别|超级|的|啦|呀|了|啊|哦|嗯|呢|吧|哇|耶|你|您|就这样|帮助|"
                      r"好饿|饿|再见|拜拜|晚安|你好|您好|嗨|早上好|还行|就这个|这张|这个|可以|哦|收到|稍等|"
                      r"等等|等一下|我想想|想想|先这样|就这样|满意|挺|嗯嗯|对|没错|是的|当+|锵+|噔+|"
                      r"我|一下|下期见|下次见|下次再来|回头见|改天见|先撤了|溜了|下次|再来|"
                      rf"得劲儿?|巴适(?:得板)?|安逸|贼好|带劲|给力|杠杠的|收工|搞定|妥了|亲|{ZH_AUDIENCE})+")
WRAPPED_DRAW = re.compile(
    r"\b(?:make|draw|create|generate|paint|render|give)\s+(?:me\s+|us\s+)?(?:a|an|one|some)\s+"
    r"(?:picture|image|drawing|painting|illustration|photo|pic|art(?:work)?)\s+of\s+(.{3,}?)"
    r"(?:[.?!]\s|$)", re.I)


# greetings and goodbyes said in a few words ("nice to meet you", "have a lovely evening")
_GREETING_EN = re.compile(
    r"\b(?:nice|good|great|lovely) to (?:meet|see) you\b|\b(?:hi|hello|hey) there\b|"
    r"\bhave a (?:lovely|nice|good|great|wonderful|fun) (?:day|evening|night|weekend|one)\b|"
    r"\bgood (?:morning|afternoon|evening|night)\b|\bsee you(?: later| soon| tomorrow)?\b|"
    r"\bhow are you(?: doing)?\b|\bnamaste\b|\bta-?da+\b", re.I)


# emoji people answer a picture with (not "🌧️" or "🐱", which may ask for rain or a cat)
_REACTION_EMOJI = frozenset("🔥❤😍👍🙏👏💯✨🥰😊😂🤩😭💕💖🎉🙌👌😘😁😄😆🤣😎"
                            "💗💓💞😻🥳👀🤯😮😲🫶💪⭐🌟")


def only_reaction_emoji(text: str) -> bool:
    """'🔥🔥🔥', '😍👍': emoji of delight and nothing else."""
    marks = [c for c in text if not c.isspace() and c not in "\ufe0f\u200d!.~"]
    return bool(marks) and all(c in _REACTION_EMOJI or "\U0001F3FB" <= c <= "\U0001F3FF"
                               for c in marks)


def is_small_talk(text: str) -> bool:
    """'lol nice', 'perfect, thank you so much!!', 'love it 😍', '哈哈哈不错', '谢啦', '谢谢 bye':
    talk, every word of it a word of greeting, thanks or praise."""
    t = _GREETING_EN.sub(" ", EMOJI.sub(" ", text))
    if not t.strip(" ,.!?~") and t != EMOJI.sub(" ", text):
        return True
    zh = re.sub(r"[^\u4e00-\u9fff]+", "", t)
    if zh and (CHAT_ZH.sub("", zh) or len(zh) > 12):
        return False
    words = [re.sub(r"(.)\1{2,}", r"\1", w) for w in re.findall(r"[a-z']+", t.lower())]
    return (bool(words) or bool(zh)) and len(words) <= 10 and all(
        w in CHAT_EN or re.sub(r"(.)\1+", r"\1", w) in CHAT_EN for w in words)


_REACTION_LEAD = re.compile(
    r"^(?:perfect|great|awesome|amazing|love it|nice|cool|wow|yay+|woo+hoo+|omg|lovely|"
    r"beautiful|brilliant|excellent|fantastic|yes+|haha+|lol|aww+)\b", re.I)
_FEELING = re.compile(
    r"\b(?:he|she|they|we|i|you|my \w+|his \w+|her \w+|our \w+|the (?:kids?|children|"
    r"client|clients|sellers?|buyers?|boss|family|customers?|team|class|students?|grandkids?))"
    r"(?:\s*(?:will|is going to|are going to|'s going to|'re going to|is gonna|are gonna|"
    r"'ll|'s gonna|'re gonna|just|totally|really|absolutely)){0,2}\s+(?:(?:love|like|adore|enjoy|"
    r"be (?:so |really )?(?:happy|thrilled|pleased|excited|delighted))\b|(?:loves|loved|likes|"
    r"liked|adores|enjoyed|laughed|smiled|cried|giggled)\b)|\bmade (?:my|his|her|their) day\b",
    re.I)
_FEELING_ZH = re.compile(r"(?:一定|肯定|会|应该)(?:很|超|特别|非常)?(?:喜欢|开心|高兴|满意)|"
                         r"^(?:客户|老板|老婆|老公|孩子|妈妈|爸爸|朋友|大家|他们|她们|他|她|我妈|我爸)"
                         r"(?:很|超|特别|非常|都|也)*(?:满意|喜欢|开心|高兴|说好)|"
                         r"^(?:发给|拿给|给|转给|拿去给)[^，,。]{1,6}(?:看看|看|了)[。！!]*$|"
                         r"(?:笑死|乐坏|开心坏|高兴坏|喜欢得不得了)|"
                         # "跟我们村一个样", "和我家的一模一样": like the user's own
                         r"^(?:嗯+，?)?(?:跟|和|像|好像|就像)(?:我|我们|咱|咱们|俺)[^，,。]{0,6}"
                         r"(?:一个样|一样|一模一样|似的|差不多)[。！!~]*$")


def is_reaction(text: str) -> bool:
    """'perfect, the sellers are going to love this', 'yay!!!', 'he laughed so hard',
    '她一定会很喜欢': how the picture landed, not a change to it."""
    t = EMOJI.sub(" ", text).strip()
    if has_cjk(t):
        return bool(_FEELING_ZH.search(t)) and len(t) <= 24
    if re.fullmatch(r"(?:yay+|woo+hoo+|yes+|omg|aww+|wow+|haha+|lol)[\s!.~]*", t, re.I):
        return True
    return bool(_FEELING.search(t)) and len(t.split()) <= 16 and (
        bool(_REACTION_LEAD.match(t)) or not re.search(
            r"\b(?:make|add|put|change|remove|draw|paint|give|turn|replace|swap)\b", t, re.I))


_WANTS_PICTURE = re.compile(
    r"^(?:(?:hi|hello|hey)\W+)?(?:i|we|my \w+|he|she)\s+(?:want|wants|would like|'d like|"
    r"wanna|am going|is going|are going|am trying|is trying)\s+(?:to\s+)?(?:make|draw|create|"
    r"paint|do|get)\s+(?:a|an|some|one)?\s*(?:picture|image|drawing|painting|pic|photo|card|"
    r"poster)s?(?:\s+(?:for|with)\s+[\w' ]{1,30})?(?:\W+(?:(?:he|she|they)(?:'s| is| are)|"
    r"it'?s for)\b[^.!?]*)?[\s.!?]*$", re.I)
_WANTS_PICTURE_ZH = re.compile(
    r"^(?:(?:你好|您好|嗨|哈喽|在吗)[呀啊吖]?)?[\s，,！!]*(?:(?:我|我们|孩子|孙子|孙女|女儿|儿子)?"
    r"(?:想|要|打算)|(?:你)?(?:能|可以|能不能|可不可以)(?:帮|给|为)?[^画图]{0,6}?)"
    r"(?:给[^画图]{1,6})?(?:画|做|生成)(?:一)?(?:张|幅|个)?(?:画|图|图片|画儿)"
    r"(?:吗|吧|不|么)?[\s。！!~？?]*$")


_WANTS_SOMETHING = re.compile(
    r"\b(?:i|we)\s+(?:just\s+|really\s+)?(?:want|need|'d like|would like|could use)\s+"
    r"(?:to see\s+)?(?:something|anything)(?:\s+[\w-]+){0,3}[\s.!]*$", re.I)


def wants_something(text: str) -> bool:
    """'long night shift, I just want something relaxing': a mood, not yet a picture."""
    return bool(_WANTS_SOMETHING.search(EMOJI.sub(" ", text).strip()))


def wants_picture(text: str) -> bool:
    """'my son wants to make a picture, he's 8', '我想给孙子画张画': a picture is wanted,
    but not yet said what of."""
    t = EMOJI.sub(" ", text).strip()
    return bool(_WANTS_PICTURE_ZH.match(t) if has_cjk(t) else _WANTS_PICTURE.match(t))


def terse_addition(text: str) -> bool:
    """'neon signs', 'fireworks', 'falling leaves' said to a picture: things to add to it,
    not a new picture (a new one is asked for with 'a …' or a fuller description)."""
    words = re.findall(r"[A-Za-z'-]+", text)
    return (1 <= len(words) <= 3 and bool(re.fullmatch(r"[A-Za-z' -]+[.!]*", text.strip()))
            and words[0].lower() not in ("a", "an", "the", "one", "some", "my", "draw", "paint",
                                         "now", "new")
            and ((words[-1].lower().endswith("s") and not words[-1].lower().endswith("ss"))
                 or len(words) <= 2) and not unclear(text))


def unclear(subject: str) -> bool:
    """Too little to draw: punctuation, a single letter, filler words."""
    letters = re.sub(r"[\W_\d]+", "", subject)
    if len(letters) < 2:
        return True
    low = subject.lower().strip()
    if low in ("draw", "paint", "something", "anything", "a picture", "an image", "picture",
               "image", "画", "画画", "图", "图片"):
        return True
    rows = ("qwertyuiop", "asdfghjkl", "zxcvbnm")

    def mash(w: str) -> bool:
        return (any(w in r or w in r[::-1] for r in rows) or not re.search(r"[aeiouy]", w)
                or len(set(w)) == 1 or (len(w) >= 7 and any(set(w) <= set(r) for r in rows)
                                        and bool(re.search(r"^[^aeiouy]{3}|[^aeiouy]{4}", w))))

    if re.fullmatch(r"[a-z]{4,}", low) and mash(low):
        return True  # keyboard mash: "asdfgh", "qwerty", "sdfkj"
    words = re.findall(r"[a-z]+", low)
    if len(words) >= 2 and re.fullmatch(r"[a-z\s]+", low) and all(
            len(w) >= 3 and mash(w) for w in words):
        return True  # "qwe qwe zzz"
    return bool(re.fullmatch(r"(?:what|why|how|huh|eh|so|and|but|it|this|that|"
                             r"啊|哈|呃|嗯|这|那|什么)+", letters.lower()))


# ------------------------------------------------------------ thanks said around other words
_THANKS_WORDS = re.compile(
    r"\b(?:thanks?(?:\s+(?:you|u))?(?:\s+(?:so|very)\s+much|\s+a\s+(?:lot|ton|bunch))?|thx|ty|"
    r"tysm|cheers|(?:i\s+)?appreciate\s+(?:it|that|this)|much appreciated)\b[!.~]*|"
    r"(?:非常感谢|多谢|谢谢(?:你|您|啦)?|谢啦|谢了|感谢(?:你|您)?|辛苦了)[！!。~～]*", re.I)


def says_thanks(text: str) -> bool:
    """'he's going to love it, thank you so much!!', 'ok 谢了 bro': thanks in the message."""
    return bool(_THANKS_WORDS.search(text))


def without_thanks(text: str) -> str:
    """The message with its thanks taken out ('thanks, what size is it now?' -> 'what size
    is it now?')."""
    rest = re.sub(r"\s+", " ", _THANKS_WORDS.sub(" ", text))
    return re.sub(r"^[\s,，.。!！~～]+|[\s,，]+$", "", rest).strip()


# ------------------------------------------------------- a drawing request after a preamble
_DRAW_VERBS = r"(?:draw|paint|sketch|generate|create|render|design|illustrate)"
# a polite ending that asks nothing ("…, if it's not too much trouble?")
POLITE_TAIL = re.compile(
    rf"[,\s]*\b(?:{POLITE_IF}|(?:thanks|thank you)(?: (?:so much|in advance|kindly))?)\W*$", re.I)
_DRAW_IN_SENTENCE = [
    # "can you draw a cozy cabin", "please paint me a fox", "could you make me a logo of"
    re.compile(rf"(?:(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+|pls\s+|possibly\s+|"
               rf"kindly\s+)?|please\s+|pls\s+|^){_DRAW_VERBS}\s+(?:me\s+|us\s+)?(?!it\b|him\b|"
               rf"her\b|them\b|this\b|that\b|the\s)(.{{3,}})", re.I),
    # "would you mind drawing a little stone cottage", "would it be possible to paint a fox"
    re.compile(r"(?:would|do)\s+you\s+mind\s+(?:drawing|painting|making|creating|sketching|"
               r"rendering|generating|doing)\s+(?:me\s+|us\s+)?(?!it\b|this\b|that\b|the\s)"
               r"(.{3,})|(?:would|is)\s+it\s+be\s+possible\s+to\s+(?:draw|paint|make|create|"
               r"sketch|render|generate)\s+(?:me\s+|us\s+)?(?!it\b|this\b|that\b|the\s)(.{3,})",
               re.I),
    re.compile(r"(?:(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+)?|please\s+)make\s+"
               r"(?:me\s+|us\s+)?((?:a|an|one|some)\s+.{3,})", re.I),
    # "I need a simple illustration: three apples on a table", "want a mood picture: …"
    re.compile(r"(?:need|want|like|love|looking for|make|making|create|creating)\s+(?:a|an|some)"
               r"\s+(?:[\w-]+\s+){0,3}?(?:picture|image|illustration|drawing|painting|photo|poster|"
               r"card|banner|logo|wallpaper|cover|icon|sticker|print)s?\s*(?:of\s+|showing\s+|"
               r"with\s+|[:：\-–—]\s*)(.{3,})", re.I),
]
_ZH_DRAW_IN = re.compile(r"(?:画|生成|绘制)(?:一下)?(?:一张|一幅|一个|个|张|幅)?[:：]?\s*"
                         r"((?:[一两二三四五六七八九十几]?[只个头条匹辆座棵朵位名张幅])?"
                         r"[^，,。！!？?]{2,}.*)$")


def draw_request(text: str) -> str | None:
    """The picture asked for when a message says more around it: 'Hi!! I just found this
    bot. Can you draw a cozy cabin…?', 'Good morning. I need a simple illustration: three
    apples…', '给我女儿画一张生日贺卡，一只小兔子捧着蛋糕'. None when no drawing is asked for."""
    t = EMOJI.sub(" ", text).strip()
    if has_cjk(t) and not re.search(r"\b(?:draw|paint|can you|could you)\b", t, re.I):
        m = _ZH_DRAW_IN.search(t)
        if not m or re.match(r"(?:成|得|面|质|风|上|出来)", t[m.start(1):] or "x"):
            return None
        lead = t[:m.start()]
        if re.search(r"[把将让]|改|换", lead):  # "把它画成水彩": a change, not a new picture
            return None
        subject = re.sub(r"^(?:一张|一幅|张|幅)?(?:图片?|画|照片)?[:：，,]?\s*", "",
                         m.group(1)).strip(" ，,。")
        return subject or None
    sentences = re.split(r"(?<=[.!?])\s+", t)
    for sentence in reversed(sentences):
        for pattern in _DRAW_IN_SENTENCE:
            m = pattern.search(sentence)
            if m:
                subject = re.sub(r"(?:\s+(?:please|pls|thanks?|thank you))?[\s?!.]*$", "",
                                 next(g for g in m.groups() if g)).strip(" ,")
                subject = POLITE_TAIL.sub("", subject).strip(" ,")
                subject = re.sub(r"^(?:(?:a|an|one|some)\s+)?(?:new\s+|simple\s+|quick\s+)?"
                                 r"(?:picture|image|photo|painting|drawing|illustration|pic|"
                                 r"render|artwork)s?\s+(?:of|showing|with)\s+", "", subject,
                                 flags=re.I)
                # the rest of the message after this sentence belongs to the picture too
                after = t[t.find(sentence) + len(sentence):].strip()
                if after and not re.search(r"\?|\b(?:thanks?|you|I)\b", after, re.I):
                    subject = f"{subject}, {after.strip(' .')}"
                return subject if len(subject) >= 3 else None
    return None


# ------------------------------------------------------ "go back to the one with the hat"
_ONE_WITH = re.compile(
    r"^(?:go\s+back\s+to|back\s+to|switch\s+to|go\s+to|jump\s+to|return\s+to|请?回到|请?切换到|"
    r"请?返回到?)\s*(?:the\s+)?(?:one|picture|image|version|pic)?\s*(?:with|where|that has|"
    r"showing|in which)?\s*(?:the\s+|a\s+|an\s+|it\s+had\s+)?(.+?)\s*(?:one|那张|那幅|那个|的那张|"
    r"的那幅|的图|图)?\W*$", re.I)
_STOP = frozenset("the a an one with where was is had has it that this of in on at and still "
                  "picture image version pic before".split())


def described_picture(text: str, prompts: list[tuple[int, str]]) -> int | None:
    """Which picture 'go back to the one with the top hat' / '回到戴帽子那张' means: the
    newest whose prompt holds the most of the words said (None when none holds any)."""
    m = _ONE_WITH.match(text.strip())
    what = (m.group(1) if m else text).strip()
    if has_cjk(what):
        core = re.sub(r"^(?:戴着?|有|带着?|穿着?|拿着?|加了|的)|(?:的|那张|那幅|那个|图)$", "",
                      what)
        words = [core] if len(core) >= 2 else []
        words += cjk_pairs(core) if len(core) > 2 else []
    else:
        words = [w for w in re.findall(r"[a-z][\w-]+", what.lower()) if w not in _STOP]
    if not words:
        return None
    best, score = None, 0
    for number, prompt in prompts:
        low = (prompt or "").lower()
        s = sum(1 for w in words if w in low)
        if s and s >= score:
            best, score = number, s
    return best


_BEFORE = re.compile(
    r"\b(?:back|return|revert|go back)\s+to\s+(?:the\s+one\s+|how it was\s+|what it was\s+|the "
    r"(?:picture|image|version)\s+)?before\s+(?:the|you added the|adding the|i added the|"
    r"you made it|it was|the change to|we added the|it got)?\s*(.+?)\W*$|"
    r"(?:回到|退回到?|返回到?)(?:加|添|改成|变成|换成|画成)?(.+?)(?:之前|以前|前)(?:的|那张|那个|的那张|的样子)*\W*$",
    re.I)


def before_picture(text: str, pictures: list[tuple[int, int | None, str]]) -> int | None:
    """Which picture 'go back to before the sketch' / '回到加帽子之前' means: the parent of
    the first picture whose prompt has what is named while its parent's prompt had not.
    ``pictures``: (number, parent number, prompt)."""
    m = _BEFORE.search(text.strip())
    if m is None:
        return None
    what = (m.group(1) or m.group(2) or "").strip()
    if has_cjk(what):
        words = [what] if len(what) <= 4 else cjk_pairs(what)
    else:
        words = [w for w in re.findall(r"[a-z][\w-]+", what.lower()) if w not in _STOP]
    if not words:
        return None
    prompts = {n: (p or "").lower() for n, _, p in pictures}
    for _, parent, prompt in pictures:
        has = any(w in (prompt or "").lower() for w in words)
        if has and parent is not None and not any(w in prompts.get(parent, "") for w in words):
            return parent
    return None


# ------------------------------------------------ what a message opens with
# sounds and fillers a message may open with ("yo draw…", "hmm 还是撤销吧", "哈哈 其实…",
# "那个 把#2的桌子换成圆桌"): the message is what follows
FILLER_LEAD = re.compile(
    r"^(?:(?:yo|hmm+|hm+|emm+|umm*|uh+|erm+|ehh*|so+|well|alright|ok(?:ay)? so|oh|ah+|"
    r"哈哈+|嗯+|呃+|额+|那个|就是说?|emmm*|唔+|诶|欸|哎|啊|大家|guys|folks|bro|dude|mate|"
    rf"{ZH_AUDIENCE}|"
    r"i'?m not sure|not sure|perhaps|maybe)(?:[\s,，.。!！~…]+|(?=[\u4e00-\u9fff]))|"
    r"(?:亲|roger(?: that)?|wilco|copy(?: that)?|10-4|noted|understood|got it)"
    r"[\s,，.。!！~…]+)+",
    re.I)


def without_filler(text: str) -> str:
    """``text`` without the sounds it opens with; unchanged when nothing else is said."""
    rest = FILLER_LEAD.sub("", text, count=1).strip()
    return rest if rest and rest != text.strip() else text


# "perfect, sending it to my armor smith", "good, that's the render for the pitch",
# "不错，这个光比很舒服": a word of praise, then words about the user's day, asking nothing
_ASKS_AFTER = re.compile(
    r"^(?:now|then|but|also|and|just|can|could|would|please|pls|let'?s|maybe|make|add|put|"
    r"change|turn|remove|delete|drop|give|replace|swap|draw|paint|zoom|undo|go back|more|less|"
    r"another|again|one more|try|do|show|get rid|take|bring|move|use|keep|lose|set|switch)\b|"
    r"\b(?:but|instead|too|should|could you|can you|please)\b|[?？]|"
    r"^(?:再|把|让|改|换|加|画|弄|来|给|去掉|删|不要|能不能|可以|可不可以|帮我|撤销|回到)|"
    r"(?:太|有点|不够|再)[^，,。]{0,4}(?:了|一点|些)", re.I)


_OPINION = re.compile(
    r"(?:你觉得(?:呢|怎么样|如何|好看吗|可以吗)?|(?:这样|这个|这张|现在|这次|那样|它)(?:是不是)?"
    r"(?:好看吗|好不好看|怎么样|如何|还行吗|行不行|可以吗))[?？。!！\s]*$|"
    r"^(?:(?:is|does|do)\s+(?:it|this|that|this one|that one)\s+(?:look\s+)?(?:better|good|ok|okay|"
    r"nice|right|fine)(?:\s+now)?[?!.\s]*$|what do you think[?!.\s]*$|how does (?:it|this|that) "
    r"look(?:\s+now)?[?!.\s]*$|do you like (?:it|this)[?!.\s]*$)",
    re.I)
_CHANGE_ZH = re.compile(r"把|让|改|换|加|去掉|删|不要|再来|来一|画|变|调|弄|放")


def asks_opinion(text: str) -> bool:
    """'这样是不是好看一点？你觉得呢', 'does it look better now?', 'what do you think?':
    the user asks what the bot thinks of the picture, and asks for no change."""
    t = EMOJI.sub(" ", text).strip()
    if not _OPINION.search(t):
        return False
    if has_cjk(t):
        return not _CHANGE_ZH.search(t)
    return not re.search(r"\b(?:make|add|put|change|remove|turn|give|replace|swap|draw|"
                         r"should|could you|can you|if)\b", t, re.I)


# what people do with a picture they like: "sending this to my team", "this is going on my
# wall", "can't wait to show my wife", "saving this", "the client approved it"
_AFTERWARDS = re.compile(
    r"^(?:(?:i'?m|i am|we'?re|we are|i'?ll|we'?ll|gonna|going to)\s+)?(?:sending|showing|printing|"
    r"framing|saving|posting|sharing|using|keeping|downloading|send|show|print|frame|save|post|"
    r"share|use|keep|download)\s+(?:this|it|that|these|them)\b(?!\s+(?:as|with|in|from|bigger|"
    r"smaller|again))|"
    r"^(?:this|it|that)(?:'s| is)\s+going\s+(?:on|to|in|into)\b|^can'?t wait to\b|^chef'?s kiss|"
    r"^(?:saved|printed|framed|posted|shared|downloaded|sent)\b[\s!.]*$|"
    r"^(?:the|my|our)\s+(?:client|boss|team|mom|mum|dad|wife|husband|kids?|friend|friends|"
    r"customer|customers|editor|teacher)\s+(?:approved|liked|loved|likes|loves|said|wants it)\b",
    re.I)
_FUNCTION_EN = frozenset(
    "the this that it is are was were i i'm im we we're you you're at to of on in my our your "
    "not so too very just really now then there here about all what for with got get getting "
    "let me will would can't cant don't dont do does did be been being have has had one way "
    "much it's its that's thats this's an a and or but if as by that'll it'll i'll we'll "
    "you'll i've we've".split())
_EDIT_WORD = re.compile(
    r"\b(?:make|add|put|change|remove|delete|turn|give|replace|swap|draw|paint|show|zoom|more|"
    r"less|bigger|smaller|darker|brighter|lighter|redo|undo|again|another|instead|without|no|"
    r"please|should|could|can|want|need|try|blend|mix|merge|combine|upscale|enhance|sharpen|"
    r"restyle|vary|extend|expand|crop|flip|rotate|mirror|fix|retouch|beautify|improve|refine|"
    r"tweak|reroll|describe|search|find|use|keep|lose|drop|move|let)\b", re.I)


# "good enough for the farm stand sign", "that'll do nicely for the menu board": the picture
# is fit for its use; "chapter one cover done", "all set": the work is over
_FIT_FOR = re.compile(
    r"^(?:(?:ok(?:ay)?|right|yep|yes|great|perfect|lovely)\W+)*(?:(?:that'?s|this is|it'?s)\s+)?"
    r"(?:good enough|that'?ll do|that will do|this will do|it'?ll do|will do|(?:that|this|it) "
    r"works|works|just right|exactly right|fit|perfect|ideal|spot on)(?:\s+(?:nicely|fine|"
    r"perfectly|just fine|great))?\s+for\s+(?:the|my|our|a|an|this|that|his|her|their)\b"
    r"[^.!?]{0,40}$|^(?:[\w']+\s+){0,4}(?:done|finished|sorted|complete|completed|all set|"
    r"wrapped|in the bag)$", re.I)


def says_nothing_of_a_picture(text: str) -> bool:
    """'nailed it', 'close enough', 'that works', 'sending this to my team', '还行',
    '发给老板看看': words about the picture or the user's day, no thing, look or change
    a picture could show."""
    t = EMOJI.sub(" ", text).strip(" .!~…")
    if not t:
        return False
    if has_cjk(t):
        return is_small_talk(t) or bool(_FEELING_ZH.search(t))
    if _AFTERWARDS.search(t) or _FIT_FOR.search(re.sub(r"[\s,]*\b(?:ta|thanks|cheers|thx)$",
                                                         "", t, flags=re.I)):
        return True
    words = re.findall(r"[a-z0-9][a-z0-9']*", t.lower())
    if not words or len(words) > 8 or _EDIT_WORD.search(t):
        return False
    from tools.spelling import is_word, picture_words

    seen = picture_words()
    content = [w for w in words if w not in CHAT_EN and w not in _FUNCTION_EN]
    if any(not is_word(w.strip("'")) for w in content if not w[0].isdigit()):
        return False  # "asdfgh", a name: not known to be talk
    from tools.rewrite.en_phrases import EXPRESSION_VERBS, ing_form

    return not any(w in seen or w.rstrip("s") in seen or _looks_like_a_look(w) or ing_form(w)
                   or w in EXPRESSION_VERBS for w in content)


_NOT_LOOKS = frozenset("better closer later ever never other over after rather whatever however "
                       "together sooner sorry okay they why pretty really totally very only "
                       "family lovely beauty any many lady buddy honey keeper".split())
_LOOKS = frozenset("sleek bland bold dark light soft warm cool cold hot fresh crisp sharp flat "
                   "plain clean neat wild calm loud quiet rich deep pale vivid dull dim bright "
                   "busy empty sparse lush stark harsh muted glossy matte grim eerie".split())


def _looks_like_a_look(word: str) -> bool:
    """'moody', 'spookier', 'whimsical', 'sleek': a word for how a picture looks."""
    if re.fullmatch(r"\d+s|\d+'s|'\d+s", word):
        return True  # "90s vibe"
    if word in _NOT_LOOKS or len(word) < 4:
        return word in _LOOKS
    return word in _LOOKS or word.endswith(("y", "ier", "er", "al", "ic", "ish", "ous", "ful",
                                            "ive", "less", "est", "able", "ible", "ese"))


def closing_remark(text: str) -> bool:
    """A word of praise or thanks first, then talk that asks nothing of the picture."""
    t = EMOJI.sub(" ", text).strip()
    m = re.match(r"^(.{1,24}?)(?:[,，.。!！~…]+\s*|\s+-\s+)(.+)$", t)
    if not m or not (is_small_talk(m.group(1)) or _PRAISE.search(m.group(1))):
        return False
    rest = m.group(2).strip()
    if _ASKS_AFTER.search(rest) or len(rest) > 80:
        return False
    if is_context(rest):
        return True
    from tools.rewrite.vocab import find_vocab

    return not find_vocab(rest, ("color", "style", "time", "weather", "season", "material"))


# ------------------------------------------------ sentences of talk around the request
_PRAISE = re.compile(
    r"^(?:wow|omg|oh wow|oh|haha+|lol|aww+|ooh+)\b|\b(?:love|adore|like)\s+(?:it|this|that|"
    r"them)\b|\b(?:is|looks|'s|are|look)\s+(?:(?:a|an|one)\s+)?(?:so\s+|really\s+|very\s+|"
    r"super\s+|just\s+)?"
    r"(?:adorable|beautiful|great|perfect|amazing|cute|nice|cool|gorgeous|stunning|lovely|"
    r"awesome|fantastic|wonderful|sick|fire|good|better|incredible|brilliant)\b|"
    r"^(?:好可爱|太可爱|好看|太好看|真好看|好美|太美|真美|太棒|好棒|哇|厉害)|"
    r"^(?:perfect|great|ideal|good|nice|lovely|excellent|just right)\s+for\s+(?:my|our|the|a|an|"
    r"your|his|her|their)\b", re.I)


def sentences(text: str) -> list[str]:
    """The sentences of a message ('Love it. Is it possible to add a deer?')."""
    return [p.strip() for p in re.split(r"(?<=[.!?。！？])\s*", text) if p.strip(" .!?。！？")]


# where a long message says what it wants ("it would be way better with a little red boat",
# "what I'd actually want is the whole scene at night", "the laptop … could it be a typewriter")
_WISH_LEAD = re.compile(
    r"\b(?:(?:i think |honestly )?it (?:would|'d) (?:look |be )?(?:way |much |so |a lot )?better "
    r"(?:with|if)|what (?:i'?d|i would|i) (?:actually |really )?(?:want|like|need) is|"
    r"(?:i guess |i think )?what it needs is|(?:all )?i (?:really |actually )?(?:want|need) is)\s+",
    re.I)
_ASKS_EN_CUE = re.compile(
    r"\b(?:add|put|make|change|remove|turn|give|swap|replace|lose|drop|get rid of|could it|"
    r"can it|could you|can you|should be|needs to go|instead)\b", re.I)


def buried_request(text: str) -> str | None:
    """The request inside a long message that tells a story around it (30 words or more):
    the part after "it would be better with …" / "what I'd want is …", or the clauses that
    ask something; None when the message is short or asks nothing that way."""
    if has_cjk(text) or len(text.split()) < 30:
        return None
    m = _WISH_LEAD.search(text)
    if m:
        wish = re.split(r"[,;.!?]|\s(?:but|anyway|and then|so yeah|yeah)\s", text[m.end():],
                        maxsplit=1)[0].strip()
        if wish:
            # "better with a boat": add it; "what I'd want is the whole scene at night": make it so
            whole = re.match(r"(?:the|it|everything)\b", wish, re.I) and not re.search(
                r"\bwith\s+$", m.group(0), re.I)
            return f"{'make it' if whole else 'add'} {wish}"
    clauses = [c.strip() for c in re.split(r"[,;.!?]+|\s(?:but|anyway|and honestly)\s", text)
               if c.strip()]
    asked = [k for k, c in enumerate(clauses) if _ASKS_EN_CUE.search(c)]
    if not asked or len(asked) > 2 or \
            len(" ".join(clauses[k] for k in asked).split()) >= len(text.split()) / 2:
        return None
    out = []
    for k in asked:  # "the laptop feels off, could it be a typewriter": the laptop
        named = re.findall(r"\bthe\s+([a-z][\w-]*)", clauses[k - 1], re.I) if k else []
        out.append(re.sub(r"\bit\b", f"the {named[-1]}", clauses[k], count=1)
                   if named and re.search(r"\bit\b", clauses[k]) else clauses[k])
    return ", ".join(out)


def is_chatter(sentence: str) -> bool:
    """A sentence of greeting, thanks or praise around the request ('Love it.', 'haha the
    deer is adorable.', '哇好可爱！'), asking nothing of the picture."""
    s = sentence.strip()
    return bool(is_small_talk(s) or GREETING.match(s) or THANKS.match(s)
                or (_PRAISE.search(s) and "?" not in s and "？" not in s))


# the story around a request: who it is for, why, what the user is doing ("I'm planning a
# beach ceremony for a client", "The bride hates pure white.", "That's the mystery.")
_CONTEXT_EN = re.compile(
    r"^(?:(?:so|well|ok|okay|oh|also|and|but|btw|basically)\W+)*(?:"
    r"(?:i'?m|i am|we'?re|we are|i was|we were)\s+(?:just\s+|currently\s+|still\s+)?[a-z]+ing\b|"
    r"(?:i|we)\s+(?:work|run|write|teach|own|have been|just|hope|think it|guess it|promised|"
    r"already|bought|got|found|love|loved|give|lead|host|sell|manage|coach|study|volunteer|"
    r"grow|breed|bake|cook|sew|knit|farm|restore|repair|collect|curate|guide|tend|raise|"
    r"keep bees|make (?:jewel(?:le)?ry|cakes|toys|pottery|furniture|games|videos))\b|"
    r"(?:this|it|that)(?:'s| is| was| will be|'ll be)\s+(?:for|going to|gonna|part of|meant for|"
    r"a gift|a present|the mystery|the point|the idea|all|it|exactly what|the one|the (?:final|"
    r"render|shot|picture|image|photo|pic|cover|poster|design|version|look|vibe)\b)|"
    r"(?:because|since|so that|someone|somebody)\b|"
    r"(?:i|we)\s+(?:need|want|have|got)\s+to\s+see\b|(?:it|that|this)\s+(?:washes|blocks|hides|"
    r"covers|distracts|clashes|looks off)\b|"
    r"the (?:story|book|chapter|brand|company|shop|scene is|idea is|point is|theme is)\b|"
    r"(?:they'?re|they are|she'?s|he'?s|she is|he is)\s+(?:getting|going|having|turning|"
    r"celebrating|coming|moving|starting|opening|leaving|retiring|graduating)\b|"
    r"(?:the|my|our|her|his)\s+(?:bride|groom|client|clients|customer|customers|kids?|boss|"
    r"team|family|son|daughter|wife|husband|mom|mum|dad|friend|friends|reader|readers|"
    r"teacher|students?|grandkids?|niece|nephew|partner|girlfriend|boyfriend)\s+"
    r"(?:hates?|loves?|likes?|adores?|prefers?|thinks?|said|says|wants? to see|needs? to see|"
    r"asked for|is allergic|doesn'?t like|"
    r"don'?t like|didn'?t like|will love|is going to|is turning|turns|has always)\b)", re.I)
_CONTEXT_VERB_EN = re.compile(
    r"^(?:the|that|this|it|those)\s+(?:[a-z]+\s+){0,2}(?:felt|feels|looked|seemed)\s+(?:too|a bit|"
    r"kind of|like|off|wrong|so)\b", re.I)
# what makes a sentence a request after all ("I'd like the sky darker", "my cat should be
# orange", "I need a picture of a fox")
_ASKS_EN = re.compile(
    r"\b(?:can|could|would|will) (?:you|we|i|it|they|she|he)\b|\bplease\b|\bshould\b|"
    r"(?<!\bthe )(?<!\ba )(?<!\ban )(?<!\bmy )(?<!\bour )(?<!\bthis )"  # "the render": a noun
    r"(?<!^i )(?<!^we )"  # "I give tours at a museum": what they do
    r"\b(?:make|add|draw|paint|create|generate|show|give|put|change|turn|remove|replace|swap|"
    r"render|design|imagine|get rid|take|let'?s)\b(?! (?:a )?(?:living|day|sense))|"
    r"\b(?:picture|image|photo|drawing|painting|illustration|render|scene|poster|card) of\b|"
    r"\b(?:want|wanted|need|needs|'d like|would like|wish)\b (?!to (?:see|show|make sure|"
    r"know|be|have it|get it|surprise|impress|use it|print))(?!(?:a |an |some )?(?:[\w-]+ )?"
    r"(?:picture|image|photo|pic|shot|visual|mockup|mock-up|mood ?board)s?\b"
    r"(?!\s*(?:of\b|showing\b|with\b|:|-|–|—)))", re.I)
_CONTEXT_ZH = re.compile(
    r"^(?:因为|由于|我(?:在|正在|是|们是|们在|们(?:的|队|班|公司|店|学校|家|团队|社团)|准备|打算给|想给|要给|女儿|儿子|妈|爸|老婆|老公|朋友|"
    r"同事|客户|老板|家)|这是(?:给|为|要给|用来|用于|我)|这个是(?:给|为)|客户|老板|新娘|新郎|"
    r"孩子们?(?:说|喜欢|很)|她(?:说|喜欢|很|最)|他(?:说|喜欢|很|最)|希望你)")
_ASKS_ZH = re.compile(r"帮我|帮忙|请|把|改|换|加|画|弄|让|给我(?:画|弄|来|做|生成|换|改|加)|"
                      r"来[个点一张]|能不能|可以|可不可以|"
                      r"要一|想要|需要一|生成|做一")


def is_context(sentence: str) -> bool:
    """A sentence that tells the story around a request, asking nothing of the picture:
    "I'm planning a beach ceremony for a client and need a mood picture.", "The bride hates
    pure white.", "That's the mystery.", "这是给我女儿的生日礼物。"."""
    s = EMOJI.sub(" ", sentence).strip(" .!。！")
    if not s:
        return False
    if has_cjk(s):
        return bool(_CONTEXT_ZH.match(s)) and not _ASKS_ZH.search(s)
    if "?" in s:
        return False
    return bool(_CONTEXT_EN.match(s) or _CONTEXT_VERB_EN.match(s)) and not _ASKS_EN.search(s)


# ------------------------------------------ "no, I meant the other cat": the last change moved
_MEANT_EN = re.compile(
    r"^(?:(?:no+|nope|wait|sorry|oops|not that one|wrong one)\b[,.!]?\s*)*(?:i\s+(?:meant|mean)|"
    r"it was meant for|put it on|give it to)\s+(?:the|her|his|its)\s+(?:other\s+\w+,?\s*"
    r"(?:the\s+)?)?(?P<t>[a-z][\w -]{1,30}?)(?:,?\s*not\s+(?:the\s+)?[\w -]+)?\W*$", re.I)
_MEANT_ZH = re.compile(r"^(?:不对|不是|错了)[^，,！!。]{0,8}[，,！!。]\s*(?:是|我说的是|应该是)"
                       r"(?:给)?(?P<t>[^把将让改换变加去删\W]{1,6}?)(?:戴|穿|拿|加|的|才对)?\W*$")


def meant_other(text: str) -> str | None:
    """'no, I meant the other cat, the ginger one', '不是小狗，是给女孩戴': the thing the last
    change was meant for (None when the message is no such correction)."""
    m = _MEANT_ZH.match(text.strip()) if has_cjk(text) else _MEANT_EN.match(text.strip())
    if not m:
        return None
    target = m.group("t").strip()
    target = re.sub(r"^(?:one|the)\s+", "", target)
    return target or None


def moved_change(before: str, after: str, target: str) -> str | None:
    """The last change (``before`` -> ``after``) said again for ``target``: "wearing a bow
    tie" added -> "give the ginger one a bow tie"; None when it cannot be told."""
    import difflib

    if has_cjk(before):
        sm = difflib.SequenceMatcher(a=before, b=after)
        added = "".join(after[j1:j2] for op, _, _, j1, j2 in sm.get_opcodes()
                        if op in ("insert", "replace")).strip("，, ")
        if not added:
            return None
        added = re.sub(r"^(?:戴着|戴上|戴)", "戴上", added).rstrip("的")
        added = re.sub(r"^(?:穿着|穿上|穿)", "穿上", added)
        return f"给{target}{added}" if re.match(r"戴上|穿上", added) else f"把{target}改成{added}"
    a, b = before.split(), after.split()
    sm = difflib.SequenceMatcher(a=a, b=b)
    ops = [(op, a[i1:i2], b[j1:j2]) for op, i1, i2, j1, j2 in sm.get_opcodes() if op != "equal"]
    if len(ops) != 1:
        return None
    op, old, new = ops[0]
    phrase = " ".join(new).strip(" ,")
    if not phrase:
        return None
    m = re.match(r"(?:wearing|with|holding|carrying)\s+(.+)", phrase, re.I)
    if m:
        return f"give the {target} {m.group(1)}"
    if op == "replace" and len(new) <= 2:
        return f"make the {target} {phrase}"
    return None
