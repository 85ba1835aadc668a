"""A release's bundle: how it is written (from the live release, or as a copy of a twin) and read.

No Flask here. A bundle directory holds:

    corpus.pack      the corpus snapshot, per guide and content-addressed (api/releases/snapshot.py)
    index/           the Whoosh index (search_index), with its meta.json
    guide-vectors.npz  each guide's vector for the meaning-based factor (api/releases/vectors.py;
                       its texts' vectors are cached in the store, shared by releases: vector_cache.py)
    manifest.json    the manifest (api/releases/manifest.py)

`corpus.pickle` (one pickle of the whole corpus) is the snapshot of bundles written before the
pack; they are still read.

A build is incremental by default: the pack copies the bytes of unchanged guides from the live
release's pack, and the index build is handed the live release's index (`previous=`) to reuse.
`Build(full=True)` ignores the live release (`content publish --full`). A release whose content is
that of a bundle built just before (the preview release when there are no drafts: the same
corpus) hard-links that bundle's files instead of indexing again (`Build(twin=...)`); only the
index's meta.json, which names the release, is written anew.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from api.content import Corpus, Guide, Problem
from api.content.files import write_atomic
from api.content.load import paused_gc
from api.releases.manifest import FORMAT, Manifest
from api.releases.snapshot import PACK_FILE, Pack, link_or_copy, write_pack
from api.releases.vectors import VECTORS_FILE, write_vectors
from search_index import build_index
from search_index.build import META, Progress

log = logging.getLogger(__name__)

CORPUS_FILE = "corpus.pickle"  # the snapshot of bundles written before the pack (read only)
INDEX_DIR = "index"


@dataclass
class Build:
    """How a commit writes its bundle. `pack`: the live release's pack when the caller has read it
    already (the publisher reads it as its parse cache); `fresh`: guides pickled anew (set by write)."""

    full: bool = False
    twin: Path | None = None
    progress: Progress | None = None
    pack: Pack | None = None
    problems: list[Problem] | None = None  # the loader's: their danger-word warnings are kept in the pack
    fresh: int = -1

    def write(
        self, served: Corpus, content_version: str, building: Path, live: Path | None, vectors: Path | None = None
    ) -> None:
        """Write the bundle in `building`, from the `live` one; `vectors`: the store's vector cache."""
        if self.twin is not None and self._link(self.twin, building, served.version):
            return
        previous = None if self.full or live is None else live
        pack = self.pack if self.pack is not None or previous is None else read_pack(previous)
        unversioned = dataclasses.replace(served, version=content_version)
        self.fresh, keys = write_pack(building / PACK_FILE, unversioned, FORMAT, pack, self.problems)
        build_index(
            served,
            building / INDEX_DIR,
            previous=previous / INDEX_DIR if previous is not None else None,
            progress=self.progress,
            keys=keys,
        )
        write_vectors(served, building, previous, vectors)

    def _link(self, twin: Path, building: Path, version: str) -> bool:
        """Hard-link the twin bundle's pack and index; False (and nothing left) when it is gone."""
        try:
            link_or_copy(twin / PACK_FILE, building / PACK_FILE)
            link_or_copy(twin / VECTORS_FILE, building / VECTORS_FILE)
            index = building / INDEX_DIR
            index.mkdir()
            for f in (twin / INDEX_DIR).iterdir():
                if f.name != META:
                    link_or_copy(f, index / f.name)
            meta = json.loads((twin / INDEX_DIR / META).read_text())
            write_atomic(index / META, json.dumps({**meta, "version": version}, separators=(",", ":")))
        except OSError as exc:  # pruned by a publisher that came in between: build it instead
            log.info("cannot reuse %s (%s): building the bundle", twin.name, exc)
            for f in building.rglob("*"):
                if f.is_file():
                    f.unlink()
            if (building / INDEX_DIR).is_dir():
                (building / INDEX_DIR).rmdir()
            return False
        self.fresh = 0
        return True


def read_pack(bundle: Path) -> Pack | None:
    """A bundle's pack, or None (an older bundle, or one that cannot be read: the build is full)."""
    try:
        return Pack(bundle / PACK_FILE)
    except (OSError, ValueError, pickle.PickleError, EOFError, AttributeError, TypeError, KeyError):
        return None


def read_corpus(
    bundle: Path, manifest: Manifest, held: Mapping[str, Guide] | None = None
) -> tuple[Corpus, dict[str, str]] | None:
    """The corpus a worker serves, its version the release id, and per guide the key of its blob;
    None when not of this format. `held`: guides in memory by key, taken instead of read again."""
    with paused_gc():  # millions of objects, no cycles
        if (bundle / PACK_FILE).exists():
            pack = Pack(bundle / PACK_FILE)
            if pack.header.get("format") != FORMAT or pack.header["version"] != manifest.content_version:
                return None
            return dataclasses.replace(pack.corpus(held), version=manifest.id), pack.keys()
        with open(bundle / CORPUS_FILE, "rb") as fh:
            fmt, corpus = pickle.load(fh)  # our own artifact, written by publish
    if fmt != FORMAT or not isinstance(corpus, Corpus) or corpus.version != manifest.id:
        return None
    return corpus, {}
