"""Snippets: the best window of a hit's text, with matched words as offsets and as escaped HTML."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

SNIPPET_CHARS = 180
ELLIPSIS = "…"


@lru_cache(maxsize=1024)
def word_pattern(words: frozenset[str]) -> re.Pattern[str] | None:
    """One regex for all the words to mark: the scan runs in C, not a Python loop per token."""
    if not words:
        return None
    alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w'’])(?:{alts})(?![\w]|['’.]\w)", re.IGNORECASE)


def matches(text: str, words: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, word) of each occurrence in `text` of the words searched (any stemmed form)."""
    rx = word_pattern(words)
    return [(m.start(), m.end(), m.group().lower()) for m in rx.finditer(text)] if rx else []


def _window(text: str, found: list[tuple[int, int, str]], width: int) -> tuple[int, int]:
    """The span of at most `width` characters covering the most distinct matched words."""
    if len(text) <= width:
        return 0, len(text)
    if not found:
        start, end = 0, width
    else:
        best, best_i, j = -1, 0, 0
        for i in range(len(found)):
            while j < len(found) and found[j][1] - found[i][0] <= width:
                j += 1
            score = len({w for _, _, w in found[i:j]})
            if score > best:
                best, best_i, best_j = score, i, j
        first, last = found[best_i][0], found[best_j - 1][1]
        # Centre the matches, with a little context before the first one.
        start = max(0, min(first - (width - (last - first)) // 3, len(text) - width))
        end = min(len(text), start + width)
    # Cut at word boundaries.
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    return start, end


@lru_cache(maxsize=256)
def phrase_pattern(phrases: tuple[tuple[str, ...], ...]) -> re.Pattern[str] | None:
    """A quoted phrase's words in order, with only spaces or punctuation between them."""
    if not phrases:
        return None
    alts = "|".join(r"[^\w]+".join(re.escape(w) for w in p) for p in phrases)
    return re.compile(rf"(?<![\w'’])(?:{alts})(?![\w])", re.IGNORECASE)


def _found(text: str, words: frozenset[str], phrases: tuple[tuple[str, ...], ...]) -> list[tuple[int, int, str]]:
    found = matches(text, words)
    rx = phrase_pattern(phrases)
    if rx is None:
        return found
    spans = [(m.start(), m.end(), m.group().lower()) for m in rx.finditer(text)]
    # A word inside a marked phrase is not marked again.
    found = [f for f in found if not any(s <= f[0] < e for s, e, _ in spans)] + spans
    return sorted(found)


def snippet(
    text: str,
    words: frozenset[str],
    width: int = SNIPPET_CHARS,
    suffix: str | None = None,
    phrases: tuple[tuple[str, ...], ...] = (),
) -> dict[str, Any]:
    """{"text", "highlights": [[start, end], ...], "html"}; offsets are code points into `text`.

    `words` are the surface forms to mark: what was typed, and every indexed word with the same stem.
    `phrases` (quoted by the reader) are marked only where the whole phrase occurs.
    `suffix` (a script's safety condition) follows the window whole, whatever the window leaves out.
    """
    text = " ".join(text.split())
    found = _found(text, words, phrases)
    start, end = _window(text, found, width)
    lead = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if end < len(text) else ""
    shown = lead + text[start:end] + tail
    shift = len(lead) - start
    spans = [(s + shift, e + shift) for s, e, _ in found if s >= start and e <= end]
    if suffix and (after := " ".join(suffix.split())):
        shown = f"{shown} {after}" if shown else after
        shift = len(shown) - len(after)
        spans += [(s + shift, e + shift) for s, e, _ in _found(after, words, phrases)]
    parts, pos = [], 0
    for s, e in spans:
        parts.append(html.escape(shown[pos:s]))
        parts.append("<mark>" + html.escape(shown[s:e]) + "</mark>")
        pos = e
    parts.append(html.escape(shown[pos:]))
    return {"text": shown, "highlights": [[s, e] for s, e in spans], "html": "".join(parts)}
