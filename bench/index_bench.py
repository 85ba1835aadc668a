"""Index build benchmark (issue 21, the index side): full build old vs new, incremental updates,
and search latency on an index after 20 incremental updates beside a full build.

    nice .venv/bin/python -m bench.index_bench [N]     # N synthetic guides (default 1000)

All in one run, side by side (the machine is shared: compare the ratios). Parsing is not timed
here (the release side's benchmark, bench/publish_bench.py, times a whole publish). *old* = the
build before issue 21: Whoosh's own writer (postings pooled in sorted runs on disk) and Whoosh's
analyzers, one process, merged into one segment. *new* = `search_index.build_index`. Wall time and
CPU time (this process and its children: the new full build writes on both cores).
Results: bench/results/index-build.md.
"""

from __future__ import annotations

import dataclasses
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.fields import KEYWORD, TEXT, Schema

from api.config import ROOT
from api.content import Corpus, load_corpus
from bench.machine import machine_summary
from bench.search_bench import KINDS, make_queries, percentile
from bench.synth import generate
from search_index import SearchEngine, build_index
from search_index.documents import corpus_documents
from search_index.schema import EXACT_ANALYZER, PAIR_ANALYZER, PAIR_FIELD, PHRASE_FIELD, SCHEMA, STEM_ANALYZER

RESULTS = ROOT / "bench" / "results" / "index-build.md"
UPDATES = 20  # incremental builds before the search latency is measured


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """(wall seconds, CPU seconds)."""
    wall, cpu = time.perf_counter(), _cpu()
    fn()
    return time.perf_counter() - wall, _cpu() - cpu


def old_build(corpus: Corpus, directory: Path) -> None:
    """The full build before issue 21 (search_index/build.py at 343dbeb)."""
    fields = {name: SCHEMA[name] for name in SCHEMA.names() if name != "headings"}
    fields["text"] = TEXT(analyzer=STEM_ANALYZER, phrase=False)
    fields["exact"] = TEXT(analyzer=EXACT_ANALYZER, phrase=True)
    fields["pairs"] = KEYWORD(analyzer=PAIR_ANALYZER)
    directory.mkdir()
    ix = index.create_in(str(directory), Schema(**fields))
    writer = ix.writer(limitmb=256, compound=False)
    for doc in corpus_documents(corpus):
        doc = {k: v for k, v in doc.items() if k != "headings"}
        writer.add_document(**{**doc, PAIR_FIELD: doc[PHRASE_FIELD]})
    writer.commit(optimize=True)


def edited(corpus: Corpus, edit: list[str], rename: list[str] = (), delete: list[str] = (), tag: str = "") -> Corpus:
    """Guides edited (a sentence added to the summary), renamed and deleted, as an editor does."""
    guides = dict(corpus.guides)
    for slug in edit:
        g = guides[slug]
        guides[slug] = dataclasses.replace(g, summary=f"{g.summary} Edited {tag}: what changed after the call.")
    for slug in rename:
        g = guides.pop(slug)
        guides[f"{slug}-{tag}"] = dataclasses.replace(g, slug=f"{slug}-{tag}")
    for slug in delete:
        guides.pop(slug)
    return dataclasses.replace(corpus, guides=guides, version=f"{corpus.version}-{tag}")


def search_p95(dirs: list[Path], corpus: Corpus, repeats: int = 3) -> list[dict[str, tuple[float, float]]]:
    """Per index and query kind, (cold p95, warm p95) in ms. The indexes are measured in turn,
    kind by kind (each opened afresh per kind), so that load on the machine falls on both alike;
    warm is the median p95 of `repeats` runs."""
    engine = SearchEngine(dirs[0], cache_entries=0)
    with engine.lease() as oi:
        queries = make_queries(corpus, oi.vocab)
    engine.close()

    def p95(engine: SearchEngine, kind: str) -> float:
        ms = []
        for q, f in queries[kind]:
            started = time.perf_counter()
            engine.search(q, **f)
            ms.append((time.perf_counter() - started) * 1000)
        return percentile(ms, 95)

    out: list[dict[str, tuple[float, float]]] = [{} for _ in dirs]
    for kind in KINDS:
        engines = [SearchEngine(d, cache_entries=0) for d in dirs]
        for e in engines:
            e.info()
        cold = [p95(e, kind) for e in engines]
        warm: list[list[float]] = [[] for _ in dirs]
        for _ in range(repeats):
            for i, e in enumerate(engines):
                warm[i].append(p95(e, kind))
        for i, e in enumerate(engines):
            out[i][kind] = (cold[i], statistics.median(warm[i]))
            e.close()
    return out


def run(n: int, work: Path) -> list[str]:
    content = work / "content"
    generate(n, content)
    corpus, _ = load_corpus(content)
    slugs = sorted(corpus.guides)
    docs = sum(1 for _ in corpus_documents(corpus))
    old = timed(lambda: old_build(corpus, work / "old"))
    new = timed(lambda: build_index(corpus, work / "new"))
    one = edited(corpus, slugs[n // 2 : n // 2 + 1], tag="one")
    inc1 = timed(lambda: build_index(one, work / "inc1", previous=work / "new"))
    full1 = timed(lambda: build_index(one, work / "full1"))
    many = edited(corpus, slugs[:50], slugs[100:105], slugs[200:205], tag="many")
    inc60 = timed(lambda: build_index(many, work / "inc60", previous=work / "new"))
    full60 = timed(lambda: build_index(many, work / "full60"))
    # 20 incremental updates of 5 guides each, one after another, then the same content in full.
    chain, previous, step_times = corpus, work / "new", []
    for i in range(UPDATES):
        chain = edited(chain, slugs[(i * 37) % n : (i * 37) % n + 5], tag=f"u{i}")
        target = work / f"chain{i}"
        step_times.append(timed(lambda c=chain, t=target, p=previous: build_index(c, t, previous=p))[0])
        previous = target
    build_index(chain, work / "chain-full")
    segments = len(list(previous.glob("*.trm")))
    full_segments = len(list((work / "chain-full").glob("*.trm")))
    after_inc, after_full = search_p95([previous, work / "chain-full"], chain)

    def row(label: str, a: tuple[float, float], b: tuple[float, float], what: str) -> str:
        wall = f"{a[0] / b[0]:.2f}×"
        cells = [label, f"{a[0]:.1f} s ({a[1]:.1f} s CPU)", f"{b[0]:.1f} s ({b[1]:.1f} s CPU)", wall, what]
        return "| " + " | ".join(cells) + " |"

    lines = [
        f"## {n:,} synthetic guides ({docs:,} documents)",
        "",
        "| measure | this | beside it | wall ratio | beside it is |",
        "|---|---|---|---|---|",
        row("full build, new", new, old, "the old full build"),
        row("1 guide edited, incremental", inc1, full1, "a new full build of the same content"),
        row("50 edited + 5 renamed + 5 deleted, incremental", inc60, full60, "a new full build of the same content"),
        "",
        f"{UPDATES} incremental updates of 5 guides each, one after another: median "
        f"{statistics.median(step_times):.1f} s, slowest {max(step_times):.1f} s (merges included); "
        f"{segments} segments after them ({full_segments} in a full build).",
        "",
        f"Search p95 (ms) per query kind of `bench/search_bench.py` after the {UPDATES} incremental updates, "
        "beside a full build of the same content (30 queries each; cold = first run on an index opened afresh; warm = "
        "median of 3 runs; the two indexes measured in turn, kind by kind):",
        "",
        "| kind | after 20 incremental: cold / warm p95 | full build: cold / warm p95 | warm ratio |",
        "|---|---|---|---|",
    ]
    for kind in KINDS:
        a, b = after_inc[kind], after_full[kind]
        lines.append(f"| {kind} | {a[0]:.1f} / {a[1]:.1f} | {b[0]:.1f} / {b[1]:.1f} | {a[1] / max(b[1], 1e-6):.2f}× |")
    return [*lines, ""]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory(prefix="index-bench-") as tmp:
        body = run(n, Path(tmp))
    out = "\n".join(
        [
            "# Index build: full (old and new) and incremental",
            "",
            f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with `nice python -m bench.index_bench {n}` "
            f"(pid {os.getpid()}), on a machine shared with other engineers' tests and benchmarks: absolute "
            "times vary run to run; the ratios are measured side by side in one run.",
            "",
            *body,
            "Machine:",
            "",
            "```",
            machine_summary(),
            "```",
            "",
        ]
    )
    RESULTS.write_text(out, encoding="utf-8")
    shutil.rmtree(ROOT / "bench" / "out" / "index-bench", ignore_errors=True)
    print(out)


if __name__ == "__main__":
    main()
