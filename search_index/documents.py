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
    yield {
        **common,
        "id": f"guide:{guide.slug}",
        "type": "guide",
        "anchor": None,
        "script": None,
        "title": guide.title,
        "summary": guide.summary,
        "body": body,
        "text": weighted_text(title=guide.title, headings="\n".join(headings), summary=guide.summary, body=body),
        "exact": "\n".join([guide.title, guide.summary, *headings, body]),
    }
    for s in guide.sections:
        # The introduction is the guide's own lead (the guide hit covers it); boilerplate is skipped.
        text = section_text(s, guide)
        if s.heading is None or s.anchor in SKIP_SECTIONS or not text.strip():
            continue
        yield {
            **common,
            "id": f"section:{guide.slug}#{s.anchor}",
            "type": "section",
            "anchor": s.anchor,
            "script": None,
            "title": s.heading,
            "summary": "",
            "body": text,
            "text": weighted_text(title=s.heading, body=text),
            "exact": f"{s.heading}\n{text}",
        }
    for x in guide.scripts:
        title = x.situation + (f": {x.trigger}" if x.trigger else "")
        body = " ".join(p for p in (x.instruction, x.response) if p)
        yield {
            **common,
            "id": f"script:{x.id}",
            "type": "script",
            "anchor": x.section,
            "script": x.id,
            "title": title,
            "summary": "",
            "body": body,
            "exact": f"{title}\n{body}",
            "text": weighted_text(title=title, body=body),
            "tags": ",".join(dict.fromkeys([*guide.tags, *x.tags])),
            "send": x.send,
            "safety": x.safety,  # stored, not scored: every snippet of the script ends with it
        }


def corpus_documents(corpus: Corpus) -> Iterator[dict[str, Any]]:
    for slug in sorted(corpus.guides):
        yield from guide_documents(corpus.guides[slug])
