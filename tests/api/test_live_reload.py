"""Editors' changes go live without a restart; broken content is refused and the old keeps serving."""

from __future__ import annotations

import pytest

import api.releases
from api.app import create_app
from tests.conftest import OPERATOR_KEY, operator_keys_file, publish_app
from tests.synthetic import QUIET, UNSAFE


@pytest.fixture()
def live(syn_content_dir, tmp_path, monkeypatch):
    """A serving app and, separately, the process an editor runs `flask content publish` in."""
    monkeypatch.setattr(api.releases.served, "CHECK_INTERVAL", 0.0)
    root = syn_content_dir()  # a copy of the synthetic corpus
    server = publish_app(root, tmp_path / "store", PARTNER_KEYS_FILE=str(operator_keys_file(tmp_path / "keys.yaml")))
    editor = create_app({"TESTING": True, "CONTENT_DIR": str(root), "RELEASE_STORE": str(tmp_path / "store")})
    return root, server.test_client(), editor.test_cli_runner()


def test_a_published_edit_goes_live_without_restart(live) -> None:
    root, client, editor = live
    before = client.get(f"/v1/guides/{QUIET}")
    assert before.status_code == 200
    path = root / "guides" / f"{QUIET}.md"
    path.write_text(path.read_text().replace('title: "', 'title: "Edited ', 1))
    assert client.get(f"/v1/guides/{QUIET}").get_data() == before.get_data()  # not published yet
    result = editor.invoke(args=["content", "publish"])
    assert result.exit_code == 0, result.output
    # the old ETag no longer matches: a revalidation gets the new version, not a stale 304
    assert client.get(f"/v1/guides/{QUIET}", headers={"If-None-Match": before.headers["ETag"]}).status_code == 200
    after = client.get(f"/v1/guides/{QUIET}")
    assert after.get_json()["title"].startswith("Edited ")
    assert after.headers["ETag"] != before.headers["ETag"]
    assert client.get("/v1/health").get_json()["content_version"] in result.output
    hits = client.get("/v1/search?q=edited").get_json()
    assert any(h["guide"] == QUIET for h in hits["items"])  # the index went live with it


def test_broken_edit_is_refused_and_old_keeps_serving(live) -> None:
    root, client, editor = live
    before = client.get(f"/v1/guides/{UNSAFE}")
    (root / "guides" / f"{UNSAFE}.md").write_text("---\ntitle: [oops\n---\n")
    result = editor.invoke(args=["content", "publish"])
    assert result.exit_code == 1
    assert f"content/guides/{UNSAFE}.md" in result.output and "nothing was published" in result.output
    again = client.get(f"/v1/guides/{UNSAFE}")
    assert again.status_code == 200 and again.get_data() == before.get_data()
    ready = client.get("/v1/ready", headers={"X-API-Key": OPERATOR_KEY}).get_json()
    assert ready["last_publish"]["ok"] is False and ready["content_stale"] is True
    assert any(f"content/guides/{UNSAFE}.md" in e for e in ready["last_publish"]["errors"])
    assert ready["content_version"] == client.get("/v1/health").get_json()["content_version"]


def test_a_request_keeps_its_release(live) -> None:
    """The release is taken once per request: a swap during a request changes nothing it reads,
    its search engine included."""
    root, client, editor = live
    from flask import g

    from api.current import corpus, release, take_release
    from api.search import engine

    app = client.application
    with app.test_request_context("/v1/guides"):
        take_release()
        first = release()
        assert corpus() is first.corpus
        path = root / "guides" / f"{QUIET}.md"
        path.write_text(path.read_text().replace('title: "', 'title: "Again ', 1))
        assert editor.invoke(args=["content", "publish"]).exit_code == 0
        served = app.extensions["lp"].served
        assert served.refresh() and served.release is not first  # the worker swapped...
        assert release() is first and g.lp_release is first  # ...but this request keeps its release
        assert corpus() is first.corpus and engine() is first.search
