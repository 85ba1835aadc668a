"""Each guide's meaning as one vector (api/semantic.py), made at publish time and kept in the bundle.

    guide-vectors.npz   model (its name), digests (each guide's source digest), vectors (float32, n x 384),
                        example_digests, example_vectors (one row per sounds_like example, under its
                        guide's digest: float32, m x 384)

A guide's vector is the normalised mean of the unit vectors of its title, its summary and each of
its signals (bench/results/semantic-experiment.md: the best of the guide texts tried on the
development sets). Keyed by the guide's digest, so a publish embeds only guides whose file changed:
the others' vectors are copied from the live bundle's file. Guide text is published content, not
what readers type: identical texts (common in generated content) are embedded once per process.
A publish with many texts to embed (a full build, the first publish) takes those it can from the
store's vector cache (api/releases/vector_cache.py: per text, shared by releases) and adds the
others to it, so `--full` embeds only texts no earlier publish embedded.

No Flask here. A publish whose encoder cannot load fails with EncoderUnavailable, which says why;
a bundle without the file (written before it, or by hand) is served without the factor.
"""

from __future__ import annotations

import logging
import os
import threading
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from cachetools import LRUCache

from api.content import Corpus
from api.content.model import Guide
from api.releases.vector_cache import VectorCache, text_key
from api.semantic import DIM, MODEL_NAME, encoder

log = logging.getLogger(__name__)

VECTORS_FILE = "guide-vectors.npz"
_texts: LRUCache[str, np.ndarray] = LRUCache(50_000)  # guide text -> its vector (content, never a query)
_lock = threading.Lock()
CACHE_MIN = 64  # texts to embed from which the store's cache is read (fewer: embedding them is as quick)


def guide_texts(g: Guide) -> list[str]:
    return [g.title, g.summary, *g.signals]


def _embed_texts(texts: list[str], cache: Path | None = None, whole: bool = False) -> dict[str, np.ndarray]:
    """Each distinct text's vector. `cache`: the store's vector cache folder, read when there are
    many to embed; `whole`: these are every text of the release (the cache may be pruned to them)."""
    with _lock:
        known = {t: _texts[t] for t in texts if t in _texts}
    todo = list(dict.fromkeys(t for t in texts if t not in known))
    store = VectorCache(cache) if cache is not None and len(todo) >= CACHE_MIN else None
    if store is not None:
        held = store.read()
        known.update({t: held[k] for t in todo if (k := text_key(t)) in held})
        todo = [t for t in todo if t not in known]
    if todo:
        for t, v in zip(todo, encoder().encode(todo), strict=True):
            known[t] = v
    with _lock:
        for t, v in known.items():
            _texts[t] = v
    if store is not None:
        store.add({text_key(t): known[t] for t in todo})
        if whole:
            store.compact({text_key(t): v for t, v in known.items()})
    return known


def _guide_vectors(guides: list[Guide], vec: Mapping[str, np.ndarray]) -> np.ndarray:
    """One unit vector per guide, in order: the normalised mean of its texts' vectors."""
    out = np.zeros((len(guides), DIM), dtype=np.float32)
    for i, g in enumerate(guides):
        mean = np.mean([vec[t] for t in guide_texts(g)], axis=0)
        out[i] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return out


def embed_guides(guides: list[Guide], cache: Path | None = None, whole: bool = False) -> np.ndarray:
    """One unit vector per guide, in order (`cache`, `whole`: as for _embed_texts)."""
    return _guide_vectors(guides, _embed_texts([t for g in guides for t in guide_texts(g)], cache, whole))


def read_all(bundle: Path) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """A bundle's file: guide digest -> its vector, and guide digest -> its sounds_like examples'
    vectors (k x 384); both empty when it has none (or one of another model), the second when the
    file was written before examples were."""
    try:
        with np.load(bundle / VECTORS_FILE, allow_pickle=False) as f:
            if str(f["model"]) != MODEL_NAME:
                return {}, {}
            guides = dict(zip((str(d) for d in f["digests"]), f["vectors"], strict=True))
            rows: dict[str, list[np.ndarray]] = {}
            if "example_digests" in f.files:
                for d, v in zip(f["example_digests"], f["example_vectors"], strict=True):
                    rows.setdefault(str(d), []).append(v)
            return guides, {d: np.array(vs, np.float32) for d, vs in rows.items()}
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        if not isinstance(exc, FileNotFoundError):
            log.warning("cannot read %s: %s; served without it", bundle / VECTORS_FILE, exc)
        return {}, {}


def read_vectors(bundle: Path) -> dict[str, np.ndarray]:
    """digest -> vector of a bundle's file; empty when it has none (or one of another model)."""
    return read_all(bundle)[0]


def write_vectors(corpus: Corpus, building: Path, live: Path | None, cache: Path | None = None) -> int:
    """Write the bundle's file, embedding only guides (and sounds_like examples) the live bundle's
    does not have (their texts through the store's vector cache `cache` when there are many); the
    count of guides embedded."""
    known, known_ex = read_all(live) if live is not None else ({}, {})
    guides = sorted(corpus.guides.values(), key=lambda g: g.slug)
    new = [g for g in guides if g.digest not in known]
    new_ex = [g for g in guides if g.sounds_like and g.digest not in known_ex]
    texts = [t for g in new for t in guide_texts(g)] + [t for g in new_ex for t in g.sounds_like]
    vec = _embed_texts(texts, cache, len(new) == len(guides))
    fresh = dict(zip((g.digest for g in new), _guide_vectors(new, vec), strict=True))
    examples = {**known_ex, **{g.digest: np.array([vec[t] for t in g.sounds_like], np.float32) for g in new_ex}}
    digests = list(dict.fromkeys(g.digest for g in guides))
    rows = [fresh[d] if d in fresh else known[d] for d in digests]
    matrix = np.array(rows, dtype=np.float32).reshape(len(digests), DIM)
    with_ex = [d for d in digests if d in examples]
    ex_digests = [d for d in with_ex for _ in range(len(examples[d]))]
    ex_matrix = np.concatenate([examples[d] for d in with_ex]) if with_ex else np.zeros((0, DIM), np.float32)
    tmp = building / (VECTORS_FILE + f".{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        np.savez(
            fh,
            model=np.array(MODEL_NAME),
            digests=np.array(digests, dtype=str),
            vectors=matrix,
            example_digests=np.array(ex_digests, dtype=str),
            example_vectors=ex_matrix,
        )
    os.replace(tmp, building / VECTORS_FILE)
    return len(new)
