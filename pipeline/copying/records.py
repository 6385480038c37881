"""What goes into the copy detector and what comes out: plain strings and offsets, no file handling."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from spacy.tokens import Doc

from ..annotations import CANDIDATES, COPIED, QUOTED, annotate
from ..model import CopyKind, Source, SourceKind
from .fingerprints import Role

ROLES = {SourceKind.REF: Role.REFERENCE, SourceKind.LIB: Role.LIBRARY, SourceKind.PRIOR: Role.PRIOR,
         SourceKind.DOC: Role.SUBMISSION}


@dataclass(frozen=True)
class CopySource:
    """A text that may have been copied FROM: "ref:RA1" (a reference studied this quarter), "lib:<file stem>"
    (the user's reference library), "prior:<doc_id>" (an earlier quarter's submission), "doc:<doc_id>" (a
    submission of this quarter that is not itself being checked)."""

    source_id: str
    text: str
    author: str | None = None

    @property
    def role(self) -> Role:
        return ROLES[Source.parse(self.source_id).kind]


@dataclass(frozen=True)
class CheckedText:
    """A submission of this batch: checked for copying, and a source for the others ("doc:<doc_id>").
    `quotes` are original-text spans of the words inside ATTRIBUTED quotations (see find_attributed_quotes)."""

    doc_id: str
    text: str
    author: str | None = None
    quotes: tuple[tuple[int, int], ...] = ()

    @property
    def source_id(self) -> str:
        return str(Source(SourceKind.DOC, self.doc_id))


@dataclass(frozen=True)
class CopyMatch:
    """One copied passage of a submission. `start`/`end` are original-text offsets, `text` = text[start:end] as it
    reads in the submission; `source_text` is the matching passage of the source, for the side-by-side view.
    `kind`: verbatim (the same characters, punctuation aside from white space), edited (words swapped,
    punctuation changed) or paraphrase (reworded, found by meaning); `similarity` in 0..1: for verbatim and
    edited the share of characters the two passages have in common; for a paraphrase the calibrated confidence
    that it rewrites the source (cosines run high between any two texts on one subject, so a cosine cannot tell
    a rewrite from a paragraph of one's own), with the weakest aligned sentence pair's cosine in `cosine`.
    `reason`: for a paraphrase or a quotation lifted without its source, why it was flagged, in Chinese."""

    start: int
    end: int
    text: str
    source: str
    source_text: str
    kind: CopyKind
    similarity: float
    reason: str = ""
    cosine: float | None = None

    def passage(self) -> tuple[int, int, dict]:
        """The passage as a span of the `copied` group (pipeline.annotations)."""
        return self.start, self.end, {"source": Source.parse(self.source), "kind": self.kind,
                                      "similarity": self.similarity, "source_text": self.source_text,
                                      "reason": self.reason, "cosine": self.cosine}


@dataclass(frozen=True)
class QuotedPassage:
    """An attributed quotation (not copying), with the reference it was found in, if any."""

    start: int
    end: int
    text: str
    source: str | None


NUMBER = (int, float)
NONE = type(None)
# A stored report's fields (CopyReport.to_dict, read back from JSON or not) and the type of each: a cache entry is
# checked against them.
MATCH_FIELDS = {"start": int, "end": int, "text": str, "source": str, "source_text": str, "kind": str,
                "similarity": NUMBER, "reason": str, "cosine": (*NUMBER, NONE)}
QUOTED_FIELDS = {"start": int, "end": int, "text": str, "source": (str, NONE)}
REPORT_FIELDS = {"doc_id": str, "chars": int, "matches": list, "quoted": list, "copy_ratio": NUMBER,
                 "ratio_without_quotes": NUMBER, "ratio_without_own": NUMBER, "largest_source": (list, tuple, NONE),
                 "per_source": dict, "paraphrase_encoder": (str, NONE), "paraphrase_calibrated": bool,
                 "candidates": list}


def _check(fields, types: dict) -> None:
    """Raises TypeError unless `fields` is a dict of exactly these fields, each of its type."""
    if not isinstance(fields, dict) or fields.keys() != types.keys():
        raise TypeError("not the fields of a copy report")
    for name, kind in types.items():
        if not isinstance(fields[name], kind):
            raise TypeError(f"{name}: not {kind}")


@dataclass
class CopyReport:
    """Copying in one submission, with CNKI-style ratios over its characters (white space excluded):

    - copy_ratio (总文字复制比): characters in copied passages / all characters; attributed quotations are
      quoted, not copied, and are not counted;
    - ratio_without_quotes (去除引用): as copy_ratio, also leaving out copied characters that stand inside
      quotation marks (an over-long or unattributed “quotation”), the figure CNKI gives for cited text;
    - ratio_without_own (去除本人): as copy_ratio, leaving out passages whose source has the same author (the
      member's own earlier submissions);
    - per_source: copied characters credited to each source / all characters; largest_source (单篇最大) the
      source with the most, as (source id, ratio), or None.

    Paraphrase: `paraphrase_encoder` is the model that looked for it (None: not looked for);
    `paraphrase_calibrated` whether that model has a calibration, the only way it decides 洗稿; without one its
    `candidates` are listed for a person to read and none is counted as copied.
    """

    doc_id: str
    chars: int
    matches: list[CopyMatch] = field(default_factory=list)
    quoted: list[QuotedPassage] = field(default_factory=list)
    copy_ratio: float = 0.0
    ratio_without_quotes: float = 0.0
    ratio_without_own: float = 0.0
    largest_source: tuple[str, float] | None = None
    per_source: dict[str, float] = field(default_factory=dict)
    paraphrase_encoder: str | None = None
    paraphrase_calibrated: bool = False
    candidates: list[CopyMatch] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The report as JSON data (a kind is spelled by its value); from_dict reads it back equal."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "CopyReport":
        """The report to_dict gave; raises TypeError, ValueError or KeyError on data of another shape (a cache
        entry is read field by field, as a boilerplate report is: what it holds goes into results.json)."""
        def match(fields: dict) -> CopyMatch:
            _check(fields, MATCH_FIELDS)
            return CopyMatch(**{**fields, "kind": CopyKind(fields["kind"])})

        def quoted(fields: dict) -> QuotedPassage:
            _check(fields, QUOTED_FIELDS)
            return QuotedPassage(**fields)

        _check(data, REPORT_FIELDS)
        largest = data["largest_source"]
        if largest is not None and not (len(largest) == 2
                                        and isinstance(largest[0], str) and isinstance(largest[1], NUMBER)):
            raise TypeError("largest_source: not a source and its share")
        if not all(isinstance(k, str) and isinstance(v, NUMBER) for k, v in data["per_source"].items()):
            raise TypeError("per_source: not shares by source")
        return cls(**{**data, "matches": [match(m) for m in data["matches"]],
                      "quoted": [quoted(q) for q in data["quoted"]],
                      "candidates": [match(m) for m in data["candidates"]],
                      "largest_source": None if largest is None else (largest[0], float(largest[1]))})

    def annotate(self, doc: Doc) -> None:
        """Write the report on the submission's Doc (pipeline.annotations): its passages as span groups, its
        ratios and paraphrase check as Doc attributes."""
        annotate(doc, COPIED, (m.passage() for m in self.matches))
        annotate(doc, QUOTED, ((q.start, q.end, {"source": Source.read(q.source)}) for q in self.quoted))
        annotate(doc, CANDIDATES, (m.passage() for m in self.candidates))
        for name in ("copy_ratio", "ratio_without_quotes", "ratio_without_own", "largest_source", "per_source",
                     "paraphrase_encoder", "paraphrase_calibrated"):
            doc._.set(name, getattr(self, name))
