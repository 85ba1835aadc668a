"""Top-k scoring from cached per-term impacts (BM25F partial scores), instead of Whoosh's collector.

Profiling showed a Whoosh query spends nearly all its time in the collector: several Python calls
per matching posting (matcher tree, scorer, field-length column), and block-quality skipping
rarely applies because title words carry a high weight in most blocks. Here each term's postings
are read once per index version and turned into (docnums, scores) arrays with Whoosh's own BM25
formula and statistics (idf, average and per-document field length); a query then adds arrays in
one tight loop and takes the top k with heapq. Results are the same ranking as Whoosh's BM25F on
this schema (a test checks it); phrases still run on Whoosh's positional matcher.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Collection, Iterable
from operator import itemgetter
from typing import Any

from whoosh.scoring import bm25

from search_index.bits import postings

B = 0.75  # Whoosh's BM25F defaults
K1 = 1.2
CACHE_POSTINGS = 2_000_000  # impacts kept per open index (12 bytes each), least recently used out


class ImpactCache:
    """(docnums, scores) per term of one field, computed once per index version."""

    def __init__(self, searcher: Any, field: str, size: int) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.field = field
        self.avgfl = searcher.avg_field_length(field) or 1.0
        self.lengths = [self.reader.doc_field_length(d, field, 0) for d in range(size)]
        self._terms: dict[str, tuple[array, array]] = {}
        self._held = 0

    def impacts(self, text: str) -> tuple[array, array]:
        found = self._terms.pop(text, None)  # pop + set: recently used terms stay at the end
        if found is None:
            ids, weights = postings(self.reader, self.field, text, weights=True)
            idf, avgfl, lengths = self.searcher.idf(self.field, text), self.avgfl, self.lengths
            scores = array("d", [bm25(idf, w, lengths[d], avgfl, B, K1) for d, w in zip(ids, weights, strict=True)])
            found = (array("i", ids), scores)
            self._held += len(ids)
        self._terms[text] = found
        while self._held > CACHE_POSTINGS and len(self._terms) > 1:
            old = next(iter(self._terms))
            self._held -= len(self._terms.pop(old)[0])
        return found


def top_k(cache: ImpactCache, weighted: Iterable[tuple[str, float]], k: int,
          allowed: Collection[int] | None = None) -> tuple[list[tuple[float, int]], int]:
    """The k best (score, docnum) for a sum of weighted terms, and how many documents scored > 0."""
    acc: dict[int, float] = {}
    get = acc.get
    for text, weight in weighted:
        ids, scores = cache.impacts(text)
        if weight == 1.0:
            for d, s in zip(ids, scores, strict=True):
                acc[d] = get(d, 0.0) + s
        else:
            for d, s in zip(ids, scores, strict=True):
                acc[d] = get(d, 0.0) + s * weight
    items: Iterable[tuple[int, float]] = acc.items()
    if allowed is not None:
        items = [(d, s) for d, s in items if d in allowed]
    best = heapq.nlargest(k, items, key=itemgetter(1))
    return [(s, d) for d, s in best], len(acc)
