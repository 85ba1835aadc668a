"""The unstemmed vocabulary with document frequencies: typo corrections and prefix completions."""

from __future__ import annotations

import bisect
import heapq
from collections import defaultdict
from collections.abc import Callable

from rapidfuzz.distance import OSA
from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem

MAX_PREFIX_SCAN = 5000  # completions look at most this many words of the sorted vocabulary


class Vocab:
    """Implements search_index.query.Vocabulary over {word: document frequency}."""

    def __init__(self, dfs: dict[str, int]) -> None:
        self._df = dfs
        self._sorted = sorted(w for w in dfs if w.isalpha())
        # Corrections only look at words with the same first letter (typos there are rare, and
        # this keeps a lookup to a few hundred distance computations at any corpus size).
        self._by_first: dict[str, list[str]] = defaultdict(list)
        for w in self._sorted:
            if len(w) >= 3:
                self._by_first[w[0]].append(w)
        self._by_stem: dict[str, list[str]] | None = None

    def surface(self, stems: set[str]) -> set[str]:
        """The words of the vocabulary that stem to one of `stems` (to mark them in snippets)."""
        if self._by_stem is None:  # built on first use, once per index
            by_stem: dict[str, list[str]] = defaultdict(list)
            for w in self._df:
                by_stem[stem(w)].append(w)
            self._by_stem = by_stem
        return {w for s in stems for w in self._by_stem.get(s, ())}

    def df(self, word: str) -> int:
        return self._df.get(word, 0)

    def has_stem(self, s: str) -> bool:
        """Whether some word of the index stems to `s` (its stemmed vocabulary)."""
        self.surface(set())
        assert self._by_stem is not None
        return s in self._by_stem

    def completions(self, prefix: str, limit: int, min_len: int = 3) -> list[str]:
        """The most frequent words starting with `prefix` (itself included when it is a word)."""
        start = bisect.bisect_left(self._sorted, prefix)
        found = []
        for w in self._sorted[start : start + MAX_PREFIX_SCAN]:
            if not w.startswith(prefix):
                break
            if len(w) >= min_len and w not in STOP_WORDS:
                found.append(w)
        return heapq.nlargest(limit, found, key=lambda w: (self._df[w], -len(w)))

    def corrections(self, word: str, maxdist: int, limit: int) -> list[tuple[str, int]]:
        """Known words within `maxdist` edits, closest first, then most frequent."""
        if not word:
            return []
        scored = []
        for w in self._by_first.get(word[0], ()):
            if w == word or abs(len(w) - len(word)) > maxdist:
                continue
            d = OSA.distance(word, w, score_cutoff=maxdist)  # a transposition counts 1; maxdist+1 once over
            if d <= maxdist:
                scored.append((d, -self._df[w], w))
        scored.sort()
        return [(w, d) for d, _, w in scored[:limit]]


class ScopedVocab:
    """A partner key's view of the vocabulary: typo corrections (and so "did you mean") only offer
    words that occur in its scope, so a correction never names, or leads to, content it cannot see.

    `in_scope(word)` says whether a word occurs in the scope. Document frequencies and prefix
    completions stay those of the whole index: they only steer scoring, whose hits are restricted
    to the scope anyway, and checking every completion would read a posting list each.
    """

    CANDIDATES = 4  # whole-index candidates looked at per correction wanted

    def __init__(self, vocab: Vocab, in_scope: Callable[[str], bool]) -> None:
        self.vocab = vocab
        self.in_scope = in_scope

    def df(self, word: str) -> int:
        return self.vocab.df(word)

    def completions(self, prefix: str, limit: int) -> list[str]:
        return self.vocab.completions(prefix, limit)

    def has_stem(self, s: str) -> bool:
        return self.vocab.has_stem(s)

    def corrections(self, word: str, maxdist: int, limit: int) -> list[tuple[str, int]]:
        found = self.vocab.corrections(word, maxdist, limit * self.CANDIDATES)
        return [(w, d) for w, d in found if self.in_scope(w)][:limit]
