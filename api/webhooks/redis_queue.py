"""The Redis webhook queue: shared by every machine, so deliverers on several replicas or publishers
deliver each event once (one of them at a time holds the lock; the others stand by).

No Flask here; redis-py (already pinned for the rate limits). Keys, under `lp:webhooks:{<store id>}:`
(one hash tag: every key of a store is in one cluster slot, so transactions may span them):

    cursor              the last release enqueued
    endpoints           a set of the endpoint names with messages
    s:<endpoint>        a stream per endpoint, in release order; each entry: id, seq, version, body
    done:<endpoint>     the stream entry of its last finished message (the next one is its head)
    m:<message id>      a hash per message: state, attempts, created, next_at, last status and error
    counts              messages per state
    attempts            a stream of every attempt (`webhooks log`), capped at about 10,000
    lock                the deliverer's lock (redis-py's Lock: SET NX PX, renewed before each send)

Enqueueing WATCHes the cursor: the messages and the new cursor go in in one MULTI, and an enqueuer
that raced another starts again and finds nothing new, so each event is enqueued once. A finished
message's hash expires after 30 days; its stream entry is trimmed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import redis
from redis.exceptions import LockError, WatchError
from redis.lock import Lock

from api.webhooks.endpoints import Endpoint
from api.webhooks.queue import Manifests, Message, new_messages

KEEP_FINISHED = 30 * 86400  # seconds a delivered or failed message's hash is kept
ATTEMPTS_KEPT = 10_000


class RedisHold:
    """The deliverer's lock; `hold()` takes it, or renews it while this process has it."""

    def __init__(self, queue: RedisQueue, ttl: float) -> None:
        self.queue, self.ttl = queue, ttl
        self.lock: Lock | None = None

    def hold(self) -> bool:
        if self.lock is None:
            prefix = self.queue.prefix()
            if prefix is None:
                return False  # nothing published yet
            self.lock = self.queue.client.lock(prefix + "lock", timeout=self.ttl, thread_local=False)
        if self.lock.local.token is not None:
            try:
                return bool(self.lock.reacquire())
            except LockError:
                self.lock.local.token = None  # lost (expired, taken): try to take it again
        return bool(self.lock.acquire(blocking=False))

    def release(self) -> None:
        if self.lock is not None and self.lock.local.token is not None:
            with contextlib.suppress(LockError):
                self.lock.release()


class RedisQueue:
    def __init__(self, manifests: Manifests, url: str) -> None:
        self.manifests = manifests
        # (Any: redis-py types every answer as "an awaitable, or not", the same class serving asyncio)
        self.client: Any = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)

    def prefix(self) -> str | None:
        store_id = self.manifests.store_id()
        if store_id is None and self.manifests.current() is not None:
            store_id = self.manifests.store_id()
        return f"lp:webhooks:{{{store_id}}}:" if store_id else None

    def exists(self) -> bool:
        p = self.prefix()
        return p is not None and bool(self.client.exists(p + "cursor"))

    @contextlib.contextmanager
    def deliverer_lock(self, ttl: float) -> Iterator[RedisHold]:
        held = RedisHold(self, ttl)
        try:
            yield held
        finally:
            held.release()

    def enqueue_new(self, endpoints: list[Endpoint], now: float | None = None, start: int | None = None) -> int:
        """Messages for every release published since the last call; how many were added (the first
        call starts after release `start`, default the live one)."""
        now = time.time() if now is None else now
        live = self.manifests.current()
        p, store_id = self.prefix(), self.manifests.store_id()
        if live is None or p is None or store_id is None:
            return 0
        head = live.seq
        with self.client.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(p + "cursor")
                    raw = pipe.get(p + "cursor")
                    cursor = int(raw) if raw is not None else (head if start is None else start)
                    if raw is not None and cursor >= head:
                        return 0
                    new = list(new_messages(self.manifests, endpoints, store_id, cursor, head))
                    new = [n for n in new if not pipe.exists(p + "m:" + n.id)]
                    pipe.multi()
                    for n in new:
                        pipe.xadd(
                            p + "s:" + n.endpoint, {"id": n.id, "seq": n.seq, "version": n.version, "body": n.body}
                        )
                        state = {"state": "pending", "attempts": 0, "created": now, "next_at": now}
                        pipe.hset(p + "m:" + n.id, mapping=state)
                        pipe.sadd(p + "endpoints", n.endpoint)
                        pipe.hincrby(p + "counts", "pending", 1)
                    pipe.set(p + "cursor", max(head, cursor))
                    pipe.execute()
                    return len(new)
                except WatchError:
                    continue  # another enqueuer moved the cursor: look again

    def heads(self) -> list[Message]:
        """Per endpoint, its oldest unfinished message: the only one it may be sent (events arrive in order)."""
        p = self.prefix()
        if p is None:
            return []
        out = []
        for raw_name in sorted(self.client.smembers(p + "endpoints")):
            name = raw_name.decode()
            done = self.client.get(p + "done:" + name)
            after = "(" + done.decode() if done else "-"
            entries = self.client.xrange(p + "s:" + name, min=after, max="+", count=1)
            if not entries:
                continue
            ref, fields = entries[0]
            mid = fields[b"id"].decode()
            h = self.client.hgetall(p + "m:" + mid)
            out.append(
                Message(
                    mid,
                    int(fields[b"seq"]),
                    name,
                    fields[b"version"].decode(),
                    fields[b"body"],
                    int(h.get(b"attempts", 0)),
                    float(h.get(b"created", 0)),
                    float(h.get(b"next_at", 0)),
                    ref.decode(),
                )
            )
        return sorted(out, key=lambda m: m.next_at)

    def record(
        self, msg: Message, at: float, status: int | None, error: str | None, ms: float, outcome: str, next_at: float
    ) -> None:
        """One attempt's outcome: 'delivered', 'retry' (again at next_at) or 'failed' (retries ran out)."""
        p = self.prefix()
        assert p is not None  # (a message was read, so the store is known)
        key = p + "m:" + msg.id
        pipe = self.client.pipeline(transaction=True)
        said = {"last_status": "" if status is None else status, "last_error": error or ""}
        pipe.hset(key, mapping={"next_at": next_at, **said})
        pipe.hincrby(key, "attempts", 1)
        if outcome != "retry":
            pipe.hset(key, mapping={"state": outcome, "done_at": at})
            pipe.expire(key, KEEP_FINISHED)
            pipe.set(p + "done:" + msg.endpoint, msg.ref)
            pipe.xtrim(p + "s:" + msg.endpoint, minid=msg.ref, approximate=False)
            pipe.hincrby(p + "counts", "pending", -1)
            pipe.hincrby(p + "counts", outcome, 1)
        attempt: dict[Any, Any] = {
            "at": at,
            "endpoint": msg.endpoint,
            "message": msg.id,
            "version": msg.version,
            "attempt": msg.attempts + 1,
            "ms": ms,
            "outcome": outcome,
            **said,
        }
        pipe.xadd(p + "attempts", attempt, maxlen=ATTEMPTS_KEPT, approximate=True)
        pipe.execute()

    def log(self, limit: int = 50) -> list[tuple]:
        """The latest attempts, newest first: (at, endpoint, id, release, attempt, status, error, ms, outcome)."""
        p = self.prefix()
        if p is None:
            return []
        out = []
        for _ref, f in self.client.xrevrange(p + "attempts", count=limit):
            status = f[b"last_status"].decode()
            out.append(
                (
                    float(f[b"at"]),
                    f[b"endpoint"].decode(),
                    f[b"message"].decode(),
                    f[b"version"].decode(),
                    int(f[b"attempt"]),
                    int(status) if status else None,
                    f[b"last_error"].decode() or None,
                    float(f[b"ms"]),
                    f[b"outcome"].decode(),
                )
            )
        return out

    def counts(self) -> dict[str, int]:
        p = self.prefix()
        raw = self.client.hgetall(p + "counts") if p is not None else {}
        return {k.decode(): int(v) for k, v in raw.items()}
