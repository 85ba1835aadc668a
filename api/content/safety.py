"""Danger signals in a person's words, and the safety notice served before anything else.

Search and the pattern-check analyzer both call `notice_for(text, corpus)`: when the words
signal fear, threats, stalking, violence or control, the answer leads with this notice and the
support resources named in the content itself.
"""

from __future__ import annotations

import re
from typing import Any

from api.content.model import Corpus

# Each pattern names one kind of danger. Word stems keep typos of endings working ("threatend").
DANGER_PATTERNS: dict[str, str] = {
    "threats": r"\bthreat\w*|\bthreatn\w*",
    "stalking": r"\bstalk\w*|\bfollow(?:s|ed|ing)? me\b|\bshow(?:s|ed|ing)? up at\b|\btrack(?:s|ed|ing)? my\b",
    "violence": r"\bhit(?:s|ting)? me\b|\bhit by\b|\bbeat(?:s|ing|en)? me\b|\bviolen\w*|\bpush(?:ed|es)? me\b"
    r"|\bchok\w*|\bstrangl\w*|\bweapon\w*|\bgun\b|\bknife\b|\bkill\w*|\bhurt(?:s|ing)? me physically\b",
    "abuse": r"\babus\w*",
    "fear": r"\bafraid\b|\bscared\b|\bfrighten\w*|\bterrified\b|\bfear\w*|\bin danger\b|\bdangerous\b",
    "control": r"(?<!self )(?<!self-)\bcontrol(?:s|led|ling)?\b|\bcoerci\w*|\bwon'?t let me\b"
    r"|\bmonitor\w*|\bchecks my phone\b",
    "safety": r"\bis it safe\b|\bnot safe\b|\bunsafe\b|\bsafe to\b",
}
_COMPILED = {kind: re.compile(rx, re.IGNORECASE) for kind, rx in DANGER_PATTERNS.items()}

MESSAGE = (
    "If you are in danger right now, call your local emergency number (911 in the United States, "
    "999 in the United Kingdom, 112 in much of Europe). If you are afraid of someone, you deserve support: "
    "the services below are confidential, and safety planning matters more than any message."
)


def danger_signals(text: str) -> list[str]:
    """The kinds of danger the text signals, in a fixed order; empty when none."""
    return [kind for kind, rx in _COMPILED.items() if rx.search(text)]


def safety_notice(corpus: Corpus, matched: list[str]) -> dict[str, Any]:
    """The notice: message, what matched, support resources and the safety guides, from the content."""
    resources: dict[str, dict[str, Any]] = {}
    guides = []
    for g in corpus.guides.values():
        if not g.safety_sensitive:
            continue
        guides.append({"slug": g.slug, "title": g.title})
        for s in g.support_sources:
            resources.setdefault(s.url or s.title, {"title": s.title, "region": s.region, "url": s.url, "note": s.note})
    return {
        "message": MESSAGE,
        "matched": matched,
        "resources": sorted(resources.values(), key=lambda r: (r["region"], r["title"])),
        "guides": guides,
    }


def notice_for(text: str, corpus: Corpus) -> dict[str, Any] | None:
    matched = danger_signals(text)
    return safety_notice(corpus, matched) if matched else None
