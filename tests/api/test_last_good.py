"""A bad edit never takes the API down and never loses the last good content."""

from __future__ import annotations

from api.app import create_app

BROKEN = "---\nslug: no-contact-rule\ntitle: [unclosed\n---\n"


def make(root, cache):
    return create_app({"TESTING": True, "CONTENT_DIR": str(root), "CONTENT_CACHE": str(cache)})


def test_broken_content_keeps_serving_last_good(content_dir, tmp_path) -> None:
    root = content_dir()
    cache = tmp_path / "cache" / "content.pickle"
    good = make(root, cache).test_client().get("/v1/guides/no-contact-rule")
    assert good.status_code == 200
    (root / "guides" / "no-contact-rule.md").write_text(BROKEN)
    app = make(root, cache)  # a restart with broken files on disk
    store = app.extensions["lp"].store
    assert store.stale
    assert any(p.file == "content/guides/no-contact-rule.md" and p.field == "front matter" for p in store.problems)
    again = app.test_client().get("/v1/guides/no-contact-rule")
    assert again.status_code == 200 and again.get_data() == good.get_data()


def test_no_valid_content_at_all_is_503_not_a_crash(content_dir, tmp_path) -> None:
    root = content_dir({"guides/no-contact-rule.md": BROKEN})
    app = make(root, tmp_path / "fresh" / "content.pickle")
    client = app.test_client()
    r = client.get("/v1/guides")
    assert r.status_code == 503 and r.get_json()["status"] == 503 and r.headers["Retry-After"]
    health = client.get("/v1/health").get_json()
    assert health == {"status": "ok", "content_version": None}
    result = app.test_cli_runner().invoke(args=["content", "validate", "--path", str(root)])
    assert result.exit_code == 1 and "content/guides/no-contact-rule.md:3: error: front matter" in result.output
    build = app.test_cli_runner().invoke(args=["content", "build"])
    assert build.exit_code == 1 and "nothing was published" in build.output
