"""What the index holds and how text is analysed: every knob as a constant, documented in README.md."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.analysis.acore import Token
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.fields import ID, KEYWORD, STORED, Schema
from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map

from search_index.fastfields import ExactField, PairsField, StemmedField

# Words: letters/digits, with inner apostrophes and dots kept ("don't", "e.g") so they are one token.
TOKEN_PATTERN = r"\w+(?:['’.]\w+)*"

# Field weights: title above headings above summary above body.
BOOSTS: dict[str, float] = {"title": 8.0, "headings": 4.0, "summary": 2.0, "body": 1.0}
# The weighted parts share one scored field; a marker word before each part sets the weight of the
# words that follow. One field instead of four means one posting list per query word (4x fewer
# matchers, the main cost of a Whoosh query), and the weights add up before BM25 saturates term
# frequency, which is what BM25F does with per-field weights.
MARKERS: dict[str, str] = {f"zz{name}zz": name for name in BOOSTS}


def weighted_text(**parts: str) -> str:
    """The scored field's value: each part behind its marker word."""
    return " ".join(f"zz{name}zz {parts[name]}" for name in BOOSTS if parts.get(name))


class FieldBoostFilter(Filter):
    """Drops marker words and gives the words after each one its part's weight (token boost)."""

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:  # type: ignore[override]  # as whoosh's Filter
        boost = BOOSTS["body"]
        for t in tokens:
            part = MARKERS.get(t.text)
            if part is not None:
                boost = BOOSTS[part]
                continue
            t.boost = boost
            yield t


# The scored field: words stemmed (Porter), stop words dropped, accents folded, weighted by part.
# No positions: phrases use the exact field.
STEM_ANALYZER: CompositeAnalyzer = (
    RegexTokenizer(TOKEN_PATTERN)
    | LowercaseFilter()
    | CharsetFilter(accent_map)
    | FieldBoostFilter()
    | StopFilter(minsize=2)
    | StemFilter(stemfn=stem, cachesize=-1)
)
# The unstemmed field: every word as written (lower case, accents folded, stop words kept). It serves
# exact phrases, and its vocabulary drives typo tolerance and prefix completion.
EXACT_ANALYZER: CompositeAnalyzer = RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)

# Word pairs joined by a space (a space is never inside a token).
PAIR_SEP = " "


def pair(a: str, b: str) -> str:
    return f"{a}{PAIR_SEP}{b}"


def pairs_of(words: Sequence[str]) -> list[str]:
    """The adjacent pairs of a phrase, in order: a phrase of n words has n - 1."""
    return [pair(a, b) for a, b in zip(words, words[1:], strict=False)]


class PairFilter(Filter):
    """Adjacent tokens as one term ("person who"): the first word of a stream yields nothing, every
    later word yields itself joined to the word before it. Run on the exact field's own token stream
    (nothing is dropped from it), so a pair is indexed exactly where that field has the two words at
    consecutive positions."""

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:  # type: ignore[override]  # as whoosh's Filter
        prev: str | None = None
        for t in tokens:
            text = t.text
            if prev is not None:
                t.text = pair(prev, text)
                yield t
            prev = text


# Word pairs of the unstemmed field (stop words kept): a quoted phrase of n words is the AND of its
# n - 1 pairs, each one short posting list (a cached bitset), instead of positions of n long ones.
PAIR_ANALYZER: CompositeAnalyzer = EXACT_ANALYZER | PairFilter()

TEXT_FIELD = "text"
PHRASE_FIELD = "exact"
PAIR_FIELD = "pairs"
PHRASE_BOOST = 3.0

SCHEMA = Schema(
    id=ID(stored=True, unique=True),  # "guide:<slug>", "section:<slug>#<anchor>", "script:<id>"
    type=ID(stored=True),  # guide, section or script
    guide=ID(stored=True),
    anchor=STORED(),
    script=STORED(),
    collection=ID(stored=True),
    tags=KEYWORD(stored=True, commas=True, lowercase=True),
    title=STORED(),
    summary=STORED(),
    body=STORED(),  # shown text, for snippets
    headings=STORED(),  # a guide's section headings: with title, summary and body, its indexed words
    # (The three analysed fields index with a faster equivalent of their analyzer: fastfields.py.)
    text=StemmedField(analyzer=STEM_ANALYZER, phrase=False),
    exact=ExactField(analyzer=EXACT_ANALYZER, phrase=True),
    pairs=PairsField(analyzer=PAIR_ANALYZER),  # not scored (no field lengths), no positions
    guide_title=STORED(),
    send=STORED(),  # a script: meant to be sent or not
    safety=STORED(),  # a script: its safety condition, shown after every snippet of it
)

DOC_TYPES: tuple[str, ...] = ("guide", "section", "script")
# Sections that are boilerplate in every guide ("Pattern check", "Sources and references") are not
# indexed as their own hits: they would answer every query about sources with 18 near-identical hits.
SKIP_SECTIONS: frozenset[str] = frozenset({"pattern-check", "related-patterns", "sources-and-references"})
