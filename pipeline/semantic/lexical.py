"""Lexical fallback: hashed character n-gram vectors, so the pipeline runs with no model at all.

A text is folded (NFKC, white space removed, see pipeline.util.textnorm), punctuation is dropped, and its character
1-, 2- and 3-grams are counted. Each n-gram is hashed (blake2b-64) into one of `dim` buckets with a ± sign taken
from the same hash (the "hashing trick" of Weinberger et al., 2009, "Feature Hashing for Large Scale Multitask
Learning"; the sign keeps collisions from adding up). A bucket holds the sum of signed 1 + log(count) weights
(sublinear term frequency, Manning et al., "Introduction to Information Retrieval", 6.4.1); no corpus statistics,
so a text's vector never depends on the rest of the batch. Cosine of two such vectors is a character-overlap score:
it finds reworded copies that keep many characters, not paraphrases that change the words.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from functools import lru_cache

import numpy as np

from ..util.textnorm import fold
from .encoder import Encoder, Kind

NGRAM_ORDERS = (1, 2, 3)


@lru_cache(maxsize=1 << 20)
def _bucket(gram: str, dim: int) -> tuple[int, float]:
    value = int.from_bytes(hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest(), "little")
    return (value >> 1) % dim, (1.0 if value & 1 else -1.0)


def char_ngrams(text: str) -> Counter[str]:
    """Counts of the character 1/2/3-grams of the folded text with punctuation removed."""
    chars = "".join(c for c in fold(text) if c.isalnum())
    return Counter(chars[i : i + n] for n in NGRAM_ORDERS for i in range(len(chars) - n + 1))


class LexicalEncoder(Encoder):
    """Hashed character 1/2/3-gram vectors of `dim` buckets (see the module docstring)."""

    cacheable = False  # a 16 KB row per text would bloat the cache, and counting n-grams is as fast as reading it

    def __init__(self, *, dim: int = 4096, **kwargs):
        super().__init__(**kwargs)
        self.dim = dim
        self.name = f"lexical:char123-{dim}"

    def _embed(self, texts: list[str], kind: Kind) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for gram, count in char_ngrams(text).items():
                bucket, sign = _bucket(gram, self.dim)
                out[row, bucket] += sign * (1.0 + math.log(count))
        return out
