"""Warming an index opened afresh, before it serves: its per-term caches filled from its own content.

A query on an index opened afresh reads each of its words' posting lists and turns them into
scores and bitsets (search_index/score.py, bits.py); warm, the same query reads none. Profiling
the first queries on a new release (bench/warm_bench.py) showed that this reading, for the long
lists of the most frequent words and for the words the vocabulary file adds to readers' queries,
is most of what they pay. So a worker taking a new release (api/warm.py) fills those caches
first, while the old release keeps serving.

The words come from the index alone, never from what anyone typed: first the words of the
vocabulary file's entries (the thesaurus in meta.json: what readers' words expand to), in turn
with the index's words by how many documents hold them, most first, until `seconds` have passed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import zip_longest

from search_index.open_index import OpenIndex
from search_index.query import stems, words_of
from search_index.schema import TEXT_FIELD

WARM_SECONDS = 1.0  # the time budget for reading posting lists, per release and worker
WARM_SHARE = 0.5  # at most this share of the per-term caches is filled: room is left for queries


@dataclass
class Warmed:
    """What a warm-up did: seconds it took, stemmed terms whose postings it read, and whether it
    stopped at its budget (its time, or half the caches) before it ran out of words."""

    seconds: float
    terms: int
    stopped: bool


def warm_words(oi: OpenIndex) -> Iterator[str]:
    """The words to warm, in order, from the index's own content (its meta.json): the vocabulary
    file's entries and what they expand to (what readers' words are searched as), taken in turn
    with the index's words by document frequency, most first (the longest lists, in most queries)."""

    def entries() -> Iterator[str]:
        for key, values in sorted(oi.thesaurus.table.items()):
            yield from key
            for v in values:
                yield from words_of(v)

    dfs = oi.vocab._df
    frequent = sorted(dfs, key=lambda w: (-dfs[w], w))
    for pair in zip_longest(entries(), frequent):
        yield from (w for w in pair if w is not None)


def warm_index(oi: OpenIndex, seconds: float = WARM_SECONDS) -> Warmed:
    """Fill `oi`'s caches from its content for at most about `seconds` (one term may overrun it):
    the vocabulary's stem table, then per term its impacts and bitset, until half the caches are
    full (least recently used out: more would push out what was warmed first)."""
    assert oi.impacts is not None and oi.bits is not None
    started = time.perf_counter()
    deadline = started + seconds
    oi.vocab.surface(set())  # the stem table snippets and corrections use (built on first use)
    seen: set[str] = set()
    stopped = False
    for word in warm_words(oi):
        if time.perf_counter() >= deadline or _full(oi):
            stopped = True
            break
        for s in stems(word):
            if s not in seen:
                seen.add(s)
                with oi.lock:  # (not served yet; the lock costs nothing and keeps the rule simple)
                    oi.bits.term(TEXT_FIELD, s)  # reads the postings once, for the scores and the bitset
    return Warmed(time.perf_counter() - started, len(seen), stopped)


def _full(oi: OpenIndex) -> bool:
    assert oi.impacts is not None and oi.bits is not None
    held, bits = oi.impacts._terms, oi.bits._terms
    return held.currsize >= WARM_SHARE * held.maxsize or bits.currsize >= WARM_SHARE * bits.maxsize
