"""A cache of sentence vectors in the release store, content-addressed: `vectors/<model>/<digest>.npz`.

No Flask here. The encoder (api/semantic.py) is a pure function of its model files and a text, so
a vector is kept under the SHA-256 of its text, in a folder named by the model: a digest of the
model's name, its weights, its tokenizer and the encoder's code. Another model (or an edit to the
encoder) gets a folder of its own, and the old folders are pruned. Only published guide text is
kept here (titles, summaries, signals), never what a reader types.

Each file holds the vectors one publish embedded (`keys`: the texts' digests, `vectors`: float32,
n x 384); its name is the digest of its arrays, checked when it is read, and it is written under a
temporary name and renamed (atomic). A file that cannot be read or does not match its name is
ignored and removed: the cache only saves time, its loss costs nothing else. Files are shared by the
releases of the store (both chains); when there are more than MAX_FILES, the next publish that reads
the cache writes the vectors of the texts it used into one file and removes the others, so the
cache holds what the live release needs and stays bounded.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import shutil
import time
import zipfile
from pathlib import Path

import numpy as np

from api.semantic import DIM, MAX_TOKENS, MODEL_NAME, model_dir

log = logging.getLogger(__name__)

CACHE_DIR = "vectors"  # in the store's root
MAX_FILES = 8
_STALE_TMP = 3600.0  # seconds after which a temporary file is a dead writer's


@functools.cache
def model_key() -> str:
    """The model's name, weights, tokenizer and the encoder's code, as one digest (read once a process)."""
    h = hashlib.sha256(f"{MODEL_NAME}\0{MAX_TOKENS}\0".encode())
    folder = model_dir()
    for path in (folder / "tokenizer.json", folder / "model.safetensors", Path(__file__).parent.parent / "semantic.py"):
        with open(path, "rb") as fh:
            h.update(hashlib.file_digest(fh, "sha256").digest())
    return h.hexdigest()[:32]


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32].encode("ascii")


def _digest(keys: np.ndarray, vectors: np.ndarray) -> str:
    h = hashlib.sha256(np.ascontiguousarray(keys).tobytes())
    h.update(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
    return h.hexdigest()[:32]


class VectorCache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = root / model_key()

    def files(self) -> list[Path]:
        return sorted(self.dir.glob("*.npz")) if self.dir.is_dir() else []

    def read(self) -> dict[bytes, np.ndarray]:
        """Every vector the cache holds, by text key; unreadable files are dropped."""
        found: dict[bytes, np.ndarray] = {}
        for path in self.files():
            try:
                with np.load(path, allow_pickle=False) as f:
                    keys, vectors = f["keys"], f["vectors"]
                shaped = vectors.dtype == np.float32 and vectors.shape == (len(keys), DIM)
                if not shaped or _digest(keys, vectors) != path.stem:
                    raise ValueError("its content does not match its name")
            except FileNotFoundError:  # pruned by another publisher in between
                continue
            except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile) as exc:
                log.warning("vector cache: ignoring %s (%s)", path.name, exc)
                path.unlink(missing_ok=True)
                continue
            found.update(zip(keys.tolist(), vectors, strict=True))
        return found

    def add(self, vectors: dict[bytes, np.ndarray]) -> Path | None:
        """Write these vectors as one file (atomically); None when nothing to write or it fails."""
        if not vectors:
            return None
        keys = np.array(sorted(vectors), dtype="S32")
        matrix = np.array([vectors[k] for k in keys.tolist()], dtype=np.float32).reshape(len(keys), DIM)
        path = self.dir / f"{_digest(keys, matrix)}.npz"
        tmp = self.dir / f".{path.stem}.{os.getpid()}.tmp"
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                np.savez(fh, keys=keys, vectors=matrix)
            os.replace(tmp, path)
        except OSError as exc:  # a full disk, a read-only store: the next publish embeds again
            log.warning("vector cache: cannot write %s (%s)", path.name, exc)
            tmp.unlink(missing_ok=True)
            return None
        return path

    def compact(self, used: dict[bytes, np.ndarray]) -> None:
        """With more than MAX_FILES files: keep only these vectors (the texts of the release just
        built), in one file; remove the other files, other models' folders and dead temporary files."""
        old = self.files()
        if len(old) <= MAX_FILES:
            return
        kept = self.add(used)
        for path in old:
            if path != kept:
                path.unlink(missing_ok=True)
        for other in self.root.iterdir():
            if other.is_dir() and other != self.dir:
                shutil.rmtree(other, ignore_errors=True)
        for tmp in self.dir.glob(".*.tmp"):
            try:
                if time.time() - tmp.stat().st_mtime > _STALE_TMP:
                    tmp.unlink()
            except OSError:
                continue
