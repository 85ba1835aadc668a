"""Things derived from a corpus (graph, analyzer), built once per content version and shared."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from cachetools import LRUCache

from api.content.model import Corpus

T = TypeVar("T")


class PerVersion(Generic[T]):
    """`build(corpus)` memoised on `corpus.version`, keeping the few most recent versions.

    A reload briefly has two versions alive, and each partner scope is a version of its own.
    """

    def __init__(self, build: Callable[[Corpus], T], keep: int = 8) -> None:
        self.build = build
        self.keep = keep
        self._cache: LRUCache[str, T] = LRUCache(keep)
        self._lock = threading.Lock()

    def __call__(self, corpus: Corpus) -> T:
        with self._lock:
            found = self._cache.get(corpus.version)
            if found is not None:
                return found
        built = self.build(corpus)  # outside the lock: building twice is harmless, blocking is not
        with self._lock:
            self._cache[corpus.version] = built
        return built
