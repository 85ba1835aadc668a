"""Search fixtures for unit tests: the real content indexed once per session into a tmp dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.content import Corpus
from search_index import SearchEngine, build_index


@pytest.fixture(scope="session")
def search_root(tmp_path_factory: pytest.TempPathFactory, corpus: Corpus) -> Path:
    return build_index(corpus, tmp_path_factory.mktemp("search-index") / "ix")


@pytest.fixture(scope="session")
def search_engine(search_root: Path):
    engine = SearchEngine(search_root)
    yield engine
    engine.close()
