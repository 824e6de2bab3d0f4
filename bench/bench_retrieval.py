#!/usr/bin/env python3
"""Retrieval benchmark: the index kinds the picture library uses, on synthetic vectors.

    python bench/bench_retrieval.py                 # 1,000,000 x 512-d (a few minutes)
    python bench/bench_retrieval.py --n 100000      # quick run
    python bench/bench_retrieval.py --json out.json

Data: ``--clusters`` Gaussian clusters on the unit sphere (centre + noise of norm
``--spread``, then L2-normalised, like CLIP image embeddings of a photo collection with
many topics); queries are fresh points from the same clusters, not indexed ones. Each
index is built exactly as ``tools/retrieve.py`` builds it (``VectorIndex.build``: IVF
trained and its nprobe tuned for recall@10 >= 0.95), then measured: build time, index
size (serialised bytes) and RSS growth, single-query latency (p50/p95, one query at a
time), a batch of 100 queries, and recall@10 against exact search (``faiss.knn``).
For IVF a few other nprobe values are shown too, to see the speed/recall trade.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import faiss  # noqa: E402

from tools.faiss_index import FLAT, IVF, VectorIndex, recall_at_k  # noqa: E402

K = 10


def rss_bytes() -> int:
    """Resident memory of this process now (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def serialized_bytes(index: faiss.Index) -> int:
    """Size of the index file faiss would write, counted without writing it."""
    total = 0

    def count(chunk: bytes) -> int:
        nonlocal total
        total += len(chunk)
        return len(chunk)

    writer = faiss.PyCallbackIOWriter(count)
    faiss.write_index(index, writer)
    del writer
    return total


def clustered_data(n: int, queries: int, dim: int, clusters: int, spread: float,
                   seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim), dtype=np.float32)
    faiss.normalize_L2(centres)
    scale = np.float32(spread / np.sqrt(dim))

    def draw(count: int) -> np.ndarray:
        out = np.empty((count, dim), np.float32)
        for start in range(0, count, 100_000):
            stop = min(count, start + 100_000)
            labels = rng.integers(0, clusters, stop - start)
            out[start:stop] = centres[labels] + rng.standard_normal(
                (stop - start, dim), dtype=np.float32) * scale
        faiss.normalize_L2(out)
        return out

    return draw(n), draw(queries)


def measure(index: VectorIndex, queries: np.ndarray, truth: np.ndarray, singles: int) -> dict:
    index.search(queries[:5], K)  # warm up
    lat = []
    for q in queries[:singles]:
        t = time.perf_counter()
        index.search(q[None, :], K)
        lat.append(time.perf_counter() - t)
    batch = []
    for _ in range(3):
        t = time.perf_counter()
        index.search(queries[:100], K)
        batch.append(time.perf_counter() - t)
    _, found = index.search(queries, K)
    return {
        "query_p50_ms": float(np.percentile(lat, 50) * 1e3),
        "query_p95_ms": float(np.percentile(lat, 95) * 1e3),
        "batch100_ms": float(np.median(batch) * 1e3),
        "recall_at_10": recall_at_k(found, truth, K),
    }


def _fmt(row: dict, key: str, scale: float = 1.0, digits: int = 1) -> str:
    return f"{row[key] / scale:.{digits}f}" if key in row else "-"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000, help="vectors (default 1,000,000)")
    p.add_argument("--dim", type=int, default=512)
    p.add_argument("--clusters", type=int, default=1000)
    p.add_argument("--spread", type=float, default=1.0,
                   help="noise norm relative to the cluster centre (default 1.0)")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = p.parse_args(argv)
    if args.n < 1000 or args.queries < 100:
        p.error("--n must be >= 1000 and --queries >= 100")
    faiss.omp_set_num_threads(args.threads)

    t = time.perf_counter()
    base, queries = clustered_data(args.n, args.queries, args.dim, args.clusters,
                                   args.spread, args.seed)
    ids = np.arange(args.n, dtype=np.int64)
    gen_s = time.perf_counter() - t
    t = time.perf_counter()
    _, truth = faiss.knn(queries, base, K, metric=faiss.METRIC_INNER_PRODUCT)
    truth_s = time.perf_counter() - t
    print(f"retrieval bench: {args.n:,} x {args.dim}-d vectors in {args.clusters} clusters "
          f"(spread {args.spread}), {args.queries} held-out queries, k={K}, "
          f"{args.threads} threads", flush=True)
    print(f"  data {gen_s:.1f} s, exact ground truth {truth_s:.1f} s", flush=True)

    rows = []
    for kind in (FLAT, IVF):
        rss0 = rss_bytes()
        t = time.perf_counter()
        index = VectorIndex.build(ids, base, kind, target_recall=0.95, seed=args.seed)
        build_s = time.perf_counter() - t
        rss1 = rss_bytes()
        singles = args.queries if kind == IVF else min(args.queries, 50)
        row = {
            "index": "flat (exact)" if kind == FLAT else
            f"ivf nlist={index.spec.nlist} nprobe={index.spec.nprobe}",
            "kind": kind,
            "nlist": index.spec.nlist,
            "nprobe": index.spec.nprobe,
            "build_s": build_s,
            "index_bytes": serialized_bytes(index.index),
            "rss_delta_bytes": max(0, rss1 - rss0),
            **measure(index, queries, truth, singles),
        }
        rows.append(row)
        print(f"  built {row['index']} in {build_s:.1f} s", flush=True)
        if kind == IVF:
            ivf = faiss.extract_index_ivf(index.index)
            tuned = ivf.nprobe
            for nprobe in sorted({1, 4, 64, tuned // 2} - {0, tuned}):
                if nprobe > ivf.nlist:
                    continue
                ivf.nprobe = nprobe
                rows.append({"index": f"  same, nprobe={nprobe}", "kind": kind,
                             "nlist": ivf.nlist, "nprobe": nprobe,
                             **measure(index, queries, truth, singles)})
            ivf.nprobe = tuned
        del index

    print()
    print(f"{'index':<28}{'build s':>9}{'size MiB':>10}{'RSS +MiB':>10}"
          f"{'1 query p50 ms':>16}{'p95 ms':>8}{'100 queries ms':>16}{'recall@10':>11}")
    for r in rows:
        print(f"{r['index']:<28}{_fmt(r, 'build_s'):>9}{_fmt(r, 'index_bytes', 2**20):>10}"
              f"{_fmt(r, 'rss_delta_bytes', 2**20):>10}{_fmt(r, 'query_p50_ms', digits=2):>16}"
              f"{_fmt(r, 'query_p95_ms', digits=2):>8}{_fmt(r, 'batch100_ms'):>16}"
              f"{_fmt(r, 'recall_at_10', digits=3):>11}")

    if args.json:
        out = {"n": args.n, "dim": args.dim, "clusters": args.clusters,
               "spread": args.spread, "queries": args.queries, "threads": args.threads,
               "k": K, "data_s": gen_s, "ground_truth_s": truth_s, "rows": rows}
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
