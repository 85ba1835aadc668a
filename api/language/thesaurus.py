"""Readers' words read the way the guides write: synonyms both ways, one-way expansions.

Built from the vocabulary file (content/vocabulary.yaml): `synonyms` (groups that mean the same,
each member finds the others: `no contact` / `nc`), `expansions` (a reader's word to the words the
guides use, one way: `ghosted` -> `no reply, silence`) and the danger normaliser's
`abbreviations` (`bf` -> `boyfriend`), read one way too. The reader's own words are always kept
and searched as typed; what they add is searched beside them, and every answer says which of the
reader's words (or phrases) were expanded and to what.

Keys are matched on whole words, longest first (up to MAX_KEY_WORDS words: `left on read`),
hyphens read as spaces (`co-parenting` is `co parenting`). A misspelt one-word key ("narcisist",
"gaslightng") is read as the key when the word is no ordinary English word and the key (a synonym
or expansion, not an abbreviation) is one edit away: the danger normaliser's own correction
(api/language/normalise.py) over those keys. Nothing
here imports Flask or keeps what it is given.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from api.content.model import Problem
from api.language.data import Vocabulary
from api.language.normalise import Normaliser, is_ordinary

MAX_KEY_WORDS = 4
OFFER_MIN_CHARS = 5  # shorter keys ("nc", "gf") are not offered as completions
TYPO_MIN_CHARS = 5  # shorter words have too many keys one edit away ("nark", "lurks")
_WORD = re.compile(r"[a-z0-9]+")


def key_of(text: str) -> tuple[str, ...]:
    """A key or value as words: lower case, apostrophes dropped, any other symbol a space."""
    return tuple(_WORD.findall(text.lower().replace("'", "").replace("\u2019", "")))


@dataclass(frozen=True)
class Expansion:
    """Reader's words [start, end) of the query's words, the phrase they form, and what it adds."""

    start: int
    end: int
    phrase: str
    adds: tuple[str, ...]  # each a word or a phrase the guides use
    idiom: bool = False  # a figure of speech: its own words do not mean what they say alone
    corrected: bool = False  # a word of it was misspelt ("narcisist"): `phrase` is the key as meant


class Thesaurus:
    def __init__(
        self, table: dict[tuple[str, ...], tuple[str, ...]], offered: Sequence[str] = (), idioms: Sequence[str] = ()
    ) -> None:
        self.table = table
        self.idioms = frozenset(tuple(i.split()) for i in idioms)
        self.longest = max((len(k) for k in table), default=0)
        self.first_words = frozenset(k[0] for k in table)
        # Readers' words that suggest may complete to ("situationship", "love bombing"): the keys of
        # synonyms and expansions, not the abbreviations. Sorted, for prefix lookups.
        self.offered = sorted(set(offered))
        # The one-word keys typos are read as, through the danger normaliser's correction (one edit,
        # same first letter); built on first use.
        self._speller: Normaliser | None = None
        self._key_words: frozenset[str] = frozenset()

    @classmethod
    def from_vocabulary(cls, vocabulary: Vocabulary) -> Thesaurus:
        table: dict[tuple[str, ...], list[str]] = {}

        def add(key: str, value: str) -> None:
            k, v = key_of(key), " ".join(key_of(value))
            if k and v and " ".join(k) != v:
                found = table.setdefault(k, [])
                if v not in found:
                    found.append(v)

        for group in vocabulary.synonyms:
            for a in group:
                for b in group:
                    add(a, b)
        for key, value in (*vocabulary.expansions, *vocabulary.idioms):
            for v in value.split(","):
                add(key, v)
        for key, value in vocabulary.abbreviations:
            if key_of(key) and " ".join(key_of(key)) == key:  # not the symbol forms ("w/")
                add(key, value)
        offered = [" ".join(key_of(m)) for g in vocabulary.synonyms for m in g]
        offered += [k for k, _ in (*vocabulary.expansions, *vocabulary.idioms)]
        offered = [o for o in offered if len(o) >= OFFER_MIN_CHARS]
        return cls({k: tuple(v) for k, v in table.items()}, offered, [k for k, _ in vocabulary.idioms])

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Thesaurus:
        """From `to_data()` (the search index keeps it in its meta.json)."""
        table = {tuple(str(w) for w in k): tuple(str(v) for v in vs) for k, vs in data.get("table", ())}
        return cls(table, [str(o) for o in data.get("offered", ())], [str(i) for i in data.get("idioms", ())])

    def to_data(self) -> dict[str, Any]:
        return {
            "table": [[list(k), list(v)] for k, v in sorted(self.table.items())],
            "offered": self.offered,
            "idioms": sorted(" ".join(i) for i in self.idioms),
        }

    def completions(self, typed: str, limit: int) -> list[str]:
        """Readers' words and phrases that start with what was typed (3+ characters), shortest first."""
        if len(typed) < 3:
            return []
        start = bisect.bisect_left(self.offered, typed)
        found = []
        for o in self.offered[start:]:
            if not o.startswith(typed):
                break
            if o != typed:
                found.append(o)
        return sorted(found, key=len)[:limit]

    def knows(self, word: str) -> bool:
        return (word,) in self.table or word in self.first_words

    def key_for(self, word: str) -> str | None:
        """The word of a key a misspelt word stands for ("narcisist" -> "narcissist", "parentng" ->
        "parenting"), or None: only for words of TYPO_MIN_CHARS+ letters that are neither in a key
        nor ordinary English."""
        if len(word) < TYPO_MIN_CHARS or not word.isalpha() or is_ordinary(word):
            return None
        if self._speller is None:
            # The words of the readers' keys (synonyms, expansions, idioms), not the abbreviations:
            # "txted" is a typed form, not a word "texted" could be a typo of.
            keys = {w for k in self.offered for w in k.split() if len(w) >= TYPO_MIN_CHARS}
            self._key_words = frozenset(keys)
            self._speller = Normaliser(Vocabulary(), sorted(keys))
        return None if word in self._key_words else self._speller.correct(word)

    def expand(self, words: Sequence[str]) -> list[Expansion]:
        """The expansions found in a sequence of words, longest match first, left to right; a
        misspelt word of a key is read as that word, and the key itself is searched too."""
        fixed = [self.key_for(w) or w for w in words]
        out: list[Expansion] = []
        i = 0
        while i < len(fixed):
            if fixed[i] not in self.first_words:
                i += 1
                continue
            for n in range(min(self.longest, MAX_KEY_WORDS, len(fixed) - i), 0, -1):
                key = tuple(fixed[i : i + n])
                if key in self.table:
                    typed = tuple(words[i : i + n])
                    adds = self.table[key] if typed == key else (" ".join(key), *self.table[key])
                    out.append(Expansion(i, i + n, " ".join(key), adds, key in self.idioms, typed != key))
                    i += n
                    break
            else:
                i += 1
        return out


def parse_search_words(
    data: dict[str, Any], lines: Mapping[str, int], file: str, problems: list[Problem]
) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """The vocabulary file's `synonyms` (a list of groups of 2+ words or phrases), `expansions` and
    `idioms` (each a mapping of a word or phrase to one or a list of words or phrases); every
    problem reported."""
    groups: list[tuple[str, ...]] = []
    raw_groups = data.get("synonyms") or []
    if not isinstance(raw_groups, list):
        problems.append(Problem(file, lines.get("synonyms"), "synonyms", "must be a list of groups: [nc, no contact]"))
        raw_groups = []
    for i, group in enumerate(raw_groups):
        where = lines.get(f"synonyms.{i}", lines.get("synonyms"))
        ok = isinstance(group, list) and all(isinstance(m, str) for m in group)
        members = [" ".join(key_of(m)) for m in group] if ok else []
        if len([m for m in dict.fromkeys(members) if m]) < 2:
            problems.append(Problem(file, where, f"synonyms.{i}", "needs 2+ different words or phrases"))
            continue
        groups.append(tuple(dict.fromkeys(m for m in members if m)))
    expansions = _parse_table(data, "expansions", lines, file, problems)
    idioms = _parse_table(data, "idioms", lines, file, problems)
    for key, _ in idioms:
        if len(key.split()) < 2:
            problems.append(
                Problem(
                    file,
                    lines.get(f"idioms.{key}", lines.get("idioms")),
                    f"idioms.{key}",
                    "an idiom is a phrase of 2+ words",
                )
            )
    return tuple(groups), expansions, tuple(i for i in idioms if len(i[0].split()) >= 2)


def _parse_table(
    data: dict[str, Any], part: str, lines: Mapping[str, int], file: str, problems: list[Problem]
) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    table = data.get(part) or {}
    if not isinstance(table, dict):
        problems.append(Problem(file, lines.get(part), part, "must map readers' words to the guides'"))
        table = {}
    for written, meant in table.items():
        where = lines.get(f"{part}.{written}", lines.get(part))
        values = meant if isinstance(meant, list) else [meant]
        key = " ".join(key_of(written)) if isinstance(written, str) else ""
        clean = [" ".join(key_of(v)) for v in values if isinstance(v, str)]
        if not key or len(key.split()) > MAX_KEY_WORDS or len(clean) != len(values) or not all(clean):
            problems.append(
                Problem(
                    file, where, f"{part}.{written}", f"maps a word or phrase (up to {MAX_KEY_WORDS} words) to words"
                )
            )
            continue
        if key in clean:
            problems.append(Problem(file, where, f"{part}.{written}", "expands to itself"))
            continue
        pairs.append((key, ",".join(clean)))
    return tuple(sorted(pairs))
