"""The full build (`content publish --full`: parsing included) of two source trees, side by side.

    nice -n 19 .venv/bin/python -m bench.full_build_compare CONTENT BASE_TREE [--rounds 2] [--warm]

CONTENT: a synthetic content folder (`python -m bench.synth 1000 /tmp/c1k`); BASE_TREE: a checkout
of the code to compare with (e.g. `git worktree add --detach /tmp/main-tree main`). Each build runs
in a child process of its own (this venv's Python running this file, PYTHONPATH set to its tree) on a fresh store, the
two trees taking turns, `--rounds` times each; the child reports its wall time and the CPU time of
itself and its worker processes (resource.getrusage). Prints a markdown table with the ratios of
the medians (base / this tree), and the machine. `--warm`: a publish first (untimed), so that the
full build embeds nothing (its vectors come from the store's vector cache), as on a store in use.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from api.config import ROOT
from bench.machine import machine_summary


def child(content: Path, store: Path, warm: bool) -> dict[str, float]:
    from api.releases import ReleaseStore, publish

    before = None
    if warm:  # a publish before, as on a store in use: the vector cache holds every text (not timed)
        copy = store.parent / "content"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(content, copy)
        publish(copy, ReleaseStore(store), None)
        content = copy  # one summary edited, so that the full build makes a release (as publish_bench)
        guide = sorted((content / "guides").glob("*.md"))[3]
        guide.write_text(guide.read_text().replace('summary: "', 'summary: "Edited. ', 1))
        before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    publish(content, ReleaseStore(store), None, full=True)
    wall = time.perf_counter() - t0
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    if before is not None:
        cpu -= sum(r.ru_utime + r.ru_stime for r in before)
    return {"wall": wall, "cpu": cpu}


def run(tree: Path, content: Path, work: Path, warm: bool) -> dict[str, float]:
    store = work / "store"
    shutil.rmtree(store, ignore_errors=True)
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", str(content), str(store), ("cold", "warm")[warm]],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4] == "warm")))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("content", type=Path)
    ap.add_argument("base", type=Path, help="the tree to compare with (e.g. main)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--warm", action="store_true", help="publish once first (untimed): the vector cache is warm")
    args = ap.parse_args()
    trees = {"base": args.base.resolve(), "this": ROOT}
    rows: dict[str, list[dict[str, float]]] = {k: [] for k in trees}
    with tempfile.TemporaryDirectory(prefix="full-compare-") as tmp:
        for _ in range(args.rounds):
            for name, tree in trees.items():
                rows[name].append(run(tree, args.content.resolve(), Path(tmp), args.warm))
                print(name, rows[name][-1], file=sys.stderr)
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("wall", "cpu")} for k, v in rows.items()}
    print(f"Machine: {machine_summary()}\n")
    print("| tree | wall s (each run) | CPU s (each run) | median wall | median CPU |")
    print("|---|---|---|---:|---:|")
    for k, v in rows.items():
        walls = ", ".join(f"{r['wall']:.1f}" for r in v)
        cpus = ", ".join(f"{r['cpu']:.1f}" for r in v)
        print(f"| {k} | {walls} | {cpus} | {med[k]['wall']:.1f} | {med[k]['cpu']:.1f} |")
    ratio = {m: med["base"][m] / med["this"][m] for m in ("wall", "cpu")}
    print(f"\nbase / this: wall {ratio['wall']:.2f}x, CPU {ratio['cpu']:.2f}x")
    print(f"(max RSS of a child: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024} MiB)")


if __name__ == "__main__":
    main()
