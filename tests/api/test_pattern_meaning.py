"""The pattern check's meaning factor: guide vectors made at publish, the situation's vector per request.

What it adds is meaning the words miss ("toxic", "the good times": a reader who misses a relationship
that hurt). Without guide vectors (a bundle written before them) or without the encoder the check
answers with its lexical ranking, never a 500; a publish whose encoder cannot load says why.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from api.app import create_app
from api.content import load_corpus
from api.releases import ReleaseStore
from api.releases import vectors as guide_vectors
from api.semantic import DIM, EncoderUnavailable
from tests.conftest import CONTENT, publish_app

URL = "/v1/pattern-check"
MISSING_THE_GOOD = "It was toxic and I know that, but all I can think about is the good times we had"


def _ranking(client, situation: str) -> list[str]:
    r = client.post(URL, json={"situation": situation, "limit": 10})
    assert r.status_code == 200, r.get_data(as_text=True)
    return [x["slug"] for x in r.get_json()["results"]]


def _unavailable(*_args, **_kwargs):
    raise EncoderUnavailable("the sentence encoder's model package is not installed (test)")


def test_meaning_ranks_the_guides_the_words_miss_first(client, corpus) -> None:
    """The words alone put hot-and-cold first. Meaning puts the two guides on missing a relationship
    that hurt first and second. Until session 30 the guide on missing an ex came first; with the
    guides' sounds_like examples, the guide on grieving a relationship that hurt does. The judged set
    accepts both for "I only remember the good times and forget how bad it was"."""
    from api.patterns import build_analyzer

    words = [r["slug"] for r in build_analyzer(corpus).check(MISSING_THE_GOOD, limit=5)["results"]]
    both = {"why-do-i-miss-my-ex", "grieving-a-relationship-that-hurt"}
    assert words[0] not in both
    assert set(_ranking(client, MISSING_THE_GOOD)[:2]) == both


def test_without_guide_vectors_or_encoder_the_words_alone_rank(tmp_path, monkeypatch) -> None:
    store = tmp_path / "store"
    with_meaning = _ranking(publish_app(CONTENT, store).test_client(), MISSING_THE_GOOD)
    live = ReleaseStore(store).live_bundle()
    assert live is not None and (live / guide_vectors.VECTORS_FILE).is_file()
    monkeypatch.setattr("api.patterns.meaning.encoder", _unavailable)
    no_encoder = _ranking(publish_app(CONTENT, store).test_client(), MISSING_THE_GOOD)
    monkeypatch.undo()
    (live / guide_vectors.VECTORS_FILE).unlink()  # a bundle written before the factor
    no_vectors = _ranking(publish_app(CONTENT, store).test_client(), MISSING_THE_GOOD)
    assert no_vectors == no_encoder and no_vectors  # the words' ranking, both ways
    assert no_vectors[:3] != with_meaning[:3]  # the factor changes what the reader sees first


def test_a_publish_whose_encoder_cannot_load_is_refused_with_the_reason(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(guide_vectors, "encoder", _unavailable)
    monkeypatch.setattr(guide_vectors, "_texts", guide_vectors.LRUCache(10))  # nothing embedded before
    app = create_app({"TESTING": True, "CONTENT_DIR": str(CONTENT), "RELEASE_STORE": str(tmp_path / "store")})
    result = app.test_cli_runner().invoke(args=["content", "publish"])
    assert result.exit_code == 1, result.output
    assert "cannot publish" in result.output and "model package is not installed" in result.output
    assert "Traceback" not in result.output and ReleaseStore(tmp_path / "store").current_id() is None
    assert app.test_client().post(URL, json={"situation": MISSING_THE_GOOD}).status_code == 503  # nothing live


def test_an_incremental_publish_embeds_only_the_changed_guide(tmp_path) -> None:
    corpus, _ = load_corpus(CONTENT)
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir(), second.mkdir()
    assert guide_vectors.write_vectors(corpus, first, None) == len(corpus.guides)
    slug = sorted(corpus.guides)[0]
    edited = dataclasses.replace(corpus.guides[slug], digest="0" * 64, summary="Something else entirely.")
    changed = dataclasses.replace(corpus, guides={**corpus.guides, slug: edited})
    assert guide_vectors.write_vectors(changed, second, first) == 1
    before, after = guide_vectors.read_vectors(first), guide_vectors.read_vectors(second)
    assert set(after) == set(before) - {corpus.guides[slug].digest} | {"0" * 64}
    for digest, vec in before.items():
        if digest in after:
            assert np.array_equal(vec, after[digest])
    assert after["0" * 64].shape == (DIM,) and abs(float(np.linalg.norm(after["0" * 64])) - 1) < 1e-5
    assert not np.array_equal(after["0" * 64], before[corpus.guides[slug].digest])


@pytest.mark.parametrize("content", [b"not a zip file", b""])
def test_an_unreadable_vectors_file_is_served_without_it(tmp_path, content: bytes) -> None:
    (tmp_path / guide_vectors.VECTORS_FILE).write_bytes(content)
    assert guide_vectors.read_vectors(tmp_path) == {}


@pytest.mark.parametrize(
    "situation",
    [
        "my ex keeps following me home and texting me threats",
        "he pushed me against the wall last night and I'm scared to go home",
        "she checks my phone every night and says she'll hurt herself if I leave",
    ],
)
def test_danger_keeps_the_safety_guide_the_words_put_first(corpus, situation: str) -> None:
    """Meaning alone would put the guide closest in theme first (on the danger judged sets a safety
    guide came first in 160 of 209 alarmed situations so, 179 with the words alone): when danger
    is recognised and the words put a safety guide first, it stays first; the rest are re-ranked."""
    from api.patterns import build_analyzer

    guides = sorted(corpus.guides.values(), key=lambda g: g.slug)
    vecs = dict(zip((g.digest for g in guides), guide_vectors.embed_guides(guides), strict=True))
    words = build_analyzer(corpus).check(situation, limit=20, corpus=corpus)
    meaning = build_analyzer(corpus, vectors=vecs).check(situation, limit=20, corpus=corpus)
    assert meaning["safety"] is not None and meaning["safety"] == words["safety"]
    assert {r["slug"] for r in meaning["results"]} == {r["slug"] for r in words["results"]}
    if words["results"][0]["safety_sensitive"]:
        assert meaning["results"][0]["slug"] == words["results"][0]["slug"]


def test_the_kept_guide_stays_first_whatever_the_meaning() -> None:
    from api.patterns.meaning import VectorTable, with_meaning

    eye = np.eye(3, DIM, dtype=np.float32)  # guide 2's vector is far from any sentence's
    vectors = VectorTable({str(i): eye[i] for i in range(3)}).of(["0", "1", "2"])
    scores = {0: 1.0, 1: 0.9, 2: 0.8}
    ranked = with_meaning(vectors, "anything at all", scores, keep_first=2)
    assert max(ranked, key=ranked.__getitem__) == 2 and set(ranked) == set(scores)


def test_a_long_aside_does_not_outweigh_what_is_wrong(client) -> None:
    """Each sentence weighs the same in the situation's vector (session 29): the friendship is the
    setting, the ignored request is the heart of it. One vector of the whole text put
    staying-friends-with-an-ex first (development set pattern_blind4)."""
    situation = (
        "I keep telling my ex I don't want to talk about 'us' when we meet up as friends, and he keeps "
        "bringing it up anyway. Then he tells me I'm making a big deal out of nothing. I've explained it "
        "like five different ways."
    )
    assert _ranking(client, situation)[0] == "when-they-ignore-your-boundary"


@pytest.mark.parametrize(
    "situation",
    [
        "he strangled me until I nearly passed out, but I keep thinking about the good times",
        "he grabbed my neck during the argument and now I can't stop missing him",
    ],
)
def test_harm_to_body_or_life_puts_the_safety_guide_for_it_first(corpus, situation: str, monkeypatch) -> None:
    """Session 29: a situation of violence whose words and meaning put a guide about missing an ex
    first gets the safety guide that speaks of that harm first (on the danger sets a safety guide
    came first in 197 of 209 alarmed situations, 184 without the rule)."""
    from api.patterns import analyzer as patterns_analyzer
    from api.patterns import build_analyzer

    guides = sorted(corpus.guides.values(), key=lambda g: g.slug)
    vecs = dict(zip((g.digest for g in guides), guide_vectors.embed_guides(guides), strict=True))
    a = build_analyzer(corpus, vectors=vecs)
    with_rule = a.check(situation, limit=5, corpus=corpus)
    monkeypatch.setattr(patterns_analyzer, "HARM_KINDS", frozenset())
    without = a.check(situation, limit=5, corpus=corpus)
    assert not without["results"][0]["safety_sensitive"]  # the case the rule is for
    assert with_rule["safety"] is not None
    assert with_rule["results"][0]["slug"] == "leaving-safely"
    assert {r["slug"] for r in with_rule["results"][1:]} <= {r["slug"] for r in without["results"]}


def test_when_danger_is_recognised_a_safety_guide_is_among_the_first_three(client) -> None:
    """Over every held-out danger phrasing the check raises a notice on: a safety guide is in view.
    Without the rule (safety_order.safety_in_view), the guides' examples put three ordinary guides first
    for 3 of them, such as "he keeps reminding me he still has the pics so i'd better behave"
    (checking-their-social-media first: the pictures)."""
    import yaml

    from tests.conftest import ROOT

    alarmed = 0
    for name in ("heldout.yaml", "heldout2.yaml"):
        data = yaml.safe_load((ROOT / "tests" / "data" / "danger" / name).read_text(encoding="utf-8"))
        for row in data["danger"]:
            body = client.post(URL, json={"situation": row["text"], "limit": 5}).get_json()
            if body["safety"] is None:
                continue
            alarmed += 1
            assert any(r["safety_sensitive"] for r in body["results"][:3]), row["text"]
    assert alarmed >= 200  # the recogniser raises a notice on nearly all of them
