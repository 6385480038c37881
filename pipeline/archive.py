"""The archive (学习档案): every quarter's scoring, the members and their documents, the flags raised, and the
reviewers' decisions, in one SQLite file (outputs/archive.sqlite by default).

    archive = Archive.open(path)                      # creates the file, or brings an older one up to date
    archive.store_quarter(results)                    # Results or its results.json dict; replaces an earlier scoring
    archive.results("2026Q3")                         # that dict again, with the decisions merged in as `review`
    archive.earlier_texts("2026Q3", unit=unit)        # earlier quarters' submissions, for recycled-text checks
    archive.decide_flag(key, reviewer="li", verdict="dismiss", note="有出处")
    archive.decide_document("2026Q3", doc_id, reviewer="li", verdict="需补学", note="")

How it keeps data safe when several processes use it (scoring workers, two reviewers at once):

- WAL journal (https://sqlite.org/wal.html): readers see a consistent snapshot and never block the writer;
- every write is one `BEGIN IMMEDIATE` transaction (https://sqlite.org/lang_transaction.html): it takes the write
  lock first, so two writers queue (up to `ArchiveConfig.busy_timeout` seconds) instead of failing half-way;
- decisions are an append-only audit trail (triggers refuse UPDATE and DELETE): a decision is never changed or
  lost, and the current verdict of a flag or a document is simply its latest decision. Two reviewers deciding on
  the same document at once both get their row; the later one is current, the earlier stays in the trail;
- a flag is known by its `flag_key`, a blake2b digest of (unit, quarter, doc_id, kind, matching view of its text,
  occurrence), so scoring a quarter again re-attaches every decision to the same passage wherever it now
  stands; a decision whose passage is no longer flagged stays in the trail (`flag_raised: false`).

A quarter is one unit's (topics.yaml `unit:`) quarter (`quarter:`, or the batch name when it gives none), so two
organizations scored into one archive never overwrite or feed each other. A name that reads as a calendar quarter
(2026Q3, 2026-Q3, 2026年第三季度) is stored as YYYYQn, so two spellings are one quarter; any other name counts as
the calendar quarter in which it was first archived. Quarters are ordered by that period, then by when they were
first archived. Methods that take a quarter take `unit=` too, needed only when two units have that quarter.

The schema is in archive.sql beside this module, versioned (table schema_version): its section `-- migration N`
brings version N - 1 to N, so a new file runs them all and an older file runs the ones it lacks, inside one
transaction. sqlite-utils writes a quarter's rows in bulk and reads a member's history, inside the transactions
this module opens.

Each text is stored once (SharedTexts): a document's text in documents.text, its results.json entry beside it
with its passages as offsets into that text, a text several flags repeat (a copied passage's source, a reason) in
shared_texts. Migration 5 rewrote the quarters stored before in that form.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import sqlite3
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Collection, Iterable, Iterator

from sqlite_utils import Database

from .errors import ConfigError, XuexiError
from .messages import N_
from .lexicon import QUARTER_NAME
from .model import (DOCUMENT_VERDICTS, FLAG_VERDICTS, PASSAGE_FLAGS, CopiedPassage, Decision, Diagnosis,
                    DocumentRecord, FlagKind, Level, LevelDecision, LevelReview, Passage, QuotedPassage, Results,
                    Review, ScoredLevel, Source, TopicCoverage, Verdict)
from .util.sqlite import use_wal
from .util.textnorm import fold

SCHEMA_SQL = Path(__file__).with_name("archive.sql")  # the schema, as its migrations


def _migrations(sql: str) -> tuple[tuple[str, ...], ...]:
    """The statements of each "-- migration N" section of archive.sql, in order."""
    parts = re.split(r"^-- migration (\d+):.*$", sql, flags=re.M)
    numbers, sections = [int(n) for n in parts[1::2]], parts[2::2]
    if numbers != list(range(1, len(numbers) + 1)):
        raise AssertionError(f"{SCHEMA_SQL}: migrations numbered {numbers}, not 1, 2, 3 …")
    migrations = []
    for section in sections:
        statements, pending = [], ""
        for line in section.splitlines(keepends=True):
            pending += line
            if sqlite3.complete_statement(pending):
                statements.append(pending.strip())
                pending = ""
        migrations.append(tuple(statements))
    return tuple(migrations)


MIGRATIONS = _migrations(SCHEMA_SQL.read_text(encoding="utf-8"))  # MIGRATIONS[i] brings schema i to i + 1
SCHEMA_VERSION = len(MIGRATIONS)
LEAN_SCHEMA = 5  # from this schema on each text is stored once: older quarters are rewritten (Archive._store_lean)

_ORDER = "q.period, q.first_stored_at, q.id"  # quarters, earliest first (alias q)
_DECISIONS = """SELECT c.id, q.quarter, nullif(q.unit, '') AS unit, c.doc_id, c.flag_key, c.flag_kind, c.flag_text,
                       c.reviewer, c.verdict, c.note, c.decided_at,
                       CASE WHEN c.flag_key IS NULL THEN NULL
                            ELSE EXISTS (SELECT 1 FROM flags f WHERE f.flag_key = c.flag_key) END AS flag_raised
                FROM decisions c JOIN quarters q ON q.id = c.quarter_id"""

_FLAG_TEXT = "coalesce(f.text, substr(d.text, f.start_char + 1, f.end_char - f.start_char))"  # flags f, documents d

_MEMBER_DOCUMENTS = """SELECT d.id FROM documents d JOIN members m ON m.id = d.member_id
                       WHERE m.name = ? AND (? IS NULL OR m.unit = ?)"""  # parameters: name, unit, unit or ""

_CHINESE_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}


def quarter_period(label: str) -> str | None:
    """"2026Q3" for a label that names a calendar quarter (2026Q3, 2026-q3, 2026年第三季度, 2026年3季度), else None."""
    match = QUARTER_NAME.match(label)
    if not match:
        return None
    return f"{match[1]}Q{_CHINESE_DIGITS.get(match[2], match[2])}"


def quarter_id(label: str) -> str:
    """The archive's name of a quarter: its calendar period when the label names one, else the label itself."""
    return quarter_period(label) or label.strip()


def flag_key(unit: str, quarter: str, doc_id: str, kind: str, text: str, occurrence: int) -> str:
    """A flag's stable identity: blake2b-96 over the length-prefixed parts, the text in its matching view (fold:
    NFKC, no white space), so re-scoring finds the same key for the same passage; `occurrence` tells apart the
    same text flagged twice in one document."""
    h = hashlib.blake2b(digest_size=12)
    for part in (unit, quarter_id(quarter), doc_id, kind, fold(text), str(occurrence)):
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


@dataclass(frozen=True)
class ArchivedFlag:
    """One flag of a document: `entry` is its passage or diagnosis (in `document_flags`, its dict inside the
    results.json document, shared, not copied)."""

    key: str
    kind: FlagKind
    position: int | None
    text: str
    entry: Passage | Diagnosis | dict

    def row(self, document_row: int, text: str | None) -> dict:
        """The flag's flags row, in the documents row `document_row` whose text is `text`: a passage that stands
        at its offsets there is stored as those offsets alone."""
        passage = None if self.kind == FlagKind.DIAGNOSIS else self.entry
        start, end = (passage.start, passage.end) if passage else (None, None)
        source = passage.source if isinstance(passage, (CopiedPassage, QuotedPassage)) else None
        return {"flag_key": self.key, "document_id": document_row, "kind": self.kind.value, "position": self.position,
                "start_char": start, "end_char": end,
                "text": None if _stands_at(self.text, start, end, text) else self.text,
                "source": str(source) if source else None}


def archived_flags(document: DocumentRecord, *, quarter: str, unit: str) -> list[ArchivedFlag]:
    """The flags of one document of `unit`'s `quarter`, in a fixed order: its copied, quoted and generic passages,
    then its diagnoses by name (those that were made; a diagnosis of None is not a flag)."""
    flags, seen = [], Counter()
    for kind in PASSAGE_FLAGS:
        for position, entry in enumerate(document.passages(kind)):
            occurrence = seen[kind, fold(entry.text)]
            seen[kind, fold(entry.text)] += 1
            key = flag_key(unit, quarter, document.doc_id, kind, entry.text, occurrence)
            flags.append(ArchivedFlag(key, kind, position, entry.text, entry))
    for name, entry in sorted((document.diagnoses or {}).items()):
        if entry:
            key = flag_key(unit, quarter, document.doc_id, FlagKind.DIAGNOSIS, name.value, 0)
            flags.append(ArchivedFlag(key, FlagKind.DIAGNOSIS, None, name.value, entry))
    return flags


def document_flags(document: dict, *, quarter: str, unit: str) -> list[ArchivedFlag]:
    """The flags of a results.json document dict (archived_flags), each `entry` its dict inside `document`: where
    the reviews are written into the results dict the archive gives back."""
    return [replace(flag, entry=_entry(document, flag.kind, flag.position, flag.text))
            for flag in archived_flags(DocumentRecord.from_dict(document), quarter=quarter, unit=unit)]


def _entry(document: dict, kind: str, position: int | None, text: str) -> dict:
    """The results.json entry of a document's flag: its passage of that kind, or its diagnosis by name."""
    return document["diagnoses"][text] if kind == FlagKind.DIAGNOSIS else document[kind][position]


def _stands_at(passage, start, end, text: str | None) -> bool:
    """Whether `passage` is the document's `text` from `start` to `end`, so storing the offsets keeps it."""
    return (isinstance(passage, str) and type(start) is int and type(end) is int and text is not None
            and text[start:end] == passage)


def _passage_of(entry: dict, text: str | None) -> bool:
    """Whether a results.json entry's `text` is its document's `text` from its `start` to its `end`. SharedTexts
    encodes the JSON form of any entry, at any depth (evidence, paraphrase candidates): storage, not reading."""
    return _stands_at(entry.get("text"), entry.get("start"), entry.get("end"), text)


def _rewritten(value, entry: Callable[[dict], dict]):
    """`value` (a record's part) with every dict in it, at any depth, rewritten by `entry`, outermost first."""
    if isinstance(value, list):
        return [_rewritten(v, entry) for v in value]
    if isinstance(value, dict):
        return {key: _rewritten(v, entry) for key, v in entry(value).items()}
    return value


def _numbered_reasons(value) -> bool:
    """Whether a stored entry's `reasons` are numbers of shared_texts rows (results.json gives them as texts)."""
    return isinstance(value, list) and bool(value) and all(type(r) is int for r in value)


class SharedTexts:
    """How a quarter's documents are stored with each text once (archive.sql, migration 5). A record's own text is
    null (documents.text holds it); an entry's text that is the document's text from its start to its end is
    `true`, one found in it without offsets (a heading, a quotation) is [start, end]; a copied passage's source text is `true` when it is the passage itself, else, like each reason given
    for a flag, the number of a row of shared_texts, where each distinct text of the quarter is stored once. It
    encodes a record's JSON form, every dict at any depth alike, rather than reading results: the stored record
    stays exactly the dict given, keys the model does not know included."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}  # text -> its shared_texts id

    def lean(self, document: dict) -> dict:
        """The document's record as stored."""
        text = document.get("text")

        def entry(value: dict) -> dict:
            out, own = dict(value), value.get("text")
            if _passage_of(value, text):
                out["text"] = True
            elif isinstance(own, str) and own and text and own in text:  # a heading, a quotation: no offsets given
                out["text"] = [text.index(own), text.index(own) + len(own)]
            if isinstance(value.get("source_text"), str):
                out["source_text"] = True if value["source_text"] == value.get("text") else self._number(value["source_text"])
            if isinstance(value.get("reasons"), list) and value["reasons"] and all(isinstance(r, str) for r in value["reasons"]):
                out["reasons"] = [self._number(r) for r in value["reasons"]]
            return out

        return {key: None if key == "text" else _rewritten(value, entry) for key, value in document.items()}

    def _number(self, text: str) -> int:
        return self.numbers.setdefault(text, len(self.numbers) + 1)


def _full_record(record: dict, text: str | None, shared: dict[int, str]) -> dict:
    """A stored record (SharedTexts.lean) as results.json has it; `shared` holds the shared_texts it names."""
    def entry(value: dict) -> dict:
        out = dict(value)
        if value.get("text") is True:
            out["text"] = text[value["start"]:value["end"]]
        elif isinstance(value.get("text"), list):
            out["text"] = text[value["text"][0]:value["text"][1]]
        if value.get("source_text") is True:
            out["source_text"] = out["text"]
        elif type(value.get("source_text")) is int:
            out["source_text"] = shared[value["source_text"]]
        if _numbered_reasons(value.get("reasons")):
            out["reasons"] = [shared[r] for r in value["reasons"]]
        return out

    return {key: text if key == "text" else _rewritten(value, entry) for key, value in record.items()}


def _shared_numbers(record: dict) -> set[int]:
    """The shared_texts a stored record names."""
    numbers: set[int] = set()

    def entry(value: dict) -> dict:
        if type(value.get("source_text")) is int:
            numbers.add(value["source_text"])
        if _numbered_reasons(value.get("reasons")):
            numbers.update(value["reasons"])
        return value

    _rewritten(record, entry)
    return numbers


def _typed(results: Results | dict) -> Results:
    """The results as the model reads them, from the results.json dict most callers hold."""
    return results if isinstance(results, Results) else Results.from_dict(results)


def _quarter_of(results: Results) -> tuple[str, str, str]:
    """(label, archive name, unit) of the results' quarter: the batch name stands for a quarter topics.yaml
    does not name; "" for no label, no unit."""
    label = results.quarter or results.batch or ""
    return label, quarter_id(label), results.unit or ""


def _as_scored(document: DocumentRecord) -> DocumentRecord:
    """The document as the machine scored it, as the archive stores it: without the reviewers' decisions (they
    live in their own tables), each topic at its scored level."""
    def unreviewed(passage):  # the same object when undecided: a quarter's passages are not copied for nothing
        return passage if passage.review is None else replace(passage, review=None)

    def topic(t: TopicCoverage) -> TopicCoverage:
        if t.review is None:
            return t
        scored = t.review.scored  # the machine's level and its name, as far as the correction kept them
        return replace(t, level=t.level if scored.level is None else scored.level,
                       level_name=t.level_name if scored.level_name is None else scored.level_name, review=None)

    diagnoses = None if document.diagnoses is None else {
        name: entry and unreviewed(entry) for name, entry in document.diagnoses.items()}
    return replace(document, review=None, topics=[topic(t) for t in document.topics],
                   copied=[unreviewed(p) for p in document.copied], quoted=[unreviewed(p) for p in document.quoted],
                   generic=[unreviewed(p) for p in document.generic], diagnoses=diagnoses)


def _quarter_fields(results: dict) -> str:
    """quarters.results_json: the results without their documents (each is a documents row)."""
    return json.dumps({**results, "documents": []}, ensure_ascii=False)


@dataclass(frozen=True)
class Replacement:
    """What re-scoring a quarter would drop: archived documents no longer in the batch, and decisions whose flag or
    document is gone (they stay in the audit trail, but no longer count)."""

    quarter: str
    documents: list[str]
    decisions: list[dict]

    def __bool__(self) -> bool:
        return bool(self.documents or self.decisions)

    def describe(self) -> str:
        """One Chinese line for the secretary."""
        shown = "、".join(self.documents[:5]) + ("等" if len(self.documents) > 5 else "")
        if self.documents and self.decisions:
            return N_("档案中的 {quarter} 将失去{documents} 篇已归档材料（{shown}）和{decisions} 条审阅结论", quarter=self.quarter,
                      documents=len(self.documents), shown=shown, decisions=len(self.decisions))
        if self.documents:
            return N_("档案中的 {quarter} 将失去{documents} 篇已归档材料（{shown}）", quarter=self.quarter,
                      documents=len(self.documents), shown=shown)
        return N_("档案中的 {quarter} 将失去{decisions} 条审阅结论", quarter=self.quarter, decisions=len(self.decisions))


@dataclass(frozen=True)
class ArchivedText:
    """An earlier quarter's submission, as a source for recycled-text checks (`source_id` prior:<quarter>/<doc_id>)."""

    quarter: str
    doc_id: str
    author: str | None
    text: str
    content_hash: str

    @property
    def source_id(self) -> str:
        return str(Source.archived(self.quarter, self.doc_id))


@dataclass(frozen=True)
class QuarterState:
    """How far a quarter has come in the archive: how many times it was stored, and the id of its latest decision
    and latest level correction (0: none). Any change to what results() gives moves one of them."""

    revision: int
    decision: int
    correction: int


@dataclass(frozen=True)
class ArchiveConfig:
    """busy_timeout: seconds a write waits for another process's write before giving up with a plain message."""

    busy_timeout: float = 30.0

    def __post_init__(self) -> None:
        if not self.busy_timeout > 0:
            raise ConfigError(N_("档案的 busy_timeout 应大于 0 秒，而不是 {value}", value=self.busy_timeout))


def content_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _period_of(moment: str) -> str:
    when = datetime.fromisoformat(moment)
    return f"{when.year}Q{(when.month - 1) // 3 + 1}"


class Archive:
    """The archive file at `path`. Open it with `Archive.open(path)`, which creates or migrates the schema; each
    call then runs in its own connection and transaction, so one Archive may serve several threads."""

    def __init__(self, path: Path, config: ArchiveConfig | None = None):
        self.path = Path(path)
        self.config = config or ArchiveConfig()

    @classmethod
    def open(cls, path: Path | str, config: ArchiveConfig | None = None) -> "Archive":
        """The archive at `path`: a new file gets the latest schema, an older one is migrated. Raises ConfigError
        for a database URL, a file that is not an xuexi archive, or one written by a newer xuexi."""
        if "://" in str(path):
            raise ConfigError(N_("{path}: 暂不支持数据库地址（PostgreSQL）；请用 --archive 给出 SQLite 文件的路径",
                                 path=path))
        archive = cls(Path(path), config)
        archive.path.parent.mkdir(parents=True, exist_ok=True)
        # It holds every document's text and the reviewers' password hashes: readable by its owner only. SQLite
        # gives its -wal and -shm files the database file's permissions.
        os.close(os.open(archive.path, os.O_RDWR | os.O_CREAT, 0o600))
        os.chmod(archive.path, 0o600)  # an archive made before this rule was readable by everyone
        archive._migrate()
        return archive

    # -- storage ---------------------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=self.config.busy_timeout, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA foreign_keys = ON")
        # Room for a whole quarter's pages (up to 256 MB, taken only as used): with the default 2 MB, storing
        # thousands of documents spills pages to the WAL and writes them there again and again.
        con.execute("PRAGMA cache_size = -262144")
        return con

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        """One connection and one transaction: BEGIN IMMEDIATE for a write (the write lock is taken first, so
        nothing is done twice or half), a plain BEGIN for a read (one consistent snapshot)."""
        try:
            con = self._connect()
            try:
                con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield con
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
            finally:
                con.close()
        except sqlite3.IntegrityError:
            raise
        except sqlite3.DatabaseError as exc:
            raise self._plain(exc) from exc

    def _plain(self, exc: sqlite3.DatabaseError) -> XuexiError:
        """What a secretary is told when SQLite fails: the archive is busy, or the file is not usable."""
        if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
            return XuexiError(N_("{path}: 档案持续忙碌了 {seconds:g} 秒（另一个 xuexi 正在写入）；请等它结束后再试",
                                 path=self.path, seconds=self.config.busy_timeout))
        return ConfigError(N_("{path}: 不是可用的 xuexi 档案（{cause}）；请把该文件移开，或用 --archive 指定另一个文件，"
                              "xuexi 会在那里新建档案", path=self.path, cause=exc))

    def _migrate(self) -> None:
        try:
            con = self._connect()
            try:
                use_wal(con, self.config.busy_timeout)
            finally:
                con.close()
        except sqlite3.DatabaseError as exc:
            raise self._plain(exc) from exc
        with self._transaction(write=True) as con:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "schema_version" not in tables:
                foreign = sorted(t for t in tables if not t.startswith("sqlite_"))
                if foreign:
                    raise ConfigError(N_("{path}: 这是其他程序的 SQLite 数据库（表 {tables}），不是 xuexi 档案；"
                                         "请用 --archive 指定另一个文件", path=self.path, tables=", ".join(foreign)))
                con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)")
            version = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ConfigError(N_("{path}: 由更新版本的 xuexi 写入（档案结构 {version}，本 xuexi 只认识到 {known}）；"
                                     "请升级 xuexi 后再使用该档案", path=self.path, version=version,
                                     known=SCHEMA_VERSION))
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    con.execute(statement)
                if step + 1 == LEAN_SCHEMA:
                    self._store_lean(con)
                con.execute("INSERT INTO schema_version VALUES (?, ?)", (step + 1, _now()))
            rewritten = version < LEAN_SCHEMA and con.execute("SELECT 1 FROM quarters").fetchone() is not None
        if rewritten:  # the space the rewrite freed goes back to the disk, not only to later writes
            con = self._connect()
            try:
                con.execute("VACUUM")
            finally:
                con.close()

    @classmethod
    def _store_lean(cls, con: sqlite3.Connection) -> None:
        """Migration 5's rewrite: every quarter stored again from its results_json, each text once."""
        for q in con.execute("SELECT id, quarter, unit, results_json FROM quarters").fetchall():
            con.execute("DELETE FROM documents WHERE quarter_id = ?", (q["id"],))
            data = json.loads(q["results_json"])
            con.execute("UPDATE quarters SET results_json = ? WHERE id = ?", (_quarter_fields(data), q["id"]))
            cls._insert_documents(_utils(con), q["id"], q["quarter"], q["unit"],
                                  [DocumentRecord.from_dict(d) for d in data["documents"]], data["documents"])

    def schema_version(self) -> int:
        with self._transaction(write=False) as con:
            return con.execute("SELECT max(version) FROM schema_version").fetchone()[0]

    # -- quarters --------------------------------------------------------------------------------------------

    def store_quarter(self, results: Results | dict) -> str:
        """Store one quarter's results (schema xuexi.results/1, or its results.json dict) and return the quarter's
        archive name. A quarter is one unit's (results.unit) quarter; scored again, it keeps its place and its
        decisions (re-attached by flag_key) while its documents, levels and flags are replaced. Review fields in
        `results` (from `results()`) are not stored: decisions live in their own table."""
        from .results import SCHEMA  # here, so the review page and workers that only decide never load spaCy

        results = _typed(results)
        if results.schema != SCHEMA:
            raise XuexiError(N_("无法归档结构为 {schema} 的结果；应为 {expected}", schema=repr(results.schema),
                                expected=SCHEMA))
        label, qid, unit = _quarter_of(results)
        if not label:
            raise XuexiError(N_("结果没有季度，无法归档：请在 topics.yaml 中写明 `quarter:`"))
        scored = [_as_scored(d) for d in results.documents]
        now = _now()
        with self._transaction(write=True) as con:
            row = con.execute(
                """INSERT INTO quarters (unit, quarter, period, label, batch, scored_at, xuexi_version,
                                         first_stored_at, stored_at, results_json)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (unit, quarter) DO UPDATE SET label = excluded.label, batch = excluded.batch,
                       scored_at = excluded.scored_at, xuexi_version = excluded.xuexi_version,
                       stored_at = excluded.stored_at, results_json = excluded.results_json,
                       revision = quarters.revision + 1
                   RETURNING id""",
                (unit, qid, quarter_period(label) or _period_of(now), label, results.batch, results.generated_at,
                 results.xuexi_version, now, now, _quarter_fields(replace(results, documents=[]).to_dict()))
            ).fetchone()
            con.execute("DELETE FROM documents WHERE quarter_id = ?", (row["id"],))
            # each record's dict is made as it is stored: a province's quarter is never held twice
            self._insert_documents(_utils(con), row["id"], qid, unit, scored, (d.to_dict() for d in scored))
        return qid

    def dropped_by(self, results: Results | dict, *, doc_ids: set[str] | None = None) -> "Replacement":
        """What storing `results` would drop from the archive: archived documents of its quarter that it does
        not hold, and reviewers' decisions that would no longer attach to a flag or document (their flag is not
        raised again). With `doc_ids` instead of the results' documents, only the documents are compared (the
        check made before scoring)."""
        results = _typed(results)
        _, qid, unit = _quarter_of(results)
        with self._transaction(write=False) as con:
            row = con.execute("SELECT id FROM quarters WHERE unit = ? AND quarter = ?", (unit, qid)).fetchone()
            if row is None:
                return Replacement(qid, [], [])
            archived = [r["doc_id"] for r in con.execute(
                "SELECT doc_id FROM documents WHERE quarter_id = ? ORDER BY doc_id", (row["id"],))]
            decided = con.execute(
                """SELECT doc_id, flag_key, max(flag_text) AS flag_text FROM decisions WHERE quarter_id = ?
                   GROUP BY doc_id, flag_key ORDER BY doc_id""", (row["id"],)).fetchall()
            corrected = con.execute(
                """SELECT DISTINCT doc_id, NULL AS flag_key, topic_id || ' 层次更正' AS flag_text FROM level_decisions
                   WHERE quarter_id = ? ORDER BY doc_id, topic_id""", (row["id"],)).fetchall()
        kept, keys = doc_ids, None
        if doc_ids is None:  # one pass over the records: a scoring run's are packed, read back one at a time
            kept, keys = set(), set()
            for d in results.documents:
                kept.add(d.doc_id)
                keys.update(f.key for f in archived_flags(d, quarter=qid, unit=unit))
        decided = [*decided, *corrected]  # a corrected level is lost with its document
        lost = [dict(d) for d in decided
                if d["doc_id"] not in kept or (keys is not None and d["flag_key"] and d["flag_key"] not in keys)]
        return Replacement(qid, [d for d in archived if d not in kept], lost)

    def holds(self, results: Results | dict) -> bool:
        """Whether this very scoring of the results' quarter (by its generated_at) is the one stored."""
        results = _typed(results)
        _, qid, unit = _quarter_of(results)
        with self._transaction(write=False) as con:
            row = con.execute("SELECT scored_at FROM quarters WHERE unit = ? AND quarter = ?", (unit, qid)).fetchone()
        return row is not None and row["scored_at"] == results.generated_at

    @staticmethod
    def _insert_documents(db: Database, quarter_row: int, qid: str, unit: str, records: list[DocumentRecord],
                          documents: Iterable[dict]) -> None:
        """A quarter's documents with their members, topic levels and flags, each table in bulk: read from
        `records`, stored as `documents`, the same records' results.json dicts in the same order (read once), as
        SharedTexts encodes them."""
        authors = sorted({d.author for d in records if d.author})
        db["members"].insert_all(({"name": name, "unit": unit} for name in authors), ignore=True)
        member = {r["name"]: r["id"] for r in db.query(
            "SELECT id, name FROM members WHERE unit = ? AND name IN (SELECT value FROM json_each(?))",
            [unit, json.dumps(authors, ensure_ascii=False)])}
        shared = SharedTexts()
        db["documents"].insert_all(
            {"quarter_id": quarter_row, "doc_id": d.doc_id, "member_id": member.get(d.author), "doc_type": d.doc_type,
             "file": d.file, "format": d.format, "chars": d.chars, "copy_ratio": d.copy_ratio, "text": d.text,
             "content_hash": content_hash(d.text) if d.text is not None else None,
             "record": json.dumps(shared.lean(stored), ensure_ascii=False)}
            for d, stored in zip(records, documents))
        db.execute("DELETE FROM shared_texts WHERE quarter_id = ?", [quarter_row])
        db["shared_texts"].insert_all({"quarter_id": quarter_row, "id": number, "text": text}
                                      for text, number in shared.numbers.items())
        row = {r["doc_id"]: r["id"] for r in db.query("SELECT id, doc_id FROM documents WHERE quarter_id = ?",
                                                       [quarter_row])}
        db["topic_levels"].insert_all(
            {"document_id": row[d.doc_id], "topic_id": t.topic_id, "level": int(t.level), "score": t.score}
            for d in records for t in d.topics)
        db["flags"].insert_all(f.row(row[d.doc_id], d.text)
                               for d in records for f in archived_flags(d, quarter=qid, unit=unit))

    def _quarter(self, con: sqlite3.Connection, quarter: str, unit: str | None) -> sqlite3.Row:
        """The quarters row of `quarter` (any spelling), of `unit` when given, else of the one unit that has it."""
        rows = con.execute("SELECT * FROM quarters WHERE quarter = ? AND (? IS NULL OR unit = ?)",
                           (quarter_id(quarter), unit, unit or "")).fetchall()
        if len(rows) == 1:
            return rows[0]
        if rows:
            no_unit = N_("（无单位）")
            raise XuexiError(N_("季度 {quarter} 在档案中有 {count} 个单位（{units}）；请指明哪个单位", quarter=quarter,
                                count=len(rows), units=", ".join(r["unit"] or no_unit for r in rows)))
        known = [f"{r['quarter']} {r['unit']}".strip() for r in con.execute(f"SELECT * FROM quarters q ORDER BY {_ORDER}")]
        raise XuexiError(N_("档案 {path} 中没有{unit}季度 {quarter}（档案中有：{known}）；请先为该季度的批次评分",
                            path=self.path, unit=unit + " " if unit else "", quarter=quarter,
                            known=", ".join(known) if known else N_("还没有任何季度")))

    def quarters(self) -> list[dict]:
        """Every archived quarter, earliest first, with its document count."""
        with self._transaction(write=False) as con:
            rows = con.execute(
                f"""SELECT q.quarter, q.unit, q.label, q.period, q.batch, q.scored_at, q.stored_at, q.xuexi_version,
                           (SELECT count(*) FROM documents d WHERE d.quarter_id = q.id) AS documents
                    FROM quarters q ORDER BY {_ORDER}""").fetchall()
        return [{**dict(r), "unit": r["unit"] or None} for r in rows]

    def results(self, quarter: str, *, unit: str | None = None, doc_ids: Collection[str] | None = None) -> dict:
        """The stored results dict of a quarter with the current decisions merged in: a decided flag (or
        diagnosis) gets `review` = {flag_key, verdict (the latest), decisions (all, oldest first)}, a decided
        document `review` = {verdict, decisions}, a topic whose level a reviewer corrected takes the corrected
        level, with `review` = {scored_level, decisions}. Without decisions it is exactly the dict stored. With
        `doc_ids`, its documents are only those."""
        chosen = "" if doc_ids is None else " AND doc_id IN (SELECT value FROM json_each(?))"
        only = () if doc_ids is None else (json.dumps(list(doc_ids), ensure_ascii=False),)
        with self._transaction(write=False) as con:
            q = self._quarter(con, quarter, unit)
            decided = con.execute(f"SELECT * FROM decisions WHERE quarter_id = ?{chosen} ORDER BY id",
                                  (q["id"], *only)).fetchall()
            corrected = con.execute(f"SELECT * FROM level_decisions WHERE quarter_id = ?{chosen} ORDER BY id",
                                    (q["id"], *only)).fetchall()
            documents = self._records(con, q["id"], doc_ids)
        data = {**json.loads(q["results_json"]), "documents": list(documents.values())}
        levels = _level_trails(corrected)
        on_flag, on_document = defaultdict(list), defaultdict(list)
        for d in decided:
            (on_flag[d["flag_key"]] if d["flag_key"] else on_document[d["doc_id"]]).append(_trail_entry(d))
        decided_on = {d["doc_id"] for d in decided} | {doc_id for doc_id, _ in levels}
        for doc_id, document in documents.items():
            if doc_id not in decided_on:
                continue
            # read as the model has it; the decisions are written into the stored dict, which is given back as stored
            record = DocumentRecord.from_dict(document)
            _correct_levels(document, record, levels)
            if doc_id in on_document:
                trail = on_document[doc_id]
                document["review"] = Review(verdict=trail[-1].verdict, decisions=trail).to_dict()
            for flag in archived_flags(record, quarter=q["quarter"], unit=q["unit"]):
                if flag.key in on_flag:
                    trail = on_flag[flag.key]
                    _entry(document, flag.kind, flag.position, flag.text)["review"] = \
                        Review(flag.key, trail[-1].verdict, trail).to_dict()
        return data

    @staticmethod
    def _records(con: sqlite3.Connection, quarter_row: int, doc_ids: Collection[str] | None) -> dict[str, dict]:
        """The results.json entries of a quarter's documents (or of `doc_ids`) by doc_id, in the stored order."""
        chosen = "" if doc_ids is None else " AND doc_id IN (SELECT value FROM json_each(?))"
        only = () if doc_ids is None else (json.dumps(list(doc_ids), ensure_ascii=False),)
        rows = [(r["doc_id"], r["text"], json.loads(r["record"])) for r in con.execute(
            f"SELECT doc_id, text, record FROM documents WHERE quarter_id = ?{chosen} ORDER BY id", (quarter_row, *only))]
        numbers = sorted(set().union(*(_shared_numbers(record) for _, _, record in rows)))
        shared = dict(con.execute(
            "SELECT id, text FROM shared_texts WHERE quarter_id = ? AND id IN (SELECT value FROM json_each(?))",
            (quarter_row, json.dumps(numbers))).fetchall())
        return {doc_id: _full_record(record, text, shared) for doc_id, text, record in rows}

    def state(self, quarter: str, *, unit: str | None = None) -> "QuarterState":
        with self._transaction(write=False) as con:
            return self._state(con, self._quarter(con, quarter, unit))

    def changes(self, quarter: str, since: "QuarterState", *, unit: str | None = None) -> tuple["QuarterState", set[str] | None]:
        """The quarter's state now and the documents decided on (a flag, the document, a level) after `since`;
        None for the documents when the quarter was stored again since (every record may have changed)."""
        with self._transaction(write=False) as con:
            q = self._quarter(con, quarter, unit)
            now = self._state(con, q)
            if now.revision != since.revision:
                return now, None
            changed = {r[0] for r in con.execute(
                """SELECT doc_id FROM decisions WHERE quarter_id = ? AND id > ?
                   UNION SELECT doc_id FROM level_decisions WHERE quarter_id = ? AND id > ?""",
                (q["id"], since.decision, q["id"], since.correction))}
        return now, changed

    @staticmethod
    def _state(con: sqlite3.Connection, q: sqlite3.Row) -> "QuarterState":
        decision, correction = con.execute(
            """SELECT (SELECT coalesce(max(id), 0) FROM decisions WHERE quarter_id = ?),
                      (SELECT coalesce(max(id), 0) FROM level_decisions WHERE quarter_id = ?)""",
            (q["id"], q["id"])).fetchone()
        return QuarterState(q["revision"], decision, correction)

    def earlier_texts(self, before_quarter: str, *, unit: str | None) -> list[ArchivedText]:
        """The texts of the same unit's archived quarters that come before `before_quarter` (ordered as the
        module says; a quarter not yet archived and not named as a calendar quarter comes after all archived
        ones), for the copy detector as `CopySource(t.source_id, t.text, t.author)`. Other units' quarters are
        other organizations' and are left out."""
        qid, unit = quarter_id(before_quarter), unit or ""
        with self._transaction(write=False) as con:
            this = con.execute("SELECT period, first_stored_at FROM quarters WHERE quarter = ? AND unit = ?",
                               (qid, unit)).fetchone()
            now = _now()
            if this:
                position = (this["period"], this["first_stored_at"])
            else:
                position = (quarter_period(before_quarter) or _period_of(now), now)
            rows = con.execute(
                f"""SELECT q.quarter, d.doc_id, m.name, d.text, d.content_hash
                    FROM documents d JOIN quarters q ON q.id = d.quarter_id LEFT JOIN members m ON m.id = d.member_id
                    WHERE q.unit = ? AND q.quarter != ? AND d.text IS NOT NULL
                      AND (q.period, q.first_stored_at) < (?, ?)
                    ORDER BY {_ORDER}, d.doc_id""", (unit, qid, *position)).fetchall()
        return [ArchivedText(*r) for r in rows]

    # -- review ----------------------------------------------------------------------------------------------

    def flags(self, quarter: str, doc_id: str | None = None, *, unit: str | None = None) -> list[dict]:
        """The flags of a quarter (or of one document) with their keys for `decide_flag` and their current
        verdict (None while undecided), by document, kind and position. `detail` is the results.json entry."""
        chosen = "" if doc_id is None else " AND d.doc_id = ?"
        with self._transaction(write=False) as con:
            q = self._quarter(con, quarter, unit)
            rows = con.execute(
                f"""SELECT f.flag_key, d.doc_id, f.kind, f.position, f.start_char, f.end_char, {_FLAG_TEXT} AS text,
                           f.source, (SELECT verdict FROM decisions c WHERE c.flag_key = f.flag_key
                                      ORDER BY c.id DESC LIMIT 1) AS verdict
                    FROM flags f JOIN documents d ON d.id = f.document_id
                    WHERE d.quarter_id = ?{chosen}
                    ORDER BY d.doc_id, f.rowid""", (q["id"], *([doc_id] if doc_id is not None else []))).fetchall()
            records = self._records(con, q["id"], None if doc_id is None else [doc_id])
        return [{**dict(r), "detail": _entry(records[r["doc_id"]], r["kind"], r["position"], r["text"])}
                for r in rows]

    def decide_flag(self, key: str, *, reviewer: str, verdict: str, note: str = "") -> dict:
        """Record a reviewer's verdict on one flag: "confirm" (it stands) or "dismiss" (a false alarm). Appends to
        the audit trail and returns the decision as stored."""
        _check_decision(reviewer, verdict, FLAG_VERDICTS, N_("标记"))
        with self._transaction(write=True) as con:
            flag = con.execute(
                f"""SELECT d.quarter_id, d.doc_id, f.kind, {_FLAG_TEXT} AS text
                    FROM flags f JOIN documents d ON d.id = f.document_id WHERE f.flag_key = ?""", (key,)).fetchone()
            if flag is None:
                raise XuexiError(N_("档案 {path} 中没有标记 {key}；打开页面后该季度可能又评过分：请刷新页面",
                                    path=self.path, key=key))
            return self._append(con, flag["quarter_id"], flag["doc_id"], key, flag["kind"], flag["text"],
                                reviewer, verdict, note)

    def decide_document(self, quarter: str, doc_id: str, *, reviewer: str, verdict: str, note: str = "",
                        unit: str | None = None) -> dict:
        """Record a reviewer's overall verdict on one document: 合格, 需补学 or 退回修改. Appends to the audit
        trail and returns the decision as stored."""
        _check_decision(reviewer, verdict, DOCUMENT_VERDICTS, N_("材料"))
        with self._transaction(write=True) as con:
            q = self._quarter(con, quarter, unit)
            if con.execute("SELECT 1 FROM documents WHERE quarter_id = ? AND doc_id = ?", (q["id"], doc_id)).fetchone() is None:
                raise XuexiError(N_("档案 {path} 中没有季度 {quarter} 的材料 {doc_id}", path=self.path, quarter=quarter,
                                    doc_id=doc_id))
            return self._append(con, q["id"], doc_id, None, None, None, reviewer, verdict, note)

    def correct_level(self, quarter: str, doc_id: str, topic_id: str, *, reviewer: str, level: int, note: str,
                      unit: str | None = None) -> dict:
        """Record a reviewer's correction of a document's level on a topic (0-3), with the reason: from now on the
        quarter's results carry it (results()), so the summary, the 未学 list, the 通报 and the scores use it."""
        _check_decision(reviewer, level, tuple(range(4)), "a topic level")
        if not note or not note.strip():
            raise XuexiError(N_("更正等级须写明理由"))
        with self._transaction(write=True) as con:
            q = self._quarter(con, quarter, unit)
            document = con.execute("SELECT id FROM documents WHERE quarter_id = ? AND doc_id = ?", (q["id"], doc_id)).fetchone()
            if document is None or con.execute("SELECT 1 FROM topic_levels WHERE document_id = ? AND topic_id = ?",
                                               (document["id"], topic_id)).fetchone() is None:
                raise XuexiError(N_("档案 {path} 中季度 {quarter} 的材料 {doc_id} 没有评定过专题 {topic_id}", path=self.path,
                                    quarter=quarter, doc_id=doc_id, topic_id=topic_id))
            row = con.execute(
                """INSERT INTO level_decisions (quarter_id, doc_id, topic_id, level, reviewer, note, decided_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *""",
                (q["id"], doc_id, topic_id, level, reviewer, note.strip(), _now())).fetchone()
        return dict(row)

    @staticmethod
    def _append(con: sqlite3.Connection, quarter_row: int, doc_id: str, key: str | None, kind: str | None,
                text: str | None, reviewer: str, verdict: str, note: str) -> dict:
        decision = con.execute(
            """INSERT INTO decisions (quarter_id, doc_id, flag_key, flag_kind, flag_text, reviewer, verdict, note,
                                      decided_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            (quarter_row, doc_id, key, kind, text, reviewer, verdict, note or "", _now())).fetchone()[0]
        return _decision(con.execute(f"{_DECISIONS} WHERE c.id = ?", (decision,)).fetchone())

    def decisions(self, quarter: str, doc_id: str | None = None, *, unit: str | None = None) -> list[dict]:
        """The audit trail of a quarter (or of one document), oldest first: every decision ever made, with
        `flag_raised` telling whether its flag is still raised (None for a verdict on a document)."""
        chosen = "" if doc_id is None else " AND c.doc_id = ?"  # so one document's trail is looked up by its index
        with self._transaction(write=False) as con:
            q = self._quarter(con, quarter, unit)
            rows = con.execute(f"{_DECISIONS} WHERE c.quarter_id = ?{chosen} ORDER BY c.id",
                               (q["id"], *([doc_id] if doc_id is not None else []))).fetchall()
        return [_decision(r) for r in rows]

    def member_history(self, name: str, *, unit: str | None = None) -> list[dict]:
        """A member's quarters (of every unit, or of `unit`), earliest first: per quarter the unit and the
        documents, each with its topic levels, number of flags by kind, flags confirmed and dismissed (current
        verdicts) and the document's current verdict. Five queries, however many documents."""
        mine = (_MEMBER_DOCUMENTS, [name, unit, unit or ""])
        with self._transaction(write=False) as con:
            db = _utils(con)
            rows = list(db.query(
                f"""SELECT q.id AS quarter_row, q.quarter, q.unit, d.id, d.doc_id, d.doc_type, d.chars, d.copy_ratio
                    FROM documents d JOIN quarters q ON q.id = d.quarter_id
                    WHERE d.id IN ({mine[0]}) ORDER BY {_ORDER}, d.doc_id""", mine[1]))
            levels, kinds, verdicts, verdict = defaultdict(dict), defaultdict(dict), defaultdict(Counter), {}
            for r in db.query(f"""SELECT document_id, topic_id, level FROM topic_levels
                                  WHERE document_id IN ({mine[0]}) ORDER BY document_id, topic_id""", mine[1]):
                levels[r["document_id"]][r["topic_id"]] = r["level"]
            for r in db.query(f"""SELECT document_id, kind, count(*) AS n FROM flags WHERE document_id IN ({mine[0]})
                                  GROUP BY document_id, kind ORDER BY document_id, kind""", mine[1]):
                kinds[r["document_id"]][r["kind"]] = r["n"]
            for r in db.query(  # the current (latest) decision on each of the documents' flags
                    f"""SELECT f.document_id, c.verdict, count(*) AS n
                        FROM decisions c JOIN flags f ON f.flag_key = c.flag_key
                        WHERE c.id IN (SELECT max(c2.id) FROM decisions c2 JOIN flags f2 ON f2.flag_key = c2.flag_key
                                       WHERE f2.document_id IN ({mine[0]}) GROUP BY c2.flag_key)
                        GROUP BY f.document_id, c.verdict""", mine[1]):
                verdicts[r["document_id"]][r["verdict"]] = r["n"]
            for r in db.query(  # the current verdict on each document
                    f"""SELECT d.id, c.verdict FROM documents d
                        JOIN decisions c ON c.quarter_id = d.quarter_id AND c.doc_id = d.doc_id
                        WHERE d.id IN ({mine[0]}) AND c.id IN (SELECT max(id) FROM decisions WHERE flag_key IS NULL
                                                              GROUP BY quarter_id, doc_id)""", mine[1]):
                verdict[r["id"]] = r["verdict"]
        history: dict[int, dict] = {}
        for r in rows:
            entry = history.setdefault(r["quarter_row"], {"quarter": r["quarter"], "unit": r["unit"] or None,
                                                          "documents": []})
            entry["documents"].append({
                "doc_id": r["doc_id"], "doc_type": r["doc_type"], "chars": r["chars"], "copy_ratio": r["copy_ratio"],
                "levels": levels[r["id"]], "flags": kinds[r["id"]],
                "confirmed": verdicts[r["id"]][Verdict.CONFIRM], "dismissed": verdicts[r["id"]][Verdict.DISMISS],
                "verdict": verdict.get(r["id"])})
        return list(history.values())

    # -- reviewer accounts -----------------------------------------------------------------------------------

    def add_user(self, username: str, display_name: str, password_hash: str) -> None:
        """A reviewer account. `password_hash` is stored as given: hash with a proper KDF before (scrypt, argon2)."""
        if not username.strip() or not display_name.strip() or not password_hash:
            raise XuexiError(N_("审阅人账号需要用户名、显示姓名和密码"))
        with self._transaction(write=True) as con:
            if con.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                raise XuexiError(N_("档案 {path} 中已有用户 {username}；请换一个用户名", path=self.path, username=username))
            con.execute("INSERT INTO users VALUES (?, ?, ?, ?)", (username, display_name, password_hash, _now()))

    def user(self, username: str) -> dict | None:
        with self._transaction(write=False) as con:
            row = con.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
        return dict(row) if row else None

    def users(self) -> list[dict]:
        """The reviewer accounts by user name, without their password hashes."""
        with self._transaction(write=False) as con:
            rows = con.execute("SELECT username, display_name, created_at FROM users ORDER BY username").fetchall()
        return [dict(r) for r in rows]

    def remove_user(self, username: str) -> None:
        """Remove a reviewer account and end its sessions; its decisions stay in the audit trail under its name."""
        with self._transaction(write=True) as con:
            if not con.execute("DELETE FROM users WHERE username = ?", (username,)).rowcount:
                raise XuexiError(N_("档案 {path} 中没有用户 {username}", path=self.path, username=username))
            con.execute("DELETE FROM review_sessions WHERE username = ?", (username,))

    def set_password(self, username: str, password_hash: str) -> None:
        """Replace a reviewer's password hash and end every session signed in with the old password."""
        with self._transaction(write=True) as con:
            if not con.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                               (password_hash, username)).rowcount:
                raise XuexiError(N_("档案 {path} 中没有用户 {username}", path=self.path, username=username))
            con.execute("DELETE FROM review_sessions WHERE username = ?", (username,))

    def upgrade_password(self, username: str, old_hash: str, new_hash: str) -> None:
        """Store `new_hash` of the same password in place of `old_hash` (a format or cost this xuexi no longer
        writes); sessions stay open, and nothing changes if the password was changed in between."""
        with self._transaction(write=True) as con:
            con.execute("UPDATE users SET password_hash = ? WHERE username = ? AND password_hash = ?",
                        (new_hash, username, old_hash))

    # -- review-page sessions --------------------------------------------------------------------------------

    def start_session(self, username: str | None) -> str:
        """A new sign-in: its random id, to keep in the (signed) session cookie."""
        sid = secrets.token_urlsafe(32)
        with self._transaction(write=True) as con:
            con.execute("INSERT INTO review_sessions VALUES (?, ?, ?)", (sid, username, _now()))
        return sid

    def session_user(self, sid: str) -> tuple[bool, str | None]:
        """(whether the sign-in `sid` is still open, its user name)."""
        with self._transaction(write=False) as con:
            row = con.execute("SELECT username FROM review_sessions WHERE sid = ?", (sid,)).fetchone()
        return (row is not None, row["username"] if row else None)

    def end_session(self, sid: str) -> None:
        with self._transaction(write=True) as con:
            con.execute("DELETE FROM review_sessions WHERE sid = ?", (sid,))


def _level_trails(corrected: list[sqlite3.Row]) -> dict[tuple[str, str], list[LevelDecision]]:
    """The reviewers' level corrections by document and topic, oldest first."""
    trails: dict[tuple[str, str], list[LevelDecision]] = defaultdict(list)
    for row in corrected:
        trails[row["doc_id"], row["topic_id"]].append(
            LevelDecision(row["id"], row["reviewer"], Level(row["level"]), row["note"], row["decided_at"]))
    return trails


def _correct_levels(document: dict, record: DocumentRecord,
                    trails: dict[tuple[str, str], list[LevelDecision]]) -> None:
    """Put the reviewers' latest level of each of the document's topics into its results dict (`record` is that
    dict read), keeping the machine's."""
    for position, topic in enumerate(record.topics):
        trail = trails.get((record.doc_id, topic.topic_id))
        if trail:
            level = trail[-1].level
            document["topics"][position].update(level=int(level), level_name=level.label, review=LevelReview(
                ScoredLevel(topic.level, topic.level_name), trail).to_dict())


def _utils(con: sqlite3.Connection) -> Database:
    """sqlite-utils over one of the archive's connections, inside its transaction (its own steps become
    savepoints); without plugins, so nothing else runs on the archive's connection."""
    return Database(con, recursive_triggers=False, execute_plugins=False)


def _check_decision(reviewer: str, verdict: str, allowed: tuple[str, ...], what: str) -> None:
    if not reviewer or not reviewer.strip():
        raise XuexiError(N_("结论需要写明审阅人姓名"))
    if verdict not in allowed:
        raise XuexiError(N_("“{verdict}”不是{what}可用的结论；请从 {allowed} 中选择", verdict=verdict, what=what,
                            allowed=", ".join(allowed)))


def _decision(row: sqlite3.Row) -> dict:
    return {**dict(row), "flag_raised": None if row["flag_raised"] is None else bool(row["flag_raised"])}


def _trail_entry(decision: sqlite3.Row) -> Decision:
    return Decision(decision["id"], decision["reviewer"], Verdict(decision["verdict"]), decision["note"],
                    decision["decided_at"])
