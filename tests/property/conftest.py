"""Property tests run the app in-process (Flask test client) over the real content and its search index."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def prop_app(search_app):
    """The same app as the API search tests (tests/conftest.py): one index build per session."""
    return search_app
