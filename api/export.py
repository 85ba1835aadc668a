"""The export bundle as a file: written once per (release, scope), gzipped, then served from disk.

No Flask here. At 10,000 guides the export is about 240 MB of JSON: built in memory it took 11 s
and grew a worker by 300 MB, and a crawl evicted it from the response cache, so it was built
again. Here it is streamed guide by guide into a gzip file (level 6, no name, mtime 0: the same
content gives the same bytes) on the first request for it, under a lock so that one worker
builds while the others wait; afterwards every worker serves the file (`send_file`), with the
digest of its bytes as a strong ETag. Files of releases older than the one before are removed
when a new one is written.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.content.files import file_lock

SUFFIX = ".json.gz"
CHUNK = 256 * 1024


@dataclass(frozen=True)
class ExportFile:
    path: Path
    etag: str  # unquoted: the digest of the gzip bytes
    size: int


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def write(path: Path, head: dict[str, Any], guides: Iterator[dict[str, Any]], tail: dict[str, Any]) -> None:
    """`{**head, "guides": [...], **tail}` as gzipped JSON, one guide in memory at a time."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
        gz.write(_dumps(head)[:-1] + b',"guides":[')
        for i, guide in enumerate(guides):
            gz.write(b"," + _dumps(guide) if i else _dumps(guide))
        gz.write(b"]," + _dumps(tail)[1:])
    os.replace(tmp, path)


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()[:32]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with file_lock(path.with_name(path.name + ".lock")):
        yield


def ensure(folder: Path, name: str, build: Callable[[Path], None], keep_from_seq: int) -> ExportFile:
    """The export file `name` in `folder`, written by `build(path)` unless some process has already."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name + SUFFIX)
    if not path.exists():
        with _locked(path):
            if not path.exists():  # another worker may have written it while this one waited
                build(path)
                _prune(folder, keep_from_seq)
    return ExportFile(path, digest(path), path.stat().st_size)


def inflate(path: Path) -> Iterator[bytes]:
    """The file's JSON, decompressed as it streams (for the rare client that takes no gzip)."""
    with gzip.open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def _prune(folder: Path, keep_from_seq: int) -> None:
    for old in folder.iterdir():
        head = old.name.split("_", 1)[0]
        if head.isdigit() and int(head) < keep_from_seq:
            with contextlib.suppress(OSError):
                old.unlink()
