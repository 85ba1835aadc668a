"""Publish webhooks end to end: real `content publish` and `webhooks run` processes, and a real
receiver process that verifies every signature with the standardwebhooks package; each test with
the SQLite queue (a store on this machine) and with the Redis queue (a real redis-server on
loopback, and a shared store: every deliverer has a disk of its own)."""

from __future__ import annotations

import contextlib
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
from tests.e2e.test_ratelimit_redis import redis_server

pytestmark = pytest.mark.e2e

FLASK = str(Path(sys.executable).parent / "flask")
GUIDE = "closure-without-them"  # in breakup-recovery


class Site:
    """A content folder, a release store and a webhooks file, and the commands over them."""

    def __init__(self, tmp: Path, receiver: Receiver, redis_url: str | None = None) -> None:
        self.tmp, self.queue = tmp, "redis" if redis_url else "sqlite"
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
            "LP_WEBHOOKS_REDIS_URL": redis_url or "off",
        }
        if redis_url:  # a shared store: the publisher and each deliverer have their own copy
            shared = {"LP_RELEASE_SHARED": "1", "LP_SECRET_KEY": "e2e-webhooks-secret"}
            self.env.update(shared, LP_RELEASE_CACHE=str(tmp / "cache-publisher"))
        self.deliverer: subprocess.Popen | None = None
        self.deliverers = 0
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

    def start_deliverer(self) -> subprocess.Popen:
        self.deliverers += 1
        machine = {"LP_RELEASE_CACHE": str(self.tmp / f"cache-deliverer-{self.deliverers}")}
        self.deliverer = subprocess.Popen(
            [FLASK, "--app", "api.app", "webhooks", "run", "--poll", "0.2"],
            cwd=ROOT,
            env={**self.env, **(machine if self.queue == "redis" else {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return self.deliverer

    def kill_deliverer(self) -> None:
        assert self.deliverer is not None
        self.deliverer.send_signal(signal.SIGKILL)
        self.deliverer.wait()
        self.deliverer = None


@pytest.fixture(params=["sqlite", "redis"])
def site(request, tmp_path):
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(redis_server(tmp_path)) if request.param == "redis" else None
        receiver = Receiver(tmp_path)
        receiver.start()
        stack.callback(receiver.stop)
        s = Site(tmp_path, receiver, url)
        first = s.flask("content", "publish")
        assert first.returncode == 0, first.stderr[-2000:]
        yield s, receiver
        if s.deliverer is not None:
            stop(s.deliverer)


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
    if s.queue == "sqlite":  # exactly one deliverer: a second one refuses to start (Redis: it stands by, below)
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


@pytest.mark.parametrize("site", ["redis"], indirect=True)
def test_two_deliverers_at_once_deliver_each_event_once(site) -> None:
    s, receiver = site
    first, second = s.start_deliverer(), s.start_deliverer()  # two machines, one Redis
    s.publish_edit()
    s.publish_edit("no-contact-rule")
    got = delivered(receiver.wait_for(lambda got: len(delivered(got)) >= 3, timeout=90))
    time.sleep(2)  # time for a second send of any of them
    assert [_seq(e) for e in got] == [1, 2, 3]
    assert [e["id"] for e in receiver.entries()] == [e["id"] for e in got]  # each sent once, all verified
    # either one stops (killed: its lock expires); the other takes over and delivers the next one
    first.send_signal(signal.SIGKILL)
    first.wait()
    s.publish_edit()
    got = delivered(receiver.wait_for(lambda got: len(delivered(got)) >= 4, timeout=90))
    assert [_seq(e) for e in got] == [1, 2, 3, 4] and len(receiver.entries()) == 4
    assert second.poll() is None
    log = s.flask("webhooks", "log").stdout
    assert "4 delivered, 0 pending, 0 failed" in log and log.count("attempt 1: delivered 204") == 4, log


def test_with_redis_down_a_publish_goes_out_and_the_log_says_so_in_one_line(tmp_path) -> None:
    with redis_server(tmp_path) as url:
        pass  # stopped: nothing listens on its port now
    receiver = Receiver(tmp_path)
    s = Site(tmp_path, receiver, url)
    first = s.flask("content", "publish")
    assert first.returncode == 0 and "published release" in first.stdout, first.stderr[-2000:]
    assert "webhook queue unreachable" in first.stderr and "Traceback" not in first.stderr
    log = s.flask("webhooks", "log")
    assert log.returncode == 1, log.stdout
    assert log.stderr.strip().count("\n") == 0 and "webhook queue unreachable (ConnectionError" in log.stderr
