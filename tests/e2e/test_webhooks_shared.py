"""The webhooks on a shared release store (a shared directory, an S3 bucket through moto): a
deliverer on another machine than the publisher reads the releases from the shared store (pulled
into its own copy) and keeps its SQLite queue on its own disk, never on the shared volume."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from api.cli.webhooks import endpoints_or_exit, queue
from api.webhooks.deliver import Deliverer
from tests.e2e.load_under_change import set_revision
from tests.e2e.receiver import SECRET, Receiver, delivered
from tests.e2e.server import ROOT
from tests.e2e.test_release_store import app_for, publish, s3_bucket

pytestmark = pytest.mark.e2e


def hooks_file(tmp: Path, url: str) -> str:
    path = tmp / "webhooks.yaml"
    site = {"name": "site", "url": url, "secret": SECRET, "events": ["release.published"]}
    path.write_text(yaml.safe_dump({"endpoints": [site]}))
    return str(path)


def deliver_from_another_machine(tmp: Path, store: str) -> None:
    receiver = Receiver(tmp).start()
    try:
        content = tmp / "content"
        shutil.copytree(ROOT / "content", content)
        set_revision(content, 1)
        hooks = hooks_file(tmp, receiver.url)
        publisher = app_for(tmp, store, "publisher", WEBHOOKS_FILE=hooks)
        publish(publisher)
        machine = app_for(tmp, store, "deliverer", WEBHOOKS_FILE=hooks)  # its own RELEASE_CACHE
        with machine.app_context():
            deliverer = Deliverer(queue(), endpoints_or_exit(), retry_base=0.2, timeout=5)
            deliverer.round()  # starts after the live release
            set_revision(content, 2)
            second = publish(publisher)
            for _ in range(20):
                deliverer.round()
                if delivered(receiver.entries()):
                    break
        got = delivered(receiver.wait_for(lambda got: len(delivered(got)) >= 1, timeout=5))
        assert [e["body"]["data"]["version"] for e in got] == [second]
        assert "/v1/guides/closure-without-them" in got[0]["body"]["data"]["paths"]
        assert (tmp / "cache-deliverer" / "publisher" / "webhooks.sqlite3").is_file()  # its own disk
        log = machine.test_cli_runner().invoke(args=["webhooks", "log"]).output
        assert f"{second}" in log and "attempt 1: delivered 204" in log, log
    finally:
        receiver.stop()


def test_a_deliverer_on_a_shared_directory(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    deliver_from_another_machine(tmp_path, str(shared))
    assert not list(shared.rglob("webhooks*"))  # no SQLite on the shared volume


def test_a_deliverer_on_an_s3_bucket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with s3_bucket(tmp_path, monkeypatch) as store:
        deliver_from_another_machine(tmp_path, store)
    assert not (tmp_path / "s3:").exists()  # not a local folder named after the URL
