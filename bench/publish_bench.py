"""Publish times at N synthetic guides: main's path before issue 21 against the incremental publish.

    nice .venv/bin/python -m bench.publish_bench [N] [--workers 2]     # N synthetic guides (default 1000)

One run, both paths side by side, each on its own copy of the content and its own store:

- "before": main's path before issue 21: the warm parse-cache file, then the preview release and the
  published release each written and indexed in full (`Build(full=True)`: no snapshot reuse, no
  index handed over, no hard links), as `publish()` did;
- "after": `publish()` as it is now: the live preview release's snapshot as the parse cache, the
  bundles built from the live ones, the preview hard-linking the published bundle when no guide is
  a draft.

The content moves through the same versions for both: the synthetic corpus (first publish), one
guide edited, then 50 guides edited + 5 renamed + 5 retired (with `content rename`/`retire`, so
every link stays valid), then a full build of it (parsing included: no parse cache, `--full`).
Each publish runs in a child process of its own, which reports its time and its peak RSS
(resource.getrusage). For the one-guide edit, gunicorn (2 workers, gunicorn.conf.py) serves the
store and the time until every worker answers with the new release is measured too (requests from
8 threads; the JSON access log says which worker answered which request).
Results: bench/results/publish.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from api.config import ROOT
from bench.machine import machine_summary
from bench.publish_serve import until_every_worker_serves

RESULTS = ROOT / "bench" / "results" / "publish.md"


# -- the child: one publish, timed ---------------------------------------------------------------
def child(mode: str, content: Path, store: Path, cache: Path) -> dict[str, Any]:
    from api.content import load_corpus
    from api.content.drafts import published
    from api.releases import Build, ReleaseStore, preview_store, publish

    now = dt.datetime.now(dt.UTC)
    s = ReleaseStore(store)
    t0 = time.perf_counter()
    if mode == "before":  # main's publish before issue 21
        corpus, _ = load_corpus(content, cache, now)
        preview_store(s).commit(corpus, build=Build(full=True))
        visible, timed = published(corpus, now)
        manifest, _ = s.commit(visible, timed=timed, build=Build(full=True))
    elif mode == "before-full":  # the same without a parse cache
        corpus, _ = load_corpus(content, None, now)
        preview_store(s).commit(corpus, build=Build(full=True))
        visible, timed = published(corpus, now)
        manifest, _ = s.commit(visible, timed=timed, build=Build(full=True))
    else:
        manifest, _ = publish(content, s, cache, now=now, full=mode == "after-full")
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"seconds": seconds, "peak_rss": rss, "release": manifest.id, "changed": len(manifest.changed)}


def run_child(mode: str, content: Path, store: Path, cache: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.publish_bench", "--child", mode, str(content), str(store), str(cache)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# -- the content versions ------------------------------------------------------------------------
def versions(n: int, work: Path) -> list[Path]:
    """v1: the synthetic corpus; v2: one guide edited; v3: 50 more edited, 5 renamed, 5 retired."""
    import api.content.rename as rename
    from api.content import load_corpus
    from bench.synth import generate

    # rename and retire check the whole content before and after: with a parse cache here (setup only)
    rename.load_corpus = lambda root: load_corpus(root, work / "setup-cache.pickle")  # type: ignore[assignment]

    v1 = generate(n, work / "v1")
    v2 = work / "v2"
    shutil.copytree(v1, v2)
    _edit(v2, 1)
    v3 = work / "v3"
    shutil.copytree(v2, v3)
    for i in range(2, 52):
        _edit(v3, i * (n // 60))
    for i in range(5):
        rename.rename_guide(v3, f"guide-{n - 1 - i:05d}", f"renamed-{i}")
        rename.retire_guide(v3, f"guide-{n - 11 - i:05d}", "Folded into another guide.")
    return [v1, v2, v3]


def _edit(root: Path, i: int) -> None:
    path = root / "guides" / f"guide-{i:05d}.md"
    path.write_text(path.read_text().replace('summary: "', 'summary: "Edited. ', 1))


def use(version: Path, content: Path) -> None:
    shutil.rmtree(content, ignore_errors=True)
    shutil.copytree(version, content)


def measure(path: str, vs: list[Path], work: Path, workers: int) -> dict[str, Any]:
    content, store, cache = work / f"{path}-content", work / f"{path}-store", work / f"{path}.pickle"
    full_mode = "before-full" if path == "before" else "after-full"
    row: dict[str, Any] = {}
    use(vs[0], content)
    row["first"] = run_child(path, content, store, cache)
    use(vs[1], content)
    row["one"] = until_every_worker_serves(
        content, store, workers, lambda: run_child(path, content, store, cache), "/v1/guides/guide-00001"
    )
    if path == "after":  # the live release (one guide edited) and the one before it
        row["load"] = worker_load(store)
    use(vs[2], content)
    row["sixty"] = run_child(path, content, store, cache)
    _edit(content, 3)  # something to publish, so that the full build makes a release
    row["full"] = run_child(full_mode, content, store, cache)
    return row


def worker_load(store: Path) -> dict[str, float]:
    """Seconds a worker takes to read the live release's corpus: from one pickle of the whole corpus
    (main's corpus.pickle), from the pack with nothing held ("after"), and from the pack holding the
    release before it ("next": the guides whose snapshot is unchanged are kept); median of 5 each."""
    import gc
    import pickle
    import statistics

    from api.content.load import paused_gc
    from api.releases import ReleaseStore

    s = ReleaseStore(store)
    rid = s.current_id()
    assert rid is not None
    seq = int(rid.split("_")[0])
    before = s.manifest(seq - 1)
    assert before is not None
    held = s.open(before.id)
    one = store.parent / "corpus.pickle"
    one.write_bytes(pickle.dumps((1, s.open(rid).corpus), protocol=pickle.HIGHEST_PROTOCOL))

    def best(fn: Any) -> float:
        times = []
        for _ in range(5):  # the garbage of each load collected inside its own time, as a worker pays it
            gc.collect()
            t0 = time.perf_counter()
            fn()
            gc.collect()
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    def old() -> None:
        with open(one, "rb") as fh, paused_gc():
            pickle.load(fh)

    return {
        "before": best(old),
        "after": best(lambda: s.open(rid)),
        "next": best(lambda: s.open(rid, held=held)),
    }


def report(n: int, rows: dict[str, dict[str, Any]], workers: int) -> str:
    def cell(r: dict[str, Any], key: str = "seconds") -> str:
        return f"{r[key]:.2f} s"

    def mib(r: dict[str, Any]) -> str:
        return f"{r['peak_rss'] / 2**20:.0f} MiB"

    if "before" not in rows:
        return _report_after(n, rows["after"], workers)
    b, a = rows["before"], rows["after"]
    lines = [
        f"# Publish at {n:,} synthetic guides: before and after issue 21 (release side)",
        "",
        f"`nice .venv/bin/python -m bench.publish_bench {n}`, {dt.date.today().isoformat()}. One run, both paths "
        "side by side, each publish in a child process of its own (time inside it; peak RSS by "
        f"getrusage). gunicorn with {workers} workers serves the store during the one-guide edit.",
        "",
        "| measure | before (main) | after | ratio |",
        "|---|---:|---:|---:|",
    ]
    for label, key, field in (
        ("first publish (nothing to reuse)", "first", "seconds"),
        ("one guide edited: until the release is ready", "one", "seconds"),
        ("one guide edited: until every worker serves it", "one", "served"),
        ("50 edited + 5 renamed + 5 retired: until ready", "sixty", "seconds"),
        ("full build, parsing included (`--full`)", "full", "seconds"),
    ):
        lines.append(
            f"| {label} | {cell(b[key], field)} | {cell(a[key], field)} | {b[key][field] / a[key][field]:.2f}x |"
        )
    for label, key in (
        ("peak RSS, one guide edited", "one"),
        ("peak RSS, 60 changes", "sixty"),
        ("peak RSS, full build", "full"),
    ):
        lines.append(f"| {label} | {mib(b[key])} | {mib(a[key])} | |")
    load = a["load"]
    lines.append(
        f"| a worker reads the corpus (one pickle before, the pack after; median of 5) | {load['before']:.3f} s "
        f"| {load['after']:.3f} s | {load['before'] / load['after']:.2f}x |"
    )
    lines.append(
        f"| a worker takes the release after one edit, holding the one before (median of 5) | {load['before']:.3f} s "
        f"| {load['next']:.3f} s | {load['before'] / load['next']:.2f}x |"
    )
    lines += ["", "Machine:", "", "```", machine_summary(), "```", ""]
    return "\n".join(lines)


TARGETS_10K = {"one": 15.0, "served": 20.0, "sixty": 40.0, "full": 150.0}  # issue 21, at 10,000 guides


def _report_after(n: int, a: dict[str, Any], workers: int) -> str:
    """The path as it is now, alone (at 10,000 guides main's old path takes most of an hour), with
    issue 21's targets at 10,000 guides beside each figure."""

    def target(key: str, value: float) -> str:
        limit = TARGETS_10K.get(key)
        return "" if limit is None else f"under {limit:.0f} s: {'yes' if value < limit else '**no**'}"

    lines = [
        f"# Publish at {n:,} synthetic guides (issue 21)",
        "",
        f"`.venv/bin/python -m bench.publish_bench {n} --paths after`, {dt.date.today().isoformat()}. Each "
        "publish in a child process of its own (time inside it; peak RSS by getrusage). gunicorn with "
        f"{workers} workers serves the store during the one-guide edit.",
        "",
        "| measure | seconds | peak RSS | target at 10,000 guides |",
        "|---|---:|---:|---|",
    ]
    for label, key, field, tkey in (
        ("first publish (nothing to reuse)", "first", "seconds", ""),
        ("one guide edited: until the release is ready", "one", "seconds", "one"),
        ("one guide edited: until every worker serves it", "one", "served", "served"),
        ("50 edited + 5 renamed + 5 retired: until ready", "sixty", "seconds", "sixty"),
        ("full build, parsing included (`--full`)", "full", "seconds", "full"),
    ):
        value = a[key][field]
        rss = f"{a[key]['peak_rss'] / 2**20:.0f} MiB" if field == "seconds" else ""
        lines.append(f"| {label} | {value:.2f} | {rss} | {target(tkey, value) if n >= 10000 else ''} |")
    load = a["load"]
    lines.append(f"| a worker reads the corpus from the pack (median of 5) | {load['after']:.3f} | | |")
    lines.append(f"| a worker takes the release after one edit, holding the one before | {load['next']:.3f} | | |")
    lines += ["", "Peak memory target: under 1.5 GiB.", "", "Machine:", "", "```", machine_summary(), "```", ""]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, content, store, cache = sys.argv[2:6]
        print(json.dumps(child(mode, Path(content), Path(store), Path(cache))))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--paths", default="before,after", help="'after' alone skips main's old path")
    ap.add_argument("--output", default=str(RESULTS))
    ap.add_argument("--versions", help="a folder with v1, v2, v3 made by an earlier run: skips their set-up")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        given = Path(args.versions) if args.versions else None
        vs = [given / v for v in ("v1", "v2", "v3")] if given else versions(args.n, work)
        rows = {path: measure(path, vs, work, args.workers) for path in args.paths.split(",")}
    out = report(args.n, rows, args.workers)
    Path(args.output).write_text(out)
    print(out)
    print(json.dumps(rows, indent=1), file=sys.stderr)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
