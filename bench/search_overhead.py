"""What issue 15 adds to a search's time, side by side on one index, interleaved query by query.

    python -m bench.search_overhead [--size 1000]     # -> printed; copy into bench/results/search-judged.md

On the synthetic corpus of bench/search_bench.py (built there; this reuses its newest index of the
size) three ways per query, each warm, the fastest of 3 runs, interleaved so that a busy machine
slows all alike: *plain* (the vocabulary file's synonyms and expansions switched off, no
guide fit), *vocabulary* (as the index is built now), *endpoint* (vocabulary, then the pattern
analyzer's guide fit by words and the search with those factors) and *meaning* (the same with the
guides' vectors, as `GET /v1/search` runs it on a published release: a query of MEANING_WORDS words
or more is encoded and its guides ranked with meaning, api/search_hints.py). Figures are p50 / p95
in ms per query kind, and the ratios to plain. The guides' vectors are embedded first (not timed);
`--random-vectors` gives each guide a random unit vector instead (what meaning costs does not depend
on the vectors' values, and embedding 10,000 synthetic guides takes about 20 minutes).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from api.content import load_corpus
from api.language.thesaurus import Thesaurus
from api.patterns import build_analyzer
from api.patterns.meaning import VectorTable
from api.releases.vectors import embed_guides
from api.search_hints import guide_boosts
from api.semantic import DIM
from bench.machine import machine_summary
from bench.search_bench import KINDS, OUT, make_queries, percentile
from bench.synth import generate
from search_index.build import build_index
from search_index.engine import SearchEngine


def best_of(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--random-vectors", action="store_true", help="random unit guide vectors (not embedded)")
    args = ap.parse_args()
    n = args.size
    found = sorted(OUT.glob(f"search-bench-{n}-*/ix"), key=lambda p: p.stat().st_mtime)
    corpus_dir = OUT / f"corpus-{n // 1000}k"
    if not found:  # the corpus and index of bench/search_bench.py, without its other timings
        if not (corpus_dir / "guides").is_dir() or len(list((corpus_dir / "guides").iterdir())) != n:
            generate(n, corpus_dir)
        built = build_index(load_corpus(corpus_dir)[0], OUT / f"search-bench-{n}-overhead" / "ix")
        found = [built]
    ix: Path = found[-1]
    corpus, _ = load_corpus(corpus_dir)
    plain, vocab = SearchEngine(ix, cache_entries=0), SearchEngine(ix, cache_entries=0)
    with plain.lease() as oi:
        oi.thesaurus = Thesaurus({})  # the vocabulary's synonyms and expansions off
        queries = make_queries(corpus, oi.vocab)
    analyzer = build_analyzer(corpus)  # the analyzer, built once
    guides = sorted(corpus.guides.values(), key=lambda g: g.slug)
    if args.random_vectors:
        raw = np.random.default_rng(0).normal(size=(len(guides), DIM)).astype(np.float32)
        vectors = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    else:
        vectors = embed_guides(guides)
    table = VectorTable({g.digest: v for g, v in zip(guides, vectors, strict=True)})
    meaning = build_analyzer(corpus, vectors=table)
    # guide_boosts without a Fits cache: every run computes its fit, no cache hits timed
    rows = []
    for kind in KINDS:
        qs = queries[kind]
        for q, f in qs:  # warm every cache first
            plain.search(q, **f), vocab.search(q, **f), vocab.search(q, boosts=guide_boosts(q, analyzer, None), **f)
            vocab.search(q, boosts=guide_boosts(q, meaning, None), **f)
        t: dict[str, list[float]] = {"plain": [], "vocabulary": [], "endpoint": [], "meaning": []}
        for q, f in qs:
            t["plain"].append(best_of(lambda q=q, f=f: plain.search(q, **f)))
            t["vocabulary"].append(best_of(lambda q=q, f=f: vocab.search(q, **f)))
            t["endpoint"].append(best_of(lambda q=q, f=f: vocab.search(q, boosts=guide_boosts(q, analyzer, None), **f)))
            t["meaning"].append(best_of(lambda q=q, f=f: vocab.search(q, boosts=guide_boosts(q, meaning, None), **f)))
        rows.append((kind, t))
    print(f"Machine: {machine_summary()}\n")
    made = "random unit guide vectors" if args.random_vectors else "embedded guide vectors"
    print(f"{n:,} guides ({made}), {len(queries[KINDS[0]])} queries per kind, warm, fastest of 3, interleaved.\n")
    print(
        "| kind | plain p50 / p95 ms | vocabulary p50 / p95 ms | endpoint p50 / p95 ms | meaning p50 / p95 ms"
        " | endpoint p95 ÷ plain p95 | meaning p95 ÷ plain p95 |"
    )
    print("|---|---|---|---|---|---|---|")
    for kind, t in rows:
        cells = [
            f"{statistics.median(t[k]):.1f} / {percentile(t[k], 95):.1f}"
            for k in ("plain", "vocabulary", "endpoint", "meaning")
        ]
        ratios = [percentile(t[k], 95) / max(percentile(t["plain"], 95), 1e-6) for k in ("endpoint", "meaning")]
        print(f"| {kind} | " + " | ".join(cells) + "".join(f" | {r:.2f}×" for r in ratios) + " |")


if __name__ == "__main__":
    main()
