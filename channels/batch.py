"""Batch generation from a TSV of prompts: ``python bot.py batch IN.tsv -o OUT.tsv``.

Input: UTF-8 text, one row ``idx \\t text`` a line; an optional third column is a base64
image (PNG/JPEG/WebP) to start from (img2img, strength 0.6) instead of drawing from noise.
A first line that is a header (``idx \\t text``: an idx that is not a number and a text
column that says ``text``, ``prompt`` or ``caption``) or a comment (starting with ``#``)
is skipped; ``--header``/``--no-header`` decide it yourself. Blank lines are skipped.

Output rows are ``idx \\t text \\t gen_imgbase64 \\t prompt \\t seed \\t recipe``: one row
per image, PNG in base64, the prompt the model read, the seed, and ``recipe``, a short
hash of what else made the picture (profile, ``--beautify``, ``--size``, ``--steps``, the
start image). Each row's seed is derived from ``--seed`` and its idx (stable across runs;
``--n`` images use that seed and the next ones). Rerunning skips the images OUT already
holds with the same idx, text, seed and recipe, so an interrupted run resumes and a run
with other options draws afresh (its rows are appended). A line cut off by a crash is
removed before appending. A bad row is reported with its line number and skipped; the
exit status is 1 when no row was drawn.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import io
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from errors import ImagechatError, InvalidInput
from settings import Settings

MAX_TEXT_CHARS = 2000
MAX_N = 16
STRENGTH = 0.6  # img2img strength for rows with a start image
HEADER_WORDS = frozenset({"text", "texts", "prompt", "prompts", "caption", "captions",
                          "description", "query"})
OUT_COLUMNS = 6
_SEED_SPAN = 2**31 - MAX_N  # row seeds (+ n - 1) stay within a 32-bit signed integer


@dataclass
class Row:
    line: int
    idx: str
    text: str
    image_b64: str | None = None


@dataclass
class BatchReport:
    written: int = 0
    already: int = 0
    drawn: int = 0  # rows whose every image is in OUT now
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line number, why)


def row_seed(base: int, idx: str) -> int:
    """A stable seed for the row ``idx``: the same --seed and idx give the same seed."""
    digest = hashlib.sha256(f"{base}:{idx}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % _SEED_SPAN


def recipe_id(args: argparse.Namespace, settings: Settings, image_b64: str | None) -> str:
    """A short hash of everything besides text and seed that changes the picture."""
    spec = {
        "profile": settings.profile, "beautify": bool(args.beautify), "size": args.size,
        "steps": args.steps, "strength": STRENGTH if image_b64 else None,
        "image": hashlib.sha256(image_b64.encode()).hexdigest() if image_b64 else None,
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:10]


def _is_header(idx: str, text: str) -> bool:
    number_like = re.fullmatch(r"[-+#]?\d+(\.\d+)?", idx) is not None
    return not number_like and text.strip().lower() in HEADER_WORDS


def read_rows(path: Path, header: bool | None = None) -> list[Row | tuple[int, str]]:
    """Rows of IN, or (line number, problem) for a row that cannot be used.

    ``header``: True skips the first line, False never does, None detects a header or
    comment line. A file that is not UTF-8 text is refused as a whole (InvalidInput
    naming the file and the line), before any work.
    """
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InvalidInput(f"cannot read {path}: {e.strerror or e}") from e
    out: list[Row | tuple[int, str]] = []
    first = True
    binary = b"\x00" in data
    for number, raw in enumerate(data.split(b"\n"), 1):
        try:
            if b"\x00" in raw:
                raise UnicodeDecodeError("utf-8", raw, raw.index(b"\x00"),
                                         raw.index(b"\x00") + 1, "NUL")
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            if binary:
                raise InvalidInput(f"{path}:{number}: a binary file (NUL bytes), not text; IN "
                                   "must be UTF-8 text, one 'idx<TAB>text' row a line") from None
            raise InvalidInput(f"{path}:{number}: not UTF-8 text (byte 0x{raw[e.start]:02x} "
                               f"at column {e.start + 1}); save the file as UTF-8") from None
        line = line.rstrip("\r")
        if number == 1:
            line = line.removeprefix("\ufeff")
        if not line.strip():
            continue
        cols = line.split("\t")
        if first:
            first = False
            if header or (header is None and (line.lstrip().startswith("#") or (
                    len(cols) >= 2 and _is_header(cols[0].strip(), cols[1])))):
                out.append((number, "header"))
                continue
        if len(cols) < 2:
            out.append((number, "expected 'idx<TAB>text'"))
            continue
        idx, text = cols[0].strip(), cols[1].strip()
        image = cols[2].strip() if len(cols) > 2 and cols[2].strip() else None
        if not idx:
            out.append((number, "the idx column is empty"))
        elif not text:
            out.append((number, "the text column is empty"))
        elif len(text) > MAX_TEXT_CHARS:
            out.append((number, f"the text is {len(text)} characters (at most {MAX_TEXT_CHARS})"))
        else:
            out.append(Row(number, idx, text, image))
    return out


def check_output(source: Path, out: Path) -> None:
    """Refuse an OUT that is a folder, the input itself, or a file that is no batch output."""
    if out.is_dir():
        raise InvalidInput(f"-o {out} is a folder; give a file name, e.g. -o {out / 'out.tsv'}")
    if out.exists() and source.exists() and (
            out.resolve() == source.resolve() or os.path.samefile(out, source)):
        raise InvalidInput(f"-o {out} is the input file; write the output to another file")
    if out.parent.exists() and not out.parent.is_dir():
        raise InvalidInput(f"-o {out}: {out.parent} is not a folder")
    if not out.exists():
        return
    try:
        with out.open("rb") as f:
            head = f.read(1 << 20)
    except OSError as e:
        raise InvalidInput(f"cannot read -o {out}: {e.strerror or e}") from e
    if not head:
        return
    if b"\n" not in head:  # the first row cut off (removed on resume), or some other file
        cols = head.split(b"\t")
        if len(cols) >= 3:
            return
    else:
        cols = head.split(b"\n", 1)[0].split(b"\t")
    if b"\n" not in head or len(cols) < 5 or not cols[4].strip().isdigit():
        raise InvalidInput(f"-o {out} exists and is not a batch output (its first line has "
                           f"{len(cols)} column(s), not idx, text, image, prompt, seed); "
                           "pick another file")


def repair_tail(path: Path) -> int:
    """Cut a last line that has no newline (a write cut off by a crash); bytes removed."""
    if not path.exists():
        return 0
    with path.open("r+b") as f:
        size = f.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return 0
        end = size
        keep = 0
        while end > 0:
            start = max(0, end - 65536)
            f.seek(start)
            chunk = f.read(end - start)
            pos = chunk.rfind(b"\n")
            if pos >= 0:
                keep = start + pos + 1
                break
            end = start
        f.truncate(keep)
        return size - keep


def done_keys(path: Path) -> set[tuple[str, str, int, str]]:
    """(idx, text, seed, recipe) of the images OUT already holds."""
    keys: set[tuple[str, str, int, str]] = set()
    if not path.exists():
        return keys
    with path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= OUT_COLUMNS and cols[4].strip().isdigit():
                keys.add((cols[0], cols[1], int(cols[4]), cols[5].strip()))
    return keys


def run(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from tools import validate

    if not 1 <= args.n <= MAX_N:
        raise InvalidInput(f"--n must be between 1 and {MAX_N}")
    validate.check_generation(width=args.size, height=args.size, steps=args.steps)
    source, out = Path(args.input), Path(args.output)
    check_output(source, out)
    rows = read_rows(source, getattr(args, "header", None))
    usable = [r for r in rows if isinstance(r, Row)]
    report = BatchReport()
    for item in rows:
        if isinstance(item, Row):
            continue
        line, why = item
        if why == "header":
            print(f"{source}:{line}: header line skipped (--no-header keeps it)",
                  file=sys.stderr)
        else:
            report.bad.append(item)
            print(f"{source}:{line}: skipped: {why}", file=sys.stderr)
    if not usable:
        print(f"{source}: no usable rows ({len(report.bad)} bad)", file=sys.stderr)
        return 1
    cut = repair_tail(out)
    if cut:
        print(f"{out}: removed a last line cut off by an interrupted run ({cut} bytes)",
              file=sys.stderr)
    done = done_keys(out)
    images_dir = Path(args.images) if args.images else None
    try:
        if images_dir:
            images_dir.mkdir(parents=True, exist_ok=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        sink = out.open("a", encoding="utf-8", newline="\n")
    except OSError as e:
        raise InvalidInput(f"cannot write {e.filename or out}: {e.strerror or e}") from e
    bar = tqdm(total=len(usable) * args.n, unit="img", desc="batch", file=sys.stderr,
               disable=None)
    with sink:
        for row in usable:
            first = row_seed(args.seed, row.idx)
            seeds = [first + k for k in range(args.n)]
            recipe = recipe_id(args, settings, row.image_b64)
            todo = [s for s in seeds if (row.idx, row.text, s, recipe) not in done]
            report.already += len(seeds) - len(todo)
            bar.update(len(seeds) - len(todo))
            if not todo:
                report.drawn += 1
                continue
            try:
                made = generate_row(row, todo, args, settings)
            except Exception as e:  # noqa: BLE001 - a failed row is reported, no traceback
                why = str(e) if isinstance(e, ImagechatError) else f"{type(e).__name__}: {e}"
                if not isinstance(e, InvalidInput) and not report.drawn:
                    # not this row's fault (a model that cannot load, ...): every row would
                    # fail the same way
                    bar.close()
                    raise ImagechatError(f"{source}:{row.line}: {why} (stopped: no row "
                                         "drawn)") from e
                report.bad.append((row.line, why))
                print(f"{source}:{row.line}: skipped: {why}", file=sys.stderr)
                bar.update(len(todo))
                continue
            for seed, prompt, png in made:
                sink.write("\t".join([row.idx, row.text, base64.b64encode(png).decode(),
                                      " ".join(prompt.split()), str(seed), recipe]) + "\n")
                sink.flush()
                if images_dir:
                    (images_dir / f"{_safe(row.idx)}_{seed}.png").write_bytes(png)
                report.written += 1
                bar.update(1)
            report.drawn += 1
    bar.close()
    print(f"{report.drawn} rows drawn, {len(report.bad)} skipped; wrote {report.written} "
          f"image(s) to {out}, {report.already} already there", file=sys.stderr)
    return 0 if report.drawn else 1


def generate_row(row: Row, seeds: list[int], args: argparse.Namespace,
                 settings: Settings) -> list[tuple[int, str, bytes]]:
    """Make the images of one row: (seed, prompt the model read, PNG bytes)."""
    from tools.beautify import beautify
    from tools.prompting import prepare_prompt
    from tools.validate import MAX_IMAGES, load_image
    from tools.work import image_work

    start = None
    if row.image_b64:
        try:
            data = base64.b64decode(row.image_b64, validate=True)
        except (binascii.Error, ValueError) as e:
            raise InvalidInput(f"the image column is not valid base64 ({e})") from e
        start = load_image(data, name="the image column")
    text = row.text
    if args.beautify:
        candidates = beautify(text, n=5, settings=settings)
        text = candidates[0].prompt if candidates else text
    prompt, _ = prepare_prompt(text, settings=settings)
    size = {"width": args.size, "height": args.size} if args.size else {}
    work = image_work(settings)  # this process, or the workers when broker_url is set
    if start is not None:
        jobs = [work.submit("img2img", {"prompt": prompt, "strength": STRENGTH, "seed": s,
                                        "steps": args.steps, **size}, [start], label="batch")
                for s in seeds]
        results = [job.result() for job in jobs]
    else:
        # one pipeline call per run of consecutive seeds: n images in one batch
        jobs = [work.submit("generate", {"prompt": prompt, "negative_prompt": "", "seed": first,
                                         "steps": args.steps, "n": count, **size}, label="batch")
                for first, count in _runs(seeds, MAX_IMAGES)]
        results = [r for job in jobs for r in job.result()]
    made = []
    for result in results:
        buf = io.BytesIO()
        result.image.save(buf, format="PNG")
        made.append((result.recipe.seed, prompt, buf.getvalue()))
    return made


def _runs(seeds: list[int], most: int = 8) -> list[tuple[int, int]]:
    """[3, 4, 5, 9] -> [(3, 3), (9, 1)]: (first seed, count) of each consecutive run of at
    most ``most`` seeds."""
    runs: list[tuple[int, int]] = []
    for seed in seeds:
        if runs and runs[-1][0] + runs[-1][1] == seed and runs[-1][1] < most:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((seed, 1))
    return runs


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:80] or "row"
