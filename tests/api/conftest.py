"""Search fixtures for API tests: an app whose SEARCH_INDEX_DIR holds the real content's index."""

from __future__ import annotations

import pytest

from api.app import create_app
from api.content import Corpus
from search_index import build_index


@pytest.fixture(scope="session")
def search_app(tmp_path_factory: pytest.TempPathFactory, corpus: Corpus):
    root = tmp_path_factory.mktemp("search-index")
    build_index(corpus, root)
    cache = tmp_path_factory.mktemp("search-cache") / "content.pickle"
    return create_app({"TESTING": True, "CONTENT_CACHE": str(cache), "SEARCH_INDEX_DIR": str(root)})


@pytest.fixture()
def search_client(search_app):
    return search_app.test_client()
