"""A worker warms a new release before it serves it (api/warm.py, search_index/warm.py): from the
release's own content only, and a failed warm-up never stops the release being served."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import api.current
import api.releases
from api.releases import Release, ReleaseStore, publish
from api.warm import prepare
from search_index.open_index import OpenIndex
from search_index.query import stems
from search_index.warm import warm_words
from tests.conftest import publish_app
from tests.synthetic import MISSING

READER_WORD = "flibbertigibbetish"  # in no guide: its stem can reach the new release's caches only from a reader


def _edit_and_publish(root: Path, store: Path, marker: str) -> None:
    path = root / "guides" / f"{MISSING}.md"
    path.write_text(path.read_text().replace("summary: ", f"summary: {marker} ", 1))
    publish(root, ReleaseStore(store))


def _served(client):
    return client.application.extensions["lp"].served


def test_a_new_release_is_warmed_before_a_worker_serves_it(syn_content_dir, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(api.releases.served, "CHECK_INTERVAL", 0.0)
    root, store = syn_content_dir(), tmp_path / "store"
    client = publish_app(root, store).test_client()
    old = client.get(f"/v1/guides/{MISSING}").headers["X-Content-Version"]
    served = _served(client)
    assert served.prepare is prepare  # the app's workers warm every release they take
    seen: list[tuple[str, str, bool]] = []

    def watching(fresh: Release) -> object:
        seen.append((served.release.id, fresh.id, fresh.search._open is None))
        return prepare(fresh)

    served.prepare = watching
    _edit_and_publish(root, store, "Warmmarker")
    resp = client.get(f"/v1/guides/{MISSING}")
    new = resp.headers["X-Content-Version"]
    assert new != old and seen == [(old, new, True)]  # prepared while the old one was still served
    # Served: its index already open and its caches filled, before any search on it.
    fresh = served.release
    assert fresh.id == new and fresh.search._open is not None
    oi = fresh.search._open
    assert oi.impacts is not None and len(oi.impacts._terms) > 0 and len(oi.bits._terms) > 0
    body = client.get("/v1/search?q=warmmarker").get_json()
    assert [h["guide"] for h in body["items"]][:1] == [MISSING]
    assert fresh.search._open is oi  # the search used the warmed index, not one opened for it


def test_the_warm_up_uses_no_reader_text(syn_content_dir, tmp_path, monkeypatch, caplog) -> None:
    monkeypatch.setattr(api.releases.served, "CHECK_INTERVAL", 0.0)
    root, store = syn_content_dir(), tmp_path / "store"
    client = publish_app(root, store).test_client()
    for q in (READER_WORD, f"i miss them {READER_WORD}", "what do i say"):
        assert client.get(f"/v1/search?q={q}").status_code == 200
    _edit_and_publish(root, store, "Warmmarker")
    with caplog.at_level(logging.DEBUG):
        client.get(f"/v1/guides/{MISSING}")
    fresh = _served(client).release
    oi = fresh.search._open
    assert oi is not None
    # Every term it read is a word of the index's own content, listed by warm_words alone ...
    own = {s for w in warm_words(oi) for s in stems(w)}
    read = set(oi.impacts._terms.keys())
    assert read and read <= own
    assert not set(stems(READER_WORD)) & (read | own)
    # ... and that list is the same as for the same index opened afresh, where nobody searched.
    afresh = OpenIndex.open(fresh.path / "index")
    try:
        assert list(warm_words(afresh)) == list(warm_words(oi))
    finally:
        afresh.close()
    warmed = [r.getMessage() for r in caplog.records if "warmed" in r.getMessage()]
    assert warmed and not any(READER_WORD in m or "miss them" in m for m in caplog.messages)


def test_a_failed_warm_up_never_stops_serving(syn_content_dir, tmp_path, monkeypatch, caplog) -> None:
    monkeypatch.setattr(api.releases.served, "CHECK_INTERVAL", 0.0)
    root, store = syn_content_dir(), tmp_path / "store"
    client = publish_app(root, store).test_client()
    old = client.get(f"/v1/guides/{MISSING}").headers["X-Content-Version"]

    def failing(fresh: Release) -> object:
        raise RuntimeError(f"while warming with {READER_WORD}")  # what an error's text could carry

    _served(client).prepare = failing
    _edit_and_publish(root, store, "Warmmarker")
    with caplog.at_level(logging.INFO):
        resp = client.get(f"/v1/guides/{MISSING}")
    assert resp.status_code == 200 and resp.headers["X-Content-Version"] != old
    assert "Warmmarker" in resp.get_json()["summary"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and "could not be warmed" in errors[0].getMessage()
    assert not any(READER_WORD in r.getMessage() for r in caplog.records)
    # Served cold: its search still answers, opening the index on first use.
    body = client.get("/v1/search?q=warmmarker").get_json()
    assert [h["guide"] for h in body["items"]][:1] == [MISSING]


def test_the_analyzer_is_built_beside_the_swap_once(syn_content_dir, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(api.releases.served, "CHECK_INTERVAL", 0.0)
    root, store = syn_content_dir(), tmp_path / "store"
    client = publish_app(root, store).test_client()
    client.get(f"/v1/guides/{MISSING}")
    built: list[str] = []
    real = api.current.build_analyzer

    def counting(*args, **kwargs):
        built.append(args[0].version)
        return real(*args, **kwargs)

    monkeypatch.setattr(api.current, "build_analyzer", counting)
    _edit_and_publish(root, store, "Warmmarker")
    client.get(f"/v1/guides/{MISSING}")  # takes the new release: the build starts beside it
    fresh = _served(client).release
    # A search meanwhile waits for that build rather than making its own.
    assert client.get("/v1/search?q=warmmarker").status_code == 200
    deadline = time.monotonic() + 30
    while f"analyzer:{fresh.corpus.version}" not in fresh.local and time.monotonic() < deadline:
        time.sleep(0.05)
    assert f"analyzer:{fresh.corpus.version}" in fresh.local
    assert built == [fresh.corpus.version]
