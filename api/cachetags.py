"""Cache tags: every content response names what it is made of, so a CDN can purge by tag.

Each content response carries the same tags twice, as `Cache-Tag` (comma-separated: Cloudflare,
Akamai) and `Surrogate-Key` (space-separated: Fastly, Varnish xkey). The publish webhook
(api/webhooks/events.py) lists the tags a release touches, built by the same functions:

    lp                      every content response: purge it to drop everything
    lp-guide-<slug>         a guide, its sections, and its scripts by id (also under an old slug)
    lp-collection-<slug>    one collection with its guides
    lp-list                 everything that gathers many guides: lists, search, suggest, the graph,
                            the pattern check, sync, export; touched by every release that changes a guide

Preview responses carry none (they are never cached; api/preview.py removes them).
"""

from __future__ import annotations

import functools
import re

from flask import Response, g, request

from api.answered import Answered

ALL = "lp"
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LIST = "lp-list"


def guide_tag(slug: str) -> str:
    return f"lp-guide-{slug}"


def collection_tag(slug: str) -> str:
    return f"lp-collection-{slug}"


def tags_for(endpoint: str | None, view_args: dict[str, str], script_guide: str | None = None) -> list[str]:
    """The tags of a response of this endpoint (Flask's endpoint name and URL arguments). A slug
    from the URL becomes a tag only when it is a slug (a header carries ASCII only; anything else
    is a 404 that `lp` covers)."""
    blueprint, _, view = (endpoint or "").partition(".")
    slug = view_args.get("slug", "")
    if blueprint in ("guides", "collections") and "slug" in view_args:
        if not _SLUG.fullmatch(slug):
            return [ALL]
        return [ALL, guide_tag(slug) if blueprint == "guides" else collection_tag(slug)]
    if blueprint == "scripts" and script_guide is not None:
        return [ALL, guide_tag(script_guide)]
    return [ALL, LIST]


@functools.lru_cache(maxsize=4096)
def _headers(endpoint: str | None, slug: str | None, script_guide: str | None) -> tuple[str, str]:
    """Cache-Tag and Surrogate-Key for these: computed once, not on every answer (a 304 too)."""
    tags = tags_for(endpoint, {} if slug is None else {"slug": slug}, script_guide)
    return ",".join(tags), " ".join(tags)


def tag(resp: Response) -> Response:
    """An after_request hook: tag the responses built from content (those that name a release)."""
    if isinstance(resp, Answered):  # tagged already (api/early.py)
        return resp
    corpus = g.get("lp_corpus")
    if corpus is None:
        return resp
    args = request.view_args or {}
    script = corpus.scripts.get(args["script_id"]) if "script_id" in args else None
    cache_tag, surrogate_key = _headers(
        request.endpoint, args.get("slug"), script.guide if script is not None else None
    )
    resp.headers["Cache-Tag"] = cache_tag
    resp.headers["Surrogate-Key"] = surrogate_key
    return resp
