"""The copy detector: copied passages of a batch's submissions, with their sources and CNKI-style ratios.

One run over a batch:

1. Fingerprint every text once — references, the library, earlier quarters, the submissions — and sort all
   fingerprints together (fingerprints.py). Nothing compares documents pairwise: a submission meets a text only
   through a fingerprint they share.
2. Pair shared fingerprints, skipping standard formulations (the document-frequency rule below), verify and
   extend them to exact runs, merge runs across small edits, and cut the result at the submission's paragraph
   breaks (passages.py).
3. Per submission: take attributed quotations out (quoted, not copied, unless copied along with their
   surroundings); drop what is too short to be evidence — under `min_chars` from a reference or library text,
   under `min_member_chars` (a paragraph's worth) from another member's text, standard formulations and
   《titles》 not counted; credit every character to one source, references first (a passage in a reference and
   in another submission was taken from the reference by both), then the library, earlier quarters, other
   submissions.
4. Paragraphs still open are checked for paraphrase against the references (paraphrase.py).

Standard formulations: a fingerprint shared by `source_common_df` or more reference/library texts is a 提法
that independent authors all use; one shared by `member_common_df` or more members' texts (this batch and
earlier quarters) and by no reference is stock text circulating among members (openings, closings, 套话); a
k-gram made mostly of the shipped list (corpora/phrases/standard_formulations.txt) is one by definition. Such
fingerprints seed nothing and their characters do not count towards `min_chars`. Capping how many texts one
fingerprint may pair also keeps the work linear in the batch size (as MOSS ignores very common fingerprints).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from .documents import CheckedText, CopyMatch, CopyReport, CopySource, QuotedPassage
from .fingerprints import INDEPENDENT_SOURCES, ContentView, FingerprintIndex, PhraseMask, Role, phrase_frequency
from .paraphrase import ParaphraseFinder, Unit, paragraph_spans, split_sentences
from .passages import (Passage, Run, chain_runs, clip_passage, extend_edges, extend_seeds,
                       split_at_lines)
from .quotes import MAX_QUOTE_CHARS, quotation_spans

DEFAULT_FORMULATIONS = Path(__file__).resolve().parents[2] / "corpora" / "phrases" / "standard_formulations.txt"
FORMULAIC_CHARS = 4  # phrase length (content characters) of the formulaic-language share
MAX_TITLE_CHARS = 60  # a 《…》 run this long or shorter is a title (a citation), never copied prose


def load_formulations(path: Path) -> list[str]:
    """Phrases of a standard-formulation list: one a line, `#` comment lines and blank lines skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ConfigError(f"standard formulations list {path}: cannot be read ({e.strerror}); "
                          "give an existing file in the copy settings") from e
    return [s.strip() for s in lines if s.strip() and not s.lstrip().startswith("#")]


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
    max_gap, max_shift: two exact runs are one edited passage when the text between them is at most max_gap
        characters on each side and the two sides differ in length by at most max_shift (a swapped word).
    min_run: shortest exact run that carries a passage's end outwards across an edit.
    source_common_df: reference/library texts a k-gram must be in to be a standard formulation.
    member_common_df: members' texts (batch + earlier quarters) a k-gram, found in no reference, must be in to be
        stock text rather than one member copying another.
    max_quote_chars: an attributed quotation longer than this (white space excluded) is copying all the same.
    paraphrase: look for reworded passages with the semantic model (slow: the model embeds ~30 sentences/s).
    paraphrase_min_chars: shortest paragraph examined for paraphrase.
    paraphrase_similarity: cosine every aligned sentence pair of a paraphrase must reach; the default is
        calibrated for the default encoder (multilingual-e5-small), whose cosines run high.
    paraphrase_length_ratio: the reference passage must have at least this share of the paragraph's
        characters: a paraphrase rewrites a passage of about its own length, while a member's own paragraph on
        the theme tends to echo one short sentence of the reference.
    formulaic_share: a paragraph whose 4-character phrases recur in two or more other texts of the batch
        (submissions, earlier quarters, references; not the library, whose size would swamp the count) at this
        share or more is stock language (slogans packed with 提法): its likeness to a reference comes from the
        shared formulations, so it is not reported as a paraphrase. Rewording in one's own words scores < 0.1.
    formulations: the shipped list of standard formulations.
    """

    k: int = 13
    window: int = 8
    min_chars: int = 40
    min_member_chars: int = 100
    max_gap: int = 24
    max_shift: int = 8
    min_run: int = 8
    source_common_df: int = 3
    member_common_df: int = 3
    max_quote_chars: int = MAX_QUOTE_CHARS
    paraphrase: bool = True
    paraphrase_min_chars: int = 40
    paraphrase_similarity: float = 0.925
    paraphrase_length_ratio: float = 0.6
    formulaic_share: float = 0.15
    formulations: Path = field(default=DEFAULT_FORMULATIONS)

    def __post_init__(self):
        for name in ("k", "window", "min_chars", "min_member_chars", "min_run", "max_quote_chars",
                     "paraphrase_min_chars"):
            if getattr(self, name) < 1:
                raise ConfigError(f"copy settings: {name} must be at least 1, got {getattr(self, name)}")
        for name in ("max_gap", "max_shift"):
            if getattr(self, name) < 0:
                raise ConfigError(f"copy settings: {name} cannot be negative, got {getattr(self, name)}")
        for name in ("source_common_df", "member_common_df"):
            if getattr(self, name) < 2:
                raise ConfigError(f"copy settings: {name} must be at least 2 (texts sharing a phrase), "
                                  f"got {getattr(self, name)}")
        for name in ("paraphrase_similarity", "paraphrase_length_ratio", "formulaic_share"):
            if not 0 < getattr(self, name) <= 1:
                raise ConfigError(f"copy settings: {name} must be in (0, 1], got {getattr(self, name)}")
        for name in ("min_chars", "min_member_chars"):
            if getattr(self, name) < self.k:
                raise ConfigError(f"copy settings: {name} ({getattr(self, name)}) must be at least k ({self.k})")


@dataclass
class _Batch:
    """All texts of one run, sources first, then the submissions being checked, with their fingerprints."""

    ids: list[str]
    roles: list[Role]
    authors: list[str | None]
    views: list[ContentView]
    checked: range
    index: FingerprintIndex

    def __post_init__(self):
        self.position = {source_id: j for j, source_id in enumerate(self.ids)}


class CopyDetector:
    """Finds copied passages in a batch of submissions; see the module docstring for the method.

    `encoder`: a pipeline.semantic encoder for paraphrase; None loads the default one when first needed.
    """

    def __init__(self, config: CopyConfig | None = None, *, encoder=None):
        self.config = config or CopyConfig()
        self._encoder = encoder
        self._phrases = PhraseMask(load_formulations(self.config.formulations))

    def detect(self, texts: Sequence[CheckedText], sources: Sequence[CopySource]) -> dict[str, CopyReport]:
        """A CopyReport per submission, keyed by doc_id."""
        batch = self._prepare(texts, sources)
        passages = self._passages(batch)
        reports, claims = {}, {}
        for i, checked in zip(batch.checked, texts):
            reports[checked.doc_id], claims[i] = self._report_lexical(batch, i, checked, passages.get(i, []))
        if self.config.paraphrase:
            for found in self._paraphrases(batch, texts, claims):
                checked = texts[found.unit.doc - batch.checked.start]
                reports[checked.doc_id].matches.append(CopyMatch(
                    found.unit.start, found.unit.end, checked.text[found.unit.start:found.unit.end],
                    batch.ids[found.source], "".join(s.text for s in found.window), "paraphrase",
                    round(found.similarity, 4)))
        for i, checked in zip(batch.checked, texts):
            self._fill_ratios(reports[checked.doc_id], batch, i, checked)
        return reports

    # -- step 1: fingerprints --------------------------------------------------------------------------------

    def _prepare(self, texts: Sequence[CheckedText], sources: Sequence[CopySource]) -> _Batch:
        ids = [s.source_id for s in sources] + [t.source_id for t in texts]
        seen = set()
        for i in ids:
            if i in seen:
                raise ConfigError(f"copy detection: two texts have the id {i!r}; ids must be unique")
            seen.add(i)
        roles = [s.role for s in sources] + [Role.SUBMISSION] * len(texts)
        views = [ContentView.of(x.text) for x in [*sources, *texts]]
        index = FingerprintIndex(views, roles, self.config.k, self.config.window, self._phrases)
        return _Batch(ids, roles, [x.author for x in [*sources, *texts]], views,
                      range(len(sources), len(ids)), index)

    # -- step 2: seeds, runs, passages -------------------------------------------------------------------------

    def _passages(self, batch: _Batch) -> dict[int, list[Passage]]:
        """Every passage of every checked submission, from any other text, before quotations and precedence."""
        cfg = self.config
        source_df, member_df = batch.index.group_frequencies()
        wanted = ((source_df >= 1) & (source_df < cfg.source_common_df)) | (
            (source_df == 0) & (member_df < cfg.member_common_df))
        seeds: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        independent = np.asarray(INDEPENDENT_SOURCES)
        for shared in batch.index.shared(wanted):
            if shared.listed:
                continue
            is_sub = shared.roles == Role.SUBMISSION
            subs = list(zip(shared.texts[is_sub].tolist(), shared.positions[is_sub].tolist()))
            if shared.source_df:  # a reference or library text holds it: only they are credited
                pick = np.isin(shared.roles, independent)
            else:
                pick = np.ones(len(shared.texts), dtype=bool)
            targets = list(zip(shared.texts[pick].tolist(), shared.positions[pick].tolist()))
            for doc, d in subs:
                if doc not in batch.checked:
                    continue
                for src, s in targets:
                    if src != doc:
                        seeds[(doc, src)].append((d, s))
        found: dict[int, list[Passage]] = defaultdict(list)
        for (doc, src), pairs in sorted(seeds.items()):
            a, b = batch.views[doc].text, batch.views[src].text
            runs = extend_seeds(a, b, pairs, cfg.k)
            lines = batch.views[doc].line_starts.tolist()
            for chain in chain_runs(runs, doc, src, cfg.max_gap, cfg.max_shift, lines):
                passage = extend_edges(a, b, chain, cfg.max_gap, cfg.max_shift, cfg.min_run,
                                       batch.views[doc].line_of(chain.d0, chain.d1))
                found[doc].extend(split_at_lines(passage, lines))
        return found

    # -- step 3: quotations, precedence, matches ----------------------------------------------------------------

    def _report_lexical(self, batch: _Batch, i: int, checked: CheckedText,
                        passages: list[Passage]) -> tuple[CopyReport, np.ndarray]:
        """The verbatim/edited matches and quotations of submission i, and the content characters they claim."""
        view = batch.views[i]
        report = CopyReport(checked.doc_id, len(view.norm.text))
        common = self._common_masks(batch, i, checked)
        exempt, report.quoted = self._quotations(batch, i, checked, passages, common)
        pieces = []
        for p in passages:
            for lo, hi in _free_ranges(p.d0, p.d1, exempt):
                piece = clip_passage(p, lo, hi)
                if piece is not None:
                    pieces.append(piece)
        claimed = np.zeros(len(view), dtype=bool)
        for q0, q1 in exempt:
            claimed[q0:q1] = True
        chosen = self._credit(batch, pieces, claimed, common)
        report.matches = [self._match(batch, checked, piece) for piece in sorted(chosen, key=lambda p: p.d0)]
        return report, claimed

    def _quotations(self, batch: _Batch, i: int, checked: CheckedText, passages: list[Passage],
                    common: dict[bool, np.ndarray]) -> tuple[list[tuple[int, int]], list[QuotedPassage]]:
        """The exempt quotations of submission i (content ranges) and how they are reported. A quotation is
        exempt when it is attributed (CheckedText.quotes), not longer than max_quote_chars and not copied
        together with the text around it."""
        cfg, view = self.config, batch.views[i]
        exempt, quoted = [], []
        for a, b in checked.quotes:
            if len("".join(checked.text[a:b].split())) > cfg.max_quote_chars:
                continue
            q0, q1 = view.content_index(a), view.content_index(b)
            if q1 <= q0:
                continue
            over = [p for p in passages if p.d0 < q1 and q0 < p.d1]
            if any(self._copied_around(r, q0, q1, common[batch.roles[p.source] in INDEPENDENT_SOURCES])
                   for p in over for r in p.runs if r.d0 < q1 and q0 < r.d1):
                continue
            exempt.append((q0, q1))
            quoted.append(QuotedPassage(a, b, checked.text[a:b], self._quote_source(batch, i, over, q0, q1)))
        return exempt, quoted

    def _credit(self, batch: _Batch, pieces: list[Passage], claimed: np.ndarray,
                common: dict[bool, np.ndarray]) -> list[Passage]:
        """Credits every content character to one source: passages in order of source role (reference, library,
        earlier quarter, submission), then length; each keeps what is still unclaimed if that is long enough."""
        cfg = self.config

        def long_enough(p: Passage) -> bool:
            independent = batch.roles[p.source] in INDEPENDENT_SOURCES
            needed = cfg.min_chars if independent else cfg.min_member_chars
            return self._substance(p, common[independent]) >= needed

        chosen = []
        for p in sorted(pieces, key=lambda p: (batch.roles[p.source], -p.matched, batch.ids[p.source], p.d0)):
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

    def _quote_source(self, batch: _Batch, i: int, over: list[Passage], q0: int, q1: int) -> str | None:
        """The reference (else library text) a quotation was found in: the one matching most of it."""
        best = None
        for p in over:
            if batch.roles[p.source] in INDEPENDENT_SOURCES:
                overlap = min(p.d1, q1) - max(p.d0, q0)
                key = (batch.roles[p.source], -overlap, batch.ids[p.source])
                best = key if best is None or key < best else best
        if best is not None:
            return best[2]
        words = batch.views[i].text[q0:q1]
        for j in sorted(range(len(batch.ids)), key=lambda j: (batch.roles[j], batch.ids[j])):
            if batch.roles[j] in INDEPENDENT_SOURCES and words in batch.views[j].text:
                return batch.ids[j]
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

    def _common_masks(self, batch: _Batch, i: int, checked: CheckedText) -> dict[bool, np.ndarray]:
        """Content characters of submission i that do not count towards a passage's length: standard
        formulations, as judged against independent sources (True) and against members' texts (False), and
        《titles》, which cite a text rather than copy it."""
        cfg, prints, n = self.config, batch.index.prints[i], len(batch.views[i])
        titles = np.zeros(n + 1, dtype=np.int64)
        for c0, c1 in self._titles(checked.text, batch.views[i]):
            titles[c0] += 1
            titles[c1] -= 1
        masks = {}
        for against_sources, common in ((True, prints.source_df >= cfg.source_common_df),
                                        (False, prints.member_df >= cfg.member_common_df)):
            mask = titles.copy()
            for pos in prints.positions[common | prints.listed]:
                mask[pos] += 1
                mask[min(pos + cfg.k, n)] -= 1
            masks[against_sources] = np.cumsum(mask)[:n] > 0
        return masks

    @staticmethod
    def _substance(p: Passage, common: np.ndarray) -> int:
        return int((p.d1 - p.d0) - common[p.d0:p.d1].sum())

    def _match(self, batch: _Batch, checked: CheckedText, p: Passage) -> CopyMatch:
        """A passage as the secretary sees it: original-text spans in both texts, closing punctuation that both
        share included; similarity is difflib's ratio (Ratcliff–Obershelp, 2·matches / total length) of the two
        passages as they read, white space aside, so a changed comma counts."""
        view, src = batch.views[p.doc], batch.views[p.source]
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
        return CopyMatch(start, end, checked.text[start:end], batch.ids[p.source], src.norm.original[s_start:s_stop],
                         "verbatim" if mine == theirs else "edited", round(similarity, 4))

    # -- step 4: paraphrase ------------------------------------------------------------------------------------------

    def _paraphrases(self, batch: _Batch, texts: Sequence[CheckedText], claims: dict[int, np.ndarray]):
        units = self._paraphrase_units(batch, texts, claims)
        references = [(j, [split_sentences(batch.views[j].norm.original, a, b)
                           for a, b in paragraph_spans(batch.views[j].norm.original)])
                      for j, role in enumerate(batch.roles) if role == Role.REFERENCE]
        if not units or not references:
            return []
        if self._encoder is None:
            from ..semantic import get_encoder

            self._encoder = get_encoder()
        return ParaphraseFinder(self._encoder, self.config.paraphrase_similarity,
                                self.config.paraphrase_length_ratio).find(units, references)

    def _paraphrase_units(self, batch: _Batch, texts: Sequence[CheckedText],
                          claims: dict[int, np.ndarray]) -> list[Unit]:
        """Paragraphs left open: at least paraphrase_min_chars content characters, and half the paragraph, that
        are not claimed by a copy or quotation, not inside quotation marks or a 《title》, and not shared word for
        word with another member's text (what is shared and was not judged copying is stock text); and not
        formulaic (see CopyConfig.formulaic_share)."""
        cfg = self.config
        in_batch = [j for j, role in enumerate(batch.roles) if role != Role.LIBRARY]
        recurring = dict(zip(in_batch, phrase_frequency([batch.views[j] for j in in_batch], FORMULAIC_CHARS)))
        units = []
        for i, checked in zip(batch.checked, texts):
            view, prints = batch.views[i], batch.index.prints[i]
            closed = claims[i].copy()
            for pos in prints.positions[(prints.member_df >= 2) | prints.listed]:
                closed[pos:pos + cfg.k] = True
            for a, b in quotation_spans(checked.text):
                closed[view.content_index(a):view.content_index(b)] = True
            for c0, c1 in self._titles(checked.text, view):
                closed[c0:c1] = True
            for a, b in paragraph_spans(checked.text):
                c0, c1 = view.content_index(a), view.content_index(b)
                open_chars = (c1 - c0) - int(closed[c0:c1].sum())
                if open_chars < cfg.paraphrase_min_chars or 2 * open_chars < c1 - c0:
                    continue
                if np.mean(recurring[i][c0:max(c0 + 1, c1 - FORMULAIC_CHARS + 1)] >= 3) >= cfg.formulaic_share:
                    continue
                sentences = split_sentences(checked.text, a, b)
                if sentences:
                    units.append(Unit(i, tuple(sentences)))
        return units

    # -- ratios --------------------------------------------------------------------------------------------------

    def _fill_ratios(self, report: CopyReport, batch: _Batch, i: int, checked: CheckedText) -> None:
        norm = batch.views[i].norm
        n = len(norm.text)
        if n == 0:
            return
        in_quotes = np.zeros(n, dtype=bool)
        for a, b in quotation_spans(checked.text):
            in_quotes[norm.norm_index(a):norm.norm_index(b)] = True
        author = checked.author
        all_chars = np.zeros(n, dtype=bool)
        not_own = np.zeros(n, dtype=bool)
        by_source: dict[str, np.ndarray] = {}
        for m in report.matches:
            a, b = norm.norm_index(m.start), norm.norm_index(m.end)
            all_chars[a:b] = True
            source_index = batch.position[m.source]
            if author is None or batch.authors[source_index] != author:
                not_own[a:b] = True
            by_source.setdefault(m.source, np.zeros(n, dtype=bool))[a:b] = True
        report.matches.sort(key=lambda m: (m.start, m.end, m.source))
        report.copy_ratio = all_chars.sum() / n
        report.ratio_without_quotes = (all_chars & ~in_quotes).sum() / n
        report.ratio_without_own = not_own.sum() / n
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
