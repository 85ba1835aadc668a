"""Which danger patterns could match a text at all, from the set of its words alone.

A pattern (api/language/signals.py) matches only where each of its required words (the first, and
every one not in brackets) matches some token of the text. So a pattern none of whose required
words occurs anywhere in the text cannot match, whatever the order: the recogniser tries only the
patterns this gate lets through. Most of a guide's paragraphs, and most of what readers type, let
none through; the answer is the same as trying every pattern, only cheaper (the patterns starting
with "not", "they" or "you" were tried at almost every sentence, and failed on a later word).

Each pattern waits on one of its required words, the one rarest in English (pyspellchecker's
counts; a guess that changes only the speed): a text wakes the patterns waiting on a word it has,
which then check their other required words against it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Generic, Protocol, TypeVar

from api.language.normalise import Token


class Element(Hashable, Protocol):
    """One word of a compiled pattern (api/language/signals.py's `_Element`)."""

    @property
    def stems(self) -> frozenset[str]: ...
    @property
    def exact(self) -> frozenset[str]: ...
    @property
    def prefixes(self) -> tuple[str, ...]: ...
    @property
    def optional(self) -> bool: ...


class Compiled(Protocol):
    """A compiled pattern (api/language/signals.py's `_Compiled`)."""

    @property
    def elements(self) -> tuple[Element, ...]: ...


C = TypeVar("C", bound=Compiled)


class Gate(Generic[C]):
    """The patterns that may match a list of tokens: `possible(tokens)`."""

    def __init__(self, patterns: Iterable[C], counts: Mapping[str, int]) -> None:
        numbers: dict[Element, int] = {}
        self._by_stem: dict[str, list[int]] = defaultdict(list)
        self._by_exact: dict[str, list[int]] = defaultdict(list)
        self._by_prefix: dict[str, list[int]] = defaultdict(list)
        # element number -> (place, pattern, the other element numbers it requires) of the patterns
        # waiting on it; `place`: the pattern's place in `patterns` (the order they are tried in).
        # The patterns themselves, not their ids: a recogniser is pickled (api/content/language.py).
        self._waiting: dict[int, list[tuple[int, C, frozenset[int]]]] = defaultdict(list)
        for place, c in enumerate(patterns):
            required = sorted(
                {e for k, e in enumerate(c.elements) if k == 0 or not e.optional}, key=lambda e: _commonness(e, counts)
            )
            for e in required:
                if e not in numbers:
                    numbers[e] = len(numbers)
                    self._add(e, numbers[e])
            self._waiting[numbers[required[0]]].append((place, c, frozenset(numbers[e] for e in required[1:])))
        self._prefix_lengths = tuple(sorted({len(p) for p in self._by_prefix}))

    def _add(self, e: Element, n: int) -> None:
        for s in e.stems:
            self._by_stem[s].append(n)
        for x in e.exact:
            self._by_exact[x].append(n)
        for pre in e.prefixes:
            self._by_prefix[pre].append(n)

    def possible(self, tokens: Sequence[Token]) -> list[C]:
        """The patterns each of whose required elements matches some token (as `Element.matches`
        decides), in the order they were given: every pattern that matches the tokens is among them."""
        present: set[int] = set()
        by_stem, by_exact, by_prefix = self._by_stem, self._by_exact, self._by_prefix
        for s in {t.stem for t in tokens}:
            if s in by_stem:
                present.update(by_stem[s])
        for norm in {t.norm for t in tokens}:
            if norm in by_exact:
                present.update(by_exact[norm])
            for k in self._prefix_lengths:
                if norm[:k] in by_prefix:  # a shorter word is looked up whole: it starts with itself
                    present.update(by_prefix[norm[:k]])
        woken = [
            (place, c)
            for n in present
            if n in self._waiting
            for place, c, others in self._waiting[n]
            if others <= present
        ]
        return [c for _, c in sorted(woken, key=lambda w: w[0])]


def _commonness(e: Element, counts: Mapping[str, int]) -> int:
    """How often the words of an element occur in English (a stem counts as the word it spells)."""
    return sum(counts.get(w, 0) for w in (*e.stems, *e.exact, *e.prefixes))
