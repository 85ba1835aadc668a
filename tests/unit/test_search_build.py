"""Issue 21: the fast full build writes what Whoosh's own writer and analyzers would.

The fast analysed fields (search_index/fastfields.py) give the same terms, frequencies, weights
and encoded positions as their Whoosh analyzers, and the fast segment writer (postings pooled in
memory, written a block at a time) writes byte-identical segment files.
"""

from __future__ import annotations

from pathlib import Path

from whoosh import index
from whoosh.fields import KEYWORD, TEXT
from whoosh.writing import SegmentWriter

from api.content import Corpus
from search_index.documents import corpus_documents
from search_index.schema import SCHEMA
from search_index.segments import add_documents, chunks_of, write_segment


def test_fast_fields_index_as_their_analyzers(corpus: Corpus) -> None:
    checked = 0
    for doc in corpus_documents(corpus):
        for name, value in (("exact", doc["exact"]), ("pairs", doc["exact"]), ("text", doc["text"])):
            field = SCHEMA[name]
            whoosh_index = (KEYWORD if name == "pairs" else TEXT).index
            assert sorted(field.index(value)) == sorted(whoosh_index(field, value, mode="index")), (name, doc["id"])
            checked += 1
    assert checked > 300


def _segment_files(directory: Path) -> dict[str, bytes]:
    # MAIN_<segment id>.<part>: compared by part, the segment ids being random.
    return {p.name.split(".", 1)[1]: p.read_bytes() for p in directory.iterdir() if p.name.startswith("MAIN_")}


def test_fast_segment_writer_writes_whooshs_bytes(tmp_path: Path, corpus: Corpus) -> None:
    docs = list(corpus_documents(corpus))
    (tmp_path / "fast").mkdir()
    write_segment(index.create_in(str(tmp_path / "fast"), SCHEMA), docs)
    (tmp_path / "whoosh").mkdir()
    writer = SegmentWriter(index.create_in(str(tmp_path / "whoosh"), SCHEMA), _lk=False, compound=False)
    add_documents(writer, docs, lambda: None)
    writer._finalize_segment()
    fast, whoosh = _segment_files(tmp_path / "fast"), _segment_files(tmp_path / "whoosh")
    assert set(fast) == set(whoosh) and "pst" in fast
    assert all(fast[part] == whoosh[part] for part in fast)


def test_chunks_keep_order_and_guides_whole(corpus: Corpus) -> None:
    docs = list(corpus_documents(corpus))
    chunks = chunks_of(docs, size=25, workers=2)
    assert len(chunks) > 2
    assert [d for c in chunks for d in c] == docs
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a[-1]["guide"] != b[0]["guide"]
