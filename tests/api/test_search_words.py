"""Search in readers' words (issue 15): the vocabulary's synonyms and expansions, honest
corrections, no dead ends, group=guide, phrase-only highlights, ETags and 304s."""

from __future__ import annotations

import pytest

from api.content.model import Problem
from api.content.yamlutil import load_yaml
from api.language.files import parse_vocabulary
from api.language.thesaurus import Thesaurus


def _parse(text: str) -> tuple[object, list[Problem]]:
    data, lines = load_yaml(text)
    problems: list[Problem] = []
    return parse_vocabulary(data, lines, "vocabulary.yaml", problems), problems


def test_vocabulary_file_validation_names_each_problem() -> None:
    _, problems = _parse(
        "synonyms:\n  - [nc]\n  - [no contact, nc]\n  - 5\nexpansions:\n  ghosted: ghosted\n  ok: [fine, 3]\n"
        "  a b c d e: [x]\n  fine: [good, well]\nidioms:\n  square: [reset]\n  square one: [reset]\n"
    )
    fields = sorted(p.field for p in problems)
    assert fields == [
        "expansions.a b c d e",
        "expansions.ghosted",
        "expansions.ok",
        "idioms.square",
        "synonyms.0",
        "synonyms.2",
    ]
    assert all(p.line for p in problems)


def test_synonyms_go_both_ways_and_expansions_one_way() -> None:
    vocab, problems = _parse("synonyms:\n  - [no contact, nc]\nexpansions:\n  left on read: [reply, waiting]\n")
    assert not problems
    t = Thesaurus.from_vocabulary(vocab)  # type: ignore[arg-type]
    assert [e.adds for e in t.expand(["nc"])] == [("no contact",)]
    assert [e.adds for e in t.expand(["no", "contact"])] == [("nc",)]
    assert [(e.phrase, e.adds) for e in t.expand(["he", "left", "me", "on", "read"])] == []
    assert [(e.phrase, e.adds) for e in t.expand(["left", "on", "read"])] == [("left on read", ("reply", "waiting"))]
    assert t.expand(["reply"]) == []  # one way


def test_a_misspelt_vocabulary_word_is_read_as_the_word_meant() -> None:
    vocab, problems = _parse(
        "abbreviations:\n  txted: texted\nsynonyms:\n  - [coparenting, co parenting]\n"
        "expansions:\n  narcissist: [control]\n  on again off again: [cycle]\n"
    )
    assert not problems
    t = Thesaurus.from_vocabulary(vocab)  # type: ignore[arg-type]
    [e] = t.expand(["narcisist", "husband"])
    assert (e.start, e.end, e.phrase, e.adds, e.corrected) == (0, 1, "narcissist", ("narcissist", "control"), True)
    [e] = t.expand(["co", "parentng"])  # a word inside a phrase
    assert (e.phrase, e.corrected) == ("co parenting", True) and "co parenting" in e.adds
    assert [e.phrase for e in t.expand(["on", "agian", "off", "agian"])] == ["on again off again"]
    assert not t.expand(["narcissist"])[0].corrected  # as written: nothing corrected, the key not added
    assert t.expand(["texted"]) == []  # an ordinary word, never "corrected" (not into an abbreviation either)
    assert t.expand(["narc"]) == [] and t.key_for("narcx") is None  # too short / nothing one edit away


def test_search_answers_a_misspelt_vocabulary_word_and_says_so(search_client) -> None:
    body = search_client.get("/v1/search", query_string={"q": "narcisist husband", "group": "guide"}).get_json()
    assert body["fallback"] is None and body["items"][0]["guide"] == "recognising-coercive-control"
    assert body["did_you_mean"] == "narcissist husband"
    [read] = [u for u in body["query"]["understood"] if u["text"] == "narcisist"]
    assert read["corrected"] == "narcissist" and "coercive control" in read["expanded"]
    typed = search_client.get("/v1/search", query_string={"q": "he texted me"}).get_json()
    assert typed["did_you_mean"] is None


def test_a_misspelt_platform_is_read_as_the_platform_in_the_guides_fit_too(search_client) -> None:
    """ "instagarm" is read as instagram, and so as the guides' "social media" and "profile" (the
    pattern analyzer's own synonyms, beside the vocabulary file's): as when typed right."""
    for q in ("how to stop looking at my exs instagram", "how to stop lookng at my exs instagarm"):
        body = search_client.get("/v1/search", query_string={"q": q, "group": "guide"}).get_json()
        assert body["items"][0]["guide"] == "checking-their-social-media", q


def test_an_idioms_own_words_count_for_little(search_client) -> None:
    body = search_client.get("/v1/search", query_string={"q": "left on read", "group": "guide"}).get_json()
    assert body["items"][0]["guide"] == "anxious-texting"  # not a guide about reading someone's messages
    understood = body["query"]["understood"]
    assert understood == [
        {"text": "left on read", "found": True, "expanded": understood[0]["expanded"], "corrected": None}
    ]


def test_back_to_square_one_finds_the_no_contact_guide(client) -> None:
    situation = "My ex keeps messaging me and every time I read them I'm back to square one"
    results = client.post("/v1/pattern-check", json={"situation": situation}).get_json()["results"]
    assert "no-contact-rule" in [r["slug"] for r in results[:3]]


@pytest.mark.parametrize("q", ["ghosted", "gaslighting", "narcissist", "situationship", "breadcrumbing", "coparenting"])
def test_readers_words_find_guides_and_say_what_they_meant(search_client, q: str) -> None:
    body = search_client.get("/v1/search", query_string={"q": q}).get_json()
    assert body["total"] > 0 and body["fallback"] is None
    understood = {u["text"]: u for u in body["query"]["understood"]}
    assert understood[q]["expanded"]


@pytest.mark.parametrize("q", ["he texted me", "what do i say", "i said no and i said no again"])
def test_real_words_are_not_corrected(search_client, q: str) -> None:
    body = search_client.get("/v1/search", query_string={"q": q}).get_json()
    assert body["did_you_mean"] is None
    assert all(u["corrected"] is None for u in body["query"]["understood"])


def test_a_correction_keeps_the_rest_as_typed(search_client) -> None:
    body = search_client.get("/v1/search", query_string={"q": "i said no i said no boundries"}).get_json()
    assert body["did_you_mean"] == "i said no i said no boundaries"


def test_no_dead_ends(search_client) -> None:
    relaxed = search_client.get("/v1/search", query_string={"q": '"boundaries guilt"'}).get_json()
    assert relaxed["fallback"] == "relaxed" and relaxed["total"] > 0
    related = search_client.get("/v1/search", query_string={"q": "my heart feels shattered"}).get_json()
    if related["fallback"] is not None:  # only when nothing matched as typed or relaxed
        assert related["items"]
    nothing = search_client.get("/v1/search", query_string={"q": "zzqx qqzv"}).get_json()
    assert nothing["total"] == 0 and nothing["fallback"] is None  # no words of the guides at all


def test_related_fallback_comes_from_the_pattern_check(search_client) -> None:
    body = search_client.get("/v1/search", query_string={"q": "hoovering"}).get_json()
    assert body["items"]
    body = search_client.get("/v1/search", query_string={"q": "dumped"}).get_json()
    assert body["items"]


def test_group_by_guide_gives_one_hit_per_guide(search_client) -> None:
    body = search_client.get("/v1/search", query_string={"q": "no contact", "group": "guide"}).get_json()
    guides = [h["guide"] for h in body["items"]]
    assert len(guides) == len(set(guides)) and guides[0] == "no-contact-rule"
    assert body["items"][0]["sections"] and all(s["guide"] == "no-contact-rule" for s in body["items"][0]["sections"])
    assert body["total"] == len(guides) or body["total"] > body["page_size"]
    flat = search_client.get("/v1/search", query_string={"q": "no contact"}).get_json()
    assert len({h["guide"] for h in flat["items"]}) < len(flat["items"])  # sections of one guide repeat


def test_group_is_validated(search_client) -> None:
    assert search_client.get("/v1/search", query_string={"q": "x", "group": "section"}).status_code == 422


def test_phrase_highlights_mark_only_the_phrase(search_client) -> None:
    body = search_client.get("/v1/search", query_string={"q": '"no contact helps"'}).get_json()
    assert any("<mark>" in hit["snippet"]["html"] for hit in body["items"])
    for hit in body["items"]:  # "helps" elsewhere ("a boundary that helps") is not marked
        html = hit["snippet"]["html"]
        for part in html.split("<mark>")[1:]:
            assert part.split("</mark>")[0].lower() == "no contact helps"


def test_safety_guides_come_first_when_the_notice_shows(search_client) -> None:
    body = search_client.get("/v1/search", query_string={"q": "he hit me"}).get_json()
    assert body["safety"] is not None
    safe = {g["slug"] for g in body["safety"]["guides"]}
    assert body["items"] and body["items"][0]["guide"] in safe


@pytest.mark.parametrize("path", ["/v1/search?q=no+contact", "/v1/suggest?q=bound", "/v1/search?q=ghosted&group=guide"])
def test_search_and_suggest_have_strong_etags_and_304s(search_client, path: str) -> None:
    first = search_client.get(path)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["Cache-Control"].startswith("private, max-age=")
    again = search_client.get(path)
    assert again.headers["ETag"] == etag and again.data == first.data
    revalidated = search_client.get(path, headers={"If-None-Match": etag})
    assert revalidated.status_code == 304 and revalidated.headers["ETag"] == etag
    other = search_client.get(path, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_search_and_suggest_etags_differ_by_query(search_client) -> None:
    a = search_client.get("/v1/search?q=closure").headers["ETag"]
    b = search_client.get("/v1/search?q=grief").headers["ETag"]
    assert a != b


@pytest.mark.parametrize(("typed", "offered"), [("situations", "situationship"), ("love bo", "love bombing")])
def test_suggest_completes_readers_words(search_client, typed: str, offered: str) -> None:
    items = search_client.get("/v1/suggest", query_string={"q": typed}).get_json()["items"]
    assert offered in [i["text"] for i in items]
