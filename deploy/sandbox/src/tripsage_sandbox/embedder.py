"""all-MiniLM-L6-v2 in plain numpy: BERT forward pass, mean pooling, L2 normalisation (no PyTorch)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_ALIASES = frozenset({MODEL_NAME, f"sentence-transformers/{MODEL_NAME}"})
MAX_TOKENS = 256
_BATCH = 32
_ERF_P = 0.3275911
_ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _erf(x: np.ndarray) -> np.ndarray:
    # numpy has no erf; Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7) keeps BERT's exact GELU.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + _ERF_P * a)
    a1, a2, a3, a4, a5 = _ERF_A
    poly = ((((a5 * t + a4) * t + a3) * t + a2) * t + a1) * t
    result: np.ndarray = sign * (1.0 - poly * np.exp(-a * a))
    return result


def _gelu(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = 0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0))))
    return result


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    normed: np.ndarray = (x - mean) / np.sqrt(var + eps) * weight + bias
    return normed


@dataclass(frozen=True, slots=True)
class _Layer:
    qkv_w: np.ndarray
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln1_w: np.ndarray
    ln1_b: np.ndarray
    up_w: np.ndarray
    up_b: np.ndarray
    down_w: np.ndarray
    down_b: np.ndarray
    ln2_w: np.ndarray
    ln2_b: np.ndarray


class MiniLM:
    """The loaded model; encode() is thread-safe (numpy releases the GIL in matmul)."""

    def __init__(self, model_dir: Path) -> None:
        config = json.loads((model_dir / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.hidden = int(config["hidden_size"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # The shipped tokenizer.json pads and truncates at 128; sentence-transformers uses 256 and no padding.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        w = load_file(str(model_dir / "model.safetensors"))
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"]
        self.emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            self.layers.append(
                _Layer(
                    qkv_w=np.ascontiguousarray(
                        np.concatenate(
                            [w[p + f"attention.self.{n}.weight"].T for n in ("query", "key", "value")], axis=1
                        )
                    ),
                    qkv_b=np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]),
                    out_w=np.ascontiguousarray(w[p + "attention.output.dense.weight"].T),
                    out_b=w[p + "attention.output.dense.bias"],
                    ln1_w=w[p + "attention.output.LayerNorm.weight"],
                    ln1_b=w[p + "attention.output.LayerNorm.bias"],
                    up_w=np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
                    up_b=w[p + "intermediate.dense.bias"],
                    down_w=np.ascontiguousarray(w[p + "output.dense.weight"].T),
                    down_b=w[p + "output.dense.bias"],
                    ln2_w=w[p + "output.LayerNorm.weight"],
                    ln2_b=w[p + "output.LayerNorm.bias"],
                )
            )

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Token count per text after truncation, special tokens included."""
        return [len(e.ids) for e in self.tokenizer.encode_batch(texts)]

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length 384-d float32 embeddings, one row per text, in input order."""
        encodings = self.tokenizer.encode_batch(texts)
        # Sorting by length (as sentence-transformers does) keeps padding small; unlike it, a batch also
        # closes when lengths diverge, so one long text does not make ten short ones cost 256 tokens each.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(texts), self.hidden), dtype=np.float32)
        batch: list[int] = []
        for index in order:
            size = len(encodings[index].ids)
            if batch and (len(batch) >= _BATCH or size > 2 * len(encodings[batch[0]].ids) + 8):
                out[batch] = self._forward([encodings[i].ids for i in batch])
                batch = []
            batch.append(index)
        if batch:
            out[batch] = self._forward([encodings[i].ids for i in batch])
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, seq in enumerate(batch):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        x = self.word[ids] + self.position[:length][None, :, :] + self.token_type[0][None, None, :]
        n, t, h = x.shape
        # Dense layers run on a contiguous 2-D (tokens, hidden) matrix: numpy only hands those to BLAS.
        x = _layer_norm(x.reshape(n * t, h), *self.emb_ln, self.eps)
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        d = h // self.heads
        scale = np.float32(1.0 / np.sqrt(d))
        for layer in self.layers:
            qkv = (x @ layer.qkv_w + layer.qkv_b).reshape(n, t, 3, self.heads, d).transpose(2, 0, 3, 1, 4)
            q, k, v = (np.ascontiguousarray(qkv[i]) for i in range(3))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = np.ascontiguousarray((scores @ v).transpose(0, 2, 1, 3)).reshape(n * t, h)
            x = _layer_norm(x + context @ layer.out_w + layer.out_b, layer.ln1_w, layer.ln1_b, self.eps)
            hidden = _gelu(x @ layer.up_w + layer.up_b)
            x = _layer_norm(x + hidden @ layer.down_w + layer.down_b, layer.ln2_w, layer.ln2_b, self.eps)
        x = x.reshape(n, t, h)
        summed = (x * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: np.ndarray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit


class LazyEmbedder:
    """Loads the model from the cache directory on first use (or at start-up via warm())."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        self._model: MiniLM | None = None
        self._lock = threading.Lock()

    def available(self) -> bool:
        """True when the model files are on disk."""
        return (self.model_dir / "model.safetensors").is_file() and (self.model_dir / "tokenizer.json").is_file()

    def get(self) -> MiniLM:
        """The loaded model; raises FileNotFoundError if fetch-model was never run."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    if not self.available():
                        raise FileNotFoundError(str(self.model_dir))
                    self._model = MiniLM(self.model_dir)
        return self._model
