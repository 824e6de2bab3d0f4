"""Vary subtle / vary strong: img2img of a picture at two fixed strengths, beside the
new-seed variations of :mod:`tools.generate` ("vary #2", "vary strong", the vary buttons).

A thin wrapper over :func:`tools.edit.img2img`: same checks, progress, cancel and size rules;
the recipe is img2img's (tool ``"img2img"``, the strength used) plus ``extra["vary"]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from errors import InvalidInput
from tools.edit import img2img
from tools.generate import CancelFn, ImageResult, ProgressFn

if TYPE_CHECKING:
    from settings import Settings

# img2img strengths: subtle keeps composition and colours, strong keeps the gist
VARY_STRENGTH = {"subtle": 0.35, "strong": 0.7}


def vary(
    image: Any,
    strength: str = "subtle",
    *,
    prompt: str = "",
    negative_prompt: str = "",
    seed: int | None = None,
    steps: int | None = None,
    guidance: float | None = None,
    parent: int | None = None,
    settings: Settings,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> ImageResult:
    """A variation of ``image``: ``strength`` ``"subtle"`` or ``"strong"`` (see
    ``VARY_STRENGTH``). ``prompt``: the parent's prompt, so the subject stays."""
    kind = str(strength).strip().lower()
    if kind not in VARY_STRENGTH:
        raise InvalidInput(f"vary must be one of {', '.join(VARY_STRENGTH)}, got {kind[:20]!r}")
    result = img2img(image, prompt, VARY_STRENGTH[kind], negative_prompt=negative_prompt,
                     seed=seed, steps=steps, guidance=guidance, parent=parent,
                     settings=settings, progress=progress, cancel=cancel)
    result.recipe.extra["vary"] = kind
    return result
