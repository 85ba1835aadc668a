"""Service endpoints: health (also the benchmark's trivial endpoint)."""

from __future__ import annotations

from flask import current_app
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint

from api.resources import QUERY
from api.schemas import EmptyArgsSchema, HealthSchema

blp = Blueprint("meta", __name__, url_prefix="/v1", description="Service status.")


@blp.route("/health")
@blp.arguments(EmptyArgsSchema(), **QUERY)
@blp.response(200, HealthSchema)
def health(_args: dict) -> ResponseReturnValue:
    """Liveness: the process answers (content_version is null until valid content is loaded)"""
    version = current_app.extensions["lp"].store.version
    return {"status": "ok", "content_version": version}, 200, {"Cache-Control": "no-store"}
