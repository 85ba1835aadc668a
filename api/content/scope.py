"""A corpus restricted to some collections: what a partner key may see.

Every endpoint reads the restricted corpus, so guides, scripts, collections, the graph, the
analyzer and the safety notice all follow the same rule. Its version names the scope, so cached
responses, graphs and analyzers of different scopes never mix.
"""

from __future__ import annotations

import hashlib

from api.content.model import Corpus, final_slug


def scope_id(collections: frozenset[str]) -> str:
    return hashlib.sha256(",".join(sorted(collections)).encode()).hexdigest()[:10]


def restrict(corpus: Corpus, collections: frozenset[str]) -> Corpus:
    guides = {slug: g for slug, g in corpus.guides.items() if g.collection in collections}
    return Corpus(
        guides=guides,
        collections={slug: c for slug, c in corpus.collections.items() if slug in collections},
        renamed={old: new for old, new in corpus.renamed.items() if final_slug(old, corpus.renamed) in guides},
        retired=dict(corpus.retired),
        version=f"{corpus.version}-{scope_id(collections)}",
        scripts={sid: s for sid, s in corpus.scripts.items() if s.guide in guides},
        language=corpus.language,
        support=corpus.support,  # support services are not scoped content
    )
