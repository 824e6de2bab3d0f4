"""The BeautifulPrompt-style beautifier: exact model-card templates, tiny LM, style rules."""

from __future__ import annotations

import pytest

from errors import InvalidInput
from tools import models
from tools.beautify import (
    SAMPLING,
    SAMPLING_V2,
    TEMPLATE,
    TEMPLATE_V2,
    aesthetic,
    beautify,
    template_for,
)


def test_templates_and_sampling_match_the_model_cards() -> None:
    # seed 004 / alibaba-pai/pai-bloom-1b1-text2prompt-sd
    assert TEMPLATE.format(raw_prompt="1 girl") == (
        "Instruction: Give a simple description of the image to generate a drawing prompt."
        "\nInput: 1 girl\nOutput:")
    assert SAMPLING == {"do_sample": True, "temperature": 1.0, "top_k": 50, "top_p": 0.95,
                        "repetition_penalty": 1.2}
    v1 = template_for("alibaba-pai/pai-bloom-1b1-text2prompt-sd")
    assert v1[0] == TEMPLATE and v1[2] == 384 and v1[3] is None  # max_length=384
    # alibaba-pai/pai-bloom-1b1-text2prompt-sd-v2
    v2 = template_for("alibaba-pai/pai-bloom-1b1-text2prompt-sd-v2")
    assert v2[0] == TEMPLATE_V2 and v2[3] == 384  # max_new_tokens=384
    assert TEMPLATE_V2.startswith("Converts a simple image description into a prompt. ")
    assert TEMPLATE_V2.endswith("\n### Input: {raw_prompt}\n### Output:")
    assert SAMPLING_V2["temperature"] == 0.9 and SAMPLING_V2["repetition_penalty"] == 1.1
    assert SAMPLING_V2["top_k"] == 50 and SAMPLING_V2["top_p"] == 0.95


def test_rules_give_n_ranked_distinct_candidates_that_keep_the_subject(settings) -> None:
    cands = beautify("a cat on a sofa", n=5, settings=settings)
    assert cands.backend == "rules" and len(cands) == 5
    assert len({c.prompt for c in cands}) == 5
    for c in cands:
        assert c.prompt.startswith("a cat on a sofa, ") and c.source == "rules"
        assert c.integrity == 1.0 and 0.0 <= c.score <= 1.0
    keys = [(-c.integrity, -c.score) for c in cands]
    assert keys == sorted(keys)
    families = " ".join(c.prompt for c in cands)
    assert "watercolor" in families and "oil painting" in families


def test_rules_are_deterministic_and_seeded(settings) -> None:
    a = [c.prompt for c in beautify("a red fox", n=4, settings=settings)]
    b = [c.prompt for c in beautify("a red fox", n=4, settings=settings)]
    c = [c.prompt for c in beautify("a red fox", n=4, settings=settings, seed=3)]
    assert a == b and set(a) != set(c)


def test_chinese_prompt_gets_chinese_templates(settings) -> None:
    cands = beautify("一只猫在沙发上", n=3, settings=settings)
    for c in cands:
        assert c.prompt.startswith("一只猫在沙发上，")
    assert any("水墨国风" in c.prompt or "水彩画" in c.prompt or "专业摄影" in c.prompt
               for c in cands)


def test_a_chosen_style_is_kept(settings) -> None:
    cands = beautify("a lighthouse, watercolor", n=3, settings=settings)
    assert all("watercolor" in c.prompt and "oil painting" not in c.prompt for c in cands)
    assert len({c.prompt for c in cands}) == 3  # varied by lighting


def test_lm_backend_on_the_tiny_model(settings, monkeypatch) -> None:
    tokenizer, model = models.load_causal_lm(settings, models.TINY)
    calls = []
    original = model.generate

    def spy(input_ids, **kwargs):
        calls.append((tokenizer.decode(input_ids[0]), kwargs))
        return original(input_ids, **kwargs)

    monkeypatch.setattr(model, "generate", spy)
    cands = beautify("a cat on a sofa", n=4, settings=settings, backend="lm", seed=1)
    assert len(calls) == 1
    text, kwargs = calls[0]
    assert text == TEMPLATE.format(raw_prompt="a cat on a sofa")
    assert kwargs["num_return_sequences"] == 4 and kwargs["top_k"] == 50
    assert kwargs["top_p"] == 0.95 and kwargs["repetition_penalty"] == 1.2
    assert cands.backend == "lm" and 1 <= len(cands) <= 4
    for c in cands:
        assert c.source == "lm"
        assert "a cat on a sofa" in c.prompt  # the raw subject is always kept
        assert "Instruction:" not in c.prompt and "Give a simple description" not in c.prompt


def test_lm_backend_translates_chinese_first(settings, monkeypatch) -> None:
    tokenizer, model = models.load_causal_lm(settings, models.TINY)
    calls = []
    original = model.generate

    def spy(input_ids, **kwargs):
        calls.append(tokenizer.decode(input_ids[0]))
        return original(input_ids, **kwargs)

    monkeypatch.setattr(model, "generate", spy)
    beautify("一只猫在沙发上", n=2, settings=settings, backend="lm", seed=0)
    assert "Input: a cat on a sofa\nOutput:" in calls[0]


def test_unavailable_model_falls_back_to_templates(settings, monkeypatch) -> None:
    profile = models.replace_profile(models.PROFILES["tiny"], beautify_backend="lm",
                                     beautify_lm="no-such-org/no-such-model-v2")
    monkeypatch.setitem(models.PROFILES, "tiny", profile)
    cands = beautify("a cat", n=3, settings=settings)
    assert cands.backend == "rules" and len(cands) == 3
    assert "not available" in cands.note


def test_bad_input(settings) -> None:
    for raw in ["", "   ", "\x00\u200b"]:
        with pytest.raises(InvalidInput, match="empty"):
            beautify(raw, settings=settings)
    assert len(beautify("a cat", n=0, settings=settings)) == 1
    assert len(beautify("a cat", n=500, settings=settings)) == 10
    long = beautify("a cat " * 2000, n=2, settings=settings)
    assert all(len(c.prompt) < 2500 for c in long)


def test_aesthetic_prefers_detail_and_penalises_overlong_or_repetitive_text() -> None:
    plain = aesthetic("a cat")
    rich = aesthetic("a cat, soft lighting, highly detailed, masterpiece, 8k, sharp focus")
    assert rich > plain
    assert aesthetic("cat " * 80) < rich


@pytest.mark.gpu
def test_real_beautifulprompt_v2_when_cached(settings) -> None:
    from errors import NotAvailable

    real = settings.with_(profile="sd-turbo", device="")
    try:
        models.load_causal_lm(real, "alibaba-pai/pai-bloom-1b1-text2prompt-sd-v2")
    except NotAvailable:
        pytest.skip("BeautifulPrompt v2 weights are not in the local cache")
    cands = beautify("1 girl", n=5, settings=real, seed=0)
    assert cands.backend == "lm" and len(cands) >= 3
    assert all("girl" in c.prompt.lower() for c in cands)
    assert not any("### Input" in c.prompt for c in cands)
