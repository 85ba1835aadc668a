"""A test-only WSGI app for tests/e2e/test_privacy.py: the real app (create_app), made to fail on
request while the request carries a person's words, so that every error path writes its log.

- `X-Test-Fail: flask`: a before_request hook raises (the app's error handler logs it);
- `X-Test-Fail: after`: an after_request hook raises once (Flask's own "Exception on <path>");
- `X-Test-Fail: wsgi`: the WSGI callable raises outside Flask (gunicorn's "Error handling request").

Each exception's message quotes the query string and the body, and is chained to a KeyError
holding the query, as a careless bug would.
"""

from __future__ import annotations

from typing import Any

from flask import g, request

from api.app import create_app

flask_app = create_app()


def _fail(query: str, body: str) -> None:
    try:
        {}[query]
    except KeyError as exc:
        raise RuntimeError(f"failed on query {query!r} with body {body!r}") from exc


@flask_app.before_request
def _fail_before() -> None:
    if request.headers.get("X-Test-Fail") == "flask":
        _fail(request.query_string.decode(), request.get_data(as_text=True))


@flask_app.after_request
def _fail_after(resp: Any) -> Any:
    if request.headers.get("X-Test-Fail") == "after" and not g.get("failed_after"):
        g.failed_after = True  # once: the 500 the error handler makes then goes through the hooks
        _fail(request.query_string.decode(), request.get_data(as_text=True))
    return resp


def app(environ: dict[str, Any], start_response: Any) -> Any:
    if environ.get("HTTP_X_TEST_FAIL") == "wsgi":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        _fail(environ.get("QUERY_STRING", ""), environ["wsgi.input"].read(length).decode())
    return flask_app(environ, start_response)
