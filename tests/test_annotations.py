"""The detectors annotate the Doc (pipeline.annotations) and one serializer turns it into the record: on the demo
batch as `xuexi score` runs it, and on a demo document annotated by hand."""

import json

import pytest

from conftest import DEMO
from pipeline.batch import Batch
from pipeline.config import ScoringConfig
from pipeline.engines.local import annotated_documents
from pipeline.engines.stages import batch_parse_cache, copy_sources, read_packed
from pipeline.annotations import COPIED, EVIDENCE, GENERIC, QUOTED, annotate
from pipeline.model import CopyKind, EvidenceRole, Source
from pipeline.results import document_record
from pipeline.submission import read_submission


@pytest.fixture(scope="module")
def demo_annotated(demo_run):
    """The demo's Submissions as the local engine annotates them, one at a time (it keeps none), with their
    records: the run's stream again, over its caches."""
    batch = Batch.open(DEMO)
    cache = batch_parse_cache(batch, demo_run.out_dir / ".cache" / "parsed")
    submissions, _ = read_packed(batch.root, batch.submissions, manifest=batch.manifest, cache=cache)
    sources, _ = copy_sources(batch, library=None, progress=None, cache=cache)
    return list(annotated_documents(batch, submissions, sources, semantic=None, config=ScoringConfig(),
                                    out_dir=demo_run.out_dir))


def test_every_record_of_results_json_is_its_annotated_doc_serialized(demo_run, demo_annotated):
    """results.json on disk holds, document for document, what serializing the Doc the run annotated gives."""
    written = json.loads((demo_run.out_dir / "results.json").read_text(encoding="utf-8"))
    records = {d["doc_id"]: d for d in written["documents"]}
    assert demo_annotated and len(records) == len(demo_annotated)
    for record, submission in demo_annotated:
        assert json.loads(json.dumps(record)) == records[submission.doc_id]
        assert document_record(submission) == record


def test_the_docs_span_groups_hold_the_passages_the_record_lists(demo_run, demo_annotated):
    records = {d["doc_id"]: d for d in demo_run.results["documents"]}
    kinds, roles = set(), set()
    for _, submission in demo_annotated:
        doc, record = submission.doc, records[submission.doc_id]
        copied = [(*s._.chars, str(s._.source), s._.kind.value) for s in doc.spans[COPIED]]
        assert copied == [(c["start"], c["end"], c["source"], c["kind"]) for c in record["copied"]]
        for span in doc.spans[COPIED]:
            start, end = span._.chars
            assert isinstance(span._.source, Source) and span.start_char <= start < end <= span.end_char
            kinds.add(span._.kind)
        assert [s._.chars for s in doc.spans[QUOTED]] == [(q["start"], q["end"]) for q in record["quoted"]]
        assert [(s._.chars, s._.kind) for s in doc.spans[GENERIC]] == \
            [((g["start"], g["end"]), g["kind"]) for g in record["generic"]]
        evidence = [(s._.topic, *s._.chars, s._.role.value) for s in doc.spans[EVIDENCE]]
        assert evidence == [(t["topic_id"], e["start"], e["end"], e["role"]) for t in record["topics"]
                            for e in t["evidence"]]
        roles |= {s._.role for s in doc.spans[EVIDENCE]}
    assert kinds == set(CopyKind)  # the demo copies verbatim, edited and by paraphrase
    assert {EvidenceRole.PRACTICE, EvidenceRole.ELABORATION, EvidenceRole.COPIED} <= roles


def test_spans_over_the_same_characters_keep_their_own_attributes():
    """spaCy keeps a span's values under its characters alone: a copied passage that is also a stock sentence,
    and a paragraph that is evidence for two topics, must still each say what their own group found."""
    submission = read_submission(next((DEMO / "submissions").glob("011_*")), batch_root=DEMO)
    paragraph = max(submission.spans("paragraphs"), key=len)
    start, end = paragraph.start_char, paragraph.end_char
    doc = submission.doc
    annotate(doc, COPIED, [(start, end, {"source": Source.parse("ref:R1"), "kind": CopyKind.VERBATIM})])
    annotate(doc, GENERIC, [(start, end, {"kind": "stock", "reasons": ["套话"]})])
    annotate(doc, EVIDENCE, [(start, end, {"topic": "T1", "role": EvidenceRole.PRACTICE}),
                             (start, end, {"topic": "T2", "role": EvidenceRole.MENTION})])
    [copied], [generic] = doc.spans[COPIED], doc.spans[GENERIC]
    assert (copied.start_char, copied.end_char) == (generic.start_char, generic.end_char)
    assert (copied._.kind, copied._.source, copied._.reasons) == (CopyKind.VERBATIM, Source.parse("ref:R1"), None)
    assert (generic._.kind, generic._.reasons, generic._.source) == ("stock", ["套话"], None)
    assert [(s._.topic, s._.role) for s in doc.spans[EVIDENCE]] == [("T1", EvidenceRole.PRACTICE),
                                                                    ("T2", EvidenceRole.MENTION)]


def test_a_passage_that_begins_inside_a_word_keeps_its_own_characters():
    """Copy detection finds characters, spaCy's spans cover words: the record gives the passage's own."""
    submission = read_submission(next((DEMO / "submissions").glob("011_*")), batch_root=DEMO)
    word = next(t for t in submission.doc if len(t.text) >= 3)
    annotate(submission.doc, QUOTED, [(word.idx + 1, word.idx + len(word.text), {"source": None})])
    [span] = submission.doc.spans[QUOTED]
    assert span._.chars == (word.idx + 1, word.idx + len(word.text)) and span.text == word.text


def test_annotating_a_group_again_forgets_what_its_spans_said():
    submission = read_submission(next((DEMO / "submissions").glob("011_*")), batch_root=DEMO)
    annotate(submission.doc, COPIED, [(0, 5, {"source": Source.parse("ref:R1"), "kind": CopyKind.VERBATIM})])
    annotate(submission.doc, COPIED, [(0, 5, {"kind": CopyKind.EDITED})])
    [span] = submission.doc.spans[COPIED]
    assert (span._.kind, span._.source) == (CopyKind.EDITED, None)
