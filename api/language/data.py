"""The language files as plain, frozen data: kept in the corpus, pickled with it, hashable.

`content/vocabulary.yaml` becomes a Vocabulary (api.language.normalise uses it) and
`content/safety/signals.yaml` becomes Signals (api.language.signals compiles them).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Vocabulary:
    """The vocabulary file (content/vocabulary.yaml): how people write words, mapped to one spelling."""

    abbreviations: tuple[tuple[str, str], ...] = ()  # "bf" -> "boyfriend", "w/" -> "with"
    spellings: tuple[tuple[str, str], ...] = ()  # UK -> US: "colour" -> "color"
    words: tuple[str, ...] = ()  # known words that no dictionary has ("airtag", "situationship")
    # Search, suggest and the pattern check (api/language/thesaurus.py); the danger normaliser ignores them.
    synonyms: tuple[tuple[str, ...], ...] = ()  # groups of words or phrases that mean the same, both ways
    expansions: tuple[tuple[str, str], ...] = ()  # a reader's word -> the words the guides use, one way
    idioms: tuple[tuple[str, str], ...] = ()  # as expansions, for figures of speech ("back to square one")


@dataclass(frozen=True)
class Pattern:
    text: str
    line: int | None = None


@dataclass(frozen=True)
class KindSpec:
    id: str
    level: str
    label: str
    patterns: tuple[Pattern, ...] = ()
    unless: tuple[Pattern, ...] = ()
    examples: tuple[Pattern, ...] = ()  # texts that must be recognised as this kind (checked by the validator)


@dataclass(frozen=True)
class Signals:
    """The parsed signals file: plain data, kept in the corpus and pickled with it."""

    kinds: tuple[KindSpec, ...] = ()
    sets: tuple[tuple[str, tuple[str, ...]], ...] = ()
    unless: tuple[Pattern, ...] = ()  # figures of speech that excuse a match of any kind


@dataclass(frozen=True)
class Language:
    """What the normaliser and the recogniser are built from: the vocabulary and signals files."""

    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    signals: Signals = field(default_factory=Signals)
    # content/safety/phrasings/: what people have typed, each with its kind of danger ("" for none).
    phrasings: tuple[tuple[str, str], ...] = ()
    # The digest of the files: names the recogniser built from them. Hashing the parsed files
    # instead cost about 1.5 ms a search (a thousand patterns, rehashed on every call).
    digest: str = field(default="", compare=False)
