"""One opened index directory: the Whoosh searcher, facet bitsets, vocabulary and caches.

Moved out of search_index/engine.py (which searches it) unchanged but for the per-document guide
slugs and the vocabulary file's thesaurus that issue 15 added to the index's meta.json.
"""

from __future__ import annotations

import json
import sys
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from whoosh import index

from api.language.thesaurus import Thesaurus
from search_index.bits import BitsetCache, from_ids
from search_index.meta import META
from search_index.query import words_of
from search_index.schema import DOC_TYPES, PAIR_FIELD, PHRASE_FIELD, TEXT_FIELD
from search_index.score import ImpactCache, bm25_norms
from search_index.vocab import Vocab

CACHE_ENTRIES = 2048  # results kept per open index, least recently used out


@dataclass(eq=False)
class OpenIndex:
    """One opened index directory: Whoosh searcher, facet arrays, vocabulary, results cache."""

    name: str
    ix: Any
    searcher: Any
    version: str
    types: list[str]
    collections: list[str]
    tags: list[tuple[str, ...]]
    vocab: Vocab
    titles: list[tuple[str, str, tuple[str, ...]]]
    titles_by_length: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)  # for suggest
    guide_of: list[str] = field(default_factory=list)  # docnum -> its guide's slug
    docs_of: dict[str, list[int]] = field(default_factory=dict)  # guide slug -> its docnums, the guide's own first
    thesaurus: Thesaurus = field(default_factory=lambda: Thesaurus({}))
    lock: threading.Lock = field(default_factory=threading.Lock)
    cache: LRUCache[tuple, dict[str, Any]] = field(default_factory=lambda: LRUCache(CACHE_ENTRIES))
    users: int = 0
    retired: bool = False
    bits: BitsetCache | None = None
    impacts: ImpactCache | None = None  # stemmed words (the scored field)
    word_impacts: ImpactCache | None = None  # words as typed, for queries of stop words only
    pair_impacts: ImpactCache | None = None  # word pairs, for quoted phrases
    facet_bits: dict[str, dict[str, int]] = field(default_factory=dict)
    rank: list[int] | None = None  # docnum -> place in a full build's order (None: the docnum itself)
    _closer: weakref.finalize = field(init=False, repr=False)

    @classmethod
    def open(cls, path: Path) -> OpenIndex:
        meta = json.loads((path / META).read_text(encoding="utf-8"))
        ix = index.open_dir(str(path), readonly=True)
        searcher = ix.searcher()
        titles = [(slug, title, tuple(words_of(title))) for slug, title in meta["titles"]]
        oi = cls(
            name=path.name,
            ix=ix,
            searcher=searcher,
            version=meta["version"],
            types=[DOC_TYPES[t] for t in meta["types"]],
            collections=[sys.intern(c) for c in meta["collections"]],
            tags=[tuple(sys.intern(t) for t in ts) for ts in meta["tags"]],
            vocab=Vocab(meta["vocab"]),
            titles=titles,
            titles_by_length=sorted(titles, key=lambda t: len(t[1])),  # (stable: index order within a length)
            guide_of=[sys.intern(g) for g in meta.get("guides", ())],
            thesaurus=Thesaurus.from_data(meta.get("thesaurus") or {}),
            rank=meta.get("rank"),
        )
        for d, g in enumerate(oi.guide_of):
            if g:  # ("": a deleted document of an incrementally built index)
                docs = oi.docs_of.setdefault(g, [])
                docs.insert(0, d) if oi.types[d] == "guide" else docs.append(d)
        n = len(oi.types)
        # BM25's statistics over the live documents (search_index/meta.py); older indexes: Whoosh's.
        stats = meta.get("stats") or {}
        live, lengths = stats.get("docs"), stats.get("lengths", {})

        def avg(f: str) -> float | None:
            return lengths[f] / live if live and f in lengths else None

        oi.impacts = ImpactCache(searcher, TEXT_FIELD, bm25_norms(searcher, TEXT_FIELD, n, avg(TEXT_FIELD)), live)
        exact_norms = bm25_norms(searcher, PHRASE_FIELD, n, avg(PHRASE_FIELD))
        oi.word_impacts = ImpactCache(searcher, PHRASE_FIELD, exact_norms, live)
        scored = {TEXT_FIELD: oi.impacts.ids}
        if PAIR_FIELD in searcher.schema:  # an index built before the pair field: phrases scored by their words
            oi.pair_impacts = ImpactCache(searcher, PAIR_FIELD, exact_norms, live)
            scored[PAIR_FIELD] = oi.pair_impacts.ids
        oi.bits = BitsetCache(searcher, n, scored=scored)
        # whoosh3 opens the stored-fields column on first use; open it now, so that every file this
        # index reads is open before its directory can be pruned by later builds.
        for leaf, _ in searcher.reader().leaf_readers():
            if leaf.doc_count_all():
                leaf.stored_fields(0)
        # One bitset per facet value: a facet count is then `bin(matched & value_bits).count`.
        for name, values in (("type", oi.types), ("collection", oi.collections), ("tag", oi.tags)):
            ids: dict[str, list[int]] = {}
            for d, v in enumerate(values):
                for one in v if isinstance(v, tuple) else (v,):
                    ids.setdefault(one, []).append(d)
            oi.facet_bits[name] = {v: from_ids(ds, n) for v, ds in ids.items()}
        # Its files are closed by close(), or when it is dropped unclosed (an app thrown away).
        oi._closer = weakref.finalize(oi, _close_files, searcher, ix)
        return oi

    def close(self) -> None:
        self._closer()

    def filter_bits(
        self, types: tuple[str, ...], collection: str | None, tag: str | None, collections: frozenset[str] | None = None
    ) -> int:
        bits = -1
        if types:
            bits &= sum(self.facet_bits["type"].get(t, 0) for t in set(types))
        if collection:
            bits &= self.facet_bits["collection"].get(collection, 0)
        if collections is not None:
            bits &= self.collections_bits(collections)
        if tag:
            bits &= self.facet_bits["tag"].get(tag, 0)
        return max(bits, 0)

    def collections_bits(self, collections: frozenset[str]) -> int:
        """The documents of guides in any of these collections (a partner key's scope)."""
        bits = 0
        for c in collections:
            bits |= self.facet_bits["collection"].get(c, 0)
        return bits

    def in_scope(self, collections: frozenset[str]) -> Callable[[str], bool]:
        """Whether a word (as typed) occurs in these collections; call under `lock`."""
        assert self.bits is not None
        scope, bits = self.collections_bits(collections), self.bits
        return lambda word: bool(bits.term(PHRASE_FIELD, word) & scope)


def _close_files(searcher: Any, ix: Any) -> None:
    searcher.close()
    ix.close()
