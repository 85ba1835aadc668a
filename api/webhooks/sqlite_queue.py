"""The SQLite webhook queue (`webhooks.sqlite3`, stdlib sqlite3) on this machine's disk: beside a
store on this machine, or beside this machine's copy of a shared store (never on the shared volume:
SQLite over NFS is not safe).

No Flask here. The messages of new releases and the cursor go in in one transaction (api/webhooks/queue.py);
every attempt is a row of `attempts`, which `flask webhooks log` shows. One deliverer per queue:
it holds an exclusive flock on `webhooks.lock` beside it (released by the kernel if it dies, so a
restarted deliverer takes over at once); a second one is refused (AlreadyRunning).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from api.webhooks.endpoints import Endpoint
from api.webhooks.queue import AlreadyRunning, Manifests, Message, new_messages

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


class _Held:
    def hold(self) -> bool:
        return True  # the flock is held until the process ends


class SqliteQueue:
    def __init__(self, manifests: Manifests, folder: str | os.PathLike[str]) -> None:
        self.manifests = manifests
        self.path = Path(folder) / FILE

    def exists(self) -> bool:
        return self.path.exists()

    @contextlib.contextmanager
    def deliverer_lock(self, ttl: float = 0.0) -> Iterator[_Held]:
        """Hold the queue's deliverer lock (AlreadyRunning when another deliverer has it)."""
        path = self.path.with_name("webhooks.lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+b") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise AlreadyRunning(f"another deliverer is running for {self.path.parent}") from exc
            fh.seek(0)
            fh.truncate()
            fh.write(str(os.getpid()).encode())
            fh.flush()
            yield _Held()

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
        live = self.manifests.current()
        if live is None:
            return 0
        head, store_id = live.seq, self.manifests.store_id() or "-"
        added = 0
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")  # one enqueuer at a time: the cursor and its messages move together
            try:
                rows = dict(db.execute("SELECT key, value FROM meta").fetchall())
                cursor = int(rows["cursor"]) if rows.get("store") == store_id else (head if start is None else start)
                for n in new_messages(self.manifests, endpoints, store_id, cursor, head):
                    cur = db.execute(
                        "INSERT OR IGNORE INTO messages (id, seq, endpoint, version, body, created, next_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (n.id, n.seq, n.endpoint, n.version, n.body, now, now),
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
