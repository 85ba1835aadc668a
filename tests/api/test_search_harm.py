"""Search for harm to body or life: the safety guide that speaks of it comes first (session 29).

The issue's own example: the top hits for `he hit me` were about checking an ex's profile. When the
safety notice recognises violence, strangulation, threats, sexual violence, a child at risk or
immediate danger, the safety guides come first, and among them the one whose words speak of that
harm (the danger kinds' words alone), for word hits and fallbacks alike; unless the rest of the
query fits a safety guide on its own ("mourning an abusive relationship" keeps the guide on grief).
"""

from __future__ import annotations

import pytest

from api import search_hints
from api.patterns import analyzer as patterns_analyzer

HARM = ["he hit me", "bf hit me", "bf choked me", "boyfriend strangled me"]


def _first(client, q: str) -> tuple[str, dict]:
    r = client.get("/v1/search", query_string={"q": q, "group": "guide"})
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    return body["items"][0]["guide"], body


@pytest.mark.parametrize("q", HARM)
def test_harm_puts_the_guide_on_leaving_safely_first(client, q: str) -> None:
    first, body = _first(client, q)
    assert body["safety"] is not None
    assert first == "leaving-safely"


def test_without_the_rule_another_safety_guide_came_first(client, monkeypatch) -> None:
    """The rule is what puts it first: without it, some of these queries lead with another guide."""
    monkeypatch.setattr(patterns_analyzer, "HARM_KINDS", frozenset())
    monkeypatch.setattr(search_hints, "HARM_FIRST", 1.0)
    firsts = [_first(client, q + " ")[0] for q in HARM]  # (a trailing space: not the cached answer)
    assert any(f != "leaving-safely" for f in firsts)


def test_other_danger_keeps_its_own_order(client, monkeypatch) -> None:
    """Control without harm to body or life (the phone checked, the money kept) is not reordered."""
    q = "he checks my phone and controls all the money"
    _, with_rule = _first(client, q)
    monkeypatch.setattr(patterns_analyzer, "HARM_KINDS", frozenset())
    monkeypatch.setattr(search_hints, "HARM_FIRST", 1.0)
    _, without = _first(client, q + " ")
    assert with_rule["safety"] is not None
    assert [x["guide"] for x in with_rule["items"]] == [x["guide"] for x in without["items"]]


def test_the_rest_of_the_query_keeps_its_own_safety_guide(client) -> None:
    """Words of violence in a query about something else that a safety guide covers: not reordered."""
    first, body = _first(client, "mourning an abusive relationship")
    assert body["safety"] is not None
    assert first == "grieving-a-relationship-that-hurt"
