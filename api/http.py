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
from werkzeug.http import http_date, is_entity_header, is_resource_modified

from api import encoding
from api.answered import Final
from api.current import corpus, release
from api.media import JSON, SPARSE_JSON
from api.observability import CACHE_BYTES, CACHE_HITS, CACHE_MISSES

MAX_URLS = 4096  # validators remembered by URL (small: no bodies)


class Entry(NamedTuple):
    body: bytes
    etag: str  # unquoted; a coding's variant has the coding's suffix
    modified: dt.datetime | None
    headers: tuple[tuple[str, str], ...]  # ETag, Cache-Control, Last-Modified, Vary, Content-Encoding, ...
    headers_304: tuple[tuple[str, str], ...]  # a 304's: the same without the entity headers

    @classmethod
    def make(cls, body: bytes, etag: str, modified: dt.datetime | None, headers: list[tuple[str, str]]) -> Entry:
        return cls(body, etag, modified, tuple(headers), not_modified_headers(headers))


class Validators(NamedTuple):
    """What a revalidation needs: never the body."""

    etag: str
    modified: dt.datetime | None
    headers: tuple[tuple[str, str], ...]  # the 304's
    quoted: str  # the ETag as a client that kept it sends it back: one string comparison answers most
    key: tuple  # the entry's key in the cache: a plain GET of the same URL gets its bytes early
    mimetype: str


def not_modified_headers(headers: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """A 304's headers: a 200's but the entity headers (Content-Encoding, Last-Modified, ...), which
    Werkzeug would otherwise take out of every 304 again (the variants' 304s had one more to take)."""
    return tuple((k, v) for k, v in headers if not is_entity_header(k) or k.lower() in ("expires", "content-location"))


def _size(entry: Entry) -> int:
    return len(entry.body) + 256  # the body, and a rough allowance for the entry itself


class ResponseCache:
    """Serialized bodies, one entry per (corpus version, key, coding), bounded by their bytes and
    least recently used out. One per release (dropped with it), keyed by the scoped corpus version
    inside it.

    Each coding's variant is made once, from the identity body, the first time a client asks for
    it; a hit serves stored bytes and does no work. Everything a hit needs (headers included) is
    computed at build time.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: LRUCache[tuple, Entry] = LRUCache(max_bytes, getsizeof=_size)
        # (version, path with query, coding) -> validators, so a revalidation is answered before any parsing
        self.by_url: LRUCache[tuple[str, str, str | None], Validators] = LRUCache(MAX_URLS)
        # (entry key, 304 or not, preview or not) -> the early answer's final headers (api/early.py)
        self.finals: LRUCache[tuple[tuple, bool, bool], Final] = LRUCache(2 * MAX_URLS)

    def peek(self, key: tuple) -> Entry | None:
        """The entry under this key (most recently used now), if it is still in the cache."""
        return self._entries.get(key)

    @property
    def size(self) -> int:
        return int(self._entries.currsize)

    def _store(self, key: tuple, entry: Entry) -> None:
        if _size(entry) <= self.max_bytes:  # one larger than the whole cache is served, not kept
            self._entries[key] = entry
        CACHE_BYTES.set(self._entries.currsize)

    def get_or_build(
        self,
        key: tuple,
        build: Callable[[], Any],
        cache_control: str,
        last_modified: dt.datetime | None = None,
        url: Callable[[], tuple[str, str]] | None = None,
        coding: str | None = None,
        etag: bool = True,
        mimetype: str = JSON,
    ) -> Entry:
        """`build()` returns the body's data, or (data, headers) for headers derived from it.
        With `etag` False the entry has none (a response that must not be revalidated)."""
        found = self._entries.get((*key, coding))
        if found is not None:
            CACHE_HITS.inc()
            return found
        CACHE_MISSES.inc()
        identity = self._entries.get((*key, None)) if coding is not None else None
        if identity is None:
            data = build()
            data, extra = data if isinstance(data, tuple) else (data, {})
            body = data if isinstance(data, bytes) else dumps(data)
            digest = hashlib.sha256(body).hexdigest()[:32]
            headers = [("ETag", f'"{digest}"')] if etag else []
            headers.append(("Cache-Control", cache_control))
            if last_modified is not None:
                headers.append(("Last-Modified", http_date(last_modified)))
            if len(body) >= encoding.MIN_SIZE:
                headers.append(("Vary", "Accept-Encoding"))
            headers.extend(extra.items())
            identity = Entry.make(body, digest, last_modified, headers)
            self._store((*key, None), identity)
        entry, where = identity, (*key, None)
        if coding is not None and len(identity.body) >= encoding.MIN_SIZE:
            tag = encoding.variant_etag(identity.etag, coding)
            headers = [(k, f'"{tag}"' if k == "ETag" else v) for k, v in identity.headers]
            headers.append(("Content-Encoding", coding))
            entry = Entry.make(encoding.encode(identity.body, coding), tag, identity.modified, headers)
            where = (*key, coding)
            self._store(where, entry)
        if url is not None and etag:
            version, path = url()
            self.by_url[(version, path, coding)] = Validators(
                entry.etag, entry.modified, entry.headers_304, f'"{entry.etag}"', where, mimetype
            )
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
    if found is None:  # (two threads: one cache wins)
        found = local.setdefault("responses", ResponseCache(current_app.config["RESPONSE_CACHE_MB"] * 1024 * 1024))
    return found


def coding() -> str | None:
    """The content coding this request's Accept-Encoding asks for (None: the body as it is)."""
    return encoding.negotiate(request.environ.get("HTTP_ACCEPT_ENCODING"))


def cached_json(
    key: tuple,
    build: Callable[[], Any],
    modified: str | None = None,
    cache_control_: str | None = None,
    etag: bool = True,
    mimetype: str = JSON,
) -> Response:
    """A 200 (or 304) for the body `build()` returns, cached for this release, in the coding the
    client asks for.

    `modified` names the manifest's response key (`guide:<slug>`, `corpus`, ...) whose time is
    the Last-Modified. The hot path: one dict lookup, a header comparison and a Response around
    cached bytes.
    """
    version = corpus().version
    last_modified = release().modified(modified) if modified else None
    entry = responses().get_or_build(
        (version, *key),
        build,
        cache_control_ or cache_control(),
        last_modified,
        url=lambda: (version, request.full_path),
        coding=coding(),
        etag=etag,
        mimetype=mimetype,
    )
    if etag and not_modified(entry.etag, entry.modified):
        return Response(status=304, headers=entry.headers_304)
    return Response(entry.body, mimetype=mimetype, headers=entry.headers)


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


COMPRESSIBLE = frozenset({JSON, SPARSE_JSON, "text/javascript"})


def compress_dynamic(resp: Response) -> Response:
    """An after_request hook: a JSON or JavaScript response made for this request alone (a search,
    the pattern check, the spec) above MIN_SIZE goes in the coding the client asks for.

    Responses that negotiated their coding already (the cached ones: they carry `Vary:
    Accept-Encoding`), carry a validator of their identity bytes (an ETag), or stream (a file) are
    left as they are.
    """
    if (  # cheapest first: this runs on every response
        resp.status_code in (204, 304)
        or resp.direct_passthrough
        or "ETag" in resp.headers
        or "Content-Encoding" in resp.headers
        or "accept-encoding" in resp.headers.get("Vary", "").lower()
        or resp.mimetype not in COMPRESSIBLE
    ):
        return resp
    body = resp.get_data()
    if len(body) < encoding.MIN_SIZE:
        return resp
    resp.headers["Vary"] = encoding.merge_vary(resp.headers.get("Vary"))
    chosen = coding()
    if chosen is not None:
        resp.set_data(encoding.encode(body, chosen, cached=False))
        resp.headers["Content-Encoding"] = chosen
    return resp
