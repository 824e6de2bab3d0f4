"""Chinese prompts for English-only image models: LLM, translation model, lexicon."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage

from tools import models
from tools.translate import en_to_zh, to_english, zh_number, zh_to_en


class _LLM:
    def __init__(self, answer: str | Exception) -> None:
        self.answer = answer
        self.calls = 0

    def invoke(self, messages):
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return AIMessage(self.answer)


def test_english_needs_no_translation(settings) -> None:
    t = to_english("a cat on a sofa", settings=settings)
    assert (t.text, t.original, t.backend) == ("a cat on a sofa", "a cat on a sofa", "none")


def test_native_chinese_profile_skips_translation(settings) -> None:
    t = to_english("一只猫在沙发上", settings=settings.with_(profile="pai-zh"))
    assert t.backend == "none" and t.text == "一只猫在沙发上"


@pytest.mark.parametrize(("zh", "en"), [
    ("一只猫在沙发上", "a cat on a sofa"),
    ("两只小狗在雪地里", "two puppies in a snowy field"),
    ("一个戴着眼镜的男人在看书", "a man wearing glasses reading a book"),
    ("一颗绿色的花椰菜在生长", "a green cauliflower growing"),
    ("繁华的街道，夜晚，水彩风格", "bustling street, night, watercolor style"),
    ("三只猫坐在窗台上", "three cats sitting on a windowsill"),
])
def test_lexicon_translation_offline(settings, zh: str, en: str) -> None:
    t = to_english(zh, settings=settings)
    assert t.backend == "lexicon" and t.original == zh
    assert t.text == en


def test_lexicon_keeps_unknown_words_and_english_parts() -> None:
    out = zh_to_en("a robot 在海边，龘龘")
    assert out.startswith("a robot on a beach") and "龘龘" in out


def test_llm_is_used_when_given(settings) -> None:
    llm = _LLM("A cat lying on a sofa")
    t = to_english("一只猫躺在沙发上", settings=settings, llm=llm)
    assert (t.text, t.backend, t.original) == ("A cat lying on a sofa", "llm", "一只猫躺在沙发上")


def test_bad_llm_answers_fall_back_to_the_lexicon(settings) -> None:
    for answer in ["一只猫在沙发上", "", ConnectionError("down")]:
        t = to_english("一只猫在沙发上", settings=settings, llm=_LLM(answer))
        assert t.backend == "lexicon" and t.text == "a cat on a sofa"
        assert t.note


def test_translation_model_is_used_when_present(settings, monkeypatch) -> None:
    import torch

    class Tok:
        def __call__(self, texts, **kw):
            assert texts == ["一只猫"]
            return {"input_ids": torch.tensor([[1, 2, 3]])}

        def batch_decode(self, ids, skip_special_tokens=True):
            return ["A cat."]

    class Model:
        device = torch.device("cpu")

        def generate(self, **kw):
            assert kw["input_ids"].shape == (1, 3)
            return torch.tensor([[0, 5]])

    monkeypatch.setattr(models, "load_translator", lambda s: (Tok(), Model()))
    t = to_english("一只猫", settings=settings)
    assert (t.text, t.backend) == ("A cat.", "model")


def test_translator_is_only_looked_up_locally_when_offline(settings, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    profile = models.replace_profile(models.PROFILES["tiny"],
                                     translator="no-such-org/opus-mt-zh-en-missing")
    monkeypatch.setitem(models.PROFILES, "tiny", profile)
    assert models.load_translator(settings) is None
    t = to_english("一只猫在沙发上", settings=settings)
    assert t.backend == "lexicon" and t.text == "a cat on a sofa"


def test_phrases_the_other_way_and_numbers() -> None:
    assert en_to_zh("a red hat") == "一顶红色的帽子"
    assert en_to_zh("a beach") == "海边"
    assert en_to_zh("two swans") == "两只天鹅"
    assert en_to_zh("night") == "夜晚"
    assert [zh_number(x) for x in ("两只", "三个", "十二", "3只", "猫")] == [2, 3, 12, 3, None]


@pytest.mark.gpu
def test_real_marian_translator_when_cached(settings) -> None:
    pytest.importorskip("sentencepiece")
    real = settings.with_(profile="sd-turbo")
    if models.load_translator(real) is None:
        pytest.skip("Helsinki-NLP/opus-mt-zh-en is not in the local cache")
    t = to_english("一只猫在沙发上", settings=real)
    assert t.backend == "model" and "cat" in t.text.lower()
