"""Bytes a phone downloads to sync, and the server's time to answer: issue 20's payload benchmark.

    python -m bench.payload_bench [--synthetic 1000]

On the bundled corpus and on N synthetic guides (bench/synth.py), each published as a release:
the first sync, a delta after one guide is edited and a delta after ten are, each with the
default rendering and with render=json, as the body is (identity), gzipped and brotli'd (the
Accept-Encoding the app sends). Bytes are the bodies the API sends over all pages of the sync
(page_size=100), headers not counted; "per guide" divides by the guides in the sync. Time is the
sum of the requests' wall time in-process (Flask's test client, no network): "first" is the first
time that variant is asked for in the release (it builds the guides' JSON and, for gzip and br,
compresses once), "again" a repeat served from the response cache. Results go to
bench/results/payloads.md with the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from api.app import create_app
from api.config import ROOT
from api.releases import ReleaseStore, publish
from bench.machine import machine_summary
from bench.synth import generate

RESULTS = Path(__file__).parent / "results" / "payloads.md"
CODINGS = (None, "gzip", "br")
RENDERS = (None, "json")
SEED = "no-contact-rule"  # the user's own text: never edited, not even in a copy
TARGETS = [
    ("first", "json", "br", 2500, "per guide"),
    ("first", None, "gzip", 3900, "per guide"),
    ("delta 1", None, "gzip", 8000, "total"),
]


def _app(content: Path, store: Path) -> Any:
    publish(content, ReleaseStore(store))
    return create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": str(content),
            "RELEASE_STORE": str(store),
            "SECRET_KEY": "bench-secret-0000000000000000000",
        }
    ).test_client()


def _sync(client: Any, token: str | None, render: str | None, coding: str | None) -> tuple[int, int, float, str]:
    """(bytes over all pages, guides upserted, seconds, sync_token), following next_token."""
    query = "page_size=100" + (f"&render={render}" if render else "")
    url: str | None = f"/v1/sync?{query}" + (f"&token={token}" if token else "")
    headers = {"Accept-Encoding": coding} if coding else {}
    size = guides = 0
    seconds = 0.0
    final = ""
    while url:
        started = time.perf_counter()
        r = client.get(url, headers=headers)
        seconds += time.perf_counter() - started
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        assert r.headers.get("Content-Encoding") == coding or len(r.data) < 1024
        size += len(r.data)
        body = client.get(url).get_json()  # the identity form of the same page, to read it
        guides += len(body["upserted"])
        url = body["links"]["next"]
        final = body["sync_token"] or final
    return size, guides, seconds, final


def _edit(content: Path, slugs: list[str]) -> None:
    for slug in slugs:
        path = content / "guides" / f"{slug}.md"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace('summary: "', 'summary: "Edited for the payload benchmark. ', 1), "utf-8")


def measure(label: str, content: Path, work: Path) -> list[dict[str, Any]]:
    store = work / "store"
    client = _app(content, store)
    rows: list[dict[str, Any]] = []
    tokens: dict[str | None, str] = {}
    total = 0
    for render in RENDERS:
        for coding in CODINGS:
            size, n, first, token = _sync(client, None, render, coding)
            _, _, again, _ = _sync(client, None, render, coding)
            tokens[render], total = token, n
            rows.append(dict(corpus=label, case="first", render=render, coding=coding, bytes=size, guides=n,
                             first=first, again=again))  # fmt: skip
    editable = sorted(p.stem for p in (content / "guides").glob("*.md") if p.stem != SEED)
    done: list[str] = []
    for case, count in (("delta 1", 1), ("delta 10", 10)):
        _edit(content, editable[len(done) : count])
        done = editable[:count]
        client = _app(content, store)  # a deploy: the new release, a new process
        for render in RENDERS:
            for coding in CODINGS:
                size, n, first, _ = _sync(client, tokens[render], render, coding)
                _, _, again, _ = _sync(client, tokens[render], render, coding)
                assert n == count, (case, n)
                rows.append(dict(corpus=label, case=case, render=render, coding=coding, bytes=size, guides=n,
                                 first=first, again=again))  # fmt: skip
    print(f"{label}: {total} guides measured")
    return rows


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        "# Payloads: what a phone downloads to sync",
        "",
        f"Run: `python -m bench.payload_bench --synthetic {args.synthetic}` on {dt.date.today().isoformat()}. "
        "Bytes are the response bodies over all pages (page_size=100), headers not counted; per guide divides "
        "by the guides the sync sends. Time is the wall time of the requests in-process (Flask test client): "
        "*first* is the first request for that variant in the release (guides serialized, then compressed "
        "once per coding), *again* a repeat served from the response cache. Edits change one line of a guide "
        "(its summary); the delta's token comes from the first sync with the same render.",
        "",
        "| corpus | sync | render | coding | bytes | guides sent | bytes per guide | first, ms | again, ms |",
        "|---|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        per = r["bytes"] / max(r["guides"], 1)
        lines.append(
            f"| {r['corpus']} | {r['case']} | {r['render'] or 'default (json,html,text)'} | "
            f"{r['coding'] or 'identity'} | {r['bytes']:,} | {r['guides']} | {per:,.0f} | "
            f"{r['first'] * 1000:.1f} | {r['again'] * 1000:.1f} |"
        )
    lines += [
        "",
        "## Targets (issue 20)",
        "",
        "| corpus | measure | target | measured | met |",
        "|---|---|---:|---:|---|",
    ]
    for case, render, coding, limit, how in TARGETS:
        for r in rows:
            if (r["case"], r["render"], r["coding"]) == (case, render, coding):
                value = r["bytes"] / r["guides"] if how == "per guide" else r["bytes"]
                name = f"{case}, render={render or 'default'}, {coding}, {how}"
                lines.append(
                    f"| {r['corpus']} | {name} | < {limit:,} B | {value:,.0f} B | {'yes' if value < limit else 'NO'} |"
                )
    lines += ["", "## Machine", "", "```", machine_summary(), "```", ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--synthetic", type=int, default=1000)
    ap.add_argument("--output", default=str(RESULTS))
    args = ap.parse_args()
    logging.getLogger("api.access").disabled = True
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="lp-payloads-") as tmp:
        work = Path(tmp)
        bundled = work / "bundled" / "content"
        shutil.copytree(ROOT / "content", bundled, ignore=shutil.ignore_patterns("README.md"))
        rows += measure("bundled", bundled, work / "bundled")
        synth = generate(args.synthetic, work / "synth" / "content")
        rows += measure(f"synthetic {args.synthetic}", synth, work / "synth")
    text = report(rows, args)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
