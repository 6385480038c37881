"""What fitting learns from a batch: its sentences for near-same lookups (SentenceIndex) and the partition
statistics that merge into it (BatchStatistics, the map step of BoilerplateDetector.fit)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Collection, Iterable

from .cues import shingles


class SentenceIndex:
    """Near-same sentences across documents: the owners of the indexed sentences whose character-shingle Jaccard
    similarity with a query is at least `jaccard`.

    Exact and linear in practice by prefix filtering (Chaudhuri, Ganti & Kaushik 2006, "A primitive operator for
    similarity joins"): with every shingle ranked rarest first, two shingle sets of Jaccard >= t share a shingle
    among the first |x| - ceil(t·|x|) + 1 of each, so only those prefixes are indexed and probed. A shingle that
    thousands of sentences share (习近平新) therefore never makes a candidate list long, as it would if every
    shingle were indexed. A sentence said by several documents is indexed once, with all its owners."""

    def __init__(self, owned: Iterable[tuple[str, str]], shingle_chars: int, jaccard: float):
        self.shingle_chars, self.jaccard = shingle_chars, jaccard
        owners: dict[str, set[str]] = defaultdict(set)
        for owner, sentence in owned:
            owners[sentence].add(owner)
        self.owners = [frozenset(o) for o in owners.values()]
        self.grams = [frozenset(shingles(sentence, shingle_chars)) for sentence in owners]
        frequency = Counter(g for grams in self.grams for g in grams)
        self.rank = {g: i for i, g in enumerate(sorted(frequency, key=lambda g: (frequency[g], g)))}
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, grams in enumerate(self.grams):
            for g in self._prefix(grams):
                self.postings[g].append(i)
        self._holders: dict[str, frozenset[str]] = {}

    def _prefix(self, grams: Collection[str]) -> list[str]:
        ordered = sorted(grams, key=lambda g: (self.rank.get(g, -1), g))  # a shingle never indexed is rarest
        must_share = math.ceil(self.jaccard * len(ordered) - 1e-9)
        return ordered[: len(ordered) - must_share + 1]

    def holders(self, sentence: str) -> frozenset[str]:
        """Owners of near-same sentences (the query's own owner included, if it was indexed)."""
        if sentence not in self._holders:
            query = frozenset(shingles(sentence, self.shingle_chars))
            found: set[str] = set()
            candidates = {i for g in self._prefix(query) for i in self.postings.get(g, ())}
            for i in candidates:
                shared = len(query & self.grams[i])
                if shared / (len(query) + len(self.grams[i]) - shared) >= self.jaccard:
                    found |= self.owners[i]
            self._holders[sentence] = frozenset(found)
        return self._holders[sentence]


@dataclass
class BatchStatistics:
    """What BoilerplateDetector.fit learns from a set of texts: their sentences (owner, matching view), the
    submissions each long word stands in in abstract sentences, and the words seen next to a concrete anchor.
    Partitions of a batch each compute theirs (in parallel, on other machines); fit_statistics merges them."""

    sentences: list[tuple[str, str]]
    docs_with: dict[str, set[str]]
    anchored: set[str]
