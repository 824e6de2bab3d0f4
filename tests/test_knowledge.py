"""Entity knowledge: prompts carry what their entities look like (ARTIST, seed 000)."""

from __future__ import annotations

from tools.knowledge import SHIPPED, enrich, load_lexicon, read_tsv


def test_shipped_lexicon_is_bilingual_and_big_enough() -> None:
    entities, bad = read_tsv(SHIPPED)
    assert bad == 0 and 80 <= len(entities) <= 200
    names = {e.name for e in entities}
    assert {"cauliflower", "the great wall", "forbidden city", "eiffel tower"} <= names
    assert all(any("\u4e00" <= ch <= "\u9fff" for a in e.aliases for ch in a)
               for e in entities)


def test_green_cauliflower_carries_what_a_cauliflower_looks_like(settings) -> None:
    e = enrich("一颗绿色的花椰菜在生长", settings=settings)
    assert e.original == "一颗绿色的花椰菜在生长"
    assert e.prompt.startswith("一颗绿色的花椰菜在生长，")
    assert "cauliflower" in e.prompt and "florets" in e.prompt
    assert e.entities == ["cauliflower"]
    assert "florets" in e.descriptions["cauliflower"]


def test_landmarks_english_plurals_and_longest_alias(settings) -> None:
    e = enrich("埃菲尔铁塔和故宫，长城在远处", settings=settings)
    assert e.entities == ["eiffel tower", "forbidden city", "the great wall"]
    assert enrich("three pandas eating", settings=settings).entities == ["giant panda"]
    assert enrich("a red panda on a branch", settings=settings).entities == ["red panda"]


def test_no_false_matches_inside_other_words(settings) -> None:
    for text in ["玉米", "a bowl of corn", "a cat on a sofa", "竹林小路"]:
        e = enrich(text, settings=settings)
        assert e.entities == [] and e.prompt == text


def test_enrich_is_idempotent(settings) -> None:
    once = enrich("a panda in the snow", settings=settings).prompt
    assert enrich(once, settings=settings).prompt == once


def test_user_lexicon_adds_and_overrides(settings, tmp_path) -> None:
    path = tmp_path / "mine.tsv"
    path.write_text(
        "# my entities\n"
        "jianbing\t煎饼果子|jianbing\ta thin golden crepe folded around a crisp cracker\n"
        "cauliflower\t花椰菜\ta purple cauliflower head\n"
        "broken line without tabs\n", encoding="utf-8")
    mine = settings.with_(lexicon=str(path))
    e = enrich("一个煎饼果子和花椰菜", settings=mine)
    assert e.entities == ["jianbing", "cauliflower"]
    assert "thin golden crepe" in e.prompt and "purple cauliflower head" in e.prompt
    assert "1 line(s)" in e.note
    # the built-in lexicon is still there
    assert enrich("长城", settings=mine).entities == ["the great wall"]


def test_missing_user_lexicon_is_a_note_not_an_error(settings, tmp_path) -> None:
    mine = settings.with_(lexicon=str(tmp_path / "nope.tsv"))
    e = enrich("花椰菜", settings=mine)
    assert e.entities == ["cauliflower"] and "does not exist" in e.note
    assert load_lexicon(mine).entities


def test_bad_prompts(settings) -> None:
    assert enrich("", settings=settings).prompt == ""
    e = enrich("花椰菜\x00\u200b" + "x" * 10_000, settings=settings)
    assert e.entities == ["cauliflower"] and len(e.original) <= 2000
