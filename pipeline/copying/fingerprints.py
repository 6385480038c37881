"""Character fingerprints: the content view of a text, winnowed k-gram hashes, and one index over all texts.

Copying is found on the *content view*: the matching view (pipeline.textnorm) without punctuation and symbols, so
a changed or dropped comma never breaks a match. Every text is cut into overlapping k-grams of content characters
(k = 13 by default, in the spirit of CNKI's ~13-character runs); each k-gram gets a stable 64-bit polynomial hash,
and winnowing (Schleimer, Wilkerson & Aiken 2003, "Winnowing: local algorithms for document fingerprinting", the
method of MOSS) keeps the smallest hash of every window of `window` consecutive k-grams. Two texts sharing a run
of at least k + window - 1 content characters are then guaranteed to share a fingerprint, and a text of n
characters keeps about 2n / (window + 1) of them.

The index sorts the fingerprints of all texts together (numpy, no per-text dictionaries) and counts for each
fingerprint in how many distinct texts of each role it occurs: the document frequency that tells a standard
formulation (in many texts) from a copied passage (in a few), and that keeps pairing linear in the batch size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from ..textnorm import NormalizedText

_BASE = np.uint64(1_000_003)  # polynomial hash base (odd prime), arithmetic modulo 2**64
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)  # splitmix64 finalizer constants: spread the bits so the window minimum
_MIX_2 = np.uint64(0x94D049BB133111EB)  # is not biased towards particular characters


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
        keep = np.asarray([i for i, c in enumerate(norm.text) if c.isalnum()], dtype=np.int64)
        breaks = np.asarray([i + 1 for i, c in enumerate(original) if c == "\n"], dtype=np.int64)
        starts = np.searchsorted(keep, np.searchsorted(np.asarray(norm.offsets, dtype=np.int64), breaks))
        return cls(norm, "".join(norm.text[i] for i in keep), keep, np.unique(starts))

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


def winnow(hashes: np.ndarray, window: int) -> np.ndarray:
    """Positions of the winnowed fingerprints: the (leftmost) minimum of every `window` consecutive hashes, each
    position once, ascending. A text shorter than one window keeps its single minimum."""
    if len(hashes) == 0:
        return np.zeros(0, dtype=np.int64)
    if len(hashes) <= window:
        return np.asarray([int(np.argmin(hashes))], dtype=np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(hashes, window)
    return np.unique(np.argmin(windows, axis=1) + np.arange(len(windows)))


def phrase_frequency(views: list[ContentView], n: int) -> list[np.ndarray]:
    """For every text, the number of distinct texts (itself included) holding each of its n-character phrases,
    one entry per content position where a phrase starts. Stock language (套话, 提法) recurs; a paraphrase in a
    member's own words mostly does not."""
    hashes = [kgram_hashes(v.text, n) for v in views]
    owners = np.repeat(np.arange(len(hashes), dtype=np.uint64), [len(h) for h in hashes])
    flat = np.concatenate(hashes + [np.zeros(0, np.uint64)])
    pairs = np.unique(np.stack([flat, owners], axis=1), axis=0)
    distinct, counts = np.unique(pairs[:, 0], return_counts=True)
    return [counts[np.searchsorted(distinct, h)] for h in hashes]


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


@dataclass
class Fingerprints:
    """One text's winnowed fingerprints: positions (content index where the k-gram starts) and hashes; `listed`
    marks k-grams made mostly (more than half) of listed standard formulations. The index fills in the document
    frequencies: in how many distinct reference/library texts (`source_df`) and prior/batch submissions
    (`member_df`) each hash occurs."""

    positions: np.ndarray
    hashes: np.ndarray
    listed: np.ndarray
    source_df: np.ndarray | None = None
    member_df: np.ndarray | None = None


@dataclass(frozen=True)
class SharedHash:
    """One hash found in two or more distinct texts, one of them a submission: where it occurs (text index,
    content position, role of the text), in how many reference/library texts, and whether it is listed."""

    texts: np.ndarray
    positions: np.ndarray
    roles: np.ndarray
    source_df: int
    listed: bool


class FingerprintIndex:
    """The fingerprints of all texts of one run, sorted by hash once, with per-hash document frequency by role
    group. Building it is numpy work proportional to the total number of characters."""

    def __init__(self, views: list[ContentView], roles: list[Role], k: int, window: int, phrases: PhraseMask):
        self.k, self.window = k, window
        self.roles = np.asarray([int(r) for r in roles], dtype=np.int8)
        self.prints = [self._fingerprint(view, phrases) for view in views]
        counts = np.asarray([len(p.positions) for p in self.prints], dtype=np.int64)
        hashes = np.concatenate([p.hashes for p in self.prints] + [np.zeros(0, np.uint64)])
        texts = np.repeat(np.arange(len(self.prints), dtype=np.int64), counts)
        positions = np.concatenate([p.positions for p in self.prints] + [np.zeros(0, np.int64)])
        listed = np.concatenate([p.listed for p in self.prints] + [np.zeros(0, bool)])
        order = np.lexsort((texts, hashes))
        self._hash, self._text, self._pos, self._listed = hashes[order], texts[order], positions[order], listed[order]
        n = len(order)
        new_hash = np.ones(n, dtype=bool)
        new_hash[1:] = self._hash[1:] != self._hash[:-1]
        new_text = new_hash.copy()
        new_text[1:] |= self._text[1:] != self._text[:-1]
        self._starts = np.flatnonzero(new_hash)
        role = self.roles[self._text]
        self._source_df = self._per_group(new_text & np.isin(role, INDEPENDENT_SOURCES))
        self._member_df = self._per_group(new_text & np.isin(role, MEMBER_TEXTS))
        self._submissions = self._per_group(role == Role.SUBMISSION)
        self._group_listed = self._per_group(self._listed) > 0
        group_of = np.cumsum(new_hash) - 1
        back = np.empty(n, dtype=np.int64)
        back[order] = np.arange(n)
        bounds = np.concatenate([[0], np.cumsum(counts)])
        for i, p in enumerate(self.prints):
            groups = group_of[back[bounds[i]:bounds[i + 1]]]
            p.source_df, p.member_df = self._source_df[groups], self._member_df[groups]

    def _fingerprint(self, view: ContentView, phrases: PhraseMask) -> Fingerprints:
        hashes = kgram_hashes(view.text, self.k)
        positions = winnow(hashes, self.window)
        covered = np.concatenate([[0], np.cumsum(phrases.mask(view))])
        listed = 2 * (covered[positions + self.k] - covered[positions]) > self.k
        return Fingerprints(positions, hashes[positions], listed)

    def _per_group(self, flags: np.ndarray) -> np.ndarray:
        if len(flags) == 0:
            return np.zeros(0, dtype=np.int64)
        return np.add.reduceat(flags.astype(np.int64), self._starts)

    def shared(self, wanted: np.ndarray | None = None):
        """Every hash in at least two distinct texts, one of them a submission, as a SharedHash; `wanted`, a
        boolean over groups given (source_df, member_df), narrows them down before any Python object is made."""
        distinct = self._source_df + self._member_df
        keep = (distinct >= 2) & (self._submissions > 0)
        if wanted is not None:
            keep &= wanted
        ends = np.append(self._starts[1:], len(self._hash))
        for g in np.flatnonzero(keep):
            a, b = self._starts[g], ends[g]
            texts = self._text[a:b]
            yield SharedHash(texts, self._pos[a:b], self.roles[texts], int(self._source_df[g]),
                             bool(self._group_listed[g]))

    def group_frequencies(self) -> tuple[np.ndarray, np.ndarray]:
        """(source_df, member_df) per hash group, in the order `shared` walks them: for building `wanted`."""
        return self._source_df, self._member_df
