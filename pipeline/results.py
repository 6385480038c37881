"""results.json: the contract (schema xuexi.results/1, see shared/eval/README.md), and the one serializer that
turns an annotated Doc into a document's record of it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from spacy.tokens import Doc, Span

from . import __version__
from .annotations import (CANDIDATES, COPIED, EVIDENCE, GENERIC, HEADINGS, PARAGRAPHS, QUOTE_LEADS, QUOTED,
                          QUOTES)
from .batch import Batch
from .model import CopyKind, DocumentRecord, FailedFile, ListedTopic, PackedDocuments, Results, Source
from .submission import Submission
from .topics.coverage import TopicCoverage
from .util.files import write_chunks_atomic

SCHEMA = "xuexi.results/1"


def structure(submission: Submission) -> dict:
    """The parsed structure as a secretary would describe it: title, byline, headings, counts, quotations."""
    doc = submission.doc
    leads = iter(doc.spans.get(QUOTE_LEADS, []))  # one per attributed quotation, in order (pipeline.segment)
    quotations = []
    for q in doc.spans.get(QUOTES, []):
        lead = next(leads).text if q.label_ == "attributed" else None
        quotations.append({"text": q.text, "attributed": lead is not None, "attribution": lead})
    return {
        "title": submission.title,
        "byline": submission.byline,
        "headings": [{"level": int(h.label_[1:]), "text": h.text} for h in doc.spans.get(HEADINGS, [])],
        "paragraphs": len(doc.spans.get(PARAGRAPHS, [])),
        "sentences": sum(1 for _ in doc.sents),
        "quotations": quotations,
    }


def document_record(submission: Submission) -> dict:
    """A document's record of results.json, read from its annotated Doc (pipeline.annotations): what ingest and
    segmentation found, then what copying, boilerplate and topic coverage wrote on it."""
    doc, text = submission.doc, submission.text
    record = {
        "doc_id": submission.doc_id,
        "file": submission.file,
        "author": submission.author,
        "doc_type": submission.doc_type,
        "quarter": submission.quarter,
        "format": submission.format,
        "chars": submission.chars,
        "text": text,
        "structure": structure(submission),
        "topics": [_coverage(c, [s for s in doc.spans[EVIDENCE] if s._.topic == c.topic_id], text)
                   for c in doc._.coverage],
        "copied": copied_entries(doc, COPIED, text),
        "quoted": quoted_entries(doc, text),
        "generic": generic_entries(doc, text),
        "copy_ratio": round(doc._.copy_ratio, 4),
    }
    if submission.ocr_pages:  # pages of a scan, read by OCR: the reports say so beside every flag on them
        record["ocr_pages"] = [{"page": page, "confidence": confidence} for page, confidence in submission.ocr_pages]
    if submission.garbled_pages:  # a text layer that reads as unchecked OCR: its flags need the original beside them
        record["garbled_pages"] = submission.garbled_pages
    # The detail figures follow ingest's optional fields, where results.json has always had them.
    largest = doc._.largest_source
    record["copy_ratios"] = {
        "without_quotes": round(doc._.ratio_without_quotes, 4),
        "without_own": round(doc._.ratio_without_own, 4),
        "largest_source": {"source": largest[0], "ratio": round(largest[1], 4)} if largest else None,
        "per_source": {k: round(v, 4) for k, v in doc._.per_source.items()},
    }
    if doc._.paraphrase_encoder:
        record["paraphrase_check"] = paraphrase_check(doc, text)
    record["generic_ratio"] = round(doc._.generic_ratio, 4)
    record["diagnoses"] = doc._.diagnoses
    return record


def _entry(span: Span, text: str, **fields) -> dict:
    """A passage of the Doc as results.json lists it: its text, what the group says of it, where it stands."""
    start, end = span._.chars
    return {"text": text[start:end], **fields, "start": start, "end": end}


def _source(source: Source | None) -> str | None:
    return str(source) if source else None


# Each takes the Doc's text from the caller (Submission.text): spaCy joins the tokens anew on every Doc.text.

def copied_entries(doc: Doc, group: str, text: str) -> list[dict]:
    """The passages of span group copied (or paraphrase_candidates): a paraphrase always says why and how close."""
    out = []
    for span in doc.spans[group]:
        entry = {**_entry(span, text, source=_source(span._.source), kind=span._.kind.value,
                          similarity=round(span._.similarity, 3)), "source_text": span._.source_text}
        if span._.kind is CopyKind.PARAPHRASE:
            entry.update(reason=span._.reason, cosine=span._.cosine)
        elif span._.reason:
            entry.update(reason=span._.reason)
        out.append(entry)
    return out


def quoted_entries(doc: Doc, text: str) -> list[dict]:
    return [_entry(s, text, source=_source(s._.source)) for s in doc.spans[QUOTED]]


def generic_entries(doc: Doc, text: str) -> list[dict]:
    return [_entry(s, text, kind=s._.kind, reasons=s._.reasons) for s in doc.spans[GENERIC]]


def paraphrase_check(doc: Doc, text: str) -> dict:
    """Which model looked for paraphrase; one without calibration decides nothing, its candidates are listed."""
    check = {"encoder": doc._.paraphrase_encoder, "calibrated": doc._.paraphrase_calibrated}
    if not doc._.paraphrase_calibrated:
        check["note"] = (f"语义模型 {doc._.paraphrase_encoder} 没有校准数据：下列疑似换词改写的段落只作提示，"
                         "须人工比对原文，不计入复制")
        check["candidates"] = copied_entries(doc, CANDIDATES, text)
    return check


def _coverage(coverage: TopicCoverage, evidence: list[Span], text: str) -> dict:
    return {
        "topic_id": coverage.topic_id,
        "level": coverage.level,
        "level_name": coverage.coverage_level,
        "score": coverage.score,
        "evidence": [_entry(s, text, role=s._.role.value) for s in evidence],
        "key_points_engaged": coverage.key_points,
        "theory_only": coverage.theory_only,
        "practice_only": coverage.practice_only,
    }


def build_results(batch: Batch, documents: Iterable[dict], failed: list[FailedFile], *,
                  config: dict | None = None) -> Results:
    """The results of a scored batch: each document's record is read into the model and packed as `documents`
    gives it (a stream of them is never held twice, nor as objects); `config` is the run's settings."""
    return Results(
        schema=SCHEMA,
        batch=batch.name,
        quarter=batch.topics.quarter,
        unit=batch.topics.unit,
        xuexi_version=__version__,
        generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        topic_list=[ListedTopic(t.id, t.title, t.required, list(t.key_points)) for t in batch.topics],
        config=config,
        documents=PackedDocuments(DocumentRecord.from_dict(d) for d in documents),
        failed=sorted(failed, key=lambda f: f.file),
        skipped=list(batch.skipped),
        roster=list(batch.roster),
    )


def write_results(path: Path, results: Results) -> None:
    """results.json, whole or not at all, a document at a time: the bytes of json.dumps(results.to_dict()),
    without that dict or string held at once (a province's quarter runs to hundreds of megabytes of them)."""
    shell = replace(results, documents=[]).to_dict()

    def chunks() -> Iterator[bytes]:
        for n, (key, value) in enumerate(shell.items()):
            yield f"{', ' if n else '{'}{json.dumps(key)}: ".encode("utf-8")
            if key != "documents":
                yield json.dumps(value, ensure_ascii=False).encode("utf-8")
                continue
            yield b"["
            for i, text in enumerate(PackedDocuments.texts(results.documents)):
                yield f"{', ' if i else ''}{text}".encode("utf-8")
            yield b"]"
        yield b"}"

    write_chunks_atomic(path, chunks())
