"""Build a complete index into a directory of its own, written once and never changed.

The directory is one part of a release (api/releases.py): the release store's one `current`
pointer decides which index is live, together with the content it was built from, so a search
answer and the rest of a response always come from the same release. The index is written into a
`.building` sibling first and renamed into place, so a crash never leaves a half index under the
final name.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from whoosh import index

from api.content import Corpus
from api.content.files import write_atomic
from api.language.thesaurus import Thesaurus
from search_index.documents import corpus_documents
from search_index.schema import DOC_TYPES, PAIR_FIELD, PHRASE_FIELD, SCHEMA

META = "meta.json"
WRITER_LIMIT_MB = 256


Progress = Callable[[str, int, int], None]  # (stage, done, total)


def build_index(
    corpus: Corpus,
    directory: str | Path,
    documents: Iterable[dict[str, Any]] | None = None,
    *,
    previous: str | Path | None = None,
    progress: Progress | None = None,
) -> Path:
    """Index the corpus into `directory` (new, or empty), complete with its meta.json; return it.

    `previous`: the index of the release this one follows, whose segments an incremental build may
    reuse (issue 21; today every build is full). `progress`: called now and then while indexing.
    """
    del previous, progress  # interface for the incremental build (issue 21)
    final = Path(directory)
    if final.is_dir() and not any(final.iterdir()):
        final.rmdir()
    if final.exists():
        raise FileExistsError(f"{final} exists: an index is written once, into a new directory")
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f"{final.name}.{os.getpid()}.building")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    ix = index.create_in(str(tmp), SCHEMA)
    # Separate files, not one compound file: whoosh3 reads a compound file through an mmap but hands
    # each part out as a BytesIO copy, so every worker held its own copy of the index (394 MB of RSS
    # per worker at 10,000 guides, against 32 MB with plain files read through the page cache that
    # the workers share; query latency the same).
    writer = ix.writer(limitmb=WRITER_LIMIT_MB, compound=False)
    try:
        for doc in documents if documents is not None else corpus_documents(corpus):
            if PHRASE_FIELD in doc and PAIR_FIELD not in doc:
                # The word pairs come from the very text (and token stream) of the phrase field.
                doc = {**doc, PAIR_FIELD: doc[PHRASE_FIELD]}
            writer.add_document(**doc)
    except BaseException:
        writer.cancel()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    writer.commit(optimize=True)
    meta = _meta(ix, corpus)
    ix.close()
    write_atomic(tmp / META, json.dumps(meta, separators=(",", ":")))
    os.rename(tmp, final)
    return final


def _meta(ix: index.Index, corpus: Corpus) -> dict[str, Any]:
    """Per-document facet values in docnum order, and the unstemmed vocabulary with frequencies.

    Facets are counted from these arrays (a list lookup per matched document), not with Whoosh's
    groupedby, which reads the index per document and was the slowest part of a query.
    """
    with ix.reader() as reader:
        n = reader.doc_count_all()
        types: list[int] = [0] * n
        collections: list[str] = [""] * n
        tags: list[list[str]] = [[] for _ in range(n)]
        guides: list[str] = [""] * n
        for docnum, stored in reader.iter_docs():
            guides[docnum] = stored["guide"]
            types[docnum] = DOC_TYPES.index(stored["type"])
            collections[docnum] = stored["collection"]
            tags[docnum] = [t for t in stored.get("tags", "").split(",") if t]
        vocab = {w: reader.doc_frequency("exact", w) for w in reader.field_terms("exact")}
    titles = [[g.slug, g.title] for g in sorted(corpus.guides.values(), key=lambda g: g.title.lower())]
    return {
        "version": corpus.version,
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "docs": n,
        "types": types,
        "collections": collections,
        "tags": tags,
        "vocab": vocab,
        "titles": titles,
        "guides": guides,
        # The vocabulary file's synonyms and expansions, as this release's search reads them.
        "thesaurus": Thesaurus.from_vocabulary(corpus.language.vocabulary).to_data(),
    }
