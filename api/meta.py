"""Service endpoints: liveness (also the benchmark's trivial endpoint), readiness, metrics."""

from __future__ import annotations

import logging
from typing import Any

from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.observability import metrics_response
from api.partners import operator_or_refusal
from api.resources import QUERY
from api.schemas import EmptyArgsSchema
from api.schemas import describe as _d
from api.state import State, state

log = logging.getLogger(__name__)

blp = Blueprint("meta", __name__, url_prefix="/v1", description="Service status.")


# -- schemas ----------------------------------------------------------------------------------------
class PublishStatusSchema(Schema):
    ok = fields.Boolean(required=True, metadata=_d("False when the content was refused", True))
    version = fields.String(required=True, allow_none=True, metadata=_d("The version published; null when refused"))
    at = fields.String(required=True, metadata=_d("When, ISO 8601 UTC", "2026-11-28T01:00:00+00:00"))
    errors = fields.List(
        fields.String(),
        required=True,
        metadata=_d("Why it was refused: file:line: field: reason (at most 100); in /v1/ready for operator keys only"),
    )
    error_count = fields.Integer(required=True, metadata=_d("How many errors in all", 0))


class ReleaseStoreStatusSchema(Schema):
    location = fields.String(
        required=True,
        allow_none=True,
        metadata=_d("The shared release store (a directory or s3:// URL); null unless the key is an operator's"),
    )
    latest = fields.String(required=True, allow_none=True, metadata=_d("The release the shared store names as live"))
    current = fields.Boolean(required=True, metadata=_d("Whether this replica serves that release"))
    error = fields.String(
        required=True,
        allow_none=True,
        metadata=_d("Why this replica could not fetch or open it (it keeps serving its last good release)"),
    )


class PreviewStatusSchema(Schema):
    loaded = fields.Boolean(
        required=True,
        metadata=_d("Whether the worker that answered has the preview release open (on the first preview request)"),
    )
    fetched = fields.Boolean(
        required=True,
        metadata=_d("Whether this machine has a preview release (with a shared store: fetched into its own copy)"),
    )
    version = fields.String(
        required=True,
        allow_none=True,
        metadata=_d("The preview release's id (loaded, else on this machine); null unless the key is an operator's"),
    )
    error = fields.String(
        required=True,
        allow_none=True,
        metadata=_d("Why the preview release could not be fetched or opened (the details: operator keys only)"),
    )


class ReadySchema(Schema):
    ready = fields.Boolean(required=True, metadata=_d("Whether this instance should receive traffic", True))
    checks = fields.Dict(
        keys=fields.String(),
        values=fields.Boolean(),
        required=True,
        metadata=_d("Each check by name", {"content": True, "search_index": True}),
    )
    content_version = fields.String(required=True, allow_none=True, metadata=_d("Digest of the content served"))
    content_stale = fields.Boolean(
        required=True, metadata=_d("True when the files on disk have errors and the last good version is served")
    )
    problem_count = fields.Integer(
        required=True, metadata=_d("How many errors the refused publish had (0 when it was not refused)", 0)
    )
    problems = fields.List(
        fields.String(),
        required=True,
        metadata=_d(
            "The refused publish's errors (at most 50), for an operator key (`operator: true`) only: "
            "empty for everyone else, who see `problem_count`"
        ),
    )
    last_publish = fields.Nested(
        PublishStatusSchema,
        required=True,
        allow_none=True,
        metadata=_d("Outcome of the last `flask content publish`, from any process; null if none yet"),
    )
    release_store = fields.Nested(
        ReleaseStoreStatusSchema,
        required=True,
        allow_none=True,
        metadata=_d("With a shared release store (several replicas): whether this one is on its release; else null"),
    )
    preview = fields.Nested(
        PreviewStatusSchema,
        required=True,
        allow_none=True,
        metadata=_d(
            "The preview chain (drafts, for preview keys and tokens) on this instance; null when it serves none"
        ),
    )


class HealthSchema(Schema):
    status = fields.String(
        required=True, validate=validate.OneOf(["ok"]), metadata=_d("Always 'ok' when the process answers", "ok")
    )
    content_version = fields.String(
        required=True, allow_none=True, metadata=_d("Digest of the content being served; null before any")
    )


# -- views ------------------------------------------------------------------------------------------


@blp.route("/health")
@blp.arguments(EmptyArgsSchema(), **QUERY)
@blp.response(200, HealthSchema)
def health(_args: dict) -> ResponseReturnValue:
    """Liveness: the process answers (content_version is null until valid content is loaded)"""
    release = state().served.release
    version = release.id if release is not None else None
    return {"status": "ok", "content_version": version}, 200, {"Cache-Control": "no-store"}


@blp.route("/ready")
@blp.arguments(EmptyArgsSchema(), **QUERY)
@blp.response(200, ReadySchema)
@blp.alt_response(503, schema=ReadySchema, description="Not ready: content or search index not loaded")
def ready(_args: dict) -> ResponseReturnValue:
    """Readiness: true once content (and the search index, when configured) are loaded

    Anyone sees the checks and how many errors a refused publish had; the errors themselves (file
    paths, slugs of every collection) only an operator key (`operator: true`) sees, and the log.
    """
    operator = operator_or_refusal()
    if not isinstance(operator, bool):
        return operator
    lp = state()
    release = lp.served.release
    checks = {"content": release is not None}
    for name, check in lp.readiness_checks.items():
        checks[name] = bool(check())
    last = lp.store.last_publish()
    refused = last is not None and not last.get("ok")  # the last publish was refused: an older release serves
    problems = list(last.get("errors", [])) if refused and last else []
    if refused and last:
        _log_refusal(last)
    if last is not None and not operator:
        last = {**last, "errors": []}  # the count stays
    body = {
        "ready": all(checks.values()),
        "checks": checks,
        "content_version": release.id if release is not None else None,
        "content_stale": refused,
        "problem_count": int(last.get("error_count", len(problems))) if refused and last else 0,
        "problems": problems[:50] if operator else [],
        "last_publish": last,
        "release_store": _shared_store(lp, operator),
        "preview": _preview(lp, operator),
    }
    return body, 200 if body["ready"] else 503, {"Cache-Control": "no-store"}


_logged: set[str] = set()  # the refused publishes this process has logged (by their time)


def _log_refusal(last: dict) -> None:
    """The refused publish's errors, once per process, for operators without an operator key."""
    at = str(last.get("at"))
    if at in _logged:
        return
    _logged.add(at)
    log.warning(
        "the last publish (%s) was refused with %s error(s); an older release is served:\n%s",
        at,
        last.get("error_count", "?"),
        "\n".join(str(e) for e in last.get("errors", [])),
    )


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


def _shared_store(state: Any, operator: bool) -> dict[str, Any] | None:
    """With a shared release store: the release it names, and whether this replica lags. Where the
    store is and the fetch error's text only an operator key sees (as a refused publish's errors)."""
    mirror = state.mirror
    if mirror is None:
        return None
    release = state.served.release
    error = mirror.state.error or state.served.error
    latest = mirror.state.latest
    if error and not operator:
        error = "the shared release store could not be read (the details: an operator key, or the log)"
    return {
        "location": mirror.remote.location if operator else None,
        "latest": latest,
        "current": release is not None and release.id == latest,
        "error": error,
    }


def _preview(state: State, operator: bool) -> dict[str, Any]:
    """The preview chain's state here: whether it is loaded and fetched, for anyone (a preview chain
    exists wherever anything was published); its release id and the error's text, for operators."""
    served = state.preview
    mirror = state.mirror.preview if state.mirror is not None else None
    error = served.error or (mirror.state.error if mirror is not None else None)
    if error and not operator:
        error = "the preview release could not be fetched or opened (the details: an operator key, or the log)"
    release, here = served.release, served.store.current_id()
    return {
        "loaded": release is not None,
        "fetched": here is not None,
        "version": (release.id if release is not None else here) if operator else None,
        "error": error,
    }
