"""Shared fixtures: the real content published as a release, an app over it, a test client, and a
content folder from a dict (with `publish_app` to publish it into a store of its own)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from api.app import create_app
from api.config import ROOT
from api.content import Corpus, load_corpus
from api.releases import ReleaseStore, publish

pytest_plugins = ["tests.synthetic"]  # the synthetic corpus and its fixtures (syn_app, syn_client, ...)

# The real content, or a copy of it under LP_CONTENT_DIR (tests/unit/test_editor_day.py runs the
# API tests on an edited copy that way).
CONTENT = Path(os.environ.get("LP_CONTENT_DIR") or ROOT / "content")
FIXTURES = Path(__file__).parent / "fixtures"


SECRET = "test-secret-key-0000000000000000"


@pytest.fixture(scope="session", autouse=True)
def _release_store(tmp_path_factory: pytest.TempPathFactory):
    """The real content published once into a store of the session's own (never .cache/), and a
    secret: every app a test makes (and every gunicorn an e2e test starts) serves it by default."""
    import os

    store = tmp_path_factory.mktemp("releases")
    publish(CONTENT, ReleaseStore(store))
    saved = {k: os.environ.get(k) for k in ("LP_RELEASE_STORE", "LP_SECRET_KEY", "LP_EXPORT_DIR")}
    exports = tmp_path_factory.mktemp("exports")
    os.environ.update(LP_RELEASE_STORE=str(store), LP_SECRET_KEY=SECRET, LP_EXPORT_DIR=str(exports))
    yield store
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def publish_app(content: Path, store: Path, **config):
    """Publish a content folder into `store` (errors are left unpublished), then an app over it."""
    from api.content import ContentInvalid

    try:
        publish(content, ReleaseStore(store))
    except ContentInvalid:
        pass
    return create_app({"TESTING": True, "CONTENT_DIR": str(content), "RELEASE_STORE": str(store), **config})


OPERATOR_KEY = "test-operator-key-0000000001"  # `operator: true`: sees /v1/ready's details


def operator_keys_file(path: Path) -> Path:
    """A partner keys file: anonymous callers as without one, and one operator key (OPERATOR_KEY)."""
    from api.partner_keys import hash_key

    keys = {"keys": [{"name": "ops", "sha256": hash_key(OPERATOR_KEY), "collections": "all", "operator": True}]}
    path.write_text(json.dumps(keys), encoding="utf-8")  # JSON is YAML
    return path


def write_preview_keys(path: Path, preview_key: str, normal_key: str, operator_key: str | None = None) -> Path:
    """A partner keys file for the preview tests: anonymous callers allowed (from any origin), an
    editor key that reads the preview (`preview: true`) and a site key, both seeing every collection;
    and an operator key (`operator: true`) when one is given."""
    from api.partner_keys import hash_key

    keys: dict = {
        "anonymous": {"allowed": True},
        "keys": [
            {"name": "editor", "sha256": hash_key(preview_key), "collections": "all", "preview": True},
            {"name": "site", "sha256": hash_key(normal_key), "collections": "all"},
        ],
    }
    if operator_key is not None:
        keys["keys"].append({"name": "ops", "sha256": hash_key(operator_key), "collections": "all", "operator": True})
    path.write_text(json.dumps(keys), encoding="utf-8")  # JSON is YAML
    return path


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    c, problems = load_corpus(CONTENT)
    assert not [p for p in problems if p.severity == "error"], problems
    return c


@pytest.fixture(scope="session")
def real_app():
    """An app over the real content's release (the session's store)."""
    return create_app({"TESTING": True})


@pytest.fixture()
def app(request: pytest.FixtureRequest):
    """The app over the real content; over the synthetic corpus (`syn_app`) in a test module that
    says `pytestmark = pytest.mark.synthetic` (behaviour, not content: tests/synthetic.py)."""
    return request.getfixturevalue("syn_app" if request.node.get_closest_marker("synthetic") else "real_app")


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def content_dir(tmp_path: Path):
    """A copy of the real content folder that a test may change."""

    def make(files: dict[str, str | bytes] | None = None, remove: tuple[str, ...] = ()) -> Path:
        root = tmp_path / "content"
        if not root.exists():
            shutil.copytree(CONTENT, root, ignore=shutil.ignore_patterns("README.md"))
        for rel in remove:
            (root / rel).unlink()
        for rel, data in (files or {}).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data, encoding="utf-8")
        return root

    return make


@pytest.fixture(scope="session")
def search_app():
    """An app over the real content's release, search index included (API and property tests share it)."""
    return create_app({"TESTING": True})
