"""One contract for every image tool, the way diffusers tests every pipeline with one mixin:
the same seed gives the same pixels, progress is reported at each step, cancel takes effect
at the next step, and bad input is refused before any model loads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from errors import InvalidInput
from tests.pictures import noise, pixels
from tools import edit, models
from tools.generate import generate
from tools.jobs import JobCancelled

LOADERS = ("load_txt2img", "load_img2img", "load_instruct", "load_ip_adapter")


def run_generate(settings, **kw: Any):  # noqa: ANN001, ANN201
    return generate("a lighthouse", settings=settings, **kw)[0]


def run_img2img(settings, **kw: Any):  # noqa: ANN001, ANN201
    return edit.img2img(noise(seed=1), "a lighthouse", 0.8, settings=settings, **kw)


def run_instruct(settings, **kw: Any):  # noqa: ANN001, ANN201
    return edit.instruct(noise(seed=1), "make it night", settings=settings, **kw)


def run_restyle(settings, **kw: Any):  # noqa: ANN001, ANN201
    return edit.restyle("a lighthouse", noise(seed=2), settings=settings, **kw)


TOOLS: dict[str, Callable[..., Any]] = {
    "generate": run_generate, "img2img": run_img2img, "instruct": run_instruct,
    "restyle": run_restyle,
}


@pytest.fixture(params=list(TOOLS))
def tool(request, ip_settings):  # noqa: ANN001, ANN201
    """(name, run, settings): every image tool, on the tiny profile with an IP-Adapter."""
    return request.param, TOOLS[request.param], ip_settings


def test_same_seed_same_pixels_other_seed_other_pixels(tool) -> None:  # noqa: ANN001
    _, run, settings = tool
    a, b, c = (run(settings, seed=s, steps=4) for s in (5, 5, 6))
    assert np.array_equal(pixels(a), pixels(b))
    assert not np.array_equal(pixels(a), pixels(c))
    assert a.recipe.seed == 5


def test_progress_is_reported_at_each_step(tool) -> None:  # noqa: ANN001
    _, run, settings = tool
    seen: list[tuple[int, int]] = []
    run(settings, seed=1, steps=6, progress=lambda step, total: seen.append((step, total)))
    total = seen[-1][1]
    assert [s for s, _ in seen] == list(range(1, total + 1))  # every step, in order
    assert all(t == total for _, t in seen) and total >= 1


def test_cancel_takes_effect_at_the_next_step(tool) -> None:  # noqa: ANN001
    _, run, settings = tool
    seen: list[int] = []
    with pytest.raises(JobCancelled):
        run(settings, seed=1, steps=20, progress=lambda step, total: seen.append(step),
            cancel=lambda: len(seen) >= 2)
    assert seen == [1, 2]


@pytest.mark.parametrize("bad,message", [
    ({"steps": 0}, "steps must be between"), ({"seed": -1}, "seed must be between"),
    ({"guidance": 99}, "guidance must be between"),
])
def test_bad_input_is_refused_before_any_model_loads(tool, monkeypatch, bad,  # noqa: ANN001
                                                     message) -> None:
    _, run, settings = tool

    def no_model(*_a: Any, **_k: Any) -> None:
        raise AssertionError("a model was loaded for invalid input")

    for loader in LOADERS:
        monkeypatch.setattr(models, loader, no_model)
    with pytest.raises(InvalidInput, match=message):
        run(settings, **bad)
