"""Support services as data (content/safety/resources.yaml): who helps with which danger, where.

The safety notice offers the services that fit the kinds of danger recognised and the reader's
country, most fitting first, and names that country's emergency number when it is urgent. With no
known country it offers the worldwide directories and names the common emergency numbers, never
one country's. Services are not scoped content: a partner key sees them all.

Each entry names the official page its numbers were checked against and the date, so an editor
can re-check them (`flask --app api.app content check-resources` lists the stale ones).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # model.py keeps a Support in every corpus, so it imports this module
    from api.content.model import Problem

INTERNATIONAL = "international"
STALE_AFTER_DAYS = 180
_REGION = re.compile(r"^[A-Z]{2}$")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FIELDS = ("id", "name", "kinds", "regions", "phone", "text", "chat", "url", "hours", "source", "checked")


@dataclass(frozen=True)
class Resource:
    id: str
    name: str
    kinds: tuple[str, ...]
    regions: tuple[str, ...]
    url: str
    hours: str | None
    source: str
    checked: str  # YYYY-MM-DD
    phone: str | None = None
    text: str | None = None
    chat: str | None = None


@dataclass(frozen=True)
class Emergency:
    region: str
    number: str
    source: str
    checked: str


@dataclass(frozen=True)
class Support:
    """The parsed resources file: plain data, kept in the corpus."""

    emergency: tuple[Emergency, ...] = ()
    international: tuple[str, ...] = ()  # the common emergency numbers, named when the region is unknown
    resources: tuple[Resource, ...] = ()

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions the file covers (each with its emergency number), sorted."""
        return tuple(sorted(e.region for e in self.emergency))

    def emergency_number(self, region: str | None) -> str | None:
        return next((e.number for e in self.emergency if e.region == region), None)

    def for_danger(self, kinds: Sequence[str], region: str | None) -> list[Resource]:
        """The services for these kinds (most pressing first) in this region, most fitting first.

        Fit: a service for the most pressing kind comes before one for the next; among those, the one
        that covers more of the kinds; then the file's order. Worldwide directories come last, and are
        all there is when the region is unknown.
        """
        local = [r for r in self.resources if region is not None and region in r.regions]
        world = [r for r in self.resources if INTERNATIONAL in r.regions]

        def fit(r: Resource) -> tuple[int, int]:
            first = next((i for i, k in enumerate(kinds) if k in r.kinds), len(kinds))
            return (first, -sum(k in r.kinds for k in kinds))

        chosen = sorted((r for r in local if any(k in r.kinds for k in kinds)), key=fit)
        return chosen + [r for r in world if r not in chosen]

    def stale(self, today: dt.date, days: int = STALE_AFTER_DAYS) -> list[tuple[str, str]]:
        """(what, checked) for every number checked more than `days` ago."""
        out = []
        for e in self.emergency:
            if _age(e.checked, today) > days:
                out.append((f"emergency number {e.number} ({e.region})", e.checked))
        for r in self.resources:
            if _age(r.checked, today) > days:
                out.append((f"{r.name} ({', '.join(r.regions)})", r.checked))
        return out


def _age(checked: str, today: dt.date) -> int:
    return (today - dt.date.fromisoformat(checked)).days


def _date(value: Any) -> str | None:
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        return None


class _Say:
    """Reports a problem of one file: say(line, field, reason)."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file, self.problems = file, problems

    def __call__(self, line: int | None, field: str, reason: str) -> None:
        from api.content.model import Problem  # model.py imports this module

        self.problems.append(Problem(self.file, line, field, reason))


def parse_support(
    data: Any, lines: Mapping[str, int], file: str, problems: list[Problem], kinds: Sequence[str]
) -> Support:
    """The resources file as Support; every problem reported (file, line, field), nothing raised."""
    say = _Say(file, problems)
    if not isinstance(data, dict):
        say(1, "file", "must be a mapping with 'emergency', 'international' and 'resources'")
        return Support()
    for key in data:
        if key not in ("emergency", "international", "resources"):
            say(lines.get(str(key)), str(key), "unknown key")
    emergency = _emergencies(data.get("emergency") or [], lines, say)
    international = tuple(str(x) for x in ((data.get("international") or {}).get("numbers") or []))
    if not international:
        reason = "the common emergency numbers to name when the region is unknown"
        say(lines.get("international"), "international.numbers", reason)
    resources = _resources(data.get("resources") or [], lines, say, kinds)
    support = Support(tuple(emergency), international, tuple(resources))
    _check_coverage(support, kinds, lines, say)
    return support


def _emergencies(items: Any, lines: Mapping[str, int], say: _Say) -> list[Emergency]:
    """`emergency:`: each region's number, with the page it was checked against and when."""
    emergency: list[Emergency] = []
    for n, item in enumerate(items):
        where, field = lines.get(f"emergency.{n}"), f"emergency[{n}]"
        if not isinstance(item, dict) or not _REGION.match(str(item.get("region", ""))):
            say(where, f"{field}.region", "an ISO 3166-1 alpha-2 code such as GB")
            continue
        number, source, checked = str(item.get("number") or ""), item.get("source"), _date(item.get("checked"))
        if not number or not source or not checked:
            say(where, field, "needs number, source (the page it was checked against) and checked (YYYY-MM-DD)")
            continue
        emergency.append(Emergency(item["region"], number, str(source), checked))
    return emergency


def _resources(items: Any, lines: Mapping[str, int], say: _Say, kinds: Sequence[str]) -> list[Resource]:
    """`resources:`: each service with a unique id; the ones with a problem are left out."""
    resources: list[Resource] = []
    seen: set[str] = set()
    for n, item in enumerate(items):
        where, field = lines.get(f"resources.{n}"), f"resources[{n}]"
        if not isinstance(item, dict):
            say(where, field, "must be a mapping")
            continue
        rid = str(item.get("id", ""))
        field = f"resources[{rid or n}]"
        bad = [k for k in item if k not in _FIELDS]
        if bad:
            say(where, field, f"unknown field(s): {', '.join(map(str, bad))}")
        if not _ID.match(rid) or rid in seen:
            say(where, f"{field}.id", "a unique lower-case slug is required")
            continue
        seen.add(rid)
        resource = _resource(rid, item, kinds, say, where, field)
        if resource is not None:
            resources.append(resource)
    return resources


def _resource(
    rid: str, item: Mapping[str, Any], kinds: Sequence[str], say: _Say, where: int | None, field: str
) -> Resource | None:
    """One service, or None with its first problem: kinds, regions, required fields, checked date."""
    regions = [str(r) for r in item.get("regions") or []]
    missing = [k for k in ("name", "url", "source") if not item.get(k)]
    checked = _date(item.get("checked"))
    if not item.get("kinds") or any(k not in kinds for k in item["kinds"]):
        say(where, f"{field}.kinds", f"known kinds only, at least one ({', '.join(kinds)})")
    elif not regions or any(r != INTERNATIONAL and not _REGION.match(r) for r in regions):
        say(where, f"{field}.regions", "ISO 3166-1 alpha-2 codes, or international")
    elif missing:
        say(where, f"{field}.{missing[0]}", "required (source: the official page the numbers were checked against)")
    elif checked is None:
        say(where, f"{field}.checked", "the date the numbers were checked, YYYY-MM-DD")
    else:
        return Resource(
            rid,
            str(item["name"]),
            tuple(item["kinds"]),
            tuple(regions),
            str(item["url"]),
            _opt(item, "hours"),
            str(item["source"]),
            checked,
            _opt(item, "phone"),
            _opt(item, "text"),
            _opt(item, "chat"),
        )
    return None


def _check_coverage(support: Support, kinds: Sequence[str], lines: Mapping[str, int], say: _Say) -> None:
    """Every covered region has a service for every kind of danger."""
    for region in support.regions:
        for kind in kinds:
            if not any(region in r.regions and kind in r.kinds for r in support.resources):
                say(lines.get("resources"), "resources", f"no resource for {kind} in {region}, a covered region")


def _opt(item: Mapping[str, Any], key: str) -> str | None:
    value = item.get(key)
    return str(value) if value else None
