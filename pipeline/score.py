"""Scoring a batch: read every file (a bad one is reported, never fatal), find copying across the batch and
its sources, flag boilerplate, score topic coverage per document, write results.json."""

from __future__ import annotations

import json
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

from .archive import Archive, Replacement, content_hash
from .batch import Batch, FailedFile
from .boilerplate import BoilerplateDetector, BoilerplateReport
from .config import ScoringConfig
from .copying import CheckedText, CopyDetector, CopyReport, CopySource
from .document import (Submission, metadata_from_file_name, read_submission, submission_from_bytes,
                       submission_to_bytes)
from .parsecache import ParseCache
from .errors import ConfigError, XuexiError
from .files import write_json_atomic
from .forking import forked_map
from .ingest import ReaderLimits
from .ingest.limits import limit_memory, memory_message, time_limit
from .results import build_results, document_record
from .runstate import RunInputs, exclusive, mark_complete, mark_incomplete
from .segment import add_dictionary_words
from .semantic import backend_identity
from .topiclist import TopicList
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
    unchanged: bool = False  # nothing changed since the last run into out_dir: its outputs stand
    replaced: Replacement | None = None  # what replacing the archived quarter dropped (with --replace)

    @property
    def failed(self) -> list[dict]:
        return self.results["failed"]


def read_files(batch_root: Path, paths: list[Path], *, manifest: dict[str, dict] | None = None,
               progress: Progress | None = None, what: str = "reading", cache: ParseCache | None = None,
               workers: int = 1, limits: ReaderLimits = ReaderLimits(),
               isolated: bool = True) -> tuple[list[Submission], list[FailedFile]]:
    """Ingest and segment files, from the parse cache where a file is unchanged, else in `workers` processes —
    `isolated`: always in worker processes whose memory is limited (ReaderLimits.memory_mb), where the platform
    allows. A file that cannot be read becomes a FailedFile with its reason; an unexpected error in one file, or
    a worker that dies reading it, is reported the same way, so one bad document never stops a batch. Results
    keep the order of `paths`."""
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
    jobs = [(p, batch_root, manifest.get(rel[p]), rel[p], limits) for p in todo]
    isolate = partial(limit_memory, limits.memory_mb) if isolated else None
    # Forked readers inherit jieba's dictionary with the words added to it; each sends back bytes.
    for job, outcome in _read_all(jobs, workers=workers, isolate=isolate):
        found[job[0]] = _remember(cache, keys.get(job[0]), outcome)
        done += 1
        if progress:
            progress(what, done, len(paths))
    submissions = [found[p] for p in paths if isinstance(found[p], Submission)]
    failed = [found[p] for p in paths if isinstance(found[p], FailedFile)]
    return submissions, failed


def _read_all(jobs: list[tuple], *, workers: int, isolate) -> Iterator[tuple[tuple, bytes | FailedFile]]:
    """(job, outcome) for every job, in order. When a worker process dies (a reader crashed in native code, or
    the system stopped it), the jobs not yet done are read again one worker each, so that only the file that
    kills its worker is lost, with a reason."""
    done = 0
    try:
        for outcome in forked_map(_read_one_as_bytes, jobs, workers=workers, chunksize=4, isolate=isolate):
            yield jobs[done], outcome
            done += 1
        return
    except BrokenProcessPool:
        pass
    for job in jobs[done:]:
        try:
            outcome = next(forked_map(_read_one_as_bytes, [job], workers=1, isolate=isolate))
        except BrokenProcessPool:
            outcome = FailedFile(job[3], f"{job[0].name}: 读取该文件时读取进程异常终止（可能超过内存限额或文件损坏），已跳过",
                                 _author_of(job[0], job[2]))
        yield job, outcome


def _read_one(path: Path, batch_root: Path, manifest_row: dict | None, rel: str,
              limits: ReaderLimits) -> Submission | FailedFile:
    author = _author_of(path, manifest_row)
    try:
        with time_limit(limits.seconds_per_file, path.name):
            return read_submission(path, batch_root=batch_root, manifest_row=manifest_row, limits=limits)
    except XuexiError as exc:
        return FailedFile(rel, str(exc), author)
    except MemoryError:
        return FailedFile(rel, memory_message(path.name, limits), author)
    except Exception as exc:  # a reader bug must not lose the rest of the batch
        return FailedFile(rel, f"{path.name}: could not be read ({exc.__class__.__name__}: {exc})", author)


def _author_of(path: Path, manifest_row: dict | None) -> str | None:
    """Whose file it is, as far as it is known without reading it: the manifest, then the file name."""
    return (manifest_row or {}).get("author") or metadata_from_file_name(path.stem).get("author")


def _read_one_as_bytes(job) -> bytes | FailedFile:
    """A file read into a Submission's bytes: what a worker sends back and what the parse cache stores."""
    outcome = _read_one(*job)
    return outcome if isinstance(outcome, FailedFile) else submission_to_bytes(outcome)


def _remember(cache: ParseCache | None, key: str | None, outcome: bytes | FailedFile) -> Submission | FailedFile:
    if isinstance(outcome, FailedFile):
        return outcome
    if cache is not None and key is not None:
        cache.put(key, outcome)
    return submission_from_bytes(outcome)


def copy_sources(batch: Batch, *, library: Path | None, progress: Progress | None, cache: ParseCache | None = None,
                 workers: int = 1, limits: ReaderLimits = ReaderLimits()) -> tuple[list[CopySource], list[FailedFile]]:
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
        read, bad = read_files(root, paths, progress=progress, what=f"reading {what}", cache=cache, workers=workers,
                               limits=limits)
        sources += [CopySource(f"{prefix}:{s.doc_id}", s.text, s.author) for s in read]
        failed += bad
    return sources, failed


ENGINES = ("local", "dask")


def checked_text(submission: Submission) -> CheckedText:
    """What copy detection reads of a submission: its text, author and attributed quotations."""
    quotes = tuple((q.start_char, q.end_char) for q in submission.spans("quotes") if q.label_ == "attributed")
    return CheckedText(submission.doc_id, submission.text, submission.author, quotes)


def boilerplate_references(sources: list[CopySource]) -> list[str]:
    """The texts boilerplate fitting reads besides the submissions: the references studied this quarter."""
    return [s.text for s in sources if s.source_id.startswith("ref:")]


def judge_boilerplate(submissions: list[Submission], boilerplate: BoilerplateDetector, topics: TopicList, *,
                      workers: int) -> Iterator[BoilerplateReport]:
    """Every submission's boilerplate report, in order, judged in forked processes (pure Python that needs only
    the fitted detector), beside the topic matching the caller does meanwhile."""
    return forked_map(lambda s: boilerplate.detect(s, topics=topics), submissions, workers=workers)


def document_result(submission: Submission, copies: CopyReport, generic: BoilerplateReport,
                    matcher: TopicMatcher) -> dict:
    """One document's record of results.json: what ingest found, its copying, boilerplate, topic coverage and
    the document's diagnosis."""
    record = document_record(submission)
    record.update(copies.to_dict())
    record.update(generic.to_dict())
    assessment = matcher.assess(
        submission,
        copied=[(m.start, m.end, m.source) for m in copies.matches],
        quoted=[(q.start, q.end, q.source) for q in copies.quoted],
        generic=[(g.start, g.end) for g in generic.generic],
    )
    record["topics"] = [c.to_dict() for c in assessment.topics]
    record["diagnoses"] = assessment.diagnoses  # read from the levels, so they never contradict them
    return record


def _score_here(batch: Batch, submissions: list[Submission], sources: list[CopySource], *, semantic: str | None,
                config: ScoringConfig, out_dir: Path, progress: Progress | None, workers: int) -> list[dict]:
    """The local engine: copy detection's phases in this process, then every document's record."""
    from .semantic import get_encoder

    # The encoder starts its threads only now, after any worker processes were forked.
    encoder = get_encoder(semantic, cache_dir=out_dir / ".cache" / "embeddings")
    if progress:
        progress("finding copied passages", 0, 1)
    copies = CopyDetector(config.copying, encoder=encoder).detect([checked_text(s) for s in submissions], sources)
    if progress:
        progress("finding copied passages", 1, 1)
    boilerplate = BoilerplateDetector(config.boilerplate).fit(submissions, sources=boilerplate_references(sources))
    matcher = TopicMatcher(batch.topics, encoder=encoder, config=config.topics)
    documents = []
    judged = judge_boilerplate(submissions, boilerplate, batch.topics, workers=workers)
    for i, (submission, generic) in enumerate(zip(submissions, judged)):
        documents.append(document_result(submission, copies[submission.doc_id], generic, matcher))
        if progress:
            progress("scoring topics", i + 1, len(submissions))
    return documents


def score_batch(batch_dir: Path, out_dir: Path, *, progress: Progress | None = None, semantic: str | None = None,
                library: Path | None = None, workers: int | None = None, archive: Archive | None = None,
                engine: str = "local", scheduler: str | None = None, config: ScoringConfig | None = None,
                replace: bool = False) -> ScoreRun:
    """Score a batch folder into out_dir/results.json with the semantic backend named `semantic` (None: the
    default, see pipeline.semantic), checking copying also against the texts of a `library` folder and, with an
    `archive`, against the unit's earlier quarters there; the scored quarter is then stored in the archive.
    Files are read in `workers` processes (None: one per core), and not read again while unchanged (the parse
    cache in out_dir/.cache), so a run that was interrupted resumes where it stopped. `engine` "dask" scores
    on the Dask cluster at `scheduler` (None: one started on this machine) instead, with the same results
    (pipeline.distributed). `config` holds every threshold and weight (None: the defaults); results.json records it.
    A quarter the archive holds is never replaced by one that drops archived documents or reviewers' decisions
    unless `replace` (ScoreRun.replaced says what was dropped).
    Raises ConfigError when the batch, the library, the backend or the engine is unusable."""
    import os

    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}")
    if scheduler is not None and engine != "dask":
        raise ConfigError("a scheduler address is for the Dask engine: give --engine dask with --scheduler")
    workers = workers or os.cpu_count() or 1
    config = config or ScoringConfig()
    started = time.perf_counter()
    batch = Batch.open(batch_dir)
    if archive is not None and not replace:  # before any work: a batch missing archived documents
        _refuse_to_drop(archive.dropped_by(_identity(batch), doc_ids={p.stem for p in batch.submissions}))
    with exclusive(out_dir):
        return _score_batch(batch, Path(out_dir), started=started, progress=progress, semantic=semantic,
                            library=library, workers=workers, archive=archive, engine=engine, scheduler=scheduler,
                            config=config, replace=replace)


def _identity(batch: Batch) -> dict:
    """What names a batch's quarter in the archive."""
    return {"quarter": batch.topics.quarter, "batch": batch.name, "unit": batch.topics.unit}


def _refuse_to_drop(replacement) -> None:
    if replacement:
        raise ConfigError(f"{replacement.describe()}，未做任何改动；确需替换，请加 --replace 重新运行")


def _score_batch(batch: Batch, out_dir: Path, *, started: float, progress: Progress | None, semantic: str | None,
                 library: Path | None, workers: int, archive: Archive | None, engine: str, scheduler: str | None,
                 config: ScoringConfig, replace: bool) -> ScoreRun:
    earlier = archive.earlier_texts(batch.topics.quarter or batch.name, unit=batch.topics.unit) if archive else []
    inputs = RunInputs(batch.root, library=library, encoder=backend_identity(semantic),
                       earlier=[t.content_hash for t in earlier], archive=archive.path if archive else None,
                       out_dir=out_dir, config=config.digest())
    if inputs.unchanged_since_last_run(out_dir):
        results = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
        if archive is not None and not archive.holds(results):
            if not replace:
                _refuse_to_drop(archive.dropped_by(results))
            archive.store_quarter(results)
        return ScoreRun(results, out_dir, time.perf_counter() - started, unchanged=True)
    RunInputs.forget(out_dir)
    keywords = [k for t in batch.topics for k in t.keywords]
    add_dictionary_words(keywords)
    cache = ParseCache(out_dir / ".cache" / "parsed", dictionary_words=keywords, limits=config.reading)
    sources, bad_sources = copy_sources(batch, library=library, progress=progress, cache=cache, workers=workers,
                                        limits=config.reading)
    if archive is not None:  # earlier quarters of this unit; a text already in prior/ keeps its prior/ name
        in_prior = {content_hash(s.text) for s in sources if s.source_id.startswith("prior:")}
        sources += [CopySource(t.source_id, t.text, t.author) for t in earlier if t.content_hash not in in_prior]
    if engine == "dask":
        from .distributed import score_on_dask

        submissions = []
        documents, failed = score_on_dask(batch, sources, out_dir=out_dir, semantic=semantic,
                                          scheduler=scheduler, config=config, progress=progress)
    else:
        submissions, failed = read_files(batch.root, batch.submissions, manifest=batch.manifest, progress=progress,
                                         cache=cache, workers=workers, limits=config.reading)
        documents = _score_here(batch, submissions, sources, semantic=semantic, config=config, out_dir=out_dir,
                                progress=progress, workers=workers)
    failed = list(batch.problems) + failed + bad_sources
    results = build_results(batch, documents, failed, extra={"config": config.to_dict()})
    replaced = archive.dropped_by(results) if archive is not None else None
    if not replace:
        _refuse_to_drop(replaced)
    mark_incomplete(out_dir)
    write_json_atomic(out_dir / "results.json", results)
    if archive is not None:
        archive.store_quarter(results)
    run = ScoreRun(results, out_dir, time.perf_counter() - started, submissions, replaced=replaced)
    try:
        from .report import write_reports

        write_reports(results, out_dir)
    except Exception as exc:  # results.json is written; a report bug must not hide it
        run.report_error = f"the reports could not be written ({exc.__class__.__name__}: {exc}); results.json is complete"
    else:
        inputs.remember(out_dir)
        mark_complete(out_dir)
    return run
