"""Search benchmark: Whoosh (search_index) beside SQLite FTS5 over the same synthetic corpus.

    python -m bench.search_bench                 # 1,000 and 10,000 guides -> bench/results/search.md
    python -m bench.search_bench --sizes 1000    # quicker

For each size: index build time, then per query kind (one word, several words, phrase, typo,
prefix, several words with a filter) p50/p95 latency of a whole search as the endpoint runs it
(top 10 with snippets, total, facet counts for type/collection/tag, did-you-mean), first with
cold per-term caches (the first time each query runs on an index opened afresh for its kind) and
again warm; a repeated query from the results cache; and the same queries on FTS5 (top 10 by bm25
with snippet(), count, and the three facet GROUP BYs). HTTP throughput of the search endpoint under
gunicorn, beside the trivial endpoint, is in bench/http_bench.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import re
import sqlite3
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from api.config import ROOT
from api.content import Corpus, load_corpus
from api.patterns import build_analyzer
from api.search_hints import guide_boosts
from bench.synth import generate
from search_index import SearchEngine, build_index
from search_index.documents import corpus_documents
from search_index.query import words_of
from search_index.vocab import Vocab

OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "results" / "search.md"
PER_KIND = 30
KINDS = ("one word", "several words", "phrase", "typo", "prefix", "several + filter", "readers' words")
JUDGED = ROOT / "tests" / "data" / "search" / "judged.yaml"


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def make_queries(corpus: Corpus, vocab: Vocab, seed: int = 11) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Deterministic queries per kind, drawn from the corpus's own words and sentences."""
    rng = random.Random(seed)
    words = sorted(w for w in vocab._sorted if len(w) >= 4 and vocab.df(w) >= 3)
    long_words = [w for w in words if len(w) >= 6]
    texts = [s.text for g in list(corpus.guides.values())[:300] for s in g.sections if s.text]
    collections = sorted(corpus.collections)

    def typo(w: str) -> str:
        i = rng.randrange(1, len(w) - 1)
        op = rng.choice("dsti")
        if op == "d":
            return w[:i] + w[i + 1 :]
        if op == "s":
            return w[:i] + rng.choice("aeioulnrst") + w[i + 1 :]
        if op == "t":
            return w[:i] + w[i + 1] + w[i] + w[i + 2 :]
        return w[:i] + rng.choice("aeioulnrst") + w[i:]

    def phrase() -> str:
        ws = words_of(rng.choice(texts))
        i = rng.randrange(0, max(1, len(ws) - 2))
        return '"' + " ".join(ws[i : i + 2]) + '"'

    several = [" ".join(rng.sample(words, rng.choice((2, 3, 4)))) for _ in range(PER_KIND)]
    return {
        "one word": [(w, {}) for w in rng.sample(words, PER_KIND)],
        "several words": [(q, {}) for q in several],
        "phrase": [(phrase(), {}) for _ in range(PER_KIND)],
        "typo": [(typo(w), {}) for w in rng.sample(long_words, PER_KIND)],
        "prefix": [(f"{rng.choice(words)} {w[: rng.choice((3, 4, 5))]}", {}) for w in rng.sample(words, PER_KIND)],
        "several + filter": [
            (q, {"collection": rng.choice(collections), "types": ("guide", "section")})
            for q in rng.sample(several, PER_KIND)
        ],
        # Readers' own words (slang, long, "what do i say"): the vocabulary's expansions at work.
        "readers' words": [(x["q"], {}) for x in yaml.safe_load(JUDGED.read_text())["queries"][:PER_KIND]],
    }


# -- SQLite FTS5 -------------------------------------------------------------------------------
def build_fts(corpus: Corpus, path: Path) -> sqlite3.Connection:
    if path.exists():
        path.unlink()
    db = sqlite3.connect(path)
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(title, headings, summary, body, type UNINDEXED, "
        "collection UNINDEXED, tokenize='porter unicode61 remove_diacritics 2')"
    )
    db.execute("CREATE TABLE tags(doc INTEGER, tag TEXT)")
    for i, d in enumerate(corpus_documents(corpus), 1):
        headings = d["text"].split("zzheadingszz")[1].split("zzsummaryzz")[0] if "zzheadingszz" in d["text"] else ""
        db.execute(
            "INSERT INTO docs(rowid, title, headings, summary, body, type, collection) VALUES (?,?,?,?,?,?,?)",
            (i, d["title"], headings, d["summary"], d["body"], d["type"], d["collection"]),
        )
        db.executemany("INSERT INTO tags VALUES (?,?)", [(i, t) for t in d["tags"].split(",") if t])
    db.execute("CREATE INDEX tags_doc ON tags(doc)")
    db.commit()
    return db


def fts_query(q: str) -> str:
    """The same reading as ours: words OR-ed, quoted phrases required, the last word as a prefix."""
    phrases = re.findall(r'"([^"]+)"', q)
    rest = re.sub(r'"[^"]*"', " ", q)
    words = [w for w in re.findall(r"\w+", rest)]
    parts = [f'"{w}"' for w in words[:-1]] + ([f'"{words[-1]}"*'] if words and not q.endswith(" ") else [])
    ors = " OR ".join(parts)
    req = " AND ".join(f'"{p}"' for p in phrases)
    if req and ors:
        return f"{req} AND ({ors})"
    return req or ors


def fts_search(db: sqlite3.Connection, q: str, filters: dict[str, Any]) -> int:
    match = fts_query(q)
    where, args = "docs MATCH ?", [match]
    if filters.get("collection"):
        where += " AND collection = ?"
        args.append(filters["collection"])
    if filters.get("types"):
        where += f" AND type IN ({','.join('?' * len(filters['types']))})"
        args.extend(filters["types"])
    db.execute(
        f"SELECT rowid, bm25(docs, 8.0, 4.0, 2.0, 1.0) AS s, title, "
        f"snippet(docs, 3, '<mark>', '</mark>', '…', 24) FROM docs WHERE {where} ORDER BY s LIMIT 10",
        args,
    ).fetchall()
    total = db.execute(f"SELECT count(*) FROM docs WHERE {where}", args).fetchone()[0]
    db.execute(f"SELECT type, count(*) FROM docs WHERE {where} GROUP BY type", args).fetchall()
    db.execute(f"SELECT collection, count(*) FROM docs WHERE {where} GROUP BY collection", args).fetchall()
    db.execute(
        f"SELECT t.tag, count(*) FROM docs JOIN tags t ON t.doc = docs.rowid WHERE {where} GROUP BY t.tag", args
    ).fetchall()
    return total


# -- running ------------------------------------------------------------------------------------
def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def run_size(n: int) -> dict[str, Any]:
    corpus_dir = OUT / f"corpus-{n // 1000}k"
    if not (corpus_dir / "guides").is_dir() or len(list((corpus_dir / "guides").iterdir())) != n:
        generate(n, corpus_dir)
    corpus, problems = load_corpus(corpus_dir)
    assert not [p for p in problems if p.severity == "error"], problems[:3]
    work = Path(tempfile.mkdtemp(prefix=f"search-bench-{n}-", dir=OUT))
    started = time.perf_counter()
    ix_dir = build_index(corpus, work / "ix")
    whoosh_build = time.perf_counter() - started
    docs = sum(1 for _ in corpus_documents(corpus))
    started = time.perf_counter()
    db = build_fts(corpus, work / "fts.sqlite")
    fts_build = time.perf_counter() - started

    started = time.perf_counter()
    analyzer = build_analyzer(corpus)  # the pattern analyzer of the corpus, built once per release
    analyzer_build = time.perf_counter() - started
    engine = SearchEngine(ix_dir, cache_entries=0)
    opened = timed(engine.info)
    with engine.lease() as oi:
        queries = make_queries(corpus, oi.vocab)
    out: dict[str, Any] = {
        "n": n,
        "docs": docs,
        "whoosh_build": whoosh_build,
        "fts_build": fts_build,
        "open_ms": opened,
        "analyzer_build": analyzer_build,
        "index_mb": sum(p.stat().st_size for p in ix_dir.iterdir()) / 1e6,
        "kinds": {},
    }
    engine.close()
    for kind in KINDS:
        # A freshly opened index per kind: its queries find the per-term caches empty, whatever
        # words the kinds before it shared with them.
        engine = SearchEngine(ix_dir, cache_entries=0)
        engine.info()
        cold = [timed(lambda q=q, f=f, e=engine: e.search(q, **f)) for q, f in queries[kind]]
        warm = [timed(lambda q=q, f=f, e=engine: e.search(q, **f)) for q, f in queries[kind]]
        fts = [timed(lambda q=q, f=f: fts_search(db, q, f)) for q, f in queries[kind]]
        # As the endpoint runs it: the guides the words fit (pattern analyzer), then the search.
        fit = [
            timed(lambda q=q, f=f, e=engine: e.search(q, boosts=guide_boosts(q, analyzer, None), **f))
            for q, f in queries[kind]
        ]
        totals = [engine.search(q, **f)["total"] for q, f in queries[kind]]
        out["kinds"][kind] = {
            "cold": cold,
            "warm": warm,
            "fts": fts,
            "fit": fit,
            "hits": statistics.median(totals),
            "example": queries[kind][0][0],
        }
        engine.close()
    cached = SearchEngine(ix_dir)
    q = queries["several words"][0][0]
    cached.search(q)
    out["cached"] = [timed(lambda: cached.search(q)) for _ in range(200)]
    cached.close()
    db.close()
    return out


def machine() -> str:
    def sh(cmd: str) -> str:
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return "?"

    model = sh("lscpu | grep 'Model name' | sed 's/.*: *//'")
    cores = sh("nproc")
    mem = sh("free -g | awk '/Mem:/ {print $2}'")
    return (
        f"{model}, {cores} cores (nproc), {mem} GB RAM (free -g); "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {platform.platform()}"
    )


def report(results: list[dict[str, Any]]) -> str:
    lines = [
        "# Search benchmark",
        "",
        f"Run {dt.date.today().isoformat()} with `python -m bench.search_bench` on: {machine()}.",
        "",
        "Whoosh = `search_index.SearchEngine.search()` as `GET /v1/search` runs it (top 10 with snippets, total, facet",
        "counts for type, collection and tag over all hits, did-you-mean), in process, no HTTP. *cold* = first run of",
        "each query on an index opened afresh for its kind (per-term caches empty); *warm* = the same queries again",
        "(term caches filled, results cache off). FTS5 = SQLite FTS5 (porter unicode61) over the same documents,",
        "same queries (words OR-ed, phrases required, last word as prefix), doing the same work: top 10 by bm25 with",
        "snippet(), count, and three GROUP BY facet queries. FTS5 has no typo tolerance: its typo queries mostly find",
        "nothing. The index carries the vocabulary file's synonyms and expansions (content/vocabulary.yaml, copied",
        "into the synthetic corpus). *warm + guide fit* = as the endpoint runs it since issue 15: the pattern",
        "analyzer's guide fit for the words (api/search_hints.py), then the search with those factors, warm.",
        f"{PER_KIND} queries per kind, drawn with a fixed seed from the corpus's words and sentences.",
        "",
    ]
    for r in results:
        lines += [
            f"## {r['n']:,} guides ({r['docs']:,} documents: guides, sections, scripts)",
            "",
            f"- Index build: Whoosh {r['whoosh_build']:.1f} s ({r['index_mb']:.0f} MB), FTS5 {r['fts_build']:.1f} s.",
            f"- Opening the index in a worker (meta.json, facet bitsets, field lengths): {r['open_ms']:.0f} ms.",
            f"- Building the pattern analyzer for guide fit (once per release): {r['analyzer_build']:.1f} s.",
            f"- Repeated query from the results cache: p50 {statistics.median(r['cached']) * 1000:.0f} µs, "
            f"p95 {percentile(r['cached'], 95) * 1000:.0f} µs.",
            "",
            "| kind | example | median hits | Whoosh cold p50 / p95 ms | Whoosh warm p50 / p95 ms "
            "| warm + guide fit p50 / p95 ms | FTS5 p50 / p95 ms | warm p95 ÷ FTS5 p95 |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for kind, k in r["kinds"].items():
            ratio = percentile(k["warm"], 95) / max(percentile(k["fts"], 95), 1e-6)
            lines.append(
                f"| {kind} | `{k['example']}` | {k['hits']:.0f} "
                f"| {statistics.median(k['cold']):.1f} / {percentile(k['cold'], 95):.1f} "
                f"| {statistics.median(k['warm']):.1f} / {percentile(k['warm'], 95):.1f} "
                f"| {statistics.median(k['fit']):.1f} / {percentile(k['fit'], 95):.1f} "
                f"| {statistics.median(k['fts']):.1f} / {percentile(k['fts'], 95):.1f} | {ratio:.2f}× |"
            )
        lines.append("")
    if len(results) > 1:
        small, big = results[0], results[-1]
        grow = big["docs"] / small["docs"]
        lines += [
            f"## Growth from {small['n']:,} to {big['n']:,} guides ({grow:.1f}× the documents)",
            "",
            "| kind | Whoosh cold p95 | Whoosh warm p95 | FTS5 p95 |",
            "|---|---|---|---|",
        ]
        for kind in KINDS:
            a, b = small["kinds"][kind], big["kinds"][kind]
            growth = [f"{percentile(b[x], 95) / max(percentile(a[x], 95), 1e-6):.1f}×" for x in ("cold", "warm", "fts")]
            lines.append(" | ".join([f"| {kind}", *growth]) + " |")
        lines.append("")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for n in (int(x) for x in args.sizes.split(",")):
        started = time.perf_counter()
        results.append(run_size(n))
        print(f"{n} guides done in {time.perf_counter() - started:.0f} s", flush=True)
    text = report(results)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
