"""The one deliverer: sends the queue's messages, signed per Standard Webhooks, with retries.

No Flask here. `flask --app api.app webhooks run` runs `Deliverer.run`; web workers never deliver.
Only one deliverer delivers from a queue at a time: it holds the queue's lock (SQLite: an flock, a
second deliverer is refused; Redis: a key with a time to live, renewed before every send, and the
other deliverers stand by, taking over when the holder stops renewing it).

Each round: enqueue what was published since the last round, then try, per endpoint, its oldest
pending message when it is due (so one endpoint's events arrive in release order; a receiver that
is down holds back only its own). A 2xx answer within the timeout is delivered; anything else (an
error status, a refused connection, a timeout, a redirect) is retried after base * 2^(n-1)
seconds (capped at an hour), until `retry_for` seconds after it was enqueued; then it is `failed`
and the next one goes. A deliverer killed mid-send leaves the message pending: it is sent again,
with the same id, so receivers deduplicate on `webhook-id` (at-least-once).

Signature (Standard Webhooks, by the `standardwebhooks` package): `webhook-id`, `webhook-timestamp`
(seconds, this attempt's), `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
keyed with the base64-decoded part of the endpoint's `whsec_` secret.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from standardwebhooks.webhooks import Webhook

from api.webhooks.endpoints import Endpoint
from api.webhooks.queue import AlreadyRunning, Hold, Message, Queue

log = logging.getLogger(__name__)

MAX_DELAY = 3600.0
USER_AGENT = "love-patterns-webhooks/1"

__all__ = ["AlreadyRunning", "Deliverer", "backoff", "post", "sign"]


def sign(secret: str, msg_id: str, timestamp: int, payload: bytes) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt."""
    when = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": Webhook(secret).sign(msg_id, when, payload.decode()),
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect is an answer that is not 2xx: retried, never followed with the body dropped


_OPENER = urllib.request.build_opener(_NoRedirect())


def post(url: str, payload: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str | None]:
    """(HTTP status, error): status None when no answer came (refused, timed out)."""
    req = urllib.request.Request(
        url,
        data=payload,
        method="POST",
        headers={**headers, "Content-Type": "application/json", "User-Agent": USER_AGENT},
    )
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            resp.read(65536)
            return resp.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"[:200]


def backoff(attempt: int, base: float) -> float:
    """Seconds before attempt `attempt + 1`, after `attempt` failures: base, 2 base, 4 base, ..., at most an hour."""
    return min(base * 2 ** (attempt - 1), MAX_DELAY)


class Deliverer:
    def __init__(
        self,
        queue: Queue,
        endpoints: list[Endpoint],
        retry_base: float = 10.0,
        retry_for: float = 86400.0,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.queue = queue
        self.endpoints = {e.name: e for e in endpoints}
        self.retry_base = retry_base
        self.retry_for = retry_for
        self.timeout = timeout
        self.clock = clock

    @property
    def lock_ttl(self) -> float:
        """How long the lock outlives its last renewal: a send (at most `timeout`) and its record fit in it."""
        return 3 * self.timeout + 10

    def send(self, msg: Message) -> str:
        """One attempt; its outcome ('delivered', 'retry' or 'failed'), recorded in the queue."""
        endpoint = self.endpoints.get(msg.endpoint)
        started = self.clock()
        if endpoint is None:  # removed from the file: nobody to send it to
            self.queue.record(msg, started, None, "endpoint no longer in the webhooks file", 0.0, "failed", started)
            return "failed"
        headers = sign(endpoint.secret, msg.id, int(started), msg.body)
        t0 = time.perf_counter()
        status, error = post(endpoint.url, msg.body, headers, self.timeout)
        ms = (time.perf_counter() - t0) * 1000
        now = self.clock()
        if status is not None and 200 <= status < 300:
            outcome, next_at = "delivered", now
        else:
            error = error or f"HTTP {status}"
            next_at = now + backoff(msg.attempts + 1, self.retry_base)
            outcome = "retry" if next_at - msg.created <= self.retry_for else "failed"
        self.queue.record(msg, started, status, error, ms, outcome, next_at)
        log.info("webhook %s to %s: %s (%s)", msg.id, msg.endpoint, outcome, status or error)
        return outcome

    def round(self, lock: Hold | None = None) -> float:
        """Enqueue, then send what is due; seconds until the next message is due (inf: none pending).

        With `lock` (held when called), it is renewed before each send; lost, the round ends there.
        """
        self.queue.enqueue_new(list(self.endpoints.values()), self.clock())
        wait = float("inf")
        for msg in self.queue.heads():
            now = self.clock()
            if msg.next_at <= now:
                if lock is not None and not lock.hold():
                    return 0.0  # another deliverer took over: look again from the start
                self.send(msg)
                wait = 0.0  # that endpoint's next message may be due at once
            else:
                wait = min(wait, msg.next_at - now)
        return wait

    def run(self, poll: float = 1.0, stop: Callable[[], bool] = lambda: False) -> None:
        """Deliver until `stop()`; looks at the store for new releases every `poll` seconds."""
        with self.queue.deliverer_lock(self.lock_ttl) as lock:
            log.info("webhook deliverer started for %d endpoint(s)", len(self.endpoints))
            while not stop():
                try:
                    wait = self.round(lock) if lock.hold() else poll  # not holding it: standing by
                except Exception:  # a store, a disk or Redis in trouble: said, and tried again
                    log.exception("webhook round failed")
                    wait = poll
                if wait > 0:
                    time.sleep(min(wait, poll))
