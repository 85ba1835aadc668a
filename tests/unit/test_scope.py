"""A corpus restricted to collections (what a partner key may see)."""

from __future__ import annotations

from api.content.scope import restrict


def test_restrict_keeps_only_those_collections(corpus) -> None:
    part = restrict(corpus, frozenset({"boundaries"}))
    assert part.guides and {g.collection for g in part.guides.values()} == {"boundaries"}
    assert set(part.collections) == {"boundaries"}
    assert part.scripts and all(part.guides.get(s.guide) for s in part.scripts.values())
    assert "how-to-set-boundaries-without-guilt" in part.guides and "no-contact-rule" not in part.guides
    # a rename is kept only when its target is visible
    assert part.renamed == {"setting-boundaries-without-guilt": "how-to-set-boundaries-without-guilt"}
    assert part.version != corpus.version and part.version.startswith(corpus.version)
    assert restrict(corpus, frozenset({"boundaries"})).version == part.version
    assert restrict(corpus, frozenset({"boundaries", "attachment-patterns"})).version != part.version
