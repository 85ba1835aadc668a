"""The early answer: a GET of a URL already answered in this release gets its 304, or its cached 200,
before argument parsing and the view, with headers made once per URL.

The after-hooks (api/hooks.py) add headers of two kinds. Some depend only on what the response
cache's key already fixes (release, partner scope, path with query, coding, and so preview or not):
the cache tags, the preview marks, the Vary suffixes, the security headers, X-Content-Version. The
others are the request's own: its id, CORS for its origin, its rate-limit counts. The first kind is
computed here once, by running those hooks' own code over the stored headers, and kept in the
cache (`ResponseCache.finals`); an `Answered` response carries it, and the hooks then write only the
request's own headers. The bytes sent are the view's (tests/api/test_early.py compares them for
every coding, for an anonymous caller, a partner key and a preview token).
"""

from __future__ import annotations

from flask import Response, g, request

from api import cachetags, partners, preview
from api.answered import Answered, Final
from api.current import corpus, scoped_version
from api.http import Entry, ResponseCache, Validators, coding, not_modified, not_modified_headers, responses
from api.observability import CACHE_HITS, security_headers

# The after-hooks' header work that the cache key fixes, in the order api/hooks.py runs them.
CONTENT_HOOKS = (cachetags.tag, preview.mark, partners.vary)


def revalidate_early() -> Response | None:
    """A before_request hook: a GET of a URL already answered in this release (and partner scope)
    and coding gets its answer here, without parsing arguments or running the view: a 304 when its
    validators match, else the cached 200 (the very entry the view would serve).

    Same version, scope, path with query and coding give the same bytes, so the same ETag;
    anything not seen yet (or whose entry left the cache) goes the normal way. The usual
    revalidation, a client sending back the one ETag it kept, is one string comparison; lists,
    weak tags and dates go through Werkzeug. Public endpoints (health, ...) are never cached here.
    """
    environ = request.environ
    if environ["REQUEST_METHOD"] != "GET" or g.get("lp_public"):
        return None
    try:
        version = corpus().version
    except Exception:  # no content yet: the view answers with the error shape
        return None
    cache = responses()
    found = cache.by_url.get((version, request.full_path, coding()))
    if found is None:
        return None
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if (if_none_match or environ.get("HTTP_IF_MODIFIED_SINCE")) and (
        if_none_match == found.quoted or not_modified(found.etag, found.modified)
    ):
        return _answer(cache, found, None)
    entry = cache.peek(found.key)
    if entry is None:  # left the cache (or never fitted in it): the view builds it again
        return None
    answer = _answer(cache, found, entry)
    if answer is not None:
        CACHE_HITS.inc()
    return answer


def _answer(cache: ResponseCache, found: Validators, entry: Entry | None) -> Answered | None:
    """The 304 (no entry) or the entry's 200, with the final headers of this URL (None: the view's)."""
    # Preview or not is fixed by the release (the preview one has a cache of its own); in the key all
    # the same, so a private answer's headers can never go out with a public one's.
    key = (found.key, entry is None, bool(g.get("lp_preview")))
    final = cache.finals.get(key)
    if final is None:
        final = cache.finals[key] = _finalize(found, entry)
    if not final.plain:  # (none today) Werkzeug makes a Location absolute for the request's host
        return None
    if entry is None:
        return Answered(status=304, headers=final.head, secure=final.secure, version=final.version)
    return Answered(entry.body, mimetype=found.mimetype, headers=final.head, secure=final.secure, version=final.version)


def _finalize(found: Validators, entry: Entry | None) -> Final:
    """The content hooks' headers, from their own code run over the response the view would make."""
    if entry is None:
        probe = Response(status=304, headers=found.headers)
    else:
        probe = Response(entry.body, mimetype=found.mimetype, headers=entry.headers)
    for hook in CONTENT_HOOKS:
        probe = hook(probe)
    head = list(probe.headers.items())
    # A 304 goes without entity headers: Werkzeug takes the default Content-Type out of the view's.
    final = not_modified_headers(head) if entry is None else tuple(head)
    plain = not any(k.lower() in ("location", "content-location") for k, _ in final)
    return Final(final, security_headers(k for k, _ in final), scoped_version(), plain)
