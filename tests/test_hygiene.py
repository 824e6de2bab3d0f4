"""The suite's own rules: a warning raised in our code fails the test that raised it (so a
new one is never lost among library warnings), while the known library warnings pass."""

from __future__ import annotations

import warnings

import pytest


@pytest.mark.parametrize("module", ["agent.engine", "tools.retrieve", "storage.db",
                                    "channels.telegram", "settings", "bot"])
def test_a_warning_from_our_modules_is_an_error(module: str) -> None:
    with pytest.raises(DeprecationWarning, match="our own"):
        warnings.warn_explicit("our own deprecation", DeprecationWarning,
                               f"{module.replace('.', '/')}.py", 1, module=module)


def test_known_library_warnings_are_ignored_by_name_and_others_still_shown() -> None:
    with warnings.catch_warnings(record=True) as seen:  # the filters this test runs under
        warnings.warn_explicit("The copy keyword is deprecated and will be removed",
                               DeprecationWarning, "gradio/queueing.py", 178,
                               module="gradio.queueing")
        warnings.warn_explicit("something new", UserWarning, "somelib/x.py", 1,
                               module="somelib.x")
    assert [str(w.message) for w in seen] == ["something new"]
