"""Scoring a batch: read every file (a bad one is reported, never fatal), find copying across the batch and
its sources, flag boilerplate, score topic coverage per document, write results.json."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .batch import Batch, FailedFile
from .boilerplate import BoilerplateDetector
from .copying import CheckedText, CopyDetector, CopySource
from .document import Submission, read_submission
from .errors import ConfigError, XuexiError
from .results import build_results, document_record, write_json_atomic
from .segment import add_dictionary_words
from .topics import TopicMatcher

Progress = Callable[[str, int, int], None]  # (what, done, total)


@dataclass
class ScoreRun:
    """What one `xuexi score` produced: the results written and the figures for the closing summary."""

    results: dict
    out_dir: Path
    seconds: float
    submissions: list[Submission] = field(default_factory=list)

    @property
    def failed(self) -> list[dict]:
        return self.results["failed"]


def read_files(batch_root: Path, paths: list[Path], *, manifest: dict[str, dict] | None = None,
               progress: Progress | None = None, what: str = "reading") -> tuple[list[Submission], list[FailedFile]]:
    """Ingest and segment files one by one; a file that cannot be read becomes a FailedFile with its reason.
    Any unexpected error in one file is reported the same way, so one bad document never stops a batch."""
    submissions, failed = [], []
    for i, path in enumerate(paths):
        rel = path.relative_to(batch_root).as_posix() if path.is_relative_to(batch_root) else path.name
        try:
            submissions.append(read_submission(path, batch_root=batch_root, manifest_row=(manifest or {}).get(rel)))
        except XuexiError as exc:
            failed.append(FailedFile(rel, str(exc)))
        except Exception as exc:  # a reader bug must not lose the rest of the batch
            failed.append(FailedFile(rel, f"{path.name}: could not be read ({exc.__class__.__name__}: {exc})"))
        if progress:
            progress(what, i + 1, len(paths))
    return submissions, failed


def copy_sources(batch: Batch, *, library: Path | None, progress: Progress | None) -> tuple[list[CopySource], list[FailedFile]]:
    """What a submission may have been copied from: the references studied (ref:), a reference library of
    earlier speeches and templates (lib:), and earlier quarters' submissions (prior:)."""
    sources, failed = [], []
    groups = [("ref", list(batch.references.values()), "references")]
    groups.append(("prior", batch.prior, "earlier quarters"))
    if library is not None:
        if not library.is_dir():
            raise ConfigError(f"{library}: no such reference library folder")
        groups.append(("lib", sorted(p for p in library.rglob("*") if p.is_file() and not p.name.startswith(".")), "library"))
    for prefix, paths, what in groups:
        root = library if prefix == "lib" else batch.root
        read, bad = read_files(root, paths, progress=progress, what=f"reading {what}")
        sources += [CopySource(f"{prefix}:{s.doc_id}", s.text, s.author) for s in read]
        failed += bad
    return sources, failed


def score_batch(batch_dir: Path, out_dir: Path, *, progress: Progress | None = None, semantic: str | None = None,
                library: Path | None = None) -> ScoreRun:
    """Score a batch folder into out_dir/results.json with the semantic backend named `semantic` (None: the
    default, see pipeline.semantic), checking copying also against the texts of a `library` folder.
    Raises ConfigError when the batch, the library or the backend is unusable."""
    from .semantic import get_encoder

    started = time.perf_counter()
    batch = Batch.open(batch_dir)
    encoder = get_encoder(semantic, cache_dir=Path(out_dir) / ".cache" / "embeddings")
    add_dictionary_words(k for t in batch.topics for k in t.keywords)
    submissions, failed = read_files(batch.root, batch.submissions, manifest=batch.manifest, progress=progress)
    sources, bad_sources = copy_sources(batch, library=library, progress=progress)
    failed = list(batch.problems) + failed + bad_sources

    checked = [CheckedText(s.doc_id, s.text, s.author,
                           tuple((q.start_char, q.end_char) for q in s.spans("quotes") if q.label_ == "attributed"))
               for s in submissions]
    if progress:
        progress("finding copied passages", 0, 1)
    copies = CopyDetector(encoder=encoder).detect(checked, sources)
    if progress:
        progress("finding copied passages", 1, 1)

    boilerplate = BoilerplateDetector().fit(submissions, sources=[s.text for s in sources if s.source_id.startswith("ref:")])
    matcher = TopicMatcher(batch.topics, encoder=encoder)
    documents = []
    for i, submission in enumerate(submissions):
        record = document_record(submission)
        report = copies[submission.doc_id]
        generic = boilerplate.detect(submission, topics=batch.topics)
        record.update(report.to_dict())
        record.update(generic.to_dict())
        coverage = matcher.coverage(
            submission,
            copied=[(m.start, m.end, m.source) for m in report.matches],
            quoted=[(q.start, q.end, q.source) for q in report.quoted],
            generic=[(g.start, g.end) for g in generic.generic],
        )
        record["topics"] = [c.to_dict() for c in coverage]
        documents.append(record)
        if progress:
            progress("scoring topics", i + 1, len(submissions))
    results = build_results(batch, documents, failed)
    write_json_atomic(Path(out_dir) / "results.json", results)
    return ScoreRun(results, Path(out_dir), time.perf_counter() - started, submissions)
