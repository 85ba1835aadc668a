"""Compression: gzip and brotli variants of cached and per-request responses, each with its own
strong ETag and 304, Vary: Accept-Encoding, a cache hit doing no compression, the byte bound."""

from __future__ import annotations

import gzip
import json

import brotli
import pytest

import api.encoding
import api.http
from api.app import create_app
from api.encoding import negotiate
from tests.synthetic import MISSING, QUIET

GUIDE = f"/v1/guides/{QUIET}"
DECODE = {"gzip": gzip.decompress, "br": brotli.decompress}


# Behaviour, not content: `app` and `client` serve the synthetic corpus (tests/synthetic.py).
pytestmark = pytest.mark.synthetic


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        (None, None),
        ("", None),
        ("identity", None),
        ("gzip", "gzip"),
        ("gzip, deflate, br", "br"),
        ("br;q=0.5, gzip", "gzip"),
        ("gzip;q=0, *", "br"),
        ("*;q=0", None),
        ("GZIP", "gzip"),
        ("deflate", None),
    ],
)
def test_negotiation_follows_q_values(header, chosen) -> None:
    assert negotiate(header) == chosen


@pytest.mark.parametrize("url", [GUIDE, f"/v1/guides/{QUIET}/sections", "/v1/embed/lp-search.js"])
@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_each_coding_has_its_own_etag_and_304(client, url, coding) -> None:
    plain = client.get(url)
    r = client.get(url, headers={"Accept-Encoding": coding})
    assert r.status_code == 200 and r.headers["Content-Encoding"] == coding
    assert "Accept-Encoding" in r.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert "Content-Encoding" not in plain.headers
    assert DECODE[coding](r.data) == plain.data and len(r.data) < len(plain.data) / 2
    etag = r.headers["ETag"]
    assert etag != plain.headers["ETag"] and etag.startswith('"') and not etag.startswith("W/")
    assert len(r.data) == int(r.headers["Content-Length"])
    for _ in range(2):  # through the view, then answered early (revalidate_early)
        again = client.get(url, headers={"Accept-Encoding": coding, "If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == etag and again.headers["Vary"] == r.headers["Vary"]
    # another coding's (or the identity's) ETag does not revalidate this variant, nor this one theirs
    identity = {"Accept-Encoding": coding, "If-None-Match": plain.headers["ETag"]}
    assert client.get(url, headers=identity).status_code == 200
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200
    other = "br" if coding == "gzip" else "gzip"
    assert client.get(url, headers={"Accept-Encoding": other, "If-None-Match": etag}).status_code == 200


def test_every_variants_304_has_the_same_headers_but_its_etag(app, client) -> None:
    """A 304 is made from headers stored without the entity ones (Content-Encoding, Last-Modified), so a
    variant's 304 is no more work than the identity one's; the early path and the view's agree."""
    url = f"/v1/guides/{QUIET}"
    seen = {}
    for coding in (None, "gzip", "br"):
        accept = {"Accept-Encoding": coding} if coding else {}
        etag = client.get(url, headers=accept).headers["ETag"]
        for if_none_match in (etag, f'"x", {etag}', f"W/{etag}"):  # the one kept, a list, weak
            app.extensions["lp"].served.release.local.clear()  # the view's 304 (nothing remembered) ...
            first = client.get(url, headers={**accept, "If-None-Match": if_none_match})
            early = client.get(url, headers={**accept, "If-None-Match": if_none_match})  # ... then the early one
            for r in (first, early):
                assert r.status_code == 304 and r.headers["ETag"] == etag and r.data == b""
                assert "Content-Encoding" not in r.headers and "Last-Modified" not in r.headers
            assert [k for k, _ in first.headers if k != "X-Request-ID"] == [
                k for k, _ in early.headers if k != "X-Request-ID"
            ]
        seen[coding] = sorted(k for k, _ in early.headers)
    assert seen[None] == seen["gzip"] == seen["br"]


@pytest.mark.parametrize("url", [GUIDE, f"{GUIDE}?render=json", f"{GUIDE}/sections", "/v1/guides", "/v1/collections"])
def test_the_early_200_is_the_views_200(app, client, monkeypatch, url) -> None:
    """A repeat GET is answered from the cache before the view (api/http.py revalidate_early): the
    same status, bytes and headers as the view's answer, for every coding."""
    built = []
    real = api.http.ResponseCache.get_or_build
    monkeypatch.setattr(api.http.ResponseCache, "get_or_build", lambda *a, **k: built.append(1) or real(*a, **k))
    for coding in (None, "gzip", "br"):
        accept = {"Accept-Encoding": coding} if coding else {}
        app.extensions["lp"].served.release.local.clear()  # nothing remembered: the view answers ...
        view = client.get(url, headers=accept)
        views = len(built)
        early = client.get(url, headers=accept)  # ... then the early hook
        assert len(built) == views, "the second answer went through the view"
        assert view.status_code == early.status_code == 200 and view.data == early.data
        assert [h for h in view.headers if h[0] != "X-Request-ID"] == [
            h for h in early.headers if h[0] != "X-Request-ID"
        ]


def test_a_cache_hit_does_no_compression(app, client, monkeypatch) -> None:
    calls = []
    real = api.encoding.encode
    monkeypatch.setattr(api.encoding, "encode", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    url = f"/v1/guides/{MISSING}?fields=slug,title,sections"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    for _ in range(3):
        again = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert calls == ["gzip"]
    client.get(url, headers={"Accept-Encoding": "br"})
    client.get(url, headers={"Accept-Encoding": "br"})
    assert calls == ["gzip", "br"]


def test_small_bodies_go_as_they_are(client) -> None:
    r = client.get(f"/v1/guides/{QUIET}?fields=slug", headers={"Accept-Encoding": "gzip"})
    assert len(r.data) < api.encoding.MIN_SIZE
    assert "Content-Encoding" not in r.headers and "Accept-Encoding" not in r.headers.get("Vary", "")
    r = client.get("/v1/guides/nope", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 404 and "Content-Encoding" not in r.headers


def test_a_response_made_per_request_is_compressed_too(search_app) -> None:
    client = search_app.test_client()
    plain = client.get("/v1/search?q=no%20contact")
    r = client.get("/v1/search?q=no%20contact", headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip"
    same = json.loads(gzip.decompress(r.data))
    assert {**same, "took_ms": 0, "cached": None} == {**plain.get_json(), "took_ms": 0, "cached": None}
    assert "Accept-Encoding" in r.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    spec = client.get("/v1/openapi.json", headers={"Accept-Encoding": "br"})
    assert spec.headers["Content-Encoding"] == "br" and brotli.decompress(spec.data).startswith(b"{")


def test_the_cache_is_bounded_by_bytes_with_metrics(app) -> None:
    small = create_app({"TESTING": True, "RESPONSE_CACHE_MB": 0.1})  # 100 KiB: a few guides
    client = small.test_client()
    slugs = [x["slug"] for x in client.get("/v1/guides?page_size=100").get_json()["items"]]
    cache = None
    for slug in slugs * 2:
        for coding in (None, "gzip", "br"):
            client.get(f"/v1/guides/{slug}", headers={"Accept-Encoding": coding} if coding else {})
            cache = small.extensions["lp"].served.release.local["responses"]
            assert cache.size <= 0.1 * 1024 * 1024
    assert cache is not None and cache.size > 50 * 1024  # it does hold what fits
    text = client.get("/v1/metrics").get_data(as_text=True)
    values = {
        line.split(" ")[0]: float(line.split(" ")[1])
        for line in text.splitlines()
        if line.startswith("lp_response_cache")
    }
    assert values["lp_response_cache_bytes"] == cache.size
    assert values['lp_response_cache_lookups_total{result="miss"}'] > 0
    assert values['lp_response_cache_lookups_total{result="hit"}'] > 0
