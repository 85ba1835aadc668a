"""Hits grouped by guide (`group=guide`), and the factors that lift guides in a ranking.

A guide's group score is its best hit's score plus a little of its next ones (a guide that answers
the query in several places beats one passing mention); the group is shown as its best hit with
the next best hits of the same guide beneath it (`sections`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

GROUP_DEPTH = 2000  # hits looked at to build the groups (the groups' total counts within these)
GROUP_SECOND = 0.25  # weight of a guide's second and third best hits in its group score
SECTIONS_SHOWN = 3  # hits shown beneath a guide's best one


def group_hits(
    ranked: Sequence[tuple[float, int]], guide_of: Sequence[str]
) -> list[tuple[float, list[tuple[float, int]]]]:
    """(group score, its (score, docnum) best first) per guide, best group first."""
    groups: dict[str, list[tuple[float, int]]] = {}
    for score, d in ranked:
        groups.setdefault(guide_of[d], []).append((score, d))
    out = []
    for members in groups.values():
        score = members[0][0] + GROUP_SECOND * sum(s for s, _ in members[1:3])
        out.append((score, members[: 1 + SECTIONS_SHOWN]))
    out.sort(key=lambda g: -g[0])
    return out


def factors_for(
    boosts: Mapping[str, float], docs_of: Mapping[str, Sequence[int]], only: set[int] | None = None
) -> dict[int, float]:
    """Per document, the factor of its guide (guides absent from `docs_of` are skipped)."""
    out: dict[int, float] = {}
    for guide, f in boosts.items():
        for d in docs_of.get(guide, ()):
            if only is None or d in only:
                out[d] = f
    return out
