"""Partner API keys, scope, CORS and rate limits through the test client (api/partners.py)."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
import yaml

from api.app import create_app
from api.partner_keys import hash_key
from tests.synthetic import QUIET, UNSAFE

# On the synthetic corpus (tests/synthetic.py).
BOUND = "test-key-staying-safe-only-0001"  # sees the staying-safe collection, from https://bound.example
FULL = "test-key-everything-0002"  # sees everything, no browser origin
TINY = "test-key-tiny-limit-0003"  # 3 requests a minute
OTHER_TINY = "test-key-tiny-limit-0004"
SCOPE = "staying-safe"
OTHER = "first-steps"  # a collection BOUND does not see
HIDDEN_GUIDE = QUIET  # first-steps
VISIBLE_GUIDE = UNSAFE  # staying-safe; it links to HIDDEN_GUIDE in its text


def _keys_file(path: Path, anonymous: dict) -> Path:
    data = {
        "anonymous": anonymous,
        "keys": [
            {
                "name": "bound",
                "sha256": hash_key(BOUND),
                "collections": [SCOPE],
                "origins": ["https://bound.example"],
                "limit": "1000/minute",
            },
            {"name": "full", "sha256": hash_key(FULL), "collections": "all", "origins": [], "limit": "1000/minute"},
            {"name": "tiny", "sha256": hash_key(TINY), "collections": "all", "limit": "3/minute"},
            {"name": "other-tiny", "sha256": hash_key(OTHER_TINY), "collections": "all", "limit": "3/minute"},
        ],
    }
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def index_dir(syn_store: Path) -> Path:
    """The synthetic corpus's release store, its search index included."""
    return syn_store


def _app(tmp: Path, index_dir: Path, anonymous: dict):
    keys = _keys_file(tmp / "keys.yaml", anonymous)
    return create_app(
        {
            "TESTING": True,
            "RELEASE_STORE": str(index_dir),
            "PARTNER_KEYS_FILE": str(keys),
        }
    )


@pytest.fixture()
def keyed(tmp_path: Path, index_dir: Path):
    """Keys required: anonymous access is off."""
    return _app(tmp_path, index_dir, {"allowed": False}).test_client()


@pytest.fixture()
def public(tmp_path: Path, index_dir: Path):
    """Anonymous callers allowed: 2 a minute per IP, OTHER only, from one origin."""
    anon = {
        "allowed": True,
        "limit": "2/minute",
        "collections": [OTHER],
        "origins": ["https://public.example"],
    }
    return _app(tmp_path, index_dir, anon).test_client()


def _as(key: str, **headers: str) -> dict[str, str]:
    return {"X-API-Key": key, **headers}


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.get_data(as_text=True)
    body = r.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


# -- 401 ------------------------------------------------------------------------------------------
def test_missing_key_is_401_when_anonymous_access_is_off(keyed) -> None:
    for url in ["/v1/guides", f"/v1/guides/{VISIBLE_GUIDE}", "/v1/search?q=boundaries", "/v1/nope"]:
        r = keyed.get(url)
        body = _problem(r, 401)
        assert "X-API-Key" in body["detail"]
        assert r.headers["WWW-Authenticate"].startswith("ApiKey ")
    _problem(keyed.post("/v1/pattern-check", json={"situation": "i keep checking their profile"}), 401)


def test_unknown_or_empty_key_is_401(keyed) -> None:
    r = keyed.get("/v1/guides", headers=_as("not-a-key"))
    assert _problem(r, 401)["detail"] == "Unknown API key."
    assert "WWW-Authenticate" in r.headers and "not-a-key" not in r.get_data(as_text=True)
    _problem(keyed.get("/v1/guides", headers=_as("")), 401)  # empty = missing, and anonymous is off


def test_key_is_read_from_the_header_only(keyed) -> None:
    # A key in the URL would end up in logs and caches: it is not a parameter (422 names it).
    r = keyed.get(f"/v1/guides?api_key={FULL}", headers=_as(FULL))
    assert _problem(r, 422)["detail"] == "Invalid parameter: api_key"
    _problem(keyed.get(f"/v1/guides?api_key={FULL}"), 401)


def test_service_endpoints_need_no_key(keyed) -> None:
    for url in ["/v1/health", "/v1/ready", "/v1/metrics", "/v1/openapi.json"]:
        assert keyed.get(url).status_code in (200, 503), url


# -- scope: lists filtered, single items 404 -------------------------------------------------------
def test_guide_list_only_has_the_keys_collections(keyed, syn_corpus) -> None:
    body = keyed.get("/v1/guides?page_size=100", headers=_as(BOUND)).get_json()
    assert body["total"] == sum(g.collection == SCOPE for g in syn_corpus.guides.values()) > 0
    assert {i["collection"]["slug"] for i in body["items"]} == {SCOPE}
    # a filter for a hidden collection is an empty list, not an error
    assert keyed.get(f"/v1/guides?collection={OTHER}", headers=_as(BOUND)).get_json()["total"] == 0
    assert keyed.get("/v1/guides?page_size=100", headers=_as(FULL)).get_json()["total"] == len(syn_corpus.guides)


def test_guide_outside_the_scope_is_404_like_a_missing_one(keyed) -> None:
    assert keyed.get(f"/v1/guides/{VISIBLE_GUIDE}", headers=_as(BOUND)).status_code == 200
    hidden = _problem(keyed.get(f"/v1/guides/{HIDDEN_GUIDE}", headers=_as(BOUND)), 404)
    missing = _problem(keyed.get("/v1/guides/no-such-guide", headers=_as(BOUND)), 404)
    assert hidden["detail"].replace(HIDDEN_GUIDE, "x") == missing["detail"].replace("no-such-guide", "x")
    _problem(keyed.get(f"/v1/guides/{HIDDEN_GUIDE}/sections", headers=_as(BOUND)), 404)
    assert keyed.get(f"/v1/guides/{HIDDEN_GUIDE}", headers=_as(FULL)).status_code == 200


def test_scripts_only_from_visible_guides(keyed, syn_corpus) -> None:
    body = keyed.get("/v1/scripts?page_size=100", headers=_as(BOUND)).get_json()
    visible = {s.id for s in syn_corpus.scripts.values() if syn_corpus.guides[s.guide].collection == SCOPE}
    assert body["total"] == len(visible) > 0
    assert {i["id"] for i in body["items"]} == visible
    hidden = next(s.id for s in syn_corpus.scripts.values() if syn_corpus.guides[s.guide].collection != SCOPE)
    _problem(keyed.get(f"/v1/scripts/{hidden}", headers=_as(BOUND)), 404)
    assert keyed.get(f"/v1/scripts/{hidden}", headers=_as(FULL)).status_code == 200


def test_collections_only_the_keys_own(keyed) -> None:
    body = keyed.get("/v1/collections", headers=_as(BOUND)).get_json()
    assert [c["slug"] for c in body] == [SCOPE]
    assert keyed.get(f"/v1/collections/{SCOPE}", headers=_as(BOUND)).status_code == 200
    _problem(keyed.get(f"/v1/collections/{OTHER}", headers=_as(BOUND)), 404)


def test_graph_only_has_visible_guides(keyed) -> None:
    body = keyed.get("/v1/graph", headers=_as(BOUND)).get_json()
    guides = [n for n in body["nodes"] if n["type"] == "guide"]
    assert guides and {n["collection"] for n in guides} == {SCOPE}
    ids = {n["id"] for n in body["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in body["edges"])
    assert f"guide:{HIDDEN_GUIDE}" not in ids
    _problem(keyed.get(f"/v1/graph/guides/{HIDDEN_GUIDE}", headers=_as(BOUND)), 404)
    assert keyed.get(f"/v1/graph/guides/{VISIBLE_GUIDE}", headers=_as(BOUND)).status_code == 200


def test_pattern_check_only_answers_with_visible_guides(keyed, syn_corpus) -> None:
    situation = {"situation": "i broke up and keep texting my ex, should i go no contact"}
    everything = keyed.post("/v1/pattern-check", json=situation, headers=_as(FULL)).get_json()
    assert any(syn_corpus.guides[r["slug"]].collection != SCOPE for r in everything["results"])
    scoped = keyed.post("/v1/pattern-check", json=situation, headers=_as(BOUND)).get_json()
    assert scoped["results"] and all(syn_corpus.guides[r["slug"]].collection == SCOPE for r in scoped["results"])


def test_search_hits_and_facets_only_from_the_keys_collections(keyed) -> None:
    everything = keyed.get("/v1/search?q=support&page_size=50", headers=_as(FULL)).get_json()
    assert {f["value"] for f in everything["facets"]["collection"]} > {SCOPE}
    r = keyed.get("/v1/search?q=support&page_size=50", headers=_as(BOUND))
    body = r.get_json()
    assert body["total"] > 0 and {h["collection"] for h in body["items"]} == {SCOPE}
    assert [f["value"] for f in body["facets"]["collection"]] == [SCOPE]
    assert sum(f["count"] for f in body["facets"]["type"]) == body["total"] < everything["total"]
    # the user's own collection filter narrows within the scope; it never widens it
    other = keyed.get(f"/v1/search?q=support&collection={OTHER}", headers=_as(BOUND)).get_json()
    assert other["total"] == 0 and other["items"] == []
    assert "X-API-Key" in r.headers["Vary"]


def test_suggest_only_offers_visible_titles(keyed, syn_corpus) -> None:
    hidden_title = syn_corpus.guides[HIDDEN_GUIDE].title
    word = hidden_title.split()[0].lower()[:4]
    full = keyed.get(f"/v1/suggest?q={word}&limit=20", headers=_as(FULL)).get_json()
    assert HIDDEN_GUIDE in {i["guide"] for i in full["items"]}
    scoped = keyed.get(f"/v1/suggest?q={word}&limit=20", headers=_as(BOUND)).get_json()
    assert all(syn_corpus.guides[i["guide"]].collection == SCOPE for i in scoped["items"] if i["guide"])


def _guide_links(blocks: list[dict]) -> list[tuple[str, str]]:
    """(slug, link text) of every guide link in these blocks and their inline spans, nested ones included."""
    found: list[tuple[str, str]] = []

    def spans(items: list[dict]) -> None:
        for s in items:
            if s["type"] == "link" and s.get("guide"):
                found.append((s["guide"], "".join(c.get("text", "") for c in s.get("children", []))))
            spans(s.get("children", []))

    for b in blocks:
        spans(b.get("inlines", []))
        found += [(m, "") for m in re.findall(r'data-guide="([^"]+)"', b["html"])]
        found += _guide_links(b.get("children", []))
        for item in b.get("items", []):
            found += _guide_links(item)
    return found


def test_links_to_hidden_guides_inside_blocks_become_plain_text(keyed, syn_corpus) -> None:
    """Issue 19.1: a block's links (html, inlines, text) never name a guide outside the key's scope."""
    hidden = {s for s, g in syn_corpus.guides.items() if g.collection != SCOPE}
    leaking = [
        g
        for g in syn_corpus.guides.values()
        if g.collection == SCOPE and any(link.target in hidden for link in g.links if link.kind != "related")
    ]
    assert leaking, "the content has no visible guide linking to a hidden one: the test proves nothing"
    slug = leaking[0].slug
    # the whole key sees these links
    full = keyed.get(f"/v1/guides/{slug}", headers=_as(FULL)).get_json()
    assert {s for sec in full["sections"] for s, _ in _guide_links(sec["blocks"])} & hidden

    bound = keyed.get(f"/v1/guides/{slug}", headers=_as(BOUND)).get_json()
    links = [link for sec in bound["sections"] for link in _guide_links(sec["blocks"])]
    assert links == [x for x in links if x[0] not in hidden]
    assert not {x["slug"] for x in bound["links"]} & hidden
    # the link's words stay, as text, in every form
    for sec_full, sec_bound in zip(full["sections"], bound["sections"], strict=True):
        assert sec_full["text"] == sec_bound["text"]
        for b_full, b_bound in zip(sec_full["blocks"], sec_bound["blocks"], strict=True):
            assert b_full["text"] == b_bound["text"]
    urls = [f"/v1/guides/{slug}", f"/v1/guides/{slug}/sections", "/v1/export", "/v1/sync?page_size=100"]
    urls += [f"/v1/guides/{slug}/sections/{sec['anchor']}" for sec in bound["sections"]]
    for url in urls:
        body = keyed.get(url, headers=_as(BOUND)).get_data(as_text=True)
        named = {s for s in hidden if f"/guides/{s}" in body or f'"{s}"' in body or f'data-guide=\\"{s}' in body}
        assert not named, (url, named)


def test_scoped_responses_vary_by_key_and_have_their_own_etag(keyed) -> None:
    a = keyed.get("/v1/guides", headers=_as(BOUND))
    b = keyed.get("/v1/guides", headers=_as(FULL))
    assert a.headers["ETag"] != b.headers["ETag"]
    for r in (a, b):
        assert {"X-API-Key", "Origin"} <= {v.strip() for v in r.headers["Vary"].split(",")}
    # one partner's ETag does not revalidate another partner's view
    assert keyed.get("/v1/guides", headers=_as(FULL, **{"If-None-Match": a.headers["ETag"]})).status_code == 200


# -- CORS -----------------------------------------------------------------------------------------
def test_preflight_for_an_origin_some_key_allows(keyed) -> None:
    r = keyed.options(
        "/v1/guides",
        headers={
            "Origin": "https://bound.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-api-key",
        },
    )
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "https://bound.example"
    assert "X-API-Key" in r.headers["Access-Control-Allow-Headers"]
    assert "GET" in r.headers["Access-Control-Allow-Methods"] and "POST" in r.headers["Access-Control-Allow-Methods"]
    assert int(r.headers["Access-Control-Max-Age"]) > 0 and "Origin" in r.headers["Vary"]


def test_preflight_for_an_unknown_origin_is_refused(keyed) -> None:
    r = keyed.options("/v1/guides", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    _problem(r, 403)
    assert "Access-Control-Allow-Origin" not in r.headers


def test_actual_request_from_the_keys_origin(keyed) -> None:
    r = keyed.get("/v1/guides", headers=_as(BOUND, Origin="https://bound.example"))
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "https://bound.example"
    exposed = {h.strip() for h in r.headers["Access-Control-Expose-Headers"].split(",")}
    assert {
        "ETag",
        "Link",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
        "Retry-After",
        "X-Request-ID",
    } <= exposed
    assert "Origin" in r.headers["Vary"]


def test_actual_request_from_another_origin_is_403_without_cors_headers(keyed) -> None:
    # the origin is allowed for some key (so its preflight passes), but not for the key presented
    r = keyed.get("/v1/guides", headers=_as(FULL, Origin="https://bound.example"))
    body = _problem(r, 403)
    assert "https://bound.example" in body["detail"]
    assert "Access-Control-Allow-Origin" not in r.headers
    r = keyed.get("/v1/guides", headers=_as(BOUND, Origin="https://evil.example"))
    _problem(r, 403)
    assert "Access-Control-Allow-Origin" not in r.headers


def test_request_without_origin_is_not_a_cors_request(keyed) -> None:
    r = keyed.get("/v1/guides", headers=_as(FULL))  # a server or an app: no Origin header
    assert r.status_code == 200 and "Access-Control-Allow-Origin" not in r.headers
    same = keyed.get("/v1/guides", headers=_as(FULL, Origin="http://localhost"))  # this server's own origin
    assert same.status_code == 200 and "Access-Control-Allow-Origin" not in same.headers


def test_a_browser_can_read_the_401(keyed) -> None:
    r = keyed.get("/v1/guides", headers={"Origin": "https://bound.example"})
    _problem(r, 401)
    assert r.headers["Access-Control-Allow-Origin"] == "https://bound.example"


# -- anonymous tier -------------------------------------------------------------------------------
def test_anonymous_tier_has_its_own_scope_origins_and_limit(public, syn_corpus) -> None:
    body = public.get("/v1/collections").get_json()
    assert [c["slug"] for c in body] == [OTHER]
    r = public.get("/v1/guides", headers={"Origin": "https://public.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://public.example"
    assert r.headers["RateLimit-Limit"] == "2" and r.headers["RateLimit-Remaining"] == "0"
    _problem(public.get("/v1/guides"), 429)
    # another address has its own budget; a key has its own too
    assert public.get("/v1/guides", environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 200
    assert public.get("/v1/guides", headers=_as(FULL)).status_code == 200
    _problem(public.get("/v1/guides", headers={"Origin": "https://bound.example"}), 403)


def test_no_keys_file_means_open_to_all(syn_client, syn_corpus) -> None:
    r = syn_client.get("/v1/guides?page_size=100", headers={"Origin": "https://anywhere.example"})
    assert r.status_code == 200 and r.get_json()["total"] == len(syn_corpus.guides)
    assert r.headers["Access-Control-Allow-Origin"] == "https://anywhere.example"
    assert "RateLimit-Limit" not in r.headers  # no limit configured
    assert "X-API-Key" in r.headers["Vary"]


# -- 429 ------------------------------------------------------------------------------------------
def test_429_in_the_error_shape_with_retry_after_and_ratelimit_headers(keyed) -> None:
    remaining = []
    for url in ["/v1/guides", "/v1/scripts", "/v1/search?q=contact"]:  # one budget over all endpoints
        r = keyed.get(url, headers=_as(TINY))
        assert r.status_code == 200
        assert r.headers["RateLimit-Limit"] == "3" and r.headers["RateLimit-Policy"] == "3;w=60"
        assert 0 < int(r.headers["RateLimit-Reset"]) <= 61
        remaining.append(int(r.headers["RateLimit-Remaining"]))
    assert remaining == [2, 1, 0]
    # refused before counting: an unknown key, an origin the key does not allow
    _problem(keyed.get("/v1/collections", headers=_as(TINY, Origin="https://bound.example")), 403)
    r = keyed.get("/v1/collections", headers=_as(TINY))
    body = _problem(r, 429)
    assert body["title"] == "Too Many Requests" and "3 per 1 minute" in body["detail"]
    assert 1 <= int(r.headers["Retry-After"]) <= 61
    assert r.headers["RateLimit-Remaining"] == "0" and r.headers["RateLimit-Limit"] == "3"
    assert r.headers["Cache-Control"] == "no-store" and "X-API-Key" in r.headers["Vary"]
    # another key's budget is its own; service endpoints are never limited
    assert keyed.get("/v1/guides", headers=_as(OTHER_TINY)).status_code == 200
    for _ in range(5):
        h = keyed.get("/v1/health", headers=_as(TINY))
        assert h.status_code == 200 and "RateLimit-Limit" not in h.headers


def test_429_can_be_read_by_the_browser(public) -> None:
    for _ in range(2):
        assert public.get("/v1/guides", headers={"Origin": "https://public.example"}).status_code == 200
    r = public.get("/v1/guides", headers={"Origin": "https://public.example"})
    _problem(r, 429)
    assert r.headers["Access-Control-Allow-Origin"] == "https://public.example"
    assert "Retry-After" in r.headers["Access-Control-Expose-Headers"] and int(r.headers["Retry-After"]) >= 1


# -- keys never logged ----------------------------------------------------------------------------
def test_keys_never_reach_the_logs(keyed, caplog) -> None:
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage() + (str(record.exc_info) if record.exc_info else ""))

    handler = Collect()
    access = logging.getLogger("api.access")
    access.addHandler(handler)
    caplog.set_level(logging.DEBUG)
    try:
        keyed.get("/v1/guides", headers=_as(BOUND, Origin="https://bound.example"))
        keyed.get("/v1/guides", headers=_as("wrong-key-that-must-not-be-logged"))
        keyed.get(f"/v1/guides?api_key={FULL}", headers=_as(FULL))
        for _ in range(5):  # flask-limiter logs each breach
            keyed.get("/v1/guides", headers=_as(TINY))
    finally:
        access.removeHandler(handler)
    text = "\n".join(lines + [r.getMessage() for r in caplog.records])
    assert len(lines) == 8 and json.loads(lines[0])["status"] == 200
    for secret in (BOUND, FULL, TINY, "wrong-key-that-must-not-be-logged"):
        assert secret not in text
    assert "api_key=[redacted]" in text


# -- configuration --------------------------------------------------------------------------------
def test_a_broken_keys_file_stops_the_app_from_starting(tmp_path: Path) -> None:
    from api.partner_keys import PartnerKeysInvalid

    bad = tmp_path / "keys.yaml"
    bad.write_text("keys:\n  - name: acme\n    sha256: plaintext-key\n    collections: all\n", encoding="utf-8")
    with pytest.raises(PartnerKeysInvalid, match=r"keys\[0\] \(acme\)\.sha256"):
        create_app({"TESTING": True, "CONTENT_CACHE": str(tmp_path / "c.pickle"), "PARTNER_KEYS_FILE": str(bad)})


def test_cli_prints_the_hash_for_the_file(runner) -> None:
    result = runner.invoke(args=["keys", "hash", BOUND])
    assert result.exit_code == 0 and result.output.strip() == hash_key(BOUND)
    assert len(result.output.strip()) == 64
    short = runner.invoke(args=["keys", "hash", "-"], input="short\n")
    assert short.exit_code == 0 and hash_key("short") in short.output and "warning" in short.output


# -- key guessing -----------------------------------------------------------------------------------
def test_failed_key_attempts_are_counted_per_address_and_then_429(public) -> None:
    """Issue 19.7: unknown keys from an address over its limit were all 401, however many."""
    guesser = {"REMOTE_ADDR": "203.0.113.7"}
    for _ in range(3):  # first spend the address's anonymous budget (2 a minute)
        public.get("/v1/guides", environ_base=guesser)
    _problem(public.get("/v1/guides", environ_base=guesser), 429)
    for i in range(20):  # api.partners.KEY_FAILURE_LIMIT
        _problem(public.get("/v1/guides", headers=_as(f"guess-{i:04d}"), environ_base=guesser), 401)
    for i in range(5):
        r = public.get("/v1/guides", headers=_as(f"more-{i:04d}"), environ_base=guesser)
        assert "Too many unknown API keys" in _problem(r, 429)["detail"]
        assert int(r.headers["Retry-After"]) >= 1 and r.headers["Cache-Control"] == "no-store"
    # a good key from that address cannot be told from a bad one until the window ends
    _problem(public.get("/v1/guides", headers=_as(FULL), environ_base=guesser), 429)
    # another address is not affected
    other = {"REMOTE_ADDR": "198.51.100.2"}
    _problem(public.get("/v1/guides", headers=_as("guess-x"), environ_base=other), 401)
    assert public.get("/v1/guides", headers=_as(FULL), environ_base=other).status_code == 200


@pytest.mark.parametrize("empty", ["", " ", "   ", "\t"])
def test_an_empty_key_is_401_even_where_anonymous_callers_are_allowed(public, empty: str) -> None:
    """Issue 19.9: an empty or all-space X-API-Key was served as anonymous, so a client with an empty
    key variable never noticed."""
    r = public.get("/v1/guides", headers=_as(empty))
    assert _problem(r, 401)["detail"] == "The X-API-Key header is empty."
    assert r.headers["WWW-Authenticate"].startswith("ApiKey ")
    assert public.get("/v1/guides").status_code == 200  # no header at all: anonymous, as before
