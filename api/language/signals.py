"""Danger recognised in a person's own words, from patterns a safety editor keeps in a file.

The signals file (content/safety/signals.yaml) names each kind of danger, its level ("urgent" or
"concern") and the patterns that signal it, in this small language (documented for editors in
content/README.md):

    choke                      a word in any of its forms: choke, chokes, choked, choking
    =hit                       exactly this word (no other forms)
    strangl*                   any word that starts so
    hand|hands|fingers         one of these words
    [my]                       an optional word (the first word of a pattern may not be optional)
    grab ... neck              words within a window: up to 4 words between (`...2`: up to 2)
    @neck                      one word of a named set (`sets:` in the same file)
    (find out|know) where      one of these phrases; an empty choice makes a group optional: (|my|his)

A pattern matches the text after the normaliser (api.language.normalise) has put it into
dictionary spelling, so "he chocked me", "hes chokin me" and "he CHOKED me" all match `choke`.
`unless:` patterns (of a kind, or of the whole file) excuse a match they overlap: "hit me up" is a
text, not a blow. Keep them specific, since an excuse can hide danger. There is no negation: "he
didn't hit me but he punched the wall" still signals.

Loading never raises: problems are reported with file, line and field, like every content file.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from api.language.classifier import THRESHOLD, Classifier
from api.language.data import Language, Pattern, Signals, Vocabulary
from api.language.gate import Gate
from api.language.normalise import Normaliser, Token, english_counts, is_ordinary, stem, words_of

# The kinds of danger the API recognises, in the order notices list them. A kind's level and the
# words that signal it come from the signals file; the list itself is the API's contract.
KINDS: dict[str, str] = {
    "immediate_danger": "danger right now",
    "strangulation": "strangulation or choking: pressure on the neck or throat, in any words",
    "physical_violence": "hitting, pushing, kicking, hurting, throwing things",
    "threats": "threats to the person, the children, pets or family; weapons",
    "partner_suicide_threats": "a partner's threats of suicide or self-harm used as control",
    "stalking": "following, turning up, watching, trackers, location sharing, account and phone access",
    "sexual_violence": "sexual violence, and sex under pressure or coercion",
    "image_abuse": "threats to share intimate images, sextortion",
    "economic_abuse": "money, cards, documents or work taken or controlled",
    "coercive_control": "isolation, rules, control of clothes, friends and movements",
    "self_harm": "the reader's own thoughts of suicide or self-harm",
    "child_at_risk": "a child hurt, threatened or unsafe",
}
LEVELS = ("urgent", "concern")  # most pressing first
DEFAULT_WINDOW = 4
MAX_WINDOW = 10

_GAP = re.compile(r"^\.\.\.(\d+)?$")
_SET = re.compile(r"^@([a-z][a-z0-9_]*)$")


@dataclass(frozen=True)
class Found:
    """One kind recognised, with where in the text (as typed) the first match lies."""

    kind: str
    level: str
    label: str
    start: int
    end: int


# -- compiling patterns ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Element:
    stems: frozenset[str] = frozenset()
    exact: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    optional: bool = False
    gap: int = 0  # words allowed between the previous element and this one

    def matches(self, token: Token) -> bool:
        return (
            token.stem in self.stems
            or token.norm in self.exact
            or (bool(self.prefixes) and token.norm.startswith(self.prefixes))
        )


class _Index:
    """Compiled patterns by what their first word can be: a token looks up only the patterns it may start."""

    def __init__(self) -> None:
        self.by_stem: dict[str, list[_Compiled]] = defaultdict(list)
        self.by_exact: dict[str, list[_Compiled]] = defaultdict(list)
        self.by_prefix: dict[str, list[tuple[str, _Compiled]]] = defaultdict(list)  # by the prefix's first letter

    def add(self, c: _Compiled) -> None:
        first = c.elements[0]
        for s in first.stems:
            self.by_stem[s].append(c)
        for x in first.exact:
            self.by_exact[x].append(c)
        for pre in first.prefixes:
            self.by_prefix[pre[:1]].append((pre, c))

    def candidates(self, token: Token) -> list[_Compiled]:
        found = [*self.by_stem.get(token.stem, ()), *self.by_exact.get(token.norm, ())]
        found += [c for pre, c in self.by_prefix.get(token.norm[:1], ()) if token.norm.startswith(pre)]
        return found

    def spans(self, tokens: list[Token]) -> list[tuple[int, int]]:
        """Where in the tokens any of these patterns matches: (start, end) of each match."""
        out = []
        for i, token in enumerate(tokens):
            for c in self.candidates(token):
                end = _match(c.elements, 1, tokens, i + 1, 0)
                if end >= 0:
                    out.append((i, end))
        return out


@dataclass(frozen=True)
class _Compiled:
    kind: int  # index into Recogniser.kinds
    elements: tuple[_Element, ...]


class PatternError(ValueError):
    """A pattern that is malformed or can never match."""


MAX_EXPANSIONS = 256
_GROUP = re.compile(r"\(([^()]*)\)")


def expand(pattern: str) -> list[str]:
    """A pattern with `(a b|c)` groups as the plain patterns it stands for, one per choice."""
    m = _GROUP.search(pattern)
    if m is None:
        if "(" in pattern or ")" in pattern:
            raise PatternError("unbalanced parentheses")
        return [" ".join(pattern.split())]
    # Choices of one word stay one element ("a|b"); only phrases multiply the pattern.
    choices = [c.strip() for c in m.group(1).split("|")]
    words = [c for c in choices if c and " " not in c]
    phrases = [c for c in choices if not c or " " in c]
    out: list[str] = []
    for choice in ["|".join(words)] * bool(words) + phrases:
        out.extend(expand(f"{pattern[: m.start()]} {choice} {pattern[m.end() :]}"))
        if len(out) > MAX_EXPANSIONS:
            raise PatternError(f"more than {MAX_EXPANSIONS} phrases: split the pattern")
    return out


def literal_words(pattern: str) -> list[str]:
    """The plain words a pattern names (sets excluded): the lexicon typos may be corrected to."""
    out: list[str] = []
    for part in pattern.replace("(", " ").replace(")", " ").split():
        for alt in part.strip("[]").split("|"):
            if alt and not alt.startswith("@") and not _GAP.match(alt):
                out.extend(w for w, _, _ in words_of(alt.lstrip("=").rstrip("*")))
    return out


def _compile_all(
    pattern: str, kind: int, sets: Mapping[str, tuple[str, ...]], normaliser: Normaliser
) -> list[_Compiled]:
    return [_compile(p, kind, sets, normaliser) for p in expand(pattern)]


def _compile(pattern: str, kind: int, sets: Mapping[str, tuple[str, ...]], normaliser: Normaliser) -> _Compiled:
    elements: list[_Element] = []
    gap = 0
    pending_gap = False
    for part in pattern.split():
        m = _GAP.match(part)
        if m:
            if not elements:
                raise PatternError("a pattern may not start with '...'")
            if pending_gap:
                raise PatternError("two '...' in a row")
            gap = int(m.group(1)) if m.group(1) else DEFAULT_WINDOW
            if not 1 <= gap <= MAX_WINDOW:
                raise PatternError(f"a window must be 1 to {MAX_WINDOW} words ('{part}')")
            pending_gap = True
            continue
        optional = part.startswith("[") and part.endswith("]")
        if part.startswith("[") != part.endswith("]"):
            raise PatternError(f"unbalanced brackets in '{part}'")
        if optional and not elements:
            raise PatternError("the first word of a pattern may not be optional")
        body = part[1:-1] if optional else part
        elements.append(_element(body, optional, gap, sets, normaliser))
        gap, pending_gap = 0, False
    if pending_gap:
        raise PatternError("a pattern may not end with '...'")
    if not elements:
        raise PatternError("an empty pattern")
    return _Compiled(kind, tuple(elements))


def _element(
    body: str, optional: bool, gap: int, sets: Mapping[str, tuple[str, ...]], normaliser: Normaliser
) -> _Element:
    stems: set[str] = set()
    exact: set[str] = set()
    prefixes: list[str] = []
    alternatives = body.split("|")
    if any(not a for a in alternatives):
        raise PatternError(f"an empty alternative in '{body}'")
    for alt in alternatives:
        m = _SET.match(alt)
        if m:
            if m.group(1) not in sets:
                raise PatternError(f"unknown set '@{m.group(1)}' (known: {', '.join(sorted(sets)) or 'none'})")
            for word in sets[m.group(1)]:
                stems.add(stem(_one_word(word, normaliser)))
        elif alt.endswith("*"):
            raw = alt[:-1]
            if not raw.isalnum() or not raw.islower():
                raise PatternError(f"'{alt}': a prefix is lower-case letters and digits before '*'")
            prefixes.append(raw)
        elif alt.startswith("="):
            exact.add(_one_word(alt[1:], normaliser))
        else:
            stems.add(stem(_one_word(alt, normaliser)))
    return _Element(frozenset(stems), frozenset(exact), tuple(prefixes), optional, gap)


def _one_word(raw: str, normaliser: Normaliser) -> str:
    words = words_of(raw)
    if len(words) != 1:
        raise PatternError(f"'{raw}' is not one word as the normaliser reads text, so it can never match")
    norm = normaliser.word(words[0][0])
    if len(norm) != 1:
        raise PatternError(f"'{raw}' is read as '{' '.join(norm)}' (an abbreviation): write those words")
    return norm[0]


def _match(elements: tuple[_Element, ...], k: int, tokens: list[Token], pos: int, extra: int) -> int:
    """End (exclusive) of a match of elements[k:] starting at or after `pos`; -1 when none."""
    if k == len(elements):
        return pos
    e = elements[k]
    last = min(len(tokens) - 1, pos + e.gap + extra)
    for p in range(pos, last + 1):
        if e.matches(tokens[p]):
            end = _match(elements, k + 1, tokens, p + 1, 0)
            if end >= 0:
                return end
    if e.optional:
        return _match(elements, k + 1, tokens, pos, e.gap + extra)
    return -1


def _inflections(word: str) -> set[str]:
    """Ordinary English forms of a word with its stem: the words a typo may be corrected to."""
    counts = english_counts()
    s = stem(word)
    forms = {word, word + "s", word + "es", word + "ed", word + "d", word + "ing", word + "er", word + "ers"}
    if word.endswith("e"):
        forms |= {word[:-1] + "ing", word[:-1] + "er"}
    if word.endswith("y"):
        forms |= {word[:-1] + "ied", word[:-1] + "ies"}
    if len(word) > 2 and word[-1] not in "aeiouwxy":
        forms |= {word + word[-1] + "ed", word + word[-1] + "ing"}
    return {f for f in forms if f == word or (counts.get(f, 0) and is_ordinary(f) and stem(f) == s)}


class Recogniser:
    """Compiled signals over one normaliser. Build with `recogniser(vocabulary, signals)`."""

    def __init__(self, vocabulary: Vocabulary, signals: Signals, phrasings: tuple[tuple[str, str], ...] = ()) -> None:
        self.kinds = signals.kinds
        sets = dict(signals.sets)
        lexicon: set[str] = set()
        for spec in signals.kinds:
            for p in (*spec.patterns, *spec.unless):
                for w in literal_words(p.text):
                    lexicon |= _inflections(w)
        for p in signals.unless:
            for w in literal_words(p.text):
                lexicon |= _inflections(w)
        for words in sets.values():
            for w in words:
                lexicon |= _inflections(w)
        self.normaliser = Normaliser(vocabulary, lexicon)
        self.errors: list[tuple[str, Pattern, str]] = []  # (kind, pattern, reason)
        self._patterns = _Index()
        self._unless: dict[int, _Index] = defaultdict(_Index)
        every: list[_Compiled] = []
        for index, spec in enumerate(signals.kinds):
            for p in spec.patterns:
                try:
                    compiled = _compile_all(p.text, index, sets, self.normaliser)
                except PatternError as exc:
                    self.errors.append((spec.id, p, str(exc)))
                    continue
                for c in compiled:
                    self._patterns.add(c)
                every.extend(compiled)
            for p in spec.unless:
                try:
                    for c in _compile_all(p.text, index, sets, self.normaliser):
                        self._unless[index].add(c)
                except PatternError as exc:
                    self.errors.append((spec.id, p, str(exc)))
        self._gate = Gate(every, english_counts())
        known = {spec.id for spec in signals.kinds}
        self.classifier = Classifier(self.normaliser, ((t, k) for t, k in phrasings if not k or k in known))
        self._everywhere = _Index()
        for p in signals.unless:
            try:
                for c in _compile_all(p.text, -1, sets, self.normaliser):
                    self._everywhere.add(c)
            except PatternError as exc:
                self.errors.append(("unless", p, str(exc)))

    def recognise(self, text: str, classify: bool = True) -> list[Found]:
        """The kinds of danger the text signals, in the file's order; empty when none.

        Without `classify`, patterns only: the validator's warnings name words an editor can read.
        """
        tokens = self.normaliser.tokens(text)
        found: dict[int, Found] = {}
        excuses: dict[int, list[tuple[int, int]]] = {}
        everywhere: list[tuple[int, int]] | None = None
        patterns = _Index()  # the patterns that may match these tokens (most texts: none), in the index's order
        for c in self._gate.possible(tokens):
            patterns.add(c)
        for i, token in enumerate(tokens if patterns.by_stem or patterns.by_exact or patterns.by_prefix else ()):
            for c in patterns.candidates(token):
                if c.kind in found:
                    continue
                end = _match(c.elements, 1, tokens, i + 1, 0)
                if end < 0:
                    continue
                if everywhere is None:
                    everywhere = self._everywhere.spans(tokens)
                if c.kind not in excuses:
                    own = self._unless.get(c.kind)
                    excuses[c.kind] = everywhere + (own.spans(tokens) if own else [])
                if any(s < end and i < e for s, e in excuses[c.kind]):  # overlapping an excuse
                    continue
                spec = self.kinds[c.kind]
                found[c.kind] = Found(spec.id, spec.level, spec.label, tokens[i].start, tokens[end - 1].end)
        if not found and classify and self.classifier:
            guess = self.classifier.best(tokens)
            if guess is not None and guess[1] >= THRESHOLD:
                kind, _, at = guess
                spec = next(s for s in self.kinds if s.id == kind)
                return [Found(spec.id, spec.level, spec.label, tokens[at].start, tokens[at].end)]
        return [found[k] for k in sorted(found)]


@lru_cache(maxsize=4)
def recogniser(vocabulary: Vocabulary, signals: Signals, phrasings: tuple[tuple[str, str], ...] = ()) -> Recogniser:
    """One recogniser per vocabulary, signals and phrasings: every scope and version with the same files shares it."""
    return Recogniser(vocabulary, signals, phrasings)


_BY_DIGEST: dict[str, Recogniser] = {}


def recogniser_for(language: Language) -> Recogniser:
    """The recogniser of these language files, built once per digest (every scope shares it)."""
    if not language.digest:
        return recogniser(language.vocabulary, language.signals, language.phrasings)
    found = _BY_DIGEST.get(language.digest)
    if found is None:
        found = recogniser(language.vocabulary, language.signals, language.phrasings)
        remember(language, found)
    return found


def remember(language: Language, built: Recogniser) -> None:
    """Take `built` as the recogniser of these language files (one built before, e.g. kept by a
    publisher's cache, api/content/language.py), unless one is held already."""
    if not language.digest or language.digest in _BY_DIGEST:
        return
    if len(_BY_DIGEST) >= 4:  # a publish or two at a time; older versions are dropped
        _BY_DIGEST.pop(next(iter(_BY_DIGEST)))
    _BY_DIGEST[language.digest] = built
