"""An index's meta.json: facet arrays in docnum order, vocabulary, statistics, and what an
incremental build needs to know about the index it follows (per-guide digests, fingerprint).

The statistics (live documents, total field lengths) are the ones a full build of the same content
has: BM25 is computed from them (search_index/score.py), not from Whoosh's, which count deleted
documents until their segment is merged. So an incremental index scores exactly as a full one.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from api.content import Corpus
from api.language.thesaurus import Thesaurus
from search_index import schema
from search_index.documents import index_texts
from search_index.schema import DOC_TYPES, PHRASE_FIELD, SCHEMA, TEXT_FIELD

META = "meta.json"
GUIDES = "guides.json"  # per-guide digests of their documents (read by the next build only)
KEYS = "keys.json"  # per-guide keys the caller gave (see build_index), and the document code's digest
INDEX_FORMAT = 2  # raise when what a document holds changes in a way the digests do not see
SCORED = (TEXT_FIELD, PHRASE_FIELD)


def _canon(obj: Any, depth: int = 0) -> Any:
    """A deterministic description of an analyzer or field (sets sorted: their order varies)."""
    if depth > 6:
        return type(obj).__qualname__
    if isinstance(obj, (set, frozenset)):
        return sorted(repr(x) for x in obj)
    if isinstance(obj, dict):
        return sorted((repr(k), _canon(v, depth + 1)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return [_canon(x, depth + 1) for x in obj]
    if isinstance(obj, (str, int, float, bool, type(None))):
        return obj
    if callable(obj) and not hasattr(obj, "__dict__"):
        return getattr(obj, "__qualname__", type(obj).__qualname__)
    attrs = {k: v for k, v in vars(obj).items() if not k.startswith("_")} if hasattr(obj, "__dict__") else {}
    return [type(obj).__module__, type(obj).__qualname__, _canon(attrs, depth + 1)]


def fingerprint() -> str:
    """The schema and analyzers (and the format of documents): a change forces a full build."""
    fields = [(name, _canon(SCHEMA[name])) for name in SCHEMA.names()]
    knobs = [INDEX_FORMAT, schema.TOKEN_PATTERN, schema.BOOSTS, schema.PAIR_SEP]
    return hashlib.sha256(json.dumps([fields, knobs], default=repr).encode()).hexdigest()[:32]


def documents_code() -> str:
    """The code that turns a guide into documents: a guide whose key is unchanged is not converted
    again only while this is unchanged too (an edit to it reconverts every guide, no full build)."""
    here = Path(__file__).parent
    parts = [str(INDEX_FORMAT).encode(), (here / "documents.py").read_bytes(), (here / "schema.py").read_bytes()]
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:32]


def guide_digests(docs: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Per guide, the digest of its documents (all of their fields, in order)."""
    parts: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        parts.setdefault(doc["guide"], []).append(doc)
    return {
        g: hashlib.sha256(json.dumps(ds, sort_keys=True, default=str).encode()).hexdigest()[:24]
        for g, ds in parts.items()
    }


def doc_words(stored: dict[str, Any]) -> tuple[set[str], int, int]:
    """A document's exact words (a set), and its lengths in the scored and exact fields, as the
    index counts them: re-analysed from what it stores (or from the document itself)."""
    text, exact = index_texts(
        stored["type"], stored["title"], stored.get("summary") or "", stored.get("headings") or "", stored["body"]
    )
    exact_tokens = [t.text for t in schema.EXACT_ANALYZER(exact, mode="index")]
    text_len = sum(1 for _ in schema.STEM_ANALYZER(text, mode="index"))
    return set(exact_tokens), text_len, len(exact_tokens)


def facets_of(docs: Iterable[dict[str, Any] | None]) -> dict[str, list[Any]]:
    """The facet arrays of these documents in order (None: a deleted document, matching nothing)."""
    out: dict[str, list[Any]] = {"types": [], "collections": [], "tags": [], "guides": []}
    for d in docs:
        out["types"].append(DOC_TYPES.index(d["type"]) if d else 0)
        out["collections"].append(d["collection"] if d else "")
        out["tags"].append([t for t in (d.get("tags") or "").split(",") if t] if d else [])
        out["guides"].append(d["guide"] if d else "")
    return out


def full_meta(reader: Any, docs: Sequence[dict[str, Any]], corpus: Corpus) -> dict[str, Any]:
    """The meta of a full build (documents in docnum order, no deletions)."""
    vocab = {w: reader.doc_frequency(PHRASE_FIELD, w) for w in reader.field_terms(PHRASE_FIELD)}
    stats = {"docs": len(docs), "lengths": {f: reader.field_length(f) for f in SCORED}}
    return finish_meta(facets_of(docs), vocab, stats, corpus)


def finish_meta(
    facets: dict[str, list[Any]], vocab: dict[str, int], stats: dict[str, Any], corpus: Corpus, **extra: Any
) -> dict[str, Any]:
    titles = [[g.slug, g.title] for g in sorted(corpus.guides.values(), key=lambda g: g.title.lower())]
    return {
        "version": corpus.version,
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "fingerprint": fingerprint(),
        "docs": len(facets["types"]),
        **facets,
        "vocab": vocab,
        "titles": titles,
        # BM25's statistics over the live documents (search_index/score.py).
        "stats": stats,
        # The vocabulary file's synonyms and expansions, as this release's search reads them.
        "thesaurus": Thesaurus.from_vocabulary(corpus.language.vocabulary).to_data(),
        **extra,
    }


def apply_words(
    vocab: dict[str, int], stats: dict[str, Any], words: Iterable[tuple[set[str], int, int]], sign: int
) -> None:
    """Add (sign 1) or remove (sign -1) documents' words and lengths from a vocabulary and stats."""
    counts: Counter[str] = Counter()
    lengths = stats["lengths"]
    for ws, text_len, exact_len in words:
        counts.update(ws)
        stats["docs"] += sign
        lengths[TEXT_FIELD] += sign * text_len
        lengths[PHRASE_FIELD] += sign * exact_len
    for w, n in counts.items():
        left = vocab.get(w, 0) + sign * n
        if left > 0:
            vocab[w] = left
        else:
            vocab.pop(w, None)
