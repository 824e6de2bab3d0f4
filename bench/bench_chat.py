#!/usr/bin/env python3
"""Chat turn latency with the tiny profile, split into planning, storage and model time.

Runs a scripted multi-turn conversation (new pictures, refinements, variations, undo,
history, Chinese) through the real ``Agent`` for ``--turns`` turns and prints p50/p95 of:
  total    the whole handle_turn call
  model    time inside image jobs (the diffusion pipelines)
  storage  time inside database transactions and image-file writes
  agent    the rest: planning (LangChain graph, rules planner), prompt tools, glue

    python bench/bench_chat.py [--turns 200] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchutil import pct  # noqa: E402 - after the path set-up

SCRIPT = [
    "a red car", "make it blue", "add a spoiler", "undo", "variations", "/history",
    "一只猫坐在沙发上", "把背景换成海边", "画成水彩风格", "same but seed 7",
    "a lighthouse at dusk", "make it night", "more detailed", "back to #1", "help",
]


class Clock:
    """Per-turn accumulators filled from the agent's thread and the job worker's."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.model = 0.0
        self.storage = 0.0

    def add(self, what: str, seconds: float) -> None:
        with self.lock:
            setattr(self, what, getattr(self, what) + seconds)


def instrument(clock: Clock) -> None:
    """Time storage and model work by wrapping their entry points (bench only)."""
    from storage.db import Database
    from storage.files import ImageStore
    from tools.jobs import JobQueue

    session = Database.session
    put_image = ImageStore.put_image
    submit = JobQueue.submit

    @contextmanager
    def timed_session(self):  # noqa: ANN001, ANN202
        start = time.perf_counter()
        try:
            with session(self) as s:
                yield s
        finally:
            clock.add("storage", time.perf_counter() - start)

    def timed_put(self, image):  # noqa: ANN001, ANN202
        start = time.perf_counter()
        try:
            return put_image(self, image)
        finally:
            clock.add("storage", time.perf_counter() - start)

    def timed_submit(self, fn, **kwargs):  # noqa: ANN001, ANN202
        def run(ctx):  # noqa: ANN001, ANN202
            start = time.perf_counter()
            try:
                return fn(ctx)
            finally:
                clock.add("model", time.perf_counter() - start)

        return submit(self, run, **kwargs)

    Database.session = timed_session
    ImageStore.put_image = timed_put
    JobQueue.submit = timed_submit



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from agent.engine import Agent
    from agent.types import Turn
    from settings import Settings

    clock = Clock()
    instrument(clock)
    with tempfile.TemporaryDirectory() as home:
        agent = Agent(Settings.load(env={}, home=home, profile="tiny", device="cpu"))
        agent.handle_turn(Turn(user="bench:warmup", text="a warm-up picture"))  # loads models
        rows: list[dict[str, float]] = []
        for i in range(args.turns):
            clock.reset()
            text = SCRIPT[i % len(SCRIPT)]
            start = time.perf_counter()
            reply = agent.handle_turn(Turn(user="bench:user", text=text))
            total = time.perf_counter() - start
            if reply.error:
                print(f"turn {i} ({text!r}) failed: {reply.text}", file=sys.stderr)
            rows.append({"total": total, "model": clock.model, "storage": clock.storage,
                         "agent": max(0.0, total - clock.model - clock.storage)})

    parts = ["total", "agent", "storage", "model"]
    result = {p: {"p50_ms": 1000 * statistics.median(r[p] for r in rows),
                  "p95_ms": 1000 * pct([r[p] for r in rows], 0.95),
                  "mean_ms": 1000 * statistics.fmean(r[p] for r in rows)} for p in parts}
    print(f"chat turn latency, tiny profile, CPU, {args.turns} turns, "
          f"torch threads {args.threads}")
    print(f"{'part':<8} {'p50 ms':>9} {'p95 ms':>9} {'mean ms':>9}")
    for p in parts:
        r = result[p]
        print(f"{p:<8} {r['p50_ms']:>9.1f} {r['p95_ms']:>9.1f} {r['mean_ms']:>9.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"bench": "chat", "turns": args.turns,
                                               "parts": result}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
