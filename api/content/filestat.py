"""Digests of unchanged content files without reading them again: a publisher's cache of, per
file, what `lstat` said of it and the digest of its bytes then (issue 21: at 10,000 guides, reading
and hashing every file took seconds of a one-edit publish; an `lstat` each takes a tenth of that).

A file's digest is taken from the cache only when nothing about the file can have changed:

- the same size, modification and status-change times (ns), inode and device as when it was
  hashed. Writing a file changes its mtime and ctime; replacing it (as editors and git do)
  changes the inode; setting an old mtime back (touch -d, rsync) still changes the ctime;
- and both times were older than the moment it was hashed by `RACY_SECONDS`: a file written just
  before or while it was hashed could change again within the same clock tick without its times
  changing (git's "racy clean" case), so it is hashed again until it is old enough.

Anything else (no entry, a symlink, a folder, a damaged cache file) falls back to reading the
file. The cache holds names, times and digests of editors' files only.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import stat
import time
from pathlib import Path

from api.content.files import write_atomic

log = logging.getLogger(__name__)

RACY_SECONDS = 2.0  # FAT keeps mtimes to 2 s; every other filesystem finer
FORMAT = 1
Signature = tuple[int, int, int, int, int]  # size, mtime_ns, ctime_ns, inode, device
Entry = tuple[Signature, str, int]  # what lstat said, the digest of the bytes, when they were hashed (ns)


def signature(st: os.stat_result) -> Signature:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


class FileStats:
    """The entries of one content folder: `known` (read from the cache), `seen` (this load's)."""

    def __init__(self, path: Path | None, known: dict[str, Entry]) -> None:
        self.path = path
        self.known = known
        self.seen: dict[str, Entry] = {}

    @classmethod
    def open(cls, cache_dir: Path | None, content_dir: Path) -> FileStats:
        """The cache of this content folder in `cache_dir` (None: no cache, every file is read)."""
        if cache_dir is None:
            return cls(None, {})
        name = hashlib.sha256(str(content_dir.resolve()).encode()).hexdigest()[:16]
        path = cache_dir / f"files-{name}.pickle"
        try:
            with open(path, "rb") as fh:
                fmt, known = pickle.load(fh)  # our own artifact, written by save()
            if fmt != FORMAT or not isinstance(known, dict):
                raise ValueError("not a file-stat cache")
        except FileNotFoundError:
            known = {}
        except Exception as exc:  # a damaged cache file of any kind: every file is read
            log.warning("ignoring the file-stat cache %s: %s", path.name, type(exc).__name__)
            known = {}
        return cls(path, known)

    def unchanged(self, rel: str, path: Path) -> str | None:
        """The digest of `path` (labelled `rel`) when its stat proves it unchanged since it was
        hashed; None: read it."""
        entry = self.known.get(rel)
        if entry is None:
            return None
        try:
            st = os.lstat(path)
        except OSError:
            return None
        try:
            sig, digest, hashed = entry
            if not stat.S_ISREG(st.st_mode) or signature(st) != tuple(sig) or not isinstance(digest, str):
                return None
            racy = hashed - int(RACY_SECONDS * 1e9)
        except (TypeError, ValueError):
            return None
        if st.st_mtime_ns >= racy or st.st_ctime_ns >= racy:
            return None
        self.seen[rel] = entry
        return digest

    def before_read(self, path: Path) -> tuple[Signature, int] | None:
        """What lstat says of `path` just before it is read, and when (None: not a regular file)."""
        now = time.time_ns()
        try:
            st = os.lstat(path)
        except OSError:
            return None
        return (signature(st), now) if stat.S_ISREG(st.st_mode) else None

    def hashed(self, rel: str, before: tuple[Signature, int] | None, digest: str) -> None:
        if before is not None and self.path is not None:
            self.seen[rel] = (before[0], digest, before[1])

    def save(self) -> None:
        """Keep this load's entries (those of files it did not see are dropped)."""
        if self.path is None or self.seen == self.known:
            return
        try:
            write_atomic(self.path, pickle.dumps((FORMAT, self.seen), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as exc:
            log.warning("cannot write the file-stat cache: %s", exc)
