"""The one error shape, for every 4xx and 5xx the API gives.

    {"status": 422, "title": "Unprocessable Content", "detail": "...", "errors": {...}}

Field names follow RFC 9457 (problem details); `errors` is present only for invalid input and
names each bad parameter.
"""

from __future__ import annotations

import json
import logging
import uuid
from http import HTTPStatus
from typing import Any, NoReturn

from flask import Flask, g, jsonify, redirect, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from api.redact import TracebackFilter, traceback_without_messages

log = logging.getLogger(__name__)


def error_body(status: int, detail: str | None = None, errors: Any = None) -> dict[str, Any]:
    title = HTTPStatus(status).phrase
    body: dict[str, Any] = {"status": status, "title": title, "detail": detail or title}
    if errors:
        body["errors"] = errors
    return body


def error_response(
    status: int, detail: str | None = None, errors: Any = None, headers: dict[str, str] | None = None
) -> ResponseReturnValue:
    resp = jsonify(error_body(status, detail, errors))
    resp.status_code = status
    resp.headers["Cache-Control"] = "no-store"
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


class ApiError(HTTPException):
    """An error the API raises itself: its status, our own `detail`, and `errors` for invalid input."""

    def __init__(self, status: int, detail: str, errors: Any = None, retry_after: int | None = None) -> None:
        super().__init__(description=detail)
        self.code = status
        self.errors = errors
        self.retry_after = retry_after


class Moved(HTTPException):
    """A permanent redirect (308) raised from a view, answered as it is, with a day of caching."""

    code = 308

    def __init__(self, location: str) -> None:
        super().__init__()
        self.location = location

    def get_response(self, environ: Any = None, scope: Any = None) -> Response:
        resp = redirect(self.location, code=308)
        resp.headers["Cache-Control"] = "public, max-age=86400"
        return resp


def handle_http_exception(exc: HTTPException) -> ResponseReturnValue:
    status = exc.code or 500
    if isinstance(exc, Moved):
        return exc.get_response()
    headers = {}
    if isinstance(exc, ApiError):
        detail, errors = exc.description or HTTPStatus(status).phrase, exc.errors
        if exc.retry_after is not None:
            headers["Retry-After"] = str(exc.retry_after)
    else:
        # Werkzeug's default descriptions talk about "the server" and "the browser"; keep ours short.
        detail, errors = HTTPStatus(status).phrase, None
        data = getattr(exc, "data", None)  # webargs/flask-smorest put validation messages here
        if isinstance(data, dict) and "messages" in data:
            errors = data["messages"]
    if status == 422 and errors:
        names = sorted({name for loc in errors.values() if isinstance(loc, dict) for name in loc})
        detail = f"Invalid parameter{'s' if len(names) > 1 else ''}: {', '.join(names)}" if names else detail
    if status == 405 and exc.get_response().headers.get("Allow"):
        headers["Allow"] = exc.get_response().headers["Allow"]
    return error_response(status, detail, errors, headers)


def log_unexpected(exc: BaseException, what: str = "unhandled error") -> None:
    """Log an exception for operators: method, path and request id, and the traceback with each
    exception's type and frames but never its message.

    For every endpoint, not only the free-text ones: a message may quote any request (a KeyError on
    a word from a query, a parser error naming the input), and one rule cannot miss an endpoint
    added later. The request id ties the line to the access log; the query and body are never logged.
    """
    log.error(
        "%s on %s %s (request %s)\n%s",
        what,
        request.method,
        request.path,
        g.get("request_id", "-"),
        traceback_without_messages(exc),
    )


def handle_unexpected(exc: Exception) -> ResponseReturnValue:
    # Log the traceback for operators; never show it (or any internal path) to clients.
    log_unexpected(exc)
    return error_response(500, InternalServerError.description and "Internal Server Error")


def abort(status: int, detail: str, errors: Any = None, retry_after: int | None = None) -> NoReturn:
    """Raise an HTTP error with our own detail message (and the invalid parameters, if any)."""
    raise ApiError(status, detail, errors, retry_after)


def write_gunicorn_error(sock: Any, status: int, reason: str, message: str) -> None:
    """gunicorn's own answers, sent before the app runs (a request line over its limit is a 414,
    a malformed one a 400, too many headers a 431), in the same shape instead of gunicorn's HTML.

    gunicorn.conf.py installs it as gunicorn.util.write_error; the signature is gunicorn's.
    """
    from gunicorn.util import write_nonblock

    from api.observability import SECURITY_HEADERS

    body = json.dumps(error_body(status, message or None), ensure_ascii=False).encode()
    # The headers every answer of the app has; the request was never parsed, so its id is a new one.
    extra = "".join(f"{name}: {value}\r\n" for name, value in SECURITY_HEADERS.items())
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Cache-Control: no-store\r\n{extra}X-Request-ID: {uuid.uuid4().hex}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    write_nonblock(sock, head.encode("latin-1") + body)


def handle_content_unavailable(exc: Exception) -> ResponseReturnValue:
    return error_response(
        503, "The content is not available right now. Try again shortly.", headers={"Retry-After": "30"}
    )


def register(app: Flask) -> None:
    """Every error handler of the app. The HTTPException one replaces flask-smorest's default."""
    from api.current import ContentUnavailable

    app.register_error_handler(ContentUnavailable, handle_content_unavailable)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
    # Flask logs "Exception on <path>" (an exception no handler answered, e.g. in an after_request
    # hook) with its traceback on app.logger: keep the frames, drop the messages, as above.
    if not any(isinstance(f, TracebackFilter) for f in app.logger.filters):
        app.logger.addFilter(TracebackFilter())
