"""whoosh3's private internals, in one place and each use guarded: the fast paths of bits.py.

whoosh3 (pinned, see search_index/README.md) keeps a segment's postings in blocks of arrays and
its field lengths in a column of one byte per document. Reading those whole is what makes the
index open and score fast, but the names are private and a release may rename them. So nothing
private is imported at module level (a rename must not stop the API from importing), and each
function here returns None when what it needs is not there: the caller then takes Whoosh's public
API, slower but the same answer (tests in tests/unit/test_search_whoosh.py take both paths).
"""

from __future__ import annotations

from typing import Any

# W3LeafMatcher's block state: read each block's id and weight arrays whole.
_LEAF_INTERNALS = ("_read_ids", "_read_weights", "_next_block", "_blocklength", "_lastblock", "_ids", "_weights", "_i")
_COLUMN_INTERNALS = ("_dbfile", "_basepos", "_count", "_fixedlen")


def block_postings(m: Any, weights: bool) -> tuple[list[int], list[float]] | None:
    """All docnums of matcher `m` (and their weights when asked), a block at a time; None when
    `m` is not a whoosh3 leaf matcher with the block internals."""
    if not all(hasattr(m, a) for a in _LEAF_INTERNALS):
        return None
    ids: list[int] = []
    ws: list[float] = []
    while m.is_active():
        if m._ids is None:
            m._read_ids()
        ids.extend(m._ids[m._i : m._blocklength])
        if weights:
            if m._weights is None:
                m._read_weights()
            ws.extend(m._weights[m._i : m._blocklength])
        if m._lastblock:
            break
        m._next_block()
    return ids, ws


def length_bytes(reader: Any, field: str, size: int) -> bytes | None:
    """The one-byte length codes of `field` for the first documents of a one-segment whoosh3
    reader (decode with whoosh.util.numeric.byte_to_length); None for any other reader, or when
    the codec's internals are not there."""
    return perdoc_length_bytes(getattr(reader, "_perdoc", None), field, size)


def perdoc_length_bytes(perdoc: Any, field: str, size: int) -> bytes | None:
    """The same, from a segment's per-document reader (W3PerDocReader)."""
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
    except ImportError:
        return None
    cached = getattr(perdoc, "_cached_reader", None)
    if cached is None or size != getattr(perdoc, "_doccount", -1):
        return None
    column = cached(_lenfield(field), LENGTHS_COLUMN)
    if column is None or not all(hasattr(column, a) for a in _COLUMN_INTERNALS) or column._fixedlen != 1:
        return None
    count = min(column._count, size)
    return bytes(column._dbfile.get(column._basepos, count)) if count else b""


_POSTWRITER_INTERNALS = ("_ids", "_weights", "_values", "_minlength", "_maxlength", "_maxweight", "_blocklimit")


def _can_write_blocks(fieldwriter: Any) -> bool:
    try:
        from whoosh.codec.whoosh3 import W3FieldWriter, W3PostingsWriter
    except ImportError:
        return False
    if type(fieldwriter) is not W3FieldWriter or not hasattr(fieldwriter, "_postwriter"):
        return False
    probe = W3PostingsWriter(None, blocklimit=128)
    probe._new_block()
    return all(hasattr(probe, a) for a in (*_POSTWRITER_INTERNALS, "_write_block", "finish_postings"))


def write_postings(fieldwriter: Any, schema: Any, terms: Any, lengths: Any) -> bool:
    """Write sorted (fieldname, btext, ids, weights, values) terms a block at a time, as whoosh3's
    W3PostingsWriter.add_posting would one posting at a time (the same block boundaries, block
    statistics and bytes). False, having written nothing, when the internals are not there."""
    if not _can_write_blocks(fieldwriter):
        return False
    from array import array

    lastfn = None
    length_of: Any = None
    for fieldname, btext, ids, weights, values in terms:
        if fieldname != lastfn:
            if lastfn is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            length_of, lastfn = lengths.doc_field_length_reader(fieldname), fieldname
        fieldwriter.start_term(btext)
        pw = fieldwriter._postwriter
        limit, n = pw._blocklimit, len(ids)
        for start in range(0, n, limit):
            end = min(n, start + limit)
            pw._ids = ids[start:end]
            pw._weights = array("f", weights[start:end])
            pw._values = [v for v in values[start:end] if v]
            ls = [x for x in map(length_of, pw._ids) if x]
            pw._minlength, pw._maxlength = (min(ls), max(ls)) if ls else (None, 0)
            pw._maxweight = max(0, max(weights[start:end]))
            if end < n:
                pw._write_block()
        fieldwriter.finish_term()
    if lastfn is not None:
        fieldwriter.finish_field()
    return True
