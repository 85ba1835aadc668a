"""Build a complete index into a directory of its own, written once and never changed.

The directory is one part of a release (api/releases.py): the release store's one `current`
pointer decides which index is live, together with the content it was built from, so a search
answer and the rest of a response always come from the same release. The index is written into a
`.building` sibling first and renamed into place, so a crash never leaves a half index under the
final name.

A full build writes the documents as a few segments on both cores (search_index/segments.py). With
`previous` (the live release's index), only the documents of changed, added, renamed and deleted
guides are indexed: the previous segments are hard-linked and reused (search_index/incremental.py).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.index import TOC, clean_files

from api.content import Corpus
from api.content.files import write_atomic
from search_index import incremental
from search_index.documents import corpus_documents, guide_documents
from search_index.meta import GUIDES, KEYS, META, documents_code, full_meta, guide_digests
from search_index.schema import SCHEMA
from search_index.segments import Progress, write_segments

__all__ = ["META", "build_index"]
log = logging.getLogger(__name__)


def build_index(
    corpus: Corpus,
    directory: str | Path,
    documents: Iterable[dict[str, Any]] | None = None,
    *,
    previous: str | Path | None = None,
    progress: Progress | None = None,
    keys: Mapping[str, str] | None = None,
) -> Path:
    """Index the corpus into `directory` (new, or empty), complete with its meta.json; return it.

    `previous`: the index of the release this one follows. Its segments are reused when it is
    readable and built with the same schema and analyzers (else the build is full); it is never
    changed. `progress(stage, done, total)`: called now and then while indexing. `keys`: per guide
    slug, a key that changes whenever the guide may have (the content address of its snapshot,
    api/releases/snapshot.py): a guide whose key is the one `previous` was built with is not turned
    into documents again.
    """
    final = Path(directory)
    if final.is_dir() and not any(final.iterdir()):
        final.rmdir()
    if final.exists():
        raise FileExistsError(f"{final} exists: an index is written once, into a new directory")
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f"{final.name}.{os.getpid()}.building")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        meta, digests = _build(tmp, corpus, documents, Path(previous) if previous else None, progress, keys)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    write_atomic(tmp / GUIDES, json.dumps(digests, separators=(",", ":")))
    if keys is not None and documents is None:
        write_atomic(tmp / KEYS, json.dumps({"code": documents_code(), "keys": dict(keys)}, separators=(",", ":")))
    write_atomic(tmp / META, json.dumps(meta, separators=(",", ":")))
    os.rename(tmp, final)
    return final


def _build(
    tmp: Path,
    corpus: Corpus,
    documents: Iterable[dict[str, Any]] | None,
    previous: Path | None,
    progress: Progress | None,
    keys: Mapping[str, str] | None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The index in `tmp` and (meta, per-guide digests): incremental when `previous` allows."""
    known = incremental.known_digests(previous, keys) if previous and keys and documents is None else {}
    known = {g: d for g, d in known.items() if g in corpus.guides}
    if documents is not None:
        docs = list(documents)
    else:  # only the guides whose documents may have changed
        docs = [d for s in sorted(corpus.guides) if s not in known for d in guide_documents(corpus.guides[s])]
    digests = dict(sorted({**known, **guide_digests(docs)}.items()))
    plan = incremental.plan(previous, digests, docs) if previous is not None else None
    if plan is not None:
        return incremental.update(plan, tmp, docs, corpus, progress), digests
    if known:  # a full build after all: it needs every document
        docs = list(corpus_documents(corpus))
    return _full(tmp, docs, corpus, progress), digests


def _full(tmp: Path, docs: list[dict[str, Any]], corpus: Corpus, progress: Progress | None) -> dict[str, Any]:
    # Separate files, not one compound file: whoosh3 reads a compound file through an mmap but hands
    # each part out as a BytesIO copy, so every worker held its own copy of the index (394 MB of RSS
    # per worker at 10,000 guides, against 32 MB with plain files read through the page cache that
    # the workers share; query latency the same).
    ix = index.create_in(str(tmp), SCHEMA)
    segments = write_segments(ix, docs, progress)
    generation = 1
    TOC(SCHEMA, segments, generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, segments)
    shutil.rmtree(tmp / f"{ix.indexname}.tmp", ignore_errors=True)  # Whoosh's temporary files (none here)
    ix = index.open_dir(str(tmp))
    with ix.reader() as reader:
        meta = full_meta(reader, docs, corpus)
    ix.close()
    return meta
