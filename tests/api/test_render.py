"""`render=` on guide, section and sync responses; `fields=` on sync; redirects in a first sync."""

from __future__ import annotations

import pytest

from tests.synthetic import QUIET

GUIDE = f"/v1/guides/{QUIET}"


# Behaviour, not content: `app` and `client` serve the synthetic corpus (tests/synthetic.py).
pytestmark = pytest.mark.synthetic


def blocks(sections: list[dict]):
    def walk(b):
        yield b
        for item in b.get("items", []):
            for x in item:
                yield from walk(x)
        for x in b.get("children", []):
            yield from walk(x)

    for s in sections:
        for b in s["blocks"]:
            yield from walk(b)


def test_default_is_all_three_renderings(client) -> None:
    full = client.get(GUIDE)
    same = client.get(GUIDE + "?render=text,json,html")
    assert same.data == full.data and same.headers["ETag"] == full.headers["ETag"]
    kinds = {k for b in blocks(full.get_json()["sections"]) for k in b}
    assert {"html", "text", "inlines", "items", "children"} <= kinds


def test_render_json_sends_the_block_tree_only(client) -> None:
    full = client.get(GUIDE).get_json()
    r = client.get(GUIDE + "?render=json")
    guide = r.get_json()
    assert len(r.data) < 0.6 * len(client.get(GUIDE).data)
    assert all("text" not in s for s in guide["sections"])
    for b in blocks(guide["sections"]):
        assert "html" not in b
        assert "text" not in b or b["type"] == "code"
    paragraphs = [b for b in blocks(guide["sections"]) if b["type"] == "paragraph"]
    assert paragraphs and all(b["inlines"] for b in paragraphs)
    assert sum(1 for _ in blocks(guide["sections"])) == sum(1 for _ in blocks(full["sections"]))
    # everything but the sections is the same; a send-script keeps its safety condition
    assert {k: v for k, v in guide.items() if k != "sections"} == {k: v for k, v in full.items() if k != "sections"}
    sends = [s for s in guide["scripts"] if s["send"]]
    assert sends and all(s["safety"] and s["text"].endswith(s["safety"]) for s in sends)


@pytest.mark.parametrize("form", ["html", "text"])
def test_render_html_or_text_sends_flat_blocks_in_that_form(client, form) -> None:
    full = client.get(GUIDE).get_json()
    guide = client.get(f"{GUIDE}?render={form}").get_json()
    for s, whole in zip(guide["sections"], full["sections"], strict=True):
        assert ("text" in s) == (form == "text")
        assert [b[form] for b in s["blocks"]] == [b[form] for b in whole["blocks"]]
        for b in s["blocks"]:
            assert not {"inlines", "items", "children", "html" if form == "text" else "text"} & set(b)
    script_blocks = [b for s in guide["sections"] for b in s["blocks"] if b["type"] == "script"]
    assert script_blocks and all(b["script_id"] for b in script_blocks)


def test_render_on_sections(client) -> None:
    sections = client.get(GUIDE + "/sections?render=html").get_json()
    assert sections and all("text" not in s for s in sections)
    anchor = sections[0]["anchor"]
    one = client.get(f"{GUIDE}/sections/{anchor}?render=text").get_json()
    assert one["text"] and all(set(b) <= {"type", "text", "level", "ordered", "script_id"} for b in one["blocks"])


@pytest.mark.parametrize("bad", ["render=xml", "render=", "render=json&render=html", "fields=nope"])
def test_bad_render_or_fields_is_422(client, bad) -> None:
    for url in (f"{GUIDE}?{bad}", f"/v1/sync?{bad}"):
        r = client.get(url)
        assert r.status_code == 422, (url, r.status_code)
    assert client.get(f"{GUIDE}/sections?{bad}").status_code == 422


def sync_pages(client, url: str) -> list[dict]:
    pages = []
    while url:
        r = client.get(url)
        assert r.status_code == 200, r.get_data(as_text=True)
        pages.append(r.get_json())
        url = pages[-1]["links"]["next"]
    return pages


def test_sync_with_render_and_fields_sends_what_the_guide_endpoint_sends(client) -> None:
    pages = sync_pages(client, "/v1/sync?page_size=2&render=json&fields=title,sections")
    assert len(pages) > 1
    assert all(
        "render=json" in p["links"]["next"] and "fields=slug,title,sections" in p["links"]["next"] for p in pages[:-1]
    )
    guides = [x for p in pages for x in p["upserted"]]
    assert guides and all(list(x) == ["slug", "title", "sections"] for x in guides)  # slug always
    for x in guides:
        assert x == client.get(f"/v1/guides/{x['slug']}?fields=slug,title,sections&render=json").get_json()
    # a token keeps its view: the same parameters give an empty delta, others must sync again
    token = pages[-1]["sync_token"]
    delta = client.get(f"/v1/sync?token={token}&render=json&fields=slug,title,sections").get_json()
    assert delta["upserted"] == delta["deleted"] == delta["renamed"] == [] and delta["redirects"] is None
    for other in ("", "&render=json", "&fields=title,sections", "&render=html&fields=title,sections"):
        r = client.get(f"/v1/sync?token={token}{other}")
        assert r.status_code == 410 and "fields or render" in r.get_json()["detail"]


def test_the_first_syncs_last_page_carries_the_redirects_as_export_does(client) -> None:
    pages = sync_pages(client, "/v1/sync?page_size=3")
    assert all(p["redirects"] is None for p in pages[:-1])
    export = client.get("/v1/export").get_json()
    assert pages[-1]["redirects"] == export["redirects"]
    assert export["redirects"]["renamed"] and export["redirects"]["retired"]
    delta = client.get(f"/v1/sync?token={pages[-1]['sync_token']}").get_json()
    assert delta["redirects"] is None


def test_sync_pages_are_compressed_and_not_stored_by_caches(client) -> None:
    import gzip

    plain = client.get("/v1/sync?page_size=50")
    r = client.get("/v1/sync?page_size=50", headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip" and gzip.decompress(r.data) == plain.data
    assert r.headers["Cache-Control"] == "no-store" and "ETag" not in r.headers
    assert "Accept-Encoding" in r.headers["Vary"]
