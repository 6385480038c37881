"""The one document model: a `Submission` is a spaCy `Doc` (text, layout, sentences, quotations, and every later
stage's evidence as span groups) plus who wrote it, what kind of document it is and where it came from."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from spacy.tokens import Doc, Span

from .annotations import BYLINE, TITLE
from .ingest import ReaderLimits, detect_format, partition
from .lexicon import FILE_NAME, PERSON_NAME
from .segment import get_nlp, make_doc
from .util.textnorm import NormalizedText, fold

# <seq>_<author>_<doc type>, e.g. 003_周海涛_调研报告 (the seq may be missing; separators _ - or space)



@dataclass
class Submission:
    """One member's document of the quarter (or an earlier quarter's, for recycled-text checks)."""

    doc_id: str
    file: str                      # path relative to the batch folder, e.g. submissions/003_周海涛_调研报告.pdf
    doc: Doc
    author: str | None = None
    doc_type: str | None = None
    quarter: str | None = None
    format: str = ""
    metadata_source: dict[str, str] = field(default_factory=dict)  # field -> manifest | file name | byline
    ocr_pages: list[tuple[int, float]] = field(default_factory=list)  # (page, mean confidence 0–1) read by OCR
    garbled_pages: list[int] = field(default_factory=list)  # pages whose text layer reads as unchecked OCR

    @cached_property
    def text(self) -> str:
        return self.doc.text  # spaCy joins the tokens anew on every access

    @cached_property
    def normalized(self) -> NormalizedText:
        return NormalizedText.of(self.doc.text)

    @cached_property
    def chars(self) -> int:
        """Characters of the parsed text, white space excluded (the results contract's `chars`)."""
        return len(fold(self.text))

    @property
    def title(self) -> str | None:
        spans = self.doc.spans.get(TITLE)
        return spans[0].text if spans else None

    @property
    def byline(self) -> str | None:
        spans = self.doc.spans.get(BYLINE)
        return " ".join(s.text for s in spans) if spans else None

    def spans(self, key: str) -> list[Span]:
        return list(self.doc.spans.get(key, []))

    def span_offsets(self, key: str) -> list[tuple[int, int, str]]:
        """The span group `key` as (start_char, end_char, label), as SubmissionText gives it."""
        return [(s.start_char, s.end_char, s.label_) for s in self.doc.spans.get(key, [])]

    def sentence_offsets(self) -> list[tuple[int, int]]:
        return [(s.start_char, s.end_char) for s in self.doc.sents]


def metadata_from_file_name(stem: str) -> dict[str, str]:
    """Author and document type from a file name like 003_周海涛_调研报告 (empty where it does not fit)."""
    match = FILE_NAME.match(stem)
    if not match:
        return {}
    return {k: v for k, v in (("author", match["author"]), ("doc_type", match["doc_type"])) if v}


def read_submission(path: Path, *, batch_root: Path, manifest_row: dict[str, str] | None = None,
                    limits: ReaderLimits = ReaderLimits()) -> Submission:
    """Ingest and segment one file within `limits`. Metadata comes from the manifest first, then the file name,
    then the byline. Raises XuexiError subclasses with a one-line reason."""
    path = Path(path)
    known: dict[str, str] = {}
    source: dict[str, str] = {}
    for origin, values in (("manifest", manifest_row or {}), ("file name", metadata_from_file_name(path.stem))):
        for key in ("author", "doc_type", "quarter"):
            if values.get(key) and key not in known:
                known[key], source[key] = values[key].strip(), origin
    fmt = detect_format(path)
    elements = partition(path, author=known.get("author"), limits=limits)
    doc = make_doc(elements)
    submission = Submission(
        doc_id=path.stem,
        file=path.relative_to(batch_root).as_posix() if path.is_relative_to(batch_root) else path.name,
        doc=doc,
        author=known.get("author"),
        doc_type=known.get("doc_type"),
        quarter=known.get("quarter"),
        format=fmt.value,
        metadata_source=source,
        ocr_pages=sorted({e.page: round(e.ocr_confidence, 3) for e in elements if e.ocr_confidence is not None}.items()),
        garbled_pages=sorted({e.page for e in elements if e.garbled}),
    )
    if submission.author is None and submission.byline:
        name = PERSON_NAME.search(submission.byline)
        if name:
            submission.author, source["author"] = name.group(0), "byline"
    return submission


_META_FIELDS = ("doc_id", "file", "author", "doc_type", "quarter", "format", "metadata_source", "ocr_pages",
                "garbled_pages")


def submission_to_bytes(submission: Submission) -> bytes:
    """A Submission as bytes, for the parse cache and for worker processes: its fields, the Doc's words,
    spaces, sentence starts and span groups (as token offsets). Lighter than Doc.to_bytes, whose msgpack layer
    looks up plug-ins on every call: the Doc is rebuilt from its words, not segmented again."""
    doc = submission.doc
    groups = {key: [(span.start, span.end, span.label_) for span in group] for key, group in doc.spans.items()}
    # JSON, not pickle: the parse cache is read back from disk, and data must never be able to run code.
    return json.dumps((
        {k: getattr(submission, k) for k in _META_FIELDS},
        [t.text for t in doc], [bool(t.whitespace_) for t in doc],
        [bool(t.is_sent_start) for t in doc], groups, doc.user_data.get("layout", []),
    ), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def submission_from_bytes(data: bytes) -> Submission:
    meta, words, spaces, sent_starts, groups, layout = json.loads(data)
    doc = Doc(get_nlp().vocab, words=words, spaces=spaces, sent_starts=sent_starts)
    doc.user_data["layout"] = layout
    for key, spans in groups.items():
        doc.spans[key] = [Span(doc, start, end, label=label) for start, end, label in spans]
    return Submission(doc=doc, **meta)


@dataclass(frozen=True)
class SubmissionText:
    """A submission read from its bytes without building the Doc (a millisecond against twenty): its fields, its
    text, its sentences and its span groups as character offsets. The batch-wide stages and the boilerplate judge
    read this; it answers span_offsets and sentence_offsets as a Submission does."""

    meta: dict
    text: str
    spans: dict[str, list[tuple[int, int, str]]]  # group -> (start_char, end_char, label)
    sentences: list[tuple[int, int]]

    @property
    def doc_id(self) -> str:
        return self.meta["doc_id"]

    @cached_property
    def chars(self) -> int:
        return len(fold(self.text))

    def span_offsets(self, key: str) -> list[tuple[int, int, str]]:
        return self.spans.get(key, [])

    def sentence_offsets(self) -> list[tuple[int, int]]:
        return self.sentences


def submission_text(data: bytes) -> SubmissionText:
    """Raises ValueError (or a JSON error) on bytes that would not rebuild a Submission."""
    meta, words, spaces, sent_starts, groups, layout = json.loads(data)
    n = len(words)
    if not (isinstance(meta, dict) and set(meta) == set(_META_FIELDS) and isinstance(layout, list)
            and len(spaces) == len(sent_starts) == n and all(isinstance(w, str) and w for w in words)
            and all(isinstance(g, list) and all(0 <= a <= b <= n and isinstance(label, str) for a, b, label in g)
                    for g in groups.values())):
        raise ValueError("not a Submission's bytes")
    starts, pos = [], 0
    for word, space in zip(words, spaces):
        starts.append(pos)
        pos += len(word) + space
    starts.append(pos)  # where an empty span at the end starts
    text = "".join(w + " " * space for w, space in zip(words, spaces))

    def chars(a: int, b: int) -> tuple[int, int]:
        return starts[a], (starts[b - 1] + len(words[b - 1]) if b > a else starts[a])

    firsts = [i for i, first in enumerate(sent_starts) if first or i == 0] + [n]
    return SubmissionText(meta, text, {key: [(*chars(a, b), label) for a, b, label in spans]
                                       for key, spans in groups.items()},
                          [chars(a, b) for a, b in zip(firsts, firsts[1:]) if b > a])
