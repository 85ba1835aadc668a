"""The webhook queue's interface, and the messages both queues make from the store's manifests.

No Flask here. Two implementations: `SqliteQueue` (api/webhooks/sqlite_queue.py, a file on this
machine's disk, one deliverer per machine) and `RedisQueue` (api/webhooks/redis_queue.py, Redis
streams shared by every machine, one deliverer at a time among all of them). `open_queue` picks one.

Messages are made from the store's manifests, one per release and endpoint, with a stable id
(`msg_<store id>_<release number>_<endpoint>`), together with the cursor that says which release
was enqueued last: the publisher enqueues after a publish, the deliverer on every round, so a
publisher that dies after moving the pointer loses nothing. A message stays `pending` until a
receiver answers 2xx (`delivered`), or until its retries have run out (`failed`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from api.releases import Manifest, ReleaseId
from api.webhooks.endpoints import RELEASE_PUBLISHED, Endpoint
from api.webhooks.events import body, release_event


class AlreadyRunning(RuntimeError):
    """Another deliverer holds the lock of this queue (and this queue has no standby: SQLite)."""


@dataclass(frozen=True)
class Message:
    id: str
    seq: int
    endpoint: str
    version: str
    body: bytes
    attempts: int
    created: float
    next_at: float
    ref: str = ""  # where the queue keeps it (the Redis stream entry); "" for SQLite


class Manifests(Protocol):
    """Where the releases are read: a ReleaseStore, or a shared store's pulled copy (api/webhooks/pulled.py)."""

    def current(self) -> ReleaseId | None: ...
    def store_id(self) -> str | None: ...
    def manifest(self, seq: int) -> Manifest | None: ...


class Hold(Protocol):
    def hold(self) -> bool:
        """Take or renew the deliverer's lock; whether this process holds it (may deliver) now."""
        ...


class Queue(Protocol):
    manifests: Manifests

    def enqueue_new(self, endpoints: list[Endpoint], now: float | None = None, start: int | None = None) -> int: ...
    def heads(self) -> list[Message]: ...
    def record(
        self, msg: Message, at: float, status: int | None, error: str | None, ms: float, outcome: str, next_at: float
    ) -> None: ...
    def log(self, limit: int = 50) -> list[tuple]: ...
    def counts(self) -> dict[str, int]: ...
    def exists(self) -> bool: ...
    def deliverer_lock(self, ttl: float) -> contextlib.AbstractContextManager[Hold]: ...


@dataclass(frozen=True)
class New:
    id: str
    seq: int
    endpoint: str
    version: str
    body: bytes


def new_messages(
    manifests: Manifests, endpoints: list[Endpoint], store_id: str, after: int, head: int
) -> Iterator[New]:
    """The messages of releases after..head, release by release, per endpoint (that sees a change)."""
    for seq in range(after + 1, head + 1):
        m = manifests.manifest(seq)
        if m is None:
            continue
        parent = manifests.manifest(seq - 1) if m.parent else None
        for e in endpoints:
            event = release_event(m, parent, e.collections) if RELEASE_PUBLISHED in e.events else None
            if event is not None:
                yield New(f"msg_{store_id}_{seq:05d}_{e.name}", seq, e.name, m.id, body(event))


def open_queue(manifests: Manifests, folder: str | Path, redis_url: str | None) -> Queue:
    """The Redis queue when a Redis URL is given, else SQLite in `folder` (this machine's disk)."""
    if redis_url:
        from api.webhooks.redis_queue import RedisQueue

        return RedisQueue(manifests, redis_url)
    from api.webhooks.sqlite_queue import SqliteQueue

    return SqliteQueue(manifests, folder)
