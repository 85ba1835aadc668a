"""Two gunicorn instances (2 workers each) sharing one rate limit through a real redis-server."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import yaml

from api.partner_keys import hash_key
from tests.e2e.server import gunicorn, listening_socket, port_of, stop

pytestmark = pytest.mark.e2e

KEY = "e2e-shared-limit-key-0001"
OTHER = "e2e-shared-limit-key-0002"
LIMIT = 10


@contextlib.contextmanager
def redis_server(tmp: Path) -> Iterator[str]:
    """A throwaway redis-server on a free loopback port (no persistence); yields its URL.

    redis-server cannot be handed a listening socket, so it binds the port itself: when another
    process took the port in between, redis exits (address in use) and another port is tried.
    The answer to PING counts only while our redis is running, so it is never another server's.
    """
    exe = shutil.which("redis-server")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (.ci/run installs the Debian package)")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    for _attempt in range(5):
        with listening_socket() as probe:
            port = port_of(probe)
        proc = subprocess.Popen(
            [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        url = f"redis://127.0.0.1:{port}/0"
        if _answers(proc, url):
            break
        stop(proc)
    else:
        pytest.fail("redis-server found no free port in 5 tries")
    try:
        yield url
    finally:
        stop(proc)


def _answers(proc: subprocess.Popen, url: str) -> bool:
    """Whether our redis-server answers PING (False when it exited: its port was taken)."""
    client = redis.Redis.from_url(url, socket_timeout=1)
    deadline = time.monotonic() + 20
    try:
        while proc.poll() is None:
            try:
                client.ping()
                return proc.poll() is None
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        return False
    finally:
        client.close()


def _get(url: str, key: str) -> tuple[int, dict[str, str], dict]:
    req = urllib.request.Request(url, headers={"X-API-Key": key})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read())


def test_two_gunicorn_instances_share_one_limit_through_redis(tmp_path: Path) -> None:
    keys = tmp_path / "keys.yaml"
    keys.write_text(
        yaml.safe_dump(
            {
                "anonymous": {"allowed": False},
                "keys": [
                    {"name": "shared", "sha256": hash_key(KEY), "collections": "all", "limit": f"{LIMIT}/hour"},
                    {"name": "other", "sha256": hash_key(OTHER), "collections": "all", "limit": f"{LIMIT}/hour"},
                ],
            }
        ),
        encoding="utf-8",
    )
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    with redis_server(tmp_path) as url, contextlib.ExitStack() as stack:
        bases = []
        for name, log in zip("ab", logs, strict=True):
            env = {
                "LP_CONTENT_CACHE": str(tmp_path / f"{name}.pickle"),
                "LP_PARTNER_KEYS_FILE": str(keys),
                "LP_RATELIMIT_STORAGE_URI": url,
            }
            bases.append(stack.enter_context(gunicorn(workers=2, env=env, log=log)))

        statuses, remaining = [], []
        for i in range(LIMIT + 4):  # alternate instances; each urlopen is a new connection (any worker)
            status, headers, body = _get(bases[i % 2] + "/v1/guides?page_size=1", KEY)
            statuses.append(status)
            if status == 200:
                assert headers["RateLimit-Limit"] == str(LIMIT)
                remaining.append(int(headers["RateLimit-Remaining"]))
            else:
                assert status == 429 and body["status"] == 429 and body["title"] == "Too Many Requests"
                assert int(headers["Retry-After"]) >= 1 and headers["RateLimit-Remaining"] == "0"
        # one budget over both instances and all four workers: exactly LIMIT succeed, in order
        assert statuses == [200] * LIMIT + [429] * 4, statuses
        assert remaining == list(range(LIMIT - 1, -1, -1))
        # both instances refuse now; another key has its own budget; probes are never limited
        for base in bases:
            assert _get(base + "/v1/collections", KEY)[0] == 429
            assert _get(base + "/v1/collections", OTHER)[0] == 200
            with urllib.request.urlopen(base + "/v1/health", timeout=10) as r:
                assert r.status == 200

        counters = redis.Redis.from_url(url).keys("*")
        assert counters and all(KEY.encode() not in k for k in counters)

    text = "".join(log.read_text(encoding="utf-8", errors="replace") for log in logs)
    served = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert sum(e["status"] == 429 for e in served) == 6
    assert len({e["pid"] for e in served}) >= 2  # requests reached more than one process
    assert KEY not in text and OTHER not in text  # keys never logged


def test_a_paused_redis_falls_back_to_memory_logged_and_counted(tmp_path: Path) -> None:
    """Redis stopped (SIGSTOP: connections hang, nothing is refused): requests go on within the
    short timeouts, counted per worker in memory; the switch is logged and in /v1/metrics."""
    import signal

    keys = tmp_path / "keys.yaml"
    keys.write_text(
        yaml.safe_dump({"keys": [{"name": "k", "sha256": hash_key(KEY), "collections": "all", "limit": "1000/hour"}]}),
        encoding="utf-8",
    )
    log = tmp_path / "g.log"
    with redis_server(tmp_path) as url:
        env = {
            "LP_CONTENT_CACHE": str(tmp_path / "c.pickle"),
            "LP_PARTNER_KEYS_FILE": str(keys),
            "LP_RATELIMIT_STORAGE_URI": url,
        }
        with gunicorn(workers=1, env=env, log=log) as base:
            assert _get(base + "/v1/collections", KEY)[0] == 200
            pid = int(redis.Redis.from_url(url).info("server")["process_id"])
            os.kill(pid, signal.SIGSTOP)
            try:
                started = time.monotonic()
                statuses = [_get(base + "/v1/collections", KEY)[0] for _ in range(10)]
                elapsed = time.monotonic() - started
            finally:
                os.kill(pid, signal.SIGCONT)
            with urllib.request.urlopen(base + "/v1/metrics", timeout=10) as r:
                metrics = r.read().decode()
    assert statuses == [200] * 10
    assert elapsed < 5, elapsed  # one short timeout, then memory: no request waits for Redis
    assert 'lp_ratelimit_fallbacks_total{event="fallback"} 1.0' in metrics, metrics
    assert "the shared store is unreachable" in log.read_text(encoding="utf-8")
