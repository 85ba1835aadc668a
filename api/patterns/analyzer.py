"""The pattern check: a person's own words matched to guides, deterministically and explainably.

Method, per content version (precomputed once: `build_analyzer` in api/patterns/build.py; the API keeps
one with each release, api/current.py `analyzer_of`):
- every guide's signals, title, tags, summary and other short text (headings, script triggers,
  read-next conditions) are tokenised, stop words dropped and the rest Porter-stemmed;
- each stem gets an inverse document frequency over guides, so words every guide uses count little.

Per situation:
- a person's own words weigh by how rare they are in everyday English (api/patterns/text.py
  `plainness`): "though", "three", "time" say less about a situation than "guilty" or "loop";
- the text is matched against a synonyms table of how people actually talk ("left me on read",
  "can't stop thinking") that adds the guides' words, and danger kinds add their words too;
- unknown stems are corrected by one edit to a stem the guides use ("replyed", "jelous");
- each unit (one signal, the title, ...) scores the idf of the stems it shares with the query,
  normalised by its length; a guide's score weighs its best signals, then title, tags, summary;
- ticked signals (exact text) add a fixed boost; the closest next read follows the graph from the
  guide being read and adds how well each link's condition fits the situation.
Every result carries the signals matched and the person's words that matched them.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import OSA

from api.content.model import Corpus
from api.content.safety import safety_notice
from api.language.data import Language
from api.language.signals import Found, recogniser_for
from api.language.thesaurus import Thesaurus
from api.patterns.example_words import ExampleWords
from api.patterns.graph import GUIDE_EDGE_TYPES, Graph
from api.patterns.meaning import GuideVectors, with_meaning
from api.patterns.safety_order import harm_guide_first, safety_in_view
from api.patterns.synonyms import SYNONYMS
from api.patterns.text import (
    deletions,
    normalise,
    plainness,
    signal_key,
    stem,
    tokens,
    tokens_all,
)

# -- weights (documented in the module docstring; tuned on the judged set as a whole) -----------
FIELD_WEIGHTS: dict[str, float] = {
    "signal": 1.0,
    "title": 0.8,
    "tags": 0.7,
    "summary": 0.5,
    "text": 0.35,
    "prose": 0.35,
}
SIGNAL_DECAY = (1.0, 0.5, 0.25)  # best signal counts fully, the next ones less: breadth without swamping
TEXT_DECAY = (1.0, 0.5)
FIELDS = ("signal", "title", "tags", "summary", "text", "prose")
# Per field: the weight of its best unit, second best, ... (field weight x decay).
_DECAYS = tuple(tuple(FIELD_WEIGHTS[f] * d for d in (SIGNAL_DECAY if f == "signal" else TEXT_DECAY)) for f in FIELDS)
DIRECT, SYNONYM, FUZZY, TICKED_TEXT = 1.0, 1.0, 0.6, 0.5  # query weight by where a stem came from
# A synonym (how people talk -> the guides' words) weighs as much as a rare word of the reader's own.
IDIOM = 0.3  # a word inside a phrase the vocabulary reads as one: "back" of "back to square one"
TICK_BOOST = 1.5  # per exactly ticked signal: the person said so themselves
CONDITION_WEIGHT = 1.0  # next read: how well the link's condition fits, beside the target's score
SIGNAL_MATCH_MIN = 0.5  # a signal is reported as matched from this unit score
MAX_RESULTS = 20
UNIT_FLOOR = 0.05  # units scoring under 5% of the best unit are not added up (speed on large corpora)
MIN_IDF = 0.1  # stems in almost every guide ("feel", "read") are skipped

# Danger kinds (api.language.signals) add the words the safety guides use, so they rank first.
DANGER_WORDS: dict[str, str] = {
    "immediate_danger": "safety afraid leave safely",
    "strangulation": "violence afraid hurt",
    "physical_violence": "violence afraid hurt",
    "threats": "threatened threat afraid",
    "partner_suicide_threats": "threatened control leave",
    "stalking": "stalking turn up places",
    "sexual_violence": "abuse hurt control",
    "image_abuse": "threatened threat",
    "economic_abuse": "money control",
    "coercive_control": "control",
    "self_harm": "grieve heartbreak",
    "child_at_risk": "children afraid",
}

# Kinds of harm to body or life whose words are concrete enough to reorder by (analyzer.check,
# search_hints.harm_guide): a safety guide first. Sexual violence and immediate danger are left out:
# the recogniser also finds them in everyday words ("go along with things", "park outside"), and on
# blind set 5 lifting a safety guide for them was wrong 3 times out of 3 (session 29).
HARM_KINDS = frozenset({"strangulation", "physical_violence", "threats", "child_at_risk"})

_SYNONYMS = tuple((re.compile(rx), expansion) for rx, expansion in SYNONYMS)


@dataclass(slots=True)
class Query:
    """Stems to look for, each with its weight and the person's words that produced it."""

    weights: dict[str, float] = field(default_factory=dict)
    words: dict[str, list[str]] = field(default_factory=dict)

    def add(self, s: str, weight: float, word: str) -> None:
        if weight > self.weights.get(s, 0.0):
            self.weights[s] = weight
        seen = self.words.setdefault(s, [])
        if word not in seen:
            seen.append(word)


@dataclass(frozen=True, slots=True)
class Unit:
    """One piece of guide text the query is matched against (a signal, the title, ...)."""

    text: str
    stems: frozenset[str]
    norm: float


@dataclass(slots=True)
class GuideEntry:
    slug: str
    title: str
    collection: str
    safety_sensitive: bool
    # field -> unit ids (signals in order; title/tags/summary one each; text several)
    units: dict[str, tuple[int, ...]]


@dataclass(slots=True)
class Analyzer:
    """The precomputed index of one content version."""

    version: str
    graph: Graph
    language: Language = field(default_factory=Language)  # the danger signals of this content version
    units: list[Unit] = field(default_factory=list)
    guides: list[GuideEntry] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)  # stem -> unit ids
    occurrences: list[list[tuple[int, int, int]]] = field(default_factory=list)  # unit -> (key, guide, field)
    idf: dict[str, float] = field(default_factory=dict)
    deletes: dict[str, list[str]] = field(default_factory=dict)  # one-deletion variant -> vocabulary stems
    signal_guides: dict[str, list[int]] = field(default_factory=dict)  # normalised signal text -> guides
    index: dict[str, int] = field(default_factory=dict)  # slug -> guide index
    conditions: dict[str, Unit] = field(default_factory=dict)  # edge id -> its condition
    thesaurus: Thesaurus = field(default_factory=lambda: Thesaurus({}))
    vectors: GuideVectors | None = None  # guide -> its meaning (api/patterns/meaning.py); None: words only
    example_words: ExampleWords = field(default_factory=ExampleWords)  # the sounds_like examples' words

    # -- query -----------------------------------------------------------------------------------
    def query(self, situation: str, ticked: Sequence[str] = (), danger: Iterable[Found] = ()) -> Query:
        q = Query()
        text = normalise(situation)
        for w, s in tokens(text):
            if s in self.idf:
                q.add(s, DIRECT * plainness(w), w)
            else:
                for fixed in self.correct(s):
                    q.add(fixed, FUZZY, w)
        for rx, expansion in _SYNONYMS:
            for m in rx.finditer(text):
                self._expand(q, m.group(0).strip(), expansion)
        # The vocabulary file's synonyms and expansions (api/language/thesaurus.py), as search reads them.
        words = [w for w, _ in tokens_all(text)]
        found_phrases = self.thesaurus.expand(words)
        idiom: set[str] = set()  # stems only from inside a phrase read as one ("back to square one")
        for e in found_phrases:
            if e.idiom:
                idiom.update(stem(w) for w in words[e.start : e.end])
        if idiom:
            inside = {i for e in found_phrases if e.idiom for i in range(e.start, e.end)}
            idiom -= {stem(w) for i, w in enumerate(words) if i not in inside}
            for s in idiom & q.weights.keys():
                q.weights[s] = min(q.weights[s], IDIOM)
        for e in found_phrases:
            self._expand(q, e.phrase, " ".join(e.adds))
            for rx, expansion in _SYNONYMS if e.corrected else ():  # "instagarm" read as instagram here too
                if rx.search(e.phrase):
                    self._expand(q, e.phrase, expansion)
        for found in danger:
            for _, s in tokens(DANGER_WORDS.get(found.kind, "")):
                if s in self.idf:
                    q.add(s, SYNONYM, situation[found.start : found.end])
        for t in ticked:
            for w, s in tokens(t):
                if s in self.idf:
                    q.add(s, TICKED_TEXT, w)
        return q

    def _expand(self, q: Query, phrase: str, words: str) -> None:
        """The guides' words for a reader's phrase, each as much as a telling word of the reader's own.

        (Sharing the weight among the words a phrase adds was tried: a loss on the development set.)
        """
        for _, s in tokens(words):
            if s in self.idf:
                q.add(s, SYNONYM, phrase)

    def correct(self, s: str) -> list[str]:
        """Vocabulary stems one edit away, only for words long enough to judge.

        The symmetric-deletes table finds candidates (one deletion on either side, so up to two
        edits apart); the distance search uses too (OSA: a transposition is one edit) keeps those
        one edit away.
        """
        if len(s) < 5:
            return []
        found: set[str] = set()
        for variant in (s, *deletions(s)):
            found.update(c for c in self.deletes.get(variant, ()) if OSA.distance(s, c, score_cutoff=1) <= 1)
        return sorted(found)[:3]

    # -- scoring ------------------------------------------------------------------------------------
    def unit_scores(self, q: Query, min_idf: float = MIN_IDF) -> dict[int, float]:
        acc: dict[int, float] = {}
        for s, w in q.weights.items():
            weight = w * self.idf[s]
            if self.idf[s] < min_idf:
                continue  # in nearly every guide: tells nothing apart, and is the costliest to score
            for u in self.postings.get(s, ()):
                acc[u] = acc.get(u, 0.0) + weight
        return {u: v / self.units[u].norm for u, v in acc.items()}

    def guide_scores(self, q: Query, ticked: Sequence[str] = (), min_idf: float = MIN_IDF) -> dict[int, float]:
        """Every matching guide's score: per field, its best units weighted and decayed.

        Units are visited best first, so the n-th unit a guide meets in a field is its n-th best
        there; one flat pass, no per-guide lists (10,000 guides share few distinct units).
        """
        per_unit = sorted(self.unit_scores(q, min_idf).items(), key=lambda x: -x[1])
        scores: dict[int, float] = {}
        seen: dict[int, int] = {}  # guide * 8 + field -> units counted so far
        floor = per_unit[0][1] * UNIT_FLOOR if per_unit else 0.0
        occurrences, get_seen, get_score = self.occurrences, seen.get, scores.get
        for u, score in per_unit:
            if score < floor:
                break  # sorted: the rest are slivers that cannot lift a guide into the results
            for key, gi, fi in occurrences[u]:
                n = get_seen(key, 0)
                decay = _DECAYS[fi]
                if n < len(decay):
                    seen[key] = n + 1
                    scores[gi] = get_score(gi, 0.0) + decay[n] * score
        for t in ticked:
            for gi in self.signal_guides.get(signal_key(t), ()):
                scores[gi] = scores.get(gi, 0.0) + TICK_BOOST
        return scores

    def explain(self, gi: int, q: Query, ticked: Sequence[str]) -> dict[str, Any]:
        """The matched signals of one guide, and the person's words behind each match."""
        g = self.guides[gi]
        ticked_keys = {signal_key(t) for t in ticked}
        signals = []
        for u in g.units["signal"]:
            unit = self.units[u]
            shared = [s for s in q.weights if s in unit.stems]
            score = sum(q.weights[s] * self.idf[s] for s in shared) / unit.norm
            is_ticked = signal_key(unit.text) in ticked_keys
            if score >= SIGNAL_MATCH_MIN or is_ticked:
                signals.append((score, unit.text, _words(q, shared), is_ticked))
        signals.sort(key=lambda x: (-x[3], -x[0]))
        matched = {}
        for fname in ("title", "tags", "summary", "text"):
            shared = sorted({s for u in g.units[fname] for s in self.units[u].stems if s in q.weights})
            if shared:
                matched[fname] = _words(q, shared)
        return {
            "matched_signals": [{"signal": text, "words": words, "ticked": t} for _, text, words, t in signals],
            "matched_words": matched,
        }

    def closest_next_read(self, slug: str, q: Query, scores: dict[int, float]) -> dict[str, Any] | None:
        """From the guide being read, the linked guide that fits the situation best.

        A link's score is the target's own score plus how well its condition ("if the hardest part
        is ...") fits; ties keep the guide's order (read-next before inline before related links).
        """
        best: tuple[float, int] | None = None
        candidates = [e for e in self.graph.next_reads(slug) if e.type in GUIDE_EDGE_TYPES]
        for i, e in enumerate(candidates):
            target = self.index[e.target.split(":", 1)[1]]
            cond = self.conditions.get(e.id)
            fit = scores.get(target, 0.0)
            if cond is not None:
                shared = sum(q.weights[s] * self.idf[s] for s in cond.stems if s in q.weights)
                fit += CONDITION_WEIGHT * shared / cond.norm
            if best is None or fit > best[0] + 1e-9:
                best = (fit, i)
        if best is None:
            return None
        e = candidates[best[1]]
        g = self.guides[self.index[e.target.split(":", 1)[1]]]
        cond = self.conditions.get(e.id)
        cond_words = _words(q, sorted(s for s in cond.stems if s in q.weights)) if cond else []
        return {
            "slug": g.slug,
            "title": g.title,
            "score": round(best[0], 3),
            "matched_words": cond_words,
            "via": self.graph.edge_dicts[e.id],
        }

    def check(
        self,
        situation: str,
        ticked: Sequence[str] = (),
        guide: str | None = None,
        limit: int = 5,
        corpus: Corpus | None = None,
        region: str | None = None,
        safety_guides: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The whole answer: safety notice (or null), ranked guides, and the closest next read
        (`safety_guides`: the notice's guides, when the caller keeps them for `corpus`)."""
        danger = recogniser_for(self.language).recognise(situation)
        q = self.query(situation, ticked, danger)
        scores = self.guide_scores(q, ticked)
        # Danger: the words put a safety guide first (DANGER_WORDS); meaning alone would put the guide
        # closest in theme there (a safety guide first in 160 of 209 such situations, not 179): it stays.
        first = max(scores, key=lambda gi: (scores[gi], -gi)) if danger and scores else None
        keep = first if first is not None and self.guides[first].safety_sensitive else None
        ranked = with_meaning(self.vectors, situation, scores, keep, True, self.example_words.fit(situation))
        if keep is None and any(f.kind in HARM_KINDS for f in danger):
            ranked = harm_guide_first(self, ranked, danger)
        if danger:
            ranked = safety_in_view(self, ranked)
        top = heapq.nlargest(min(limit, MAX_RESULTS), ((s, -gi) for gi, s in ranked.items() if s > 0))
        results = []
        for rank, (score, neg) in enumerate(top, 1):
            gi = -neg
            g = self.guides[gi]
            results.append(
                {
                    "rank": rank,
                    "slug": g.slug,
                    "title": g.title,
                    "collection": g.collection,
                    "safety_sensitive": g.safety_sensitive,
                    "score": round(score, 3),
                    **self.explain(gi, q, ticked),
                }
            )
        reading = None
        if guide is not None and guide in self.index:
            gi = self.index[guide]
            its_rank = next((r["rank"] for r in results if r["slug"] == guide), None)
            reading = {
                "slug": guide,
                "score": round(ranked.get(gi, 0.0), 3),
                "rank": its_rank,
                "closest_next_read": self.closest_next_read(guide, q, scores),
            }
        return {
            "safety": safety_notice(corpus, danger, region, safety_guides) if danger and corpus is not None else None,
            "results": results,
            "reading": reading,
            "understood": sorted(_words(q, q.words)),
        }

    def without_danger(self, text: str) -> str:
        """The text with the words that signal danger taken out (what else it is about)."""
        cut = [(f.start, f.end) for f in recogniser_for(self.language).recognise(text, classify=False)]
        for start, end in sorted(cut, reverse=True):
            text = text[:start] + " " + text[end:]
        return text

    def harm_fit(self, kinds: Iterable[str]) -> dict[int, float]:
        """How well each safety guide speaks of these kinds of harm to body or life, by the danger
        kinds' words alone (DANGER_WORDS), not by the rest of what was typed ("bf choked me" is not
        about phone-checking); empty when none of the kinds is such harm (HARM_KINDS)."""
        q = Query()
        for kind in kinds:
            if kind in HARM_KINDS:
                for w, s in tokens(DANGER_WORDS.get(kind, "")):
                    if s in self.idf:
                        q.add(s, SYNONYM, w)
        if not q.weights:
            return {}
        return {gi: s for gi, s in self.guide_scores(q, ()).items() if s > 0 and self.guides[gi].safety_sensitive}


def _words(q: Query, shared: Iterable[str]) -> list[str]:
    """The person's words behind these stems; a word inside a longer matched phrase is left out."""
    out: list[str] = []
    for s in shared:
        for w in q.words.get(s, ()):
            if w not in out:
                out.append(w)
    return [w for w in out if not any(w != o and w in o for o in out)]
