"""The archive (学习档案) on the dev batch's real results: stored and given back unchanged, flags keyed so decisions
survive re-scoring, an append-only audit trail that two processes write at once, older files migrated, unusable
files refused with a plain message, and earlier quarters' texts found by the copy detector."""

from __future__ import annotations

import copy
import json
import multiprocessing
import re
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import pytest

from pipeline.archive import (DOCUMENT_VERDICTS, MIGRATIONS, SCHEMA_VERSION, Archive, ArchiveConfig, content_hash,
                              document_flags, flag_key, quarter_id)
from pipeline.errors import ConfigError, XuexiError
from pipeline.model import Results
from pipeline.review.passwords import verify_password

@pytest.fixture(scope="module")
def scored(dev_run):
    """The dev batch's results.json dict as `xuexi score` writes it (copied, quoted, generic, diagnoses)."""
    return copy.deepcopy(dev_run.results)


@contextmanager
def raw_sql(path: Path):
    """A plain sqlite3 connection to an archive file, committed and closed on leaving."""
    con = sqlite3.connect(path)
    try:
        with con:
            yield con
    finally:
        con.close()


def relabelled(results: dict, quarter: str) -> dict:
    return {**copy.deepcopy(results), "quarter": quarter}


def without_review(results: dict) -> dict:
    data = copy.deepcopy(results)
    for document in data["documents"]:
        document.pop("review", None)
        for flag in document_flags(document, quarter=data["quarter"], unit=data["unit"]):
            flag.entry.pop("review", None)
    return data


def flags_by_kind(archive: Archive, quarter: str) -> dict[str, list[dict]]:
    kinds: dict[str, list[dict]] = {}
    for f in archive.flags(quarter):
        kinds.setdefault(f["kind"], []).append(f)
    return kinds


@pytest.fixture
def archive(tmp_path):
    return Archive.open(tmp_path / "outputs" / "archive.sqlite")


def test_results_come_back_exactly_as_stored(archive, scored):
    assert archive.store_quarter(scored) == "2026Q3"
    back = archive.results("2026Q3")
    assert back == scored
    assert json.dumps(back, ensure_ascii=False, indent=1) == json.dumps(scored, ensure_ascii=False, indent=1)
    [quarter] = archive.quarters()
    assert (quarter["quarter"], quarter["batch"], quarter["unit"], quarter["documents"]) == \
           ("2026Q3", "dev", scored["unit"], len(scored["documents"]))


def test_every_flag_is_archived_under_a_key_that_rescoring_finds_again(archive, scored):
    archive.store_quarter(scored)
    flags = archive.flags("2026Q3")
    expected = sum(len(d[k]) for d in scored["documents"] for k in ("copied", "quoted", "generic")) + \
        sum(1 for d in scored["documents"] for v in d["diagnoses"].values() if v)
    assert len(flags) == expected and len({f["flag_key"] for f in flags}) == expected
    assert {"copied", "quoted", "generic", "diagnosis"} <= {f["kind"] for f in flags}
    for f in flags:
        document = next(d for d in scored["documents"] if d["doc_id"] == f["doc_id"])
        entry = document[f["kind"]][f["position"]] if f["kind"] != "diagnosis" else document["diagnoses"][f["text"]]
        assert f["detail"] == entry and f["verdict"] is None
    archive.store_quarter({**scored, "generated_at": "2026-12-01T08:00:00+00:00"})
    assert [f["flag_key"] for f in archive.flags("2026Q3")] == [f["flag_key"] for f in flags]


def test_decisions_are_merged_into_the_results_of_their_flags_and_documents(archive, scored):
    archive.store_quarter(scored)
    kinds = flags_by_kind(archive, "2026Q3")
    decided = {kind: flags[0] for kind, flags in kinds.items()}
    for kind, f in decided.items():
        archive.decide_flag(f["flag_key"], reviewer="li", verdict="confirm", note=f"{kind} checked")
    first = decided["copied"]
    archive.decide_flag(first["flag_key"], reviewer="wang", verdict="dismiss", note="有出处")
    doc_id = scored["documents"][3]["doc_id"]
    archive.decide_document("2026Q3", doc_id, reviewer="wang", verdict="需补学", note="DB2 只有口号")

    back = archive.results("2026Q3")
    reviewed = {(d["doc_id"], k, i): e["review"] for d in back["documents"] for k in ("copied", "quoted", "generic")
                for i, e in enumerate(d[k]) if "review" in e}
    reviewed.update({(d["doc_id"], "diagnosis", n): e["review"] for d in back["documents"]
                     for n, e in d["diagnoses"].items() if e and "review" in e})
    assert set(reviewed) == {(f["doc_id"], k, f["position"] if k != "diagnosis" else f["text"]) for k, f in decided.items()}
    copied = reviewed[first["doc_id"], "copied", first["position"]]
    assert copied["flag_key"] == first["flag_key"] and copied["verdict"] == "dismiss"
    assert [(d["reviewer"], d["verdict"], d["note"]) for d in copied["decisions"]] == \
           [("li", "confirm", "copied checked"), ("wang", "dismiss", "有出处")]
    [document] = [d for d in back["documents"] if "review" in d]
    assert document["doc_id"] == doc_id and document["review"]["verdict"] == "需补学"
    assert without_review(back) == scored
    assert [f["verdict"] for f in archive.flags("2026Q3", first["doc_id"]) if f["flag_key"] == first["flag_key"]] == ["dismiss"]


def test_rescoring_a_quarter_keeps_every_decision_on_the_same_passage(archive, scored):
    archive.store_quarter(scored)
    doc = next(d for d in scored["documents"] if len(d["copied"]) >= 2)
    keep, drop = doc["copied"][0], doc["copied"][-1]
    keys = {f["text"]: f["flag_key"] for f in archive.flags("2026Q3", doc["doc_id"]) if f["kind"] == "copied"}
    archive.decide_flag(keys[keep["text"]], reviewer="li", verdict="confirm", note="照抄参考材料")
    archive.decide_flag(keys[drop["text"]], reviewer="li", verdict="dismiss", note="")
    archive.decide_document("2026Q3", doc["doc_id"], reviewer="li", verdict="退回修改", note="")

    archive.store_quarter(archive.results("2026Q3"))  # results with review fields, as `xuexi report` gives them
    with raw_sql(archive.path) as con:
        assert '"review"' not in con.execute("SELECT results_json FROM quarters").fetchone()[0]
    assert without_review(archive.results("2026Q3")) == scored

    rescored = copy.deepcopy(scored)
    again = next(d for d in rescored["documents"] if d["doc_id"] == doc["doc_id"])
    again["copied"] = list(reversed(again["copied"][:-1]))  # another order, and the last passage no longer flagged
    archive.store_quarter(rescored)

    back = next(d for d in archive.results("2026Q3")["documents"] if d["doc_id"] == doc["doc_id"])
    assert back["copied"][-1]["text"] == keep["text"] and back["copied"][-1]["review"]["verdict"] == "confirm"
    assert [e for e in back["copied"] if "review" in e] == [back["copied"][-1]]
    assert back["review"]["verdict"] == "退回修改"
    trail = archive.decisions("2026Q3", doc["doc_id"])
    assert [(d["flag_text"], d["verdict"], d["flag_raised"]) for d in trail] == \
           [(keep["text"], "confirm", True), (drop["text"], "dismiss", False), (None, "退回修改", None)]


def stored_rows(path: Path) -> dict[str, list[tuple]]:
    """What an archive holds of its quarters, by doc_id rather than row number, without time stamps."""
    with raw_sql(path) as con:
        return {"quarters": con.execute("SELECT unit, quarter, label, batch, results_json FROM quarters").fetchall(),
                "members": con.execute("SELECT id, name, unit FROM members ORDER BY id").fetchall(),
                "documents": con.execute("SELECT doc_id, member_id, doc_type, file, format, chars, copy_ratio, text, "
                                         "content_hash, record FROM documents ORDER BY doc_id").fetchall(),
                "shared_texts": con.execute("SELECT id, text FROM shared_texts ORDER BY id").fetchall(),
                "topic_levels": con.execute("SELECT d.doc_id, t.topic_id, t.level, t.score FROM topic_levels t "
                                            "JOIN documents d ON d.id = t.document_id ORDER BY 1, 2").fetchall(),
                "flags": con.execute("SELECT f.flag_key, d.doc_id, f.kind, f.position, f.start_char, f.end_char, "
                                     "f.text, f.source FROM flags f JOIN documents d ON d.id = f.document_id "
                                     "ORDER BY 1").fetchall()}


def test_the_model_and_reviewed_results_store_the_rows_of_the_scored_dict(tmp_path, scored):
    from_dict = Archive.open(tmp_path / "dict.sqlite")
    from_dict.store_quarter(scored)
    from_model = Archive.open(tmp_path / "model.sqlite")
    from_model.store_quarter(Results.from_dict(scored))
    assert stored_rows(from_model.path) == stored_rows(from_dict.path)
    assert from_model.results("2026Q3") == scored

    # every kind of decision merged in, stored again as the model reads it: the machine's scoring is what is kept
    doc, topic = scored["documents"][0], scored["documents"][0]["topics"][0]
    from_model.correct_level("2026Q3", doc["doc_id"], topic["topic_id"], reviewer="li", level=(topic["level"] + 1) % 4,
                             note="第三段联系了本单位")
    for f in flags_by_kind(from_model, "2026Q3").values():
        from_model.decide_flag(f[0]["flag_key"], reviewer="li", verdict="dismiss", note="有出处")
    from_model.decide_document("2026Q3", doc["doc_id"], reviewer="li", verdict="需补学")
    reviewed = from_model.results("2026Q3")
    assert reviewed["documents"][0]["topics"][0]["level"] != topic["level"]
    from_model.store_quarter(Results.from_dict(reviewed))
    assert stored_rows(from_model.path) == stored_rows(from_dict.path)


def test_decisions_are_never_changed_or_deleted(archive, scored):
    archive.store_quarter(scored)
    archive.decide_document("2026Q3", scored["documents"][0]["doc_id"], reviewer="li", verdict="合格")
    with raw_sql(archive.path) as con:
        for statement in ("UPDATE decisions SET verdict = '退回修改'", "DELETE FROM decisions"):
            with pytest.raises(sqlite3.IntegrityError, match="never"):
                con.execute(statement)
    assert [d["verdict"] for d in archive.decisions("2026Q3")] == ["合格"]


def _reviewer(path: str, reviewer: str, doc_id: str, flag: str, start, rounds: int) -> None:
    archive = Archive.open(Path(path))
    start.wait()
    for i in range(rounds):
        archive.decide_document("2026Q3", doc_id, reviewer=reviewer, verdict=DOCUMENT_VERDICTS[i % 3], note=f"{reviewer} {i}")
        archive.decide_flag(flag, reviewer=reviewer, verdict="confirm", note=f"{reviewer} flag {i}")


def test_two_reviewers_deciding_on_one_document_at_once_lose_nothing(archive, scored):
    archive.store_quarter(scored)
    flag = archive.flags("2026Q3")[0]
    spawn = multiprocessing.get_context("spawn")
    start, rounds = spawn.Barrier(2), 25
    workers = [spawn.Process(target=_reviewer, args=(str(archive.path), name, flag["doc_id"], flag["flag_key"], start, rounds))
               for name in ("li", "wang")]
    assert _run(workers) == [0, 0]
    trail = archive.decisions("2026Q3", flag["doc_id"])
    notes = [f"{n} {i}" for n in ("li", "wang") for i in range(rounds)] + \
        [f"{n} flag {i}" for n in ("li", "wang") for i in range(rounds)]
    assert sorted(d["note"] for d in trail) == sorted(notes)
    assert len(trail) == 4 * rounds and len({d["id"] for d in trail}) == 4 * rounds
    document = next(d for d in archive.results("2026Q3")["documents"] if d["doc_id"] == flag["doc_id"])
    assert len(document["review"]["decisions"]) == 2 * rounds
    assert document["review"]["verdict"] == document["review"]["decisions"][-1]["verdict"]


def _run(processes) -> list[int | None]:
    """Start the processes, wait up to two minutes for each (killing one that hangs), return the exit codes."""
    for p in processes:
        p.start()
    for p in processes:
        p.join(120)
        if p.is_alive():
            p.kill()
    return [p.exitcode for p in processes]


def _opener(path: str, start) -> None:
    start.wait()
    Archive.open(Path(path)).add_user(f"user{multiprocessing.current_process().pid}", "秘书", "hash")


def test_processes_opening_a_new_archive_at_once_create_it_once(tmp_path):
    path = tmp_path / "outputs" / "archive.sqlite"
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(3)
    workers = [spawn.Process(target=_opener, args=(str(path), start)) for _ in range(3)]
    assert _run(workers) == [0, 0, 0]
    with raw_sql(path) as con:
        assert [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY version")] == \
            list(range(1, SCHEMA_VERSION + 1))
        assert con.execute("SELECT count(*) FROM users").fetchone()[0] == 3


def test_a_busy_archive_gives_a_plain_message(archive, scored):
    archive.store_quarter(scored)
    impatient = Archive(archive.path, ArchiveConfig(busy_timeout=0.2))
    holder = sqlite3.connect(archive.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(XuexiError, match=r"持续忙碌了 0.2 秒.*请等它结束后再试"):
            impatient.decide_document("2026Q3", scored["documents"][0]["doc_id"], reviewer="li", verdict="合格")
        assert impatient.results("2026Q3") == scored  # readers are not blocked by a writer (WAL)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert archive.decisions("2026Q3") == []


RELEASE_SCHEMA = Path(__file__).with_name("archive_schema_b8563e8.sql")
RELEASE_HASH = "$scrypt$ln=14,r=8,p=1$dr2zZKh8le0xvltYuQnb1w$4S6tHXSDeHcZtcz0aZDQYhFC08SQ5TgVKbwPlJmXRQ0"  # "correct horse"
GONE_KEY = "0" * 24  # a flag decided on, then no longer raised by a re-scoring


def archive_as_release(path: Path, scored: dict, version: int) -> None:
    """An archive as the release issue 14 started from (b8563e8) left it at schema `version` (1-3), written with
    its SQL, or as main before issue 16 (88cc64b) left it at schema 4 (the release's, then migration 4 of
    archive.sql, a section never changed once released), rows as both wrote them (every text in results_json, in
    documents.text and in each flag's detail): the dev batch as quarters 2026Q2 and 2026Q3; from schema 2 on, a
    reviewer with that release's password hash and decisions on a flag, a flag since dropped and a document; from
    schema 3, an open sign-in; at schema 4, two corrections of a level, the later one current."""
    sections = re.split(r"^-- schema \d+$", RELEASE_SCHEMA.read_text(encoding="utf-8"), flags=re.M)[1:]
    sections.append(";\n".join(MIGRATIONS[3]) + ";")
    unit = scored["unit"]
    with raw_sql(path) as con:
        con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)")
        for number, section in enumerate(sections[:version], 1):
            con.executescript(section)
            con.execute("INSERT INTO schema_version VALUES (?, '2026-07-01T00:00:00+00:00')", (number,))
        for row, label in ((1, "2026Q2"), (2, "2026Q3")):
            stored = f"2026-0{3 * row + 3}-30T08:00:00+00:00"
            con.execute("INSERT INTO quarters VALUES (?, ?, ?, ?, ?, 'dev', ?, '0.1.0', ?, ?, ?)",
                        (row, unit, label, label, label, scored["generated_at"], stored, stored,
                         json.dumps({**scored, "quarter": label}, ensure_ascii=False)))
            for d in scored["documents"]:
                con.execute("INSERT OR IGNORE INTO members (name, unit) VALUES (?, ?)", (d["author"], unit))
                [member] = con.execute("SELECT id FROM members WHERE name = ? AND unit = ?", (d["author"], unit)).fetchone()
                doc = con.execute("INSERT INTO documents (quarter_id, doc_id, member_id, doc_type, file, format, chars, "
                                  "copy_ratio, content_hash, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                  (row, d["doc_id"], member, d["doc_type"], d["file"], d["format"], d["chars"],
                                   d["copy_ratio"], content_hash(d["text"]), d["text"])).lastrowid
                con.executemany("INSERT INTO topic_levels VALUES (?, ?, ?, ?)",
                                [(doc, t["topic_id"], t["level"], t.get("score")) for t in d["topics"]])
                con.executemany("INSERT INTO flags VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                [(f.key, doc, f.kind, f.position, f.entry.get("start"), f.entry.get("end"), f.text,
                                  f.entry.get("source"), json.dumps(f.entry, ensure_ascii=False))
                                 for f in document_flags(d, quarter=label, unit=unit)])
        if version >= 2:
            con.execute("INSERT INTO users VALUES ('lihong', '李红', ?, '2026-07-02T08:00:00+00:00')", (RELEASE_HASH,))
            doc = scored["documents"][0]
            flag = document_flags(doc, quarter="2026Q3", unit=unit)[0]
            con.executemany("INSERT INTO decisions (quarter_id, doc_id, flag_key, flag_kind, flag_text, reviewer, "
                            "verdict, note, decided_at) VALUES (2, ?, ?, ?, ?, ?, ?, ?, ?)", [
                                (doc["doc_id"], flag.key, flag.kind, flag.text, "李红（lihong）", "confirm", "",
                                 "2026-10-08T09:00:00+00:00"),
                                (doc["doc_id"], flag.key, flag.kind, flag.text, "王芳", "dismiss", "已注明出处",
                                 "2026-10-08T09:05:00+00:00"),
                                (doc["doc_id"], GONE_KEY, "copied", "旧段落", "王芳", "confirm", "",
                                 "2026-10-08T09:06:00+00:00"),
                                (doc["doc_id"], None, None, None, "李红（lihong）", "需补学", "补学专题一",
                                 "2026-10-08T09:10:00+00:00")])
        if version >= 3:
            con.execute("INSERT INTO review_sessions VALUES ('sid-1', 'lihong', '2026-10-08T08:55:00+00:00')")
        if version >= 4:
            doc, topic = scored["documents"][0], scored["documents"][0]["topics"][0]
            con.executemany("INSERT INTO level_decisions (quarter_id, doc_id, topic_id, level, reviewer, note, "
                            "decided_at) VALUES (2, ?, ?, ?, ?, ?, ?)", [
                                (doc["doc_id"], topic["topic_id"], 3 - topic["level"], "王芳", "第三段联系了本单位",
                                 "2026-10-08T09:20:00+00:00"),
                                (doc["doc_id"], topic["topic_id"], (topic["level"] + 1) % 4, "李红（lihong）", "复核",
                                 "2026-10-08T09:30:00+00:00")])


def test_flag_keys_are_those_the_release_computed():
    # computed by b8563e8's flag_key: archived decisions attach to their flags only while this holds
    assert flag_key("机关党委", "2026年第三季度", "001_张三", "copied", "坚持 以人民为中心", 1) == "eb358935b7a7266af01f0232"


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_an_archive_of_the_release_opens_and_reads_the_same(tmp_path, scored, version):
    path = tmp_path / "archive.sqlite"
    archive_as_release(path, scored, version)
    written = path.stat().st_size
    archive = Archive.open(path)
    assert archive.schema_version() == SCHEMA_VERSION
    assert path.stat().st_size < written / 2  # every text was stored two or three times: the file shrinks
    unit, doc = scored["unit"], scored["documents"][0]
    assert [(q["quarter"], q["unit"], q["documents"], q["stored_at"]) for q in archive.quarters()] == [
        ("2026Q2", unit, len(scored["documents"]), "2026-06-30T08:00:00+00:00"),
        ("2026Q3", unit, len(scored["documents"]), "2026-09-30T08:00:00+00:00")]
    assert archive.results("2026Q2") == {**scored, "quarter": "2026Q2"}
    assert [(f["flag_key"], f["kind"], f["text"], f["detail"]) for f in archive.flags("2026Q2")] == [
        (f.key, f.kind, f.text, f.entry) for d in scored["documents"] for f in document_flags(d, quarter="2026Q2", unit=unit)]
    assert_each_text_once(path, scored)
    assert [t.source_id for t in archive.earlier_texts("2026Q3", unit=unit)] == \
        [f"prior:2026Q2/{d['doc_id']}" for d in sorted(scored["documents"], key=lambda d: d["doc_id"])]
    if version == 4:
        topic = doc["topics"][0]
        [read] = [t for t in archive.results("2026Q3")["documents"][0]["topics"] if t["topic_id"] == topic["topic_id"]]
        assert (read["level"], read["review"]["scored"]["level"]) == ((topic["level"] + 1) % 4, topic["level"])
        assert [(d["reviewer"], d["note"]) for d in read["review"]["decisions"]] == [("王芳", "第三段联系了本单位"),
                                                                                   ("李红（lihong）", "复核")]
    if version == 1:
        assert archive.results("2026Q3") == {**scored, "quarter": "2026Q3"}
        assert archive.users() == [] and archive.decisions("2026Q3") == []
    else:
        flag = document_flags(doc, quarter="2026Q3", unit=unit)[0]
        assert [(d["flag_key"], d["reviewer"], d["verdict"], d["note"], d["flag_raised"])
                for d in archive.decisions("2026Q3")] == [
            (flag.key, "李红（lihong）", "confirm", "", True), (flag.key, "王芳", "dismiss", "已注明出处", True),
            (GONE_KEY, "王芳", "confirm", "", False), (None, "李红（lihong）", "需补学", "补学专题一", None)]
        read = archive.results("2026Q3")["documents"][0]
        assert read["review"]["verdict"] == "需补学" and read["review"]["decisions"][0]["decided_at"] == \
            "2026-10-08T09:10:00+00:00"
        [entry] = [e for e in read[flag.kind] if e.get("review")] if flag.kind != "diagnosis" else \
            [read["diagnoses"][flag.text]]
        assert entry["review"]["verdict"] == "dismiss" and len(entry["review"]["decisions"]) == 2
        mine = next(d for h in archive.member_history(doc["author"]) if h["quarter"] == "2026Q3"
                    for d in h["documents"] if d["doc_id"] == doc["doc_id"])
        assert (mine["verdict"], mine["confirmed"], mine["dismissed"]) == ("需补学", 0, 1)
        assert archive.users() == [{"username": "lihong", "display_name": "李红",
                                    "created_at": "2026-07-02T08:00:00+00:00"}]
        assert verify_password("correct horse", archive.user("lihong")["password_hash"])
        assert archive.session_user("sid-1") == ((True, "lihong") if version >= 3 else (False, None))
        archive.store_quarter(scored)  # scored again by this xuexi: the decisions stay attached
        assert archive.results("2026Q3")["documents"][0]["review"]["verdict"] == "需补学"
    archive.decide_document("2026Q3", doc["doc_id"], reviewer="li", verdict="合格")
    assert archive.decisions("2026Q3")[-1]["verdict"] == "合格"
    Archive.open(path)  # opening again changes nothing
    with raw_sql(path) as con:
        assert [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY version")] == list(range(1, SCHEMA_VERSION + 1))
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def assert_each_text_once(path: Path, scored: dict) -> None:
    """Every document's text is in the archive file once per quarter (documents.text); its flagged passages, topic
    evidence, headings and quotations are not written again (offsets into it); a copied passage's source text, when
    it is not the flag's own text, once per quarter (shared_texts). Apart from those, a passage is only where the
    audit trail keeps what was decided on (decisions.flag_text)."""
    allowed = {("documents", "text"), ("shared_texts", "text"), ("decisions", "flag_text")}
    with raw_sql(path) as con:
        columns = [(table, column) for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                   for _, column, kind, *_ in con.execute(f"PRAGMA table_info({table})") if kind == "TEXT"]
        quarters = con.execute("SELECT count(*) FROM quarters").fetchone()[0]

        def places(text: str) -> set[tuple[str, str]]:
            return {(table, column) for table, column in columns
                    if con.execute(f"SELECT 1 FROM {table} WHERE instr({column}, ?)", (text,)).fetchone()}

        def count(text: str, table: str) -> int:
            return con.execute(f"SELECT count(*) FROM {table} WHERE text = ?", (text,)).fetchone()[0]

        for doc in scored["documents"]:
            assert places(doc["text"]) == {("documents", "text")} and count(doc["text"], "documents") == quarters
            # the title and byline are named as they are; a diagnosis quotes cut excerpts (……) of its own
            own = {doc["structure"]["title"], doc["structure"]["byline"]}
            excerpts = [e for d in doc["diagnoses"].values() if d for e in d["evidence"]]
            for entry in doc["copied"] + doc["generic"] + [e for t in doc["topics"] for e in t["evidence"]] + \
                    doc["structure"]["headings"] + doc["structure"]["quotations"]:
                if entry["text"] not in own and not any(entry["text"] in e for e in excerpts):
                    assert places(entry["text"]) <= allowed, entry
        sources = {c["source_text"] for d in scored["documents"] for c in d["copied"] if c["source_text"] != c["text"]}
        assert sources
        for source in sources:
            assert places(source) <= allowed
            assert count(source, "shared_texts") == quarters


def test_each_text_is_stored_once(archive, scored):
    archive.store_quarter(scored)
    assert_each_text_once(archive.path, scored)


def test_a_members_history_takes_the_same_queries_however_many_documents(archive, scored, monkeypatch):
    statements = []
    connect = Archive._connect

    def traced(self):
        con = connect(self)
        con.set_trace_callback(lambda sql: statements.append(sql) if sql.lstrip().upper().startswith(("SELECT", "WITH")) else None)
        return con

    monkeypatch.setattr(Archive, "_connect", traced)
    author = scored["documents"][0]["author"]
    counts = []
    for label in ("2026Q1", "2026Q2", "2026Q3"):
        archive.store_quarter(relabelled(scored, label))
        statements.clear()
        documents = sum(len(h["documents"]) for h in archive.member_history(author))
        counts.append((documents, len(statements)))
    assert [n for n, _ in counts] == [len([d for d in scored["documents"] if d["author"] == author]) * q for q in (1, 2, 3)]
    assert {queries for _, queries in counts} == {5}, counts  # the documents, levels, flags, flag and document verdicts


def test_unusable_archive_files_are_refused_with_the_fix(tmp_path):
    garbage = tmp_path / "archive.sqlite"
    garbage.write_bytes("这不是数据库".encode() * 200)
    with pytest.raises(ConfigError, match=rf"{garbage}: 不是可用的 xuexi 档案.*--archive"):
        Archive.open(garbage)

    other = tmp_path / "other.sqlite"
    with raw_sql(other) as con:
        con.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(ConfigError, match=rf"{other}: 这是其他程序的 SQLite 数据库（表 invoices）"):
        Archive.open(other)

    newer = Archive.open(tmp_path / "newer.sqlite")
    with raw_sql(newer.path) as con:
        con.execute("INSERT INTO schema_version VALUES (?, '2027-01-01T00:00:00+00:00')", (SCHEMA_VERSION + 1,))
    with pytest.raises(ConfigError, match="更新版本的 xuexi.*请升级 xuexi"):
        Archive.open(newer.path)

    with pytest.raises(ConfigError, match="暂不支持数据库地址.*SQLite 文件的路径"):
        Archive.open("postgresql://xuexi@localhost/archive")
    with pytest.raises(ConfigError, match="busy_timeout 应大于 0 秒"):
        ArchiveConfig(busy_timeout=0)


def test_earlier_texts_are_the_units_quarters_before_and_the_copy_detector_finds_recycled_text(archive, scored):
    from pipeline.copying import CheckedText, CopyConfig, CopyDetector, CopySource

    for label in ("2026Q3", "2026Q4", "2025-Q4", "2026年第二季度"):
        archive.store_quarter(relabelled(scored, label))
    assert [q["quarter"] for q in archive.quarters() if q["unit"] == scored["unit"]] == ["2025Q4", "2026Q2", "2026Q3", "2026Q4"]
    archive.store_quarter({**relabelled(scored, "2026Q1"), "unit": "另一个单位党组"})
    unit = scored["unit"]
    earlier = archive.earlier_texts("2026Q3", unit=unit)
    n = len(scored["documents"])
    assert [t.quarter for t in earlier] == ["2025Q4"] * n + ["2026Q2"] * n
    assert archive.earlier_texts("2025Q4", unit=unit) == []
    assert len(archive.earlier_texts("2027Q1", unit=unit)) == 4 * n
    assert [t.quarter for t in archive.earlier_texts("2026Q2", unit="另一个单位党组")] == ["2026Q1"] * n
    recycled = scored["documents"][5]
    same = [t for t in earlier if t.quarter == "2026Q2" and t.doc_id == recycled["doc_id"]]
    assert [(t.source_id, t.author, t.text) for t in same] == \
           [(f"prior:2026Q2/{recycled['doc_id']}", recycled["author"], recycled["text"])]

    checked = [CheckedText(recycled["doc_id"], recycled["text"], recycled["author"])]
    report = CopyDetector(CopyConfig(paraphrase=False)).detect(
        checked, [CopySource(t.source_id, t.text, t.author) for t in earlier if t.quarter == "2026Q2"])[recycled["doc_id"]]
    assert report.matches and {m.source for m in report.matches} == {f"prior:2026Q2/{recycled['doc_id']}"}
    assert all(m.kind == "verbatim" and m.source_text == m.text for m in report.matches)
    assert report.ratio_without_own == 0  # the member's own earlier text


def test_member_history_across_quarters(archive, scored):
    archive.store_quarter(relabelled(scored, "2026Q2"))
    archive.store_quarter(scored)
    doc = scored["documents"][2]
    archive.decide_document("2026Q3", doc["doc_id"], reviewer="li", verdict="需补学", note="")
    flag = archive.flags("2026Q3", doc["doc_id"])[0]
    archive.decide_flag(flag["flag_key"], reviewer="li", verdict="dismiss")
    history = archive.member_history(doc["author"])
    assert [h["quarter"] for h in history] == ["2026Q2", "2026Q3"]
    mine = [d for d in scored["documents"] if d["author"] == doc["author"]]
    for h in history:
        assert [d["doc_id"] for d in h["documents"]] == [d["doc_id"] for d in mine]
        entry = next(d for d in h["documents"] if d["doc_id"] == doc["doc_id"])
        assert entry["levels"] == {t["topic_id"]: t["level"] for t in doc["topics"]}
        assert sum(entry["flags"].values()) == len(archive.flags(h["quarter"], doc["doc_id"]))
    last = next(d for d in history[1]["documents"] if d["doc_id"] == doc["doc_id"])
    assert (last["verdict"], last["dismissed"], last["confirmed"]) == ("需补学", 1, 0)
    assert next(d for d in history[0]["documents"] if d["doc_id"] == doc["doc_id"])["verdict"] is None
    assert archive.member_history("无此人") == []


@pytest.mark.parametrize("label, expected", [
    ("2026Q3", "2026Q3"), ("2026-q3", "2026Q3"), ("2026年第三季度", "2026Q3"), ("2026年3季度", "2026Q3"),
    (" 2026 Q1 ", "2026Q1"), ("dev", "dev"), ("2026Q5", "2026Q5"),
])
def test_quarter_names(label, expected):
    assert quarter_id(label) == expected


def test_wrong_decisions_and_quarters_are_refused_plainly(archive, scored):
    archive.store_quarter({**scored, "quarter": None})  # no quarter in topics.yaml: the batch name stands for it
    assert [q["quarter"] for q in archive.quarters()] == ["dev"]
    doc_id = scored["documents"][0]["doc_id"]
    with pytest.raises(XuexiError, match=rf"没有季度 2026Q3（档案中有：dev {scored['unit']}）"):
        archive.results("2026Q3")
    with pytest.raises(XuexiError, match="请从 合格, 需补学, 退回修改 中选择"):
        archive.decide_document("dev", doc_id, reviewer="li", verdict="confirm")
    with pytest.raises(XuexiError, match="请从 confirm, dismiss 中选择"):
        archive.decide_flag(archive.flags("dev")[0]["flag_key"], reviewer="li", verdict="合格")
    with pytest.raises(XuexiError, match="中没有标记 0000；.*请刷新页面"):
        archive.decide_flag("0000", reviewer="li", verdict="confirm")
    with pytest.raises(XuexiError, match="没有季度 dev 的材料 999_无"):
        archive.decide_document("dev", "999_无", reviewer="li", verdict="合格")
    with pytest.raises(XuexiError, match="审阅人姓名"):
        archive.decide_document("dev", doc_id, reviewer=" ", verdict="合格")
    with pytest.raises(XuexiError, match="应为 xuexi.results/1"):
        archive.store_quarter({**scored, "schema": "other/9"})
    assert archive.decisions("dev") == []


def test_reviewer_accounts(archive):
    stored_hash = "scrypt$16384$8$1$c2FsdA$aGFzaA"
    archive.add_user("li", "李秘书", stored_hash)
    user = archive.user("li")
    assert (user["username"], user["display_name"], user["password_hash"]) == ("li", "李秘书", stored_hash)
    assert user["created_at"]
    with pytest.raises(XuexiError, match="已有用户 li"):
        archive.add_user("li", "另一个", "x")
    assert archive.user("wang") is None


def test_two_units_with_the_same_quarter_are_kept_apart(archive, scored):
    other = {**copy.deepcopy(scored), "unit": "另一个单位党组"}
    archive.store_quarter(scored)
    archive.store_quarter(other)
    assert [(q["quarter"], q["unit"]) for q in archive.quarters()] == [("2026Q3", scored["unit"]), ("2026Q3", "另一个单位党组")]
    with pytest.raises(XuexiError, match="季度 2026Q3 在档案中有 2 个单位.*请指明哪个单位"):
        archive.results("2026Q3")
    doc_id = scored["documents"][0]["doc_id"]
    archive.decide_document("2026Q3", doc_id, reviewer="li", verdict="退回修改", unit="另一个单位党组")
    assert "review" not in archive.results("2026Q3", unit=scored["unit"])["documents"][0]
    assert archive.results("2026Q3", unit="另一个单位党组")["documents"][0]["review"]["verdict"] == "退回修改"
    mine, theirs = (archive.flags("2026Q3", doc_id, unit=u) for u in (scored["unit"], "另一个单位党组"))
    assert [f["text"] for f in mine] == [f["text"] for f in theirs]
    assert not {f["flag_key"] for f in mine} & {f["flag_key"] for f in theirs}
    assert [h["unit"] for h in archive.member_history(scored["documents"][0]["author"])] == [scored["unit"], "另一个单位党组"]


def written_outputs(results: dict, folder: Path) -> dict[str, list]:
    """What the 通报 and the score sheet of `results` say: the docx's paragraphs and table cells, every sheet's cells."""
    import docx
    import openpyxl

    from pipeline.report import write_reports

    write_reports(results, folder)
    tongbao = docx.Document(folder / "tongbao.docx")
    sheets = openpyxl.load_workbook(folder / "scores.xlsx")
    return {"tongbao": [p.text for p in tongbao.paragraphs]
            + [cell.text for table in tongbao.tables for row in table.rows for cell in row.cells],
            "scores.xlsx": [(sheet.title, list(sheet.iter_rows(values_only=True))) for sheet in sheets.worksheets]}


def test_the_demo_quarters_outputs_are_the_same_from_the_archive_and_from_one_written_before(tmp_path, demo_run):
    scored = {**copy.deepcopy(demo_run.results), "quarter": "2026Q2"}
    expected = written_outputs(scored, tmp_path / "scored")
    assert expected["tongbao"] and len(expected["scores.xlsx"][0][1]) > len(scored["documents"])

    archive = Archive.open(tmp_path / "new.sqlite")
    archive.store_quarter(scored)
    assert written_outputs(archive.results("2026Q2"), tmp_path / "archived") == expected

    before = tmp_path / "before.sqlite"
    archive_as_release(before, scored, 4)  # as main wrote it before each text was stored once, then migrated
    assert written_outputs(Archive.open(before).results("2026Q2"), tmp_path / "migrated") == expected
