"""Danger recognition: how well (judged sets) and how fast (beside the search it runs in).

    python -m bench.danger_bench        # -> bench/results/danger.md

Quality: recall and false alarms with 95% Wilson intervals, per judged set (tests/data/danger/;
the held-out set was written blind and is the figure to report), per kind on the whole set, and
false alarms on ordinary queries (see tests/unit/test_danger_judged.py for what ordinary means).

Speed: the time `recognise()` takes per text, for search-box queries and for pattern-check
situations, p50/p95; and `GET /v1/search` through the app on the same queries with recognition
and with it switched off, side by side on two apps built alike (each with its results cache cold).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

from api.app import create_app
from api.config import ROOT
from api.content import load_corpus
from api.language.signals import KINDS, recogniser_for
from api.releases import ReleaseStore, publish
from bench import judging
from bench.machine import machine_summary

RESULTS = ROOT / "bench" / "results" / "danger.md"
SAFETY_COLLECTION = "safety-and-control"


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def _timed(fn, texts: list[str], repeat: int = 3) -> list[float]:
    """Milliseconds per call; each text `repeat` times, the fastest kept (noise from the other core)."""
    out = []
    for text in texts:
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            fn(text)
            best = min(best, time.perf_counter() - t)
        out.append(best * 1000)
    return out


def main() -> None:
    corpus, _ = load_corpus(ROOT / "content")
    r = recogniser_for(corpus.language)

    def recognise(text: str) -> list[str]:
        return [f.kind for f in r.recognise(text)]

    sys.path.insert(0, str(ROOT / "tests" / "unit"))
    from test_analyzer import JUDGED as SITUATIONS
    from test_search_judged import JUDGED as QUERIES

    sets = {name: judging.load(name) for name in judging.names()}
    figures = {name: judging.score(recognise, s) for name, s in sets.items()}
    whole = judging.Figures()
    for fig in figures.values():
        whole.add(fig)

    def ordinary(target: str) -> bool:
        return corpus.guides[target.partition("#")[0]].collection != SAFETY_COLLECTION

    ordinary_texts = [q for q, t in QUERIES if ordinary(t)] + [s for s, t, d in SITUATIONS if ordinary(t) and not d]
    ordinary_rate, _ = judging.alarms_on(recognise, ordinary_texts)

    # -- speed -------------------------------------------------------------------------------------
    texts = [t for s in sets.values() for t, _, _ in s.danger] + [t for s in sets.values() for t in s.lookalike]
    short = [t for t in texts if len(t.split()) <= 8] + [q for q, _ in QUERIES]
    long = [t for t in texts if len(t.split()) > 8] + [s for s, _, _ in SITUATIONS]
    recognise("warm up")
    # Each text once, in a process whose normaliser has seen few words: closer to a live worker
    # than the best of several runs.
    t_short, t_long = _timed(recognise, short, repeat=1), _timed(recognise, long, repeat=1)

    queries = [q for q in short if len(q) <= 200][:400]
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "releases"
        publish(ROOT / "content", ReleaseStore(store))  # one release: content and its search index

        # Two apps built alike, their results caches cold; each query goes to both, one after the
        # other, so drift on a shared machine falls on both alike.
        config = {"TESTING": True, "RELEASE_STORE": str(store)}
        on = create_app(config).test_client()
        off = create_app(config).test_client()
        with_recognition: list[float] = []
        without: list[float] = []
        for client, patched in ((on, False), (off, True)):
            with mock.patch("api.search.notice_for", lambda *_args: None) if patched else contextlib.nullcontext():
                client.get("/v1/search", query_string={"q": "warm up"})
        for n, q in enumerate(queries):
            pair = [(on, False, with_recognition), (off, True, without)]
            # Whichever goes first pays the process-wide caches' first look at new words (stems,
            # snippet patterns): the order alternates so that cost falls on both alike.
            for client, patched, out in pair if n % 2 else pair[::-1]:
                with mock.patch("api.search.notice_for", lambda *_args: None) if patched else contextlib.nullcontext():
                    t = time.perf_counter()
                    resp = client.get("/v1/search", query_string={"q": q})
                    out.append((time.perf_counter() - t) * 1000)
                    assert resp.status_code == 200, resp.get_json()  # a benchmark of error pages is no benchmark

    # -- report ------------------------------------------------------------------------------------
    fresh = figures["heldout2"]
    both = judging.Figures()
    for name in judging.HELDOUT_SETS:
        both.add(figures[name])
    lines = [
        "# Danger recognition",
        "",
        f"Run: `.venv/bin/python -m bench.danger_bench`, {dt.date.today().isoformat()}.",
        "",
        "```",
        machine_summary(),
        "```",
        "",
        "## The figures to report: the held-out sets",
        "",
        "Each written blind by a helper who never saw a pattern, committed before it was scored, never tuned on;",
        "only their totals are ever looked at, never their misses.",
        "",
        "The fresher one, `tests/data/danger/heldout2.yaml` (120 danger phrasings, 60 look-alikes):",
        "",
        f"- recall (the notice shown): **{fresh.recall}**; target at least 95%",
        f"- recall of the phrasing's own kind: {fresh.kind_recall}",
        f"- false alarms on its look-alikes: {fresh.false_alarms}; target at most 15%",
        "",
        "Scored twice: on arrival 116/120 with 10/60 look-alikes alarmed; then after tuning on development",
        "set 7 (look-alikes about study, training and fiction), as above.",
        "",
        f"Both held-out sets together: recall {both.recall}, own kind {both.kind_recall}, "
        f"false alarms {both.false_alarms}.",
        "",
        "The first, `tests/data/danger/heldout.yaml`, was scored after each tuning round (recall 73, 79, 81,",
        "then 93 with the phrasing classifier, 94 with development set 5, 93 with set 6, 94 with set 7).",
        "",
        "A second view of unseen text: each development set was scored once when it arrived, before",
        "anything was tuned on it (patterns and classifier as they then were; see its commit):",
        "set 3 172/240, set 4 151/240 (patterns only), set 5 207/240 (86%) with 8/120 look-alikes alarmed,",
        "set 6 213/240 (89%) with 12/120 look-alikes alarmed, set 7 57/60 (95%) with 27/150 (18%) alarmed.",
        "",
        "## Every set",
        "",
        "The tuning sets are what the patterns were written from and the classifier learns from: their",
        "figures show fit, not how well recognition generalises.",
        "",
        "| set | danger phrasings recognised | own kind recognised | look-alikes alarmed |",
        "|---|---|---|---|",
        *(
            f"| {name}{' (held out)' if judging.is_heldout(name) else ' (tuning)'} | {f.recall} | {f.kind_recall} "
            f"| {f.false_alarms} |"
            for name, f in figures.items()
        ),
        f"| **whole** | {whole.recall} | {whole.kind_recall} | {whole.false_alarms} |",
        "",
        "## Recall per kind, whole set (target at least 90% each)",
        "",
        "| kind | recall |",
        "|---|---|",
        *(f"| {kind} | {whole.per_kind.get(kind, judging.Rate())} |" for kind in KINDS),
        "",
        "## False alarms on ordinary queries and situations (target at most 2%)",
        "",
        f"The search and pattern-check judged sets, outside the collection 'When love feels unsafe': {ordinary_rate}",
        "",
        "## Speed",
        "",
        "| what | n | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|---|",
        *(
            f"| {label} | {len(v)} | {statistics.median(v):.3f} | {_pct(v, 95):.3f} | {max(v):.3f} |"
            for label, v in (
                ("recognise(), search-box queries (up to 8 words)", t_short),
                ("recognise(), situations (longer)", t_long),
                ("GET /v1/search, with recognition", with_recognition),
                ("GET /v1/search, recognition switched off", without),
            )
        ),
        "",
        "Search with recognition beside search without: "
        f"p50 x{statistics.median(with_recognition) / statistics.median(without):.2f} "
        f"(+{statistics.median(with_recognition) - statistics.median(without):.2f} ms), "
        f"p95 x{_pct(with_recognition, 95) / _pct(without, 95):.2f} "
        f"(+{_pct(with_recognition, 95) - _pct(without, 95):.2f} ms). Target: recognition adds under 2 ms at p95.",
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
