"""A bounded load on loopback against real gunicorn while content is published twice and a worker is
stopped: counts failures and checks every response against the one content version it names.

Used by tests/e2e/test_under_load.py (short) and bench/reload_bench.py (longer, writes the figures).
Each publish changes one guide's title and summary to carry a revision mark; a response is
consistent when every mark in it belongs to the version in its X-Content-Version header.
"""

from __future__ import annotations

import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.server import ROOT, gunicorn

FLASK = str(Path(sys.executable).parent / "flask")
GUIDE = "closure-without-them"
MARK = re.compile(r"\[rev (\d+)\]")
PATHS = [
    f"/v1/guides/{GUIDE}",
    "/v1/guides?collection=breakup-recovery&page_size=50",
    "/v1/guides/no-contact-rule",
    "/v1/scripts?guide=closure-without-them",
    "/v1/search?q=closure",
    "/v1/search?q=rev",
]


@dataclass
class Stats:
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    inconsistent: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    observed: list[tuple[str, str, frozenset[int]]] = field(default_factory=list)
    versions: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def set_revision(content: Path, rev: int) -> None:
    path = content / "guides" / f"{GUIDE}.md"
    text = MARK.sub("", path.read_text())
    text = re.sub(r"^title: (.*)$", lambda m: f"title: {_mark(m.group(1), rev)}", text, count=1, flags=re.M)
    text = re.sub(r"^summary: (.*)$", lambda m: f"summary: {_mark(m.group(1), rev)}", text, count=1, flags=re.M)
    path.write_text(text)


def _mark(value: str, rev: int) -> str:
    value = value.strip()
    if value[:1] in "\"'":
        return f"{value[0]}{value[1:-1].rstrip()} [rev {rev}]{value[0]}"
    return f"{value.rstrip()} [rev {rev}]"


def publish(env: dict[str, str]) -> str:
    """`flask content publish` as an editor runs it; the release id it made."""
    out = subprocess.run(
        [FLASK, "--app", "api.app", "content", "publish"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return re.search(r"published release (\w+)", out).group(1)


def observe(body: bytes, version: str, path: str) -> tuple[str, str, frozenset[int]]:
    """What a response says: its release and the revision marks in it (checked once all are known).

    Search is checked like every other response: its hits and its safety notice come from the
    release in its X-Content-Version (and `index_version` must name the same one).
    """
    if "/search" in path and json.loads(body)["index_version"] != version:
        return path, f"search index {json.loads(body)['index_version']} in release {version}", frozenset()
    return path, version, frozenset(int(m) for m in MARK.findall(body.decode()))


def check(observed: tuple[str, str, frozenset[int]], revs: dict[str, int]) -> str | None:
    """None when every revision mark in the response belongs to its version."""
    path, version, marks = observed
    expected = revs.get(version)
    if expected is None:
        return f"{path}: unknown version {version}"
    if marks - {expected}:
        return f"{path}: version {version} (rev {expected}) but marks {sorted(marks)}"
    if GUIDE in path and "/v1/guides/" in path and marks != {expected}:
        return f"{path}: version {version} (rev {expected}) but marks {sorted(marks)}"
    return None


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def run(tmp: Path, content: Path, seconds: float = 12.0, threads: int = 6) -> dict:
    env = {
        "LP_CONTENT_DIR": str(content),
        "LP_CONTENT_CACHE": str(tmp / "cache" / "content.pickle"),
        "LP_RELEASE_STORE": str(tmp / "releases"),
    }
    revs: dict[str, int] = {}
    set_revision(content, 0)
    revs[publish(env)] = 0
    stats = Stats()
    stop = threading.Event()
    events: list[str] = []

    with gunicorn(workers=2, env=env, args=("--access-logfile", "/dev/null")) as base:
        master = int(
            subprocess.run(["pgrep", "-o", "-f", "api.wsgi:app"], capture_output=True, text=True).stdout.split()[0]
        )

        def load(n: int) -> None:
            i = n
            while not stop.is_set():
                path = PATHS[i % len(PATHS)]
                i += 1
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(base + path, timeout=15) as r:
                        body, version, status = r.read(), r.headers.get("X-Content-Version", ""), r.status
                except (urllib.error.URLError, OSError) as exc:
                    with stats.lock:
                        stats.requests += 1
                        stats.failures.append(f"{path}: {exc}")
                    continue
                elapsed = time.perf_counter() - started
                seen = observe(body, version, path) if status == 200 else None
                with stats.lock:
                    stats.requests += 1
                    stats.latencies.append(elapsed)
                    if seen is None:
                        stats.failures.append(f"{path}: status {status}")
                    else:
                        stats.observed.append(seen)
                        stats.versions.add(seen[1])

        pool = [threading.Thread(target=load, args=(n,), daemon=True) for n in range(threads)]
        for t in pool:
            t.start()
        step = seconds / 4
        time.sleep(step)
        set_revision(content, 1)
        revs[publish(env)] = 1
        events.append("published rev 1")
        time.sleep(step)
        victim = worker_pids(master)[0]
        os.kill(victim, signal.SIGTERM)  # gunicorn's graceful stop: finish the request in hand, then exit
        events.append(f"stopped worker {victim} (SIGTERM); master starts a new one")
        time.sleep(step)
        set_revision(content, 2)
        revs[publish(env)] = 2
        events.append("published rev 2")
        time.sleep(step)
        stop.set()
        for t in pool:
            t.join(timeout=30)
        respawned = victim not in worker_pids(master) and len(worker_pids(master)) == 2

    # Checked now that every published version is known (a worker can serve one before publish returns).
    stats.inconsistent = [p for p in (check(o, revs) for o in stats.observed) if p]
    lat = sorted(stats.latencies)
    return {
        "requests": stats.requests,
        "failures": stats.failures,
        "inconsistent": stats.inconsistent,
        "versions_seen": len(stats.versions),
        "versions_published": len(revs),
        "events": events,
        "worker_respawned": respawned,
        "seconds": seconds,
        "threads": threads,
        "p50_ms": statistics.median(lat) * 1000 if lat else None,
        "p99_ms": lat[int(len(lat) * 0.99) - 1] * 1000 if lat else None,
    }
