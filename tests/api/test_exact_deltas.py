"""Exact deltas: a guide is in a delta only when its JSON, as that key and those parameters see
it, changed. Moves between collections, title changes of linked guides, a scope change."""

from __future__ import annotations

from tests.api.test_sync import ACME_KEY, EXTRA, Server, merged, sync_all
from tests.synthetic import COLLECTIONS, QUIET


def linked_md(slug: str, collection: str, links: tuple[str, ...] = (), title: str | None = None) -> str:
    reads = " ".join(f"Read [the other guide](guide:{t}) if this one is not enough." for t in links)
    return f"""---
slug: {slug}
title: {title or "Exact " + slug}
summary: "A guide made by the exact-delta tests."
collection: {collection}
tags: [sync-test]
updated: 2026-11-01
byline: Written by the tests.
---

An introduction.

## When this helps

It is especially useful when:

::: signals
- You are testing exact deltas.
:::

## What to write

```script
id: {slug}-note
situation: When you want to write it down
response: I am writing this for me, not to send.
send: false
```

## What to read next

Some words before the links.

::: read-next
{reads or f"Read [the quiet guide](guide:{QUIET}) if every reply resets your grief."}
:::
"""


# Acme sees first-steps and limits, not staying-safe nor after-leaving (a fourth collection, added here).
GUIDES = {
    "x-reader": ("first-steps", ("x-mover", "x-hidden")),  # links to a visible guide and a hidden one
    "x-mover": ("first-steps", ()),
    "x-hidden": ("staying-safe", ()),
}
FOURTH = '- slug: after-leaving\n  title: After leaving\n  description: "Synthetic collection four."\n'


def content(root, **change) -> None:
    for slug, (collection, links) in GUIDES.items():
        collection, title = change.get(slug, (collection, None))
        (root / "guides" / f"{slug}.md").write_text(linked_md(slug, collection, links, title))


def delta(server: Server, token: str, query: str = "") -> list[str]:
    got = merged(sync_all(server, token, page_size=50, query=query)[0])
    return sorted(x["slug"] for x in got["upserted"]) + [f"-{d['slug']}" for d in got["deleted"]]


def start(syn_content_dir, tmp_path, key=None):
    root = syn_content_dir({**EXTRA, "collections.yaml": COLLECTIONS + FOURTH})
    content(root)
    server = Server(root, tmp_path, key=key)
    return server, root


def test_a_move_between_collections_resends_the_moved_guide_only(syn_content_dir, tmp_path) -> None:
    server, root = start(syn_content_dir, tmp_path)
    token = sync_all(server)[1]
    content(root, **{"x-mover": ("limits", None), "x-hidden": ("after-leaving", None)})
    server.restart()
    # the guides that link to them show their slug and title, not their collection: not re-sent
    assert delta(server, token) == ["x-hidden", "x-mover"]


def test_a_linked_guides_title_change_resends_the_guides_that_show_it(syn_content_dir, tmp_path) -> None:
    server, root = start(syn_content_dir, tmp_path)
    tokens = {q: sync_all(server, query=q)[1] for q in ("", "&fields=slug,sections", "&fields=links")}
    content(root, **{"x-mover": ("first-steps", "A new title")})
    server.restart()
    assert delta(server, tokens[""]) == ["x-mover", "x-reader"]  # x-reader's links show the title
    assert delta(server, tokens["&fields=slug,sections"], "&fields=slug,sections") == []  # no title in sections
    assert delta(server, tokens["&fields=links"], "&fields=links") == ["x-reader"]


def test_under_a_scope_hidden_guides_changes_do_not_resend(syn_content_dir, tmp_path) -> None:
    server, root = start(syn_content_dir, tmp_path, key=ACME_KEY)
    token = sync_all(server)[1]
    # a hidden guide linked from x-reader changes title and moves between two hidden collections
    content(root, **{"x-hidden": ("after-leaving", "Hidden, renamed")})
    server.restart()
    assert delta(server, token) == []


def test_a_scope_change_resends_the_guides_whose_links_become_text(syn_content_dir, tmp_path) -> None:
    server, root = start(syn_content_dir, tmp_path, key=ACME_KEY)
    tokens = {q: sync_all(server, query=q)[1] for q in ("", "&render=text&fields=slug,sections", "&render=html")}
    before = server.get("/v1/guides/x-reader").get_json()
    assert "x-mover" in {link["slug"] for link in before["links"]}
    # x-mover leaves the key's scope: it is deleted, and x-reader's link to it becomes plain text
    content(root, **{"x-mover": ("staying-safe", None)})
    server.restart()
    assert delta(server, tokens[""]) == ["x-reader", "-x-mover"]
    assert delta(server, tokens["&render=html"], "&render=html") == ["x-reader", "-x-mover"]
    # in plain text a link and its words read the same: x-reader's sections as text did not change
    assert delta(server, tokens["&render=text&fields=slug,sections"], "&render=text&fields=slug,sections") == [
        "-x-mover"
    ]
    after = server.get("/v1/guides/x-reader").get_json()
    assert "x-mover" not in {link["slug"] for link in after["links"]}
    # and back as it was: the JSON is what it was when the token was issued, so nothing to send
    content(root)
    server.restart()
    assert delta(server, tokens[""]) == []
