"""What copy detection counts across texts: occurrences keyed by hash, reduced hash by hash.

Three things span texts, and each is a count or a pairing among the texts that hold one hash, so they can be
computed on any split of the hashes — everything in one piece, buckets of `hash % n` one after another in one
process (bucketed_rows), or on the nodes of a cluster (pipeline.engines.dask) — and give the same rows:

- document frequency: for every fingerprint of a checked submission, in how many distinct reference/library
  texts (`source_df`) and members' texts, batch and earlier quarters (`member_df`), its hash occurs — the
  standard-formulation rule of detector.py;
- seeds: for every hash that may seed a copied passage, the pairs (submission position, source position);
- phrase recurrence: which 4-character phrases of a checked submission do not recur — fewer than
  RECURRING_TEXTS texts other than the library hold them — for the formulaic-language share of the paraphrase
  step. Only those rare phrases travel back: in a large batch nearly every phrase recurs.

Rows travel as `Rows`: equal-length numpy columns, split by a key into parts and concatenated back. A reduction
sorts what it receives, so neither the split nor the order in which parts arrive changes its output. A checked
submission is a SUBMISSION text with a key of at least `first_checked` (a "doc:" source is a submission that is
not checked).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ..util.textnorm import kgram_hashes
from .fingerprints import INDEPENDENT_SOURCES, MEMBER_TEXTS, PreparedText, Role

PHRASE_CHARS = 4  # phrase length (content characters) of the formulaic-language share
RECURRING_TEXTS = 3  # a phrase held by this many texts (two besides the one read) recurs

# Text keys, positions and counts fit 32 bits (2 billion texts, characters): rows are what the shuffle moves.
POSTINGS = {"hash": np.uint64, "text": np.int32, "pos": np.int32, "role": np.int8, "listed": bool}
PHRASES = {"hash": np.uint64, "text": np.int32}
FREQUENCIES = {"text": np.int32, "pos": np.int32, "source_df": np.int32, "member_df": np.int32}
SEEDS = {"doc": np.int32, "src": np.int32, "d": np.int32, "s": np.int32}
RARE_PHRASES = {"text": np.int32, "hash": np.uint64}


class Rows:
    """Named numpy columns of one length: a table that pickles compactly and splits without Python loops."""

    def __init__(self, **columns: np.ndarray):
        self.columns = columns

    @classmethod
    def empty(cls, schema: dict) -> "Rows":
        return cls(**{name: np.zeros(0, dtype=dtype) for name, dtype in schema.items()})

    @classmethod
    def concat(cls, parts: Iterable["Rows"], schema: dict) -> "Rows":
        parts = [cls.empty(schema), *parts]
        return cls(**{name: np.concatenate([p[name] for p in parts]).astype(dtype, copy=False)
                      for name, dtype in schema.items()})

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def take(self, index) -> "Rows":
        return Rows(**{name: column[index] for name, column in self.columns.items()})

    def split(self, part: np.ndarray, parts: int) -> list["Rows"]:
        """The rows in `parts` pieces, row i going to piece part[i] (0 <= part < parts), in their order."""
        order = np.argsort(part, kind="stable")
        bounds = np.searchsorted(part[order], np.arange(parts + 1))
        return [self.take(order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]

    def groups(self, name: str) -> Iterator[tuple[int, "Rows"]]:
        """(value, rows holding it) for every distinct value of column `name`, ascending."""
        order = np.argsort(self[name], kind="stable")
        keys = self[name][order]
        starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]])) if len(keys) else []
        ends = [*starts[1:], len(keys)]
        for a, b in zip(starts, ends):
            yield int(keys[a]), self.take(order[a:b])


def bucket_of(hashes: np.ndarray, buckets: int) -> np.ndarray:
    """The bucket (0 … buckets - 1) of every hash: its remainder, so a bucket holds whole hash groups."""
    return (hashes % np.uint64(buckets)).astype(np.int64)


@dataclass(frozen=True)
class HashBucket:
    """The hashes of bucket `index` out of `count` (bucket_of); ALL_HASHES is every hash."""

    index: int
    count: int

    def holds(self, hashes: np.ndarray) -> np.ndarray:
        return bucket_of(hashes, self.count) == self.index


ALL_HASHES = HashBucket(0, 1)


def fingerprint_rows(texts: Iterable[PreparedText], bucket: HashBucket = ALL_HASHES) -> Rows:
    """One row per fingerprint of every text whose hash is in `bucket`: hash, text key, content position, role,
    listed."""
    parts = []
    for t in texts:
        mine = bucket.holds(t.prints.hashes)
        positions = t.prints.positions[mine]
        parts.append(Rows(hash=t.prints.hashes[mine], text=np.full(len(positions), t.key), pos=positions,
                          role=np.full(len(positions), int(t.role)), listed=t.prints.listed[mine]))
    return Rows.concat(parts, POSTINGS)


def phrase_hashes(text: PreparedText) -> np.ndarray:
    """The hash of the PHRASE_CHARS-character phrase starting at every content position that starts one."""
    return kgram_hashes(text.view.text, PHRASE_CHARS)


def phrase_rows(texts: Iterable[PreparedText], bucket: HashBucket = ALL_HASHES) -> Rows:
    """One row per distinct phrase in `bucket` of every text but the library's (a library's size would swamp
    the count)."""
    parts = []
    for t in texts:
        if t.role != Role.LIBRARY:
            hashes = phrase_hashes(t)
            distinct = np.unique(hashes[bucket.holds(hashes)])
            parts.append(Rows(hash=distinct, text=np.full(len(distinct), t.key)))
    return Rows.concat(parts, PHRASES)


def bucketed_rows(texts: Sequence[PreparedText], buckets: int) -> Iterator[tuple[Rows, Rows]]:
    """The fingerprint and phrase rows of each bucket of hashes in turn, made afresh from the texts for each, so
    that one bucket's rows are held at a time (hashing the texts again costs far less than holding every row)."""
    for index in range(buckets):
        bucket = HashBucket(index, buckets)
        yield fingerprint_rows(texts, bucket), phrase_rows(texts, bucket)


@dataclass
class HashCounts:
    """What one reduction over a set of whole hash groups gives: `frequencies` (text, pos, source_df, member_df)
    of checked fingerprints, `seeds` (doc, src, d, s), `rare` (text, hash): the phrases of checked texts that do
    not recur."""

    frequencies: Rows
    seeds: Rows
    rare: Rows

    def split(self, part_of, parts: int) -> list["HashCounts"]:
        """The rows in `parts` pieces by the piece their checked text goes to (part_of: text keys -> pieces)."""
        pieces = [rows.split(part_of(rows[column]), parts) for rows, column in
                  ((self.frequencies, "text"), (self.seeds, "doc"), (self.rare, "text"))]
        return [HashCounts(*columns) for columns in zip(*pieces)]

    @classmethod
    def concat(cls, parts: Sequence["HashCounts"]) -> "HashCounts":
        return cls(Rows.concat((p.frequencies for p in parts), FREQUENCIES),
                   Rows.concat((p.seeds for p in parts), SEEDS),
                   Rows.concat((p.rare for p in parts), RARE_PHRASES))


def reduce_hashes(postings: Rows, phrases: Rows, *, first_checked: int, source_common_df: int,
                  member_common_df: int) -> HashCounts:
    """Document frequencies, seeds and rare phrases from rows holding every occurrence of their hashes.

    A seed pairs a checked submission's occurrence of a hash with every other text's occurrence of it, for a hash
    in at least two distinct texts that is not a standard formulation: listed, or in `source_common_df` or more
    reference/library texts, or in none of them and `member_common_df` or more members' texts. When a reference
    or library text holds the hash, only those texts are paired (they are where it came from)."""
    order = np.lexsort((postings["pos"], postings["text"], postings["hash"]))
    hashes, texts, positions = postings["hash"][order], postings["text"][order], postings["pos"][order]
    roles, listed = postings["role"][order], postings["listed"][order]
    new_hash, new_text, per_group = _hash_groups(hashes, texts)
    starts = np.flatnonzero(new_hash)
    ends = np.append(starts[1:], len(hashes))
    group = np.cumsum(new_hash) - 1

    independent = np.isin(roles, INDEPENDENT_SOURCES)
    source_df = per_group(new_text & independent)
    member_df = per_group(new_text & np.isin(roles, MEMBER_TEXTS))
    submissions = per_group(roles == Role.SUBMISSION)
    group_listed = per_group(listed) > 0
    checked = (roles == Role.SUBMISSION) & (texts >= first_checked)
    frequencies = Rows(text=texts[checked], pos=positions[checked], source_df=source_df[group[checked]],
                       member_df=member_df[group[checked]])

    wanted = ((source_df >= 1) & (source_df < source_common_df)) | ((source_df == 0) & (member_df < member_common_df))
    seeds = []
    for g in np.flatnonzero((source_df + member_df >= 2) & (submissions > 0) & wanted & ~group_listed):
        a, b = starts[g], ends[g]
        docs = np.flatnonzero(checked[a:b]) + a
        targets = np.flatnonzero(independent[a:b]) + a if source_df[g] else np.arange(a, b)
        doc_rows, target_rows = np.repeat(docs, len(targets)), np.tile(targets, len(docs))
        other = texts[doc_rows] != texts[target_rows]
        doc_rows, target_rows = doc_rows[other], target_rows[other]
        seeds.append(Rows(doc=texts[doc_rows], src=texts[target_rows], d=positions[doc_rows], s=positions[target_rows]))
    return HashCounts(Rows.concat([frequencies], FREQUENCIES), Rows.concat(seeds, SEEDS),
                      _rare_phrases(phrases, first_checked))


def _rare_phrases(phrases: Rows, first_checked: int) -> Rows:
    """(text, hash) for every distinct phrase of a checked text that fewer than RECURRING_TEXTS texts hold."""
    order = np.lexsort((phrases["text"], phrases["hash"]))
    hashes, texts = phrases["hash"][order], phrases["text"][order]
    new_hash, new_text, per_group = _hash_groups(hashes, texts)
    holders = per_group(new_text)[np.cumsum(new_hash) - 1]
    mine = new_text & (texts >= first_checked) & (holders < RECURRING_TEXTS)
    return Rows.concat([Rows(text=texts[mine], hash=hashes[mine])], RARE_PHRASES)


def _hash_groups(hashes: np.ndarray, texts: np.ndarray):
    """For rows sorted by (hash, text): where each hash begins, where each (hash, text) begins, and a function
    summing a per-row flag over each hash."""
    n = len(hashes)
    new_hash = np.ones(n, dtype=bool)
    new_hash[1:] = hashes[1:] != hashes[:-1]
    new_text = new_hash.copy()
    new_text[1:] |= texts[1:] != texts[:-1]
    starts = np.flatnonzero(new_hash)

    def per_group(flags: np.ndarray) -> np.ndarray:
        return np.add.reduceat(flags.astype(np.int64), starts) if n else np.zeros(0, dtype=np.int64)

    return new_hash, new_text, per_group
