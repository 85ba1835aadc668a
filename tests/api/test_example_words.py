"""The words readers use in the guides' `sounds_like` examples (api/patterns/example_words.py).

A word in no guide's text is often in the examples, which are written in readers' own words. Search's
fallback and the pattern check count how well a query's words match each guide's examples.
"""

from __future__ import annotations

import pytest
import yaml

from api import search_fallback
from api.patterns import meaning
from api.patterns.example_words import ExampleWords
from tests.conftest import publish_app
from tests.synthetic import LIMITS, MISSING, QUIET

# Only saying-no-kindly's examples use "hounded" and "relentlessly"; no guide's text does.
EXAMPLES = {
    LIMITS: [
        "he keeps texting me relentlessly after i said no to meeting up",
        "hounded by messages every night even though i asked for some space",
    ],
    QUIET: [
        "i feel so empty since we broke up and the flat is silent",
        "the nights are the worst since she left me last month",
    ],
}


def test_a_word_fewer_guides_examples_use_counts_more() -> None:
    words = ExampleWords.build([["he hounded me all week"], ["my ex texted me", "he texted again"], []])
    assert words.fit("Hounded") == {0: 1.0}
    both = words.fit("hounded and texted")
    assert both[1] == 1.0 and 0 < both[0] < 1.0 and 2 not in both  # "texted" twice in guide 1's examples
    rare = ExampleWords.build([["he hounded me", "he texted"], ["he texted"], ["texted again"]])
    assert max(rare.fit("hounded texted").items(), key=lambda x: x[1])[0] == 0  # "hounded": one guide's only
    assert words.fit("me") == {} and words.fit("zebra") == {}  # a stop word; a word no example uses
    assert ExampleWords().fit("hounded") == {}


@pytest.fixture
def content(syn_content_dir):
    for p in syn_content_dir().glob("guides/*.md"):  # before the examples are added
        assert not {"hounded", "relentlessly"} & set(p.read_text(encoding="utf-8").lower().split())
    files = {}
    for slug, examples in EXAMPLES.items():
        text = (syn_content_dir() / "guides" / f"{slug}.md").read_text(encoding="utf-8")
        head, rest = text[4:].split("\n---\n", 1)
        block = yaml.safe_dump({"sounds_like": examples}, width=1000)
        files[f"guides/{slug}.md"] = "---\n" + head + "\n" + block.rstrip("\n") + "\n---\n" + rest
    root = syn_content_dir(files)
    return root


def _fallback(content, store, q: str) -> tuple[str | None, list[str]]:
    r = publish_app(content, store).test_client().get("/v1/search", query_string={"q": q, "group": "guide"})
    assert r.status_code == 200
    body = r.get_json()
    return body["fallback"], [h["guide"] for h in body["items"]]


def test_the_fallback_puts_the_guide_whose_examples_use_the_words_first(content, tmp_path, monkeypatch) -> None:
    kind, order = _fallback(content, tmp_path / "with", "hounded")
    assert kind == "meaning" and order[0] == LIMITS
    monkeypatch.setitem(search_fallback.READERS_WORDS, "meaning", 0.0)
    kind, order = _fallback(content, tmp_path / "without", "hounded")
    assert kind == "meaning" and order[:2] == [MISSING, LIMITS]  # by meaning alone


def test_the_pattern_check_counts_the_examples_words(content, tmp_path, monkeypatch) -> None:
    situation = "I said no kindly but since the breakup I am hounded relentlessly"

    def ranking(store: str) -> list[str]:
        r = (
            publish_app(content, tmp_path / store)
            .test_client()
            .post("/v1/pattern-check", json={"situation": situation})
        )
        assert r.status_code == 200
        return [x["slug"] for x in r.get_json()["results"]]

    assert ranking("with")[0] == LIMITS
    monkeypatch.setattr(meaning, "EXAMPLE_WORDS_WEIGHT", 0.0)
    assert ranking("without")[0] == QUIET
