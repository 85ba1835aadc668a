"""JSON responses built once per release and served as bytes, with HTTP caching.

Bodies are deterministic (same release, same bytes in every worker, on every replica and after
restarts), so a strong ETag is their digest. Last-Modified is the time of the release in which the
response's bytes last changed, from the release manifest (api/releases.py), so an
If-Modified-Since never gets a 304 for a body that changed. `not_modified` (Werkzeug's
is_resource_modified) answers If-None-Match and If-Modified-Since with 304.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import urlencode

from cachetools import LRUCache
from flask import Response, current_app, request
from werkzeug.http import http_date, is_resource_modified

from api.current import corpus, release

MAX_ENTRIES = 4096
JSON = "application/json"
# A sparse fieldset (`fields=`): JSON with only the fields asked for. Its own media type, so that the
# spec can describe it with its own schema (every field optional) beside the whole one (api/spec.py).
SPARSE_JSON = "application/vnd.lovepatterns.sparse+json"


class Entry(NamedTuple):
    body: bytes
    etag: str  # unquoted
    modified: dt.datetime | None
    headers: tuple[tuple[str, str], ...]  # ETag, Cache-Control, Last-Modified and derived headers


class ResponseCache:
    """Serialized bodies and their headers, keyed by (corpus version, key); bounded, least recently
    used out. Everything a hit needs is computed once, at build time. One per release (it is
    dropped with it), keyed by the scoped corpus version inside it."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: LRUCache[tuple, Entry] = LRUCache(max_entries)
        # (version, path with query) -> entry, so a revalidation can be answered before any parsing
        self.by_url: LRUCache[tuple[str, str], Entry] = LRUCache(max_entries)

    def remember_url(self, version: str, url: str, entry: Entry) -> None:
        self.by_url[(version, url)] = entry

    def get_or_build(
        self,
        key: tuple,
        build: Callable[[], Any],
        cache_control: str,
        last_modified: dt.datetime | None = None,
        url: Callable[[], tuple[str, str]] | None = None,
    ) -> Entry:
        """`build()` returns the body's data, or (data, headers) for headers derived from it."""
        found = self._entries.get(key)
        if found is not None:
            return found
        data = build()
        data, extra = data if isinstance(data, tuple) else (data, {})
        body = dumps(data)
        etag = hashlib.sha256(body).hexdigest()[:32]
        headers = [("ETag", f'"{etag}"'), ("Cache-Control", cache_control)]
        modified = last_modified
        if modified is not None:
            headers.append(("Last-Modified", http_date(modified)))
        headers.extend(extra.items())
        entry = Entry(body, etag, modified, tuple(headers))
        self._entries[key] = entry
        if url is not None:
            self.remember_url(*url(), entry)  # on a miss only: hits stay a single lookup
        return entry


def dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def cache_control() -> str:
    cfg = current_app.config
    return f"public, max-age={cfg['CACHE_MAX_AGE']}, stale-while-revalidate={cfg['CACHE_STALE_WHILE_REVALIDATE']}"


def responses() -> ResponseCache:
    """The response cache of the request's release."""
    local = release().local
    found = local.get("responses")
    if found is None:
        found = local.setdefault("responses", ResponseCache())  # (two threads: one cache wins)
    return found


def cached_json(key: tuple, build: Callable[[], Any], modified: str | None = None, mimetype: str = JSON) -> Response:
    """A 200 (or 304) for the body `build()` returns, cached for this release.

    `modified` names the manifest's response key (`guide:<slug>`, `corpus`, ...) whose time is
    the Last-Modified. The hot path: one dict lookup, a header comparison and a Response around
    cached bytes.
    """
    version = corpus().version
    last_modified = release().modified(modified) if modified else None
    entry = responses().get_or_build(
        (version, *key), build, cache_control(), last_modified, url=lambda: (version, request.full_path)
    )
    if not_modified(entry.etag, entry.modified):
        return Response(status=304, headers=entry.headers)
    return Response(entry.body, mimetype=mimetype, headers=entry.headers)


def revalidate_early() -> Response | None:
    """A before_request hook: a conditional GET for a URL already answered in this release (and
    partner scope) gets its 304 here, without parsing arguments or running the view.

    Same version, scope and path with query give the same bytes, so the same ETag; anything not
    seen yet goes the normal way.
    """
    if request.method != "GET" or not (
        request.headers.get("If-None-Match") or request.headers.get("If-Modified-Since")
    ):
        return None
    try:
        version = corpus().version
    except Exception:  # no content yet: the view answers with the error shape
        return None
    entry = responses().by_url.get((version, request.full_path))
    if entry is not None and not_modified(entry.etag, entry.modified):
        return Response(status=304, headers=entry.headers)
    return None


def not_modified(etag: str, modified: dt.datetime | None) -> bool:
    """Whether the request's validators match, so a 304 answers it.

    Werkzeug compares; only the two validators of a GET reach it, with RFC 9110 13.2.2's order:
    If-None-Match wins (even when it parses to nothing), If-Modified-Since counts only without it.
    If-Match stays out: Werkzeug would call a failed If-Match "not modified" (a 304), where RFC 9110
    wants a 412, and the API has never acted on it.
    """
    if_none_match = request.headers.get("If-None-Match")
    environ: dict[str, Any] = (
        {"HTTP_IF_NONE_MATCH": if_none_match}
        if if_none_match is not None
        else {"HTTP_IF_MODIFIED_SINCE": request.headers.get("If-Modified-Since")}
    )
    return not is_resource_modified(environ, etag=etag, last_modified=modified)


def page_links(path: str, args: dict[str, Any], page: int, pages: int, page_size: int) -> dict[str, str | None]:
    """Relative links for a paged list, with the query in a fixed order (stable bytes)."""

    def url(p: int) -> str:
        query: dict[str, str | int] = {
            k: _q(v) for k, v in sorted(args.items()) if v is not None and k not in ("page", "page_size")
        }
        query.update(page=p, page_size=page_size)
        return f"{path}?{urlencode(query)}"

    last = max(pages, 1)
    return {
        "self": url(page),
        "first": url(1),
        "last": url(last),
        "next": url(page + 1) if page < last else None,
        "prev": url(page - 1) if 1 < page <= last else (url(last) if page > last else None),
    }


def link_header(links: dict[str, str | None]) -> str:
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url and rel != "self")


def _q(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple | list):
        return ",".join(value)
    return str(value)
