#!/usr/bin/env python3
"""Run every benchmark, print each one's table, and write all figures as one JSON file.

    python bench/run_all.py                 # full sizes (about 5-8 minutes on 2 CPU cores)
    python bench/run_all.py --quick         # small sizes, under a minute
    python bench/run_all.py --json bench/results.json

Each benchmark is its own script in this folder and can be run alone; see bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name -> (script, full-size arguments, quick arguments)
BENCHES: dict[str, tuple[str, list[str], list[str]]] = {
    "images": ("bench_images.py", ["--runs", "5", "--threads", "1"],
               ["--runs", "2", "--threads", "1"]),
    "chat": ("bench_chat.py", ["--turns", "200"], ["--turns", "30"]),
    "startup": ("bench_startup.py", ["--runs", "3"], ["--runs", "1"]),
    "storage": ("bench_storage.py", ["--turns", "2000"], ["--turns", "300"]),
    "batch": ("bench_batch.py", ["--rows", "40", "--n", "2"], ["--rows", "8", "--n", "2"]),
    "telegram": ("bench_telegram.py", ["--users", "50"], ["--users", "10"]),
    "telegram_workers": ("bench_telegram.py", ["--users", "50", "--workers", "2"],
                         ["--users", "10", "--workers", "2"]),
    "workers": ("bench_workers.py", ["--jobs", "40"], ["--jobs", "10", "--rounds", "1"]),
    "retrieval": ("bench_retrieval.py", [], ["--n", "100000", "--queries", "100"]),
}


def machine() -> dict[str, str]:
    import os

    info = {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": str(os.cpu_count())}
    try:
        import torch

        info["torch"] = torch.__version__
        info["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    except ImportError:  # pragma: no cover
        pass
    return info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", nargs="+", choices=list(BENCHES), help="run just these")
    parser.add_argument("--json", metavar="PATH", help="write all figures here")
    args = parser.parse_args()

    results: dict[str, object] = {"machine": machine(), "quick": args.quick}
    failed = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only or list(BENCHES):
            script, full, quick = BENCHES[name]
            out = Path(tmp) / f"{name}.json"
            cmd = [sys.executable, str(HERE / script), *(quick if args.quick else full),
                   "--json", str(out)]
            print(f"\n=== {name}: {' '.join(cmd[1:])}", flush=True)
            t0 = time.perf_counter()
            done = subprocess.run(cmd)
            seconds = time.perf_counter() - t0
            if done.returncode != 0 or not out.exists():
                failed.append(name)
                print(f"=== {name} FAILED (exit {done.returncode})", flush=True)
                continue
            results[name] = {"seconds": round(seconds, 1), **json.loads(out.read_text())}
    total = time.perf_counter() - started
    results["total_seconds"] = round(total, 1)
    print(f"\nall benchmarks: {total:.0f} s" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
