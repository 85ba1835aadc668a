"""A shared release store (api/release_store.py): a shared directory, and an S3-compatible bucket
served by moto's server mode on loopback (no real S3 is reachable here). A publisher sends a
release up; replicas with empty disks of their own download it, check it, open it and swap; a
replica that cannot fetch keeps its last good release and says so on /v1/ready.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from tests.conftest import OPERATOR_KEY, SECRET, operator_keys_file
from tests.e2e.load_under_change import set_revision
from tests.e2e.server import ROOT, listening_socket, port_of, stop

pytestmark = pytest.mark.e2e

GUIDE = "closure-without-them"


def app_for(tmp: Path, store: str, name: str, **extra: Any) -> Any:
    config = {
        "TESTING": True,
        "RELEASE_STORE": store,
        "RELEASE_SHARED": 1,
        "RELEASE_CACHE": str(tmp / f"cache-{name}"),
        "CONTENT_DIR": str(tmp / "content"),
        "CONTENT_CACHE": str(tmp / "content.pickle"),
        "SECRET_KEY": SECRET,
        **extra,
    }
    return create_app(config)


def publish(app: Any) -> str:
    result = app.test_cli_runner().invoke(args=["content", "publish"])
    assert result.exit_code == 0, result.output
    return re.search(r"published release (\w+)", result.output).group(1)


def title(app: Any) -> tuple[str, str]:
    resp = app.test_client().get(f"/v1/guides/{GUIDE}")
    return resp.headers["X-Content-Version"], resp.get_json()["title"]


def ready(app: Any) -> dict[str, Any]:
    return app.test_client().get("/v1/ready").get_json()


def swap(app: Any) -> None:
    """What a request does a second later: look at the store (api/current.py)."""
    served = app.extensions["lp"].served
    served._next_check = 0.0
    served.refresh()


@pytest.fixture()
def content(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path / "content"


def exercise(tmp: Path, content: Path, store: str) -> None:
    """Publish, serve on a replica with an empty disk, publish again, break the next bundle."""
    set_revision(content, 1)
    publisher = app_for(tmp, store, "publisher")
    first = publish(publisher)
    replica = app_for(tmp, store, "replica")
    assert title(replica)[0] == first and "[rev 1]" in title(replica)[1]
    status = ready(replica)
    assert status["ready"] and status["release_store"]["current"] and status["release_store"]["error"] is None
    assert not (tmp / "cache-replica" / "replica" / "releases" / first).is_symlink()  # a copy of its own
    # the preview chain went up with it and comes down on the replica: the same chain (one id)
    previews = [app.extensions["lp"].preview for app in (publisher, replica)]
    assert all(p.load() is not None for p in previews)
    assert previews[0].store.store_id() == previews[1].store.store_id() is not None
    assert (tmp / "cache-replica" / "replica" / "preview" / "current").is_file()

    set_revision(content, 2)
    second = publish(publisher)
    swap(replica)
    assert title(replica) == (second, title(replica)[1]) and "[rev 2]" in title(replica)[1]
    # a sync token from the replica continues on the publisher's copy: one chain, one store id
    token = replica.test_client().get("/v1/export").get_json()["sync_token"]
    assert publisher.test_client().get(f"/v1/sync?token={token}").status_code == 200


def corrupt_next(tmp: Path, content: Path, store: str, damage: Any) -> None:
    publisher = app_for(tmp, store, "publisher")
    replica = app_for(tmp, store, "replica")
    served_before = title(replica)[0]
    set_revision(content, 3)
    third = publish(publisher)
    damage(third)
    swap(replica)
    assert title(replica)[0] == served_before  # the last good release serves on
    status = ready(replica)
    assert status["ready"] and status["release_store"]["latest"] == third
    assert status["release_store"]["current"] is False and status["release_store"]["error"], status


def test_a_shared_directory(tmp_path: Path, content: Path) -> None:
    store = tmp_path / "shared"
    exercise(tmp_path, content, str(store))
    assert sorted(p.name for p in store.iterdir()) == [
        "bundles", "current", "lock", "manifests", "preview", "status.json", "store.json"
    ]  # fmt: skip
    assert sorted(p.name for p in (store / "preview").iterdir()) == ["bundles", "current", "manifests", "store.json"]

    def flip_a_byte(rid: str) -> None:
        tar = store / "bundles" / f"{rid}.tar"
        data = bytearray(tar.read_bytes())
        data[len(data) // 2] ^= 1
        tar.write_bytes(bytes(data))

    corrupt_next(tmp_path, content, str(store), flip_a_byte)
    late = app_for(tmp_path, str(store), "late", PARTNER_KEYS_FILE=str(operator_keys_file(tmp_path / "keys.yaml")))
    public = ready(late)["release_store"]  # anyone: that it lags, not where the store is or why
    assert public["current"] is False and public["error"] and public["location"] is None
    assert "ChecksumMismatch" not in public["error"]
    details = late.test_client().get("/v1/ready", headers={"X-API-Key": OPERATOR_KEY}).get_json()["release_store"]
    assert "ChecksumMismatch" in details["error"] and details["location"] == str(store)


def test_a_shared_store_requires_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="LP_SECRET_KEY is required"):
        app_for(tmp_path, str(tmp_path / "shared"), "x", SECRET_KEY="")
    with pytest.raises(RuntimeError, match="LP_SECRET_KEY is required"):
        app_for(tmp_path, "s3://bucket/lp", "x", SECRET_KEY="", RELEASE_SHARED=0)


@contextlib.contextmanager
def moto_server(tmp: Path) -> Iterator[str]:
    """moto's S3-compatible server on a free loopback port; yields its URL."""
    exe = Path(sys.executable).parent / "moto_server"
    for _attempt in range(5):
        with listening_socket() as probe:
            port = port_of(probe)
        with open(tmp / "moto.log", "ab") as log:
            proc = subprocess.Popen(
                [str(exe), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
            )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        if proc.poll() is None:
            break
    else:
        pytest.fail("moto_server found no free port in 5 tries")
    try:
        yield url
    finally:
        stop(proc)


@contextlib.contextmanager
def s3_bucket(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A bucket on moto's server, with this process's AWS settings pointing at it; yields the
    release store's URL in it."""
    import boto3

    with moto_server(tmp) as endpoint:
        for name, value in {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            monkeypatch.setenv(name, value)
        boto3.client("s3").create_bucket(Bucket="lp-releases")
        yield "s3://lp-releases/prod"


def test_an_s3_bucket_through_moto(tmp_path: Path, content: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    with s3_bucket(tmp_path, monkeypatch) as store:
        endpoint = os.environ["AWS_ENDPOINT_URL"]
        exercise(tmp_path, content, store)
        keys = sorted(o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="lp-releases")["Contents"])
        assert "prod/current" in keys and any(k.endswith(".sha256") for k in keys), keys
        replica = app_for(tmp_path, store, "replica")
        served = title(replica)[0]
    # the store gone (moto stopped): the replica serves on and says why
    swap(replica)
    assert title(replica)[0] == served
    status = ready(replica)["release_store"]
    assert status["error"] and status["latest"] is not None, status
    assert os.environ.get("AWS_ENDPOINT_URL") == endpoint
