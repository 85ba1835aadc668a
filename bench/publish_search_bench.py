"""One edit at N synthetic guides, then search after 20 incremental publishes (issue 21).

    nice .venv/bin/python -m bench.publish_search_bench --versions /tmp/pb-versions [--base-store DIR]
        [--updates 20] [--per 5] [--workers 2] [--compare-full] [--work DIR] [--output FILE]

`--versions`: a folder with v1 (the synthetic corpus) and v2 (one guide edited) made by
`bench/publish_bench.py` (its set-up). `--base-store`: a release store where v1 is published
already (copied, so the first publish is skipped); else v1 is published first.

1. One guide edited (v2): the publish, in a child process of its own, until the release is ready,
   and until every gunicorn worker serves it (bench/publish_serve.py), as bench/publish_bench.py
   measures them.
2. `--updates` incremental publishes one after another, each with `--per` guides edited (a
   sentence added to the summary), each in a child process: seconds each.
3. Search p95 (ms) of bench/search_bench.py's query kinds (30 queries each) on the live release's
   index after them, cold (first run on an index opened afresh for the kind) and warm (median of 3),
   as bench/index_bench.py measures them; `--compare-full` also builds the same content in full and
   measures it in turn, kind by kind.
4. `--warm-rounds` (default 3): the same kinds' cold p95 before and after the warm-up a worker now
   does on taking a release (bench/warm_bench.py), with the warm-up's own cost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from api.config import ROOT
from bench.machine import machine_summary
from bench.publish_bench import TARGETS_10K, run_child, use
from bench.publish_serve import until_every_worker_serves

RESULTS = ROOT / "bench" / "results" / "publish-10k.md"
SEARCH_TARGET_MS = 100.0  # issue 21: search p95 after 20 incremental publishes, at 10,000 guides


def edit_guides(content: Path, round_no: int, per: int) -> list[str]:
    """`per` guides edited as an editor does: a sentence added to the summary."""
    paths = sorted((content / "guides").glob("*.md"))
    step = max(1, len(paths) // (per * 7))
    chosen = [paths[(round_no * 37 + k * step) % len(paths)] for k in range(per)]
    for path in chosen:
        text = path.read_text()
        path.write_text(text.replace('summary: "', f'summary: "Edited in round {round_no}. ', 1))
    return [p.stem for p in chosen]


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    versions = Path(args.versions)
    content, store, cache = work / "content", work / "store", work / "cache.pickle"
    out: dict[str, Any] = {}
    use(versions / "v1", content)
    if args.base_store:
        shutil.copytree(args.base_store, store, symlinks=True)
    else:
        out["first"] = run_child("after", content, store, cache)
    use(versions / "v2", content)
    out["one"] = until_every_worker_serves(
        content, store, args.workers, lambda: run_child("after", content, store, cache), "/v1/guides/guide-00001"
    )
    out["updates"] = []
    for i in range(args.updates):
        edit_guides(content, i, args.per)
        out["updates"].append(run_child("after", content, store, cache))
        print(f"update {i + 1}: {out['updates'][-1]['seconds']:.2f} s", file=sys.stderr, flush=True)
    out["search"] = search_after(store, work, args.compare_full)
    if args.warm_rounds:  # cold p95 before and after the warm-up a worker now does (bench/warm_bench.py)
        from bench.warm_bench import run as warm_run

        out["warm"] = warm_run(store, args.warm_rounds)
    return out


def search_after(store: Path, work: Path, compare_full: bool) -> dict[str, Any]:
    from api.releases import ReleaseStore
    from bench.index_bench import search_p95
    from search_index import build_index

    s = ReleaseStore(store)
    rid = s.current_id()
    assert rid is not None
    release = s.open(rid)
    live = store / "releases" / rid / "index"
    dirs = [live]
    full_seconds = None
    if compare_full:
        started = time.perf_counter()
        build_index(release.corpus, work / "full-index")
        full_seconds = time.perf_counter() - started
        dirs.append(work / "full-index")
    p95 = search_p95(dirs, release.corpus)
    return {
        "segments": len(list(live.glob("*.trm"))),
        "full_segments": len(list((work / "full-index").glob("*.trm"))) if compare_full else None,
        "full_seconds": full_seconds,
        "p95": p95,
    }


def report(n: int, args: argparse.Namespace, r: dict[str, Any]) -> str:
    from bench.search_bench import KINDS

    def verdict(value: float, limit: float) -> str:
        return ("yes" if value < limit else "**no**") if n >= 10000 else "-"

    one, ups = r["one"], [u["seconds"] for u in r["updates"]]
    lines = [
        f"## {dt.date.today().isoformat()}: one edit, and search after {args.updates} "
        f"incremental publishes ({n:,} guides)",
        "",
        f"`python -m bench.publish_search_bench --versions ... --updates {args.updates} "
        f"--per {args.per}{' --compare-full' if args.compare_full else ''}`. Each publish in a child process of "
        f"its own (time inside it); gunicorn with {args.workers} workers serves the store during the one edit. "
        f"Load average (1 min) when the results were written: {os.getloadavg()[0]:.2f} "
        "(a loaded machine gives upper bounds).",
        "",
        "| measure | figure | target at 10,000 guides | met |",
        "|---|---:|---|---|",
    ]
    if "first" in r:
        lines.append(f"| first publish (nothing to reuse) | {r['first']['seconds']:.1f} s | | |")
    lines += [
        f"| one guide edited: until the release is ready | {one['seconds']:.2f} s | under {TARGETS_10K['one']:.0f} s "
        f"| {verdict(one['seconds'], TARGETS_10K['one'])} |",
        f"| one guide edited: until every worker serves it | {one['served']:.2f} s | under "
        f"{TARGETS_10K['served']:.0f} s | {verdict(one['served'], TARGETS_10K['served'])} |",
        f"| peak RSS of the one-edit publish | {one['peak_rss'] / 2**20:.0f} MiB | under 1,536 MiB | "
        f"{verdict(one['peak_rss'] / 2**20, 1536)} |",
        f"| {args.updates} publishes of {args.per} edited guides: median / slowest | {statistics.median(ups):.2f} s / "
        f"{max(ups):.2f} s | | |",
    ]
    s = r["search"]
    full = s["p95"][1] if len(s["p95"]) > 1 else None
    worst = max(max(v) for v in s["p95"][0].values())
    lines += [
        f"| search p95 after them, worst kind (cold or warm) | {worst:.1f} ms | under {SEARCH_TARGET_MS:.0f} ms | "
        f"{verdict(worst, SEARCH_TARGET_MS)} |",
        "",
        f"Search p95 (ms) per query kind of `bench/search_bench.py` on the live release after the {args.updates} "
        f"publishes ({s['segments']} segments"
        + (f"; a full build of the same content: {s['full_segments']}, in {s['full_seconds']:.0f} s" if full else "")
        + "). Cold: first run of the kind's 30 queries on an index opened afresh; warm: median p95 of 3 runs.",
        "",
        "| kind | after the publishes: cold / warm | " + ("full build: cold / warm |" if full else ""),
        "|---|---|" + ("---|" if full else ""),
    ]
    for kind in KINDS:
        a = s["p95"][0][kind]
        cells = f"| {kind} | {a[0]:.1f} / {a[1]:.1f} |"
        if full:
            cells += f" {full[kind][0]:.1f} / {full[kind][1]:.1f} |"
        lines.append(cells)
    if "warm" in r:
        from bench.warm_bench import report as warm_report

        lines += ["", "### The warm-up (bench/warm_bench.py, on the same live release)", ""]
        lines += warm_report(r["warm"], args.warm_rounds, "").split("\n")[2:]
        return "\n".join(lines)
    lines += ["", "Machine:", "", "```", machine_summary(), "```", ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--versions", required=True, help="a folder with v1 and v2 (bench/publish_bench.py)")
    ap.add_argument("--base-store", help="a store with v1 published: copied, the first publish skipped")
    ap.add_argument("--updates", type=int, default=20)
    ap.add_argument("--per", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--compare-full", action="store_true")
    ap.add_argument("--warm-rounds", type=int, default=3, help="rounds of bench/warm_bench.py after (0: none)")
    ap.add_argument("--work", help="a new folder to work in, kept afterwards (default: a temporary one)")
    ap.add_argument("--output", default=str(RESULTS), help="the results file: a section is added at its top")
    args = ap.parse_args()
    n = len(list((Path(args.versions) / "v1" / "guides").glob("*.md")))
    if args.work:  # kept: the store can be published into again (e.g. main's code beside this one's)
        Path(args.work).mkdir(parents=True)
        result = run(args, Path(args.work))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = run(args, Path(tmp))
    section = report(n, args, result)
    out = Path(args.output)
    old = out.read_text() if out.exists() else ""
    title, _, rest = old.partition("\n")
    out.write_text(f"{title}\n\n{section}\n{rest.lstrip()}" if title.startswith("# ") else f"{section}\n{old}")
    print(section)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")  # inherited by the child publishes, as in publish_bench
    main()
