"""Guides: the list with filters, one whole guide, its sections, one section."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from api import serialize
from api.content.schemas import SLUG
from api.errors import abort
from api.http import JSON, SPARSE_JSON, cached_json
from api.resources import QUERY, corpus, paged, resolve_guide
from api.schemas import (
    GUIDE_FIELDS,
    GUIDE_SUMMARY_FIELDS,
    ErrorSchema,
    GuidePageSchema,
    GuidePageSparseSchema,
    GuideSchema,
    GuideSparseSchema,
    PageArgsSchema,
    QueryArgsSchema,
    SectionSchema,
    SectionSparseSchema,
    render_param,
    sparse_fields,
)
from api.schemas import describe as _d
from api.spec import sparse_response
from api.urls import guide_url, section_url, sections_url


# -- query arguments --------------------------------------------------------------------------------
class GuideListArgsSchema(PageArgsSchema):
    fields_ = sparse_fields(GUIDE_SUMMARY_FIELDS)
    collection = fields.String(validate=SLUG, metadata=_d("Only guides in this collection", "breakup-recovery"))
    tag = fields.String(validate=SLUG, metadata=_d("Only guides with this tag", "no-contact"))
    signal = fields.String(
        validate=validate.Length(min=2, max=100),
        metadata=_d("Only guides with a pattern-check signal containing these words (case-insensitive)", "hot-cold"),
    )
    updated_since = fields.Date(metadata=_d("Only guides updated on or after this date", "2026-01-01"))
    sort = fields.String(
        load_default="-updated",
        validate=validate.OneOf(["updated", "-updated", "title", "-title"]),
        metadata=_d("Order: updated or title; a leading '-' reverses", "-updated"),
    )


class GuideArgsSchema(QueryArgsSchema):
    fields_ = sparse_fields(GUIDE_FIELDS)
    render = render_param()


class SectionArgsSchema(QueryArgsSchema):
    render = render_param()


blp = Blueprint("guides", __name__, url_prefix="/v1/guides", description="Guides, whole or by section.")

_REDIRECT = {"description": "The guide was renamed: follow Location to its new slug"}
_GONE = {"description": "The guide was retired", "schema": ErrorSchema}


def _field_names(args: dict[str, Any]) -> tuple[str, ...] | None:
    """The sparse fieldset asked for, without repeats, in the order asked."""
    names = args.pop("fields_", None)
    return tuple(dict.fromkeys(names)) if names else None


def guide_key(slug: str, names: tuple[str, ...] | None, render: tuple[str, ...] | None) -> tuple:
    """The response cache's key of a guide's JSON (sync's upserted share these entries)."""
    return ("guide", slug, names, render)


def _sort_key(sort: str):
    if sort.lstrip("-") == "title":
        return lambda g: (g.title.casefold(), g.slug)
    return lambda g: (g.updated, g.slug)


@blp.route("")
class Guides(MethodView):
    @blp.arguments(GuideListArgsSchema(), **QUERY)
    @blp.response(
        200,
        GuidePageSchema,
        headers={"Link": {"description": "RFC 8288 links: next, prev, first, last", "schema": {"type": "string"}}},
    )
    @sparse_response(blp, GuidePageSparseSchema, "A page of guides")
    def get(self, args: dict[str, Any]) -> ResponseReturnValue:
        """List guides

        Filter by collection, tag, signal words and update date; sort; page. The total and the
        next/prev links are in the body and in the Link header.
        """
        c = corpus()
        args["fields"] = _field_names(args)

        def select() -> list:
            guides = list(c.guides.values())
            if args.get("collection"):
                guides = [g for g in guides if g.collection == args["collection"]]
            if args.get("tag"):
                guides = [g for g in guides if args["tag"] in g.tags]
            if args.get("signal"):
                words = args["signal"].casefold()
                guides = [g for g in guides if any(words in s.casefold() for s in g.signals)]
            if args.get("updated_since"):
                guides = [g for g in guides if g.updated >= args["updated_since"]]
            return sorted(guides, key=_sort_key(args["sort"]), reverse=args["sort"].startswith("-"))

        def render(g) -> dict[str, Any]:
            return serialize.pick(serialize.guide_summary(g, c), args["fields"])

        key = ("guides", tuple(sorted(args.items())))
        return paged("/v1/guides", args, key, select, render, mimetype=SPARSE_JSON if args["fields"] else JSON)


@blp.route("/<slug>")
class GuideBySlug(MethodView):
    @blp.arguments(GuideArgsSchema(), **QUERY)
    @blp.response(200, GuideSchema)
    @sparse_response(blp, GuideSparseSchema, "The guide")
    @blp.alt_response(308, **_REDIRECT)
    @blp.alt_response(410, **_GONE)
    def get(self, args: dict[str, Any], slug: str) -> ResponseReturnValue:
        """Get a whole guide

        Metadata, sections with ordered blocks (JSON, HTML and plain text), scripts, sources,
        safety notes, and links to other guides resolved to slug and title.
        """
        g = resolve_guide(slug, moved=guide_url)
        c = corpus()
        names = _field_names(args)
        render = serialize.renderings(args.get("render"))
        return cached_json(
            guide_key(g.slug, names, render),
            lambda: serialize.guide_view(g, c, names, render),
            f"guide:{g.slug}",
            mimetype=SPARSE_JSON if names or render else JSON,
        )


@blp.route("/<slug>/sections")
class GuideSections(MethodView):
    @blp.arguments(SectionArgsSchema(), **QUERY)
    @blp.response(200, SectionSchema(many=True))
    @sparse_response(blp, SectionSparseSchema(many=True), "The sections")
    @blp.alt_response(308, **_REDIRECT)
    @blp.alt_response(410, **_GONE)
    def get(self, args: dict, slug: str) -> ResponseReturnValue:
        """List a guide's sections, in order"""
        g = resolve_guide(slug, moved=sections_url)
        render = serialize.renderings(args.get("render"))
        return cached_json(
            ("sections", slug, render),
            lambda: [serialize.render_section(serialize.section(s), render) for s in g.sections],
            f"guide:{g.slug}",
            mimetype=SPARSE_JSON if render else JSON,
        )


@blp.route("/<slug>/sections/<anchor>")
class GuideSection(MethodView):
    @blp.arguments(SectionArgsSchema(), **QUERY)
    @blp.response(200, SectionSchema)
    @sparse_response(blp, SectionSparseSchema, "The section")
    @blp.alt_response(308, **_REDIRECT)
    @blp.alt_response(410, **_GONE)
    def get(self, args: dict, slug: str, anchor: str) -> ResponseReturnValue:
        """Get one section of a guide by its anchor"""
        g = resolve_guide(slug, moved=lambda new: section_url(new, anchor))
        s = g.section(anchor)
        if s is None:
            abort(404, f"No section '{anchor}' in guide '{slug}'.")
        render = serialize.renderings(args.get("render"))
        return cached_json(
            ("section", slug, anchor, render),
            lambda: serialize.render_section(serialize.section(s), render),
            f"guide:{g.slug}",
            mimetype=SPARSE_JSON if render else JSON,
        )
