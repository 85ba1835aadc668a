"""GET /v1/embed/lp-search.js: the partner search embed's script (api/embed.py, api/static/lp-search.js).
Its behaviour in a real browser is tested in tests/browser/test_embed.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from api.app import create_app
from api.embed import SCRIPT
from api.partner_keys import hash_key

URL = "/v1/embed/lp-search.js"


@pytest.fixture()
def keyed(tmp_path: Path):
    """Anonymous access off: everything else needs a key, the script must not."""
    keys = tmp_path / "keys.yaml"
    keys.write_text(
        yaml.safe_dump(
            {
                "anonymous": {"allowed": False},
                "keys": [
                    {
                        "name": "p",
                        "sha256": hash_key("embed-test-key-00000001"),
                        "collections": "all",
                        "origins": ["https://partner.example"],
                        "limit": "1/minute",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    return create_app(
        {"TESTING": True, "CONTENT_CACHE": str(tmp_path / "c.pickle"), "PARTNER_KEYS_FILE": str(keys)}
    ).test_client()


def test_served_as_javascript_with_a_strong_etag_and_cache_control(client) -> None:
    r = client.get(URL)
    assert r.status_code == 200
    assert r.mimetype == "text/javascript"
    assert r.data == SCRIPT.read_bytes()
    assert re.fullmatch(r'"[0-9a-f]{32}"', r.headers["ETag"])  # strong: no W/
    assert r.headers["Cache-Control"].startswith("public, max-age=")
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["X-Content-Type-Options"] == "nosniff"

    again = client.get(URL, headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == r.headers["ETag"]
    assert client.get(URL, headers={"If-None-Match": '"other"'}).status_code == 200


def test_needs_no_key_and_is_not_rate_limited(keyed) -> None:
    assert keyed.get("/v1/guides").status_code == 401
    for _ in range(3):  # over the key's 1/minute, from a partner page
        r = keyed.get(URL, headers={"Origin": "https://anywhere.example"})
        assert r.status_code == 200
        assert "RateLimit-Limit" not in r.headers


def test_errors_keep_the_json_shape(client) -> None:
    r = client.post(URL)
    assert r.status_code == 405 and r.get_json()["status"] == 405
    r = client.get(URL + "?v=2")
    assert r.status_code == 422 and r.get_json()["errors"]["query"] == {"v": ["Unknown field."]}
    assert client.get("/static/lp-search.js").status_code == 404  # one URL for the script


def test_only_the_servers_escaped_snippet_is_inserted_as_html() -> None:
    js = SCRIPT.read_text(encoding="utf-8")
    sinks = re.findall(r"\.(innerHTML|outerHTML|insertAdjacentHTML)\b|\beval\(|document\.write|new Function", js)
    assert sinks == ["innerHTML"], sinks
    assert re.search(r"snippet\.innerHTML = .*hit\.snippet\.html", js)


def test_documented_as_javascript_in_the_spec(client) -> None:
    op = client.get("/v1/openapi.json").get_json()["paths"][URL]["get"]
    assert list(op["responses"]["200"]["content"]) == ["text/javascript"]
    assert {"ETag", "Cache-Control"} <= set(op["responses"]["200"]["headers"])
