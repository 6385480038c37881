"""PDF submissions: running headers, footers and page numbers removed, lines re-joined into the paragraphs they
were (by right margin, first-line indent and paragraph spacing), headings told by typed numbering or a larger or
bold font, tables found by their ruling lines. The pages are read through PDFium (pipeline.ingest.pdfium_pages);
pdfplumber is the reader where PDFium cannot open the file or a page's text is set sideways (pdfminer turns it
upright by the page's /Rotate), and both give the same characters and ruling lines to the same rules. A text layer whose fonts map to no Unicode is refused as garbled;
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
import pypdfium2.raw as fpdf
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.table import TableFinder
from pdfplumber.utils.exceptions import PdfminerException
from pdfplumber.utils.text import chars_to_textmap

from .. import lexicon
from ..errors import ExtractionError
from ..messages import N_
from .elements import Element
from .limits import SECONDS_PER_OCR_PAGE, extend_time_limit
from .ocr import OcrPage, judge_ocr_pages, read_page, render_pdf_page
from .layout import Line, classify, ends_sentence, join_lines
from .pdfium_pages import PageObjects, RotatedPage, read_pages

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
DUPLICATE_GLYPH_POINTS = 1.0  # the same character drawn again within this many points across and down is one glyph
MIN_UNMAPPED_SHARE = 0.003  # from this share of characters whose font gives no Unicode, the text layer is checked
#                              for garbling (a few such characters are symbols PDFium still names right)


def partition_pdf(path: Path, *, author: str | None = None) -> list[Element]:
    if path.stat().st_size == 0:
        raise ExtractionError(N_("{name}: 空文件（0 字节）", name=path.name))
    try:
        pages = read_pages(path)
    except pdfium.PdfiumError as exc:
        if exc.err_code == fpdf.FPDF_ERR_PASSWORD:
            raise ExtractionError(N_("{name}: PDF 已加密（设有密码）；请提交不设密码的文件", name=path.name)) from exc
        pages = _pdfplumber_pages(path)  # PDFium cannot open it: pdfminer reads some files PDFium gives up on
    except RotatedPage:
        pages = _pdfplumber_pages(path)  # text set sideways: pdfminer turns it upright by the page's /Rotate
    contents = [_page_content(page) for page in pages]
    # A page with no text layer but an image is a scan: it is read by OCR, the others from their text.
    scanned = [i for i, ((raw, tables, _), page) in enumerate(zip(contents, pages))
               if page.has_images and not raw and not tables]
    if not scanned and not any(raw or tables for raw, tables, _ in contents):
        raise ExtractionError(N_("{name}: PDF 中没有文字", name=path.name))
    chars = sum(len(page.chars) for page in pages)
    if sum(page.unmapped for page in pages) > MIN_UNMAPPED_SHARE * chars and _looks_garbled(
            "".join(c["text"] for page in pages for c in page.chars)):
        raise ExtractionError(
            N_("{name}: PDF 的文字层是乱码（字体缺少编码映射）；请嵌入字体后重新导出，或做文字识别（OCR）", name=path.name)
        )
    ocr_pages = _ocr_pdf_pages(path, scanned)
    pages = [PageContent([raw], tables, height) if i not in ocr_pages else PageContent.of_ocr(ocr_pages[i])
             for i, (raw, tables, height) in enumerate(contents)]
    return elements_from_pages(path.name, pages, author)


def _pdfplumber_pages(path: Path) -> list[PageObjects]:
    """The pages as pdfplumber (pdfminer) reads them: the reader where PDFium cannot read the file."""
    try:
        with pdfplumber.open(path) as pdf:
            return [PageObjects(page.chars, page.edges, bool(page.images), page.height,
                                sum(1 for c in page.chars if c["text"].startswith("(cid:")))
                    for page in pdf.pages]
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


def elements_from_pages(name: str, pages: list[PageContent], author: str | None,
                        body_size: float | None = None) -> list[Element]:
    """A document's elements from its pages: running lines dropped, paragraphs re-joined, headings told. Pages
    read by OCR are checked first (judge_ocr_pages), and their elements carry the page's mean confidence.
    `body_size`, the document's most common font size, is counted from the pages' characters where the reader
    does not know it better."""
    ocr = [p.ocr for p in pages if p.ocr is not None]
    judge_ocr_pages(name, ocr, text_pages=len(pages) - len(ocr))
    if body_size is None:
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


def _page_content(page: PageObjects) -> tuple[list[dict], list[tuple[float, str]], float]:
    """A page's text lines outside its tables, its table rows (top, the row's cells joined), and its height, from
    either reader's characters and ruling lines. Glyphs drawn two or four times over each other (fake bold) are
    read once; tables are found by their ruling lines, only on pages that have some."""
    chars = dedupe_chars(page.chars)
    tables = TableFinder(_TablePage(chars, page.edges)).tables if len(page.edges) >= MIN_TABLE_EDGES else []
    rows = []
    for table in tables:
        for row, cells in zip(table.rows, table.extract()):
            text = " ".join(" ".join((c or "").split()) for c in cells if c and c.strip())
            if text:
                rows.append((row.bbox[1], text))
    if tables:
        boxes = [t.bbox for t in tables]  # a table's bbox is worked out from its cells on every call
        chars = [c for c in chars if not any(_inside(c, box) for box in boxes)]
    lines = chars_to_textmap(chars).extract_text_lines(strip=True, return_chars=True) if chars else []
    return lines, rows, page.height


@dataclass
class _TablePage:
    """What pdfplumber's table finder reads of a page: its characters and ruling lines."""

    chars: list[dict]
    edges: list[dict]
    bbox: tuple[float, float, float, float] = (0, 0, 0, 0)  # read only for explicit ruling lines, which are not used


def dedupe_chars(chars: list[dict]) -> list[dict]:
    """The characters without those drawn again over themselves (fake bold draws each glyph two or four times,
    a little apart): pdfplumber's test — the same text within DUPLICATE_GLYPH_POINTS across and down — keeping
    the first drawn."""
    kept, seen = [], {}
    for c in chars:
        near = seen.setdefault(c["text"], [])
        if any(abs(c["top"] - top) <= DUPLICATE_GLYPH_POINTS and abs(c["x0"] - x0) <= DUPLICATE_GLYPH_POINTS
               for top, x0 in near):
            continue
        near.append((c["top"], c["x0"]))
        kept.append(c)
    return kept


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
