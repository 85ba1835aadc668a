"""Search and suggest: full-text search over guides, sections and scripts, for partners to embed.

The index is part of the release a request holds (api/releases.py): the safety notice, the hits
and everything else in one response come from the same release. Each worker opens an index
lazily on its first search (after gunicorn forks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, g
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from webargs.fields import DelimitedList

from api.content.safety import notice_for
from api.content.schemas import SLUG
from api.current import analyzer_of, fits_of, release, safety_guides_of
from api.errors import abort
from api.http import JSON, ResponseCache, coding, not_modified
from api.observability import SEARCH_LATENCY
from api.region import reader_region, region_field, vary
from api.resources import QUERY, corpus
from api.schemas import QueryArgsSchema, SafetyNoticeSchema
from api.schemas import describe as _d
from api.search_fallback import by_meaning, read
from api.search_hints import guide_boosts, harm_guide
from api.state import state
from api.urls import hit_url, page_href
from search_index import IndexMissing, QueryTooLong, SearchEngine
from search_index.engine import MAX_DEPTH, did_you_mean
from search_index.query import MAX_QUERY_CHARS
from search_index.schema import DOC_TYPES

blp = Blueprint("search", __name__, url_prefix="/v1", description="Full-text search and autocomplete.")

SEARCH_CACHE_CONTROL = "private, max-age=60"
MAX_SUGGEST_CHARS = 100
SEARCH_RESPONSES = 16 * 1024 * 1024  # bytes of search and suggest bodies kept per release and worker (in memory only)


# -- arguments ------------------------------------------------------------------------------
class SearchArgsSchema(QueryArgsSchema):
    q = fields.String(
        required=True,
        validate=validate.Length(max=MAX_QUERY_CHARS),
        metadata=_d(
            'What to look for, in your own words; "quotes" for an exact phrase. The last word is '
            "completed as you type. Field names, wildcards and operators are treated as text.",
            "why do i miss my ex",
        ),
    )
    type = DelimitedList(
        fields.String(validate=validate.OneOf(DOC_TYPES)),
        metadata=_d("Only these kinds of hit (comma-separated): guide, section, script", "guide,section"),
    )
    collection = fields.String(validate=SLUG, metadata=_d("Only hits from guides in this collection", "boundaries"))
    tag = fields.String(validate=SLUG, metadata=_d("Only hits with this tag", "no-contact"))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1), metadata=_d("Page number, from 1", 1))
    page_size = fields.Integer(
        load_default=10, validate=validate.Range(min=1, max=50), metadata=_d("Hits per page, 1-50", 10)
    )
    region = region_field()
    group = fields.String(
        validate=validate.OneOf(["guide"]),
        metadata=_d(
            "`guide`: one hit per guide, its best sections beneath (`sections`); `total` counts guides", "guide"
        ),
    )

    @validates_schema
    def _depth(self, data: dict[str, Any], **_kw: object) -> None:
        if data.get("page", 1) * data.get("page_size", 10) > MAX_DEPTH:
            raise ValidationError(f"page * page_size must be at most {MAX_DEPTH}.", "page")


class SuggestArgsSchema(QueryArgsSchema):
    q = fields.String(
        required=True,
        validate=validate.Length(max=MAX_SUGGEST_CHARS),
        metadata=_d("What has been typed so far", "no cont"),
    )
    limit = fields.Integer(
        load_default=8, validate=validate.Range(min=1, max=20), metadata=_d("Completions to return, 1-20", 8)
    )
    region = region_field()


# -- responses ------------------------------------------------------------------------------
class SnippetSchema(Schema):
    text = fields.String(required=True, metadata=_d("Plain text around the matched words"))
    highlights = fields.List(
        fields.List(fields.Integer()),
        required=True,
        metadata=_d("[start, end) of each matched word in `text`, in Unicode code points", [[0, 7]]),
    )
    html = fields.String(
        required=True,
        metadata=_d("The same text, HTML-escaped, with matched words in <mark>", "<mark>Contact</mark> helps when"),
    )


class HitSchema(Schema):
    type = fields.String(
        required=True, validate=validate.OneOf(DOC_TYPES), metadata=_d("guide, section or script", "section")
    )
    guide = fields.String(required=True, metadata=_d("Slug of the guide", "no-contact-rule"))
    anchor = fields.String(
        required=True, allow_none=True, metadata=_d("Section anchor to deep-link to (null for a guide)")
    )
    script = fields.String(required=True, allow_none=True, metadata=_d("Script id, for a script hit"))
    title = fields.String(required=True, metadata=_d("Guide title, section heading, or script situation"))
    guide_title = fields.String(required=True, metadata=_d("Title of the guide it belongs to"))
    collection = fields.String(required=True, metadata=_d("Collection of the guide", "breakup-recovery"))
    score = fields.Float(required=True, metadata=_d("Relevance (BM25F); only comparable within one response"))
    url = fields.String(required=True, metadata=_d("API path of the guide, section or script"))
    href = fields.String(required=True, metadata=_d("Site path with the section anchor", "/guides/no-contact-rule#x"))
    snippet = fields.Nested(
        SnippetSchema,
        required=True,
        metadata=_d("Where the words matched; a script's ends with its whole safety condition"),
    )
    send = fields.Boolean(
        required=True,
        allow_none=True,
        metadata=_d("For a script hit: meant to be sent (true) or only written (false); null otherwise", True),
    )
    safety = fields.String(
        required=True,
        allow_none=True,
        metadata=_d(
            "For a script hit: when it is safe to use, always present on scripts meant to be sent; "
            "show it with the script. Null otherwise",
            "Only if it is safe to reply at all.",
        ),
    )


class GroupHitSchema(HitSchema):
    sections = fields.List(
        fields.Nested(HitSchema),
        metadata=_d("With group=guide: the guide's next best hits (sections, scripts), best first"),
    )


class UnderstoodSchema(Schema):
    text = fields.String(required=True, metadata=_d("A word or phrase as typed", "ghosted"))
    found = fields.Boolean(required=True, metadata=_d("Whether the guides use it (in some form)"))
    expanded = fields.List(
        fields.String(), required=True, metadata=_d("What it was also searched as", ["no reply", "silence"])
    )
    corrected = fields.String(
        required=True, allow_none=True, metadata=_d("The known word a typo was read as", "boundaries")
    )


class FacetValueSchema(Schema):
    value = fields.String(required=True, metadata=_d("Facet value", "section"))
    count = fields.Integer(required=True, metadata=_d("Hits with this value, over all pages", 12))


class FacetsSchema(Schema):
    type = fields.List(fields.Nested(FacetValueSchema), required=True, metadata=_d("Counts per hit type"))
    collection = fields.List(fields.Nested(FacetValueSchema), required=True, metadata=_d("Counts per collection"))
    tag = fields.List(fields.Nested(FacetValueSchema), required=True, metadata=_d("Counts per tag (top 20)"))


class QueryEchoSchema(Schema):
    q = fields.String(required=True, metadata=_d("The query as sent"))
    normalized = fields.String(required=True, metadata=_d("What was searched: words, phrases, '*' = completed"))
    words = fields.List(fields.String(), required=True, metadata=_d("Words searched"))
    phrases = fields.List(fields.String(), required=True, metadata=_d("Exact phrases required"))
    prefix = fields.String(required=True, allow_none=True, metadata=_d("The last word, completed as a prefix"))
    understood = fields.List(
        fields.Nested(UnderstoodSchema),
        required=True,
        metadata=_d("Each word or phrase searched: found as typed, expanded to (vocabulary), corrected to"),
    )


class SearchResultSchema(Schema):
    safety = fields.Nested(
        SafetyNoticeSchema,
        required=True,
        allow_none=True,
        metadata=_d("Present first when the words signal danger, whatever else is found"),
    )
    query = fields.Nested(QueryEchoSchema, required=True, metadata=_d("How the query was read"))
    total = fields.Integer(required=True, metadata=_d("Hits over all pages", 42))
    page = fields.Integer(required=True, metadata=_d("This page, from 1", 1))
    page_size = fields.Integer(required=True, metadata=_d("Hits per page", 10))
    pages = fields.Integer(required=True, metadata=_d("Number of pages", 5))
    did_you_mean = fields.String(
        required=True,
        allow_none=True,
        metadata=_d(
            "The query as typed with unknown words (neither in the guides nor ordinary English) corrected; "
            "null when the top hit already has every word"
        ),
    )
    fallback = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(["relaxed", "related", "meaning"]),
        metadata=_d(
            "Null, or how a query whose words matched nothing, or nothing the guides are about, was answered: "
            "`relaxed` (phrases as words, more typos forgiven, words completed), `related` (the guides the words "
            "fit best by the pattern check, its meaning factor included), `meaning` (the guides closest in "
            "meaning, by a sentence encoder; none when nothing is close: an honest empty answer)",
            "related",
        ),
    )
    facets = fields.Nested(FacetsSchema, required=True, metadata=_d("Counts over the whole result set"))
    items = fields.List(fields.Nested(GroupHitSchema), required=True, metadata=_d("Hits, best first"))
    took_ms = fields.Float(
        required=True,
        metadata=_d("Time the search took in the server, milliseconds (of the first identical request)", 3.2),
    )
    cached = fields.Boolean(required=True, metadata=_d("Served from the results cache of this index version"))
    index_version = fields.String(required=True, metadata=_d("Content version the index was built from"))


class SuggestionSchema(Schema):
    type = fields.String(
        required=True,
        validate=validate.OneOf(["guide", "term"]),
        metadata=_d("guide (a title) or term (a completed query)", "guide"),
    )
    text = fields.String(required=True, metadata=_d("What to show and, for a term, what to search"))
    guide = fields.String(required=True, allow_none=True, metadata=_d("For a guide title: its slug"))


class SuggestResultSchema(Schema):
    safety = fields.Nested(
        SafetyNoticeSchema, required=True, allow_none=True, metadata=_d("Present when the words typed signal danger")
    )
    query = fields.String(required=True, metadata=_d("The text as sent"))
    items = fields.List(fields.Nested(SuggestionSchema), required=True, metadata=_d("Completions, best first"))
    took_ms = fields.Float(required=True, metadata=_d("Time taken in the server, milliseconds"))


# -- views ------------------------------------------------------------------------------------
def engine() -> SearchEngine:
    """The request's release's engine. It opens the index on first use, so after gunicorn has forked."""
    return release().search


def index_ready() -> bool:
    """Readiness check: the served release's index opens."""
    served = state().served.release
    if served is None:
        return False
    try:
        served.search.info()
    except IndexMissing:
        return False
    return True


def _links(hit: dict[str, Any]) -> dict[str, Any]:
    slug, anchor = hit["guide"], hit["anchor"]
    url = hit_url(slug, anchor, hit["script"] if hit["type"] == "script" else None)
    return {**hit, "url": url, "href": page_href(slug, anchor)}


@blp.route("/search")
@blp.arguments(SearchArgsSchema, **QUERY)
@blp.response(200, SearchResultSchema)
@blp.alt_response(503, description="The search index has not been built yet")
def search(args: dict[str, Any]) -> ResponseReturnValue:
    """Search guides, sections and scripts

    Words in any order, in readers' own words (slang, synonyms and idioms from the vocabulary file;
    `query.understood` says how each was read), typos forgiven (5+ letters), the last word completed
    as you type, "exact phrases" in quotes. Filter by type, collection and tag; facet counts cover
    all hits. `group=guide`: one hit per guide. A query that matches nothing, or nothing the guides
    are about, falls back (`fallback`).
    When the words signal danger, `safety` comes first with support resources and the safety
    guides rank first, whatever else is found.
    """
    q = args["q"]
    region = reader_region(args.get("region"))
    scope = g.get("scope")  # the partner key's collections
    key = ("search", scope, region, tuple(sorted((k, str(v)) for k, v in args.items() if k != "region")))
    return _conditional(key, lambda: _search_body(q, args, region, scope))


def _search_body(q: str, args: dict[str, Any], region: str | None, scope: frozenset[str] | None) -> dict[str, Any]:
    safety = notice_for(q, corpus(), region, safety_guides_of(corpus()))
    analyzer = analyzer_of(corpus())
    related = None
    guides = analyzer.vectors is not None and "guide" in (args.get("type") or ("guide",))
    reading = read(q, analyzer) if guides else None
    lead = harm_guide(q, analyzer, safety)  # once: the fallback and the boosts both put it first
    if reading is not None and reading.weak:
        shown = tuple(x["slug"] for x in (safety or {}).get("guides") or ())
        related = by_meaning(q, analyzer, shown, reading, lead)
        related = related if related[1] else None  # nothing close in meaning: the words' own hits, if any
    try:
        found = engine().search(
            q,
            types=tuple(args.get("type") or ()),
            collection=args.get("collection"),
            tag=args.get("tag"),
            page=args["page"],
            page_size=args["page_size"],
            collections=scope,
            group=args.get("group") == "guide",
            boosts=guide_boosts(q, analyzer, safety, fits_of(corpus()), lead),
            related=related,
        )
    except QueryTooLong as exc:
        abort(422, str(exc), {"query": {"q": [str(exc)]}})
    except IndexMissing as exc:
        abort(503, f"Search is not available yet: {exc}")
    SEARCH_LATENCY.observe(found["took_ms"] / 1000)
    if found.get("corrections"):  # the query as typed, only the corrected words replaced
        found["did_you_mean"] = did_you_mean(q, found["corrections"])
    items = []
    for h in found["hits"]:
        hit = _links(h)
        if "sections" in h:
            hit["sections"] = [_links(x) for x in h["sections"]]
        items.append(hit)
    return {
        "safety": safety,
        "query": {"q": q, **found["query"]},
        **{k: found[k] for k in ("total", "page", "page_size", "pages", "did_you_mean", "fallback", "facets")},
        "items": items,
        **{k: found[k] for k in ("took_ms", "cached")},
        "index_version": release().scoped_id(g.get("scope")),  # as X-Content-Version (issue 19.12)
    }


def _responses() -> ResponseCache:
    """The release's cache of search and suggest bodies: its own, so that varied queries never push
    the guides' responses out of theirs."""
    local = release().local
    found = local.get("search_responses")
    if found is None:
        found = local.setdefault("search_responses", ResponseCache(SEARCH_RESPONSES))
    return found


def _conditional(key: tuple, build: Callable[[], dict[str, Any]]) -> Response:
    """200 or 304 with a strong ETag, the digest of the bytes: identical requests in a release get
    identical bytes (the first answer's, kept in the release's response cache, in memory only), and
    `private` so that what people type never sits in a shared cache."""
    entry = _responses().get_or_build((corpus().version, *key), build, SEARCH_CACHE_CONTROL, coding=coding())
    if not_modified(entry.etag, None):
        resp = Response(status=304, headers=entry.headers)
    else:
        resp = Response(entry.body, mimetype=JSON, headers=entry.headers)
    return vary(resp)


@blp.route("/suggest")
@blp.arguments(SuggestArgsSchema, **QUERY)
@blp.response(200, SuggestResultSchema)
@blp.alt_response(503, description="The search index has not been built yet")
def suggest(args: dict[str, Any]) -> ResponseReturnValue:
    """Complete what has been typed to guide titles and common terms, for an autocomplete box"""
    q = args["q"]
    region = reader_region(args.get("region"))
    scope = g.get("scope")  # the partner key's collections (None: all)
    key = ("suggest", scope, region, q, args["limit"])

    def build() -> dict[str, Any]:
        try:
            found = engine().suggest(
                q, limit=args["limit"], collections=scope, guides=None if scope is None else corpus().guides
            )
        except IndexMissing as exc:
            abort(503, f"Search is not available yet: {exc}")
        return {"safety": notice_for(q, corpus(), region, safety_guides_of(corpus())), **found}

    return _conditional(key, build)
