"""Collections: the list, and one with its guides in reading order."""

from __future__ import annotations

from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint

from api import serialize
from api.errors import abort
from api.http import cached_json
from api.resources import QUERY, corpus
from api.schemas import CollectionDetailSchema, CollectionSchema, EmptyArgsSchema

blp = Blueprint("collections", __name__, url_prefix="/v1/collections", description="Collections of guides.")


@blp.route("")
class Collections(MethodView):
    @blp.arguments(EmptyArgsSchema(), **QUERY)
    @blp.response(200, CollectionSchema(many=True))
    def get(self, _args: dict) -> ResponseReturnValue:
        """List collections"""
        c = corpus()
        return cached_json(
            ("collections",), lambda: [serialize.collection(x, False, c) for x in c.collections.values()], "corpus"
        )


@blp.route("/<slug>")
class CollectionBySlug(MethodView):
    @blp.arguments(EmptyArgsSchema(), **QUERY)
    @blp.response(200, CollectionDetailSchema)
    def get(self, _args: dict, slug: str) -> ResponseReturnValue:
        """Get a collection with its guides in order"""
        c = corpus()
        col = c.collections.get(slug)
        if col is None:
            abort(404, f"No collection with slug '{slug}'.")
        return cached_json(("collection", slug), lambda: serialize.collection(col, True, c), f"collection:{slug}")
