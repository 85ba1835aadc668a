"""The README's first command, `bash scripts/serve.sh`, sets up, publishes and serves the bundled
content; run again with a broken file, it publishes nothing and serves the last good release."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.server import ROOT, port_of, served_socket

pytestmark = pytest.mark.e2e


def serve(env: dict[str, str], log_path: Path) -> tuple[bytes, str]:
    """Run serve.sh until the guide answers; its body and release, then stop it."""
    log = open(log_path, "wb")  # closed in finally
    with served_socket() as (sock, bind):  # the script's gunicorn inherits the listening socket
        port = port_of(sock)
        proc = subprocess.Popen(
            ["bash", "scripts/serve.sh"],
            cwd=ROOT,
            env={**os.environ, **bind, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            pass_fds=(sock.fileno(),),
        )
    try:
        deadline = time.monotonic() + 240  # includes pip checking the installed dependencies
        while True:
            assert proc.poll() is None, log_path.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/guides/no-contact-rule", timeout=5) as r:
                    assert r.status == 200
                    return r.read(), r.headers["X-Content-Version"]
            except OSError:
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


def test_serve_script_publishes_and_serves_then_keeps_the_last_good_release(tmp_path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    env = {
        "LP_CONTENT_DIR": str(content),
        "LP_CONTENT_CACHE": str(tmp_path / "content.pickle"),
        "LP_RELEASE_STORE": str(tmp_path / "releases"),
    }
    body, release = serve(env, tmp_path / "first.log")
    assert b"No Contact Rule" in body
    assert "published release " in (tmp_path / "first.log").read_text()  # the publish step ran first

    (content / "guides" / "no-contact-rule.md").write_text("---\ntitle: [unclosed\n---\n")
    again, same = serve(env, tmp_path / "second.log")
    log = (tmp_path / "second.log").read_text()
    assert again == body and same == release  # the last good release, byte for byte
    assert "content/guides/no-contact-rule.md" in log and "nothing was published" in log
