"""Content codings: gzip (the standard library's) and brotli (Google's `brotli` bindings).

No Flask here. `negotiate` reads an Accept-Encoding header (RFC 9110 12.5.3: q-values, `*`, an
explicit `;q=0` refusing a coding) and picks the coding to send; `encode` compresses. Bodies under
MIN_SIZE are never compressed: the headers would cost more than the bytes saved.

Cached responses (api/http.py) are compressed once per release and coding, so they can afford a
denser setting than a response made per request (a search result): brotli quality 9 for bodies up
to 64 KiB (a guide: about 25 ms once), 5 above (a sync page of 500 KB: about 25 ms; quality 11
would take 2 s for 8% fewer bytes). gzip at level 6 everywhere, with mtime 0 so the same body
gives the same bytes in every worker and after restarts (the variant's ETag stays honest).
"""

from __future__ import annotations

import functools
import gzip

import brotli
from werkzeug.http import parse_accept_header

MIN_SIZE = 1024  # bytes; smaller bodies go as they are
CODINGS = ("br", "gzip")  # preference when the client rates both alike
SUFFIX = {"br": "br", "gzip": "gz"}  # the variant's ETag is the body's digest with this suffix
BIG = 64 * 1024


def encode(body: bytes, coding: str, cached: bool = True) -> bytes:
    if coding == "gzip":
        return gzip.compress(body, compresslevel=6, mtime=0)
    if coding == "br":
        quality = (9 if len(body) <= BIG else 5) if cached else 4
        return brotli.compress(body, quality=quality)
    raise ValueError(f"unknown coding {coding!r}")


@functools.lru_cache(maxsize=256)  # clients send few distinct headers: one dict lookup per request
def negotiate(accept_encoding: str | None) -> str | None:
    """The coding to send for this Accept-Encoding, or None for the body as it is.

    No header: identity (RFC 9110 allows any coding then, but a client that says nothing may not
    decode). A coding named with q=0 is refused even when `*` would allow it.
    """
    best, best_q = None, 0.0
    for coding in CODINGS:
        q = _quality(accept_encoding, coding)
        if q > best_q:
            best, best_q = coding, q
    return best


@functools.lru_cache(maxsize=256)
def accepts(accept_encoding: str | None, coding: str) -> bool:
    """Whether this Accept-Encoding takes `coding` (the export, kept gzipped only, asks this)."""
    return _quality(accept_encoding, coding) > 0


def _quality(accept_encoding: str | None, coding: str) -> float:
    if not accept_encoding:
        return 0.0
    rated: dict[str, float] = {}
    for value, quality in parse_accept_header(accept_encoding):
        rated.setdefault(value.lower(), quality)
    return rated.get(coding, rated.get("*", 0.0))


def variant_etag(etag: str, coding: str | None) -> str:
    """The strong ETag (unquoted) of a coding's variant: the body's digest, and the coding's suffix."""
    return etag if coding is None else f"{etag}-{SUFFIX[coding]}"


def merge_vary(existing: str | None, name: str = "Accept-Encoding") -> str:
    if not existing:
        return name
    if name.lower() in (v.strip().lower() for v in existing.split(",")):
        return existing
    return f"{existing}, {name}"
