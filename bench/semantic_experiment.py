"""Offline: does the sentence encoder (api/semantic.py) add anything to the pattern analyzer's ranking?

    python -m bench.semantic_experiment [--part dev|holdout] [--sets pattern|search]

For each judged situation (or search query), the analyzer's guide scores (the pattern check's
ranking, as POST /v1/pattern-check computes it) are combined with the cosine between the text's
vector and each guide's vectors:  score = lexical / max(lexical) + w * cosine.  Several guide
texts are tried (what to embed) and several weights (w = 0 is the analyzer alone). Prints best-first
and top-3 per text and weight. Tuning data only: the pattern-check and search dev parts and the
spent blind sets; `--part holdout` is for the one scoring after the last change.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from api.config import ROOT
from api.content import load_corpus
from api.content.model import Guide
from api.language.signals import recogniser_for
from api.patterns.build import _fit_sentences, build_analyzer
from api.semantic import encoder
from bench.search_judged import Item, load

DATA = ROOT / "tests" / "data" / "search"
SETS = {
    "pattern": ["pattern_judged.yaml", "pattern_blind.yaml", "pattern_blind2.yaml"],
    "search": ["judged.yaml", "blind.yaml", "blind2.yaml"],
}
WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 100.0)

# What of a guide to embed: name -> texts (their vectors are pooled by `pool`).
Texts = Callable[[Guide], list[str]]
VARIANTS: dict[str, tuple[Texts, str]] = {
    "title+summary": (lambda g: [f"{g.title}. {g.summary}"], "max"),
    "title+summary+signals+prose": (
        lambda g: [f"{g.title}. {g.summary} " + " ".join(g.signals) + " " + " ".join(_fit_sentences(g))],
        "max",
    ),
    "units+prose mean": (lambda g: [g.title, g.summary, *g.signals, *_fit_sentences(g)], "mean"),
    "title+summary+signals": (lambda g: [f"{g.title}. {g.summary} " + " ".join(g.signals)], "max"),
    "signals max": (lambda g: list(g.signals), "max"),
    "units max": (lambda g: [g.title, g.summary, *g.signals], "max"),
    "units mean": (lambda g: [g.title, g.summary, *g.signals], "mean"),
    "units+prose max": (lambda g: [g.title, g.summary, *g.signals, *_fit_sentences(g)], "max"),
    "ts + signals max/2": (lambda g: [f"{g.title}. {g.summary}", *g.signals], "max+first"),
}


def guide_cosines(texts: list[list[str]], pool: str, queries: np.ndarray) -> np.ndarray:
    """(queries x guides) similarity."""
    flat = [t for ts in texts for t in ts]
    vecs = encoder().encode(flat)
    out = np.zeros((len(queries), len(texts)), dtype=np.float32)
    i = 0
    for gi, ts in enumerate(texts):
        sims = queries @ vecs[i : i + len(ts)].T
        if pool == "max":
            out[:, gi] = sims.max(1)
        elif pool == "mean":
            v = vecs[i : i + len(ts)].mean(0)
            out[:, gi] = queries @ (v / np.linalg.norm(v))
        else:  # max+first: the whole-guide text and the best signal, half each
            out[:, gi] = 0.5 * sims[:, 0] + 0.5 * sims[:, 1:].max(1) if len(ts) > 1 else sims[:, 0]
        i += len(ts)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", default="dev", help="dev: the dev parts and the spent blind sets; holdout")
    ap.add_argument("--sets", default="pattern", choices=sorted(SETS))
    ap.add_argument("--max-tokens", type=int, default=256, help="of each situation (the guides': 256)")
    args = ap.parse_args(argv)
    items, _ = load([DATA / f for f in SETS[args.sets]])
    items = [i for i in items if (i.part == "holdout") == (args.part == "holdout")]
    corpus, _ = load_corpus(ROOT / "content")
    a = build_analyzer(corpus)
    guides = [corpus.guides[g.slug] for g in a.guides]
    lexical = np.zeros((len(items), len(guides)), dtype=np.float32)
    for row, it in enumerate(items):
        danger = recogniser_for(a.language).recognise(it.text)
        for gi, s in a.guide_scores(a.query(it.text, (), danger)).items():
            lexical[row, gi] = s
    lexical /= np.maximum(lexical.max(1, keepdims=True), 1e-9)
    t0 = time.perf_counter()
    queries = encoder().encode([i.text for i in items], max_tokens=args.max_tokens)
    print(f"{len(items)} {args.sets} items ({args.part}); encoded in {time.perf_counter() - t0:.2f} s")
    print("| guide text | " + " | ".join(f"w={w}" for w in WEIGHTS) + " |")
    print("|---|" + "---|" * len(WEIGHTS))
    for name, (texts, pool) in VARIANTS.items():
        cos = guide_cosines([texts(g) for g in guides], pool, queries)
        cells = [_judge(items, guides, _combine(lexical, cos, w)) for w in WEIGHTS]
        print(f"| {name} | " + " | ".join(cells) + " |")
        for src in sorted({i.source for i in items}):
            rows = [r for r, i in enumerate(items) if i.source == src]
            sub = [items[r] for r in rows]
            cells = [_judge(sub, guides, _combine(lexical, cos, w)[rows]) for w in WEIGHTS]
            print(f"|   {src} ({len(rows)}) | " + " | ".join(cells) + " |")


def _combine(lexical: np.ndarray, cos: np.ndarray, w: float) -> np.ndarray:
    """Only guides the analyzer found are re-ranked (no new guides: a situation with no words in
    common with any guide stays without results)."""
    return np.where(lexical > 0, lexical + w * cos, -1.0)


def _judge(items: list[Item], guides: list[Guide], scores: np.ndarray) -> str:
    first = top3 = 0
    for row, it in enumerate(items):
        order = np.lexsort((np.arange(len(guides)), -scores[row]))  # ties: the analyzer's order (slug)
        slugs = [guides[int(i)].slug for i in order]
        first += slugs[0] == it.best
        top3 += any(s in it.acceptable for s in slugs[:3])
    return f"{first}/{top3}"


if __name__ == "__main__":
    main()
