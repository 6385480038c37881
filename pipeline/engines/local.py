"""The local engine: score a batch on this machine. Read every file (a bad one is reported, never fatal), find
copying across the batch and its sources, flag boilerplate, score topic coverage per document (pipeline.engines.stages),
write results.json and the reports, keep the quarter in the archive.

Takes a batch folder and a ScoringConfig; gives results.json, the reports and a ScoreRun for the summary."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..archive import Archive, Replacement, content_hash
from ..batch import Batch
from ..boilerplate import BoilerplateDetector
from ..boilerplate.statistics import BatchStatistics
from ..config import ScoringConfig
from ..copying import CopyDetector, CopySource
from ..errors import ConfigError
from ..messages import N_
from ..submission import Submission
from ..util.forking import forked_map, give_back_free_memory
from ..model import Source, SourceKind
from ..report import PagesWritten, write_reports
from ..results import build_results, write_results
from ..util.recordcache import RecordCache
from ..util.runstate import RunInputs, code_digest, exclusive, mark_complete, mark_incomplete
from ..segment import taught_words
from ..semantic import get_encoder
from .fitledger import FitLedger
from .stages import (PackedSubmission, Progress, batch_parse_cache, boilerplate_references, copy_sources,
                     models_identity, judge_boilerplate, read_packed, scored_documents, topic_matcher, topic_reader)


@dataclass
class ScoreRun:
    """What one `xuexi score` produced: the results written and the figures for the closing summary."""

    out_dir: Path
    seconds: float
    report_error: str | None = None
    unchanged: bool = False  # nothing changed since the last run into out_dir: its outputs stand
    replaced: Replacement | None = None  # what replacing the archived quarter dropped (with --replace)
    pages: PagesWritten | None = None  # the document pages written and those kept, once the reports are written
    reused: int = 0  # documents whose record was the last run's (nothing they depend on changed)
    loaded: dict | None = field(default=None, repr=False)  # results.json, once read

    @property
    def results(self) -> dict:
        """results.json as written, read when first asked: while it scores, a run holds its results once, as the
        model the archive and the reports read."""
        if self.loaded is None:
            self.loaded = json.loads((self.out_dir / "results.json").read_text(encoding="utf-8"))
        return self.loaded

    @property
    def failed(self) -> list[dict]:
        return self.results["failed"]


ENGINES = ("local", "dask")


def annotated_documents(batch: Batch, submissions: list[PackedSubmission], sources: list[CopySource], *,
                        semantic: str | None, config: ScoringConfig, out_dir: Path, progress: Progress | None = None,
                        workers: int = 1, records: RecordCache | None = None, statistics: RecordCache | None = None,
                        judgements: RecordCache | None = None, copy_reports: RecordCache | None = None,
                        ledger: FitLedger | None = None) -> Iterator[tuple[dict, Submission | None]]:
    """The local engine: boilerplate fitted first, so that its judging starts in worker processes forked while
    this one is still small; copy detection's phases here meanwhile; then every document's own pass, one Doc at a
    time: each record with its annotated Submission, in order (scored_documents; with `records`, the stored record
    of a document whose pass would read what it read before, and no Submission; with `statistics`, each document's
    stored boilerplate statistics, see fitted_boilerplate; with `judgements`, its stored boilerplate report, see
    judge_boilerplate; with `copy_reports`, its stored copy report, see CopyDetector.detect; with `ledger`, the
    last complete run's fit, from which each document's view of this one is updated, see FitLedger)."""
    references = boilerplate_references(sources)
    boilerplate = fitted_boilerplate(BoilerplateDetector(config.boilerplate), submissions, references, statistics,
                                     workers=workers, ledger=ledger)
    change = ledger.change(boilerplate, references, statistics) if ledger is not None else None
    judged = judge_boilerplate(submissions, boilerplate, batch.topics, workers=workers, judgements=judgements,
                               ledger=ledger, change=change)
    try:
        # The encoder starts its threads only now, after the worker processes were forked.
        encoder = get_encoder(semantic, cache_dir=out_dir / ".cache" / "embeddings")
        reader = topic_reader(encoder, semantic, out_dir / ".cache" / "embeddings")
        copies = CopyDetector(config.copying, encoder=encoder, reader=reader).detect(
            [s.checked for s in submissions], sources,
            progress=(lambda done, total: progress(N_("查找复制段落"), done, total)) if progress else None,
            reports=copy_reports)
        give_back_free_memory()  # copy detection's transients: the topic stage's objects do not reuse that heap
        matcher = topic_matcher(batch.topics, encoder, reader, config.topics)
        for done, scored in enumerate(scored_documents(submissions, copies, judged, matcher, records=records), 1):
            yield scored
            if progress:
                progress(N_("评定专题"), done, len(submissions))
    finally:
        judged.close()


def fitted_boilerplate(detector: BoilerplateDetector, submissions: list[PackedSubmission], references: list[str],
                       statistics: RecordCache | None, *, workers: int = 1,
                       ledger: FitLedger | None = None) -> BoilerplateDetector:
    """The detector fitted on the batch: each submission's statistics (BoilerplateDetector.statistics, the map
    step, in `workers` forked processes), from `statistics` where its text was seen before, merged in order with
    the references' (the same detector as one pass over all of them, as the Dask engine's partitions show). Each
    document's statistics are merged as they come and then dropped, not held all at once until the merge (some
    10 KB a document, at the scoring process's peak); the `ledger` notes each one's key and, where it changed, its
    sentences."""
    keys = [statistics.key(s.checked.text.encode("utf-8"), s.doc_id) if statistics is not None else None
            for s in submissions]
    held = [statistics is not None and statistics.holds(key) for key in keys]
    missing = [i for i, h in enumerate(held) if not h]
    counted = forked_map(lambda i: detector.statistics([(submissions[i].doc_id, submissions[i].checked.text)]),
                         missing, workers=workers)

    def parts() -> Iterator[BatchStatistics]:
        fresh = iter(counted)
        for i, (s, key) in enumerate(zip(submissions, keys)):
            part = (statistics.get(key, s.doc_id, read=lambda entry: BatchStatistics.from_dict(entry["statistics"]))
                    if held[i] else None)
            if part is None:
                # counted in a worker; or here, where the stored entry turned out to be damaged
                part = detector.statistics([(s.doc_id, s.checked.text)]) if held[i] else next(fresh)
                if statistics is not None:
                    statistics.put(key, {"doc_id": s.doc_id, "statistics": part.to_dict()})
            if ledger is not None:
                ledger.counted(s.doc_id, key, part.sentences)
            yield part
        yield detector.statistics((f"source:{i}", text) for i, text in enumerate(references))

    return detector.fit_statistics(parts())


def document_cache(batch: Batch, semantic: str | None, config: ScoringConfig, out_dir: Path,
                   name: str) -> RecordCache:
    """A cache of what out_dir's last runs made of each document (`name`: records, statistics, judgements,
    copy_reports), in this run's context: xuexi's code, the models, the configuration, the topic list and the words
    jieba was taught (they change how every sentence is cut)."""
    context = json.dumps([code_digest(), models_identity(semantic), config.digest(),
                          (batch.root / "topics.yaml").read_text(encoding="utf-8"), sorted(set(taught_words()))],
                         ensure_ascii=False)
    return RecordCache(out_dir / ".cache" / name, context=context)


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
    (pipeline.engines.dask). `config` holds every threshold and weight (None: the defaults); results.json records it.
    A quarter the archive holds is never replaced by one that drops archived documents or reviewers' decisions
    unless `replace` (ScoreRun.replaced says what was dropped).
    Raises ConfigError when the batch, the library, the backend or the engine is unusable."""
    if engine not in ENGINES:
        raise ConfigError(N_("未知的引擎“{engine}”；可用的引擎：{valid}", engine=engine, valid=", ".join(ENGINES)))
    if scheduler is not None and engine != "dask":
        raise ConfigError(N_("调度器地址只用于 Dask 引擎：请同时给出 --engine dask 和 --scheduler"))
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
        raise ConfigError(N_("{dropped}，未做任何改动；确需替换，请加 --replace 重新运行", dropped=replacement.describe()))


def _score_batch(batch: Batch, out_dir: Path, *, started: float, progress: Progress | None, semantic: str | None,
                 library: Path | None, workers: int, archive: Archive | None, engine: str, scheduler: str | None,
                 config: ScoringConfig, replace: bool) -> ScoreRun:
    earlier = archive.earlier_texts(batch.topics.quarter or batch.name, unit=batch.topics.unit) if archive else []
    inputs = RunInputs(batch.root, library=library, encoder=models_identity(semantic),
                       earlier=[t.content_hash for t in earlier], archive=archive.path if archive else None,
                       out_dir=out_dir, config=config.digest())
    if inputs.unchanged_since_last_run(out_dir):
        results = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
        if archive is not None and not archive.holds(results):
            if not replace:
                _refuse_to_drop(archive.dropped_by(results))
            archive.store_quarter(results)
        return ScoreRun(out_dir, time.perf_counter() - started, unchanged=True, loaded=results)
    RunInputs.forget(out_dir)
    cache = batch_parse_cache(batch, out_dir / ".cache" / "parsed", config.reading)
    sources, bad_sources = copy_sources(batch, library=library, progress=progress, cache=cache, workers=workers,
                                        limits=config.reading)
    if archive is not None:  # earlier quarters of this unit; a text already in prior/ keeps its prior/ name
        in_prior = {content_hash(s.text) for s in sources if Source.parse(s.source_id).kind is SourceKind.PRIOR}
        sources += [CopySource(t.source_id, t.text, t.author) for t in earlier if t.content_hash not in in_prior]
    # The local engine's caches of what it made of each document.
    records = statistics = judgements = copy_reports = ledger = None
    if engine == "dask":
        from .dask import score_on_dask  # Dask is loaded only for the Dask engine

        documents, failed = score_on_dask(batch, sources, out_dir=out_dir, semantic=semantic,
                                          scheduler=scheduler, config=config, progress=progress)
    else:
        submissions, failed = read_packed(batch.root, batch.submissions, manifest=batch.manifest, progress=progress,
                                          cache=cache, workers=workers, limits=config.reading)
        records, statistics, judgements, copy_reports = (
            document_cache(batch, semantic, config, out_dir, name)
            for name in ("records", "statistics", "judgements", "copy_reports"))
        ledger = FitLedger(judgements)
        # Each record goes into the results model as it comes, and the packed submissions go with the stream.
        documents = (record for record, _ in annotated_documents(
            batch, submissions, sources, semantic=semantic, config=config, out_dir=out_dir, progress=progress,
            workers=workers, records=records, statistics=statistics, judgements=judgements,
            copy_reports=copy_reports, ledger=ledger))
        del submissions
    failed = list(batch.problems) + failed + bad_sources
    results = build_results(batch, documents, failed, config=config.to_dict())
    del documents  # the records live on in `results` alone while the archive and the reports are written
    replaced = archive.dropped_by(results) if archive is not None else None
    if not replace:
        _refuse_to_drop(replaced)
    mark_incomplete(out_dir)
    write_results(out_dir / "results.json", results)
    if archive is not None:
        archive.store_quarter(results)
    run = ScoreRun(out_dir, time.perf_counter() - started, replaced=replaced,
                   reused=records.hits if records is not None else 0)
    try:
        run.pages = write_reports(results, out_dir).pages
    except Exception as exc:  # results.json is written; a report bug must not hide it
        run.report_error = N_("报告未能写出（{cause}: {detail}）；results.json 已完整写出",
                                  cause=exc.__class__.__name__, detail=exc)
    else:
        inputs.remember(out_dir)
        mark_complete(out_dir)
        for cache in (records, statistics, judgements, copy_reports):
            if cache is not None:
                cache.keep_used()
        if ledger is not None:
            ledger.keep()
    return run
