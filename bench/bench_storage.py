#!/usr/bin/env python3
"""SQLite turn-write throughput: how many chat turns per second storage can record.

A turn is written the way the agent writes it, each step its own transaction: the user
message, the assistant's tool call, the tool result, a new numbered image row that becomes
current, and the final assistant message. Measured with 1 writer and with several threads
writing to their own users at once (WAL, BEGIN IMMEDIATE, busy timeout).

    python bench/bench_storage.py [--turns 2000] [--threads 4] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def write_turns(db, user: str, turns: int) -> None:  # noqa: ANN001
    from storage import repo

    with db.session() as s:
        conv_id = repo.current_conversation(s, repo.get_or_create_user(s, user)).id
    for i in range(turns):
        with db.session() as s:
            conv = repo.get_conversation(s, conv_id)
            repo.add_message(s, conv, "user", f"make it blue {i}")
        with db.session() as s:
            conv = repo.get_conversation(s, conv_id)
            call = {"id": f"c{i}", "name": "generate_image", "args": {"prompt": "a blue car"}}
            repo.add_message(s, conv, "assistant", "", tool_calls=[call])
        with db.session() as s:
            conv = repo.get_conversation(s, conv_id)
            repo.add_image(s, conv, file=f"{i:064x}.png", kind="generated", width=512,
                           height=512, prompt="a blue car", seed=i, model="tiny", steps=4,
                           guidance=5.0, tool="generate")
        with db.session() as s:
            conv = repo.get_conversation(s, conv_id)
            repo.add_message(s, conv, "tool", '{"ok": true}', tool_call_id=f"c{i}",
                             name="generate_image")
            repo.add_message(s, conv, "assistant", f"Here is #{i + 1}")


def measure(turns: int, threads: int) -> dict[str, float]:
    from storage.db import Database

    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/bench.db")
        per_thread = turns // threads
        workers = [threading.Thread(target=write_turns, args=(db, f"bench:{t}", per_thread))
                   for t in range(threads)]
        start = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        seconds = time.perf_counter() - start
        db.close()
    done = per_thread * threads
    return {"threads": threads, "turns": done, "seconds": seconds, "turns_per_s": done / seconds,
            "transactions_per_s": 4 * done / seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args()
    rows = [measure(args.turns, 1), measure(args.turns, args.threads)]
    print("SQLite turn writes (5 rows in 4 transactions per turn, WAL)")
    print(f"{'writers':>7} {'turns':>6} {'seconds':>8} {'turns/s':>8} {'tx/s':>7}")
    for r in rows:
        print(f"{r['threads']:>7} {r['turns']:>6} {r['seconds']:>8.2f} {r['turns_per_s']:>8.0f}"
              f" {r['transactions_per_s']:>7.0f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"bench": "storage", "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
