"""The quarter as the reports tell it, read once from results.json (the results model) and shared by every output.

A member's level on a topic for the quarter is the highest level any of their documents reached (a member may
hand in a 学习心得 and a 研讨发言). A required topic at level 0 in every one of a member's assessed documents is
未学 and the member must 补学 it; a topic a run did not assess (no coverage stage, or a topic added later) is
shown as not assessed, never as 未学.

Documents are ranked by a concern score (关注度, 0-100, see ConcernConfig) so secretaries read the most
doubtful ones first. A stage absent from a run (a field an earlier release did not write) leaves its part of the
report empty instead of failing it.

The reviewers' decisions (results from Archive.results carry them as `review`) count: a dismissed flag no longer
counts against the member (its characters leave the copy and boilerplate ratios, a dismissed diagnosis is not
made), a document judged 需补学 or 退回修改 is named in the 通报's 补学 part and never a good example, and one
judged 合格 is a good example wherever its levels reach 学用结合, whatever the machine's ratios.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import partial

from ..errors import ConfigError
from ..lexicon import FILE_NAME
from ..model import (FLAG_VERDICTS, LEVEL_NAMES, RESTUDY_VERDICTS, CopiedPassage, CopyRatios, Diagnosis, DiagnosisKind,
                     DocumentRecord, GenericSentence, QuotedPassage, Results, Review, Source, SourceKind,
                     Structure, Verdict)
from ..topiclist import Topic
from .highlight import Locator

DIAGNOSIS_LABELS = {kind.value: kind.title for kind in DiagnosisKind}
UNSIGNED = "（未署名）"
# Pages whose text a reader should check against the original before believing a flag on it. results.json records
# each scanned page's mean OCR confidence (ingest.ocr) and each page whose text layer reads as unchecked OCR
# (ingest.pdf.garbled); the reports say so in these words.
LOW_CONFIDENCE = 0.90  # mean recognition confidence (0–1) of a page below which a reader should check the original:
#                        clean scans read at 0.95 and more, a photographed or noisy page a little lower
LOW_CONFIDENCE_NOTE = "识别可信度低，请核对原件"
GARBLED_NOTE = "文字层疑似未经校对的识别结果（数字中混有形近字母），请核对原件"
FLAG_VERDICT_LABELS = {v.value: v.label for v in FLAG_VERDICTS}


@dataclass(frozen=True)
class ConcernConfig:
    """How documents are ranked by concern (关注度): a weighted sum, 0-100, of four shares in 0..1:

    - copying: copy_ratio (总文字复制比) / copy_full, capped at 1;
    - boilerplate: generic_ratio (套话占比) / generic_full, capped at 1;
    - 未学: the share of the required topics assessed in the document that are at level 0;
    - diagnoses: the share of the two document diagnoses made (学用“两张皮”, 以工作总结代替学习体会).

    Ties rank by doc_id. `flag_copy_ratio` and `flag_generic_ratio` are where a ratio becomes a problem worth
    naming (the 通报's 存在的问题, a good example's limit); ratios are of characters, white space excluded.
    """

    copy_weight: float = 40.0
    generic_weight: float = 20.0
    missing_weight: float = 25.0
    diagnosis_weight: float = 15.0
    copy_full: float = 0.5
    generic_full: float = 0.5
    flag_copy_ratio: float = 0.2
    flag_generic_ratio: float = 0.3
    first_screen: int = 5  # documents the summary opens on: what fits its first screen beside the 补学 list

    def __post_init__(self) -> None:
        weights = (self.copy_weight, self.generic_weight, self.missing_weight, self.diagnosis_weight)
        if any(w < 0 for w in weights) or abs(sum(weights) - 100) > 1e-6:
            raise ConfigError(f"concern weights must be non-negative and add up to 100, not {weights}")
        for name in ("copy_full", "generic_full", "flag_copy_ratio", "flag_generic_ratio"):
            if not 0 < getattr(self, name) <= 1:
                raise ConfigError(f"{name} must be a share between 0 and 1, not {getattr(self, name)}")


@dataclass(frozen=True)
class DiagnosisFacts:
    """A diagnosis made on a document, as the reports name it."""

    kind: DiagnosisKind
    diagnosis: Diagnosis

    @property
    def key(self) -> str:
        return self.kind.value

    @property
    def label(self) -> str:
        return self.kind.title

    @property
    def reason(self) -> str:
        return self.diagnosis.reason or self.label

    @property
    def evidence(self) -> tuple[str, ...]:
        """The passages that show it (each a text; one given as {"text": …} is read as the reports always have)."""
        return tuple(e if isinstance(e, str) else (e or {}).get("text", "") for e in self.diagnosis.evidence or [])

    @property
    def review(self) -> Review | None:
        return self.diagnosis.review

    @property
    def verdict(self) -> Verdict | None:
        return self.diagnosis.verdict

    @property
    def heading(self) -> tuple[str, str]:
        """(heading, detail): the diagnosis's title and the reason it was made."""
        return self.label, self.reason


@dataclass
class Concern:
    score: float
    reasons: list[str]
    rank: int = 0


@dataclass(frozen=True)
class Dismissed:
    """Shares of a document's characters (white space excluded) that only dismissed flags cover: copied, copied
    per source, boilerplate. They no longer count against the member."""

    copied: float = 0.0
    by_source: dict[str, float] = field(default_factory=dict)
    generic: float = 0.0


@dataclass
class DocumentFacts:
    """One document record with what the reports derive from it. The report holds the record's brief (_brief):
    the whole record, its text and passages, is read when a page asks for it (`record`)."""

    brief: DocumentRecord
    whole: Callable[[], DocumentRecord] = field(repr=False, compare=False)
    number: int                      # 1-based, in doc_id order; the document's label where a chart lacks CJK
    levels: dict[str, int]           # topic_id -> level, assessed topics only
    missing_required: list[Topic]
    diagnoses: list[DiagnosisFacts]  # those made and not dismissed by a reviewer
    dismissed_diagnoses: list[DiagnosisFacts] = field(default_factory=list)
    dismissed: Dismissed = field(default_factory=Dismissed)
    page: str = ""                   # its page, relative to the output folder
    concern: Concern = field(default_factory=lambda: Concern(0.0, []))

    @property
    def record(self) -> DocumentRecord:
        """The whole record: its text, passages and evidence besides the brief."""
        return self.whole()

    @property
    def doc_id(self) -> str:
        return self.brief.doc_id or self.brief.file or f"document-{self.number}"

    @property
    def member(self) -> str:
        return self.brief.author or f"{UNSIGNED}{self.doc_id}"

    @property
    def doc_type(self) -> str:
        return self.brief.doc_type or ""

    @property
    def title(self) -> str:
        return (self.brief.structure or Structure()).title or self.doc_id

    @property
    def verdict(self) -> Verdict | None:
        """The reviewers' overall verdict (合格, 需补学, 退回修改), None while undecided."""
        return self.brief.verdict

    @property
    def corrected(self) -> set[str]:
        """The topics whose level a reviewer corrected (the archive's results carry the correction)."""
        return {t.topic_id for t in self.brief.topics if t.review}

    @property
    def scanned_pages(self) -> list[int]:
        """Pages read from a scan by OCR: every flag on their text rests on what recognition read."""
        return [p.page for p in self.brief.ocr_pages or []]

    @property
    def doubtful_pages(self) -> list[int]:
        """Scanned pages read below the confidence floor: the original must be checked before a flag on them
        is believed."""
        return [p.page for p in self.brief.ocr_pages or [] if p.confidence < LOW_CONFIDENCE]

    @property
    def garbled_pages(self) -> list[int]:
        """Pages whose text layer reads as unchecked OCR (digits read as letters)."""
        return list(self.brief.garbled_pages or [])

    @property
    def scored_copy_ratio(self) -> float:
        """总文字复制比 as the machine found it."""
        return self.brief.copy_ratio

    @property
    def copy_ratio(self) -> float:
        """总文字复制比 as it counts: the machine's figure less what only dismissed passages cover."""
        return max(self.scored_copy_ratio - self.dismissed.copied, 0.0)

    @property
    def _ratios(self) -> CopyRatios:
        return self.brief.copy_ratios or CopyRatios()

    @property
    def ratio_without_quotes(self) -> float | None:
        return self._ratios.without_quotes

    @property
    def ratio_without_own(self) -> float | None:
        return self._ratios.without_own

    @property
    def largest_source(self) -> tuple[Source, float] | None:
        if self.dismissed.by_source:  # the run's figure may name a source only dismissed passages came from
            return max(self.per_source.items(), key=lambda kv: (kv[1], str(kv[0])), default=None)
        top = self._ratios.largest_source
        return (top.source, top.ratio) if top else None

    @property
    def per_source(self) -> dict[Source, float]:
        """Copied share per source, as it counts (what only dismissed passages cover left out): from copy_ratios
        when the run gave it, else counted from the passages."""
        if self._ratios.per_source:
            scored = dict(sorted(self._ratios.per_source.items(), key=lambda kv: str(kv[0])))
        else:  # results of a release that did not give copy_ratios
            chars = self.brief.chars
            counted: Counter = Counter()
            for c in self.copied:
                counted[c.source] += len(_no_space(c.text))
            scored = {k: v / chars for k, v in sorted(counted.items(), key=lambda kv: str(kv[0]))} if chars else {}
        shares = {k: v - self.dismissed.by_source.get(k, 0.0) for k, v in scored.items()}
        return {k: v for k, v in shares.items() if v > 1e-9}

    @property
    def scored_generic_ratio(self) -> float | None:
        """套话占比 as the machine found it."""
        return self.brief.generic_ratio

    @property
    def generic_ratio(self) -> float | None:
        """套话占比 as it counts: the machine's figure less what only dismissed passages cover."""
        scored = self.scored_generic_ratio
        return None if scored is None else max(scored - self.dismissed.generic, 0.0)

    @property
    def copied(self) -> list[CopiedPassage]:
        return self.record.copied

    @property
    def quoted(self) -> list[QuotedPassage]:
        return self.record.quoted

    @property
    def generic(self) -> list[GenericSentence]:
        return self.record.generic


@dataclass
class MemberFacts:
    name: str
    documents: list[DocumentFacts]
    levels: dict[str, int]                   # the quarter's level per assessed topic: the best document's
    best_document: dict[str, DocumentFacts]  # where that level was reached
    missing_required: list[Topic]            # 未学: required, assessed, level 0 in every document


@dataclass(frozen=True)
class GoodExample:
    member: str
    topics: tuple[Topic, ...]                # at level 3 in a document of theirs that raises no concern
    documents: tuple[DocumentFacts, ...]


class QuarterReport:
    """Everything the outputs show about one results.json: topics, documents, members, concern ranking, totals."""

    def __init__(self, results: Results | dict, config: ConcernConfig | None = None):
        # a results.json dict (as written, or as Archive.results gives it) is read into the model at the door
        self.results = results if isinstance(results, Results) else Results.from_dict(results)
        self.config = config or ConcernConfig()
        self.topics = [Topic(t.id, t.title or t.id, t.required, key_points=tuple(t.key_points or ()))
                       for t in self.results.topic_list if t.id]
        self.topic_by_id = {t.id: t for t in self.topics}
        # Each record is read once here and only its brief kept (a quarter's records read whole are some 30 KB a
        # document): a page reads its document's again, by its place in the results.
        whole = _Records(self.results.documents)
        facts = (self._document(r, partial(whole.read, i)) for i, r in enumerate(self.results.documents))
        self.documents = sorted(facts, key=lambda d: d.brief.doc_id or d.brief.file or "")
        for number, doc in enumerate(self.documents, 1):
            doc.number = number
        self.document_by_id = {d.doc_id: d for d in self.documents}
        for doc, page in zip(self.documents, _page_names([d.doc_id for d in self.documents])):
            doc.page = page
            doc.concern = self._concern(doc)
        self._rank()
        self.members = self._members()
        self.failed = self.results.failed
        self.roster = [r.name for r in self.results.roster if r.name]

    def revised(self, records: list[DocumentRecord]) -> "QuarterReport":
        """This report with some documents' records replaced by newer ones of the same doc_ids (decided on since,
        Archive.results): their facts and concern are derived again, the ranking and their members' facts follow,
        every other document's facts are shared. A quarter of thousands is not read again for one decision."""
        fresh = {r.doc_id: r for r in records}
        new = copy.copy(self)
        new.results = replace(self.results, documents=[fresh.get(r.doc_id, r) for r in self.results.documents])
        new.documents = [self._revised(d, fresh[d.doc_id]) if d.doc_id in fresh else d for d in self.documents]
        new.document_by_id = {d.doc_id: d for d in new.documents}
        new._rank()
        touched = {new.document_by_id[doc_id].member for doc_id in fresh}
        new.members = [new._member(m.name, [new.document_by_id[d.doc_id] for d in m.documents]) if m.name in touched
                       else m for m in self.members]
        return new

    def _revised(self, doc: DocumentFacts, record: DocumentRecord) -> DocumentFacts:
        revised = self._document(record, lambda: record)
        revised.number, revised.page = doc.number, doc.page
        revised.concern = self._concern(revised)
        return revised

    def _rank(self) -> None:
        self.ranked = sorted(self.documents, key=lambda d: (-d.concern.score, d.doc_id))
        for rank, doc in enumerate(self.ranked, 1):
            doc.concern.rank = rank

    # ---- the quarter's heading

    @property
    def unit(self) -> str:
        return self.results.unit or ""

    @property
    def quarter(self) -> str:
        return self.results.quarter or ""

    @property
    def quarter_name(self) -> str:
        """2026Q3 -> 2026年第三季度; anything else as given."""
        m = re.fullmatch(r"\s*(\d{4})\s*[Qq]\s*([1-4])\s*", self.quarter)
        return f"{m.group(1)}年第{'一二三四'[int(m.group(2)) - 1]}季度" if m else self.quarter

    @property
    def year(self) -> str:
        m = re.match(r"\s*(\d{4})", self.quarter)
        return m.group(1) if m else ""

    @property
    def required_topics(self) -> list[Topic]:
        return [t for t in self.topics if t.required]

    # ---- derived views

    def failed_members(self) -> list[str]:
        """Members whose file could not be read and who have no other document this quarter, in file order."""
        scored = {d.member for d in self.documents}
        return list(dict.fromkeys(f.author for f in self.failed if f.author and f.author not in scored))

    def not_submitted(self) -> list[str]:
        """Members on the roster (members.csv) who handed in nothing, in roster order."""
        handed_in = {d.member for d in self.documents} | {f.author for f in self.failed if f.author}
        return [name for name in self.roster if name not in handed_in]

    def source_name(self, origin: Source | None) -> str:
        """A copy source in words: another document of this quarter by its author and type, an earlier quarter's
        by its author, type and quarter when its file name says them (卫建军往期的学习心得（2026Q2）)."""
        if origin is None:
            return "来源不明"
        if origin.kind is SourceKind.DOC:
            doc = self.document_by_id.get(origin.name)
            if doc:
                return f"{doc.member}的{doc.doc_type or '材料'}（本季度）"
        if origin.kind is SourceKind.PRIOR:
            quarter, doc_id = origin.submission
            named = FILE_NAME.match(doc_id)
            if named:
                return f"{named['author']}往期的{named['doc_type']}" + (f"（{quarter}）" if quarter else "")
        return origin.label

    def missing_by_topic(self) -> list[tuple[Topic, list[str]]]:
        """Each required topic with the members who must 补学 it, in topic-list order."""
        out = []
        for topic in self.required_topics:
            names = [m.name for m in self.members if topic in m.missing_required]
            if names:
                out.append((topic, names))
        return out

    def restudy(self) -> list[DocumentFacts]:
        """The documents the reviewers judged 需补学 or 退回修改, in doc_id order."""
        return [d for d in self.documents if d.verdict in RESTUDY_VERDICTS]

    def good_examples(self) -> list[GoodExample]:
        """Members with topics at level 3 (学用结合) in a document the reviewers judged 合格, or one not judged
        需补学 / 退回修改 whose copy and boilerplate ratios stay below the flag lines and that has no diagnosis;
        most such topics first, then by name."""
        out = []
        for member in self.members:
            docs, topics = [], []
            for topic in self.topics:
                good = [d for d in member.documents if d.levels.get(topic.id) == 3 and self._clean(d)]
                if good:
                    topics.append(topic)
                    docs.extend(d for d in good if d not in docs)
            if topics:
                out.append(GoodExample(member.name, tuple(topics), tuple(docs)))
        return sorted(out, key=lambda g: (-len(g.topics), g.member))

    def totals(self) -> dict:
        """The quarter's figures: members, documents, characters, document types, the levels of the
        member × required-topic cells, members with every required topic engaged, and how many documents
        cross each flag line or carry each diagnosis."""
        levels = Counter(m.levels[t.id] for m in self.members for t in self.required_topics if t.id in m.levels)
        flagged = self.flagged()
        copy, generic = flagged["copying"], flagged["generic"]
        ratios = [d.copy_ratio for d in self.documents]
        return {
            "members": len(self.members),
            "documents": len(self.documents),
            "chars": sum(d.brief.chars for d in self.documents),
            "failed": len(self.failed),
            "doc_types": sorted(Counter(d.doc_type or "其他" for d in self.documents).items(), key=lambda kv: (-kv[1], kv[0])),
            "levels": {lv: levels.get(lv, 0) for lv in LEVEL_NAMES},
            "members_complete": sum(1 for m in self.members
                                    if self.required_topics and all(m.levels.get(t.id, 0) > 0 for t in self.required_topics)),
            "members_missing": sum(1 for m in self.members if m.missing_required),
            "mean_copy_ratio": sum(ratios) / len(ratios) if ratios else 0.0,
            "documents_copying": len(copy),
            "copy_source_kinds": sorted({origin.kind.description if origin else "其他来源"
                                        for d in copy for origin in d.per_source}),
            "documents_generic": len(generic),
            "diagnoses": {k: len(flagged[k]) for k in DIAGNOSIS_LABELS},
        }

    def flagged(self) -> dict[str, list[DocumentFacts]]:
        """The documents behind each of the summary's counts, most concerning first: "copying" (copy ratio at the
        flag line), "generic" (boilerplate at its line), and each diagnosis by key."""
        c = self.config
        out = {"copying": [d for d in self.ranked if d.copy_ratio >= c.flag_copy_ratio],
               "generic": [d for d in self.ranked if (d.generic_ratio or 0) >= c.flag_generic_ratio]}
        out.update({k: [d for d in self.ranked if any(x.key == k for x in d.diagnoses)] for k in DIAGNOSIS_LABELS})
        return out

    def to_review_first(self) -> list[DocumentFacts]:
        """The documents the summary's first screen sends the secretary to: those with a reason for concern, most
        concerning first, at most `ConcernConfig.first_screen` of them."""
        return [d for d in self.ranked if d.concern.reasons][:self.config.first_screen]

    # ---- building

    def _document(self, record: DocumentRecord, whole: Callable[[], DocumentRecord]) -> DocumentFacts:
        """The facts of a record, which `whole` reads again; numbered 0 until the report numbers its documents."""
        levels = {t.topic_id: t.level for t in record.topics if t.topic_id and t.level is not None}
        missing = [t for t in self.required_topics if levels.get(t.id) == 0]
        diagnoses = [DiagnosisFacts(kind, (record.diagnoses or {})[kind]) for kind in DiagnosisKind
                     if (record.diagnoses or {}).get(kind)]
        return DocumentFacts(_brief(record), whole, 0, levels, missing,
                             [d for d in diagnoses if d.verdict != Verdict.DISMISS],
                             [d for d in diagnoses if d.verdict == Verdict.DISMISS], _dismissed(record))

    def _concern(self, doc: DocumentFacts) -> Concern:
        c = self.config
        assessed = [t for t in self.required_topics if t.id in doc.levels]
        generic = doc.generic_ratio or 0.0
        parts = (
            c.copy_weight * min(doc.copy_ratio / c.copy_full, 1.0),
            c.generic_weight * min(generic / c.generic_full, 1.0),
            c.missing_weight * (len(doc.missing_required) / len(assessed) if assessed else 0.0),
            c.diagnosis_weight * len(doc.diagnoses) / len(DIAGNOSIS_LABELS),
        )
        reasons = []
        if doc.copy_ratio > 0:
            top = doc.largest_source or max(doc.per_source.items(), key=lambda kv: (kv[1], str(kv[0])), default=None)
            named = "审阅后复制比" if doc.dismissed.copied else "总文字复制比"
            reasons.append(f"{named}{percent(doc.copy_ratio)}" + (f"（最多来自{self.source_name(top[0])}）" if top else ""))
        if generic > 0:
            reasons.append(f"{'审阅后' if doc.dismissed.generic else ''}套话占比{percent(generic)}")
        if doc.missing_required:
            reasons.append(f"{len(doc.missing_required)}个必学专题未涉及（{'、'.join(t.id for t in doc.missing_required)}）")
        reasons.extend(d.label for d in doc.diagnoses)
        if doc.doubtful_pages:
            reasons.append(f"第{'、'.join(map(str, doc.doubtful_pages))}页{LOW_CONFIDENCE_NOTE}")
        if doc.garbled_pages:
            reasons.append(f"第{'、'.join(map(str, doc.garbled_pages))}页{GARBLED_NOTE}")
        return Concern(round(sum(parts), 1), reasons)

    def _members(self) -> list[MemberFacts]:
        by_name: dict[str, list[DocumentFacts]] = {}
        for doc in self.documents:
            by_name.setdefault(doc.member, []).append(doc)
        # first document's order, so the list follows the batch's numbering
        return [self._member(name, docs) for name, docs in by_name.items()]

    def _member(self, name: str, docs: list[DocumentFacts]) -> MemberFacts:
        levels, best = {}, {}
        for topic in self.topics:
            scored = [d for d in docs if topic.id in d.levels]
            if scored:
                top = max(scored, key=lambda d: (d.levels[topic.id], -d.number))
                levels[topic.id], best[topic.id] = top.levels[topic.id], top
        missing = [t for t in self.required_topics if levels.get(t.id) == 0]
        return MemberFacts(name, docs, levels, best, missing)

    def _clean(self, doc: DocumentFacts) -> bool:
        if doc.verdict:  # the reviewers' word stands over the machine's
            return doc.verdict == Verdict.PASSED
        c = self.config
        return (doc.copy_ratio < c.flag_copy_ratio and (doc.generic_ratio or 0) < c.flag_generic_ratio
                and not doc.diagnoses)


def _brief(record: DocumentRecord) -> DocumentRecord:
    """A record without what only its document's page shows: its text, passages, topic evidence, headings and
    quotations (some 1 KB as objects, against 30 KB whole)."""
    structure = record.structure and Structure(record.structure.title, record.structure.byline)
    return replace(record, text=None, structure=structure, copied=[], quoted=[], generic=[], paraphrase_check=None,
                   topics=[replace(t, evidence=[]) for t in record.topics])


class _Records:
    """A quarter's records read one at a time, the last one kept: a document's page asks for its record many
    times, a quarter's report for every record once."""

    def __init__(self, records: Sequence[DocumentRecord]):
        self.records = records
        self.last: tuple[int, DocumentRecord] | None = None

    def read(self, i: int) -> DocumentRecord:
        last = self.last  # one read: pages are served from threads
        if last is None or last[0] != i:
            last = self.last = (i, self.records[i])
        return last[1]


def _dismissed(record: DocumentRecord) -> Dismissed:
    """What of a document's copied and boilerplate passages only dismissed flags cover, as shares of its chars."""
    chars, copied, generic = record.chars, record.copied, record.generic
    if not chars or not any(p.verdict == Verdict.DISMISS for p in [*copied, *generic]):
        return Dismissed()
    text = record.text or ""
    sources = sorted({c.source for c in copied if c.verdict == Verdict.DISMISS}, key=str)
    return Dismissed(_only_dismissed(text, copied) / chars,
                     {s: _only_dismissed(text, [c for c in copied if c.source == s]) / chars for s in sources},
                     _only_dismissed(text, generic) / chars)


def _only_dismissed(text: str, passages: list[CopiedPassage] | list[GenericSentence]) -> int:
    """Characters (white space excluded) that dismissed passages cover and no standing one of `passages` does. A
    dismissed passage not found in the text counts all its characters."""
    locate = Locator(text)
    standing: set[int] = set()
    dismissed: set[int] = set()
    unplaced = 0
    for passage in passages:
        span = locate.span(passage)
        if span is None:
            unplaced += len(_no_space(passage.text)) if passage.verdict == Verdict.DISMISS else 0
            continue
        chars = {i for i in range(*span) if not text[i].isspace()}
        (dismissed if passage.verdict == Verdict.DISMISS else standing).update(chars)
    return len(dismissed - standing) + unplaced


def run_timestamp(results: Results) -> datetime | None:
    """The run's generated_at as a naive UTC datetime (for file properties), or None."""
    try:
        return datetime.fromisoformat(results.generated_at).astimezone(timezone.utc).replace(tzinfo=None)
    except (TypeError, ValueError):
        return None


def percent(ratio: float | None, digits: int = 1) -> str:
    return "—" if ratio is None else f"{ratio * 100:.{digits}f}%"


def _no_space(text: str) -> str:
    return "".join(text.split())


def _page_names(doc_ids: list[str]) -> list[str]:
    """documents/<doc_id>.html, with characters no file system accepts replaced and clashes numbered."""
    out, seen = [], set()
    for doc_id in doc_ids:
        stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", doc_id).strip(" .") or "document"
        name, n = stem, 1
        while name.lower() in seen:
            n += 1
            name = f"{stem}_{n}"
        seen.add(name.lower())
        out.append(f"documents/{name}.html")
    return out
