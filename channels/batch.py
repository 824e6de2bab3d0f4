"""Batch generation from a TSV of prompts: ``python bot.py batch IN.tsv -o OUT.tsv``.

Input rows are ``idx \\t text`` (seeds 000/001); a third column, when present, is a
base64 image to start from (img2img). Output rows are
``idx \\t text \\t gen_imgbase64 \\t prompt \\t seed``: one row per image, PNG in base64,
the prompt the model read and the seed in the extra columns. Rerunning skips the images
OUT already holds, so an interrupted run resumes; a bad row is reported with its line
number and skipped.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from errors import ImagechatError, InvalidInput
from settings import Settings

MAX_TEXT_CHARS = 2000


@dataclass
class Row:
    line: int
    idx: str
    text: str
    image_b64: str | None = None


@dataclass
class BatchReport:
    written: int = 0
    skipped_done: int = 0
    bad: list[tuple[int, str]] = None  # (line number, why)

    def __post_init__(self) -> None:
        self.bad = self.bad or []


def read_rows(path: Path) -> Iterator[Row | tuple[int, str]]:
    """Rows of IN, or (line number, problem) for a row that cannot be used."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as e:
        raise InvalidInput(f"cannot read {path}: {e.strerror or e}") from e
    with handle:
        for number, raw in enumerate(handle, 1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            cols = line.split("\t")
            if len(cols) < 2:
                yield number, "expected 'idx<TAB>text'"
                continue
            idx, text = cols[0].strip(), cols[1].strip()
            if not idx:
                yield number, "the idx column is empty"
            elif not text:
                yield number, "the text column is empty"
            elif len(text) > MAX_TEXT_CHARS:
                yield number, f"the text is {len(text)} characters (at most {MAX_TEXT_CHARS})"
            else:
                yield Row(number, idx, text, cols[2].strip() if len(cols) > 2 and
                          cols[2].strip() else None)


def done_keys(path: Path) -> set[tuple[str, int]]:
    """(idx, seed) of the images OUT already holds."""
    keys: set[tuple[str, int]] = set()
    if not path.exists():
        return keys
    with path.open(encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 5 and cols[4].strip().lstrip("-").isdigit():
                keys.add((cols[0], int(cols[4])))
    return keys


def run(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    if args.n < 1 or args.n > 16:
        raise InvalidInput("--n must be between 1 and 16")
    source, out = Path(args.input), Path(args.output)
    rows = list(read_rows(source))
    usable = [r for r in rows if isinstance(r, Row)]
    report = BatchReport(bad=[r for r in rows if not isinstance(r, Row)])
    for line, why in report.bad:
        print(f"{source}:{line}: skipped: {why}", file=sys.stderr)
    done = done_keys(out)
    images_dir = Path(args.images) if args.images else None
    if images_dir:
        images_dir.mkdir(parents=True, exist_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=len(usable) * args.n, unit="img", desc="batch", file=sys.stderr,
               disable=None)
    with out.open("a", encoding="utf-8") as sink:
        for row in usable:
            seeds = [args.seed + k for k in range(args.n)]
            todo = [s for s in seeds if (row.idx, s) not in done]
            report.skipped_done += len(seeds) - len(todo)
            bar.update(len(seeds) - len(todo))
            if not todo:
                continue
            try:
                made = generate_row(row, todo, args, settings)
            except ImagechatError as e:
                report.bad.append((row.line, str(e)))
                print(f"{source}:{row.line}: skipped: {e}", file=sys.stderr)
                bar.update(len(todo))
                continue
            for seed, prompt, png in made:
                sink.write("\t".join([row.idx, row.text, base64.b64encode(png).decode(),
                                      prompt.replace("\t", " "), str(seed)]) + "\n")
                sink.flush()
                if images_dir:
                    (images_dir / f"{_safe(row.idx)}_{seed}.png").write_bytes(png)
                report.written += 1
                bar.update(1)
    bar.close()
    print(f"wrote {report.written} image(s) to {out}; {report.skipped_done} already there; "
          f"{len(report.bad)} bad row(s) skipped", file=sys.stderr)
    return 0


def generate_row(row: Row, seeds: list[int], args: argparse.Namespace,
                 settings: Settings) -> list[tuple[int, str, bytes]]:
    """Make the images of one row: (seed, prompt the model read, PNG bytes)."""
    from tools import edit, generate
    from tools.beautify import beautify
    from tools.prompting import prepare_prompt
    from tools.validate import load_image

    text = row.text
    if args.beautify:
        candidates = beautify(text, n=5, settings=settings)
        text = candidates[0].prompt if candidates else text
    prompt, _ = prepare_prompt(text, settings=settings)
    size = {"width": args.size, "height": args.size} if args.size else {}
    if row.image_b64:
        try:
            start = load_image(base64.b64decode(row.image_b64, validate=True), name="imgbase64")
        except (binascii.Error, ValueError) as e:
            raise InvalidInput(f"the image column is not valid base64 ({e})") from e
        results = [edit.img2img(start, prompt, 0.6, seed=s, steps=args.steps, settings=settings,
                                **size) for s in seeds]
    else:
        # one pipeline call per run of consecutive seeds: n images in one batch
        results = []
        for first, count in _runs(seeds):
            results += generate.generate(prompt, "", first, steps=args.steps, n=count,
                                         settings=settings, **size)
    made = []
    for result in results:
        buf = io.BytesIO()
        result.image.save(buf, format="PNG")
        made.append((result.recipe.seed, prompt, buf.getvalue()))
    return made


def _runs(seeds: list[int]) -> list[tuple[int, int]]:
    """[3, 4, 5, 9] -> [(3, 3), (9, 1)]: (first seed, count) of each consecutive run."""
    runs: list[tuple[int, int]] = []
    for seed in seeds:
        if runs and runs[-1][0] + runs[-1][1] == seed:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((seed, 1))
    return runs


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:80] or "row"
