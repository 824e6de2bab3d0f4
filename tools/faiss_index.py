"""Vectors with stable ids in faiss: exact for small libraries, IVF-Flat for large ones.

Every vector carries the int64 id of its row in the index catalog, so ids survive
deletions and rebuilds. Vectors are L2-normalised, so inner product is cosine similarity.

Two kinds, chosen by size (:func:`wanted_kind`):

* ``flat``: ``IndexIDMap2(IndexFlatIP)``. Exact; a query scans every vector, so its
  time grows with the library (bench: ~16 ms at 10^5 x 512-d, ~450 ms at 10^6 on the
  2-core dev machine).
* ``ivf``: ``IndexIVFFlat`` with an inner-product coarse quantizer, as the faiss
  guidelines recommend for 10^5..10^6 vectors: ``nlist ~ 4 sqrt(N)`` lists trained by
  spherical k-means on ~40 points per list, vectors stored uncompressed (exact scores),
  ``nprobe`` tuned after training so that recall@10 against exact search reaches
  ``target_recall`` on a sample of the indexed vectors. A hashtable direct map makes
  ``remove_ids`` and ``reconstruct`` by id cheap.

HNSW is not offered: it cannot remove vectors (every deletion would mean a rebuild), and
building HNSW32 took 20 s for 5*10^4 512-d vectors on the 2-core dev machine (so well over
ten minutes for 10^6), where IVF trains and fills 10^6 in about 2.5 minutes and answers
in under 1 ms at recall@10 1.0 (``bench/bench_retrieval.py``).

An IVF index is retrained (rebuilt from its own stored vectors, nothing re-embedded)
when the library grows or shrinks 4x past the size it was trained for, so its lists stay
balanced; it turns back into a flat index when the library falls under the limit.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

FLAT = "flat"
IVF = "ivf"
KINDS = (FLAT, IVF)

TRAIN_POINTS_PER_LIST = 40  # faiss warns below 39 points per centroid
MAX_POINTS_PER_LIST = 256  # and subsamples above 256
KMEANS_ITERATIONS = 15
RETRAIN_FACTOR = 4  # retrain once the library is 4x larger or smaller than at training
MIN_NPROBE = 16  # margin for queries unlike the sample (text queries sit between clusters)
TUNE_QUERIES = 200


@dataclass(frozen=True)
class IndexSpec:
    """How an index was built: recorded next to it so it can be checked and reported."""

    kind: str
    nlist: int = 0
    nprobe: int = 0
    trained_n: int = 0
    tuned_recall: float = 0.0


def wanted_kind(n: int, exact_limit: int) -> str:
    """``flat`` up to ``exact_limit`` vectors, ``ivf`` above."""
    return FLAT if n <= exact_limit else IVF


def nlist_for(n: int) -> int:
    """faiss guideline ``4 sqrt(N)`` lists, but never fewer than ~40 training points each."""
    return max(1, min(int(4 * math.sqrt(n)), n // TRAIN_POINTS_PER_LIST))


class VectorIndex:
    """A faiss index of normalised float32 vectors addressed by int64 ids."""

    def __init__(self, index: faiss.Index, spec: IndexSpec, dim: int):
        self.index = index
        self.spec = spec
        self.dim = dim

    # --- construction -------------------------------------------------------------------
    @classmethod
    def empty(cls, dim: int) -> VectorIndex:
        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dim)), IndexSpec(FLAT), dim)

    @classmethod
    def build(
        cls,
        ids: np.ndarray,
        vectors: np.ndarray,
        kind: str,
        *,
        target_recall: float = 0.95,
        seed: int = 0,
    ) -> VectorIndex:
        """An index of ``kind`` holding ``vectors`` under ``ids`` (trained and tuned for IVF)."""
        vectors = _as_matrix(vectors)
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        dim = vectors.shape[1]
        if kind == FLAT:
            out = cls.empty(dim)
            out.add(ids, vectors)
            return out
        if kind != IVF:
            raise ValueError(f"unknown index kind {kind!r}")
        n = len(vectors)
        nlist = nlist_for(n)
        quantizer = faiss.IndexFlatIP(dim)
        ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        ivf.own_fields = True
        quantizer.this.disown()  # the IVF index now owns (and frees) its quantizer
        ivf.cp.spherical = True  # centroids on the unit sphere, as for cosine similarity
        ivf.cp.niter = KMEANS_ITERATIONS
        ivf.cp.seed = seed
        ivf.cp.max_points_per_centroid = MAX_POINTS_PER_LIST
        rng = np.random.default_rng(seed)
        n_train = min(n, TRAIN_POINTS_PER_LIST * nlist)
        sample = vectors if n_train == n else vectors[np.sort(rng.choice(n, n_train, False))]
        ivf.train(sample)
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
        ivf.add_with_ids(vectors, ids)
        nprobe, recall = tune_nprobe(ivf, ids, vectors, target_recall, seed=seed)
        ivf.nprobe = nprobe
        spec = IndexSpec(IVF, nlist=nlist, nprobe=nprobe, trained_n=n, tuned_recall=recall)
        return cls(ivf, spec, dim)

    # --- queries and updates ------------------------------------------------------------
    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        vectors = _as_matrix(vectors)
        if len(vectors):
            self.index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))

    def remove(self, ids: np.ndarray | list[int]) -> int:
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not len(ids):
            return 0
        return int(self.index.remove_ids(ids))

    def reconstruct(self, ids: np.ndarray | list[int]) -> np.ndarray:
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        return self.index.reconstruct_batch(ids)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids), best first; missing results have id -1."""
        return self.index.search(_as_matrix(queries), k)

    def items(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (id, vector) held, read straight from the index (nothing re-embedded)."""
        if self.spec.kind == FLAT:
            ids = faiss.vector_to_array(self.index.id_map).astype(np.int64)
            inner = faiss.downcast_index(self.index.index)
            vectors = inner.reconstruct_n(0, inner.ntotal) if inner.ntotal else _empty(self.dim)
            return ids, vectors.reshape(-1, self.dim)
        ivf = faiss.extract_index_ivf(self.index)
        invlists = ivf.invlists
        all_ids, all_vectors = [], []
        for lst in range(ivf.nlist):
            size = invlists.list_size(lst)
            if not size:
                continue
            ids = faiss.rev_swig_ptr(invlists.get_ids(lst), size).copy()
            codes = faiss.rev_swig_ptr(invlists.get_codes(lst), size * ivf.code_size).copy()
            all_ids.append(ids.astype(np.int64))
            all_vectors.append(codes.view(np.float32).reshape(size, self.dim))
        if not all_ids:
            return np.empty(0, np.int64), _empty(self.dim)
        return np.concatenate(all_ids), np.concatenate(all_vectors)

    def ids(self) -> np.ndarray:
        """Every id held, in no particular order."""
        if self.spec.kind == FLAT:
            return faiss.vector_to_array(self.index.id_map).astype(np.int64)
        ivf = faiss.extract_index_ivf(self.index)
        parts = [
            faiss.rev_swig_ptr(ivf.invlists.get_ids(lst), size).astype(np.int64)
            for lst in range(ivf.nlist)
            if (size := ivf.invlists.list_size(lst))
        ]
        return np.concatenate(parts) if parts else np.empty(0, np.int64)

    # --- upkeep -------------------------------------------------------------------------
    def needs_rebuild(self, exact_limit: int) -> bool:
        """True when the size calls for the other kind, or IVF lists have grown unbalanced."""
        n = self.ntotal
        kind = wanted_kind(n, exact_limit)
        if kind != self.spec.kind:
            return True
        if kind == IVF:
            trained = max(1, self.spec.trained_n)
            return n > RETRAIN_FACTOR * trained or n * RETRAIN_FACTOR < trained
        return False

    def rebuilt(self, exact_limit: int, target_recall: float = 0.95) -> VectorIndex:
        ids, vectors = self.items()
        return VectorIndex.build(
            ids, vectors, wanted_kind(len(ids), exact_limit), target_recall=target_recall
        )

    # --- files --------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write atomically: a crash leaves the old file or the new one, never half."""
        tmp = path.with_name(path.name + ".tmp")
        faiss.write_index(self.index, str(tmp))
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, spec: IndexSpec, dim: int) -> VectorIndex:
        index = faiss.read_index(str(path))
        if index.d != dim:
            raise ValueError(f"{path} holds {index.d}-d vectors, expected {dim}")
        if spec.kind == IVF:
            faiss.extract_index_ivf(index).nprobe = max(1, spec.nprobe)
        return cls(index, spec, dim)


def tune_nprobe(
    ivf: faiss.IndexIVF,
    ids: np.ndarray,
    vectors: np.ndarray,
    target_recall: float,
    *,
    k: int = 10,
    queries: int = TUNE_QUERIES,
    seed: int = 0,
) -> tuple[int, float]:
    """The smallest power-of-two ``nprobe`` reaching ``target_recall``, then at least MIN_NPROBE.

    Queries are a sample of the indexed vectors; each one's own hit is left out of both
    result lists, so the figure is recall on its neighbours, not on finding itself.
    Returns (nprobe to use, recall measured at the smallest sufficient nprobe).
    """
    n = len(vectors)
    nlist = ivf.nlist
    if n <= k + 1:
        return nlist, 1.0
    rng = np.random.default_rng(seed + 1)
    rows = rng.choice(n, min(queries, n), replace=False)
    q = np.ascontiguousarray(vectors[rows])
    _, truth_rows = faiss.knn(q, vectors, k + 1, metric=faiss.METRIC_INNER_PRODUCT)
    own = ids[rows]
    truth = [ids[t[t != r]][:k] for t, r in zip(truth_rows, rows, strict=True)]

    saved = ivf.nprobe
    nprobe = 1
    try:
        while True:
            ivf.nprobe = min(nprobe, nlist)
            _, found = ivf.search(q, k + 1)
            found = [f[f != o][:k] for f, o in zip(found, own, strict=True)]
            recall = recall_at_k(found, truth, k)
            if recall >= target_recall or ivf.nprobe >= nlist:
                return min(nlist, max(ivf.nprobe, MIN_NPROBE)), recall
            nprobe *= 2
    finally:
        ivf.nprobe = saved


def recall_at_k(found: Sequence[np.ndarray], truth: Sequence[np.ndarray], k: int) -> float:
    """Mean share of each query's true top-k present in its returned top-k."""
    hits = [
        len(set(f[:k].tolist()) & set(t[:k].tolist())) / max(1, min(k, len(t)))
        for f, t in zip(found, truth, strict=True)
    ]
    return float(np.mean(hits)) if hits else 1.0


def _as_matrix(vectors: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)


def _empty(dim: int) -> np.ndarray:
    return np.empty((0, dim), np.float32)
