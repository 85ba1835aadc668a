"""The words of each guide's `sounds_like` examples, for search's fallback.

A query falls back because its words are in no guide's text ("hounded by former girlfriend",
"boomerang exbf"). The examples are written in readers' own words, so such words are often in
them: a word that only one guide's examples use says much about the query, one that all use
little. `ExampleWords.fit` is that match, a guide at a time (tf-idf over each guide's examples as
one text), the best guide at 1.

On the spent fallback sets 3-9 (197 fallbacks), adding it to the fallback's order
(api/search_fallback.py, READERS_WORDS) made the first guide acceptable for 149 instead of 143; on
the spent pattern sets (542 situations), adding it to the pattern check (meaning.py,
EXAMPLE_WORDS_WEIGHT) put the best guide first for 479 instead of 458 (session 31,
bench/results/search-judged.md). Alone it did worse (first acceptable for 158 of the 287 fallback
queries it matched).

No Flask here. The query's words live only inside the call.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from api.patterns.text import normalise, tokens


@dataclass(frozen=True)
class ExampleWords:
    postings: Mapping[str, Mapping[int, int]] = field(default_factory=dict)  # stem -> guide -> times used
    guides: int = 0

    @classmethod
    def build(cls, examples: Iterable[Iterable[str]]) -> ExampleWords:
        """From each guide's examples, in the analyzer's guide order."""
        postings: dict[str, dict[int, int]] = {}
        n = 0
        for gi, texts in enumerate(examples):
            n = gi + 1
            for s, count in Counter(s for t in texts for _, s in tokens(normalise(t))).items():
                postings.setdefault(s, {})[gi] = count
        return cls(postings, n)

    def fit(self, q: str) -> dict[int, float]:
        """Each guide whose examples use a word of `q`: how well they match it, the best at 1."""
        out: dict[int, float] = {}
        for s in {s for _, s in tokens(normalise(q))}:
            used = self.postings.get(s)
            if not used:
                continue
            idf = math.log(1 + self.guides / len(used))
            for gi, count in used.items():
                out[gi] = out.get(gi, 0.0) + idf * (1 + math.log(count))
        best = max(out.values(), default=0.0)
        return {gi: v / best for gi, v in out.items()} if best > 0 else {}
