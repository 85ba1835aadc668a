"""No dead ends by meaning: when a query's words are weak, search answers with the guides closest in meaning.

A query is read once (`read`): its own content words (stemmed, stop words dropped), typos of them,
and what the vocabulary file reads them as ("ghosted": no reply, silence). It is *weak* when none
of its own words, nor a one-edit typo of one, is in what the guides are about (their titles,
summaries, signals, tags, headings and the prose beside the signals: the pattern analyzer's units,
api/patterns/build.py, among the words that tell guides apart, FIT_MIN_IDF), and no vocabulary
reading of its words is *telling*: fits some guide at READING_FIT or more on its own. "ghosted",
"nc", "gaslighting", "custody" are telling; "boyfriend" (-> partner), "dumped" (-> breakup) and
"dms" (-> messages) say who or what, not which pattern, so "boomerang boyfriend" or "dumped w zero
clarity" are weak: their word hits could only be passing mentions or the guides that talk most of
partners and breakups. Such a query's answer is (`fallback`):
- `related`: the guides the pattern analyzer finds for it, re-ranked by the meaning factor
  (api/patterns/meaning.py) as the pattern check ranks; when the query is weak only because its
  readings are broad, every guide is ranked by meaning, the readings' fit counting BROAD_WORDS of
  the found guides' weight (the broad words alone put the same two or three guides first whatever
  was asked);
- `meaning`: when the analyzer finds nothing, the guides whose vectors are closest to the
  query's (the sentence encoder, api/semantic.py), none under MEANING_FLOOR, and only for a query
  with an ordinary English word, so that nonsense gets an honest empty answer instead of random
  guides (the encoder puts "asdf qwerty" at 0.34 from a guide, "yoyo romance" at 0.27).
Either way, the guides whose `sounds_like` examples use the query's words move up (READERS_WORDS;
api/patterns/example_words.py): a fallback query's words are in no guide's text, but often in the
examples, which readers' own words fill.
The analyzer is the caller's (one per release and scope): only guides the caller may see.
The query's vector lives only inside the call: never cached, logged or counted.
READING_FIT and BROAD_WORDS were chosen on the spent fallback sets, each held out in turn
(bench/results/search-judged.md, "Session 29").

No Flask here.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from api.patterns import Analyzer
from api.patterns.analyzer import SYNONYM, Query
from api.patterns.meaning import MEANING_FLOOR, QUERY_TOKENS, closest_by_meaning, meaning_terms, with_meaning
from api.patterns.text import english_counts, normalise, tokens, tokens_all
from api.search_hints import FIT_MIN_IDF
from api.semantic import EncoderUnavailable, encoder
from search_index.related import Related

FALLBACK_GUIDES = 10  # guides offered by a fallback (the analyzer's, or the encoder's closest)
# A vocabulary reading is telling when it alone fits a guide this well: about one rare guide word
# (idf ~2.5) in a short signal. "boyfriend" -> partner fits its best guide at 1.41, "dumped" ->
# breakup at 0.70, "dms" -> messages at 0.63; "nc" 1.61, "ghosted" 2.05, "gaslighting" 4.12.
READING_FIT = 1.5
# The weight of the guides' examples when every guide is ranked by meaning (a query understood only
# through broad readings): the examples share the broad words ("boyfriend"), so they tell less here.
# Spent fallback sets 3-7, first guide acceptable: 0 -> 95/141, 4 -> 102, 8 -> 105, 16 -> 104; 4 keeps
# "boomerang boyfriend" answering on-again-off-again second (jealousy second from 8 on).
BROAD_EXAMPLES = 4.0
BROAD_WORDS = 0.25  # the weight of broad readings' fit beside meaning (the found guides' is 1)
# How much the query's words in the guides' examples (api/patterns/example_words.py) add to a
# fallback guide's score, as a share of the best guide's. Spent fallback sets 3-9 (197 fallbacks),
# first guide acceptable: none 143; related/meaning 0.05/0.1 151, 0.1/0.15 153, 0.1/0.2 152,
# 0.15/0.15 150, 0.1/0.3 149, 0.2/0.2 146; without broad-only queries (by_meaning) 0.1/0.15 149,
# 0.05/0.1 147, 0.1/0.2 148 (session 31).
READERS_WORDS = {"related": 0.1, "meaning": 0.15}


@dataclass(frozen=True)
class Reading:
    """What search understood of a query, for the fallback: read once per request."""

    weak: bool  # nothing the guides are about, nor a telling vocabulary reading
    broad: bool  # weak although vocabulary readings matched (all of them broad)
    english: bool  # at least one ordinary English word (else nonsense: no meaning answer)


def read(q: str, a: Analyzer) -> Reading:
    """Whether a query's words are weak (see the module docstring), reading its words once."""
    own = tokens(normalise(q))
    english = any(english_counts().get(w.replace("'", "")) for w, _ in own)
    for _, s in own:
        idf = a.idf.get(s)
        if (idf is not None and idf >= FIT_MIN_IDF) or (idf is None and a.correct(s)):
            return Reading(False, False, english)
    broad = False
    for e in a.thesaurus.expand([w for w, _ in tokens_all(q)]):
        reading = Query()
        for _, s in (t for x in e.adds for t in tokens(x)):
            if a.idf.get(s, 0.0) >= FIT_MIN_IDF:
                reading.add(s, SYNONYM, e.phrase)
        if not reading.weights:
            continue
        if max(a.guide_scores(reading, min_idf=FIT_MIN_IDF).values(), default=0.0) >= READING_FIT:
            return Reading(False, False, english)
        broad = True
    return Reading(True, broad, english)


def weak(q: str, a: Analyzer) -> bool:
    return read(q, a).weak


def by_meaning(
    q: str, a: Analyzer, first: tuple[str, ...] = (), reading: Reading | None = None, lead: str | None = None
) -> Related:
    """The fallback answer of a weak query: (kind, ((slug, score), ...) best first); `first`: guides
    that come before the others whatever their fit (the safety guides, when the notice is shown),
    `lead` first among them (the one that speaks of the harm recognised: search_hints.harm_guide)."""
    reading = reading or read(q, a)
    scores = {gi: s for gi, s in a.guide_scores(a.query(q), min_idf=FIT_MIN_IDF).items() if s > 0}
    if scores:
        kind = "related"
        ranked = _all_by_meaning(a, q, scores) if reading.broad else with_meaning(a.vectors, q, scores)
        best = heapq.nlargest(FALLBACK_GUIDES, ((s, -gi) for gi, s in ranked.items()))
        found = [(a.guides[-neg].slug, s) for s, neg in best]
    elif reading.english:
        kind = "meaning"
        found = [(a.guides[gi].slug, c) for gi, c in closest_by_meaning(a.vectors, q, FALLBACK_GUIDES)]
    else:  # not one ordinary English word ("zzqx qqzv"): nothing is close in meaning, whatever the encoder says
        kind, found = "meaning", []
    # Not for a query understood only through broad readings: its words in the examples are the broad
    # ones too ("boyfriend" puts the guides whose readers say it most first).
    found = _with_readers_words(a, q, found, 0.0 if reading.broad else READERS_WORDS.get(kind, 0.0))
    # The safety guides first, those the query fits best first among them.
    place = {slug: i for i, (slug, _) in enumerate(found)}
    first = tuple(sorted((x for x in first if x in a.index), key=lambda x: (x != lead, place.get(x, len(found)))))
    top = max((s for _, s in found), default=1.0)
    ahead = tuple((slug, top + len(first) - i) for i, slug in enumerate(first))
    return kind, ahead + tuple((slug, round(s, 4)) for slug, s in found if slug not in first)


def _all_by_meaning(a: Analyzer, q: str, scores: dict[int, float]) -> dict[int, float]:
    """Every guide with a vector by meaning, the broad readings' fit counting BROAD_WORDS: guides
    neither found nor close in meaning (under MEANING_FLOOR) are left out. The words' scores alone
    without vectors or encoder."""
    if a.vectors is None:
        return scores
    try:
        query = encoder().encode([q], max_tokens=QUERY_TOKENS)[0]
    except EncoderUnavailable:
        return scores
    cos = a.vectors @ query
    best = max(scores.values())
    near = [gi for gi in range(len(a.vectors)) if a.vectors.has(gi) and (gi in scores or cos[gi] >= MEANING_FLOOR)]
    terms = meaning_terms(a.vectors, query, near, BROAD_EXAMPLES)
    return {gi: BROAD_WORDS * scores.get(gi, 0.0) / best + m for gi, m in terms.items()}


def _with_readers_words(a: Analyzer, q: str, found: list[tuple[str, float]], weight: float) -> list[tuple[str, float]]:
    """`found` re-ordered with how well the query's words match each guide's examples, adding
    `weight` times the best guide's score at most (ExampleWords.fit)."""
    fit = a.example_words.fit(q) if weight and found else {}
    if not fit:
        return found
    top = max(s for _, s in found)
    scored = [(slug, s + weight * top * fit.get(a.index[slug], 0.0)) for slug, s in found]
    return sorted(scored, key=lambda x: -x[1])
