#!/usr/bin/env python3
"""Time to first picture of a new process, tiny profile, warm model cache.

    python bench/bench_startup.py [--runs 3] [--json out.json]

Each figure is the median of ``--runs`` new processes, as a user starts them:

- ``first_picture_s``: ``echo 'a red car' | bot.py chat --json`` from start to exit (its
  one picture made and saved), and ``first_picture_cpu_s`` its CPU time (user + system),
  which other processes on the machine disturb less than the wall time;
- ``help_s``: ``bot.py --help``;
- ``prompt_s``: ``bot.py chat`` in a terminal (a pseudo-terminal) until its ``you>``
  prompt shows.

One warm-up chat runs first (it builds the tiny models into the cache and writes the
tree's bytecode, as a first run does). All runs use a scratch data dir with its own model
cache; nothing else is touched but the tree's ``__pycache__``.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env(home: Path) -> dict[str, str]:
    # without PYTHONDONTWRITEBYTECODE (set in some CI and agent shells): the warm-up run
    # writes the tree's bytecode as a user's first run does, or every timed run would
    # compile the project's changed modules again (0.1-0.2 s)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("IMAGECHAT_") and k not in ("TELEGRAM_BOT_TOKEN",
                                                            "PYTHONDONTWRITEBYTECODE")}
    env.update(IMAGECHAT_HOME=str(home), IMAGECHAT_PROFILE="tiny", IMAGECHAT_DEVICE="cpu",
               HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
    return env


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


CPU: list[float] = []  # CPU seconds (user + system) of each first_picture process


def first_picture(home: Path) -> float:
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "bot.py"), "chat", "--json"],
                          input="a red car\n", capture_output=True, text=True,
                          env=_env(home), cwd=ROOT, timeout=300)
    took = time.perf_counter() - t0
    CPU.append(_children_cpu() - cpu0)
    reply = json.loads(done.stdout.splitlines()[-1]) if done.stdout.strip() else {}
    if done.returncode != 0 or not reply.get("images"):
        raise SystemExit(f"the chat made no picture: {done.stdout}{done.stderr}")
    return took


def help_time(home: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "bot.py"), "--help"], capture_output=True,
                   env=_env(home), cwd=ROOT, check=True, timeout=60)
    return time.perf_counter() - t0


def prompt_time(home: Path) -> float:
    """Seconds until ``you>`` shows in a terminal chat; then it is sent ``/quit``."""
    import pty

    leader, follower = pty.openpty()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "bot.py"), "chat"], stdin=follower,
                            stdout=follower, stderr=follower, env=_env(home), cwd=ROOT,
                            close_fds=True)
    os.close(follower)
    seen = b""
    took = float("nan")
    try:
        while time.perf_counter() - t0 < 120:
            ready, _, _ = select.select([leader], [], [], 0.01)
            if ready:
                try:
                    seen += os.read(leader, 4096)
                except OSError:
                    break
                if b"you>" in seen:
                    took = time.perf_counter() - t0
                    break
        os.write(leader, b"/quit\n")
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)
    if took != took:
        raise SystemExit(f"no prompt: {seen.decode(errors='replace')}")
    return took


def main() -> int:
    global ROOT
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="processes per figure (median)")
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the imagechat tree to time (default: this one), e.g. to "
                        "compare with another checkout")
    args = parser.parse_args()
    ROOT = args.root.resolve()
    load = os.getloadavg()[0]

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        warm = first_picture(home)  # builds the tiny models: a cold cache, not measured
        figures: dict[str, list[float]] = {"first_picture_s": [], "help_s": [], "prompt_s": []}
        for _ in range(args.runs):
            figures["first_picture_s"].append(first_picture(home))
            figures["help_s"].append(help_time(home))
            figures["prompt_s"].append(prompt_time(home))
    result: dict[str, object] = {k: round(statistics.median(v), 2) for k, v in figures.items()}
    result["runs"] = {k: [round(x, 2) for x in v] for k, v in figures.items()}
    result["cold_first_picture_s"] = round(warm, 2)
    result["first_picture_cpu_s"] = round(statistics.median(CPU[1:]), 2)  # not the cold one
    result["load_before"] = round(load, 2)
    print(f"first picture (echo 'a red car' | bot.py chat --json): "
          f"{result['first_picture_s']} s  {figures['first_picture_s']}")
    print(f"  its CPU time (user + system, both cores): {result['first_picture_cpu_s']} s; "
          f"load average before: {load:.2f}")
    print(f"bot.py --help: {result['help_s']} s; terminal chat prompt: {result['prompt_s']} s")
    print(f"cold cache (builds the tiny models): {result['cold_first_picture_s']} s")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
