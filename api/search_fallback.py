"""No dead ends by meaning: when a query's words are weak, search answers with the guides closest in meaning.

Weak words: none of the query's own content words (stemmed, stop words dropped), nor a typo of
one, nor what the vocabulary file reads one as ("ghosted": no reply, silence), is in what the
guides are about: their titles, summaries, signals, tags, headings and the
prose beside the signals (the pattern analyzer's units, api/patterns/build.py), among the words
that tell guides apart (FIT_MIN_IDF). Such a query's hits can only be passing mentions in the
body ("adoring then aloof", "yoyo romance"), so its answer is (`fallback`):
- `related`: the guides the pattern analyzer finds for it (the vocabulary's expansions, how people
  talk), re-ranked by the meaning factor (api/patterns/meaning.py), as the pattern check ranks;
- `meaning`: when the analyzer finds nothing, the guides whose vectors are closest to the
  query's (the sentence encoder, api/semantic.py), none under MEANING_FLOOR, and only for a query
  with an ordinary English word, so that nonsense gets an honest empty answer instead of random
  guides (the encoder puts "asdf qwerty" at 0.34 from a guide, "yoyo romance" at 0.27).
The analyzer is the caller's (one per release and scope): only guides the caller may see.
The query's vector lives only inside the call: never cached, logged or counted.

No Flask here.
"""

from __future__ import annotations

import heapq

from api.patterns import Analyzer
from api.patterns.meaning import closest_by_meaning, with_meaning
from api.patterns.text import english_counts, normalise, tokens, tokens_all
from api.search_hints import FIT_MIN_IDF
from search_index.related import Related

FALLBACK_GUIDES = 10  # guides offered by a fallback (the analyzer's, or the encoder's closest)


def weak(q: str, a: Analyzer) -> bool:
    """None of the query's content words, a one-edit typo of one, or what the vocabulary file reads
    one as, is in what the guides are about."""
    for _, s in tokens(normalise(q)):
        idf = a.idf.get(s)
        if idf is not None and idf >= FIT_MIN_IDF:
            return False
        if idf is None and a._correct(s):
            return False
    for e in a.thesaurus.expand([w for w, _ in tokens_all(q)]):
        if any(a.idf.get(s, 0.0) >= FIT_MIN_IDF for x in e.adds for _, s in tokens(x)):
            return False
    return True


def by_meaning(q: str, a: Analyzer, first: tuple[str, ...] = ()) -> Related:
    """The fallback answer of a weak query: (kind, ((slug, score), ...) best first); `first`: guides
    that come before the others whatever their fit (the safety guides, when the notice is shown)."""
    scores = {gi: s for gi, s in a.guide_scores(a.query(q), min_idf=FIT_MIN_IDF).items() if s > 0}
    if scores:
        kind = "related"
        ranked = with_meaning(a.vectors, q, scores)
        best = heapq.nlargest(FALLBACK_GUIDES, ((s, -gi) for gi, s in ranked.items()))
        found = [(a.guides[-neg].slug, s) for s, neg in best]
    elif any(english_counts().get(w.replace("'", "")) for w, _ in tokens(normalise(q))):
        kind = "meaning"
        found = [(a.guides[gi].slug, c) for gi, c in closest_by_meaning(a.vectors, q, FALLBACK_GUIDES)]
    else:  # not one ordinary English word ("zzqx qqzv"): nothing is close in meaning, whatever the encoder says
        kind, found = "meaning", []
    # The safety guides first, those the query fits best first among them.
    place = {slug: i for i, (slug, _) in enumerate(found)}
    first = tuple(sorted((x for x in first if x in a.index), key=lambda x: place.get(x, len(found))))
    top = max((s for _, s in found), default=1.0)
    ahead = tuple((slug, top + len(first) - i) for i, slug in enumerate(first))
    return kind, ahead + tuple((slug, round(s, 4)) for slug, s in found if slug not in first)
