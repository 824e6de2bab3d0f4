#!/usr/bin/env python3
"""Image throughput with worker processes: Celery + a real redis-server on loopback.

Starts a throwaway redis-server, then 1 and then 2 ``python bot.py worker`` processes
(tiny profile, CPU, one torch thread each), warms each up with one picture, and sends
``--jobs`` generate jobs at once through the bot's own interface (tools.work.image_work),
``--rounds`` times. Prints images/s (best round) for 1 and 2 workers and their ratio
(speedup_2_vs_1).

    python bench/bench_workers.py [--jobs 40] [--steps 4] [--size 64] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def measure(url: str, folder: Path, models: Path, workers: int, jobs: int, steps: int,
            size: int, rounds: int) -> dict[str, Any]:
    import redis

    from settings import Settings
    from tests.servers import Worker
    from tools.work import image_work

    redis.Redis.from_url(url).flushdb()
    started = time.monotonic()
    procs = [Worker(url, folder, models, f"bench{workers}-{i}") for i in range(workers)]
    try:
        for w in procs:
            w.wait_ready()
        ready = time.monotonic() - started
        settings = Settings.load(env={}, home=folder / "front", profile="tiny", device="cpu",
                                 broker_url=url, max_queue=max(100, jobs))
        work = image_work(settings)
        call = {"prompt": "a lighthouse at dusk", "steps": steps, "width": size,
                "height": size}
        # warm-up: one picture per worker, at once, so each has run its first job
        for job in [work.submit("generate", {**call, "seed": i}) for i in range(workers)]:
            job.result(120)
        times = []
        for r in range(rounds):  # the best round: the machine may be shared
            t0 = time.monotonic()
            sent = [work.submit("generate", {**call, "seed": 1000 * r + i}, label="bench")
                    for i in range(jobs)]
            for job in sent:
                job.result(600)
            times.append(time.monotonic() - t0)
        elapsed = min(times)
    finally:
        for w in procs:
            w.stop()
    return {"workers": workers, "jobs": jobs, "seconds": round(elapsed, 3),
            "images_per_s": round(jobs / elapsed, 3), "start_s": round(ready, 1),
            "rounds_s": [round(t, 3) for t in times]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--steps", type=int, default=4, help="denoising steps (tiny: 4)")
    parser.add_argument("--size", type=int, default=64, help="pixels a side (tiny: 64)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="send the jobs this many times; the best round counts")
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args()
    from tests.servers import redis_server

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        models = folder / "models"  # tiny models built once, shared by the workers
        with redis_server(folder / "redis") as url:
            one = measure(url, folder, models, 1, args.jobs, args.steps, args.size,
                          args.rounds)
            two = measure(url, folder, models, 2, args.jobs, args.steps, args.size,
                          args.rounds)
    speedup = two["images_per_s"] / one["images_per_s"]
    print(f"Workers (Celery + Redis on loopback), {args.jobs} jobs, tiny {args.size} px "
          f"{args.steps} steps, one torch thread per worker, {os.cpu_count()} cores, "
          f"load before {load:.1f}")
    print(f"{'workers':<8} {'images/s':>9} {'seconds':>8} {'start s':>8}")
    for r in (one, two):
        print(f"{r['workers']:<8} {r['images_per_s']:>9.2f} {r['seconds']:>8.2f} "
              f"{r['start_s']:>8.1f}")
    print(f"speedup_2_vs_1: {speedup:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "bench": "workers", "jobs": args.jobs, "rounds": args.rounds, "steps": args.steps,
            "size": args.size,
            "images_per_s_1": one["images_per_s"], "images_per_s_2": two["images_per_s"],
            "speedup_2_vs_1": round(speedup, 3), "runs": [one, two],
            "cpu_count": os.cpu_count(), "load_before": round(load, 2)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
