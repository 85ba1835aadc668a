"""What the guide vectors (api/releases/vectors.py) cost a publish, and a pattern check per request.

    python -m bench.vectors_bench [N ...] [--check-only] [--write]   # default: 18 (content/) and 1000 (bench/synth.py)

Per corpus, without and with the guides' sounds_like examples: texts to embed (title, summary, each
signal, each example) and how many distinct; the time to embed every guide from nothing (a full
publish, the process's text cache emptied), and the time to write the file when one guide changed
(an incremental publish: the live bundle's file reused). Then the situation's encoding per pattern
check (readers' sentences from the judged sets), and the check's time with the words only, with the
guide vectors, and with the examples too.
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from api.config import ROOT
from api.content import load_corpus
from api.releases import vectors
from api.semantic import encoder

RESULTS = ROOT / "bench" / "results" / "vectors.md"


def corpus_at(n: int, tmp: Path):  # type: ignore[no-untyped-def]
    if n == 18:
        return load_corpus(ROOT / "content")[0]
    from bench.synth import generate

    return load_corpus(generate(n, tmp / f"c{n}"))[0]


def _without_examples(corpus):  # type: ignore[no-untyped-def]
    guides = {slug: dataclasses.replace(g, sounds_like=()) for slug, g in corpus.guides.items()}
    return dataclasses.replace(corpus, guides=guides)


def publish_cost(n: int, tmp: Path, examples: bool = True) -> str:
    """Embedding every guide from nothing, then one guide changed; `examples`: with their sounds_like
    examples (as published), or without (as before session 30)."""
    corpus = corpus_at(n, tmp)
    corpus = corpus if examples else _without_examples(corpus)
    guides = list(corpus.guides.values())
    texts = [t for g in guides for t in (*vectors.guide_texts(g), *g.sounds_like)]
    vectors._texts.clear()
    bundle = tmp / f"b{n}-{examples}"
    bundle.mkdir()
    t0 = time.perf_counter()
    vectors.write_vectors(corpus, bundle, None)
    full = time.perf_counter() - t0
    one = guides[0]
    changed = {**corpus.guides, one.slug: dataclasses.replace(one, digest="x" * 64, title=one.title + " (edited)")}
    edited = dataclasses.replace(corpus, guides=changed)
    again = tmp / f"b{n}-{examples}-2"
    again.mkdir()
    t0 = time.perf_counter()
    embedded = vectors.write_vectors(edited, again, bundle)
    inc = time.perf_counter() - t0
    size = (bundle / vectors.VECTORS_FILE).stat().st_size
    distinct = len(set(texts))
    return (
        f"| {len(guides)} | {'yes' if examples else 'no'} | {len(texts)} | {distinct} | {full:.2f} s "
        f"| {full / max(distinct, 1) * 1000:.1f} ms | {inc:.2f} s ({embedded} embedded) | {size / 1e6:.2f} MB |"
    )


def check_cost(n: int, tmp: Path, texts: list[str]) -> str:
    """Analyzer.check with the words only, with the guide vectors, and with the guides' examples too,
    in turn per situation (same load)."""
    from api.patterns import build_analyzer
    from api.patterns.meaning import VectorTable

    corpus = corpus_at(n, tmp) if n != 18 else load_corpus(ROOT / "content")[0]
    guides = sorted(corpus.guides.values(), key=lambda g: g.slug)
    vecs = dict(zip((g.digest for g in guides), vectors.embed_guides(guides), strict=True))
    examples = {g.digest: vectors.encoder().encode(list(g.sounds_like)) for g in guides if g.sounds_like}
    analyzers = {
        "words": build_analyzer(corpus),
        "meaning": build_analyzer(corpus, vectors=vecs),
        "examples": build_analyzer(corpus, vectors=VectorTable(vecs, examples)),
    }
    times: dict[str, list[float]] = {name: [] for name in analyzers}
    for text in texts * 2:
        for name, a in analyzers.items():
            t0 = time.perf_counter()
            a.check(text)
            times[name].append((time.perf_counter() - t0) * 1000)
    cells = []
    for name, ts in times.items():
        ts.sort()
        cells.append(f"{name} p50 {statistics.median(ts):.1f} / p95 {ts[int(0.95 * (len(ts) - 1))]:.1f} ms")
    return f"| {len(guides)} | " + " | ".join(cells) + " |"


def situations() -> list[str]:
    items = []
    for f in ("pattern_judged.yaml", "pattern_blind2.yaml"):
        data = yaml.safe_load((ROOT / "tests" / "data" / "search" / f).read_text(encoding="utf-8"))
        items += [s["text"] for s in data["situations"]]
    return items


def query_cost() -> str:
    items = situations()
    enc = encoder()
    enc.encode(items[:2])
    times = []
    for text in items:
        t0 = time.perf_counter()
        enc.encode([text])
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    return (
        f"situation encoding, {len(times)} judged situations: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms"
    )


def main(argv: list[str]) -> None:
    checks = "--check-only" in argv
    sizes = [int(a) for a in argv if a.isdigit()] or [18, 1000]
    lines: list[str] = []

    def out(line: str = "") -> None:
        lines.append(line)
        print(line, flush=True)

    head = "| guides | pattern check, words only | with the meaning factor | and the guides' examples |"
    if not checks:
        out("| guides | examples | texts | distinct | full publish | per distinct text | one guide changed | file |")
        out("|---|---|---|---|---|---|---|---|")
        with tempfile.TemporaryDirectory() as tmp:
            for n in sizes:
                for examples in (False, True):
                    out(publish_cost(n, Path(tmp), examples))
        out()
        out(query_cost())
        out()
    out(head)
    out("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            out(check_cost(n, Path(tmp), situations()))
    if "--write" in argv:
        from bench.machine import machine_summary

        doc = (__doc__ or "").strip().split("\n\n", 1)[1]
        text = (
            f"# Guide vectors and examples: publish and pattern-check cost\n\n{doc}\n\n"
            f"Command: `python -m bench.vectors_bench {' '.join(argv)}`\n\nMachine: {machine_summary()}\n\n"
        )
        RESULTS.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
