"""A bad edit never takes the API down and never loses the last good release (on a copy of the
synthetic corpus, tests/synthetic.py)."""

from __future__ import annotations

from tests.conftest import OPERATOR_KEY, operator_keys_file, publish_app
from tests.synthetic import QUIET

OPERATOR = {"X-API-Key": OPERATOR_KEY}

BROKEN = f"---\nslug: {QUIET}\ntitle: [unclosed\n---\n"
FILE = f"guides/{QUIET}.md"


def test_broken_content_keeps_serving_last_good(syn_content_dir, tmp_path) -> None:
    root = syn_content_dir()
    store = tmp_path / "store"
    good = publish_app(root, store).test_client().get(f"/v1/guides/{QUIET}")
    assert good.status_code == 200
    (root / FILE).write_text(BROKEN)
    # a restart with broken files on disk: the publish is refused
    app = publish_app(root, store, PARTNER_KEYS_FILE=str(operator_keys_file(tmp_path / "keys.yaml")))
    client = app.test_client()
    again = client.get(f"/v1/guides/{QUIET}")
    assert again.status_code == 200 and again.get_data() == good.get_data()
    ready = client.get("/v1/ready", headers=OPERATOR).get_json()
    assert ready["ready"] and ready["content_stale"]
    assert any(f"content/{FILE}" in p and "front matter" in p for p in ready["problems"])


def test_no_valid_content_at_all_is_503_not_a_crash(syn_content_dir, tmp_path) -> None:
    root = syn_content_dir({FILE: BROKEN})
    app = publish_app(root, tmp_path / "fresh")
    client = app.test_client()
    r = client.get("/v1/guides")
    assert r.status_code == 503 and r.get_json()["status"] == 503 and r.headers["Retry-After"]
    health = client.get("/v1/health").get_json()
    assert health == {"status": "ok", "content_version": None}
    result = app.test_cli_runner().invoke(args=["content", "validate", "--path", str(root)])
    assert result.exit_code == 1 and f"content/{FILE}:3: error: front matter" in result.output
    published = app.test_cli_runner().invoke(args=["content", "publish"])
    assert published.exit_code == 1 and "nothing was published" in published.output


def test_a_folder_or_a_dangling_link_among_the_guides_is_refused_not_a_crash(syn_content_dir, tmp_path) -> None:
    root = syn_content_dir()
    store = tmp_path / "store"
    good = publish_app(root, store).test_client().get(f"/v1/guides/{QUIET}")
    (root / "guides" / "drafts.md").mkdir()
    (root / "guides" / "old-guide.md").symlink_to(root / "guides" / "nowhere.md")
    keys = str(operator_keys_file(tmp_path / "keys.yaml"))
    client = publish_app(root, store, PARTNER_KEYS_FILE=keys).test_client()  # a restart: the publish is refused
    again = client.get(f"/v1/guides/{QUIET}")
    assert again.status_code == 200 and again.get_data() == good.get_data()
    problems = client.get("/v1/ready", headers=OPERATOR).get_json()["problems"]
    assert "content/guides/drafts.md: error: file: a folder, not a file: only files belong here" in problems
    assert (
        "content/guides/old-guide.md: error: file: a link (symlink), not a file: put the file itself here" in problems
    )
