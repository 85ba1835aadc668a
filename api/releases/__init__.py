"""Releases: one immutable bundle per publish in a release store, and one pointer to the live one.

No Flask here. Publishing (`publish`, `rollback`) is the only writer; servers and every other
command only read. The store (LP_RELEASE_STORE, a directory; a shared volume works the same):

    store.json                    {"id": ...}: names the chain (sync tokens of another store are refused)
    current                       the live release id, replaced with os.replace: the one pointer
    lock                          a publisher holds an exclusive flock on it from base to pointer
    status.json                   the outcome of the last publish, with the problems when refused
    manifests/<seq>.json          every release's manifest, kept forever: the chain sync tokens stand on
    releases/<id>/                the bundle: corpus.pack, index/ (Whoosh), manifest.json (api/releases/bundle.py)
    releases/<id>.<pid>.building  a publish in progress; debris when its publisher died, removed by the next
    preview/                      the preview chain: a store of the same layout, every guide, drafts included
    vectors/<model>/<digest>.npz  text vectors the publishes embedded, shared by both chains (vector_cache.py)
    webhooks.sqlite3, webhooks.lock   the publish webhooks' SQLite queue and its deliverer's lock (api/webhooks/)
    cache/                        the publisher's caches: the parsed language files and their recogniser
                                  (api/content/language.py), each guide file's stat and digest (filestat.py)

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

from api.releases.bundle import CORPUS_FILE, INDEX_DIR, Build
from api.releases.manifest import (
    FORMAT,
    Entry,
    Manifest,
    ReleaseId,
    fingerprint,
    iso_time,
    make_manifest,
    response_keys,
)
from api.releases.publish import PREVIEW_DIR, preview_store, publish, rollback
from api.releases.release import Release, ReleaseMissing
from api.releases.served import CHECK_INTERVAL, Served
from api.releases.snapshot import PACK_FILE
from api.releases.store import KEEP, MANIFEST_FILE, ReleaseStore

__all__ = [
    "CHECK_INTERVAL",
    "CORPUS_FILE",
    "FORMAT",
    "INDEX_DIR",
    "KEEP",
    "MANIFEST_FILE",
    "PACK_FILE",
    "PREVIEW_DIR",
    "Build",
    "Entry",
    "Manifest",
    "Release",
    "ReleaseId",
    "ReleaseMissing",
    "ReleaseStore",
    "Served",
    "iso_time",
    "fingerprint",
    "make_manifest",
    "preview_store",
    "publish",
    "response_keys",
    "rollback",
]
