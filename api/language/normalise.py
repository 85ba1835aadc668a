"""One normaliser for everything people type: search queries, suggestions and situations.

It turns text into tokens whose `norm` is the word as a dictionary would spell it and whose `stem`
is that word's Snowball (Porter2) stem. In order, per word:

1. case and Unicode forms; apostrophes dropped inside words ("don't" and "dont" are both `dont`);
2. abbreviations and text-speak from the vocabulary file (`bf` -> `boyfriend`, `w/` -> `with`,
   `rn` -> `right now`);
3. stretched letters ("sooo", "scaaared") shrunk until the word is known;
4. UK spellings mapped to US ones (`colour` -> `color`), from the vocabulary file;
5. one-letter typos ("strangeled", "thretened") corrected to a word of the lexicon, but only when
   the word is neither an ordinary English word nor in the vocabulary: `thread`, `treat`, `chose`
   and `stale` stay themselves and never become `threat`, `choke` or `stalk`.

Libraries: the English word list with frequencies of pyspellchecker (maintained, no dependencies;
its counts come from OpenSubtitles, the way people speak), rapidfuzz for the edit distance (an
optimal-string-alignment distance in C: a transposition counts one edit), snowballstemmer for
stems. Nothing here imports Flask, and nothing here keeps the text it is given, beyond the words
in a bounded in-memory cache.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from api.language.data import Vocabulary

# A word counts as ordinary English from this many uses in pyspellchecker's 1.6 billion words of
# subtitles (about 0.06 per million): "stale" (3,383) and "ghosted" (250) are ordinary; typos that
# people make often, such as "chocked" (86), are not, and may be corrected.
ORDINARY_MIN_COUNT = 100
FUZZY_MIN_LENGTH = 4  # shorter words have too many neighbours one edit away
MAX_CACHED_WORDS = 50_000

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_STRETCH = re.compile(r"([a-z])\1{2,}")
_AGE = re.compile(r"(\d{1,2})(?:yo|yr|yrs|yro)")


class Token(NamedTuple):
    """One normalised word; `start`/`end` are its place in the text as typed (an expansion shares them).

    A named tuple, not a frozen dataclass: a guide's paragraphs make hundreds of thousands of tokens
    in a publish's danger-word check, and a tuple is made in a fraction of the time."""

    norm: str
    stem: str
    start: int
    end: int


@lru_cache(maxsize=1)
def english_counts() -> Mapping[str, int]:
    """pyspellchecker's English word counts (read once; about 30 MB, shared by forked workers)."""
    data = resources.files("spellchecker").joinpath("resources/en.json.gz").read_bytes()
    counts: dict[str, int] = json.loads(gzip.decompress(data))
    return counts


def is_ordinary(word: str) -> bool:
    return english_counts().get(word, 0) >= ORDINARY_MIN_COUNT


_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=MAX_CACHED_WORDS)
def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


# "he's" and "hes" are both "hes" (the vocabulary file reads it as "he is"); any other "'s" is a
# possessive and dropped ("my ex's car" -> "ex car"). "n't" stays joined ("dont", read as "do not").
_JOINED_S = frozenset("he she it that what there who where how here everyone nobody".split())
_SUFFIXES = {"ll": "will", "re": "are", "ve": "have", "m": "am", "d": "would"}
_TOKEN = re.compile(r"[a-z0-9]+(?:['*]+[a-z0-9]+)*")


def words_of(text: str) -> list[tuple[str, int, int]]:
    """The raw words of a text (lower case, contractions opened), with their places in the text.

    A censored word keeps its stars ("r*ped"), for the vocabulary file to read.
    """
    folded = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
    # NFKC and lower() keep the length of almost all text; where they do not, places are approximate.
    out: list[tuple[str, int, int]] = []
    for m in _TOKEN.finditer(folded):
        word, start, end = m.group(), m.start(), m.end()
        if "'" not in word:
            out.append((word, start, end))
            continue
        head, _, tail = word.rpartition("'")
        head = head.replace("'", "")
        if tail == "t" and head.endswith("n"):
            out.append((head + "t", start, end))
        elif tail == "s":
            out.append((head + "s" if head in _JOINED_S else head, start, end))
        elif tail in _SUFFIXES:
            out.extend(((head, start, end), (_SUFFIXES[tail], start, end)))
        else:
            out.append((head + tail, start, end))
    return out


class Normaliser:
    """Text to tokens, with the vocabulary file and a lexicon of words typos may be corrected to."""

    def __init__(self, vocabulary: Vocabulary, lexicon: Iterable[str] = ()) -> None:
        self.vocabulary = vocabulary
        symbols = sorted((k for k, _ in vocabulary.abbreviations if not _TOKEN.fullmatch(k)), key=len, reverse=True)
        # "w/" and "b/c" are one word to the reader but not to the tokenizer: replaced before it runs.
        self._symbols = (
            re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(s) for s in symbols) + ")") if symbols else None
        )
        self._symbol_map = {k: v for k, v in vocabulary.abbreviations if not _TOKEN.fullmatch(k)}
        self._abbreviations = {k: tuple(v.split()) for k, v in vocabulary.abbreviations if _TOKEN.fullmatch(k)}
        self._spellings = dict(vocabulary.spellings)
        self._known = frozenset(vocabulary.words)
        targets = set(lexicon) | self._known
        counts = english_counts()
        # By first letter, most frequent first: a typo rarely changes a word's first letter ("vaping"
        # is not "raping"), and of two corrections one edit away the commoner word wins.
        self._targets: dict[str, list[str]] = {}
        for w in sorted(targets, key=lambda w: (-counts.get(w, 0), w)):
            self._targets.setdefault(w[:1], []).append(w)
        self._lexicon = frozenset(targets)
        self._cache: dict[str, tuple[str, ...]] = {}

    def __getstate__(self) -> dict[str, object]:
        """Pickled without the words seen: in a server they are what readers typed."""
        return {**self.__dict__, "_cache": {}}

    def known(self, word: str) -> bool:
        return word in self._known or word in self._lexicon or is_ordinary(word)

    def tokens(self, text: str) -> list[Token]:
        out: list[Token] = []
        for raw, start, end in self._raw_words(text):
            for norm in self.word(raw):
                out.append(Token(norm, stem(norm), start, end))
        return out

    def _raw_words(self, text: str) -> list[tuple[str, int, int]]:
        found = words_of(text)
        if self._symbols is None:
            return found
        # Symbols such as "w/" are found on the folded text and put in place of their letters.
        folded = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
        spans = [(m.start(), m.end(), self._symbol_map[m.group()]) for m in self._symbols.finditer(folded)]
        if not spans:
            return found
        out: list[tuple[str, int, int]] = []
        for raw, start, end in found:
            hit = next((s for s in spans if s[0] <= start < s[1]), None)
            if hit is None:
                out.append((raw, start, end))
            elif start == hit[0]:
                out.extend((w, hit[0], hit[1]) for w in hit[2].split())  # the rest of "b/c" is dropped
        return out

    def word(self, raw: str) -> tuple[str, ...]:
        """One raw word as the dictionary spells it: usually one word, several for an abbreviation."""
        found = self._cache.get(raw)
        if found is None:
            found = self._word(raw)
            if len(self._cache) >= MAX_CACHED_WORDS:
                self._cache.clear()
            self._cache[raw] = found
        return found

    def _word(self, raw: str) -> tuple[str, ...]:
        if raw in self._abbreviations:
            return self._abbreviations[raw]
        word = raw
        if _STRETCH.search(word):
            word = self._unstretch(word)
            if word in self._abbreviations:
                return self._abbreviations[word]
        word = self._spellings.get(word, word)
        age = _AGE.fullmatch(word)
        if age:  # "8yo", "16yrs": how old someone is
            return (age.group(1), "year", "old")
        if not self.known(word) and word.isalpha():
            if word.endswith("in") and self.known(word + "g"):  # "chokin", "puttin": a dropped g
                return (word + "g",)
            if len(word) >= FUZZY_MIN_LENGTH:
                word = self.correct(word) or word
        return (word,)

    def _unstretch(self, word: str) -> str:
        """'sooo' -> 'so', 'scaaared' -> 'scared', 'helllp' -> 'help': runs of 3+ letters shrunk to 2 or 1."""
        two = _STRETCH.sub(r"\1\1", word)
        if self.known(two):
            return two
        one = _STRETCH.sub(r"\1", word)
        if self.known(one) or not self.known(two):
            return one
        return two

    def correct(self, word: str) -> str | None:
        """The lexicon word one edit away, with the same first letter (a transposition is one edit); None if none.

        Of several, a letter missed or added ("strangeled", "chocked") is preferred to a letter
        changed, then the commoner word: "chocked" is "choked", not "checked".
        """
        found = process.extract(word, self._targets.get(word[:1], ()), scorer=OSA.distance, score_cutoff=1, limit=None)
        if not found:
            return None
        # extract keeps the order of self._targets (most frequent first) among equal distances.
        best = min(found, key=lambda f: (f[1], len(f[0]) == len(word), f[2]))
        return str(best[0])

    def normalise(self, text: str) -> str:
        return " ".join(t.norm for t in self.tokens(text))
