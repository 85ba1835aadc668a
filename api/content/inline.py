"""A paragraph's inline tokens (from markdown-it) as spans and plain text, with its guide links.

One small method per kind of token: text, a line break, code, an image (refused), emphasis and
links. A `guide:` link is recorded with its offsets in the plain text, so the caller can find the
sentence around it (its condition).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it.token import Token

from api.content.model import Span
from api.urls import page_href

GUIDE_SCHEME = "guide:"
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*(?=\s|$)")


class InlineWalk:
    """Walks one inline token's children once; `problem(reason)` is told what the content format refuses."""

    def __init__(self, problem: Callable[[str], None]) -> None:
        self.problem = problem
        self.text_parts: list[str] = []
        self.links: list[tuple[str, str, int, int]] = []  # slug, link text, start, end offsets

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def _offset(self) -> int:
        return sum(len(p) for p in self.text_parts)

    def walk(self, children: list[Token], k: int = 0, stop: str | None = None) -> tuple[list[Span], int]:
        """The spans from children[k] up to the `stop` token (or the end), and where it stopped."""
        spans: list[Span] = []
        while k < len(children):
            c = children[k]
            if stop and c.type == stop:
                return spans, k + 1
            if c.type in ("em_open", "strong_open"):
                inner, k = self.walk(children, k + 1, c.type.replace("_open", "_close"))
                spans.append(Span(c.type[:-5], children=tuple(inner)))
                continue
            if c.type == "link_open":
                link, k = self._link(children, k)
                spans.append(link)
                continue
            leaf = self._leaf(c)
            if leaf is not None:
                spans.append(leaf)
            k += 1
        return spans, k

    def _leaf(self, c: Token) -> Span | None:
        """A token without children: text, a line break, code; an image is refused."""
        if c.type in ("text", "code_inline", "softbreak", "hardbreak"):
            content = " " if c.type.endswith("break") else c.content
            self.text_parts.append(content)
            return Span("code" if c.type == "code_inline" else "text", content)
        if c.type == "image":
            self.problem(
                f"images are not supported ('![{c.content}]({c.attrGet('src') or ''})'): "
                "describe what it shows in words, or link to it"
            )
        return None

    def _link(self, children: list[Token], k: int) -> tuple[Span, int]:
        """A link from its link_open at children[k]; a `guide:` link points at the guide's page."""
        href = str(children[k].attrGet("href") or "")
        start = self._offset()
        inner, k = self.walk(children, k + 1, "link_close")
        end = self._offset()
        slug = href[len(GUIDE_SCHEME) :] if href.startswith(GUIDE_SCHEME) else None
        if slug is not None:
            self.links.append((slug, self.text[start:end], start, end))
        target = href if slug is None else page_href(slug)
        return Span("link", href=target, guide=slug, children=tuple(inner)), k


def sentence_around(text: str, start: int, end: int) -> tuple[str, str]:
    """The sentence holding text[start:end], and the words after the link in it."""
    begin = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        begin = m.end()
    after = _SENTENCE_END.search(text, end)
    stop = after.end() if after else len(text)
    sentence = text[begin:stop].strip()
    condition = text[end:stop].strip().rstrip(".!?").strip()
    return sentence, condition
