"""Domain objects to JSON-ready dicts, through the response schemas (run once per content version)."""

from __future__ import annotations

from typing import Any

from api.content import Collection, Corpus, Guide, Script, Section
from api.schemas import (
    RENDERINGS,
    CollectionDetailSchema,
    CollectionSchema,
    GuideSchema,
    GuideSummarySchema,
    ScriptSchema,
    SectionSchema,
)
from api.urls import collection_url, guide_url

_summary = GuideSummarySchema()
_guide = GuideSchema()
_section = SectionSchema()
_script = ScriptSchema()
_collection = CollectionSchema()
_collection_detail = CollectionDetailSchema()


def _base(g: Guide, corpus: Corpus) -> dict[str, Any]:
    c = corpus.collections.get(g.collection)
    return {
        "slug": g.slug,
        "title": g.title,
        "summary": g.summary,
        "collection": {"slug": g.collection, "title": c.title if c else g.collection},
        "tags": g.tags,
        "updated": g.updated,
        "reading_time": g.reading_time,
        "safety_sensitive": g.safety_sensitive,
        "url": guide_url(g.slug),
    }


def guide_summary(g: Guide, corpus: Corpus) -> dict[str, Any]:
    return _summary.dump(_base(g, corpus))


def guide(g: Guide, corpus: Corpus) -> dict[str, Any]:
    data = _base(g, corpus)
    data.update(
        byline=g.byline,
        editorial_note=g.editorial_note,
        word_count=g.word_count,
        signals=g.signals,
        safety_notes=g.safety_notes,
        sources=g.sources,
        sections=g.sections,
        scripts=g.scripts,
        links=[
            {
                "slug": link.target,
                "title": corpus.guides[link.target].title,
                "kind": link.kind,
                "condition": link.condition,
                "sentence": link.sentence,
                "section": link.section,
            }
            for link in g.links
            if link.target in corpus.guides  # the validator refuses broken links
        ],
    )
    return _guide.dump(data)


def section(s: Section) -> dict[str, Any]:
    return _section.dump(s)


def script(s: Script) -> dict[str, Any]:
    return _script.dump(s)


def collection(c: Collection, detail: bool, corpus: Corpus) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": c.slug,
        "title": c.title,
        "description": c.description,
        "guide_count": len(c.guides),
        "url": collection_url(c.slug),
    }
    if not detail:
        return _collection.dump(data)
    data["guides"] = [_base(corpus.guides[s], corpus) for s in c.guides]
    return _collection_detail.dump(data)


def pick(data: dict[str, Any], names: tuple[str, ...] | None) -> dict[str, Any]:
    """Sparse fieldset: only the fields asked for, in the order asked."""
    return data if names is None else {n: data[n] for n in names if n in data}


def renderings(asked: list[str] | tuple[str, ...] | None) -> tuple[str, ...] | None:
    """`render=` as a canonical tuple (fixed order, no repeats); None for all three (the default)."""
    if not asked:
        return None
    chosen = tuple(r for r in RENDERINGS if r in asked)
    return None if chosen == RENDERINGS else chosen


def render_block(b: dict[str, Any], render: tuple[str, ...]) -> dict[str, Any]:
    """A dumped block in the renderings asked for.

    json: the block tree (`items`, `children`) with `inlines` (a code block keeps its `text`: it
    has no other form); html: `html`; text: `text`. Without json a block is flat: its `html` or
    `text` holds its children. `type`, `level`, `ordered` and `script_id` always stay.
    """
    json_ = "json" in render
    out: dict[str, Any] = {}
    for k, v in b.items():
        if k == "html":
            keep = "html" in render
        elif k == "text":
            keep = "text" in render or (json_ and b["type"] == "code")
        elif k == "items":
            keep, v = json_, [[render_block(x, render) for x in item] for item in v]
        elif k == "children":
            keep, v = json_, [render_block(x, render) for x in v]
        elif k == "inlines":
            keep = json_
        else:
            keep = True
        if keep:
            out[k] = v
    return out


def render_section(s: dict[str, Any], render: tuple[str, ...] | None) -> dict[str, Any]:
    if render is None:
        return s
    out = {k: v for k, v in s.items() if k != "text" or "text" in render}
    out["blocks"] = [render_block(b, render) for b in s["blocks"]]
    return out


def guide_view(g: Guide, corpus: Corpus, names: tuple[str, ...] | None, render: tuple[str, ...] | None) -> dict:
    """A whole guide as GET /v1/guides/{slug} serves it: `fields=` and `render=` applied."""
    data = pick(guide(g, corpus), names)
    if render is not None and "sections" in data:
        data["sections"] = [render_section(s, render) for s in data["sections"]]
    return data
