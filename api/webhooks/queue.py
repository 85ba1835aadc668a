"""The durable webhook queue: SQLite beside the release store (`webhooks.sqlite3`, stdlib sqlite3).

No Flask here. Messages are made from the store's manifests (`enqueue_new`), one per release and
endpoint, with a stable id (`msg_<store id>_<release number>_<endpoint>`), in one transaction
with the cursor that says which release was enqueued last: the publisher calls it after a publish,
the deliverer on every round, so a publisher that dies after moving the pointer loses nothing.
A message stays `pending` until a receiver answers 2xx (`delivered`), or until its retries have
run out (`failed`); every attempt is a row of `attempts`, which `flask webhooks log` shows.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from api.releases import ReleaseStore, seq_of
from api.webhooks.endpoints import RELEASE_PUBLISHED, Endpoint
from api.webhooks.events import body, release_event

FILE = "webhooks.sqlite3"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, endpoint TEXT NOT NULL, version TEXT NOT NULL,
    body BLOB NOT NULL, state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL, next_at REAL NOT NULL, last_status INTEGER, last_error TEXT, done_at REAL
);
CREATE INDEX IF NOT EXISTS messages_due ON messages (endpoint, state, seq);
CREATE TABLE IF NOT EXISTS attempts (
    n INTEGER PRIMARY KEY AUTOINCREMENT, message TEXT NOT NULL, endpoint TEXT NOT NULL, seq INTEGER NOT NULL,
    attempt INTEGER NOT NULL, at REAL NOT NULL, status INTEGER, error TEXT, ms REAL NOT NULL, outcome TEXT NOT NULL
);
"""


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


class Queue:
    def __init__(self, store: ReleaseStore) -> None:
        self.store = store
        self.path = Path(store.root) / FILE

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # a delivered mark or a new message survives a power cut
            conn.executescript(SCHEMA)
            yield conn
        finally:
            conn.close()

    def enqueue_new(self, endpoints: list[Endpoint], now: float | None = None, start: int | None = None) -> int:
        """Messages for every release published since the last call; how many were added.

        The first call starts after release `start` (default: the live one, so an endpoints file
        added later is not sent the past).
        """
        now = time.time() if now is None else now
        head_id = self.store.current_id()
        if head_id is None:
            return 0
        head, store_id = seq_of(head_id), self.store.store_id() or "-"
        added = 0
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")  # one enqueuer at a time: the cursor and its messages move together
            try:
                rows = dict(db.execute("SELECT key, value FROM meta").fetchall())
                cursor = int(rows["cursor"]) if rows.get("store") == store_id else (head if start is None else start)
                for seq in range(cursor + 1, head + 1):
                    m = self.store.manifest(seq)
                    if m is None:
                        continue
                    parent = self.store.manifest(seq - 1) if m.parent else None
                    for e in endpoints:
                        event = release_event(m, parent, e.collections) if RELEASE_PUBLISHED in e.events else None
                        if event is None:
                            continue
                        mid = f"msg_{store_id}_{seq:05d}_{e.name}"
                        cur = db.execute(
                            "INSERT OR IGNORE INTO messages (id, seq, endpoint, version, body, created, next_at)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (mid, seq, e.name, m.id, body(event), now, now),
                        )
                        added += cur.rowcount
                db.execute("INSERT OR REPLACE INTO meta VALUES ('store', ?), ('cursor', ?)", (store_id, str(head)))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return added

    def heads(self) -> list[Message]:
        """Per endpoint, its oldest pending message: the only one it may be sent (events arrive in order)."""
        with self._db() as db:
            rows = db.execute(
                "SELECT id, seq, endpoint, version, body, attempts, created, next_at FROM messages m"
                " WHERE state = 'pending' AND seq = (SELECT MIN(seq) FROM messages"
                " WHERE endpoint = m.endpoint AND state = 'pending') ORDER BY next_at"
            ).fetchall()
        return [Message(*r) for r in rows]

    def record(
        self, msg: Message, at: float, status: int | None, error: str | None, ms: float, outcome: str, next_at: float
    ) -> None:
        """One attempt's outcome: 'delivered', 'retry' (again at next_at) or 'failed' (retries ran out)."""
        state = "pending" if outcome == "retry" else outcome
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "UPDATE messages SET state = ?, attempts = attempts + 1, next_at = ?, last_status = ?,"
                " last_error = ?, done_at = ? WHERE id = ?",
                (state, next_at, status, error, None if outcome == "retry" else at, msg.id),
            )
            db.execute(
                "INSERT INTO attempts (message, endpoint, seq, attempt, at, status, error, ms, outcome)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (msg.id, msg.endpoint, msg.seq, msg.attempts + 1, at, status, error, ms, outcome),
            )
            db.execute("COMMIT")

    def log(self, limit: int = 50) -> list[tuple]:
        """The latest attempts, newest first: (at, endpoint, id, release, attempt, status, error, ms, outcome)."""
        with self._db() as db:
            return db.execute(
                "SELECT a.at, a.endpoint, a.message, m.version, a.attempt, a.status, a.error, a.ms, a.outcome"
                " FROM attempts a JOIN messages m ON m.id = a.message ORDER BY a.n DESC LIMIT ?",
                (limit,),
            ).fetchall()

    def counts(self) -> dict[str, int]:
        with self._db() as db:
            return dict(db.execute("SELECT state, COUNT(*) FROM messages GROUP BY state").fetchall())
