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
    try:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
    except ImportError:
        return None
    perdoc = getattr(reader, "_perdoc", None)
    cached = getattr(perdoc, "_cached_reader", None)
    if cached is None or size != getattr(perdoc, "_doccount", -1):
        return None
    column = cached(_lenfield(field), LENGTHS_COLUMN)
    if column is None or not all(hasattr(column, a) for a in _COLUMN_INTERNALS) or column._fixedlen != 1:
        return None
    count = min(column._count, size)
    return bytes(column._dbfile.get(column._basepos, count)) if count else b""
