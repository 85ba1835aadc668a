"""Search behaviour over the real content: weights, typos, prefixes, phrases, facets, snippets, cache."""

from __future__ import annotations

import html

from search_index.snippets import snippet


def _ids(result: dict) -> list[tuple[str, str | None]]:
    return [(h["guide"], h["anchor"]) for h in result["hits"]]


def test_title_outweighs_body(search_engine) -> None:
    hits = search_engine.search("coercive control", types=("guide",))["hits"]
    assert hits[0]["guide"] == "recognising-coercive-control"


def test_sections_deep_link_with_their_anchor(search_engine) -> None:
    hits = search_engine.search("keep a record", types=("section",))["hits"]
    assert ("ex-wont-stop-contacting-you", "keep-a-record") in [(h["guide"], h["anchor"]) for h in hits[:3]]
    assert all(h["anchor"] for h in hits)


def test_scripts_are_hits_with_their_id(search_engine) -> None:
    hits = search_engine.search("can we still be friends", types=("script",))["hits"]
    assert hits[0]["script"] == "ex-friends-not-right-now"
    assert hits[0]["anchor"]  # the section the script sits in


def test_typo_of_five_letters_or_more_finds_the_guide(search_engine) -> None:
    r = search_engine.search("jealousey")
    assert r["hits"][0]["guide"] == "jealousy-and-phone-checking"
    assert r["did_you_mean"] == "jealousy"


def test_two_typos_in_a_long_word(search_engine) -> None:
    assert search_engine.search("harrassmant")["hits"][0]["guide"] == "ex-wont-stop-contacting-you"


def test_short_words_are_not_fuzzed(search_engine) -> None:
    # "exs" is 3 letters: matched as typed, so no did-you-mean and no guessed hits.
    r = search_engine.search("exs ")
    assert r["did_you_mean"] is None


def test_prefix_completes_the_last_word_only(search_engine) -> None:
    assert search_engine.search("coerc")["total"] > 0
    assert search_engine.search("coerc")["fallback"] is None
    # A finished word is not completed: nothing matches as typed, so the answer is a fallback.
    assert search_engine.search("coerc ")["fallback"] == "relaxed"


def test_phrase_must_match_exactly(search_engine) -> None:
    r = search_engine.search('"nervous system"')
    assert r["total"] > 0
    for hit in r["hits"]:
        assert "<mark>nervous system</mark>" in hit["snippet"]["html"].lower()
    assert search_engine.search('"system nervous"')["fallback"] == "relaxed"  # not as a phrase: words only


def test_facets_count_the_whole_result_set(search_engine) -> None:
    r = search_engine.search("contact", page_size=2)
    assert len(r["hits"]) == 2 and r["total"] > 2
    assert sum(f["count"] for f in r["facets"]["type"]) == r["total"]
    assert sum(f["count"] for f in r["facets"]["collection"]) == r["total"]
    guides = search_engine.search("contact", types=("guide",))
    assert guides["total"] == next(f["count"] for f in r["facets"]["type"] if f["value"] == "guide")


def test_filters_apply_to_hits_total_and_facets(search_engine) -> None:
    r = search_engine.search("contact", collection="boundaries", tag="low-contact", page_size=50)
    assert r["total"] == len(r["hits"]) > 0
    assert all(h["collection"] == "boundaries" for h in r["hits"])
    assert [f["value"] for f in r["facets"]["collection"]] == ["boundaries"]
    assert search_engine.search("contact", collection="no-such-collection")["total"] == 0


def test_pages_do_not_overlap(search_engine) -> None:
    one = search_engine.search("breakup", page=1, page_size=5)
    two = search_engine.search("breakup", page=2, page_size=5)
    assert one["total"] == two["total"] > 10
    assert not set(_ids(one)) & set(_ids(two))
    assert search_engine.search("breakup", page=1, page_size=10)["hits"][5:] == two["hits"]


def test_repeated_query_is_served_from_the_cache(search_engine) -> None:
    first = search_engine.search("waiting for a reply")
    again = search_engine.search("Waiting  for a REPLY")  # same normalized query
    assert again["cached"] and not first["cached"]
    assert again["hits"] == first["hits"]
    assert again["took_ms"] < 1.0


def test_time_taken_is_reported(search_engine) -> None:
    r = search_engine.search("grief")
    assert 0 < r["took_ms"] < 1000


def test_empty_and_stop_word_queries(search_engine) -> None:
    assert search_engine.search("")["total"] == 0
    assert search_engine.search("!!!")["total"] == 0
    assert search_engine.search("is it")["total"] >= 0  # stop words only: matched as typed, no error


def test_snippet_escapes_html_and_marks_offsets() -> None:
    s = snippet('Say <b>"no"</b> & mean it: no means no.', frozenset({"no"}))
    assert "<b>" not in s["html"] and "&lt;b&gt;" in s["html"]
    for start, end in s["highlights"]:
        assert s["text"][start:end].lower() == "no"
    assert s["html"].count("<mark>") == len(s["highlights"]) == 3
    assert html.unescape(s["html"].replace("<mark>", "").replace("</mark>", "")) == s["text"]


def test_snippet_window_is_around_the_match() -> None:
    text = "filler words here. " * 30 + "The boundary was crossed again." + " more filler." * 30
    s = snippet(text, frozenset({"boundary"}))
    assert s["text"].startswith("…") and s["text"].endswith("…")
    assert len(s["text"]) <= 182
    assert "<mark>boundary</mark>" in s["html"]


def test_snippet_suffix_follows_the_window_whole() -> None:
    """A script's safety condition is never cut: the window may leave the response out, not it."""
    text = "filler words here. " * 30 + "I am not ready to talk." + " more filler." * 30
    condition = "Only if it is safe to reply at all. If you are afraid, get <support> first."
    s = snippet(text, frozenset({"talk", "safe"}), suffix=condition)
    assert s["text"].endswith("… " + condition)
    assert s["html"].endswith(
        "… Only if it is <mark>safe</mark> to reply at all. If you are afraid, get &lt;support&gt; first."
    )
    assert [s["text"][a:b] for a, b in s["highlights"]] == ["talk", "safe"]
    assert html.unescape(s["html"].replace("<mark>", "").replace("</mark>", "")) == s["text"]
    assert snippet("", frozenset(), suffix=condition)["text"] == condition


def test_suggest_completes_titles_and_terms(search_engine) -> None:
    items = search_engine.suggest("no cont")["items"]
    assert items[0] == {
        "type": "guide",
        "text": "No Contact Rule: When It Helps and When It Doesn't",
        "guide": "no-contact-rule",
    }
    assert {"type": "term", "text": "no contact", "guide": None} in items
    assert search_engine.suggest("")["items"] == []
    assert search_engine.suggest("***")["items"] == []


def test_did_you_mean_under_a_scope_offers_only_words_from_that_scope(search_engine) -> None:
    """A partner limited to some collections is never told of a word that only occurs elsewhere."""
    from search_index.schema import PHRASE_FIELD

    scope = frozenset({"boundaries"})
    with search_engine.lease() as oi:
        assert oi.bits is not None
        inside = oi.collections_bits(scope)
        outside_only = [
            w
            for w in oi.vocab._sorted
            if 6 <= len(w) <= 7 and oi.vocab.df(w) >= 2 and not oi.bits.term(PHRASE_FIELD, w) & inside
        ]
    checked = 0
    for word in outside_only:
        typo = word[:3] + word[4:]  # one letter dropped from the middle
        if search_engine.search(typo)["did_you_mean"] != word:
            continue  # another word is closer in the whole index
        scoped = search_engine.search(typo, collections=scope)
        assert scoped["did_you_mean"] != word, typo
        if scoped["did_you_mean"]:
            assert scoped["total"] > 0  # what it offers finds something in the scope
        assert all(h["collection"] in scope for h in scoped["hits"])
        checked += 1
    assert checked >= 10  # the comparison is not vacuous
