"""What people type is never stored: a distinctive phrase sent to search, suggest and pattern-check
through real gunicorn (2 workers, `--log-level debug`) appears nowhere in what gunicorn and the app
write, whether the request is valid, malformed or makes the app fail. The logs did record the
requests, so the test can fail.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

import pytest

from api.content import Corpus
from tests.e2e.server import gunicorn

pytestmark = pytest.mark.e2e

PHRASE = "zebra-marmalade he hit me xylophonequill"
DISTINCTIVE_WORDS = ("zebra", "marmalade", "xylophonequill")
BY_MEANING = "xylophonequill perpetually splitting then reuniting"
# Every form the phrase may take in a log: as typed, URL-encoded both ways, and its odd words.
FORBIDDEN = (PHRASE, quote_plus(PHRASE), quote(PHRASE), "he hit me", "he+hit+me", "he%20hit%20me", *DISTINCTIVE_WORDS)
FORBIDDEN += (BY_MEANING, quote_plus(BY_MEANING), "reuniting")
LOG_ARGS = ("--log-level", "debug")


def send(base: str, path: str, body: dict | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", **(headers or {})}
    req = urllib.request.Request(base + path, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def send_raw(base: str, data: bytes, close_early: bool = False) -> bytes:
    """Bytes straight onto the socket (a request line urllib would refuse to send); the answer."""
    host, port = urlsplit(base).hostname, urlsplit(base).port
    with socket.create_connection((host, port), timeout=15) as s:
        s.sendall(data)
        if close_early:
            s.shutdown(socket.SHUT_WR)  # a request cut off mid-line
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def in_error_shape(raw: bytes) -> tuple[int, dict[str, Any]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower(), head
    doc = json.loads(body)
    assert set(doc) >= {"status", "title", "detail"}, doc
    return doc["status"], doc


@pytest.fixture(scope="module")
def traffic(tmp_path_factory: pytest.TempPathFactory, corpus: Corpus) -> dict[str, Any]:
    """Everything sent, the answers, and what gunicorn wrote to stdout and stderr (both servers)."""
    tmp = tmp_path_factory.mktemp("privacy")
    env: dict[str, str] = {}  # the session's release store (tests/conftest.py)
    answers: dict[str, Any] = {}
    plus, pct = quote_plus(PHRASE), quote(PHRASE)

    with gunicorn(workers=2, env=env, log=tmp / "valid.log", args=LOG_ARGS) as base:
        # a. valid requests
        answers["search"] = send(base, f"/v1/search?q={plus}")
        answers["search%20"] = send(base, f"/v1/search?q={pct}&page=1")
        # words in no guide: answered by meaning (api/search_fallback.py), the query encoded in memory only
        answers["search by meaning"] = send(base, f"/v1/search?q={quote_plus(BY_MEANING)}")
        answers["suggest"] = send(base, f"/v1/suggest?q={plus}")
        answers["pattern-check"] = send(base, "/v1/pattern-check", {"situation": PHRASE})
        answers["scripts"] = send(base, f"/v1/scripts?situation={pct}")
        answers["search 422"] = send(base, f"/v1/search?q={plus}&page_size=0")
        answers["unknown param"] = send(base, f"/v1/guides?{plus}")
        # b. malformed requests, answered by gunicorn before the app runs
        for name, path in (("search", "/v1/search"), ("suggest", "/v1/suggest")):
            host = "\r\nHost: x\r\n\r\n"
            answers[f"{name} raw spaces"] = send_raw(base, f"GET {path}?q={PHRASE} HTTP/1.1{host}".encode())
            answers[f"{name} bad version"] = send_raw(base, f"GET {path}?q={pct} HTTP/9.Z{host}".encode())
            answers[f"{name} too long"] = send_raw(
                base, f"GET {path}?q={pct}{'x' * 9000} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
            )
            answers[f"{name} bad header"] = send_raw(
                base, f"GET {path}?q={pct} HTTP/1.1\r\nHost: x\r\n{PHRASE}\r\n\r\n".encode()
            )
            answers[f"{name} cut off"] = send_raw(base, f"GET {path}?q={PHRASE} HT".encode(), close_early=True)

    with gunicorn(workers=2, env=env, log=tmp / "failing.log", args=LOG_ARGS, app="tests.e2e.failing_app:app") as base:
        # c. requests that make the app fail: in Flask, after Flask's handlers, outside Flask
        for how in ("flask", "after", "wsgi"):
            fail = {"X-Test-Fail": how}
            answers[f"search fails {how}"] = send(base, f"/v1/search?q={plus}", headers=fail)
            answers[f"suggest fails {how}"] = send(base, f"/v1/suggest?q={pct}", headers=fail)
            answers[f"pattern-check fails {how}"] = send(base, "/v1/pattern-check", {"situation": PHRASE}, fail)

    logs = {name: (tmp / f"{name}.log").read_text(encoding="utf-8", errors="replace") for name in ("valid", "failing")}
    return {"answers": answers, "logs": logs}


def access_entries(log: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.splitlines() if line.startswith('{"ts"')]


def test_the_phrase_is_in_no_log(traffic) -> None:
    for name, log in traffic["logs"].items():
        text = log.casefold()
        for form in FORBIDDEN:
            assert form.casefold() not in text, f"{form!r} in the {name} server's log:\n{log}"


def test_the_logs_recorded_the_requests(traffic) -> None:
    valid, failing = traffic["logs"]["valid"], traffic["logs"]["failing"]
    seen = {(e["method"], e["path"], e["status"]) for e in access_entries(valid)}
    assert {("GET", "/v1/search", 200), ("GET", "/v1/suggest", 200), ("POST", "/v1/pattern-check", 200)} <= seen
    assert ("GET", "/v1/search", 422) in seen
    assert ("GET", "/v1/scripts?situation=[redacted]", 200) in seen
    assert ("GET", "/v1/guides?[redacted]", 422) in seen
    assert "[DEBUG]" in valid and "[DEBUG]" in failing  # gunicorn's debug messages were captured
    # gunicorn logged each malformed request, without its request line
    assert valid.count("Invalid request from ip=127.0.0.1") >= 8, valid
    assert "Invalid HTTP request line: '[redacted]'" in valid or "Invalid HTTP Version: '[redacted]'" in valid

    failed = {(e["method"], e["path"], e["status"]) for e in access_entries(failing)}
    for method, path in (("GET", "/v1/search"), ("GET", "/v1/suggest"), ("POST", "/v1/pattern-check")):
        assert (method, path, 500) in failed
        assert f"unhandled error on {method} {path} (request " in failing  # the app's error handler
        assert f"Exception on {path} [{method}]" in failing  # Flask's own (the after_request hook)
    # gunicorn's own, for the exception outside Flask: the URI without its query, the traceback
    assert "Error handling request GET /v1/search?[redacted]" in failing
    assert "Error handling request POST /v1/pattern-check" in failing
    assert "RuntimeError: [message not logged]" in failing and "KeyError: [message not logged]" in failing
    assert 'in _fail\n    raise RuntimeError(f"failed on query' in failing  # the frames are kept


def test_answers_keep_the_error_shape(traffic) -> None:
    answers = traffic["answers"]
    for name in ("search", "search%20", "suggest", "pattern-check", "scripts"):
        assert answers[name][0] == 200, (name, answers[name])
    status, body = answers["search by meaning"]
    assert status == 200 and body["fallback"] in ("related", "meaning") and body["items"], body
    assert answers["search 422"][0] == 422 and answers["search 422"][1]["status"] == 422
    for name in ("search", "suggest"):
        for kind, status in (("raw spaces", 400), ("bad version", 400), ("too long", 414), ("bad header", 400)):
            assert in_error_shape(answers[f"{name} {kind}"])[0] == status, (name, kind)
    for name in ("search", "suggest", "pattern-check"):
        for how in ("flask", "after", "wsgi"):
            status, body = answers[f"{name} fails {how}"]
            assert status == 500 and body["status"] == 500 and body["title"] == "Internal Server Error"
