"""Issue 21, the index side: an incremental index build answers as a full build of the same content.

The real content, changed the ways editors change it (edits, a rename, a deletion, a collection
change, a new guide), indexed incrementally from the previous index and in full: the same hits in
the same order (ties broken by a stable key: a document's place in a full build), the same
totals, facets and did-you-mean, and scores equal to 1e-9 (BM25's statistics come from
meta.json's live counts, not Whoosh's, which count deleted documents until a merge). The
previous directory is left untouched; a schema change forces a full build.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

import search_index.build as build
import search_index.incremental as incremental
import search_index.segments as segments
from api.content import Corpus
from search_index import SearchEngine, build_index
from search_index.meta import META

QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("contact", {}),
    ("no contact rule", {}),
    ('"no contact"', {}),
    ("boundaries text", {}),
    ("missing them at night", {}),
    ("breakup", {"types": ("section",)}),
    ("feel", {"group": True}),
    ("bondary", {}),  # a typo
    ("what if", {}),  # stop words only
    ("change changed changing", {}),
    ("safe", {"types": ("script",)}),
]
TOLERANCE = 1e-9


def _edited(g: Any, words: str) -> Any:
    return dataclasses.replace(g, summary=f"{g.summary} {words}")


def changed(corpus: Corpus, round_: int) -> Corpus:
    """Edits, a rename, a deletion, a collection change and a new guide, different each round."""
    guides = dict(corpus.guides)
    slugs = sorted(s for s in guides if s != "no-contact-rule")
    edit, rename, delete, move = (slugs[(round_ * 4 + i) % len(slugs)] for i in range(4))
    guides[edit] = _edited(guides[edit], f"Round {round_}: missing them at night, contact changed.")
    other = sorted(c for c in corpus.collections if c != guides[move].collection)[0]
    guides[move] = dataclasses.replace(guides[move], collection=other)
    g = guides.pop(rename)
    guides[f"{rename}-r{round_}"] = dataclasses.replace(g, slug=f"{rename}-r{round_}")
    guides.pop(delete, None)
    src = guides["no-contact-rule"]
    guides[f"new-guide-{round_}"] = _edited(dataclasses.replace(src, slug=f"new-guide-{round_}"), "boundaries text")
    return dataclasses.replace(corpus, guides=guides, version=f"v{round_}")


def answers(directory: Path) -> list[dict[str, Any]]:
    engine = SearchEngine(directory, cache_entries=0)
    try:
        out = []
        for q, kw in QUERIES:
            r = engine.search(q, page_size=20, **kw)
            hits = [(h["type"], h["guide"], h["anchor"], h["script"], h["score"]) for h in r["hits"]]
            out.append({"q": q, "total": r["total"], "facets": r["facets"], "dym": r["did_you_mean"], "hits": hits})
        return out
    finally:
        engine.close()


def assert_same(inc: list[dict[str, Any]], full: list[dict[str, Any]]) -> None:
    for a, b in zip(inc, full, strict=True):
        assert (a["q"], a["total"], a["facets"], a["dym"]) == (b["q"], b["total"], b["facets"], b["dym"])
        assert [h[:4] for h in a["hits"]] == [h[:4] for h in b["hits"]], a["q"]
        assert all(abs(x[4] - y[4]) <= TOLERANCE for x, y in zip(a["hits"], b["hits"], strict=True)), a["q"]


def keys_of(corpus: Corpus) -> dict[str, str]:
    """Per guide, the content address of the guide object (as the release's corpus pack gives)."""
    return {s: hashlib.sha256(pickle.dumps(g)).hexdigest() for s, g in corpus.guides.items()}


def snapshot(directory: Path) -> dict[str, tuple[str, float]]:
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime) for p in directory.iterdir()}


@pytest.fixture
def small_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several segments and merges on the small real content: chunks of ~40 documents written in
    parallel, and the merge policy's thresholds scaled down."""
    monkeypatch.setattr(segments, "CHUNK_DOCS", 40)
    monkeypatch.setattr(segments, "PARALLEL_MIN_DOCS", 50)
    monkeypatch.setattr(incremental, "SMALL_DOCS", 30)
    monkeypatch.setattr(incremental, "MAX_SMALL", 2)
    monkeypatch.setattr(incremental, "FULL_SHARE", 0.9)


@pytest.mark.parametrize("with_keys", [False, True], ids=["documents-compared", "keys-given"])
def test_incremental_builds_answer_as_full_builds(
    tmp_path: Path, corpus: Corpus, small_segments: None, with_keys: bool
) -> None:
    previous = build_index(corpus, tmp_path / "ix0", keys=keys_of(corpus) if with_keys else None)
    assert len(list(previous.glob("*.trm"))) >= 3  # the full build: several segments, two processes
    current, deleted_kept = corpus, 0
    for round_ in range(1, 5):
        current = changed(current, round_)
        before = snapshot(previous)
        inc = build_index(
            current, tmp_path / f"inc{round_}", previous=previous, keys=keys_of(current) if with_keys else None
        )
        assert snapshot(previous) == before  # the live index is never written
        inodes = {p.stat().st_ino for p in previous.glob("*.pst")}
        assert inodes & {p.stat().st_ino for p in inc.glob("*.pst")}  # segments reused (hard links)
        full = build_index(current, tmp_path / f"full{round_}")
        meta = json.loads((inc / META).read_text())
        assert meta["stats"] == json.loads((full / META).read_text())["stats"]
        assert sum(1 for g in meta["guides"] if g) == meta["stats"]["docs"]
        deleted_kept += meta["guides"].count("")  # deleted documents still in their segments
        assert_same(answers(inc), answers(full))
        previous = inc
    assert deleted_kept
    # The chain left a bounded number of segments (the merge policy ran).
    assert len(list(previous.glob("*.trm"))) <= 4 + incremental.MAX_SMALL + 1


def test_an_unchanged_corpus_reuses_every_segment(tmp_path: Path, corpus: Corpus) -> None:
    first = build_index(corpus, tmp_path / "a")
    second = build_index(dataclasses.replace(corpus, version="again"), tmp_path / "b", previous=first)
    inodes = {p.stat().st_ino for p in first.glob("*.pst")}
    assert {p.stat().st_ino for p in second.glob("*.pst")} == inodes  # hard-linked, nothing rewritten
    assert_same(answers(second), answers(first))


@pytest.mark.parametrize("damage", ["fingerprint", "missing", "unreadable"])
def test_a_full_build_when_the_previous_index_cannot_be_reused(tmp_path: Path, corpus: Corpus, damage: str) -> None:
    first = build_index(corpus, tmp_path / "a")
    if damage == "fingerprint":  # as after a change to the schema or the analyzers
        meta = json.loads((first / META).read_text())
        (first / META).write_text(json.dumps({**meta, "fingerprint": "another schema"}))
        previous = first
    elif damage == "missing":
        previous = tmp_path / "nothing"
    else:
        previous = tmp_path / "broken"
        previous.mkdir()
        (previous / META).write_text("{not json")
    edited = changed(corpus, 1)
    second = build_index(edited, tmp_path / "b", previous=previous)
    inodes = {p.stat().st_ino for p in first.glob("*.pst")}
    assert not inodes & {p.stat().st_ino for p in second.glob("*.pst")}  # nothing reused
    assert_same(answers(second), answers(build_index(edited, tmp_path / "c")))


@pytest.fixture
def converted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The slugs of the guides the index build turns into documents, in turn."""
    seen: list[str] = []
    real = build.guide_documents

    def counting(g: Any) -> Any:
        seen.append(g.slug)
        return real(g)

    monkeypatch.setattr(build, "guide_documents", counting)
    return seen


def test_with_keys_only_changed_guides_are_turned_into_documents(
    tmp_path: Path, corpus: Corpus, converted: list[str], small_segments: None
) -> None:
    first = build_index(corpus, tmp_path / "a", keys=keys_of(corpus))
    assert sorted(converted) == sorted(corpus.guides)
    edited = changed(corpus, 1)
    converted.clear()
    second = build_index(edited, tmp_path / "b", previous=first, keys=keys_of(edited))
    new = {s for s, g in edited.guides.items() if corpus.guides.get(s) != g}
    assert len(new) == 4 and sorted(converted) == sorted(new)  # edit, move, rename, new guide
    assert {p.stat().st_ino for p in first.glob("*.pst")} & {p.stat().st_ino for p in second.glob("*.pst")}
    assert_same(answers(second), answers(build_index(edited, tmp_path / "full")))
    # The unchanged corpus again: nothing is converted.
    converted.clear()
    third = build_index(
        dataclasses.replace(edited, version="again"), tmp_path / "c", previous=second, keys=keys_of(edited)
    )
    assert converted == []
    assert_same(answers(third), answers(second))


@pytest.mark.parametrize("why", ["document-code", "no-keys-before"])
def test_every_guide_is_converted_when_the_keys_cannot_be_trusted(
    tmp_path: Path,
    corpus: Corpus,
    converted: list[str],
    small_segments: None,
    monkeypatch: pytest.MonkeyPatch,
    why: str,
) -> None:
    first = build_index(corpus, tmp_path / "a", keys=keys_of(corpus) if why == "document-code" else None)
    if why == "document-code":  # as after an edit to search_index/documents.py
        monkeypatch.setattr(incremental, "documents_code", lambda: "other code")
    edited = changed(corpus, 1)
    converted.clear()
    second = build_index(edited, tmp_path / "b", previous=first, keys=keys_of(edited))
    assert sorted(converted) == sorted(edited.guides)
    assert {p.stat().st_ino for p in first.glob("*.pst")} & {p.stat().st_ino for p in second.glob("*.pst")}
    assert_same(answers(second), answers(build_index(edited, tmp_path / "full")))
