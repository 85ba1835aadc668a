"""Helpers the resource blueprints share: the current corpus, slug resolution, paging."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from flask import request
from flask.typing import ResponseReturnValue
from marshmallow import RAISE

from api.content import Guide
from api.current import corpus
from api.errors import Moved, abort
from api.http import JSON, cached_json, link_header, page_links

# webargs ignores unknown query parameters by default; ours are a 422 that names them.
QUERY = {"location": "query", "unknown": RAISE}


PATH_SAFE = "/!$&'()*+,;=:@-._~"  # RFC 3986 pchar and '/': kept as they are


def resolve_guide(slug: str, moved: Callable[[str], str] | None = None) -> Guide:
    """The guide `slug` names in this request's corpus, or the HTTP answer raised.

    Renamed: with `moved` (new slug -> path), a 308 to that path with the query string kept;
    without it, the guide it was renamed to. Retired: 410 with the reason. Otherwise: 404.
    """
    c = corpus()
    found = c.guides.get(slug)
    if found is not None:
        return found
    live = c.live_slug(slug)  # follows renames; None when the final slug is not served (here)
    if live is not None:
        if moved is None:
            return c.guides[live]
        query = request.query_string.decode()
        # The path carries what the client sent (an anchor may hold any character): percent-encoded,
        # so a Location header never holds a raw newline or space.
        raise Moved(quote(moved(live), safe=PATH_SAFE) + (f"?{query}" if query else ""))
    if slug in c.retired:
        abort(410, f"The guide '{slug}' was retired. {c.retired[slug]}")
    abort(404, f"No guide with slug '{slug}'.")


def paged(
    path: str,
    args: dict[str, Any],
    key: tuple,
    select: Callable[[], Sequence[Any]],
    render: Callable[[Any], dict[str, Any]],
    mimetype: str = JSON,
) -> ResponseReturnValue:
    """A cached page of `select()`, rendered item by item, with total and links (body + Link header)."""
    page, size = args["page"], args["page_size"]

    def build() -> tuple[dict[str, Any], dict[str, str]]:
        items = select()
        pages = max(1, -(-len(items) // size))
        links = page_links(path, args, page, pages, size)
        start = (page - 1) * size
        body = {
            "total": len(items),
            "page": page,
            "page_size": size,
            "pages": pages,
            "links": links,
            "items": [render(x) for x in items[start : start + size]],
        }
        return body, {"Link": link_header(links)}

    return cached_json(key, build, mimetype=mimetype)
