"""The PDF reader through PDFium (the default) against pdfplumber (its fallback), which was the only reader before:
the same characters and ruling lines go through the same layout rules, so the parsed text of every dev and demo
PDF is the same whichever reader read it. Where they differ on real PDFs, the test names why."""

from pathlib import Path

import pytest

import makers
import pipeline.ingest.pdf as pdf_reader
from pipeline.ingest import ElementKind, partition
from pipeline.ingest.pdfium_pages import RotatedPage, read_pages

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "eval" / "dev" / "submissions"
DEMO = ROOT / "corpora" / "demo" / "submissions"
REALPDF = ROOT.parent / "shared" / "corpora" / "realpdf"
SUBMISSION_PDFS = sorted(DEV.glob("*.pdf")) + sorted(DEMO.glob("*.pdf"))


def parsed(path: Path, monkeypatch=None, *, reader: str = "pdfium") -> list[tuple]:
    """The Element stream (kind, level, text, page) of a PDF read by PDFium or, with `reader="pdfplumber"`,
    by pdfplumber."""
    if reader == "pdfplumber":
        monkeypatch.setattr(pdf_reader, "read_pages", pdf_reader._pdfplumber_pages)
    try:
        return [(e.kind, e.level, e.text, e.page) for e in partition(path)]
    finally:
        if monkeypatch is not None:
            monkeypatch.undo()


def test_every_dev_and_demo_pdf_reads_the_same_through_both_readers(monkeypatch):
    # None of the formats issue's corrections (doubled glyphs, rejoined lines, tables) changes these files: both
    # readers apply them alike, and these PDFs draw no glyph twice.
    assert len(SUBMISSION_PDFS) >= 11
    for path in SUBMISSION_PDFS:
        through_pdfium = parsed(path)
        assert through_pdfium == parsed(path, monkeypatch, reader="pdfplumber"), path.name
        assert sum(len(text) for _, _, text, _ in through_pdfium) > 300, path.name


def test_real_office_pdfs_read_the_same_but_for_a_few_drawn_spaces(monkeypatch):
    # issue-67 (a quarterly report of tables) and issue-842 (a letterhead drawn four times) read the same. In
    # issue-71 (every glyph drawn twice) PDFium gives a few of the drawn spaces only as spaces it inferred, which
    # are left out like all inferred spaces; where the gap they stood in is narrower than the word gap of the
    # line rules (3 pt), no space is read: "3com认证" where pdfplumber reads "3com 认证".
    for name in ("issue-67-example.pdf", "issue-842-example.pdf"):
        assert parsed(REALPDF / name) == parsed(REALPDF / name, monkeypatch, reader="pdfplumber"), name
    cv = parsed(REALPDF / "issue-71-duplicate-chars.pdf")
    old = parsed(REALPDF / "issue-71-duplicate-chars.pdf", monkeypatch, reader="pdfplumber")
    unspaced = lambda stream: [(kind, level, text.replace(" ", ""), page) for kind, level, text, page in stream]
    assert cv != old and unspaced(cv) == unspaced(old)
    assert any("3com认证网络大师" in text for _, _, text, _ in cv)


def test_a_page_turned_by_rotate_reads_as_the_text_runs(tmp_path):
    """/Rotate turns the page for display; the text is read along its own baseline, whatever the page's turn."""
    from pypdf import PdfReader, PdfWriter

    from test_ingest import SPEECH

    source = makers.pdf_file(tmp_path / "s.pdf", SPEECH)
    writer = PdfWriter()
    for page in PdfReader(source).pages:
        page.rotate(90)
        writer.add_page(page)
    writer.write(tmp_path / "turned.pdf")
    assert parsed(tmp_path / "turned.pdf") == parsed(source)


def _sideways_letter(path: Path, rotate: int) -> Path:
    """A short letter drawn sideways on a portrait sheet (as a landscape page is printed), turned upright for
    reading by the page's /Rotate."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    drawn = path.with_suffix(".drawn.pdf")
    c = canvas.Canvas(str(drawn), pagesize=A4)
    c.translate(A4[0], 0)
    c.rotate(90)
    c.setFont(makers._cjk_font(), 12)
    for k, line in enumerate(LETTER):
        c.drawString(72, A4[0] - 72 - 24 * k, line)
    c.save()
    writer = PdfWriter()
    for page in PdfReader(drawn).pages:
        page.rotate(rotate)
        writer.add_page(page)
    writer.write(path)
    return path


LETTER = ["关于加强理论学习的心得体会", "通过学习，我对理论武装有了更深的认识。", "下一步，我们将抓好整改，把学习成果转化为工作成效。"]


def test_text_set_sideways_is_read_through_pdfplumber_which_turns_it_upright(tmp_path):
    path = _sideways_letter(tmp_path / "landscape.pdf", rotate=90)
    with pytest.raises(RotatedPage):
        read_pages(path)
    assert [text for _, _, text, _ in parsed(path)] == LETTER


def test_a_watermark_set_aslant_is_not_read_into_the_text(tmp_path, monkeypatch):
    """Characters on a turned baseline (a watermark, a stamp) are not lines of the text; pdfplumber read each of
    them as a one-character line, most of them headings."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "watermarked.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    font = makers._cjk_font()
    c.setFont(font, 12)
    for k, line in enumerate(LETTER):
        c.drawString(72, 760 - 24 * k, line)
    c.saveState()
    c.translate(300, 400)
    c.rotate(45)
    c.setFont(font, 48)
    c.drawCentredString(0, 0, "内部资料注意保密")
    c.restoreState()
    c.save()
    elements = parsed(path)
    assert [text for _, _, text, _ in elements] == LETTER
    assert elements[0][0] is ElementKind.TITLE
    old = [text for _, _, text, _ in parsed(path, monkeypatch, reader="pdfplumber")]
    assert old[:3] == LETTER and "保" in old[3:]


def test_ruling_lines_come_from_pdfiums_paths_as_pdfplumber_finds_them():
    """The demo's table is found on the edges PDFium's path objects give, as on pdfminer's."""
    path = DEMO / "003_孙建平_调研报告.pdf"
    pdfium_page = read_pages(path)[0]
    plumber_page = pdf_reader._pdfplumber_pages(path)[0]
    assert len(pdfium_page.edges) >= pdf_reader.MIN_TABLE_EDGES
    _, pdfium_rows, _ = pdf_reader._page_content(pdfium_page)
    _, plumber_rows, _ = pdf_reader._page_content(plumber_page)
    assert pdfium_rows and [text for _, text in pdfium_rows] == [text for _, text in plumber_rows]


def test_a_file_pdfium_cannot_open_is_read_by_pdfplumber(monkeypatch):
    import pypdfium2 as pdfium

    def cannot_open(path):
        raise pdfium.PdfiumError("Failed to load document (PDFium: Data format error).")

    path = SUBMISSION_PDFS[0]
    expected = parsed(path)
    monkeypatch.setattr(pdf_reader, "read_pages", cannot_open)
    assert [(e.kind, e.level, e.text, e.page) for e in partition(path)] == expected


def test_a_pdf_cut_short_is_named_damaged_when_neither_reader_can_open_it(tmp_path):
    from pipeline.errors import ExtractionError

    data = SUBMISSION_PDFS[0].read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: len(data) // 2])
    with pytest.raises(ExtractionError, match="已损坏"):
        partition(tmp_path / "cut.pdf")
