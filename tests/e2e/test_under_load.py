"""Under load on real gunicorn: two publishes and a stopped worker, zero failed or mixed responses."""

from __future__ import annotations

import shutil

import pytest

from tests.e2e.load_under_change import run
from tests.e2e.server import ROOT

pytestmark = pytest.mark.e2e


def test_zero_failures_and_one_version_per_response_under_change(tmp_path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    result = run(tmp_path, content, seconds=10.0, threads=4)
    assert result["requests"] > 200, result
    assert result["failures"] == [], result["failures"][:5]
    assert result["inconsistent"] == [], result["inconsistent"][:5]
    assert result["versions_seen"] == 3, result  # every published version was actually served
    assert result["worker_respawned"]
