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


def listening_socket() -> socket.socket:
    """A loopback socket bound to a port the system picks, already listening.

    Hand the socket itself to the server (gunicorn's `fd://N` bind, inherited through `pass_fds`),
    not its port number: the port is then held from the start, with no moment in which another
    process could take it. (Picking a free port, closing it and letting the server bind it later,
    as before, could lose it to any process in between, and then talk to that process.)
    """
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def port_of(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


@contextlib.contextmanager
def served_socket() -> Iterator[tuple[socket.socket, dict[str, str]]]:
    """A listening socket, and the environment that makes gunicorn.conf.py serve on it (LP_BIND=fd://N).

    Start the server with `pass_fds=(sock.fileno(),)` inside the block; the socket is closed here
    at the end (the server holds its own copy)."""
    sock = listening_socket()
    try:
        yield sock, {"LP_BIND": f"fd://{sock.fileno()}"}
    finally:
        sock.close()


@contextlib.contextmanager
def gunicorn(
    workers: int = 2,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    args: tuple[str, ...] = (),
    app: str = "api.wsgi:app",
) -> Iterator[str]:
    """Run gunicorn with the committed config on a loopback port of its own; yield its base URL."""
    with served_socket() as (sock, bind):
        port = port_of(sock)
        environ = {**os.environ, **bind, "LP_WORKERS": str(workers), **(env or {})}
        out = open(log, "wb") if log else subprocess.DEVNULL  # closed below
        proc = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", *args, app],
            cwd=ROOT,
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
            pass_fds=(sock.fileno(),),
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
