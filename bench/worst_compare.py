"""Issue 19.11's three worst requests, before and after, in one run: this checkout's code beside
another's (e.g. `git archive main | tar -x -C /tmp/main-src`), in alternating subprocesses over the
same release store, through the Flask test client (no HTTP), so only the request's own work counts.

    python -m bench.worst_compare /tmp/lp-worst-bench/store-10000 /tmp/main-src
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench.machine import machine_summary

HERE = Path(__file__).resolve().parents[1]
CHILD = Path(__file__).with_name("worst_compare_child.py")  # run with the code under test on its path


def main() -> None:
    from bench.worst_bench import WORDS, keys_file

    store, other = Path(sys.argv[1]), Path(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    keys = keys_file(store.parent)
    results: dict[str, list[dict]] = {"before": [], "after": []}
    for _round in range(2):
        for label, src in (("before", other), ("after", HERE)):
            env = {**os.environ, "PYTHONPATH": str(src), "LP_SECRET_KEY": "x" * 32}
            done = subprocess.run(
                [sys.executable, str(CHILD), str(store), str(keys), str(n), json.dumps(WORDS)],
                cwd=src,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            results[label].append(json.loads(done.stdout.strip().splitlines()[-1]))
    lines = ["| request | code | first ms | p50 ms | p99 ms | bytes |", "|---|---|---:|---:|---:|---:|"]
    for name in results["after"][0]:
        for label in ("before", "after"):
            rs = [r[name] for r in results[label]]
            first, p50 = statistics.median(r["first"] for r in rs), statistics.median(r["p50"] for r in rs)
            p99 = max(r["p99"] for r in rs)
            lines.append(f"| {name} | {label} | {first:.1f} | {p50:.1f} | {p99:.1f} | {rs[-1]['bytes']:,} |")
    print("\n".join(lines))
    print(f"\n({n} warm requests each, 2 alternating rounds; first: median of the rounds, p99: the worse round)")
    print("\n```\n" + machine_summary() + "\n```")


if __name__ == "__main__":
    main()
