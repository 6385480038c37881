"""Scoring a batch on a Dask cluster (dask.distributed): the local engine's stages as tasks, with the same results.

    xuexi score BATCH --engine dask                            # a LocalCluster on this machine
    xuexi score BATCH --engine dask --scheduler tcp://HOST:8786  # a running cluster (docs/scale.md)

The client reads the batch folder's layout and the copy sources (references, earlier quarters, the library, the
archive's earlier texts; they are few next to the submissions and every document may meet any of them), hands
them to every worker once (`ClusterRun`, scattered with broadcast), and builds one graph:

1. read: the submissions in partitions of `partition_docs` files, on the workers: ingest, segmentation, the
   parse cache, copy phase 1 (content view and fingerprints, pipeline.copying) and the partition's boilerplate
   statistics (the map step of BoilerplateDetector's fitting). The sources are fingerprinted in partitions too,
   each worker preparing a source's view only when it needs it.
2. by hash: every partition splits its fingerprint and phrase rows into buckets by hash; a bag groupby (a task
   shuffle) brings each bucket's rows together and copy phase 2 reduces them (document frequencies, seeds,
   rare phrases). The rows go on to the partition of the checked submission they belong to.
3. join: a submission that seeds a copy in another partition sends its text there (a groupby by the source's
   partition), where it is prepared again; nothing else of a submission leaves its partition before the last step.
4. finish: per partition, a groupby brings its documents, their rows and the texts they meet together: copy
   phase 3 (alignment, quotations, precedence, paraphrase, ratios), boilerplate and topic coverage per document,
   each document's record of results.json.

The client gathers the records and writes results.json, the archive and the reports, as the local engine does.
Every reduction sorts what it receives and every tie is broken by text key, so the results are the local
engine's, byte for byte apart from the time stamp. The partitions' boilerplate statistics are merged once, in
one task (`fit_statistics`, the reduce step), and the fitted detector goes to every worker that finishes a
partition.

Each worker loads the semantic encoder once and keeps it for the runs it serves. Workers read the batch folder,
the parse cache and the embedding cache (under the output folder) at the client's paths: on several machines
those folders live on a shared file system.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import dask
import dask.bag as db
import numpy as np
from distributed import Client, LocalCluster, as_completed, futures_of, get_worker

from .. import __version__
from ..batch import Batch, FailedFile
from ..boilerplate import BatchStatistics, BoilerplateDetector
from ..config import ScoringConfig
from ..copying import CopyDetector, CopySource, Evidence, SourceTable, TextTable, check_unique_ids
from ..copying.fingerprints import PreparedText
from ..copying.postings import PHRASES, POSTINGS, HashCounts, Rows, bucket_of, fingerprint_rows, phrase_rows
from ..errors import ConfigError
from ..messages import N_
from ..model import Source, SourceKind
from ..util.parsecache import ParseCache
from ..segment import teach_words, taught_words
from ..semantic import SemanticConfig, get_encoder
from .stages import (PackedSubmission, boilerplate_references, document_result, models_identity, read_packed,
                     topic_matcher, topic_reader)
from ..topics import TopicMatcher

PARTITION_DOCS = 200  # submissions per partition: a few seconds of work each
MAX_PARTITIONS = 1000  # beyond this, bigger partitions: each shuffle's tasks grow faster than its partitions
SOURCE_PARTITION_TEXTS = 200  # copy sources fingerprinted per task
NEEDS = {"doc": np.int64, "src": np.int64}
WAIT_FOR_WORKERS = 60  # seconds a cluster may take to have a worker


class Carries(str, Enum):
    """What a Message between the shuffles holds."""

    ROWS = "rows"      # fingerprint and phrase rows of one hash bucket: (postings, phrases)
    COUNTS = "counts"  # copy phase 2's counts for one partition's documents
    NEEDS = "needs"    # which checked submissions' texts a partition's documents met as sources
    TEXTS = "texts"    # those texts: (key, CheckedText) pairs
    OWN = "own"        # a partition's own read submissions (_Partition)


class Message(NamedTuple):
    """One element of the bags that the shuffles group: `to` the hash bucket or partition it goes to."""

    to: int
    carries: Carries
    payload: Any


@dataclass
class _Partition:
    """One partition of read submissions: packed (a spaCy Doc travels with its whole vocabulary otherwise), what
    copy detection prepared of them, their boilerplate statistics, and the files that failed."""

    index: int
    submissions: list[PackedSubmission]
    prepared: list[PreparedText]
    statistics: BatchStatistics
    failed: list[FailedFile]


class ClusterRun:
    """What every worker needs for one run, scattered to each worker once; what is built from it (the encoder,
    the topic reader, the copy detector, the table of sources, the topic matcher) is built on each worker when
    first needed and never travels."""

    _built = ("encoder", "reader", "detector", "table", "matcher", "parse_cache", "boilerplate")

    def __init__(self, batch: Batch, sources: list[CopySource], *, words: list[str], semantic: str | None,
                 config: ScoringConfig, out_dir: Path, partition_docs: int):
        self.root, self.manifest, self.topics = batch.root, batch.manifest, batch.topics
        self.sources = sources
        self.first_checked = len(sources)
        self.words = words
        self.semantic = semantic
        self.config = config
        self.model = models_identity(semantic)  # resolved here: a worker must load these very weights
        self.version = __version__
        self.cache_dir = Path(out_dir) / ".cache"
        self.partition_docs = partition_docs

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self._built}

    def part_of(self, keys: np.ndarray) -> np.ndarray:
        """The partition of each checked submission key."""
        return (np.asarray(keys, dtype=np.int64) - self.first_checked) // self.partition_docs

    @cached_property
    def encoder(self):
        """The worker's encoder, after checking that the worker runs this xuexi and this model: anything else
        would score differently."""
        mine = (__version__, models_identity(self.semantic))
        if mine != (self.version, self.model):
            raise ConfigError(N_("有 Dask 工作进程运行 xuexi {worker_version}、语义模型 {worker_model}，而本机是 xuexi "
                                 "{version}、{model}：请在每个工作节点安装相同的 xuexi 和 models/",
                                 worker_version=mine[0], worker_model=mine[1], version=self.version, model=self.model))
        return _worker_encoder(self.semantic, self.cache_dir / "embeddings")

    @cached_property
    def reader(self):
        return topic_reader(self.encoder, self.semantic, self.cache_dir / "embeddings")

    @cached_property
    def detector(self) -> CopyDetector:
        return CopyDetector(self.config.copying, encoder=self.encoder, reader=self.reader)

    @cached_property
    def table(self) -> SourceTable:
        return SourceTable(self.detector, self.sources)

    @cached_property
    def matcher(self) -> TopicMatcher:
        return topic_matcher(self.topics, self.encoder, self.reader, self.config.topics)

    @cached_property
    def boilerplate(self) -> BoilerplateDetector:
        """An unfitted detector: what computes a partition's boilerplate statistics."""
        return BoilerplateDetector(self.config.boilerplate)

    @cached_property
    def parse_cache(self) -> ParseCache:
        return ParseCache(self.cache_dir / "parsed", dictionary_words=self.words, limits=self.config.reading)

    def teach_words(self) -> None:
        """jieba's dictionary as the client has it, whatever this worker served before: segmentation and
        boilerplate depend on it."""
        teach_words(self.words)


@lru_cache(maxsize=2)
def _worker_encoder(semantic: str | None, cache_dir: Path):
    """The worker's encoder, loaded once per worker process, with as many threads as the worker runs tasks."""
    return get_encoder(semantic, cache_dir=cache_dir, config=SemanticConfig(threads=get_worker().state.nthreads))


# -- the tasks ---------------------------------------------------------------------------------------------------

def _read(items: list[tuple[int, str]], run: ClusterRun) -> list[_Partition]:
    run.teach_words()
    # A Dask worker's memory is bounded by its nanny (memory_limit), which restarts a worker that passes it.
    submissions, failed = read_packed(run.root, [Path(p) for _, p in items], manifest=run.manifest,
                                      cache=run.parse_cache, limits=run.config.reading, isolated=False)
    key = {Path(p).stem: run.first_checked + i for i, p in items}
    prepared = [run.detector.prepare(key[s.doc_id], s.checked) for s in submissions]
    statistics = run.boilerplate.statistics((s.doc_id, s.checked.text) for s in submissions)
    index = items[0][0] // run.partition_docs
    return [_Partition(index, submissions, prepared, statistics, failed)]


def _by_hash(texts: list[PreparedText], buckets: int) -> list[Message]:
    """The fingerprint and phrase rows of every bucket of hashes these texts hold."""
    postings, phrases = fingerprint_rows(texts), phrase_rows(texts)
    pieces = zip(postings.split(bucket_of(postings["hash"], buckets), buckets),
                 phrases.split(bucket_of(phrases["hash"], buckets), buckets))
    return [Message(b, Carries.ROWS, (p, q)) for b, (p, q) in enumerate(pieces) if len(p) or len(q)]


def _source_rows(keys: list[int], run: ClusterRun, buckets: int) -> list[Message]:
    return _by_hash([run.table[j] for j in keys], buckets)


def _reduce(group: tuple[int, list[Message]], run: ClusterRun, parts: int) -> list[Message]:
    """Copy phase 2 on one bucket; its rows go to their documents' partitions, and each seed naming a checked
    submission as its source asks that submission's partition for its text."""
    _, elements = group
    counts = run.detector.count(Rows.concat((m.payload[0] for m in elements), POSTINGS),
                                Rows.concat((m.payload[1] for m in elements), PHRASES), first_checked=run.first_checked)
    out = [Message(p, Carries.COUNTS, piece) for p, piece in enumerate(counts.split(run.part_of, parts))
           if len(piece.frequencies) or len(piece.seeds) or len(piece.rare)]
    seeds = counts.seeds
    submitted = seeds["src"] >= run.first_checked
    if submitted.any():
        pairs = np.unique(np.stack([seeds["doc"][submitted], seeds["src"][submitted]], axis=1), axis=0)
        needs = Rows(doc=pairs[:, 0], src=pairs[:, 1])
        out += [Message(q, Carries.NEEDS, piece) for q, piece in enumerate(needs.split(run.part_of(needs["src"]), parts))
                if len(piece)]
    return out


def _join(group: tuple[int, list[Message]], run: ClusterRun) -> list[Message]:
    """The texts of one partition that other partitions' documents meet, sent to those partitions: (key, text)
    pairs, which are prepared again there; a prepared text is ten times the size of its text."""
    _, elements = group
    texts = {key: text for m in elements if m.carries == Carries.TEXTS for key, text in m.payload}
    needs = Rows.concat((m.payload for m in elements if m.carries == Carries.NEEDS), NEEDS)
    wanted = Rows(part=run.part_of(needs["doc"]), src=needs["src"])
    return [Message(p, Carries.TEXTS, [(k, texts[k]) for k in np.unique(rows["src"]).tolist()])
            for p, rows in wanted.groups("part")]


def _finish(group: tuple[int, list[Message]], run: ClusterRun, boilerplate) -> list[dict]:
    """Copy phase 3, boilerplate and topic coverage for one partition's documents: their results records."""
    _, elements = group
    [part] = [m.payload for m in elements if m.carries == Carries.OWN]
    counts = HashCounts.concat([m.payload for m in elements if m.carries == Carries.COUNTS])
    met = [run.detector.prepare(key, text) for m in elements if m.carries == Carries.TEXTS for key, text in m.payload]
    table = TextTable(run.table, part.prepared + met)
    keys = np.asarray([t.key for t in part.prepared], dtype=np.int64)
    rows = counts.split(lambda k: np.searchsorted(keys, k), len(keys))
    run.teach_words()
    records = []
    for packed, prepared, mine in zip(part.submissions, part.prepared, rows):
        report = run.detector.report(prepared, packed.checked, Evidence.of(prepared, mine), table)
        submission = packed.unpack()
        records.append(document_result(submission, report, boilerplate.detect(submission, topics=run.topics),
                                       run.matcher))
    return records


def _fit(parts: list[BatchStatistics], references: list[str], run: ClusterRun) -> BoilerplateDetector:
    """Boilerplate fitting's reduce step: the partitions' statistics, in partition order, then the references'."""
    run.teach_words()
    sources = run.boilerplate.statistics((f"source:{i}", text) for i, text in enumerate(references))
    return BoilerplateDetector(run.config.boilerplate).fit_statistics([*parts, sources])


# -- the client --------------------------------------------------------------------------------------------------

def partition_size(docs: int, threads: int) -> int:
    """Submissions per partition: PARTITION_DOCS; fewer, so that a small batch still gives every thread of the
    cluster two partitions; more, so that a very large one has at most MAX_PARTITIONS."""
    most = max(PARTITION_DOCS, math.ceil(docs / MAX_PARTITIONS))
    return max(1, min(most, math.ceil(docs / (2 * max(threads, 1)))))


def score_on_dask(batch: Batch, sources: list[CopySource], *, out_dir: Path, semantic: str | None,
                  scheduler: str | None, config: ScoringConfig, progress=None) -> tuple[list[dict], list[FailedFile]]:
    """The documents' records and the failed files of a batch, scored on the cluster at `scheduler` (None: a
    LocalCluster on this machine)."""
    check_unique_ids([s.source_id for s in sources] + [str(Source(SourceKind.DOC, p.stem)) for p in batch.submissions])
    if not batch.submissions:
        return [], []
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(processes=True, dashboard_address=None)
    try:
        client = Client(cluster or scheduler)
    except (OSError, ValueError) as exc:
        raise ConfigError(N_("无法连接 {scheduler} 上的 Dask 调度器（{cause}）；请用 `dask scheduler` 启动它"
                             "（见 docs/scale.md），或不给 --scheduler，在本机启动集群", scheduler=scheduler,
                             cause=exc)) from exc
    try:
        try:
            client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS)
        except TimeoutError as exc:
            raise ConfigError(N_("{seconds} 秒内没有 Dask 工作进程加入 {scheduler} 上的调度器；请用 `dask worker` "
                                 "启动工作进程（见 docs/scale.md）", seconds=WAIT_FOR_WORKERS,
                                 scheduler=client.scheduler.address)) from exc
        partition_docs = partition_size(len(batch.submissions), sum(client.nthreads().values()))
        run = client.scatter(ClusterRun(batch, sources, words=taught_words(), semantic=semantic, config=config,
                                        out_dir=out_dir, partition_docs=partition_docs), broadcast=True)
        items = [(i, str(p)) for i, p in enumerate(batch.submissions)]
        parts = max(1, math.ceil(len(items) / partition_docs))
        read = db.from_sequence(items, partition_size=partition_docs).map_partitions(_read, run).persist()
        for _ in _as_done(progress, N_("读取材料"), futures_of(read)):
            pass
        failed = read.map(lambda part: part.failed).flatten().compute()
        futures = client.compute(_records(read, run, sources, parts).to_delayed())
        documents = []
        for future in _as_done(progress, N_("查找复制段落并评定专题"), futures):
            documents += future.result()
            future.release()  # the records are here now: the worker may forget them
        return documents, failed
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _records(read, run, sources: list[CopySource], parts: int):
    """The bag of the documents' records from the read partitions: copy phase 2 over as many hash buckets as
    there are partitions, the join, the boilerplate fit and the finish (see the module docstring)."""
    rows = read.map(lambda part: part.prepared).map_partitions(_flat_rows, parts)
    if sources:
        keys = db.from_sequence(range(len(sources)), partition_size=SOURCE_PARTITION_TEXTS)
        rows = db.concat([rows, keys.map_partitions(_source_rows, run, parts)])
    reduced = rows.groupby(_recipient, shuffle="tasks").map(_reduce, run, parts).flatten()
    texts = read.map(lambda part: Message(part.index, Carries.TEXTS,
                                          [(t.key, s.checked) for t, s in zip(part.prepared, part.submissions)]))
    joined = db.concat([reduced.filter(lambda m: m.carries == Carries.NEEDS), texts]) \
        .groupby(_recipient, shuffle="tasks").map(_join, run).flatten()
    own = read.map(lambda part: Message(part.index, Carries.OWN, part))
    boilerplate = dask.delayed(_fit)(read.map(lambda part: part.statistics), boilerplate_references(sources), run)
    return db.concat([own, reduced.filter(lambda m: m.carries == Carries.COUNTS), joined]) \
        .groupby(_recipient, shuffle="tasks").map(_finish, run, boilerplate).flatten()


def _recipient(message: Message) -> int:
    return message.to


def _flat_rows(prepared_lists: list[list[PreparedText]], buckets: int) -> list[Message]:
    return _by_hash([t for texts in prepared_lists for t in texts], buckets)


def _as_done(progress, what: str, futures: list):
    """Each of `futures` as it completes, reporting progress."""
    if progress:
        progress(what, 0, len(futures))
    for done, future in enumerate(as_completed(futures), 1):
        yield future
        if progress:
            progress(what, done, len(futures))
