"""Real gunicorn, 2 workers: ETag/304 over HTTP and byte-identical responses across workers and restarts."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from search_index.query import MAX_QUERY_CHARS
from tests.e2e.server import gunicorn

pytestmark = pytest.mark.e2e
URLS = [
    "/v1/guides/no-contact-rule",
    "/v1/guides?page_size=5&sort=title",
    "/v1/scripts?send=true",
    "/v1/collections/breakup-recovery",
]


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:  # a new connection per request
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache") / "content.pickle"
    return {"LP_CONTENT_CACHE": str(cache)}


def test_etag_304_and_identical_bytes_across_workers(env, tmp_path) -> None:
    log = tmp_path / "gunicorn.log"
    served: dict[str, list[tuple[str, bytes, str]]] = {}  # path -> (request id, body, etag)
    with gunicorn(workers=2, env=env, log=log) as base:
        for path in URLS:
            # Concurrent requests keep one worker busy, so the other accepts too; more rounds while
            # one worker has answered them all (the kernel may wake the same one every time).
            served[path] = []
            for _ in range(MAX_ROUNDS):
                with ThreadPoolExecutor(max_workers=8) as pool:
                    answers = list(pool.map(fetch, [base + path] * 40))
                assert all(status == 200 for status, _, _ in answers)
                served[path] += [(h["X-Request-ID"], body, h["ETag"]) for _, h, body in answers]
                if _served_by(log, served[path]) >= 2:
                    break
            assert len({body for _, body, _ in served[path]}) == 1, path
            etag = served[path][0][2]
            assert {e for _, _, e in served[path]} == {etag}
            for _ in range(6):
                status, headers, body = fetch(base + path, {"If-None-Match": etag})
                assert status == 304 and body == b"" and headers["ETag"] == etag
    for path, answers in served.items():
        assert _served_by(log, answers) >= 2, f"{path}: served by one worker only; the test would prove nothing"


MAX_ROUNDS = 10


def _served_by(log, answers: list[tuple[str, bytes, str]]) -> int:
    """How many worker pids served these requests: the JSON access log names the pid of each
    request id (a line is written before its response is sent)."""
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    pid_of = {e["request_id"]: e["pid"] for e in entries}
    return len({pid_of[rid] for rid, _, _ in answers})


def test_identical_bytes_after_restart(env) -> None:
    with gunicorn(workers=2, env=env) as base:
        first = [fetch(base + path) for path in URLS]
    with gunicorn(workers=2, env=env) as base:
        second = [fetch(base + path) for path in URLS]
    for (s1, h1, b1), (s2, h2, b2) in zip(first, second, strict=True):
        assert s1 == s2 == 200 and b1 == b2 and h1["ETag"] == h2["ETag"]


def test_errors_over_http_keep_the_shape(env) -> None:
    with gunicorn(workers=2, env=env) as base:
        # The longest query the API takes, in the widest characters (12 bytes each, percent-encoded),
        # reaches the API through gunicorn's request line, and one more character is the API's 422.
        for n, want in ((MAX_QUERY_CHARS, 200), (MAX_QUERY_CHARS + 1, 422)):
            status, headers, body = fetch(base + "/v1/search?q=" + urllib.parse.quote("\U0001f642" * n))
            assert status == want and headers["Content-Type"] == "application/json", (n, status, body[:200])
        status, headers, body = fetch(base + "/v1/guides?page_size=0")
        assert status == 422 and headers["Content-Type"] == "application/json"
        assert b'"page_size"' in body
        status, headers, _ = fetch(base + "/v1/guides/no-contact")
        assert status == 308 or status == 200  # urllib follows the redirect
