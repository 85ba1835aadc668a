"""Publishing: check the content folder, then commit the preview and the published release."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os

from api.content import ContentInvalid, load_corpus
from api.content.drafts import published
from api.releases.manifest import Manifest
from api.releases.release import ReleaseMissing, seq_of
from api.releases.store import KEEP, ReleaseStore

PREVIEW_DIR = "preview"  # the preview chain (drafts included): a store of its own inside this one


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
