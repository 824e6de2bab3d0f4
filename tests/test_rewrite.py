"""The DiffChat-style rewrite: rules on a case file, the LM and LLM backends, fallbacks."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import AIMessage

from errors import InvalidInput
from tools import models
from tools.rewrite import (
    KINDS,
    REWRITE_TEMPLATE,
    apply_rules,
    decode_new_tokens,
    parse_instruction,
    parse_instructions,
    rewrite,
)

CASES = Path(__file__).parent / "data" / "rewrite_cases.tsv"


def _load_cases() -> list[tuple[str, str, list[str], list[str]]]:
    rows = []
    for line in CASES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = (line.split("\t") + ["", ""])[:4]
        must = [x.strip() for x in cols[2].split(",") if x.strip()]
        must_not = [x.strip() for x in cols[3].split(",") if x.strip()]
        rows.append((cols[0], cols[1], must, must_not))
    return rows


def _contains(text: str, item: str, whole_word: bool) -> bool:
    """Chinese: substring. English: from a word start ("rain" finds "rainy"); a must-not
    item must match whole words ("red" does not find "redwood")."""
    if re.search(r"[\u4e00-\u9fff]", item):
        return item in text
    end = r"(?![\w-])" if whole_word else ""
    return re.search(r"(?<![\w-])" + re.escape(item.lower()) + end, text.lower()) is not None


def test_rules_backend_passes_the_case_file() -> None:
    cases = _load_cases()
    assert len(cases) >= 60
    assert sum(bool(re.search(r"[\u4e00-\u9fff]", p + i)) for p, i, _, _ in cases) >= 20
    failures = []
    for prompt, instruction, must, must_not in cases:
        out = apply_rules(prompt, instruction).prompt
        missing = [m for m in must if not _contains(out, m, whole_word=False)]
        present = [m for m in must_not if _contains(out, m, whole_word=True)]
        if missing or present:
            failures.append(f"{prompt!r} + {instruction!r} -> {out!r} "
                            f"(missing {missing}, still has {present})")
    rate = 1 - len(failures) / len(cases)
    print(f"\nrules rewrite pass rate: {rate:.1%} ({len(cases) - len(failures)}/{len(cases)})")
    for f in failures:
        print("  FAIL", f)
    assert not failures, f"{len(failures)} of {len(cases)} cases fail"


def test_product_case_red_car_made_blue(settings) -> None:
    result = rewrite("a red car", "make it blue", settings=settings)
    assert result.backend == "rules" and not result.fell_back
    assert "blue" in result.prompt and "car" in result.prompt
    assert "red" not in result.prompt
    assert result.integrity == 1.0 and result.missing == []


def test_chinese_prompt_english_instruction_and_back(settings) -> None:
    zh = rewrite("一辆红色的汽车", "make it blue", settings=settings).prompt
    assert "蓝色" in zh and "汽车" in zh and "红色" not in zh
    en = rewrite("a cat on a sofa", "把猫换成狗", settings=settings).prompt
    assert "dog" in en and "sofa" in en and "cat" not in en


def test_never_drops_subject_words_it_was_not_told_to_drop(settings) -> None:
    prompt = "a fluffy white cat sleeping on a velvet sofa next to a window"
    for instruction in ["make it night", "add a red hat", "in watercolor", "close-up",
                        "make it rainy", "make it winter", "remove the window",
                        "加一只狗", "画成油画风格", "变成夜晚"]:
        out = rewrite(prompt, instruction, settings=settings).prompt.lower()
        for word in ("fluffy", "cat", "sleeping", "sofa"):
            assert word in out, (instruction, out)


@pytest.mark.parametrize(("text", "kind"), [
    ("add a red hat", "add"), ("加一顶红帽子", "add"),
    ("remove the glasses", "remove"), ("去掉眼镜", "remove"),
    ("make it a dog", "replace"), ("replace the cat with a dog", "replace"),
    ("把猫换成狗", "replace"),
    ("make it blue", "color"), ("把车改成蓝色", "color"),
    ("in watercolor", "style"), ("make it watercolor", "style"), ("画成水彩风格", "style"),
    ("make it night", "time"), ("变成夜晚", "time"),
    ("make it rainy", "weather"), ("下雪", "weather"),
    ("make it autumn", "season"), ("变成冬天", "season"),
    ("put it on a beach", "background"), ("背景换成海边", "background"),
    ("three cats", "count"), ("变成两只", "count"),
    ("close-up", "camera"), ("从上往下看", "camera"), ("wide shot", "camera"),
])
def test_parse_instruction_kinds(text: str, kind: str) -> None:
    edit = parse_instruction(text)
    assert edit is not None and edit.kind == kind
    assert edit.kind in KINDS


@pytest.mark.parametrize("text", [
    "a cat on a sofa", "一只猫在沙发上", "two cats on a bed", "draw a castle", "hello",
    "thanks!", "a watercolor painting of a fox", "show me my pictures", "画一只猫", "undo",
    "", "   ", "\x00\x01",
])
def test_parse_instruction_says_none_for_new_prompts_and_chat(text: str) -> None:
    assert parse_instruction(text) is None


def test_compound_and_contradictory_instructions(settings) -> None:
    edits = parse_instructions("make the bowl blue and add a banana")
    assert [e.kind for e in edits] == ["color", "add"]
    assert [e.kind for e in parse_instructions("make it black and white")] == ["style"]
    result = rewrite("a cat on a sofa", "add a hat and remove the hat", settings=settings)
    assert "hat" not in result.prompt and "cat on a sofa" in result.prompt
    assert "both" in result.note


def test_bad_input_gets_a_clear_message_or_a_sensible_prompt(settings) -> None:
    for prompt, instruction in [("", "make it blue"), ("   \n\t", "make it blue"),
                                ("a red car", ""), ("a red car", " \x00 \u200b ")]:
        with pytest.raises(InvalidInput, match="empty"):
            rewrite(prompt, instruction, settings=settings)
    start = time.perf_counter()
    huge = rewrite("a red car", "make it blue " + "please " * 3000, settings=settings)
    assert time.perf_counter() - start < 5
    assert "car" in huge.prompt and len(huge.prompt) < 200
    noise = rewrite("a red car", "x" * 20_000, settings=settings)
    assert noise.prompt == "a red car" and "unchanged" in noise.note
    ctrl = rewrite("a red\x07 car\u202e", "make it\x00 blue\x1b[31m", settings=settings)
    assert ctrl.prompt == "a blue car"
    mixed = rewrite("a cat 在沙发上", "make it night 夜晚", settings=settings)
    assert "cat" in mixed.prompt and "沙发" in mixed.prompt


def test_rules_are_deterministic(settings) -> None:
    a = rewrite("一只猫在沙发上", "背景换成海边，变成夜晚", settings=settings)
    b = rewrite("一只猫在沙发上", "背景换成海边，变成夜晚", settings=settings)
    assert a.prompt == b.prompt == "一只猫在海边，夜晚"


# ---------------------------------------------------------------- the LM backend (tiny)


def test_template_is_instructpe_style() -> None:
    text = REWRITE_TEMPLATE.format(prompt="a red car", instruction="make it blue")
    assert text.endswith("Input: a red car\nRequest: make it blue\nOutput:")
    assert text.startswith("Instruction: Rewrite the drawing prompt")


def test_decode_new_tokens_skips_the_prompt(settings) -> None:
    import torch

    tokenizer, _ = models.load_causal_lm(settings, models.TINY)
    prompt_ids = tokenizer.encode("Input: a red car\nOutput:", return_tensors="pt")
    new_ids = tokenizer.encode(" a blue car", return_tensors="pt")
    both = torch.cat([prompt_ids, new_ids], dim=1)
    assert decode_new_tokens(tokenizer, both, prompt_ids.shape[1]) == ["a blue car"]


def test_lm_backend_runs_the_template_on_the_tiny_model_and_falls_back(settings, monkeypatch):
    _, model = models.load_causal_lm(settings, models.TINY)
    tokenizer, _ = models.load_causal_lm(settings, models.TINY)
    seen: list[dict] = []
    original = model.generate

    def spy(input_ids, **kwargs):
        out = original(input_ids, **kwargs)
        seen.append({"prompt": tokenizer.decode(input_ids[0]), "kwargs": kwargs,
                     "new": tokenizer.decode(out[0, input_ids.shape[1]:],
                                             skip_special_tokens=True)})
        return out

    monkeypatch.setattr(model, "generate", spy)
    result = rewrite("a red car", "make it blue", settings=settings, backend="lm", seed=3)
    assert len(seen) == 2  # the first try and one retry with different sampling
    assert seen[0]["prompt"] == REWRITE_TEMPLATE.format(prompt="a red car",
                                                        instruction="make it blue")
    assert seen[0]["kwargs"]["do_sample"] and seen[0]["kwargs"]["top_k"] == 50
    assert seen[0]["kwargs"] != seen[1]["kwargs"]
    # the random model's words are gibberish: the content check rejects them twice
    assert result.fell_back and result.backend == "rules"
    assert result.prompt == "a blue car"
    assert "language model" in result.note and "rule-based" in result.note


def test_lm_backend_unavailable_model_falls_back(settings, monkeypatch) -> None:
    profile = models.replace_profile(models.PROFILES["tiny"], rewrite_backend="lm",
                                     rewrite_lm="no-such-org/no-such-rewrite-model")
    monkeypatch.setitem(models.PROFILES, "tiny", profile)
    result = rewrite("a red car", "make it blue", settings=settings)
    assert result.fell_back and result.prompt == "a blue car"
    assert "no-such-org/no-such-rewrite-model" in result.note and "rule-based" in result.note


# ------------------------------------------------------------------ the chat LLM backend


class _Recorder:
    """A chat model stand-in that records what it was asked."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls: list[list] = []

    def invoke(self, messages):
        self.calls.append(list(messages))
        return AIMessage(self.answers.pop(0))


def test_llm_backend_accepts_a_faithful_rewrite(settings) -> None:
    llm = _Recorder(['New prompt: "a shiny blue car"'])
    result = rewrite("a red car", "make it blue", settings=settings, backend="llm", llm=llm)
    assert result.backend == "llm" and not result.fell_back
    assert result.prompt == "a shiny blue car"
    human = llm.calls[0][-1].content
    assert "a red car" in human and "make it blue" in human


def test_llm_backend_retries_once_then_keeps_the_good_answer(settings) -> None:
    llm = _Recorder(["a red and blue car", "a blue car"])
    result = rewrite("a red car", "make it blue", settings=settings, backend="llm", llm=llm)
    assert result.backend == "llm" and result.prompt == "a blue car"
    assert "retry" in result.note
    assert "red" in llm.calls[1][-1].content  # the retry says what went wrong


def test_garbage_from_the_llm_falls_back_to_rules(settings) -> None:
    llm = FakeListChatModel(responses=["Sure! Here is a lovely picture idea.", "banana"])
    result = rewrite("a cat on a sofa", "make it night", settings=settings, backend="llm",
                     llm=llm)
    assert result.fell_back and result.backend == "rules"
    assert result.prompt == "a cat on a sofa, at night"
    assert "chat model" in result.note and "rule-based" in result.note


def test_llm_errors_and_missing_llm_fall_back(settings) -> None:
    class Broken:
        def invoke(self, messages):
            raise ConnectionError("endpoint down")

    broken = rewrite("a red car", "make it blue", settings=settings, backend="llm",
                     llm=Broken())
    assert broken.fell_back and broken.prompt == "a blue car"
    assert "ConnectionError" in broken.note
    missing = rewrite("a red car", "make it blue", settings=settings, backend="llm")
    assert missing.fell_back and "no chat model" in missing.note


def test_auto_keeps_a_clean_rules_rewrite_without_asking_the_model(settings) -> None:
    llm = _Recorder(["a green car"])
    result = rewrite("a red car", "make it blue", settings=settings, llm=llm)  # auto: default
    assert result.prompt == "a blue car" and result.backend == "rules"
    assert llm.calls == []  # nothing looked wrong: no second opinion, no LLM time


def test_auto_asks_the_model_when_the_request_s_words_land_in_the_prompt(settings) -> None:
    prompt, asked = "a tiny hamster in a teacup", "hamster way chonkier"
    alone = rewrite(prompt, asked, settings=settings)
    assert "way" in alone.prompt  # the rules added the words as they came
    llm = _Recorder(["a chubby hamster in a teacup"])
    result = rewrite(prompt, asked, settings=settings, llm=llm)
    assert result.prompt == "a chubby hamster in a teacup" and result.backend == "llm"
    # the worked examples come first (the same every time), the request last
    assert len(llm.calls[0]) > 3 and "teacup" in llm.calls[0][-1].content
    assert "teacup" not in llm.calls[0][1].content


def test_auto_and_both_keep_the_rules_when_the_model_is_worse_or_fails(settings) -> None:
    prompt, asked = "a tiny hamster in a teacup", "hamster way chonkier"
    rules_only = rewrite(prompt, asked, settings=settings).prompt
    lost = rewrite(prompt, asked, settings=settings, llm=_Recorder(["a hamster"]))
    assert lost.prompt == rules_only  # the model dropped the teacup: the rules' stands

    class Broken:
        def invoke(self, messages):
            raise ConnectionError("endpoint down")

    broken = rewrite(prompt, asked, settings=settings, llm=Broken())
    assert broken.prompt == rules_only  # and no word of the failure: the rules led anyway
    assert "model" not in broken.note and "ConnectionError" not in broken.note
    both = rewrite("a red car", "make it blue", settings=settings, backend="both",
                   llm=_Recorder(["a red car, make it blue please"]))
    assert both.prompt == "a blue car" and both.backend == "rules"


# ------------------------------------------------ the failure shapes of the held-out set


@pytest.mark.parametrize(("prompt", "instruction", "must", "must_not"), [
    # "from A to B": the old value goes
    ("a woman in a red dress standing in a garden",
     "Change the colour of the dress from red to green", ["green dress", "garden"], ["red"]),
    ("一件红色的裙子挂在衣架上", "把裙子的颜色从红色改成绿色", ["绿色", "裙子", "衣架"], ["红色"]),
    ("a glass vase on a table", "change the vase from glass to ceramic",
     ["ceramic vase", "table"], ["glass"]),
    # an attribute of a noun, not the noun itself
    ("a wooden table in a kitchen", "Change the table's shape to round",
     ["round", "table", "kitchen"], []),
    ("一张木桌子在厨房里", "把桌子的形状改成圆形", ["圆形", "桌子", "厨房"], []),
    ("a small dog on a sofa", "make the dog bigger", ["big dog", "sofa"], ["small"]),
    ("an open book on a desk", "close the book", ["closed book", "desk"], ["open"]),
    ("一座小房子在树林里", "把房子变大", ["大", "房子", "树林"], ["小房子"]),
    # pose / action
    ("two dogs sitting on the grass", "Make the two dogs play with each other",
     ["two dogs playing with each other", "grass"], ["sitting"]),
    ("a man standing on a beach", "make him sit down", ["man sitting", "beach"], ["standing"]),
    ("一只坐在草地上的狗", "让狗跑起来", ["跑", "狗", "草地"], ["坐"]),
    ("一个站在海边的男人", "让他坐下", ["坐", "男人", "海边"], ["站"]),
    # style as a frame, the subject intact
    ("a woman sitting by a window", "Turn the woman into a pencil sketch",
     ["a woman sitting by a window", "pencil sketch"], []),
    ("a photo of a goat and a cat", "Make the image a watercolor painting",
     ["watercolor painting", "a goat and a cat"], ["photo"]),
    ("一个坐在窗边的女人", "把它变成铅笔素描", ["坐在窗边的女人", "素描"], []),
    # removal, with what hangs on the removed thing
    ("a man wearing glasses reading a book", "Remove the glasses from the man's face",
     ["man", "book"], ["glasses"]),
    ("一个戴眼镜的男人在看书", "去掉男人脸上的眼镜", ["一个男人", "看书"], ["眼镜"]),
    ("a man wearing a hat standing next to a woman", "remove the man", ["woman"],
     ["man", "hat", "standing"]),
    ("一个戴着帽子的男人站在女人旁边", "去掉男人", ["女人"], ["男人", "帽子"]),
    ("a table with a vase of flowers and a lamp", "take the lamp away",
     ["table", "vase of flowers"], ["lamp"]),
    # background: the old one goes, other places stay
    ("a cat sitting on a sofa", "Change the background to a snowy forest",
     ["cat", "snowy forest"], ["sofa"]),
    ("一只猫坐在沙发上", "把背景换成雪林", ["猫", "雪林"], ["沙发"]),
    ("a man sitting on a rock with trees in the background", "Change the background to a city",
     ["man sitting on a rock", "city in the background"], ["trees"]),
    ("一个男人坐在石头上，背景是树林", "把背景改成城市", ["石头", "城市"], ["树林"]),
    # the instruction names the subject differently
    ("a golden retriever on a lawn", "turn the puppy into a kitten", ["kitten", "lawn"],
     ["retriever"]),
    ("a red car on a road", "change the vehicle to a motorcycle", ["motorcycle", "road"],
     ["car"]),
    ("a girl with brown hair reading a book", "change her hair colour to pink",
     ["pink hair", "girl", "book"], ["brown"]),
    ("a young man sitting on a bench", "make the man older", ["old man", "bench"], ["young"]),
    ("一个微笑的女人", "让她看起来很伤心", ["伤心", "女人"], ["微笑"]),
    # material, possessives
    ("a wooden chair in a room", "make the chair metal", ["metal chair", "room"], ["wooden"]),
    ("房间里的一把木椅子", "把椅子换成金属的", ["金属", "椅子"], ["木"]),
    ("a man wearing a black hat", "change the man's hat to white", ["white hat", "man"],
     ["black"]),
])
def test_failure_shapes(prompt: str, instruction: str, must: list[str],
                        must_not: list[str]) -> None:
    out = apply_rules(prompt, instruction).prompt
    for m in must:
        assert _contains(out, m, whole_word=True), (instruction, out, m)
    for m in must_not:
        assert not _contains(out, m, whole_word=True), (instruction, out, m)


@pytest.mark.parametrize(("prompt", "turns", "must", "must_not"), [
    ("a woman with blonde hair wearing a leather jacket",
     ["make her hair red", "change the jacket to denim", "make her hair black"],
     ["black hair", "denim jacket", "woman"], ["blonde", "red", "leather"]),
    ("a wooden table with a glass vase",
     ["make the table metal", "make the vase ceramic", "make the table marble"],
     ["marble table", "ceramic vase"], ["wooden", "metal", "glass"]),
    ("一个金发女人穿着皮夹克", ["把头发改成红色", "把夹克换成牛仔布的", "头发变成黑色"],
     ["黑色", "头发", "牛仔布", "夹克", "女人"], ["金发", "红色", "皮夹克"]),
])
def test_multi_turn_changes_replace_the_previous_value(prompt: str, turns: list[str],
                                                       must: list[str],
                                                       must_not: list[str]) -> None:
    for instruction in turns:
        prompt = apply_rules(prompt, instruction).prompt
    for m in must:
        assert _contains(prompt, m, whole_word=True), (prompt, m)
    for m in must_not:
        assert not _contains(prompt, m, whole_word=True), (prompt, m)


# --------------------------------------------------- the development set of edit cases

DEV_SET = Path(__file__).parent / "data" / "edits_dev.tsv"
DEV2_SET = Path(__file__).parent / "data" / "edits_dev2.tsv"
DEV_TYPES = {"add_object", "attribute", "background", "change_object", "color",
             "delete_object", "material", "mixed", "pose_action", "style"}
# Every case of both development sets is asserted on its own. These are the ones the rules
# do not pass yet, by (prompt, instruction): expected failures, so any other case that
# breaks fails the run, and one that starts passing fails it too (strict): take it off.
KNOWN_DEV_FAILURES = {
    # edits_dev.tsv (9 of 365)
    ("a plain white mug on a table", "put some steam coming out of the mug"),
    ("a man walking his dog on a leash in the rain", "remove the dog"),
    ("a man sitting on a bench reading", "I want him lying on the bench asleep"),
    ("a brown bear standing on four legs in a river",
     "have the bear stand up on its hind legs"),
    ("a girl standing under a cherry tree", "让她在树下跳舞"),
    ("a red and white striped lighthouse", "make the stripes blue and white"),
    ("a woman smiling in a kitchen", "she should look surprised and be holding a cake"),
    ("一个穿红衣服的男孩在公园里踢球", "make his clothes blue and move him to a beach"),
    ("a toy train on a wooden floor", "把火车换成小汽车"),
    # edits_dev2.tsv (26 of 240)
    ("a bald wizard with a long white beard, casting a spell, fantasy art",
     "give the wizard long flowing hair"),
    ("一杯满满的热咖啡放在木桌上，冒着热气，特写", "咖啡只剩一半"),
    ("一位白发苍苍的老爷爷在公园里下棋，秋天，写实摄影",
     "make the grandpa look younger, maybe in his 30s"),
    ("一只睁着眼睛的猫头鹰站在树枝上，夜晚，月光",
     "the owl should have its eyes shut, like it's dozing off"),
    ("a man facing the camera on a mountain summit, hiking gear",
     "turn him around so we see his back"),
    ("a young man leaning against a brick wall, arms crossed, street photo",
     "uncross his arms and put his hands in his pockets"),
    ("a dog sleeping on a couch, living room", "the pup should be playing fetch outside instead"),
    ("一位老人坐在公园长椅上看报纸", "让老人在长椅上打瞌睡"),
    ("一个女孩站在雨中撑着伞", "让她把伞收起来，张开手臂淋雨"),
    ("一个小女孩坐在地上玩积木", "让她站起来拍手"),
    ("一个男孩在操场上踢足球，阳光明媚", "have the boy do a bicycle kick"),
    ("一个女人低着头站在雨中的车站", "让她抬头看天空"),
    ("a man holding a coffee cup, standing by the window, morning", "让他坐着喝咖啡"),
    ("一只熊站在河里捕鱼，加拿大荒野，纪录片风格",
     "the bear should be catching a fish in its mouth, mid-jump"),
    ("a mountain lake surrounded by pine trees, oil painting, impressionist",
     "make it a realistic photograph instead"),
    ("a bowl of ramen with a soft boiled egg, food photography", "low poly 3d render"),
    ("a cozy coffee shop interior, warm lighting, wide angle photo",
     "make it isometric, like a tiny diorama"),
    ("a man reading a newspaper on a train, black and white photo",
     "make the photo color and have him look out the window instead"),
    ("a woman in a white dress dancing in a field, golden hour, film photo",
     "make the dress black, and have her sitting in the grass looking sad"),
    ("一个穿白衬衫的男孩坐在教室里写作业，午后", "把衬衫改成蓝色，让他趴在桌上睡觉"),
    ("一只橘猫坐在窗台上，晴天，写实摄影", "把猫换成黑色的，天气改成下雪"),
    ("一位老爷爷坐在摇椅上，表情严肃，木屋里，油画", "让爷爷笑起来，手里拿一本书，背景改成花园"),
    ("一个男人在湖边钓鱼，手里拿着钓竿，清晨",
     "switch the fishing rod for a camera, he's taking photos"),
    ("portrait of a businessman in a navy suit, office background, corporate headshot",
     "plain grey studio background please"),
    ("a girl with a kite standing on a hill, cloudy sky", "make the sky clear and blue"),
    ("a man playing saxophone in a jazz bar, smoky, dim light",
     "he should be playing on a rooftop at sunset instead"),
}


def _eval_edits():  # noqa: ANN202 - the bench module, loaded from its file
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "bench" / "eval_edits.py"
    spec = importlib.util.spec_from_file_location("eval_edits", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("eval_edits", module)  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def _dev_cases() -> list:
    bench = _eval_edits()
    params = []
    for path in (DEV_SET, DEV2_SET):
        for i, c in enumerate(bench.load_cases(path)):
            known = (c.prompt, c.instruction) in KNOWN_DEV_FAILURES
            marks = [pytest.mark.xfail(reason="a known rewrite failure", strict=True)] \
                if known else []
            params.append(pytest.param(c, id=f"{path.stem}-{i + 1}-{c.type}", marks=marks))
    return params


def test_the_development_sets_are_whole() -> None:
    bench = _eval_edits()
    dev, dev2 = bench.load_cases(DEV_SET), bench.load_cases(DEV2_SET)
    assert len(dev) >= 300 and {c.type for c in dev} == DEV_TYPES
    assert len(dev2) >= 200
    known = {(c.prompt, c.instruction) for c in dev + dev2} & KNOWN_DEV_FAILURES
    assert known == KNOWN_DEV_FAILURES  # no stale entry in the list


@pytest.mark.parametrize("case", _dev_cases())
def test_every_development_case(case) -> None:  # noqa: ANN001 - a bench Case
    bench = _eval_edits()
    out = apply_rules(case.prompt, case.instruction).prompt
    ok, missing, present = bench.judge(case, out)
    assert ok, (f"[{case.type}] {case.prompt!r} + {case.instruction!r} -> {out!r} "
                f"(missing {missing}, still has {present})")


@pytest.mark.parametrize(("prompt", "instruction", "must", "must_not"), [
    # one verb for two changes
    ("a cat sitting on a sofa in a living room",
     "Change the cat to a dog and the background to a beach", ["dog", "beach"],
     ["cat", "living room"]),
    ("a red car parked on a street", "make the car blue and the street wet",
     ["blue car", "wet street"], ["red"]),
    ("a woman with blonde hair wearing a red coat", "make her hair brown and her coat green",
     ["brown hair", "green coat"], ["blonde", "red"]),
    # said as a wish, a correction or a state
    ("a black horse running on a beach", "I want a white horse instead of a black one",
     ["white horse", "beach"], ["black"]),
    ("a teenage boy in a green hoodie", "the hoodie should be red not green",
     ["red hoodie"], ["green"]),
    ("a vase of red roses on a table", "I'd prefer yellow roses", ["yellow roses", "vase"],
     ["red"]),
    ("a cat and a mouse in a kitchen", "the mouse shouldn't be there", ["cat", "kitchen"],
     ["mouse"]),
    ("a red apple on a white plate", "apple -> pear", ["pear", "plate"], ["apple"]),
    # a new action, maybe in a new place; a place the subject sits on stays
    ("a couple dancing in a ballroom", "make them dance on a rooftop at sunset",
     ["dancing on a rooftop"], ["ballroom"]),
    ("a woman standing in a garden", "make her sit on the grass",
     ["sitting on the grass", "garden"], ["standing"]),
    ("a cat sitting on a chair in a kitchen", "change the background to a garden",
     ["cat sitting on a chair", "garden"], ["kitchen"]),
    # Chinese
    ("一只猫坐在沙发上", "能把猫换成兔子吗", ["兔子", "沙发"], ["猫"]),
    ("一只趴在地毯上睡觉的狗", "狗别睡了，让它跑", ["狗", "跑", "地毯"], ["睡"]),
    ("一个红色的气球飘在空中", "气球要绿色的", ["绿色", "气球"], ["红色"]),
    ("夏天的湖边小屋", "改成冬天，湖面结冰", ["冬天", "小屋", "结冰"], ["夏天"]),
    ("一辆红色跑车停在街上", "让车停在山顶上", ["跑车", "山顶"], ["街"]),
])
def test_how_people_phrase_changes(prompt: str, instruction: str, must: list[str],
                                   must_not: list[str]) -> None:
    out = apply_rules(prompt, instruction).prompt
    for m in must:
        assert _contains(out, m, whole_word=True), (instruction, out, m)
    for m in must_not:
        assert not _contains(out, m, whole_word=True), (instruction, out, m)


# ---------------------------------------------------------------- phrasings in general
# Each row is one general rule (a paraphrase the parser normalises, a vocabulary class, a
# way of replacing the old value) checked with phrasings no rule is keyed to.
@pytest.mark.parametrize("prompt,instruction,must,must_not", [
    # colour: modal / passive / "in <colour>" / recolour verbs / "its colour" / bare phrase
    ("a blue car parked on a street", "the car needs to be dark green",
     ["dark green car", "parked"], ["blue", "needs"]),
    ("a blue car parked on a street", "can the car be red", ["red car"], ["blue"]),
    ("a blue car parked on a street", "I want the car in silver", ["silver car"], ["blue"]),
    ("a blue car parked on a street", "change its color to orange", ["orange car", "street"],
     ["blue"]),
    ("a red sports car on a mountain road", "recolor the car to matte black",
     ["matte black sports car"], ["red"]),
    ("a woman in a red dress walking in a park", "the dress should be green instead of red",
     ["green dress", "walking"], ["red", "should"]),
    ("a woman in a red dress walking in a park", "green dress please", ["green dress"],
     ["red"]),
    ("a bedroom with beige walls", "paint the walls sage green", ["sage green walls"],
     ["beige"]),
    ("a man in a navy suit with a red tie", "swap the red tie for a purple one",
     ["purple tie", "navy suit"], ["red"]),
    ("a white mug of coffee", "mug should be fuchsia", ["fuchsia mug"], ["white"]),
    # attribute: elaborations dropped, unknown adjectives are descriptions, old state goes
    ("a small wooden cabin in a forest", "make the cabin huge, like a mansion",
     ["huge", "cabin"], ["small", "mansion"]),
    ("a tall knight in armor", "he should be short and stocky", ["knight", "stocky"],
     ["tall"]),
    ("a smiling bride in a white gown", "make her look nervous", ["nervous", "bride"],
     ["smiling"]),
    ("a wooden door slightly open, old farmhouse", "close the door", ["closed", "door"],
     ["open"]),
    ("a man with a serious expression, black background", "make him laugh",
     ["laughing", "man"], ["serious"]),
    ("a teenage boy reading a book", "age him up to about 40", ["40-year-old", "boy"],
     ["teenage"]),
    ("two horses grazing in a meadow", "just one horse please", ["horse", "meadow"],
     ["two"]),
    ("a little girl holding a balloon", "make her an old lady", ["old lady", "balloon"],
     ["little"]),
    ("an empty bookshelf in a library", "fill the shelf with books", ["books"], ["empty"]),
    # pose: modal + verb, "get X to", -ing after have, verbs the pose list does not know
    ("a cat sitting on a windowsill facing the camera", "the cat should face away",
     ["facing away", "sitting"], ["camera"]),
    ("a woman standing in a garden", "get her to smile", ["smiling", "woman"], []),
    ("a puppy sitting in a basket", "have the puppy lying down", ["lying", "basket"],
     ["sitting"]),
    ("a ballerina standing still on stage", "make her do a pirouette",
     ["doing a pirouette", "ballerina"], ["standing"]),
    ("a woman in a red coat standing on a bridge", "have her sit on the railing",
     ["sitting on the railing", "bridge"], ["standing"]),
    ("a man sitting at a desk, typing on a laptop", "have him stretch with his arms up",
     ["stretching", "desk"], ["typing"]),
    # style: the user's words, the old medium goes, whole-picture adjectives are a style
    ("a fox in a snowy forest, photorealistic", "render it as a charcoal drawing",
     ["charcoal drawing", "fox"], ["photorealistic"]),
    ("a lion on a rock, savanna, wildlife photo", "turn it into a stained glass window",
     ["stained glass", "lion"], ["photo"]),
    ("a cozy coffee shop interior, 35mm photo", "make it isometric",
     ["isometric", "coffee shop"], ["35mm"]),
    ("a girl walking her dog in the park, photo", "I'd love this in a Studio Ghibli look",
     ["Ghibli", "girl"], ["photo"]),
    # mixed: a clause that starts "the X should" is a new edit; count with a colour
    ("two cats sleeping on a blue blanket", "one cat only, and the blanket should be green",
     ["a cat", "green blanket"], ["two", "cats", "blue"]),
    ("three yellow tulips in a vase", "change them to five purple tulips",
     ["five purple tulips", "vase"], ["yellow"]),
    ("a young man playing guitar on a rooftop", "make him older with a grey beard",
     ["man", "grey beard", "guitar"], ["young"]),
    ("a red fox in a green forest, summer", "change the background to a snowy forest",
     ["snowy forest", "fox"], ["summer", "green"]),
    # Chinese
    ("一个长发女孩坐在窗边看书", "把她的头发剪短", ["短发女孩"], ["长发"]),
    ("桌上放着一本合上的旧书", "把书翻开", ["打开", "书"], ["合上"]),
    ("一只猫躺在沙发上睡觉，午后阳光", "让猫坐起来舔爪子", ["坐起来舔爪子", "沙发"],
     ["睡觉", "躺"]),
    ("一个小女孩抱着一只兔子，草地，照片", "画成宫崎骏动画风格", ["宫崎骏", "兔子"],
     ["照片"]),
    ("一位穿汉服的女子在竹林中抚琴，电影感", "改成工笔画", ["工笔画", "竹林"], ["电影感"]),
    ("一群孩子在操场上踢足球", "背景换成沙滩", ["在沙滩上踢足球"], ["操场"]),
    ("一个年轻女孩站在樱花树下，春天", "让她变老一点，坐在树下", ["坐", "樱花"], ["站"]),
    ("a teddy bear sitting on a bed", "make the teddy a stuffed bunny",
     ["stuffed bunny sitting", "bed"], ["bear"]),
    ("a plastic toy robot on a desk", "make the robot metal, like chrome",
     ["metal", "robot"], ["plastic", "chrome"]),
])
def test_phrasings_generalise(prompt: str, instruction: str, must: list[str],
                              must_not: list[str]) -> None:
    out = apply_rules(prompt, instruction).prompt
    for m in must:
        assert _contains(out, m, whole_word=False), (instruction, out, m)
    for m in must_not:
        assert not _contains(out, m, whole_word=True), (instruction, out, m)


@pytest.mark.parametrize("text", ["a red car", "a watercolor painting of a fox",
                                  "two dogs running on a beach"])
def test_new_picture_descriptions_are_not_read_as_changes(text: str) -> None:
    # the fallback readings ("green dress please") never take a new prompt for a change
    assert parse_instruction(text) is None


@pytest.mark.parametrize("prompt,instruction,must,must_not", [
    # a name that is part of the old word names the whole of it (hypernyms, compounds)
    ("一辆红色的轿车停在路边", "把车换成自行车", ["自行车", "红色"], ["轿"]),
    ("一只泰迪熊坐在床上", "把熊换成兔子", ["兔子", "床"], ["泰迪"]),
    ("一辆车停在路边", "把车换成自行车", ["一辆自行车", "路边"], ["汽车"]),
    ("一朵盛开的向日葵，蓝天背景", "让花枯萎", ["枯萎", "向日葵"], ["盛开"]),
    ("a tabby kitten on a windowsill", "replace the cat with a rabbit",
     ["rabbit", "windowsill"], ["tabby", "kitten"]),
    ("a small dog chasing a ball in a park", "instead of the dog, a fox",
     ["small fox", "ball"], ["dog", "instead"]),
    ("a man reading a newspaper on a bench", "give him a book instead of the newspaper",
     ["reading a book", "bench"], ["newspaper", "give"]),
    # a new value replaces the old one of its kind wherever it is said
    ("a fresh, crisp red apple on a wooden table", "make the apple rotten",
     ["rotten", "apple", "table"], ["fresh", "crisp"]),
    ("a glass of water, full to the brim, on a marble counter", "make the glass half full",
     ["half full", "counter"], ["brim"]),
    ("an old man sitting on a bench", "make him look 20 years younger",
     ["young", "man", "bench"], ["old", "20"]),
    ("一个小小的玻璃瓶放在沙滩上", "瓶子大一点", ["大", "玻璃瓶", "沙滩"], ["小小", "一点"]),
    ("a wooden door in a stone wall, closed", "the door wide open",
     ["open wooden door", "stone wall"], ["closed", "wide"]),
    ("a muscular bodybuilder posing on a stage", "把他改得很瘦", ["slim", "bodybuilder"],
     ["muscular", "把"]),
    ("三个小孩在沙滩上堆沙堡，夏日海边", "改成只有一个小孩", ["一个小孩", "沙堡"],
     ["三个", "只有"]),
    ("一个年轻男人穿着西装站在办公楼前", "让他变成一个小男孩", ["小男孩", "西装", "办公楼"],
     ["年轻", "男人"]),
    ("a girl with a kite on a hill, cloudy sky", "make the sky clear and blue",
     ["sunny", "kite"], ["cloudy", "clear"]),
    ("一个小小的玻璃瓶放在沙滩上", "瓶子要超级大的那种", ["大的玻璃瓶"], ["小小", "那种"]),
    # a new place takes the old landmarks and cities with it
    ("a couple standing in front of the eiffel tower, paris, sunset",
     "put them in front of the colosseum", ["colosseum", "couple", "sunset"],
     ["eiffel", "paris", "front of front"]),
    ("a cyclist on a street in paris, eiffel tower in the distance", "move him to kyoto",
     ["kyoto", "cyclist"], ["eiffel", "paris", "street"]),
    ("一辆自行车停在巴黎街头，埃菲尔铁塔在远处", "背景换成京都的古寺",
     ["京都", "自行车"], ["埃菲尔", "巴黎"]),
    ("一个男人站在城市街头，写实摄影", "换成沙漠背景", ["沙漠", "男人", "写实"], ["换成", "街头"]),
    # a sunny day is no night; the subject told anew is its new look and its new action
    ("一个男孩在海边放风筝，晴天", "把背景换成雪山，并让天空变成黄昏", ["雪山", "黄昏", "风筝"],
     ["晴天", "海边"]),
    ("a boy flying a kite on a beach, sunny day", "make it night", ["night", "kite"], ["sunny"]),
    ("a black horse standing in a field of wildflowers, spring", "I want a white horse galloping",
     ["white horse galloping", "wildflowers"], ["black", "standing"]),
    ("a brown dog sitting on a porch", "I want a white horse galloping",
     ["white horse galloping", "porch"], ["dog", "sitting"]),
    ("a red car parked on a street", "I want a blue car racing down the road",
     ["blue car racing"], ["red", "parked"]),
    # several actions at once; what is held is replaced; the apparatus of the old action goes
    ("a man in a suit standing in an office", "make him smile and wave",
     ["smiling", "waving", "office"], ["standing"]),
    ("a dog sleeping on a rug", "make the dog jump and bark", ["jumping and barking", "rug"],
     ["sleeping", "bark on"]),
    ("two friends sitting at a cafe table, talking", "make them laugh and clink their glasses",
     ["laughing", "clinking their glasses"], ["talking"]),
    ("a girl holding a cat in a garden", "she should hold a puppy instead",
     ["holding a puppy", "garden"], ["cat", "two"]),
    ("a girl holding a cat in a garden", "have her hold a puppy instead of the cat",
     ["holding a puppy", "garden"], ["cat", "instead"]),
    ("a woman running on a treadmill in a gym", "make her lift dumbbells instead",
     ["lifting dumbbells", "gym"], ["treadmill", "running"]),
    ("a boy standing on a trampoline, backyard", "let the boy jump",
     ["jumping", "trampoline"], ["standing"]),
    ("一个小女孩坐在地上玩积木", "让她站起来拍手", ["在地上站起来拍手"], ["坐", "拍手在"]),
    ("一只狗躺在地毯上睡觉", "让狗跳起来叫", ["在地毯上跳起来叫"], ["躺", "睡觉"]),
    ("一只鹰停在树枝上，山谷背景", "让鹰展翅飞翔", ["飞翔", "树枝", "山谷"], ["停在"]),
    ("一个女孩手里拿着雨伞站在街上", "让她拿着一束花", ["拿着一束花", "街上"], ["雨伞"]),
    # removing everything on a thing keeps the thing; a held thing takes its verb with it
    ("a wooden table with a vase, books and a cup on it, window light",
     "take away everything on the table", ["wooden table", "window light"],
     ["vase", "books", "cup"]),
    ("a kitchen counter with fruit, bread and a knife, morning light",
     "remove everything from the counter", ["counter", "morning light"],
     ["fruit", "bread", "knife"]),
    ("a desk covered in papers, office", "clear the desk", ["desk", "office"], ["papers"]),
    ("一张木桌上放着花瓶、书和杯子，窗边", "去掉桌上的东西", ["木桌", "窗边"], ["花瓶", "杯子"]),
    ("一张书桌上堆满了书，台灯", "清空书桌", ["书桌", "台灯"], ["堆满"]),
    ("一个男人牵着一只狗在公园散步", "去掉狗", ["男人", "公园"], ["狗", "牵"]),
])
def test_general_edit_principles(prompt: str, instruction: str, must: list[str],
                                 must_not: list[str]) -> None:
    out = apply_rules(prompt, instruction).prompt
    for m in must:
        assert _contains(out, m, whole_word=False), (instruction, out, m)
    for m in must_not:
        assert not _contains(out, m, whole_word=True), (instruction, out, m)
