"""A real webhook receiver process for the tests (tests/e2e/webhook_receiver.py), and what it got."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.e2e.server import stop

SCRIPT = Path(__file__).with_name("webhook_receiver.py")
SECRET = "whsec_" + base64.b64encode(b"a test webhook key of 32 bytes!!").decode()


class Receiver:
    """Start, stop and restart on the same port; `entries()` is every request it logged."""

    def __init__(self, tmp: Path) -> None:
        self.log = tmp / "received.jsonl"
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/lp"

    def start(self, mode: str = "ok") -> Receiver:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))  # 0 the first time; the same port after a stop
        sock.listen(16)
        sock.set_inheritable(True)
        self.port = sock.getsockname()[1]
        self.proc = subprocess.Popen(
            [sys.executable, str(SCRIPT), str(sock.fileno()), SECRET, str(self.log), mode],
            pass_fds=(sock.fileno(),),
        )
        sock.close()
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, timeout=5)
            self.proc = None

    def entries(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    def wait_for(self, done: Callable[[list[dict]], bool], timeout: float = 60) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.entries()
            if done(got):
                return got
            time.sleep(0.1)
        raise AssertionError(f"the receiver did not get what was expected in {timeout}s: {self.entries()}")


def delivered(entries: list[dict]) -> list[dict]:
    """The verified requests it answered with 2xx, in the order they came."""
    return [e for e in entries if e["verified"] and e["answered"] == "204"]
