"""The release store: reading releases (servers, every command) and committing one (publish)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import os
import pickle
import secrets
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cachetools import LRUCache

from api.content import Corpus, Problem
from api.content.files import file_lock, write_atomic
from api.releases.bundle import INDEX_DIR, Build, read_corpus
from api.releases.manifest import Manifest, ReleaseId, iso_time, make_manifest
from api.releases.release import Release, ReleaseMissing
from api.releases.vector_cache import CACHE_DIR
from search_index import SearchEngine

log = logging.getLogger(__name__)

KEEP = 5  # bundles kept by default (RELEASE_KEEP); manifests are kept forever
MANIFEST_FILE = "manifest.json"


# -- the store --------------------------------------------------------------------------------
class ReleaseStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.pointer = self.root / "current"
        self.manifests = self.root / "manifests"
        self.bundles = self.root / "releases"
        self.status_path = self.root / "status.json"
        self.vector_cache = self.root / CACHE_DIR  # the preview chain shares its published chain's
        self._manifests: LRUCache[int, Manifest] = LRUCache(16)
        self._mlock = threading.Lock()

    # -- reading (servers, and every command) --------------------------------------------------
    def current_id(self) -> str | None:
        try:
            return self.pointer.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def current(self) -> ReleaseId | None:
        """The live release, as a value (the pointer file is where its name is read back)."""
        rid = self.current_id()
        return ReleaseId.parse(rid) if rid else None

    def store_id(self) -> str | None:
        try:
            return str(json.loads((self.root / "store.json").read_text())["id"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def manifest(self, seq: int) -> Manifest | None:
        """A release's manifest by its number (None: there is no such release); cached, they never change."""
        with self._mlock:
            found = self._manifests.get(seq)
        if found is not None:
            return found
        try:
            found = Manifest.from_json(json.loads((self.manifests / f"{seq:05d}.json").read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        with self._mlock:
            self._manifests[seq] = found
        return found

    def open(self, rid: ReleaseId | str, held: Release | None = None) -> Release:
        """Load a release: its manifest, corpus and (lazily opened) search index. `rid`: its value,
        or its name as read from disk (the pointer, a bundle directory). `held`: the release this
        process serves: its guides whose snapshot is unchanged are kept, not read again."""
        name = ReleaseId.parse(rid) if isinstance(rid, str) else rid
        rid = str(rid)
        path = self.bundles / rid
        sid = self.store_id()
        manifest = self.manifest(name.seq) if name is not None else None
        if sid is None or manifest is None or manifest.id != rid:
            raise ReleaseMissing(f"release {rid} has no manifest in {self.root}")
        try:
            found = read_corpus(path, manifest, held.guides_by_key() if held is not None else None)
        except (OSError, pickle.PickleError, EOFError, AttributeError, TypeError, ValueError, KeyError) as exc:
            raise ReleaseMissing(f"release {rid} cannot be read: {type(exc).__name__}") from exc
        if found is None:
            raise ReleaseMissing(f"release {rid} is not a release of this format")
        corpus, keys = found
        return Release(sid, manifest, corpus, SearchEngine(path / INDEX_DIR), path, keys=keys)

    def last_publish(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.status_path.read_text())
        except (OSError, ValueError):
            return None

    def touched(self, lo: int, hi: int) -> set[str]:
        """Slugs that changed in some release after `lo` up to and including `hi`."""
        out: set[str] = set()
        for seq in range(lo + 1, hi + 1):
            m = self.manifest(seq)
            if m is not None:
                out |= m.changed
        return out

    # -- writing (publish and rollback only) ---------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """The store-wide publish lock: publishers queue here (flock, released if the holder dies)."""
        with file_lock(self.root / "lock"):
            yield

    def commit(
        self,
        corpus: Corpus,
        keep: int = KEEP,
        rollback_of: str | None = None,
        timed: dict[str, str] | None = None,
        *,
        build: Build | None = None,
    ) -> tuple[Manifest, bool]:
        """Make this (valid) corpus the live release; (its manifest, whether a new release was made).

        Content equal to the live release's makes no new release, unless it is a rollback. `timed`:
        the guides a publish_at let in (api/content/drafts.py), recorded when they are new. `build`:
        how to build the bundle (incrementally from the live release by default; api/releases/bundle.py).
        """
        build = build or Build()
        with self.locked():
            self._remove_debris()
            if self.store_id() is None:
                write_atomic(self.root / "store.json", json.dumps({"id": secrets.token_hex(8)}))
            now = self.current()
            base = self.manifest(now.seq) if now is not None else None
            if base is not None and base.content_version == corpus.version and rollback_of is None:
                return base, False
            seq = base.seq + 1 if base is not None else 1
            rid = str(ReleaseId(seq, corpus.version))
            served = dataclasses.replace(corpus, version=rid)
            final = self.bundles / rid
            shutil.rmtree(final, ignore_errors=True)  # a release built but never made live (a crash)
            building = self.bundles / f"{rid}.{os.getpid()}.building"
            building.mkdir(parents=True)
            live = self.bundles / str(now) if now is not None and base is not None else None
            build.write(served, corpus.version, building, live, self.vector_cache)
            manifest = make_manifest(served, seq, rid, base, corpus.version, rollback_of, timed)
            data = json.dumps(manifest.to_json(), separators=(",", ":"))
            write_atomic(building / MANIFEST_FILE, data)
            os.rename(building, final)
            write_atomic(self.manifests / f"{seq:05d}.json", data)
            write_atomic(self.pointer, rid + "\n")  # the release goes live here, whole
            self.write_status(True, rid, [])
            self._prune(keep, rid)
            return manifest, True

    def live_bundle(self) -> Path | None:
        """The live release's bundle directory (None: nothing published yet)."""
        rid = self.current_id()
        return self.bundles / rid if rid else None

    def write_status(self, ok: bool, release: str | None, errors: list[Problem]) -> None:
        status = {
            "ok": ok,
            "version": release,
            "at": iso_time(dt.datetime.now(dt.UTC)),
            "errors": [str(p) for p in errors[:100]],
            "error_count": len(errors),
        }
        try:
            write_atomic(self.status_path, json.dumps(status, indent=1))
        except OSError as exc:
            log.warning("could not write %s: %s", self.status_path, exc)

    def _remove_debris(self) -> None:
        # Under the lock no other publisher is building, so every .building directory is a dead one's.
        for debris in self.bundles.glob("*.building") if self.bundles.is_dir() else []:
            shutil.rmtree(debris, ignore_errors=True)

    def _prune(self, keep: int, live: str) -> None:
        done = sorted((p for p in self.bundles.iterdir() if p.is_dir() and "." not in p.name), reverse=True)
        for old in [p for p in done if p.name != live][max(keep, 1) - 1 :]:
            shutil.rmtree(old, ignore_errors=True)
