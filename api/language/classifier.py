"""The second way danger is recognised: phrasings like the ones people have really typed.

The signals file's patterns are exact and explainable, but people describe danger in more ways
than any list of patterns holds: on a development set the patterns had not been tuned on, they
found 63% of the danger phrasings. So the phrasings the safety editor keeps in
content/safety/phrasings/ (each danger phrasing with its kind, and look-alikes and ordinary talk
with none) train a multinomial naive Bayes classifier over normalised word stems and pairs of
adjacent stems. When no pattern matches, a text whose most likely kind of danger reaches
THRESHOLD gets that kind. Measured on that same development set before it was trained on: patterns
alone 151/240 recognised and 2/100 look-alikes alarmed; patterns then this at 0.8, 192/240 and 6/100,
with no false alarm on the 69 ordinary queries and situations of the search and pattern-check
judged sets (bench/results/danger.md has the figures of the current files).

Naive Bayes because it trains in one pass over a few thousand short texts at load time (no model
file to ship), needs no library beyond what the normaliser has, and its evidence is a sum of
per-word weights: the word that weighed most is what the answer points to.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from api.language.normalise import Normaliser, Token

THRESHOLD = 0.8  # posterior of the most likely kind; chosen on development set 4 before it was trained on
SMOOTHING = 0.5  # additive (Lidstone) smoothing of word counts
NONE = ""  # the class of look-alikes and ordinary talk

# Words too common to tell anything (kept out of features; the patterns still see them).
STOP_WORDS = frozenset(
    "a an the and or but so i me my you your he him his she her they them their it its is are was were be been "
    "am do does did to of in on at for with that this what when if just like".split()
)


def features(tokens: Sequence[Token]) -> list[tuple[str, int]]:
    """(feature, index of the token it points to): stems and pairs of adjacent stems, stop words out."""
    kept = [(t.stem, i) for i, t in enumerate(tokens) if t.norm not in STOP_WORDS]
    pairs = [(f"{a}_{b}", j) for (a, _), (b, j) in zip(kept, kept[1:], strict=False)]
    return kept + pairs


class Classifier:
    """Naive Bayes over the phrasings: kind of danger, or none."""

    def __init__(self, normaliser: Normaliser, phrasings: Iterable[tuple[str, str]]) -> None:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        prior: Counter[str] = Counter()
        for text, kind in phrasings:
            counts[kind].update(f for f, _ in features(normaliser.tokens(text)))
            prior[kind] += 1
        self.kinds = sorted(prior)
        vocabulary = set().union(*counts.values()) if counts else set()
        total = sum(prior.values())
        self._log_prior = {k: math.log(prior[k] / total) for k in self.kinds}
        self._unseen: dict[str, float] = {}
        self._log_p: dict[str, dict[str, float]] = {}
        for k in self.kinds:
            denominator = sum(counts[k].values()) + SMOOTHING * len(vocabulary)
            self._unseen[k] = math.log(SMOOTHING / denominator)
            self._log_p[k] = {f: math.log((n + SMOOTHING) / denominator) for f, n in counts[k].items()}
        self._vocabulary = frozenset(vocabulary)

    def __bool__(self) -> bool:
        return any(k != NONE for k in self.kinds) and NONE in self.kinds

    def best(self, tokens: Sequence[Token]) -> tuple[str, float, int] | None:
        """The most likely kind of danger, its posterior and the token that weighed most; None if none."""
        feats = [(f, i) for f, i in features(tokens) if f in self._vocabulary]
        if not feats or not self:
            return None
        score = {
            k: self._log_prior[k] + sum(self._log_p[k].get(f, self._unseen[k]) for f, _ in feats) for k in self.kinds
        }
        top = max(score.values())
        z = sum(math.exp(v - top) for v in score.values())
        kind = max((k for k in self.kinds if k != NONE), key=lambda k: score[k])
        p = math.exp(score[kind] - top) / z
        # The evidence for this kind against none: the feature that tips it most.
        _, index = max(
            feats,
            key=lambda fi: (
                self._log_p[kind].get(fi[0], self._unseen[kind]) - self._log_p[NONE].get(fi[0], self._unseen[NONE])
            ),
        )
        return kind, p, index
