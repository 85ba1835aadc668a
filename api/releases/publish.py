"""Publishing: check the content folder, then commit the preview and the published release."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import os
from collections.abc import Iterator
from pathlib import Path

from api.content import ContentInvalid, load_corpus
from api.content.drafts import published
from api.content.filestat import FileStats
from api.content.load import Progress
from api.releases.bundle import Build, read_pack
from api.releases.manifest import Manifest, ReleaseId
from api.releases.release import ReleaseMissing
from api.releases.store import KEEP, ReleaseStore

PARSE_WORKERS = min(2, os.cpu_count() or 1)  # processes parsing a full build (most changed files)
CACHE_DIR = "cache"  # the publisher's caches: language files parsed, files' stats (api/content/load.py)
PREVIEW_DIR = "preview"  # the preview chain (drafts included): a store of its own inside this one


# -- publishing ---------------------------------------------------------------------------------
def preview_store(store: ReleaseStore) -> ReleaseStore:
    """The preview chain beside the published one: every guide, drafts included (its own store id,
    so its sync tokens are refused by the published chain and the other way round)."""
    previews = ReleaseStore(store.root / PREVIEW_DIR)
    previews.vector_cache = store.vector_cache  # one cache of text vectors for both chains
    return previews


def publish(
    content_dir: str | os.PathLike[str],
    store: ReleaseStore,
    cache_path: str | os.PathLike[str] | None = None,
    keep: int = KEEP,
    now: dt.datetime | None = None,
    *,
    full: bool = False,
    progress: Progress | None = None,
) -> tuple[Manifest, bool]:
    """Check the content folder and, when it has no errors, make it the live release: the preview
    release (every guide) and the published one (without the drafts at `now`, the clock by
    default: a guide whose publish_at has passed is in).

    Incremental: only files whose digest the live preview release does not know are parsed (its
    snapshot is the parse cache; `cache_path`, the parse cache file, serves before the first
    release), and each bundle is built from its chain's live one (api/releases/bundle.py). With no
    drafts the two releases have the same content: the preview's bundle hard-links the published
    one's. `full`: parse and index everything, as on a fresh store.

    Raises ContentInvalid (and records the problems in the store's status) otherwise; nothing
    changes for readers then.
    """
    now = now or dt.datetime.now(dt.UTC)
    previews = preview_store(store)
    live = None if full else previews.live_bundle()
    pack = read_pack(live) if live is not None else None
    cache_dir = None if full else store.root / CACHE_DIR
    stats = FileStats.open(cache_dir, Path(content_dir))  # saved once the releases are made
    corpus, problems = load_corpus(  # outside the lock: parsing is the slow part
        content_dir,
        None if full or pack is not None else cache_path,
        now,
        cache=pack,
        progress=progress,
        workers=PARSE_WORKERS,
        cache_dir=cache_dir,
        file_stats=stats,
    )
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        store.write_status(False, None, errors)
        raise ContentInvalid(problems)
    with frozen_heap():
        visible, timed = published(corpus, now)
        if visible is corpus:  # nothing is a draft: the preview release is the published one
            build = Build(full=full, progress=progress, problems=problems)
            manifest, made = store.commit(visible, keep, timed=timed, build=build)
            previews.commit(corpus, keep, build=Build(full=full, twin=store.bundles / manifest.id, pack=pack))
        else:
            previews.commit(corpus, keep, build=Build(full=full, progress=progress, pack=pack, problems=problems))
            manifest, made = store.commit(visible, keep, timed=timed, build=Build(full=full, progress=progress))
    stats.save()
    return manifest, made


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """The corpus just loaded (millions of objects, no garbage) is left out of the garbage
    collector's scans until the publish ends (gc.freeze): at 1,000 guides the collections of a
    one-edit publish took about 1 s of its 4.5 s, scanning the corpus again and again."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def rollback(store: ReleaseStore, release: str, keep: int = KEEP) -> Manifest:
    """Publish a new release with the content of an older one (its bundle must not be pruned)."""
    now = store.current()
    live = store.manifest(now.seq) if now is not None else None
    named = ReleaseId.parse(release)  # what the operator typed: a number or a release id
    target = store.manifest(int(release) if release.isdigit() else named.seq if named else -1)
    if target is None or (not release.isdigit() and target.id != release):
        raise ReleaseMissing(f"there is no release {release}")
    old = store.open(target.id).corpus
    corpus = dataclasses.replace(old, version=target.content_version)
    if live is not None and live.content_version == target.content_version:
        raise ReleaseMissing(f"release {release} has the content that is live already ({live.id})")
    manifest, _ = store.commit(corpus, keep, rollback_of=target.id)
    return manifest
