"""OFD submissions (GB/T 33190): the demo's Word documents printed to PDF by LibreOffice and turned into OFD by
easyofd (a maintained writer on PyPI) and by the tests' own writer that follows the standard (makers.ofd_from_pdf),
read with their structure and scored like the Word originals; encrypted, signed, damaged and hostile packages;
a scanned report exported as OFD (pictures of its pages, no text) read by OCR."""

import shutil
import zipfile
from pathlib import Path

import pytest

import makers
from conftest import DEMO, DEV
from pipeline.errors import ExtractionError
from pipeline.ingest import ElementKind, FileFormat, ReaderLimits, detect_format, partition
from pipeline.ingest.legacy import soffice
from pipeline.report.quarter import LOW_CONFIDENCE

ONE_FONT = "WenQuanYi Zen Hei"  # easyofd draws a PDF line's font runs over each other: its input is printed in one font
REPORT = DEMO / "submissions" / "010_陈静_调研报告.docx"  # headings of two levels, a table, wrapped paragraphs
SPEECH = DEMO / "submissions" / "001_赵卫东_研讨发言.docx"  # quotations, figures, three heading levels
WATERMARK = "内部资料注意保存"  # drawn on every page from the page template of the tests' own OFD
FLAT_CER = 0.02  # the acceptance for flat scans


@pytest.fixture(scope="module")
def ofd_files(tmp_path_factory):
    """Each demo .docx as OFD from both writers: {docx path: (own writer's OFD, easyofd's OFD)}."""
    if soffice() is None:
        pytest.skip("LibreOffice is not installed (test.sh installs it where it can)")
    out = tmp_path_factory.mktemp("ofd")
    files = {}
    for docx in sorted((DEMO / "submissions").glob("*.docx")):
        pdf = makers.pdf_from_docx(docx, out / docx.stem / "pdf")
        own = makers.ofd_from_pdf(pdf, out / docx.stem / "own.ofd", template_text=WATERMARK)
        one_font_pdf = makers.pdf_from_docx(docx, out / docx.stem / "pdf-one-font", one_font=ONE_FONT)
        files[docx] = (own, makers.easyofd_from_pdf(one_font_pdf, out / docx.stem / "easyofd.ofd"))
    return files


def _plain(text: str) -> str:
    return "".join(text.split())


def _structure(elements):
    """What must survive the trip through OFD: headings with their levels, the text of title, byline and
    paragraphs in order (white space aside: PDF and OFD space Latin runs, Word does not), and the characters of
    the table rows (an OFD table is only aligned text: a header cell wrapped over two lines is read as two rows)."""
    headings = [(e.level, _plain(e.text)) for e in elements if e.kind is ElementKind.HEADING]
    text = _plain("".join(e.text for e in elements if e.kind is not ElementKind.TABLE_ROW))
    table = sorted(_plain("".join(e.text for e in elements if e.kind is ElementKind.TABLE_ROW)))
    return headings, text, table


@pytest.mark.parametrize("writer", ["own", "easyofd"])
def test_ofd_keeps_the_headings_paragraphs_and_tables_of_the_word_original(ofd_files, writer):
    for docx, made in ofd_files.items():
        author = docx.stem.split("_")[1]
        original = partition(docx, author=author)
        ofd = partition(made[0 if writer == "own" else 1], author=author)
        headings, text, table = _structure(ofd)
        want_headings, want_text, want_table = _structure(original)
        # Every heading of the original is a heading of the OFD at its level; a table caption may be read as a
        # heading too, as in a PDF (nothing else).
        assert set(want_headings) <= set(headings), docx.name
        assert all(h.startswith("表") for _, h in set(headings) - set(want_headings)), docx.name
        assert text == want_text and table == want_table, docx.name
        assert ofd[0].kind is ElementKind.TITLE and _plain(ofd[0].text) == _plain(original[0].text)
        paragraphs = [_plain(e.text) for e in ofd if e.kind is ElementKind.PARAGRAPH]
        want_paragraphs = [_plain(e.text) for e in original if e.kind is ElementKind.PARAGRAPH]
        assert set(want_paragraphs) - {p for p in want_paragraphs if p.startswith("表")} <= set(paragraphs), docx.name
        # What the page template draws on every page and the page numbers are not the author's text.
        assert WATERMARK not in text and "—1—" not in text


def test_ofd_table_rows_are_table_rows(ofd_files):
    for made in ofd_files[REPORT]:
        rows = [e.text for e in partition(made, author="陈静") if e.kind is ElementKind.TABLE_ROW]
        assert "合计 38 29 412 6600" in rows and len(rows) == 7, made


def test_ofd_is_detected_from_its_package(ofd_files):
    own, easy = ofd_files[SPEECH]
    renamed = own.parent / "submission.zip"
    shutil.copy(own, renamed)
    assert detect_format(renamed) is FileFormat.OFD and detect_format(easy) is FileFormat.OFD
    assert partition(renamed)[0].text == partition(own)[0].text


def test_signed_ofd_is_read_and_named_only_when_it_has_no_text(ofd_files, tmp_path):
    pdf = next((ofd_files[SPEECH][0].parent / "pdf").glob("*.pdf"))
    signed = makers.ofd_from_pdf(pdf, tmp_path / "signed.ofd", signed=True)
    assert _structure(partition(signed, author="赵卫东")) == _structure(partition(ofd_files[SPEECH][0], author="赵卫东"))
    seal_only = tmp_path / "seal_only.ofd"
    with zipfile.ZipFile(signed) as z, zipfile.ZipFile(seal_only, "w") as out:
        for info in z.infolist():
            data = z.read(info)
            if info.filename.endswith("Content.xml"):
                data = data.split(b"<ofd:Layer")[0] + b"</ofd:Content></ofd:Page>"
            out.writestr(info, data)
    with pytest.raises(ExtractionError, match="OFD文件已签章，但页面上没有可读取的文字"):
        partition(seal_only)


def test_encrypted_ofd_is_refused_by_name(ofd_files, tmp_path):
    locked = makers.encrypted_ofd(ofd_files[SPEECH][0], tmp_path / "locked.ofd")
    with pytest.raises(ExtractionError, match="OFD文件已加密，请提交未加密版本"):
        partition(locked)


def test_damaged_and_hostile_ofd_are_refused_with_a_reason(ofd_files, tmp_path):
    data = ofd_files[SPEECH][0].read_bytes()
    cut = tmp_path / "cut.ofd"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ExtractionError, match="OFD文件已损坏"):
        partition(cut)
    # A zip bomb: a page that unpacks to more than the reading limit is refused before it is read.
    bomb = tmp_path / "bomb.ofd"
    with zipfile.ZipFile(ofd_files[SPEECH][0]) as z, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info)
            out.writestr(info, data.replace(b"<ofd:Content>", b"<ofd:Content>" + b" " * 3 * 2**20, 1)
                         if info.filename.endswith("Page_0/Content.xml") else data)
    assert bomb.stat().st_size < 2**20
    with pytest.raises(ExtractionError, match="解压上限"):
        partition(bomb, limits=ReaderLimits(max_unzipped_mb=2))
    # Entity expansion ("billion laughs") in a page: refused, never expanded.
    laughs = (b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "hahahahahahahahahahaha">'
              + b"".join(b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">' % ((98 + i,) + (97 + i,) * 10)
                         for i in range(9))
              + b']><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer><ofd:TextObject '
                b'Boundary="0 0 100 10" Size="5"><ofd:TextCode X="0" Y="5">&j;</ofd:TextCode></ofd:TextObject>'
                b"</ofd:Layer></ofd:Content></ofd:Page>")
    laughing = tmp_path / "laughs.ofd"
    with zipfile.ZipFile(ofd_files[SPEECH][0]) as z, zipfile.ZipFile(laughing, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            out.writestr(info, laughs if info.filename.endswith("Page_0/Content.xml") else z.read(info))
    with pytest.raises(ExtractionError, match="OFD文件含有超出读取限制的内容"):
        partition(laughing)
    # A page nested in PageBlocks a hundred thousand deep is read to a bounded depth, not into a crash.
    deep = tmp_path / "deep.ofd"
    nested = (b'<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>'
              + b"<ofd:PageBlock>" * 100_000 + b"</ofd:PageBlock>" * 100_000 + b"</ofd:Layer></ofd:Content></ofd:Page>")
    with zipfile.ZipFile(ofd_files[SPEECH][0]) as z, zipfile.ZipFile(deep, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            out.writestr(info, nested if info.filename.endswith("Page_0/Content.xml") else z.read(info))
    elements = partition(deep)
    assert elements and all(e.page != 1 for e in elements)


def test_ofd_batch_is_scored_like_its_word_originals(ofd_files, demo_run, tmp_path):
    """The demo batch with every .docx replaced by its OFD (two by easyofd, three by the tests' writer), plus an
    encrypted and a damaged OFD: the OFDs get the topic levels and copy flags of their Word originals, and the two
    bad files are named in `failed` with a Chinese reason while the rest is scored."""
    from pipeline.engines.local import score_batch

    batch = makers.batch_with(DEMO, tmp_path / "batch", {
        docx.name: easy if number < 2 else own for number, (docx, (own, easy)) in enumerate(ofd_files.items())})
    makers.encrypted_ofd(ofd_files[SPEECH][0], batch / "submissions" / "014_赵卫东_学习笔记.ofd")
    data = ofd_files[REPORT][0].read_bytes()
    (batch / "submissions" / "015_陈静_学习笔记.ofd").write_bytes(data[: len(data) // 3])

    run = score_batch(batch, tmp_path / "out")
    failed = {Path(f["file"]).name: f["error"] for f in run.results["failed"]}
    assert "OFD文件已加密，请提交未加密版本" in failed.pop("014_赵卫东_学习笔记.ofd")
    assert "OFD文件已损坏" in failed.pop("015_陈静_学习笔记.ofd")
    assert not failed

    def scores(results):
        return {d["doc_id"]: ({t["topic_id"]: t["level"] for t in d["topics"]},
                              sorted((c["source"], c["kind"], _plain(c["text"])) for c in d["copied"]),
                              sorted((q["source"], _plain(q["text"])) for q in d["quoted"]))
                for d in results["documents"]}

    got, want = scores(run.results), scores(demo_run.results)
    assert set(got) == set(want)
    for doc_id in want:
        assert got[doc_id] == want[doc_id], doc_id
    assert {d["format"] for d in run.results["documents"] if d["doc_id"].startswith(("001", "005", "008"))} == {"ofd"}


def scanned_ofd(images, path: Path) -> Path:
    """Page images as a scanner's OFD: an image-only PDF turned into OFD by easyofd, which keeps a PDF's pictures
    as pictures (ImageObjects over MultiMedia resources), so the package holds no text."""
    ofd = makers.easyofd_from_pdf(makers.image_only_pdf(images, path.with_suffix(".pdf")), path)
    with zipfile.ZipFile(ofd) as z:
        pages = [z.read(n) for n in z.namelist() if n.endswith("Content.xml")]
    assert len(pages) == len(images) and all(b"ImageObject" in p and b"TextObject" not in p for p in pages)
    return ofd


def test_a_scanned_ofd_is_read_by_ocr_like_its_original(tmp_path):
    original = DEV / "submissions" / "003_周海涛_调研报告.pdf"
    scans = [makers.scanned(image, angle=angle, seed=n)
             for n, (image, angle) in enumerate(zip(makers.pdf_page_images(original), (1, -1)))]
    assert len(scans) == 2, "the fixture must run over two pages"
    ofd = scanned_ofd(scans, tmp_path / "003_周海涛_调研报告.ofd")
    read, expected = partition(ofd, author="周海涛"), partition(original, author="周海涛")
    text = lambda elements: "\n".join(e.text for e in elements)
    assert makers.character_error_rate(text(read), text(expected)) <= FLAT_CER
    headings = lambda elements: [(e.kind, e.level, _plain(e.text)) for e in elements
                                 if e.kind in (ElementKind.TITLE, ElementKind.HEADING)]
    assert len(headings(expected)) >= 4 and headings(read) == headings(expected)
    # every element carries its page's OCR confidence, as a scanned PDF's do (the reports mark doubtful pages)
    assert {e.page for e in read} == {1, 2} and all(e.ocr_confidence > LOW_CONFIDENCE for e in read)


def test_a_scanned_ofd_of_blank_pages_is_named_as_such(tmp_path):
    from PIL import Image

    blank = makers.scanned(Image.new("L", (1654, 2339), 255), angle=0.5, seed=1)
    with pytest.raises(ExtractionError, match="图像中没有识别出文字"):
        partition(scanned_ofd([blank], tmp_path / "blank.ofd"))


def test_a_scanned_ofd_picture_beyond_the_pixel_limit_is_refused_before_it_is_decoded(tmp_path, monkeypatch):
    from PIL import Image

    from pipeline.ingest import ocr

    ofd = scanned_ofd([Image.new("L", (1654, 2339), 255)], tmp_path / "huge.ofd")
    monkeypatch.setattr(ocr, "MAX_PAGE_PIXELS", 2_000_000)  # the page's 3.9 megapixels stand for a 100-megapixel one
    with pytest.raises(ExtractionError, match="1654×2339 像素，超过每页"):
        partition(ofd)
