"""Start the real service under gunicorn for end-to-end tests (and benchmarks)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM (a graceful stop), then SIGKILL if it has not exited in time."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn(
    workers: int = 2, env: dict[str, str] | None = None, log: Path | None = None, args: tuple[str, ...] = ()
) -> Iterator[str]:
    """Run gunicorn with the committed config on a free loopback port; yield its base URL."""
    port = free_port()
    environ = {**os.environ, "LP_BIND": f"127.0.0.1:{port}", "LP_WORKERS": str(workers), **(env or {})}
    out = open(log, "wb") if log else subprocess.DEVNULL  # closed below
    proc = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py", *args, "api.wsgi:app"],
        cwd=ROOT,
        env=environ,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{base}/v1/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        stop(proc, timeout=30)
        if log:
            out.close()
