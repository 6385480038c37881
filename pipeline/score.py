"""Scoring a batch: read every file (a bad one is reported, never fatal), find copying across the batch and
its sources, flag boilerplate, score topic coverage per document, write results.json."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .archive import Archive, content_hash
from .batch import Batch, FailedFile
from .boilerplate import BoilerplateDetector
from .copying import CheckedText, CopyDetector, CopySource
from .document import Submission, read_submission, submission_from_bytes, submission_meta
from .parsecache import ParseCache
from .errors import ConfigError, XuexiError
from .files import write_json_atomic
from .results import build_results, document_record
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
    report_error: str | None = None

    @property
    def failed(self) -> list[dict]:
        return self.results["failed"]


MIN_FILES_FOR_WORKERS = 8  # below this, starting worker processes costs more than it saves


def read_files(batch_root: Path, paths: list[Path], *, manifest: dict[str, dict] | None = None,
               progress: Progress | None = None, what: str = "reading", cache: ParseCache | None = None,
               workers: int = 1) -> tuple[list[Submission], list[FailedFile]]:
    """Ingest and segment files, from the parse cache where a file is unchanged, else in `workers` processes.
    A file that cannot be read becomes a FailedFile with its reason; an unexpected error in one file is reported
    the same way, so one bad document never stops a batch. Results keep the order of `paths`."""
    manifest = manifest or {}
    rel = {p: p.relative_to(batch_root).as_posix() if p.is_relative_to(batch_root) else p.name for p in paths}
    found: dict[Path, Submission | FailedFile] = {}
    keys: dict[Path, str] = {}
    for path in paths:
        if cache is not None:
            keys[path] = cache.key(path, manifest.get(rel[path]))
            cached = cache.get(keys[path])
            if cached is not None:
                found[path] = cached
    todo = [p for p in paths if p not in found]
    done = len(found)
    if progress:
        progress(what, done, len(paths))
    jobs = [(p, batch_root, manifest.get(rel[p]), rel[p]) for p in todo]
    if workers > 1 and len(todo) >= MIN_FILES_FOR_WORKERS:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from .segment import added_words

        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=add_dictionary_words,
                                 initargs=(added_words(),)) as pool:
            outcomes = pool.map(_read_one_as_bytes, jobs, chunksize=4)
            for (path, *_), outcome in zip(jobs, outcomes):
                found[path] = _from_bytes(outcome)
                done += 1
                _remember(cache, keys.get(path), found[path])
                if progress:
                    progress(what, done, len(paths))
    else:
        for job in jobs:
            found[job[0]] = _read_one(*job)
            done += 1
            _remember(cache, keys.get(job[0]), found[job[0]])
            if progress:
                progress(what, done, len(paths))
    submissions = [found[p] for p in paths if isinstance(found[p], Submission)]
    failed = [found[p] for p in paths if isinstance(found[p], FailedFile)]
    return submissions, failed


def _read_one(path: Path, batch_root: Path, manifest_row: dict | None, rel: str) -> Submission | FailedFile:
    try:
        return read_submission(path, batch_root=batch_root, manifest_row=manifest_row)
    except XuexiError as exc:
        return FailedFile(rel, str(exc))
    except Exception as exc:  # a reader bug must not lose the rest of the batch
        return FailedFile(rel, f"{path.name}: could not be read ({exc.__class__.__name__}: {exc})")


def _read_one_as_bytes(job) -> tuple[dict, bytes] | FailedFile:
    """In a worker: a Submission travels back as its Doc's bytes and metadata (a Doc pickles with its vocab)."""
    outcome = _read_one(*job)
    if isinstance(outcome, FailedFile):
        return outcome
    return submission_meta(outcome), outcome.doc.to_bytes()


def _from_bytes(outcome) -> Submission | FailedFile:
    if isinstance(outcome, FailedFile):
        return outcome
    meta, data = outcome
    return submission_from_bytes(meta, data)


def _remember(cache: ParseCache | None, key: str | None, outcome) -> None:
    if cache is not None and key is not None and isinstance(outcome, Submission):
        cache.put(key, outcome)


def copy_sources(batch: Batch, *, library: Path | None, progress: Progress | None, cache: ParseCache | None = None,
                 workers: int = 1) -> tuple[list[CopySource], list[FailedFile]]:
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
        read, bad = read_files(root, paths, progress=progress, what=f"reading {what}", cache=cache, workers=workers)
        sources += [CopySource(f"{prefix}:{s.doc_id}", s.text, s.author) for s in read]
        failed += bad
    return sources, failed


def score_batch(batch_dir: Path, out_dir: Path, *, progress: Progress | None = None, semantic: str | None = None,
                library: Path | None = None, workers: int | None = None, archive: Archive | None = None) -> ScoreRun:
    """Score a batch folder into out_dir/results.json with the semantic backend named `semantic` (None: the
    default, see pipeline.semantic), checking copying also against the texts of a `library` folder and, with an
    `archive`, against the unit's earlier quarters there; the scored quarter is then stored in the archive.
    Files are read in `workers` processes (None: one per core), and not read again while unchanged (the parse
    cache in out_dir/.cache), so a run that was interrupted resumes where it stopped.
    Raises ConfigError when the batch, the library or the backend is unusable."""
    import os

    from .semantic import get_encoder

    workers = workers or os.cpu_count() or 1
    started = time.perf_counter()
    batch = Batch.open(batch_dir)
    keywords = [k for t in batch.topics for k in t.keywords]
    add_dictionary_words(keywords)
    cache = ParseCache(Path(out_dir) / ".cache" / "parsed", dictionary_words=keywords)
    submissions, failed = read_files(batch.root, batch.submissions, manifest=batch.manifest, progress=progress,
                                     cache=cache, workers=workers)
    sources, bad_sources = copy_sources(batch, library=library, progress=progress, cache=cache, workers=workers)
    if archive is not None:  # earlier quarters of this unit; a text already in prior/ keeps its prior/ name
        in_prior = {content_hash(s.text) for s in sources if s.source_id.startswith("prior:")}
        sources += [CopySource(t.source_id, t.text, t.author)
                    for t in archive.earlier_texts(batch.topics.quarter or batch.name, unit=batch.topics.unit)
                    if t.content_hash not in in_prior]
    # The encoder starts its threads only now, after any worker processes were forked.
    encoder = get_encoder(semantic, cache_dir=Path(out_dir) / ".cache" / "embeddings")
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
    if archive is not None:
        archive.store_quarter(results)
    run = ScoreRun(results, Path(out_dir), time.perf_counter() - started, submissions)
    try:
        from .report import write_reports

        write_reports(results, out_dir)
    except Exception as exc:  # results.json is written; a report bug must not hide it
        run.report_error = f"the reports could not be written ({exc.__class__.__name__}: {exc}); results.json is complete"
    return run
