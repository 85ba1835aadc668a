"""The safety notice served before anything else when a person's words signal danger.

Search, suggest and the pattern-check analyzer all call `notice_for(text, corpus)`. Recognition
itself (which kinds of danger, how urgent) is api.language.signals over the corpus' own signals
file; this module turns what was recognised into the notice, with the support resources named
in the content.
"""

from __future__ import annotations

from typing import Any

from api.content.model import Corpus
from api.content.versioned import PerVersion
from api.language.signals import Found, recogniser_for

MESSAGE = (
    "If you are in danger right now, call your local emergency number (911 in the United States, "
    "999 in the United Kingdom, 112 in much of Europe). If you are afraid of someone, you deserve support: "
    "the services below are confidential, and safety planning matters more than any message."
)


def recognise(text: str, corpus: Corpus) -> list[Found]:
    """The kinds of danger the text signals, most pressing kinds first as the signals file orders them."""
    return recogniser_for(corpus.language).recognise(text)


def _support(corpus: Corpus) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Support resources and safety guides named in the content, once per version (and scope)."""
    resources: dict[str, dict[str, Any]] = {}
    guides = []
    for g in corpus.guides.values():
        if not g.safety_sensitive:
            continue
        guides.append({"slug": g.slug, "title": g.title})
        for s in g.support_sources:
            resources.setdefault(s.url or s.title, {"title": s.title, "region": s.region, "url": s.url, "note": s.note})
    return sorted(resources.values(), key=lambda r: (r["region"], r["title"])), guides


support_for = PerVersion(_support)


def safety_notice(corpus: Corpus, found: list[Found]) -> dict[str, Any]:
    """The notice: message, what was recognised, support resources and the safety guides, from the content."""
    resources, guides = support_for(corpus)
    return {
        "message": MESSAGE,
        "level": "urgent" if any(f.level == "urgent" for f in found) else "concern",
        "matched": [f.kind for f in found],
        "kinds": [{"kind": f.kind, "level": f.level, "label": f.label} for f in found],
        "resources": resources,
        "guides": guides,
    }


def notice_for(text: str, corpus: Corpus) -> dict[str, Any] | None:
    found = recognise(text, corpus)
    return safety_notice(corpus, found) if found else None
