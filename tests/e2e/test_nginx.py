"""deploy/nginx.conf in front of two real gunicorn instances (LP_PROXY_HOPS=1): nginx's own errors
in the API's error shape with the security headers, one anonymous budget per real client address
whatever X-Forwarded-For it forges, retries on the other instance, and a search phrase in no log.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
import urllib.error
import urllib.request
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import yaml

from api.observability import SECURITY_HEADERS
from api.partner_keys import hash_key
from tests.e2e.server import gunicorn, listening_socket, port_of
from tests.e2e.test_privacy import FORBIDDEN, PHRASE, send_raw
from tests.e2e.test_ratelimit_redis import redis_server
from tests.e2e.topology import address_of, nginx

pytestmark = pytest.mark.e2e

KEY = "e2e-nginx-key-000000000000001"
ANONYMOUS_LIMIT = 5


def get(url: str, headers: dict[str, str] | None = None, data: bytes | None = None) -> tuple[int, Any, Any]:
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.headers, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read())


def gunicorn_pids(log: Path) -> list[int]:
    import re

    return [int(p) for p in re.findall(r"Listening at: \S+ \((\d+)\)", log.read_text())]


@pytest.fixture(scope="module")
def topo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("nginx")
    keys = tmp / "keys.yaml"
    keys.write_text(
        yaml.safe_dump(
            {
                "anonymous": {"allowed": True, "limit": f"{ANONYMOUS_LIMIT}/hour"},
                "keys": [{"name": "k", "sha256": hash_key(KEY), "collections": "all", "limit": "10000/hour"}],
            }
        ),
        encoding="utf-8",
    )
    logs = [tmp / "a.log", tmp / "b.log"]
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(redis_server(tmp))  # one anonymous budget over both instances
        bases = []
        for log in logs:
            env = {"LP_PROXY_HOPS": "1", "LP_PARTNER_KEYS_FILE": str(keys), "LP_RATELIMIT_STORAGE_URI": url}
            args = ("--log-level", "debug")
            bases.append(stack.enter_context(gunicorn(workers=2, env=env, log=log, args=args)))
        # a third upstream nobody listens on: nginx must retry its GETs on a live instance
        with listening_socket() as probe:
            dead = f"127.0.0.1:{port_of(probe)}"
        proxy = stack.enter_context(nginx([*map(address_of, bases), dead]))
        yield {"nginx": proxy, "bases": bases, "logs": logs, "tmp": tmp}


def assert_error_shape(status: int, headers: Any, body: Any, expected: int) -> None:
    assert status == expected, (status, body)
    assert body == {"status": expected, "title": HTTPStatus(expected).phrase, "detail": body["detail"]}, body
    assert headers["Content-Type"].startswith("application/json")
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value, name
    assert headers["X-Request-ID"]


def test_nginx_errors_in_the_api_error_shape(topo) -> None:
    base = topo["nginx"].base
    key = {"X-API-Key": KEY}
    assert_error_shape(*get(base + "/v1/pattern-check", key, b'{"situation": "' + b"x" * 70_000 + b'"}'), 413)
    assert_error_shape(*get(base + "/v1/guides?page=" + "1" * 9000, key), 414)
    assert_error_shape(*get(base + "/v1/guides", {**key, "X-Big": "y" * 9000}), 431)
    # the API's own errors pass through unchanged
    status, headers, body = get(base + "/v1/guides/no-such-guide", key)
    assert status == 404 and body["status"] == 404 and headers["X-Content-Type-Options"] == "nosniff"


def test_502_and_504_when_no_instance_answers(tmp_path: Path) -> None:
    with listening_socket() as silent:  # accepts connections (the kernel's backlog), never answers
        with listening_socket() as probe:
            refused = f"127.0.0.1:{port_of(probe)}"
        with nginx([refused]) as down:
            assert_error_shape(*get(down.base + "/v1/guides"), 502)
        # accepted but never answered: nginx gives up after proxy_read_timeout (30 s, gunicorn's
        # worker timeout; 1 s here to keep the test short), a 504 in the error shape
        silent_addr = f"127.0.0.1:{port_of(silent)}"
        with nginx([silent_addr], settings={"proxy_read_timeout": "1s"}) as hung:
            assert_error_shape(*get(hung.base + "/v1/health"), 504)


def test_a_forged_x_forwarded_for_does_not_buy_another_anonymous_budget(topo) -> None:
    base = topo["nginx"].base
    statuses = [get(base + "/v1/collections", {"X-Forwarded-For": f"203.0.113.{i}"})[0] for i in range(8)]
    assert statuses == [200] * ANONYMOUS_LIMIT + [429] * (8 - ANONYMOUS_LIMIT), statuses


def test_without_hops_no_forwarded_header_is_believed(tmp_path: Path) -> None:
    """Served directly (LP_PROXY_HOPS=0): X-Forwarded-For and -Proto are ignored, from loopback too."""
    keys = tmp_path / "keys.yaml"
    keys.write_text(yaml.safe_dump({"anonymous": {"allowed": True, "limit": "3/hour"}}), encoding="utf-8")
    with gunicorn(workers=1, env={"LP_PARTNER_KEYS_FILE": str(keys)}) as base:
        statuses = [get(base + "/v1/collections", {"X-Forwarded-For": f"203.0.113.{i}"})[0] for i in range(5)]
        # a browser on https://127.0.0.1:port would be this server's own origin only if -Proto were believed
        origin = base.replace("http://", "https://")
        cors = get(base + "/v1/collections", {"Origin": origin, "X-Forwarded-Proto": "https"})
    assert statuses == [200] * 3 + [429] * 2, statuses
    assert cors[0] == 429  # still the one address's budget (the origin is any: anonymous allows "*")


def test_gets_are_retried_on_another_instance_and_the_phrase_is_in_no_log(topo) -> None:
    proxy, key = topo["nginx"], {"X-API-Key": KEY}
    plus, pct = quote_plus(PHRASE), quote(PHRASE)
    # every GET succeeds although one upstream of three refuses connections
    results = [get(proxy.base + f"/v1/search?q={plus}", key)[0] for _ in range(12)]
    results += [get(proxy.base + f"/v1/suggest?q={pct}", key)[0] for _ in range(6)]
    assert results == [200] * 18, results
    assert get(proxy.base + "/v1/pattern-check", key, json.dumps({"situation": PHRASE}).encode())[0] == 200
    # nginx's own errors for requests that carry the phrase
    assert get(proxy.base + "/v1/pattern-check", key, json.dumps({"situation": PHRASE * 3000}).encode())[0] == 413
    assert get(proxy.base + f"/v1/search?q={pct}{'x' * 9000}", key)[0] == 414
    raw = send_raw(proxy.base, f"GET /v1/search?q={PHRASE} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert raw.startswith(b"HTTP/1.1 400"), raw[:200]
    # one instance killed: its GETs go to the other, and nginx's error log stays clean
    victim = gunicorn_pids(topo["logs"][1])[0]
    os.kill(victim, signal.SIGKILL)
    after = [get(proxy.base + f"/v1/search?q={plus}", key)[0] for _ in range(6)]
    assert after == [200] * 6, after

    time.sleep(0.5)  # nginx writes a request's access line after its answer went out
    access = proxy.access_log.read_text()
    entries = [json.loads(line) for line in access.splitlines()]
    assert sum(e["path"] == "/v1/search" and e["status"] == 200 for e in entries) >= 18
    assert any("," in e["upstream"] for e in entries), "no retry on another instance was logged"
    texts = {"nginx": proxy.logs(), **{str(p): p.read_text(errors="replace") for p in topo["logs"]}}
    assert "[DEBUG]" in texts[str(topo["logs"][0])]
    for name, text in texts.items():
        for form in FORBIDDEN:
            assert form.casefold() not in text.casefold(), f"{form!r} in {name}:\n{text[-3000:]}"
