"""Time per image and peak memory of the image tools: generate, img2img, instruct.

    .venv/bin/python bench/bench_images.py                  # tiny profile, CPU (+ CUDA if any)
    .venv/bin/python bench/bench_images.py --json out.json --runs 5
    .venv/bin/python bench/bench_images.py --profile sd-turbo --device cuda   # real weights

Each tool is warmed up once (weights load, kernels compile), then run ``--runs`` times with
fixed seeds; the table shows the median and best seconds per image, the process's peak
resident memory so far (ru_maxrss) and, on CUDA, the peak allocated GPU memory during
that tool's runs. Tiny models are built into a temporary folder unless ``--model-cache``
names one. With the tiny profile the whole run takes a few seconds on a CPU.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from settings import Settings  # noqa: E402
from tools import models  # noqa: E402
from tools.edit import img2img, instruct  # noqa: E402
from tools.generate import generate  # noqa: E402


def peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 2**20  # macOS reports bytes


def bench_device(settings: Settings, runs: int, size: int | None, steps: int | None) -> list[dict]:
    import torch

    device = models.pick_device(settings)
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    profile = models.profile_for(settings)
    size = size or profile.size
    common: dict[str, Any] = {"settings": settings, "steps": steps}

    t0 = time.perf_counter()
    [start] = generate("a lighthouse on a cliff at dawn", seed=0, width=size, height=size, **common)
    setup = time.perf_counter() - t0  # build (tiny) or download/load + the first picture
    print(f"{device}: first picture including model build/load: {setup:.2f} s", flush=True)
    tools = {
        "generate": lambda seed: generate(
            "a red cat on a sofa", seed=seed, width=size, height=size, **common
        ),
        "img2img": lambda seed: img2img(
            start.image,
            "a red cat on a sofa, watercolor",
            strength=0.6,
            seed=seed,
            width=size,
            height=size,
            **common,
        ),
        "instruct": lambda seed: instruct(start.image, "make it night", seed=seed, **common),
    }
    rows = []
    for name, run in tools.items():
        t0 = time.perf_counter()
        run(0)  # warm-up: loads the pipeline on first use
        first = time.perf_counter() - t0
        if cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        times = []
        for seed in range(1, runs + 1):
            t0 = time.perf_counter()
            result = run(seed)
            if cuda:
                torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
        out = result[0] if isinstance(result, list) else result
        rows.append(
            {
                "tool": name,
                "device": str(device),
                "dtype": str(models.pick_dtype(device, settings)).replace("torch.", ""),
                "profile": profile.name,
                "size": f"{out.image.width}x{out.image.height}",
                "steps": out.recipe.steps,
                "runs": runs,
                "first_s": round(first, 4),
                "median_s": round(statistics.median(times), 4),
                "best_s": round(min(times), 4),
                "peak_rss_mb": round(peak_rss_mb(), 1),
                "peak_gpu_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1)
                if cuda
                else None,
            }
        )
    return rows


def print_table(rows: list[dict]) -> None:
    cols = [
        "tool",
        "device",
        "dtype",
        "size",
        "steps",
        "first_s",
        "median_s",
        "best_s",
        "peak_rss_mb",
        "peak_gpu_mb",
    ]
    cells = [[("-" if r[c] is None else str(r[c])) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--profile", default="tiny")
    ap.add_argument(
        "--device",
        action="append",
        help="cpu, cuda, mps (repeatable; default: cpu, and cuda when available)",
    )
    ap.add_argument("--runs", type=int, default=3, help="timed runs per tool (after a warm-up)")
    ap.add_argument("--size", type=int, help="image side in px (default: the profile's)")
    ap.add_argument("--steps", type=int, help="denoising steps (default: the profile's)")
    ap.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    ap.add_argument("--model-cache", help="where tiny models are built (default: a temp dir)")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    devices = args.device or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-images-") as tmp:
        for device in devices:
            settings = Settings.load(
                env={},
                home=Path(tmp) / "home",
                profile=args.profile,
                device=device,
                model_cache=args.model_cache or str(Path(tmp) / "models"),
            )
            rows += bench_device(settings, args.runs, args.size, args.steps)
    print_table(rows)
    print(
        f"\ntorch {torch.__version__}, {torch.get_num_threads()} CPU threads, "
        f"{platform.processor() or platform.machine()}, python {platform.python_version()}"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "rows": rows,
                    "torch": torch.__version__,
                    "cpu_threads": torch.get_num_threads(),
                    "machine": platform.machine(),
                },
                indent=2,
            )
        )
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
