"""Editors' changes go live without a restart; broken content is refused and the old keeps serving."""

from __future__ import annotations

import pytest

import api.store
from api.app import create_app


@pytest.fixture()
def live(content_dir, tmp_path, monkeypatch):
    """A serving app and, separately, the process an editor runs `flask content publish` in."""
    monkeypatch.setattr(api.store, "CHECK_INTERVAL", 0.0)
    root = content_dir()
    config = {
        "TESTING": True,
        "CONTENT_DIR": str(root),
        "CONTENT_CACHE": str(tmp_path / "cache" / "c.pickle"),
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
    }
    server = create_app(config)
    editor = create_app(config)
    return root, server.test_client(), editor.test_cli_runner()


def test_a_published_edit_goes_live_without_restart(live) -> None:
    root, client, editor = live
    before = client.get("/v1/guides/closure-without-them")
    assert before.status_code == 200
    path = root / "guides" / "closure-without-them.md"
    path.write_text(path.read_text().replace("title: ", "title: Edited ", 1))
    assert client.get("/v1/guides/closure-without-them").get_data() == before.get_data()  # not published yet
    result = editor.invoke(args=["content", "publish"])
    assert result.exit_code == 0, result.output
    # the old ETag no longer matches: a revalidation gets the new version, not a stale 304
    assert (
        client.get("/v1/guides/closure-without-them", headers={"If-None-Match": before.headers["ETag"]}).status_code
        == 200
    )
    after = client.get("/v1/guides/closure-without-them")
    assert after.get_json()["title"].startswith("Edited ")
    assert after.headers["ETag"] != before.headers["ETag"]
    assert client.get("/v1/health").get_json()["content_version"] in result.output
    hits = client.get("/v1/search?q=edited").get_json()
    assert any(h["guide"] == "closure-without-them" for h in hits["items"])  # the index went live with it


def test_broken_edit_is_refused_and_old_keeps_serving(live) -> None:
    root, client, editor = live
    before = client.get("/v1/guides/leaving-safely")
    (root / "guides" / "leaving-safely.md").write_text("---\ntitle: [oops\n---\n")
    result = editor.invoke(args=["content", "publish"])
    assert result.exit_code == 1
    assert "content/guides/leaving-safely.md" in result.output and "nothing was published" in result.output
    again = client.get("/v1/guides/leaving-safely")
    assert again.status_code == 200 and again.get_data() == before.get_data()
    ready = client.get("/v1/ready").get_json()
    assert ready["last_publish"]["ok"] is False
    assert any("content/guides/leaving-safely.md" in e for e in ready["last_publish"]["errors"])
    assert ready["content_version"] == client.get("/v1/health").get_json()["content_version"]


def test_a_request_sees_one_version(live, monkeypatch) -> None:
    """The corpus is taken once per request: a swap during a request does not change what it reads."""
    root, client, editor = live
    from flask import g

    app = client.application
    with app.test_request_context("/v1/guides"):
        from api.current import corpus

        first = corpus()
        path = root / "guides" / "closure-without-them.md"
        path.write_text(path.read_text().replace("title: ", "title: Again ", 1))
        assert editor.invoke(args=["content", "publish"]).exit_code == 0
        app.extensions["lp"].store.refresh()
        assert app.extensions["lp"].store.version != first.version  # the worker swapped...
        assert corpus() is first and g.lp_corpus is first  # ...but this request keeps its version
