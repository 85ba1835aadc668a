"""The store's cache of text vectors (api/releases/vector_cache.py): a full build embeds only texts no
earlier publish embedded, and a damaged or missing cache costs time only, never a wrong vector.

Each publish here starts with an empty in-process text cache (as a new `content publish` process
does), and the encoder is wrapped to count the texts it is given.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from api.content import load_corpus
from api.releases import ReleaseStore, publish
from api.releases import vector_cache as cache_mod
from api.releases import vectors as guide_vectors
from api.semantic import encoder
from tests.synthetic import QUIET, write_corpus

GUIDE = f"{QUIET}.md"


@pytest.fixture
def encoded(monkeypatch) -> list[int]:
    """Texts given to the encoder, per call; CACHE_MIN 1: the synthetic corpus has few texts."""
    calls: list[int] = []

    class Counting:
        def encode(self, texts: list[str]) -> np.ndarray:
            calls.append(len(texts))
            return encoder().encode(texts)

    monkeypatch.setattr(guide_vectors, "encoder", Counting)
    monkeypatch.setattr(guide_vectors, "CACHE_MIN", 1)
    return calls


def _publish(content: Path, store: Path, monkeypatch, *, full: bool) -> Path:
    monkeypatch.setattr(guide_vectors, "_texts", guide_vectors.LRUCache(10_000))  # a new process
    s = ReleaseStore(store)
    publish(content, s, full=full)
    live = s.live_bundle()
    assert live is not None
    return live


def _edit_body(content: Path, n: int) -> None:
    """A change to a guide's body: a new release, the same title, summary and signals."""
    path = content / "guides" / GUIDE
    path.write_text(path.read_text() + f"\nOne more line, number {n}.\n")


def _texts(content: Path) -> set[str]:
    corpus, _ = load_corpus(content)
    return {t for g in corpus.guides.values() for t in guide_vectors.guide_texts(g)}


def _fresh_vectors(content: Path) -> dict[str, np.ndarray]:
    corpus, _ = load_corpus(content)
    guides = sorted(corpus.guides.values(), key=lambda g: g.slug)
    return dict(zip((g.digest for g in guides), guide_vectors.embed_guides(guides), strict=True))


@pytest.fixture
def content(tmp_path) -> Path:
    return write_corpus(tmp_path / "content")


def test_a_full_build_after_a_publish_embeds_no_text(content, tmp_path, monkeypatch, encoded) -> None:
    store = tmp_path / "store"
    _publish(content, store, monkeypatch, full=False)
    assert sum(encoded) == len(_texts(content))  # the first publish embeds every distinct text once
    assert len(cache_mod.VectorCache(store / cache_mod.CACHE_DIR).files()) == 1
    _edit_body(content, 1)
    encoded.clear()
    live = _publish(content, store, monkeypatch, full=True)
    assert encoded == []  # every text's vector came from the store's cache
    assert "_" in live.name and int(live.name.split("_")[0]) == 2  # a new release was built
    monkeypatch.setattr(guide_vectors, "_texts", guide_vectors.LRUCache(10_000))
    fresh, cached = _fresh_vectors(content), guide_vectors.read_vectors(live)
    assert set(fresh) == set(cached)
    for digest, vec in fresh.items():  # equal up to float32 rounding between batchings
        assert np.allclose(vec, cached[digest], atol=1e-6, rtol=0)


def test_a_changed_summary_is_the_only_text_embedded(content, tmp_path, monkeypatch, encoded) -> None:
    store = tmp_path / "store"
    _publish(content, store, monkeypatch, full=False)
    path = content / "guides" / GUIDE
    text = path.read_text()
    start = text.index("\nsummary:") + len("\nsummary:")
    path.write_text(text[:start] + " A summary no guide had before." + text[text.index("\n", start) :])
    encoded.clear()
    _publish(content, store, monkeypatch, full=True)
    assert encoded == [1]


@pytest.mark.parametrize("damage", ["garbage", "flipped", "emptied", "removed"])
def test_a_damaged_cache_is_ignored_and_rebuilt(content, tmp_path, monkeypatch, encoded, damage: str) -> None:
    store = tmp_path / "store"
    _publish(content, store, monkeypatch, full=False)
    cache = cache_mod.VectorCache(store / cache_mod.CACHE_DIR)
    (path,) = cache.files()
    if damage == "garbage":
        path.write_bytes(b"not a zip file")
    elif damage == "flipped":  # still a readable file: only its digest tells
        with np.load(path) as f:
            keys, vectors = f["keys"], f["vectors"].copy()
        vectors[0, 0] += 0.5
        with open(path, "wb") as fh:
            np.savez(fh, keys=keys, vectors=vectors)
    elif damage == "emptied":
        path.write_bytes(b"")
    else:
        shutil.rmtree(store / cache_mod.CACHE_DIR)
    _edit_body(content, 2)
    encoded.clear()
    live = _publish(content, store, monkeypatch, full=True)
    assert sum(encoded) == len(_texts(content))  # embedded again, none taken from the bad file
    (rebuilt,) = cache.files()
    assert rebuilt.exists() and (damage == "removed" or rebuilt == path)  # the same content, the same name
    monkeypatch.setattr(guide_vectors, "_texts", guide_vectors.LRUCache(10_000))
    fresh, written = _fresh_vectors(content), guide_vectors.read_vectors(live)
    assert all(np.allclose(vec, written[d], atol=1e-6, rtol=0) for d, vec in fresh.items())
    encoded.clear()
    _edit_body(content, 3)
    _publish(content, store, monkeypatch, full=True)
    assert encoded == []  # the rebuilt cache serves


def test_the_cache_is_bounded_to_the_texts_of_the_last_full_build(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(cache_mod, "MAX_FILES", 2)
    cache = cache_mod.VectorCache(tmp_path)
    (tmp_path / "an-older-model").mkdir()
    rng = np.random.default_rng(1)
    rows = {cache_mod.text_key(f"text {i}"): rng.random(384, dtype=np.float32) for i in range(5)}
    for k, v in rows.items():
        cache.add({k: v})
    assert len(cache.files()) == 5 and cache.read().keys() == rows.keys()
    used = dict(list(rows.items())[:2])
    cache.compact(used)
    assert len(cache.files()) == 1 and not (tmp_path / "an-older-model").exists()
    held = cache.read()
    assert held.keys() == used.keys() and all(np.array_equal(held[k], v) for k, v in used.items())
    cache.compact(rows)  # within MAX_FILES: nothing to do
    assert cache.read().keys() == used.keys()
