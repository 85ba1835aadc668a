"""Issue 19.6: the export is written once per (release, scope) as a gzip file and served from it,
with a strong ETag per representation and 304s; files of old releases go."""

from __future__ import annotations

import gc
import gzip
import os
import time

import api.export
from api.app import create_app
from tests.api.test_sync import ACME, ACME_KEY, EXTRA, Server, guide_md
from tests.synthetic import QUIET


class Closing:
    """A test client whose responses are read whole and closed (a file sent by send_file stays
    open until its response is closed, as a WSGI server does after sending it)."""

    def __init__(self, client) -> None:
        self.client = client

    def get(self, url, **kw):
        r = self.client.get(url, **kw)
        r.get_data()
        r.close()
        return r


def test_the_export_is_one_gzip_file_served_as_it_is(syn_app, monkeypatch) -> None:
    writes = []
    real = api.export.write
    own = str(syn_app.config["EXPORT_DIR"]) + "-own"  # (other apps' background builds may write elsewhere meanwhile)
    monkeypatch.setattr(
        api.export,
        "write",
        lambda path, *a: (writes.append(path) if str(path.parent) == own else None) or real(path, *a),
    )
    synthetic = {k: syn_app.config[k] for k in ("CONTENT_DIR", "RELEASE_STORE")}  # tests/synthetic.py
    fresh = create_app({"TESTING": True, "EXPORT_DIR": own, **synthetic})
    client = Closing(fresh.test_client())
    r = client.get("/v1/export", headers={"Accept-Encoding": "gzip, br"})
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip"  # gzip even when br is offered
    assert r.headers["Vary"].startswith("Accept-Encoding") and "Cache-Control" in r.headers
    (path,) = writes
    assert r.data == path.read_bytes() and int(r.headers["Content-Length"]) == os.path.getsize(path)
    plain = client.get("/v1/export", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert gzip.decompress(r.data) == plain.data
    bundle = plain.get_json()
    assert list(bundle) == ["version", "guides", "collections", "redirects", "sync_token"]
    guide = client.get(f"/v1/guides/{QUIET}").get_json()
    assert next(x for x in bundle["guides"] if x["slug"] == QUIET) == guide
    # each representation has its own strong ETag and 304
    assert r.headers["ETag"] != plain.headers["ETag"]
    for resp, coding in ((r, "gzip"), (plain, "identity")):
        etag = resp.headers["ETag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        again = client.get("/v1/export", headers={"Accept-Encoding": coding, "If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert client.get("/v1/export", headers={"If-None-Match": r.headers["ETag"]}).status_code == 200
    # written once: other requests, and another worker (app) over the same folder, serve the file
    other = Closing(create_app({"TESTING": True, "EXPORT_DIR": fresh.config["EXPORT_DIR"], **synthetic}).test_client())
    assert other.get("/v1/export", headers={"Accept-Encoding": "gzip"}).data == r.data
    assert len(writes) == 1


def test_one_file_per_scope_and_old_releases_files_go(syn_content_dir, tmp_path) -> None:
    root = syn_content_dir(EXTRA)
    everyone = Server(root, tmp_path)
    partner = Server(root, tmp_path, key=ACME_KEY, publish=False)
    folder = tmp_path / "exports"
    for s in (everyone, partner):
        s.app.config["EXPORT_DIR"] = str(folder)
    whole = everyone.get("/v1/export").get_json()
    part = partner.get("/v1/export").get_json()
    assert len(part["guides"]) < len(whole["guides"])
    assert len(list(folder.glob("*.json.gz"))) == 2
    for n in range(3):  # three more releases: files of releases older than the one before go
        (root / "guides" / "sync-e.md").write_text(guide_md("sync-e", "first-steps", f"Version {n}."))
        everyone.restart()
        everyone.app.config["EXPORT_DIR"] = str(folder)
        everyone.get("/v1/export", headers={"Accept-Encoding": "gzip"})
    seqs = sorted({int(p.name.split("_")[0]) for p in folder.glob("*.json.gz")})
    assert seqs == [3, 4]  # the live release and the one before (a worker may still serve it)


def test_the_inflated_export_streams_without_being_read_whole_first(app) -> None:
    """The access log counted a streamed body's bytes by reading it all into memory: the export for
    a client without gzip (240 MB at 10,000 guides) sat in the worker before its first byte went."""
    client = app.test_client()
    r = client.get("/v1/export", headers={"Accept-Encoding": "identity"}, buffered=False)
    assert r.status_code == 200 and r.is_streamed and "Content-Length" not in r.headers
    assert r.get_json()["guides"]
    r.close()


def test_a_live_release_has_its_exports_written_before_anyone_asks(syn_content_dir, tmp_path, monkeypatch) -> None:
    """Everyone's export and each partner key's are written in the background once a worker takes
    the release in; the first reader of one is served the file, nothing is built for it."""
    root = syn_content_dir(EXTRA)
    partner = Server(root, tmp_path, key=ACME_KEY)
    folder = tmp_path / "exports-early"
    partner.app.config["EXPORT_DIR"] = str(folder)
    frozen = gc.get_freeze_count()
    partner.get("/v1/collections")  # any request: the worker takes the release in
    deadline = time.monotonic() + 60
    while len(list(folder.glob("*.json.gz"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(list(folder.glob("*.json.gz"))) == 2  # everyone's, and the ACME key's scope
    assert partner.app.extensions["lp"].served.release.search._open is not None  # and its index is open
    deadline = time.monotonic() + 30
    while gc.get_freeze_count() <= frozen and time.monotonic() < deadline:  # then out of the GC's reach
        time.sleep(0.1)
    assert gc.get_freeze_count() > frozen
    writes = []
    real = api.export.write
    monkeypatch.setattr(api.export, "write", lambda path, *a: writes.append(path) or real(path, *a))
    whole = partner.get("/v1/export").get_json()
    assert [p for p in writes if p.parent == folder] == []
    assert {x["collection"]["slug"] for x in whole["guides"]} == set(ACME)
