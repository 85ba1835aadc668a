"""search_index.score.top_k sums with numpy: the same scores, order and count as one Python loop."""

from __future__ import annotations

import heapq
import random
from array import array
from operator import itemgetter
from typing import Any

import pytest

from search_index.score import top_k


class _Cache:
    def __init__(self, terms: dict[str, tuple[array, array]]) -> None:
        self.terms = terms

    def impacts(self, text: str) -> tuple[array, array]:
        return self.terms[text]


def _reference(weighted: Any, k: int, allowed: int | None, factors: dict[int, float] | None, rank: Any) -> Any:
    """The loop top_k was before numpy (a dict per document), kept as the definition."""
    acc: dict[int, float] = {}
    for cache, text, weight in weighted:
        ids, scores = cache.impacts(text)
        for d, s in zip(ids, scores, strict=True):
            acc[d] = acc.get(d, 0.0) + (s if weight == 1.0 else s * weight)
    if factors:
        floor = max(acc.values(), default=1.0) * 0.05
        for d, f in factors.items():
            acc[d] = acc.get(d, floor) * f
    items = list(acc.items())
    if allowed is not None:
        items = [(d, s) for d, s in items if allowed >> d & 1]
    best = heapq.nlargest(k, items, key=itemgetter(1))
    if best:
        kth = best[-1][1]
        order = rank.__getitem__ if rank is not None else int
        tied = [(d, s) for d, s in items if s >= kth] if len(best) == k else best
        best = sorted(tied, key=lambda it: (-it[1], order(it[0])))[:k]
    return [(s, d) for d, s in best], len(acc)


def _term(rng: random.Random, n: int, tied: bool) -> tuple[array, array]:
    ids = sorted(rng.sample(range(n), rng.randint(0, n // 2)))
    scores = [rng.choice((1.0, 2.0)) if tied else rng.random() * 5 for _ in ids]
    return array("i", ids), array("d", scores)


@pytest.mark.parametrize("seed", range(40))
def test_top_k_equals_the_python_loop(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.choice((5, 50, 400))
    tied = seed % 3 == 0  # many equal scores: the stable tie order decides
    cache = _Cache({f"t{i}": _term(rng, n, tied) for i in range(rng.randint(0, 6))})
    weighted = [(cache, t, rng.choice((1.0, 0.4, 2.5))) for t in cache.terms]
    allowed = rng.getrandbits(n) if seed % 2 else None
    factors = {rng.randrange(n + 20): rng.choice((1.5, 99.0, 1000.0)) for _ in range(rng.randint(0, 4))} or None
    rank = rng.sample(range(n + 20), n + 20) if seed % 4 == 1 else None
    for k in (0, 1, 3, 10, n):
        assert top_k(weighted, k, allowed, factors, rank) == _reference(weighted, k, allowed, factors, rank)
