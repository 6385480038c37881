"""A PDF's pages through PDFium (pypdfium2), in the shape pdfplumber gives them: each character with its box
(x0, x1, top, bottom in points from the page's top-left), its font size and font name; the page's ruling lines
as pdfplumber's edges (for tables); whether it holds an image (a scan). The PDF reader's layout rules
(pipeline.ingest.pdf) read these pages exactly as they read pdfplumber's, several times faster: PDFium parses the
content streams in C, where pdfminer interprets them in Python.

A character's box runs from its origin to the end of its advance, and from its baseline up by its font size;
pdfminer places it by the descent its font descriptor declares, which most producers give as a small share of
the size (LibreOffice declares 0)."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as fpdf

MAX_FORM_DEPTH = 8  # Form XObjects nested deeper than this are not looked into for ruling lines and images
STRAIGHT = 0.01  # a segment whose ends differ by less than this many points across is horizontal or vertical
LEVEL_SLOPE = 0.01  # a baseline rising more than this per unit of advance is turned (a stamp, a watermark)


@dataclass
class PageObjects:
    """What the layout rules read of one page: characters and ruling lines in pdfplumber's shape, whether the
    page holds an image, its height, and how many of its characters the font maps to no Unicode."""

    chars: list[dict]
    edges: list[dict]
    has_images: bool
    height: float
    unmapped: int = 0


class RotatedPage(Exception):
    """A page whose text mostly runs on a turned baseline: set sideways on the sheet, and turned upright for
    reading by the page's /Rotate, which pdfplumber applies to the characters' boxes."""


def read_pages(path: Path) -> list[PageObjects]:
    """Every page of the PDF at `path`. Raises pdfium.PdfiumError where PDFium cannot open the file (damaged,
    a password) and RotatedPage where a page's text is turned."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [_read_page(pdf, i) for i in range(len(pdf))]
    finally:
        pdf.close()


def _read_page(pdf: pdfium.PdfDocument, index: int) -> PageObjects:
    page = pdf[index]
    try:
        _, bottom, _, top = page.get_mediabox()
        textpage = page.get_textpage()
        try:
            chars, unmapped = _chars(textpage.raw, top)
        finally:
            textpage.close()
        edges, images = [], [False]
        _walk(page.raw, fpdf.FPDFPage_CountObjects, fpdf.FPDFPage_GetObject, None, 0, top, edges, images)
        return PageObjects(chars, edges, images[0], top - bottom, unmapped)
    finally:
        page.close()


def _chars(textpage, page_top: float) -> tuple[list[dict], int]:
    """The page's characters as drawn (not the spaces and line breaks PDFium inserts), with the font size and
    name of the text object that draws them. Characters on a turned baseline (a stamp, a watermark set
    aslant) are left out: they are not the lines of the text; a page whose text is mostly turned is RotatedPage."""
    x, y = ctypes.c_double(), ctypes.c_double()
    box, matrix = fpdf.FS_RECTF(), fpdf.FS_MATRIX()
    name = ctypes.create_string_buffer(256)
    chars, unmapped, turned = [], 0, 0
    current, size, fontname, level = None, 0.0, "", False
    for i in range(fpdf.FPDFText_CountChars(textpage)):
        obj = fpdf.FPDFText_GetTextObject(textpage, i)
        text = chr(fpdf.FPDFText_GetUnicode(textpage, i))
        if not obj or text.isspace() and fpdf.FPDFText_IsGenerated(textpage, i):
            continue  # a space or line break PDFium inferred from the layout, not drawn
        if obj != current:
            current = obj
            fpdf.FPDFText_GetMatrix(textpage, i, matrix)
            level = matrix.a > 0 and matrix.d > 0 and abs(matrix.b) <= LEVEL_SLOPE * matrix.a  # italics shear, not turn
            size = fpdf.FPDFText_GetFontSize(textpage, i) * abs(matrix.d)
            font = fpdf.FPDFTextObj_GetFont(obj)
            length = fpdf.FPDFFont_GetBaseFontName(font, name, len(name)) if font else 0
            fontname = name.value.decode("latin-1") if length else ""
        if not level:
            turned += 1
            continue
        fpdf.FPDFText_GetCharOrigin(textpage, i, x, y)
        fpdf.FPDFText_GetLooseCharBox(textpage, i, box)
        unmapped += fpdf.FPDFText_HasUnicodeMapError(textpage, i) == 1
        baseline = page_top - y.value
        chars.append({"text": text, "x0": x.value,
                      "x1": max(box.right, x.value), "top": baseline - size, "bottom": baseline,
                      "doctop": baseline - size, "upright": True, "size": size, "fontname": fontname})
    if turned > len(chars):
        raise RotatedPage()
    return chars, unmapped


def _walk(parent, count, get, form_matrix, depth: int, page_top: float, edges: list[dict], images: list[bool]) -> None:
    """Collect the straight segments of the painted paths as pdfplumber's edges, and note any image, descending
    into Form XObjects (whose objects stand in the form's coordinates)."""
    matrix = fpdf.FS_MATRIX()
    for i in range(count(parent)):
        obj = get(parent, i)
        kind = fpdf.FPDFPageObj_GetType(obj)
        if kind == fpdf.FPDF_PAGEOBJ_IMAGE:
            images[0] = True
        elif kind == fpdf.FPDF_PAGEOBJ_PATH:
            fpdf.FPDFPageObj_GetMatrix(obj, matrix)
            m = _compose(_tuple(matrix), form_matrix)
            edges.extend(_path_edges(obj, m, page_top))
        elif kind == fpdf.FPDF_PAGEOBJ_FORM and depth < MAX_FORM_DEPTH:
            fpdf.FPDFPageObj_GetMatrix(obj, matrix)
            _walk(obj, fpdf.FPDFFormObj_CountObjects, fpdf.FPDFFormObj_GetObject, _compose(_tuple(matrix), form_matrix),
                  depth + 1, page_top, edges, images)


def _tuple(m) -> tuple[float, ...]:
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: tuple[float, ...], outer: tuple[float, ...] | None) -> tuple[float, ...]:
    if outer is None:
        return inner
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _path_edges(path, m: tuple[float, ...], page_top: float) -> list[dict]:
    """The horizontal and vertical straight segments of one path (a rectangle gives its four sides), in
    pdfplumber's edge shape."""
    a, b, c, d, e, f = m
    x, y = ctypes.c_float(), ctypes.c_float()
    points: list[tuple[float, float]] = []  # the current subpath
    edges = []

    def segment(p, q):
        (x0, y0), (x1, y1) = p, q
        if abs(y1 - y0) < STRAIGHT and abs(x1 - x0) >= STRAIGHT:
            orientation = "h"
        elif abs(x1 - x0) < STRAIGHT and abs(y1 - y0) >= STRAIGHT:
            orientation = "v"
        else:
            return
        top, bottom = page_top - max(y0, y1), page_top - min(y0, y1)
        edges.append({"object_type": "line", "orientation": orientation, "x0": min(x0, x1), "x1": max(x0, x1),
                      "top": top, "bottom": bottom, "doctop": top, "width": abs(x1 - x0), "height": bottom - top})

    for k in range(fpdf.FPDFPath_CountSegments(path)):
        seg = fpdf.FPDFPath_GetPathSegment(path, k)
        fpdf.FPDFPathSegment_GetPoint(seg, x, y)
        point = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        kind = fpdf.FPDFPathSegment_GetType(seg)
        if kind == fpdf.FPDF_SEGMENT_MOVETO or not points:
            points = [point]
        else:
            if kind == fpdf.FPDF_SEGMENT_LINETO:
                segment(points[-1], point)
            points.append(point)
        if fpdf.FPDFPathSegment_GetClose(seg) and len(points) > 1:
            segment(points[-1], points[0])
            points = [points[0]]
    return edges
