"""results.json: the contract (schema xuexi.results/1, see shared/eval/README.md)."""

from __future__ import annotations

from datetime import datetime, timezone

from . import __version__
from .batch import Batch
from .model import DocumentRecord, FailedFile, ListedTopic, Results
from .submission import Submission

SCHEMA = "xuexi.results/1"


def structure(submission: Submission) -> dict:
    """The parsed structure as a secretary would describe it: title, byline, headings, counts, quotations."""
    doc = submission.doc
    leads = iter(doc.spans.get("quote_leads", []))  # one per attributed quotation, in order (pipeline.segment)
    quotations = []
    for q in doc.spans.get("quotes", []):
        lead = next(leads).text if q.label_ == "attributed" else None
        quotations.append({"text": q.text, "attributed": lead is not None, "attribution": lead})
    return {
        "title": submission.title,
        "byline": submission.byline,
        "headings": [{"level": int(h.label_[1:]), "text": h.text} for h in doc.spans.get("headings", [])],
        "paragraphs": len(doc.spans.get("paragraphs", [])),
        "sentences": sum(1 for _ in doc.sents),
        "quotations": quotations,
    }


def document_record(submission: Submission) -> dict:
    """The part of a document's record that ingest and segmentation fill; later stages add their fields."""
    record = {
        "doc_id": submission.doc_id,
        "file": submission.file,
        "author": submission.author,
        "doc_type": submission.doc_type,
        "quarter": submission.quarter,
        "format": submission.format,
        "chars": submission.chars,
        "text": submission.text,
        "structure": structure(submission),
        "topics": [],
        "copied": [],
        "quoted": [],
        "generic": [],
        "copy_ratio": 0.0,
    }
    if submission.ocr_pages:  # pages of a scan, read by OCR: the reports say so beside every flag on them
        record["ocr_pages"] = [{"page": page, "confidence": confidence} for page, confidence in submission.ocr_pages]
    if submission.garbled_pages:  # a text layer that reads as unchecked OCR: its flags need the original beside them
        record["garbled_pages"] = submission.garbled_pages
    return record


def build_results(batch: Batch, documents: list[dict], failed: list[FailedFile], *, config: dict | None = None) -> dict:
    """results.json of a scored batch, written from the results model; `config` is the run's settings."""
    return Results(
        schema=SCHEMA,
        batch=batch.name,
        quarter=batch.topics.quarter,
        unit=batch.topics.unit,
        xuexi_version=__version__,
        generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        topic_list=[ListedTopic(t.id, t.title, t.required, list(t.key_points)) for t in batch.topics],
        config=config,
        documents=sorted((DocumentRecord.from_dict(d) for d in documents), key=lambda d: d.doc_id),
        failed=sorted(failed, key=lambda f: f.file),
        skipped=list(batch.skipped),
        roster=list(batch.roster),
    ).to_dict()
