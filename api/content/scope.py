"""A corpus restricted to some collections: what a partner key may see.

Every endpoint reads the restricted corpus, so guides, scripts, collections, the graph, the
analyzer and the safety notice all follow the same rule. Its version names the scope, so cached
responses, graphs and analyzers of different scopes never mix.

A link to a guide outside the scope becomes plain text, in every form a block is served in (its
HTML, its inline spans and its plain text), so no slug or title of a hidden guide reaches the key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import re
from collections.abc import Callable

from api.content.model import Block, Corpus, Guide, Span, final_slug

# A guide link as api/content/markdown.py renders it; links never nest, so the first </a> closes it.
_GUIDE_LINK = re.compile(r'<a href="[^"]*" data-guide="([^"]*)">(.*?)</a>', re.S)


def scope_id(collections: frozenset[str]) -> str:
    return hashlib.sha256(",".join(sorted(collections)).encode()).hexdigest()[:10]


def _spans(spans: tuple[Span, ...], hidden: Callable[[str], bool]) -> tuple[Span, ...]:
    out: list[Span] = []
    for s in spans:
        children = _spans(s.children, hidden)
        if s.type == "link" and s.guide is not None and hidden(s.guide):
            out.extend(children)  # the link's words stay, as text
        elif children != s.children:
            out.append(dataclasses.replace(s, children=children))
        else:
            out.append(s)
    return tuple(out)


def _html(text: str, hidden: Callable[[str], bool]) -> str:
    def unlink(m: re.Match[str]) -> str:
        return m.group(2) if hidden(html.unescape(m.group(1))) else m.group(0)

    return _GUIDE_LINK.sub(unlink, text)


def _block(b: Block, hidden: Callable[[str], bool]) -> Block:
    new = dataclasses.replace(
        b,
        html=_html(b.html, hidden),
        inlines=_spans(b.inlines, hidden),
        items=tuple(tuple(_block(x, hidden) for x in item) for item in b.items),
        children=tuple(_block(x, hidden) for x in b.children),
    )
    return b if new == b else new


def _guide(g: Guide, hidden: Callable[[str], bool]) -> Guide:
    """The guide with its links to guides outside the scope made plain text (itself when it has none)."""
    if not any(hidden(link.target) for link in g.links):  # every guide link of its blocks is in g.links
        return g
    sections = tuple(dataclasses.replace(s, blocks=tuple(_block(b, hidden) for b in s.blocks)) for s in g.sections)
    links = tuple(link for link in g.links if not hidden(link.target))
    if sections == g.sections and links == g.links:
        return g
    return dataclasses.replace(g, sections=sections, links=links)


def restrict(corpus: Corpus, collections: frozenset[str]) -> Corpus:
    visible = {slug: g for slug, g in corpus.guides.items() if g.collection in collections}

    def hidden(slug: str) -> bool:
        return final_slug(slug, corpus.renamed) not in visible

    guides = {slug: _guide(g, hidden) for slug, g in visible.items()}
    return Corpus(
        guides=guides,
        collections={slug: c for slug, c in corpus.collections.items() if slug in collections},
        renamed={old: new for old, new in corpus.renamed.items() if final_slug(old, corpus.renamed) in guides},
        # a retirement is told only to the scopes of the guide's collection (404 for the others, as if
        # it had never been): its slug and reason are a hidden guide's words
        retired={slug: why for slug, why in corpus.retired.items() if corpus.retired_from.get(slug) in collections},
        version=f"{corpus.version}-{scope_id(collections)}",
        scripts={sid: s for sid, s in corpus.scripts.items() if s.guide in guides},
        language=corpus.language,
        support=corpus.support,  # support services are not scoped content
        retired_from={slug: c for slug, c in corpus.retired_from.items() if c in collections},
    )
