"""The production topology on loopback, under a bounded load through nginx, asserting correctness.

nginx (deploy/nginx.conf) over 3 gunicorn instances (2 workers each, LP_PROXY_HOPS=1), Redis for
the shared limits, one shared-directory release store (each instance keeps its own copy). While
4 threads read through nginx, 50 idle and 50 trickling connections are held open, and a mobile
client syncs as the README says:

1. publish 1: an edit and a rename; every instance on it within a generous bound; the client syncs;
2. Redis paused (SIGSTOP) for 3 s; one instance killed (SIGKILL, master and workers);
3. publish 2: an edit, a retirement and a deletion; every live instance on it; the client syncs.

Asserted: 0 failed requests, 0 responses that mix releases, each change reaches the client exactly
once and no 410, the client's store equals /v1/export, idle and trickling clients are dropped by
nginx's timeouts, and a search phrase sent through nginx is in no log of nginx, gunicorn or the app.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
import redis

from api.app import create_app
from api.releases import CHECK_INTERVAL
from search_index.warm import WARM_SECONDS
from tests.e2e.load_under_change import PATHS, Stats, check, observe, set_revision
from tests.e2e.server import ROOT
from tests.e2e.slow_clients import SlowClients
from tests.e2e.test_privacy import FORBIDDEN, PHRASE
from tests.e2e.topology import Topology, topology

pytestmark = pytest.mark.e2e

RENAMED = ("staying-friends-with-an-ex", "staying-friends-after-a-breakup")
RETIRED = "jealousy-and-phone-checking"
DELETED = "hot-and-cold-relationships"
EDITED = "closure-without-them"  # load_under_change.GUIDE: its title carries the revision mark
ALL_ON_NEW_WITHIN = 30.0  # seconds: generous (the store is polled every second)


def get_json(url: str, timeout: float = 20) -> tuple[int, Any, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, json.loads(r.read()), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read()), dict(e.headers)


class Editor:
    """`flask content rename|retire|publish` as an editor runs them (the same code, in this process:
    a command's own start would cost seconds on a busy 2-core machine)."""

    def __init__(self, env: dict[str, str]) -> None:
        config = {key.removeprefix("LP_"): value for key, value in env.items()}
        self.app = create_app({**config, "RELEASE_SHARED": 1})
        self.content = env["LP_CONTENT_DIR"]

    def run(self, *args: str) -> str:
        result = self.app.test_cli_runner().invoke(args=["content", *args])
        assert result.exit_code == 0, result.output
        return result.output

    def publish(self) -> str:
        return re.search(r"published release (\w+)", self.run("publish")).group(1)


class Mobile:
    """An app following the README's sync protocol through nginx: a local store by slug."""

    def __init__(self, base: str) -> None:
        self.base, self.guides, self.token = base, {}, None
        self.deltas: list[dict[str, list]] = []  # per sync: what each page said, pages together
        self.statuses: list[int] = []

    def _get(self, url: str) -> dict:
        for _ in range(30):  # 503 + Retry-After: an instance without the token's release yet
            status, body, headers = get_json(url)
            self.statuses.append(status)
            if status == 503:
                time.sleep(float(headers.get("Retry-After", "1")))
                continue
            assert status == 200, (status, body)
            return body
        raise AssertionError(f"{url}: 503 thirty times")

    def sync(self) -> None:
        delta: dict[str, list] = {"upserted": [], "deleted": [], "renamed": []}
        url = self.base + "/v1/sync?page_size=50" + (f"&token={self.token}" if self.token else "")
        while True:
            page = self._get(url)
            for g in page["upserted"]:
                self.guides[g["slug"]] = g
                delta["upserted"].append(g["slug"])
            for d in page["deleted"]:
                self.guides.pop(d["slug"], None)
                delta["deleted"].append((d["slug"], d["reason"]))
            for r in page["renamed"]:
                self.guides.pop(r["from"], None)
                delta["renamed"].append((r["from"], r["to"]))
            if page["next_token"] is None:
                self.token = page["sync_token"]
                break
            url = f"{self.base}/v1/sync?page_size=50&token={page['next_token']}"
        self.deltas.append(delta)


def load(base: str, stats: Stats, stop: threading.Event, n: int) -> None:
    i = n
    while not stop.is_set():
        path = PATHS[i % len(PATHS)]
        i += 1
        try:
            with urllib.request.urlopen(base + path, timeout=30) as r:
                body, version = r.read(), r.headers.get("X-Content-Version", "")
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:  # a cut answer counts too
            with stats.lock:
                stats.requests += 1
                stats.failures.append(f"{path}: {exc}")
            continue
        seen = observe(body, version, path)
        with stats.lock:
            stats.requests += 1
            stats.observed.append(seen)
            stats.versions.add(seen[1])


# An instance's /v1/ready is answered by one of its workers; the other may have looked at the pointer
# just before the publish, and looks again only CHECK_INTERVAL later (until then it serves the release
# it has, whole: a sync there is an empty, correct delta). An app syncing right after a publish may get
# that; the test wants every change in the next delta, so it waits out the window. A worker that sees
# the new release warms it (api/warm.py, WARM_SECONDS at most) before it serves it.
SWITCH_WINDOW = CHECK_INTERVAL * 1.5 + WARM_SECONDS


def wait_all_on(topo: Topology, rid: str, live: list[int]) -> float:
    started = time.monotonic()
    while time.monotonic() - started < ALL_ON_NEW_WITHIN:
        if all(topo.served(i) == rid for i in live):
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"not every instance serves {rid} after {ALL_ON_NEW_WITHIN} s")


def kill_instance(topo: Topology, i: int) -> None:
    master = topo.master_pid(i)
    workers = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    for pid in [master, *map(int, workers)]:
        os.kill(pid, signal.SIGKILL)


def test_topology_under_load(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    revs: dict[str, int] = {}
    env = {
        "LP_CONTENT_DIR": str(content),
        "LP_CONTENT_CACHE": str(tmp_path / "content.pickle"),
        "LP_RELEASE_STORE": str(tmp_path / "store"),
        "LP_RELEASE_SHARED": "1",
        "LP_SECRET_KEY": "topology-secret-key-000000000000",
        "LP_RELEASE_CACHE": str(tmp_path / "cache-publisher"),
    }
    set_revision(content, 0)
    editor = Editor(env)
    revs[editor.publish()] = 0
    events: dict[str, Any] = {}
    with topology(tmp_path, content) as topo:
        proxy = topo.nginx
        host, port = proxy.base.removeprefix("http://").split(":")
        slow = SlowClients(host, int(port))
        slow.start()
        stats, stop = Stats(), threading.Event()
        pool = [threading.Thread(target=load, args=(proxy.base, stats, stop, n), daemon=True) for n in range(4)]
        for t in pool:
            t.start()
        mobile = Mobile(proxy.base)
        mobile.sync()  # the first sync, paged

        # 1. an edit and a rename
        set_revision(content, 1)
        editor.run("rename", *RENAMED)
        rid1 = editor.publish()
        revs[rid1] = 1
        events["all on release 1 (s)"] = wait_all_on(topo, rid1, [0, 1, 2])
        time.sleep(SWITCH_WINDOW)
        mobile.sync()
        # the phrase, through nginx (the logs are read at the end)
        for path in (f"/v1/search?q={quote_plus(PHRASE)}", f"/v1/suggest?q={quote_plus(PHRASE)}"):
            assert get_json(proxy.base + path)[0] == 200

        # 2. Redis paused, then an instance killed, under load
        redis_pid = int(redis.Redis.from_url(topo.redis_url).info("server")["process_id"])
        os.kill(redis_pid, signal.SIGSTOP)
        time.sleep(3)
        os.kill(redis_pid, signal.SIGCONT)
        before_kill = stats.requests
        kill_instance(topo, 2)
        time.sleep(2)

        # 3. an edit, a retirement and a deletion (retired, then its redirect removed: a plain delete)
        set_revision(content, 2)
        editor.run("retire", RETIRED, "--reason", "Folded into other guides.")
        editor.run("retire", DELETED, "--reason", "x")
        redirects = content / "redirects.yaml"
        text = redirects.read_text()
        redirects.write_text(
            re.sub(rf"  - slug: {DELETED}\n    reason: \"?x\"?\n(    collection: [a-z0-9-]+\n)?", "", text)
        )
        rid2 = editor.publish()
        revs[rid2] = 2
        events["live ones on release 2 (s)"] = wait_all_on(topo, rid2, [0, 1])
        time.sleep(SWITCH_WINDOW)
        mobile.sync()
        time.sleep(2)
        stop.set()
        for t in pool:
            t.join(timeout=30)
        slow.stop()
        export = get_json(proxy.base + "/v1/export")[1]
        time.sleep(0.5)  # nginx writes a request's access line after the answer
        logs = {"nginx": proxy.logs(), **{p.name: p.read_text(errors="replace") for p in topo.logs}}

    mixed = [p for p in (check(o, revs) for o in stats.observed) if p]
    report = {
        "requests": stats.requests,
        "after the kill": stats.requests - before_kill,
        "failed": len(stats.failures),
        "mixed": len(mixed),
        "versions": sorted(stats.versions),
        **events,
        "slow connections dropped": len(slow.lifetimes),
        "longest slow connection (s)": round(max(slow.lifetimes, default=0), 1),
    }
    print(json.dumps(report, indent=1))  # shown with -s, and in the failure report
    assert stats.requests > 100 and report["after the kill"] > 20, report
    assert stats.failures == [], (report, stats.failures[:5])
    assert mixed == [], (report, mixed[:5])
    assert set(revs) <= stats.versions, report  # every release was served through nginx

    # the mobile client: no 410, every change exactly once, and its store equals the export
    assert 410 not in mobile.statuses and 400 not in mobile.statuses
    first, one, two = mobile.deltas
    assert not first["deleted"] and not first["renamed"] and len(first["upserted"]) == len(set(first["upserted"]))
    assert one["upserted"].count(EDITED) == 1 and one["upserted"].count(RENAMED[1]) == 1, one
    assert one["renamed"] == [RENAMED] and not one["deleted"], one
    assert two["upserted"].count(EDITED) == 1 and not two["renamed"], two
    assert sorted(two["deleted"]) == sorted([(RETIRED, "Folded into other guides."), (DELETED, None)]), two
    for delta in (one, two):
        slugs = delta["upserted"] + [s for s, _ in delta["deleted"]] + [f for f, _ in delta["renamed"]]
        assert len(slugs) == len(set(slugs)), delta
    assert mobile.guides == {g["slug"]: g for g in export["guides"]}

    # Redis's pause was noticed (and requests went on: no failure above); nginx dropped slow clients
    assert any("the shared store is unreachable" in text for text in logs.values())
    assert report["slow connections dropped"] >= 100, report  # each held one outlived a timeout
    assert report["longest slow connection (s)"] < 20, report  # 10 s header timeout, 1 s checks

    # the phrase is in no log: nginx's access and error logs, gunicorn's and the app's
    assert '"path":"/v1/search"' in logs["nginx"]
    for name, text in logs.items():
        for form in FORBIDDEN:
            assert form.casefold() not in text.casefold(), f"{form!r} in the {name} log"
