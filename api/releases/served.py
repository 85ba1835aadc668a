"""The release a process serves, swapped whole when the store's pointer moves."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from api.releases.release import Release, ReleaseMissing
from api.releases.store import ReleaseStore

log = logging.getLogger(__name__)

CHECK_INTERVAL = 1.0  # seconds between a worker's looks at the pointer


# -- the release a process serves ----------------------------------------------------------------
class Served:
    """The release this process serves, swapped whole when the store's pointer moves.

    `refresh()` costs one read of the pointer a second at most. A release that cannot be read
    (pruned, or a store in trouble) is logged and the one held keeps serving. `prepare`: called
    with a release newly opened by `refresh()`, before it is served (api/warm.py: its search
    index opened and warmed) while the one held keeps serving; if it fails, the failure is logged
    (its type only) and the release is served anyway.
    """

    def __init__(
        self,
        store: ReleaseStore,
        check_interval: float | None = None,
        fetch: Callable[[bool], object] | None = None,
        prepare: Callable[[Release], object] | None = None,
    ) -> None:
        self.store = store
        self.prepare = prepare
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
            return self._swap(rid, self.prepare)
        finally:
            self._lock.release()

    def _swap(self, rid: str, prepare: Callable[[Release], object] | None = None) -> bool:
        try:
            fresh = self.store.open(rid, held=self.release)
        except ReleaseMissing as exc:
            log.error("cannot open release %s, keeping %s: %s", rid, self.release and self.release.id, exc)
            self.error = f"cannot open release {rid}: {exc}"
            return False
        self.error = None
        if prepare is not None:
            try:
                prepare(fresh)
            except Exception as exc:  # a failed warm-up costs speed, never the release
                log.error("release %s could not be warmed, serving it cold: %s", rid, type(exc).__name__)
        log.info("release %s goes live (was %s)", rid, self.release.id if self.release else None)
        self.release = fresh  # one reference swap: a request holds the old release or the new
        return True
