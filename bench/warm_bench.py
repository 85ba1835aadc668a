"""Cold search on a release just opened, before and after the warm-up (issue 21, api/warm.py).

    nice -n 19 .venv/bin/python -m bench.warm_bench STORE [--rounds 3] [--output FILE]

STORE: a release store (e.g. one `bench/publish_bench.py` or `bench/publish_search_bench.py
--work DIR` left); its live release is measured. Per query kind of `bench/search_bench.py` (30
queries each), the p95 (ms) of the kind's first run on the index opened afresh, in three variants
measured in turn kind by kind, in a rotating order (so that load on the shared machine falls on all
alike), with the process-wide caches of query words emptied before each, `--rounds` times each (the median is reported):

- *before*: main's per-term code before this change (a Python call per posting for the scores and
  the bitset, patched back in here from search_index at 2d5e50b) and no warm-up;
- *numpy*: this code's per-term paths, no warm-up;
- *after*: this code, and the index warmed as a worker now warms a release before serving it
  (`search_index.warm.warm_index`, its budget `WARM_SECONDS`).

Also the warm-up's own cost: the index's opening and the warming (seconds, terms read).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import statistics
import time
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import api.language.normalise as normalise
import search_index.bits as bits
import search_index.score as score
import search_index.snippets as snippets
from bench.machine import machine_summary
from bench.search_bench import KINDS, make_queries, percentile
from search_index import SearchEngine
from search_index.warm import WARM_SECONDS, warm_index

VARIANTS = ("before", "numpy", "after")


def _old_from_ids(ids: Any, size: int) -> int:
    buf = bytearray((size >> 3) + 1)
    for d in ids:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


def _old_impacts(self: score.ImpactCache, text: str) -> tuple[array, array]:
    found = self._terms.get(text)
    if found is None:
        ids, weights = bits.postings(self.reader, self.field, text, weights=True)
        idf = self.searcher.idf(self.field, text) if self.doc_count is None else score._idf(self.doc_count, len(ids))
        top, norms = idf * (score.K1 + 1), self.norms
        scores = array("d", [top * w / (w + norms[d]) for d, w in zip(ids, weights, strict=True)])
        found = (array("i", ids), scores)
        with contextlib.suppress(ValueError):
            self._terms[text] = found
    return found


@contextlib.contextmanager
def main_code() -> Iterator[None]:
    """main's per-term code (before this change) in place of this one's, for the block."""
    new_from_ids, new_impacts = bits.from_ids, score.ImpactCache.impacts
    bits.from_ids, score.ImpactCache.impacts = _old_from_ids, _old_impacts  # type: ignore[method-assign]
    try:
        yield
    finally:
        bits.from_ids, score.ImpactCache.impacts = new_from_ids, new_impacts  # type: ignore[method-assign]


def forget_process_caches() -> None:
    """The process-wide caches of query words (snippet regexes, stems) emptied, so that each run
    pays for them as the first run of its queries did: no variant profits from the one before."""
    snippets.word_pattern.cache_clear()
    snippets.phrase_pattern.cache_clear()
    normalise.stem.cache_clear()


def one_run(index: Path, variant: str, queries: list[tuple[str, dict[str, Any]]], cost: dict[str, list]) -> float:
    """The cold p95 (ms) of `queries` on the index opened afresh, in `variant`."""
    forget_process_caches()
    with main_code() if variant == "before" else contextlib.nullcontext():
        engine = SearchEngine(index, cache_entries=0)
        try:
            started = time.perf_counter()
            with engine.lease() as oi:
                opened = time.perf_counter() - started
                if variant == "after":
                    w = warm_index(oi, WARM_SECONDS)
                    cost["open"].append(opened)
                    cost["warm"].append(w.seconds)
                    cost["terms"].append(w.terms)
            ms = []
            for q, f in queries:
                t0 = time.perf_counter()
                engine.search(q, **f)
                ms.append((time.perf_counter() - t0) * 1000)
            return percentile(ms, 95)
        finally:
            engine.close()


def run(store: Path, rounds: int) -> dict[str, Any]:
    from api.releases import ReleaseStore

    s = ReleaseStore(store)
    rid = s.current_id()
    assert rid is not None, "no release in the store"
    release = s.open(rid)
    index = release.path / "index"
    with SearchEngine(index, cache_entries=0).lease() as oi:
        queries = make_queries(release.corpus, oi.vocab)
        docs = len(oi.types)
    p95: dict[str, dict[str, list[float]]] = {k: {v: [] for v in VARIANTS} for k in KINDS}
    cost: dict[str, list] = {"open": [], "warm": [], "terms": []}
    for r in range(rounds):
        for i, kind in enumerate(KINDS):
            order = VARIANTS[(i + r) % 3 :] + VARIANTS[: (i + r) % 3]
            for variant in order:
                p95[kind][variant].append(one_run(index, variant, queries[kind], cost))
    return {"rid": rid, "guides": len(release.corpus.guides), "docs": docs, "p95": p95, "cost": cost}


def report(r: dict[str, Any], rounds: int, started: str) -> str:
    med = {k: {v: statistics.median(xs) for v, xs in vs.items()} for k, vs in r["p95"].items()}
    c = r["cost"]
    lines = [
        f"## Session 29 ({started}): cold search before and after the warm-up, {r['guides']:,} guides "
        f"({r['docs']:,} documents)",
        "",
        f"`nice -n 19 .venv/bin/python -m bench.warm_bench STORE --rounds {rounds}` on release {r['rid']}. "
        f"Cold p95 (ms) of each kind's 30 queries, the first run on the index opened afresh; median of "
        f"{rounds} rounds; the variants measured in turn kind by kind, in a rotating order. A shared, "
        "loaded machine: compare the columns, not the absolute figures.",
        "",
        "| kind | before (main) | numpy per-term paths | after (numpy + warm-up) | after / before |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind in KINDS:
        m = med[kind]
        lines.append(
            f"| {kind} | {m['before']:.1f} | {m['numpy']:.1f} | {m['after']:.1f} | {m['after'] / m['before']:.2f} |"
        )
    worst = {v: max(med[k][v] for k in KINDS) for v in VARIANTS}
    lines += [
        f"| worst kind | {worst['before']:.1f} | {worst['numpy']:.1f} | {worst['after']:.1f} | "
        f"{worst['after'] / worst['before']:.2f} |",
        "",
        f"The warm-up's own cost (budget {WARM_SECONDS:.1f} s), over its {len(c['warm'])} runs: opening the index "
        f"median {statistics.median(c['open']):.2f} s (paid by the first search before; now before the swap), "
        f"warming median {statistics.median(c['warm']):.2f} s, max {max(c['warm']):.2f} s, "
        f"{statistics.median(c['terms']):.0f} terms read (median).",
        "",
        "Machine:",
        "",
        "```",
        machine_summary(),
        "```",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store", help="a release store; its live release is measured")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--output", help="a results file: the section is added at its top")
    args = ap.parse_args()
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = report(run(Path(args.store), args.rounds), args.rounds, started)
    if args.output:
        out = Path(args.output)
        old = out.read_text() if out.exists() else ""
        title, _, rest = old.partition("\n")
        out.write_text(f"{title}\n\n{section}\n{rest.lstrip()}" if title.startswith("# ") else f"{section}\n{old}")
    print(section)


if __name__ == "__main__":
    main()
