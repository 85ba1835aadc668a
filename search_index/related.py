"""Answers that are guides chosen outside the index: the meaning fallback (api/search_fallback.py).

When a query's words are weak (none of them is in what the guides are about), the web layer ranks
whole guides by the pattern analyzer and the sentence encoder and hands the order here; the engine
answers with those guides' own documents, in that order, within the caller's filters and scope.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Related = tuple[str, tuple[tuple[str, float], ...]]  # (fallback kind, ((guide slug, score), ...) best first)


def related_matches(
    guides: tuple[tuple[str, float], ...], docs_of: Mapping[str, Sequence[int]], allowed: int
) -> tuple[int, list[tuple[float, int]]]:
    """The guides' own documents the caller may see: as a bitset, and (score, docnum) in the given order."""
    matched, ranked = 0, []
    for slug, score in guides:
        docs = docs_of.get(slug)
        if docs and (allowed >> docs[0]) & 1 and not (matched >> docs[0]) & 1:
            matched |= 1 << docs[0]
            ranked.append((score, docs[0]))
    return matched, ranked


def beneath(group: bool) -> dict[str, Any]:
    """A fallback guide's hits beneath it with group=guide: none (the guide itself is the answer)."""
    return {"sections": []} if group else {}
