"""One error shape for every 4xx and 5xx, tested directly."""

from __future__ import annotations

import json

import pytest
from werkzeug.exceptions import BadRequest

from api.app import create_app
from api.releases import ReleaseStore, publish
from tests.synthetic import QUIET, RETIRED, UNSAFE

SHAPE = {"status", "title", "detail"}


# Behaviour, not content: `app` and `client` serve the synthetic corpus (tests/synthetic.py).
pytestmark = pytest.mark.synthetic


@pytest.fixture(scope="module")
def error_app(tmp_path_factory, syn_content):
    store = tmp_path_factory.mktemp("errors-releases")
    publish(syn_content, ReleaseStore(store))
    app = create_app(
        {
            "TESTING": False,
            "PROPAGATE_EXCEPTIONS": False,
            "CONTENT_DIR": str(syn_content),
            "RELEASE_STORE": str(store),
        }
    )

    @app.get("/v1/_test/bad-request")
    def bad_request():
        raise BadRequest("Broken input.")

    @app.get("/v1/_test/crash")
    def crash():
        raise RuntimeError("secret internal detail at /work/main/api/x.py")

    return app


def check_shape(r, status: int) -> dict:
    assert r.status_code == status
    assert r.headers["Content-Type"] == "application/json"
    body = r.get_json()
    assert SHAPE <= set(body) <= SHAPE | {"errors"}
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_400(error_app) -> None:
    check_shape(error_app.test_client().get("/v1/_test/bad-request"), 400)


def test_404(error_app) -> None:
    body = check_shape(error_app.test_client().get("/v1/nothing-here"), 404)
    assert body["title"] == "Not Found"


def test_405_keeps_allow(error_app) -> None:
    r = error_app.test_client().delete(f"/v1/guides/{QUIET}")
    check_shape(r, 405)
    assert "GET" in r.headers["Allow"]


def test_410(error_app) -> None:
    check_shape(error_app.test_client().get(f"/v1/guides/{RETIRED}"), 410)


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/v1/guides?colection=x", "colection"),
        ("/v1/guides?page=abc", "page"),
        ("/v1/guides?page_size=1000", "page_size"),
        ("/v1/guides?sort=random", "sort"),
        ("/v1/guides?updated_since=yesterday", "updated_since"),
        ("/v1/guides?collection=Bad%20Slug", "collection"),
        ("/v1/scripts?send=maybe", "send"),
        (f"/v1/guides/{QUIET}?page=1", "page"),
        ("/v1/collections?x=1", "x"),
    ],
)
def test_422_names_the_parameter(error_app, url, param) -> None:
    body = check_shape(error_app.test_client().get(url), 422)
    assert param in body["errors"]["query"]
    assert param in body["detail"]


def test_500_hides_internals(error_app) -> None:
    r = error_app.test_client().get("/v1/_test/crash")
    body = check_shape(r, 500)
    text = r.get_data(as_text=True)
    assert "secret" not in text and "/work" not in text and "Traceback" not in text
    assert body["detail"] == "Internal Server Error"


@pytest.mark.parametrize("url", ["/v1//guides", "//v1/guides", f"/v1/guides//{QUIET}", "/v1//guides?page=2"])
def test_doubled_slashes_are_a_404_never_a_redirect_to_a_forged_host(client, url: str) -> None:
    """Issue 19.5: Werkzeug's merge-slashes 308 built an absolute Location from the Host header, as HTML."""
    r = client.get(url, headers={"Host": "evil.example"})
    check_shape(r, 404)
    assert "Location" not in r.headers and "evil.example" not in r.get_data(as_text=True)
    assert r.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/v1/guides?page=1&page=2", "page"),
        ("/v1/guides?page_size=5&page_size=5", "page_size"),
        ("/v1/guides?fields=slug&fields=title", "fields"),
        ("/v1/search?q=a&q=b", "q"),
        ("/v1/suggest?q=bou&q=bound", "q"),
        ("/v1/scripts?send=true&send=false", "send"),
        ("/v1/graph?types=related&types=read_next", "types"),
        (f"/v1/graph/path?from={QUIET}&from={UNSAFE}&to={UNSAFE}", "from"),
        ("/v1/sync?page_size=5&page_size=6", "page_size"),
    ],
)
def test_a_repeated_single_valued_parameter_is_422_naming_it(client, url: str, param: str) -> None:
    """Issue 19.9: webargs silently used the first value."""
    body = check_shape(client.get(url), 422)
    assert param in body["errors"]["query"] and body["detail"] == f"Invalid parameter: {param}"
    assert "bound" not in json.dumps(body)  # what a person typed is not echoed back


def test_pattern_check_refuses_unknown_query_parameters_like_everywhere_else(client) -> None:
    """Issue 19.9: POST /v1/pattern-check ignored its query string."""
    r = client.post("/v1/pattern-check?limit=3", json={"situation": "i keep texting my ex"})
    body = check_shape(r, 422)
    assert body["detail"] == "Invalid parameter: limit" and "limit" in body["errors"]["query"]


def test_gunicorn_error_writer_adds_the_security_headers_and_a_request_id() -> None:
    """Issue 19.10, without a server: what write_gunicorn_error (gunicorn.conf.py) puts on the wire."""
    import socket

    from api.errors import write_gunicorn_error
    from api.observability import SECURITY_HEADERS

    a, b = socket.socketpair()
    with a, b:
        write_gunicorn_error(a, 431, "Request Header Fields Too Large", "")
        a.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := b.recv(65536):
            data += chunk
    head, _, body = data.decode().partition("\r\n\r\n")
    headers = dict(line.split(": ", 1) for line in head.split("\r\n")[1:])
    assert head.startswith("HTTP/1.1 431 ") and json.loads(body)["status"] == 431
    assert {k: headers.get(k) for k in SECURITY_HEADERS} == SECURITY_HEADERS
    assert len(headers["X-Request-ID"]) == 32 and int(headers["Content-Length"]) == len(body)
