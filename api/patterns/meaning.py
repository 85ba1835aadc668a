"""The meaning-based factor of the pattern check: the situation's vector beside each guide's.

The analyzer's lexical score sees words (and the phrases the vocabulary knows); a sentence encoder
(api/semantic.py) sees that "toxic" is "bad for me" and that "good times" are what is missed. Of the
guides the analyzer found, each is ranked by

    lexical / best lexical + MEANING_WEIGHT * (1 + cosine(situation, guide))

(1 + cosine keeps every found guide's score positive: none drops out of the results); the words'
best guide stays in the first three (the issue's "back to square one" finds the no-contact guide
by its phrase; meaning alone puts it fourth). The weight,
the guide text (title, summary, signals: api/releases/vectors.py) and re-ranking only the found
guides were chosen on development data: bench/results/semantic-experiment.md. The situation's
vector is the mean of its sentences' vectors (`situation_vector`, session 29). The guides'
`sounds_like` examples add EXAMPLES_WEIGHT * how much the situation sounds like them (session 30);
the pattern check reads them in a contrast space too (`Contrast`, session 31).

The situation's vector lives only inside this call: never logged, cached or counted.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from api.semantic import DIM, EncoderUnavailable, encoder

log = logging.getLogger(__name__)

MEANING_WEIGHT = 3.0
# The situation's first tokens read, over all its sentences (the guides' texts: all, up to 256).
# Encoding costs grow with the tokens (on the shared 2-core dev machine, CPU per situation: 64
# tokens ~50 ms, 96 ~70, 128 ~90, 256 ~245) and a 4,000-character situation must stay within the
# worst-request target (p99 150 ms; without the factor it took ~60-70 ms). 96 tokens read every
# development situation whole (the longest: 92) and gain 2 of 128 best-first over 64
# (bench/results/semantic-experiment.md): not worth ~20 ms more on every long situation.
SITUATION_TOKENS = 64
# How much a situation sounds like a guide's sounds_like examples (GuideVectors.like) weighs, and how
# many of its closest examples are averaged: chosen on the spent pattern and fallback sets (session 30).
EXAMPLES_WEIGHT = 16.0
EXAMPLES_READ = 8
# The pattern check reads the examples in the contrast space too (`Contrast`): CONTRAST_SHARE of the
# examples' term, which then weighs CONTRAST_WEIGHT in all. Chosen on the spent pattern sets (session 31,
# bench/results/search-judged.md): best-first 365 -> 376 of 452; the same weights without the space: 365.
CONTRAST_WEIGHT = 20.0
CONTRAST_SHARE = 0.6
CONTRAST_SHRINK = 0.3  # how far the examples' spread is pulled towards a round one (few examples per guide)
# The situation's words in each guide's examples (api/patterns/example_words.py), the best guide at 1,
# weigh this much in the pattern check. Spent pattern sets (judged, blind 1-8; 542 situations),
# best-first: 0 -> 458, 1 -> 472, 2 -> 474, 3 -> 477, 4 -> 479, 5 -> 479, 6 -> 478, 8 -> 477, 12 -> 469.
EXAMPLE_WORDS_WEIGHT = 4.0
KEEP_IN_VIEW = 3  # the words' best guide is never pushed below this place
_warned: list[bool] = []


@dataclass(frozen=True)
class Contrast:
    """A space in which what tells the guides' examples apart counts more than what they share.

    Sentence vectors of one topic differ most along directions that every guide's examples spread
    along (who writes, how long, how upset); two near guides ("I can't stop texting him", "he won't
    stop texting me") differ along narrow ones. Whitening by the examples' spread within their
    guides (as linear discriminant analysis does), shrunk towards a round spread, evens those out."""

    mean: np.ndarray
    transform: np.ndarray

    @classmethod
    def fit(cls, examples: np.ndarray, spans: Iterable[tuple[int, int]]) -> Contrast | None:
        """From the examples of each guide (its rows [start, end)); None without two guides' examples
        or without any spread."""
        spans = list(spans)
        within = [examples[a:b] - examples[a:b].mean(0) for a, b in spans if b - a > 1]
        if len(spans) < 2 or not within:  # one guide's examples: nothing to tell apart
            return None
        x = np.concatenate(within).astype(np.float64)
        spread = x.T @ x / len(x)
        scale = float(np.trace(spread)) / DIM
        if scale <= 1e-12:
            return None
        vals, vecs = np.linalg.eigh((1 - CONTRAST_SHRINK) * spread + CONTRAST_SHRINK * scale * np.eye(DIM))
        transform = (vecs * vals**-0.5) @ vecs.T
        return cls(examples.mean(0).astype(np.float32), transform.astype(np.float32))

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Unit vectors in the space (rows, or one vector)."""
        y = (x - self.mean) @ self.transform
        return y / np.maximum(np.linalg.norm(y, axis=-1, keepdims=True), 1e-12)


class VectorTable:
    """A release's guide vectors as one matrix (digest -> row), read once: every scope's analyzer
    indexes into it (GuideVectors) instead of copying its rows (~15 MB per scope at 10,000 guides).
    `examples`: digest -> its guide's sounds_like examples' vectors, kept as one matrix too, each
    guide's rows together."""

    def __init__(self, by_digest: Mapping[str, np.ndarray], examples: Mapping[str, np.ndarray] | None = None) -> None:
        self.row = {d: i for i, d in enumerate(by_digest)}
        self.matrix = np.array(list(by_digest.values()), np.float32).reshape(len(self.row), DIM)
        held = [(d, m) for d, m in (examples or {}).items() if d in self.row and len(m)]
        none = np.zeros((0, DIM), np.float32)
        self.examples = np.concatenate([m for _, m in held]).astype(np.float32) if held else none
        self.spans: dict[int, tuple[int, int]] = {}  # table row -> its examples' rows [start, end)
        start = 0
        for d, m in held:
            self.spans[self.row[d]] = (start, start + len(m))
            start += len(m)
        self.contrast = Contrast.fit(self.examples, self.spans.values()) if held else None
        self.contrasted = self.contrast.apply(self.examples) if self.contrast is not None else none

    def __bool__(self) -> bool:
        return bool(self.row)

    def of(self, digests: Iterable[str]) -> GuideVectors:
        rows = np.array([self.row.get(d, -1) for d in digests], np.intp)
        spans = {gi: self.spans[int(r)] for gi, r in enumerate(rows) if int(r) in self.spans}
        return GuideVectors(self.matrix, rows, self.examples, spans, self.contrast, self.contrasted)


@dataclass(frozen=True)
class GuideVectors:
    """An analyzer's guides' vectors: rows of a shared matrix (-1: a guide without one), and its
    guides' examples (`spans`: guide index -> its rows of the shared `examples`)."""

    matrix: np.ndarray
    rows: np.ndarray
    examples: np.ndarray = field(default_factory=lambda: np.zeros((0, DIM), np.float32))
    spans: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    contrast: Contrast | None = None
    contrasted: np.ndarray = field(default_factory=lambda: np.zeros((0, DIM), np.float32))  # examples in it

    def __matmul__(self, query: np.ndarray) -> np.ndarray:
        """Each guide's cosine with a unit vector (0 for a guide without a vector)."""
        cos = self.matrix @ query if len(self.matrix) else np.zeros(0, np.float32)
        return np.where(self.rows >= 0, cos[np.maximum(self.rows, 0)] if len(cos) else 0.0, 0.0)

    def __len__(self) -> int:
        return len(self.rows)

    def has(self, gi: int) -> bool:
        return bool(self.rows[gi] >= 0)

    def like(
        self, query: np.ndarray, guides: Iterable[int], k: int | None = None, share: float = 0.0
    ) -> dict[int, float]:
        """How much the situation sounds like each of `guides`' examples: the mean cosine of its k
        closest (EXAMPLES_READ); guides without examples are left out. `share`: that much of it is
        the same mean in the contrast space (Contrast), when there is one."""
        k = k or EXAMPLES_READ
        spans = [(gi, self.spans[gi]) for gi in guides if gi in self.spans]
        if not spans:
            return {}
        lo, hi = min(a for _, (a, _) in spans), max(b for _, (_, b) in spans)
        out = _near_means(self.examples[lo:hi] @ query, spans, lo, k)
        if share and self.contrast is not None:
            there = _near_means(self.contrasted[lo:hi] @ self.contrast.apply(query), spans, lo, k)
            out = {gi: (1 - share) * v + share * there[gi] for gi, v in out.items()}
        return out


def _near_means(cos: np.ndarray, spans: list[tuple[int, tuple[int, int]]], lo: int, k: int) -> dict[int, float]:
    out = {}
    for gi, (a, b) in spans:
        part = cos[a - lo : b - lo]
        near = part if len(part) <= k else np.partition(part, len(part) - k)[-k:]
        out[gi] = float(near.mean())
    return out


def with_meaning(
    vectors: GuideVectors | None,
    situation: str,
    scores: dict[int, float],
    keep_first: int | None = None,
    by_sentence: bool = False,
    example_words: Mapping[int, float] | None = None,
    tokens: int = SITUATION_TOKENS,
) -> dict[int, float]:
    """The scores re-weighed by meaning, `keep_first` (a safety guide the words put first when
    danger is recognised) still first; the lexical ones when there are no guide vectors (a bundle
    written without them) or the encoder cannot load (logged once, without the situation).
    `by_sentence`: the situation's vector is situation_vector's and the examples are read in the
    contrast space too (the pattern check); otherwise one vector of its first SITUATION_TOKENS
    tokens and the examples as they are (search's fallback, tuned with those). `example_words`: how
    well the situation's words match each guide's examples (ExampleWords.fit), weighing
    EXAMPLE_WORDS_WEIGHT. `tokens`: the situation's first tokens read (search reads QUERY_TOKENS).

    (Letting meaning choose which of the safety guides the words found goes first was tried in
    session 29: +3 best-first on the pattern sets, but on the danger sets it sent a child at risk
    to the co-parenting guide and a partner who took the phone to the phone-checking guide: not kept.)"""
    found = {gi: s for gi, s in scores.items() if s > 0}
    if vectors is None or not found:
        return scores
    try:
        if by_sentence:
            query = situation_vector(situation, tokens)
        else:
            query = encoder().encode([situation], max_tokens=tokens)[0]
    except EncoderUnavailable as exc:
        if not _warned:
            _warned.append(True)
            log.warning("pattern check without the meaning factor: %s", exc)
        return scores
    best = max(found.values())
    if by_sentence and vectors.contrast is not None:
        terms = meaning_terms(vectors, query, found, CONTRAST_WEIGHT, CONTRAST_SHARE)
    else:
        terms = meaning_terms(vectors, query, found)
    words = example_words or {}
    ranked = {gi: s / best + terms[gi] + EXAMPLE_WORDS_WEIGHT * words.get(gi, 0.0) for gi, s in found.items()}
    if keep_first in ranked:
        ranked[keep_first] = max(ranked.values()) + 1.0
    return _words_best_in_view(ranked, found)


_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def situation_vector(situation: str, tokens: int = SITUATION_TOKENS) -> np.ndarray:
    """The situation's meaning: the normalised mean of its sentences' vectors, the sentences read
    in order within SITUATION_TOKENS tokens in all (the work of one vector of its first
    SITUATION_TOKENS tokens). Each sentence weighs the same, so a long aside does not outweigh the
    short sentence that says what is wrong; on the development sets the best guide came first in
    186 of 244 situations, with one vector of the whole text 182 (session 29,
    bench/results/search-judged.md). Lives only inside the caller: never logged or kept."""
    pieces = [p for p in _SENTENCE.split(situation.strip()) if p.strip()]
    vectors = encoder().encode_within(pieces or [situation], tokens)
    if not len(vectors):
        return np.zeros(DIM, np.float32)
    mean = vectors.mean(0)
    return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)


def meaning_terms(
    vectors: GuideVectors, query: np.ndarray, guides: Iterable[int], weight: float | None = None, share: float = 0.0
) -> dict[int, float]:
    """Each of `guides`' meaning term, in their order: MEANING_WEIGHT * (1 + its vector's cosine with
    the query), plus EXAMPLES_WEIGHT (or `weight`) * how much the query sounds like its examples
    (GuideVectors.like, `share` of it in the contrast space) when any of them has examples (a guide
    without examples counts its own vector's cosine there)."""
    guides = list(guides)
    cos = vectors @ query
    like = vectors.like(query, guides, share=share)
    out = {gi: MEANING_WEIGHT * (1.0 + float(cos[gi])) for gi in guides}
    if like:
        w = EXAMPLES_WEIGHT if weight is None else weight
        out = {gi: m + w * like.get(gi, float(cos[gi])) for gi, m in out.items()}
    return out


def _words_best_in_view(ranked: dict[int, float], found: dict[int, float]) -> dict[int, float]:
    """The guide the reader's own words match best stays among the first KEEP_IN_VIEW: meaning
    re-orders, it does not hide the guide whose matched words the answer shows."""
    words_best = max(found, key=lambda gi: (found[gi], -gi))
    order = sorted(ranked, key=lambda gi: (-ranked[gi], gi))
    if order.index(words_best) >= KEEP_IN_VIEW:
        ranked[words_best] = ranked[order[KEEP_IN_VIEW - 1]] + 1e-6
    return ranked


MEANING_FLOOR = 0.2  # cosine under which a guide is not offered by meaning alone (see api/search_fallback.py)
QUERY_TOKENS = 32  # a search query's first tokens read: queries are short (cost grows with the tokens)


def closest_by_meaning(
    vectors: GuideVectors | None, text: str, k: int, floor: float = MEANING_FLOOR
) -> list[tuple[int, float]]:
    """The k guides closest in meaning to `text` (guide index, fit: the cosine with the guide's vector,
    averaged with how much `text` sounds like its examples when there are examples, as meaning_terms
    weighs them), best first, none under `floor`; empty without guide vectors or encoder. The text's
    vector lives only inside this call."""
    if vectors is None or not len(vectors):
        return []
    try:
        query = encoder().encode([text], max_tokens=QUERY_TOKENS)[0]
    except EncoderUnavailable:
        return []
    terms = meaning_terms(vectors, query, (gi for gi in range(len(vectors)) if vectors.has(gi)))
    weight = MEANING_WEIGHT + (EXAMPLES_WEIGHT if vectors.spans else 0.0)
    fit = {gi: (t - MEANING_WEIGHT) / weight for gi, t in terms.items()}  # a weighted mean of cosines
    order = sorted(fit, key=lambda gi: (-fit[gi], gi))[:k]
    return [(gi, fit[gi]) for gi in order if fit[gi] >= floor]
