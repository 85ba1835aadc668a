"""Service endpoints: health (also the benchmark's trivial endpoint)."""

from __future__ import annotations

from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint

from api.resources import QUERY, corpus
from api.schemas import EmptyArgsSchema, HealthSchema

blp = Blueprint("meta", __name__, url_prefix="/v1", description="Service status.")


@blp.route("/health")
@blp.arguments(EmptyArgsSchema(), **QUERY)
@blp.response(200, HealthSchema)
def health(_args: dict) -> ResponseReturnValue:
    """Liveness: the process answers and has content loaded"""
    return {"status": "ok", "content_version": corpus().version}, 200, {"Cache-Control": "no-store"}
