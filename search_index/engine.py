"""Searching: one open index per process, for the one index directory of a release.

The directory never changes once written (search_index/build.py): a new release brings a new
engine, and the old one's files are closed when the last request holding its release lets go.
`Searcher.refresh()` is never used: in whoosh forks after 2.7.4 it can return duplicate documents
after segments merge. A fork (gunicorn with preload_app) is detected by pid and reopens.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from collections.abc import Container, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from cachetools import LRUCache

from search_index.group import GROUP_DEPTH, factors_for, group_hits
from search_index.meta import META
from search_index.open_index import CACHE_ENTRIES, OpenIndex
from search_index.query import MIN_PREFIX, ParsedQuery, Plan, Vocabulary, build_query, parse_query
from search_index.related import Related, beneath, related_matches
from search_index.schema import PHRASE_BOOST, TEXT_FIELD, pairs_of
from search_index.score import top_k
from search_index.snippets import snippet
from search_index.vocab import ScopedVocab

MAX_DEPTH = 1000  # page * page_size: deeper paging is refused (scoring cost grows with depth)
FACET_LIMIT = 20  # values per facet in a response
SUGGEST_TERMS_MIN_DF = 2
ADD_FACTOR = 100.0  # a boost this large (a safety guide shown first) adds the guide even without a hit


class IndexMissing(RuntimeError):
    """No index has been built (or the live one cannot be opened)."""


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
        related: Related | None = None,
    ) -> dict[str, Any]:
        """One page of hits, the total, facet counts over all hits, did-you-mean, time taken (ms).

        `collections` restricts hits, totals and facets to those collections (None: all). `group`:
        one hit per guide, its next best hits beneath (`sections`), `total` counting guides.
        `boosts`: (guide, factor) multiplying the scores of that guide's hits; a boosted guide with
        no hit is added (its own document). `related`: (fallback kind, guides in order): the answer is
        those guides, not the words' hits (search_index/related.py). `corrections` maps each
        corrected word to its correction.
        """
        started = time.perf_counter()
        parsed = q if isinstance(q, ParsedQuery) else parse_query(q)
        types = tuple(sorted(set(types)))
        page_size = max(1, page_size)
        page = max(1, min(page, MAX_DEPTH // page_size))
        with self.lease() as oi:
            key = (parsed, types, collection, tag, page, page_size, facets, collections, group, boosts, related)
            with oi.lock:
                hit = oi.cache.get(key)
            if hit is not None:
                return {**hit, "cached": True, "took_ms": _ms(started)}
            with oi.lock:  # a Whoosh searcher is not meant for concurrent use
                args = (types, collection, tag, page, page_size, facets, collections, group, dict(boosts), related)
                result = self._search(oi, parsed, *args)
                if oi.cache.maxsize:  # (0: no results cache, as the benchmark runs it)
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
        related: Related | None = None,
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
        if related is None:
            plan, matched, factors, out["fallback"] = self._matched(oi, parsed, vocab, plan, allowed, boosts or {})
        else:
            matched, chosen = related_matches(related[1], oi.docs_of, allowed)
            out["fallback"] = related[0] if matched else None
        self._count(oi, matched, facets, page_size, out)
        if related is not None:
            pick = chosen[(page - 1) * page_size : page * page_size]
            out["hits"] = [{**_hit(oi.searcher.stored_fields(d), sc, frozenset()), **beneath(group)} for sc, d in pick]
            return out
        top = self._page(oi, plan, matched, filtered, factors, group, page, page_size, out)
        if plan.corrections and not (top is not None and self._matches_all(oi, plan, top)):
            out["did_you_mean"] = did_you_mean(parsed.normalized.rstrip("*"), plan.corrections)
            out["corrections"] = dict(plan.corrections)
        return out

    @staticmethod
    def _count(oi: OpenIndex, matched: int, facets: bool, page_size: int, out: dict[str, Any]) -> None:
        total = matched.bit_count()
        out["total"], out["pages"] = total, max(1, math.ceil(total / page_size))
        if facets and total:
            bits = oi.facet_bits.items()
            out["facets"] = {n: _counts({v: (matched & b).bit_count() for v, b in vs.items()}) for n, vs in bits}

    def _matched(
        self, oi: OpenIndex, parsed: ParsedQuery, vocab: Vocabulary, plan: Plan, allowed: int, boosts: dict[str, float]
    ) -> tuple[Plan, int, dict[int, float], str | None]:
        """The plan used, the matching documents (a bitset), per-document factors, and the fallback.

        The result set is a bitset (term bitsets are cached per index): total and facets without
        scoring or visiting each matching document in Python.
        """
        assert oi.bits is not None and plan.query is not None
        fallback = None
        matched = oi.bits.query(plan.query) & allowed
        if not matched:
            # No dead end: phrases as words, more typos forgiven, every word completed.
            relaxed = build_query(parsed, vocab, oi.thesaurus, relaxed=True)
            if relaxed.query is not None and (found := oi.bits.query(relaxed.query) & allowed):
                plan, matched, fallback = relaxed, found, "relaxed"
        if not boosts:
            return plan, matched, {}, fallback
        # A boosted guide with no hit joins the results (its own document) when nothing else
        # matched (the "related" fallback) or when it must come first (a safety guide).
        had = bool(matched)
        for g, f in boosts.items():
            d = oi.docs_of[g][0] if g in oi.docs_of else None
            if d is not None and (not had or f >= ADD_FACTOR) and (allowed >> d) & 1:
                matched |= 1 << d
        if not had and matched:
            fallback = "related"
        factors = {d: f for d, f in factors_for(boosts, oi.docs_of).items() if (matched >> d) & 1}
        return plan, matched, factors, fallback

    def _page(
        self,
        oi: OpenIndex,
        plan: Plan,
        matched: int,
        restrict: bool,
        factors: dict[int, float],
        group: bool,
        page: int,
        page_size: int,
        out: dict[str, Any],
    ) -> int | None:
        """Fill `out` with the page's hits (grouped by guide or not); return the top docnum."""
        s, total, start = oi.searcher, matched.bit_count(), (page - 1) * page_size
        marked = frozenset(plan.exact | oi.vocab.surface(plan.terms))
        phrases = tuple(tuple(p.words) for p in plan.phrases)
        if group and total:
            ranked = self._rank(oi, plan, matched, restrict, min(total, GROUP_DEPTH), factors)
            groups = group_hits(ranked, oi.guide_of)
            out["total"], out["pages"] = len(groups), max(1, math.ceil(len(groups) / page_size))
            for score, members in groups[start : start + page_size]:
                hit = _hit(s.stored_fields(members[0][1]), score, marked, phrases)
                hit["sections"] = [_hit(s.stored_fields(d), sc, marked, phrases) for sc, d in members[1:]]
                out["hits"].append(hit)
            return groups[0][1][0][1] if groups else None
        if start >= total:
            return None
        ranked = self._rank(oi, plan, matched, restrict, start + page_size, factors)
        for score, docnum in ranked[start : start + page_size]:
            out["hits"].append(_hit(s.stored_fields(docnum), score, marked, phrases))
        return ranked[0][1] if ranked else None

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
        return top_k(terms, k, matched if restrict else None, factors, oi.rank)[0]

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
            short = len(last) < MIN_PREFIX
            with self.lease() as oi:
                # Shortest titles first, so a short prefix (most titles match) stops early.
                wanted = max(1, limit // 2) if short else limit
                for slug, title, tw in oi.titles_by_length:
                    if guides is not None and slug not in guides:
                        continue
                    if all(w in tw for w in head) and any(t.startswith(last) for t in tw):
                        items.append({"type": "guide", "text": title, "guide": slug})
                        if len(items) >= wanted:
                            break
                # Readers' words of the vocabulary file ("situationsh" -> "situationship", "love bo").
                offered = [(words[:-2], r) for r in oi.thesaurus.completions(" ".join(words[-2:]), 2) if len(words) > 1]
                offered += [(head, r) for r in oi.thesaurus.completions(last, 3)]
                for before, r in offered[: max(1, limit // 2)]:
                    text = " ".join([*before, r])
                    if len(items) < limit and all(i["text"] != text for i in items):
                        items.append({"type": "term", "text": text, "guide": None})
                if short and collections is not None:
                    # Issue 19.11: a term's place in a scope is read from its postings, and the
                    # completions of one or two letters are the most frequent words (191 ms at
                    # 10,000 guides): under a scope they complete to titles and readers' words only.
                    return {"query": q, "items": items[:limit], "took_ms": _ms(started)}
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


def _counts(counts: dict[str, int]) -> list[dict[str, Any]]:
    ranked = sorted(((v, n) for v, n in counts.items() if n), key=lambda kv: (-kv[1], kv[0]))
    return [{"value": v, "count": n} for v, n in ranked[:FACET_LIMIT]]


def did_you_mean(typed: str, corrections: dict[str, str]) -> str:
    """The query as typed, with only the corrected words replaced (repeated words kept). Only words
    neither in the index (stemmed) nor ordinary English are corrected."""
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
