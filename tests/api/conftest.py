"""Search fixtures for API tests (the app itself, `search_app`, is in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture()
def search_client(search_app):
    return search_app.test_client()
