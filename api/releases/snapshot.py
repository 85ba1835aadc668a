"""The corpus snapshot of a release, stored per guide and content-addressed: `corpus.pack`.

No Flask here. One file per bundle (a bundle stays self-contained: a shared store ships it as one
tar). The file is a small header (the collections, redirects, language and support files, and per
guide its slug, source digest, the key of its pickled bytes and where they lie) followed by the
pickled guides, one blob each, keyed by the SHA-256 of their bytes (their content address):

    b"LPPACK1\\n" | header length (8 bytes, big-endian) | header (pickle) | blob | blob | ... | parts

The parts after the guides' blobs are named in the header (`parts`: name -> offset, length) and
read only when asked for: the danger-word warnings per guide file (for the next publisher). A new
per-release or per-guide file of data can be added the same way without touching the guides.

Writing the next release pickles only the guides whose objects are new and copies the bytes of the
others from the previous pack (no unpickling, no pickling). A worker maps the file and unpickles
only the guides whose key the release it serves does not hold (api/releases/store.py); the index
build is handed the keys too, and converts only the guides whose key changed. A publisher reads
the previous pack as its parse cache: a guide whose source digest is unchanged is taken from it.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import pickle
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.content import Corpus, Guide, Problem
from api.content.files import write_atomic
from api.content.load import CACHE_FORMAT

MAGIC = b"LPPACK1\n"
PACK_FILE = "corpus.pack"
PROTOCOL = pickle.HIGHEST_PROTOCOL


@dataclass(frozen=True)
class Slot:
    slug: str
    source: str  # the guide's source digest (Guide.digest): what the parse cache is keyed on
    path: str  # the guide's path as parsed (Guide.path; its problems name it)
    key: str  # SHA-256 of the blob: the guide as pickled
    offset: int
    length: int


class Pack:
    """A pack as read from disk: its header, and its guides' bytes, mapped and read only when asked
    for (a worker taking a new release unpickles only the guides it does not hold already)."""

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as fh:
            head = fh.read(len(MAGIC) + 8)
            if not head.startswith(MAGIC) or len(head) < len(MAGIC) + 8:
                raise ValueError(f"{path} is not a corpus pack")
            size = int.from_bytes(head[len(MAGIC) :], "big")
            self.header: dict[str, Any] = pickle.loads(fh.read(size))  # our own artifact
            start = len(MAGIC) + 8 + size
            total = os.fstat(fh.fileno()).st_size
            # The bundle is immutable (a new pack is a new file): the mapping stays valid after close.
            data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if total > start else b""
        self._body = memoryview(data)[start:]
        self.slots = [Slot(*s) for s in self.header["guides"]]
        self._by_path: dict[str, Slot] | None = None
        self._parts: dict[str, Any] = {}

    def blob(self, slot: Slot) -> bytes:
        return bytes(self._body[slot.offset : slot.offset + slot.length])

    def guide(self, slot: Slot) -> Guide:
        found: Guide = pickle.loads(self._body[slot.offset : slot.offset + slot.length])
        return found

    def keys(self) -> dict[str, str]:
        """Per guide, the content address of its blob."""
        return {s.slug: s.key for s in self.slots}

    def corpus(self, held: Mapping[str, Guide] | None = None) -> Corpus:
        """The whole corpus (as it was written: its version is the content version). `held`: guides
        already in memory, by the key of their blob (the release a worker serves): those are taken
        as they are, not read again (the same key is the same bytes, so the same guide)."""
        h = self.header
        held = held or {}
        guides = {s.slug: held.get(s.key) or self.guide(s) for s in self.slots}
        by_id = {sc.id: sc for g in guides.values() for sc in g.scripts}
        return Corpus(
            guides,
            h["collections"],
            h["renamed"],
            h["retired"],
            h["version"],
            {sid: by_id[sid] for sid in h["scripts"]},
            h["language"],
            h["support"],
            h.get("retired_from", {}),  # packs written before retirements named their collection
        )

    def cached(self, rel: str, path: str, digest: str) -> Guide | None:
        """The parse cache a publisher reads (api/content/load.py): the guide parsed from a file with
        this digest at this path, when this pack holds it and was parsed by this parser."""
        if self.header.get("parse_format") != CACHE_FORMAT:
            return None
        if self._by_path is None:
            self._by_path = {s.path: s for s in self.slots}
        slot = self._by_path.get(path)
        return self.guide(slot) if slot is not None and slot.source == digest else None

    def part(self, name: str) -> Any:
        """A part of the pack beside the guides (a blob of its own, read only when asked for: the
        danger-word warnings, which only publishers need); None when the pack has none."""
        if name not in self._parts:
            where = (self.header.get("parts") or {}).get(name)
            found = pickle.loads(self._body[where[0] : where[0] + where[1]]) if where else None
            self._parts[name] = found if found is not None else self.header.get(name)  # older packs: in the header
        return self._parts[name]

    def danger_found(self, g: Guide, language: str) -> list[Problem] | None:
        """The danger-word warnings found for this guide file with these language files, or None."""
        danger = self.part("danger") or {}
        if not language or danger.get("language") != language:
            return None
        entry = danger["found"].get(g.path)
        return list(entry[1]) if entry is not None and entry[0] == g.digest else None

    def reusable(self, slug: str, g: Guide) -> Slot | None:
        """The slot whose blob is this guide: parsed from the same file at the same path."""
        if self.header.get("parse_format") != CACHE_FORMAT:
            return None
        if self._by_path is None:
            self._by_path = {s.path: s for s in self.slots}
        slot = self._by_path.get(g.path)
        return slot if slot is not None and slot.slug == slug and slot.source == g.digest else None


def write_pack(
    path: Path, corpus: Corpus, fmt: int, previous: Pack | None = None, problems: list[Problem] | None = None
) -> tuple[int, dict[str, str]]:
    """Write the corpus as a pack; reuse the previous pack's blobs for guides parsed from the same
    file at the same path. `problems`: the loader's, whose danger-word warnings are kept per guide
    (for the next publish's check). Returns how many guides were pickled anew, and per guide the key
    of its blob (its content address: the index build and the workers reuse what they had by it)."""
    blobs: list[bytes] = []
    slots: list[tuple[str, str, str, str, int, int]] = []
    fresh, offset = 0, 0
    for slug, g in corpus.guides.items():
        old = previous.reusable(slug, g) if previous is not None else None
        if old is not None and previous is not None:
            blob, key = previous.blob(old), old.key
        else:
            blob = pickle.dumps(g, protocol=PROTOCOL)
            key, fresh = hashlib.sha256(blob).hexdigest()[:32], fresh + 1
        slots.append((slug, g.digest, g.path, key, offset, len(blob)))
        blobs.append(blob)
        offset += len(blob)
    parts: dict[str, tuple[int, int]] = {}
    extra = {"danger": _danger(corpus, problems) if problems is not None else None}
    for name, value in extra.items():  # after the guides: a worker never reads them
        if value is not None:
            blob = pickle.dumps(value, protocol=PROTOCOL)
            parts[name] = (offset, len(blob))
            blobs.append(blob)
            offset += len(blob)
    header = pickle.dumps(
        {
            "format": fmt,
            "parse_format": CACHE_FORMAT,
            "version": corpus.version,
            "collections": corpus.collections,
            "renamed": corpus.renamed,
            "retired": corpus.retired,
            "retired_from": corpus.retired_from,
            "scripts": list(corpus.scripts),
            "language": corpus.language,
            "support": corpus.support,
            "guides": slots,
            "parts": parts,
        },
        protocol=PROTOCOL,
    )

    def write(fh: Any) -> None:
        fh.write(MAGIC + len(header).to_bytes(8, "big") + header)
        for blob in blobs:
            fh.write(blob)

    write_atomic(path, write)
    return fresh, {s[0]: s[3] for s in slots}


def _danger(corpus: Corpus, problems: list[Problem]) -> dict[str, Any]:
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        if p.field == "safety_sensitive":
            by_file.setdefault(p.file, []).append(p)
    found = {g.path: (g.digest, by_file.get(g.path, [])) for g in corpus.guides.values()}
    return {"language": corpus.language.digest, "found": found}


def link_or_copy(src: Path, dst: Path) -> None:
    """A hard link (the bundles are immutable), or a copy where the file system has none."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
