"""PDF submissions through pdfplumber: running headers, footers and page numbers removed, lines re-joined into
the paragraphs they were (by right margin, first-line indent and paragraph spacing), headings told by typed
numbering or a larger or bold font. A text layer garbled into `(cid:N)` codes is read again through pypdfium2;
a page with no text layer (a scan) is rendered and read by OCR (pipeline.ingest.ocr), page by page, so a PDF that
mixes text and scanned pages is read whole."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from statistics import median

import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from .. import lexicon
from ..errors import ExtractionError
from ..messages import N_
from .elements import Element
from .limits import SECONDS_PER_OCR_PAGE, extend_time_limit
from .ocr import OcrPage, judge_ocr_pages, read_page, render_pdf_page
from .layout import Line, classify, ends_sentence, join_lines, lines_from_wrapped_text

_PAGE_NUMBER = re.compile(
    r"^[-—－–\s]*\d{1,4}[-—－–\s]*$|^第\s*\d+\s*页(\s*[，,/／]?\s*共\s*\d+\s*页)?$|^\d+\s*[/／]\s*\d+$|^(page|Page)\s*\d+"
)
_CID = re.compile(r"\(cid:\d+\)")
MARGIN_BAND = 0.09  # the top and bottom 9 % of a page is where running headers and footers stand
WRAPPED_GAP_LINES = 3.0  # a wrapped line's next line stands within this many font sizes below it (double spacing)
FULL_LINE_CHARS = 2.5  # a line ending within this many characters of the right margin ran to it (was wrapped)
MISREAD_NUMBERS_PER_1000 = 1.0  # numbers with digits read as letters, per 1,000 Chinese characters and digits,
#                                 from which a page's text layer is unchecked OCR (typed text has none)
MIN_MISREAD_NUMBERS = 2  # one such number may be a product code; two make a page doubtful
MIN_TABLE_EDGES = 4  # ruling lines a page needs before tables are looked for on it (finding them is slow)


def partition_pdf(path: Path, *, author: str | None = None) -> list[Element]:
    if path.stat().st_size == 0:
        raise ExtractionError(N_("{name}: 空文件（0 字节）", name=path.name))
    try:
        with pdfplumber.open(path) as pdf:
            contents = [_page_content(page) for page in pdf.pages]
            has_images = [bool(page.images) for page in pdf.pages]
    except (PdfminerException, PDFPasswordIncorrect, PDFEncryptionError) as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, ExtractionError):  # a reading limit reached inside pdfminer: its own reason
            raise cause from exc
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)) or "password" in str(exc).lower():
            raise ExtractionError(N_("{name}: PDF 已加密（设有密码）；请提交不设密码的文件", name=path.name)) from exc
        raise ExtractionError(N_("{name}: PDF 无法读取（文件已损坏）；请重新导出", name=path.name)) from exc
    except ExtractionError:  # a reading limit reached: its own reason
        raise
    except Exception as exc:  # pdfminer raises many kinds on damaged files
        raise ExtractionError(N_("{name}: PDF 无法读取（文件已损坏）；请重新导出", name=path.name)) from exc
    # A page with no text layer but an image is a scan: it is read by OCR, the others from their text.
    scanned = [i for i, ((raw, tables, _), images) in enumerate(zip(contents, has_images)) if images and not raw and not tables]
    if not scanned and not any(raw or tables for raw, tables, _ in contents):
        raise ExtractionError(N_("{name}: PDF 中没有文字", name=path.name))
    ocr_pages = _ocr_pdf_pages(path, scanned)
    pages = [PageContent([raw], tables, height) if i not in ocr_pages else PageContent.of_ocr(ocr_pages[i])
             for i, (raw, tables, height) in enumerate(contents)]
    if not scanned:
        text = "".join(l["text"] for raw, _, _ in contents for l in raw)
        if len(_CID.findall(text)) > 0.02 * len(text) / 6:
            return _partition_pdfium(path, author)
    return elements_from_pages(path.name, pages, author)


@dataclass
class PageContent:
    """One page as the layout rules read it: its text lines in pdfplumber's shape, column by column (a text page
    is one column: pdfplumber orders its lines), its table rows (top, text), its height, and the OCR reading
    where the page was a scan."""

    columns: list[list[dict]]
    tables: list[tuple[float, str]]
    height: float
    ocr: OcrPage | None = None

    @property
    def text(self) -> str:
        return "\n".join(l["text"] for column in self.columns for l in column)

    @classmethod
    def of_ocr(cls, page: OcrPage) -> "PageContent":
        return cls(page.raw_columns(), [], page.height, page)


def elements_from_pages(name: str, pages: list[PageContent], author: str | None) -> list[Element]:
    """A document's elements from its pages: running lines dropped, paragraphs re-joined, headings told. Pages
    read by OCR are checked first (judge_ocr_pages), and their elements carry the page's mean confidence."""
    ocr = [p.ocr for p in pages if p.ocr is not None]
    judge_ocr_pages(name, ocr, text_pages=len(pages) - len(ocr))
    sizes = Counter(round(c["size"]) for p in pages for column in p.columns for l in column for c in l["chars"])
    body_size = sizes.most_common(1)[0][0] if sizes else 0
    lines = _strip_running_lines([
        [line for k, column in enumerate(p.columns)
         for line in _page_lines(column, p.tables if k == 0 else [], p.height, number, body_size)]
        for number, p in enumerate(pages, 1)])
    elements = classify(join_lines(lines), author=author)
    confidence = {number: p.ocr.confidence for number, p in enumerate(pages, 1) if p.ocr is not None}
    doubtful = {number for number, p in enumerate(pages, 1) if p.ocr is None and garbled(p.text)}
    for e in elements:
        e.ocr_confidence = confidence.get(e.page)
        e.garbled = e.page in doubtful
    return elements


def garbled(text: str) -> bool:
    """Whether a page's text layer reads as OCR nobody checked: numbers with digits read as look-alike letters."""
    misread = len(lexicon.MISREAD_NUMBER.findall(text))
    counted = sum(1 for c in text if lexicon.CJK.match(c) or c.isdigit())
    return misread >= MIN_MISREAD_NUMBERS and misread >= MISREAD_NUMBERS_PER_1000 * counted / 1000


def _ocr_pdf_pages(path: Path, indexes: list[int]) -> dict[int, OcrPage]:
    """The scanned pages of a PDF, rendered by PDFium and read by OCR, by page index."""
    if not indexes:
        return {}
    pdf = pdfium.PdfDocument(str(path))
    try:
        out = {}
        for i in indexes:
            extend_time_limit(SECONDS_PER_OCR_PAGE)
            image, dpi = render_pdf_page(pdf, i)
            out[i] = read_page(image, i + 1, dpi=dpi)
        return out
    finally:
        pdf.close()


def _page_content(page) -> tuple[list[dict], list[tuple[float, str]], float]:
    """A page's text lines outside its tables, its table rows (top, the row's cells joined), and its height.
    Glyphs drawn two or four times over each other (fake bold) are read once; tables are found by their ruling
    lines, only on pages that have some."""
    page = page.dedupe_chars(tolerance=1, extra_attrs=())  # a fake-bold copy may name a bold font
    tables = page.find_tables() if len(page.edges) >= MIN_TABLE_EDGES else []
    rows = []
    for table in tables:
        for row, cells in zip(table.rows, table.extract()):
            text = " ".join(" ".join((c or "").split()) for c in cells if c and c.strip())
            if text:
                rows.append((row.bbox[1], text))
    outside = page.filter(lambda o: not any(_inside(o, t.bbox) for t in tables)) if tables else page
    return outside.extract_text_lines(strip=True, return_chars=True), rows, page.height


def _inside(obj: dict, bbox: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = bbox
    return "x0" in obj and obj["x0"] >= x0 - 1 and obj["x1"] <= x1 + 1 and obj["top"] >= top - 1 and obj["bottom"] <= bottom + 1


def _page_lines(raw: list[dict], tables: list[tuple[float, str]], height: float, number: int,
                body_size: float) -> list[Line]:
    """A page's text lines (pdfplumber's, in reading order) with the geometry that tells paragraphs apart, and its
    table rows in their place. `body_size` is the document's most common font size."""
    if not raw:
        return [Line(text, page=number, top_fraction=top / height, table_row=True) for top, text in tables]
    char_width = body_size
    body = [l for l in raw if not _in_margin_band(l, height)] or raw
    widest = max(l["x1"] for l in body)
    # The right margin is where most full lines end: a few run past it (digits on a character grid, hanging
    # punctuation), and measured from the furthest, lines wrapped a character early would not reach it.
    right = median(l["x1"] for l in body if l["x1"] >= widest - FULL_LINE_CHARS * char_width)
    left = min(l["x0"] for l in body)
    pitches = [b["top"] - a["top"] for a, b in zip(raw, raw[1:]) if 0 < b["top"] - a["top"] < 3 * body_size]
    pitch = median(pitches) if pitches else body_size * 1.5
    lines: list[Line] = []
    previous_top, previous_emphasized, previous_wrapped = None, False, None  # previous_wrapped: its font size
    for l in raw:
        size = median(c["size"] for c in l["chars"])
        if size <= 0.85 * body_size and _in_margin_band(l, height):
            continue  # small print at the page's edge: a running header, footer or page number
        bold = sum("bold" in c["fontname"].lower() for c in l["chars"]) > len(l["chars"]) / 2
        emphasized = size >= body_size * 1.12 or bold
        # The gap after a running header or page number says nothing about paragraphs.
        gap = l["top"] - previous_top if previous_top is not None else 0
        previous_top = None if _in_margin_band(l, height) else l["top"]
        indented = l["x0"] >= left + 1.5 * char_width
        # A line wrapped at the right margin goes on at the left margin in the same font, whatever the spacing
        # the software chose; otherwise a larger gap than the line pitch separates paragraphs just as an indent
        # does, and so does a change between body and heading font.
        wrapped_on = (previous_wrapped is not None and abs(size - previous_wrapped) < 0.5 and not indented
                      and gap < WRAPPED_GAP_LINES * size)
        new_paragraph = indented or (gap > 1.35 * pitch and not wrapped_on) or emphasized != previous_emphasized
        previous_emphasized = emphasized
        reaches = l["x1"] >= right - FULL_LINE_CHARS * char_width
        previous_wrapped = size if reaches and not ends_sentence(l["text"]) else None
        lines.append(Line(
            l["text"],
            reaches_margin=reaches,
            opens_paragraph=new_paragraph,
            page=number,
            top_fraction=l["top"] / height,
        ))
    rows = [Line(text, page=number, top_fraction=top / height, table_row=True) for top, text in tables]
    return sorted(lines + rows, key=lambda line: line.top_fraction)  # a table stands where it stands on the page


def _in_margin_band(line: dict, height: float) -> bool:
    return line["top"] < MARGIN_BAND * height or line["bottom"] > (1 - MARGIN_BAND) * height


def _strip_running_lines(pages: list[list[Line]]) -> list[Line]:
    """Drop page numbers and the running header/footer lines that repeat on most pages (digits ignored)."""
    shape = lambda text: re.sub(r"\d+", "#", text.replace(" ", ""))
    in_band = lambda line: line.top_fraction < MARGIN_BAND or line.top_fraction > 1 - MARGIN_BAND - 0.03
    repeats = Counter(shape(l.text) for page in pages for l in {shape(x.text): x for x in page if in_band(x)}.values())
    running = {s for s, n in repeats.items() if len(pages) >= 2 and n >= max(2, len(pages) // 2)}
    kept = []
    for page in pages:
        for line in page:
            if in_band(line) and (shape(line.text) in running or _PAGE_NUMBER.match(line.text.strip())):
                continue
            kept.append(line)
    return kept


def _partition_pdfium(path: Path, author: str | None) -> list[Element]:
    """Read the text layer again with PDFium, which maps many fonts pdfminer cannot; no geometry, so the lines
    are re-joined as hard-wrapped text."""
    try:
        pdf = pdfium.PdfDocument(str(path))
        try:
            raw_lines = []
            for page in pdf:
                text = page.get_textpage().get_text_range()
                raw_lines.extend(l for l in text.replace("\r\n", "\n").split("\n") if not _PAGE_NUMBER.match(l.strip()))
        finally:
            pdf.close()
    except pdfium.PdfiumError as exc:  # a page PDFium cannot load: the file is damaged
        raise ExtractionError(N_("{name}: PDF 无法读取（文件已损坏）；请重新导出", name=path.name)) from exc
    text = "".join(raw_lines)
    if not text.strip() or _looks_garbled(text):
        raise ExtractionError(
            N_("{name}: PDF 的文字层是乱码（字体缺少编码映射）；请嵌入字体后重新导出，或做文字识别（OCR）", name=path.name)
        )
    return classify(join_lines(lines_from_wrapped_text(raw_lines)), author=author)


def _looks_garbled(text: str) -> bool:
    """Text decoded through a wrong font map: (cid:N) codes, private-use or replacement characters, or Chinese
    characters mostly outside the 6,763 of GB2312 that everyday writing uses."""
    bad = len(_CID.findall(text)) + sum(1 for c in text if c == "\ufffd" or "\ue000" <= c <= "\uf8ff")
    han = [c for c in text if "\u3400" <= c <= "\u9fff"]
    rare = sum(1 for c in han if not _in_gb2312(c))
    return bad > 0.05 * len(text) or (len(han) > 0 and rare > 0.1 * len(han)) or len(han) < 0.2 * len(text.strip())


def _in_gb2312(c: str) -> bool:
    try:
        c.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False
