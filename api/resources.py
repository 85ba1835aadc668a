"""Helpers the resource blueprints share: the current corpus, slug resolution, paging."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import redirect, request
from flask.typing import ResponseReturnValue
from marshmallow import RAISE

from api.content import Guide
from api.current import corpus
from api.errors import abort
from api.http import cached_json, link_header, page_links

# webargs ignores unknown query parameters by default; ours are a 422 that names them.
QUERY = {"location": "query", "unknown": RAISE}


def guide_or_redirect(slug: str, rest: str = "") -> Guide | ResponseReturnValue:
    """The guide, or a 308 to its new slug when renamed; 410 when retired; else 404."""
    c = corpus()
    if slug in c.guides:
        return c.guides[slug]
    if slug in c.renamed:
        target = slug
        while target in c.renamed:  # the validator refuses loops
            target = c.renamed[target]
        query = request.query_string.decode()
        location = f"/v1/guides/{target}{rest}" + (f"?{query}" if query else "")
        resp = redirect(location, code=308)
        resp.headers["Cache-Control"] = "public, max-age=86400"
        return resp
    if slug in c.retired:
        abort(410, f"The guide '{slug}' was retired. {c.retired[slug]}")
    abort(404, f"No guide with slug '{slug}'.")
    raise AssertionError  # unreachable; abort raises


def paged(
    path: str,
    args: dict[str, Any],
    key: tuple,
    select: Callable[[], Sequence[Any]],
    render: Callable[[Any], dict[str, Any]],
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

    return cached_json(key, build)
