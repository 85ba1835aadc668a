"""The user-query guard and the query builder: pure functions, no index access.

Users never reach Whoosh's query language. `parse_query` keeps words and quoted phrases and drops
everything else (field names, wildcards, regexes, operators, control characters), so no input can
ask for `title:*` or a regex over the lexicon. `build_query` turns the parsed words into Whoosh
query objects directly; typo and prefix expansions come from a `Vocabulary` with hard caps, so the
work a query can cause is bounded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from whoosh import query as wq
from whoosh.analysis import STOP_WORDS

from api.language.normalise import is_ordinary
from api.language.thesaurus import Thesaurus
from search_index.schema import EXACT_ANALYZER, PHRASE_BOOST, PHRASE_FIELD, STEM_ANALYZER, TEXT_FIELD

# Longer input is refused (a 422 at the API), never truncated silently. Readers' rambling questions
# run to 50 words and more (264 characters in the session-27 blind set; 200 refused 8 of its 12
# long queries). The work a query causes is bounded by MAX_WORDS and the fuzzy limits below, not
# by its length; 600 characters of any script, percent-encoded (12 bytes a character at most), fit
# the request line gunicorn accepts (limit_request_line in gunicorn.conf.py) and nginx's 8 KiB.
MAX_QUERY_CHARS = 600
MAX_WORDS = 10
MAX_PHRASES = 3
MAX_PHRASE_WORDS = 8
MIN_PREFIX = 3  # shorter last words are matched as typed, not completed
PREFIX_EXPANSIONS = 8  # most frequent completions of the last word
FUZZY_MIN_LEN = 5  # typo tolerance for words of 5+ letters
FUZZY_EXPANSIONS = 3  # known words tried per misspelled word
# The work one query can cause (issue 19.11): ten misspelled words with three corrections each took
# 406 ms at 10,000 guides. Only the first few unknown words are corrected, with at most this many
# corrections in all; the rest are searched as typed (and so match nothing).
MAX_FUZZY_WORDS = 3
MAX_FUZZY_TERMS = 6
# Discounts for words the user did not type exactly.
FUZZY_WEIGHT = {1: 0.8, 2: 0.5}
PREFIX_WEIGHT = 0.6
EXPANSION_WEIGHT = 0.7  # a word the thesaurus adds (content/vocabulary.yaml), beside the reader's own
IDIOM_WEIGHT = 0.3  # a word inside an idiom of the vocabulary file ("back to square one")
RELAXED_DISTANCE = 2  # the fallback's typo tolerance, for words of 4+ letters

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "＂": '"'})
_SPACE = re.compile(r"\s+")


class QueryTooLong(ValueError):
    """The query is longer than MAX_QUERY_CHARS."""


@dataclass(frozen=True)
class ParsedQuery:
    """What is left of a user's query after the guard: words, quoted phrases, and a prefix."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    prefix: str | None = None  # the last word, completed for search-as-you-type

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases

    @property
    def normalized(self) -> str:
        """A canonical form: the cache key and what the response echoes."""
        parts = [" ".join(self.words)] + ['"' + " ".join(p) + '"' for p in self.phrases]
        return " ".join(p for p in parts if p) + ("*" if self.prefix else "")


def clean(text: str) -> str:
    """NFKC, control and format characters to spaces, curly quotes to straight, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    return _SPACE.sub(" ", text)


def words_of(text: str) -> list[str]:
    """Words as the unstemmed field sees them (lower case, accents folded)."""
    return [t.text for t in EXACT_ANALYZER(text)]


def parse_query(text: str, max_chars: int = MAX_QUERY_CHARS) -> ParsedQuery:
    """Guard a user's query: keep words and balanced "quoted phrases"; drop any other syntax."""
    if len(text) > max_chars:
        raise QueryTooLong(f"The query is longer than {max_chars} characters.")
    cleaned = clean(text)
    parts = cleaned.split('"')
    # Odd-numbered parts are inside quotes; with an unbalanced quote the last part is plain words.
    balanced = len(parts) % 2 == 1
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    for i, part in enumerate(parts):
        in_quotes = i % 2 == 1 and (balanced or i < len(parts) - 1)
        found = words_of(part)
        if in_quotes and len(found) > 1:
            if len(phrases) < MAX_PHRASES:
                phrases.append(tuple(found[:MAX_PHRASE_WORDS]))
        else:
            words.extend(found)
    words = list(dict.fromkeys(words))[:MAX_WORDS]
    prefix = None
    # Complete the last word only while it is being typed: the query ends inside it (no space,
    # punctuation or quote after it).
    last_part = parts[-1]
    if words and last_part[-1:].isalnum() and (balanced or len(parts) == 1):
        tail = words_of(last_part)
        if tail and tail[-1] == words[-1] and len(tail[-1]) >= MIN_PREFIX and tail[-1] not in STOP_WORDS:
            prefix = tail[-1]
    if not balanced and len(parts) > 1 and parts[-1].strip():
        prefix = None  # an unbalanced quote: the tail is plain words, not typed-ahead
    return ParsedQuery(tuple(words), tuple(dict.fromkeys(phrases)), prefix)


class Vocabulary(Protocol):
    """Lookups in the unstemmed field's vocabulary (document frequencies)."""

    def df(self, word: str) -> int: ...

    def completions(self, prefix: str, limit: int) -> list[str]: ...

    def corrections(self, word: str, maxdist: int, limit: int) -> list[tuple[str, int]]: ...

    def has_stem(self, stem: str) -> bool: ...


@dataclass
class Plan:
    """The Whoosh query for a parsed query, with what was guessed on the way."""

    query: wq.Query | None
    corrections: dict[str, str] = field(default_factory=dict)  # unknown word -> best known word
    terms: set[str] = field(default_factory=set)  # stemmed terms searched (for snippets)
    weighted: dict[str, float] = field(default_factory=dict)  # stemmed term -> query weight (for scoring)
    phrases: list[wq.Phrase] = field(default_factory=list)  # required: documents must contain these
    exact: set[str] = field(default_factory=set)  # unstemmed words searched (for snippets)
    # What was understood, per reader's word or phrase: found as typed, expanded to, corrected to.
    understood: list[dict[str, Any]] = field(default_factory=list)
    required: dict[str, frozenset[str]] = field(default_factory=dict)  # typed word -> its own stems


def stems(word: str) -> list[str]:
    return [t.text for t in STEM_ANALYZER(word)]


def fuzzy_distance(word: str) -> int:
    return 0 if len(word) < FUZZY_MIN_LEN else (1 if len(word) <= 7 else 2)


@dataclass
class _Budget:
    """The typo corrections one query may still try (MAX_FUZZY_WORDS, MAX_FUZZY_TERMS)."""

    words: int = MAX_FUZZY_WORDS
    terms: int = MAX_FUZZY_TERMS


def build_query(
    parsed: ParsedQuery, vocab: Vocabulary, thesaurus: Thesaurus | None = None, relaxed: bool = False
) -> Plan:
    """Whoosh query: per word, the stemmed term in each weighted field, or-ed with its typo
    corrections, (last word) completions and the thesaurus's expansions; words or-ed; phrases
    required. `relaxed` (the fallback when nothing matched): phrases read as words, more typos
    forgiven, every word completed."""
    plan = Plan(None)
    clauses: list[wq.Query] = []
    words = list(parsed.words)
    phrases = list(parsed.phrases)
    if relaxed:
        words += [w for p in phrases for w in p if w not in words]
        phrases = []
    found = thesaurus.expand([w.replace("'", "").replace("’", "") for w in words]) if thesaurus else []
    expanded = {i for e in found for i in range(e.start, e.end)}
    typed = list(words)
    for e in found:  # a misspelt word of the vocabulary's ("narcisist") is searched as the word meant
        if e.corrected:
            words[e.start : e.end] = e.phrase.split()
    idiom = {i for e in found if e.idiom for i in range(e.start, e.end)}
    budget = _Budget()
    for i, word in enumerate(words):
        known = i in expanded or (thesaurus is not None and thesaurus.knows(word))
        weighted, exact, corrected = _word_terms(plan, word, vocab, known, relaxed, word == parsed.prefix, budget)
        if not weighted:
            continue  # a stop word: it only counts inside phrases
        if i in idiom:  # "read" of "left on read": the phrase means something its words do not
            weighted = {s: w * IDIOM_WEIGHT for s, w in weighted.items()}
        own = frozenset(stems(word))
        if own:  # the reader's own word: a misspelt one is never matched (its correction is offered)
            plan.required[typed[i]] = own if typed[i] == word else frozenset(stems(typed[i]))
        if i not in expanded:
            plan.understood.append(
                {"text": word, "found": any(vocab.has_stem(s) for s in own), "expanded": [], "corrected": corrected}
            )
        _add(plan, clauses, weighted, exact)
    for e in found:
        span = typed[e.start : e.end]
        fixed = [(w, k) for w, k in zip(span, e.phrase.split(), strict=True) if w != k and _may_offer(vocab, w, k)]
        _add_expansion(plan, clauses, e.adds, span, vocab, e.phrase if fixed else None)
        plan.corrections.update(fixed)  # did you mean the vocabulary's word
    _finish(plan, clauses, words, phrases)
    return plan


def _may_offer(vocab: Vocabulary, typed: str, meant: str) -> bool:
    """Whether a misspelt vocabulary word may be named back to the reader: a word in no guide (the
    vocabulary's own, "narcissist"), or one the index itself offers for the typo (within a partner's
    scope, only the words of its collections: a correction never names content it cannot see)."""
    return vocab.df(meant) == 0 or any(w == meant for w, _ in vocab.corrections(typed, 1, FUZZY_EXPANSIONS))


def _word_terms(
    plan: Plan, word: str, vocab: Vocabulary, known: bool, relaxed: bool, prefix: bool, budget: _Budget
) -> tuple[dict[str, float], set[str], str | None]:
    """One typed word's stemmed terms with their weights, the unstemmed words searched, and its
    correction (if any): typo corrections only for words that are neither in the index, the
    thesaurus (`known`), nor ordinary English; completions for the word being typed."""
    weighted = dict.fromkeys(stems(word), 1.0)
    own = frozenset(weighted)
    exact = {word}
    known = known or vocab.df(word) > 0 or any(vocab.has_stem(s) for s in own) or is_ordinary(word)
    dist = fuzzy_distance(word) if not relaxed else (RELAXED_DISTANCE if len(word) >= 4 else 0)
    corrected = None
    if not known and dist and budget.words > 0 and budget.terms > 0:
        budget.words -= 1
        alts = vocab.corrections(word, dist, min(FUZZY_EXPANSIONS, budget.terms))
        budget.terms -= len(alts)
        if alts:
            corrected = plan.corrections[word] = alts[0][0]
        for alt, d in alts:
            exact.add(alt)
            for s in stems(alt):
                weighted.setdefault(s, FUZZY_WEIGHT.get(d, 0.4))
    if prefix or (relaxed and len(word) >= MIN_PREFIX):
        for alt in vocab.completions(word, PREFIX_EXPANSIONS):
            exact.add(alt)
            for s in stems(alt):
                weighted.setdefault(s, PREFIX_WEIGHT)
    return weighted, exact, corrected


def _add_expansion(
    plan: Plan,
    clauses: list[wq.Query],
    adds: Sequence[str],
    typed: list[str],
    vocab: Vocabulary,
    corrected: str | None = None,
) -> None:
    """The guides' words a reader's word or phrase expands to (the vocabulary file), one clause."""
    weighted: dict[str, float] = {}
    exact: set[str] = set()
    for phrase in adds:
        for w in phrase.split():
            exact.add(w)
            for s in stems(w):
                weighted.setdefault(s, EXPANSION_WEIGHT)
    own = frozenset(s for w in typed for s in stems(w))
    plan.understood.append(
        {
            "text": " ".join(typed),
            "found": any(vocab.has_stem(s) for s in own),
            "expanded": list(adds),
            "corrected": corrected,
        }
    )
    if weighted:
        _add(plan, clauses, weighted, exact)


def _finish(plan: Plan, clauses: list[wq.Query], words: list[str], phrases: list[tuple[str, ...]]) -> None:
    """The whole query: the words' clauses or-ed, the quoted phrases required."""
    if not clauses and words and not phrases:
        # Only stop words ("what if", "is it"): match them as typed, all of them.
        clauses = [wq.And([wq.Term(PHRASE_FIELD, w) for w in words])]
        plan.exact.update(words)
    plan.phrases = [wq.Phrase(PHRASE_FIELD, list(p), boost=PHRASE_BOOST) for p in phrases]
    for p in phrases:  # scored by their words too; marked in snippets only as the whole phrase
        for word in p:
            for s in stems(word):
                plan.weighted.setdefault(s, 1.0)
    # No coordination bonus (Or's `scale`): BM25 sums already favour documents matching more words,
    # and the coord wrapper disables Whoosh's block-quality skipping (it cost ~40% of query time).
    optional = (wq.Or(clauses) if len(clauses) > 1 else clauses[0]) if clauses else None
    if plan.phrases:
        required = wq.And(plan.phrases) if len(plan.phrases) > 1 else plan.phrases[0]
        plan.query = wq.AndMaybe(required, optional) if optional is not None else required
    else:
        plan.query = optional


def _add(plan: Plan, clauses: list[wq.Query], weighted: dict[str, float], exact: set[str]) -> None:
    plan.terms.update(weighted)
    plan.exact.update(exact)
    for s, w in weighted.items():
        plan.weighted[s] = max(w, plan.weighted.get(s, 0.0))
    subs = [wq.Term(TEXT_FIELD, s, boost=w) for s, w in weighted.items()]
    clauses.append(wq.Or(subs) if len(subs) > 1 else subs[0])
