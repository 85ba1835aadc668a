"""Document sets as Python ints (bit d set = docnum d matches): unions, filters and facet counts
in C (`|`, `&`, `int.bit_count`) instead of a Python loop per matching document."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from typing import Any

import numpy as np
from cachetools import LRUCache
from whoosh import query as wq
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from search_index import whoosh3_internals
from search_index.schema import PAIR_FIELD, PHRASE_FIELD, pairs_of

VECTOR_MIN = 64  # from this many docnums, a bitset is made in numpy (no Python call per docnum)


def from_ids(ids: Iterable[int], size: int) -> int:
    if isinstance(ids, Sized) and len(ids) >= VECTOR_MIN:
        bits = np.zeros(((size >> 3) + 1) << 3, dtype=bool)
        bits[np.asarray(ids, dtype=np.int64)] = True
        return int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little")
    buf = bytearray((size >> 3) + 1)
    for d in ids:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


def to_ids(bits: int) -> list[int]:
    """The docnums in a bitset, ascending."""
    out: list[int] = []
    data = bits.to_bytes((bits.bit_length() >> 3) + 1, "little")
    for i, byte in enumerate(data):
        if byte:
            base = i << 3
            out.extend(base + j for j in range(8) if byte >> j & 1)
    return out


def postings(reader: Any, field: str, text: str, weights: bool = False) -> tuple[list[int], list[float]]:
    """All live docnums of a term (and their weights when asked), segment by segment.

    Deleted documents (an incrementally built index keeps them until their segment merges) are
    left out, so callers never see them.
    """
    leaves = reader.leaf_readers()
    if len(leaves) == 1 and leaves[0][1] == 0:
        return _leaf_postings(leaves[0][0], field, text, weights)
    ids: list[int] = []
    ws: list[float] = []
    for leaf, base in leaves:
        lids, lws = _leaf_postings(leaf, field, text, weights)
        ids.extend(map(base.__add__, lids)) if base else ids.extend(lids)
        ws.extend(lws)
    return ids, ws


def _leaf_postings(reader: Any, field: str, text: str, weights: bool) -> tuple[list[int], list[float]]:
    """One segment's postings, read a block at a time.

    Whoosh's generic `all_ids()` makes several Python calls per posting; whoosh3's leaf matcher
    is read a block at a time instead (whoosh3_internals; a test compares it with Whoosh's own
    matcher), and any other matcher through the public matcher API. A segment with deletions
    wraps its matcher in a filter: the block reader reads the one inside and drops the deleted.
    """
    try:
        m = reader.postings(field, text)
    except TermNotFound:
        return [], []
    deleted = getattr(reader, "deleted_docs_set", None)
    inner = getattr(m, "child", None) if deleted else m
    fast = whoosh3_internals.block_postings(inner, weights) if inner is not None else None
    if fast is not None:
        if not deleted:
            return fast
        if not weights:
            return [d for d in fast[0] if d not in deleted], []
        kept = [(d, w) for d, w in zip(*fast, strict=True) if d not in deleted]
        return [d for d, _ in kept], [w for _, w in kept]
    ids: list[int] = []
    ws: list[float] = []
    while m.is_active():
        ids.append(m.id())
        if weights:
            ws.append(m.weight())
        m.next()
    return ids, ws


def posting_ids(reader: Any, field: str, text: str) -> list[int]:
    return postings(reader, field, text)[0]


def field_lengths(reader: Any, field: str, size: int) -> list[int]:
    """Every document's length in a field (Whoosh's one-byte approximation), in docnum order.

    Whoosh reads one length per call (a few Python calls each: 0.3 s for 90,000 documents). A
    whoosh3 segment keeps them as one byte per document in a fixed-width column, so each segment's
    column bytes are read at once (whoosh3_internals) and decoded with a 256-entry table; any other
    reader (another codec) takes the per-document path. A test compares both.
    """
    table = [byte_to_length(b) if b else 0 for b in range(256)]
    out: list[int] = []
    for leaf, base in reader.leaf_readers():
        n = leaf.doc_count_all()
        data = whoosh3_internals.length_bytes(leaf, field, n)
        out.extend([0] * (base - len(out)))
        if data is None:
            out.extend(leaf.doc_field_length(d, field, 0) or 0 for d in range(n))
        else:
            out.extend([table[b] for b in data] + [0] * (n - len(data)))
    return out[:size] + [0] * (size - len(out))


class BitsetCache:
    """Bitsets of terms (read once per index version, least recently used out) and of queries."""

    def __init__(
        self,
        searcher: Any,
        size: int,
        max_terms: int = 4096,
        scored: Mapping[str, Callable[[str], Sequence[int]]] | None = None,
    ) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = size
        self.max_terms = max_terms
        self._terms: LRUCache[tuple[str, str], int] = LRUCache(max_terms)
        # Indexes built before the pair field existed still answer phrases with Whoosh's matcher.
        self.pairs = PAIR_FIELD in searcher.schema
        # Fields whose terms are scored as well: their docnums come from the scores' cache, so a
        # posting list is read once for both (field -> text -> docnums).
        self.scored = dict(scored or {})

    def term(self, field: str, text: str) -> int:
        ids = self.scored.get(field)
        if ids is not None:
            return self._cached((field, text), lambda: from_ids(ids(text), self.size))
        return self._cached((field, text), lambda: from_ids(posting_ids(self.reader, field, text), self.size))

    def _cached(self, key: tuple[str, str], make: Callable[[], int]) -> int:
        bits = self._terms.get(key)
        if bits is None:
            bits = self._terms[key] = make()
        return bits

    def query(self, q: wq.Query) -> int:
        """The documents a query matches (scores aside), built from term bitsets where possible."""
        if isinstance(q, wq.Term):
            return self.term(q.fieldname, q.text)
        if isinstance(q, wq.Or):
            bits = 0
            for sub in q.subqueries:
                bits |= self.query(sub)
            return bits
        if isinstance(q, wq.And):
            bits = -1
            for sub in q.subqueries:
                bits &= self.query(sub)
            return max(bits, 0)
        if isinstance(q, wq.AndMaybe):
            return self.query(q.a)
        if isinstance(q, wq.Phrase) and self.pairs and q.fieldname == PHRASE_FIELD and q.slop == 1 and len(q.words) > 1:
            return self._cached(("", repr(q)), lambda: self.phrase(list(q.words)))
        # Anything else: Whoosh's own matcher, cached too.
        return self._cached(("", repr(q)), lambda: from_ids(self.searcher.docs_for_query(q), self.size))

    def phrase(self, words: list[str]) -> int:
        """The documents with these words at consecutive positions of the exact field.

        The candidates are the documents holding every adjacent pair (an AND of cached pair bitsets).
        Two words: that is the answer (a pair is indexed exactly where the two words are adjacent).
        Three or more: the pairs can occur apart ("a b ... b c"), so the few candidates' positions
        are checked, reading each word's postings forward with skip_to.
        """
        bits = -1
        for p in pairs_of(words):
            bits &= self.term(PAIR_FIELD, p)
            if not bits:
                return 0
        if len(words) == 2:
            return bits
        matchers = {}
        for w in dict.fromkeys(words):
            try:
                matchers[w] = self.reader.postings(PHRASE_FIELD, w)
            except TermNotFound:
                return 0
        found = []
        for d in to_ids(bits):
            positions = {}
            for w, m in matchers.items():
                if m.is_active() and m.id() < d:
                    m.skip_to(d)
                if not m.is_active() or m.id() != d:
                    break
                positions[w] = set(m.value_as("positions"))
            else:
                first, rest = positions[words[0]], list(enumerate(words))[1:]
                if any(all(p + i in positions[w] for i, w in rest) for p in first):
                    found.append(d)
        return from_ids(found, self.size)
