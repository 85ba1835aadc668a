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


def page_href(slug: str, anchor: str | None = None) -> str:
    """Where a guide link points in rendered HTML and in search hits: the website's guide page."""
    return f"/guides/{slug}" + (f"#{anchor}" if anchor else "")
