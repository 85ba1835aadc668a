"""A release as a worker holds it: corpus, manifest and search index, swapped whole."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from cachetools import LRUCache

from api.content import Corpus, Guide
from api.content.model import SERVED_FORMAT, final_slug
from api.content.scope import restrict, scope_id
from api.releases.manifest import Manifest, json_digest
from search_index import SearchEngine

T = TypeVar("T")


class ReleaseMissing(RuntimeError):
    """There is no release (nothing published yet), or the one asked for cannot be read."""


# -- a release as a worker holds it --------------------------------------------------------------
@dataclass(eq=False)
class Release:
    """Everything one release serves: its corpus (whose version is the release id), its manifest
    and its search index. A worker holds one and swaps it whole; a request takes one and keeps it."""

    store_id: str
    manifest: Manifest
    corpus: Corpus
    search: SearchEngine
    path: Path
    local: dict[str, Any] = field(default_factory=dict)  # per-release caches of the web layer
    keys: dict[str, str] = field(default_factory=dict)  # per guide, the content address of its snapshot
    _scoped: LRUCache[frozenset[str], Corpus] = field(default_factory=lambda: LRUCache(64))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _building: dict[str, threading.Lock] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def seq(self) -> int:
        return self.manifest.seq

    def guides_by_key(self) -> dict[str, Guide]:
        """This release's guides by the content address of their snapshot (what the next release
        a worker opens can take instead of reading them again)."""
        guides = self.corpus.guides
        return {k: guides[s] for s, k in self.keys.items() if s in guides}

    def scoped(self, collections: frozenset[str] | None) -> Corpus:
        """The corpus, or the part of it in these collections (cached per scope)."""
        if collections is None:
            return self.corpus
        with self._lock:
            found = self._scoped.get(collections)
        if found is None:
            found = restrict(self.corpus, collections)
            with self._lock:
                self._scoped[collections] = found
        return found

    def derived(self, name: str, corpus: Corpus, build: Callable[[Corpus], T]) -> T:
        """What `build` makes of this release's corpus or one of its scopes (the graph, the pattern
        analyzer), built once per scope and kept with the release: dropped when it is."""
        key = f"{name}:{corpus.version}"
        found = self.local.get(key)
        if found is None:  # one build per key: a second thread waits for the first's (api/warm.py)
            with self._lock:
                building = self._building.setdefault(key, threading.Lock())
            with building:
                found = self.local.get(key)
                if found is None:
                    found = self.local.setdefault(key, build(corpus))
        return found

    def scoped_id(self, collections: frozenset[str] | None) -> str:
        """The version a partner scope sees (its X-Content-Version): from the manifest entries of
        its own guides and collections, the redirects to them and retirements from them, and what
        every scope is served (the language and support files), so that a change only to hidden content does
        not change it (issue 19.12). `<scope>_<digest>`; the release id when unscoped."""
        if collections is None:
            return self.id
        key = f"scoped_id:{scope_id(collections)}"
        found = self.local.get(key)
        if found is None:
            m, c = self.manifest, self.corpus
            mine = {s for s, e in m.guides.items() if e.collection in collections}
            parts = [
                sorted((s, m.guides[s].digest) for s in mine),
                sorted((k, d) for k, (d, _) in m.modified.items() if k.partition(":")[::2] in _cols(collections)),
                sorted((old, new) for old, new in m.renamed.items() if final_slug(old, m.renamed) in mine),
                sorted((s, why) for s, why in m.retired.items() if c.retired_from.get(s) in collections),
                c.language.digest,
                dataclasses.asdict(c.support),
                SERVED_FORMAT,
            ]
            found = self.local[key] = f"{scope_id(collections)}_{json_digest(parts)[:16]}"
        return found

    def modified(self, key: str) -> dt.datetime | None:
        """When the responses under this key last changed (None: not a key the manifest keeps)."""
        found = self.manifest.modified.get(key)
        return found[1] if found is not None else None


def _cols(collections: frozenset[str]) -> set[tuple[str, str]]:
    return {("collection", c) for c in collections}
