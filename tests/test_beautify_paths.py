"""Beautify's fallbacks, as the user reads them: a profile without a prompt model, a model
that returns nothing usable or drops the subject, and a backend name that does not exist."""

from __future__ import annotations

import pytest

from errors import ImagechatError
from settings import Settings
from tools import beautify as beautify_mod
from tools import models
from tools.beautify import beautify


def test_an_unknown_backend_is_refused_by_name(settings: Settings) -> None:
    with pytest.raises(ImagechatError, match="unknown beautify backend 'fancy'; use rules or lm"):
        beautify("a red car", settings=settings, backend="fancy")


def test_a_profile_without_a_prompt_model_uses_the_templates_and_says_so(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    bare = models.replace_profile(models.PROFILES["tiny"], name="tiny-no-lm", beautify_lm=None)
    monkeypatch.setitem(models.PROFILES, "tiny-no-lm", bare)
    out = beautify("a red car", n=3, settings=settings.with_(profile="tiny-no-lm"),
                   backend="lm")
    assert out.backend == "rules" and len(out) == 3
    assert out.note == ("the profile 'tiny-no-lm' names no BeautifulPrompt model; "
                        "I used the style templates instead")
    assert all(c.prompt.startswith("a red car") for c in out)


def test_a_model_that_returns_nothing_usable_falls_back_to_the_templates(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(beautify_mod, "_lm", lambda *a, **k: ["", "   "])
    out = beautify("a red car", n=2, settings=settings, backend="lm")
    assert out.backend == "rules" and len(out) == 2
    assert out.note == ("the prompt model produced nothing usable; "
                        "I used the style templates")


def test_a_model_that_drops_the_subject_gets_it_back_in_front(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(beautify_mod, "_lm", lambda *a, **k: ["golden hour, 8k, masterpiece"])
    out = beautify("a red car", n=1, settings=settings, backend="lm")
    assert out.backend == "lm" and out.note == ""
    assert [c.prompt for c in out] == ["a red car, golden hour, 8k, masterpiece"]
