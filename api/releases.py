"""Releases: one immutable bundle per publish in a release store, and one pointer to the live one.

No Flask here. Publishing (`publish`, `rollback`) is the only writer; servers and every other
command only read. The store (LP_RELEASE_STORE, a directory; a shared volume works the same):

    store.json                    {"id": ...}: names the chain (sync tokens of another store are refused)
    current                       the live release id, replaced with os.replace: the one pointer
    lock                          a publisher holds an exclusive flock on it from base to pointer
    status.json                   the outcome of the last publish, with the problems when refused
    manifests/<seq>.json          every release's manifest, kept forever: the chain sync tokens stand on
    releases/<id>/                the bundle: corpus.pickle, index/ (Whoosh), manifest.json
    releases/<id>.<pid>.building  a publish in progress; debris when its publisher died, removed by the next
    preview/                      the preview chain: a store of the same layout, every guide, drafts included
    webhooks.sqlite3, webhooks.lock   the publish webhooks' queue and its one deliverer (api/webhooks/)

A release id is `<seq>_<content digest>` (`00007_3f2a9c1d5e6f4a0b`): the sequence number orders the
chain, the digest names the content (a rollback has an old digest under a new number). The
manifest holds what a sync delta and the HTTP validators need without the bundle: per guide the
digest of everything its JSON depends on and its collection; renames and retirements; the slugs
that changed against the parent; and, per response key, the digest of what that response depends
on with the time of the release in which it last changed (carried over while the digest stays).

Publishing builds everything into a `.building` directory, renames it into place, writes the
manifest, then moves `current`: a publisher killed at any point leaves the pointer on a complete
release. Concurrent publishers queue on the lock, and the later one builds on the release the
earlier one made. Bundles beyond the newest `keep` are pruned (never the live one); a worker swaps
to a new release within a second of the pointer moving, and has opened its files by then.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import pickle
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cachetools import LRUCache

from api.content import ContentInvalid, Corpus, Guide, Problem, load_corpus
from api.content.drafts import published
from api.content.files import file_lock, write_atomic
from api.content.load import paused_gc
from api.content.model import SERVED_FORMAT, final_slug
from api.content.scope import restrict, scope_id
from api.views import guide_deps
from search_index import SearchEngine, build_index

log = logging.getLogger(__name__)

FORMAT = 1  # of the manifest and the bundle; a reader refuses other formats
KEEP = 5  # bundles kept by default (RELEASE_KEEP); manifests are kept forever
CHECK_INTERVAL = 1.0  # seconds between a worker's looks at the pointer
CORPUS_FILE = "corpus.pickle"
INDEX_DIR = "index"
MANIFEST_FILE = "manifest.json"
PREVIEW_DIR = "preview"  # the preview chain (drafts included): a store of its own inside this one


class ReleaseMissing(RuntimeError):
    """There is no release (nothing published yet), or the one asked for cannot be read."""


# -- manifests ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    """A guide as a manifest knows it: enough to tell whether a client's copy is current."""

    digest: str
    collection: str


@dataclass(frozen=True)
class Manifest:
    seq: int
    id: str
    parent: str | None
    created: dt.datetime  # whole seconds, strictly later than the parent's
    content_version: str
    guides: dict[str, Entry]
    renamed: dict[str, str]
    retired: dict[str, str]
    changed: frozenset[str]  # slugs whose entry differs from the parent's (appeared or gone too)
    modified: dict[str, tuple[str, dt.datetime]]  # response key -> (dependency digest, last changed)
    rollback_of: str | None = None
    # guides this release let in because their publish_at had passed (slug -> publish_at): the
    # release records what became visible by time, the content files alone cannot say it
    scheduled: dict[str, str] = field(default_factory=dict)
    # slug -> what its JSON depends on, per field (api/views.py); empty in manifests made before
    views: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "seq": self.seq,
            "release": self.id,
            "parent": self.parent,
            "created": _iso(self.created),
            "content_version": self.content_version,
            "rollback_of": self.rollback_of,
            "guides": {s: [e.digest, e.collection] for s, e in sorted(self.guides.items())},
            "renamed": dict(sorted(self.renamed.items())),
            "retired": dict(sorted(self.retired.items())),
            "changed": sorted(self.changed),
            "modified": {k: [d, _iso(t)] for k, (d, t) in sorted(self.modified.items())},
            "scheduled": dict(sorted(self.scheduled.items())),
            "views": dict(sorted(self.views.items())),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        if data.get("format") != FORMAT:
            raise ValueError(f"manifest format {data.get('format')!r}, expected {FORMAT}")
        return cls(
            seq=data["seq"],
            id=data["release"],
            parent=data["parent"],
            created=_parse_iso(data["created"]),
            content_version=data["content_version"],
            guides={s: Entry(d, c) for s, (d, c) in data["guides"].items()},
            renamed=data["renamed"],
            retired=data["retired"],
            changed=frozenset(data["changed"]),
            modified={k: (d, _parse_iso(t)) for k, (d, t) in data["modified"].items()},
            rollback_of=data.get("rollback_of"),
            scheduled=data.get("scheduled") or {},
            views=data.get("views", {}),
        )


def fingerprint(g: Guide, corpus: Corpus) -> str:
    """Digest of everything the guide's JSON depends on: its file, its collection, its links.

    A guide's JSON shows its collection's title and the titles (and visibility, by collection) of
    the guides it links to, so those count too: a guide is re-sent when any of them changes.
    """
    c = corpus.collections.get(g.collection)
    links = sorted(
        {
            (t, corpus.guides[t].title, corpus.guides[t].collection)
            for t in (link.target for link in g.links)
            if t in corpus.guides
        }
    )
    # SERVED_FORMAT: when the API starts serving a guide's JSON differently (a send-script's condition in
    # its plain text), every guide is re-sent once, though no file changed.
    return _digest([g.digest, g.collection, c.title if c else None, links, SERVED_FORMAT])


def response_keys(corpus: Corpus, guides: dict[str, Entry]) -> dict[str, str]:
    """Response key -> digest of what the responses under that key are made of.

    `guide:<slug>` (the guide, its sections), `script:<id>`, `collection:<slug>` (the collection
    and the summaries of its guides), `corpus` (lists, export: anything may change them).
    """
    keys = {f"guide:{slug}": e.digest for slug, e in guides.items()}
    for sid, s in corpus.scripts.items():
        keys[f"script:{sid}"] = guides[s.guide].digest if s.guide in guides else ""
    for slug, c in corpus.collections.items():
        keys[f"collection:{slug}"] = _digest(
            [c.title, c.description, [(s, guides[s].digest) for s in c.guides if s in guides]]
        )
    keys["corpus"] = corpus.version
    return keys


def make_manifest(
    corpus: Corpus,
    seq: int,
    rid: str,
    parent: Manifest | None,
    content_version: str,
    rollback_of: str | None = None,
    timed: dict[str, str] | None = None,
) -> Manifest:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if parent is not None and now <= parent.created:
        # Last-Modified has whole seconds: two releases in one second would give a changed body the
        # If-Modified-Since of the one before, and so a 304.
        now = parent.created + dt.timedelta(seconds=1)
    guides = {slug: Entry(fingerprint(g, corpus), g.collection) for slug, g in corpus.guides.items()}
    before = parent.guides if parent is not None else {}
    changed = frozenset(s for s in guides.keys() | before.keys() if guides.get(s) != before.get(s))
    old = parent.modified if parent is not None else {}
    # A guide whose fingerprint is unchanged has the same dependencies: only changed ones are serialized.
    kept = parent.views if parent is not None else {}
    views = {
        slug: kept[slug] if slug in kept and before.get(slug) == e else guide_deps(corpus.guides[slug], corpus)
        for slug, e in guides.items()
    }
    modified = {}
    for key, digest in response_keys(corpus, guides).items():
        prior = old.get(key)
        modified[key] = prior if prior is not None and prior[0] == digest else (digest, now)
    return Manifest(
        seq=seq,
        id=rid,
        parent=parent.id if parent is not None else None,
        created=now,
        content_version=content_version,
        guides=guides,
        renamed=dict(corpus.renamed),
        retired=dict(corpus.retired),
        changed=changed,
        modified=modified,
        rollback_of=rollback_of,
        scheduled={s: t for s, t in (timed or {}).items() if s not in before},
        views=views,
    )


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
    _scoped: LRUCache[frozenset[str], Corpus] = field(default_factory=lambda: LRUCache(64))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def id(self) -> str:
        return self.manifest.id

    @property
    def seq(self) -> int:
        return self.manifest.seq

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

    def scoped_id(self, collections: frozenset[str] | None) -> str:
        """The version a partner scope sees (its X-Content-Version): from the manifest entries of
        its own guides and collections, the redirects to them and retirements from them, and what
        every scope is served (the language and support files), so that a change only to hidden
        content does not change it (issue 19.12). `<scope>_<digest>`; the release id when unscoped."""
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
            found = self.local[key] = f"{scope_id(collections)}_{_digest(parts)[:16]}"
        return found

    def modified(self, key: str) -> dt.datetime | None:
        """When the responses under this key last changed (None: not a key the manifest keeps)."""
        found = self.manifest.modified.get(key)
        return found[1] if found is not None else None


# -- the store --------------------------------------------------------------------------------
class ReleaseStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.pointer = self.root / "current"
        self.manifests = self.root / "manifests"
        self.bundles = self.root / "releases"
        self.status_path = self.root / "status.json"
        self._manifests: LRUCache[int, Manifest] = LRUCache(16)
        self._mlock = threading.Lock()

    # -- reading (servers, and every command) --------------------------------------------------
    def current_id(self) -> str | None:
        try:
            return self.pointer.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

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

    def open(self, rid: str) -> Release:
        """Load a release: its manifest, corpus and (lazily opened) search index."""
        path = self.bundles / rid
        sid = self.store_id()
        manifest = self.manifest(seq_of(rid))
        if sid is None or manifest is None or manifest.id != rid:
            raise ReleaseMissing(f"release {rid} has no manifest in {self.root}")
        try:
            with open(path / CORPUS_FILE, "rb") as fh, paused_gc():  # millions of objects, no cycles
                fmt, corpus = pickle.load(fh)  # our own artifact, written by publish
        except (OSError, pickle.PickleError, EOFError, AttributeError, TypeError, ValueError) as exc:
            raise ReleaseMissing(f"release {rid} cannot be read: {type(exc).__name__}") from exc
        if fmt != FORMAT or not isinstance(corpus, Corpus) or corpus.version != rid:
            raise ReleaseMissing(f"release {rid} is not a release of this format")
        return Release(sid, manifest, corpus, SearchEngine(path / INDEX_DIR), path)

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
        self, corpus: Corpus, keep: int = KEEP, rollback_of: str | None = None, timed: dict[str, str] | None = None
    ) -> tuple[Manifest, bool]:
        """Make this (valid) corpus the live release; (its manifest, whether a new release was made).

        Content equal to the live release's makes no new release, unless it is a rollback. `timed`:
        the guides a publish_at let in (api/content/drafts.py), recorded when they are new.
        """
        with self.locked():
            self._remove_debris()
            if self.store_id() is None:
                write_atomic(self.root / "store.json", json.dumps({"id": secrets.token_hex(8)}))
            rid_now = self.current_id()
            base = self.manifest(seq_of(rid_now)) if rid_now else None
            if base is not None and base.content_version == corpus.version and rollback_of is None:
                return base, False
            seq = base.seq + 1 if base is not None else 1
            rid = f"{seq:05d}_{corpus.version}"
            served = dataclasses.replace(corpus, version=rid)
            final = self.bundles / rid
            shutil.rmtree(final, ignore_errors=True)  # a release built but never made live (a crash)
            building = self.bundles / f"{rid}.{os.getpid()}.building"
            building.mkdir(parents=True)
            write_atomic(
                building / CORPUS_FILE,
                lambda fh: pickle.dump((FORMAT, served), fh, protocol=pickle.HIGHEST_PROTOCOL),
            )
            build_index(served, building / INDEX_DIR)
            manifest = make_manifest(served, seq, rid, base, corpus.version, rollback_of, timed)
            data = json.dumps(manifest.to_json(), separators=(",", ":"))
            write_atomic(building / MANIFEST_FILE, data)
            os.rename(building, final)
            write_atomic(self.manifests / f"{seq:05d}.json", data)
            write_atomic(self.pointer, rid + "\n")  # the release goes live here, whole
            self.write_status(True, rid, [])
            self._prune(keep, rid)
            return manifest, True

    def write_status(self, ok: bool, release: str | None, errors: list[Problem]) -> None:
        status = {
            "ok": ok,
            "version": release,
            "at": _iso(dt.datetime.now(dt.UTC)),
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


def _cols(collections: frozenset[str]) -> set[tuple[str, str]]:
    return {("collection", c) for c in collections}


def seq_of(rid: str) -> int:
    head = rid.split("_", 1)[0]
    return int(head) if head.isdigit() else -1


# -- publishing ---------------------------------------------------------------------------------
def preview_store(store: ReleaseStore) -> ReleaseStore:
    """The preview chain beside the published one: every guide, drafts included (its own store id,
    so its sync tokens are refused by the published chain and the other way round)."""
    return ReleaseStore(store.root / PREVIEW_DIR)


def publish(
    content_dir: str | os.PathLike[str],
    store: ReleaseStore,
    cache_path: str | os.PathLike[str] | None = None,
    keep: int = KEEP,
    now: dt.datetime | None = None,
) -> tuple[Manifest, bool]:
    """Check the content folder and, when it has no errors, make it the live release: the preview
    release (every guide) first, then the published one (without the drafts at `now`, the clock
    by default: a guide whose publish_at has passed is in).

    Raises ContentInvalid (and records the problems in the store's status) otherwise; nothing
    changes for readers then.
    """
    now = now or dt.datetime.now(dt.UTC)
    corpus, problems = load_corpus(content_dir, cache_path, now)  # outside the lock: parsing is the slow part
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        store.write_status(False, None, errors)
        raise ContentInvalid(problems)
    preview_store(store).commit(corpus, keep)
    visible, timed = published(corpus, now)
    return store.commit(visible, keep, timed=timed)


def rollback(store: ReleaseStore, release: str, keep: int = KEEP) -> Manifest:
    """Publish a new release with the content of an older one (its bundle must not be pruned)."""
    rid_now = store.current_id()
    live = store.manifest(seq_of(rid_now)) if rid_now else None
    seq = int(release) if release.isdigit() else seq_of(release)
    target = store.manifest(seq)
    if target is None or (not release.isdigit() and target.id != release):
        raise ReleaseMissing(f"there is no release {release}")
    old = store.open(target.id).corpus
    corpus = dataclasses.replace(old, version=target.content_version)
    if live is not None and live.content_version == target.content_version:
        raise ReleaseMissing(f"release {release} has the content that is live already ({live.id})")
    manifest, _ = store.commit(corpus, keep, rollback_of=target.id)
    return manifest


# -- the release a process serves ----------------------------------------------------------------
class Served:
    """The release this process serves, swapped whole when the store's pointer moves.

    `refresh()` costs one read of the pointer a second at most. A release that cannot be read
    (pruned, or a store in trouble) is logged and the one held keeps serving.
    """

    def __init__(
        self,
        store: ReleaseStore,
        check_interval: float | None = None,
        fetch: Callable[[bool], object] | None = None,
    ) -> None:
        self.store = store
        self.check_interval = check_interval
        # With a shared store (api/release_store.py): brings its live release into `store`, this
        # machine's copy, before the pointer is read (argument: wait for another process's fetch).
        self.fetch = fetch
        self.release: Release | None = None
        self.error: str | None = None  # why the last release seen could not be opened
        self._lock = threading.Lock()
        self._next_check = 0.0

    def load(self) -> Release | None:
        if self.fetch is not None:
            self.fetch(True)
        rid = self.store.current_id()
        if rid is not None:
            self._swap(rid)
        return self.release

    def refresh(self) -> bool:
        now = time.monotonic()
        if now < self._next_check:
            return False
        interval = CHECK_INTERVAL if self.check_interval is None else self.check_interval
        self._next_check = now + interval
        if self.fetch is not None:
            self.fetch(False)
        rid = self.store.current_id()
        held = self.release.id if self.release is not None else None
        if rid is None or rid == held or not self._lock.acquire(blocking=False):
            return False  # up to date, or another thread of this worker is already swapping
        try:
            return self._swap(rid)
        finally:
            self._lock.release()

    def _swap(self, rid: str) -> bool:
        try:
            fresh = self.store.open(rid)
        except ReleaseMissing as exc:
            log.error("cannot open release %s, keeping %s: %s", rid, self.release and self.release.id, exc)
            self.error = f"cannot open release {rid}: {exc}"
            return False
        self.error = None
        log.info("release %s goes live (was %s)", rid, self.release.id if self.release else None)
        self.release = fresh  # one reference swap: a request holds the old release or the new
        return True


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()[:32]


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
