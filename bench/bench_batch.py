#!/usr/bin/env python3
"""Batch generation throughput (images/s) through ``bot.py batch``'s own code, tiny profile.

    python bench/bench_batch.py [--rows 40] [--n 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PROMPTS = ["a red car", "一只猫坐在沙发上", "a lighthouse at dusk", "一颗绿色的花椰菜",
           "a castle on a hill", "a boat on a lake, watercolor", "a dog in the snow"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--n", type=int, default=2, help="images per row")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from channels import batch
    from settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load(env={}, home=tmp, profile="tiny", device="cpu")
        source = Path(tmp) / "in.tsv"
        source.write_text("".join(f"{i}\t{PROMPTS[i % len(PROMPTS)]}\n" for i in range(args.rows)),
                          encoding="utf-8")
        ns = argparse.Namespace(input=str(source), output=str(Path(tmp) / "out.tsv"), n=args.n,
                                beautify=False, images=None, size=None, steps=None, seed=0)
        warm_in = Path(tmp) / "warm.tsv"
        warm_in.write_text("w\ta warm-up picture\n", encoding="utf-8")
        warm = argparse.Namespace(**{**vars(ns), "input": str(warm_in),
                                     "output": str(Path(tmp) / "warm-out.tsv")})
        with contextlib.redirect_stderr(io.StringIO()):  # the progress bar and summary
            batch.run(warm, settings)  # loads the models
            start = time.perf_counter()
            batch.run(ns, settings)
            seconds = time.perf_counter() - start
        images = len(Path(ns.output).read_text(encoding="utf-8").splitlines())
    result = {"rows": args.rows, "n": args.n, "images": images, "seconds": seconds,
              "images_per_s": images / seconds, "profile": "tiny"}
    print(f"batch: {images} images ({args.rows} rows × {args.n}), tiny profile, CPU, "
          f"torch threads {args.threads}: {seconds:.1f} s, {result['images_per_s']:.1f} images/s")
    if args.json:
        Path(args.json).write_text(json.dumps({"bench": "batch", **result}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
