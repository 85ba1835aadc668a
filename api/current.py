"""The content the current request sees."""

from __future__ import annotations

from flask import current_app, g

from api.content import Corpus


def corpus() -> Corpus:
    """One version for the whole request, restricted to the collections its partner key may see
    (`g.scope`; None means everything)."""
    found = g.get("lp_corpus")
    if found is None:
        found = g.lp_corpus = current_app.extensions["lp"].store.scoped(g.get("scope"))
    return found
