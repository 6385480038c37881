"""The stages of scoring one document, shared by both engines (local.py on this machine, dask.py on a Dask
cluster): read files into Submissions (in limited worker processes, through the parse cache), gather the texts to
check copying against, and have a document's copy report, boilerplate and topic coverage annotate its Doc, which
becomes its record.

Takes file paths and the stages' detectors; gives Submissions, FailedFiles and results.json document records."""

from __future__ import annotations

import zlib
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Generator, Iterable, Iterator, TypeVar

from ..annotations import QUOTES
from ..batch import Batch, FailedFile
from ..boilerplate import BoilerplateDetector, BoilerplateReport
from ..boilerplate.detector import FitChange
from ..copying import CheckedText, CopyReport, CopySource
from ..submission import (Submission, metadata_from_file_name, read_submission, submission_from_bytes,
                          SubmissionText, submission_text, submission_to_bytes)
from ..errors import ConfigError, XuexiError
from ..messages import N_
from ..util.forking import forked_map
from ..ingest import ReaderLimits
from ..ingest.limits import limit_memory, memory_message, time_limit
from ..model import DocumentRecord, Source, SourceKind
from ..util.parsecache import ParseCache
from ..util.recordcache import RecordCache
from .fitledger import FitLedger, digest
from ..results import document_record
from ..topiclist import TopicList
from ..segment import taught_words, teach_words
from ..semantic import backend_identity, get_encoder
from ..topics import TopicConfig, TopicMatcher

Progress = Callable[[str, int, int], None]  # (what, done, total)
Kept = TypeVar("Kept")  # what a reader keeps of each file's bytes (_read)
# The backend that reads which topic each passage is about: the shipped static model, thousands of sentences a
# second. Read with the default transformer instead, the topic levels of the labelled batches are no better (worse
# on two: bench/cascade.py), at a dozen model calls a document.
TOPIC_READER = "static"


def batch_parse_cache(batch: Batch, folder: Path, limits: ReaderLimits = ReaderLimits()) -> ParseCache:
    """The parse cache of a run of `batch` in `folder`, with jieba taught the batch's topic words first: they
    change how the files are cut, so they are part of its keys."""
    teach_words(k for t in batch.topics for k in t.keywords)
    return ParseCache(folder, dictionary_words=taught_words(), limits=limits)


def read_files(batch_root: Path, paths: list[Path], *, manifest: dict[str, dict] | None = None,
               progress: Progress | None = None, what: str = N_("读取材料"), cache: ParseCache | None = None,
               workers: int = 1, limits: ReaderLimits = ReaderLimits(),
               isolated: bool = True) -> tuple[list[Submission], list[FailedFile]]:
    """Ingest and segment files, from the parse cache where a file is unchanged, else in `workers` processes —
    `isolated`: always in worker processes whose memory is limited (ReaderLimits.memory_mb), where the platform
    allows. A file that cannot be read becomes a FailedFile with its reason; an unexpected error in one file, or
    a worker that dies reading it, is reported the same way, so one bad document never stops a batch. Results
    keep the order of `paths`."""
    return _read(batch_root, paths, keep=_whole_submission, manifest=manifest, progress=progress, what=what,
                 cache=cache, workers=workers, limits=limits, isolated=isolated)


def _whole_submission(data: bytes) -> Submission:
    submission_text(data)  # raises on bytes that would not rebuild a Submission: a cached entry is then a miss
    return submission_from_bytes(data)


def read_packed(batch_root: Path, paths: list[Path], *, manifest: dict[str, dict] | None = None,
                progress: Progress | None = None, cache: ParseCache | None = None, workers: int = 1,
                limits: ReaderLimits = ReaderLimits(),
                isolated: bool = True) -> tuple[list["PackedSubmission"], list[FailedFile]]:
    """read_files for a batch's submissions, each kept packed (PackedSubmission) until its own pass."""
    return _read(batch_root, paths, keep=PackedSubmission.of, manifest=manifest, progress=progress,
                 what=N_("读取材料"), cache=cache, workers=workers, limits=limits, isolated=isolated)


def _read(batch_root: Path, paths: list[Path], *, keep: Callable[[bytes], Kept], manifest: dict[str, dict] | None,
          progress: Progress | None, what: str, cache: ParseCache | None, workers: int, limits: ReaderLimits,
          isolated: bool) -> tuple[list[Kept], list[FailedFile]]:
    """What `keep` makes of the bytes of every readable file (see read_files), as each is read or taken from the
    cache (`keep` checks a cached entry: one it raises on is read again), and the files that failed."""
    manifest = manifest or {}
    rel = {p: p.relative_to(batch_root).as_posix() if p.is_relative_to(batch_root) else p.name for p in paths}
    found: dict[Path, Kept | FailedFile] = {}
    keys: dict[Path, str] = {}
    for path in paths:
        if cache is not None:
            keys[path] = cache.key(path, manifest.get(rel[path]))
            cached = cache.get(keys[path], read=keep)
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
        if cache is not None and not isinstance(outcome, FailedFile):
            cache.put(keys[job[0]], outcome)
        found[job[0]] = outcome if isinstance(outcome, FailedFile) else keep(outcome)
        done += 1
        if progress:
            progress(what, done, len(paths))
    read = [found[p] for p in paths if not isinstance(found[p], FailedFile)]
    failed = [found[p] for p in paths if isinstance(found[p], FailedFile)]
    return read, failed


@dataclass(frozen=True)
class PackedSubmission:
    """A submission as the parent keeps it between reading and its own pass: its bytes, compressed (a few KB,
    where the Doc takes some 300 KB: a quarter of 20,000 documents would not fit in memory as Docs), and what
    the batch-wide stages read (copy detection's CheckedText, whose text boilerplate fitting reads too)."""

    checked: CheckedText
    data: bytes

    @classmethod
    def of(cls, data: bytes) -> "PackedSubmission":
        read = submission_text(data)
        return cls(CheckedText(read.meta["doc_id"], read.text, read.meta["author"],
                               attributed_quotes(read.spans.get(QUOTES, []))),
                   zlib.compress(data, PACKING_LEVEL))

    @property
    def doc_id(self) -> str:
        return self.checked.doc_id

    def unpack(self) -> Submission:
        return submission_from_bytes(zlib.decompress(self.data))

    def read(self) -> SubmissionText:
        """The submission without its Doc: what the boilerplate judge reads."""
        return submission_text(zlib.decompress(self.data))


PACKING_LEVEL = 1  # zlib's fastest: a fifth of the JSON's size, at a tenth of a millisecond a document


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
            outcome = FailedFile(job[3], N_("{name}: 读取该文件时读取进程异常终止（可能超过内存限额或文件损坏），已跳过",
                                            name=job[0].name),
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
        return FailedFile(rel, N_("{name}: 读取时出现意外错误，无法读取（{cause}）", name=path.name,
                                  cause=exc.__class__.__name__), author)


def _author_of(path: Path, manifest_row: dict | None) -> str | None:
    """Whose file it is, as far as it is known without reading it: the manifest, then the file name."""
    return (manifest_row or {}).get("author") or metadata_from_file_name(path.stem).get("author")


def _read_one_as_bytes(job) -> bytes | FailedFile:
    """A file read into a Submission's bytes: what a worker sends back and what the parse cache stores."""
    outcome = _read_one(*job)
    return outcome if isinstance(outcome, FailedFile) else submission_to_bytes(outcome)


def copy_sources(batch: Batch, *, library: Path | None, progress: Progress | None, cache: ParseCache | None = None,
                 workers: int = 1, limits: ReaderLimits = ReaderLimits()) -> tuple[list[CopySource], list[FailedFile]]:
    """What a submission may have been copied from: the references studied (ref:), a reference library of
    earlier speeches and templates (lib:), and earlier quarters' submissions (prior:)."""
    sources, failed = [], []
    groups = [(SourceKind.REF, list(batch.references.values()), N_("读取参考材料"))]
    groups.append((SourceKind.PRIOR, batch.prior, N_("读取往季材料")))
    if library is not None:
        if not library.is_dir():
            raise ConfigError(N_("{path}: 没有这个参考材料库文件夹", path=library))
        groups.append((SourceKind.LIB, sorted(p for p in library.rglob("*") if p.is_file() and not p.name.startswith(".")),
                       N_("读取参考材料库")))
    for kind, paths, what in groups:
        root = library if kind is SourceKind.LIB else batch.root
        read, bad = read_files(root, paths, progress=progress, what=what, cache=cache, workers=workers,
                               limits=limits)
        sources += [CopySource(str(Source(kind, s.doc_id)), s.text, s.author) for s in read]
        failed += bad
    return sources, failed



def checked_text(submission: Submission) -> CheckedText:
    """What copy detection reads of a submission: its text, author and attributed quotations."""
    quotes = attributed_quotes([(q.start_char, q.end_char, q.label_) for q in submission.spans(QUOTES)])
    return CheckedText(submission.doc_id, submission.text, submission.author, quotes)


def attributed_quotes(quotes: list[tuple[int, int, str]]) -> tuple[tuple[int, int], ...]:
    """The (start, end) of the quotations segmentation found attributed, of its (start, end, label) spans."""
    return tuple((a, b) for a, b, label in quotes if label == "attributed")


def boilerplate_references(sources: list[CopySource]) -> list[str]:
    """The texts boilerplate fitting reads besides the submissions: the references studied this quarter."""
    return [s.text for s in sources if Source.parse(s.source_id).kind is SourceKind.REF]


def judge_boilerplate(submissions: list[PackedSubmission], boilerplate: BoilerplateDetector, topics: TopicList, *,
                      workers: int, judgements: RecordCache | None = None, ledger: FitLedger | None = None,
                      change: FitChange | None = None) -> Generator[BoilerplateReport, None, None]:
    """Every submission's boilerplate report, in order, judged in a forked process (pure Python that needs only
    the fitted detector, and no Doc; JUDGES) that starts now: it works while the caller finds copying and matches
    topics. With `workers` 1, judged here as the caller reads them.
    With `judgements`, a submission whose bytes and view of the fitted batch (BoilerplateDetector.fitted_view)
    are as before gets its stored report. With the `ledger` of the last complete run's fit and the `change` since
    (FitLedger.change), a submission whose bytes are as then has its view updated from its view of then, and
    every view goes into the ledger. Close the generator when the reports are no longer wanted."""

    def judge(packed: PackedSubmission) -> tuple[str | None, tuple | None, BoilerplateReport]:
        text = packed.read()
        if judgements is None:
            return None, None, boilerplate.detect(text, topics=topics)
        bytes_digest = digest(packed.data)
        earlier = ledger.earlier_view(packed.doc_id, bytes_digest) if change is not None else None
        view = boilerplate.fitted_view(text) if earlier is None else boilerplate.updated_view(text, earlier, change)
        key = judgements.key(packed.data, view)
        return key, (packed.doc_id, bytes_digest, view), judgements.made(
            key, packed.doc_id, lambda: {"doc_id": packed.doc_id, **boilerplate.detect(text, topics=topics).to_dict()},
            read=BoilerplateReport.from_dict)

    return _kept(forked_map(judge, submissions, workers=JUDGES, background=workers > 1), judgements, ledger)


# Processes that judge boilerplate beside the scoring process (which finds copying and matches topics meanwhile):
# one keeps ahead of the topic stage that reads its reports (some 25 ms a document against 80), and each more
# would count the scoring process's memory again, all of which it inherits. Measured at 5,000 documents: the run's
# process tree peaks at 1,287 MB with one against 1,803 MB with two, in 538 s against 582-610 s; a rerun with one
# submission changed takes 49-57 s with either.
JUDGES = 1


def _kept(judged: Generator[tuple[str | None, tuple | None, BoilerplateReport], None, None],
          judgements: RecordCache | None, ledger: FitLedger | None) -> Generator[BoilerplateReport, None, None]:
    """The reports of `judged`, each one's entry counted as used in `judgements` (a worker process read or wrote
    it) and its view noted in the `ledger`; closing this closes `judged`."""
    try:
        for key, seen, report in judged:
            if judgements is not None:
                judgements.keep(key)
            if ledger is not None and seen is not None:
                ledger.viewed(*seen)
            yield report
    finally:
        judged.close()


def document_result(submission: Submission, copies: CopyReport, generic: BoilerplateReport,
                    matcher: TopicMatcher) -> dict:
    """One document's record of results.json: the copy and boilerplate reports annotate its Doc, topic coverage
    reads them there and adds its evidence and diagnosis, and the record is read from the annotated Doc."""
    copies.annotate(submission.doc)
    generic.annotate(submission.doc)
    matcher.annotate(submission)
    return document_record(submission)


def scored_documents(submissions: list[PackedSubmission], copies: dict[str, CopyReport],
                     judged: Iterable[BoilerplateReport], matcher: TopicMatcher, *,
                     records: RecordCache | None = None) -> Iterator[tuple[dict, Submission | None]]:
    """Each submission's own pass, in order, with its boilerplate report from `judged` (judge_boilerplate): its
    record, and its Doc unpacked, annotated and serialized (document_result), then left to the caller, who may
    drop it, so that only one Doc at a time is in memory here. With `records`, a document whose pass would read
    what it read before gets its stored record instead, and no Doc (None)."""
    for packed, generic in zip(submissions, judged, strict=True):
        report = copies[packed.doc_id]
        key = records.key(packed.data, report, generic) if records is not None else None
        record = records.get(key, packed.doc_id, read=_whole_record) if records is not None else None
        if record is not None:
            yield record, None
            continue
        submission = packed.unpack()
        record = document_result(submission, report, generic, matcher)
        if records is not None:
            records.put(key, record)
        yield record, submission


def _whole_record(entry: dict) -> dict:
    """A stored record as it is, once the results model reads it (it raises on one of the wrong shape)."""
    DocumentRecord.from_dict(entry)
    return entry


def topic_reader(encoder, semantic: str | None, cache_dir: Path):
    """The encoder of TOPIC_READER: it reads which topic each passage is about and screens documents before the
    run's own `encoder` (of the backend named `semantic`) is asked about them. When the run's backend is the
    reader itself (--semantic static), that same encoder."""
    same = backend_identity(semantic) == backend_identity(TOPIC_READER)
    return encoder if same else get_encoder(TOPIC_READER, cache_dir=cache_dir)


def topic_matcher(topics: TopicList, encoder, reader, config: TopicConfig) -> TopicMatcher:
    """The topic matcher of a run: passages read by the `reader` (topic_reader); the run's own `encoder` asked
    only whether a topic nothing else found was written about (TopicMatcher's mention_encoder)."""
    return TopicMatcher(topics, encoder=reader, mention_encoder=encoder, config=config)


def models_identity(semantic: str | None) -> str:
    """The weights a run's results depend on: the run's backend and the topic reader."""
    return f"{backend_identity(semantic)} {backend_identity(TOPIC_READER)}"
