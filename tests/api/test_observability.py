"""Request ids, JSON access logs (no secrets), metrics, readiness, security headers, size limits."""

from __future__ import annotations

import json
import logging

import pytest

from tests.synthetic import QUIET

# Behaviour, not content: `app` and `client` serve the synthetic corpus (tests/synthetic.py).
pytestmark = pytest.mark.synthetic


@pytest.fixture()
def access_lines():
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Collect()
    logger = logging.getLogger("api.access")
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


def test_request_id_is_echoed_or_made(client) -> None:
    r = client.get("/v1/health", headers={"X-Request-ID": "abc-123"})
    assert r.headers["X-Request-ID"] == "abc-123"
    made = client.get("/v1/health", headers={"X-Request-ID": "bad id; with spaces"}).headers["X-Request-ID"]
    assert made != "bad id; with spaces" and len(made) == 32
    assert len(client.get("/v1/health", headers={"X-Request-ID": "x" * 65}).headers["X-Request-ID"]) == 32
    assert client.get("/v1/nope").headers["X-Request-ID"]  # errors too


def test_json_access_log_with_request_id_and_no_keys(client, access_lines) -> None:
    r = client.get("/v1/guides?page_size=2&key=secret-partner-key", headers={"X-Request-ID": "req-1"})
    entry = json.loads(access_lines[-1])
    assert entry["request_id"] == "req-1" and entry["status"] == r.status_code and entry["endpoint"] == "/v1/guides"
    assert entry["method"] == "GET" and entry["ms"] >= 0 and entry["pid"]
    assert "secret-partner-key" not in access_lines[-1] and "key=[redacted]" in entry["path"]


def test_security_headers_on_every_response(client) -> None:
    for url in [f"/v1/guides/{QUIET}", "/v1/nope", "/v1/guides?page=0"]:
        h = client.get(url).headers
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["X-Frame-Options"] == "DENY"
        assert h["Content-Security-Policy"].startswith("default-src 'none'")
        assert h["Referrer-Policy"] == "no-referrer"


def test_metrics(client) -> None:
    client.get(f"/v1/guides/{QUIET}")
    r = client.get("/v1/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    text = r.get_data(as_text=True)
    assert 'lp_requests_total{endpoint="/v1/guides/<slug>",method="GET",status="200"}' in text
    assert "lp_request_seconds_bucket" in text and "lp_content_info{" in text


def test_readiness(client) -> None:
    body = client.get("/v1/ready").get_json()
    assert body["checks"]["content"] is True and "search_index" in body["checks"]
    assert body["content_stale"] is False and body["problems"] == []


def test_readiness_false_without_content(syn_content_dir, tmp_path) -> None:
    from tests.conftest import OPERATOR_KEY, operator_keys_file, publish_app

    root = syn_content_dir({f"guides/{QUIET}.md": "---\nslug: [\n---\n"})
    keys = str(operator_keys_file(tmp_path / "keys.yaml"))
    app = publish_app(root, tmp_path / "store", PARTNER_KEYS_FILE=keys)  # refused: nothing was ever published
    r = app.test_client().get("/v1/ready")
    body = r.get_json()
    assert r.status_code == 503 and body["ready"] is False
    assert body["checks"] == {"content": False, "search_index": False}
    assert body["problem_count"] >= 1 and body["problems"] == []  # the details: for operators only
    body = app.test_client().get("/v1/ready", headers={"X-API-Key": OPERATOR_KEY}).get_json()
    assert body["problems"] and f"{QUIET}.md" in body["problems"][0]


def test_body_size_limit(client) -> None:
    r = client.post("/v1/pattern-check", data=b"x" * (70 * 1024), content_type="application/json")
    assert r.status_code == 413 and r.get_json()["status"] == 413


# -- what people type is never logged (issue 11; the e2e proof is tests/e2e/test_privacy.py) --------
def test_access_log_has_no_query_for_search_and_suggest(client, access_lines) -> None:
    for url in ["/v1/search?q=he+hit+me&page=2", "/v1/suggest?q=he%20hit", "/v1/search/?q=he+hit+me"]:
        client.get(url)
        entry = json.loads(access_lines[-1])
        assert entry["path"] in ("/v1/search", "/v1/suggest", "/v1/search/") and "hit" not in access_lines[-1]


@pytest.mark.parametrize(
    ("url", "logged"),
    [
        ("/v1/guides?page=2", "/v1/guides?page=2"),
        ("/v1/guides?page=2&page_size=5&sort=-title&fields=slug,title", None),
        ("/v1/scripts?situation=x", "/v1/scripts?situation=[redacted]"),
        ("/v1/scripts?situation=they%20text&send=true", "/v1/scripts?situation=[redacted]&send=true"),
        ("/v1/guides?signal=hot-cold", "/v1/guides?signal=[redacted]"),
        ("/v1/guides?tag=he%20hit%20me", "/v1/guides?tag=[redacted]"),  # not a slug: words all the same
        ("/v1/guides?he+hit+me", "/v1/guides?[redacted]"),  # an unknown name may be the words
        ("/v1/sync?token=abc.def&page_size=5", "/v1/sync?token=[redacted]&page_size=5"),
    ],
)
def test_access_log_keeps_structured_values_only(client, access_lines, url: str, logged: str | None) -> None:
    client.get(url)
    assert json.loads(access_lines[-1])["path"] == (logged or url)


@pytest.mark.parametrize("name", ["X-API-Key", "x-api-key", "api-key", "access_token", "auth", "key", "api_key"])
def test_a_key_sent_as_a_query_parameter_never_reaches_the_log(client, access_lines, caplog, name: str) -> None:
    """Issue 19.4: whatever a key's parameter is called, its value is never logged nor echoed back."""
    secret = "secret-partner-key-0123456789"
    caplog.set_level(logging.DEBUG)
    for url in [f"/v1/guides?{name}={secret}", f"/v1/guides?page=2&{name}={secret}", f"/v1/export?{name}={secret}"]:
        r = client.get(url)
        assert r.status_code == 422 and secret not in r.get_data(as_text=True)
        assert secret not in access_lines[-1] and "[redacted]" in json.loads(access_lines[-1])["path"]
    assert access_lines and not [line for line in access_lines if secret in line]
    assert secret not in caplog.text


def test_every_documented_query_parameter_is_classified(app) -> None:
    """A new parameter is a decision: structured (its value logged), free text or secret (redacted)."""
    from api.observability import FREE_TEXT_PARAMS, SECRET_PARAMS, STRUCTURED_PARAMS

    spec = app.test_client().get("/v1/openapi.json").get_json()
    names = {
        p["name"]
        for ops in spec["paths"].values()
        for op in ops.values()
        if isinstance(op, dict)
        for p in op.get("parameters", [])
        if p["in"] == "query"
    }
    assert names - STRUCTURED_PARAMS - FREE_TEXT_PARAMS - SECRET_PARAMS == set()


def test_unexpected_errors_are_logged_without_their_message(app, caplog) -> None:
    from flask import request

    from api.errors import handle_unexpected

    with app.test_request_context("/v1/search?q=he+hit+me"), caplog.at_level(logging.ERROR):
        try:
            {}[request.args["q"]]  # a KeyError whose message is what the person typed
        except KeyError as exc:
            resp = handle_unexpected(exc)
            app.log_exception((type(exc), exc, exc.__traceback__))  # Flask's own "Exception on <path>"
    assert resp.status_code == 500 and resp.get_json()["status"] == 500
    text = caplog.text
    assert "unhandled error on GET /v1/search (request " in text and "Exception on /v1/search [GET]" in text
    assert text.count("KeyError: [message not logged]") == 2 and "hit" not in text


def test_search_and_suggest_are_not_for_shared_caches(search_app) -> None:
    """A CDN stores and logs the URLs it caches: search and suggest answers are private
    (api/search.py: SEARCH_CACHE_CONTROL = "private, max-age=60")."""
    client = search_app.test_client()
    for url in ["/v1/search?q=no+contact", "/v1/suggest?q=bound"]:
        r = client.get(url)
        assert r.status_code == 200 and r.headers["Cache-Control"] == "private, max-age=60", url
    assert client.post("/v1/pattern-check", json={"situation": "he ignores me"}).headers["Cache-Control"] == "no-store"
