"""Text to image (tiny profile): reproducible pixels, recipes, progress, cancel, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from errors import InvalidInput
from settings import Settings
from tests.pictures import pixels
from tools import models
from tools.generate import generate
from tools.jobs import JobCancelled


def test_same_seed_same_pixels_other_seed_other_pixels(settings):
    [a] = generate("a red cat", seed=7, settings=settings)
    [b] = generate("a red cat", seed=7, settings=settings)
    [c] = generate("a red cat", seed=8, settings=settings)
    assert np.array_equal(pixels(a), pixels(b))
    assert np.abs(pixels(a) - pixels(c)).mean() > 1.0
    assert pixels(a).std() > 1.0  # a picture, not a flat fill that any seed would give


def test_recipe_defaults_come_from_the_profile(settings):
    [result] = generate("a cat on a sofa", negative_prompt="blurry", seed=3, settings=settings)
    r = result.recipe
    profile = models.PROFILES["tiny"]
    assert result.image.size == (profile.size, profile.size) == (64, 64)
    assert (r.steps, r.guidance, r.width, r.height) == (profile.steps, profile.guidance, 64, 64)
    assert (r.prompt, r.negative_prompt, r.seed, r.model, r.tool) == (
        "a cat on a sofa",
        "blurry",
        3,
        "tiny",
        "generate",
    )
    assert r.parent is None and r.strength is None
    assert result.image.mode == "RGB"


def test_random_seed_is_recorded_and_replays(settings):
    [first] = generate("a lighthouse", settings=settings)
    [again] = generate("a lighthouse", seed=first.recipe.seed, settings=settings)
    assert isinstance(first.recipe.seed, int)
    assert np.array_equal(pixels(first), pixels(again))


def test_n_images_use_consecutive_seeds_each_reproducible_alone(settings):
    results = generate("a boat", seed=100, n=3, steps=2, settings=settings)
    assert [r.recipe.seed for r in results] == [100, 101, 102]
    [third] = generate("a boat", seed=102, steps=2, settings=settings)
    assert np.array_equal(pixels(results[2]), pixels(third))
    assert not np.array_equal(pixels(results[0]), pixels(results[1]))


def test_a_batch_keeps_each_images_seed(settings):
    """What the GPU does by default for n > 1: one call, one generator per seed."""
    steps: list[tuple[int, int]] = []
    batch = generate("a red car", seed=40, n=3, batch=True, settings=settings,
                     progress=lambda i, total: steps.append((i, total)))
    assert [r.recipe.seed for r in batch] == [40, 41, 42]
    assert all(r.recipe.extra["batch"] == 3 for r in batch)
    assert steps == [(i, 4) for i in range(1, 5)]  # every step advances the whole batch
    pixels = [np.asarray(r.image, dtype=np.int16) for r in batch]
    assert not np.array_equal(pixels[0], pixels[1])
    for seed, got in zip((40, 41, 42), pixels, strict=True):
        alone = np.asarray(generate("a red car", seed=seed, settings=settings)[0].image,
                           dtype=np.int16)
        assert np.abs(got - alone).max() <= 2  # same picture as its single twin


def test_progress_sees_every_step_of_every_image(settings):
    seen: list[tuple[int, int]] = []
    generate(
        "a tree",
        steps=5,
        n=2,
        seed=1,
        settings=settings,
        progress=lambda step, total: seen.append((step, total)),
    )
    assert seen == [(i, 10) for i in range(1, 11)]


def test_cancel_stops_at_the_next_step(settings):
    seen: list[int] = []
    with pytest.raises(JobCancelled):
        generate(
            "a tree",
            steps=20,
            seed=1,
            settings=settings,
            progress=lambda step, total: seen.append(step),
            cancel=lambda: len(seen) >= 3,
        )
    assert seen == [1, 2, 3]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"width": 65}, "multiple of 8"),
        ({"height": 100000}, "between 64 and 2048"),
        ({"width": 2048, "height": 2048}, "the limit is"),
        ({"steps": 0}, "steps must be between 1 and 150"),
        ({"steps": 151}, "steps must be between 1 and 150"),
        ({"guidance": -1}, "guidance must be between 0 and 30"),
        ({"n": 9}, "number of images must be between 1 and 8"),
        ({"seed": -5}, "seed must be between"),
        ({"prompt": "   "}, "prompt is empty"),
        ({"prompt": "cat " * 1000}, "characters; the limit is 2,000"),
    ],
)
def test_bad_input_is_refused_before_any_model_work(monkeypatch, settings, kwargs, message):
    def no_model_work(*_a, **_k):
        raise AssertionError("a model was loaded for invalid input")

    monkeypatch.setattr(models, "load_txt2img", no_model_work)
    args = {"prompt": "a cat", **kwargs}
    with pytest.raises(InvalidInput, match=message):
        generate(settings=settings, **args)


@pytest.mark.gpu
def test_sd_turbo_on_gpu(tmp_path):
    """Real weights: runs only with CUDA and stabilityai/sd-turbo in the local HF cache."""
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    from huggingface_hub import try_to_load_from_cache

    if not isinstance(try_to_load_from_cache("stabilityai/sd-turbo", "model_index.json"), str):
        pytest.skip("stabilityai/sd-turbo is not in the local Hugging Face cache")
    from tools.edit import img2img

    settings = Settings.load(env={}, home=tmp_path, profile="sd-turbo")
    [a] = generate("a red fox in the snow, photo", seed=3, settings=settings)
    [b] = generate("a red fox in the snow, photo", seed=3, settings=settings)
    assert a.image.size == (512, 512)
    assert (a.recipe.steps, a.recipe.guidance, a.recipe.model) == (2, 0.0, "stabilityai/sd-turbo")
    assert np.array_equal(pixels(a), pixels(b))
    assert pixels(a).std() > 10  # a real picture, not a black safety-filtered square
    edited = img2img(
        a.image, "a red fox in the snow at night", strength=0.5, seed=3, parent=1, settings=settings
    )
    assert edited.image.size == (512, 512) and edited.recipe.parent == 1
    assert np.abs(pixels(edited) - pixels(a)).mean() > 1.0


def test_check_generation_validates_only_what_is_given():
    from tools.validate import check_generation

    assert check_generation(width=512, steps="8", guidance=6) == {
        "width": 512,
        "steps": 8,
        "guidance": 6.0,
    }
    assert check_generation() == {}
    with pytest.raises(InvalidInput, match="multiple of 8"):
        check_generation(height=100)
    with pytest.raises(InvalidInput, match="the limit is"):
        check_generation(width=2048, height=2048)
