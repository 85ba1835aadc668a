"""What search borrows from the pattern check: the guides a reader's words fit, as ranking factors.

The pattern analyzer (api/patterns/analyzer.py) reads the query as a situation (synonyms of how
people talk, the vocabulary file's expansions) and scores whole guides by their signals, title,
tags and summary. Search multiplies the scores of those guides' hits: a guide whose point is the
query beats a passing mention. When the safety notice is shown, the safety guides the caller may
see come first. With no hit at all, the closest guides are the answer (`fallback: related`).
"""

from __future__ import annotations

from typing import Any

from api.content.model import Corpus
from api.patterns.analyzer import analyzer_for

FIT_GUIDES = 5  # the analyzer's best guides that get a factor
FIT_WEIGHT = 1.0  # the best-fitting guide's hits score (1 + FIT_WEIGHT) times theirs
SAFETY_FIRST = 1000.0  # the safety guides' factor when the notice is shown: first, in their own order
SAFETY_MATCHED = 99.0  # a safety guide the situation does not fit: first among hits, never added


def guide_boosts(q: str, corpus: Corpus, safety: dict[str, Any] | None) -> tuple[tuple[str, float], ...]:
    """(guide slug, factor) for the guides the query fits best, and the safety guides first."""
    a = analyzer_for(corpus)
    scores = a.guide_scores(a.query(q))
    best = sorted(((s, a.guides[gi].slug) for gi, s in scores.items() if s > 0), reverse=True)[:FIT_GUIDES]
    top = best[0][0] if best else 1.0
    out = {slug: 1.0 + FIT_WEIGHT * s / top for s, slug in best}
    if safety is not None:
        for g in safety.get("guides") or ():
            if g["slug"] in out or not best:
                out[g["slug"]] = SAFETY_FIRST * out.get(g["slug"], 1.0)
            else:
                out[g["slug"]] = SAFETY_MATCHED  # first, but only where its words match
    return tuple(sorted(out.items()))
