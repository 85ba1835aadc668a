"""Publish webhooks end to end: real `content publish` and `webhooks run` processes, and a real
receiver process that verifies every signature with the standardwebhooks package."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from api.config import ROOT
from tests.e2e.receiver import SECRET, Receiver, delivered
from tests.e2e.server import stop

pytestmark = pytest.mark.e2e

FLASK = str(Path(sys.executable).parent / "flask")
GUIDE = "closure-without-them"  # in breakup-recovery


class Site:
    """A content folder, a release store and a webhooks file, and the commands over them."""

    def __init__(self, tmp: Path, receiver: Receiver) -> None:
        self.content = tmp / "content"
        shutil.copytree(ROOT / "content", self.content, ignore=shutil.ignore_patterns("README.md"))
        hooks = tmp / "webhooks.yaml"
        hooks.write_text(
            yaml.safe_dump(
                {
                    "endpoints": [
                        {"name": "site", "url": receiver.url, "secret": SECRET, "events": ["release.published"]}
                    ]
                }
            )
        )
        self.env = {
            **os.environ,
            "LP_CONTENT_DIR": str(self.content),
            "LP_RELEASE_STORE": str(tmp / "store"),
            "LP_CONTENT_CACHE": str(tmp / "parse.pickle"),
            "LP_WEBHOOKS_FILE": str(hooks),
            "LP_WEBHOOK_RETRY_BASE_MS": "200",
            "LP_WEBHOOK_TIMEOUT": "1",
        }
        self.deliverer: subprocess.Popen | None = None
        self.edits = 0

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [FLASK, "--app", "api.app", *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )

    def publish_edit(self, slug: str = GUIDE) -> None:
        """Change a guide's summary and publish it."""
        self.edits += 1
        path = self.content / "guides" / f"{slug}.md"
        path.write_text(path.read_text().replace("summary: ", f"summary: Edit {self.edits}. ", 1))
        done = self.flask("content", "publish")
        assert done.returncode == 0 and "published release" in done.stdout, done.stderr[-2000:]

    def start_deliverer(self) -> None:
        self.deliverer = subprocess.Popen(
            [FLASK, "--app", "api.app", "webhooks", "run", "--poll", "0.2"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill_deliverer(self) -> None:
        assert self.deliverer is not None
        self.deliverer.send_signal(signal.SIGKILL)
        self.deliverer.wait()
        self.deliverer = None


@pytest.fixture()
def site(tmp_path):
    receiver = Receiver(tmp_path)
    receiver.start()
    s = Site(tmp_path, receiver)
    first = s.flask("content", "publish")
    assert first.returncode == 0, first.stderr[-2000:]
    yield s, receiver
    if s.deliverer is not None:
        stop(s.deliverer)
    receiver.stop()


def _seq(entry: dict) -> int:
    return int(entry["id"].rsplit("_", 2)[1])


def test_a_publish_arrives_signed_with_its_changed_paths_and_tags(site) -> None:
    s, receiver = site
    s.start_deliverer()
    first = receiver.wait_for(lambda got: len(delivered(got)) >= 1)[0]  # the first publish: every guide
    assert first["verified"] and GUIDE in first["body"]["data"]["upserted"]
    s.publish_edit()
    got = delivered(receiver.wait_for(lambda got: len(delivered(got)) >= 2))
    event = got[1]
    data = event["body"]["data"]
    assert event["verified"] and event["body"]["type"] == "release.published"
    assert data["upserted"] == [GUIDE] and data["deleted"] == [] and data["renamed"] == []
    assert data["parent"] == got[0]["body"]["data"]["version"]
    assert f"/v1/guides/{GUIDE}" in data["paths"] and "/v1/collections/breakup-recovery" in data["paths"]
    assert {"lp", "lp-list", f"lp-guide-{GUIDE}", "lp-collection-breakup-recovery"} <= set(data["tags"])
    assert all(e["verified"] for e in receiver.entries())
    # exactly one deliverer: a second one refuses to start
    second = s.flask("webhooks", "run")
    assert second.returncode == 1 and "only one deliverer" in second.stderr
    log = s.flask("webhooks", "log")
    assert log.returncode == 0 and "attempt 1: delivered 204" in log.stdout and "2 delivered" in log.stdout


def test_events_published_while_the_receiver_is_down_arrive_in_order_when_it_is_back(site) -> None:
    s, receiver = site
    s.start_deliverer()
    receiver.wait_for(lambda got: len(delivered(got)) >= 1)
    receiver.stop()
    s.publish_edit()
    s.publish_edit("no-contact-rule")
    time.sleep(1.5)  # the deliverer tries, is refused, and backs off
    failed = s.flask("webhooks", "log")
    assert "retry" in failed.stdout and "Connection refused" in failed.stdout, failed.stdout
    receiver.start()  # the same port
    got = delivered(receiver.wait_for(lambda got: len(delivered(got)) >= 3, timeout=90))
    assert [_seq(e) for e in got] == [1, 2, 3]
    assert got[1]["body"]["data"]["upserted"] == [GUIDE]
    assert got[2]["body"]["data"]["upserted"] == ["no-contact-rule"]
    assert got[2]["body"]["data"]["parent"] == got[1]["body"]["data"]["version"]
    assert len({e["id"] for e in got}) == 3


@pytest.mark.parametrize("mode", ["fail:2", "hang:1:4"])
def test_a_receiver_answering_500_or_hanging_past_the_timeout_is_retried(site, mode) -> None:
    s, receiver = site
    receiver.stop()
    receiver.start(mode)
    s.start_deliverer()
    got = receiver.wait_for(lambda got: len(delivered(got)) >= 1, timeout=60)
    ok = delivered(got)[0]
    tries = [e for e in got if e["id"] == ok["id"]]
    failed = int(mode.split(":")[1])
    assert len(tries) == failed + 1 and tries[-1] is ok  # the same message, the same id, until it got through
    assert all(e["verified"] for e in tries)
    log = s.flask("webhooks", "log").stdout
    assert "retry 500" in log if mode.startswith("fail") else "timed out" in log, log


def test_the_deliverer_killed_and_restarted_loses_nothing(site) -> None:
    s, receiver = site
    receiver.stop()
    receiver.start("hang:1:30")  # the first send hangs: the deliverer is killed in the middle of it
    s.start_deliverer()
    receiver.wait_for(lambda got: len(got) >= 1)
    s.kill_deliverer()
    s.publish_edit()  # published while no deliverer runs
    s.publish_edit("no-contact-rule")
    receiver.stop()
    receiver.start("ok")
    s.start_deliverer()
    got = delivered(receiver.wait_for(lambda got: len(delivered(got)) >= 3, timeout=90))
    assert [_seq(e) for e in got] == [1, 2, 3]  # the interrupted one again (same id), then both, in order
    assert receiver.entries()[0]["id"] == got[0]["id"]
