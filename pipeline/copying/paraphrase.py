"""Paraphrase (洗稿): a paragraph that rewords a passage of a reference, sentence by sentence.

Only paragraphs that the character matching left open are examined (too little of them copied or quoted), and
only against the references studied this quarter: the encoder is slow (tens of sentences a second on a CPU), so
what it embeds is bounded by the batch's own writing plus the references, never the whole library.

A rewrite shares its source's specific content in the source's order; a member's own paragraph on the same
subject shares only the subject. With a small encoder both are close to the reference by cosine (0.85–0.95), so
the cosine alone decides nothing. Three kinds of evidence are measured (Candidate):
- distinctness: each sentence pair's cosine minus what is usual for the two sentences — how close the member's
  sentence is to its nearest reference sentences anyway, and how close the reference sentence is to the member's
  OTHER paragraphs (a hubness correction, as CSLS): a rewrite stands out from both, an own paragraph does not;
- order: a monotone path through the m × n grid of distinctness between the paragraph's sentences and a window of
  consecutive sentences of one reference paragraph, from (first, first) to (last, last) with steps right, down or
  diagonal; its weakest cell proposes the candidate (a bottleneck alignment, dynamic programming in O(m·n) per
  window start), and at least `min_sentences` must align (an opening lead-in of one's own may be left out);
- rewording: how much of the window's rare content (inverse document frequency) the paragraph does not reuse.
The window must also hold at least `min_length_ratio` of the paragraph's characters: a paraphrase rewrites a
passage of about its own length.

A Calibration per encoder (fitted by bench/calibrate_paraphrase.py, shipped in paraphrase_calibration.json)
turns the evidence into a confidence and decides; an encoder without one only proposes candidates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..messages import N_
from ..lexicon import content_words, sentence_spans

CALIBRATIONS = Path(__file__).with_name("paraphrase_calibration.json")  # per encoder, see Calibration
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



# -- evidence beyond the shared subject -----------------------------------------------------------------------------

FEATURES = ("similarity", "distinctness", "reworded")  # the calibrated evidence, the order of Calibration.weights
REASON_WORDS = 4  # shared specific words named in a flag's reason, rarest first


@dataclass(frozen=True)
class Candidate:
    """A run of a paragraph's sentences and its best-aligned reference window, with the evidence that it
    rewrites the window rather than shares its subject.

    Every member writing on a reference's subject has sentences close to it (the cosines of a small encoder sit
    at 0.85–0.95 for any two sentences on one subject), so closeness is measured against what is usual for the
    two sentences: a pair's distinctness is its cosine minus the mean of how close the member's sentence is to
    its `neighbours` nearest reference sentences and how close the reference sentence is to its nearest
    sentences in the member's OTHER paragraphs (a hubness correction, as CSLS). A rewritten sentence is closer to
    its source than to anything else on the subject, and its source closer to it than to the member's other
    writing; a paragraph of one's own on the subject is not.

    unit: the aligned sentences (a paragraph, or the paragraph without its opening sentence, a lead-in such as
        我理解，…关键要下好四方面功夫。).
    similarity: the weakest aligned pair's cosine (shown as `cosine` in results).
    weakest: the weakest aligned pair's distinctness along the monotone alignment (every sentence in order).
    distinctness: the mean over the paragraph's sentences of their best distinctness in the window.
    reworded: the share of the window's content words, weighted by rarity (inverse document frequency over the
        references' and this document's paragraphs), that the paragraph does NOT use. 洗稿 keeps the meaning and
        replaces the words; a member's own paragraph on the subject is close to the reference because it uses
        the reference's own terms for it (the measures, the programmes), so at equal closeness, fewer shared words
        is more evidence of rewording, not less.
    words: the shared content words, rarest first (for the reason).
    confidence: the calibrated probability that this is a rewrite; None when the encoder has no calibration.
    """

    unit: Unit
    source: int
    window: tuple[Sentence, ...]
    similarity: float
    weakest: float
    distinctness: float
    reworded: float
    words: tuple[str, ...]
    confidence: float | None = None


    def features(self) -> tuple[float, ...]:
        return tuple(float(getattr(self, name)) for name in FEATURES)

    def reason(self) -> str:
        """Why this was flagged, in words a secretary reads."""
        n = len(self.unit.sentences)
        parts = [f"{n}句与原文{len(self.window)}句依次对应、意思逐句相同",
                 "每句都比本人其他段落、比参考材料其他段落更贴近这段原文"]
        kept = "、".join(self.words[:REASON_WORDS])
        if not self.words:
            parts.append("用词全部换过")
        elif self.reworded >= 0.5:
            parts.append("用词大多换过，原文专有内容词只保留了" + kept)
        else:
            parts.append("沿用原文专有内容词" + kept)
        return "；".join(parts)


@dataclass(frozen=True)
class Calibration:
    """How one encoder's evidence decides 洗稿: a logistic model over FEATURES, fitted by
    bench/calibrate_paraphrase.py on labelled rewrites and on members' own paragraphs of the same subject.
    `candidate_distinctness` is the weakest-link distinctness that proposes a candidate with this encoder;
    `threshold` the confidence from which a candidate is reported as paraphrase."""

    encoder: str
    candidate_distinctness: float
    weights: tuple[float, ...]
    bias: float
    threshold: float

    def confidence(self, features: tuple[float, ...]) -> float:
        z = self.bias + float(np.dot(self.weights, features))
        return float(1 / (1 + np.exp(-z)))

    @classmethod
    def shipped(cls, encoder_name: str, path: Path = CALIBRATIONS) -> "Calibration | None":
        """The calibration shipped for the encoder of that name, None when there is none."""
        table = json.loads(path.read_text(encoding="utf-8"))
        entry = table.get(encoder_name)
        if entry is None:
            return None
        if tuple(entry["features"]) != FEATURES:
            raise ConfigError(N_("{path}: {encoder} 的校准基于 {features}，本版本读取 {expected}；请用 "
                                 "bench/calibrate_paraphrase.py 重新拟合", path=path, encoder=encoder_name,
                                 features=entry["features"], expected=list(FEATURES)))
        return cls(encoder_name, entry["candidate_distinctness"], tuple(entry["weights"]), entry["bias"],
                   entry["threshold"])


class Rarity:
    """Inverse document frequency of content words over paragraphs: a word in many paragraphs is the subject's,
    a word in few is specific content."""

    def __init__(self, paragraphs: list[frozenset[str]]):
        self.count = len(paragraphs)
        self.df: dict[str, int] = {}
        for words in paragraphs:
            for w in words:
                self.df[w] = self.df.get(w, 0) + 1

    def idf(self, word: str) -> float:
        return float(np.log((self.count + 1) / (self.df.get(word, 0) + 1)))


def _nearest_mean(grid: np.ndarray, k: int, axis: int) -> np.ndarray:
    """Mean of the k largest values along `axis` (all of them when there are fewer)."""
    k = min(k, grid.shape[axis])
    return np.mean(-np.partition(-grid, k - 1, axis=axis).take(range(k), axis=axis), axis=axis)


class ParaphraseFinder:
    """Paraphrase candidates of a document's open paragraphs, with their evidence; see Candidate.

    `encoder` follows pipeline.semantic: encode(list_of_str, kind="passage") -> (n, dim) unit rows.
    `calibration` decides (None: candidates are proposed, never decided); `candidate_distinctness` proposes when
    there is no calibration; `neighbours`: k of the hubness correction; `min_sentences`: sentences that must align
    in order (one sentence restating a reference's point is what members do in their own words); `min_length_ratio`: the window must have
    at least this share of the aligned sentences' characters (a paraphrase rewrites a passage of about its own
    length); `lead_in_rest`: an opening sentence may be left out of the alignment (a lead-in of one's own) when at
    least this many sentences still align; `max_extra`: how many more reference sentences than aligned sentences a window may have.
    """

    def __init__(self, encoder, calibration: Calibration | None, candidate_distinctness: float, neighbours: int,
                 min_sentences: int, min_length_ratio: float, lead_in_rest: int = 3, max_extra: int = 1):
        self.encoder = encoder
        self.calibration = calibration
        self.candidate_distinctness = (calibration.candidate_distinctness if calibration
                                       else candidate_distinctness)
        self.neighbours = neighbours
        self.min_sentences = min_sentences
        self.min_length_ratio = min_length_ratio
        self.lead_in_rest = lead_in_rest
        self.max_extra = max_extra
        self._references: tuple | None = None

    def find(self, units: list[Unit], paragraphs: list[tuple[Sentence, ...]],
             references: list[tuple[int, list[list[Sentence]]]]) -> list[Candidate]:
        """The best-aligned window of each unit in each reference, when its weakest link is distinct enough,
        with the evidence and (when calibrated) the confidence. `units` are one document's open paragraphs,
        `paragraphs` the member's own writing (units included), `references` (text index, sentences per
        paragraph) of each reference; a window lies inside one reference paragraph. The references' vectors and
        words are kept for the next call."""
        texts = tuple(s.text for _, paras in references for para in paras for s in para)
        paragraphs = [p for p in paragraphs if p]
        if not texts or not units:
            return []
        ref_vectors, ref_words = self._reference_evidence(texts, references)
        own_vectors = self.encoder.encode([s.text for p in paragraphs for s in p], kind="passage")
        grid = own_vectors @ ref_vectors.T
        usual_own = _nearest_mean(grid, self.neighbours, axis=1)
        rows, row = {}, 0
        for p in paragraphs:
            rows[(p[0].start, p[-1].end)] = (row, row + len(p))
            row += len(p)
        own_words = {key: frozenset(content_words("".join(s.text for s in p)))
                     for key, p in zip(rows, paragraphs)}
        rarity = Rarity(ref_words + list(own_words.values()))
        blocks, first = [], 0
        for src, paras in references:
            for para in paras:
                if para:
                    blocks.append((src, para, first))
                    first += len(para)
        found = []
        for unit in units:
            a, b = rows[(unit.start, unit.end)]
            others = np.r_[0:a, b:len(grid)]
            usual_ref = (_nearest_mean(grid[others], self.neighbours, axis=0) if len(others)
                         else grid[a:b].mean(axis=0))
            distinct = grid[a:b] - (usual_own[a:b, None] + usual_ref[None, :]) / 2
            best_in: dict[int, tuple] = {}
            for src, sentences, first in blocks:
                best = self._best_window(unit, distinct[:, first:first + len(sentences)], sentences)
                if best is not None and (src not in best_in or best[0] > best_in[src][0][0]):
                    best_in[src] = (best, sentences, first)
            for src in sorted(best_in):
                best, sentences, first = best_in[src]
                weakest, skip, lo, hi = best
                aligned = Unit(unit.doc, unit.sentences[skip:])
                window = tuple(sentences[lo:hi])
                cells = distinct[skip:, first + lo:first + hi]
                similarity, _ = bottleneck_alignment(grid[a + skip:b, first + lo:first + hi], hi - lo, hi - lo - 1)
                window_words = frozenset(content_words("".join(s.text for s in window)))
                shared = sorted(window_words & own_words[(unit.start, unit.end)], key=lambda w: (-rarity.idf(w), w))
                total = sum(rarity.idf(w) for w in window_words)
                share = sum(rarity.idf(w) for w in shared) / total if total > 0 else 0.0
                candidate = Candidate(aligned, src, window, similarity, weakest, float(cells.max(axis=1).mean()),
                                      1 - share, tuple(shared))
                if self.calibration is not None:
                    candidate = replace(candidate, confidence=self.calibration.confidence(candidate.features()))
                found.append(candidate)
        return found

    def decided(self, candidate: Candidate) -> bool:
        """True when the candidate is reported as 洗稿: only a calibrated encoder decides."""
        return (self.calibration is not None and candidate.confidence is not None
                and candidate.confidence >= self.calibration.threshold)

    def best(self, candidates: list[Candidate]) -> list[Candidate]:
        """One candidate per paragraph: the decided one of highest confidence (calibrated), else the most
        distinct (uncalibrated: what a person should read first)."""
        out: dict[int, Candidate] = {}
        for c in candidates:
            key = c.unit.end
            if self.calibration is not None:
                if self.decided(c) and (key not in out or c.confidence > out[key].confidence):
                    out[key] = c
            elif key not in out or c.weakest > out[key].weakest:
                out[key] = c
        return sorted(out.values(), key=lambda c: c.unit.start)

    def _best_window(self, unit: Unit, distinct: np.ndarray, sentences: list[Sentence]) -> tuple | None:
        """(weakest, skipped, first, stop) of the best monotone alignment of the unit's sentences — all of
        them, or all but an opening lead-in when three or more remain — with a window of the reference's
        sentences, or None when no weakest link reaches the candidate distinctness."""
        best = None
        for skip in (0, 1) if len(unit.sentences) > self.lead_in_rest else (0,):
            if len(unit.sentences) - skip < self.min_sentences:
                continue
            rows = distinct[skip:]
            needed = self.min_length_ratio * sum(len(s.text) for s in unit.sentences[skip:])
            lengths = np.cumsum([len(s.text) for s in sentences])
            for start in np.flatnonzero(rows[0] >= self.candidate_distinctness):  # opens on a distinct pair
                before = lengths[start - 1] if start else 0
                shortest = int(np.searchsorted(lengths[start:] - before, needed))
                score, last = bottleneck_alignment(rows[:, start:], self.max_extra, shortest)
                if score >= self.candidate_distinctness and (best is None or score > best[0]):
                    best = (score, skip, int(start), int(start + last + 1))
        return best

    def _reference_evidence(self, texts: tuple[str, ...], references) -> tuple[np.ndarray, list[frozenset[str]]]:
        if self._references is None or self._references[0] != texts:
            words = [frozenset(content_words("".join(s.text for s in para)))
                     for _, paras in references for para in paras if para]
            self._references = texts, self.encoder.encode(list(texts), kind="passage"), words
        return self._references[1], self._references[2]
