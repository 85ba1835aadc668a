"""Python function calls per request under gunicorn: a measure of the work each request costs that
the load of a shared machine does not change (throughput ratios do, bench/http_bench.py).

    python -m bench.http_calls [--duration 5]

For each case, gunicorn (the committed config plus cProfile in its one worker,
bench/gunicorn_profile.conf.py) serves wrk for `duration` seconds; the worker's calls are divided
by the requests wrk counted (counted from a request after the warm-up, which made the cache
entries: bench/gunicorn_profile.conf.py). Results go to bench/results/http-calls.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import os
import pstats
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from bench.machine import machine_summary
from tests.e2e.server import gunicorn

RESULTS = Path(__file__).parent / "results" / "http-calls.md"
INDEX = Path(__file__).parent / "out" / "http-index"
GUIDE = "/v1/guides/no-contact-rule"


def etag(base: str, coding: str | None) -> str:
    headers = {"Accept-Encoding": coding} if coding else {}
    with urllib.request.urlopen(urllib.request.Request(base + GUIDE, headers=headers)) as r:
        return str(r.headers["ETag"])


def cases(base: str) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("trivial (/v1/health)", "/v1/health", {}),
        ("304 revalidation", GUIDE, {"If-None-Match": etag(base, None)}),
        (
            "304 revalidation of the gzip variant",
            GUIDE,
            {"Accept-Encoding": "gzip", "If-None-Match": etag(base, "gzip")},
        ),
        ("guide by slug, gzip negotiated", GUIDE, {"Accept-Encoding": "gzip"}),
    ]


def measure(index: int, duration: int, out: Path) -> tuple[str, int, float]:
    prefix = out / f"case{index}"
    with gunicorn(
        workers=1,
        env={"LP_RELEASE_STORE": str(INDEX), "LP_PROF_OUT": str(prefix)},
        args=("-c", "bench/gunicorn_profile.conf.py"),
    ) as base:
        name, path, headers = cases(base)[index]
        for _ in range(3):  # the case's own first requests (its cache entries made), then the count starts
            try:
                urllib.request.urlopen(urllib.request.Request(base + path, headers=headers)).close()
            except urllib.error.HTTPError as exc:  # a 304
                exc.close()
        urllib.request.urlopen(urllib.request.Request(base + "/v1/health", headers={"X-LP-Profile-Reset": "1"})).close()
        cmd = ["wrk", "-t1", "-c4", f"-d{duration}s", *sum((["-H", f"{k}: {v}"] for k, v in headers.items()), [])]
        text = subprocess.run([*cmd, base + path], capture_output=True, text=True, check=True).stdout
        requests = int(re.search(r"(\d+) requests in", text).group(1))  # type: ignore[union-attr]
    stats = pstats.Stats(*glob.glob(f"{prefix}.*"))
    calls = sum(v[1] for v in stats.stats.values())  # type: ignore[attr-defined]
    return name, requests, calls / requests


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--output", default=str(RESULTS))
    a = ap.parse_args()
    subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "api.app", "content", "publish"],
        check=True,
        capture_output=True,
        env={**os.environ, "LP_RELEASE_STORE": str(INDEX)},
    )
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(i, a.duration, Path(tmp)) for i in range(4)]
    lines = [
        "# Python calls per request under gunicorn",
        "",
        f"Run: `python -m bench.http_calls --duration {a.duration}` on {dt.date.today().isoformat()}: one gunicorn "
        "worker with cProfile (bench/gunicorn_profile.conf.py), wrk with 1 thread and 4 connections; calls "
        "counted by the profiler over the run, divided by the requests wrk counted. Unlike requests/s, the "
        "count does not depend on the machine's load.",
        "",
        "| request | requests | calls per request | ratio to trivial |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {n} | {r} | {c:.0f} | {c / rows[0][2]:.3f} |" for n, r, c in rows]
    lines += ["", "## Machine", "", "```", machine_summary(), "```", ""]
    Path(a.output).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
