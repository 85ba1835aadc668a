"""Publish time with the preview release (issue 18) against a publish of the published release alone.

    nice .venv/bin/python -m bench.publish_bench [N]     # N synthetic guides (default 1000) and the real content

Both in one run, side by side, each over a fresh store with a warm parse cache (the usual publish):
`publish()` builds the preview and the published release; "published only" is what a publish did
before drafts (load, then one commit). Results: bench/results/publish.md.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

from api.config import ROOT
from api.content import load_corpus
from api.content.drafts import published
from api.releases import ReleaseStore, publish
from bench.machine import machine_summary
from bench.synth import generate


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure(content: Path, work: Path) -> tuple[float, float]:
    cache = work / "parse.pickle"
    load_corpus(content, cache)  # warm the parse cache
    now = dt.datetime.now(dt.UTC)

    def published_only() -> None:
        corpus, _ = load_corpus(content, cache, now)
        visible, timed = published(corpus, now)
        ReleaseStore(work / "a").commit(visible, timed=timed)

    alone = _time(published_only)
    both = _time(lambda: publish(content, ReleaseStore(work / "b"), cache, now=now))
    return alone, both


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        synth = generate(n, work / "synth")
        shutil.copy(ROOT / "content" / "vocabulary.yaml", synth)  # the language files the generator leaves out
        shutil.copytree(ROOT / "content" / "safety", synth / "safety")
        for label, content in (("real content", ROOT / "content"), (f"{n} synthetic guides", synth)):
            shutil.rmtree(work / "a", ignore_errors=True)
            shutil.rmtree(work / "b", ignore_errors=True)
            alone, both = measure(content, work)
            rows.append(f"| {label} | {alone:.2f} s | {both:.2f} s | {both / alone:.2f}x |")
    out = "\n".join(
        [
            "# Publish with the preview release",
            "",
            "| content | published release only | published + preview (`publish`) | ratio |",
            "|---|---|---|---|",
            *rows,
            "",
            "Machine:",
            "",
            "```",
            machine_summary(),
            "```",
            "",
        ]
    )
    (ROOT / "bench" / "results" / "publish.md").write_text(out)
    print(out)


if __name__ == "__main__":
    main()
