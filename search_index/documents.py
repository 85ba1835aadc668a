"""The documents the index holds, made from the content model: one per guide, section and script."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from api.content import Corpus, Guide, Section
from search_index.schema import SKIP_SECTIONS, weighted_text


def section_text(section: Section, guide: Guide) -> str:
    """A section's words, without its read-next block: those sentences are other guides' titles,
    and would make this section a hit for queries about the guides it recommends. Without its
    scripts' safety conditions too: near the same sentence in guide after guide, they would make
    every section with a script a hit for "afraid" or "support" (each script is a hit of its own,
    whose snippet ends with its condition)."""
    return "\n".join(guide.without_conditions(b.text) for b in section.blocks if b.type != "read_next")


def index_texts(kind: str, title: str, summary: str, headings: str, body: str) -> tuple[str, str]:
    """A document's scored text and its exact text, from what the document stores: an incremental
    build re-reads a replaced document's words from its stored fields (search_index/stats.py)."""
    if kind == "guide":
        return (
            weighted_text(title=title, headings=headings, summary=summary, body=body),
            "\n".join([title, summary, headings, body]),
        )
    return weighted_text(title=title, body=body), f"{title}\n{body}"


def _document(common: dict[str, Any], kind: str, key: str, **fields: Any) -> dict[str, Any]:
    doc = {**common, "id": f"{kind}:{key}", "type": kind, "anchor": None, "script": None, "summary": ""}
    doc.update(fields)
    doc["text"], doc["exact"] = index_texts(kind, doc["title"], doc["summary"], doc.get("headings", ""), doc["body"])
    return doc


def guide_documents(guide: Guide) -> Iterator[dict[str, Any]]:
    """The guide itself, its sections (deep links) and its scripts."""
    common = {
        "guide": guide.slug,
        "collection": guide.collection,
        "tags": ",".join(guide.tags),
        "guide_title": guide.title,
    }
    headings = [s.heading for s in guide.sections if s.heading and s.anchor not in SKIP_SECTIONS]
    # Each text is indexed once: a guide hit is its title, headings, summary and introduction (and
    # its signals); the rest of the body belongs to the sections, so that body words lead to a deep
    # link and are not scored twice (half the postings a query has to score).
    intro = next((section_text(s, guide) for s in guide.sections if s.heading is None), "")
    body = "\n".join([intro, *guide.signals])
    yield _document(
        common, "guide", guide.slug, title=guide.title, summary=guide.summary, headings="\n".join(headings), body=body
    )
    for s in guide.sections:
        # The introduction is the guide's own lead (the guide hit covers it); boilerplate is skipped.
        text = section_text(s, guide)
        if s.heading is None or s.anchor in SKIP_SECTIONS or not text.strip():
            continue
        yield _document(common, "section", f"{guide.slug}#{s.anchor}", anchor=s.anchor, title=s.heading, body=text)
    yield from _script_documents(guide, common)


def _script_documents(guide: Guide, common: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for x in guide.scripts:
        yield _document(
            common,
            "script",
            x.id,
            anchor=x.section,
            script=x.id,
            title=x.situation + (f": {x.trigger}" if x.trigger else ""),
            body=" ".join(p for p in (x.instruction, x.response) if p),
            tags=",".join(dict.fromkeys([*guide.tags, *x.tags])),
            send=x.send,
            safety=x.safety,  # stored, not scored: every snippet of the script ends with it
        )


def corpus_documents(corpus: Corpus) -> Iterator[dict[str, Any]]:
    for slug in sorted(corpus.guides):
        yield from guide_documents(corpus.guides[slug])
