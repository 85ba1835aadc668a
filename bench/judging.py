"""Judging danger recognition against the judged sets.

Each set is a YAML file of danger phrasings (each with its main `kind`, and `also` kinds) and
look-alikes (alarming words, no danger). The tuning sets are content/safety/phrasings/ (the
recogniser learns from them, so their figures show fit, not generalisation).
tests/data/danger/heldout.yaml and heldout2.yaml were each written blind, committed before they were
scored, and are never tuned on: they give the figures to report (heldout2 is the fresher one: the
first was scored after each of eight tuning rounds, totals only).

Used by tests/unit/test_danger_judged.py (which asserts the targets) and bench/danger_bench.py
(which writes bench/results/danger.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TUNING = ROOT / "content" / "safety" / "phrasings"
HELDOUT = "heldout"
HELDOUT_DIR = ROOT / "tests" / "data" / "danger"
HELDOUT_SETS = ("heldout", "heldout2")  # in the order they were written; never tuned on

Recognise = Callable[[str], list[str]]  # text -> kinds recognised


@dataclass(frozen=True)
class JudgedSet:
    name: str
    danger: tuple[tuple[str, str, tuple[str, ...]], ...]  # (text, kind, also)
    lookalike: tuple[str, ...]


def load(name: str) -> JudgedSet:
    path = HELDOUT_DIR / f"{name}.yaml" if is_heldout(name) else TUNING / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    danger = tuple((d["text"], d["kind"], tuple(d.get("also") or ())) for d in data.get("danger") or ())
    return JudgedSet(name, danger, tuple(x["text"] for x in data.get("lookalike") or ()))


def is_heldout(name: str) -> bool:
    return name in HELDOUT_SETS


def names() -> list[str]:
    """Every set, the tuning sets first (in the order they were written) and the held-out ones last."""
    found = sorted(p.stem for p in TUNING.glob("*.yaml"))
    order = ["judged", *sorted(n for n in found if n != "judged")]
    return [n for n in order if n in found] + list(HELDOUT_SETS)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion k/n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass
class Rate:
    hits: int = 0
    n: int = 0

    @property
    def value(self) -> float:
        return self.hits / self.n if self.n else 0.0

    def __str__(self) -> str:
        lo, hi = wilson(self.hits, self.n)
        return f"{self.hits}/{self.n} = {self.value:.1%} (95% CI {lo:.1%}-{hi:.1%})"


@dataclass
class Figures:
    recall: Rate = field(default_factory=Rate)  # any kind recognised: the notice is shown
    kind_recall: Rate = field(default_factory=Rate)  # the phrasing's main kind is among those recognised
    false_alarms: Rate = field(default_factory=Rate)  # look-alikes that got a notice
    per_kind: dict[str, Rate] = field(default_factory=dict)
    misses: list[tuple[str, str, list[str]]] = field(default_factory=list)
    alarms: list[tuple[str, list[str]]] = field(default_factory=list)

    def add(self, other: Figures) -> None:
        for mine, theirs in ((self.recall, other.recall), (self.kind_recall, other.kind_recall)):
            mine.hits, mine.n = mine.hits + theirs.hits, mine.n + theirs.n
        self.false_alarms.hits += other.false_alarms.hits
        self.false_alarms.n += other.false_alarms.n
        for kind, rate in other.per_kind.items():
            mine = self.per_kind.setdefault(kind, Rate())
            mine.hits, mine.n = mine.hits + rate.hits, mine.n + rate.n


def score(recognise: Recognise, judged: JudgedSet) -> Figures:
    fig = Figures()
    for text, kind, _also in judged.danger:
        kinds = recognise(text)
        fig.recall.n += 1
        fig.recall.hits += bool(kinds)
        fig.kind_recall.n += 1
        fig.kind_recall.hits += kind in kinds
        rate = fig.per_kind.setdefault(kind, Rate())
        rate.n += 1
        rate.hits += kind in kinds
        if kind not in kinds:
            fig.misses.append((text, kind, kinds))
    for text in judged.lookalike:
        kinds = recognise(text)
        fig.false_alarms.n += 1
        fig.false_alarms.hits += bool(kinds)
        if kinds:
            fig.alarms.append((text, kinds))
    return fig


def alarms_on(recognise: Recognise, ordinary: Iterable[str]) -> tuple[Rate, list[str]]:
    """False alarms on ordinary queries and situations (the search and pattern-check judged sets)."""
    rate, raised = Rate(), []
    for text in ordinary:
        rate.n += 1
        if recognise(text):
            rate.hits += 1
            raised.append(text)
    return rate, raised
