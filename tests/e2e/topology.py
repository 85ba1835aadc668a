"""The production topology on loopback, for tests and the benchmark: nginx (deploy/nginx.conf) in
front of gunicorn instances, and a Redis for the shared limits (tests/e2e/test_ratelimit_redis.py).

nginx runs as a foreground process (`daemon off`) with a prefix of its own in a temporary folder
(its pid, logs and temp paths), on a free loopback port; the committed configuration is used as it
is but for the lines marked `# LP_LISTEN` and `# LP_UPSTREAM`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.server import ROOT, listening_socket, port_of, stop

CONF = ROOT / "deploy" / "nginx.conf"


def nginx_exe() -> str:
    exe = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed (scripts/system-deps.sh installs the Debian package)")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    return exe


def render(port: int, upstreams: list[str], settings: dict[str, str] | None = None) -> str:
    """The committed configuration with this listen port and these instances (host:port), and
    optionally some directives set otherwise (`{"proxy_read_timeout": "2s"}`)."""
    lines, servers = [], iter(upstreams)
    for line in CONF.read_text(encoding="utf-8").splitlines():
        for name, value in (settings or {}).items():
            line = re.sub(rf"^(\s*{name}) [^;]+;", rf"\1 {value};", line)
        if line.rstrip().endswith("# LP_LISTEN"):
            line = re.sub(r"listen \S+;", f"listen 127.0.0.1:{port};", line)
        elif line.rstrip().endswith("# LP_UPSTREAM"):
            address = next(servers, None)
            if address is None:
                continue
            line = re.sub(r"server \S+", f"server {address}", line)
        lines.append(line)
    rest = list(servers)
    assert not rest, f"deploy/nginx.conf has fewer LP_UPSTREAM lines than instances: {rest}"
    return "\n".join(lines) + "\n"


@dataclass
class Nginx:
    base: str
    prefix: Path
    proc: subprocess.Popen

    @property
    def access_log(self) -> Path:
        return self.prefix / "logs" / "access.log"

    @property
    def error_log(self) -> Path:
        return self.prefix / "logs" / "error.log"

    def logs(self) -> str:
        return "".join(p.read_text(encoding="utf-8", errors="replace") for p in (self.access_log, self.error_log))


@contextlib.contextmanager
def nginx(upstreams: list[str], out: Path | None = None, settings: dict[str, str] | None = None) -> Iterator[Nginx]:
    """nginx on a free loopback port over these instances; yields it once it answers /v1/health.

    nginx binds its port itself (it cannot be handed a socket), so when another process took the
    port in between, nginx exits and another port is tried. The prefix is a fresh folder others may
    traverse: nginx's workers (user nobody when started as root) open the temp paths under it.
    """
    exe = nginx_exe()
    prefix = Path(tempfile.mkdtemp(prefix="lp-nginx-"))
    prefix.chmod(0o755)
    (prefix / "logs").mkdir()
    (prefix / "temp").mkdir()
    proc = None
    try:
        for _attempt in range(5):
            with listening_socket() as probe:
                port = port_of(probe)
            conf = prefix / "nginx.conf"
            conf.write_text(render(port, upstreams, settings), encoding="utf-8")
            log = open(out or prefix / "logs" / "stderr.log", "ab")
            proc = subprocess.Popen(
                [exe, "-p", f"{prefix}/", "-c", str(conf), "-e", "logs/error.log", "-g", "daemon off;"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            log.close()
            base = f"http://127.0.0.1:{port}"
            if _answers(proc, base):
                break
            stop(proc)
        else:
            raise RuntimeError(f"nginx did not start: {(prefix / 'logs' / 'stderr.log').read_text(errors='replace')}")
        yield Nginx(base, prefix, proc)
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(15)  # SIGTERM: nginx's fast shutdown
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(prefix, ignore_errors=True)


def _answers(proc: subprocess.Popen, base: str) -> bool:
    deadline = time.monotonic() + 20
    while proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{base}/v1/health", timeout=2) as r:
                return r.status == 200 and proc.poll() is None
        except urllib.error.HTTPError:
            return proc.poll() is None  # nginx answers (the instances may not yet)
        except OSError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
    return False


def address_of(base: str) -> str:
    return base.removeprefix("http://")


@dataclass
class Topology:
    """nginx over gunicorn instances sharing a release store (a directory) and Redis."""

    nginx: Nginx
    instances: list[str]  # each instance's own base URL (for probes that bypass nginx)
    logs: list[Path]
    env: dict[str, str]  # a publisher's environment (its own RELEASE_CACHE)
    redis_url: str

    def master_pid(self, i: int) -> int:
        found = re.findall(r"Listening at: \S+ \((\d+)\)", self.logs[i].read_text(errors="replace"))
        return int(found[0])

    def served(self, i: int) -> str | None:
        with urllib.request.urlopen(self.instances[i] + "/v1/ready", timeout=5) as r:
            import json

            return json.loads(r.read())["content_version"]


@contextlib.contextmanager
def topology(
    tmp: Path, content: Path, instances: int = 3, workers: int = 2, extra_env: dict[str, str] | None = None
) -> Iterator[Topology]:
    """Redis, `instances` gunicorn instances (LP_PROXY_HOPS=1, a shared release store in `tmp/store`,
    each with a local copy of its own), and nginx over them. Publish into the store first."""
    from tests.e2e.server import gunicorn
    from tests.e2e.test_ratelimit_redis import redis_server

    keys = tmp / "partner-keys.yaml"  # an anonymous limit, so that every request counts in Redis
    keys.write_text('anonymous:\n  allowed: true\n  limit: "1000000/hour"\n', encoding="utf-8")
    shared = {
        "LP_PARTNER_KEYS_FILE": str(keys),
        "LP_CONTENT_DIR": str(content),
        "LP_CONTENT_CACHE": str(tmp / "content.pickle"),
        "LP_RELEASE_STORE": str(tmp / "store"),
        "LP_RELEASE_SHARED": "1",
        "LP_SECRET_KEY": "topology-secret-key-000000000000",
        **(extra_env or {}),
    }
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(redis_server(tmp))
        bases, logs = [], []
        for i in range(instances):
            log = tmp / f"instance-{i}.log"
            env = {
                **shared,
                "LP_PROXY_HOPS": "1",
                "LP_RELEASE_CACHE": str(tmp / f"cache-{i}"),
                "LP_RATELIMIT_STORAGE_URI": url,
            }
            bases.append(stack.enter_context(gunicorn(workers=workers, env=env, log=log)))
            logs.append(log)
        proxy = stack.enter_context(nginx([address_of(b) for b in bases]))
        yield Topology(proxy, bases, logs, {**shared, "LP_RELEASE_CACHE": str(tmp / "cache-publisher")}, url)
