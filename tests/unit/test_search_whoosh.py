"""Regression tests for the whoosh3 behaviours this package relies on (whoosh3 is young: pinned exactly)."""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from whoosh import collectors, index
from whoosh import query as wq
from whoosh.fields import TEXT, Schema
from whoosh.scoring import bm25

from search_index.bits import field_lengths, from_ids, postings, to_ids
from search_index.query import build_query, parse_query
from search_index.schema import PAIR_FIELD, PHRASE_FIELD, TEXT_FIELD, pair
from search_index.score import K1, B, top_k


def test_pinned_distribution_and_moved_imports() -> None:
    assert version("whoosh3") == "3.54.0"
    from whoosh.analysis.analyzers import CompositeAnalyzer  # noqa: F401
    from whoosh.qparser.common import QueryParserError  # noqa: F401


def test_filter_is_honoured_under_a_time_limit(search_engine) -> None:
    # Whoosh 2.7.4 silently dropped `filter=` when a time limit was set.
    with search_engine.lease() as oi:
        s = oi.searcher
        allowed = frozenset(to_ids(oi.filter_bits(("guide",), "safety-and-control", None)))
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
        ours = top_k([(oi.impacts, s, w) for s, w in plan.weighted.items()], 10)[0]
        theirs = oi.searcher.search(plan.query, limit=10).top_n
        assert [round(s, 6) for s, _ in ours] == [round(s, 6) for s, _ in theirs]
        assert {d for _, d in ours} == {d for _, d in theirs} or len(ours) == 10


@pytest.mark.parametrize("field", [TEXT_FIELD, PHRASE_FIELD, "nosuchfield"])
def test_bulk_field_lengths_match_whoosh(search_engine, field: str) -> None:
    with search_engine.lease() as oi:
        reader = oi.searcher.reader()
        n = reader.doc_count_all()
        expected = [reader.doc_field_length(d, field, 0) or 0 for d in range(n)]
        assert field_lengths(reader, field, n) == expected
        assert field == "nosuchfield" or sum(expected) > n  # real lengths, not all zeros


def test_bulk_field_lengths_read_the_column_not_each_document(search_engine, monkeypatch) -> None:
    with search_engine.lease() as oi:
        reader = oi.searcher.reader()
        n = reader.doc_count_all()
        expected = field_lengths(reader, PHRASE_FIELD, n)

        def one_by_one(*args, **kwargs):
            raise AssertionError("read one document at a time")

        monkeypatch.setattr(reader, "doc_field_length", one_by_one)
        assert field_lengths(reader, PHRASE_FIELD, n) == expected


def test_block_postings_read_whole_blocks_not_each_posting(search_engine, monkeypatch) -> None:
    """The fast postings path is taken: with whoosh3's leaf matcher, no per-posting call is made."""
    from whoosh.codec.whoosh3 import W3LeafMatcher

    with search_engine.lease() as oi:
        reader = oi.searcher.reader()
        expected = postings(reader, TEXT_FIELD, "contact", weights=True)
        assert len(expected[0]) > 2

        def one_by_one(*args, **kwargs):
            raise AssertionError("read one posting at a time")

        for name in ("id", "weight", "next"):
            monkeypatch.setattr(W3LeafMatcher, name, one_by_one)
        assert postings(reader, TEXT_FIELD, "contact", weights=True) == expected


def test_without_whoosh3_internals_the_public_api_gives_the_same(search_engine, monkeypatch) -> None:
    """A whoosh3 release that renamed its internals: postings and lengths come the slow, public way."""

    class PublicOnly:  # a matcher with the public API only
        def __init__(self, m) -> None:
            self.is_active, self.id, self.weight, self.next = m.is_active, m.id, m.weight, m.next

    with search_engine.lease() as oi:
        reader = oi.searcher.reader()
        n = reader.doc_count_all()
        fast = postings(reader, TEXT_FIELD, "contact", weights=True), field_lengths(reader, PHRASE_FIELD, n)
        monkeypatch.setitem(sys.modules, "whoosh.codec.whoosh3", None)  # its import now fails
        real = reader.postings
        monkeypatch.setattr(reader, "postings", lambda *a, **kw: PublicOnly(real(*a, **kw)))
        slow = postings(reader, TEXT_FIELD, "contact", weights=True), field_lengths(reader, PHRASE_FIELD, n)
        assert slow == fast


def test_field_lengths_of_an_index_in_several_segments(tmp_path: Path) -> None:
    """A reader over several segments has no single length column: the per-document path."""
    ix = index.create_in(str(tmp_path), Schema(body=TEXT()))
    for words in (["one two three"], ["four five", "six"]):
        w = ix.writer()
        for text in words:
            w.add_document(body=text)
        w.commit(merge=False)
    with ix.reader() as reader:
        assert not reader.is_atomic()
        assert field_lengths(reader, "body", 3) == [3, 2, 1]
    ix.close()


@pytest.mark.parametrize(
    "field, text",
    [
        (TEXT_FIELD, "contact"),
        (TEXT_FIELD, "grief"),
        (PAIR_FIELD, pair("no", "contact")),
        (PAIR_FIELD, pair("of", "the")),
    ],
)
def test_impacts_are_whoosh_bm25(search_engine, field: str, text: str) -> None:
    """Each posting's impact is Whoosh's bm25() with the document's length; pairs borrow the
    unstemmed field's lengths (the pair field stores none)."""
    lengths_field = PHRASE_FIELD if field == PAIR_FIELD else field
    with search_engine.lease() as oi:
        s, reader = oi.searcher, oi.searcher.reader()
        cache = oi.pair_impacts if field == PAIR_FIELD else oi.impacts
        assert cache is not None
        ids, scores = cache.impacts(text)
        m = reader.postings(field, text)
        expected = []
        while m.is_active():
            fl = reader.doc_field_length(m.id(), lengths_field, 0)
            avgfl = s.avg_field_length(lengths_field)
            expected.append((m.id(), bm25(s.idf(field, text), m.weight(), fl, avgfl, B, K1)))
            m.next()
        assert len(expected) > 2
        assert list(ids) == [d for d, _ in expected]
        assert scores.tolist() == pytest.approx([x for _, x in expected], rel=1e-12)


def test_top_k_keeps_only_allowed_documents(search_engine) -> None:
    with search_engine.lease() as oi:
        assert oi.impacts is not None
        ids, _ = oi.impacts.impacts("contact")
        some = list(ids)[::3]
        allowed = from_ids(some, len(oi.types))
        ranked, scored = top_k([(oi.impacts, "contact", 1.0)], 1000, allowed)
        assert scored == len(ids) > len(some)
        assert sorted(d for _, d in ranked) == sorted(some)
        assert top_k([(oi.impacts, "contact", 1.0)], 10, 0)[0] == []


def test_hash_pinned_whoosh3_is_the_version_pyproject_pins() -> None:
    """scripts/whoosh3-hashes.txt installs whoosh3 only from files with known hashes; the version
    there, in pyproject.toml and installed must be one and the same."""
    import tomllib

    root = Path(__file__).resolve().parents[2]
    hashed = (root / "scripts" / "whoosh3-hashes.txt").read_text(encoding="utf-8")
    pins = [
        d
        for d in tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
        if d.startswith("whoosh3")
    ]
    assert pins == [f"whoosh3=={version('whoosh3')}"]
    assert f"{pins[0]} \\" in hashed and hashed.count("--hash=sha256:") == 2
