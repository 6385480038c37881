"""Scoring a batch: read every file (a bad one is reported, never fatal), run the stages, write results.json."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .batch import Batch, FailedFile
from .document import Submission, read_submission
from .errors import XuexiError
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


def read_files(batch: Batch, paths: list[Path], *, progress: Progress | None = None, what: str = "reading") -> tuple[list[Submission], list[FailedFile]]:
    """Ingest and segment files one by one; a file that cannot be read becomes a FailedFile with its reason.
    Any unexpected error in one file is reported the same way, so one bad document never stops a batch."""
    submissions, failed = [], []
    for i, path in enumerate(paths):
        rel = batch.relative(path)
        try:
            submissions.append(read_submission(path, batch_root=batch.root, manifest_row=batch.manifest.get(rel)))
        except XuexiError as exc:
            failed.append(FailedFile(rel, str(exc)))
        except Exception as exc:  # a reader bug must not lose the rest of the batch
            failed.append(FailedFile(rel, f"{path.name}: could not be read ({exc.__class__.__name__}: {exc})"))
        if progress:
            progress(what, i + 1, len(paths))
    return submissions, failed


def score_batch(batch_dir: Path, out_dir: Path, *, progress: Progress | None = None, semantic: str | None = None) -> ScoreRun:
    """Score a batch folder into out_dir/results.json with the semantic backend named `semantic` (None: the
    default, see pipeline.semantic). Raises ConfigError when the batch or the backend is unusable."""
    started = time.perf_counter()
    batch = Batch.open(batch_dir)
    add_dictionary_words(k for t in batch.topics for k in t.keywords)
    submissions, failed = read_files(batch, batch.submissions, progress=progress)
    failed = list(batch.problems) + failed
    from .semantic import get_encoder

    encoder = get_encoder(semantic, cache_dir=Path(out_dir) / ".cache" / "embeddings")
    matcher = TopicMatcher(batch.topics, encoder=encoder)
    documents = []
    for submission in submissions:
        record = document_record(submission)
        quotes = [q for q in submission.spans("quotes") if q.label_ == "attributed"]
        record["quoted"] = [{"text": q.text, "source": None} for q in quotes]
        coverage = matcher.coverage(submission, quoted=[(q.start_char, q.end_char, None) for q in quotes])
        record["topics"] = [c.to_dict() for c in coverage]
        documents.append(record)
    results = build_results(batch, documents, failed)
    write_json_atomic(Path(out_dir) / "results.json", results)
    return ScoreRun(results, Path(out_dir), time.perf_counter() - started, submissions)
