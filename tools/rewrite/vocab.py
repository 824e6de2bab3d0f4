"""What the rewrite rules share: the :class:`Edit` an instruction becomes, and lookups
in the prompt vocabulary (colours, styles, times, weather, places...) in English and Chinese."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tools.text import has_cjk, stem
from tools.translate import VocabEntry, en_to_zh, vocabulary, zh_to_en

KINDS = ("add", "remove", "replace", "color", "style", "time", "weather", "season",
         "background", "count", "camera", "material", "size", "shape", "age", "expression",
         "state", "pose")
# Categories that describe one thing (a modifier of its noun), not the whole picture: a new
# value replaces the old one of the same category on that noun ("a red dress" -> green).
# times of day that are no sunny day: the weather "sunny" goes when one of them is asked for
DARK_TIMES = ("night", "dusk", "sunset", "sunrise", "bluehour")
MODIFIER_CATS = ("color", "material", "size", "shape", "age", "expression", "state")
# what shows one season and no other: a new season takes the old one's marks away
# ("秋天，红叶" made winter loses the red leaves)
SEASON_MARKS = {
    "autumn": ("autumn leaves", "fall leaves", "fall foliage", "autumn foliage", "red leaves",
               "orange leaves", "falling leaves", "maple leaves", "fallen leaves", "golden leaves",
               "红叶", "枫叶", "落叶", "黄叶", "金黄的树叶", "满地落叶"),
    "winter": ("snow-covered", "snowflakes", "falling snow", "snowy", "icicles", "积雪", "白雪",
               "雪花", "冰柱", "冰凌"),
    "spring": ("cherry blossoms", "blossoms", "fresh buds", "樱花盛开", "嫩芽", "桃花盛开"),
    "summer": ("blazing sun", "烈日", "蝉鸣"),
}


def other_season_marks(season: str | None, lang: str) -> list[str]:
    """The marks of every season but ``season``, in ``lang`` ("en" or "zh")."""
    return [m for s, marks in SEASON_MARKS.items() if s != season for m in marks
            if has_cjk(m) == (lang == "zh")]


@dataclass(frozen=True)
class Edit:
    """One change the user asked for.

    ``target`` is what it applies to (``None``: the main subject / the whole picture);
    ``value`` is the new thing (object, colour, style, setting...). ``key`` names the
    vocabulary entry (e.g. ``"night"``, ``"watercolor"``) when the value is a known one.
    """

    kind: str
    target: str | None = None
    value: str | None = None
    key: str | None = None
    count: int | None = None
    relative: bool = False  # count: add ``count`` more instead of setting it
    modifier: bool = False  # add: an adjective for the target ("make it bigger")
    old: str | None = None  # "from A to B": the value A the user says is there now
    owner: str | None = None  # "the man's hat": man (where to look if there is no hat)
    lang: str = "en"  # language the instruction was written in
    text: str = ""  # the clause it came from


# =========================================================================== vocabulary


@lru_cache(maxsize=1)
def _by_key() -> dict[str, VocabEntry]:
    return {e.key: e for e in vocabulary()}


def entry(key: str | None) -> VocabEntry | None:
    return _by_key().get(key or "")


@dataclass(frozen=True)
class Hit:
    entry: VocabEntry
    start: int
    end: int
    text: str

    @property
    def weak(self) -> bool:
        """Said in a word the vocabulary reads only from the user (a ``*`` variant, never
        taken out of a prompt: "lavender" the colour, "oil" the painting)."""
        return self.text.lower() not in self.entry.en_strong


@lru_cache(maxsize=32)
def _en_pattern(cats: tuple[str, ...], strong: bool) -> tuple[re.Pattern[str], dict]:
    table: dict[str, list[VocabEntry]] = {}
    for e in vocabulary():
        if e.category in cats:
            for v in (e.en_strong if strong else e.en):
                table.setdefault(v, []).append(e)
    alts = sorted(table, key=len, reverse=True)
    body = "|".join(re.escape(a).replace(r"\ ", r"[\s-]+") for a in alts) or "(?!)"
    return re.compile(rf"(?<![\w'-])(?:{body})(?![\w'-])", re.I), table


def find_en(text: str, cats: tuple[str, ...], strong: bool = False) -> list[Hit]:
    """Vocabulary phrases of ``cats`` in English ``text`` (longest first, no overlaps)."""
    pattern, table = _en_pattern(cats, strong)
    hits = []
    for m in pattern.finditer(text):
        key = re.sub(r"[\s-]+", " ", m.group(0).lower())
        options = table.get(key) or table.get(m.group(0).lower()) or []
        if not options:  # "top down" vs "top-down": try the hyphenated spelling
            options = next((v for k, v in table.items()
                            if re.sub(r"[\s-]+", " ", k) == key), [])
        if options:
            start = m.start()
            if options[0].category == "color":  # "matte black", "pastel pink": one colour
                shade = _SHADE_BEFORE.search(text[:start])
                if shade and not (hits and hits[-1].end > shade.start()):
                    start = shade.start()
            hits.append(Hit(options[0], start, m.end(), text[start:m.end()]))
    return hits


_SHADE_BEFORE = re.compile(r"(?<![\w'-])(?:matte|matt|glossy|metallic|shiny|bright|pastel|neon|"
                           r"hot|deep|pale|light|dark|vivid|soft|muted|dusty|jet|royal|electric|"
                           r"warm|cool|rich|powder|baby|sky|pearl|satin|sage|mint|olive|forest|sea|ocean|blood|"
                           r"cherry|lemon|lime|emerald|ruby|midnight|ice|icy|burnt|rose|blush|"
                           r"steel|slate|charcoal|ash|sand|chocolate|coffee|wine|plum|peach|"
                           r"coral|salmon|aqua|mustard|dusky|dusty|faded|washed-out|candy|"
                           r"bubblegum|fire[\s-]engine|brick|denim|khaki|mossy|moss|jade|"
                           r"cobalt|electric|fluorescent|pure|off|snow|bone|cream|creamy|"
                           r"silvery|golden|pinkish|reddish|bluish|greenish|yellowish|"
                           r"brownish|grayish|greyish|purplish)[\s-]+$", re.I)


def find_zh(text: str, cats: tuple[str, ...]) -> list[Hit]:
    """Vocabulary phrases of ``cats`` in Chinese ``text`` (longest first, no overlaps)."""
    table: dict[str, VocabEntry] = {}
    for e in vocabulary():
        if e.category in cats:
            for z in e.zh:
                table.setdefault(z, e)
    hits: list[Hit] = []
    taken = [False] * len(text)
    for z in sorted(table, key=len, reverse=True):
        start = 0
        while (i := text.find(z, start)) >= 0:
            if not any(taken[i:i + len(z)]):
                hits.append(Hit(table[z], i, i + len(z), z))
                for k in range(i, i + len(z)):
                    taken[k] = True
            start = i + 1
    return sorted(hits, key=lambda h: h.start)


def find_vocab(text: str, cats: tuple[str, ...]) -> list[Hit]:
    """Vocabulary phrases of ``cats`` in ``text``, read as Chinese or English by its script."""
    return find_zh(text, cats) if has_cjk(text) else find_en(text, cats)


_EN_FILLER = frozenset(
    "a an the some more very bit little much really it its it's this that them everything "
    "all whole style styled styles look looks looking like effect effects vibe vibes version "
    "mode filter aesthetic aesthetics scene weather season color colour colored coloured view "
    "shot angle camera lens perspective please instead make turn change into to as in on at "
    "during with be is are should let there image picture kind of sort tone tones theme "
    "themed feel feeling atmosphere mood kinda set setting time lighting light lit render "
    "rendered drawn painted done do show seen from art artwork painting paintings drawing "
    "illustration photo photograph photography shot now then again too also and but outside "
    "outdoors clear calm quiet crisp nice beautiful lovely gorgeous perfect cold chilly "
    "pleasant".split()
)
_ZH_FILLER = sorted(
    "的样子 那样 一样 的感觉 感觉 效果 风格 画风 样式 色调 颜色 时候 时间 天气 季节 视角 镜头 "
    "角度 场景 让它 让 它 变成 改成 换成 变为 改为 换为 画成 弄成 做成 调成 切换成 切换到 变 "
    "改 换 画 弄 成 是 为 一下 吧 模式 版本 整体 画面 图片 一点 一些 更加 更 很 非常 稍微 "
    "有点 一种 一个 种 点 了 的 时 里 中 上 在 到 用 来 风 色 天 感 式 版 下 看 拍 视图 图 "
    "都 也 再 要 想 请 帮我 给我 帮 加上 加点 加 添加 来点 来个".split(),
    key=len, reverse=True,
)


def _leftover_en(text: str, hits: list[Hit]) -> list[str]:
    rest = text
    for h in sorted(hits, key=lambda h: h.start, reverse=True):
        rest = rest[:h.start] + " " + rest[h.end:]
    words = re.findall(r"[A-Za-z0-9][\w'-]*", rest.lower())
    return [w for w in words if w not in _EN_FILLER]


def _leftover_zh(text: str, hits: list[Hit]) -> str:
    rest = text
    for h in sorted(hits, key=lambda h: h.start, reverse=True):
        rest = rest[:h.start] + " " + rest[h.end:]
    for f in _ZH_FILLER:
        rest = rest.replace(f, " ")
    return re.sub(r"[\s，,。.!！?？、]+", "", rest)


_ATTR_CATS = ("color", "style", "time", "weather", "season", "camera")


def classify(value: str, cats: tuple[str, ...] = _ATTR_CATS) -> list[Hit]:
    """The vocabulary entries that make up ``value`` entirely ("make it night" -> night),
    or ``[]`` when the value says something else too ("a night owl")."""
    value = value.strip()
    if not value:
        return []
    if has_cjk(value):
        hits = find_zh(value, cats)
        return hits if hits and not _leftover_zh(value, hits) else []
    hits = find_en(value, cats)
    return hits if hits and not _leftover_en(value, hits) else []


LIVING = frozenset(
    "cat kitten dog puppy bird horse unicorn cow sheep pig goat chicken duck swan goose fox "
    "wolf bear panda tiger lion elephant giraffe zebra monkey rabbit bunny deer squirrel "
    "owl eagle parrot penguin fish whale dolphin shark turtle frog butterfly bee dragon "
    "dinosaur mouse hamster hedgehog koala kangaroo camel snake man woman boy girl child kid "
    "baby person people lady gentleman knight samurai warrior soldier astronaut wizard witch "
    "princess prince king queen robot angel fairy elf ninja pirate chef doctor student "
    "friend family couple crowd dancer monk farmer fisherman snowman teddy corgi husky "
    "retriever calf foal lamb crow raven hawk falcon peacock flamingo crane heron".split())
PERSON = frozenset(
    "man woman boy girl child kid baby person lady gentleman knight samurai warrior soldier "
    "astronaut wizard witch princess prince king queen robot angel fairy elf ninja pirate "
    "chef doctor student dancer monk farmer fisherman teacher guy player singer artist "
    "detective explorer hero heroine superhero villain".split())


def vocab_edits(hits: list[Hit], lang: str, text: str, target: str | None = None
                ) -> list[Edit]:
    """One edit per vocabulary hit ("night and rainy" -> a time and a weather edit)."""
    edits = []
    styles = [h for h in hits if h.entry.category == "style"]
    if lang == "zh" and len(styles) > 1 and len(styles) == len(hits) and \
            styles[-1].end - styles[0].start <= sum(len(h.text) for h in styles) + 1:
        # "宫崎骏动画": the words of one style, not two styles one after the other
        joined = "".join(h.text for h in styles)
        return [Edit("style", value=joined, key=styles[0].entry.key, lang=lang, text=text)]
    if len(styles) > 1:  # "an anime illustration": anime, not a generic illustration
        generic = [h for h in styles if h.entry.key in ("illustration", "photo", "3d")]
        if len(generic) < len(styles):
            hits = [h for h in hits if h not in generic]
    for h in hits:
        kind = h.entry.category
        edits.append(Edit(kind, target=target if kind in MODIFIER_CATS else None,
                          value=h.text, key=h.entry.key, lang=lang, text=text))
    return edits


# Words a user may use for a thing the prompt names differently ("the puppy" for a golden
# retriever, "the vehicle" for a car, "her" for a woman). Each group lists its members; a
# word in the instruction finds any member of any group it belongs to.
_GROUPS = {
    "dog": "dog dogs puppy pup doggy doggo hound retriever labrador lab corgi husky poodle "
           "beagle bulldog terrier shepherd dachshund chihuahua pug doberman collie spaniel "
           "shiba akita rottweiler dalmatian greyhound pomeranian samoyed malamute schnauzer",
    "cat": "cat kitten kitty tabby kitty-cat feline siamese persian",
    "bird": "bird parrot eagle owl crow raven sparrow pigeon seagull gull robin hawk falcon "
            "swan duck goose flamingo peacock penguin hummingbird chicken hen rooster dove "
            "pelican heron stork crane magpie kingfisher finch songbird bluebird cardinal",
    "horse": "horse pony stallion mare foal steed",
    "vehicle": "vehicle car truck bus van motorcycle motorbike bike bicycle jeep suv taxi cab "
               "tractor scooter sedan convertible limousine pickup train tram",
    "car": "car sedan suv jeep taxi cab convertible automobile auto vehicle coupe hatchback",
    "boat": "boat ship yacht sailboat canoe kayak vessel ferry",
    "woman": "woman girl lady she her queen princess mother mom bride actress female "
             "businesswoman grandmother grandma waitress",
    "man": "man boy guy gentleman he him king prince father dad groom actor male "
           "businessman grandfather grandpa waiter",
    "person": "person people human figure character individual someone man woman boy girl "
              "child kid lady guy gentleman teenager student worker tourist crowd "
              "pedestrian passerby passersby hiker traveler traveller shopper customer "
              "visitor spectator onlooker audience villager farmer fisherman soldier dancer "
              "musician player athlete runner swimmer surfer skier cyclist couple family "
              "bystander commuter diner guest crowds",
    "child": "child kid boy girl baby toddler infant kiddo youngster",
    "animal": "animal creature pet beast dog cat bird horse puppy kitten rabbit bunny fox "
              "bear lion tiger deer wolf",
    "pet": "pet dog cat puppy kitten rabbit bunny hamster parrot",
    "flower": "flower flowers blossom bloom rose tulip sunflower daisy lily orchid peony",
    "tree": "tree oak pine palm maple willow birch cherry sakura",
    "building": "building house home cabin cottage castle tower skyscraper church temple "
                "palace mansion villa barn",
    "house": "house home cabin cottage mansion villa hut",
    "food": "food dish meal plate",
    "drink": "drink beverage coffee tea juice wine beer",
    "cup": "cup mug glass teacup",
    "computer": "computer laptop notebook pc monitor",
    "bag": "bag handbag purse backpack tote satchel clutch",
    "shoe": "shoe shoes sneaker sneakers boot boots sandal sandals heels",
    "chair": "chair armchair stool seat",
    "rabbit": "rabbit bunny hare",
    "sofa": "sofa couch settee",
    "hat": "hat cap beanie helmet",
    "glasses": "glasses spectacles sunglasses eyeglasses",
    "shirt": "shirt t-shirt tee blouse top",
    "jacket": "jacket coat blazer",
}
# Words for a kind of thing that a user may say for one of its members ("the plant" for a
# cactus, "the text" for "the words SUMMER SALE"), but not the other way: "a banana" added to
# "a bowl of fruit" is no more fruit of the same kind.
_UPWARD = {
    "plant plants greenery foliage houseplant": "cactus succulent fern bush shrub ivy bonsai "
                                                "monstera houseplant plant potted",
    "text words lettering writing caption title letters wording": "text words lettering "
        "writing caption title letters sign logo watermark slogan headline label typography "
        "inscription",
    "insect insects bug bugs": "butterfly bee ladybug dragonfly moth ant firefly beetle",
    "fish": "goldfish koi shark salmon trout carp",
    "fruit fruits": "apple banana orange grape pear strawberry lemon peach mango cherry "
                    "cherries grapes",
    "furniture": "table chair sofa couch desk bed shelf bookshelf cabinet dresser stool",
    "aircraft plane planes chopper": "chopper plane airplane aeroplane jet helicopter drone "
                                     "airliner",
    "toy toys": "teddy doll ball blocks",
}
_KIN: dict[str, list[frozenset[str]]] = {}
_BROAD = ("person", "animal", "pet", "vehicle", "food", "drink", "building")
for _name, _words in sorted(_GROUPS.items(), key=lambda kv: kv[0] in _BROAD):
    _group = frozenset({_name, *_words.split()})
    for _w in _group:
        if _w in _GROUPS and _w != _name:
            continue  # "man" means the man group, not every group a man belongs to
        _KIN.setdefault(_w, []).append(_group)
for _names, _members in _UPWARD.items():
    _group = frozenset({*_names.split(), *_members.split()})
    for _w in _names.split():
        _KIN.setdefault(_w, []).append(_group)


def same_kind(word: str) -> list[frozenset[str]]:
    """Groups of words that may name the same thing as ``word``, most specific first
    ("puppy" -> [dog, retriever, ...], [pet ...], [animal ...])."""
    w = word.lower()
    return _KIN.get(w) or _KIN.get(stem(w)) or []


# ================================================================= shared by both editors

def to_prompt_lang(text: str, prompt_lang: str) -> str:
    if prompt_lang == "en" and has_cjk(text):
        return zh_to_en(text)
    if prompt_lang == "zh" and not has_cjk(text):
        return en_to_zh(text)
    return text


def vocab_phrase(edit: Edit, lang: str) -> str:
    e = entry(edit.key)
    if e is not None:
        return e.zh_phrase if lang == "zh" else e.en_phrase
    return to_prompt_lang(edit.value or "", lang)


def wear_kind(value: str) -> str | None:
    """"wear" for a hat or a dress, "hold" for an umbrella or a sword, else None; read on
    the thing itself ("a beekeeper in a white suit lifting a frame" is a person)."""
    cats = ("wear", "hold")
    if not has_cjk(value):
        value = re.split(r"\s+(?:in|with|wearing|holding|carrying|on|at|under|near|by|who|"
                         r"that|which|[a-z]+ing)\s+", value, maxsplit=1)[0]
        if is_living(value):
            return None
    elif "的" in value and is_living(re.split(r"站|坐|躺|趴|在|跑|走|飞",
                                              value.split("的")[-1])[0]):
        return None  # "一只戴墨镜的柴犬": a dog, the sunglasses are its own
    hits = find_vocab(value, cats)
    if not hits and has_cjk(value) and re.search(r"(?:服|装|衣|裙|袍|衫|裤|帽|鞋|靴|外套|围巾|"
                                                 r"手套|眼镜|墨镜)$", value):
        return "wear"  # "厨师服", "一身汉服"
    return hits[-1].entry.category if hits else None


def is_living(value: str) -> bool:
    if has_cjk(value):
        return any(ch in value for ch in "猫狗鸟鱼兔熊虎狮象鹿马牛羊猪鸡鸭鹅鹰龙蛇龟蛙蝶蜂"
                   "鼠猴狐狼人孩女男娃鹤雀鸦鸽犬豹驼鲸豚鹉蜥")
    words = [stem(w) for w in re.findall(r"[a-z]+", value.lower())]
    return any(w in LIVING for w in words)

