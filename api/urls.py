"""Every URL the API writes, built here and nowhere else: the domain hands back slugs, and the
views and serialisers turn them into paths with these functions (no Flask: the domain may use them
until it returns slugs only).

API paths (`/v1/...`) are what a client fetches next; `page_href` is where a guide link points in
rendered HTML (the website's own page for the guide).
"""

from __future__ import annotations

API = "/v1"


def guide_url(slug: str) -> str:
    """GET /v1/guides/{slug}: the whole guide."""
    return f"{API}/guides/{slug}"


def sections_url(slug: str) -> str:
    return f"{guide_url(slug)}/sections"


def section_url(slug: str, anchor: str) -> str:
    return f"{guide_url(slug)}/sections/{anchor}"


def collection_url(slug: str) -> str:
    return f"{API}/collections/{slug}"


def script_url(script_id: str) -> str:
    return f"{API}/scripts/{script_id}"


def graph_neighbourhood_url(slug: str) -> str:
    return f"{API}/graph/guides/{slug}"


def node_url(kind: str, slug: str) -> str:
    """A graph node's API path: a guide's or a collection's."""
    return guide_url(slug) if kind == "guide" else collection_url(slug)


def hit_url(slug: str, anchor: str | None, script_id: str | None) -> str:
    """A search hit's API path: the script, else the section, else the whole guide."""
    if script_id is not None:
        return script_url(script_id)
    return section_url(slug, anchor) if anchor else guide_url(slug)


def with_url(item: dict, url: str, after: str) -> dict:
    """`item` with `url` placed after the key `after` (where the documented shape has it)."""
    out = {}
    for key, value in item.items():
        out[key] = value
        if key == after:
            out["url"] = url
    return out


def page_href(slug: str, anchor: str | None = None) -> str:
    """Where a guide link points in rendered HTML and in search hits: the website's guide page."""
    return f"/guides/{slug}" + (f"#{anchor}" if anchor else "")
