"""Writing index segments fast: postings pooled in memory, both cores, one segment per chunk.

Whoosh's SegmentWriter pickles every posting into sorted run files on disk and merges them back
with a heap (the profile of a 1,000-guide build: about half the time), then reads each posting's
field length back from the length column it has just written. Here the writer keeps each term's
postings in compact arrays in memory (a chunk of documents at a time, so memory stays bounded),
sorts only the terms, and hands the field writer the lengths from one read of the column. The
segment files are Whoosh's own (same codec, same bytes for the same documents).

A full build writes its chunks as segments in parallel (one process per core), in corpus order:
the documents keep the docnums a one-segment build gives them.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from search_index import whoosh3_internals
from search_index.schema import PAIR_FIELD, PHRASE_FIELD

CHUNK_DOCS = 12_000  # documents per segment of a full build (memory: ~150 MB of pooled postings)
PARALLEL_MIN_DOCS = 2_000  # fewer documents: one segment, one process
WRITER_LIMIT_MB = 256
Progress = Callable[[str, int, int], None]  # (stage, done, total)


class MemoryPool:
    """Postings kept per term in arrays, in the order added (ascending docnums within one writer)."""

    def __init__(self) -> None:
        self._terms: dict[tuple[str, bytes], tuple[array, array, list[bytes | None]]] = {}
        self._small: dict[bytes, bytes] = {}  # one object per short value (frequencies)
        self.fieldnames: set[str] = set()

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, text, docnum, weight, value = item
        entry = self._terms.get((fieldname, text))
        if entry is None:
            entry = self._terms[(fieldname, text)] = (array("I"), array("d"), [])
            self.fieldnames.add(fieldname)
        entry[0].append(docnum)
        entry[1].append(weight)
        if value is not None and len(value) <= 4:
            value = self._small.setdefault(value, value)
        entry[2].append(value)

    def add_field(self, fieldname: str, docnum: int, boost: float, items: Any, scorable: bool) -> int:
        """add() for each (text, freq, weight, value) of one field of one document; its length."""
        terms, small, length = self._terms, self._small, 0
        for text, freq, weight, value in items:
            entry = terms.get((fieldname, text))
            if entry is None:
                entry = terms[(fieldname, text)] = (array("I"), array("d"), [])
                self.fieldnames.add(fieldname)
            entry[0].append(docnum)
            entry[1].append(weight * boost)
            if value is not None and len(value) <= 4:
                value = small.setdefault(value, value)
            entry[2].append(value)
            if scorable:
                length += freq
        return length

    def terms(self) -> Iterator[tuple[str, bytes, array, array, list[bytes | None]]]:
        """(fieldname, text, docnums, weights, values) per term, sorted, each let go once read."""
        for key in sorted(self._terms):
            ids, weights, values = self._terms.pop(key)
            yield key[0], key[1], ids, weights, values

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        for fieldname, text, ids, weights, values in self.terms():
            for d, w, v in zip(ids, weights, values, strict=True):
                yield fieldname, text, d, w, v

    def save(self) -> None:
        """(Whoosh's pool spills to disk here; this one stays in memory.)"""

    def cleanup(self) -> None:
        self._terms.clear()


class _ColumnLengths:
    """Field lengths for the field writer, decoded from one read of each length column."""

    def __init__(self, perdoc: Any, size: int) -> None:
        self.perdoc = perdoc
        self.size = size
        self._table = [byte_to_length(b) if b else 0 for b in range(256)]

    def doc_field_length_reader(self, fieldname: str, default: int = 0) -> Callable[[int], int | None]:
        data = whoosh3_internals.perdoc_length_bytes(self.perdoc, fieldname, self.size)
        if data is None:
            return self.perdoc.doc_field_length_reader(fieldname, default)
        decoded = [self._table[b] for b in data] + [0] * (self.size - len(data))
        return decoded.__getitem__

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        return self.perdoc.doc_field_length(docnum, fieldname, default)


class FastSegmentWriter(SegmentWriter):
    """Whoosh's SegmentWriter with the postings pooled in memory (see the module's docstring)."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, limitmb=WRITER_LIMIT_MB, compound=False, **kwargs)
        self.pool = MemoryPool()  # type: ignore[assignment]  # duck-typed as Whoosh's pool
        fields = [self.schema[n] for n in self.schema.names()]
        self._plain = not any(f.separate_spelling() or f.vector for f in fields)  # none in SCHEMA

    def add_document(self, **fields: Any) -> None:
        """Whoosh's add_document (writing.py) with each field's postings added in one call (a schema
        with spelling fields or term vectors goes through Whoosh's own)."""
        if not self._plain:
            return super().add_document(**fields)
        self._check_state()
        perdocwriter, schema, docnum = self.perdocwriter, self.schema, self.docnum
        pool: MemoryPool = self.pool  # type: ignore[assignment]
        docboost = self._doc_boost(fields)
        fieldnames = sorted([name for name in fields if not name.startswith("_")])
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, fieldname, docboost)
                    length = pool.add_field(fieldname, docnum, boost, field.index(value), field.scorable)
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        except ValueError:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader()
        try:
            lengths = _ColumnLengths(pdr, self.docnum)
            pool: MemoryPool = self.pool  # type: ignore[assignment]
            if not whoosh3_internals.write_postings(self.fieldwriter, self.schema, pool.terms(), lengths):
                self.fieldwriter.add_postings(self.schema, lengths, pool.iter_postings())
            self.fieldwriter.close()
        finally:
            pdr.close()


def add_documents(writer: SegmentWriter, docs: Sequence[dict[str, Any]], tick: Callable[[], None]) -> None:
    for i, doc in enumerate(docs):
        if PHRASE_FIELD in doc and PAIR_FIELD not in doc:
            # The word pairs come from the very text (and token stream) of the phrase field.
            doc = {**doc, PAIR_FIELD: doc[PHRASE_FIELD]}
        writer.add_document(**doc)
        if i % 200 == 199:
            tick()


def write_segment(ix: Any, docs: Sequence[dict[str, Any]], tick: Callable[[], None] = lambda: None) -> Any:
    """One new segment of `ix` with these documents (not yet in any table of contents)."""
    writer = FastSegmentWriter(ix, _lk=False)
    try:
        add_documents(writer, docs, tick)
        segment = writer._finalize_segment()
    except BaseException:
        writer._close_segment()
        raise
    # (Not writer._finish(): it would remove Whoosh's shared temporary directory, which this pool
    # never uses, under another writer's feet.)
    writer.is_closed = True
    return segment


# -- the parallel full build ---------------------------------------------------------------------
_CHUNKS: list[Sequence[dict[str, Any]]] = []  # set before the fork: the workers inherit it
_DONE: Any = None  # a shared counter of documents indexed


def _write_chunk(ix_dir: str, i: int) -> Any:
    from whoosh import index

    def tick() -> None:
        with _DONE.get_lock():
            _DONE.value += 200

    return write_segment(index.open_dir(ix_dir), _CHUNKS[i], tick)


def chunks_of(
    docs: Sequence[dict[str, Any]], size: int | None = None, workers: int = 2
) -> list[Sequence[dict[str, Any]]]:
    """Consecutive chunks of about equal size, never splitting one guide's documents, at least
    one per worker when there is enough to share."""
    n = max(1, -(-len(docs) // (size or CHUNK_DOCS)))
    if len(docs) >= PARALLEL_MIN_DOCS:
        n = -(-n // workers) * workers
    target = -(-len(docs) // n)
    out, start = [], 0
    while start < len(docs):
        end = min(len(docs), start + target)
        while 0 < end < len(docs) and docs[end]["guide"] == docs[end - 1]["guide"]:
            end += 1
        out.append(docs[start:end])
        start = end
    return out


def write_segments(ix: Any, docs: Sequence[dict[str, Any]], progress: Progress | None = None) -> list[Any]:
    """The documents as segments of `ix`, in order, written on every core (fork) when worth it."""
    global _DONE
    workers = min(2, os.cpu_count() or 1)
    chunks = chunks_of(docs, workers=workers)
    report = progress or (lambda stage, done, total: None)
    if len(chunks) == 1 or workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        out = []
        for chunk in chunks:
            out.append(write_segment(ix, chunk))
            report("index", sum(len(c) for c in chunks[: len(out)]), len(docs))
        return out
    ctx = multiprocessing.get_context("fork")
    _CHUNKS[:] = chunks
    _DONE = ctx.Value("l", 0)
    try:
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            futures = [pool.submit(_write_chunk, ix.storage.folder, i) for i in range(len(chunks))]
            while not all(f.done() for f in futures):
                time.sleep(0.5)
                report("index", min(_DONE.value, len(docs)), len(docs))
            return [f.result() for f in futures]
    finally:
        _CHUNKS.clear()
