"""What each guide's JSON depends on, per field, so a sync delta is exact for every view.

No Flask here. A guide's JSON, as a key and a request see it, is `pick(render(scoped(guide)), fields)`:
- `fields=` keeps some top-level fields;
- `render=` changes only `sections` (each rendering has its own digest: the tree with inline
  spans, the HTML, the plain text);
- a key's scope changes only `sections` (a link to a hidden guide becomes plain text in the json
  and html forms; the plain text is the same) and `links` (a hidden guide's entry is left out).

So the manifest keeps per guide: a digest per field, the three digests of its sections, the
guides its blocks link to, and its `links` entries each with its target and digest. From these
`view_digest` gives the digest of the guide's JSON as any (scope, fields, render) sees it, in
any release whose manifest is kept, without the release's content. A guide is in a delta when
that digest differs between the token's release and the served one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from api import serialize
from api.content import Corpus, Guide
from api.schemas import GUIDE_FIELDS, RENDERINGS


class _Entry(Protocol):
    @property
    def collection(self) -> str: ...


def _digest(data: Any) -> str:
    """48 bits: a manifest keeps about 20 of them per guide, forever."""
    return hashlib.sha256(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()[:12]


def _span_targets(spans: list[dict[str, Any]]) -> Iterator[str]:
    for s in spans:
        if s.get("guide"):
            yield s["guide"]
        yield from _span_targets(s.get("children", []))


def _block_targets(blocks: list[dict[str, Any]]) -> Iterator[str]:
    for b in blocks:
        yield from _span_targets(b.get("inlines", []))
        for item in b.get("items", []):
            yield from _block_targets(item)
        yield from _block_targets(b.get("children", []))


def guide_deps(g: Guide, corpus: Corpus) -> dict[str, Any]:
    """The guide's dependencies as the manifest keeps them (from its unscoped JSON)."""
    data = serialize.guide(g, corpus)
    sections = data["sections"]
    return {
        "f": {k: _digest(v) for k, v in data.items() if k not in ("sections", "links")},
        "s": [_digest([serialize.render_section(s, (r,)) for s in sections]) for r in RENDERINGS],
        "b": sorted({t for s in sections for t in _block_targets(s["blocks"])}),
        "l": [[link["slug"], _digest(link)] for link in data["links"]],
    }


def view_digest(
    deps: Mapping[str, Any],
    guides: Mapping[str, _Entry],
    scope: frozenset[str] | None,
    names: tuple[str, ...] | None,
    render: tuple[str, ...] | None,
) -> str:
    """The digest of a guide's JSON as this scope, `fields` and `render` see it, in the release
    whose manifest gave `deps` and `guides` (slug -> entry with its collection)."""

    def visible(slug: str) -> bool:
        e = guides.get(slug)
        return e is not None and (scope is None or e.collection in scope)

    forms = render or RENDERINGS
    parts: list[Any] = []
    for name in names or GUIDE_FIELDS:
        if name == "sections":
            linked = "json" in forms or "html" in forms  # the plain text of a hidden link is the same
            hidden = [t for t in deps["b"] if not visible(t)] if linked else []
            parts.append([d for d, r in zip(deps["s"], RENDERINGS, strict=True) if r in forms] + [hidden])
        elif name == "links":
            parts.append([d for t, d in deps["l"] if visible(t)])
        else:
            parts.append(deps["f"].get(name))
    return _digest(parts)
