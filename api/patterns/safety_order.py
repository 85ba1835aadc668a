"""Where the safety guides go in the pattern check's ranking when danger is recognised.

The analyzer (analyzer.py) ranks by words and meaning; these rules then move a safety guide up:
- harm to body or life (HARM_KINDS) and no safety guide first: the safety guide that speaks of that
  harm goes first (`harm_guide_first`);
- any danger: a safety guide is among the first SAFETY_IN_VIEW (`safety_in_view`).

No Flask here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from api.language.signals import Found

if TYPE_CHECKING:
    from api.patterns.analyzer import Analyzer

SAFETY_IN_VIEW = 3  # danger recognised: a safety guide is among this many first (if one is found)


def harm_guide_first(a: Analyzer, ranked: dict[int, float], danger: Iterable[Found]) -> dict[int, float]:
    """Harm to body or life recognised, and no safety guide first: the safety guide that speaks
    of that harm goes first (Analyzer.harm_fit), then by its rank."""
    if not ranked or a.guides[max(ranked, key=lambda gi: (ranked[gi], -gi))].safety_sensitive:
        return ranked
    fit = a.harm_fit(f.kind for f in danger)
    safe = [gi for gi in ranked if a.guides[gi].safety_sensitive]
    if not safe:
        return ranked
    lift = max(safe, key=lambda gi: (fit.get(gi, 0.0), ranked[gi], -gi))
    return {**ranked, lift: max(ranked.values()) + 1.0}


def safety_in_view(a: Analyzer, ranked: dict[int, float]) -> dict[int, float]:
    """Danger recognised: a safety guide is among the first SAFETY_IN_VIEW whatever meaning says (the
    best placed of those found moves up to the last of those places). Without it, the examples of
    ordinary guides that share a situation's words ("he still has the pics") could fill them."""
    order = sorted(ranked, key=lambda gi: (-ranked[gi], gi))
    if len(order) <= SAFETY_IN_VIEW or any(a.guides[gi].safety_sensitive for gi in order[:SAFETY_IN_VIEW]):
        return ranked
    lift = next((gi for gi in order if a.guides[gi].safety_sensitive and ranked[gi] > 0), None)
    if lift is None:
        return ranked
    return {**ranked, lift: ranked[order[SAFETY_IN_VIEW - 1]] + 1e-6}
