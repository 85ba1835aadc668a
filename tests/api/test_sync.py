"""Offline sync: initial sync in pages, then deltas across content changes and restarts; export.

"A restart" publishes the changed content folder into the same release store and starts a new app
over it, which is what a deploy does (a live publish swaps the release in without the new app).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
from pathlib import Path

import pytest
from itsdangerous import URLSafeSerializer

import api.releases
from api.app import create_app
from api.content.rename import retire_guide
from api.partner_keys import hash_key
from api.releases import ReleaseStore, publish
from tests.conftest import SECRET
from tests.synthetic import QUIET, RETIRED, UNSAFE


def guide_md(slug: str, collection: str, summary: str = "A guide made by the sync tests.", link: str = QUIET) -> str:
    """One more guide for a copy of the synthetic corpus (`link`: the guide its read-next names)."""
    return f"""---
slug: {slug}
title: Sync test {slug}
summary: "{summary}"
collection: {collection}
tags: [sync-test]
updated: 2026-11-01
byline: Written by the tests.
---

An introduction.

## When this helps

It is especially useful when:

::: signals
- You are testing offline sync.
:::

## What to write

```script
id: {slug}-note
situation: When you want to write it down
response: I am writing this for me, not to send.
send: false
```

::: read-next
Read [the quiet guide](guide:{link}) if every reply resets your grief.
:::
"""


# Copies of the synthetic corpus (tests/synthetic.py: collections first-steps, staying-safe, limits)
# with these guides added.
EXTRA = {
    "guides/sync-a.md": guide_md("sync-a", "first-steps"),  # will be deleted
    "guides/sync-b.md": guide_md("sync-b", "limits"),  # will be retired
    "guides/sync-c.md": guide_md("sync-c", "staying-safe"),  # will be renamed
    "guides/sync-d.md": guide_md("sync-d", "first-steps"),  # will move to another collection
    "guides/sync-e.md": guide_md("sync-e", "first-steps"),  # never changes
}
EDITED = UNSAFE  # change_content edits its summary; it is in staying-safe, which ACME_KEY does not see
RETIRED_REASON = "Retired by the sync test."
ACME_KEY = "test-acme-key-0000000000000000"
ACME = ["first-steps", "limits"]  # the collections ACME_KEY sees


def partner_keys_file(path) -> Path:
    """A partner keys file: anonymous callers allowed, and ACME_KEY, which sees the ACME collections."""
    keys = {
        "anonymous": {"allowed": True},
        "keys": [{"name": "acme", "sha256": hash_key(ACME_KEY), "collections": ACME}],
    }
    path.write_text(json.dumps(keys), encoding="utf-8")  # JSON is YAML
    return path


class Server:
    """Apps over one content folder and one release store; `restart()` publishes what the folder
    holds now and starts a new process over the store."""

    def __init__(self, root, tmp_path, key: str | None = None, publish: bool = True) -> None:
        self.root, self.key = root, key
        self.cache = tmp_path / "cache" / "content.pickle"
        self.store = tmp_path / "store"
        self.keys = partner_keys_file(tmp_path / "partner-keys.yaml")
        self.restart(publish)

    def restart(self, publish_first: bool = True):
        if publish_first:
            publish(self.root, ReleaseStore(self.store), self.cache)
        config = {"TESTING": True, "CONTENT_DIR": str(self.root), "RELEASE_STORE": str(self.store)}
        if self.key:
            config["PARTNER_KEYS_FILE"] = str(self.keys)
        self.app = create_app(config)
        assert self.app.extensions["lp"].served.release is not None
        self.client = self.app.test_client()
        return self

    def get(self, url: str, status: int = 200, **kw):
        if self.key:
            kw.setdefault("headers", {})["X-API-Key"] = self.key
        r = self.client.get(url, **kw)
        assert r.status_code == status, (url, r.status_code, r.get_data(as_text=True)[:500])
        r.get_data()
        r.close()  # (a file sent with send_file, the export, stays open until then)
        return r


def sync_all(server: Server, token: str | None = None, page_size: int = 5, query: str = "") -> tuple[list[dict], str]:
    """Follow next_token to the last page; the pages, and the sync_token at the end."""
    pages = []
    url = f"/v1/sync?page_size={page_size}" + (f"&token={token}" if token else "") + query
    while True:
        body = server.get(url).get_json()
        pages.append(body)
        if body["next_token"] is None:
            assert body["sync_token"] and body["collections"] is not None and body["links"]["next"] is None
            return pages, body["sync_token"]
        assert body["sync_token"] is None and body["collections"] is None
        url = body["links"]["next"]
        assert f"token={body['next_token']}" in url


def merged(pages: list[dict]) -> dict[str, list]:
    out: dict[str, list] = {"upserted": [], "deleted": [], "renamed": []}
    for p in pages:
        for k in out:
            out[k] += p[k]
    return out


def apply(store: dict[str, dict], pages: list[dict]) -> None:
    """What an app does with a sync: store upserts by slug, drop deletes and renamed-from."""
    for p in pages:
        for d in p["deleted"]:
            store.pop(d["slug"], None)
        for r in p["renamed"]:
            store.pop(r["from"], None)
        for guide in p["upserted"]:
            store[guide["slug"]] = guide


def server_state(server: Server) -> dict[str, dict]:
    """Every guide the server serves, whole, as GET /v1/guides/{slug} gives it."""
    slugs = [x["slug"] for x in server.get("/v1/guides?page_size=100").get_json()["items"]]
    return {s: server.get(f"/v1/guides/{s}").get_json() for s in slugs}


def change_content(root) -> None:
    """Add, edit, rename (file move + redirect), delete, retire, and move a guide to another collection."""
    (root / "guides" / "sync-new.md").write_text(guide_md("sync-new", "first-steps"))
    edited = root / "guides" / f"{EDITED}.md"
    edited.write_text(edited.read_text().replace('summary: "', 'summary: "Edited. ', 1))
    (root / "guides" / "sync-c.md").unlink()
    (root / "guides" / "sync-c-renamed.md").write_text(guide_md("sync-c-renamed", "staying-safe"))
    (root / "guides" / "sync-a.md").unlink()
    (root / "guides" / "sync-b.md").unlink()
    (root / "guides" / "sync-d.md").write_text(guide_md("sync-d", "limits"))
    redirects = (root / "redirects.yaml").read_text()
    redirects = redirects.replace("renamed:\n", "renamed:\n  sync-c: sync-c-renamed\n", 1)
    redirects = redirects.replace("retired:\n", f"retired:\n  - slug: sync-b\n    reason: {RETIRED_REASON}\n", 1)
    (root / "redirects.yaml").write_text(redirects)


@pytest.fixture()
def server(syn_content_dir, tmp_path) -> Server:
    return Server(syn_content_dir(EXTRA), tmp_path)


def test_initial_sync_is_paged_and_returns_every_guide_once(server) -> None:
    pages, token = sync_all(server, page_size=5)
    expected = server_state(server)
    assert len(pages) == -(-len(expected) // 5) and all(len(p["upserted"]) <= 5 for p in pages)
    got = merged(pages)
    slugs = [x["slug"] for x in got["upserted"]]
    assert len(slugs) == len(set(slugs)) and set(slugs) == set(expected)
    assert got["deleted"] == got["renamed"] == []
    for guide in got["upserted"]:
        assert guide == expected[guide["slug"]]  # the same JSON as GET /v1/guides/{slug}
    collections = pages[-1]["collections"]
    assert {c["slug"] for c in collections} == set(server.app.extensions["lp"].served.release.corpus.collections)
    assert "sync-a" in next(c for c in collections if c["slug"] == "first-steps")["guides"]
    # nothing changed: the token gives an empty delta
    again, token2 = sync_all(server, token)
    assert len(again) == 1 and merged(again) == {"upserted": [], "deleted": [], "renamed": []}
    assert token2 == token


def test_sync_across_add_edit_rename_delete_retire_and_restart(server) -> None:
    pages, token = sync_all(server)
    app_store: dict[str, dict] = {}
    apply(app_store, pages)

    change_content(server.root)
    server.restart()

    delta_pages, token2 = sync_all(server, token, page_size=2)  # small pages: the delta is paged too
    delta = merged(delta_pages)
    upserted = [x["slug"] for x in delta["upserted"]]
    assert sorted(upserted) == sorted([EDITED, "sync-c-renamed", "sync-d", "sync-new"])  # nothing twice
    assert delta["upserted"][upserted.index(EDITED)]["summary"].startswith("Edited. ")
    assert sorted(delta["deleted"], key=lambda d: d["slug"]) == [
        {"slug": "sync-a", "reason": None},
        {"slug": "sync-b", "reason": RETIRED_REASON},
    ]
    assert delta["renamed"] == [{"from": "sync-c", "to": "sync-c-renamed"}]
    touched = upserted + [d["slug"] for d in delta["deleted"]] + [r["from"] for r in delta["renamed"]]
    assert len(touched) == len(set(touched))

    apply(app_store, delta_pages)
    assert app_store == server_state(server)  # nothing missed: the app now holds exactly what is served

    # a second sync with the new token: nothing
    empty, token3 = sync_all(server, token2)
    assert merged(empty) == {"upserted": [], "deleted": [], "renamed": []} and token3 == token2

    # the old token still works after another restart, with the same answer (a delete is never lost)
    server.restart()
    again, _ = sync_all(server, token, page_size=2)
    assert merged(again) == delta


def test_many_versions_between_two_syncs_collapse_to_one_change_per_slug(server) -> None:
    _, token = sync_all(server)
    edited = server.root / "guides" / "sync-e.md"
    for i in range(3):  # three versions, each editing the same guide
        edited.write_text(guide_md("sync-e", "first-steps", f"Version {i}."))
        server.restart()
    (server.root / "guides" / "sync-gone.md").write_text(guide_md("sync-gone", "limits"))
    server.restart()  # added, then removed before the app synced again: the app never hears of it
    (server.root / "guides" / "sync-gone.md").unlink()
    server.restart()
    delta = merged(sync_all(server, token)[0])
    assert [x["slug"] for x in delta["upserted"]] == ["sync-e"] and delta["upserted"][0]["summary"] == "Version 2."
    assert delta["deleted"] == [] and delta["renamed"] == []
    # and back to the content the token was taken at: nothing to do
    edited.write_text(EXTRA["guides/sync-e.md"])
    server.restart()
    assert merged(sync_all(server, token)[0]) == {"upserted": [], "deleted": [], "renamed": []}


def test_content_changing_during_a_paged_initial_sync_misses_nothing(server) -> None:
    first = server.get("/v1/sync?page_size=4").get_json()
    app_store: dict[str, dict] = {}
    apply(app_store, [first])
    have = {x["slug"] for x in first["upserted"]}
    # between pages: a guide already sent is edited and one is deleted; one not yet sent is deleted
    later = sorted(set(server_state(server)) - have)
    edited = sorted(have)[0]
    path = server.root / "guides" / f"{edited}.md"
    path.write_text(path.read_text().replace('summary: "', 'summary: "Mid-sync. ', 1))
    for slug in ("sync-a", "sync-e"):
        assert slug in have | set(later)
        (server.root / "guides" / f"{slug}.md").unlink()
    server.restart()
    pages, token = sync_all(server, first["next_token"], page_size=4)
    apply(app_store, pages)
    assert app_store != server_state(server)  # the first page came from the old version
    delta_pages, _ = sync_all(server, token)  # the span of versions the pages came from is re-checked
    delta = merged(delta_pages)
    assert edited in [x["slug"] for x in delta["upserted"]]
    assert {"sync-a", "sync-e"} & have <= {d["slug"] for d in delta["deleted"]}
    apply(app_store, delta_pages)
    assert app_store == server_state(server)


def test_a_partner_key_syncs_only_its_collections_and_a_move_out_is_a_delete(syn_content_dir, tmp_path) -> None:
    root = syn_content_dir(EXTRA)
    partner = Server(root, tmp_path, key=ACME_KEY)
    pages, token = sync_all(partner)
    app_store: dict[str, dict] = {}
    apply(app_store, pages)
    assert {x["collection"]["slug"] for x in app_store.values()} == set(ACME)
    assert {"sync-a", "sync-b", "sync-d", "sync-e"} <= set(app_store) and "sync-c" not in app_store
    assert [c["slug"] for c in pages[-1]["collections"]] == ACME

    change_content(root)
    (root / "guides" / "sync-e.md").write_text(guide_md("sync-e", "staying-safe"))  # out of its scope
    partner.restart()
    delta = merged(sync_all(partner, token)[0])
    # sync-d moved between two of its collections; EDITED and the rename are not its own
    assert [x["slug"] for x in delta["upserted"]] == ["sync-d", "sync-new"]
    assert delta["deleted"] == [
        {"slug": "sync-a", "reason": None},
        {"slug": "sync-b", "reason": RETIRED_REASON},
        {"slug": "sync-e", "reason": None},
    ]
    assert delta["renamed"] == []
    apply(app_store, sync_all(partner, token)[0])
    assert app_store == server_state(partner)

    # a token of one scope is refused in another
    r = Server(root, tmp_path, publish=False).get(f"/v1/sync?token={token}", status=410)
    assert "another API key" in r.get_json()["detail"]
    # and the export of a key is its part of the corpus
    bundle = partner.get("/v1/export").get_json()
    assert [x["slug"] for x in bundle["guides"]] == sorted(app_store)


def test_a_hidden_guide_changing_during_a_scoped_paged_sync_is_never_deleted(syn_content_dir, tmp_path) -> None:
    """Issue 19.2: a scoped delta never names (deletes or renames) a slug outside the key's scope."""
    root = syn_content_dir(EXTRA)
    partner = Server(root, tmp_path, key=ACME_KEY)
    first = partner.get("/v1/sync?page_size=2").get_json()
    assert first["next_token"]
    hidden = root / "guides" / "sync-c.md"  # staying-safe: not the key's
    hidden.write_text(hidden.read_text().replace('summary: "', 'summary: "Mid-sync. ', 1))
    (root / "guides" / "sync-a.md").unlink()  # its own: still deleted
    partner.restart()
    pages, token = sync_all(partner, first["next_token"], page_size=2)
    seen = {x["slug"] for p in [first, *pages] for x in p["upserted"]}
    assert "sync-c" not in seen
    delta = merged(sync_all(partner, token)[0])
    named = {d["slug"] for d in delta["deleted"]} | {r["from"] for r in delta["renamed"]}
    assert "sync-c" not in named
    assert named == {d["slug"] for d in delta["deleted"]} == {"sync-a"}


def test_a_live_publish_is_synced_without_a_restart(syn_content_dir, tmp_path, monkeypatch) -> None:
    """`flask content publish` in another process; the serving worker swaps the release in."""
    monkeypatch.setattr(api.releases.served, "CHECK_INTERVAL", 0.0)
    server = Server(syn_content_dir(EXTRA), tmp_path)
    _, token = sync_all(server)
    editor = create_app({"TESTING": True, "CONTENT_DIR": str(server.root), "RELEASE_STORE": str(server.store)})
    change_content(server.root)
    result = editor.test_cli_runner().invoke(args=["content", "publish"])
    assert result.exit_code == 0, result.output
    delta = merged(sync_all(server, token)[0])  # the same serving app: no restart
    assert sorted(x["slug"] for x in delta["upserted"]) == sorted([EDITED, "sync-c-renamed", "sync-d", "sync-new"])
    assert [d["slug"] for d in delta["deleted"]] == ["sync-a", "sync-b"]
    assert delta["renamed"] == [{"from": "sync-c", "to": "sync-c-renamed"}]


def _tamper(token: str, **changes) -> str:
    body, signature = token.rsplit(".", 1)
    codec = URLSafeSerializer(b"any")  # encoding only: the signature is kept as it was
    payload = codec.load_payload(body.encode())
    payload.update(changes)
    return codec.dump_payload(payload).decode() + "." + signature


def _key(server) -> bytes:
    return SECRET.encode()


def _before_issue_13(server, payload: dict) -> str:
    """A token as the server signed them before itsdangerous: base64url(JSON) "." HMAC-SHA256[:16]."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return f"{b64(body)}.{b64(hmac.new(_key(server), body, hashlib.sha256).digest()[:16])}"


@pytest.mark.parametrize(
    "bad",
    ["garbage", "a.b", "e30.AAAA", "!!!.???", lambda t: _tamper(t, lo=0, hi=0), lambda t: t[:-2] + "AA"],
)
def test_bad_tokens_are_400_in_the_error_shape(server, bad) -> None:
    _, token = sync_all(server)
    bad = bad(token) if callable(bad) else bad
    body = server.get(f"/v1/sync?token={bad}", status=400).get_json()
    assert body["status"] == 400 and body["title"] == "Bad Request"
    assert "GET /v1/sync without a token" in body["detail"]


def test_tokens_are_signed_per_purpose_and_older_ones_must_be_fetched_again(server) -> None:
    """The README says so: a token issued before the switch to itsdangerous is a 400, the answer
    on which apps already sync again from scratch. A token signed with the secret for another
    purpose (salt) is refused too."""
    _, token = sync_all(server)
    signing = URLSafeSerializer(_key(server), salt="lp.sync", signer_kwargs={"digest_method": hashlib.sha256})
    assert signing.loads(token)["j"] == ReleaseStore(server.store).store_id()
    old = _before_issue_13(server, signing.loads(token))
    body = server.get(f"/v1/sync?token={old}", status=400).get_json()
    assert "GET /v1/sync without a token" in body["detail"]
    other = URLSafeSerializer(_key(server), salt="lp.other", signer_kwargs={"digest_method": hashlib.sha256})
    server.get(f"/v1/sync?token={other.dumps(signing.loads(token))}", status=400)
    sync_all(server)  # starting again works


def test_a_token_of_a_lost_release_store_is_410(server) -> None:
    _, token = sync_all(server)
    shutil.rmtree(server.store)
    server.restart()  # a new store: a new chain with a new id
    body = server.get(f"/v1/sync?token={token}", status=410).get_json()
    assert body["status"] == 410 and "GET /v1/sync without a token" in body["detail"]
    sync_all(server)  # starting again works


def test_without_a_secret_sync_is_503_not_unsigned(server) -> None:
    server.app.config["SECRET_KEY"] = ""
    for url in ("/v1/sync", "/v1/export"):
        body = server.get(url, status=503).get_json()
        assert "LP_SECRET_KEY" in body["detail"]


def test_unknown_parameters_and_bad_page_size_are_422(server) -> None:
    body = server.get("/v1/sync?since=1", status=422).get_json()
    assert body["errors"] == {"query": {"since": ["Unknown field."]}}
    server.get("/v1/sync?page_size=0", status=422)
    server.get("/v1/sync?page_size=101", status=422)
    server.get("/v1/export?page=1", status=422)


def test_sync_responses_are_not_cached(server) -> None:
    r = server.get("/v1/sync")
    assert r.headers["Cache-Control"] == "no-store"


def test_export_is_the_whole_corpus_with_etag_and_304(server) -> None:
    r = server.get("/v1/export")
    bundle = r.get_json()
    etag = r.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    state = server_state(server)
    assert [x["slug"] for x in bundle["guides"]] == sorted(state)
    assert all(x == state[x["slug"]] for x in bundle["guides"])
    assert {c["slug"] for c in bundle["collections"]} == {"first-steps", "staying-safe", "limits"}
    assert bundle["redirects"]["renamed"]["old-quiet"] == QUIET
    assert {"slug": RETIRED, "reason": bundle["redirects"]["retired"][0]["reason"]} in bundle["redirects"]["retired"]
    assert server.get("/v1/export", status=304, headers={"If-None-Match": etag}).data == b""
    # the same bytes after a restart (a CDN can cache it); the token continues from the bundle
    server.restart()
    again = server.get("/v1/export")
    assert again.headers["ETag"] == etag and again.data == r.data
    assert merged(sync_all(server, bundle["sync_token"])[0]) == {"upserted": [], "deleted": [], "renamed": []}
    change_content(server.root)
    server.restart()
    changed = server.get("/v1/export", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    delta = merged(sync_all(server, bundle["sync_token"])[0])
    assert len(delta["upserted"]) == 4 and len(delta["deleted"]) == 2 and len(delta["renamed"]) == 1


def _redirects_seen(server: Server) -> tuple[dict, dict]:
    """The redirects of the export and of the first sync's last page."""
    export = server.get("/v1/export").get_json()["redirects"]
    pages, _token = sync_all(server, page_size=100)
    return export, pages[-1]["redirects"]


def test_a_scoped_key_is_told_only_of_redirects_and_retirements_in_its_collections(syn_content_dir, tmp_path) -> None:
    """Under a scope, the export, the first sync and the guide URLs name no retired or renamed slug
    of a guide outside the key's collections (a retirement names its guide's collection)."""
    root = syn_content_dir(EXTRA)
    partner = Server(root, tmp_path, key=ACME_KEY)  # first-steps and limits
    version = partner.get("/v1/guides").headers["X-Content-Version"]
    retire_guide(root, "sync-c", "Gone from staying safe.")  # not the key's
    assert partner.restart().get("/v1/guides").headers["X-Content-Version"] == version
    retire_guide(root, "sync-b", "Gone from limits.")  # the key's
    redirects = (root / "redirects.yaml").read_text()
    assert "sync-c\n    reason: Gone from staying safe.\n    collection: staying-safe\n" in redirects
    renames = f"renamed:\n  old-unsafe: {UNSAFE}\n  old-sync-e: sync-e\n"  # UNSAFE: staying-safe
    legacy = "  - slug: written-before-collections\n    reason: No collection.\n"
    (root / "redirects.yaml").write_text(redirects.replace("renamed:\n", renames) + legacy)
    partner.restart()
    for seen in _redirects_seen(partner):
        assert [x["slug"] for x in seen["retired"]] == [RETIRED, "sync-b"]  # RETIRED was in first-steps
        assert "old-unsafe" not in seen["renamed"] and seen["renamed"]["old-sync-e"] == "sync-e"
    for slug in ("sync-c", "written-before-collections", "old-unsafe"):
        for path in (f"/v1/guides/{slug}", f"/v1/graph/guides/{slug}", f"/v1/guides/{slug}/sections"):
            r = partner.get(path, status=404)
            assert slug not in r.headers.get("Location", "") and "retired" not in r.get_json()["detail"]
    assert "Gone from limits." in partner.get("/v1/guides/sync-b", status=410).get_json()["detail"]
    everyone = Server(root, tmp_path, publish=False)
    for seen in _redirects_seen(everyone):
        assert {"sync-b", "sync-c", "written-before-collections"} <= {x["slug"] for x in seen["retired"]}
        assert seen["renamed"]["old-unsafe"] == UNSAFE
    assert "Gone from staying safe" in everyone.get("/v1/guides/sync-c", status=410).get_json()["detail"]
