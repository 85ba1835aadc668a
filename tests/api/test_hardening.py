"""Issue 19, defects 8, 11 and 12: what /v1/ready shows, the work one request can cause, and what a
scoped key can learn about content it cannot see."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from api.partner_keys import PartnerKeys, PartnerKeysInvalid, hash_key
from tests.conftest import OPERATOR_KEY, publish_app
from tests.synthetic import LIMITS, MISSING, SLUGS, UNSAFE

# The synthetic corpus (tests/synthetic.py): the narrow key sees first-steps (QUIET, MISSING) only.
BROKEN = f"---\nslug: {LIMITS}\ntitle: [unclosed\n---\n"
SCOPE = "first-steps"
NARROW = "test-key-narrow-first-steps-01"  # the first-steps collection only
PLAIN = "test-key-plain-everything-002"  # every collection, not an operator


def _keys(path: Path) -> Path:
    entries = [
        {"name": "ops", "sha256": hash_key(OPERATOR_KEY), "collections": "all", "operator": True},
        {"name": "narrow", "sha256": hash_key(NARROW), "collections": [SCOPE]},
        {"name": "plain", "sha256": hash_key(PLAIN), "collections": "all"},
    ]
    path.write_text(yaml.safe_dump({"keys": entries}), encoding="utf-8")
    return path


def _refused(syn_content_dir, tmp_path: Path):
    """An app whose last publish was refused (a guide outside the narrow key's scope is broken)."""
    root = syn_content_dir()
    store = tmp_path / "store"
    publish_app(root, store)
    (root / "guides" / f"{LIMITS}.md").write_text(BROKEN)
    return publish_app(root, store, PARTNER_KEYS_FILE=str(_keys(tmp_path / "keys.yaml")))


# -- defect 8: /v1/ready ---------------------------------------------------------------------------
def test_ready_shows_counts_to_everyone_and_details_only_to_an_operator(syn_content_dir, tmp_path, caplog) -> None:
    client = _refused(syn_content_dir, tmp_path).test_client()
    with caplog.at_level(logging.WARNING, logger="api.meta"):
        for headers in ({}, {"X-API-Key": NARROW}, {"X-API-Key": PLAIN}):
            r = client.get("/v1/ready", headers=headers)
            body = r.get_json()
            assert r.status_code == 200 and body["content_stale"] is True
            assert body["problem_count"] >= 1 and body["last_publish"]["error_count"] == body["problem_count"]
            assert body["problems"] == [] and body["last_publish"]["errors"] == []
            # neither a file path nor the slug of a guide outside the narrow key's scope
            assert LIMITS not in r.get_data(as_text=True) and ".md" not in r.get_data(as_text=True)
    # ... but the log has the details, once
    logged = [rec.getMessage() for rec in caplog.records if "refused" in rec.getMessage()]
    assert len(logged) == 1 and f"content/guides/{LIMITS}.md" in logged[0]
    ops = client.get("/v1/ready", headers={"X-API-Key": OPERATOR_KEY}).get_json()
    assert any(f"content/guides/{LIMITS}.md" in p for p in ops["problems"])
    assert any(f"content/guides/{LIMITS}.md" in e for e in ops["last_publish"]["errors"])
    assert ops["problem_count"] == len(ops["last_publish"]["errors"])


def test_ready_is_no_place_to_guess_keys(syn_content_dir, tmp_path) -> None:
    client = _refused(syn_content_dir, tmp_path).test_client()
    assert client.get("/v1/ready", headers={"X-API-Key": " "}).status_code == 401
    statuses = [
        client.get("/v1/ready", headers={"X-API-Key": f"guess-{i:04d}-xxxxxxxxxxxxxx"}).status_code for i in range(25)
    ]
    assert statuses[:20] == [401] * 20 and set(statuses[20:]) == {429}
    # over the limit, even the right key learns nothing until the window ends
    assert client.get("/v1/ready", headers={"X-API-Key": OPERATOR_KEY}).status_code == 429
    assert client.get("/v1/ready").status_code == 200  # a probe without a key is never refused


def test_operator_must_be_true_or_false() -> None:
    entry = {"name": "ops", "sha256": hash_key(OPERATOR_KEY), "collections": "all", "operator": "yes"}
    with pytest.raises(PartnerKeysInvalid, match=r"keys\[0\] \(ops\)\.operator: expected true or false"):
        PartnerKeys.parse({"keys": [entry]})


# -- defect 11: the whole graph in pages ------------------------------------------------------------
def test_the_whole_graph_comes_in_pages_that_add_up_to_it(syn_client) -> None:
    client = syn_client
    whole = client.get("/v1/graph").get_json()
    assert whole["page"] == 1 and whole["pages"] == 1 and whole["guides"] == len(SLUGS)  # one page of up to 1,000
    seen_edges: list[str] = []
    listed: set[str] = set()
    pages = client.get("/v1/graph?page_size=2").get_json()["pages"]
    assert pages == -(-whole["guides"] // 2)
    for page in range(1, pages + 1):
        body = client.get(f"/v1/graph?page_size=2&page={page}").get_json()
        ids = {n["id"] for n in body["nodes"]}
        assert all(e["source"] in ids and e["target"] in ids for e in body["edges"])
        sources = {e["source"] for e in body["edges"] if e["source"].startswith("guide:")}
        assert len(sources) <= 2 and not sources & listed  # each guide's edges on its own page only
        listed |= sources
        seen_edges += [e["id"] for e in body["edges"]]
    assert sorted(seen_edges) == sorted(e["id"] for e in whole["edges"])  # each edge once
    assert client.get("/v1/graph?page_size=1001").status_code == 422


# -- defect 12: a scope's own version ---------------------------------------------------------------
def test_a_scopes_version_changes_with_its_own_content_only(syn_content_dir, tmp_path, monkeypatch) -> None:
    import api.releases
    from api.app import create_app

    monkeypatch.setattr(api.releases.served, "CHECK_INTERVAL", 0.0)
    root = syn_content_dir()
    store = tmp_path / "store"
    client = publish_app(root, store, PARTNER_KEYS_FILE=str(_keys(tmp_path / "keys.yaml"))).test_client()
    editor = create_app({"TESTING": True, "CONTENT_DIR": str(root), "RELEASE_STORE": str(store)}).test_cli_runner()
    narrow = {"X-API-Key": NARROW}

    def versions() -> tuple[str, str]:
        scoped = client.get("/v1/guides", headers=narrow)
        found = client.get("/v1/search?q=quiet", headers=narrow).get_json()
        assert found["index_version"] == scoped.headers["X-Content-Version"]
        return scoped.headers["X-Content-Version"], client.get("/v1/guides").headers["X-Content-Version"]

    def edit(slug: str) -> None:
        path = root / "guides" / f"{slug}.md"
        path.write_text(path.read_text().replace('title: "', 'title: "Edited ', 1))
        result = editor.invoke(args=["content", "publish"])
        assert result.exit_code == 0, result.output

    before = versions()
    edit(UNSAFE)  # staying-safe: outside the narrow key's scope
    assert client.get(f"/v1/guides/{UNSAFE}").get_json()["title"].startswith("Edited ")
    hidden_edited = versions()
    assert hidden_edited[1] != before[1]  # the release changed ...
    assert hidden_edited[0] == before[0]  # ... but not what the narrow key can see
    edit(MISSING)  # in the narrow key's collection
    assert versions()[0] != before[0]


# -- defect 11: one-letter suggestions under a scope ------------------------------------------------
def test_one_letter_suggestions_under_a_scope_read_no_postings(tmp_path, syn_app, monkeypatch, syn_corpus) -> None:
    from api.app import create_app
    from search_index.engine import OpenIndex

    corpus = syn_corpus
    synthetic = {k: syn_app.config[k] for k in ("CONTENT_DIR", "RELEASE_STORE")}
    app = create_app({"TESTING": True, "PARTNER_KEYS_FILE": str(_keys(tmp_path / "keys.yaml")), **synthetic})
    client = app.test_client()
    anyone = client.get("/v1/suggest?q=q&limit=10").get_json()["items"]
    assert any(i["type"] == "term" for i in anyone)  # unscoped, a letter still completes to words

    def postings_read(*_a, **_kw):
        raise AssertionError("a one-letter prefix under a scope read postings")

    monkeypatch.setattr(OpenIndex, "in_scope", postings_read)
    # the first letters of the scope's guide titles, whatever an editor makes them
    letters = sorted({g.title[0].lower() for g in corpus.guides.values() if g.collection == SCOPE})
    assert len(letters) >= 2
    for letter in letters:
        r = client.get(f"/v1/suggest?q={letter}&limit=10", headers={"X-API-Key": NARROW})
        items = r.get_json()["items"]
        assert r.status_code == 200 and items and all(i["type"] == "guide" for i in items)
    # three letters and more still complete to the scope's words
    monkeypatch.undo()
    longer = client.get("/v1/suggest?q=qui&limit=10", headers={"X-API-Key": NARROW}).get_json()["items"]
    assert any(i["type"] == "term" for i in longer)
