"""The per-term caches' vector paths give the same numbers as the Python loops they replaced, and
warming an index fills them within its time budget (search_index/warm.py)."""

from __future__ import annotations

import random
from array import array

import search_index.warm as warm
from search_index import SearchEngine
from search_index.bits import VECTOR_MIN, from_ids, postings, to_ids
from search_index.schema import TEXT_FIELD
from search_index.score import K1, ImpactCache, _idf
from search_index.warm import warm_index, warm_words


def _loop_from_ids(ids: list[int], size: int) -> int:
    buf = bytearray((size >> 3) + 1)
    for d in ids:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


def test_from_ids_in_numpy_is_the_loop_bitset() -> None:
    rng = random.Random(5)
    for size in (1, 7, 8, 9, 64, 1000, 4099):
        for n in (0, 1, VECTOR_MIN - 1, VECTOR_MIN, size):
            ids = sorted(rng.sample(range(size), min(n, size)))
            assert from_ids(ids, size) == _loop_from_ids(ids, size)
            assert to_ids(from_ids(ids, size)) == ids


def test_impacts_in_numpy_are_the_loop_floats(search_engine) -> None:
    with search_engine.lease() as oi:
        assert oi.impacts is not None
        words = [w for w in warm_words(oi)][:200]
        cache = ImpactCache(oi.searcher, TEXT_FIELD, oi.impacts.norms, oi.impacts.doc_count)
        checked = 0
        for w in dict.fromkeys(words):
            ids, weights = postings(oi.searcher.reader(), TEXT_FIELD, w, weights=True)
            if not ids:
                continue
            idf = oi.searcher.idf(TEXT_FIELD, w) if cache.doc_count is None else _idf(cache.doc_count, len(ids))
            top = idf * (K1 + 1)
            expected = array("d", [top * x / (x + cache.norms[d]) for d, x in zip(ids, weights, strict=True)])
            got_ids, got = cache.impacts(w)
            assert list(got_ids) == ids and got == expected  # the same floats, bit for bit
            checked += 1
        assert checked > 20


def test_warming_fills_the_caches_from_the_index_and_stops_at_its_budget(search_root) -> None:
    engine = SearchEngine(search_root)
    try:
        with engine.lease() as oi:
            assert oi.impacts is not None and not oi.impacts._terms
            none = warm_index(oi, 0.0)
            assert none.stopped and none.terms == 0 and not oi.impacts._terms
            done = warm_index(oi, 60.0)  # the test corpus is small: every word within the budget
            assert not done.stopped and done.terms == len(oi.impacts._terms) > 50
            assert oi.bits is not None and len(oi.bits._terms) >= done.terms
    finally:
        engine.close()


def test_warming_leaves_half_the_caches_for_queries(search_root, monkeypatch) -> None:
    engine = SearchEngine(search_root)
    try:
        with engine.lease() as oi:
            assert oi.bits is not None
            monkeypatch.setattr(warm, "WARM_SHARE", 10 / oi.bits.max_terms)  # ten bitsets' worth
            done = warm.warm_index(oi, 60.0)
            assert done.stopped and 10 <= len(oi.bits._terms) <= 12
    finally:
        engine.close()
