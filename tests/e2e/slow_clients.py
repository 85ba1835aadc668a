"""Idle and trickling connections held open against a server, as slow or hostile clients do.

Each idle connection sends nothing; each trickling one sends a request head one byte a second and
never finishes it. When the server drops one, it is counted (with how long it lived) and opened
again, so the number held stays the same for as long as the clients run.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from dataclasses import dataclass, field

TRICKLE = b"GET /v1/guides HTTP/1.1\r\nHost: lp\r\nX-Slow: " + b"a" * 4000


@dataclass
class Conn:
    sock: socket.socket
    trickle: bool
    opened: float
    sent: int = 0


@dataclass
class SlowClients:
    host: str
    port: int
    idle: int = 50
    trickling: int = 50
    lifetimes: list[float] = field(default_factory=list)  # seconds each dropped connection lived
    opened: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _open(self, trickle: bool) -> Conn:
        sock = socket.create_connection((self.host, self.port), timeout=5)
        sock.setblocking(False)
        self.opened += 1
        return Conn(sock, trickle, time.monotonic())

    def _run(self) -> None:
        conns = [self._open(False) for _ in range(self.idle)] + [self._open(True) for _ in range(self.trickling)]
        try:
            while not self._stop.is_set():
                for i, c in enumerate(conns):
                    if self._dropped(c):
                        self.lifetimes.append(time.monotonic() - c.opened)
                        c.sock.close()
                        conns[i] = self._open(c.trickle)
                self._stop.wait(1.0)
        finally:
            for c in conns:
                c.sock.close()

    @staticmethod
    def _dropped(c: Conn) -> bool:
        try:
            # poll, not select: in a long test session the socket's number can pass select's 1,024
            poller = select.poll()
            poller.register(c.sock, select.POLLIN)
            readable = poller.poll(0)
            if readable and not c.sock.recv(4096):  # EOF (an answer to a half-sent head counts as alive)
                return True
            if c.trickle and c.sent < len(TRICKLE):
                c.sent += c.sock.send(TRICKLE[c.sent : c.sent + 1])
        except OSError:  # reset by the server
            return True
        return False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
