"""The copy detector: copied passages of a batch's submissions, with their sources and CNKI-style ratios.

One run over a batch, in three phases; the middle one is the only one that looks across texts, and it works by
hash, so a cluster can run it on buckets of hashes (pipeline.engines.dask) and get what one process gets:

1. Per text (`prepare`): the content view and the winnowed fingerprints of every text once — references, the
   library, earlier quarters, the submissions (fingerprints.py). Nothing compares documents pairwise: a
   submission meets a text only through a fingerprint they share.
2. Per hash (`count`, postings.py): document frequency of every fingerprint, the seed pairs of shared
   fingerprints that are not standard formulations (the document-frequency rule below), and how often each
   4-character phrase recurs; the rows go back to the checked submission they belong to (`Evidence`).
3. Per submission (`report`), from its evidence and the texts its seeds name: verify the seeds and extend them
   to exact runs, merge runs across small edits, cut the result at the submission's paragraph breaks
   (passages.py); take attributed quotations out (quoted, not copied, unless copied along with their
   surroundings); drop what is too short to be evidence — under `min_chars` from a reference or library text,
   under `min_member_chars` (a paragraph's worth) from another member's text, standard formulations and
   《titles》 not counted; credit every character to one source, references first (a passage in a reference and
   in another submission was taken from the reference by both), then the library, earlier quarters, other
   submissions; check the paragraphs still open for paraphrase against the references (paraphrase.py); ratios.

`detect` runs the three phases in this process. Wherever order decides (which source a tie is credited to), texts
are ordered by key — sources in the order given, then the checked submissions — never by arrival.

Standard formulations: a fingerprint shared by `source_common_df` or more reference/library texts is a 提法
that independent authors all use; one shared by `member_common_df` or more members' texts (this batch and
earlier quarters) and by no reference is stock text circulating among members (openings, closings, 套话); a
k-gram made mostly of the shipped list (corpora/phrases/standard_formulations.txt) is one by definition. Such
fingerprints seed nothing and their characters do not count towards `min_chars`. Capping how many texts one
fingerprint may pair also keeps the work linear in the batch size (as MOSS ignores very common fingerprints).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..messages import N_
from ..model import CopyKind
from ..lexicon import phrase_file, phrase_list
from ..quotations import quotation_spans
from ..semantic import get_encoder
from ..util.recordcache import RecordCache
from .records import CheckedText, CopyMatch, CopyReport, CopySource, QuotedPassage
from .fingerprints import INDEPENDENT_SOURCES, ContentView, Fingerprints, PhraseMask, PreparedText, Role
from .paraphrase import Calibration, Candidate, ParaphraseFinder, Unit, paragraph_spans, split_sentences
from .passages import (Passage, Run, chain_runs, clip_passage, extend_edges, extend_seeds,
                       split_at_lines)
from .postings import PHRASE_CHARS, HashCounts, Rows, bucketed_rows, phrase_hashes, reduce_hashes

MAX_TITLE_CHARS = 60  # a 《…》 run this long or shorter is a title (a citation), never copied prose
MEMBER_SHARED = 2  # members' texts holding a k-gram, this one included, that make it shared: not open to paraphrase
# The hash phase in one process reduces one bucket of hashes at a time. Its sorts take some 60 bytes a row and a
# submission has about 1,400 rows (phrases and fingerprints): in one piece that was 1.3 GB at 10,000 documents,
# the scoring process's peak. Each bucket costs one more hashing pass over the texts (about 0.04 ms a document).
HASH_BUCKETS = 8


@dataclass(frozen=True)
class CopyConfig:
    """Settings of copy detection; lengths are in content characters (letters, digits and ideographs: punctuation
    and white space are not counted).

    k: characters per fingerprinted k-gram (CNKI reports runs of ~13 characters).
    window: winnowing window in k-grams; any shared run of k + window - 1 characters (20) is always found.
    min_chars: characters a passage copied from a reference or library text needs, standard formulations not
        counted: a shorter shared run is a stock phrase, not evidence (a stock sentence of this genre has 20–35).
    min_member_chars: the same for a passage shared with another member's text (this batch or an earlier
        quarter): colleagues share single stock sentences (openings, closings, slogans of 60–90 characters) taken
        from the same templates; a shared paragraph is evidence.
    member_min_sentences: a passage shared with another member's text that is shorter than min_member_chars is
        still copying when it runs over this many sentences and has min_chars: templates share single stock
        sentences, while several consecutive sentences in common (a measure told the same way) are one member's
        account taken by another.
    max_gap, max_shift: two exact runs are one edited passage when the text between them is at most max_gap
        characters on each side and the two sides differ in length by at most max_shift (a swapped word).
    min_run: shortest exact run that carries a passage's end outwards across an edit.
    source_common_df: reference/library texts a k-gram must be in to be a standard formulation.
    member_common_df: members' texts (batch + earlier quarters) a k-gram, found in no reference, must be in to be
        stock text rather than one member copying another.
    paraphrase: look for reworded passages with the semantic model (slow: the model embeds ~30 sentences/s).
    paraphrase_min_chars: shortest paragraph examined for paraphrase.
    paraphrase_distinctness: the weakest-link distinctness (paraphrase.Candidate: cosine above what is usual for
        the two sentences) that proposes a paraphrase candidate with an encoder that has no shipped calibration
        (paraphrase.Calibration; the calibrated default encoder brings its own). Such an encoder only proposes:
        its candidates are listed for review, never reported as 洗稿. 0: closer than usual.
    paraphrase_screen_distinctness: the same weakest link in the reader's vectors (CopyDetector's `reader`, the
        static topic reader on a default run) that some open paragraph of a document must reach before the
        paraphrase model is asked about the document at all: the reader is distilled from it, so a paragraph that
        aligns with a reference in the model's vectors aligns in the reader's too, less sharply. On the labelled
        batches every document with a 洗稿 decided had a paragraph at 0.005 or more in the reader's vectors, and
        about half of the documents none at this floor (bench/paraphrase_screen.py). It sits 0.025 under that
        lowest one: a document screened out loses its 洗稿, and no batch's lowest can be known before it is seen.
    paraphrase_neighbours: how many nearest sentences make "what is usual" for a sentence (CSLS's k): a few, so
        one close sentence elsewhere does not hide a rewrite and one on-topic sentence does not make one.
    paraphrase_min_sentences: sentences that must align in order with the reference: a rewrite carries over a
        passage's claims in sequence; one sentence that restates a reference's point is what members write in
        their own words (on the batches written by other hands, own single sentences implementing a reference's
        measure are as close to it as rewritten ones).
    paraphrase_lead_in_rest: a paragraph's opening sentence may be left out of the alignment when at least this
        many sentences still align: a rewrite often opens with a lead-in of one's own (我理解，…下好四方面功夫。).
    paraphrase_length_ratio: the reference passage must have at least this share of the paragraph's
        characters: a paraphrase rewrites a passage of about its own length, while a member's own paragraph on
        the theme tends to echo one short sentence of the reference.
    formulaic_share: a paragraph whose 4-character phrases recur in two or more other texts of the batch
        (submissions, earlier quarters, references; not the library, whose size would swamp the count) at this
        share or more is stock language (slogans packed with 提法): its likeness to a reference comes from the
        shared formulations, so it is not reported as a paraphrase. Rewording in one's own words scores < 0.1.
    unattributed_quote_chars: words the writer set in quotation marks with no attribution (quotations.py finds
        none) that stand word for word in a reference or library text are copied, though under min_chars, from
        this many content characters (standard formulations not counted): the writer marked them as someone
        else's words and did not say whose. Shorter runs in marks are names and slogans (提法 such as
        绿水青山就是金山银山 run up to 10 characters), which any member may set in marks.
    formulations: the shipped list of standard formulations.
    """

    k: int = 13
    window: int = 8
    min_chars: int = 40
    min_member_chars: int = 100
    member_min_sentences: int = 2
    max_gap: int = 24
    max_shift: int = 8
    min_run: int = 8
    source_common_df: int = 3
    member_common_df: int = 3
    paraphrase: bool = True
    paraphrase_min_chars: int = 40
    paraphrase_distinctness: float = 0.0
    paraphrase_screen_distinctness: float = -0.02
    paraphrase_neighbours: int = 3
    paraphrase_min_sentences: int = 2
    paraphrase_lead_in_rest: int = 3
    paraphrase_length_ratio: float = 0.6
    formulaic_share: float = 0.15
    unattributed_quote_chars: int = 11
    formulations: Path = field(default=phrase_file("standard_formulations.txt"))

    def __post_init__(self):
        for name in ("k", "window", "min_chars", "min_member_chars", "min_run", "paraphrase_min_chars",
                     "paraphrase_neighbours", "member_min_sentences", "paraphrase_min_sentences",
                     "paraphrase_lead_in_rest", "unattributed_quote_chars"):
            if getattr(self, name) < 1:
                raise ConfigError(N_("复制检测设置：{name} 应不小于 1，而不是 {value}", name=name, value=getattr(self, name)))
        for name in ("max_gap", "max_shift"):
            if getattr(self, name) < 0:
                raise ConfigError(N_("复制检测设置：{name} 不能为负数，而不是 {value}", name=name, value=getattr(self, name)))
        for name in ("source_common_df", "member_common_df"):
            if getattr(self, name) < 2:
                raise ConfigError(N_("复制检测设置：{name} 应不小于 2（共有一个短语的文本数），而不是 {value}", name=name,
                                     value=getattr(self, name)))
        for name in ("paraphrase_distinctness", "paraphrase_screen_distinctness"):
            if not -1 <= getattr(self, name) <= 1:
                raise ConfigError(N_("复制检测设置：{name} 应在 [-1, 1] 之间，而不是 {value}", name=name,
                                     value=getattr(self, name)))
        for name in ("paraphrase_length_ratio", "formulaic_share"):
            if not 0 < getattr(self, name) <= 1:
                raise ConfigError(N_("复制检测设置：{name} 应在 (0, 1] 之间，而不是 {value}", name=name, value=getattr(self, name)))
        for name in ("min_chars", "min_member_chars"):
            if getattr(self, name) < self.k:
                raise ConfigError(N_("复制检测设置：{name}（{value}）应不小于 k（{k}）", name=name, value=getattr(self, name), k=self.k))


class SourceTable:
    """A run's copy sources by key (0 … len(sources) - 1), each prepared when first asked for: a worker prepares
    a library text only when one of its documents meets it, and once."""

    def __init__(self, detector: "CopyDetector", sources: Sequence[CopySource]):
        self._detector = detector
        self.sources = list(sources)
        self._prepared: dict[int, PreparedText] = {}
        self.keys = {s.source_id: j for j, s in enumerate(self.sources)}

    def __getitem__(self, key: int) -> PreparedText:
        if key not in self._prepared:
            self._prepared[key] = self._detector.prepare(key, self.sources[key])
        return self._prepared[key]

    @cached_property
    def independent(self) -> list[int]:
        """Reference and library keys, references first, each role by id."""
        keys = [j for j, s in enumerate(self.sources) if s.role in INDEPENDENT_SOURCES]
        return sorted(keys, key=lambda j: (self.sources[j].role, self.sources[j].source_id))

    @cached_property
    def independent_digest(self) -> str:
        """A digest of the reference and library texts, ids and words: a report looks in all of them for the
        words of a quotation."""
        h = hashlib.blake2b(digest_size=20)
        for j in self.independent:
            h.update(hashlib.blake2b(f"{self.sources[j].source_id}\n{self.sources[j].text}".encode("utf-8"),
                                     digest_size=20).digest())
        return h.hexdigest()

    @cached_property
    def reference_sentences(self) -> list[tuple[int, list]]:
        """(key, sentences per paragraph) of every reference, for the paraphrase step."""
        out = []
        for j, s in enumerate(self.sources):
            if s.role == Role.REFERENCE:
                original = self[j].view.norm.original
                out.append((j, [split_sentences(original, a, b) for a, b in paragraph_spans(original)]))
        return out


class TextTable:
    """The texts some checked submissions may meet, by key: the sources and the checked submissions given."""

    def __init__(self, sources: SourceTable, texts: Iterable[PreparedText] = ()):
        self.sources = sources
        self._texts = {t.key: t for t in texts}
        self._keys = {t.source_id: t.key for t in self._texts.values()}

    def __getitem__(self, key: int) -> PreparedText:
        return self._texts[key] if key in self._texts else self.sources[key]

    def key_of(self, source_id: str) -> int:
        return self._keys[source_id] if source_id in self._keys else self.sources.keys[source_id]


def check_unique_ids(ids: Iterable[str]) -> None:
    """Raises ConfigError naming the first id given twice: results are keyed by id."""
    seen = set()
    for i in ids:
        if i in seen:
            raise ConfigError(N_("复制检测：两份文本的编号都是“{id}”；编号必须唯一", id=i))
        seen.add(i)


@dataclass
class Evidence:
    """What the hash phase found for one checked submission: the document frequencies of its fingerprints (in
    position order), its seeds by source key, and whether the phrase starting at each content position recurs
    in other texts (postings.RECURRING_TEXTS)."""

    source_df: np.ndarray
    member_df: np.ndarray
    seeds: dict[int, list[tuple[int, int]]]
    recurring: np.ndarray

    @classmethod
    def of(cls, text: PreparedText, counts: HashCounts) -> "Evidence":
        """From the rows of `text` (every row of the reduction that belongs to it, in any order)."""
        freq = counts.frequencies.take(np.argsort(counts.frequencies["pos"], kind="stable"))
        if not np.array_equal(freq["pos"], text.prints.positions):
            raise RuntimeError(f"copy detection: the fingerprint counts of {text.source_id} are incomplete")
        seeds = {src: list(zip(rows["d"].tolist(), rows["s"].tolist())) for src, rows in counts.seeds.groups("src")}
        recurring = ~np.isin(phrase_hashes(text), counts.rare["hash"])
        return cls(freq["source_df"], freq["member_df"], seeds, recurring)

    def recurs(self, ranges: Sequence[tuple[int, int]]) -> np.ndarray:
        """For each content range [c0, c1): whether every phrase starting in it and ending in it recurs."""
        c = np.asarray(ranges, dtype=np.int64).reshape(-1, 2)
        phrases, recurring = self._phrases_in(c[:, 0], c[:, 1] - PHRASE_CHARS + 1)
        return recurring == phrases

    def formulaic(self, ranges: Sequence[tuple[int, int]], config: CopyConfig) -> np.ndarray:
        """For each content range [c0, c1): whether the share of its phrases that recur (at least the first)
        reaches CopyConfig.formulaic_share."""
        c = np.asarray(ranges, dtype=np.int64).reshape(-1, 2)
        phrases, recurring = self._phrases_in(c[:, 0], np.maximum(c[:, 0] + 1, c[:, 1] - PHRASE_CHARS + 1))
        share = np.divide(recurring, phrases, out=np.zeros(len(c)), where=phrases > 0)
        return (phrases > 0) & (share >= config.formulaic_share)

    def _phrases_in(self, starts: np.ndarray, stops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """How many phrases start at each range's content positions [start, stop) within the text, and how many of
        them recur."""
        lo, hi = np.clip(starts, 0, len(self.recurring)), np.clip(stops, 0, len(self.recurring))
        phrases = np.maximum(hi - lo, 0)
        counted = np.concatenate([[0], np.cumsum(self.recurring)])
        return phrases, np.where(phrases > 0, counted[hi] - counted[lo], 0)

    def digest(self, text: PreparedText, checked: CheckedText, texts: TextTable, config: CopyConfig) -> str:
        """What a report reads of this evidence: the document frequencies only as compared with the config's
        bounds (so a stock phrase met once more changes nothing), the recurring phrases only as the report asks
        of them (`recurs` of each quotation, `formulaic` of each paragraph: a late submission makes many phrases
        recur), and each text its seeds name by its id, role, author and words (in key order, which settles
        ties) instead of its key, which moves when a file is added. With the submission itself and the
        independent texts, all that its report reads."""
        h = hashlib.blake2b(digest_size=20)
        view = text.view
        asked = np.concatenate([self.recurs(view.content_ranges(quotation_spans(checked.text))),
                                self.formulaic(view.content_ranges(paragraph_spans(checked.text)), config)])
        for flags in (self.source_df >= config.source_common_df, self.member_df >= config.member_common_df,
                      self.member_df >= MEMBER_SHARED, asked):
            h.update(np.packbits(flags).tobytes())
        for src in sorted(self.seeds):
            named = texts[src]
            h.update(repr((named.source_id, int(named.role), named.author, sorted(self.seeds[src]))).encode("utf-8"))
            h.update(hashlib.blake2b(named.view.norm.original.encode("utf-8"), digest_size=20).digest())
        return h.hexdigest()


@dataclass
class _Doc:
    """One checked submission while its report is made."""

    text: PreparedText
    checked: CheckedText
    evidence: Evidence
    texts: TextTable

    @property
    def view(self) -> ContentView:
        return self.text.view


class CopyDetector:
    """Finds copied passages in a batch of submissions; see the module docstring for the method and its phases.

    `encoder`: a pipeline.semantic encoder for paraphrase; None loads the default one when first needed.
    `calibration`: how paraphrase evidence is decided; None takes the one shipped for the encoder, if any.
    `reader`: a fast encoder (a run's static topic reader) that screens each document first: the paraphrase
    model is asked only about one where an open paragraph aligns with a reference in the reader's vectors too
    (CopyConfig.paraphrase_screen_distinctness). None, or the encoder itself: every document is asked about.
    """

    def __init__(self, config: CopyConfig | None = None, *, encoder=None, calibration: Calibration | None = None,
                 reader=None):
        self.config = config or CopyConfig()
        self._encoder = encoder
        self._calibration = calibration
        self._reader = reader
        self._phrases = PhraseMask(phrase_list(Path(self.config.formulations)))
        self._finder: ParaphraseFinder | None = None
        self._screen: ParaphraseFinder | None = None

    def detect(self, texts: Sequence[CheckedText], sources: Sequence[CopySource], *,
               progress: Callable[[int, int], None] | None = None,
               reports: RecordCache | None = None) -> dict[str, CopyReport]:
        """A CopyReport per submission, keyed by doc_id: the three phases in this process. `progress(done, total)`
        hears of each submission reported (the long phase: paraphrases are looked for there). With `reports`, a
        submission whose text and evidence (Evidence.digest) are as before, among the same references and
        library, gets its stored report: the first two phases run for the whole batch, the third only where its
        inputs changed."""
        check_unique_ids([s.source_id for s in sources] + [t.source_id for t in texts])
        if progress:
            progress(0, len(texts))
        source_table = SourceTable(self, sources)
        first = len(sources)
        prepared = [self.prepare(first + i, t) for i, t in enumerate(texts)]
        table = TextTable(source_table, prepared)
        everything = [source_table[j] for j in range(first)] + prepared
        counts = HashCounts.concat([self.count(postings, phrases, first_checked=first)
                                    for postings, phrases in bucketed_rows(everything, HASH_BUCKETS)])
        rows = counts.split(lambda keys: keys - first, len(prepared))
        out = {}
        for p, t, r in zip(prepared, texts, rows):
            out[t.doc_id] = self._stored_or_new_report(p, t, Evidence.of(p, r), table, reports)
            if progress:
                progress(len(out), len(texts))
        return out

    def _stored_or_new_report(self, text: PreparedText, checked: CheckedText, evidence: Evidence, texts: TextTable,
                              reports: RecordCache | None) -> CopyReport:
        if reports is None:
            return self.report(text, checked, evidence, texts)
        key = reports.key(checked.text.encode("utf-8"), checked.doc_id, checked.author, checked.quotes,
                          texts.sources.independent_digest, evidence.digest(text, checked, texts, self.config))
        return reports.made(key, checked.doc_id, lambda: self.report(text, checked, evidence, texts).to_dict(),
                            read=CopyReport.from_dict)

    # -- phase 1: per text -----------------------------------------------------------------------------------

    def prepare(self, key: int, text: CopySource | CheckedText) -> PreparedText:
        """A text's content view and fingerprints; a CheckedText is a submission of this batch."""
        role = Role.SUBMISSION if isinstance(text, CheckedText) else text.role
        view = ContentView.of(text.text)
        prints = Fingerprints.of(view, self.config.k, self.config.window, self._phrases)
        return PreparedText(key, text.source_id, role, text.author, view, prints)

    # -- phase 2: per hash -----------------------------------------------------------------------------------

    def count(self, postings: Rows, phrases: Rows, *, first_checked: int) -> HashCounts:
        """The hash phase over rows holding every occurrence of their hashes (postings.py)."""
        return reduce_hashes(postings, phrases, first_checked=first_checked,
                             source_common_df=self.config.source_common_df,
                             member_common_df=self.config.member_common_df)

    # -- phase 3: per checked submission ---------------------------------------------------------------------

    def report(self, text: PreparedText, checked: CheckedText, evidence: Evidence, texts: TextTable) -> CopyReport:
        """The copy report of one checked submission; `texts` must hold every text its seeds name."""
        doc = _Doc(text, checked, evidence, texts)
        report, claimed = self._report_lexical(doc, self._passages(doc))
        if self.config.paraphrase:
            self._report_paraphrases(report, doc, claimed)
        self._fill_ratios(report, doc)
        return report

    def _passages(self, doc: _Doc) -> list[Passage]:
        """Every passage of the submission, from any other text, before quotations and precedence."""
        cfg, view = self.config, doc.view
        found = []
        for src in sorted(doc.evidence.seeds):
            a, b = view.text, doc.texts[src].view.text
            runs = extend_seeds(a, b, doc.evidence.seeds[src], cfg.k)
            lines = view.line_starts.tolist()
            for chain in chain_runs(runs, doc.text.key, src, cfg.max_gap, cfg.max_shift, lines):
                passage = extend_edges(a, b, chain, cfg.max_gap, cfg.max_shift, cfg.min_run,
                                       view.line_of(chain.d0, chain.d1))
                found.extend(split_at_lines(passage, lines))
        return found

    def _report_lexical(self, doc: _Doc, passages: list[Passage]) -> tuple[CopyReport, np.ndarray]:
        """The verbatim/edited matches and quotations of the submission, and the content characters they claim."""
        view = doc.view
        report = CopyReport(doc.checked.doc_id, len(view.norm.text))
        common = self._common_masks(doc)
        exempt, report.quoted = self._quotations(doc, passages, common)
        pieces = []
        for p in passages:
            for lo, hi in _free_ranges(p.d0, p.d1, exempt):
                piece = clip_passage(p, lo, hi)
                if piece is not None:
                    pieces.append(piece)
        claimed = np.zeros(len(view), dtype=bool)
        for q0, q1 in exempt:
            claimed[q0:q1] = True
        chosen = self._credit(doc, pieces, claimed, common)
        report.matches = [self._match(doc, piece) for piece in sorted(chosen, key=lambda p: p.d0)]
        report.matches += self._unattributed_quotations(doc, claimed)
        return report, claimed

    def _unattributed_quotations(self, doc: _Doc, claimed: np.ndarray) -> list[CopyMatch]:
        """Words in quotation marks with no attribution, not yet claimed, found word for word in a reference (else
        a library text): copied, marked as someone's words without saying whose (CopyConfig.unattributed_quote_chars).
        Words whose every 4-character phrase recurs in two more texts (other members set the same words in marks,
        a formulation in circulation) and listed standard formulations are not counted as evidence."""
        view, checked = doc.view, doc.checked
        attributed = set(checked.quotes)
        listed = self._phrases.mask(view)
        found = []
        spans = quotation_spans(checked.text)
        ranges = view.content_ranges(spans)
        for (a, b), (q0, q1), recurs in zip(spans, ranges, doc.evidence.recurs(ranges)):
            if (a, b) in attributed or q1 <= q0 or claimed[q0:q1].any():
                continue
            if (q1 - q0) - int(listed[q0:q1].sum()) < self.config.unattributed_quote_chars:
                continue
            if recurs:
                continue
            words = view.text[q0:q1]
            source = next((j for j in doc.texts.sources.independent if words in doc.texts.sources[j].view.text), None)
            if source is None:
                continue
            src = doc.texts.sources[source].view
            s0 = src.text.index(words)
            claimed[q0:q1] = True
            passage = Passage(doc.text.key, source, (Run(q0, q1, s0, s0 + q1 - q0),))
            found.append(self._match(doc, passage, reason="引号内文字与参考材料原文一字不差，但未注明出处"))
        return found

    def _quotations(self, doc: _Doc, passages: list[Passage],
                    common: dict[bool, np.ndarray]) -> tuple[list[tuple[int, int]], list[QuotedPassage]]:
        """The exempt quotations of the submission (content ranges) and how they are reported. A quotation is
        exempt when it is attributed (CheckedText.quotes: a citation, whatever its length) and not copied together
        with the text around it."""
        view, checked = doc.view, doc.checked
        exempt, quoted = [], []
        for (a, b), (q0, q1) in zip(checked.quotes, view.content_ranges(checked.quotes)):
            if q1 <= q0:
                continue
            over = [p for p in passages if p.d0 < q1 and q0 < p.d1]
            if any(self._copied_around(r, q0, q1, common[doc.texts[p.source].role in INDEPENDENT_SOURCES])
                   for p in over for r in p.runs if r.d0 < q1 and q0 < r.d1):
                continue
            exempt.append((q0, q1))
            quoted.append(QuotedPassage(a, b, checked.text[a:b], self._quote_source(doc, over, q0, q1)))
        return exempt, quoted

    def _credit(self, doc: _Doc, pieces: list[Passage], claimed: np.ndarray,
                common: dict[bool, np.ndarray]) -> list[Passage]:
        """Credits every content character to one source: passages in order of source role (reference, library,
        earlier quarter, submission), then length; each keeps what is still unclaimed if that is long enough."""
        cfg, texts = self.config, doc.texts

        def long_enough(p: Passage) -> bool:
            independent = texts[p.source].role in INDEPENDENT_SOURCES
            substance = self._substance(p, common[independent])
            if independent:
                return substance >= cfg.min_chars
            return substance >= cfg.min_member_chars or (
                substance >= cfg.min_chars and self._sentences(doc, p) >= cfg.member_min_sentences)

        chosen = []
        for p in sorted(pieces, key=lambda p: (texts[p.source].role, -p.matched, texts[p.source].source_id, p.d0)):
            if not long_enough(p):
                continue
            for lo, hi in _free_ranges(p.d0, p.d1, _true_ranges(claimed, p.d0, p.d1)):
                piece = clip_passage(p, lo, hi)
                if piece is not None and long_enough(piece):
                    claimed[piece.d0:piece.d1] = True
                    chosen.append(piece)
        return chosen

    def _copied_around(self, run: Run, q0: int, q1: int, mask: np.ndarray) -> bool:
        """True when an exact run through a quotation also carries at least k characters of the text around it
        that are not standard formulations (a heading and an attribution such as 文中明确要求 are not enough)."""
        before = q0 - run.d0 - int(mask[run.d0:q0].sum()) if run.d0 < q0 else 0
        after = run.d1 - q1 - int(mask[q1:run.d1].sum()) if run.d1 > q1 else 0
        return max(before, after) >= self.config.k

    def _quote_source(self, doc: _Doc, over: list[Passage], q0: int, q1: int) -> str | None:
        """The reference (else library text) a quotation was found in: the one matching most of it."""
        best = None
        for p in over:
            source = doc.texts[p.source]
            if source.role in INDEPENDENT_SOURCES:
                overlap = min(p.d1, q1) - max(p.d0, q0)
                key = (source.role, -overlap, source.source_id)
                best = key if best is None or key < best else best
        if best is not None:
            return best[2]
        words = doc.view.text[q0:q1]
        for j in doc.texts.sources.independent:
            if words in doc.texts[j].view.text:
                return doc.texts[j].source_id
        return None

    def _titles(self, text: str, view: ContentView) -> list[tuple[int, int]]:
        """Content ranges of 《titles》: a title names the text it cites, it is not copied prose."""
        out, pos = [], text.find("《")
        while pos != -1:
            end = text.find("》", pos + 1)
            if end == -1 or "\n" in text[pos:end]:
                break
            if end - pos - 1 <= MAX_TITLE_CHARS:
                out.append((view.content_index(pos + 1), view.content_index(end)))
            pos = text.find("《", end + 1)
        return out

    def _common_masks(self, doc: _Doc) -> dict[bool, np.ndarray]:
        """Content characters of the submission that do not count towards a passage's length: standard
        formulations, as judged against independent sources (True) and against members' texts (False), and
        《titles》, which cite a text rather than copy it."""
        cfg, prints, evidence, n = self.config, doc.text.prints, doc.evidence, len(doc.view)
        titles = np.zeros(n + 1, dtype=np.int64)
        for c0, c1 in self._titles(doc.checked.text, doc.view):
            titles[c0] += 1
            titles[c1] -= 1
        masks = {}
        for against_sources, common in ((True, evidence.source_df >= cfg.source_common_df),
                                        (False, evidence.member_df >= cfg.member_common_df)):
            mask = titles.copy()
            for pos in prints.positions[common | prints.listed]:
                mask[pos] += 1
                mask[min(pos + cfg.k, n)] -= 1
            masks[against_sources] = np.cumsum(mask)[:n] > 0
        return masks

    @staticmethod
    def _sentences(doc: _Doc, p: Passage) -> int:
        """Sentences of the submission that the passage holds whole or in most part (MIN_SENTENCE_CHARS or more
        of them)."""
        start, end = doc.view.norm.original_span(*doc.view.norm_span(p.d0, p.d1))
        return len(split_sentences(doc.checked.text, start, end))

    @staticmethod
    def _substance(p: Passage, common: np.ndarray) -> int:
        return int((p.d1 - p.d0) - common[p.d0:p.d1].sum())

    def _match(self, doc: _Doc, p: Passage, reason: str = "") -> CopyMatch:
        """A passage as the secretary sees it: original-text spans in both texts, closing punctuation that both
        share included; similarity is difflib's ratio (Ratcliff–Obershelp, 2·matches / total length) of the two
        passages as they read, white space aside, so a changed comma counts."""
        view, source = doc.view, doc.texts[p.source]
        src = source.view
        d_norm = view.norm_span(p.d0, p.d1)
        s_norm = src.norm_span(p.s0, p.s1)
        d_end, s_end = d_norm[1], s_norm[1]
        while (d_end < len(view.norm.text) and s_end < len(src.norm.text)
               and view.norm.text[d_end] == src.norm.text[s_end] and not view.norm.text[d_end].isalnum()):
            d_end, s_end = d_end + 1, s_end + 1
        start, end = view.norm.original_span(d_norm[0], d_end)
        s_start, s_stop = src.norm.original_span(s_norm[0], s_end)
        mine, theirs = view.norm.text[d_norm[0]:d_end], src.norm.text[s_norm[0]:s_end]
        similarity = 1.0 if mine == theirs else SequenceMatcher(None, mine, theirs, autojunk=False).ratio()
        return CopyMatch(start, end, doc.checked.text[start:end], source.source_id, src.norm.original[s_start:s_stop],
                         CopyKind.VERBATIM if mine == theirs else CopyKind.EDITED, round(similarity, 4), reason=reason)

    def _report_paraphrases(self, report: CopyReport, doc: _Doc, claimed: np.ndarray) -> None:
        """Paraphrases decided by the encoder's calibration go into the matches, with their confidence as the
        similarity the secretary sees and a reason; without a calibration the candidates are only listed."""
        found = self._paraphrases(doc, claimed)
        finder = self._paraphrase_finder()  # every report says which model looked, whatever order they come in
        report.paraphrase_encoder = self._encoder.name if hasattr(self._encoder, "name") else type(self._encoder).__name__
        report.paraphrase_calibrated = finder.calibration is not None
        for c in finder.best(found):
            text = doc.checked.text[c.unit.start:c.unit.end]
            source = doc.texts[c.source].source_id
            window = "".join(s.text for s in c.window)
            if finder.decided(c):
                report.matches.append(CopyMatch(c.unit.start, c.unit.end, text, source, window, CopyKind.PARAPHRASE,
                                                round(c.confidence, 4), reason=c.reason(),
                                                cosine=round(c.similarity, 4)))
            elif finder.calibration is None:
                report.candidates.append(CopyMatch(c.unit.start, c.unit.end, text, source, window, CopyKind.PARAPHRASE,
                                                   round(c.similarity, 4), reason=c.reason(),
                                                   cosine=round(c.similarity, 4)))

    def _paraphrases(self, doc: _Doc, claimed: np.ndarray) -> list[Candidate]:
        units, paragraphs = self._paraphrase_units(doc, claimed)
        references = doc.texts.sources.reference_sentences
        if not units or not references:
            return []
        screen = self._paraphrase_screen()
        if screen is not None and not screen.find(units, paragraphs, references):
            return []  # nothing aligns even in the reader's vectors: the slow model is not asked
        return self._paraphrase_finder().find(units, paragraphs, references)

    def _paraphrase_finder(self) -> ParaphraseFinder:
        """The finder, built when first needed: the encoder is loaded only then."""
        if self._finder is None:
            if self._encoder is None:
                self._encoder = get_encoder()
            calibration = self._calibration
            if calibration is None:
                calibration = Calibration.shipped(getattr(self._encoder, "name", ""))
            self._finder = self._finder_of(self._encoder, calibration, self.config.paraphrase_distinctness)
        return self._finder

    def _paraphrase_screen(self) -> ParaphraseFinder | None:
        """The reader's finder, proposing only (no calibration), at the screen's distinctness."""
        if self._screen is None and self._reader is not None and self._reader is not self._encoder:
            self._screen = self._finder_of(self._reader, None, self.config.paraphrase_screen_distinctness)
        return self._screen

    def _finder_of(self, encoder, calibration: Calibration | None, distinctness: float) -> ParaphraseFinder:
        cfg = self.config
        return ParaphraseFinder(encoder, calibration, distinctness, cfg.paraphrase_neighbours,
                                cfg.paraphrase_min_sentences, cfg.paraphrase_length_ratio, cfg.paraphrase_lead_in_rest)

    def _paraphrase_units(self, doc: _Doc, claimed: np.ndarray) -> tuple[list[Unit], list[tuple]]:
        """The paragraphs left open, and the member's own writing a candidate is measured against: every
        paragraph of which no more than half is claimed by a copy or quotation (the open ones among them).
        Paragraphs left open: at least paraphrase_min_chars content characters, and half the paragraph, that are
        not claimed by a copy or quotation, not inside quotation marks or a 《title》, and not shared word for
        word with another member's text (what is shared and was not judged copying is stock text); and not
        formulaic (see CopyConfig.formulaic_share)."""
        cfg, view, prints, checked = self.config, doc.view, doc.text.prints, doc.checked
        closed = claimed.copy()
        for pos in prints.positions[(doc.evidence.member_df >= MEMBER_SHARED) | prints.listed]:
            closed[pos:pos + cfg.k] = True
        for q0, q1 in view.content_ranges(quotation_spans(checked.text)):
            closed[q0:q1] = True
        for c0, c1 in self._titles(checked.text, view):
            closed[c0:c1] = True
        units, paragraphs = [], []
        spans = paragraph_spans(checked.text)
        ranges = view.content_ranges(spans)
        for (a, b), (c0, c1), formulaic in zip(spans, ranges, doc.evidence.formulaic(ranges, cfg)):
            sentences = split_sentences(checked.text, a, b)
            if 2 * int(claimed[c0:c1].sum()) <= c1 - c0 and sentences:
                paragraphs.append(tuple(sentences))
            open_chars = (c1 - c0) - int(closed[c0:c1].sum())
            if open_chars < cfg.paraphrase_min_chars or 2 * open_chars < c1 - c0:
                continue
            if formulaic:
                continue
            if sentences:
                units.append(Unit(doc.text.key, tuple(sentences)))
        return units, paragraphs

    # -- ratios --------------------------------------------------------------------------------------------------

    def _fill_ratios(self, report: CopyReport, doc: _Doc) -> None:
        norm = doc.view.norm
        n = len(norm.text)
        if n == 0:
            return
        in_quotes = np.zeros(n, dtype=bool)
        for a, b in quotation_spans(doc.checked.text):
            in_quotes[norm.norm_index(a):norm.norm_index(b)] = True
        author = doc.checked.author
        all_chars = np.zeros(n, dtype=bool)
        not_own = np.zeros(n, dtype=bool)
        by_source: dict[str, np.ndarray] = {}
        for m in report.matches:
            a, b = norm.norm_index(m.start), norm.norm_index(m.end)
            all_chars[a:b] = True
            if author is None or doc.texts[doc.texts.key_of(m.source)].author != author:
                not_own[a:b] = True
            by_source.setdefault(m.source, np.zeros(n, dtype=bool))[a:b] = True
        report.matches.sort(key=lambda m: (m.start, m.end, m.source))
        report.copy_ratio = float(all_chars.sum() / n)
        report.ratio_without_quotes = float((all_chars & ~in_quotes).sum() / n)
        report.ratio_without_own = float(not_own.sum() / n)
        report.per_source = {s: float(mask.sum() / n) for s, mask in sorted(by_source.items())}
        if report.per_source:
            top = max(sorted(report.per_source), key=lambda s: report.per_source[s])
            report.largest_source = (top, report.per_source[top])


def _free_ranges(start: int, end: int, cuts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """[start, end) minus the union of the ranges in `cuts`, as sorted disjoint ranges."""
    out, pos = [], start
    for a, b in sorted(cuts):
        if b <= pos or a >= end:
            continue
        if a > pos:
            out.append((pos, a))
        pos = max(pos, b)
    if pos < end:
        out.append((pos, end))
    return out


def _true_ranges(mask: np.ndarray, start: int, end: int) -> list[tuple[int, int]]:
    """Maximal ranges inside [start, end) where `mask` is True."""
    seg = np.concatenate([[False], mask[start:end], [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(seg))
    return [(start + int(a), start + int(b)) for a, b in zip(edges[::2], edges[1::2])]
