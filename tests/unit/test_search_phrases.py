"""Quoted phrases from word pairs: the same documents as Whoosh's positional Phrase matcher."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from whoosh import query as wq

from search_index import SearchEngine, build_index
from search_index.bits import BitsetCache, from_ids
from search_index.query import parse_query, words_of
from search_index.schema import PAIR_FIELD, PHRASE_BOOST, PHRASE_FIELD

HAND_PICKED = [
    "person who",
    "nervous system",
    "keep a record",
    "no contact",
    "of the",
    "it is",
    "you are not",
    "keep a record of",
    "what to say when",
    "the the",
    "a a",
    "record keep",
    "who person",
    "quetzal coatl",
    "no contact rule",
    "contact no rule",
    "to the",
    "in a way that",
]


def _corpus_phrases(corpus, n: int, seed: int = 7) -> list[tuple[str, ...]]:
    """Phrases of 2 to 5 words cut from the real content's sections, with a fixed seed."""
    rng = random.Random(seed)
    texts = [s.text for g in sorted(corpus.guides.values(), key=lambda g: g.slug) for s in g.sections if s.text]
    out: list[tuple[str, ...]] = []
    while len(out) < n:
        ws = words_of(rng.choice(texts))
        size = rng.choice((2, 2, 3, 4, 5))
        if len(ws) <= size:
            continue
        i = rng.randrange(0, len(ws) - size)
        out.append(tuple(ws[i : i + size]))
    return out


def _whoosh(oi, words: tuple[str, ...]) -> int:
    return from_ids(oi.searcher.docs_for_query(wq.Phrase(PHRASE_FIELD, list(words))), len(oi.types))


def test_pairs_give_the_same_documents_as_whoosh_phrase(search_engine, corpus) -> None:
    phrases = [tuple(words_of(p)) for p in HAND_PICKED] + _corpus_phrases(corpus, 200)
    with search_engine.lease() as oi:
        assert oi.bits is not None and oi.bits.pairs
        fresh = BitsetCache(oi.searcher, len(oi.types))
        nonempty = 0
        for words in phrases:
            ours = fresh.phrase(list(words))
            assert ours == _whoosh(oi, words), words
            nonempty += ours != 0
        assert nonempty >= 150  # most of them occur, so the comparison is not vacuous


def test_two_word_phrase_is_one_pair_posting_list(search_engine) -> None:
    with search_engine.lease() as oi:
        reader = oi.searcher.reader()
        assert reader.doc_frequency(PAIR_FIELD, "person who") == _whoosh(oi, ("person", "who")).bit_count() > 0
        assert reader.doc_frequency(PAIR_FIELD, "nervous system") > 0


@pytest.mark.parametrize("q", ['"person who"', '"keep a record"', 'leave "nervous system"', '"no contact" "the rule"'])
def test_search_results_unchanged(search_engine, q: str) -> None:
    """The whole response (hits, total, facets) as it was with Whoosh's matcher."""
    with search_engine.lease() as oi:
        assert oi.bits is not None
        ours = search_engine._search(oi, parse_query(q), (), None, None, 1, 10, True)
        saved = oi.bits
        oi.bits = BitsetCache(oi.searcher, len(oi.types))
        oi.bits.pairs = False  # as on an index built before the pair field: Whoosh's Phrase matcher
        try:
            theirs = search_engine._search(oi, parse_query(q), (), None, None, 1, 10, True)
        finally:
            oi.bits = saved
    assert ours == theirs
    assert ours["total"] > 0 or q == '"no contact" "the rule"'


def test_pairs_apart_do_not_make_a_phrase(tmp_path: Path, corpus) -> None:
    docs = [
        {
            "id": "script:a",
            "type": "script",
            "guide": "g",
            "collection": "c",
            "tags": "",
            "title": "a",
            "guide_title": "g",
            "exact": "keep a list, then a record",
        },  # "keep a" and "a record", apart
        {
            "id": "script:b",
            "type": "script",
            "guide": "g",
            "collection": "c",
            "tags": "",
            "title": "b",
            "guide_title": "g",
            "exact": "Keep a record of it",
        },
    ]
    engine = SearchEngine(build_index(corpus, tmp_path / "ix", documents=docs))
    with engine.lease() as oi:
        assert oi.bits is not None
        assert oi.bits.query(wq.Phrase(PHRASE_FIELD, ["keep", "a", "record"], boost=PHRASE_BOOST)) == 0b10
        assert oi.bits.query(wq.Phrase(PHRASE_FIELD, ["keep", "a"])) == 0b11
        assert oi.bits.query(wq.Phrase(PHRASE_FIELD, ["list", "then", "a", "record"])) == 0b01
    engine.close()


def _doc(i: int, exact: str) -> dict:
    return {
        "id": f"script:{i}",
        "type": "script",
        "guide": "g",
        "collection": "c",
        "tags": "",
        "title": str(i),
        "guide_title": "g",
        "exact": exact,
        "text": exact,
    }


def test_a_phrase_ranks_by_how_often_the_phrase_itself_occurs(tmp_path: Path, corpus) -> None:
    """Scored from its word pairs: the text that says the phrase most (for its length) comes first,
    not the one that repeats the phrase's words apart."""
    docs = [
        _doc(0, "the way of the sea, of the river, the lake and the land of the hills"),  # "of the" 3 times
        _doc(1, "of course, the the the of of of, and the end of a day in the park of the city"),  # once
        _doc(2, "a walk to the shop and the road of the town"),  # once, short
    ]
    engine = SearchEngine(build_index(corpus, tmp_path / "ix", documents=docs))
    for q in ('"of the"', 'way "of the"'):
        ranked = [h["title"] for h in engine.search(q)["hits"]]
        assert ranked[0] == "0", q
        assert sorted(ranked) == ["0", "1", "2"]
    assert [h["title"] for h in engine.search('"the the"')["hits"]] == ["1"]
    engine.close()
