"""Paraphrase (洗稿) decided by calibrated evidence, on real inputs with the shipped default encoder: the real
speech and article against the dev references (same subject, no rewrite), a rewrite labelled in a batch written by
other hands, a member's own paragraph on the reference's subject, and an encoder without a calibration."""

from __future__ import annotations

import json

import pytest

from conftest import DEV, REALISTIC, ROOT
from makers import BigramEncoder
from pipeline.copying import CheckedText, CopyDetector, CopySource
from pipeline.copying.paraphrase import CALIBRATIONS, FEATURES, Calibration
from pipeline.submission import read_submission
from pipeline.engines.stages import checked_text
from pipeline.results import paraphrase_check
from pipeline.util.textnorm import fold

DEMO = ROOT / "corpora" / "demo"


def references(batch) -> list[CopySource]:
    return [CopySource(f"ref:{p.stem}", p.read_text(encoding="utf-8")) for p in sorted((batch / "references").glob("*.txt"))]


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    from pipeline.semantic import get_encoder

    return get_encoder(cache_dir=tmp_path_factory.mktemp("embeddings"))


def paraphrases(report):
    return [m for m in report.matches if m.kind == "paraphrase"]


def labelled(batch, doc_id: str) -> CheckedText:
    """A labelled document as the pipeline reads it (ingest, segmentation and its attributed quotations)."""
    return checked_text(read_submission(next((batch / "submissions").glob(f"{doc_id}.*")), batch_root=batch))


def test_the_default_encoder_ships_with_its_calibration(encoder):
    table = json.loads(CALIBRATIONS.read_text(encoding="utf-8"))
    assert table[encoder.name]["features"] == list(FEATURES)
    assert Calibration.shipped(encoder.name) is not None
    assert Calibration.shipped("st:a-model-someone-placed-in-models") is None


def test_real_speech_and_article_share_the_subject_of_the_dev_references_but_rewrite_none(encoder):
    docs = [checked_text(read_submission(p, batch_root=REALISTIC)) for p in sorted(REALISTIC.glob("*.txt"))]
    reports = CopyDetector(encoder=encoder).detect(docs, references(DEV))
    for doc in docs:
        report = reports[doc.doc_id]
        assert report.paraphrase_calibrated
        assert not paraphrases(report), [(m.source, m.similarity, m.text[:30]) for m in paraphrases(report)]




@pytest.fixture(scope="module")
def demo_reports(encoder):
    """The demo's rewrite (011) and a member's own measures on the same reference's subject (001)."""
    demo = DEMO
    docs = [labelled(demo, d) for d in ("001_赵卫东_研讨发言", "011_褚云飞_研讨发言")]
    labels = json.loads((demo / "labels.json").read_text(encoding="utf-8"))["documents"]
    return CopyDetector(encoder=encoder).detect(docs, references(demo)), labels


def test_labelled_rewrite_is_found_with_its_source_and_a_reason_naming_shared_words(demo_reports, encoder):
    reports, labels = demo_reports
    [truth] = [c for c in labels["011_褚云飞_研讨发言"]["copied"] if c["kind"] == "paraphrase"]
    [found] = paraphrases(reports["011_褚云飞_研讨发言"])
    assert found.source == truth["source"]
    assert fold(found.text) in fold(truth["text"]) or fold(truth["text"]) in fold(found.text)
    assert Calibration.shipped(encoder.name).threshold <= found.similarity <= 1 and found.cosine is not None
    assert "4句与原文" in found.reason and "依次对应" in found.reason
    words = found.reason.split("原文专有内容词只保留了")[1].split("、")  # reworded: the few rare words it kept
    assert words and all(w in found.text and w in found.source_text for w in words)


def test_own_measures_on_the_references_subject_are_not_rewrites(demo_reports):
    reports, labels = demo_reports
    own = reports["001_赵卫东_研讨发言"]
    assert not paraphrases(own)
    assert any("交通量" in p for p in labels["001_赵卫东_研讨发言"]["own"])  # the same-subject measure


def test_an_encoder_without_calibration_proposes_but_never_decides(demo_reports):
    demo = DEMO
    submission = read_submission(next((demo / "submissions").glob("011_褚云飞_研讨发言.*")), batch_root=demo)
    doc = checked_text(submission)
    report = CopyDetector(encoder=BigramEncoder()).detect([doc], references(demo))[doc.doc_id]
    assert not paraphrases(report)
    report.annotate(submission.doc)
    check = paraphrase_check(submission.doc, submission.text)
    assert check["encoder"] == "st:bigram-test-model" and check["calibrated"] is False
    assert "没有校准" in check["note"]
    assert check["candidates"] and all(c["kind"] == "paraphrase" and c["reason"] for c in check["candidates"])
    calibrated = demo_reports[0]["011_褚云飞_研讨发言"]
    assert calibrated.paraphrase_calibrated is True and not calibrated.candidates
