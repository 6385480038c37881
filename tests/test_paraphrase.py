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




def test_the_reader_screens_documents_before_the_paraphrase_model(encoder, tmp_path):
    """A default run screens each document with the static topic reader (CopyDetector's `reader`): the paraphrase
    model is asked only about a document where an open paragraph aligns with a reference in the reader's vectors
    too (CopyConfig.paraphrase_screen_distinctness). On the dev batch, with its labelled rewrites, the 洗稿 decided
    are those of the model asked about every document, for fewer texts; a screen no paragraph passes leaves the
    model unasked and decides nothing: the screen is what decides whether the model is asked."""
    from pipeline.copying import CopyConfig
    from pipeline.semantic import get_encoder

    docs = [labelled(DEV, p.stem) for p in sorted((DEV / "submissions").iterdir())]
    reader = get_encoder("static", cache_dir=tmp_path)

    def decided(screened: bool, **config):
        before = encoder.stats["embedded"] + encoder.stats["cache_hits"]
        detector = CopyDetector(CopyConfig(**config), encoder=encoder, reader=reader if screened else None)
        reports = detector.detect(docs, references(DEV))
        asked = encoder.stats["embedded"] + encoder.stats["cache_hits"] - before
        return asked, {d: [(m.start, m.end, m.source) for m in paraphrases(r)] for d, r in reports.items()}

    asked_always, always = decided(False)
    asked, screened = decided(True)
    asked_never, never = decided(True, paraphrase_screen_distinctness=1.0)
    assert screened == always and any(always.values())
    assert 0 < asked < asked_always
    assert asked_never == 0 and not any(never.values())


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
