"""Service endpoints: liveness (also the benchmark's trivial endpoint), readiness, metrics."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint

from api.observability import metrics_response
from api.resources import QUERY
from api.schemas import EmptyArgsSchema, HealthSchema, ReadySchema

blp = Blueprint("meta", __name__, url_prefix="/v1", description="Service status.")


@blp.route("/health")
@blp.arguments(EmptyArgsSchema(), **QUERY)
@blp.response(200, HealthSchema)
def health(_args: dict) -> ResponseReturnValue:
    """Liveness: the process answers (content_version is null until valid content is loaded)"""
    release = current_app.extensions["lp"].served.release
    version = release.id if release is not None else None
    return {"status": "ok", "content_version": version}, 200, {"Cache-Control": "no-store"}


@blp.route("/ready")
@blp.arguments(EmptyArgsSchema(), **QUERY)
@blp.response(200, ReadySchema)
@blp.alt_response(503, schema=ReadySchema, description="Not ready: content or search index not loaded")
def ready(_args: dict) -> ResponseReturnValue:
    """Readiness: true once content (and the search index, when configured) are loaded"""
    state = current_app.extensions["lp"]
    release = state.served.release
    checks = {"content": release is not None}
    for name, check in state.readiness_checks.items():
        checks[name] = bool(check())
    last = state.store.last_publish()
    refused = last is not None and not last.get("ok")  # the last publish was refused: an older release serves
    body = {
        "ready": all(checks.values()),
        "checks": checks,
        "content_version": release.id if release is not None else None,
        "content_stale": refused,
        "problems": list(last.get("errors", []))[:50] if refused and last else [],
        "last_publish": last,
        "release_store": _shared_store(state),
    }
    return body, 200 if body["ready"] else 503, {"Cache-Control": "no-store"}


@blp.route("/metrics")
@blp.doc(
    responses={
        "200": {
            "description": "Prometheus text format: request counts and latency by endpoint, "
            "search latency, content version",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    }
)
def metrics() -> ResponseReturnValue:
    """Prometheus metrics, summed over all gunicorn workers"""
    return metrics_response()


def _shared_store(state: Any) -> dict[str, Any] | None:
    """With a shared release store: the release it names, and why this replica lags, if it does."""
    mirror = state.mirror
    if mirror is None:
        return None
    release = state.served.release
    error = mirror.state.error or state.served.error
    latest = mirror.state.latest
    return {
        "location": mirror.remote.location,
        "latest": latest,
        "current": release is not None and release.id == latest,
        "error": error,
    }
