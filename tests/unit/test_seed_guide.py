"""The user's own guide, converted to content/guides/no-contact-rule.md, checked against the seed text.

tests/fixtures/no-contact-rule.seed.txt is a copy of the guide as published on the user's site.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.content import Corpus, Guide

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

SEED = (FIXTURES / "no-contact-rule.seed.txt").read_text(encoding="utf-8").splitlines()
HEADINGS = [
    "When no contact helps",
    "When no contact does not help",
    "How to make it about you",
    "Scripts for contact cravings",
    "What no contact is really protecting",
    "Read this next if no contact feels like withdrawal",
    "Sources and references",
    "Related patterns",
    "Pattern check",
]


def norm(text: str) -> str:
    text = text.replace("“", '"').replace("”", '"').replace("’", "'")
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def guide(corpus: Corpus) -> Guide:
    return corpus.guides["no-contact-rule"]


def full_text(g: Guide) -> str:
    parts = []
    for s in g.sections:
        if s.heading:
            parts.append(s.heading)
        parts.append(s.text)
    return norm(" ".join(parts))


def test_title_summary_byline(guide: Guide) -> None:
    assert guide.title == SEED[0]
    assert guide.summary == SEED[1]
    assert SEED[2] == "4 min read - Updated March 17, 2026"
    assert guide.reading_time == 4
    assert guide.updated.isoformat() == "2026-03-17"
    assert SEED[3] == "Editorial note"
    assert f"{guide.byline} {guide.editorial_note}" == SEED[4]


def test_section_headings_in_seed_order(guide: Guide) -> None:
    assert [s.heading for s in guide.sections] == [None, *HEADINGS]
    assert guide.sections[0].anchor == "introduction"
    positions = [SEED.index(h) for h in HEADINGS]
    assert positions == sorted(positions)


def test_every_line_of_the_body_is_kept_in_order(guide: Guide) -> None:
    text = full_text(guide)
    body = [norm(line.removeprefix("- ")) for line in SEED[5:] if line.strip()]
    assert len(body) > 40
    cursor = 0
    for line in body:
        found = text.find(line, cursor)
        assert found >= 0, f"missing or out of order: {line!r}"
        cursor = found + len(line)


def test_every_sentence_of_the_body_is_present(guide: Guide) -> None:
    text = full_text(guide)
    sentences = [s for line in SEED[5:] for s in re.split(r"(?<=[.!?])\s+", norm(line.removeprefix("- "))) if s]
    missing = [s for s in sentences if s not in text]
    assert not missing
    assert len(sentences) >= 60


def test_three_scripts_with_their_fields(guide: Guide) -> None:
    by_id = {s.id: s for s in guide.scripts}
    assert list(by_id) == ["no-contact-statement", "i-just-need-closure", "they-text-i-miss-you"]
    statement = by_id["no-contact-statement"]
    assert statement.send is False
    assert statement.response.startswith("I am not doing this to punish you.")
    closure = by_id["i-just-need-closure"]
    assert (closure.situation, closure.trigger, closure.instruction) == (
        "When you want to send",
        "I just need closure.",
        "Try writing, but not sending",
    )
    assert (
        closure.response
        == "I want contact because my body wants relief. Contact has not given me stable repair before."
    )
    assert closure.send is False
    reply = by_id["they-text-i-miss-you"]
    assert (reply.situation, reply.trigger, reply.send) == ("When they text", "I miss you.", True)
    assert reply.instruction == "You can answer, if it is safe and necessary"
    assert reply.response == "I need space to heal, so I am not going to keep talking right now. I wish you well."
    assert reply.safety and "safe" in reply.safety
    assert {s.section for s in guide.scripts} == {"how-to-make-it-about-you", "scripts-for-contact-cravings"}


def test_safety_notes_sources_and_collection(guide: Guide) -> None:
    assert guide.safety_sensitive
    assert len(guide.safety_notes) == 2
    assert guide.safety_notes[1].startswith("If there was fear, control, stalking, threats, or violence")
    assert [(s.title, s.kind, s.region) for s in guide.sources] == [
        ("National Domestic Violence Hotline", "support", "United States"),
        ("ODPHP relationship violence warning signs", "reference", "United States"),
    ]
    assert guide.collection == "breakup-recovery"


def test_read_next_links_with_conditions(guide: Guide) -> None:
    assert [(link.target, link.condition) for link in guide.read_next] == [
        ("why-do-i-miss-my-ex", "if nostalgia is editing out the pattern"),
        ("how-to-set-boundaries-without-guilt", "if the hardest part is tolerating their disappointment or silence"),
    ]
    inline = [link for link in guide.links if link.kind == "inline"]
    assert [(link.target, link.condition) for link in inline] == [
        ("why-do-i-miss-my-ex", "when the urge to reach out feels like evidence")
    ]


def test_five_signals(guide: Guide) -> None:
    i = SEED.index("It is especially useful when:")
    assert list(guide.signals) == [line.removeprefix("- ") for line in SEED[i + 1 : i + 6]]
    assert len(guide.signals) == 5
