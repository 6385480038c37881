"""The results model (pipeline.model) on real results: results.json of the dev and demo batches and an archive's
results with reviewers' decisions read into the dataclasses and written back key for key, and a record of an
earlier release, lacking later fields, read with their defaults and written back as it was."""

from __future__ import annotations

import copy
import json
import tracemalloc

from pipeline.archive import Archive
from pipeline.model import (CopyKind, DiagnosisKind, DocumentRecord, EvidenceRole, GenericKind, Level, PackedDocuments,
                            Results, SourceKind, Verdict)
from pipeline.results import write_results


def same_file(a: dict, b: dict) -> bool:
    """Equal, key order included: written as JSON, the two are the same file."""
    return json.dumps(a, ensure_ascii=False, indent=1) == json.dumps(b, ensure_ascii=False, indent=1)


def test_results_json_reads_into_the_model_and_writes_back_the_same(dev_run, demo_run):
    for run in (dev_run, demo_run):
        results = Results.from_dict(run.results)
        assert same_file(results.to_dict(), run.results)
        documents = results.documents
        assert [d.doc_id for d in documents] == [d["doc_id"] for d in run.results["documents"]]
        copied = [c for d in documents for c in d.copied]
        assert copied and {type(c.source.kind) for c in copied} == {SourceKind}
        assert {c.kind for c in copied} <= set(CopyKind)
        assert {g.kind for d in documents for g in d.generic} <= set(GenericKind)
        assert {type(t.level) for d in documents for t in d.topics} == {Level}
        assert {e.role for d in documents for t in d.topics for e in t.evidence} <= set(EvidenceRole)
        assert all(set(d.diagnoses) == set(DiagnosisKind) for d in documents)


def test_results_json_written_a_document_at_a_time_is_the_file_one_dump_writes(tmp_path, dev_run, demo_run):
    """The scoring run writes results.json record by record (write_results), never holding its whole dict or
    string: the bytes are those json.dumps writes of the whole, on the dev and demo batches' real results."""
    for run in (dev_run, demo_run):
        written = (run.out_dir / "results.json").read_bytes()
        assert written == json.dumps(run.results, ensure_ascii=False).encode("utf-8")
        results = Results.from_dict(run.results)
        write_results(tmp_path / "again.json", results)
        assert (tmp_path / "again.json").read_bytes() == written
    empty = Results(schema="xuexi.results/1")
    write_results(tmp_path / "empty.json", empty)
    assert (tmp_path / "empty.json").read_bytes() == json.dumps(empty.to_dict(), ensure_ascii=False).encode("utf-8")


def test_a_runs_records_are_held_packed_in_a_fraction_of_their_memory_and_read_back_as_they_were(dev_run):
    """A scoring run holds every record packed (PackedDocuments) while it scores the rest: on the dev batch's real
    records, in doc_id order whatever order they came in, read back equal to results.json's, written as the same
    text, and held in under a third of the memory the records take as objects."""
    dicts = dev_run.results["documents"]
    texts = [json.dumps(d, ensure_ascii=False) for d in dicts]  # each record read afresh, its strings its own

    def held(make) -> tuple[int, object]:
        tracemalloc.start()
        made = make()
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        return size, made

    objects, records = held(lambda: [DocumentRecord.from_dict(json.loads(t)) for t in texts])
    packed_size, packed = held(lambda: PackedDocuments(DocumentRecord.from_dict(json.loads(t))
                                                       for t in reversed(texts)))
    assert [d.doc_id for d in packed] == [d["doc_id"] for d in dicts] == sorted(d["doc_id"] for d in dicts)
    assert packed == records and packed[2:4] == records[2:4] and len(packed) == len(records) > 20
    assert [json.loads(t) for t in PackedDocuments.texts(packed)] == dicts
    assert packed_size < objects / 3, (packed_size, objects)


def test_an_archives_results_with_decisions_read_into_the_model_and_write_back_the_same(tmp_path, dev_run):
    archive = Archive.open(tmp_path / "archive.sqlite")
    quarter = archive.store_quarter(copy.deepcopy(dev_run.results))
    flags = archive.flags(quarter)
    for kind in ("copied", "quoted", "generic", "diagnosis"):
        key = next(f["flag_key"] for f in flags if f["kind"] == kind)
        archive.decide_flag(key, reviewer="李红", verdict="confirm")
        archive.decide_flag(key, reviewer="王芳", verdict="dismiss", note="有出处")
    doc = dev_run.results["documents"][0]
    archive.decide_document(quarter, doc["doc_id"], reviewer="李红", verdict="需补学", note="补学专题一")
    archive.correct_level(quarter, doc["doc_id"], doc["topics"][0]["topic_id"], reviewer="王芳",
                          level=3 - doc["topics"][0]["level"], note="第三段联系了本单位")

    back = archive.results(quarter)
    results = Results.from_dict(back)
    assert same_file(results.to_dict(), back)
    [decided] = [d for d in results.documents if d.review]
    assert decided.review.verdict is Verdict.RESTUDY and decided.review.decisions[0].note == "补学专题一"
    corrected = decided.topics[0]
    assert corrected.review.scored.level == doc["topics"][0]["level"] and corrected.level == 3 - corrected.review.scored.level
    reviewed = [p.review for d in results.documents for p in (*d.copied, *d.quoted, *d.generic) if p.review]
    reviewed += [x.review for d in results.documents for x in d.diagnoses.values() if x and x.review]
    assert len(reviewed) == 4 and all(r.verdict is Verdict.DISMISS and r.flag_key for r in reviewed)


def test_results_of_an_earlier_release_read_with_defaults_and_write_back_as_they_were(dev_run):
    """Fields later releases added are absent: the detail ratios, the boilerplate share, the diagnoses, the
    structure, a topic's key points, a copied passage's kind, offsets and source text."""
    earlier = copy.deepcopy(dev_run.results)
    del earlier["topic_list"][0]["key_points"]
    for document in earlier["documents"]:
        for key in ("copy_ratios", "paraphrase_check", "generic_ratio", "diagnoses", "structure"):
            document.pop(key, None)
        document["copied"] = [{"text": c["text"], "source": c["source"]} for c in document["copied"]]
    results = Results.from_dict(earlier)
    record = results.documents[0]
    assert record.generic_ratio is None and record.diagnoses is None and record.structure is None
    assert all(c.kind is None and c.start is None for d in results.documents for c in d.copied)
    assert same_file(results.to_dict(), earlier)
