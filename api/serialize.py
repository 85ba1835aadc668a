"""Domain objects to JSON-ready dicts, through the response schemas (run once per content version)."""

from __future__ import annotations

from typing import Any

from api.content import Collection, Corpus, Guide, Script, Section
from api.schemas import (
    CollectionDetailSchema,
    CollectionSchema,
    GuideSchema,
    GuideSummarySchema,
    ScriptSchema,
    SectionSchema,
)

_summary = GuideSummarySchema()
_guide = GuideSchema()
_section = SectionSchema()
_script = ScriptSchema()
_collection = CollectionSchema()
_collection_detail = CollectionDetailSchema()


def guide_url(slug: str) -> str:
    return f"/v1/guides/{slug}"


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
        "url": f"/v1/collections/{c.slug}",
    }
    if not detail:
        return _collection.dump(data)
    data["guides"] = [_base(corpus.guides[s], corpus) for s in c.guides]
    return _collection_detail.dump(data)


def pick(data: dict[str, Any], names: tuple[str, ...] | None) -> dict[str, Any]:
    """Sparse fieldset: only the fields asked for, in the order asked."""
    return data if names is None else {n: data[n] for n in names if n in data}
