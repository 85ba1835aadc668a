"""The change journal behind offline sync: what changed between content versions, on disk.

No Flask here. A JSON-lines file, append-only, one numbered entry a line:

    {"seq": 0, "type": "journal", "id": "...", "key": "...", "created": "..."}   the header
    {"seq": 7, "type": "upsert", "slug": "a", "digest": "...", "collection": "c"}
    {"seq": 8, "type": "delete", "slug": "b", "reason": "Retired because ..."}   (reason null when just gone)
    {"seq": 9, "type": "rename", "slug": "c", "to": "d"}                         (c is gone; d exists)
    {"seq": 10, "type": "version", "version": "3f2a...", "at": "..."}           a checkpoint

`record(path, corpus)` compares the corpus with the manifest the journal ends with (slug ->
digest, collection) and appends the events that turn one into the other, then a checkpoint
naming the version. Replaying the events up to a checkpoint gives exactly that version's
manifest, so the state at any sequence number is known: that is what a sync token points at.

Several gunicorn workers record the same version at once: an exclusive flock serializes them and
the second finds nothing to do. The header holds the journal's random id (tokens of another
journal are refused) and the key that signs tokens. Nothing is ever removed, so a delete stays in
the journal for every token older than it.

`digest` is not only the source file's sha256: a guide's JSON also shows its collection's title
and the titles (and visibility) of the guides it links to, so those go into the digest too, and a
guide is re-sent when any of them changes. So does `SERVED_FORMAT`: when the API starts serving a
guide differently from the same file, every guide is re-sent once.
"""

from __future__ import annotations

import bisect
import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from api.content.model import SERVED_FORMAT, Corpus, Guide


@dataclass(frozen=True)
class Entry:
    """A guide as the journal knows it: enough to tell whether a client's copy is current."""

    digest: str
    collection: str


def fingerprint(g: Guide, corpus: Corpus) -> str:
    """Digest of everything the guide's JSON depends on: its file, its collection, its links."""
    c = corpus.collections.get(g.collection)
    links = sorted(
        {
            (t, corpus.guides[t].title, corpus.guides[t].collection)
            for t in (link.target for link in g.links)
            if t in corpus.guides
        }
    )
    data = [g.digest, g.collection, c.title if c else None, links, SERVED_FORMAT]
    return hashlib.sha256(json.dumps(data, separators=(",", ":")).encode()).hexdigest()[:32]


def manifest(corpus: Corpus) -> dict[str, Entry]:
    return {slug: Entry(fingerprint(g, corpus), g.collection) for slug, g in corpus.guides.items()}


def diff(old: dict[str, Entry], corpus: Corpus) -> list[dict]:
    """The events (without seq) that turn manifest `old` into the corpus's manifest."""
    new = manifest(corpus)
    events: list[dict] = []
    for slug in sorted(old.keys() | new.keys()):
        before, after = old.get(slug), new.get(slug)
        if after is not None:
            if before != after:
                events.append({"type": "upsert", "slug": slug, "digest": after.digest, "collection": after.collection})
        elif before is not None:
            target = corpus.live_slug(slug)  # a slug no longer a guide: renamed to a live one, or gone
            if target is not None:
                events.append({"type": "rename", "slug": slug, "to": target})
            else:
                events.append({"type": "delete", "slug": slug, "reason": corpus.retired.get(slug)})
    return events


def _lines(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.split(b"\n") if line.strip()]


def _replay(entries: list[dict]) -> tuple[dict[str, Entry], str | None, int]:
    """The manifest the entries end with, the last checkpoint's version, the last seq."""
    state: dict[str, Entry] = {}
    version, last = None, 0
    for e in entries:
        last = e["seq"]
        kind = e["type"]
        if kind == "upsert":
            state[e["slug"]] = Entry(e["digest"], e["collection"])
        elif kind in ("delete", "rename"):
            state.pop(e["slug"], None)
        elif kind == "version":
            version = e["version"]
    return state, version, last


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def record(path: str | os.PathLike[str], corpus: Corpus) -> int:
    """Append what changed since the last recorded version; return how many entries were written.

    Idempotent (recording the version the journal ends with writes nothing) and safe when several
    processes call it at once.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.seek(0)
            data = fh.read()
            if data and not data.endswith(b"\n"):
                # a write cut short (a crash mid-append): drop the partial line
                data = data[: data.rfind(b"\n") + 1]
                fh.truncate(len(data))
            entries = _lines(data)
            out: list[dict] = []
            if not entries:
                out.append(
                    {
                        "seq": 0,
                        "type": "journal",
                        "id": secrets.token_hex(8),
                        "key": secrets.token_hex(32),
                        "created": _now(),
                    }
                )
            state, version, last = _replay(entries)
            events = diff(state, corpus)
            if not events and version == corpus.version:
                return 0
            events.append({"type": "version", "version": corpus.version, "at": _now()})
            for i, e in enumerate(events, start=last + 1):
                out.append({"seq": i, **e})
            fh.seek(0, os.SEEK_END)
            fh.write(b"".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for e in out))
            fh.flush()
            os.fsync(fh.fileno())
            return len(out)
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class JournalMissing(RuntimeError):
    """The journal file does not exist (yet) or has no header."""


class Journal:
    """A reader of the journal, kept in memory and brought up to date by reading what was appended.

    Answers the questions a sync needs: which slugs changed between two sequence numbers, and
    what a slug's entry was at a sequence number.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self.id: str | None = None
        self.key: bytes = b""
        self.head = 0
        self._offset = 0
        self._inode: tuple[int, int] | None = None
        self._seqs: list[int] = []  # seq of every guide event, ascending
        self._slugs: list[str] = []  # its slug
        self._history: dict[str, tuple[list[int], list[Entry | None]]] = {}
        self._checkpoints: dict[str, int] = {}  # version -> first checkpoint seq

    def refresh(self) -> None:
        """Read what was appended since the last look (one stat when nothing was)."""
        with self._lock:
            try:
                st = os.stat(self.path)
            except FileNotFoundError:
                self._reset()
                return
            inode = (st.st_dev, st.st_ino)
            if inode != self._inode or st.st_size < self._offset:
                self._reset()  # a new journal: start again
                self._inode = inode
            if st.st_size == self._offset:
                return
            with open(self.path, "rb") as fh:
                fcntl.flock(fh, fcntl.LOCK_SH)
                try:
                    fh.seek(self._offset)
                    data = fh.read()
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
            end = data.rfind(b"\n") + 1  # only whole lines
            for e in _lines(data[:end]):
                self._add(e)
            self._offset += end

    def _add(self, e: dict) -> None:
        seq, kind = e["seq"], e["type"]
        self.head = max(self.head, seq)
        if kind == "journal":
            self.id, self.key = e["id"], bytes.fromhex(e["key"])
        elif kind == "version":
            self._checkpoints.setdefault(e["version"], seq)
        else:
            entry = Entry(e["digest"], e["collection"]) if kind == "upsert" else None
            seqs, states = self._history.setdefault(e["slug"], ([], []))
            seqs.append(seq)
            states.append(entry)
            self._seqs.append(seq)
            self._slugs.append(e["slug"])

    def checkpoint(self, version: str) -> int | None:
        """The first sequence number at which the journal's state was this version (stable forever)."""
        return self._checkpoints.get(version)

    def touched(self, lo: int, hi: int) -> set[str]:
        """Slugs with an event after `lo` up to and including `hi`."""
        if hi <= lo:
            return set()
        start = bisect.bisect_right(self._seqs, lo)
        end = bisect.bisect_right(self._seqs, hi)
        return set(self._slugs[start:end])

    def state(self, slug: str, seq: int) -> Entry | None:
        """The slug's entry at sequence number `seq` (None: not a guide then)."""
        found = self._history.get(slug)
        if found is None:
            return None
        seqs, states = found
        i = bisect.bisect_right(seqs, seq)
        return states[i - 1] if i else None
