"""Searching: one open index per process, for the one index directory of a release.

The directory never changes once written (search_index/build.py): a new release brings a new
engine, and the old one's files are closed when the last request holding its release lets go.
`Searcher.refresh()` is never used: in whoosh forks after 2.7.4 it can return duplicate documents
after segments merge. A fork (gunicorn with preload_app) is detected by pid and reopens.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import threading
import time
import weakref
from collections.abc import Callable, Container, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from whoosh import index

from api.language.thesaurus import Thesaurus
from search_index.bits import BitsetCache, from_ids
from search_index.build import META
from search_index.group import GROUP_DEPTH, factors_for, group_hits
from search_index.query import ParsedQuery, Plan, Vocabulary, build_query, parse_query, words_of
from search_index.schema import DOC_TYPES, PAIR_FIELD, PHRASE_BOOST, PHRASE_FIELD, TEXT_FIELD, pairs_of
from search_index.score import ImpactCache, bm25_norms, top_k
from search_index.snippets import snippet
from search_index.vocab import ScopedVocab, Vocab

CACHE_ENTRIES = 2048  # results kept per open index, least recently used out
MAX_DEPTH = 1000  # page * page_size: deeper paging is refused (scoring cost grows with depth)
FACET_LIMIT = 20  # values per facet in a response
SUGGEST_TERMS_MIN_DF = 2
ADD_FACTOR = 100.0  # a boost this large (a safety guide shown first) adds the guide even without a hit


class IndexMissing(RuntimeError):
    """No index has been built (or the live one cannot be opened)."""


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
            guide_of=[sys.intern(g) for g in meta.get("guides", ())],
            thesaurus=Thesaurus.from_data(meta.get("thesaurus", ())),
        )
        for d, g in enumerate(oi.guide_of):
            docs = oi.docs_of.setdefault(g, [])
            docs.insert(0, d) if oi.types[d] == "guide" else docs.append(d)
        n = len(oi.types)
        oi.impacts = ImpactCache(searcher, TEXT_FIELD, bm25_norms(searcher, TEXT_FIELD, n))
        exact_norms = bm25_norms(searcher, PHRASE_FIELD, n)
        oi.word_impacts = ImpactCache(searcher, PHRASE_FIELD, exact_norms)
        scored = {TEXT_FIELD: oi.impacts.ids}
        if PAIR_FIELD in searcher.schema:  # an index built before the pair field: phrases scored by their words
            oi.pair_impacts = ImpactCache(searcher, PAIR_FIELD, exact_norms)
            scored[PAIR_FIELD] = oi.pair_impacts.ids
        oi.bits = BitsetCache(searcher, n, scored=scored)
        # whoosh3 opens the stored-fields column on first use; open it now, so that every file this
        # index reads is open before its directory can be pruned by later builds.
        if n:
            searcher.reader().stored_fields(0)
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


class SearchEngine:
    """Searches the index in `directory`; safe to create before a fork (opens lazily)."""

    def __init__(self, directory: str | Path, cache_entries: int = CACHE_ENTRIES) -> None:
        self.directory = Path(directory)
        self.cache_entries = cache_entries
        self._lock = threading.Lock()
        self._open: OpenIndex | None = None
        self._pid = os.getpid()

    # -- lifecycle ---------------------------------------------------------------------------
    def _current(self) -> OpenIndex:
        pid = os.getpid()
        if pid == self._pid and self._open is not None:
            return self._open
        with self._lock:
            if pid != self._pid:
                # Forked: the inherited files share their read offsets with the parent's, so open
                # our own. Closing our copies of the old ones does not close the parent's.
                inherited, self._open, self._pid = self._open, None, pid
                if inherited is not None:
                    with suppress(Exception):
                        inherited.close()
            if self._open is None:
                if not (self.directory / META).is_file():
                    raise IndexMissing("No search index has been built.")
                try:
                    fresh = OpenIndex.open(self.directory)
                except (OSError, ValueError, KeyError) as exc:
                    raise IndexMissing(f"The search index cannot be opened: {type(exc).__name__}") from exc
                fresh.cache = LRUCache(self.cache_entries)
                self._open = fresh
            return self._open

    def _retire(self, old: OpenIndex) -> None:
        old.retired = True
        if old.users == 0:
            old.close()

    @contextmanager
    def lease(self) -> Iterator[OpenIndex]:
        """The open index, kept open until the block ends even if the engine is closed meanwhile."""
        oi = self._current()
        with self._lock:
            oi.users += 1
        try:
            yield oi
        finally:
            with self._lock:
                oi.users -= 1
                if oi.retired and oi.users == 0:
                    oi.close()

    def close(self) -> None:
        with self._lock:
            if self._open is not None:
                self._retire(self._open)
                self._open = None

    def info(self) -> dict[str, Any]:
        with self.lease() as oi:
            return {"name": oi.name, "version": oi.version, "docs": len(oi.types)}

    # -- search ------------------------------------------------------------------------------
    def search(
        self,
        q: str | ParsedQuery,
        *,
        types: tuple[str, ...] = (),
        collection: str | None = None,
        tag: str | None = None,
        page: int = 1,
        page_size: int = 10,
        facets: bool = True,
        collections: frozenset[str] | None = None,
        group: bool = False,
        boosts: tuple[tuple[str, float], ...] = (),
    ) -> dict[str, Any]:
        """One page of hits, the total, facet counts over all hits, did-you-mean, time taken (ms).

        `collections` restricts hits, totals and facets to those collections (None: all). `group`:
        one hit per guide, its next best hits beneath (`sections`), `total` counting guides.
        `boosts`: (guide, factor) multiplying the scores of that guide's hits; a boosted guide with
        no hit is added (its own document). `corrections` maps each corrected word to its correction.
        """
        started = time.perf_counter()
        parsed = q if isinstance(q, ParsedQuery) else parse_query(q)
        types = tuple(sorted(set(types)))
        page_size = max(1, page_size)
        page = max(1, min(page, MAX_DEPTH // page_size))
        with self.lease() as oi:
            key = (parsed, types, collection, tag, page, page_size, facets, collections, group, boosts)
            with oi.lock:
                hit = oi.cache.get(key)
            if hit is not None:
                return {**hit, "cached": True, "took_ms": _ms(started)}
            with oi.lock:  # a Whoosh searcher is not meant for concurrent use
                result = self._search(
                    oi, parsed, types, collection, tag, page, page_size, facets, collections, group, dict(boosts)
                )
                oi.cache[key] = result
        return {**result, "cached": False, "took_ms": _ms(started)}

    def _search(
        self,
        oi: OpenIndex,
        parsed: ParsedQuery,
        types: tuple[str, ...],
        collection: str | None,
        tag: str | None,
        page: int,
        page_size: int,
        facets: bool,
        collections: frozenset[str] | None = None,
        group: bool = False,
        boosts: dict[str, float] | None = None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "query": {
                "normalized": parsed.normalized,
                "words": list(parsed.words),
                "phrases": [" ".join(p) for p in parsed.phrases],
                "prefix": parsed.prefix,
                "understood": [],
            },
            "fallback": None,
            "index_version": oi.version,
            "total": 0,
            "page": page,
            "page_size": page_size,
            "pages": 1,
            "did_you_mean": None,
            "facets": {"type": [], "collection": [], "tag": []},
            "hits": [],
        }
        if parsed.empty:
            return out
        vocab: Vocabulary = oi.vocab
        if collections is not None:
            vocab = ScopedVocab(oi.vocab, oi.in_scope(collections))
        plan = build_query(parsed, vocab, oi.thesaurus)
        out["query"]["understood"] = plan.understood
        if plan.query is None:
            return out
        filtered = bool(types or collection or tag) or collections is not None
        allowed = oi.filter_bits(types, collection, tag, collections) if filtered else -1
        s = oi.searcher
        # The whole result set as a bitset (term bitsets are cached per index): total and facets
        # without scoring or visiting each matching document in Python.
        assert oi.bits is not None
        matched = oi.bits.query(plan.query) & allowed
        if not matched:
            # No dead end: phrases as words, more typos forgiven, every word completed.
            relaxed = build_query(parsed, vocab, oi.thesaurus, relaxed=True)
            if relaxed.query is not None and (found := oi.bits.query(relaxed.query) & allowed):
                plan, matched, out["fallback"] = relaxed, found, "relaxed"
        factors: dict[int, float] = {}
        if boosts:
            # A boosted guide with no hit joins the results (its own document) when nothing else
            # matched (the "related" fallback) or when it must come first (a safety guide).
            had = bool(matched)
            for g, f in boosts.items():
                d = oi.docs_of[g][0] if g in oi.docs_of else None
                if d is not None and (not had or f >= ADD_FACTOR) and (allowed >> d) & 1:
                    matched |= 1 << d
            if not had and matched:
                out["fallback"] = "related"
            factors = {d: f for d, f in factors_for(boosts, oi.docs_of).items() if (matched >> d) & 1}
        total = matched.bit_count()
        out["total"], out["pages"] = total, max(1, math.ceil(total / page_size))
        if facets and total:
            out["facets"] = {
                name: _counts({v: (matched & b).bit_count() for v, b in values.items()})
                for name, values in oi.facet_bits.items()
            }
        start = (page - 1) * page_size
        marked = frozenset(plan.exact | oi.vocab.surface(plan.terms))
        phrases = tuple(tuple(p.words) for p in plan.phrases)
        top: int | None = None
        if group and total:
            ranked = self._rank(oi, plan, matched, True, min(total, GROUP_DEPTH), factors)
            groups = group_hits(ranked, oi.guide_of)
            out["total"], out["pages"] = len(groups), max(1, math.ceil(len(groups) / page_size))
            for score, docs in groups[start : start + page_size]:
                hit = _hit(s.stored_fields(docs[0]), score, marked, phrases)
                hit["sections"] = [_hit(s.stored_fields(d), 0.0, marked, phrases) for d in docs[1:]]
                out["hits"].append(hit)
            top = groups[0][1][0] if groups else None
        elif start < total:
            ranked = self._rank(oi, plan, matched, filtered or bool(factors), start + page_size, factors)
            for score, docnum in ranked[start : start + page_size]:
                out["hits"].append(_hit(s.stored_fields(docnum), score, marked, phrases))
            top = ranked[0][1] if ranked else None
        if plan.corrections and not (top is not None and self._matches_all(oi, plan, top)):
            # Only words neither in the index (stemmed) nor ordinary English are corrected; the rest
            # of the query stays as typed.
            out["did_you_mean"] = did_you_mean(parsed.normalized.rstrip("*"), plan.corrections)
            out["corrections"] = dict(plan.corrections)
        return out

    @staticmethod
    def _matches_all(oi: OpenIndex, plan: Plan, docnum: int) -> bool:
        """Whether the document has every typed word (in some stemmed form)."""
        assert oi.bits is not None
        bits = oi.bits
        return all(any((bits.term(TEXT_FIELD, st) >> docnum) & 1 for st in own) for own in plan.required.values())

    def _rank(
        self, oi: OpenIndex, plan: Plan, matched: int, filtered: bool, k: int, factors: dict[int, float] | None = None
    ) -> list[tuple[float, int]]:
        """The best k (score, docnum) of the `matched` documents, from cached impacts.

        A document's score is the BM25F of the query's stemmed words plus, for each quoted phrase,
        PHRASE_BOOST times the BM25 of its word pairs (how often the phrase itself occurs, for the
        length of the text): a phrase of stop words only ("on the") is ranked by the phrase alone.
        """
        assert oi.impacts is not None and oi.word_impacts is not None
        terms = [(oi.impacts, s, w) for s, w in plan.weighted.items()]
        if oi.pair_impacts is not None:  # (else an index built before the pair field: words only)
            for phrase in plan.phrases:
                terms += [(oi.pair_impacts, p, PHRASE_BOOST) for p in pairs_of(phrase.words)]
        if not terms:
            # Only stop words ("what if", "of the"): score the words as typed, in the unstemmed field.
            terms = [(oi.word_impacts, w, 1.0) for w in sorted(plan.exact)]
        # Scored documents outside the matches: those without a required phrase or all the words, or
        # filtered out. Without phrases or filters every scored document is a match.
        restrict = bool(plan.phrases) or not plan.weighted or filtered
        return top_k(terms, k, matched if restrict else None, factors)[0]

    # -- suggest -----------------------------------------------------------------------------
    def suggest(
        self, q: str, limit: int = 8, *, collections: frozenset[str] | None = None, guides: Container[str] | None = None
    ) -> dict[str, Any]:
        """Completions of the last word, to guide titles and frequent terms.

        With a scope, only titles of `guides` and terms found in `collections` are offered.
        """
        started = time.perf_counter()
        parsed = parse_query(q)
        words = [w for p in parsed.phrases for w in p] + list(parsed.words)
        items: list[dict[str, Any]] = []
        if words:
            head, last = words[:-1], words[-1]
            with self.lease() as oi:
                for slug, title, tw in oi.titles:
                    if guides is not None and slug not in guides:
                        continue
                    if all(w in tw for w in head) and any(t.startswith(last) for t in tw):
                        items.append({"type": "guide", "text": title, "guide": slug})
                items.sort(key=lambda i: len(i["text"]))
                items = items[: max(1, limit // 2)] if len(last) < 3 else items[:limit]
                known = [w for w in oi.vocab.completions(last, limit * 2) if oi.vocab.df(w) >= SUGGEST_TERMS_MIN_DF]
                if collections is not None:
                    occurs = oi.in_scope(collections)
                    with oi.lock:
                        known = [w for w in known if occurs(w)]
                for w in known:
                    if len(items) >= limit:
                        break
                    items.append({"type": "term", "text": " ".join([*head, w]), "guide": None})
        return {"query": q, "items": items[:limit], "took_ms": _ms(started)}


def _close_files(searcher: Any, ix: Any) -> None:
    searcher.close()
    ix.close()


def _counts(counts: dict[str, int]) -> list[dict[str, Any]]:
    ranked = sorted(((v, n) for v, n in counts.items() if n), key=lambda kv: (-kv[1], kv[0]))
    return [{"value": v, "count": n} for v, n in ranked[:FACET_LIMIT]]


def did_you_mean(typed: str, corrections: dict[str, str]) -> str:
    """The query as typed, with only the corrected words replaced (repeated words kept)."""
    out = typed
    for wrong, right in corrections.items():
        out = re.sub(rf"(?<!\w){re.escape(wrong)}(?!\w)", right, out, flags=re.IGNORECASE)
    return " ".join(out.split())


def _hit(
    stored: dict[str, Any], score: float, marked: frozenset[str], phrases: tuple[tuple[str, ...], ...] = ()
) -> dict[str, Any]:
    kind = stored["type"]
    text = f"{stored.get('summary', '')}\n{stored.get('body', '')}" if kind == "guide" else stored.get("body", "")
    script = kind == "script"
    return {
        "type": kind,
        "guide": stored["guide"],
        "anchor": stored.get("anchor"),
        "script": stored.get("script"),
        "title": stored["title"],
        "guide_title": stored["guide_title"],
        "collection": stored["collection"],
        "score": round(float(score), 4),
        # A script's safety condition is never cut from its snippet: it follows the window whole.
        "snippet": snippet(text, marked, suffix=stored.get("safety") if script else None, phrases=phrases),
        "send": stored.get("send") if script else None,
        "safety": stored.get("safety") if script else None,
    }


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
