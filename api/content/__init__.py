"""The content domain: typed model, Markdown parser, loader and validator. Never imports Flask."""

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from api.content.load import ContentInvalid, load_corpus


def __getattr__(name: str) -> Any:
    # The loader is imported on first use, not with the package: the language modules it uses import
    # the model from here, and an eager import would make them circular.
    if name in ("ContentInvalid", "load_corpus"):
        from api.content import load

        return getattr(load, name)
    raise AttributeError(name)


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
