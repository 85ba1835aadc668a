"""Shared fixtures: the real content, an app over it, a test client, and a content folder from a dict."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from api.app import create_app
from api.config import ROOT
from api.content import Corpus, load_corpus
from search_index import build_index

CONTENT = ROOT / "content"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session", autouse=True)
def _sync_journal(tmp_path_factory: pytest.TempPathFactory):
    """Apps made by tests record content versions in a journal of their own, not in .cache/."""
    import os

    old = os.environ.get("LP_SYNC_JOURNAL")
    os.environ["LP_SYNC_JOURNAL"] = str(tmp_path_factory.mktemp("sync") / "sync-journal.jsonl")
    yield
    if old is None:
        os.environ.pop("LP_SYNC_JOURNAL", None)
    else:
        os.environ["LP_SYNC_JOURNAL"] = old


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    c, problems = load_corpus(CONTENT)
    assert not [p for p in problems if p.severity == "error"], problems
    return c


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory):
    cache = tmp_path_factory.mktemp("cache") / "content.pickle"
    return create_app({"TESTING": True, "CONTENT_CACHE": str(cache)})


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
def search_app(tmp_path_factory: pytest.TempPathFactory, corpus: Corpus):
    """An app whose SEARCH_INDEX_DIR holds the real content's index (API and property tests share it)."""
    root = tmp_path_factory.mktemp("search-index")
    build_index(corpus, root)
    cache = tmp_path_factory.mktemp("search-cache") / "content.pickle"
    return create_app({"TESTING": True, "CONTENT_CACHE": str(cache), "SEARCH_INDEX_DIR": str(root)})
