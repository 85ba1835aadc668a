"""Support resources as data: parsing, the validator's checks, fit and staleness (api/content/support.py)."""

from __future__ import annotations

import datetime as dt

from api.content.model import Problem
from api.content.support import parse_support
from api.content.yamlutil import load_yaml

KINDS = ["self_harm", "stalking"]
FILE = """
emergency:
  - {region: GB, number: "999", source: "https://www.gov.uk/", checked: "2026-12-01"}
international:
  numbers: ["112", "911", "999"]
resources:
  - id: gb-crisis
    name: Crisis line
    kinds: [self_harm]
    regions: [GB]
    phone: "116 123"
    url: https://example.org/crisis
    hours: 24/7
    source: https://example.org/crisis/contact
    checked: "2026-12-01"
  - id: gb-stalking
    name: Stalking line
    kinds: [stalking, self_harm]
    regions: [GB]
    url: https://example.org/stalking
    hours: Mon-Fri
    source: https://example.org/stalking/contact
    checked: "2026-01-02"
  - id: world
    name: Directory
    kinds: [self_harm, stalking]
    regions: [international]
    url: https://example.org/world
    hours: varies
    source: https://example.org/world
    checked: "2026-12-01"
"""


def _parse(text: str):
    data, lines = load_yaml(text)
    problems: list[Problem] = []
    return parse_support(data, lines, "resources.yaml", problems, KINDS), problems


def test_fit_orders_by_the_most_pressing_kind_then_coverage() -> None:
    support, problems = _parse(FILE)
    assert problems == []
    assert [r.id for r in support.for_danger(["self_harm"], "GB")] == ["gb-crisis", "gb-stalking", "world"]
    assert [r.id for r in support.for_danger(["stalking", "self_harm"], "GB")] == ["gb-stalking", "gb-crisis", "world"]
    assert [r.id for r in support.for_danger(["stalking"], None)] == ["world"]  # unknown region: worldwide only
    assert support.emergency_number("GB") == "999" and support.emergency_number(None) is None


def test_a_kind_without_a_resource_in_a_covered_region_is_an_error() -> None:
    text = FILE.replace("kinds: [stalking, self_harm]", "kinds: [self_harm]")
    _, problems = _parse(text)
    assert [(p.field, p.reason) for p in problems] == [
        ("resources", "no resource for stalking in GB, a covered region")
    ]


def test_a_missing_source_is_an_error_with_its_line() -> None:
    text = FILE.replace("    source: https://example.org/crisis/contact\n", "")
    _, problems = _parse(text)
    assert [(p.line, p.field) for p in problems[:1]] == [(7, "resources[gb-crisis].source")]


def test_stale_checks_are_listed() -> None:
    support, _ = _parse(FILE)
    assert support.stale(dt.date(2026, 12, 1)) == [("Stalking line (GB)", "2026-01-02")]
    assert support.stale(dt.date(2026, 12, 1), days=400) == []


def test_check_resources_command(runner) -> None:
    result = runner.invoke(args=["content", "check-resources", "--days", "100000"])
    assert result.exit_code == 0 and "0 support number(s) checked more than 100000 days ago" in result.output
    result = runner.invoke(args=["content", "check-resources", "--days", "-1"])
    assert result.exit_code == 1 and "re-check it against its source page" in result.output
