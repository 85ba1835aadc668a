"""Judging search and the pattern check against judged sets, beside plain BM25 (SQLite FTS5).

    python -m bench.search_judged tests/data/search/judged.yaml [MORE.yaml ...] [--part holdout]
    python -m bench.search_judged --pattern tests/data/search/pattern_judged.yaml
    python -m bench.search_judged --write          # both judged sets -> bench/results/search-judged.md

A search set is YAML with `queries:` (each `q`, `kind`, `best` slug, `acceptable` slugs, optional
`part`); a pattern-check set has `situations:` (each `text`, `best`, `acceptable`, optional `part`).
Each query goes through the real app (`GET /v1/search?group=guide`, or `POST /v1/pattern-check`)
over the content published as a release, and is judged on the distinct guides of its hits in order:
top-3 (an acceptable guide among the first three) and best-first (the best guide first), with 95%
Wilson intervals, per kind and per part; the fallback rate and how often the fallback's first guide
is acceptable. The baseline in the same run is plain BM25 (SQLite FTS5, porter tokenizer, title 8,
headings 4, summary 2, body 1 as the search benchmark) over the same guides, sections and scripts:
the query's words OR-ed, nothing else.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from api.config import ROOT
from bench.judging import Rate

SEARCH_SET = ROOT / "tests" / "data" / "search" / "judged.yaml"
PATTERN_SET = ROOT / "tests" / "data" / "search" / "pattern_judged.yaml"
RESULTS = ROOT / "bench" / "results" / "search-judged.md"
STATUSES: Counter[int] = Counter()  # the API's answers by HTTP status; a non-200 is judged a miss


Ranker = Callable[[str], tuple[list[str], str | None]]  # text -> guides in order, fallback


@dataclass(frozen=True)
class Item:
    text: str
    kind: str
    best: str
    acceptable: frozenset[str]
    part: str
    source: str


def load(paths: Iterable[Path]) -> tuple[list[Item], bool]:
    """The items of the files, and whether they are pattern-check situations."""
    items, pattern = [], False
    for path in paths:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        rows = data.get("queries") or data.get("situations") or []
        pattern = pattern or "situations" in data
        for r in rows:
            text = r.get("q", r.get("text"))
            acceptable = frozenset(r.get("acceptable") or ()) | {r["best"]}
            kind, part = r.get("kind", "situation"), r.get("part", "all")
            items.append(Item(text, kind, r["best"], acceptable, part, Path(path).name))
    return items, pattern


@dataclass
class Figures:
    top3: Rate = field(default_factory=Rate)
    first: Rate = field(default_factory=Rate)
    fallback: Rate = field(default_factory=Rate)  # queries answered by a fallback
    fallback_ok: Rate = field(default_factory=Rate)  # of those, first guide acceptable
    misses: list[tuple[str, str, list[str]]] = field(default_factory=list)


def _rate(r: Rate, ok: bool) -> None:
    r.n += 1
    r.hits += ok


def judge(items: list[Item], rank: Ranker, by: Callable[[Item], str]) -> dict[str, Figures]:
    """Figures over all items ('all') and per group (`by`)."""
    out: dict[str, Figures] = {}
    for it in items:
        guides, fallback = rank(it.text)
        top3 = any(g in it.acceptable for g in guides[:3])
        first = bool(guides) and guides[0] == it.best
        for key in ("all", by(it)):
            f = out.setdefault(key, Figures())
            _rate(f.top3, top3)
            _rate(f.first, first)
            _rate(f.fallback, fallback is not None)
            if fallback is not None:
                _rate(f.fallback_ok, bool(guides) and guides[0] in it.acceptable)
        if not first:
            out["all"].misses.append((it.text, it.best, guides[:3]))
    return out


def _distinct(slugs: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(slugs))


# -- the API --------------------------------------------------------------------------------------
def api_rankers(work: Path) -> tuple[Ranker, Ranker]:
    from api.app import create_app
    from api.releases import ReleaseStore, publish

    store = work / "releases"
    publish(ROOT / "content", ReleaseStore(store))
    app = create_app({"TESTING": True, "RELEASE_STORE": str(store), "RATELIMIT_ENABLED": False})
    client = app.test_client()

    # group=guide where the API has it (issue 15); hits are judged by their distinct guides either way.
    grouped = client.get("/v1/search", query_string={"q": "x", "group": "guide"}).status_code == 200
    extra = {"group": "guide"} if grouped else {}

    def search(q: str) -> tuple[list[str], str | None]:
        r = client.get("/v1/search", query_string={"q": q, "page_size": 10, **extra})
        STATUSES[r.status_code] += 1
        if r.status_code != 200:  # a miss (no guides), counted by status in the report
            return [], None
        body = r.get_json()
        return _distinct(h["guide"] for h in body["items"]), body.get("fallback")

    def pattern(text: str) -> tuple[list[str], str | None]:
        r = client.post("/v1/pattern-check", json={"situation": text, "limit": 10})
        STATUSES[r.status_code] += 1
        if r.status_code != 200:
            return [], None
        return [x["slug"] for x in r.get_json()["results"]], None

    return search, pattern


# -- the baseline: plain BM25 in SQLite FTS5 --------------------------------------------------------
def fts_ranker(work: Path) -> Ranker:
    from api.content import load_corpus
    from bench.search_bench import build_fts

    corpus, _ = load_corpus(ROOT / "content")
    db = build_fts(corpus, work / "fts.sqlite")
    guide_of = {}
    from search_index.documents import corpus_documents

    for i, d in enumerate(corpus_documents(corpus), 1):
        guide_of[i] = d["guide"]

    def rank(q: str) -> tuple[list[str], str | None]:
        words = re.findall(r"\w+", q.lower())
        if not words:
            return [], None
        match = " OR ".join(f'"{w}"' for w in words)
        rows = db.execute(
            "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 8.0, 4.0, 2.0, 1.0) LIMIT 60", (match,)
        ).fetchall()
        return _distinct(guide_of[r[0]] for r in rows), None

    return rank


# -- report -----------------------------------------------------------------------------------------
def table(title: str, figs: dict[str, dict[str, Figures]], keys: list[str]) -> list[str]:
    head = "| group | n | ours top-3 | ours best-first | FTS5 top-3 | FTS5 best-first | fallbacks | fallback 1st ok |"
    lines = [f"#### {title}", "", head, "|---|---|---|---|---|---|---|---|"]
    ours, base = figs["ours"], figs["fts5"]
    for k in keys:
        if k not in ours:
            continue
        o, b = ours[k], base[k]
        row = [k, o.top3.n, o.top3, o.first, b.top3, b.first, o.fallback, o.fallback_ok]
        lines.append("| " + " | ".join(map(str, row)) + " |")
    return lines + [""]


def run(paths: list[Path], part: str | None, pattern: bool | None = None) -> list[str]:
    items, is_pattern = load(paths)
    pattern = is_pattern if pattern is None else pattern
    if part:
        items = [i for i in items if i.part == part]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        search, check = api_rankers(work)
        fts = fts_ranker(work)
        ours_rank = check if pattern else search
        out = []
        for label, by in (("by part", lambda i: f"part: {i.part}"), ("by kind", lambda i: f"kind: {i.kind}")):
            figs = {"ours": judge(items, ours_rank, by), "fts5": judge(items, fts, by)}
            keys = ["all", *sorted(k for k in figs["ours"] if k != "all")]
            what = f"{'pattern check' if pattern else 'search'} ({', '.join(p.name for p in paths)}), {label}"
            out += table(what, figs, keys)
        misses = figs["ours"]["all"].misses
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(STATUSES.items()))
        out += [f"API answers by status (both runs above; a non-200 is a miss): {statuses}", ""]
        STATUSES.clear()
        out += [f"Not best-first ({len(misses)}): " + "; ".join(f"`{t}` -> {g} (best {b})" for t, b, g in misses), ""]
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--pattern", action="store_true", help="the files are pattern-check situations")
    ap.add_argument("--part", help="only items of this part (dev, holdout)")
    ap.add_argument("--write", action="store_true", help=f"both judged sets, written to {RESULTS.relative_to(ROOT)}")
    args = ap.parse_args(argv)
    if args.write:
        from bench.machine import machine_summary

        about = (__doc__ or "").split("\n\n", 2)[2].strip()
        lines = ["# Search and pattern check on the judged sets", "", about, "", f"Machine: {machine_summary()}", ""]
        lines += run([SEARCH_SET], None, False) + run([PATTERN_SET], None, True)
        RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print("\n".join(lines))
        return
    files = args.files or [PATTERN_SET if args.pattern else SEARCH_SET]
    print("\n".join(run(files, args.part, True if args.pattern else None)))


if __name__ == "__main__":
    main()
