"""The bounded caches (cachetools' LRUCache since issue 13) keep the recently used and stay bounded."""

from __future__ import annotations

from dataclasses import replace

from api.content.versioned import PerVersion
from api.http import ResponseCache
from search_index import score


def test_response_cache_keeps_the_recently_used_within_its_bytes(app) -> None:
    cache = ResponseCache(max_bytes=2 * (9 + 256) + 100)  # two entries of a 9-byte body fit, not three
    built: list[str] = []

    def get(key: str):
        return cache.get_or_build((key,), lambda: built.append(key) or {"k": key}, "no-store", url=lambda: ("v", key))

    a = get("a")
    get("b")
    assert get("a") is a  # a hit: not built again, and now the most recently used
    get("c")  # evicts b
    get("a")
    get("b")
    assert built == ["a", "b", "c", "b"]
    assert cache.size == 2 * (9 + 256) <= cache.max_bytes
    # validators are kept by URL without their bodies (a revalidation needs no body)
    assert ("v", "b", None) in cache.by_url and not hasattr(cache.by_url[("v", "b", None)], "body")


def test_per_version_keeps_the_few_latest_versions(corpus) -> None:
    calls: list[str] = []
    per = PerVersion(lambda c: calls.append(c.version) or c.version, keep=2)
    v1, v2, v3 = (replace(corpus, version=v) for v in ("v1", "v2", "v3"))
    for c in (v1, v2, v1, v3, v1, v2):
        per(c)
    assert calls == ["v1", "v2", "v3", "v2"]


def test_impacts_are_bounded_by_postings_held(search_engine, monkeypatch) -> None:
    monkeypatch.setattr(score, "CACHE_POSTINGS", 1)  # no term fits: none is kept, answers are the same
    with search_engine.lease() as oi:
        assert oi.impacts is not None
        small = score.ImpactCache(oi.searcher, oi.impacts.field, oi.impacts.norms)
        ids, scores = small.impacts("contact")
        assert list(ids) == list(oi.impacts.impacts("contact")[0]) and len(ids) > 1
        assert len(small._terms) == 0
