"""The bounded caches (cachetools' LRUCache since issue 13) keep the recently used and stay bounded."""

from __future__ import annotations

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


def test_safety_guides_and_search_fits_are_kept_per_release_and_scope(syn_app) -> None:
    from api.current import fits_of, release, safety_guides_of, take_release
    from tests.synthetic import UNSAFE

    with syn_app.test_request_context("/v1/search?q=x"):
        take_release()
        r = release()
        whole, safe, limits = r.corpus, r.scoped(frozenset({"staying-safe"})), r.scoped(frozenset({"limits"}))
        assert safety_guides_of(whole) is safety_guides_of(whole)  # built once, kept with the release
        assert [g["slug"] for g in safety_guides_of(whole)] == [g["slug"] for g in safety_guides_of(safe)] == [UNSAFE]
        assert safety_guides_of(limits) == []  # a scope's own: no safety guide in limits
        assert fits_of(whole) is fits_of(whole) and fits_of(whole) is not fits_of(limits)
        assert {f"safety_guides:{whole.version}", f"fits:{whole.version}", f"fits:{limits.version}"} <= set(r.local)


def test_search_fits_are_keyed_by_the_words_and_bounded(syn_corpus) -> None:
    from api.patterns import build_analyzer
    from api.search_hints import Fits, guide_fit

    analyzer = build_analyzer(syn_corpus)
    fits = Fits(size=2)
    first = fits.get("Quiet  after", analyzer)
    assert first and first == guide_fit("quiet after", analyzer)
    assert fits.get("quiet after", analyzer) is first  # the same words: kept
    fits.get("missing", analyzer)
    fits.get("afraid", analyzer)  # two more: the first goes
    again = fits.get("quiet after", analyzer)
    assert again == first and again is not first


def test_impacts_are_bounded_by_postings_held(search_engine, monkeypatch) -> None:
    monkeypatch.setattr(score, "CACHE_POSTINGS", 1)  # no term fits: none is kept, answers are the same
    with search_engine.lease() as oi:
        assert oi.impacts is not None
        small = score.ImpactCache(oi.searcher, oi.impacts.field, oi.impacts.norms)
        ids, scores = small.impacts("contact")
        assert list(ids) == list(oi.impacts.impacts("contact")[0]) and len(ids) > 1
        assert len(small._terms) == 0
