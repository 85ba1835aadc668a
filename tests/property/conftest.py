"""Property tests run the app in-process (Flask test client) over the real content and its search index."""

from __future__ import annotations

import pytest

from api.app import create_app
from api.content import Corpus
from search_index import build_index


@pytest.fixture(scope="session")
def prop_app(tmp_path_factory: pytest.TempPathFactory, corpus: Corpus):
    root = tmp_path_factory.mktemp("prop-index")
    build_index(corpus, root)
    cache = tmp_path_factory.mktemp("prop-cache") / "content.pickle"
    return create_app({"TESTING": True, "CONTENT_CACHE": str(cache), "SEARCH_INDEX_DIR": str(root)})
