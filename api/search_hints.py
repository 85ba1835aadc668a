"""What search borrows from the pattern check: the guides a reader's words fit, as ranking factors.

The pattern analyzer (api/patterns/analyzer.py) reads the query as a situation (synonyms of how
people talk, the vocabulary file's expansions) and scores whole guides by their signals, title,
tags and summary. Search multiplies the scores of those guides' hits: a guide whose point is the
query beats a passing mention. When the safety notice is shown, the safety guides the caller may
see come first. With no hit at all, the closest guides are the answer (`fallback: related`).
"""

from __future__ import annotations

import heapq
import threading
from typing import Any

from cachetools import LRUCache

from api.patterns import Analyzer
from api.patterns.meaning import QUERY_TOKENS, with_meaning

FIT_GUIDES = 5  # the analyzer's best guides that get a factor
FIT_WEIGHT = 4.0  # the best-fitting guide's hits score (1 + FIT_WEIGHT) times theirs
# A query of this many words or more is read as the pattern check reads a situation: the guides its
# words find, ranked with meaning, the guides' examples and their words (meaning.with_meaning), the
# five best getting factors from 1 (the fifth) to 1 + FIT_WEIGHT (the first). Spent search sets
# (judged, blind 1-3, 10, 11; 484 queries), best-first / top-3: words only (weight 1) 372 / 459;
# with meaning, weight 4: 427 / 475 (8 and 16: 427-428); from 1 word: 424; the query's first 32
# tokens read (QUERY_TOKENS) or 64: 427 either way (session 31).
MEANING_WORDS = 3
SAFETY_FIRST = 1000.0  # the safety guides' factor when the notice is shown: first, in their own order
FIT_MIN_IDF = 0.4  # words in about two thirds of the guides or more tell little apart: skipped (the costliest)
FIT_CACHE = 4096  # guide fits kept per release and scope (queries repeat: autocomplete, paging, shared links)
SAFETY_MATCHED = 99.0  # a safety guide the situation does not fit: first among hits, never added
HARM_FIRST = 100.0  # the safety guide that speaks of the harm recognised (harm_guide): before the others


class Fits:
    """The analyzer's best guides per query, for one analyzer (one release and scope: the web layer
    keeps one with the release, api/current.py `fits_of`). In memory only, bounded, and keyed by the
    words: what people type is never written anywhere (the search index's results cache holds the same)."""

    def __init__(self, size: int = FIT_CACHE) -> None:
        self._found: LRUCache[str, list[tuple[float, str]]] = LRUCache(size)
        self._lock = threading.Lock()

    def get(self, q: str, a: Analyzer) -> list[tuple[float, str]]:
        key = " ".join(q.lower().split())
        with self._lock:
            found = self._found.get(key)
        if found is None:
            found = guide_fit(q, a)
            with self._lock:
                self._found[key] = found
        return found


def guide_boosts(
    q: str, analyzer: Analyzer, safety: dict[str, Any] | None, fits: Fits | None = None, lead: str | None = None
) -> tuple[tuple[str, float], ...]:
    """(guide slug, factor) for the guides the query fits best (by the analyzer of the caller's
    corpus; `fits`: that analyzer's cache, None for none), and the safety guides first, `lead` (the
    caller's harm_guide for this query and notice) first among them."""
    fit = guide_fit(q, analyzer) if fits is None else fits.get(q, analyzer)
    top = fit[0][0] if fit else 1.0
    out = {slug: 1.0 + FIT_WEIGHT * s / top for s, slug in fit}
    best = fit
    if safety is not None:
        for g in safety.get("guides") or ():
            if g["slug"] in out or not best:
                out[g["slug"]] = SAFETY_FIRST * out.get(g["slug"], 1.0)
            else:
                out[g["slug"]] = SAFETY_MATCHED  # first, but only where its words match
        if lead is not None and lead in out:
            out[lead] *= HARM_FIRST
    return tuple(sorted(out.items()))


def harm_guide(q: str, analyzer: Analyzer, safety: dict[str, Any] | None) -> str | None:
    """Of the safety guides the notice shows, the one that speaks best of the harm to body or life it
    recognised (violence, strangulation, ...: Analyzer.harm_fit), to come first, unless the rest of
    the query (its words of danger left out) fits a safety guide best on its own: "he hit me" is
    answered by the guide on leaving safely, not by the one on phone-checking, while "mourning an
    abusive relationship" keeps the guide on grieving one. None otherwise."""
    if safety is None:
        return None
    shown = {g["slug"] for g in safety.get("guides") or ()}
    harm = analyzer.harm_fit(k["kind"] for k in safety.get("kinds") or ())
    best = max(((s, -gi) for gi, s in harm.items() if analyzer.guides[gi].slug in shown), default=None)
    if best is None:
        return None
    rest = guide_fit(analyzer.without_danger(q), analyzer)
    return None if rest and rest[0][1] in shown else analyzer.guides[-best[1]].slug


def guide_fit(q: str, a: Analyzer) -> list[tuple[float, str]]:
    """The analyzer's best guides for the query, (score, slug) best first: by its words, and for a
    query of MEANING_WORDS words or more by meaning too (then the scores run from 1 down to 0)."""
    scores = {gi: s for gi, s in a.guide_scores(a.query(q), min_idf=FIT_MIN_IDF).items() if s > 0}
    if a.vectors is not None and scores and len(q.split()) >= MEANING_WORDS:
        ranked = with_meaning(a.vectors, q, scores, None, True, a.example_words.fit(q), QUERY_TOKENS)
        best = heapq.nlargest(FIT_GUIDES, ((s, a.guides[gi].slug) for gi, s in ranked.items()))
        low, top = best[-1][0], best[0][0]
        return [((s - low) / (top - low) if top > low else 1.0, slug) for s, slug in best]
    return heapq.nlargest(FIT_GUIDES, ((s, a.guides[gi].slug) for gi, s in scores.items()))
