"""No dead ends by meaning (api/search_fallback.py): a query whose words are in no guide is answered
by the guides closest in meaning, says so in `fallback`, keeps the safety guides first and the
caller's scope, and nonsense gets an honest empty answer.

On the real content: "perpetually splitting then reuniting" shares no content word with any guide
(nor a typo of one, nor a vocabulary reading), and only the on-again-off-again guide is about it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from api import search_hints
from api.app import create_app
from api.content import load_corpus
from api.content.scope import restrict
from api.partner_keys import hash_key
from api.patterns import build_analyzer
from api.patterns.meaning import VectorTable
from api.search_fallback import read, weak
from api.semantic import DIM
from tests.conftest import CONTENT

CYCLE = "perpetually splitting then reuniting"  # the on-again-off-again guide, by meaning only
SCOPED = "test-key-breakup-recovery-0001"  # sees breakup-recovery only (not on-again-off-again's collection)


def _search(client, q: str, **params) -> dict:
    r = client.get("/v1/search", query_string={"q": q, "group": "guide", **params})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def test_a_query_in_no_guides_words_is_answered_by_meaning(client) -> None:
    body = _search(client, CYCLE)
    assert body["fallback"] in ("related", "meaning")
    assert body["items"][0]["guide"] == "on-again-off-again"
    assert body["items"][0]["type"] == "guide" and body["items"][0]["sections"] == []
    assert body["total"] == len(body["items"]) <= 10  # only the guides close in meaning, not every guide


def test_the_fallback_does_not_fire_when_the_words_hit(client) -> None:
    for q in ("no contact", "why do i keep going back to my ex", "ghosted"):
        body = _search(client, q)
        assert body["fallback"] is None and body["items"], q


def test_weak_words_are_those_the_guides_are_not_about() -> None:
    a = build_analyzer(load_corpus(CONTENT)[0])
    assert weak(CYCLE, a) and weak("adoring then aloof", a)
    assert not weak("boundaries", a)  # a word of the guides
    assert not weak("boundries", a)  # a typo of one
    assert not weak("ghosted", a)  # read by the vocabulary file as words of the guides


def test_broad_readings_alone_are_weak_telling_ones_are_not() -> None:
    """ "boyfriend" (-> partner), "dumped" (-> breakup) say who or what, not which pattern: a query
    understood only through them is weak; slang the vocabulary reads as a pattern is not."""
    a = build_analyzer(load_corpus(CONTENT)[0])
    for q in ("boomerang boyfriend", "dumped w zero clarity", "unread dms freaking out"):
        r = read(q, a)
        assert r.weak and r.broad and r.english, q
    for q in ("ghosted", "nc", "gaslighting", "situationship", "he ghosted me", "custody", "hoovering"):
        assert not read(q, a).weak, q
    r = read(CYCLE, a)
    assert r.weak and not r.broad  # no vocabulary reading at all
    assert not read("zzqx qqzv", a).english


def test_a_query_understood_only_through_broad_readings_is_answered_by_meaning(client) -> None:
    body = _search(client, "boomerang boyfriend")
    assert body["fallback"] == "related"
    guides = [h["guide"] for h in body["items"]]
    # Not the guide that talks most of partners (the words' first answer before: jealousy and phone checking).
    assert guides[0] != "jealousy-and-phone-checking" and "on-again-off-again" in guides[:2], guides
    assert body["items"][0]["sections"] == [] and len(guides) <= 10


@pytest.mark.parametrize("q", ["quantum chromodynamics", "zzqx qqzv", "sourdough starter"])
def test_nonsense_gets_an_honest_empty_answer(client, q: str) -> None:
    body = _search(client, q)
    assert body["fallback"] != "meaning"
    if body["fallback"] is None:
        assert body["items"] == [] and body["total"] == 0


def test_a_danger_query_gets_the_notice_and_the_safety_guides_first(client) -> None:
    body = _search(client, "husband isolates me")
    assert body["fallback"] in ("related", "meaning")
    assert body["safety"] is not None and body["safety"]["guides"]
    safe = {g["slug"] for g in body["safety"]["guides"]}
    firsts = [h["guide"] for h in body["items"][: len(safe)]]
    assert set(firsts) == safe, firsts


def _keys(path: Path) -> Path:
    keys = [{"name": "scoped", "sha256": hash_key(SCOPED), "collections": ["breakup-recovery"], "limit": "1000/minute"}]
    path.write_text(yaml.safe_dump({"anonymous": {"allowed": True}, "keys": keys}), encoding="utf-8")
    return path


def test_the_fallback_respects_the_callers_scope(tmp_path: Path) -> None:
    client = create_app({"TESTING": True, "PARTNER_KEYS_FILE": str(_keys(tmp_path / "keys.yaml"))}).test_client()
    corpus, _ = load_corpus(CONTENT)
    everyone = _search(client, CYCLE)
    assert everyone["items"][0]["guide"] == "on-again-off-again"
    r = client.get("/v1/search", query_string={"q": CYCLE, "group": "guide"}, headers={"X-API-Key": SCOPED})
    scoped = r.get_json()
    assert r.status_code == 200 and scoped["items"], scoped
    assert {corpus.guides[h["guide"]].collection for h in scoped["items"]} == {"breakup-recovery"}
    assert all(f["value"] == "breakup-recovery" for f in scoped["facets"]["collection"])


def test_scoped_analyzers_index_into_the_one_matrix() -> None:
    """A partner scope's analyzer shares the release's vector matrix (no copy per scope) and reads
    the same cosines for its guides as the whole corpus's analyzer."""
    corpus, _ = load_corpus(CONTENT)
    rng = np.random.default_rng(7)
    raw = rng.normal(size=(len(corpus.guides), DIM)).astype(np.float32)
    table = VectorTable({g.digest: v / np.linalg.norm(v) for g, v in zip(corpus.guides.values(), raw, strict=True)})
    full = build_analyzer(corpus, vectors=table)
    scoped = build_analyzer(restrict(corpus, frozenset({"breakup-recovery"})), vectors=table)
    assert full.vectors is not None and scoped.vectors is not None
    assert scoped.vectors.matrix is full.vectors.matrix is table.matrix
    assert 0 < len(scoped.guides) < len(full.guides)
    q = raw[0] / np.linalg.norm(raw[0])
    every, mine = full.vectors @ q, scoped.vectors @ q
    assert [float(mine[i]) for i, g in enumerate(scoped.guides)] == [
        float(every[full.index[g.slug]]) for g in scoped.guides
    ]


@pytest.mark.parametrize(
    "q,best",
    [
        # blind search set 10 (spent): the words alone put other guides first
        ("what do i say when he asks to give it one more try for the fifth time", "on-again-off-again"),
        ("why does he act so into me one week and then go cold the next", "hot-and-cold-relationships"),
    ],
)
def test_a_query_of_several_words_is_ranked_by_meaning_too(client, monkeypatch, q: str, best: str) -> None:
    assert [h["guide"] for h in _search(client, q)["items"]][0] == best
    monkeypatch.setattr(search_hints, "MEANING_WORDS", 99)  # the words alone ("?": not a cached answer)
    assert [h["guide"] for h in _search(client, q + "?")["items"]][0] != best
