"""An incremental index: the previous release's segments reused, only changed guides indexed.

The previous index directory is live (workers read it), so it is never written: its files are
hard-linked (copied across file systems) into the new directory, whose own table of contents then
marks the documents of changed, renamed and deleted guides deleted (Whoosh keeps deletions in the
table of contents, not in the segment files) and adds one segment with the new documents. Which
guides changed: the per-guide digests of their documents (guides.json) against the new ones.

Merge policy (`merge_policy`): small segments are merged together once there are more than
MAX_SMALL of them, and a segment whose share of deleted documents passes MAX_DELETED is rewritten,
so that 20 incremental builds leave a handful of segments (the search targets hold; see
bench/results/index-build.md). Merging happens in the build, and counts in its time.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.reading import SegmentReader

from api.content import Corpus
from search_index.meta import (
    GUIDES,
    KEYS,
    META,
    apply_words,
    doc_words,
    documents_code,
    facets_of,
    fingerprint,
    finish_meta,
)
from search_index.segments import FastSegmentWriter, Progress, add_documents

log = logging.getLogger(__name__)

FULL_SHARE = 0.4  # more than this share of the documents changed: a full build is faster
SMALL_DOCS = 2_000  # a segment with fewer documents is "small"
MAX_SMALL = 3  # more small segments than this: they are merged into one
MAX_DELETED = 0.25  # a segment with a larger share of deleted documents is rewritten
_SKIP = (META, GUIDES, KEYS)


@dataclass
class Plan:
    previous: Path
    meta: dict[str, Any]
    removed: set[str]  # guides whose previous documents go (changed, renamed, deleted)
    added: set[str]  # guides whose documents are indexed (changed, renamed, new)


def known_digests(previous: Path, keys: Mapping[str, str]) -> dict[str, str]:
    """The previous build's document digests of the guides whose key it was given too: those guides
    are not turned into documents again. Empty when the previous build had no keys, or when the
    code that makes documents has changed since."""
    try:
        old = json.loads((previous / KEYS).read_text(encoding="utf-8"))
        digests = json.loads((previous / GUIDES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(old, dict) or old.get("code") != documents_code():
        return {}
    old_keys = old.get("keys") or {}
    return {g: digests[g] for g, k in keys.items() if old_keys.get(g) == k and g in digests}


def plan(previous: Path, digests: dict[str, str], docs: list[dict[str, Any]]) -> Plan | None:
    """What to reindex after `previous`; None when a full build is needed (or faster). `docs`: the
    documents made for this build, those of every changed, renamed and new guide among them."""
    try:
        meta = json.loads((previous / META).read_text(encoding="utf-8"))
        old = json.loads((previous / GUIDES).read_text(encoding="utf-8"))
        index.open_dir(str(previous), readonly=True).close()
    except (OSError, ValueError, KeyError, index.EmptyIndexError) as exc:
        log.info("full index build: the previous index is not reusable (%s)", type(exc).__name__)
        return None
    if meta.get("fingerprint") != fingerprint() or "stats" not in meta:
        log.info("full index build: the index schema or analyzers changed")
        return None
    removed = {g for g, d in old.items() if digests.get(g) != d}
    added = {g for g, d in digests.items() if old.get(g) != d}
    changed_docs = sum(1 for g in meta["guides"] if g in removed)
    added_docs = sum(1 for d in docs if d["guide"] in added)
    total = meta["stats"]["docs"] - changed_docs + added_docs
    if changed_docs + added_docs > FULL_SHARE * max(1, total):
        return None
    return Plan(previous, meta, removed, added)


def _link_files(previous: Path, tmp: Path) -> None:
    for f in previous.iterdir():
        if f.name in _SKIP or f.name.endswith("LOCK") or not f.is_file():
            continue
        try:
            os.link(f, tmp / f.name)
        except OSError:
            shutil.copy2(f, tmp / f.name)


def merge_policy(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh merge policy: the segments kept as they are; the others are merged into the new one."""
    small = [s for s in segments if s.doc_count() < SMALL_DOCS]
    merge = small if len(small) > MAX_SMALL else []
    merge += [s for s in segments if s not in merge and s.deleted_count() > MAX_DELETED * s.doc_count_all()]
    for s in merge:
        reader = SegmentReader(writer.storage, writer.schema, s)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in merge]


def update(
    plan: Plan, tmp: Path, docs: list[dict[str, Any]], corpus: Corpus, progress: Progress | None
) -> dict[str, Any]:
    """Build the index in `tmp` from the previous one; return its meta."""
    _link_files(plan.previous, tmp)
    meta = plan.meta
    ix = index.open_dir(str(tmp))
    old_segments = {s.segid: s for s in ix._segments()}
    new_docs = [d for d in docs if d["guide"] in plan.added]
    vocab, stats = dict(meta["vocab"]), json.loads(json.dumps(meta["stats"]))
    if progress:
        progress("index", 0, len(new_docs))
    writer = FastSegmentWriter(ix)
    try:
        gone = [d for d, g in enumerate(meta["guides"]) if g in plan.removed]
        with writer.reader() as reader:
            apply_words(vocab, stats, (doc_words(reader.stored_fields(d)) for d in gone), -1)
        for d in gone:
            writer.delete_document(d)
        add_documents(writer, new_docs, lambda: None)
        apply_words(vocab, stats, (doc_words(d) for d in new_docs), 1)
        if progress:
            progress("index", len(new_docs), len(new_docs))
        writer.commit(mergetype=merge_policy)
    except BaseException:
        writer.cancel()
        raise
    facets = _facets(ix, meta, old_segments)
    ix.close()
    return finish_meta(facets, dict(sorted(vocab.items())), stats, corpus, rank=_rank(facets["guides"]))


def _facets(ix: Any, meta: dict[str, Any], old_segments: dict[str, Any]) -> dict[str, list[Any]]:
    """Facet arrays in the new docnum order: a reused segment's from the previous meta (its deleted
    documents blanked), a new or merged one's from its stored fields."""
    old_offsets, base = {}, 0
    for segid, s in old_segments.items():
        old_offsets[segid] = base
        base += s.doc_count_all()
    out: dict[str, list[Any]] = {k: [] for k in ("types", "collections", "tags", "guides")}
    ix2 = index.open_dir(ix.storage.folder, readonly=True)
    with ix2.reader() as reader:
        for (leaf, _), segment in zip(reader.leaf_readers(), ix2._segments(), strict=True):
            n = segment.doc_count_all()
            if segment.segid in old_offsets:
                start = old_offsets[segment.segid]
                part = {k: meta[k][start : start + n] for k in out}
                for d in segment.deleted_docs():
                    part["types"][d], part["collections"][d], part["tags"][d], part["guides"][d] = 0, "", [], ""
            else:
                stored: list[dict[str, Any] | None] = [None] * n
                for d, fields in leaf.iter_docs():
                    stored[d] = fields
                part = facets_of(stored)
            for k in out:
                out[k].extend(part[k])
    ix2.close()
    return out


def _rank(guides: list[str]) -> list[int]:
    """Per docnum, its place in a full build's order (by guide slug, then as the guide lists its
    documents): ties in a ranking are broken by it, so incremental and full builds agree."""
    order = sorted((g, d) for d, g in enumerate(guides) if g)
    rank = [len(guides)] * len(guides)
    for r, (_, d) in enumerate(order):
        rank[d] = r
    return rank
