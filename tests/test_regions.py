"""The image tools of issue #16 on the tiny profile: region edits from words, zoom out and pan,
upscale, vary subtle/strong and blend; plus the real profiles' loaders (no downloads)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from errors import InvalidInput, NotAvailable
from tests.pictures import noise, pixels
from tools import models
from tools import upscale as upscale_module
from tools.blend import blend
from tools.jobs import JobCancelled
from tools.outpaint import pan, zoom_out
from tools.regions import find_region, mask_from_logits, region_edit
from tools.upscale import upscale
from tools.vary import VARY_STRENGTH, vary


@pytest.fixture
def inpaint_settings(monkeypatch: pytest.MonkeyPatch, settings):  # noqa: ANN001, ANN201
    """The tiny profile with a dedicated (9-channel UNet) inpainting model, like sd15."""
    profile = models.replace_profile(models.PROFILES["tiny"], name="tiny-inpaint",
                                     inpaint=models.TINY)
    monkeypatch.setitem(models.PROFILES, "tiny-inpaint", profile)
    return settings.with_(profile="tiny-inpaint")


# ----------------------------------------------------------------------- region edits


@pytest.mark.parametrize("what", ["the sky", "天空"])
def test_region_edit_keeps_every_pixel_outside_the_mask(settings, what: str) -> None:
    parent = noise(80, 64, seed=1)
    result = region_edit(parent, what, "a starry night", seed=3, parent=12, settings=settings)
    mask = np.asarray(result.extra_images["mask"])
    assert result.image.size == parent.size and mask.shape == (64, 80)
    outside, inside = mask == 0, mask == 255
    assert inside.any() and outside.any()  # a region, not the whole picture
    assert np.array_equal(pixels(result)[outside], pixels(parent)[outside])
    assert (pixels(result)[inside] != pixels(parent)[inside]).mean() > 0.5  # repainted
    r = result.recipe
    assert (r.tool, r.parent, r.prompt, r.strength) == ("region", 12, "a starry night", 1.0)
    assert r.extra["mask_prompt"] == what and "mask_file" in r.extra
    again = region_edit(parent, what, "a starry night", seed=3, settings=settings)
    assert np.array_equal(pixels(result), pixels(again))


@pytest.mark.parametrize("profile", ["tiny", "tiny-inpaint"])
def test_a_given_mask_is_repainted_and_nothing_else(settings, inpaint_settings,  # noqa: ANN001
                                                    profile: str) -> None:
    chosen = settings if profile == "tiny" else inpaint_settings
    parent = noise(64, 64, seed=2)
    mask = np.zeros((64, 64), np.uint8)
    mask[:, :24] = 255
    from PIL import Image

    result = region_edit(parent, "", "a red car", mask=Image.fromarray(mask), seed=1,
                         settings=chosen)
    assert np.array_equal(pixels(result)[:, 24:], pixels(parent)[:, 24:])
    assert (pixels(result)[:, :24] != pixels(parent)[:, :24]).mean() > 0.5
    assert result.recipe.extra["segmenter"] is None  # no segmentation ran
    if profile == "tiny-inpaint":
        assert models.load_inpaint(chosen).unet.config.in_channels == 9


def test_region_edit_with_the_fast_cpu_decoder(settings) -> None:
    """The real profiles' CPU default decodes with AutoencoderTiny; from_pipe must keep it."""
    fast = settings.with_(vae="tiny")
    parent = noise(64, 64, seed=3)
    result = region_edit(parent, "the cup", "a plant", seed=2, settings=fast)
    assert type(models.load_inpaint(fast).vae).__name__ == "AutoencoderTiny"
    outside = np.asarray(result.extra_images["mask"]) == 0
    assert outside.any()
    assert np.array_equal(pixels(result)[outside], pixels(parent)[outside])


def test_the_mask_is_never_empty_and_follows_the_model(settings) -> None:
    for seed, size, what in [(0, (64, 64), "the cup"), (1, (200, 120), "汽车"), (2, (64, 96), "x")]:
        mask = np.asarray(find_region(noise(*size, seed=seed), what, settings=settings))
        assert mask.shape == size[::-1] and (mask == 255).any() and (mask == 0).any()
    # where the model is sure: the square it marks, grown a little, and nothing far from it
    logits = np.full((32, 32), -10.0)
    logits[8:16, 8:16] = 5.0
    mask = np.asarray(mask_from_logits(logits, (64, 64)))
    assert (mask[16:32, 16:32] >= 250).all()
    assert (mask[44:, :] == 0).all() and (mask[:, 44:] == 0).all()
    assert (np.asarray(mask_from_logits(np.full((8, 8), -50.0), (64, 64))) == 255).any()


# --------------------------------------------------------------------- zoom out and pan


def test_zoom_out_grows_the_canvas_and_keeps_the_picture_in_the_centre(settings) -> None:
    parent = noise(64, 64, seed=4)
    result = zoom_out(parent, 2, prompt="a lighthouse", seed=1, parent=3, settings=settings)
    assert result.image.size == (128, 128)
    x, y, w, h = result.recipe.extra["placed"]
    assert (x, y, w, h) == (32, 32, 64, 64)
    assert np.array_equal(pixels(result)[y:y + h, x:x + w], pixels(parent))
    border = np.asarray(result.extra_images["mask"]) == 255
    assert border.sum() == 128 * 128 - 64 * 64
    r = result.recipe
    assert (r.tool, r.parent, r.extra["factor"], r.extra["scale"]) == ("zoom_out", 3, 2.0, 1.0)

    odd = zoom_out(noise(100, 60, seed=5), "1.5x", seed=1, settings=settings)
    cw, ch = odd.image.size
    assert cw % 8 == 0 and ch % 8 == 0 and abs(cw - 150) <= 4 and abs(ch - 90) <= 4
    x, y, w, h = odd.recipe.extra["placed"]
    assert np.array_equal(pixels(odd)[y:y + h, x:x + w], pixels(noise(100, 60, seed=5)))


def test_zoom_out_of_a_large_picture_scales_the_canvas_to_the_budget(settings) -> None:
    result = zoom_out(noise(256, 256), 2, seed=1, settings=settings)
    w, h = result.image.size
    assert (w, h) == (128, 128) and result.recipe.extra["scale"] == 0.25


@pytest.mark.parametrize("direction,size,at", [
    ("left", (96, 64), (32, 0)), ("right", (96, 64), (0, 0)),
    ("up", (64, 96), (0, 32)), ("down", (64, 96), (0, 0)),
])
def test_pan_grows_one_side(settings, direction: str, size: tuple[int, int],
                            at: tuple[int, int]) -> None:
    parent = noise(64, 64, seed=6)
    result = pan(parent, direction, 0.5, seed=2, settings=settings)
    assert result.image.size == size
    x, y = at
    assert np.array_equal(pixels(result)[y:y + 64, x:x + 64], pixels(parent))
    assert (result.recipe.tool, result.recipe.extra["direction"]) == ("pan", direction)


# ---------------------------------------------------------------------------- upscale


def test_upscale_2x_and_4x_make_exactly_that_size_and_say_how(settings, monkeypatch) -> None:
    parent = noise(72, 64, seed=7)  # not a multiple of the models' 32 / 8: padded, cropped
    seen: list[int] = []
    two = upscale(parent, 2, seed=1, parent=5, settings=settings,
                  progress=lambda step, total: seen.append(step))
    assert two.image.size == (144, 128) and seen == [1, 2, 3, 4]  # the tiny latent upscaler
    assert (two.recipe.tool, two.recipe.parent, two.recipe.extra) == (
        "upscale", 5, {"factor": 2, "method": "tiny"})
    assert np.array_equal(pixels(two), pixels(upscale(parent, 2, seed=1, settings=settings)))
    four = upscale(parent, "4x", seed=1, settings=settings)
    assert four.image.size == (288, 256) and four.recipe.extra["method"] == "tiny"

    bare = models.replace_profile(models.PROFILES["tiny"], name="bare", upscaler=(None, None))
    monkeypatch.setitem(models.PROFILES, "bare", bare)
    plain = upscale(parent, 4, settings=settings.with_(profile="bare"))
    assert plain.image.size == (288, 256) and plain.recipe.extra["method"] == "lanczos"
    monkeypatch.setitem(upscale_module.MODEL_MAX_INPUT, 2, 64 * 64)  # too large for the model
    big = upscale(parent, 2, settings=settings)
    assert big.image.size == (144, 128) and big.recipe.extra["method"] == "lanczos"
    assert "larger than the 2x model" in big.recipe.extra["lanczos_because"]


# ------------------------------------------------------------------------------- vary


def test_vary_records_its_strength_and_strong_denoises_more(settings) -> None:
    runs = {}
    for kind in ("subtle", "strong"):
        seen: list[int] = []
        result = vary(noise(seed=8), kind, prompt="a cat", seed=1, steps=10, parent=4,
                      settings=settings, progress=lambda step, total, s=seen: s.append(step))
        r = result.recipe
        assert (r.tool, r.strength, r.extra["vary"], r.parent) == (
            "img2img", VARY_STRENGTH[kind], kind, 4)
        runs[kind] = len(seen)
    assert runs["subtle"] < runs["strong"]


# ------------------------------------------------------------------------------ blend


def test_blend_names_every_source(settings) -> None:
    pictures = [noise(seed=1), noise(80, 64, seed=2), noise(seed=3)]
    result = blend(pictures, "a cat", sources=[4, 7, 9], seed=1, settings=settings)
    r = result.recipe
    assert (r.tool, r.parent, r.extra["sources"], r.extra["method"]) == (
        "blend", 4, [4, 7, 9], "average-img2img")
    other = blend([noise(seed=1), noise(seed=5)], "a cat", sources=[4, 8], seed=1,
                  settings=settings)
    assert not np.array_equal(pixels(result), pixels(other))  # the pictures count


def test_blend_uses_the_ip_adapter_where_there_is_one(ip_settings) -> None:
    pictures = [noise(seed=1), noise(seed=2)]
    result = blend(pictures, sources=[1, 2], seed=1, settings=ip_settings)
    assert result.recipe.extra["method"] == "ip-adapter"
    assert result.recipe.extra["sources"] == [1, 2]
    swapped = blend([noise(seed=1), noise(seed=3)], sources=[1, 3], seed=1,
                    settings=ip_settings)
    assert not np.array_equal(pixels(result), pixels(swapped))


# ------------------------------------------------------------------- the shared contract


LOADERS = ("load_txt2img", "load_img2img", "load_inpaint", "load_segmenter", "load_upscaler",
           "load_ip_adapter", "load_instruct")

BAD: dict[str, tuple[Any, str]] = {
    "region without words": (lambda s: region_edit(noise(), " ", "x", settings=s), "region"),
    "region steps": (lambda s: region_edit(noise(), "sky", "x", steps=0, settings=s), "steps"),
    "empty mask": (lambda s: region_edit(noise(), "", "x", mask=noise().convert("L").point(
        lambda v: 0), settings=s), "mask is empty"),
    "zoom too far": (lambda s: zoom_out(noise(), 9, settings=s), "zoom factor"),
    "zoom in": (lambda s: zoom_out(noise(), 0.5, settings=s), "zoom factor"),
    "pan sideways": (lambda s: pan(noise(), "sideways", settings=s), "direction"),
    "upscale 3x": (lambda s: upscale(noise(), 3, settings=s), "2 or 4"),
    "upscale too big": (lambda s: upscale(noise(1200, 64), 4, settings=s), "4096"),
    "vary medium": (lambda s: vary(noise(), "medium", settings=s), "subtle"),
    "blend one": (lambda s: blend([noise()], settings=s), "2 to 5"),
    "blend six": (lambda s: blend([noise()] * 6, settings=s), "2 to 5"),
    "blend a text": (lambda s: blend([noise(), b"nope"], settings=s), "picture 2"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused_before_any_model_loads(settings, monkeypatch, case: str) -> None:
    def no_model(*_a: Any, **_k: Any) -> None:
        raise AssertionError("a model was loaded for invalid input")

    for loader in LOADERS:
        monkeypatch.setattr(models, loader, no_model)
    before = models.loaded_keys()
    run, message = BAD[case]
    with pytest.raises(InvalidInput, match=message):
        run(settings)
    assert models.loaded_keys() == before


def test_region_edit_needs_a_segmenter(settings, monkeypatch) -> None:
    blind = models.replace_profile(models.PROFILES["tiny"], name="blind", segmenter=None)
    monkeypatch.setitem(models.PROFILES, "blind", blind)
    with pytest.raises(NotAvailable, match="region edits are not available"):
        region_edit(noise(), "the sky", "stars", settings=settings.with_(profile="blind"))


CANCELLABLE = {
    "region": lambda s, **kw: region_edit(noise(), "the sky", "stars", settings=s, **kw),
    "zoom_out": lambda s, **kw: zoom_out(noise(), 2, settings=s, **kw),
    "upscale 2x": lambda s, **kw: upscale(noise(), 2, settings=s, **kw),
    "upscale 4x": lambda s, **kw: upscale(noise(), 4, settings=s, **kw),
    "pan": lambda s, **kw: pan(noise(), "left", settings=s, **kw),
    "blend": lambda s, **kw: blend([noise(), noise(seed=1)], settings=s, **kw),
}


@pytest.mark.parametrize("tool", list(CANCELLABLE))
def test_cancel_takes_effect_at_the_next_step(settings, tool: str) -> None:
    seen: list[int] = []
    with pytest.raises(JobCancelled):
        CANCELLABLE[tool](settings, seed=1, steps=20, cancel=lambda: len(seen) >= 2,
                          progress=lambda step, total: seen.append(step))
    assert seen == [1, 2]


# ---------------------------------------------------- the real profiles' loaders (no hub)


def test_real_profiles_load_the_right_classes(settings, monkeypatch) -> None:
    import diffusers
    import transformers

    loaded: list[tuple[str, str]] = []

    class Fake(SimpleNamespace):
        def set_progress_bar_config(self, **_: Any) -> None:
            pass

        def to(self, *_a: Any, **_k: Any) -> Fake:
            return self

        def eval(self) -> Fake:
            return self

    def fake(name: str, model_id: str) -> Any:
        loaded.append((name, model_id))
        return Fake(name=name)

    monkeypatch.setattr(models, "_cache", {})
    monkeypatch.setattr(models, "_locks", {})
    monkeypatch.setattr(models, "_from_pretrained",
                        lambda cls, model_id, *_a, **_k: fake(cls.__name__, model_id))
    monkeypatch.setattr(models, "load_txt2img",
                        lambda s: SimpleNamespace(id=models.profile_for(s).txt2img, vae=None,
                                                  dtype=None))
    for cls in (diffusers.StableDiffusionInpaintPipeline,
                diffusers.StableDiffusionXLInpaintPipeline):
        monkeypatch.setattr(cls, "from_pipe", classmethod(
            lambda c, pipe, **_k: fake(c.__name__, f"from_pipe:{pipe.id}")))
    for cls in (transformers.CLIPSegForImageSegmentation, transformers.CLIPSegProcessor):
        monkeypatch.setattr(cls, "from_pretrained", classmethod(
            lambda c, source, **_k: fake(c.__name__, source)))

    def loads(profile: str) -> set[tuple[str, str]]:
        loaded.clear()
        models._cache.clear()  # the patched, empty cache: the upscalers are shared otherwise
        s = settings.with_(profile=profile)
        models.load_inpaint(s)
        models.load_upscaler(s, 2)
        models.load_upscaler(s, 4)
        models.load_segmenter(s)
        return set(loaded)

    upscalers = {("StableDiffusionLatentUpscalePipeline", "stabilityai/sd-x2-latent-upscaler"),
                 ("StableDiffusionUpscalePipeline", "stabilityai/stable-diffusion-x4-upscaler")}
    clipseg = {("CLIPSegForImageSegmentation", "CIDAS/clipseg-rd64-refined"),
               ("CLIPSegProcessor", "CIDAS/clipseg-rd64-refined")}
    sd15_inpaint = "stable-diffusion-v1-5/stable-diffusion-inpainting"
    assert loads("sd15") >= {("StableDiffusionInpaintPipeline", sd15_inpaint)} | upscalers | clipseg
    assert loads("sd-turbo") >= {("StableDiffusionInpaintPipeline",
                                  "from_pipe:stabilityai/sd-turbo")} | upscalers | clipseg
    assert loads("sdxl-turbo") >= {("StableDiffusionXLInpaintPipeline",
                                    "from_pipe:stabilityai/sdxl-turbo")} | upscalers | clipseg
    assert ("StableDiffusionInpaintPipeline", "from_pipe:alibaba-pai/pai-diffusion-artist-large-zh"
            ) in loads("pai-zh")
