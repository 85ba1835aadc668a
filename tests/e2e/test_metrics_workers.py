"""Prometheus metrics under real gunicorn are summed over all workers."""

from __future__ import annotations

import re
import urllib.request

import pytest

from tests.e2e.server import gunicorn

pytestmark = pytest.mark.e2e


def test_request_counts_are_summed_across_workers(tmp_path) -> None:
    env = {"LP_CONTENT_CACHE": str(tmp_path / "c.pickle")}
    with gunicorn(workers=2, env=env) as base:
        for _ in range(40):
            with urllib.request.urlopen(base + "/v1/scripts/i-just-need-closure", timeout=10) as r:
                assert r.status == 200
        with urllib.request.urlopen(base + "/v1/metrics", timeout=10) as r:
            text = r.read().decode()
    m = re.search(r'lp_requests_total\{endpoint="/v1/scripts/<script_id>",method="GET",status="200"\} ([\d.]+)', text)
    assert m and float(m.group(1)) == 40.0, text[:2000]
    assert text.count("lp_content_info{") >= 1
