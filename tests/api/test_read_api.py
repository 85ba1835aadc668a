"""The read API: guides, sections, scripts, collections, redirects, caching.

The seed guide (the user's own text, never changed) is checked on the real content; everything
else runs on the synthetic corpus (tests/synthetic.py), so an editor's change breaks no test here."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime, parsedate_to_datetime

import pytest

from tests.synthetic import LIMITS, MISSING, MISSING_TITLE, QUIET, QUIET_SCRIPTS, QUIET_SECTIONS, QUIET_TITLE, RETIRED


def get(client, url, **kw):
    r = client.get(url, **kw)
    return r, r.get_json(silent=True)


# -- guides ---------------------------------------------------------------------------------
def test_seed_guide_served_whole(client, corpus) -> None:
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
    assert read_next == [  # the titles are the linked guides' own, whatever an editor makes them
        (
            "why-do-i-miss-my-ex",
            corpus.guides["why-do-i-miss-my-ex"].title,
            "if nostalgia is editing out the pattern",
        ),
        (
            "how-to-set-boundaries-without-guilt",
            corpus.guides["how-to-set-boundaries-without-guilt"].title,
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


def test_html_in_content_is_escaped(syn_content_dir, tmp_path) -> None:
    from tests.conftest import publish_app

    root = syn_content_dir()
    path = root / "guides" / f"{MISSING}.md"
    path.write_text(path.read_text().replace("\n## ", "\n<script>alert(1)</script>\n\n## ", 1))
    other = publish_app(root, tmp_path / "store")
    g = other.test_client().get(f"/v1/guides/{MISSING}").get_json()
    htmls = [b["html"] for s in g["sections"] for b in s["blocks"]]
    assert not any("<script>" in h for h in htmls)
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in h for h in htmls)


def test_guide_fields_sparse(syn_client) -> None:
    r, g = get(syn_client, f"/v1/guides/{QUIET}?fields=slug,title,scripts")
    assert r.status_code == 200 and list(g) == ["slug", "title", "scripts"]
    assert g["title"] == QUIET_TITLE and [s["id"] for s in g["scripts"]] == QUIET_SCRIPTS
    r, body = get(syn_client, f"/v1/guides/{QUIET}?fields=slug,nope")
    assert r.status_code == 422 and "fields" in body["errors"]["query"]


def test_sections_and_one_section(syn_client) -> None:
    r, sections = get(syn_client, f"/v1/guides/{QUIET}/sections")
    assert r.status_code == 200 and [s["anchor"] for s in sections] == QUIET_SECTIONS
    r, s = get(syn_client, f"/v1/guides/{QUIET}/sections/scripts-for-the-urge")
    assert r.status_code == 200 and s["heading"] == "Scripts for the urge"
    assert [b["script_id"] for b in s["blocks"] if b["type"] == "script"] == QUIET_SCRIPTS
    r, body = get(syn_client, f"/v1/guides/{QUIET}/sections/nope")
    assert r.status_code == 404 and body["detail"] == f"No section 'nope' in guide '{QUIET}'."


def test_guide_list_paging_total_and_links(syn_client, syn_corpus) -> None:
    r, page = get(syn_client, "/v1/guides?page=2&page_size=1&sort=title")
    assert r.status_code == 200
    assert page["total"] == len(syn_corpus.guides) == 4 and page["pages"] == 4
    assert len(page["items"]) == 1
    assert page["links"]["next"] == "/v1/guides?sort=title&page=3&page_size=1"
    assert page["links"]["prev"] == "/v1/guides?sort=title&page=1&page_size=1"
    assert '</v1/guides?sort=title&page=3&page_size=1>; rel="next"' in r.headers["Link"]
    titles = [
        g["title"]
        for p in range(1, page["pages"] + 1)
        for g in get(syn_client, f"/v1/guides?page={p}&page_size=1&sort=title")[1]["items"]
    ]
    assert titles == sorted((g.title for g in syn_corpus.guides.values()), key=str.casefold)
    r, last = get(syn_client, f"/v1/guides?page={page['pages']}&page_size=1")
    assert last["links"]["next"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("collection=staying-safe", {"feeling-unsafe"}),
        ("tag=no-contact", {QUIET, "feeling-unsafe"}),
        ("signal=hot-cold", {QUIET}),
        ("updated_since=2026-06-01", {MISSING, "feeling-unsafe"}),
    ],
)
def test_guide_list_filters(syn_client, query, expected) -> None:
    _, page = get(syn_client, f"/v1/guides?{query}&page_size=100")
    assert {g["slug"] for g in page["items"]} == expected
    assert page["total"] == len(expected)


def test_guide_list_sort_updated(syn_client) -> None:
    _, page = get(syn_client, "/v1/guides?sort=-updated&page_size=100")
    dates = [g["updated"] for g in page["items"]]
    assert dates == ["2026-08-01", "2026-07-01", "2026-05-01", "2026-03-01"]
    _, page = get(syn_client, "/v1/guides?sort=updated&page_size=100&fields=slug,updated")
    assert [g["updated"] for g in page["items"]] == sorted(dates)
    assert set(page["items"][0]) == {"slug", "updated"}


def test_renamed_guide_redirects_and_retired_is_gone(syn_client) -> None:
    client = syn_client
    r = client.get("/v1/guides/old-quiet?fields=slug")
    assert r.status_code == 308 and r.headers["Location"] == f"/v1/guides/{QUIET}?fields=slug"
    r = client.get("/v1/guides/old-limits/sections/pattern-check")
    assert r.status_code == 308
    assert r.headers["Location"] == f"/v1/guides/{LIMITS}/sections/pattern-check"
    # Whatever the client put in the path is percent-encoded in Location (a raw CR there was a 500).
    r = client.get("/v1/guides/old-quiet/sections/%C3%A6%3Cz%0D%0A x")
    assert r.status_code == 308
    assert r.headers["Location"] == f"/v1/guides/{QUIET}/sections/%C3%A6%3Cz%0D%0A%20x"
    r, body = get(client, f"/v1/guides/{RETIRED}")
    assert r.status_code == 410 and body["status"] == 410 and "retired" in body["detail"]
    r, body = get(client, "/v1/guides/not-a-guide")
    assert r.status_code == 404 and body["detail"] == "No guide with slug 'not-a-guide'."


# -- scripts ----------------------------------------------------------------------------------
def test_scripts_list_and_one(syn_client, syn_corpus) -> None:
    _, page = get(syn_client, "/v1/scripts?page_size=100")
    assert page["total"] == len(syn_corpus.scripts) == 5
    r, s = get(syn_client, "/v1/scripts/quiet-reply")
    assert r.status_code == 200
    assert (s["guide"], s["section"], s["trigger"]) == (QUIET, "scripts-for-the-urge", "I miss you.")
    r, body = get(syn_client, "/v1/scripts/nope")
    assert r.status_code == 404 and body["title"] == "Not Found"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"guide={QUIET}", set(QUIET_SCRIPTS)),
        ("situation=they%20text", {"quiet-reply"}),
        ("tag=reply", {"quiet-reply", "unsafe-ask-for-help"}),
        ("send=true", {"quiet-reply", "unsafe-ask-for-help"}),
        ("send=false", {"quiet-note-to-self", "missing-list", "limits-no"}),
        ("safe_to_send=true", {"quiet-reply"}),  # feeling-unsafe is safety_sensitive
    ],
)
def test_script_filters(syn_client, query, expected) -> None:
    _, page = get(syn_client, f"/v1/scripts?{query}&page_size=100")
    assert {s["id"] for s in page["items"]} == expected


def test_every_send_script_carries_its_safety_condition(client) -> None:
    """On the real content: every script meant to be sent, whatever an editor adds."""
    _, page = get(client, "/v1/scripts?send=true&page_size=100")
    assert page["items"] and all(s["safety"] for s in page["items"])


# -- collections ----------------------------------------------------------------------------
def test_collections(syn_client, syn_corpus) -> None:
    r, cols = get(syn_client, "/v1/collections")
    assert r.status_code == 200 and [c["slug"] for c in cols] == ["first-steps", "staying-safe", "limits"]
    r, col = get(syn_client, "/v1/collections/first-steps")
    assert [(g["slug"], g["title"]) for g in col["guides"]] == [(QUIET, QUIET_TITLE), (MISSING, MISSING_TITLE)]
    assert col["guide_count"] == 2
    assert get(syn_client, "/v1/collections/nope")[0].status_code == 404


# -- HTTP caching ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        f"/v1/guides/{QUIET}",
        "/v1/guides?tag=no-contact",
        "/v1/scripts",
        "/v1/collections",
        "/v1/scripts/quiet-note-to-self",
    ],
)
def test_etag_304_and_cache_headers(syn_client, url) -> None:
    client = syn_client
    r = client.get(url)
    etag = r.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert r.headers["Cache-Control"] == "public, max-age=300, stale-while-revalidate=86400"
    again = client.get(url)
    assert again.get_data() == r.get_data() and again.headers["ETag"] == etag
    r304 = client.get(url, headers={"If-None-Match": etag})
    assert r304.status_code == 304 and r304.get_data() == b"" and r304.headers["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_last_modified_and_if_modified_since(syn_client) -> None:
    """Last-Modified is when the release that last changed these bytes was published (not the
    guide's `updated:` date); tests/api/test_releases.py shows it moving with the bytes."""
    client, url = syn_client, f"/v1/guides/{QUIET}"
    r = client.get(url)
    modified = parsedate_to_datetime(r.headers["Last-Modified"])
    earlier = format_datetime(modified - dt.timedelta(seconds=1), usegmt=True)
    assert client.get(url, headers={"If-Modified-Since": r.headers["Last-Modified"]}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200


def test_bytes_identical_across_app_instances(syn_app) -> None:
    from api.app import create_app

    other = create_app({k: syn_app.config[k] for k in ("TESTING", "CONTENT_DIR", "RELEASE_STORE")})
    for url in [f"/v1/guides/{QUIET}", "/v1/guides?page_size=3", "/v1/scripts?send=true"]:
        a, b = syn_app.test_client().get(url), other.test_client().get(url)
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


def test_revalidation_answered_early_matches_the_view(syn_client) -> None:
    """A repeat conditional GET is answered before the view; its headers are the view's."""
    client, url = syn_client, "/v1/guides?tag=breakup&page_size=1"
    first = client.get(url)
    etag = first.headers["ETag"]
    early = client.get(url, headers={"If-None-Match": etag})
    assert early.status_code == 304
    for name in ("ETag", "Cache-Control", "Link", "X-Content-Version", "Vary"):
        assert early.headers.get(name) == first.headers.get(name), name
    other_order = client.get("/v1/guides?page_size=1&tag=breakup", headers={"If-None-Match": etag})
    assert other_order.status_code == 304  # same content, same ETag, through the normal path
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200
