"""Scanned and photographed submissions read by offline OCR: pages of the dev and demo documents rendered at 200 dpi
and degraded as scanners and phone cameras degrade them, a PDF mixing text and scanned pages, a handwritten page
and a blank one. OCR is slow (seconds a page), so the sample is small; bench/ocr.py reads every page."""

import json
import shutil
from pathlib import Path

import numpy as np
from rapidocr_onnxruntime import RapidOCR

import makers
from conftest import DEMO, DEV
from pipeline.ingest import ElementKind, FileFormat, detect_format, partition
from pipeline.ingest.ocr import OpenVinoModel, _engine, read_page
from pipeline.report.quarter import GARBLED_NOTE, LOW_CONFIDENCE, LOW_CONFIDENCE_NOTE

REALPDF = DEV.parents[1] / "corpora" / "realpdf"

FLAT_CER = 0.02  # the acceptance: flat scans
PHOTO_CER = 0.05  # a photographed page


def text_of(elements) -> str:
    return "\n".join(e.text for e in elements)


def test_a_scanned_report_as_a_multipage_tiff_reads_like_its_original(tmp_path):
    original = DEV / "submissions" / "003_周海涛_调研报告.pdf"
    pages = [makers.scanned(image, angle=angle, seed=n) for n, (image, angle) in
             enumerate(zip(makers.pdf_page_images(original), (2, -2)))]
    assert len(pages) == 2, "the fixture must run over two pages"
    tiff = tmp_path / "003_周海涛_调研报告.tif"
    pages[0].save(tiff, save_all=True, append_images=pages[1:], dpi=(makers.SCAN_DPI, makers.SCAN_DPI))
    assert detect_format(tiff) is FileFormat.IMAGE
    read, expected = partition(tiff), partition(original)
    assert makers.character_error_rate(text_of(read), text_of(expected)) <= FLAT_CER
    # the layout is the original's: title, headings, paragraphs rebuilt across the page break and line ends
    headings = lambda elements: [e.text for e in elements if e.kind in (ElementKind.TITLE, ElementKind.HEADING)]
    assert len(headings(read)) == len(headings(expected))
    assert len(read) == len(expected)
    assert {e.page for e in read} == {1, 2} and all(e.ocr_confidence > LOW_CONFIDENCE for e in read)


def test_a_photographed_page_reads_within_its_error_rate():
    original = DEMO / "submissions" / "006_吴海燕_学习心得.pdf"
    page = read_page(makers.photographed(makers.pdf_page_images(original)[0], seed=3), 1)
    assert makers.character_error_rate(" ".join(l.text for l in page.lines), makers.pdf_page_texts(original)[0]) <= PHOTO_CER


def mixed_pdf(original: Path, path: Path) -> Path:
    """The original's first page as text, its second as a scan of that page."""
    from pypdf import PdfReader, PdfWriter

    scan = makers.image_only_pdf([makers.scanned(makers.pdf_page_images(original)[1], angle=1, seed=5)],
                                 path.with_suffix(".scan.pdf"))
    writer = PdfWriter()
    writer.add_page(PdfReader(original).pages[0])
    writer.add_page(PdfReader(scan).pages[0])
    with open(path, "wb") as f:
        writer.write(f)
    return path


def test_a_pdf_mixing_text_and_scanned_pages_is_read_page_by_page_and_cached(tmp_path):
    from pipeline.util.parsecache import ParseCache
    from pipeline.segment import taught_words
    from pipeline.engines.stages import read_files

    original = DEV / "submissions" / "009_唐宁_调研报告.pdf"
    path = mixed_pdf(original, tmp_path / "009_唐宁_调研报告.pdf")
    cache = ParseCache(tmp_path / "cache", dictionary_words=taught_words())
    # in an isolated reading worker, within the memory and time limits, as `xuexi score` reads
    (submission,), failed = read_files(tmp_path, [path], cache=cache)
    assert not failed
    assert [page for page, _ in submission.ocr_pages] == [2]  # the text page is read from its text
    assert makers.character_error_rate(submission.text, text_of(partition(original))) <= FLAT_CER
    (again,), _ = read_files(tmp_path, [path], cache=cache)
    assert cache.hits == 1 and again.text == submission.text and again.ocr_pages == submission.ocr_pages


def test_scanned_submissions_are_scored_like_their_originals(tmp_path, demo_run):
    """Two demo documents replaced by scans of themselves, beside a handwritten page and a blank photo: the scans'
    topic levels and copied passages are the originals', the other two are named in failed, the rest is scored."""
    from pipeline.engines.local import score_batch

    root = tmp_path / "demo"
    shutil.copytree(DEMO, root)
    scanned = ["006_吴海燕_学习心得", "011_褚云飞_研讨发言"]
    for n, doc_id in enumerate(scanned):
        path = root / "submissions" / f"{doc_id}.pdf"
        pages = [makers.scanned(image, angle=(2, -2)[k % 2], seed=10 * n + k)
                 for k, image in enumerate(makers.pdf_page_images(path))]
        makers.image_only_pdf(pages, path)
    makers.handwritten_page(seed=1).save(root / "submissions" / "014_许可_学习心得.png")
    makers.scanned(makers.handwritten_page().point(lambda _: 255), angle=0, seed=1).save(
        root / "submissions" / "015_柳青_学习心得.jpg")
    run = score_batch(root, tmp_path / "out")

    failed = {f["file"]: f["error"] for f in run.results["failed"]}
    assert "手写稿，未能可靠识别" in failed.pop("submissions/014_许可_学习心得.png")
    assert "没有识别出文字" in failed.pop("submissions/015_柳青_学习心得.jpg")
    assert not failed
    before = {d["doc_id"]: d for d in demo_run.results["documents"]}
    after = {d["doc_id"]: d for d in run.results["documents"]}
    assert set(after) == set(before)
    levels = lambda d: {t["topic_id"]: t["level"] for t in d["topics"]}
    pairs = [(doc_id, topic) for doc_id in scanned for topic in levels(before[doc_id])]
    same = sum(levels(after[d])[t] == levels(before[d])[t] for d, t in pairs)
    assert same >= 0.95 * len(pairs)
    copied = lambda d: sorted((c["source"], c["kind"]) for c in d["copied"])
    copied_chars = lambda d: sum(len(makers.han_and_digits(c["text"])) for c in d["copied"])
    for doc_id in scanned:
        assert copied(after[doc_id]) == copied(before[doc_id])
        assert abs(copied_chars(after[doc_id]) - copied_chars(before[doc_id])) <= 0.05 * max(copied_chars(before[doc_id]), 1)
        assert [p["page"] for p in after[doc_id]["ocr_pages"]] == [1, 2]
    assert any(before[d]["copied"] for d in scanned), "the sample must hold a copied passage"
    # the document page says the text was read from a scan, under which the flags stand
    page = (tmp_path / "out" / "documents").glob("*.html")
    assert any("由光学识别（OCR）读出" in p.read_text(encoding="utf-8") for p in page)


def test_a_page_read_below_the_confidence_floor_is_marked_on_its_page_and_in_the_queue(tmp_path, demo_run):
    from pipeline.report import QuarterReport
    from pipeline.report.document_page import document_context
    from pipeline.report.html import render_page

    results = json.loads(json.dumps(demo_run.results))
    doc = results["documents"][0]
    doc["ocr_pages"] = [{"page": 1, "confidence": 0.99}, {"page": 2, "confidence": LOW_CONFIDENCE - 0.1}]
    doc["garbled_pages"] = [3]
    report = QuarterReport(results)
    facts = next(d for d in report.documents if d.doc_id == doc["doc_id"])
    assert f"第2页{LOW_CONFIDENCE_NOTE}" in facts.concern.reasons  # the review queue lists the concern reasons
    page = render_page("document.html", tmp_path / "doc.html", **document_context(report, facts, {})).read_text(encoding="utf-8")
    assert f"第2页{LOW_CONFIDENCE_NOTE}" in page and "第1、2页的文字由光学识别" in page
    assert f"第3页{GARBLED_NOTE}" in facts.concern.reasons and f"第3页{GARBLED_NOTE}" in page
    untouched = next(d for d in report.documents if d.doc_id != doc["doc_id"])
    assert not any(LOW_CONFIDENCE_NOTE in r for r in untouched.concern.reasons)


def test_a_text_layer_made_by_unchecked_ocr_is_marked_doubtful_and_typed_pdfs_are_not():
    from pipeline.submission import read_submission

    letter = read_submission(REALPDF / "pr-136-example.pdf", batch_root=REALPDF)  # 20I5, Z0l5 … on every page
    assert letter.garbled_pages == [1, 2, 3, 4, 5, 6] and "神鹰集团" in letter.text  # read, and marked
    typed = [REALPDF / "issue-67-example.pdf", REALPDF / "issue-842-example.pdf",
             *sorted((DEV / "submissions").glob("*.pdf")), *sorted((DEMO / "submissions").glob("*.pdf"))]
    assert [p.name for p in typed if read_submission(p, batch_root=p.parent).garbled_pages] == []


def test_a_page_scanned_on_its_side_is_turned_upright():
    original = DEV / "submissions" / "012_黄丽娟_调研报告.pdf"
    image = makers.pdf_page_images(original)[0]
    top = image.crop((0, 0, image.width, image.height // 3))  # a third of the page keeps the test quick
    page = read_page(top.rotate(90, expand=True), 1)
    read = makers.han_and_digits(" ".join(l.text for l in page.lines))
    expected = makers.han_and_digits(makers.pdf_page_texts(original)[0])[: len(read)]
    assert len(read) > 50 and makers.character_error_rate(read, expected) <= FLAT_CER


def test_a_page_scanned_upside_down_is_read_top_to_bottom():
    original = DEV / "submissions" / "012_黄丽娟_调研报告.pdf"
    image = makers.pdf_page_images(original)[0]
    top = image.crop((0, 0, image.width, image.height // 3))
    page = read_page(top.rotate(180), 1)
    read = makers.han_and_digits(" ".join(l.text for l in page.lines))
    expected = makers.han_and_digits(makers.pdf_page_texts(original)[0])[: len(read)]
    assert len(read) > 50 and makers.character_error_rate(read, expected) <= FLAT_CER


def test_openvino_reads_a_page_as_rapidocrs_own_onnx_runtime_does():
    page = makers.scanned(makers.pdf_page_images(DEV / "submissions" / "012_黄丽娟_调研报告.pdf")[0], angle=1, seed=7)
    rgb = np.array(page.crop((0, 0, page.width, page.height // 3)).convert("RGB"))
    engine = _engine()
    assert isinstance(engine.text_rec.session, OpenVinoModel) and isinstance(engine.text_det.infer, OpenVinoModel)
    onnx = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
    read = [text for _, text, _ in engine(rgb)[0]]
    assert len("".join(read)) > 50 and read == [text for _, text, _ in onnx(rgb)[0]]
