"""The results model: results.json as dataclasses (Results, its DocumentRecords and their parts, the reviewers'
decisions the archive merges in), and its vocabulary: where a copied passage came from (Source) and how deeply a
topic was engaged (Level), how a passage was copied (CopyKind), what kind of boilerplate a sentence is
(GenericKind), how evidence shows a topic (EvidenceRole), what a document is diagnosed with (DiagnosisKind), what
kind a reviewed flag is (FlagKind) and what a reviewer decided (Verdict), each with the secretaries' word for it.
results.json writes a source as "kind:name", a level as its number and the other kinds as their values; this
module is the only place that builds or reads those spellings, so the detectors, the report, the archive and the
review work with the types."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from enum import Enum, IntEnum
from functools import lru_cache
from types import UnionType
from typing import Callable, Union, get_args, get_origin, get_type_hints

from .errors import ConfigError
from .messages import N_


class SourceKind(str, Enum):
    """What a copy source is, in the order a passage found in several is credited (see copying.fingerprints.Role)."""

    REF = "ref"      # a reference studied this quarter (the batch's references/)
    LIB = "lib"      # the user's reference library: earlier speeches, online templates
    PRIOR = "prior"  # an earlier quarter's submission (prior/ or the archive)
    DOC = "doc"      # another submission of this quarter

    @property
    def label(self) -> str:
        """The kind as a prefix of a source's name in a secretary's words (学习篇目RA1)."""
        return {"ref": "学习篇目", "lib": "比对文库", "prior": "往期材料", "doc": "本季度材料"}[self.value]

    @property
    def description(self) -> str:
        """The kind as a heading of copy sources (scores.xlsx, the summary)."""
        return {"ref": "学习篇目原文", "lib": "网上范文等比对文库", "prior": "本人或他人往期材料",
                "doc": "其他同志的材料"}[self.value]


KINDS = tuple(k.value for k in SourceKind)


@dataclass(frozen=True)
class Source:
    """A text a passage may have been copied from: its kind and its name within the kind (a reference's id, a
    library file's stem, <quarter>/<doc_id> of an earlier submission, a doc_id of this quarter)."""

    kind: SourceKind
    name: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.name}"

    @classmethod
    def parse(cls, text: str) -> "Source":
        """The source written as "kind:name" in results.json and the archive."""
        kind, _, name = text.partition(":")
        if not name or kind not in KINDS:
            raise ConfigError(N_("复制来源“{id}”：编号应以 {prefixes} 之一开头，后接名称", id=text,
                                 prefixes=", ".join(k + ":" for k in KINDS)))
        return cls(SourceKind(kind), name)

    @classmethod
    def read(cls, text: str | None) -> "Source | None":
        """The source of a stored record, None when the record names none or one this version does not know."""
        try:
            return cls.parse(text) if text else None
        except ConfigError:
            return None

    @classmethod
    def archived(cls, quarter: str, doc_id: str) -> "Source":
        """An earlier quarter's submission as the archive keeps it."""
        return cls(SourceKind.PRIOR, f"{quarter}/{doc_id}")

    @property
    def submission(self) -> tuple[str, str]:
        """(quarter, doc_id) of a submission named as a source: the quarter is '' unless the archive kept it."""
        quarter, _, doc_id = self.name.rpartition("/")
        return quarter, doc_id

    @property
    def label(self) -> str:
        return f"{self.kind.label}{self.name}"


class Level(IntEnum):
    """The depth of a member's engagement with a topic (shared/eval/README.md), in the secretaries' words."""

    NOT_ENGAGED = 0
    MENTIONED = 1
    ELABORATED = 2
    APPLIED = 3

    @property
    def label(self) -> str:
        return ("未涉及", "提及", "阐述", "学用结合")[self.value]


LEVEL_NAMES = {int(level): level.label for level in Level}  # for templates and tables that index by number


class DiagnosisKind(str, Enum):
    """What a whole document is diagnosed with (pipeline.topics.coverage.diagnose), at most one a document."""

    THEORY_WITHOUT_PRACTICE = "theory_without_practice"  # theory of one's own, tied to no practice
    WORK_REPORT_NOT_STUDY = "work_report_not_study"      # a work report handed in instead of study

    @property
    def title(self) -> str:
        return {"theory_without_practice": "学用“两张皮”",
                "work_report_not_study": "以工作总结代替学习体会"}[self.value]


class Spelled(str, Enum):
    """A kind stored as its value: str() and f-strings give the value (results.json's and the archive's spelling),
    as templates and messages print it; a plain (str, Enum) would print the member's name."""

    def __str__(self) -> str:
        return self.value


class CopyKind(Spelled):
    """How a copied passage reads against its source (pipeline.copying.records.CopyMatch)."""

    VERBATIM = "verbatim"      # the same characters, punctuation aside from white space
    EDITED = "edited"          # words swapped, punctuation changed
    PARAPHRASE = "paraphrase"  # reworded, found by meaning (洗稿)

    @property
    def label(self) -> str:
        return {"verbatim": "原文照搬", "edited": "改动后照搬", "paraphrase": "换词改写"}[self.value]


class EvidenceRole(Spelled):
    """How a passage shows a topic (pipeline.topics.coverage.TopicEvidence), strongest first: the order in which
    a passage found in several roles keeps one."""

    PRACTICE = "practice"        # the member's own words tied to real work
    ELABORATION = "elaboration"  # the member's own reasoning on the topic's theory
    HEADING = "heading"          # a heading that names the topic
    SLOGAN = "slogan"            # a sentence stringing the topic's phrases together
    MENTION = "mention"          # the topic named, no more
    GENERIC = "generic"          # boilerplate that names the topic
    QUOTED = "quoted"            # an attributed quotation that names the topic
    COPIED = "copied"            # a copied passage that names the topic

    @property
    def label(self) -> str:
        return {"practice": "联系实际", "elaboration": "理论阐述", "heading": "标题", "slogan": "口号",
                "mention": "提及", "generic": "套话", "quoted": "引用", "copied": "复制"}[self.value]


class Verdict(Spelled):
    """A reviewer's decision (pipeline.archive): on one flag (confirm, dismiss) or on a whole document (合格,
    需补学, 退回修改; stored in the secretaries' own words, as archive.sql's CHECK spells them)."""

    CONFIRM = "confirm"   # the flag stands
    DISMISS = "dismiss"   # a false alarm: the flag no longer counts against the member
    PASSED = "合格"
    RESTUDY = "需补学"
    RETURNED = "退回修改"

    @property
    def label(self) -> str:
        return {"confirm": "已确认", "dismiss": "已排除"}.get(self.value, self.value)

    @property
    def on_flag(self) -> bool:
        return self in (Verdict.CONFIRM, Verdict.DISMISS)


FLAG_VERDICTS = tuple(v for v in Verdict if v.on_flag)
DOCUMENT_VERDICTS = tuple(v for v in Verdict if not v.on_flag)
RESTUDY_VERDICTS = (Verdict.RESTUDY, Verdict.RETURNED)  # a document whose member is told to study again


class GenericKind(Spelled):
    """What a boilerplate sentence is (pipeline.boilerplate.detector.GenericFlag)."""

    STOCK = "stock"    # set phrases any 公文 repeats
    SLOGAN = "slogan"  # the topics' phrases strung together

    @property
    def label(self) -> str:
        return {"stock": "套话", "slogan": "口号式堆砌"}[self.value]


class FlagKind(Spelled):
    """What a flag the reviewers decide on is (archive.sql's flags.kind): a passage of a document's list of that
    name, or a diagnosis of the whole document."""

    COPIED = "copied"
    QUOTED = "quoted"
    GENERIC = "generic"
    DIAGNOSIS = "diagnosis"

    @property
    def label(self) -> str:
        return {"copied": "复制", "quoted": "引用", "generic": "套话", "diagnosis": "问题诊断"}[self.value]


PASSAGE_FLAGS = (FlagKind.COPIED, FlagKind.QUOTED, FlagKind.GENERIC)  # the flags that are passages, in record order


# ---- the record: results.json (schema xuexi.results/1) as dataclasses
#
# A record's fields are its keys in results.json, in their order there. `Record.from_dict` reads a stored dict
# into them by their types and `to_dict` writes it back key for key, so a results.json read and written again is
# the same file. Records of an earlier release may lack a field: an `optional()` field is then None and stays
# absent when written; any other field takes its default.

_ABSENT_WHEN_NONE = "absent_when_none"


def optional():
    """A field results.json leaves out when it does not apply (and null never stands for)."""
    return field(default=None, metadata={_ABSENT_WHEN_NONE: True})


class Record:
    """A dataclass read from and written to its results.json dict (see above)."""

    @classmethod
    def from_dict(cls, data: dict):
        return cls(**{name: read(data[name]) for name, read in _field_readers(cls) if name in data})

    def to_dict(self) -> dict:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None or not f.metadata.get(_ABSENT_WHEN_NONE):
                out[f.name] = _write(value)
        return out


class Reviewed:
    """A record the reviewers decide on (a flag or a document): it has a `review` once they have."""

    review: Review | None

    @property
    def verdict(self) -> Verdict | None:
        """The current verdict (its latest decision), None while undecided."""
        return self.review.verdict if self.review else None


@lru_cache(maxsize=None)
def _field_readers(cls: type) -> tuple[tuple[str, Callable], ...]:
    """Each field's name and the reader of its stored value (_reader), worked out once per record class: a
    quarter's results hold hundreds of thousands of values."""
    hints = get_type_hints(cls)
    return tuple((f.name, _reader(hints[f.name])) for f in fields(cls))


def _as_is(value):
    return value


@lru_cache(maxsize=None)
def _reader(kind) -> Callable:
    """The function that reads a stored value (None stays None) as the type `kind` of its field."""
    origin, args = get_origin(kind), get_args(kind)
    if origin in (Union, UnionType):
        return _reader(next(a for a in args if a is not type(None)))
    if origin is list:
        item = _reader(args[0])
        return lambda value: None if value is None else [item(v) for v in value]
    if origin is dict:
        key, item = _reader(args[0]), _reader(args[1])
        return lambda value: None if value is None else {key(k): item(v) for k, v in value.items()}
    if kind is Source:
        # a kind this version does not know reads as no source, as the reports show it
        return lambda value: None if value is None else Source.read(value)
    if isinstance(kind, type) and issubclass(kind, (Enum, Record)):
        read = kind.from_dict if issubclass(kind, Record) else kind
        return lambda value: None if value is None else read(value)
    return _as_is


def _write(value):
    """A field's value as results.json spells it."""
    if isinstance(value, (list, PackedDocuments)):
        return [_write(v) for v in value]
    if isinstance(value, dict):
        return {_write(k): _write(v) for k, v in value.items()}
    if isinstance(value, Source):
        return str(value)
    if isinstance(value, IntEnum):
        return int(value)
    if isinstance(value, Enum):
        return value.value
    return value.to_dict() if isinstance(value, Record) else value


@dataclass(frozen=True)
class FailedFile(Record):
    """A file that could not be scored, with the one-line reason shown to the secretary."""

    file: str
    error: str
    author: str | None = optional()  # whose file it is, from the manifest or the file name, when known

    def __post_init__(self) -> None:
        object.__setattr__(self, "author", self.author or None)  # an empty name is no name: left out


@dataclass(frozen=True)
class Decision(Record):
    """One entry of a flag's or a document's audit trail (the archive's decisions table)."""

    id: int | None = optional()
    reviewer: str | None = optional()
    verdict: Verdict | None = optional()
    note: str | None = optional()
    decided_at: str | None = optional()


@dataclass(frozen=True)
class Review(Record):
    """The reviewers' decisions on a flag (which has a `flag_key`) or a document, merged in by Archive.results:
    the current verdict is the latest decision's."""

    flag_key: str | None = optional()
    verdict: Verdict | None = None
    decisions: list[Decision] = field(default_factory=list)


@dataclass(frozen=True)
class LevelDecision(Record):
    """A reviewer's correction of a topic's level (the archive's level_decisions table)."""

    id: int
    reviewer: str
    level: Level
    note: str
    decided_at: str


@dataclass(frozen=True)
class ScoredLevel(Record):
    """A topic's level as the machine scored it, kept beside a reviewer's correction."""

    level: Level | None = optional()
    level_name: str | None = optional()


@dataclass(frozen=True)
class LevelReview(Record):
    scored: ScoredLevel
    decisions: list[LevelDecision]


@dataclass(frozen=True)
class Heading(Record):
    level: int
    text: str


@dataclass(frozen=True)
class Quotation(Record):
    """A quotation found in the text, with its attribution (“习近平总书记指出”) when it has one."""

    text: str
    attributed: bool
    attribution: str | None


@dataclass(frozen=True)
class Structure(Record):
    """The parsed structure as a secretary would describe it (pipeline.results.structure)."""

    title: str | None = None
    byline: str | None = None
    headings: list[Heading] = field(default_factory=list)
    paragraphs: int = 0
    sentences: int = 0
    quotations: list[Quotation] = field(default_factory=list)


@dataclass(frozen=True)
class Evidence(Record):
    """A passage that shows a topic, in the role it plays."""

    text: str
    role: EvidenceRole
    start: int | None = optional()
    end: int | None = optional()


@dataclass(frozen=True)
class TopicCoverage(Record):
    """How one document engages one topic (pipeline.topics.coverage). `review` is a reviewer's correction of
    the level, the machine's kept in it."""

    topic_id: str
    level: Level
    level_name: str
    score: int | None = None
    evidence: list[Evidence] = field(default_factory=list)
    key_points_engaged: list[int] = field(default_factory=list)
    theory_only: bool = False
    practice_only: bool = False
    review: LevelReview | None = optional()


@dataclass(frozen=True)
class CopiedPassage(Record, Reviewed):
    """A passage copied from `source` (pipeline.copying.records.CopyMatch): `similarity` how close it reads,
    `reason` why it was found (paraphrase: in words, with the encoder's `cosine`)."""

    text: str
    source: Source
    kind: CopyKind | None = optional()
    similarity: float | None = optional()
    start: int | None = optional()
    end: int | None = optional()
    source_text: str | None = optional()
    reason: str | None = optional()
    cosine: float | None = optional()
    review: Review | None = optional()


@dataclass(frozen=True)
class QuotedPassage(Record, Reviewed):
    """An attributed quotation (quoted, not copied), with the source it was found in, if any."""

    text: str
    source: Source | None = None
    start: int | None = optional()
    end: int | None = optional()
    review: Review | None = optional()


@dataclass(frozen=True)
class GenericSentence(Record, Reviewed):
    """A boilerplate sentence (套话) with the reasons it reads as one."""

    text: str
    kind: GenericKind | None = optional()
    reasons: list[str] | None = optional()
    start: int | None = optional()
    end: int | None = optional()
    review: Review | None = optional()


Passage = CopiedPassage | QuotedPassage | GenericSentence  # a flag that stands at a place in the text


@dataclass(frozen=True)
class SourceShare(Record):
    source: Source
    ratio: float


@dataclass(frozen=True)
class CopyRatios(Record):
    """The CNKI-style detail ratios (pipeline.copying.records.CopyReport)."""

    without_quotes: float | None = None
    without_own: float | None = None
    largest_source: SourceShare | None = None
    per_source: dict[Source, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ParaphraseCheck(Record):
    """Which model looked for paraphrase; without a calibration its candidates are only listed, with a note."""

    encoder: str
    calibrated: bool
    note: str | None = optional()
    candidates: list[CopiedPassage] | None = optional()


@dataclass(frozen=True)
class Diagnosis(Record, Reviewed):
    """A finding on the whole document (DiagnosisKind), with the reason and the passages that show it."""

    title: str | None = optional()
    evidence: list[str] | None = optional()
    reason: str | None = optional()
    review: Review | None = optional()


@dataclass(frozen=True)
class OcrPage(Record):
    page: int
    confidence: float


@dataclass(frozen=True)
class DocumentRecord(Record, Reviewed):
    """One document of results.json: what ingest found, its copying, boilerplate, topic coverage and diagnosis,
    and, from the archive, the reviewers' verdict on it."""

    doc_id: str
    file: str | None = None
    author: str | None = None
    doc_type: str | None = None
    quarter: str | None = None
    format: str | None = None
    chars: int = 0
    text: str | None = optional()
    structure: Structure | None = optional()
    topics: list[TopicCoverage] = field(default_factory=list)
    copied: list[CopiedPassage] = field(default_factory=list)
    quoted: list[QuotedPassage] = field(default_factory=list)
    generic: list[GenericSentence] = field(default_factory=list)
    copy_ratio: float = 0.0
    ocr_pages: list[OcrPage] | None = optional()    # pages of a scan, read by OCR
    garbled_pages: list[int] | None = optional()    # pages whose text layer reads as unchecked OCR
    copy_ratios: CopyRatios | None = optional()
    paraphrase_check: ParaphraseCheck | None = optional()
    generic_ratio: float | None = optional()
    diagnoses: dict[DiagnosisKind, Diagnosis | None] | None = optional()
    review: Review | None = optional()

    def passages(self, kind: FlagKind) -> list[Passage]:
        """The document's flags of a passage kind (PASSAGE_FLAGS), in their order."""
        return {FlagKind.COPIED: self.copied, FlagKind.QUOTED: self.quoted, FlagKind.GENERIC: self.generic}[kind]


@dataclass(frozen=True)
class ListedTopic(Record):
    """A topic of the quarter's list as results.json repeats it."""

    id: str
    title: str
    required: bool = True
    key_points: list[str] | None = optional()


@dataclass(frozen=True)
class RosterEntry(Record):
    """A member who should hand in (members.csv)."""

    name: str
    role: str = ""
    unit: str = ""


@dataclass(frozen=True)
class Results(Record):
    """results.json (schema xuexi.results/1, see shared/eval/README.md): the run, the quarter's topics, its
    documents in doc_id order (a scoring run holds them as PackedDocuments), the files that failed or were
    skipped, and the roster. `config` is the run's settings, kept as given."""

    schema: str | None = None
    batch: str | None = None
    quarter: str | None = None
    unit: str | None = None
    xuexi_version: str | None = None
    generated_at: str | None = None
    topic_list: list[ListedTopic] = field(default_factory=list)
    config: dict | None = optional()
    documents: list[DocumentRecord] = field(default_factory=list)
    failed: list[FailedFile] = field(default_factory=list)
    skipped: list[FailedFile] = field(default_factory=list)
    roster: list[RosterEntry] = field(default_factory=list)


class PackedDocuments(Sequence[DocumentRecord]):
    """A quarter's document records in doc_id order, each held as its results.json text compressed and read back
    when asked for: a scoring run gathers every record while it scores, and a province's quarter of them as
    objects is hundreds of megabytes (some 30 KB a document, against 4 to 6 KB packed), held beside the models and the
    workers at the run's peak."""

    LEVEL = 1  # zlib's fastest: it already packs the text about 3.5-fold, and every record is packed once a run

    def __init__(self, records: Iterable[DocumentRecord]):
        packed = ((r.doc_id, zlib.compress(json.dumps(r.to_dict(), ensure_ascii=False).encode("utf-8"),
                                           self.LEVEL)) for r in records)
        self._packed = [blob for _, blob in sorted(packed, key=lambda kv: kv[0])]

    def __len__(self) -> int:
        return len(self._packed)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return DocumentRecord.from_dict(json.loads(zlib.decompress(self._packed[i])))

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    @staticmethod
    def texts(documents: Sequence[DocumentRecord]) -> Iterator[str]:
        """Each record's results.json text, in order: as packed, not decoded and written again."""
        if isinstance(documents, PackedDocuments):
            return (zlib.decompress(blob).decode("utf-8") for blob in documents._packed)
        return (json.dumps(d.to_dict(), ensure_ascii=False) for d in documents)
