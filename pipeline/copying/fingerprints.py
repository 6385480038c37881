"""Character fingerprints: the content view of a text and its winnowed k-gram hashes.

Copying is found on the *content view*: the matching view (pipeline.util.textnorm) without punctuation and symbols, so
a changed or dropped comma never breaks a match. Every text is cut into overlapping k-grams of content characters
(k = 13 by default, in the spirit of CNKI's ~13-character runs); each k-gram gets a stable 64-bit polynomial hash,
and winnowing (Schleimer, Wilkerson & Aiken 2003, "Winnowing: local algorithms for document fingerprinting", the
method of MOSS) keeps the smallest hash of every window of `window` consecutive k-grams. Two texts sharing a run
of at least k + window - 1 content characters are then guaranteed to share a fingerprint, and a text of n
characters keeps about 2n / (window + 1) of them.

Everything here is about one text at a time; what is counted across texts (postings.py) meets by hash.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from ..util.textnorm import NormalizedText, kgram_hashes


class Role(IntEnum):
    """What a text is to the copy detector. Order is precedence: a passage found in a reference is credited to the
    reference before a library text, an earlier quarter or another submission."""

    REFERENCE = 0  # the batch's references/: the texts studied this quarter
    LIBRARY = 1  # the user's reference library: earlier speeches, online templates
    PRIOR = 2  # earlier quarters' submissions
    SUBMISSION = 3  # this batch


INDEPENDENT_SOURCES = [int(Role.REFERENCE), int(Role.LIBRARY)]  # written apart from the members: formulations recur
MEMBER_TEXTS = [int(Role.PRIOR), int(Role.SUBMISSION)]  # written by the members: stock text circulates here


@dataclass(frozen=True)
class ContentView:
    """The content characters (letters, digits, ideographs) of a text's matching view, and where each one
    stands: `to_norm[i]` in the matching view, `norm.offsets[to_norm[i]]` in the original text; `line_starts`
    where the original's lines (paragraphs) begin."""

    norm: NormalizedText
    text: str
    to_norm: np.ndarray = field(repr=False)
    line_starts: np.ndarray = field(repr=False)  # content index where each line after the first begins

    @classmethod
    def of(cls, original: str) -> "ContentView":
        norm = NormalizedText.of(original)
        # Whether a character is content is asked once per distinct character, as NormalizedText.of folds.
        codes = np.frombuffer(norm.text.encode("utf-32-le"), dtype=np.uint32)
        distinct, at = np.unique(codes, return_inverse=True)
        content = np.fromiter((chr(c).isalnum() for c in distinct.tolist()), dtype=bool, count=len(distinct))
        keep = np.flatnonzero(content[at]).astype(np.int32)
        breaks = np.flatnonzero(np.frombuffer(original.encode("utf-32-le"), dtype=np.uint32) == ord("\n")) + 1
        starts = np.searchsorted(keep, np.searchsorted(norm.offsets, breaks))
        return cls(norm, codes[keep].tobytes().decode("utf-32-le"), keep, np.unique(starts))

    def __len__(self) -> int:
        return len(self.text)

    def norm_span(self, start: int, end: int) -> tuple[int, int]:
        """Matching-view span [a, b) from the first to the last of content characters [start, end)."""
        return int(self.to_norm[start]), int(self.to_norm[end - 1]) + 1

    def line_of(self, start: int, end: int) -> tuple[int, int]:
        """The content range of the lines (paragraphs) holding content characters [start, end)."""
        lo = self.line_starts[self.line_starts <= start]
        hi = self.line_starts[self.line_starts >= end]
        return (int(lo[-1]) if len(lo) else 0), (int(hi[0]) if len(hi) else len(self.text))

    def content_index(self, original_offset: int) -> int:
        """The first content index at or after an original-text offset (len(self) past the end)."""
        norm_index = self.norm.norm_index(original_offset)
        return int(np.searchsorted(self.to_norm, norm_index))

    def content_ranges(self, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """Spans of the original text as content ranges: each end's content_index, all looked up at once."""
        ends = np.searchsorted(self.to_norm, np.searchsorted(self.norm.offsets, np.asarray(spans, dtype=np.int64)))
        return [(int(a), int(b)) for a, b in ends.reshape(-1, 2).tolist()]


def winnow(hashes: np.ndarray, window: int) -> np.ndarray:
    """Positions of the winnowed fingerprints: the (leftmost) minimum of every `window` consecutive hashes, each
    position once, ascending. A text shorter than one window keeps its single minimum."""
    if len(hashes) == 0:
        return np.zeros(0, dtype=np.int64)
    if len(hashes) <= window:
        return np.asarray([int(np.argmin(hashes))], dtype=np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(hashes, window)
    return np.unique(np.argmin(windows, axis=1) + np.arange(len(windows)))


class PhraseMask:
    """Marks the content characters covered by listed standard formulations (规范提法): they are never, on their
    own, evidence of copying. Phrases are compared on the content view, so “四个意识” and 四个意识 are one."""

    def __init__(self, phrases: list[str]):
        folded = sorted({ContentView.of(p).text for p in phrases} - {""}, key=lambda p: (-len(p), p))
        self._pattern = re.compile("|".join(map(re.escape, folded))) if folded else None

    def mask(self, view: ContentView) -> np.ndarray:
        covered = np.zeros(len(view), dtype=bool)
        if self._pattern is not None:
            for m in self._pattern.finditer(view.text):
                covered[m.start():m.end()] = True
        return covered


@dataclass(frozen=True)
class Fingerprints:
    """One text's winnowed fingerprints: positions (content index where the k-gram starts, ascending) and hashes;
    `listed` marks k-grams made mostly (more than half) of listed standard formulations."""

    positions: np.ndarray
    hashes: np.ndarray
    listed: np.ndarray

    @classmethod
    def of(cls, view: ContentView, k: int, window: int, phrases: PhraseMask) -> "Fingerprints":
        hashes = kgram_hashes(view.text, k)
        positions = winnow(hashes, window)
        covered = np.concatenate([[0], np.cumsum(phrases.mask(view))])
        listed = 2 * (covered[positions + k] - covered[positions]) > k
        return cls(positions, hashes[positions], listed)


@dataclass(frozen=True)
class PreparedText:
    """A text as the copy detector reads it: `key` is its place in the run (sources first, then the checked
    submissions; it orders texts wherever order decides), with its id, role, author, content view and
    fingerprints."""

    key: int
    source_id: str
    role: Role
    author: str | None
    view: ContentView
    prints: Fingerprints
