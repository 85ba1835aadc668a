"""The content domain: typed model, Markdown parser, loader and validator. Never imports Flask."""

from api.content.load import ContentInvalid, load_corpus
from api.content.model import (
    Block,
    Collection,
    Corpus,
    Guide,
    Link,
    Problem,
    Script,
    Section,
    Source,
    Span,
)

__all__ = [
    "Block",
    "Collection",
    "ContentInvalid",
    "Corpus",
    "Guide",
    "Link",
    "Problem",
    "Script",
    "Section",
    "Source",
    "Span",
    "load_corpus",
]
