"""The README's first command, `bash scripts/serve.sh`, sets up and serves the bundled content."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request

import pytest

from tests.e2e.server import ROOT, port_of, served_socket

pytestmark = pytest.mark.e2e


def test_serve_script_starts_gunicorn_on_the_bundled_content(tmp_path) -> None:
    log = open(tmp_path / "serve.log", "wb")  # closed in finally
    with served_socket() as (sock, bind):  # the script's gunicorn inherits the listening socket
        port = port_of(sock)
        env = {**os.environ, **bind, "LP_CONTENT_CACHE": str(tmp_path / "content.pickle")}
        proc = subprocess.Popen(
            ["bash", "scripts/serve.sh"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            pass_fds=(sock.fileno(),),
        )
    try:
        deadline = time.monotonic() + 240  # includes pip checking the installed dependencies
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/guides/no-contact-rule", timeout=5) as r:
                    assert r.status == 200
                    assert b"No Contact Rule" in r.read()
                    break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.5)
        assert "built " in (tmp_path / "serve.log").read_text()  # the content build step ran first
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()
