"""A send-script is never served without its safety condition: every form, every send-script.

Walks every `send: true` script of the real content through every response that serves it (the
guide, its sections, one section, the script list and the script, the export, a first sync page
and search hits of type script) and checks that wherever its words are served as plain text (or
as HTML), its condition is there too.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest

from api.content import Corpus, Script


def _send_scripts(corpus: Corpus) -> list[Script]:
    found = sorted((s for s in corpus.scripts.values() if s.send), key=lambda s: s.id)
    assert found, "the real content has send-scripts"
    assert all(s.safety for s in found)
    return found


def _strings(data: Any) -> Iterator[str]:
    """Every string in a JSON body, but a script object's `response` field: the structured form,
    whose condition is its sibling `safety` field (checked where the script object is)."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for k, v in data.items():
            if not (k == "response" and "safety" in data):
                yield from _strings(v)
    elif isinstance(data, list):
        for v in data:
            yield from _strings(v)


def _blocks(blocks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for b in blocks:
        yield b
        yield from _blocks(b.get("children", []))
        for item in b.get("items", []):
            yield from _blocks(item)


def _assert_never_without_condition(script: Script, body: Any, where: str) -> int:
    """Every string of `body` that holds the script's words holds its condition; returns how many."""
    assert script.safety
    seen = 0
    for s in _strings(body):
        if script.response in s or html.escape(script.response) in s:  # as plain text, or in HTML
            assert script.safety in s or html.escape(script.safety) in s, (
                f"{where}: {script.id} served without its condition: {s!r}"
            )
            seen += 1
    return seen


def _assert_in_guide(script: Script, guide: dict[str, Any], where: str) -> None:
    sections = [s for s in guide["sections"] if s["anchor"] == script.section]
    assert len(sections) == 1, where
    _assert_in_section(script, sections[0], where)
    (item,) = [x for x in guide["scripts"] if x["id"] == script.id]
    assert item["safety"] == script.safety and script.safety in item["text"], where


def _assert_in_section(script: Script, section: dict[str, Any], where: str) -> None:
    assert script.safety in section["text"], f"{where}: section text of {script.id}"
    blocks = [b for b in _blocks(section["blocks"]) if b.get("script_id") == script.id]
    assert len(blocks) == 1, where
    assert script.safety in blocks[0]["text"], f"{where}: block text of {script.id}"
    assert html.escape(script.safety) in blocks[0]["html"], f"{where}: block html of {script.id}"
    for span in _strings(blocks[0].get("inlines", [])):
        assert script.response not in span or script.safety in span


def test_every_send_script_carries_its_condition_in_every_form(corpus: Corpus, search_client) -> None:
    scripts = _send_scripts(corpus)
    listed = search_client.get("/v1/scripts?send=true&page_size=100").get_json()
    assert listed["total"] == len(scripts) and len(listed["items"]) == len(scripts)
    export = search_client.get("/v1/export").get_json()
    synced = search_client.get("/v1/sync?page_size=100").get_json()
    assert synced["next_token"] is None  # one page holds every guide
    for script in scripts:
        guide = search_client.get(f"/v1/guides/{script.guide}").get_json()
        _assert_in_guide(script, guide, "GET /v1/guides/{slug}")
        sections = search_client.get(f"/v1/guides/{script.guide}/sections").get_json()
        (section,) = [s for s in sections if s["anchor"] == script.section]
        _assert_in_section(script, section, "GET /v1/guides/{slug}/sections")
        one = search_client.get(f"/v1/guides/{script.guide}/sections/{script.section}").get_json()
        _assert_in_section(script, one, "GET /v1/guides/{slug}/sections/{anchor}")
        (exported,) = [g for g in export["guides"] if g["slug"] == script.guide]
        _assert_in_guide(script, exported, "GET /v1/export")
        (upserted,) = [g for g in synced["upserted"] if g["slug"] == script.guide]
        _assert_in_guide(script, upserted, "GET /v1/sync")
        (item,) = [x for x in listed["items"] if x["id"] == script.id]
        assert script.safety in item["text"], f"GET /v1/scripts: {script.id}"
        alone = search_client.get(f"/v1/scripts/{script.id}").get_json()
        assert alone["safety"] == script.safety and script.safety in alone["text"], f"GET /v1/scripts/{script.id}"
        hit = _script_hit(search_client, script)
        assert hit["send"] is True and hit["safety"] == script.safety, f"search hit of {script.id}"
        assert script.safety in hit["snippet"]["text"], f"search snippet text of {script.id}"
        unmarked = re.sub(r"</?mark>", "", hit["snippet"]["html"])  # words searched are marked in it too
        assert html.escape(script.safety) in unmarked, f"search snippet html of {script.id}"
        # And nowhere in any of these responses are its words served without the condition: in
        # each guide body 4 forms (block text and html, section text, script text), in each section 3.
        served = [guide, sections, one, listed, alone, export, synced, hit]
        assert _assert_never_without_condition(script, served, script.id) >= 3 * 4 + 2 * 3 + 2


def _script_hit(client, script: Script) -> dict[str, Any]:
    """The search hit of this script, found by the first words of its response."""
    words = re.findall(r"[A-Za-z]+", script.response)[:8]
    r = client.get("/v1/search", query_string={"q": " ".join(words), "type": "script", "page_size": 50})
    assert r.status_code == 200
    hits = [h for h in r.get_json()["items"] if h["script"] == script.id]
    assert len(hits) == 1, f"no search hit for {script.id}"
    return hits[0]


@pytest.mark.parametrize("q", ["no contact", "boundary", "miss"])
def test_search_hits_carry_send_and_safety_only_for_scripts(search_client, corpus: Corpus, q: str) -> None:
    items = search_client.get("/v1/search", query_string={"q": q, "page_size": 50}).get_json()["items"]
    assert {h["type"] for h in items} == {"guide", "section", "script"}
    for hit in items:
        if hit["type"] != "script":
            assert hit["send"] is None and hit["safety"] is None
            continue
        script = corpus.scripts[hit["script"]]
        assert hit["send"] is script.send and hit["safety"] == script.safety
        if script.safety:
            assert hit["snippet"]["text"].endswith(script.safety)


def test_script_text_ends_with_its_condition(corpus: Corpus) -> None:
    """The plain text reads as the HTML does: situation, trigger, instruction, response, condition."""
    script = corpus.scripts["they-text-i-miss-you"]
    assert script.text == (
        'When they text: "I miss you." You can answer, if it is safe and necessary: "I need space to heal, '
        'so I am not going to keep talking right now. I wish you well." Only if it is safe and necessary. '
        "If there was fear, control, stalking, threats, or violence, do not use a script that could "
        "escalate the situation without support."
    )
