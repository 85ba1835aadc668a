"""The situation's vector per pattern check: one vector of its first 64 tokens (before session 29)
beside the mean of its sentences' vectors within the same budget (api/patterns/meaning.py), in one
run, alternating per situation so both meet the same load.

    nice -n 19 python -m bench.situation_vector_bench [--rounds 3]

Situations: every development pattern-check situation (the judged sets), and 4,000-character ones
as the worst-request bench sends (one run of words, no full stop) and as people write them (many
short sentences). Prints p50 / p95 / p99 wall ms and CPU ms (the thread's: on a shared machine the
wall time is mostly waiting for a core) per shape and way, and the ratios now / before. The
situations' text and vectors stay in memory (they are the judged sets' or generated).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

import numpy as np

from api.config import ROOT
from api.patterns.meaning import SITUATION_TOKENS, situation_vector
from api.semantic import encoder
from bench.search_judged import load

DATA = ROOT / "tests" / "data" / "search"
SETS = [
    "pattern_judged.yaml",
    "pattern_blind.yaml",
    "pattern_blind2.yaml",
    "pattern_blind3.yaml",
    "pattern_blind4.yaml",
]
WORDS = "breakup relationship feeling texting contact craving boundaries attachment grieving silence".split()


def whole(text: str) -> np.ndarray:
    return encoder().encode([text], max_tokens=SITUATION_TOKENS)[0]


def shapes(rng: random.Random) -> dict[str, list[str]]:
    judged = [i.text for i in load([DATA / f for f in SETS])[0]]
    run_on = [" ".join(rng.choices(WORDS, k=500))[:3990] for _ in range(40)]
    sentences = [" ".join(f"I keep {rng.choice(WORDS)} about it." for _ in range(200))[:3990] for _ in range(40)]
    tiny = [" ".join("Why." for _ in range(800))[:3990] for _ in range(40)]
    return {
        "judged situations": judged,
        "4,000 chars, no full stop": run_on,
        "4,000 chars, sentences": sentences,
        "4,000 chars, one-word sentences": tiny,
    }


def pct(ts: list[float], p: float) -> float:
    return sorted(ts)[min(len(ts) - 1, int(p * (len(ts) - 1) + 0.5))]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    ways: dict[str, Callable[[str], np.ndarray]] = {"whole text (before)": whole, "sentences (now)": situation_vector}
    whole("warm up"), situation_vector("Warm up. Twice.")
    print("| situations | n | way | wall p50 / p95 / p99 ms | CPU p50 / p95 / p99 ms |")
    print("|---|---|---|---|---|")
    for name, texts in shapes(random.Random(29)).items():
        wall: dict[str, list[float]] = {w: [] for w in ways}
        cpu: dict[str, list[float]] = {w: [] for w in ways}
        for _ in range(args.rounds):
            for text in texts:
                for way, fn in ways.items():
                    t0, c0 = time.perf_counter(), time.thread_time()
                    fn(text)
                    cpu[way].append((time.thread_time() - c0) * 1000)
                    wall[way].append((time.perf_counter() - t0) * 1000)
        for way in ways:
            cells = [" / ".join(f"{pct(ts, p):.1f}" for p in (0.5, 0.95, 0.99)) for ts in (wall[way], cpu[way])]
            print(f"| {name} | {len(wall[way])} | {way} | {cells[0]} | {cells[1]} |")
        now, before = "sentences (now)", "whole text (before)"
        ratios = [
            " / ".join(f"{pct(t[now], p) / pct(t[before], p):.2f}" for p in (0.5, 0.95, 0.99)) for t in (wall, cpu)
        ]
        print(f"| {name} | | now / before | {ratios[0]} | {ratios[1]} |", flush=True)


if __name__ == "__main__":
    main()
