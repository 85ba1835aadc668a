"""Request ids, JSON access logs (no secrets), metrics, readiness, security headers, size limits."""

from __future__ import annotations

import json
import logging

import pytest


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
    for url in ["/v1/guides/no-contact-rule", "/v1/nope", "/v1/guides?page=0"]:
        h = client.get(url).headers
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["X-Frame-Options"] == "DENY"
        assert h["Content-Security-Policy"].startswith("default-src 'none'")
        assert h["Referrer-Policy"] == "no-referrer"


def test_metrics(client) -> None:
    client.get("/v1/guides/no-contact-rule")
    r = client.get("/v1/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    text = r.get_data(as_text=True)
    assert 'lp_requests_total{endpoint="/v1/guides/<slug>",method="GET",status="200"}' in text
    assert "lp_request_seconds_bucket" in text and "lp_content_info{" in text


def test_readiness(client) -> None:
    body = client.get("/v1/ready").get_json()
    assert body["checks"]["content"] is True and "search_index" in body["checks"]
    assert body["content_stale"] is False and body["problems"] == []


def test_readiness_false_without_content(content_dir, tmp_path) -> None:
    from api.app import create_app

    root = content_dir({"guides/no-contact-rule.md": "---\nslug: [\n---\n"})
    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": str(root),
            "CONTENT_CACHE": str(tmp_path / "x.pickle"),
            "SEARCH_INDEX_DIR": str(tmp_path / "no-index"),
        }
    )
    r = app.test_client().get("/v1/ready")
    body = r.get_json()
    assert r.status_code == 503 and body["ready"] is False
    assert body["checks"] == {"content": False, "search_index": False}
    assert body["problems"] and "no-contact-rule.md" in body["problems"][0]


def test_body_size_limit(client) -> None:
    r = client.post("/v1/pattern-check", data=b"x" * (70 * 1024), content_type="application/json")
    assert r.status_code == 413 and r.get_json()["status"] == 413
