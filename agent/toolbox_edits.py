"""The agent's editing tools: variations and the picture-to-picture edits (instruction
edit, img2img, restyle), as a mixin of :class:`agent.toolbox.ImageTools`.

The methods work on ``self.ctx`` (the running turn) and store what they make through
``self.ctx.save``; :mod:`agent.toolbox` holds the class, the turn context and the shared
helpers. The new pixel tools (region edits, zoom, upscale, vary, blend) are in
:mod:`agent.toolbox_pixels`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from errors import InvalidInput, NotAvailable
from storage.models import Image
from tools.validate import check_generation

if TYPE_CHECKING:
    from PIL import Image as PILImage

    from agent.toolbox import TurnContext

MAX_VARIATIONS = 4
DEFAULT_STRENGTH = 0.6  # img2img: keeps the layout, follows the prompt
PHOTO_VARIATION_STRENGTH = 0.45  # a variation of a photo keeps its layout
# tools whose pictures are redrawn from their own pixels by variations (their recipe cannot
# be replayed from the prompt: the picture was grown, enlarged, repainted in part or mixed)
PIXEL_RESULT_TOOLS = frozenset({"region", "zoom_out", "pan", "upscale", "vary", "blend"})


@dataclass
class _Edit:
    """One edit being prepared: the source picture and what the edit will store."""

    source: Image
    text: str
    seed: int
    picture: PILImage.Image
    prompt: str | None
    parent: Image | None = None
    params: dict[str, Any] = field(default_factory=dict)
    negative: str = ""
    style: Image | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class EditTools:
    """Variations and edits of a picture's pixels (a mixin: ``ctx``, ``_made`` and
    ``_random_seed`` come from :class:`agent.toolbox.ImageTools`)."""

    ctx: TurnContext

    def variations(self, image: int | None = None, count: int = 1, seed: int | None = None) -> str:
        """Redo an image's recipe (default: the current image) with new seeds (or `seed`).
        A photo's variations are drawn from its own pixels."""
        if not 1 <= int(count or 1) <= MAX_VARIATIONS:
            raise InvalidInput(f"I can make 1 to {MAX_VARIATIONS} variations at a time.")
        count = int(count or 1)
        if seed is not None:
            check_generation(seed=seed)
        with self.ctx.storage.db.session() as s:
            row = self.ctx.image(s, image)
            recipe = {"number": row.number, "prompt": row.prompt, "neg": row.negative_prompt,
                      "tool": row.tool, "kind": row.kind, "extra": dict(row.extra or {}),
                      "steps": row.steps, "guidance": row.guidance,
                      "width": row.width, "height": row.height}
            source = (s.get(Image, row.extra["source_image_id"])
                      if (row.extra or {}).get("source_image_id") else None)
            parent_row = row
        seeds = [int(seed)] if seed is not None else [self._random_seed() for _ in range(count)]
        mode = recipe["extra"].get("edit_mode") or recipe["tool"]
        if recipe["kind"] in ("uploaded", "retrieved") or recipe["tool"] in PIXEL_RESULT_TOOLS:
            # a photo, or a picture grown, enlarged, repainted or mixed: from its own pixels
            return self._made([self._edit(parent_row, recipe["prompt"] or "", "img2img", sd,
                               strength=PHOTO_VARIATION_STRENGTH, label="variations")
                         for sd in seeds])
        if source is not None and mode in ("img2img", "instruct", "restyle"):
            text = recipe["extra"].get("instruction") or recipe["prompt"]
            return self._made([self._edit(source, text,
                               mode, sd, parent_number=recipe["number"],
                               strength=recipe["extra"].get("strength"),
                               style_id=recipe["extra"].get("style_image_id"),
                               label="variations", prompt=recipe["prompt"])
                         for sd in seeds])
        model_prompt, info = self.ctx.prepare_prompt(recipe["prompt"] or "")
        rows = []
        for sd in seeds:
            results = self.ctx.run_job(
                "making a variation", "generate",
                {"prompt": model_prompt, "negative_prompt": recipe["neg"] or "", "seed": sd,
                 "steps": recipe["steps"], "guidance": recipe["guidance"],
                 "width": recipe["width"], "height": recipe["height"]})
            rows += [self.ctx.save(r, kind="generated", tool="variations", parent=parent_row,
                              prompt=recipe["prompt"], extra=info) for r in results]
        return self._made(rows)

    # ----------------------------------------------------------------------- editing
    def _edit(self, source: Image, text: str | None, mode: str, seed: int | None, *,
              parent_number: int | None = None, strength: float | None = None,
              style_id: int | None = None, label: str | None = None,
              prompt: str | None = None) -> Image:
        """Run one image-to-image edit of ``source`` in ``mode`` (instruct, restyle, img2img)
        and store it (parent: ``parent_number`` or the source). ``label`` names the tool in
        the lineage ("variations", "beautify"); ``prompt`` is the picture's new prompt when
        the caller rewrote it."""
        job = _Edit(source=source, text=(text or "").strip(),
                    seed=self._random_seed() if seed is None else int(seed),
                    picture=self.ctx.pixels(source), prompt=prompt)
        with self.ctx.storage.db.session() as s:
            job.parent = (self.ctx.image(s, parent_number) if parent_number
                          else s.get(Image, source.id))
            job.params = self.ctx.params(s)
            job.negative = self.ctx.conversation(s).settings.get("negative_prompt", "")
            job.style = s.get(Image, style_id) if style_id else None
        job.extra = {"source_image_id": source.id, "edit_mode": mode}
        modes = {"instruct": self._instruct, "restyle": self._restyle, "img2img": self._img2img}
        result = modes[mode](job, strength)
        return self.ctx.save(result, kind="edited", tool=label or job.extra["edit_mode"],
                             parent=job.parent, prompt=job.prompt, extra=job.extra)

    def _instruct(self, job: _Edit, strength: float | None = None) -> Any:
        """InstructPix2Pix: the instruction changes the pixels."""
        ctx = self.ctx
        instruction, _ = ctx.prepare_prompt(job.text)
        job.extra["instruction"] = job.text
        job.prompt = job.prompt or _edited_prompt(job.source.prompt, job.text)
        return ctx.run_job("editing", "instruct", {
            "instruction": instruction, "seed": job.seed, "steps": job.params.get("steps"),
            "guidance": job.params.get("guidance"), "parent": job.source.id}, [job.picture])

    def _restyle(self, job: _Edit, strength: float | None = None) -> Any:
        """IP-Adapter: the style picture steers the drawing of the source."""
        ctx, style_row = self.ctx, job.style
        job.extra["style_image_id"] = style_row.id
        model_prompt, info = ctx.prepare_prompt(job.text or job.source.prompt or "")
        job.extra.update(info)
        job.prompt = job.prompt or job.text or job.source.prompt or style_row.prompt
        try:
            return ctx.run_job("restyling", "restyle", {
                "prompt": model_prompt, "seed": job.seed, "parent": job.source.id},
                [job.picture, ctx.pixels(style_row)])
        except NotAvailable as e:
            # no IP-Adapter in this profile: start from the picture and borrow the style
            # reference's own prompt, and say so
            ctx.notes.append(f"({str(e).rstrip('.')}. I drew #{job.source.number} again from "
                             f"its pixels with #{style_row.number}'s description instead.)")
            job.prompt = ", ".join(p for p in (job.text or job.source.prompt, style_row.prompt)
                                   if p)
            job.extra["edit_mode"] = "img2img"
            return self._img2img(job, 0.6, keep_prompt=True)

    def _img2img(self, job: _Edit, strength: float | None = None, *,
                 keep_prompt: bool = False) -> Any:
        """Start from the picture's pixels and follow the prompt (垫图)."""
        ctx = self.ctx
        if not keep_prompt:
            job.prompt = job.prompt or job.text or job.source.prompt or ""
        model_prompt, info = ctx.prepare_prompt(job.prompt or "same picture")
        job.extra.update(info)
        strength = float(strength) if strength else DEFAULT_STRENGTH
        return ctx.run_job("drawing from your picture", "img2img", {
            "prompt": model_prompt, "strength": strength, "negative_prompt": job.negative,
            "seed": job.seed, "steps": job.params.get("steps"),
            "guidance": job.params.get("guidance"), "parent": job.source.id}, [job.picture])

    def edit_image(self, instruction: str, image: int | None = None, seed: int | None = None,
                   prompt: str | None = None) -> str:
        """Change a picture's pixels following an instruction ("make it watercolor", "add
        fireworks"), InstructPix2Pix-style: for photos and edits of photos. `prompt`: the
        picture's new description, when rewrite_prompt made one."""
        with self.ctx.storage.db.session() as s:
            source = self.ctx.image(s, image)
        return self._made([self._edit(source, instruction, "instruct", seed,
                                      prompt=prompt or None)])

    def img2img(self, prompt: str = "", image: int | None = None, strength: float = 0.6,
                seed: int | None = None, tool: str | None = None) -> str:
        """Draw a new picture that starts from an existing image (垫图): keeps its layout and
        colours, follows `prompt`. strength 0.1 (close to the original) .. 0.95 (free)."""
        if not 0.05 <= float(strength) <= 1.0:
            raise InvalidInput("strength must be between 0.05 and 1.0")
        with self.ctx.storage.db.session() as s:
            source = self.ctx.image(s, image)
        label = tool if tool in ("beautify", "variations") else None
        return self._made([self._edit(source, prompt, "img2img", seed, strength=strength,
                                      label=label)])

    def restyle(self, image: int, style: int, prompt: str = "", seed: int | None = None) -> str:
        """Draw image #`image` in the style of image #`style` (two references)."""
        with self.ctx.storage.db.session() as s:
            source, style_row = self.ctx.image(s, image), self.ctx.image(s, style)
        return self._made([self._edit(source, prompt, "restyle", seed, style_id=style_row.id)])


def _edited_prompt(prompt: str | None, instruction: str) -> str:
    return f"{prompt}, {instruction}" if prompt else instruction
