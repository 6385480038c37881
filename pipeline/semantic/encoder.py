"""The one interface every semantic backend offers: texts in, L2-normalized float32 vectors out.

`Encoder.encode` does the work common to all backends, in this order: drop duplicate texts, read what the on-disk
cache already holds, embed the rest in batches of `batch_size` texts, L2-normalize, store the new rows. A backend
only implements `_embed` (raw vectors for one batch) and names itself.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from .cache import EmbeddingCache, cache_key

Kind = Literal["passage", "query"]
KINDS: tuple[str, ...] = ("passage", "query")
_FINGERPRINT_BLOCK = 1 << 20  # bytes read from each end of a weight file


def fingerprint_files(paths: Iterable[Path], root: Path) -> str:
    """A stable 16-hex-digit identity of model files: each file's path below `root`, its size, and a blake2b of
    its first and last MiB. Cheap on a 2 GB model, and it changes when a folder is refilled with another model."""
    h = hashlib.blake2b(digest_size=8)
    for path in sorted(paths):
        size = path.stat().st_size
        h.update(f"{path.relative_to(root).as_posix()}\0{size}\0".encode())
        with path.open("rb") as f:
            h.update(f.read(_FINGERPRINT_BLOCK))
            if size > 2 * _FINGERPRINT_BLOCK:
                f.seek(size - _FINGERPRINT_BLOCK)
                h.update(f.read(_FINGERPRINT_BLOCK))
    return h.hexdigest()


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; an all-zero row (a text with nothing the model knows) stays zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


class Encoder(ABC):
    """Encodes Chinese passages or queries into L2-normalized vectors; `stats` counts work done and cache hits.

    Subclasses set `name` (goes into results and the cache key), `dim`, and `model_fingerprint` (identity of the
    weights), and implement `_embed`. `cacheable = False` marks a backend whose vectors are cheaper to compute than
    to read back (the lexical one).
    """

    name: str
    dim: int
    model_fingerprint: str = ""
    cacheable: bool = True

    def __init__(self, *, cache_dir: Path | None = None, batch_size: int = 64):
        self._cache = EmbeddingCache(cache_dir) if cache_dir is not None and self.cacheable else None
        self.batch_size = batch_size
        self.stats = {"embedded": 0, "cache_hits": 0}

    @property
    def identity(self) -> str:
        """Name plus weight fingerprint: what the cache key is made of."""
        return f"{self.name}@{self.model_fingerprint}"

    def encode(self, texts: Sequence[str], *, kind: Kind = "passage") -> np.ndarray:
        """float32 array of shape (len(texts), dim) with unit rows, the same for the same text on every run.

        `kind` is "passage" for text being searched or compared, "query" for a short probe searched for (models
        trained with a query instruction, like e5 or bge, use it; the others ignore it)."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a list of texts, not one string; wrap it: encode([text])")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        unique = list(dict.fromkeys(texts))
        vectors: dict[str, np.ndarray] = {}
        keys: dict[str, bytes] = {}
        if self._cache is not None and unique:
            keys = {t: cache_key(self.identity, kind, t) for t in unique}
            cached = self._cache.get_many(list(keys.values()), self.dim)
            vectors = {t: cached[k] for t, k in keys.items() if k in cached}
            self.stats["cache_hits"] += len(vectors)
        missing = [t for t in unique if t not in vectors]
        for start in range(0, len(missing), self.batch_size):
            batch = missing[start : start + self.batch_size]
            rows = l2_normalize(self._embed(batch, kind))
            if self._cache is not None:
                self._cache.put_many([keys[t] for t in batch], rows)
            vectors.update(zip(batch, rows))
            self.stats["embedded"] += len(batch)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([vectors[t] for t in texts]).astype(np.float32, copy=False)

    @abstractmethod
    def _embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        """Raw vectors of shape (len(texts), dim) for one batch; `encode` normalizes them."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} dim={self.dim}>"
