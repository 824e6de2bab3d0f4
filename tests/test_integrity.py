"""Content integrity: which key words a rewrite kept, lost, or should have dropped."""

from __future__ import annotations

from tools.integrity import content_integrity, keywords


def test_english_keywords_are_lowercased_stemmed_without_stop_words() -> None:
    assert keywords("Two Cats sitting on the sofas, at night") == ["cat", "sitting", "sofa",
                                                                   "night"]
    assert keywords("a man wearing glasses") == ["man", "glass"]
    assert keywords("") == [] and keywords("the a of and") == []


def test_chinese_keywords_are_segmented_with_jieba() -> None:
    assert keywords("一颗绿色的花椰菜在生长") == ["绿色", "花椰菜", "生长"]
    assert keywords("两只小狗在雪地里") == ["小狗", "雪地"]
    assert "海边" in keywords("一只猫在海边") and "一只" not in keywords("一只猫在海边")


def test_faithful_rewrite_scores_one() -> None:
    r = content_integrity("a red car", "make it blue", "a blue car")
    assert r.score == 1.0 and r.missing == [] and r.unwanted == []
    assert set(r.expected) == {"car", "blue"}  # "red" is replaced, so not expected


def test_lost_subject_lowers_the_score_and_is_named() -> None:
    r = content_integrity("a red car", "make it blue", "a blue bicycle")
    assert r.score == 0.5 and r.missing == ["car"]
    worse = content_integrity("a cat on a sofa", "add a red hat", "a dog")
    assert worse.score == 0.0
    assert set(worse.missing) == {"cat", "sofa", "red", "hat"}


def test_words_that_should_have_gone_are_reported() -> None:
    r = content_integrity("a red car", "make it blue", "a red and blue car")
    assert r.unwanted == ["red"]
    kept = content_integrity("a red car next to a red house", "make the car blue",
                             "a blue car next to a red house")
    assert kept.unwanted == []  # red still belongs to the house


def test_removed_things_are_not_expected() -> None:
    r = content_integrity("a man wearing glasses reading a book", "remove the glasses",
                          "a man reading a book")
    assert r.score == 1.0 and "glass" not in r.expected
    left = content_integrity("a man wearing glasses reading a book", "remove the glasses",
                             "a man wearing glasses reading a book")
    assert left.unwanted == ["glass"]


def test_chinese_integrity() -> None:
    good = content_integrity("一辆红色的汽车", "把车改成蓝色", "一辆蓝色的汽车")
    assert good.score == 1.0 and good.unwanted == []
    bad = content_integrity("一辆红色的汽车", "把车改成蓝色", "一辆红色的汽车")
    assert bad.missing == ["蓝色"] and bad.unwanted == ["红色"] and bad.score == 0.5
    hat = content_integrity("一只猫在沙发上", "加一顶红帽子", "一只戴着红帽子的猫在沙发上")
    assert hat.score == 1.0
    lost = content_integrity("一只猫在沙发上", "加一顶红帽子", "一只猫")
    assert "红帽子" in lost.missing and lost.score < 0.7


def test_across_languages_and_synonyms() -> None:
    # a Chinese prompt rewritten into English still keeps its content
    assert content_integrity("一辆红色的汽车", "把车改成蓝色", "a blue car").score == 1.0
    assert content_integrity("一只猫在沙发上", "变成夜晚", "a cat on a sofa at night").score == 1.0
    # vocabulary variants count: dusk ~ twilight, night ~ nighttime
    assert content_integrity("a busy street at dusk", "make it rainy",
                             "a busy street at twilight in the rain").score == 1.0
    assert content_integrity("a cat on a sofa", "make it night",
                             "a cat on a sofa, nighttime").score == 1.0


def test_unparsed_instruction_words_are_expected_too() -> None:
    r = content_integrity("a cat on a sofa", "more dramatic lighting please", "a cat on a sofa")
    assert 0 < r.score < 1 and "dramatic" in r.missing


def test_score_is_bounded_and_empty_output_scores_zero() -> None:
    for new in ["", "   ", "a red car", "完全无关的内容", "x" * 5000]:
        r = content_integrity("a red car", "make it blue", new)
        assert 0.0 <= r.score <= 1.0
    assert content_integrity("a red car", "make it blue", "").score == 0.0
    assert content_integrity("", "", "anything").score == 1.0  # nothing was expected


def test_two_letter_words_are_content_too() -> None:
    r = content_integrity("a tv on a desk", "make it night", "a desk at night")
    assert r.missing == ["tv"] and r.score < 1.0
