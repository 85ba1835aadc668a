"""A real webhook receiver for the tests: a small HTTP server in its own process.

    python webhook_receiver.py FD SECRET LOG MODE

Serves on the listening socket FD (inherited), verifies each POST with the `standardwebhooks`
package (as a frontend would) and appends one JSON line per request to LOG: the webhook-id, the
timestamp, whether the signature verified, what it answered, and the body. MODE:

    ok              answer 204 to every verified request (401 to an unverified one)
    fail:N          answer 500 to the first N requests, then as ok
    hang:N:S        hold the first N requests S seconds before answering (past the sender's timeout)
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SECRET, LOG, MODE = "", "", "ok"
_seen = 0
_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        global _seen
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with _lock:
            _seen += 1
            n = _seen
        try:
            body = Webhook(SECRET).verify(raw, dict(self.headers.items()))
            verified, error = True, None
        except WebhookVerificationError as exc:
            body, verified, error = None, False, str(exc)
        kind, *args = MODE.split(":")  # (set from argv at start)
        status = 204 if verified else 401
        answered = str(status)
        if kind == "fail" and n <= int(args[0]):
            status, answered = 500, "500"
        elif kind == "hang" and n <= int(args[0]):
            answered = "hang"
        entry = {
            "n": n,
            "id": self.headers.get("webhook-id"),
            "timestamp": self.headers.get("webhook-timestamp"),
            "verified": verified,
            "error": error,
            "answered": answered,
            "body": body,
        }
        with _lock, open(LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
        if answered == "hang":
            time.sleep(float(args[1]))
        try:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            pass  # the sender gave up waiting

    def log_message(self, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:  # the socket is inherited, already bound and listening
        self.server_address = self.socket.getsockname()

    def server_activate(self) -> None:
        pass


if __name__ == "__main__":
    SECRET, LOG, MODE = sys.argv[2], sys.argv[3], sys.argv[4]
    server = Server(("127.0.0.1", 0), Handler, bind_and_activate=False)
    server.socket.close()
    server.socket = socket.socket(fileno=int(sys.argv[1]))
    server.server_bind()
    server.serve_forever()
