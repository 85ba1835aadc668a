"""Time from a publish until every gunicorn worker serves the new release (bench/publish_bench.py)."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.e2e.server import gunicorn

TIMEOUT = 600.0


def _get(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url, timeout=30) as r:
        r.read()
        return r.headers["X-Request-ID"], r.headers["X-Content-Version"]


def _pids(log: Path) -> dict[str, int]:
    out = {}
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if "request_id" in e and "pid" in e:
                out[e["request_id"]] = e["pid"]
    return out


def until_every_worker_serves(
    content: Path, store: Path, workers: int, publish: Callable[[], dict[str, Any]], path: str
) -> dict[str, Any]:
    """Serve `store` with gunicorn, run `publish` (a child publish, reporting its release), then ask
    for `path` from 8 threads until each of the `workers` worker pids has answered with the new
    release. `served`: seconds from the start of the publish to then."""
    log = store.parent / f"{store.name}-gunicorn.log"
    env = {"LP_RELEASE_STORE": str(store), "LP_CONTENT_DIR": str(content), "LP_CONTENT_CACHE": str(log) + ".pk"}
    with gunicorn(workers=workers, env=env, log=log) as base, ThreadPoolExecutor(8) as pool:
        list(pool.map(_get, [base + path] * 16))  # every worker has opened the live release
        t0 = time.perf_counter()
        result = publish()
        fresh: set[str] = set()
        while time.perf_counter() - t0 < TIMEOUT:
            answers = list(pool.map(_get, [base + path] * 8))
            fresh |= {rid for rid, version in answers if version == result["release"]}
            pids = _pids(log)
            if len({pids[r] for r in fresh if r in pids}) >= workers:
                break
        else:
            raise RuntimeError("not every worker served the new release in time")
        result["served"] = time.perf_counter() - t0
    return result
