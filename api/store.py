"""The content being served: one Corpus at a time, swapped whole, never half-updated.

No Flask here. Three files beside the parse cache make content changes go live safely:

- `<cache>.last-good.pickle`: the whole last valid corpus (written atomically);
- `<cache>.current`: the version that is published (the pointer workers watch);
- `<cache>.status.json`: the outcome of the last publish, with the problems when it was refused.

`publish()` (the `flask content publish|build` commands) loads the files, and only when they are
valid writes the snapshot and then moves the pointer. Every worker's `refresh()` notices a moved
pointer (one stat a second at most) and swaps in the snapshot whole; a request keeps the corpus it
started with, so it never sees two versions. Invalid content is refused and the last good version
keeps serving, across restarts too.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import pickle
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cachetools import LRUCache

from api.content import ContentInvalid, Corpus, Problem, load_corpus
from api.content.files import write_atomic
from api.content.load import paused_gc
from api.content.scope import restrict

log = logging.getLogger(__name__)

CHECK_INTERVAL = 1.0  # seconds between looks at the pointer file


class ContentUnavailable(RuntimeError):
    """No valid content has been loaded yet (and there is no last good version to fall back on)."""


class ContentStore:
    def __init__(self, content_dir: str, cache_path: str) -> None:
        self.content_dir = content_dir
        self.cache_path = cache_path
        base = Path(cache_path)
        self.snapshot_path = base.with_suffix(".last-good.pickle")
        self.pointer_path = base.with_suffix(".current")
        self.status_path = base.with_suffix(".status.json")
        self.problems: list[Problem] = []
        self.stale = False  # True when the files on disk are broken and older content is served
        self.on_load: list[Callable[[Corpus], None]] = []  # called with each corpus that goes live here
        self._lock = threading.Lock()
        self._corpus: Corpus | None = None
        self._scoped: LRUCache[tuple[str, frozenset[str]], Corpus] = LRUCache(64)
        self._next_check = 0.0

    @property
    def corpus(self) -> Corpus:
        corpus = self._corpus
        if corpus is None:
            raise ContentUnavailable("no valid content is loaded")
        return corpus

    @property
    def version(self) -> str | None:
        return self._corpus.version if self._corpus is not None else None

    def scoped(self, collections: frozenset[str] | None) -> Corpus:
        """The corpus, or the part of it in these collections (cached per version and scope)."""
        corpus = self.corpus
        if collections is None:
            return corpus
        key = (corpus.version, collections)
        found = self._scoped.get(key)
        if found is None:
            if any(v != corpus.version for v, _ in self._scoped):
                self._scoped.clear()  # a new version: the old one's scoped copies go at once
            found = self._scoped[key] = restrict(corpus, collections)
        return found

    # -- loading and publishing ----------------------------------------------------------------
    def load(self) -> Corpus:
        """At start: publish the files on disk; on errors serve (or restore) the last good corpus."""
        try:
            return self.publish()
        except ContentInvalid:
            if self._corpus is None:
                snapshot = self._read_snapshot()
                if snapshot is not None:
                    self._go_live(snapshot)
            if self._corpus is None:
                raise
            self.stale = True
            log.error("content has errors; still serving the last good version %s", self._corpus.version)
            return self._corpus

    def publish(self) -> Corpus:
        """Load the content folder; if valid, make it the published version. Raises ContentInvalid."""
        return self.commit(self.prepare())

    def prepare(self) -> Corpus:
        """Load and check the content folder without publishing it. Raises ContentInvalid."""
        corpus, problems = load_corpus(self.content_dir, self.cache_path)
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            for p in errors:
                log.error("content problem: %s", p)
            self._write_status(False, None, errors)
            raise ContentInvalid(problems)
        return corpus

    def commit(self, corpus: Corpus) -> Corpus:
        """Publish a prepared corpus: snapshot first, then the pointer workers watch."""
        with self._lock:
            self._write_snapshot(corpus)
            write_atomic(self.pointer_path, corpus.version.encode())
            self._write_status(True, corpus.version, [])
            self.stale = False
            self._go_live(corpus)
            return corpus

    def refresh(self) -> bool:
        """Swap in a newly published version if there is one. Cheap: one stat a second at most."""
        now = time.monotonic()
        if now < self._next_check:
            return False
        self._next_check = now + CHECK_INTERVAL
        try:
            published = self.pointer_path.read_text().strip()
        except OSError:
            return False
        if published == self.version or not self._lock.acquire(blocking=False):
            return False  # up to date, or another thread of this worker is already swapping
        try:
            corpus = self._read_snapshot()
            if corpus is None or corpus.version == self.version:
                return False
            log.info("content version %s goes live (was %s)", corpus.version, self.version)
            self.stale = False
            self.problems = []
            self._go_live(corpus)
            return True
        finally:
            self._lock.release()

    def last_publish(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.status_path.read_text())
        except (OSError, ValueError):
            return None

    def _go_live(self, corpus: Corpus) -> None:
        self._corpus = corpus  # one reference swap: a request holds the old corpus or the new
        for listener in self.on_load:
            listener(corpus)

    def _write_status(self, ok: bool, version: str | None, errors: list[Problem]) -> None:
        status = {
            "ok": ok,
            "version": version,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "errors": [str(p) for p in errors[:100]],
            "error_count": len(errors),
        }
        try:
            write_atomic(self.status_path, json.dumps(status, indent=1).encode())
        except OSError as exc:
            log.warning("could not write %s: %s", self.status_path, exc)

    def _write_snapshot(self, corpus: Corpus) -> None:
        marker = self.snapshot_path.with_suffix(".version")
        if marker.exists() and self.snapshot_path.exists() and marker.read_text() == corpus.version:
            return  # already the snapshot; rewriting 10,000 guides would slow every start
        write_atomic(self.snapshot_path, lambda fh: pickle.dump(corpus, fh, protocol=pickle.HIGHEST_PROTOCOL))
        marker.write_text(corpus.version)

    def _read_snapshot(self) -> Corpus | None:
        try:
            with open(self.snapshot_path, "rb") as fh, paused_gc():  # millions of objects, no cycles
                corpus = pickle.load(fh)  # our own artifact
        except (OSError, pickle.PickleError, EOFError, AttributeError, TypeError):
            return None
        return corpus if isinstance(corpus, Corpus) else None
