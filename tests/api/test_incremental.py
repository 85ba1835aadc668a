"""Incremental publish (issue 21): a release built from the live one answers as a full rebuild of the
same content does, and a publish killed at any point leaves the store and the served release intact."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import api.content.checks as checks
import search_index.build as search_build
from api.app import create_app
from api.config import ROOT
from api.content.rename import rename_guide, retire_guide
from api.releases import PACK_FILE, ReleaseStore, Served, preview_store, publish
from api.releases.snapshot import Pack
from tests.api.test_drafts import DRAFT, draft_md
from tests.api.test_releases import edit, snapshot
from tests.api.test_sync import guide_md
from tests.synthetic import LIMITS, MISSING, QUIET, UNSAFE

SEARCHES = ["quiet", "missing them", "kindly", "reply", "afraid", "testing offline sync", "support"]
SCORE_TOLERANCE = 1e-4  # relative: Whoosh's statistics may count deleted documents until segments merge
RETIRE = "inc-13"


def _inc(n: int) -> str:
    """inc-n: read-next to LIMITS (even n) or QUIET (odd n); inc-00 also lists RETIRE as related."""
    collection = ("first-steps", "staying-safe", "limits")[n % 3]
    text = guide_md(f"inc-{n:02d}", collection, f"Guide {n} made by the incremental tests.", (LIMITS, QUIET)[n % 2])
    return text.replace("tags: [", f"related: [{RETIRE}]\ntags: [", 1) if n == 0 else text


# The synthetic corpus and fourteen more guides: enough for several pages and over 60 URLs.
MORE = {f"guides/inc-{n:02d}.md": _inc(n) for n in range(14)}


def change_everything(root: Path) -> None:
    """Edits (a title others link to, a summary, a body), a rename, a retirement, a collection change."""
    edit(root, QUIET, 'title: "', 'title: "Finding ')
    edit(root, MISSING, 'summary: "', 'summary: "Changed, ')
    edit(root, UNSAFE, "\n## ", "\nA new paragraph about pull and push.\n\n## ")
    rename_guide(root, LIMITS, "back-and-forth")  # the read-next of seven guides links to it
    retire_guide(root, RETIRE, "Folded into other guides.")  # inc-00 lists it as related
    cols = root / "collections.yaml"
    cols.write_text(cols.read_text().replace("title: Limits", "title: Saying no"))
    edit(root, "inc-01", "collection: staying-safe", "collection: limits")


def urls(client: Any) -> list[str]:
    guides = client.get("/v1/guides?page_size=100").get_json()["items"]
    cols = client.get("/v1/collections").get_json()
    col_items = cols["items"] if isinstance(cols, dict) else cols
    out = ["/v1/guides?page_size=100", "/v1/guides?sort=title&page_size=7&page=2", "/v1/collections"]
    out += ["/v1/scripts", "/v1/scripts?send=true", "/v1/graph", "/v1/export", "/v1/sync?page_size=500"]
    out += [f"/v1/guides/{LIMITS}", f"/v1/guides/{RETIRE}"]
    for g in guides:
        out += [f"/v1/guides/{g['slug']}", f"/v1/guides/{g['slug']}/sections", f"/v1/graph/guides/{g['slug']}"]
    return out + [f"/v1/collections/{c['slug']}" for c in col_items]


def hits(client: Any, q: str) -> list[tuple[tuple[str, ...], float]]:
    r = client.get(f"/v1/search?q={q}&page_size=50")
    assert r.status_code == 200, r.get_data()
    return [((h["type"], h["guide"], h["anchor"] or "", h["script"] or ""), h["score"]) for h in r.get_json()["items"]]


def test_an_incremental_release_answers_as_a_full_rebuild(syn_content_dir, tmp_path) -> None:
    root = syn_content_dir(MORE)
    inc, full = tmp_path / "incremental", tmp_path / "full"
    publish(root, ReleaseStore(inc))
    shutil.copytree(inc, full)  # the same chain (store id, first release) so tokens can match too
    change_everything(root)
    m_inc, _ = publish(root, ReleaseStore(inc))
    m_full, _ = publish(root, ReleaseStore(full), full=True)
    assert m_inc.id == m_full.id and m_inc.guides == m_full.guides and m_inc.changed == m_full.changed
    a = create_app({"TESTING": True, "RELEASE_STORE": str(inc)}).test_client()
    b = create_app({"TESTING": True, "RELEASE_STORE": str(full)}).test_client()
    checked = urls(a)
    assert len(checked) > 60 and "/v1/guides/back-and-forth" in checked
    for url in checked:
        ra, rb = a.get(url), b.get(url)
        assert ra.status_code == rb.status_code, url
        assert ra.get_data() == rb.get_data(), url
        assert ra.headers.get("ETag") == rb.headers.get("ETag"), url
    assert a.get(f"/v1/guides/{QUIET}").get_json()["title"].startswith("Finding ")
    for q in SEARCHES:
        ha, hb = hits(a, q), hits(b, q)
        assert [h for h, _ in ha] == [h for h, _ in hb], q
        for (_, sa), (_, sb) in zip(ha, hb, strict=True):
            assert abs(sa - sb) <= SCORE_TOLERANCE * max(1.0, abs(sb)), q
    assert any(hits(a, q) for q in SEARCHES)


def test_the_preview_release_links_the_published_bundle_when_nothing_is_a_draft(syn_content_dir, tmp_path) -> None:
    root = syn_content_dir()
    store = ReleaseStore(tmp_path / "store")
    publish(root, store)
    live, preview = store.live_bundle(), preview_store(store).live_bundle()
    assert live is not None and preview is not None
    assert os.path.samefile(live / PACK_FILE, preview / PACK_FILE)
    linked = [f for f in (preview / "index").iterdir() if os.path.samefile(f, live / "index" / f.name)]
    assert len(linked) == len(list((live / "index").iterdir())) - 1  # all but meta.json, which names the release
    # with a draft the two differ, and the preview is built on its own
    (root / "guides" / f"{DRAFT}.md").write_text(draft_md(), encoding="utf-8")
    publish(root, store)
    live, preview = store.live_bundle(), preview_store(store).live_bundle()
    assert live is not None and preview is not None
    assert not os.path.samefile(live / PACK_FILE, preview / PACK_FILE)
    assert DRAFT in preview_store(store).open(preview.name).corpus.guides
    assert DRAFT not in store.open(live.name).corpus.guides


KILL_AT = textwrap.dedent(
    """
    import os, signal, sys
    import api.releases as r
    import api.releases.bundle as b
    import api.releases.store as st

    point = sys.argv[3]

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def after(fn, when=lambda *a, **k: True):
        def wrapped(*a, **k):
            out = fn(*a, **k)
            if when(*a, **k):
                die()
            return out
        return wrapped

    if point == "pack":
        b.write_pack = after(b.write_pack)
    elif point == "index":
        b.build_index = after(b.build_index)
    elif point == "rename":  # the bundle in place, no manifest, the pointer not moved
        st.os.rename = after(st.os.rename, lambda src, dst: os.path.basename(os.path.dirname(dst)) == "releases")
    elif point == "twin":  # the published release is live, the preview is being linked
        b.link_or_copy = after(b.link_or_copy)
    r.publish(sys.argv[1], r.ReleaseStore(sys.argv[2]))
    """
)


@pytest.mark.parametrize("point", ["pack", "index", "rename", "twin"])
def test_a_publish_killed_at_any_point_leaves_the_served_release_and_the_next_publish_works(
    syn_content_dir, tmp_path, point
) -> None:
    root = syn_content_dir()
    store = tmp_path / "store"
    publish(root, ReleaseStore(store))
    client = create_app({"TESTING": True, "RELEASE_STORE": str(store)}).test_client()
    url = f"/v1/guides/{QUIET}"
    before, before_store = client.get(url), snapshot(store)
    live_before = ReleaseStore(store).current_id()
    edit(root, QUIET, 'summary: "', 'summary: "Killed ')
    proc = subprocess.run([sys.executable, "-c", KILL_AT, str(root), str(store), point], cwd=ROOT)
    assert proc.returncode == -signal.SIGKILL
    fresh = create_app({"TESTING": True, "RELEASE_STORE": str(store)}).test_client()  # a restart now
    if point == "twin":  # the published release went live whole before the preview was linked
        assert ReleaseStore(store).current_id() != live_before
        assert b"Killed" in fresh.get(url).get_data()
        assert preview_store(ReleaseStore(store)).current_id() is not None
    else:
        assert ReleaseStore(store).current_id() == live_before
        kept = {k: v for k, v in snapshot(store).items() if ".building" not in k and not _unlive(k, before_store)}
        assert kept == before_store
        for c in (client, fresh):
            assert c.get(url).get_data() == before.get_data()
    edit(root, QUIET, 'summary: "Killed ', 'summary: "Killed, then published ')
    manifest, made = publish(root, ReleaseStore(store))  # the next publish succeeds and clears the debris
    assert made and not list(store.rglob("*.building"))
    after = create_app({"TESTING": True, "RELEASE_STORE": str(store)}).test_client().get(url)
    assert after.headers["X-Content-Version"] == manifest.id and b"then published" in after.get_data()
    p = preview_store(ReleaseStore(store))
    rid = p.current_id()
    assert rid is not None and p.open(rid).corpus.guides[QUIET].summary.startswith("Killed, then")


def _unlive(key: str, before: dict[str, str]) -> bool:
    """A bundle a killed publisher renamed into place but never made live (no manifest, no pointer)."""
    return key.startswith("releases/") and key not in before


def test_one_edit_converts_one_guide_and_a_worker_reads_one_guide(syn_content_dir, tmp_path, monkeypatch) -> None:
    """After one edit, the index build turns only that guide into documents, and a worker taking the
    new release unpickles only that guide: it keeps the guide objects it holds (same content
    address), and ends up with the corpus a fresh read gives."""
    root = syn_content_dir()
    store = ReleaseStore(tmp_path / "store")
    publish(root, store)
    served = Served(store)
    first = served.load()
    assert first is not None and first.keys
    converted: list[str] = []
    real_docs = search_build.guide_documents
    monkeypatch.setattr(search_build, "guide_documents", lambda g: (converted.append(g.slug), real_docs(g))[1])
    edit(root, MISSING, 'summary: "', 'summary: "Changed, ')
    manifest, made = publish(root, store)
    assert made and manifest.changed == {MISSING}
    assert converted == [MISSING]  # the published release's index; the preview links it
    unpickled: list[str] = []
    real_guide = Pack.guide
    monkeypatch.setattr(Pack, "guide", lambda self, slot: (unpickled.append(slot.slug), real_guide(self, slot))[1])
    served.check_interval = 0.0
    assert served.refresh()
    second = served.release
    assert second is not None and second.id == manifest.id
    assert unpickled == [MISSING]
    kept = [s for s, g in second.corpus.guides.items() if g is first.corpus.guides.get(s)]
    assert sorted(kept) == sorted(set(first.corpus.guides) - {MISSING})
    unpickled.clear()
    fresh = store.open(manifest.id)
    assert len(unpickled) == len(fresh.corpus.guides)  # nothing held: every guide is read
    assert fresh.corpus == second.corpus and fresh.keys == second.keys
    assert second.corpus.guides[MISSING].summary.startswith("Changed, ")


def test_the_danger_warnings_are_a_pack_part_only_publishers_read(syn_content_dir, tmp_path, monkeypatch) -> None:
    """The next publish re-reads danger words only in the edited guide (the warnings of the others
    come from the live pack's `danger` part), and a worker opening a release never reads that part."""
    root = syn_content_dir()
    store = ReleaseStore(tmp_path / "store")
    publish(root, store)
    live = store.live_bundle()
    assert live is not None
    pack = Pack(live / PACK_FILE)
    assert "danger" not in pack.header and "danger" in pack.header["parts"]
    found = pack.part("danger")["found"]
    assert len(found) == len(store.open(live.name).corpus.guides)
    read: list[str] = []
    real_danger = checks._danger_in
    monkeypatch.setattr(checks, "_danger_in", lambda g, lang: (read.append(g.slug), real_danger(g, lang))[1])
    edit(root, MISSING, 'summary: "', 'summary: "Changed, ')
    publish(root, store)
    assert read == [MISSING]
    parts: list[str] = []
    real_part = Pack.part
    monkeypatch.setattr(Pack, "part", lambda self, name: (parts.append(name), real_part(self, name))[1])
    rid = store.current_id()
    assert rid is not None and store.open(rid).corpus.guides
    assert parts == []
