"""The pattern analyzer's index of one content version, built once and shared (see analyzer.py).

Every guide's signals, title, tags, summary, other short text (headings, script triggers, read-next
conditions) and the prose beside its signals become units; each stem gets an idf over guides and
the spelling-correction table its one-deletion variants.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from api.content.model import Corpus
from api.language.thesaurus import Thesaurus
from api.patterns.analyzer import FIELDS, Analyzer, GuideEntry, Unit
from api.patterns.example_words import ExampleWords
from api.patterns.graph import Graph, build_graph
from api.patterns.meaning import GuideVectors, VectorTable
from api.patterns.text import deletions, signal_key, stems, unit_norm

_TAG_SPLIT = re.compile(r"[-_]")


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _fit_sentences(g: Any) -> list[str]:
    """The sentences of the paragraphs beside a guide's signals: the section that lists whom the
    guide fits describes it in prose too ("every interaction resets your grief")."""
    for s in g.sections:
        if any(b.type == "signals" for b in s.blocks):
            paras = [b.text for b in s.blocks if b.type == "paragraph"]
            return [x for p in paras for x in _SENTENCE.split(p) if len(x.split()) >= 4]
    return []


def build_analyzer(
    corpus: Corpus, graph: Graph | None = None, vectors: Mapping[str, np.ndarray] | VectorTable | None = None
) -> Analyzer:
    """Index one corpus: units, postings, idf and the spelling-correction table. `graph`: the
    corpus's graph, when one is built already (the web layer keeps both with the release);
    `vectors`: guide digest -> its meaning (api/releases/vectors.py), for the meaning factor; a
    VectorTable (the web layer keeps one per release) is shared, not copied."""
    graph = graph if graph is not None else build_graph(corpus)
    a = Analyzer(version=corpus.version, graph=graph, language=corpus.language)
    a.thesaurus = Thesaurus.from_vocabulary(corpus.language.vocabulary)
    unit_ids: dict[str, int] = {}  # identical text (common in generated content) is scored once

    def unit(text: str, words: frozenset[str] | None = None) -> int:
        if text in unit_ids:
            return unit_ids[text]
        st = words if words is not None else stems(text)
        uid = unit_ids[text] = len(a.units)
        a.units.append(Unit(text, st, unit_norm(len(st))))
        a.occurrences.append([])
        for s in st:
            a.postings.setdefault(s, []).append(uid)
        return uid

    df: dict[str, int] = {}
    for gi, g in enumerate(sorted(corpus.guides.values(), key=lambda x: x.slug)):
        tag_words = " ".join(_TAG_SPLIT.sub(" ", t) for t in g.tags)
        extra = [s.heading for s in g.sections if s.heading]
        extra += [x for sc in g.scripts for x in (sc.situation, sc.trigger) if x]
        extra += [link.condition for link in g.links if link.condition]
        units = {
            "signal": tuple(unit(s) for s in g.signals),
            "title": (unit(g.title),),
            "tags": (unit("tags: " + tag_words, stems(tag_words)),),
            "summary": (unit(g.summary),),
            "text": tuple(dict.fromkeys(unit(x) for x in extra)),
            # The prose beside the signals (the section that says whom the guide fits), a sentence a unit.
            "prose": tuple(dict.fromkeys(unit(x) for x in _fit_sentences(g))),
        }
        entry = GuideEntry(g.slug, g.title, g.collection, g.safety_sensitive, units)
        a.guides.append(entry)
        a.index[g.slug] = gi
        seen: set[str] = set()
        for fname, ids in units.items():
            for u in ids:
                fi = FIELDS.index(fname)
                a.occurrences[u].append((gi * 8 + fi, gi, fi))
                seen.update(a.units[u].stems)
        for s in seen:
            df[s] = df.get(s, 0) + 1
        for s in g.signals:
            a.signal_guides.setdefault(signal_key(s), []).append(gi)
    a.vectors = _aligned(a, corpus, vectors) if vectors else None
    a.example_words = ExampleWords.build(corpus.guides[g.slug].sounds_like for g in a.guides)
    _weigh(a, df, graph)
    return a


def _weigh(a: Analyzer, df: dict[str, int], graph: Graph) -> None:
    """Each stem's idf, the spelling-correction table and the read-next conditions' units."""
    n = max(len(a.guides), 1)
    a.idf = {s: math.log(1 + (n - d + 0.5) / (d + 0.5)) for s, d in df.items()}
    for s in a.idf:
        if len(s) >= 4:
            for v in (s, *deletions(s)):
                a.deletes.setdefault(v, []).append(s)
    for e in graph.edges:
        if e.condition:
            st = stems(e.condition)
            a.conditions[e.id] = Unit(e.condition, st, unit_norm(len(st)))


def _aligned(a: Analyzer, corpus: Corpus, vectors: Mapping[str, np.ndarray] | VectorTable) -> GuideVectors:
    """The guides' vectors in the analyzer's order, rows of the release's one matrix (a table) or
    of a new one (a mapping); a guide without one gets only its words' score."""
    table = vectors if isinstance(vectors, VectorTable) else VectorTable(vectors)
    return table.of(corpus.guides[g.slug].digest for g in a.guides)
