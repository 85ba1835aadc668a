"""The early answers (api/early.py) are the view's: a repeat GET's 200 and a revalidation's 304 carry
the same status, bytes and headers (in their order) as when the view and every after-hook made them,
for each coding, for an anonymous caller, a scoped partner key from its browser origin (CORS, rate
limits), a preview token and a preview key (private, no cache tags)."""

from __future__ import annotations

import json

import pytest

import api.http
from api import cachetags, partners, preview
from api.app import create_app
from api.early import CONTENT_HOOKS
from api.hooks import HOOKS
from api.partner_keys import hash_key
from api.preview import make_token
from api.releases import ReleaseStore, publish
from tests.conftest import SECRET
from tests.synthetic import QUIET, QUIET_SCRIPTS, write_corpus

SITE_KEY = "test-site-key-000000000000001"
EDITOR_KEY = "test-editor-key-0000000000001"
ORIGIN = "https://partner.example"
# Their values are the request's own (its id, its rate-limit count): compared by name only.
PER_REQUEST = ("X-Request-ID", "RateLimit-Remaining", "RateLimit-Reset")
CALLERS = {
    "anonymous": {},
    "partner key": {"X-API-Key": SITE_KEY, "Origin": ORIGIN},
    "preview token": {"X-Preview-Token": make_token(SECRET)},
    "preview key": {"X-API-Key": EDITOR_KEY},
}
URLS = (f"/v1/guides/{QUIET}", f"/v1/guides/{QUIET}?render=json", "/v1/guides", f"/v1/scripts/{QUIET_SCRIPTS[1]}")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("early")
    write_corpus(tmp / "content")
    publish(tmp / "content", ReleaseStore(tmp / "store"))
    keys = {
        "anonymous": {"allowed": True},
        "keys": [
            {
                "name": "site",
                "sha256": hash_key(SITE_KEY),
                "collections": ["first-steps", "limits"],
                "origins": [ORIGIN],
                "limit": "100000/minute",
            },
            {"name": "editor", "sha256": hash_key(EDITOR_KEY), "collections": "all", "preview": True},
        ],
    }
    (tmp / "keys.yaml").write_text(json.dumps(keys), encoding="utf-8")  # JSON is YAML
    return create_app(
        {"TESTING": True, "RELEASE_STORE": str(tmp / "store"), "PARTNER_KEYS_FILE": str(tmp / "keys.yaml")}
    )


def _forget(app) -> None:
    """Nothing remembered in either release: the next answer is the view's."""
    lp = app.extensions["lp"]
    for served in (lp.served, lp.preview):
        if served.release is not None:
            served.release.local.clear()


def _same(view, early) -> None:
    assert view.status_code == early.status_code and view.data == early.data
    assert [k for k, _ in view.headers] == [k for k, _ in early.headers]
    assert [h for h in view.headers if h[0] not in PER_REQUEST] == [h for h in early.headers if h[0] not in PER_REQUEST]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("caller", list(CALLERS))
def test_the_early_304_and_200_are_the_views(app, monkeypatch, caller, url) -> None:
    client = app.test_client()
    built = []
    real = api.http.ResponseCache.get_or_build
    monkeypatch.setattr(api.http.ResponseCache, "get_or_build", lambda *a, **k: built.append(1) or real(*a, **k))
    for coding in (None, "gzip", "br"):
        headers = {**CALLERS[caller], **({"Accept-Encoding": coding} if coding else {})}
        _forget(app)
        view_200 = client.get(url, headers=headers)
        assert view_200.status_code == 200, view_200.data
        views = len(built)
        early_200 = client.get(url, headers=headers)
        assert len(built) == views, "the second 200 went through the view"
        _same(view_200, early_200)

        revalidate = {**headers, "If-None-Match": view_200.headers["ETag"]}
        _forget(app)
        view_304 = client.get(url, headers=revalidate)
        assert view_304.status_code == 304 and len(built) == views + 1, "the first 304 is the view's"
        early_304 = client.get(url, headers=revalidate)
        assert len(built) == views + 1, "the second 304 went through the view"
        _same(view_304, early_304)
        assert early_304.data == b"" and "Content-Type" not in early_304.headers


def test_what_the_callers_see_differs_as_before(app) -> None:
    """The early answers keep each caller's own headers: CORS and rate limits for the partner key,
    private and untagged for the preview, the same Vary for everyone."""
    client = app.test_client()
    url = f"/v1/guides/{QUIET}"
    seen = {}
    for caller, headers in CALLERS.items():
        etag = client.get(url, headers=headers).headers["ETag"]
        seen[caller] = client.get(url, headers={**headers, "If-None-Match": etag}).headers  # early
    assert {h["Vary"] for h in seen.values()} == {"Accept-Encoding, X-Preview-Token, X-API-Key, Origin"}
    assert seen["partner key"]["Access-Control-Allow-Origin"] == ORIGIN and "RateLimit-Limit" in seen["partner key"]
    assert "Access-Control-Allow-Origin" not in seen["anonymous"] and "Cache-Tag" in seen["anonymous"]
    for caller in ("preview token", "preview key"):
        assert seen[caller]["Cache-Control"] == "private, no-store" and seen[caller]["X-Preview"] == "true"
        assert "Cache-Tag" not in seen[caller] and "Surrogate-Key" not in seen[caller]
    assert seen["partner key"]["X-Content-Version"] != seen["anonymous"]["X-Content-Version"]  # its scope's


def test_the_content_hooks_run_in_the_order_flask_runs_the_after_hooks() -> None:
    """api/early.py runs the hooks' content header code in its own list: it keeps api/hooks.py's order."""
    after = [row[1] for row in reversed(HOOKS) if not isinstance(row, str) and row[1] is not None]
    assert CONTENT_HOOKS == (cachetags.tag, preview.mark, partners.vary)  # partners.vary: decorate's Vary
    positions = [after.index(hook) for hook in (cachetags.tag, preview.mark, partners.decorate)]
    assert positions == sorted(positions)
