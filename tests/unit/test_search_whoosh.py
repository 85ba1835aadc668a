"""Regression tests for the whoosh3 behaviours this package relies on (whoosh3 is young: pinned exactly)."""

from __future__ import annotations

from importlib.metadata import version

import pytest
from whoosh import collectors
from whoosh import query as wq

from search_index.bits import postings
from search_index.query import build_query, parse_query
from search_index.schema import TEXT_FIELD
from search_index.score import top_k


def test_pinned_distribution_and_moved_imports() -> None:
    assert version("whoosh3") == "3.54.0"
    from whoosh.analysis.analyzers import CompositeAnalyzer  # noqa: F401
    from whoosh.qparser.common import QueryParserError  # noqa: F401


def test_filter_is_honoured_under_a_time_limit(search_engine) -> None:
    # Whoosh 2.7.4 silently dropped `filter=` when a time limit was set.
    with search_engine.lease() as oi:
        s = oi.searcher
        allowed = oi.filter_set(("guide",), "safety-and-control", None)
        c = collectors.TimeLimitCollector(s.collector(limit=50, filter=set(allowed)), 5.0, use_alarm=False)
        s.search_with_collector(wq.Term(TEXT_FIELD, "contact"), c)
        docs = [d for _, d in c.results().top_n]
        assert docs and set(docs) <= allowed


@pytest.mark.parametrize("term", ["contact", "boundari", "grief", "safeti", "nonexistentterm"])
def test_block_postings_reader_matches_whoosh(search_engine, term: str) -> None:
    with search_engine.lease() as oi:
        ids, weights = postings(oi.searcher.reader(), TEXT_FIELD, term, weights=True)
        m = oi.searcher.reader().postings(TEXT_FIELD, term) if ids else None
        expected: list[tuple[int, float]] = []
        while m is not None and m.is_active():
            expected.append((m.id(), m.weight()))
            m.next()
        assert list(zip(ids, weights, strict=True)) == expected


@pytest.mark.parametrize("q", ["no contact", "why do i miss my ex", "boundries guilt", "stay frie"])
def test_cached_impacts_rank_like_whoosh_bm25f(search_engine, q: str) -> None:
    with search_engine.lease() as oi:
        plan = build_query(parse_query(q), oi.vocab)
        ours = top_k(oi.impacts, plan.weighted.items(), 10)[0]
        theirs = oi.searcher.search(plan.query, limit=10).top_n
        assert [round(s, 6) for s, _ in ours] == [round(s, 6) for s, _ in theirs]
        assert {d for _, d in ours} == {d for _, d in theirs} or len(ours) == 10
