"""The agent's pixel tools: a region edit named in words, zoom out, pan, upscale, vary
subtle/strong and blend, as a mixin of :class:`agent.toolbox.ImageTools`.

Each works on a stored picture's pixels through one of the tools in ``tools/``
(:mod:`tools.regions`, :mod:`tools.outpaint`, :mod:`tools.upscale`, :mod:`tools.vary`,
:mod:`tools.blend`), stores the result with its parent (and the mask of a region edit, as
a file beside the image, named in ``extra["mask_file"]``), and says in the reply what was
done: "Upscaled #2 2x (Lanczos: this profile has no upscaler)". Every result notes its
``source_image_id``, so its chain is pixel-born: later changes edit its pixels and never
draw it from noise again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agent.messages import msg
from errors import InvalidInput
from storage.models import Image
from tools.text import has_cjk

if TYPE_CHECKING:
    from agent.toolbox import TurnContext

MAX_BLEND = 5
PAN_DIRECTIONS = ("left", "right", "up", "down", "wider", "taller")


class PixelTools:
    """Pixel tools (a mixin: ``ctx``, ``_made`` and ``_random_seed`` come from
    :class:`agent.toolbox.ImageTools`)."""

    ctx: TurnContext

    # ----------------------------------------------------------------------- plumbing
    def _pixel_job(self, image: int | None, label: str, tool: str, op: str,
                   args: Callable[[Image, dict[str, Any]], dict[str, Any]], *,
                   prompt: str | None = None,
                   extra: dict[str, Any] | None = None) -> tuple[Image, Image]:
        """Run image operation ``op`` with ``args(source, job)`` on picture #``image``
        (default: the current one) and store its result as a child of it: (source row, new
        row). ``job`` holds the conversation's steps, guidance and negative prompt."""
        ctx = self.ctx
        with ctx.storage.db.session() as s:
            source = ctx.image(s, image)
            params = ctx.params(s)
            negative = ctx.conversation(s).settings.get("negative_prompt", "") or ""
        picture = ctx.pixels(source)
        job = {"steps": params.get("steps"), "guidance": params.get("guidance"),
               "negative_prompt": negative}
        result = ctx.run_job(label, op, args(source, job), [picture])
        extra = {**(extra or {}), "source_image_id": source.id}
        mask = result.extra_images.get("mask")
        if mask is not None:  # stored like any picture, named in the recipe
            extra["mask_file"] = ctx.storage.images.put_image(mask)
        row = ctx.save(result, kind="edited", tool=tool, parent=source,
                       prompt=source.prompt if prompt is None else prompt, extra=extra)
        return source, row

    def _model_prompt(self, text: str | None) -> str:
        """What the image model reads for ``text`` (Chinese translated where it must be)."""
        return self.ctx.prepare_prompt(text)[0] if (text or "").strip() else ""

    # ---------------------------------------------------------------------- the tools
    def region_edit(self, region: str, prompt: str = "", image: int | None = None,
                    description: str | None = None, seed: int | None = None) -> str:
        """Change ONE thing in a picture and keep every other pixel: `region` names the thing
        ("the sky", "the car", "天空"), `prompt` what to paint there ("a starry night sky",
        "a red car"; empty to remove it). `description`: the picture's new prompt when
        rewrite_prompt made one. For local changes ("make the car red", "replace the sky
        with …"); global ones (style, time of day, weather) are edit_image/refinements."""
        from tools.translate import zh_to_en

        region = (region or "").strip()
        if not region:
            raise InvalidInput("Say which part of the picture to change, e.g. 'the sky'.")
        # the real segmenter (CLIPSeg) reads English only
        what = (zh_to_en(region) or region) if has_cjk(region) else region
        paint = (prompt or "").strip()
        model_prompt = self._model_prompt(paint)
        seed = self._random_seed() if seed is None else int(seed)
        ctx = self.ctx

        def args(source: Image, job: dict[str, Any]) -> dict[str, Any]:
            return {"what": what, "prompt": model_prompt, **job, "seed": seed,
                    "parent": source.id}

        with ctx.storage.db.session() as s:
            before = ctx.image(s, image).prompt
        if description is None:
            description = (f"{before}, {paint}" if before and paint else
                           paint or before)
        source, row = self._pixel_job(image, "repainting one part", "region", "region_edit",
                                      args,
                                      prompt=description,
                                      extra={"region": region, "region_prompt": paint})
        return self._made([row], "did_region", what=region, n=source.number)

    def zoom_out(self, image: int | None = None, factor: float = 2.0,
                 prompt: str | None = None, seed: int | None = None) -> str:
        """Zoom out of a picture (default: the current one): the same picture in the
        centre of a canvas `factor` (1.25 to 4) times its size, the new border painted to
        match (`prompt`, default the picture's own)."""
        seed = self._random_seed() if seed is None else int(seed)

        def args(source: Image, job: dict[str, Any]) -> dict[str, Any]:
            return {"factor": factor, "prompt": self._model_prompt(prompt or source.prompt),
                    **job, "seed": seed, "parent": source.id}

        source, row = self._pixel_job(image, "zooming out", "zoom_out", "zoom_out", args)
        return self._made([row], "did_zoom", n=source.number,
                          factor=f"{float(row.extra.get('factor', factor)):g}")

    def pan(self, direction: str, image: int | None = None, amount: float = 0.5,
            prompt: str | None = None, seed: int | None = None) -> str:
        """Extend a picture (default: the current one) towards `direction`: left, right, up,
        down, or wider (both sides) / taller (top and bottom), by `amount` (0.1 to 2) of
        its width or height; the original stays unchanged, the new strip is painted to
        match."""
        from tools import outpaint

        direction = str(direction or "").strip().lower()
        if direction not in PAN_DIRECTIONS:
            raise InvalidInput(f"I can extend a picture {', '.join(PAN_DIRECTIONS[:4])}, or "
                               "make it wider or taller.")
        ctx = self.ctx
        seed = self._random_seed() if seed is None else int(seed)

        op = "pan"
        if direction in ("wider", "taller"):
            # both sides of one axis: the outpainting of zoom out, on one axis only
            # (tools.outpaint has no public call for it yet)
            op = "outpaint"
            half = outpaint._factor(amount, "pan amount", 0.0, outpaint.MAX_PAN) / 2
            grow = [half, half, 0.0, 0.0] if direction == "wider" else [0.0, 0.0, half, half]

        def args(source: Image, job: dict[str, Any]) -> dict[str, Any]:
            call = {"prompt": self._model_prompt(prompt or source.prompt), **job,
                    "seed": seed, "parent": source.id}
            if op == "outpaint":
                return {"grow": grow, "tool": "pan",
                        "extra": {"direction": direction, "amount": half * 2}, **call}
            return {"direction": direction, "amount": amount, **call}

        source, row = self._pixel_job(image, "extending the picture", "pan", op, args)
        return self._made([row], "did_pan", n=source.number,
                          direction=msg(f"dir_{direction}", ctx.lang))

    def upscale(self, image: int | None = None, factor: int = 2) -> str:
        """Upscale a picture (default: the current one) 2x or 4x, with the profile's
        upscaler model, else Lanczos resampling (the reply says which)."""

        ctx = self.ctx

        def args(source: Image, job: dict[str, Any]) -> dict[str, Any]:
            return {"factor": factor, "prompt": self._model_prompt(source.prompt),
                    "negative_prompt": job["negative_prompt"], "seed": self._random_seed(),
                    "parent": source.id}

        source, row = self._pixel_job(image, "upscaling", "upscale", "upscale", args)
        extra = row.extra or {}
        if extra.get("method") != "lanczos":
            how = msg("how_model", ctx.lang, model=extra.get("method"))
        elif extra.get("lanczos_because"):
            how = msg("how_lanczos_because", ctx.lang, why=extra["lanczos_because"])
        else:
            how = msg("how_lanczos", ctx.lang)
        return self._made([row], "did_upscale", n=source.number, factor=extra.get("factor"),
                          how=how)

    def vary(self, image: int | None = None, strength: str = "subtle",
             seed: int | None = None) -> str:
        """A variation of a picture (default: the current one) drawn from its own pixels:
        strength "subtle" keeps composition and colours, "strong" keeps the gist."""
        from tools import vary as vary_tool

        kind = str(strength or "subtle").strip().lower()
        if kind not in vary_tool.VARY_STRENGTH:
            raise InvalidInput("Vary is subtle or strong, e.g. 'vary strong'.")
        ctx = self.ctx
        seed = self._random_seed() if seed is None else int(seed)

        def args(source: Image, job: dict[str, Any]) -> dict[str, Any]:
            return {"strength": kind, "prompt": self._model_prompt(source.prompt), **job,
                    "seed": seed, "parent": source.id}

        source, row = self._pixel_job(image, "varying", "vary", "vary", args,
                                      extra={"vary": kind})
        return self._made([row], "did_vary", n=source.number,
                          kind=msg(f"vary_{kind}", ctx.lang))

    def blend(self, images: list[int], prompt: str = "", seed: int | None = None) -> str:
        """Blend 2 to 5 pictures (their numbers, e.g. [1, 3]) into one new picture, with an
        optional `prompt` to steer it."""

        numbers = [int(n) for n in (images or [])]
        if not 2 <= len(set(numbers)) <= MAX_BLEND:
            raise InvalidInput(msg("blend_count", self.ctx.lang, most=MAX_BLEND))
        numbers = list(dict.fromkeys(numbers))
        ctx = self.ctx
        with ctx.storage.db.session() as s:
            rows = [ctx.image(s, n) for n in numbers]
            negative = ctx.conversation(s).settings.get("negative_prompt", "") or ""
            params = ctx.params(s)
        pictures = [ctx.pixels(r) for r in rows]
        said = (prompt or "").strip()
        described = said or ", ".join(dict.fromkeys(r.prompt for r in rows if r.prompt))
        model_prompt = self._model_prompt(described)
        seed = self._random_seed() if seed is None else int(seed)
        result = ctx.run_job("blending", "blend", {
            "prompt": model_prompt, "sources": numbers, "negative_prompt": negative,
            "seed": seed, "steps": params.get("steps"), "guidance": params.get("guidance"),
            "parent": rows[0].id}, pictures)
        row = ctx.save(result, kind="edited", tool="blend", parent=rows[0], prompt=described,
                       extra={"sources": numbers, "source_ids": [r.id for r in rows],
                              "source_image_id": rows[0].id})
        how = msg("blend_ip" if result.recipe.extra.get("method") == "ip-adapter"
                  else "blend_average", ctx.lang)
        return self._made([row], "did_blend", sources=", ".join(f"#{n}" for n in numbers),
                          how=how)
