"""Every request hook, registered in one place, in the order they run.

Before-hooks run top to bottom; after-hooks bottom to top (Flask runs them in the reverse order
of registration): `compress_dynamic` is the first to see a response, so the preview's
Cache-Control has the last word and the access log sees the bytes sent. A before-hook that answers
(a 401, a 429, an early 304) skips the view and the before-hooks below it; every after-hook still
runs, and the content headers of an early answer (`api/early.py`'s `Answered`) were made once, so
its hooks write only the request's own headers (request id, CORS, rate limits).

Blueprint hooks run after these: api/pattern_check.py checks a POST body's size and type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from api import cachetags, observability, partners, preview, sync
from api.current import name_release, take_release
from api.early import revalidate_early
from api.http import compress_dynamic
from api.state import state_of

LIMITER = "flask-limiter"  # the row where the partner limiter's own hooks go (none without a limiter)

# (before, after): one row per concern, in the order the before-hooks run.
HOOKS: list[tuple[Callable[..., Any] | None, Callable[..., Any] | None] | str] = [
    (take_release, name_release),  # pin the request to one release; name it on the response
    (sync.prebuild_exports, None),  # once per release: open its index, write its exports, in the background
    (observability.start, observability.finish),  # request id, security headers, metrics, access log
    (partners.gate, partners.decorate),  # key, scope, CORS; rate-limit headers
    LIMITER,  # counts the request against the caller's limit (needs the caller: after the gate)
    (preview.wanted, preview.mark),  # a preview token swaps in the preview release; its answers are private
    (None, cachetags.tag),  # Cache-Tag and Surrogate-Key on content responses
    (None, compress_dynamic),  # gzip/brotli for per-request bodies: first of the after-hooks
    (revalidate_early, None),  # a URL answered before in this release: its 304 or cached 200, before any view
]


def install(app: Flask) -> None:
    """Register HOOKS on the app, in their order."""
    limiter = state_of(app).limiter
    for row in HOOKS:
        if isinstance(row, str):  # LIMITER
            if limiter is not None:
                limiter.init_app(app)  # its check (before), its headers (after), its release (teardown)
            continue
        before, after = row
        if before is not None:
            app.before_request(before)
        if after is not None:
            app.after_request(after)
