"""Readers on real files made here: formats, structure, and every kind of bad input the issue lists."""

import os
from pathlib import Path

import pytest

import makers
from pipeline.errors import ExtractionError, UnsupportedFormatError
from pipeline.ingest import ElementKind, FileFormat, detect_format, partition
from pipeline.ingest.legacy import soffice

BODY = ("中心组学习是党委领导班子和领导干部理论学习的重要组织形式，是严肃党内政治生活、强化党性修养的重要内容，"
        "是加强各级领导班子思想政治建设的重要制度。")
SPEECH = [
    ("title", "关于加强理论学习的心得体会"),
    ("body", "张志强"),
    ("heading", "一、提高政治站位，筑牢理论根基"),
    ("body", BODY * 3),
    ("body", "我体会到，学习必须联系实际。" + BODY * 2),
    ("heading", "二、坚持问题导向"),
    ("body", BODY * 8),
    ("body", "下一步，我们将抓好整改。"),
]


def kinds(elements):
    return [(e.kind, e.level) for e in elements]


# --- plain text -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le", "utf-16-be"])
def test_txt_encoding_is_read_from_the_bytes(tmp_path, encoding):
    text = "学习心得\n张志强\n一、提高政治站位\n我体会到，学习必须联系实际，“四个意识”要落到行动上。\n"
    path = tmp_path / "note.txt"
    path.write_bytes(text.encode(encoding))
    elements = partition(path, author="张志强")
    assert [e.text for e in elements] == text.split()
    assert kinds(elements)[:3] == [(ElementKind.TITLE, 0), (ElementKind.BYLINE, 0), (ElementKind.HEADING, 1)]


def test_txt_hard_wrapped_lines_are_rejoined_into_paragraphs(tmp_path):
    width = 40
    paragraph = "我体会到，学习必须联系实际。" + BODY * 2
    lines = [paragraph[i:i + width] for i in range(0, len(paragraph), width)]
    text = "\n\n".join(["突出理论主题，强化学习引领性"] + lines + lines)
    path = tmp_path / "wrapped.txt"
    path.write_text(text, encoding="utf-8")
    elements = partition(path)
    body = [e.text for e in elements if e.kind == ElementKind.PARAGRAPH]
    assert body == [paragraph, paragraph]
    assert any(e.kind in (ElementKind.HEADING, ElementKind.TITLE) and e.text.startswith("突出理论主题") for e in elements)


# --- docx -------------------------------------------------------------------------------------------------

def test_docx_keeps_order_styles_tables_and_numbering_and_drops_header_footer(tmp_path):
    path = makers.docx_file(tmp_path / "d.docx", [
        ("Title", "在党组理论学习中心组研讨交流会上的发言"),
        ("Normal", "林雪"),
        ("Heading 1", "一、加强和改进中心组学习"),
        ("Normal", "中心组学习之所以要有制度约束，是因为理论学习最怕的就是“说起来重要、忙起来不要”。"),
        ("Heading 2", "（一）严格学习制度"),
        ("table:指标|数值;集体学习|12次", ""),
        ("Heading 2", "落实学习档案"),  # a heading by style only, without typed numbering
        ("Normal", "1.每季度通报一次学习情况。"),
    ], header="临江市市场监督管理局", footer_page_field=True)
    elements = partition(path, author="林雪")
    assert [(e.kind, e.level, e.text) for e in elements] == [
        (ElementKind.TITLE, 0, "在党组理论学习中心组研讨交流会上的发言"),
        (ElementKind.BYLINE, 0, "林雪"),
        (ElementKind.HEADING, 1, "一、加强和改进中心组学习"),
        (ElementKind.PARAGRAPH, 0, "中心组学习之所以要有制度约束，是因为理论学习最怕的就是“说起来重要、忙起来不要”。"),
        (ElementKind.HEADING, 2, "（一）严格学习制度"),
        (ElementKind.TABLE_ROW, 0, "指标　数值"),
        (ElementKind.TABLE_ROW, 0, "集体学习　12次"),
        (ElementKind.HEADING, 2, "落实学习档案"),
        (ElementKind.PARAGRAPH, 0, "1.每季度通报一次学习情况。"),
    ]
    assert not any("监督管理局" in e.text for e in elements)


def test_docx_localized_heading_style_and_outline_level(tmp_path):
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_paragraph("关于学习成果转化情况的调研报告", style="Title")
    localized = document.styles.add_style("标题 2", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("一、调研的基本情况", style=localized)
    outlined = document.add_paragraph("存在的主要问题")
    ppr = outlined._p.get_or_add_pPr()
    level = OxmlElement("w:outlineLvl")
    level.set(qn("w:val"), "0")
    ppr.append(level)
    document.add_paragraph("调研发现，部分科室学用脱节。")
    document.save(tmp_path / "r.docx")
    elements = partition(tmp_path / "r.docx")
    assert kinds(elements) == [(ElementKind.TITLE, 0), (ElementKind.HEADING, 1), (ElementKind.HEADING, 1),
                               (ElementKind.PARAGRAPH, 0)]


def test_docx_automatic_chinese_numbering_is_rendered(tmp_path):
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    numbering = document.part.numbering_part.element
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering.append(parse_xml(
        f'<w:abstractNum {w} w:abstractNumId="90"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
        f'<w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
        f'<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for text, ilvl in [("提高政治站位", 0), ("带头学", 1), ("带头讲", 1), ("坚持问题导向", 0), ("深入调研", 1)]:
        p = document.add_paragraph(text, style="Heading 2")
        p._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {w}><w:ilvl w:val="{ilvl}"/><w:numId w:val="90"/></w:numPr>'))
    document.save(tmp_path / "n.docx")
    texts = [e.text for e in partition(tmp_path / "n.docx") if e.kind == ElementKind.HEADING]
    assert texts == ["一、提高政治站位", "（一）带头学", "（二）带头讲", "二、坚持问题导向", "（一）深入调研"]


def test_docx_text_box_is_kept_once(tmp_path):
    path = makers.docx_file(tmp_path / "box.docx", [("Normal", "正文第一段。"), ("Normal", "正文第二段。")])
    makers.add_text_box(path, 0, "图框里的学习要点：坚持学用结合。")
    texts = [e.text for e in partition(path)]
    assert texts.count("图框里的学习要点：坚持学用结合。") == 1
    assert texts.index("图框里的学习要点：坚持学用结合。") == texts.index("正文第一段。") + 1


# --- pdf --------------------------------------------------------------------------------------------------

def test_pdf_paragraphs_rejoined_and_running_header_and_page_numbers_removed(tmp_path):
    elements = partition(makers.pdf_file(tmp_path / "s.pdf", SPEECH), author="张志强")
    pages = {e.page for e in elements}
    assert pages == {1, 2}, "the fixture must run over two pages"
    assert [(e.kind, e.text) for e in elements] == [
        (ElementKind.TITLE, SPEECH[0][1]), (ElementKind.BYLINE, "张志强"),
        (ElementKind.HEADING, SPEECH[2][1]), (ElementKind.PARAGRAPH, SPEECH[3][1]),
        (ElementKind.PARAGRAPH, SPEECH[4][1]), (ElementKind.HEADING, SPEECH[5][1]),
        (ElementKind.PARAGRAPH, SPEECH[6][1]), (ElementKind.PARAGRAPH, SPEECH[7][1]),
    ]


def test_pdf_whose_scan_shows_no_text_is_reported(tmp_path):
    # a page that is only a picture is read by OCR (tests/test_ocr.py); a picture of ruled lines holds no text
    with pytest.raises(ExtractionError, match="没有识别出文字"):
        partition(makers.scanned_pdf(tmp_path / "scan.pdf"))


def test_pdf_with_garbled_font_map_is_reported(tmp_path):
    good = makers.pdf_file(tmp_path / "g.pdf", SPEECH[:4])
    with pytest.raises(ExtractionError, match="garbled"):
        partition(makers.garbled_pdf(good, tmp_path / "garbled.pdf"))


def test_encrypted_pdf_and_docx_are_reported(tmp_path):
    pdf = makers.encrypted_pdf(makers.pdf_file(tmp_path / "p.pdf", SPEECH[:4]), tmp_path / "locked.pdf")
    with pytest.raises(ExtractionError, match="PDF 已加密"):
        partition(pdf)
    docx_path = makers.docx_file(tmp_path / "p.docx", [("Normal", "正文。")])
    with pytest.raises(ExtractionError, match="Word 文件设有密码"):
        partition(makers.encrypted_docx(docx_path, tmp_path / "locked.docx"))


# --- bad input --------------------------------------------------------------------------------------------

def test_empty_and_zero_byte_files(tmp_path):
    for name in ("empty.txt", "empty.pdf", "empty.docx"):
        (tmp_path / name).write_bytes(b"")
        with pytest.raises(ExtractionError, match="空文件"):
            partition(tmp_path / name)
    (tmp_path / "blank.txt").write_text("\n   \n\t\n", encoding="utf-8")
    with pytest.raises(ExtractionError, match="没有文字"):
        partition(tmp_path / "blank.txt")


def test_random_bytes_and_truncated_docx(tmp_path):
    (tmp_path / "random.docx").write_bytes(os.urandom(4096))
    with pytest.raises(ExtractionError, match="不是 Word .docx 文件"):
        partition(tmp_path / "random.docx")
    good = makers.docx_file(tmp_path / "good.docx", [("Normal", BODY)])
    data = good.read_bytes()
    (tmp_path / "cut.docx").write_bytes(data[: len(data) // 2])
    with pytest.raises(ExtractionError, match="已损坏"):
        partition(tmp_path / "cut.docx")


def test_non_chinese_document_is_refused_with_reason(tmp_path):
    (tmp_path / "english.txt").write_text("Study notes\nThe group studied the speech and discussed it at length.\n" * 5)
    with pytest.raises(ExtractionError, match="不是中文材料"):
        partition(tmp_path / "english.txt")


def test_huge_text_is_refused_with_the_stated_limit(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_bytes((BODY + "\n").encode("gb18030") * (20 * 2**20 // len((BODY + "\n").encode("gb18030"))))
    assert path.stat().st_size > 19 * 2**20
    with pytest.raises(ExtractionError, match="超过每份材料 1,000,000 字的上限"):
        partition(path)


def test_unsupported_extension_names_the_supported_ones(tmp_path):
    (tmp_path / "notes.xlsx").write_bytes(b"a,b\n")
    with pytest.raises(UnsupportedFormatError, match=r"\.docx"):
        partition(tmp_path / "notes.xlsx")


def test_format_is_detected_from_the_bytes_not_the_name(tmp_path):
    pdf = makers.pdf_file(tmp_path / "x.pdf", SPEECH[:4])
    renamed = tmp_path / "really_a_pdf.docx"
    renamed.write_bytes(pdf.read_bytes())
    assert detect_format(renamed) == FileFormat.PDF
    assert partition(renamed, author="张志强")[0].text == SPEECH[0][1]


def test_doc_without_libreoffice_names_the_fix(tmp_path, monkeypatch):
    import pipeline.ingest.legacy as legacy

    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    monkeypatch.setattr(legacy, "soffice", lambda: None)
    with pytest.raises(UnsupportedFormatError, match="LibreOffice"):
        partition(tmp_path / "old.doc")


@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed (test.sh installs it where it can)")
def test_doc_is_converted_through_libreoffice(tmp_path):
    import subprocess

    source = makers.docx_file(tmp_path / "src.docx", [("Title", "学习心得"), ("Normal", BODY)])
    subprocess.run([soffice(), f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless", "--convert-to",
                    "doc", "--outdir", str(tmp_path / "out"), str(source)], check=True, capture_output=True, timeout=180)
    elements = partition(tmp_path / "out" / "src.doc")
    assert [e.text for e in elements] == ["学习心得", BODY]


# ---- real PDFs made by office software (../shared/corpora/realpdf, from pdfplumber's test suite)

REALPDF = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "realpdf"


def test_glyphs_drawn_twice_or_four_times_are_read_once():
    cv = "".join(e.text for e in partition(REALPDF / "issue-71-duplicate-chars.pdf"))
    letterhead = "".join(e.text for e in partition(REALPDF / "issue-842-example.pdf"))
    assert "项目描述" in cv and "项项目目" not in cv
    assert "安徽安利合成革股份有限公司" in letterhead and "安安" not in letterhead


def test_a_quarterly_report_keeps_its_paragraphs_headings_and_tables():
    elements = partition(REALPDF / "issue-67-example.pdf")
    paragraphs = [e.text for e in elements if e.kind is ElementKind.PARAGRAPH]
    assert any("保证季度报告内容的真实、准确、完整，不存在虚假记载" in p for p in paragraphs)  # rejoined across the wrap
    headings = [e.text for e in elements if e.kind is ElementKind.HEADING]
    for section in ("第一节 重要提示", "第二节 公司基本情况", "第三节 重要事项", "第四节 财务报表"):
        assert section in headings
    assert sum(1 for h in headings if h.startswith(("第", "一、", "二、", "三、", "（"))) >= 10
    assert len(headings) <= 40, headings
    rows = [e.text for e in elements if e.kind is ElementKind.TABLE_ROW]
    assert len(rows) > 100 and not any(r in headings for r in rows)


def test_a_pdf_with_almost_no_text_is_refused(tmp_path):
    import makers

    path = makers.pdf_file(tmp_path / "001_某人_学习心得.pdf", [("body", "2021 3 31")], header=None, page_numbers=False)
    with pytest.raises(ExtractionError, match="几乎没有文字"):
        partition(path)


def test_docx_heading_levels_read_once_per_document_equal_python_docxs_own_style_lookup(tmp_path):
    """The reader resolves styles from styles.xml once per document (python-docx's lookup searched every style for
    every paragraph); its levels must be those python-docx's own style chain gives, on every dev and demo .docx
    and on a file with a style based on another, a Chinese heading style and outline levels."""
    import docx

    from conftest import DEMO, DEV
    from pipeline.ingest.docx import _outline_level, _StyleLevels
    from pipeline.lexicon import HEADING_STYLE

    def through_python_docx(paragraph):  # the chain as python-docx resolves it: style, its bases, outline levels
        outline, style = _outline_level(paragraph._p), paragraph.style
        while style is not None:
            name = (style.name or "").strip()
            if name.lower() in ("title", "标题"):
                return 0
            if HEADING_STYLE.search(name):
                return int(HEADING_STYLE.search(name).group(1))
            outline = _outline_level(style.element) if outline is None else outline
            style = style.base_style
        return outline + 1 if outline is not None and outline < 9 else None

    made = docx.Document()
    based = made.styles.add_style("报告小标题", docx.enum.style.WD_STYLE_TYPE.PARAGRAPH)
    based.base_style = made.styles["Heading 3"]
    made.add_paragraph("关于学习成果转化情况的调研报告", style="Title")
    made.add_paragraph("调研的基本情况和主要做法", style=based)
    made.add_paragraph(BODY * 2)
    made.save(tmp_path / "based.docx")
    files = [*sorted((DEV / "submissions").glob("*.docx")), *sorted((DEMO / "submissions").glob("*.docx")),
             tmp_path / "based.docx"]
    headings = 0
    for path in files:
        document = docx.Document(str(path))
        levels = _StyleLevels(document)
        for paragraph in document.paragraphs:
            assert levels.level(paragraph) == through_python_docx(paragraph), (path.name, paragraph.text)
            headings += levels.level(paragraph) is not None
    assert len(files) >= 10 and headings >= 10  # the files do use heading styles
    assert kinds(partition(tmp_path / "based.docx"))[1] == (ElementKind.HEADING, 3)
