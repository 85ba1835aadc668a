"""The partner search embed: one dependency-free script (api/static/lp-search.js) that partners
load with a <script> tag from any page; it defines the <lp-search> element (see the README).

The file is read once per worker and served as bytes with a strong ETag (its digest) and the
content responses' Cache-Control, so a CDN can cache it and If-None-Match gets a 304. It needs no
key and is not rate limited (api/partners.py lists it as public): a <script> tag sends no headers.
The element itself calls /v1/search with the partner's key, under that key's CORS origins.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from flask import Response
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint

from api import encoding
from api.http import cache_control, coding, not_modified
from api.resources import QUERY
from api.schemas import EmptyArgsSchema

blp = Blueprint("embed", __name__, url_prefix="/v1", description="The partner search embed.")

SCRIPT = Path(__file__).parent / "static" / "lp-search.js"
MIMETYPE = "text/javascript"


@functools.cache
def _script(coding: str | None = None) -> tuple[bytes, str]:
    """The script in a coding, with its strong ETag: compressed once per worker and coding."""
    body = SCRIPT.read_bytes()
    etag = hashlib.sha256(body).hexdigest()[:32]
    if coding is None:
        return body, etag
    return encoding.encode(body, coding), encoding.variant_etag(etag, coding)


@blp.route("/embed/lp-search.js")
@blp.arguments(EmptyArgsSchema(), **QUERY)
@blp.doc(
    responses={
        "200": {
            "description": "The <lp-search> custom element, as a classic script: "
            '<script src="/v1/embed/lp-search.js" defer></script>',
            "content": {MIMETYPE: {"schema": {"type": "string"}}},
            "headers": {
                "ETag": {"description": "Strong validator: the digest of the script", "schema": {"type": "string"}},
                "Cache-Control": {
                    "description": "public, max-age, stale-while-revalidate",
                    "schema": {"type": "string"},
                },
            },
        },
        "304": {"description": "Not Modified: If-None-Match matched the ETag"},
    }
)
def lp_search_js(_args: dict) -> ResponseReturnValue:
    """The partner search embed script (no key needed; it calls /v1/search with the partner's key)"""
    chosen = coding()
    body, etag = _script(chosen)
    headers = {
        "ETag": f'"{etag}"',
        "Vary": "Accept-Encoding",
        "Cache-Control": cache_control(),
        # Any page may load it, also with crossorigin/integrity (SRI) or under COEP.
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if chosen is not None:
        headers["Content-Encoding"] = chosen
    if not_modified(etag, None):
        return Response(status=304, headers=headers)
    return Response(body, mimetype=MIMETYPE, headers=headers)
