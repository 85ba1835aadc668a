"""Errors gunicorn answers itself, before the app runs, keep the one error shape (found by schemathesis:
a long generated query got gunicorn's HTML 414 page, not a documented content type). gunicorn.conf.py
allows request lines up to 8,190 bytes (limit_request_line), so the long line here is 9,000."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e


def raw(base: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /v1/suggest?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /v1/guides HTTP/9.9\r\nHost: x\r\n\r\n", 400),
        (b"GET /v1/guides HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(200)) + b"\r\n", 431),
    ],
    ids=["uri-too-long", "bad-http-version", "too-many-headers"],
)
def test_gunicorn_errors_are_json_in_the_error_shape(live_server: str, request_bytes: bytes, status: int) -> None:
    got, headers, body = raw(live_server, request_bytes)
    assert got == status
    assert headers["Content-Type"] == "application/json"
    assert int(headers["Content-Length"]) == len(body)
    error = json.loads(body)
    assert set(error) == {"status", "title", "detail"} and error["status"] == status


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /v1/suggest?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /v1/guides HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(200)) + b"\r\n",
    ],
    ids=["414", "431"],
)
def test_gunicorn_errors_carry_the_security_headers_and_a_request_id(live_server: str, request_bytes: bytes) -> None:
    """Issue 19.10: the 414 and 431 gunicorn writes itself had none of the headers every app answer has."""
    from api.observability import SECURITY_HEADERS

    _, headers, _ = raw(live_server, request_bytes)
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, name
    assert len(headers["X-Request-ID"]) == 32
    assert headers["Cache-Control"] == "no-store"
