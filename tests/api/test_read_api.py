"""The read API over the real content: guides, sections, scripts, collections, redirects, caching."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime, parsedate_to_datetime

import pytest


def get(client, url, **kw):
    r = client.get(url, **kw)
    return r, r.get_json(silent=True)


# -- guides ---------------------------------------------------------------------------------
def test_seed_guide_served_whole(client) -> None:
    r, g = get(client, "/v1/guides/no-contact-rule")
    assert r.status_code == 200
    assert g["title"] == "No Contact Rule: When It Helps and When It Doesn't"
    assert g["collection"] == {"slug": "breakup-recovery", "title": "Breakup recovery"}
    assert g["reading_time"] == 4 and g["updated"] == "2026-03-17"
    assert [s["anchor"] for s in g["sections"]][:3] == [
        "introduction",
        "when-no-contact-helps",
        "when-no-contact-does-not-help",
    ]
    assert len(g["signals"]) == 5 and len(g["safety_notes"]) == 2 and len(g["sources"]) == 2
    assert [s["id"] for s in g["scripts"]] == ["no-contact-statement", "i-just-need-closure", "they-text-i-miss-you"]
    reply = g["scripts"][2]
    assert reply["send"] is True and reply["safety"].startswith("Only if it is safe")
    read_next = [(x["slug"], x["title"], x["condition"]) for x in g["links"] if x["kind"] == "read_next"]
    assert read_next == [
        (
            "why-do-i-miss-my-ex",
            "Why Do I Miss My Ex Even Though They Hurt Me?",
            "if nostalgia is editing out the pattern",
        ),
        (
            "how-to-set-boundaries-without-guilt",
            "How to Set Boundaries Without Feeling Guilty",
            "if the hardest part is tolerating their disappointment or silence",
        ),
    ]


def test_blocks_carry_json_html_and_text(client) -> None:
    _, g = get(client, "/v1/guides/no-contact-rule")
    blocks = [b for s in g["sections"] for b in s["blocks"]]
    types = {b["type"] for b in blocks}
    assert {"paragraph", "signals", "safety", "script", "read_next"} <= types
    for b in blocks:
        assert b["html"] and "text" in b
    link_para = next(b for b in blocks if b["type"] == "paragraph" and "data-guide" in b["html"])
    assert '<a href="/guides/why-do-i-miss-my-ex" data-guide="why-do-i-miss-my-ex">' in link_para["html"]
    link = next(s for s in link_para["inlines"] if s["type"] == "link")
    assert link["guide"] == "why-do-i-miss-my-ex"
    quote_para = next(b for b in blocks if "I hope they suffer" in b["text"])
    assert "&quot;I hope they suffer" in quote_para["html"]  # escaped
    script = next(b for b in blocks if b["type"] == "script" and b["script_id"] == "they-text-i-miss-you")
    assert 'class="safety-condition"' in script["html"]


def test_html_in_content_is_escaped(client, app, content_dir, tmp_path) -> None:
    from tests.conftest import publish_app

    root = content_dir()
    path = root / "guides" / "closure-without-them.md"
    path.write_text(path.read_text().replace("\n## ", "\n<script>alert(1)</script>\n\n## ", 1))
    other = publish_app(root, tmp_path / "store")
    g = other.test_client().get("/v1/guides/closure-without-them").get_json()
    htmls = [b["html"] for s in g["sections"] for b in s["blocks"]]
    assert not any("<script>" in h for h in htmls)
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in h for h in htmls)


def test_guide_fields_sparse(client) -> None:
    r, g = get(client, "/v1/guides/no-contact-rule?fields=slug,title,scripts")
    assert r.status_code == 200 and list(g) == ["slug", "title", "scripts"]
    r, body = get(client, "/v1/guides/no-contact-rule?fields=slug,nope")
    assert r.status_code == 422 and "fields" in body["errors"]["query"]


def test_sections_and_one_section(client) -> None:
    r, sections = get(client, "/v1/guides/no-contact-rule/sections")
    assert r.status_code == 200 and len(sections) == 10
    r, s = get(client, "/v1/guides/no-contact-rule/sections/scripts-for-contact-cravings")
    assert r.status_code == 200 and s["heading"] == "Scripts for contact cravings"
    assert [b["script_id"] for b in s["blocks"] if b["type"] == "script"] == [
        "i-just-need-closure",
        "they-text-i-miss-you",
    ]
    r, body = get(client, "/v1/guides/no-contact-rule/sections/nope")
    assert r.status_code == 404 and body["detail"] == "No section 'nope' in guide 'no-contact-rule'."


def test_guide_list_paging_total_and_links(client, corpus) -> None:
    r, page = get(client, "/v1/guides?page=2&page_size=5&sort=title")
    assert r.status_code == 200
    assert page["total"] == len(corpus.guides) and page["pages"] == -(-len(corpus.guides) // 5)
    assert len(page["items"]) == 5
    assert page["links"]["next"] == "/v1/guides?sort=title&page=3&page_size=5"
    assert page["links"]["prev"] == "/v1/guides?sort=title&page=1&page_size=5"
    assert '</v1/guides?sort=title&page=3&page_size=5>; rel="next"' in r.headers["Link"]
    titles = [
        g["title"]
        for p in range(1, page["pages"] + 1)
        for g in get(client, f"/v1/guides?page={p}&page_size=5&sort=title")[1]["items"]
    ]
    assert titles == sorted((g.title for g in corpus.guides.values()), key=str.casefold)
    r, last = get(client, f"/v1/guides?page={page['pages']}&page_size=5")
    assert last["links"]["next"] is None


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ("collection=safety-and-control", lambda g, c: g.collection == "safety-and-control"),
        ("tag=no-contact", lambda g, c: "no-contact" in g.tags),
        ("signal=hot-cold", lambda g, c: any("hot-cold" in s.lower() for s in g.signals)),
        ("updated_since=2026-06-01", lambda g, c: g.updated.isoformat() >= "2026-06-01"),
    ],
)
def test_guide_list_filters(client, corpus, query, check) -> None:
    _, page = get(client, f"/v1/guides?{query}&page_size=100")
    expected = {g.slug for g in corpus.guides.values() if check(g, corpus)}
    assert expected, "filter matches nothing in the real corpus; the test would prove nothing"
    assert {g["slug"] for g in page["items"]} == expected
    assert page["total"] == len(expected)


def test_guide_list_sort_updated(client) -> None:
    _, page = get(client, "/v1/guides?sort=-updated&page_size=100")
    dates = [g["updated"] for g in page["items"]]
    assert dates == sorted(dates, reverse=True)
    _, page = get(client, "/v1/guides?sort=updated&page_size=100&fields=slug,updated")
    assert [g["updated"] for g in page["items"]] == sorted(dates)
    assert set(page["items"][0]) == {"slug", "updated"}


def test_renamed_guide_redirects_and_retired_is_gone(client) -> None:
    r = client.get("/v1/guides/no-contact?fields=slug")
    assert r.status_code == 308 and r.headers["Location"] == "/v1/guides/no-contact-rule?fields=slug"
    r = client.get("/v1/guides/setting-boundaries-without-guilt/sections/pattern-check")
    assert r.status_code == 308
    assert r.headers["Location"] == "/v1/guides/how-to-set-boundaries-without-guilt/sections/pattern-check"
    # Whatever the client put in the path is percent-encoded in Location (a raw CR there was a 500).
    r = client.get("/v1/guides/no-contact/sections/%C3%A6%3Cz%0D%0A x")
    assert r.status_code == 308
    assert r.headers["Location"] == "/v1/guides/no-contact-rule/sections/%C3%A6%3Cz%0D%0A%20x"
    r, body = get(client, "/v1/guides/make-them-miss-you")
    assert r.status_code == 410 and body["status"] == 410 and "retired" in body["detail"]
    r, body = get(client, "/v1/guides/not-a-guide")
    assert r.status_code == 404 and body["detail"] == "No guide with slug 'not-a-guide'."


# -- scripts ----------------------------------------------------------------------------------
def test_scripts_list_and_one(client, corpus) -> None:
    _, page = get(client, "/v1/scripts?page_size=100")
    assert page["total"] == len(corpus.scripts) >= 40
    r, s = get(client, "/v1/scripts/they-text-i-miss-you")
    assert r.status_code == 200
    assert (s["guide"], s["section"], s["trigger"]) == (
        "no-contact-rule",
        "scripts-for-contact-cravings",
        "I miss you.",
    )
    r, body = get(client, "/v1/scripts/nope")
    assert r.status_code == 404 and body["title"] == "Not Found"


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ("guide=no-contact-rule", lambda s, c: s.guide == "no-contact-rule"),
        ("situation=they%20text", lambda s, c: "they text" in f"{s.situation} {s.trigger or ''}".lower()),
        ("tag=reply", lambda s, c: "reply" in s.tags),
        ("send=true", lambda s, c: s.send),
        ("send=false", lambda s, c: not s.send),
        ("safe_to_send=true", lambda s, c: s.send and not c.guides[s.guide].safety_sensitive),
    ],
)
def test_script_filters(client, corpus, query, check) -> None:
    _, page = get(client, f"/v1/scripts?{query}&page_size=100")
    expected = {s.id for s in corpus.scripts.values() if check(s, corpus)}
    assert expected
    assert {s["id"] for s in page["items"]} == expected


def test_every_send_script_carries_its_safety_condition(client) -> None:
    _, page = get(client, "/v1/scripts?send=true&page_size=100")
    assert page["items"] and all(s["safety"] for s in page["items"])


# -- collections ----------------------------------------------------------------------------
def test_collections(client, corpus) -> None:
    r, cols = get(client, "/v1/collections")
    assert r.status_code == 200 and [c["slug"] for c in cols] == list(corpus.collections)
    r, col = get(client, "/v1/collections/breakup-recovery")
    assert [g["slug"] for g in col["guides"]][:2] == ["no-contact-rule", "why-do-i-miss-my-ex"]
    assert col["guide_count"] == len(col["guides"]) >= 3
    assert get(client, "/v1/collections/nope")[0].status_code == 404


# -- HTTP caching ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "/v1/guides/no-contact-rule",
        "/v1/guides?tag=no-contact",
        "/v1/scripts",
        "/v1/collections",
        "/v1/scripts/i-just-need-closure",
    ],
)
def test_etag_304_and_cache_headers(client, url) -> None:
    r = client.get(url)
    etag = r.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert r.headers["Cache-Control"] == "public, max-age=300, stale-while-revalidate=86400"
    again = client.get(url)
    assert again.get_data() == r.get_data() and again.headers["ETag"] == etag
    r304 = client.get(url, headers={"If-None-Match": etag})
    assert r304.status_code == 304 and r304.get_data() == b"" and r304.headers["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_last_modified_and_if_modified_since(client) -> None:
    """Last-Modified is when the release that last changed these bytes was published (not the
    guide's `updated:` date); tests/api/test_releases.py shows it moving with the bytes."""
    r = client.get("/v1/guides/no-contact-rule")
    modified = parsedate_to_datetime(r.headers["Last-Modified"])
    earlier = format_datetime(modified - dt.timedelta(seconds=1), usegmt=True)
    assert (
        client.get("/v1/guides/no-contact-rule", headers={"If-Modified-Since": r.headers["Last-Modified"]}).status_code
        == 304
    )
    assert client.get("/v1/guides/no-contact-rule", headers={"If-Modified-Since": earlier}).status_code == 200


def test_bytes_identical_across_app_instances(app, tmp_path) -> None:
    from api.app import create_app

    other = create_app({"TESTING": True})
    for url in ["/v1/guides/no-contact-rule", "/v1/guides?page_size=3", "/v1/scripts?send=true"]:
        a, b = app.test_client().get(url), other.test_client().get(url)
        assert a.get_data() == b.get_data() and a.headers["ETag"] == b.headers["ETag"]


def test_cache_control_is_configurable(tmp_path) -> None:
    from api.app import create_app

    other = create_app(
        {
            "TESTING": True,
            "CACHE_MAX_AGE": 60,
            "CACHE_STALE_WHILE_REVALIDATE": 30,
        }
    )
    r = other.test_client().get("/v1/collections")
    assert r.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=30"


def test_revalidation_answered_early_matches_the_view(client) -> None:
    """A repeat conditional GET is answered before the view; its headers are the view's."""
    url = "/v1/guides?tag=boundaries&page_size=3"
    first = client.get(url)
    etag = first.headers["ETag"]
    early = client.get(url, headers={"If-None-Match": etag})
    assert early.status_code == 304
    for name in ("ETag", "Cache-Control", "Link", "X-Content-Version", "Vary"):
        assert early.headers.get(name) == first.headers.get(name), name
    other_order = client.get("/v1/guides?page_size=3&tag=boundaries", headers={"If-None-Match": etag})
    assert other_order.status_code == 304  # same content, same ETag, through the normal path
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200
