"""The safety notice served before anything else when a person's words signal danger.

Search, suggest and the pattern-check analyzer call `notice_for(text, corpus, region, guides)`.
Recognition (which kinds of danger, how urgent) is api.language.signals over the corpus' own
language files; this module turns what was recognised into the notice: a calm message fitted to
the kinds, the emergency number of the reader's region (or the common ones when it is unknown),
the support services that fit (content/safety/resources.yaml) and the safety guides the caller may
see (`safety_guides`: the web layer builds them once per release and scope, api/current.py
`safety_guides_of`, and hands them in).
"""

from __future__ import annotations

from typing import Any

from cachetools import LRUCache

from api.content.model import Corpus
from api.content.support import Resource, Support
from api.language.signals import Found, recogniser_for

# Kinds that are about someone else's behaviour towards the reader (not self-harm, not a child).
_FROM_SOMEONE = frozenset(
    {
        "immediate_danger",
        "strangulation",
        "physical_violence",
        "threats",
        "partner_suicide_threats",
        "stalking",
        "sexual_violence",
        "image_abuse",
        "economic_abuse",
        "coercive_control",
    }
)


def recognise(text: str, corpus: Corpus) -> list[Found]:
    """The kinds of danger the text signals, most pressing kinds first as the signals file orders them."""
    return recogniser_for(corpus.language).recognise(text)


def message(kinds: list[str], urgent: bool, number: str | None, common: tuple[str, ...]) -> str:
    """What the notice says first, in the project's calm voice, fitted to the kinds recognised."""
    parts = []
    call = f"call {number}" if number else f"call your local emergency number ({', '.join(common)})"
    if urgent:
        if kinds and kinds[0] == "self_harm":
            parts.append(f"If you might act on these thoughts now, {call}, or go to the nearest emergency department.")
        else:
            parts.append(f"If you are in danger right now, {call}.")
    if "self_harm" in kinds:
        parts.append(
            "If you are thinking about ending your life or hurting yourself, you do not have to hold this alone: "
            "the people below are there to listen, at any hour."
        )
    if _FROM_SOMEONE & set(kinds):
        parts.append(
            "If you are afraid of someone, you deserve support: these services are confidential, "
            "and your safety matters more than any message."
        )
    if "child_at_risk" in kinds:
        parts.append("If a child is being hurt or is not safe, the services below can help you work out what to do.")
    return " ".join(parts)


def _resource(r: Resource) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "phone": r.phone,
        "text": r.text,
        "chat": r.chat,
        "url": r.url,
        "hours": r.hours,
        "kinds": list(r.kinds),
        "regions": list(r.regions),
    }


def safety_guides(corpus: Corpus) -> list[dict[str, Any]]:
    """The safety guides this corpus (its scope) holds, as the notice lists them."""
    return [{"slug": g.slug, "title": g.title} for g in corpus.guides.values() if g.safety_sensitive]


# (support services, kinds, level, region) -> the notice's parts that depend on nothing else: the
# same few combinations come back all day, and building them was most of the notice's cost.
_PARTS: LRUCache[tuple[Support, tuple[str, ...], bool, str | None], dict[str, Any]] = LRUCache(4096)


def safety_notice(
    corpus: Corpus, found: list[Found], region: str | None = None, guides: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The notice for what was recognised, for a reader in `region` (None: unknown); `guides`: the
    corpus's `safety_guides` when the caller keeps them (None: found here)."""
    kinds = tuple(f.kind for f in found)
    urgent = any(f.level == "urgent" for f in found)
    key = (corpus.support, kinds, urgent, region)  # support services are not scoped
    parts = _PARTS.get(key)
    if parts is None:
        support = corpus.support
        number = support.emergency_number(region)
        parts = _PARTS[key] = {
            "emergency_numbers": [number] if number else list(support.international),
            "message": message(list(kinds), urgent, number, support.international),
            "resources": [_resource(r) for r in support.for_danger(kinds, region)],
        }
    return {
        "level": "urgent" if urgent else "concern",
        "kinds": [{"kind": f.kind, "level": f.level, "label": f.label} for f in found],
        "matched": list(kinds),
        "region": region,
        "emergency_numbers": parts["emergency_numbers"],
        "message": parts["message"],
        "resources": parts["resources"],
        "guides": safety_guides(corpus) if guides is None else guides,
    }


def notice_for(
    text: str, corpus: Corpus, region: str | None = None, guides: list[dict[str, Any]] | None = None
) -> dict[str, Any] | None:
    found = recognise(text, corpus)
    return safety_notice(corpus, found, region, guides) if found else None
