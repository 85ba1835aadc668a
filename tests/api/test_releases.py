"""The release lifecycle: publishing is the only writer, one pointer, tokens and bytes that mean
the same on every server over one store, validators that move with the bytes, and a store that
survives killed and concurrent publishes."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

import api.releases
from api.app import create_app
from api.config import ROOT
from api.releases import ReleaseId, ReleaseStore, publish, rollback
from tests.conftest import publish_app
from tests.synthetic import MISSING, QUIET, extra_guide_md

FLASK = str(Path(sys.executable).parent / "flask")
GUIDE = MISSING  # the synthetic corpus (tests/synthetic.py)
URLS = [
    f"/v1/guides/{GUIDE}",
    f"/v1/guides/{QUIET}/sections",
    "/v1/guides?page_size=5",
    "/v1/collections/first-steps",
    "/v1/scripts?send=true",
    "/v1/graph",
    "/v1/export",
    "/v1/search?q=missing",
]


def snapshot(root: Path) -> dict[str, str]:
    """Every file under the store with a digest of its bytes: what "untouched" means."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def edit(root: Path, slug: str, old: str, new: str) -> None:
    path = root / "guides" / f"{slug}.md"
    path.write_text(path.read_text().replace(old, new, 1))


def flask(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [FLASK, "--app", "api.app", *args], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True
    )


# -- publishing is the only writer --------------------------------------------------------------
def test_a_release_id_is_a_value_its_number_and_content_version(syn_content_dir, tmp_path) -> None:
    root = syn_content_dir()
    store = ReleaseStore(tmp_path / "store")
    first, _ = publish(root, store)
    assert store.current() == ReleaseId(1, first.content_version) == first.rid
    assert str(store.current()) == first.id == store.current_id() == f"00001_{first.content_version}"
    assert ReleaseId.parse(first.id) == first.rid and store.open(first.rid).id == store.open(first.id).id
    for text in ("latest", "7", "_abc", "x7_abc"):  # what an operator may type that names no release
        assert ReleaseId.parse(text) is None
    edit(root, QUIET, 'summary: "', 'summary: "Edited. ')
    second, _ = publish(root, store)
    assert store.current() == second.rid and second.rid.seq == 2 and second.parent == first.id
    back = rollback(store, "1")  # by number, or by id
    assert back.rid == ReleaseId(3, first.content_version) and back.rollback_of == first.id
    assert rollback(store, second.id).rid == ReleaseId(4, second.content_version)


def test_commands_other_than_publish_leave_the_store_and_the_served_release_alone(syn_content_dir, tmp_path) -> None:
    root = syn_content_dir()
    store = tmp_path / "store"
    server = publish_app(root, store).test_client()
    before_store, before = snapshot(store), server.get(f"/v1/guides/{GUIDE}")
    edit(root, GUIDE, 'title: "', 'title: "Draft ')  # an editor's unpublished change
    env = {"LP_CONTENT_DIR": str(root), "LP_RELEASE_STORE": str(store), "LP_CONTENT_CACHE": str(tmp_path / "c.pk")}
    for args in (
        ("content", "validate"),
        ("spec", "write", "--output", str(tmp_path / "openapi.json")),
        ("keys", "hash", "a-new-key"),
        ("routes",),
    ):
        result = flask(*args, env=env)
        assert result.returncode == 0, (args, result.stderr[-2000:])
    create_app({"TESTING": True, "CONTENT_DIR": str(root), "RELEASE_STORE": str(store)})  # any app start
    assert snapshot(store) == before_store
    after = server.get(f"/v1/guides/{GUIDE}")
    assert after.get_data() == before.get_data() and "Draft" not in after.get_json()["title"]
    assert flask("content", "publish", env=env).returncode == 0
    assert snapshot(store) != before_store  # (publishing, and only publishing, does write)


# -- one release per response -------------------------------------------------------------------
def test_every_response_names_one_release_and_search_answers_from_it(syn_content_dir, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(api.releases.served, "CHECK_INTERVAL", 0.0)
    root = syn_content_dir()
    store = tmp_path / "store"
    client = publish_app(root, store).test_client()
    for rev in range(3):
        edit(root, GUIDE, "summary: ", f"summary: Rev{rev}marker ")
        publish(root, ReleaseStore(store))
        search = client.get(f"/v1/search?q=rev{rev}marker")
        body = search.get_json()
        assert body["index_version"] == search.headers["X-Content-Version"]
        assert [h["guide"] for h in body["items"]][:1] == [GUIDE]
        guide = client.get(f"/v1/guides/{GUIDE}")
        assert guide.headers["X-Content-Version"] == search.headers["X-Content-Version"]
        assert f"Rev{rev}marker" in guide.get_json()["summary"]


# -- two servers, one store ---------------------------------------------------------------------
@pytest.fixture()
def two_servers(syn_content_dir, tmp_path, monkeypatch):
    """Two checkouts (their own content folders and parse caches), one store and one secret, as
    two replicas behind a load balancer; and the editor's checkout, which publishes."""
    monkeypatch.setattr(api.releases.served, "CHECK_INTERVAL", 0.0)
    editor = syn_content_dir({"guides/sync-x.md": extra_guide_md("sync-x")})
    store = tmp_path / "store"
    publish(editor, ReleaseStore(store))
    servers = []
    for name in ("a", "b"):
        checkout = tmp_path / f"checkout-{name}"
        shutil.copytree(editor, checkout)
        app = create_app({"TESTING": True, "CONTENT_DIR": str(checkout), "RELEASE_STORE": str(store)})
        servers.append(app.test_client())
    return editor, store, servers


def test_two_servers_serve_identical_bytes_and_accept_each_others_tokens(two_servers) -> None:
    editor, store, (a, b) = two_servers
    for url in URLS:
        ra, rb = a.get(url), b.get(url)
        assert ra.status_code == rb.status_code == 200, url
        if "search" in url:  # took_ms and cached differ by nature; the rest is the same
            ja, jb = ra.get_json(), rb.get_json()
            for j in (ja, jb):
                j.pop("took_ms"), j.pop("cached")
            assert ja == jb
            continue
        assert ra.get_data() == rb.get_data() and ra.headers["ETag"] == rb.headers["ETag"], url
        assert ra.headers.get("Last-Modified") == rb.headers.get("Last-Modified"), url
    token = a.get("/v1/sync?page_size=100").get_json()["sync_token"]
    assert b.get(f"/v1/sync?token={token}").get_json()["upserted"] == []
    edit(editor, GUIDE, "summary: ", "summary: Edited ")
    publish(editor, ReleaseStore(store))
    da, db = a.get(f"/v1/sync?token={token}").get_json(), b.get(f"/v1/sync?token={token}").get_json()
    assert da == db and [g["slug"] for g in da["upserted"]] == [GUIDE]
    assert a.get(f"/v1/sync?token={db['sync_token']}").get_json()["upserted"] == []


def test_a_deletion_is_delivered_exactly_once_across_servers_and_publishes(two_servers) -> None:
    editor, store, (a, b) = two_servers
    token = a.get("/v1/sync?page_size=100").get_json()["sync_token"]
    (editor / "guides" / "sync-x.md").unlink()
    publish(editor, ReleaseStore(store))
    first = b.get(f"/v1/sync?token={token}").get_json()
    assert first["deleted"] == [{"slug": "sync-x", "reason": None}]
    edit(editor, GUIDE, "summary: ", "summary: Later ")
    publish(editor, ReleaseStore(store))
    second = a.get(f"/v1/sync?token={first['sync_token']}").get_json()
    assert second["deleted"] == [] and [g["slug"] for g in second["upserted"]] == [GUIDE]
    third = b.get(f"/v1/sync?token={second['sync_token']}").get_json()
    assert third["deleted"] == third["upserted"] == []
    # the old token, on either server, still gets the deletion (and the edit) once
    for server in (a, b):
        again = server.get(f"/v1/sync?token={token}").get_json()
        assert again["deleted"] == [{"slug": "sync-x", "reason": None}]


def test_a_token_from_a_release_not_loaded_here_yet_is_503_with_retry_after(two_servers, monkeypatch) -> None:
    editor, store, (a, b) = two_servers
    b.application.extensions["lp"].served.check_interval = 3600.0  # b is slow to look at the pointer
    b.get("/v1/health")
    edit(editor, GUIDE, "summary: ", "summary: Newer ")
    publish(editor, ReleaseStore(store))
    token = a.get("/v1/sync?page_size=100").get_json()["sync_token"]  # a has the new release
    r = b.get(f"/v1/sync?token={token}")
    assert r.status_code == 503 and r.headers["Retry-After"] == "1" and r.get_json()["status"] == 503
    b.application.extensions["lp"].served._next_check = 0.0  # b looks now
    assert b.get(f"/v1/sync?token={token}").status_code == 200


# -- validators ---------------------------------------------------------------------------------
def test_a_changed_body_moves_last_modified_and_if_modified_since_gets_200(
    syn_content_dir, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(api.releases.served, "CHECK_INTERVAL", 0.0)
    root = syn_content_dir()
    store = tmp_path / "store"
    client = publish_app(root, store).test_client()
    other = f"/v1/guides/{QUIET}"
    first, untouched = client.get(f"/v1/guides/{GUIDE}"), client.get(other)
    # the same second as the first release: Last-Modified must still move (releases are a second apart)
    edit(root, GUIDE, "summary: ", "summary: Changed ")
    publish(root, ReleaseStore(store))
    second = client.get(f"/v1/guides/{GUIDE}", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert second.status_code == 200 and second.get_data() != first.get_data()
    moved = parsedate_to_datetime(second.headers["Last-Modified"])
    assert moved > parsedate_to_datetime(first.headers["Last-Modified"])
    # a guide whose bytes did not change keeps its Last-Modified (carried over), and its 304
    kept = client.get(other, headers={"If-Modified-Since": untouched.headers["Last-Modified"]})
    assert kept.status_code == 304
    assert client.get(other).headers["Last-Modified"] == untouched.headers["Last-Modified"]


# -- the store under failure and concurrency ----------------------------------------------------
KILL_HALFWAY = textwrap.dedent(
    """
    import os, signal, sys
    import api.releases as r
    import api.releases.bundle as b

    real = b.build_index

    def build_then_die(corpus, directory, documents=None, **kw):
        real(corpus, directory, documents, **kw)
        os.kill(os.getpid(), signal.SIGKILL)  # killed with the bundle half written, pointer not moved

    b.build_index = build_then_die
    r.publish(sys.argv[1], r.ReleaseStore(sys.argv[2]))
    """
)


def test_a_publish_killed_halfway_leaves_the_store_and_the_served_release_intact(syn_content_dir, tmp_path) -> None:
    root = syn_content_dir()
    store = tmp_path / "store"
    client = publish_app(root, store).test_client()
    before, before_store = client.get(f"/v1/guides/{GUIDE}"), snapshot(store)
    edit(root, GUIDE, "summary: ", "summary: Killed ")
    proc = subprocess.run([sys.executable, "-c", KILL_HALFWAY, str(root), str(store)], cwd=ROOT)
    assert proc.returncode == -signal.SIGKILL
    assert list(store.rglob("*.building"))  # its debris (the preview release is built first)
    assert {k: v for k, v in snapshot(store).items() if ".building" not in k} == before_store
    fresh = create_app({"TESTING": True, "RELEASE_STORE": str(store)}).test_client()  # a restart now
    for c in (client, fresh):
        assert c.get(f"/v1/guides/{GUIDE}").get_data() == before.get_data()
    manifest, made = publish(root, ReleaseStore(store))  # the next publish succeeds and clears the debris
    assert made and manifest.seq == 2 and not list(store.rglob("*.building"))


def test_two_publishes_at_once_both_succeed_one_after_the_other(syn_content_dir, tmp_path) -> None:
    root = syn_content_dir()
    store = tmp_path / "store"
    publish(root, ReleaseStore(store))
    other = tmp_path / "other-checkout"
    shutil.copytree(root, other)
    edit(root, GUIDE, "summary: ", "summary: From one ")
    edit(other, QUIET, "summary: ", "summary: From the other ")
    env = {"LP_RELEASE_STORE": str(store)}
    procs = [
        subprocess.Popen(
            [FLASK, "--app", "api.app", "content", "publish"],
            cwd=ROOT,
            env={**os.environ, **env, "LP_CONTENT_DIR": str(c), "LP_CONTENT_CACHE": str(tmp_path / f"{i}.pk")},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, c in enumerate((root, other))
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    s = ReleaseStore(store)
    m2, m3 = s.manifest(2), s.manifest(3)
    assert m2 is not None and m3 is not None and s.manifest(4) is None
    assert m3.parent == m2.id and s.current_id() == m3.id  # a chain, the later built on the earlier
    assert all("published release" in out for out, _ in outs)


def test_rollback_publishes_the_old_content_as_a_new_release(syn_content_dir, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(api.releases.served, "CHECK_INTERVAL", 0.0)
    root = syn_content_dir()
    store = tmp_path / "store"
    app = publish_app(root, store)
    client = app.test_client()
    first = client.get(f"/v1/guides/{GUIDE}")
    token = client.get("/v1/sync?page_size=100").get_json()["sync_token"]
    edit(root, GUIDE, "summary: ", "summary: Regretted ")
    publish(root, ReleaseStore(store))
    result = app.test_cli_runner().invoke(args=["content", "rollback", first.headers["X-Content-Version"]])
    assert result.exit_code == 0, result.output
    back = client.get(f"/v1/guides/{GUIDE}")
    assert back.headers["X-Content-Version"].startswith("00003_")
    assert back.get_data() == first.get_data() and back.headers["ETag"] == first.headers["ETag"]
    assert client.get(f"/v1/sync?token={token}").get_json()["upserted"] == []  # back where the app was
    assert app.test_cli_runner().invoke(args=["content", "rollback", "00042"]).exit_code == 1


def test_old_bundles_are_pruned_and_every_manifest_kept(syn_content_dir, tmp_path) -> None:
    root = syn_content_dir()
    store = tmp_path / "store"
    for i in range(4):
        edit(root, GUIDE, "summary: ", f"summary: Prune{i} ")
        publish(root, ReleaseStore(store), keep=2)
    s = ReleaseStore(store)
    assert sorted(p.name[:5] for p in (store / "releases").iterdir()) == ["00003", "00004"]
    assert sorted(p.name for p in (store / "manifests").iterdir()) == [f"0000{i}.json" for i in range(1, 5)]
    assert s.manifest(1) is not None and s.manifest(4).parent == s.manifest(3).id  # type: ignore[union-attr]
