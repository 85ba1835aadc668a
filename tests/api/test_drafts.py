"""Drafts and preview (api/content/drafts.py, api/preview.py): a draft is nowhere in the published
release, and readable through the same endpoints with a preview key or a preview token, privately."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import itsdangerous.timed
import pytest

from api.app import create_app
from api.content import load_corpus
from api.preview import make_token
from api.releases import ReleaseStore, preview_store, publish
from tests.api.test_sync import guide_md
from tests.conftest import OPERATOR_KEY, SECRET, write_preview_keys
from tests.synthetic import QUIET, write_corpus

DRAFT = "draft-only-guide"
WORD = "zephyrine"  # in the draft's summary, nowhere else
PREVIEW_KEY = "test-preview-key-0000000000001"
NORMAL_KEY = "test-normal-key-00000000000002"
PRIVATE = "private, no-store"


def linked_md(slug: str, summary: str = "A guide made by the sync tests.") -> str:
    """A guide in the synthetic corpus (tests/synthetic.py), its read-next linking to QUIET."""
    return guide_md(slug, "first-steps", summary, link=QUIET)


def draft_md(slug: str = DRAFT, front: str = "draft: true") -> str:
    """A draft for a copy of the synthetic corpus (test_incremental, test_schedule use it too)."""
    summary = f"A {WORD} draft nobody may see yet."
    text = linked_md(slug, summary)
    text = text.replace(f"title: Sync test {slug}", f"title: The {WORD.title()} draft {slug}", 1)
    return text.replace("byline: Written by the tests.\n", f"byline: Written by the tests.\n{front}\n", 1)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("drafts")
    content = tmp / "content"
    write_corpus(content)  # the synthetic corpus: these tests are about drafts, not the real guides
    (content / "guides" / f"{DRAFT}.md").write_text(draft_md(), encoding="utf-8")
    store = tmp / "store"
    publish(content, ReleaseStore(store))
    keys = write_preview_keys(tmp / "keys.yaml", PREVIEW_KEY, NORMAL_KEY)
    app = create_app({"TESTING": True, "RELEASE_STORE": str(store), "PARTNER_KEYS_FILE": str(keys)})
    return app.test_client()


def _normal(client, url: str, **kw):
    return client.get(url, headers={"X-API-Key": NORMAL_KEY}, **kw)


def test_a_draft_is_404_for_a_normal_key_and_200_privately_for_a_preview_key(site) -> None:
    normal = _normal(site, f"/v1/guides/{DRAFT}")
    assert normal.status_code == 404 and normal.get_json()["status"] == 404
    anonymous = site.get(f"/v1/guides/{DRAFT}")
    assert anonymous.status_code == 404
    seen = site.get(f"/v1/guides/{DRAFT}", headers={"X-API-Key": PREVIEW_KEY})
    assert seen.status_code == 200 and seen.get_json()["slug"] == DRAFT
    assert seen.headers["Cache-Control"] == PRIVATE and seen.headers["X-Preview"] == "true"
    assert "Cache-Tag" not in seen.headers and "Surrogate-Key" not in seen.headers
    # a 304 to the preview key is private too
    again = site.get(f"/v1/guides/{DRAFT}", headers={"X-API-Key": PREVIEW_KEY, "If-None-Match": seen.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Cache-Control"] == PRIVATE
    # and a published guide read with the preview key is private as well
    published = site.get(f"/v1/guides/{QUIET}", headers={"X-API-Key": PREVIEW_KEY})
    assert published.status_code == 200 and published.headers["Cache-Control"] == PRIVATE


def test_a_draft_is_in_no_list_search_suggest_graph_or_pattern_check_of_the_published_release(site) -> None:
    def has_draft(resp) -> bool:
        assert resp.status_code == 200, resp.get_data()
        data = resp.get_json()
        data.pop("query", None)  # search and suggest repeat the words asked
        text = json.dumps(data).lower()
        return DRAFT in text or WORD in text

    for url in (
        "/v1/guides?page_size=100",
        "/v1/collections/first-steps",
        f"/v1/search?q={WORD}",
        f"/v1/suggest?q={WORD[:5]}",
        "/v1/graph",
        "/v1/scripts?page_size=100",
    ):
        assert not has_draft(_normal(site, url)), url
        assert has_draft(site.get(url, headers={"X-API-Key": PREVIEW_KEY})), url
    check = site.post("/v1/pattern-check", json={"situation": f"a {WORD} draft"}, headers={"X-API-Key": NORMAL_KEY})
    assert check.status_code == 200 and DRAFT not in check.get_data(as_text=True)
    assert _normal(site, f"/v1/scripts/{DRAFT}-note").status_code == 404


def test_a_draft_never_reaches_a_normal_keys_sync_or_export(site) -> None:
    export = _normal(site, "/v1/export")
    assert export.status_code == 200 and DRAFT not in export.get_data(as_text=True)
    first = _normal(site, "/v1/sync?page_size=100").get_json()
    slugs = {g["slug"] for g in first["upserted"]}
    assert DRAFT not in slugs and QUIET in slugs
    delta = _normal(site, f"/v1/sync?token={first['sync_token']}")
    assert delta.status_code == 200 and DRAFT not in delta.get_data(as_text=True)
    # the preview key's sync has it, on a chain of its own: its token is refused by the published one
    preview = site.get("/v1/sync?page_size=100", headers={"X-API-Key": PREVIEW_KEY})
    assert preview.headers["Cache-Control"] == PRIVATE
    body = preview.get_json()
    assert DRAFT in {g["slug"] for g in body["upserted"]}
    crossed = _normal(site, f"/v1/sync?token={body['sync_token']}")
    assert crossed.status_code == 410 and DRAFT not in crossed.get_data(as_text=True)
    preview_export = site.get("/v1/export", headers={"X-API-Key": PREVIEW_KEY})
    assert DRAFT in preview_export.get_data(as_text=True) and preview_export.headers["Cache-Control"] == PRIVATE


def test_a_preview_token_opens_the_preview_privately(site) -> None:
    token = make_token(SECRET)
    for key in ({}, {"X-API-Key": NORMAL_KEY}):
        resp = site.get(f"/v1/guides/{DRAFT}", headers={"X-Preview-Token": token, **key})
        assert resp.status_code == 200 and resp.get_json()["slug"] == DRAFT
        assert resp.headers["Cache-Control"] == PRIVATE and resp.headers["X-Preview"] == "true"
        found = site.get(f"/v1/search?q={WORD}", headers={"X-Preview-Token": token, **key})
        assert DRAFT in found.get_data(as_text=True)


def test_a_token_for_one_guide_opens_that_guide_only(site) -> None:
    token = make_token(SECRET, DRAFT)
    assert site.get(f"/v1/guides/{DRAFT}", headers={"X-Preview-Token": token}).status_code == 200
    sections = site.get(f"/v1/guides/{DRAFT}/sections", headers={"X-Preview-Token": token})
    assert sections.status_code == 200
    elsewhere = site.get(f"/v1/search?q={WORD}", headers={"X-Preview-Token": token})
    assert elsewhere.status_code == 401 and elsewhere.get_json()["status"] == 401


def test_an_expired_or_tampered_preview_token_is_a_401_in_the_error_shape(site, monkeypatch) -> None:
    real = time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() - 2 * 3600)  # made two hours ago
    old = make_token(SECRET, DRAFT)
    monkeypatch.setattr(itsdangerous.timed.time, "time", real)
    good = make_token(SECRET, DRAFT)
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    forged = make_token("another-secret-key-000000000000", DRAFT)
    for token, says in ((old, "expired"), (tampered, "not valid"), (forged, "not valid"), ("junk", "not valid")):
        resp = site.get(f"/v1/guides/{DRAFT}", headers={"X-Preview-Token": token})
        body = resp.get_json()
        assert resp.status_code == 401, token
        assert set(body) >= {"status", "title", "detail"} and says in body["detail"]
        assert DRAFT not in resp.get_data(as_text=True).replace(f"'{DRAFT}'", "")  # no content
        assert resp.headers["Cache-Control"] == "no-store"


def test_content_responses_carry_cache_tags_and_every_keyed_answer_varies_by_the_token(site) -> None:
    resp = _normal(site, f"/v1/guides/{QUIET}")
    assert resp.headers["Cache-Tag"] == f"lp,lp-guide-{QUIET}"
    assert resp.headers["Surrogate-Key"] == f"lp lp-guide-{QUIET}"
    assert "X-Preview-Token" in resp.headers["Vary"] and "X-Preview" not in resp.headers
    assert _normal(site, "/v1/collections/limits").headers["Cache-Tag"] == "lp,lp-collection-limits"
    assert _normal(site, "/v1/guides?page_size=5").headers["Cache-Tag"] == "lp,lp-list"
    assert "Cache-Tag" not in site.get("/v1/health").headers


def test_a_published_guide_may_not_link_to_a_draft(syn_content_dir) -> None:
    linking = linked_md("links-to-draft").replace(f"(guide:{QUIET})", f"(guide:{DRAFT})")
    assert f"(guide:{DRAFT})" in linking
    root = syn_content_dir({f"guides/{DRAFT}.md": draft_md(), "guides/links-to-draft.md": linking})
    _corpus, problems = load_corpus(root)
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1, errors
    p = errors[0]
    assert p.file.endswith("guides/links-to-draft.md") and p.line and p.field == "read-next"
    assert DRAFT in p.reason and "draft: true" in p.reason
    # a draft may link to a draft, and to published guides
    root2 = Path(str(root))
    (root2 / "guides" / "links-to-draft.md").write_text(
        linking.replace("byline: Written by the tests.\n", "byline: Written by the tests.\ndraft: true\n"),
        encoding="utf-8",
    )
    _corpus, problems = load_corpus(root2)
    assert not [p for p in problems if p.severity == "error"]


def test_publish_at_needs_a_time_zone(syn_content_dir) -> None:
    root = syn_content_dir({f"guides/{DRAFT}.md": draft_md(front="publish_at: 2026-12-24T09:00:00")})
    _corpus, problems = load_corpus(root)
    errors = [p for p in problems if p.severity == "error"]
    assert [(p.field, "time zone" in p.reason) for p in errors] == [("publish_at", True)]
    lines = (root / "guides" / f"{DRAFT}.md").read_text().splitlines()
    assert lines[errors[0].line - 1].startswith("publish_at:")


def test_the_preview_token_command_makes_a_token_that_opens_the_draft(site) -> None:
    runner = site.application.test_cli_runner()
    made = runner.invoke(args=["content", "preview-token", DRAFT])
    assert made.exit_code == 0, made.output
    token = made.stdout.splitlines()[0]
    assert site.get(f"/v1/guides/{DRAFT}", headers={"X-Preview-Token": token}).status_code == 200
    assert runner.invoke(args=["content", "preview-token", "no-such-guide"]).exit_code == 1


def test_a_url_slug_that_is_no_slug_is_never_a_tag(site) -> None:
    resp = _normal(site, "/v1/collections/%C3%816%1A%F0%9F%A6%86")
    assert resp.status_code == 404 and resp.headers["Cache-Tag"] == "lp"


def test_the_spec_documents_the_preview_token_and_its_401_on_every_gated_operation() -> None:
    from api.partners import PUBLIC_ENDPOINTS

    app = create_app({"TESTING": True})
    spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    assert spec["components"]["securitySchemes"]["PreviewToken"] == {
        **spec["components"]["securitySchemes"]["PreviewToken"],
        "type": "apiKey",
        "in": "header",
        "name": "X-Preview-Token",
    }
    assert {"PreviewToken": []} in spec["security"] and {} in spec["security"]  # optional, alone or with a key
    error = spec["components"]["responses"]["NOT_AUTHORIZED"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}
    public = {str(r.rule) for r in app.url_map.iter_rules() if r.endpoint in PUBLIC_ENDPOINTS}  # (no parameters)
    assert "/v1/health" in public and "/v1/guides/{slug}" in spec["paths"]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method == "parameters":
                continue
            if path in public:
                assert "PreviewToken" not in json.dumps(op.get("security")), path  # no gate: the token is not read
            else:
                assert op["responses"]["401"] == {"$ref": "#/components/responses/NOT_AUTHORIZED"}, (method, path)


def test_a_browser_may_send_a_preview_token_cross_origin(site) -> None:
    origin = "https://app.example"
    asked = {"Origin": origin, "Access-Control-Request-Method": "GET"}
    pre = site.options(f"/v1/guides/{DRAFT}", headers={**asked, "Access-Control-Request-Headers": "x-preview-token"})
    assert pre.status_code == 204 and pre.headers["Access-Control-Allow-Origin"] == origin
    allowed = {h.strip().lower() for h in pre.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"x-preview-token", "x-api-key"} <= allowed
    resp = site.get(f"/v1/guides/{DRAFT}", headers={"Origin": origin, "X-Preview-Token": make_token(SECRET)})
    assert resp.status_code == 200 and resp.headers["Access-Control-Allow-Origin"] == origin
    assert "X-Preview" in resp.headers["Access-Control-Expose-Headers"]  # the page can tell it is a preview


def test_ready_says_the_preview_state_and_its_release_to_operators_only(site, tmp_path) -> None:
    store = Path(site.application.config["RELEASE_STORE"])
    keys = write_preview_keys(tmp_path / "keys.yaml", PREVIEW_KEY, NORMAL_KEY, operator_key=OPERATOR_KEY)

    def ready(client, key: str | None = None) -> dict:
        return client.get("/v1/ready", headers={"X-API-Key": key} if key else {}).get_json()["preview"]

    client = create_app({"TESTING": True, "RELEASE_STORE": str(store), "PARTNER_KEYS_FILE": str(keys)}).test_client()
    assert ready(client) == {"loaded": False, "fetched": True, "version": None, "error": None}
    assert client.get(f"/v1/guides/{DRAFT}", headers={"X-API-Key": PREVIEW_KEY}).status_code == 200
    assert ready(client) == {"loaded": True, "fetched": True, "version": None, "error": None}
    preview_id = preview_store(ReleaseStore(store)).current_id()
    assert ready(client, OPERATOR_KEY)["version"] == preview_id is not None
    assert preview_id != client.get("/v1/ready").get_json()["content_version"]
    # a preview release that cannot be opened: everyone learns that, operators why
    broken = tmp_path / "broken"
    shutil.copytree(store, broken)
    (broken / "preview" / "current").write_text("00099_0000000000000000\n")
    client = create_app({"TESTING": True, "RELEASE_STORE": str(broken), "PARTNER_KEYS_FILE": str(keys)}).test_client()
    assert client.get(f"/v1/guides/{DRAFT}", headers={"X-API-Key": PREVIEW_KEY}).status_code == 503
    public, ops = ready(client), ready(client, OPERATOR_KEY)
    assert public["loaded"] is False and public["error"] and "00099" not in public["error"]
    assert "00099" in ops["error"] and ops["version"] == "00099_0000000000000000"


def test_a_preview_request_before_any_preview_release_is_a_private_503(tmp_path: Path) -> None:
    """Every store has its preview chain (api/state.py `State.preview`); before a publish it is empty."""
    keys = write_preview_keys(tmp_path / "keys.yaml", PREVIEW_KEY, NORMAL_KEY)
    app = create_app({"TESTING": True, "RELEASE_STORE": str(tmp_path / "empty"), "PARTNER_KEYS_FILE": str(keys)})
    r = app.test_client().get("/v1/guides", headers={"X-API-Key": PREVIEW_KEY})
    assert r.status_code == 503 and r.get_json()["detail"].startswith("There is no preview release yet")
    assert r.headers["Cache-Control"] == PRIVATE
