"""Load during change: guides and search on real gunicorn while content is published twice and a
worker is stopped. Writes requests, failures, mixed-version responses and latency to
bench/results/load-under-change.md.

    python -m bench.reload_bench [--seconds 30] [--threads 8]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
from pathlib import Path

from bench.machine import machine_summary
from tests.e2e.load_under_change import PATHS, run
from tests.e2e.server import ROOT

RESULTS = ROOT / "bench" / "results" / "load-under-change.md"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--threads", type=int, default=8)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(ROOT / "content", content)
        r = run(Path(tmp), content, seconds=a.seconds, threads=a.threads)
    lines = [
        "# Load during content changes and a worker restart",
        "",
        f"Run: `python -m bench.reload_bench --seconds {a.seconds:g} --threads {a.threads}` on "
        f"{dt.date.today().isoformat()}. gunicorn with `gunicorn.conf.py` (2 workers) on loopback; "
        f"{a.threads} client threads, a new connection per request, cycling through: "
        + ", ".join(f"`{p}`" for p in PATHS)
        + ". During the run: "
        + "; ".join(r["events"])
        + ".",
        "",
        "| requests | failed | mixed-version responses | versions served | p50 ms | p99 ms | worker replaced |",
        "|---:|---:|---:|---:|---:|---:|---|",
        f"| {r['requests']} | {len(r['failures'])} | {len(r['inconsistent'])} | {r['versions_seen']} of "
        f"{r['versions_published']} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['worker_respawned']} |",
        "",
        "A response is checked against the one release it names (`X-Content-Version`; search answers from "
        "that release too, its `index_version` the same): every revision mark in it must belong to it. "
        "The worker is stopped with SIGTERM, "
        "gunicorn's graceful stop (it finishes the request in hand); a SIGKILL would fail the request in hand.",
        "",
        "## Machine",
        "",
        "```",
        machine_summary(),
        "```",
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
