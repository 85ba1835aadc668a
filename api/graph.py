"""The related-pattern graph (`/v1/graph...`); its blueprint also carries the pattern check
(`POST /v1/pattern-check`, in api.pattern_check), so both stay under one `graph` tag in the spec.

The work happens in api.patterns (no Flask there); this module reads and checks input, picks the
cached answer and documents the shapes.
"""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from webargs.fields import DelimitedList

from api.content.schemas import SLUG
from api.current import analyzer_of, graph_of
from api.errors import abort
from api.http import cached_json
from api.patterns import EDGE_TYPES, GUIDE_EDGE_TYPES
from api.patterns.graph import MAX_DEPTH
from api.resources import QUERY, corpus, resolve_guide
from api.schemas import ErrorSchema, QueryArgsSchema
from api.schemas import describe as _d
from api.urls import graph_neighbourhood_url, node_url, with_url

blp = Blueprint(
    "graph",
    __name__,
    url_prefix="/v1",
    description=(
        "The related-pattern graph (guides and collections joined by read-next, inline, related and "
        "collection edges, each with the words that give its reason) and the pattern check, which "
        "matches a person's situation in their own words to guides."
    ),
)


# -- graph shapes ------------------------------------------------------------------------------------
class GraphNodeSchema(Schema):
    id = fields.String(
        required=True, metadata=_d("Unique node id: `guide:<slug>` or `collection:<slug>`", "guide:no-contact-rule")
    )
    type = fields.String(
        required=True, validate=validate.OneOf(["guide", "collection"]), metadata=_d("guide or collection", "guide")
    )
    label = fields.String(
        required=True, metadata=_d("Title to draw", "No Contact Rule: When It Helps and When It Doesn't")
    )
    slug = fields.String(required=True, metadata=_d("Slug of the guide or collection", "no-contact-rule"))
    collection = fields.String(
        required=True,
        allow_none=True,
        metadata=_d("A guide's collection slug; null on collections", "breakup-recovery"),
    )
    tags = fields.List(fields.String(), required=True, metadata=_d("A guide's tags", ["no-contact"]))
    safety_sensitive = fields.Boolean(required=True, metadata=_d("The topic can involve fear, control or violence"))
    url = fields.String(required=True, metadata=_d("API path of the guide or collection", "/v1/guides/no-contact-rule"))


class NeighbourhoodNodeSchema(GraphNodeSchema):
    depth = fields.Integer(metadata=_d("A guide's distance in links from the centre; absent on collections", 1))


class PathNodeSchema(GraphNodeSchema):
    depth = fields.Integer(required=True, metadata=_d("Links from the start", 1))


class GraphEdgeSchema(Schema):
    id = fields.String(required=True, metadata=_d("Unique edge id", "read_next:no-contact-rule->why-do-i-miss-my-ex"))
    source = fields.String(required=True, metadata=_d("Node id it starts from", "guide:no-contact-rule"))
    target = fields.String(required=True, metadata=_d("Node id it points to", "guide:why-do-i-miss-my-ex"))
    type = fields.String(
        required=True,
        validate=validate.OneOf(EDGE_TYPES),
        metadata=_d(
            "read_next, inline (a link in the text), related (front matter) or in_collection (guide to its collection)",
            "read_next",
        ),
    )
    label = fields.String(required=True, metadata=_d("The type in words, to draw", "read next"))
    condition = fields.String(
        required=True,
        allow_none=True,
        metadata=_d("When to follow it: the words after the link", "if nostalgia is editing out the pattern"),
    )
    sentence = fields.String(required=True, allow_none=True, metadata=_d("The whole sentence the link stands in"))
    section = fields.String(
        required=True,
        allow_none=True,
        metadata=_d("Anchor of the section it stands in", "read-this-next-if-no-contact-feels-like-withdrawal"),
    )
    text = fields.String(required=True, allow_none=True, metadata=_d("The link text"))
    order = fields.Integer(
        required=True, allow_none=True, metadata=_d("in_collection: the guide's place in the collection", 1)
    )


class GraphSchema(Schema):
    """Nodes and edges with ids: Cytoscape (wrap each in `{data: ...}`), vis-network (`from`/`to` are
    `source`/`target`) and d3-force (`links` are `edges`, `.id(d => d.id)`) draw it as it is."""

    nodes = fields.List(fields.Nested(GraphNodeSchema), required=True, metadata=_d("Guides and collections"))
    edges = fields.List(
        fields.Nested(GraphEdgeSchema),
        required=True,
        metadata=_d("Typed, directed edges; every source and target is in `nodes`"),
    )


class WholeGraphSchema(GraphSchema):
    page = fields.Integer(required=True, metadata=_d("This page, from 1", 1))
    pages = fields.Integer(required=True, metadata=_d("Number of pages (each up to `page_size` guides)", 1))
    guides = fields.Integer(required=True, metadata=_d("Guides over all pages", 61))


class NeighbourhoodSchema(GraphSchema):
    nodes = fields.List(
        fields.Nested(NeighbourhoodNodeSchema), required=True, metadata=_d("Guides (with their depth) and collections")
    )
    center = fields.String(required=True, metadata=_d("Node id of the guide asked for", "guide:no-contact-rule"))
    depth = fields.Integer(required=True, metadata=_d("How many links out the neighbourhood reaches", 2))


class PathSchema(GraphSchema):
    nodes = fields.List(fields.Nested(PathNodeSchema), required=True, metadata=_d("Guides in path order"))
    from_ = fields.String(data_key="from", required=True, metadata=_d("Start node id", "guide:no-contact-rule"))
    to = fields.String(required=True, metadata=_d("End node id", "guide:leaving-safely"))
    length = fields.Integer(required=True, metadata=_d("Number of links to follow", 3))


# -- graph arguments ------------------------------------------------------------------------------------
def _types(default: tuple[str, ...], allowed: tuple[str, ...]) -> DelimitedList:
    return DelimitedList(
        fields.String(validate=validate.OneOf(allowed)),
        metadata=_d(
            f"Comma-separated edge types to keep: {', '.join(allowed)}. Default: {', '.join(default)}",
            ",".join(default[:2]),
        ),
    )


GRAPH_PAGE_SIZE = 1000  # guides per page of the whole graph: 10,000 guides made one 14.6 MB answer


class GraphArgsSchema(QueryArgsSchema):
    collection = fields.String(
        validate=SLUG,
        metadata=_d("Only this collection's guides, its node and the edges among them", "breakup-recovery"),
    )
    types = _types(EDGE_TYPES, EDGE_TYPES)
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1), metadata=_d("Page number, from 1 (see `pages`)", 1)
    )
    page_size = fields.Integer(
        load_default=GRAPH_PAGE_SIZE,
        validate=validate.Range(min=1, max=GRAPH_PAGE_SIZE),
        metadata=_d(f"Guides per page, 1-{GRAPH_PAGE_SIZE}", GRAPH_PAGE_SIZE),
    )


class NeighbourhoodArgsSchema(QueryArgsSchema):
    depth = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=MAX_DEPTH),
        metadata=_d(f"How many links out, 1-{MAX_DEPTH}", 2),
    )
    direction = fields.String(
        load_default="both",
        validate=validate.OneOf(["out", "in", "both"]),
        metadata=_d("Follow links out of guides, into them, or both", "both"),
    )
    types = _types(EDGE_TYPES, EDGE_TYPES)


class PathArgsSchema(QueryArgsSchema):
    start = fields.String(
        data_key="from", required=True, validate=SLUG, metadata=_d("Slug of the guide to start from", "no-contact-rule")
    )
    to = fields.String(required=True, validate=SLUG, metadata=_d("Slug of the guide to reach", "leaving-safely"))
    types = _types(GUIDE_EDGE_TYPES, GUIDE_EDGE_TYPES)


# -- views ---------------------------------------------------------------------------------------------
_ERR = {"schema": ErrorSchema}


def _linked(body: dict[str, Any]) -> dict[str, Any]:
    """The graph's nodes (slugs) with their API paths, built by api/urls.py."""
    nodes = [with_url(n, node_url(n["type"], n["slug"]), after="safety_sensitive") for n in body["nodes"]]
    return {**body, "nodes": nodes}


@blp.route("/graph")
class WholeGraph(MethodView):
    @blp.arguments(GraphArgsSchema, **QUERY)
    @blp.response(200, WholeGraphSchema)
    def get(self, args: dict[str, Any]) -> ResponseReturnValue:
        """The related-pattern graph

        Every guide and collection, and every edge between them, a page of up to 1,000 guides at a
        time (`pages` says how many; the edges out of a page's guides come with it, and so do the
        guides they lead to). `collection` keeps one collection's guides and the edges among them;
        `types` keeps some edge types.
        """
        c = corpus()
        col = args.get("collection")
        if col is not None and col not in c.collections:
            abort(422, "Invalid parameter: collection", {"query": {"collection": [f"No collection '{col}'."]}})
        types = tuple(args["types"]) if args.get("types") else None
        page, size = args["page"], args["page_size"]
        # No Last-Modified: `corpus.updated` walks every guide; the ETag already answers revalidation.
        key = ("graph", col, types, page, size)
        return cached_json(key, lambda: _linked(graph_of(c).whole(col, types, page, size)))


@blp.route("/graph/guides/<slug>")
class Neighbourhood(MethodView):
    @blp.arguments(NeighbourhoodArgsSchema, **QUERY)
    @blp.response(200, NeighbourhoodSchema)
    @blp.alt_response(308, description="The guide was renamed: follow Location")
    @blp.alt_response(404, **_ERR)
    @blp.alt_response(410, description="The guide was retired", **_ERR)
    def get(self, args: dict[str, Any], slug: str) -> ResponseReturnValue:
        """A guide's neighbourhood

        The guides within `depth` links (1-3) of this one, each with its distance, the edges among
        them with their type and reason, and their collections.
        """
        c = corpus()
        resolve_guide(slug, moved=graph_neighbourhood_url)
        types = tuple(args["types"]) if args.get("types") else None
        key = ("graph-n", slug, args["depth"], args["direction"], types)
        depth, direction = args["depth"], args["direction"]
        return cached_json(key, lambda: _linked(graph_of(c).neighbourhood(slug, depth, direction, types)))


@blp.route("/graph/path")
class ReadingPath(MethodView):
    @blp.arguments(PathArgsSchema, **QUERY)
    @blp.response(200, PathSchema)
    @blp.alt_response(404, description="No such guide, or no reading path between them", **_ERR)
    @blp.alt_response(410, description="A guide was retired", **_ERR)
    def get(self, args: dict[str, Any]) -> ResponseReturnValue:
        """A reading path between two guides

        The shortest chain of links from one guide to another, following links the way a reader
        does (out of each guide); at equal length, read-next links are preferred. Renamed slugs
        are followed.
        """
        c = corpus()
        start, goal = resolve_guide(args["start"]).slug, resolve_guide(args["to"]).slug
        types = tuple(args["types"]) if args.get("types") else None
        found = graph_of(c).path(start, goal, types)  # BFS: fast even on 10,000 guides
        if found is None:
            abort(404, f"No reading path from '{start}' to '{goal}'.")
        return cached_json(("graph-path", start, goal, types), lambda: _linked(found))


@blp.record_once
def _warm(state: Any) -> None:
    # Build the graph and the analyzer index with the app, not on the first request.
    lp = state.app.extensions.get("lp")
    release = lp.served.release if lp is not None else None
    if release is not None:  # (none yet: the content endpoints say so; built on first use)
        analyzer_of(release.corpus, release)
