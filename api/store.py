"""The content being served: one Corpus at a time, swapped whole, never half-updated.

No Flask here. The last good corpus is also kept on disk, so that a restart with broken content
still serves what was live before.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
from pathlib import Path

from api.content import ContentInvalid, Corpus, Problem, load_corpus
from api.content.scope import restrict

log = logging.getLogger(__name__)


class ContentUnavailable(RuntimeError):
    """No valid content has been loaded yet (and there is no last good version to fall back on)."""


class ContentStore:
    def __init__(self, content_dir: str, cache_path: str) -> None:
        self.content_dir = content_dir
        self.cache_path = cache_path
        self.snapshot_path = str(Path(cache_path).with_suffix(".last-good.pickle"))
        self.problems: list[Problem] = []
        self.stale = False  # True when the files on disk are broken and older content is served
        self._lock = threading.Lock()
        self._corpus: Corpus | None = None
        self._scoped: dict[tuple[str, frozenset[str]], Corpus] = {}

    @property
    def corpus(self) -> Corpus:
        corpus = self._corpus
        if corpus is None:
            raise ContentUnavailable("no valid content is loaded")
        return corpus

    def scoped(self, collections: frozenset[str] | None) -> Corpus:
        """The corpus, or the part of it in these collections (cached per version and scope)."""
        corpus = self.corpus
        if collections is None:
            return corpus
        key = (corpus.version, collections)
        found = self._scoped.get(key)
        if found is None:
            if len(self._scoped) > 64 or any(v != corpus.version for v, _ in self._scoped):
                self._scoped = {}  # a new version (or too many scopes): start again
            found = self._scoped[key] = restrict(corpus, collections)
        return found

    @property
    def version(self) -> str | None:
        return self._corpus.version if self._corpus is not None else None

    def load(self) -> Corpus:
        """Load the content folder; on errors keep (or restore) the last good corpus."""
        with self._lock:
            corpus, problems = load_corpus(self.content_dir, self.cache_path)
            self.problems = problems
            if not any(p.severity == "error" for p in problems):
                self._corpus, self.stale = corpus, False
                self._write_snapshot(corpus)
                return corpus
            for p in problems:
                log.error("content problem: %s", p)
            if self._corpus is None:
                self._corpus = self._read_snapshot()
            if self._corpus is None:
                raise ContentInvalid(problems)
            self.stale = True
            log.error("content has errors; still serving the last good version %s", self._corpus.version)
            return self._corpus

    def _write_snapshot(self, corpus: Corpus) -> None:
        path = Path(self.snapshot_path)
        marker = path.with_suffix(".version")
        if marker.exists() and path.exists() and marker.read_text() == corpus.version:
            return  # already the snapshot; rewriting 10,000 guides would slow every start
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(corpus, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        marker.write_text(corpus.version)

    def _read_snapshot(self) -> Corpus | None:
        try:
            with open(self.snapshot_path, "rb") as fh:
                corpus = pickle.load(fh)  # noqa: S301 - our own artifact
        except (OSError, pickle.PickleError, EOFError, AttributeError, TypeError):
            return None
        return corpus if isinstance(corpus, Corpus) else None
