"""Latency of the pattern-check analyzer and of graph neighbourhoods on a large synthetic corpus.

    python -m bench.synth 10000 /tmp/graph-bench/corpus-10k          # once
    python -m bench.graph_bench --content /tmp/graph-bench/corpus-10k --cache /tmp/graph-bench/corpus-10k.pickle

In one process: load the corpus (from the cache path when it is there), build the graph and the
analyzer index (timed), then time each call with perf_counter:
- the analyzer (`Analyzer.check`) on every situation of the judged set, several rounds, each with
  a guide being read (so the closest next read is included);
- a depth-2 neighbourhood (`Graph.neighbourhood`, computed, not cached) of random guides;
- the same two through the Flask test client (request parsing, validation, JSON; the GET is served
  from the response cache after its first build, so both first and repeated requests are timed).
Targets: p95 < 50 ms for the analyzer, < 5 ms for a depth-2 neighbourhood.
Results: bench/results/graph.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from api.content import load_corpus
from api.patterns import build_analyzer, build_graph
from tests.unit.test_analyzer import JUDGED

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "graph.md"


def _sh(cmd: str) -> str:
    return subprocess.run(cmd, shell=True, capture_output=True, text=True, check=False).stdout.strip()


def _stats(samples: list[float]) -> dict[str, float]:
    ms = sorted(x * 1000 for x in samples)
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {"n": len(ms), "p50": q[49], "p95": q[94], "p99": q[98], "max": ms[-1]}


def _time(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def run(content: str, cache: str, rounds: int, neighbourhoods: int, http: bool) -> str:
    rng = random.Random(5)
    t = time.perf_counter()
    corpus, problems = load_corpus(content, cache)
    load_s = time.perf_counter() - t
    assert not [p for p in problems if p.severity == "error"], problems[:3]
    t = time.perf_counter()
    graph = build_graph(corpus)
    graph_s = time.perf_counter() - t
    t = time.perf_counter()
    analyzer = build_analyzer(corpus, graph)
    analyzer_s = time.perf_counter() - t
    slugs = sorted(corpus.guides)
    # 10,000 guides are millions of long-lived objects: without this, a full GC pass (~1.5 s here)
    # lands in a random request. A server should do the same after loading content.
    gc.freeze()

    situations = [s for s, _, _ in JUDGED]
    calls = [(s, rng.choice(slugs)) for _ in range(rounds) for s in situations]
    it = iter(calls)
    analyzer_times = _time(lambda: analyzer.check(*next(it), limit=5, corpus=corpus), len(calls))
    picks = [rng.choice(slugs) for _ in range(neighbourhoods)]
    it2 = iter(picks)
    sizes: list[int] = []
    neigh_times = _time(lambda: sizes.append(len(graph.neighbourhood(next(it2), 2)["nodes"])), len(picks))

    rows = [
        ("analyzer: `Analyzer.check` (in-process)", _stats(analyzer_times)),
        ("depth-2 neighbourhood: `Graph.neighbourhood` (in-process)", _stats(neigh_times)),
    ]
    if http:
        from api.app import create_app
        from api.releases import ReleaseStore, publish

        store = Path(cache).parent / "graph-bench-releases"
        publish(content, ReleaseStore(store), cache)  # (the app serves releases only)
        app = create_app({"TESTING": True, "RELEASE_STORE": str(store)})
        client = app.test_client()
        it3 = iter(calls)

        def post() -> None:
            s, g = next(it3)
            r = client.post("/v1/pattern-check", json={"situation": s, "guide": g})
            assert r.status_code == 200, r.get_data()

        http_calls = calls[: len(calls) // 2]
        rows.append(("analyzer: `POST /v1/pattern-check` (Flask test client)", _stats(_time(post, len(http_calls)))))
        first = iter(picks)
        rows.append(
            (
                "depth-2 neighbourhood: `GET /v1/graph/guides/<slug>?depth=2`, first request (builds + caches bytes)",
                _stats(_time(lambda: client.get(f"/v1/graph/guides/{next(first)}?depth=2"), len(picks))),
            )
        )
        again = iter(picks)
        rows.append(
            (
                "depth-2 neighbourhood: same requests again (cached bytes, ETag)",
                _stats(_time(lambda: client.get(f"/v1/graph/guides/{next(again)}?depth=2"), len(picks))),
            )
        )

    table = ["| what | n | p50 ms | p95 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|---:|"]
    table += [
        f"| {name} | {s['n']} | {s['p50']:.2f} | {s['p95']:.2f} | {s['p99']:.2f} | {s['max']:.2f} |" for name, s in rows
    ]
    edges = len(graph.edges)
    cmd = " ".join(["python -m bench.graph_bench", *sys.argv[1:]])
    return "\n".join(
        [
            "# Graph and pattern-check benchmark",
            "",
            f"Run {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')} with `{cmd}`",
            "",
            f"Corpus: {len(corpus.guides)} synthetic guides (`python -m bench.synth`), {len(corpus.collections)} "
            f"collections, {edges} edges; {len(analyzer.units)} distinct text units, {len(analyzer.idf)} stems.",
            f"Load from cache {load_s:.1f} s; graph built in {graph_s * 1000:.0f} ms; analyzer index in "
            f"{analyzer_s * 1000:.0f} ms (both once per content version, at app start).",
            f"Analyzer: the {len(situations)} judged situations x {rounds} rounds, each with a random guide being "
            f"read. Neighbourhoods: {neighbourhoods} random guides, mean {statistics.mean(sizes):.0f} nodes.",
            "`gc.freeze()` after loading (see the module); timings are wall clock, one process, no other load.",
            "",
            "Targets: analyzer p95 < 50 ms; depth-2 neighbourhood p95 < 5 ms.",
            "",
            *table,
            "",
            "## Machine",
            "",
            "```",
            "$ lscpu | head",
            _sh("lscpu | head"),
            "$ nproc",
            _sh("nproc"),
            "$ free -g",
            _sh("free -g"),
            f"Python {sys.version.split()[0]}",
            "```",
            "",
        ]
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--content", default="/tmp/graph-bench/corpus-10k")
    p.add_argument("--cache", default="/tmp/graph-bench/corpus-10k.pickle")
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--neighbourhoods", type=int, default=1000)
    p.add_argument("--no-http", action="store_true")
    p.add_argument("--output", default=str(RESULTS))
    args = p.parse_args()
    if not Path(args.content, "guides").is_dir():
        sys.exit(f"no corpus at {args.content}: run `python -m bench.synth 10000 {args.content}` first")
    report = run(args.content, args.cache, args.rounds, args.neighbourhoods, not args.no_http)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(report)
    print(report)


if __name__ == "__main__":
    main()
