"""A worker prepares a new release before it serves it (api/releases/served.py calls `prepare`).

The first searches on a release opened afresh paid for opening its index and for reading the
posting lists of their words (cold p95 of readers' words over 100 ms at 10,000 guides, warm under
10 ms: bench/results/publish-10k.md). Now the worker that sees the pointer move opens the index
and fills its per-term caches from the release's own content (search_index/warm.py) while the
release it holds keeps serving, then swaps; the graph and the pattern analyzer are built beside
it, in a thread of their own (seconds at 10,000 guides: not worth delaying the swap for). Nothing a
reader typed is used: the words come from the index's vocabulary file entries and its word counts.
What it did is logged without any word.
"""

from __future__ import annotations

import logging
import threading
import time

from api.current import analyzer_of
from api.releases import Release
from search_index.warm import WARM_SECONDS, Warmed, warm_index

log = logging.getLogger(__name__)


def prepare(release: Release, seconds: float = WARM_SECONDS) -> Warmed:
    """Open `release`'s search index and warm its caches for about `seconds` (a failure is the
    caller's to log: the release is served anyway, cold)."""
    started = time.perf_counter()
    with release.search.lease() as oi:  # opens the index now, not on the first search
        opened = time.perf_counter() - started
        warmed = warm_index(oi, seconds)
    log.info(
        "release %s warmed: index opened in %.2f s, %d terms read in %.2f s%s",
        release.id,
        opened,
        warmed.terms,
        warmed.seconds,
        " (budget reached)" if warmed.stopped else "",
    )
    # The graph and the pattern analyzer that search and the pattern check use are built from the
    # whole corpus (seconds at 10,000 guides): built now, beside the swap, not by the first reader's
    # search; a request that needs them meanwhile waits for this build (Release.derived).
    threading.Thread(target=build_derived, args=(release,), name="lp-warm", daemon=True).start()
    return warmed


def build_derived(release: Release) -> None:
    started = time.perf_counter()
    try:
        analyzer_of(release.corpus, release)
    except Exception as exc:  # the first request that needs it builds it again, as before
        log.error("release %s: its analyzer could not be built ahead: %s", release.id, type(exc).__name__)
        return
    log.info("release %s: graph and analyzer built ahead in %.2f s", release.id, time.perf_counter() - started)
