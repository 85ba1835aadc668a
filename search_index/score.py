"""Top-k scoring from cached per-term impacts (BM25F partial scores), instead of Whoosh's collector.

Profiling showed a Whoosh query spends nearly all its time in the collector: several Python calls
per matching posting (matcher tree, scorer, field-length column), and block-quality skipping
rarely applies because title words carry a high weight in most blocks. Here each term's postings
are read once per index version and turned into (docnums, scores) arrays with Whoosh's own BM25
formula and statistics (idf, average and per-document field length); a query then adds arrays in
numpy vector additions and takes the top k. Results are the same ranking as Whoosh's BM25F on
this schema (a test checks it). A quoted phrase is scored from its word pairs' postings (the
`pairs` field), so it reads one short list per pair, not the long lists of words like "the".
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from contextlib import suppress
from math import log
from typing import Any

import numpy as np
from cachetools import LRUCache

from search_index.bits import field_lengths, postings

B = 0.75  # Whoosh's BM25F defaults
K1 = 1.2
CACHE_POSTINGS = 2_000_000  # impacts kept per open index (12 bytes each), least recently used out


def bm25_norms(searcher: Any, field: str, size: int, avgfl: float | None = None) -> list[float]:
    """BM25's per-document part for one field: `K1 * ((1 - B) + B * fl / avgfl)` for length fl.

    `avgfl`: the live documents' average (an incremental index's meta.json); else Whoosh's."""
    avgfl = avgfl or searcher.avg_field_length(field) or 1.0
    return [K1 * ((1 - B) + B * fl / avgfl) for fl in field_lengths(searcher.reader(), field, size)]


class ImpactCache:
    """(docnums, scores) per term of one field, computed once per index version.

    BM25 is Whoosh's `bm25()` with its per-document part precomputed (`norms`, see `bm25_norms`):
    the impact of frequency tf in document d is `idf * tf * (K1 + 1) / (tf + norms[d])` (a test checks
    it equals Whoosh's scorer). The word-pair field has no lengths of its own: it is given the
    unstemmed field's norms. `doc_count`: the live documents; with it, idf is Whoosh's formula over
    the live postings (Whoosh's own counts deleted documents until their segment merges).
    """

    def __init__(self, searcher: Any, field: str, norms: list[float], doc_count: int | None = None) -> None:
        self.searcher = searcher
        self.doc_count = doc_count
        self.reader = searcher.reader()
        self.field = field
        self.norms = norms
        self._norms = np.asarray(norms, dtype=np.float64)  # (the same floats, for vector arithmetic)
        # Bounded by the postings held (a term's size is its number of documents).
        self._terms: LRUCache[str, tuple[array, array]] = LRUCache(CACHE_POSTINGS, getsizeof=lambda v: len(v[0]))

    def ids(self, text: str) -> array:
        """The term's docnums (its scores are computed and kept on the way)."""
        return self.impacts(text)[0]

    def impacts(self, text: str) -> tuple[array, array]:
        found = self._terms.get(text)
        if found is None:
            ids, weights = postings(self.reader, self.field, text, weights=True)
            idf = self.searcher.idf(self.field, text) if self.doc_count is None else _idf(self.doc_count, len(ids))
            top = idf * (K1 + 1)
            d = np.asarray(ids, dtype=np.intc)
            w = np.asarray(weights, dtype=np.float64)
            # `top * w / (w + norms[d])` per posting, in numpy: the same IEEE operations in the same
            # order as the Python loop it replaced (a test compares them), without a call per posting.
            found = (_array("i", d), _array("d", top * w / (w + self._norms[d])))
            with suppress(ValueError):  # a term with more postings than the whole budget is not kept
                self._terms[text] = found
        return found


def _array(code: str, values: np.ndarray) -> array:
    out = array(code)
    out.frombytes(values.tobytes())
    return out


def _idf(doc_count: int, df: int) -> float:
    """Whoosh's idf (whoosh.scoring.WeightingModel.idf), from live counts."""
    return log(doc_count / (df + 1)) + 1


def top_k(
    weighted: Iterable[tuple[ImpactCache, str, float]],
    k: int,
    allowed: int | None = None,
    factors: dict[int, float] | None = None,
    rank: list[int] | None = None,
) -> tuple[list[tuple[float, int]], int]:
    """The k best (score, docnum) for a sum of weighted terms (each from its own field's cache),
    among the documents in `allowed` (a bitset; None: all), and how many documents scored > 0.

    `factors` multiply the scores of some documents (a guide the reader's situation fits, a safety
    guide); one that no term scored starts from a sliver of the best score. Equal scores are
    ordered by `rank` (a document's place in a full build; None: its docnum).

    The sums are numpy's, one vector addition per term over the documents' scores: at 10,000 guides
    a query of common words adds several hundred thousand postings, which a Python loop did one by
    one. Each document's sum is made of the same additions in the same order, so the scores are
    the same floats."""
    terms = [cache.impacts(text) + (weight,) for cache, text, weight in weighted]
    size = max((ids[-1] + 1 for ids, _, _ in terms if len(ids)), default=0)
    if factors:
        size = max(size, max(factors) + 1)
    acc = np.zeros(size)
    touched = np.zeros(size, dtype=bool)
    for ids, scores, weight in terms:
        d = np.frombuffer(ids, dtype=np.intc)
        s = np.frombuffer(scores, dtype=np.float64)
        acc[d] += s if weight == 1.0 else s * weight  # a term's docnums are distinct
        touched[d] = True
    if factors:
        floor = float(acc[touched].max()) * 0.05 if touched.any() else 1.0 * 0.05
        for d_, f in factors.items():
            acc[d_] = (acc[d_] if touched[d_] else floor) * f
            touched[d_] = True
    scored = int(touched.sum())
    if allowed is not None:
        mask = np.frombuffer(allowed.to_bytes((allowed.bit_length() >> 3) + 1, "little"), dtype=np.uint8)
        bits = np.unpackbits(mask, bitorder="little")[:size]
        touched[: len(bits)] &= bits.astype(bool)
        touched[len(bits) :] = False
    docs = np.flatnonzero(touched)
    if not len(docs) or k <= 0:
        return [], scored
    values = acc[docs]
    if len(docs) > k:  # every document tied with the k-th best, in a stable order after
        kth = np.partition(values, len(values) - k)[len(values) - k]
        keep = values >= kth
        docs, values = docs[keep], values[keep]
    order = rank.__getitem__ if rank is not None else int
    best = sorted(zip(docs.tolist(), values.tolist(), strict=True), key=lambda it: (-it[1], order(it[0])))[:k]
    return [(s, d) for d, s in best], scored
