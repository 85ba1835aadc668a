"""The preview chain on replicas: two real gunicorn instances on one shared release store (a
directory, LP_RELEASE_SHARED=1), each with a local copy of its own (LP_RELEASE_CACHE), and a
publisher (`content publish`, its own copy too). A draft is read through a preview key and a
preview token on the instance that never published, and a draft edited and published again reaches
it there; normal keys still get a 404 on both.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from api.preview import make_token
from tests.conftest import write_preview_keys
from tests.e2e.server import ROOT, gunicorn

pytestmark = pytest.mark.e2e

SECRET = "replica-preview-secret-0000000000"
DRAFT = "replica-draft-guide"
PREVIEW_KEY = "replica-preview-key-000000000001"
NORMAL_KEY = "replica-normal-key-0000000000002"
FLASK = Path(sys.executable).parent / "flask"


def draft_md(word: str) -> str:
    from tests.api.test_sync import guide_md

    text = guide_md(DRAFT, "breakup-recovery", summary=f"A {word} draft nobody may see yet.", link="no-contact-rule")
    return text.replace("byline: Written by the tests.\n", "byline: Written by the tests.\ndraft: true\n", 1)


def get(base: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
    req = urllib.request.Request(base + path, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read() or b"null")


def publish(env: dict[str, str]) -> None:
    out = subprocess.run(
        [str(FLASK), "--app", "api.app", "content", "publish"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def first_sync(base: str, headers: dict[str, str]) -> tuple[set[str], str]:
    """Page through a first sync: the slugs upserted, and the sync token of its last page."""
    slugs: set[str] = set()
    path = "/v1/sync?page_size=100"
    while True:
        status, _, body = get(base, path, headers)
        assert status == 200, body
        slugs |= {g["slug"] for g in body["upserted"]}
        if body["next_token"] is None:
            return slugs, body["sync_token"]
        path = f"/v1/sync?token={body['next_token']}&page_size=100"


def summary_on(base: str, headers: dict[str, str], word: str, timeout: float = 30) -> dict[str, str]:
    """Wait until the draft reads with `word` in its summary (a replica fetches within a second or so)."""
    deadline = time.monotonic() + timeout
    while True:
        status, resp_headers, body = get(base, f"/v1/guides/{DRAFT}", headers)
        if status == 200 and word in body["summary"]:
            return resp_headers
        assert time.monotonic() < deadline, (status, body)
        time.sleep(0.3)


def test_a_replica_serves_the_preview_chain_of_a_shared_store(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content, ignore=shutil.ignore_patterns("README.md"))
    (content / "guides" / f"{DRAFT}.md").write_text(draft_md("zephyrine"), encoding="utf-8")
    keys = write_preview_keys(tmp_path / "keys.yaml", PREVIEW_KEY, NORMAL_KEY)
    shared = {
        "LP_CONTENT_DIR": str(content),
        "LP_CONTENT_CACHE": str(tmp_path / "content.pickle"),
        "LP_RELEASE_STORE": str(tmp_path / "shared"),
        "LP_RELEASE_SHARED": "1",
        "LP_SECRET_KEY": SECRET,
        "LP_PARTNER_KEYS_FILE": str(keys),
    }
    publisher = {**shared, "LP_RELEASE_CACHE": str(tmp_path / "cache-a")}
    publish(publisher)
    assert (tmp_path / "shared" / "preview" / "current").is_file()  # the preview chain went up too

    preview_key, normal = {"X-API-Key": PREVIEW_KEY}, {"X-API-Key": NORMAL_KEY}
    token = {"X-Preview-Token": make_token(SECRET, DRAFT)}
    with (
        gunicorn(workers=1, env=publisher, log=tmp_path / "a.log") as a,
        gunicorn(workers=2, env={**shared, "LP_RELEASE_CACHE": str(tmp_path / "cache-b")}, log=tmp_path / "b.log") as b,
    ):
        for base in (a, b):
            assert get(base, f"/v1/guides/{DRAFT}", normal)[0] == 404
        # the replica (b) never published: its preview chain comes from the shared store
        assert not (tmp_path / "cache-b" / "replica" / "preview" / "current").exists()
        for who in (preview_key, token):
            headers = summary_on(b, who, "zephyrine")
            assert headers["Cache-Control"] == "private, no-store" and headers["X-Preview"] == "true"
        local = tmp_path / "cache-b" / "replica" / "preview"
        assert (local / "current").is_file() and not (local / "releases").is_symlink()  # a copy of its own
        # a preview sync on the replica has the draft, and its token continues on the other
        # instance: one preview chain (one store id) on both; a normal key's sync refuses it
        slugs, sync_token = first_sync(b, preview_key)
        assert DRAFT in slugs
        assert get(a, f"/v1/sync?token={sync_token}", preview_key)[0] == 200
        assert get(a, f"/v1/sync?token={sync_token}", normal)[0] == 410

        # the draft edited and published again: the replica's preview follows, the published chain stays without it
        (content / "guides" / f"{DRAFT}.md").write_text(draft_md("quillwort"), encoding="utf-8")
        publish(publisher)
        for base in (b, a):
            summary_on(base, preview_key, "quillwort")
            assert get(base, f"/v1/guides/{DRAFT}", normal)[0] == 404
            assert get(base, "/v1/search?q=quillwort", normal)[2]["total"] == 0
            assert get(base, "/v1/search?q=quillwort", preview_key)[2]["total"] >= 1  # its search index too
