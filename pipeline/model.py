"""The results model's vocabulary: where a copied passage came from (Source) and how deeply a topic was engaged
(Level), how a passage was copied (CopyKind), how evidence shows a topic (EvidenceRole) and what a reviewer decided
(Verdict), each with the secretaries' word for it. results.json writes a source as "kind:name", a level as its
number and the other kinds as their values; this module is the only place that builds or reads those spellings,
so the detectors, the report, the archive and the review work with the types."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum

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
