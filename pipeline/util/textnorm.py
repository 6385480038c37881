"""The matching view of a text: NFKC-folded (full-width letters, digits and punctuation to half-width) with white
space removed,
plus the map from every matching-view character back to its offset in the original text.

Detectors match on the normalized view (so a re-flowed line or a full-width digit changes nothing) and report
evidence through the map, so every highlight points at the original characters a secretary reads. They compare
texts by the 64-bit hashes of their k-character substrings (kgram_hashes): copy detection's fingerprints, the
boilerplate index's shingles.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import numpy as np


def fold(text: str) -> str:
    """NFKC-fold one string and drop white space: the matching view without the offset map."""
    return text.translate(_FOLDED)


_BASE = np.uint64(1_000_003)  # polynomial hash base (odd prime), arithmetic modulo 2**64
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)  # splitmix64 finalizer constants: spread the bits so the window minimum
_MIX_2 = np.uint64(0x94D049BB133111EB)  # is not biased towards particular characters


def kgram_hashes(text: str, k: int) -> np.ndarray:
    """Stable 64-bit hashes of every k-character substring of `text` (len(text) - k + 1 of them), mixed so that
    their minimum over a window is an unbiased choice."""
    n = len(text) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):  # Horner's rule, vectorised over all positions at once
        h = h * _BASE + codes[j:j + n]
    h ^= h >> np.uint64(30)
    h *= _MIX_1
    h ^= h >> np.uint64(27)
    h *= _MIX_2
    h ^= h >> np.uint64(31)
    return h


class _FoldTable(dict):
    """Code point -> its matching-view characters, filled as characters are met, for str.translate."""

    def __missing__(self, code: int) -> str:
        c = chr(code)
        # Same folding as the yardstick (NFKC), character by character so every folded character keeps its
        # place in the original; white space is dropped.
        self[code] = folded = "" if c.isspace() else c if c < "\u0080" else unicodedata.normalize("NFKC", c)
        return folded


_FOLDED = _FoldTable()


@dataclass(frozen=True)
class NormalizedText:
    """`text` is the matching view; `offsets[i]` is where its i-th character stands in `original` (an array: as a
    tuple of ints it took 40 bytes a character, 600 MB for a quarter of 10,000 documents and its library)."""

    original: str
    text: str
    offsets: np.ndarray = field(compare=False)

    @classmethod
    def of(cls, original: str) -> "NormalizedText":
        # Each original character stands once in `offsets` for every character it folds to (none for white
        # space): the folded lengths are looked up once per distinct character, not per character.
        codes = np.frombuffer(original.encode("utf-32-le"), dtype=np.uint32)
        distinct, at = np.unique(codes, return_inverse=True)
        lengths = np.fromiter((len(_FOLDED[int(c)]) for c in distinct), dtype=np.intp, count=len(distinct))
        offsets = np.repeat(np.arange(len(original)), lengths[at])
        return cls(original, original.translate(_FOLDED), offsets.astype(np.int32))

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original-text span [a, b) covering matching-view characters [start, end)."""
        if start >= end:
            raise ValueError(f"empty span {start}:{end}")
        return int(self.offsets[start]), int(self.offsets[end - 1]) + 1

    def norm_index(self, original_offset: int) -> int:
        """The first matching-view index at or after an original offset (len(text) past the end)."""
        return int(np.searchsorted(self.offsets, original_offset))
