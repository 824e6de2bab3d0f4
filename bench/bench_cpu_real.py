"""One real-size 512 px picture on the CPU: fp32 with the full VAE against the project's
CPU default (bf16 where the CPU has it, TAESD decoder), in one run (issue 14).

    .venv/bin/python bench/bench_cpu_real.py [--json out.json] [--cache DIR] [--size 512]

The model is sd-turbo's architecture with random weights (the shadow hub's copy,
``scripts/shadow_hub.py``: hub configs, fp16 safetensors in the Hugging Face cache layout),
built once into ``<model cache>/shadow-hub`` so a second run starts at once. Each variant
loads through the project's own loaders with ``HF_HUB_OFFLINE=1``, makes one warm-up
picture, then ``--runs`` timed pictures (the best counts) with
:func:`tools.generate.generate` (1 step, guidance 0, as the sd-turbo profile draws), split
into text encoder, UNet and decode by timing hooks.

It also counts the FLOPs of one UNet step (``torch.utils.flop_counter.FlopCounterMode``)
and states what share of this CPU's peak the default's UNet step reaches, under the peak
assumption printed with it. Run it on a quiet machine: two cores are easily disturbed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import shadow_hub  # noqa: E402

REPOS = ["stabilityai/sd-turbo", "madebyollin/taesd"]


class StageTimer:
    """Seconds spent in the text encoder, the UNet and the VAE decode of ``pipe``."""

    def __init__(self, pipe: Any) -> None:
        self.times: dict[str, float] = {}
        self._wrap(pipe.text_encoder, "forward", "text_encoder_s")
        self._wrap(pipe.unet, "forward", "unet_s")
        self._wrap(pipe.vae, "decode", "decode_s")

    def _wrap(self, module: Any, method: str, key: str) -> None:
        original = getattr(module, method)

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.times[key] = self.times.get(key, 0.0) + time.perf_counter() - t0

        setattr(module, method, timed)

    def reset(self) -> None:
        self.times.clear()


def peak_gflops(cores: int) -> dict[str, Any]:
    """This CPU's assumed peak: Zen 5 has two 512-bit FMA pipes per core (64 fp32 FLOP per
    cycle) and AVX-512 BF16 dot products at twice that; clock = /proc/cpuinfo's MHz."""
    mhz = 0.0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("cpu MHz"):
                mhz = float(line.split(":")[1])
                break
    except OSError:
        pass
    ghz = mhz / 1000 if mhz else 2.6
    fp32 = cores * ghz * 64
    return {"cores": cores, "ghz": round(ghz, 2), "fp32_gflops": round(fp32),
            "bf16_gflops": round(2 * fp32),
            "assumption": "2x512-bit FMA per core (64 fp32 FLOP/cycle), bf16 dot 2x that, "
                          "nominal clock from /proc/cpuinfo"}


def unet_step_flops(pipe: Any, size: int) -> int:
    """FLOPs of one UNet forward at ``size`` px, batch 1 (guidance 0), counted in fp32-free
    meta-less mode on the pipeline's own UNet."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    unet = pipe.unet
    lat = size // 8
    dtype = unet.dtype
    x = torch.randn(1, 4, lat, lat, dtype=dtype)
    ctx = torch.randn(1, 77, int(unet.config.cross_attention_dim), dtype=dtype)
    counter = FlopCounterMode(display=False)
    with torch.inference_mode(), counter:
        unet(x, torch.tensor([999]), ctx)
    return int(counter.get_total_flops())


def bf16_drift(pipe32: Any, pipe16: Any, size: int, rows: list[dict[str, Any]]) -> dict:
    """How far bf16 lands from fp32 on the same weights and inputs: one UNet step's output
    (relative L2 error, max abs) and the final pictures of the two full-VAE runs."""
    import numpy as np
    import torch

    torch.manual_seed(0)
    x = torch.randn(1, 4, size // 8, size // 8)
    ctx = torch.randn(1, 77, int(pipe32.unet.config.cross_attention_dim))
    t = torch.tensor([999])
    with torch.inference_mode():
        a = pipe32.unet(x, t, ctx).sample
        b = pipe16.unet(x.bfloat16(), t, ctx.bfloat16()).sample.float()
    img_a = np.asarray(rows[0]["image"], dtype=np.int16)
    img_b = np.asarray(rows[1]["image"], dtype=np.int16)
    diff = np.abs(img_a - img_b)
    return {"unet_rel_l2": float((a - b).norm() / a.norm()),
            "unet_max_abs": float((a - b).abs().max()),
            "unet_out_std": float(a.std()),
            "image_mean_abs": round(float(diff.mean()), 3),
            "image_max_abs": int(diff.max())}


def run_variant(name: str, settings: Any, size: int, steps: int, runs: int) -> dict[str, Any]:
    from tools import models
    from tools.generate import generate

    t0 = time.perf_counter()
    pipe = models.load_txt2img(settings)
    load_s = time.perf_counter() - t0
    timer = StageTimer(pipe)
    call = dict(seed=3, steps=steps, guidance=0.0, width=size, height=size, settings=settings)
    t0 = time.perf_counter()
    generate("a lighthouse on a cliff at dawn", **call)
    warm_s = time.perf_counter() - t0
    best: tuple[float, dict[str, float], Any] | None = None
    totals = []
    for _ in range(runs):  # the best run: two shared cores are easily disturbed
        timer.reset()
        t0 = time.perf_counter()
        [result] = generate("a lighthouse on a cliff at dawn", **call)
        total = time.perf_counter() - t0
        totals.append(round(total, 3))
        if best is None or total < best[0]:
            best = (total, dict(timer.times), result)
    assert best is not None
    total, timer.times, result = best
    row = {
        "variant": name,
        "dtype": str(pipe.unet.dtype).replace("torch.", ""),
        "vae": type(pipe.vae).__name__,
        "load_s": round(load_s, 2),
        "warmup_s": round(warm_s, 2),
        "total_s": round(total, 3),
        "runs_s": totals,
        **{k: round(v, 3) for k, v in timer.times.items()},
        "size": f"{result.image.width}x{result.image.height}",
        "steps": steps,
        "image": result.image,
    }
    row["other_s"] = round(total - sum(timer.times.values()), 3)
    print(f"{name:12s} {row['dtype']:8s} {row['vae']:15s} total {total:6.2f} s  "
          f"text {row.get('text_encoder_s', 0):.2f}  unet {row.get('unet_s', 0):.2f}  "
          f"decode {row.get('decode_s', 0):.2f}  other {row['other_s']:.2f}  "
          f"(load {load_s:.1f} s, warm-up {warm_s:.1f} s)", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--cache", type=Path, default=None,
                    help="the shadow hub (default: <model cache>/shadow-hub)")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--steps", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3, help="timed pictures per variant (best)")
    args = ap.parse_args(argv)

    cache = (args.cache or shadow_hub.default_cache()).expanduser().resolve()
    shadow_hub.use_cache(cache)  # before the Hugging Face libraries are imported
    import torch

    from settings import Settings
    from tools import models

    t0 = time.perf_counter()
    shadow_hub.build("sd-turbo", cache, only=REPOS)
    build_s = time.perf_counter() - t0
    home = Path(tempfile.mkdtemp(prefix="bench-cpu-real-"))
    base = dict(env={}, home=home, profile="sd-turbo", device="cpu",
                model_cache=str(cache / "models"))
    fp32 = Settings.load(**base, dtype="float32", vae="full")
    default = Settings.load(**base)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"bf16 CPU: {models.cpu_supports_bf16()}, shadow hub ready in {build_s:.1f} s",
          flush=True)

    bf16_full = Settings.load(**base, dtype="bfloat16", vae="full")
    rows = [run_variant("fp32+full", fp32, args.size, args.steps, args.runs)]
    pipe32 = models.load_txt2img(fp32)
    flops = unet_step_flops(pipe32, args.size)
    drift: dict[str, Any] = {}
    if models.cpu_supports_bf16():
        rows.append(run_variant("bf16+full", bf16_full, args.size, args.steps, args.runs))
        drift = bf16_drift(pipe32, models.load_txt2img(bf16_full), args.size, rows)
    del pipe32
    models.clear_cache()  # free the full-VAE pipelines before loading the default
    rows.append(run_variant("default", default, args.size, args.steps, args.runs))
    rows[-1].pop("image", None)
    for r in rows:
        r.pop("image", None)
    fp32_s, default_s = rows[0]["total_s"], rows[-1]["total_s"]
    peak = peak_gflops(torch.get_num_threads())
    unet_step_s = rows[-1]["unet_s"] / args.steps
    achieved = flops / unet_step_s / 1e9
    peak_key = "bf16_gflops" if rows[-1]["dtype"] == "bfloat16" else "fp32_gflops"
    fp32_achieved = flops / (rows[0]["unet_s"] / args.steps) / 1e9
    figures = {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "size": args.size,
        "steps": args.steps,
        "fp32_full_s": fp32_s,
        "default_s": default_s,
        "speedup": round(fp32_s / default_s, 2),
        "unet_step_gflop": round(flops / 1e9, 1),
        "default_unet_gflops": round(achieved, 1),
        "default_share_of_peak": round(achieved / peak[peak_key], 3),
        "fp32_unet_gflops": round(fp32_achieved, 1),
        "fp32_share_of_peak": round(fp32_achieved / peak["fp32_gflops"], 3),
        "bf16_drift": drift,
        "peak": peak,
        "variants": rows,
        "build_s": round(build_s, 1),
    }
    print(f"\nfp32+full {fp32_s:.2f} s, default {default_s:.2f} s: speedup "
          f"{figures['speedup']}x (targets: >= 5x, default <= 2.5 s)")
    print(f"one UNet step: {flops / 1e9:.0f} GFLOP; default {achieved:.0f} GFLOP/s = "
          f"{100 * figures['default_share_of_peak']:.0f}% of the assumed {peak[peak_key]} "
          f"GFLOP/s {peak_key.split('_')[0]} peak; fp32 {fp32_achieved:.0f} GFLOP/s = "
          f"{100 * figures['fp32_share_of_peak']:.0f}% of {peak['fp32_gflops']}")
    if drift:
        print(f"bf16 against fp32, same weights and inputs: UNet output relative L2 error "
              f"{drift['unet_rel_l2']:.4f} (max abs {drift['unet_max_abs']:.3f}); final "
              f"picture (full VAE) mean |diff| {drift['image_mean_abs']:.2f} of 255, "
              f"max {drift['image_max_abs']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    import shutil

    shutil.rmtree(home, ignore_errors=True)
    os.environ.pop("HF_HUB_OFFLINE", None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
