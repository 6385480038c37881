"""Paraphrase (洗稿): a paragraph that rewords a passage of a reference, sentence by sentence.

Only paragraphs that the character matching left open are examined (too little of them copied or quoted), and
only against the references studied this quarter: the encoder is slow (tens of sentences a second on a CPU), so
what it embeds is bounded by the batch's own paragraphs plus the references, never the whole library.

Candidates come from the semantic layer (sentence embeddings, cosine similarity); they are confirmed by a
monotone alignment, because a member's own paragraph on the same theme as a reference is close to it as a whole.
A paragraph of m sentences counts as a paraphrase of a window of consecutive sentences of one reference
paragraph when a monotone path through the m × n similarity grid, from (first, first) to (last, last) with steps
right, down or diagonal, keeps every cell at or above `min_similarity`: every sentence of the paragraph has a
counterpart in the window, in order, and every sentence of the window is covered. The path's weakest cell is
the reported similarity (a bottleneck alignment, computed by dynamic programming in O(m·n) per window start).
The window must also hold at least `min_length_ratio` of the paragraph's characters: a paraphrase rewrites a
passage of about its own length, while a long paragraph of one's own tends to echo one short sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..lexicon import sentence_spans

MIN_SENTENCE_CHARS = 8  # a shorter fragment (a lead-in such as 我认为，) is joined to the sentence after it


@dataclass(frozen=True)
class Sentence:
    """A sentence of a text: original-text span and its text."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Unit:
    """A paragraph of a submission left open by character matching: `doc` is the text index, `sentences` its
    sentences in order."""

    doc: int
    sentences: tuple[Sentence, ...]

    @property
    def start(self) -> int:
        return self.sentences[0].start

    @property
    def end(self) -> int:
        return self.sentences[-1].end


@dataclass(frozen=True)
class Paraphrase:
    """A confirmed paraphrase: `unit` rewords sentences `window` of reference text `source`; `similarity` is the
    weakest aligned sentence pair."""

    unit: Unit
    source: int
    window: tuple[Sentence, ...]
    similarity: float


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Original-text spans of the non-blank lines of `text`, outer white space trimmed."""
    spans, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            a = pos + line.index(stripped)
            spans.append((a, a + len(stripped)))
        pos += len(line) + 1
    return spans


def split_sentences(text: str, start: int, end: int) -> list[Sentence]:
    """Sentences of text[start:end], each with its closing punctuation; a fragment shorter than
    MIN_SENTENCE_CHARS (white space excluded) joins the sentence after it (the last one joins the one before)."""
    pieces = [list(span) for span in sentence_spans(text, start, end)]
    merged: list[list[int]] = []
    carry = None
    for a, b in pieces:
        if carry is not None:
            a, carry = carry, None
        if len("".join(text[a:b].split())) < MIN_SENTENCE_CHARS:
            carry = a
            continue
        merged.append([a, b])
    if carry is not None:
        if merged:
            merged[-1][1] = end
        else:
            merged.append([carry, end])
    out = []
    for a, b in merged:
        seg = text[a:b]
        a += len(seg) - len(seg.lstrip())
        b -= len(seg) - len(seg.rstrip())
        if b > a:
            out.append(Sentence(a, b, text[a:b]))
    return out


def bottleneck_alignment(sims: np.ndarray, max_extra: int, first_end: int = 0) -> tuple[float, int]:
    """Best weakest-link monotone alignment of all m rows to columns 0..j (first_end <= j < m + max_extra),
    starting at cell (0, 0): returns (score, last column), -inf when no column qualifies. Rows are the
    paragraph's sentences, columns a reference window."""
    m, n = sims.shape
    n = min(n, m + max_extra)
    if first_end >= n:
        return float("-inf"), n - 1
    best = np.full((m, n), -np.inf)
    for i in range(m):
        for j in range(n):
            if i == 0 and j == 0:
                reach = np.inf
            else:
                reach = max(best[i - 1, j] if i else -np.inf,
                            best[i, j - 1] if j else -np.inf,
                            best[i - 1, j - 1] if i and j else -np.inf)
            best[i, j] = min(sims[i, j], reach)
    last = first_end + int(np.argmax(best[m - 1, first_end:]))
    return float(best[m - 1, last]), last


class ParaphraseFinder:
    """Confirms paragraphs as paraphrases of reference windows; see the module docstring.

    `encoder` follows pipeline.semantic: encode(list_of_str, kind="passage") -> (n, dim) unit rows.
    `min_similarity`: the cosine every aligned sentence pair must reach; `min_length_ratio`: the window must
    have at least this share of the paragraph's characters (a paraphrase rewrites a passage of about its own
    length; a long paragraph of one's own that echoes one short sentence of a reference does not qualify);
    `max_extra`: how many more reference sentences than paragraph sentences a window may have.
    """

    def __init__(self, encoder, min_similarity: float, min_length_ratio: float, max_extra: int = 1):
        self.encoder = encoder
        self.min_similarity = min_similarity
        self.min_length_ratio = min_length_ratio
        self.max_extra = max_extra
        self._references: tuple[tuple[str, ...], np.ndarray] | None = None

    def find(self, units: list[Unit], references: list[tuple[int, list[list[Sentence]]]]) -> list[Paraphrase]:
        """`references`: (text index, sentences per paragraph) of each reference. One paraphrase at most per
        unit: its best-aligned window. Units are judged one by one, so finding them a document at a time gives
        what one call for the batch gives; the references' vectors are kept for the next call."""
        blocks = [(src, para) for src, paragraphs in references for para in paragraphs if para]
        ref_sentences = [s for _, para in blocks for s in para]
        unit_sentences = [s for u in units for s in u.sentences]
        if not ref_sentences or not unit_sentences:
            return []
        unit_vectors = self.encoder.encode([s.text for s in unit_sentences], kind="passage")
        ref_vectors = self._reference_vectors(tuple(s.text for s in ref_sentences))
        first_of_block = np.cumsum([0] + [len(para) for _, para in blocks])
        found, row = [], 0
        for unit in units:
            m = len(unit.sentences)
            sims = unit_vectors[row:row + m] @ ref_vectors.T
            row += m
            best = None
            needed = self.min_length_ratio * sum(len(s.text) for s in unit.sentences)
            for start in np.flatnonzero(sims[0] >= self.min_similarity):  # a window opens on a close sentence
                block = int(np.searchsorted(first_of_block, start, side="right") - 1)
                lengths = np.cumsum([len(s.text) for s in blocks[block][1][start - first_of_block[block]:]])
                shortest = int(np.searchsorted(lengths, needed))
                score, last = bottleneck_alignment(sims[:, start:first_of_block[block + 1]], self.max_extra,
                                                   shortest)
                if score >= self.min_similarity and (best is None or score > best[0]):
                    first = start - first_of_block[block]
                    best = (score, block, first, first + last + 1)
            if best is not None:
                score, block, first, stop = best
                src, para = blocks[block]
                found.append(Paraphrase(unit, src, tuple(para[first:stop]), score))
        return found

    def _reference_vectors(self, texts: tuple[str, ...]) -> np.ndarray:
        if self._references is None or self._references[0] != texts:
            self._references = texts, self.encoder.encode(list(texts), kind="passage")
        return self._references[1]
