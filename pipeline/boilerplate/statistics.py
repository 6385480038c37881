"""What fitting learns from a batch: its sentences for near-same lookups (SentenceIndex) and the partition
statistics that merge into it (BatchStatistics, the map step of BoilerplateDetector.fit)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Collection, Iterable

import numpy as np

from .cues import shingle_codes


# Lookups a SentenceIndex remembers: a judge asks each of a document's sentences twice (its fitted view, then its
# evidence), and a sentence repeats within a document: some 450 documents' sentences, a few MB.
REMEMBERED = 1 << 14
# Candidate sentences a lookup checks at a time. A stock sentence that thousands of documents share has thousands
# of near-same candidates; checking a few hundred finds `counted` owners, where checking them all made each
# lookup grow with the quarter, and the whole judging with its square.
CANDIDATES_AT_ONCE = 256
# Sentences whose prefixes are sorted at a time while an index is built: the sort's temporaries stay some 50 MB
# (about 40 shingles a sentence, a dozen bytes of each of a handful of arrays a shingle).
PREFIX_BLOCK = 100_000


class SentenceIndex:
    """Near-same sentences across documents: how many owners of the indexed sentences whose character-shingle
    Jaccard similarity with a query is at least `jaccard` there are, up to `counted`.

    Exact and linear in practice by prefix filtering (Chaudhuri, Ganti & Kaushik 2006, "A primitive operator for
    similarity joins"): with every shingle ranked rarest first, two shingle sets of Jaccard >= t share a shingle
    among the first |x| - ceil(t·|x|) + 1 of each, so only those prefixes are indexed and probed. A shingle that
    thousands of sentences share (习近平新) therefore never makes a candidate list long, as it would if every
    shingle were indexed. A sentence said by several documents is indexed once, with all its owners.

    Shingles are kept as 64-bit numbers (shingle_codes) in flat arrays, a sentence's sorted and unique: a quarter
    of 20,000 documents holds some 700,000 sentences of forty shingles each, which as sets of strings took 100 KB a
    document (2 GB), and as arrays take a tenth of it. Owners are numbered and kept the same way. Only the last
    REMEMBERED answers are remembered, as counts: a stock sentence that thousands of documents share has thousands
    of owners, and remembering every sentence's owners made each judging process grow by a gigabyte over a quarter
    of 10,000 documents."""

    def __init__(self, owned: Iterable[tuple[str, str]], shingle_chars: int, jaccard: float, counted: int):
        self.shingle_chars, self.jaccard, self.counted = shingle_chars, jaccard, counted
        owners: dict[str, set[str]] = defaultdict(set)
        for owner, sentence in owned:
            owners[sentence].add(owner)
        self.owner_number = {name: i for i, name in enumerate(sorted(set().union(*owners.values())))}
        numbered = [np.array(sorted(self.owner_number[o] for o in names), dtype=np.int32) for names in owners.values()]
        self.owner_starts, self.owner_ids = _flat(numbered, np.int32)
        self.starts, self.codes = _flat([shingle_codes(sentence, shingle_chars) for sentence in owners], np.uint64)
        # Rank of every shingle seen, rarest first (ties by code): `known` sorted, `rank` aligned with it.
        self.known, frequency = np.unique(self.codes, return_counts=True)
        self.rank = np.empty(len(self.known), dtype=np.int64)
        self.rank[np.lexsort((self.known, frequency))] = np.arange(len(self.known))
        del frequency
        # Every sentence's prefix (its shingles by rank, the first of them kept), a block of sentences at a time:
        # the sort's temporaries for all shingles at once were the peak of a quarter's scoring.
        prefixes = [self._prefixes(first, min(first + PREFIX_BLOCK, len(owners)))
                    for first in range(0, len(owners), PREFIX_BLOCK)]
        posted = np.concatenate([codes for codes, _ in prefixes]) if prefixes else np.zeros(0, dtype=np.uint64)
        posted_by = np.concatenate([by for _, by in prefixes]) if prefixes else np.zeros(0, dtype=np.int32)
        del prefixes
        by_code = np.argsort(posted, kind="stable")
        self.posted, self.posted_by = posted[by_code], posted_by[by_code]  # prefix shingle -> sentence
        self._remembered: dict[tuple[str, str | None], int] = {}

    def __len__(self) -> int:
        """The distinct sentences indexed."""
        return len(self.starts) - 1

    def _prefixes(self, first: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """The prefix shingles of sentences first..stop-1, sentence by sentence, and the sentence of each."""
        starts = self.starts[first:stop + 1]
        codes = self.codes[starts[0]:starts[-1]]
        lengths = np.diff(starts)
        sentence = np.repeat(np.arange(first, stop, dtype=np.int32), lengths)
        order = np.lexsort((codes, self._ranks(codes), sentence))
        place = np.arange(len(order)) - np.repeat(starts[:-1] - starts[0], lengths)
        kept = order[place < np.repeat(self._prefix_length(lengths), lengths)]
        return codes[kept], sentence[kept]

    def _prefix_length(self, lengths: np.ndarray) -> np.ndarray:
        return lengths - np.ceil(self.jaccard * lengths - 1e-9).astype(np.int64) + 1

    def _ranks(self, codes: np.ndarray) -> np.ndarray:
        """Each code's rank; -1 for a shingle never indexed, which is rarest of all."""
        if not len(self.known):
            return np.full(len(codes), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.known, codes), len(self.known) - 1)
        return np.where(self.known[at] == codes, self.rank[at], -1)

    def others(self, sentence: str, owner: str | None) -> int:
        """How many owners other than `owner` hold a near-same sentence (matching view), counted up to `counted`."""
        if (sentence, owner) not in self._remembered:
            if len(self._remembered) >= REMEMBERED:
                self._remembered.clear()
            self._remembered[sentence, owner] = self._others(shingle_codes(sentence, self.shingle_chars),
                                                             self.owner_number.get(owner, -1))
        return self._remembered[sentence, owner]

    def _others(self, query: np.ndarray, mine: int) -> int:
        """The owners other than number `mine` of the sentences near-same to the query's shingles, counted up to
        `counted`: candidates are checked CANDIDATES_AT_ONCE at a time, and the count stops once it is reached."""
        if not len(query):
            return 0
        kept = int(self._prefix_length(np.array([len(query)]))[0])
        prefix = query[np.lexsort((query, self._ranks(query)))][:kept]
        lo, hi = np.searchsorted(self.posted, prefix), np.searchsorted(self.posted, prefix, side="right")
        candidates = np.unique(np.concatenate([self.posted_by[a:b] for a, b in zip(lo, hi)]))
        held, others = np.zeros(0, dtype=np.int32), 0
        for at in range(0, len(candidates), CANDIDATES_AT_ONCE):
            near = self._near_same(query, candidates[at:at + CANDIDATES_AT_ONCE])
            held = np.union1d(held, _rows(self.owner_starts, self.owner_ids, near)[0])
            others = len(held) - int(mine in held)
            if others >= self.counted:
                return self.counted
        return others

    def _near_same(self, query: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """The candidates (indexed sentences) near-same to the query: the shingles every candidate shares with the
        query, counted for all candidates at once."""
        grams, first = _rows(self.starts, self.codes, candidates)
        lengths = self.starts[candidates + 1] - self.starts[candidates]
        at = np.minimum(np.searchsorted(query, grams), len(query) - 1)
        shared = np.add.reduceat((query[at] == grams).astype(np.int64), first)
        return candidates[shared / (len(query) + lengths - shared) >= self.jaccard]


def _flat(rows: list[np.ndarray], dtype) -> tuple[np.ndarray, np.ndarray]:
    """Rows of numbers as one array and where each row starts (one more start than rows: the end)."""
    starts = np.concatenate([[0], np.cumsum([len(r) for r in rows], dtype=np.int64)]).astype(np.int64)
    return starts, np.concatenate(rows).astype(dtype) if rows else np.zeros(0, dtype=dtype)


def _rows(starts: np.ndarray, values: np.ndarray, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The chosen rows of a flat array (_flat) one after another, and where each starts in the result."""
    lengths = starts[chosen + 1] - starts[chosen]
    first = np.cumsum(lengths) - lengths
    return values[np.arange(lengths.sum()) - np.repeat(first, lengths) + np.repeat(starts[chosen], lengths)], first


@dataclass
class BatchStatistics:
    """What BoilerplateDetector.fit learns from a set of texts: their sentences (owner, matching view), the
    submissions each long word stands in in abstract sentences, and the words seen next to a concrete anchor.
    Partitions of a batch each compute theirs (in parallel, on other machines); fit_statistics merges them."""

    sentences: list[tuple[str, str]]
    docs_with: dict[str, set[str]]
    anchored: set[str]

    def to_dict(self) -> dict:
        """As JSON can hold it, in a fixed order (for the cache of one document's statistics)."""
        return {"sentences": [list(pair) for pair in self.sentences],
                "docs_with": {w: sorted(owners) for w, owners in self.docs_with.items()},
                "anchored": sorted(self.anchored)}

    @classmethod
    def from_dict(cls, data: dict) -> "BatchStatistics":
        docs_with: dict[str, set[str]] = defaultdict(set)
        for w, owners in data["docs_with"].items():
            docs_with[w] = set(owners)
        return cls([(owner, sentence) for owner, sentence in data["sentences"]], docs_with, set(data["anchored"]))
