"""The three analysed fields, indexed without Whoosh's token pipeline: the same terms, faster.

Whoosh analyses a value through a chain of generators (tokenizer, then one per filter, one Python
call per token per stage) and the exact and pair fields tokenize the same text twice. Here each
field's `index()` does the same steps on lists of strings: the tokenizer's regular expression,
lower case, accent folding, then per field the pairs, or the part markers, stop words and stems.
The exact field's words are kept for the pair field of the same document (one tokenization). The
analyzers stay attached to the fields (queries, highlighting, the schema's fingerprint), and a
test checks that every field's `index()` gives what Whoosh's own gives on the real content.
Anything unusual (not a string, another mode) takes Whoosh's path.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import StopFilter
from whoosh.fields import KEYWORD, TEXT
from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map
from whoosh.system import pack_uint

Posting = tuple[bytes, int, float, bytes]
_memo = threading.local()  # the last value the exact field split, and its words
_stems: dict[str, str] = {}


def _stem(word: str) -> str:
    s = _stems.get(word)
    if s is None:
        s = _stems[word] = stem(word)
    return s


def _words(pattern: re.Pattern[str], value: str) -> list[str]:
    """The tokenizer, LowercaseFilter and CharsetFilter(accent_map), in that order."""
    if getattr(_memo, "value", None) is value:
        return _memo.words
    words = [w.lower().translate(accent_map) for w in pattern.findall(value)]
    _memo.value, _memo.words = value, words
    return words


def _items(field: Any) -> list[Any]:
    """The field's analyzer as its tokenizer and filters (a CompositeAnalyzer's items)."""
    return list(field.analyzer.items)


def _fast(value: Any, kwargs: dict[str, Any]) -> bool:
    return isinstance(value, str) and kwargs.get("mode", "index") == "index" and len(kwargs) <= 1


class ExactField(TEXT):
    """The unstemmed field with positions (schema.EXACT_ANALYZER)."""

    def index(self, value: Any, **kwargs: Any) -> Iterator[Posting]:  # type: ignore[override]
        if not _fast(value, kwargs):
            yield from super().index(value, **kwargs)
            return
        fmt: Any = self.format
        fb, encode = fmt.field_boost, fmt.encode
        positions: defaultdict[str, list[int]] = defaultdict(list)
        for pos, w in enumerate(_words(_items(self)[0].expression, value)):
            positions[w].append(pos)
        for w, ps in positions.items():
            yield w.encode("utf-8"), len(ps), float(len(ps)) * fb, encode(ps)


class PairsField(KEYWORD):
    """Adjacent word pairs of the exact field's words (schema.PAIR_ANALYZER), counted."""

    def index(self, value: Any, **kwargs: Any) -> Iterator[Posting]:  # type: ignore[override]
        if not _fast(value, kwargs):
            yield from super().index(value, **kwargs)
            return
        from search_index.schema import PAIR_SEP

        fb = getattr(self.format, "field_boost", 1.0)
        words = _words(_items(self)[0].expression, value)
        for p, n in Counter(f"{a}{PAIR_SEP}{b}" for a, b in zip(words, words[1:], strict=False)).items():
            yield p.encode("utf-8"), n, float(n) * fb, pack_uint(n)


class StemmedField(TEXT):
    """The scored field (schema.STEM_ANALYZER): part markers set the weight of the words after
    them, stop words and one-letter words are dropped, the rest Porter-stemmed."""

    def index(self, value: Any, **kwargs: Any) -> Iterator[Posting]:  # type: ignore[override]
        if not _fast(value, kwargs):
            yield from super().index(value, **kwargs)
            return
        from search_index.schema import BOOSTS, MARKERS

        stop = next(f for f in _items(self) if isinstance(f, StopFilter))
        stops, minsize = stop.stops, stop.min
        fb = getattr(self.format, "field_boost", 1.0)
        freqs: Counter[str] = Counter()
        weights: defaultdict[str, float] = defaultdict(float)
        boost = BOOSTS["body"]
        pattern = _items(self)[0].expression
        for w in pattern.findall(value):
            w = w.lower().translate(accent_map)
            part = MARKERS.get(w)
            if part is not None:
                boost = BOOSTS[part]
            elif len(w) >= minsize and w not in stops:
                s = _stem(w)
                freqs[s] += 1
                weights[s] += boost
        for s, n in freqs.items():
            yield s.encode("utf-8"), n, weights[s] * fb, pack_uint(n)
