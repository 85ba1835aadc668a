"""Loading the synthetic corpus: build time, start time, time to first response, and memory.

    python -m bench.load_bench [--sizes 1000 10000]

For each size: generate the corpus (bench/synth.py) once; then, each in a fresh process,
(1) `content publish` from nothing (parse every file, write the parse cache and the release, its
search index included, so this is much slower than the parse-only figures in the results written
before releases), (2) create_app from the release (what a worker start costs), (3) gunicorn with the committed config
from launch to the first 200 for a guide, with the resident memory of its processes.
Results: bench/results/content-load.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.machine import machine_summary
from bench.synth import generate
from tests.e2e.server import ROOT, gunicorn

OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "results" / "content-load.md"

CHILD = """
import json, resource, sys, time
t = time.perf_counter()
if sys.argv[1] == "build":  # a publish: parse, index, write the release (the search index included)
    from api.releases import ReleaseStore, publish
    publish(sys.argv[2], ReleaseStore(sys.argv[4]), sys.argv[3])
    corpus = ReleaseStore(sys.argv[4]).open(ReleaseStore(sys.argv[4]).current_id()).corpus
else:
    from api.app import create_app
    app = create_app({"RELEASE_STORE": sys.argv[4]})
    corpus = app.extensions["lp"].served.release.corpus
print(json.dumps({"seconds": time.perf_counter() - t, "guides": len(corpus.guides),
                  "scripts": len(corpus.scripts),
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def child(mode: str, content: Path, cache: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(content), str(cache), str(cache.parent / "releases")],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def serve(content: Path, cache: Path, slug: str) -> dict:
    env = {"LP_CONTENT_DIR": str(content), "LP_RELEASE_STORE": str(cache.parent / "releases")}
    started = time.perf_counter()
    with gunicorn(workers=2, env=env, args=("--access-logfile", "/dev/null")) as base:
        with urllib.request.urlopen(f"{base}/v1/guides/{slug}", timeout=30) as r:
            assert r.status == 200
        first = time.perf_counter() - started
        port = base.rsplit(":", 1)[1]
        pids = subprocess.run(["pgrep", "-f", f"127.0.0.1:{port}"], capture_output=True, text=True).stdout.split()
        if not pids:  # the bind address is in the environment, not argv: find gunicorn by its config
            pids = subprocess.run(
                ["pgrep", "-f", "gunicorn -c gunicorn.conf.py"], capture_output=True, text=True
            ).stdout.split()
        rss = {int(p): rss_mib(int(p)) for p in pids}
    return {"first_200_seconds": first, "rss_mib": rss}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--output", default=str(RESULTS))
    a = ap.parse_args()
    rows = []
    for n in a.sizes:
        content = OUT / f"synth-{n}"
        if not (content / "guides" / f"guide-{n - 1:05d}.md").exists():
            generate(n, content)
        cache = OUT / f"cache-{n}" / "content.pickle"
        shutil.rmtree(cache.parent, ignore_errors=True)
        build = child("build", content, cache)
        start = child("start", content, cache)
        served = serve(content, cache, "guide-00000")
        rows.append((n, build, start, served))
        print(n, build, start, served, flush=True)
    lines = [
        "# Loading the content: build, start, first response, memory",
        "",
        f"Run: `python -m bench.load_bench --sizes {' '.join(map(str, a.sizes))}` on {dt.date.today().isoformat()}. "
        "Synthetic corpora from `bench/synth.py` (same shape as the real guides: 7 sections, signals, 3 scripts, "
        "read-next and inline links each). Each step in a fresh process; peak RSS from getrusage; gunicorn RSS "
        "from /proc (master holds the corpus, the 2 forked workers share its pages copy-on-write, so RSS counts "
        "shared pages in each).",
        "",
        "| guides | scripts | build from nothing, s | build peak RSS, MiB | start from cache (create_app), s | "
        "start peak RSS, MiB | gunicorn launch to first 200, s | gunicorn RSS per process, MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n, build, start, served in rows:
        rss = ", ".join(f"{v:.0f}" for v in sorted(served["rss_mib"].values(), reverse=True))
        lines.append(
            f"| {n} | {build['scripts']} | {build['seconds']:.1f} | {build['peak_rss_mib']:.0f} | "
            f"{start['seconds']:.2f} | {start['peak_rss_mib']:.0f} | {served['first_200_seconds']:.2f} | "
            f"{rss} |"
        )
    lines += [
        "",
        "Target (issue 2): the service starts serving 10,000 guides within 10 s of launch (the build step "
        "caches the parsed content) and holds them in under 1 GiB.",
        "",
        "## Machine",
        "",
        "```",
        machine_summary(),
        "```",
        "",
    ]
    Path(a.output).parent.mkdir(parents=True, exist_ok=True)
    Path(a.output).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
