"""OFD submissions (GB/T 33190, the national fixed-layout format government machines export beside PDF).

An OFD file is a ZIP package: OFD.xml names each document's Document.xml, which lists the pages'
Content.xml; a page draws TextObjects (a Boundary box in millimetres, a font Size, TextCodes whose X/Y are the
baseline of their first glyph and whose DeltaX spaces the glyphs after it). The package itself (safe ZIP reads,
the XML as producers really write it, paths resolved the ways they write them) is read through ofdkit; the
glyphs are placed here, grouped into lines by baseline, and given to the same layout rules as a PDF's lines
(pdf.py), so paragraphs, headings, running headers, footers and page numbers are told the same way.

A page that draws no text but images is a scan (government scanners export OFD): each ImageObject's picture,
found through its ResourceID among the MultiMedia resources, is read by OCR as a scanned PDF page is, at the
resolution its pixel size and Boundary give; a page that draws text keeps its text.

Page templates (the standard's place for what repeats on every page) and annotations (stamps, notes added
later) are not the author's text and are not read. An encrypted package is refused by name; a signed one is read,
since a signature seals the text without hiding it, and is named only when it holds no text to read."""

from __future__ import annotations

import io
import math
import zipfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ofdkit import OFDError, OFDLimitError
from ofdkit.package import Package

from ..errors import ExtractionError
from ..messages import N_
from .elements import Element
from .limits import SECONDS_PER_OCR_PAGE, extend_time_limit
from .ocr import RENDER_DPI, OcrLine, OcrPage, check_page_pixels, read_page
from .pdf import PageContent, elements_from_pages

PT_PER_MM = 72 / 25.4  # OFD measures in millimetres; the layout rules were written in PDF points
A4_MM = (0.0, 0.0, 210.0, 297.0)  # the page box when a file gives none
MAX_NESTING = 32  # PageBlocks inside PageBlocks deeper than any real page: a file built to recurse forever
ASCENT, DESCENT = 0.88, 0.12  # how far a glyph stands above and below its baseline, in font sizes
SAME_LINE = 0.5  # glyphs whose baselines differ by less than this many font sizes stand on one line
WORD_GAP = 0.5  # a gap wider than this many font sizes between glyphs on a line is a space (columns, tabs)
CELL_GAP = 1.5  # a gap wider than this many font sizes separates the cells of a table row
MIN_TABLE_CELLS = 3  # a line split into this many cells or more may be a table row (a name and a date are two)
MIN_TABLE_ROWS = 2  # such lines one after another, at least this many, are a table (its columns aligned)
SAME_GLYPH = 0.1  # one character drawn again within this many font sizes of itself is a fake-bold copy
BOLD_WEIGHT = 700  # the standard's Weight for bold
MM_PER_INCH = 25.4  # a picture's resolution is its pixels over its Boundary's width in inches


@dataclass
class Glyph:
    """One character as placed on a page: its baseline position and font size in points."""

    char: str
    x: float
    y: float
    size: float
    width: float
    font: str


@dataclass
class _Page:
    """One page as drawn: its number, height in points, glyphs, and the pictures it draws (the MultiMedia
    entry in the package, and the ImageObject's Boundary in millimetres)."""

    number: int
    height: float
    glyphs: list[Glyph]
    images: list[tuple[str, tuple[float, float, float, float]]] = field(default_factory=list)

    @property
    def has_text(self) -> bool:
        return any(g.char.strip() for g in self.glyphs)


def partition_ofd(path: Path, *, author: str | None = None) -> list[Element]:
    try:
        with Package(path) as package:
            package_state = _PackageState.of(path, package.names)
            if package_state.encrypted:
                raise ExtractionError(N_("{name}: OFD文件已加密，请提交未加密版本", name=path.name))
            pages = _DocumentReader(path.name, package).pages()
            # A page with no text but pictures is a scan: read by OCR, the others from their text.
            scans = {}
            for page in pages:
                if page.images and not page.has_text and (scan := _read_scan(path.name, package, page)) is not None:
                    scans[page.number] = scan
    except OFDLimitError as exc:
        raise ExtractionError(N_("{name}: OFD文件含有超出读取限制的内容（实体声明或过大的部件），已拒绝读取",
                                 name=path.name)) from exc
    except OFDError as exc:
        raise ExtractionError(N_("{name}: OFD文件已损坏或不符合标准，无法读取，请重新导出", name=path.name)) from exc
    glyphs = [g for page in pages for g in page.glyphs if g.char.strip()]
    if not glyphs and not scans:
        raise ExtractionError(package_state.why_no_text(path.name))
    # The body size is the glyphs' own (to half a point: 五号 is 10.5 pt); only a scan-only file counts OCR boxes.
    body_size = Counter(round(g.size * 2) / 2 for g in glyphs).most_common(1)[0][0] if glyphs else None
    contents = [PageContent.of_ocr(scans[page.number]) if page.number in scans
                else PageContent(*_columns_and_tables(page.glyphs), page.height) for page in pages]
    return elements_from_pages(path.name, contents, author, body_size)


def _columns_and_tables(glyphs: list[Glyph]) -> tuple[list[list[dict]], list[tuple[float, str]]]:
    """A text page as PageContent takes it: its lines as one column (in reading order already), its table rows."""
    lines, tables = _split_tables(_lines(glyphs))
    return [lines], tables


def _read_scan(name: str, package, page: _Page) -> OcrPage | None:
    """A scanned page's pictures read by OCR, as one page: each at the resolution its pixel size over its
    Boundary gives, its lines placed where the picture stands on the page. None where no picture can be decoded."""
    readings = []
    for media, (x, y, width, _) in sorted(page.images, key=lambda image: (image[1][1], image[1][0])):
        try:
            image = Image.open(io.BytesIO(package.read(media)))
            check_page_pixels(name, image)  # before the pixels are decoded
            image.load()
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
            continue  # a format PIL does not decode (JBIG2) or a damaged picture: not read, like a text-less page
        dpi = image.width / (width / MM_PER_INCH) if width > 0 else RENDER_DPI
        extend_time_limit(SECONDS_PER_OCR_PAGE)
        readings.append((read_page(image, page.number, dpi=dpi), x * PT_PER_MM, y * PT_PER_MM))
    if not readings:
        return None
    return OcrPage(page.number,
                   [[_moved(line, dx, dy) for line in column] for scan, dx, dy in readings for column in scan.columns],
                   max(dx + scan.width for scan, dx, _ in readings),
                   max([page.height] + [dy + scan.height for scan, _, dy in readings]),
                   sum(scan.boxes for scan, _, _ in readings))


@dataclass
class _PackageState:
    """What the package says about itself before its pages are read: encrypted, signed, holding images."""

    encrypted: bool
    signed: bool
    has_images: bool

    @classmethod
    def of(cls, path: Path, names: list[str]) -> _PackageState:
        names = [n.lower() for n in names]
        # GM/T 0099 puts the decryption entry, always named Encryptions.xml, beside OFD.xml; a ZIP-level password
        # is the other way a package gets locked.
        with zipfile.ZipFile(path) as z:
            locked = any(info.flag_bits & 0x1 for info in z.infolist())
        encrypted = locked or "encryptions.xml" in names
        signed = any(n.endswith("signatures.xml") for n in names)
        has_images = any(n.rsplit(".", 1)[-1] in ("jpg", "jpeg", "png", "tif", "tiff", "bmp", "jb2", "gif") for n in names)
        return cls(encrypted, signed, has_images)

    def why_no_text(self, name: str) -> str:
        if self.signed:
            return N_("{name}: OFD文件已签章，但页面上没有可读取的文字（只有签章或图像），请提交带文字的版本", name=name)
        if self.has_images:
            return N_("{name}: OFD文件只有图像（扫描件），没有文字层，需要识别后才能分析", name=name)
        return N_("{name}: OFD文件没有文字", name=name)


class _DocumentReader:
    """The glyphs of every page of every document in the package, in page order."""

    def __init__(self, name: str, package):
        self.name = name
        self.package = package

    def _missing(self, what: str) -> ExtractionError:
        return ExtractionError(N_("{name}: OFD文件不完整（缺少{what}），请重新导出", name=self.name, what=what))

    def pages(self) -> list[_Page]:
        """Every page's glyphs and pictures."""
        entry = self.package.find("OFD.xml")
        if entry is None:
            raise self._missing("OFD.xml")
        out = []
        for body in _children(self.package.read_xml(entry), "DocBody"):
            document_path = self.package.resolve(entry, _child_text(body, "DocRoot"))
            if document_path is None:
                raise self._missing(f"文档 {_child_text(body, 'DocRoot')}")
            document = self.package.read_xml(document_path)
            common = _child(document, "CommonData")
            default_box = _box(_child_text(_child(common, "PageArea"), "PhysicalBox")) or A4_MM
            fonts, media = self._resources(document_path, common)
            for page in _children(_child(document, "Pages"), "Page"):
                location = self.package.resolve(document_path, page.get("BaseLoc"))
                if location is None:
                    raise self._missing(f"页面 {page.get('BaseLoc')}")
                root = self.package.read_xml(location)
                box = _box(_child_text(_child(root, "Area"), "PhysicalBox")) or default_box
                page_out = _Page(len(out) + 1, 0.0, [])
                for layer in _children(_child(root, "Content"), "Layer"):
                    _walk(layer, fonts, media, page_out, depth=0)
                # A page box smaller than the text drawn on it was written wrong: the page is as tall as its text.
                bottom = max((g.y + DESCENT * g.size for g in page_out.glyphs), default=0)
                page_out.height = max(box[3] * PT_PER_MM, bottom)
                out.append(page_out)
        return out

    def _resources(self, document_path: str, common) -> tuple[dict[str, tuple[str, bool]], dict[str, str]]:
        """From the document's PublicRes and DocumentRes: font ID → (name, bold), and picture ID → its file in
        the package (a MediaFile lies in the resource file's BaseLoc folder; writers also give it from the root)."""
        fonts, media = {}, {}
        for element in list(common) if common is not None else []:
            if _local(element.tag) not in ("PublicRes", "DocumentRes"):
                continue
            location = self.package.resolve(document_path, element.text)
            if location is None:
                continue
            resources = self.package.read_xml(location)
            for font in _children(_child(resources, "Fonts"), "Font"):
                name = font.get("FontName") or font.get("FamilyName") or ""
                fonts[(font.get("ID") or "").strip()] = (name, (font.get("Bold") or "").lower() == "true")
            folder = (resources.get("BaseLoc") or "").strip().rstrip("/")
            for item in _children(_child(resources, "MultiMedias"), "MultiMedia"):
                file = _child_text(item, "MediaFile")
                found = (self.package.resolve(location, f"{folder}/{file}") if folder and file else None) \
                    or self.package.resolve(location, file)
                if found is not None:
                    media[(item.get("ID") or "").strip()] = found
        return fonts, media


def _walk(parent, fonts: dict[str, tuple[str, bool]], media: dict[str, str], page: _Page, depth: int) -> None:
    for element in parent:
        name = _local(element.tag)
        if name == "TextObject":
            page.glyphs.extend(_text_object(element, fonts))
        elif name == "ImageObject" and (element.get("ResourceID") or "").strip() in media:
            page.images.append((media[element.get("ResourceID").strip()],
                                _box(element.get("Boundary")) or (0.0, 0.0, 0.0, 0.0)))
        elif name == "PageBlock" and depth < MAX_NESTING:
            _walk(element, fonts, media, page, depth + 1)


def _moved(line: OcrLine, dx: float, dy: float) -> OcrLine:
    return replace(line, x0=line.x0 + dx, x1=line.x1 + dx, top=line.top + dy, bottom=line.bottom + dy)


def _text_object(element, fonts: dict[str, tuple[str, bool]]) -> list[Glyph]:
    """The glyphs of one TextObject on the page, in points: TextCode positions are in the object's space (the
    CTM, then the Boundary's origin), a TextCode without X or Y goes on from the previous one's."""
    bx, by, _, box_height = _box(element.get("Boundary")) or (0.0, 0.0, 0.0, 0.0)
    a, b, c, d, e, f = _numbers(element.get("CTM"), 6) or (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    # Size is required by the standard; a writer that leaves it out still draws one line in a box its height.
    size = _number(element.get("Size")) or box_height
    scale = math.sqrt(abs(a * d - b * c)) or 1.0
    font_name, bold = fonts.get((element.get("Font") or "").strip(), ("", False))
    weight = _number(element.get("Weight")) or 0
    font = font_name + ("-Bold" if bold or weight >= BOLD_WEIGHT else "")
    glyphs = []
    x = y = 0.0
    for code in _children(element, "TextCode"):
        x = _number(code.get("X"), x)
        y = _number(code.get("Y"), y)
        text = "".join(ch for ch in (code.text or "") if ch == "\u3000" or ch.isprintable())
        dx = _deltas(code.get("DeltaX"), len(text) - 1)
        dy = _deltas(code.get("DeltaY"), len(text) - 1)
        gx, gy = x, y
        for i, ch in enumerate(text):
            natural = _natural_width(ch, size)
            advance = dx[i] if i < len(dx) else natural
            page_x = (a * gx + c * gy + e + bx) * PT_PER_MM
            page_y = (b * gx + d * gy + f + by) * PT_PER_MM
            # The glyph is as wide as its font draws it; an advance beyond that is spacing (a gap, a justified line).
            width = min(advance, natural) if advance > 0 else natural
            glyphs.append(Glyph(ch, page_x, page_y, size * scale * PT_PER_MM, width * scale * PT_PER_MM, font))
            gx += advance
            gy += dy[i] if i < len(dy) else 0.0
    return glyphs


def _natural_width(ch: str, size: float) -> float:
    """A glyph's advance where DeltaX gives none: full width for Chinese, half for Latin letters and digits."""
    return size if ord(ch) >= 0x2E80 else size / 2


def _lines(glyphs: list[Glyph]) -> list[dict]:
    """A page's glyphs as text lines in reading order, in the shape pdfplumber gives a PDF's lines (text, x0, x1,
    top, bottom, chars with size and fontname), so pdf.py's layout rules read them alike."""
    rows: list[list[Glyph]] = []
    for g in sorted(glyphs, key=lambda g: (g.y, g.x)):
        if rows and abs(g.y - rows[-1][0].y) < SAME_LINE * max(g.size, rows[-1][0].size):
            rows[-1].append(g)
        else:
            rows.append([g])
    lines = []
    for row in rows:
        row.sort(key=lambda g: g.x)
        kept: list[Glyph] = []
        for g in row:
            if kept and g.char == kept[-1].char and abs(g.x - kept[-1].x) < SAME_GLYPH * g.size:
                continue  # drawn again over itself (fake bold)
            kept.append(g)
        cells, text = [""], ""
        for previous, g in zip([None] + kept, kept):
            gap = g.x - (previous.x + previous.width) if previous is not None else 0
            if gap > CELL_GAP * g.size and cells[-1].strip():
                cells.append("")
            if gap > WORD_GAP * g.size:
                text += " "
                cells[-1] += " "
            text += g.char
            cells[-1] += g.char
        text = text.strip()
        if not text:
            continue
        size = max(g.size for g in kept)
        baseline = Counter(round(g.y, 1) for g in kept).most_common(1)[0][0]
        lines.append({
            "text": text,
            "x0": min(g.x for g in kept if g.char.strip()),
            "x1": max(g.x + g.width for g in kept if g.char.strip()),
            "top": baseline - ASCENT * size,
            "bottom": baseline + DESCENT * size,
            "chars": [{"size": g.size, "fontname": g.font} for g in kept if g.char.strip()],
            "cells": [c.strip() for c in cells if c.strip()],
        })
    return lines


def _split_tables(lines: list[dict]) -> tuple[list[dict], list[tuple[float, str]]]:
    """A page's lines apart from its table rows (top, the row's cells joined), as pdf.py's `_page_lines` takes
    them. An OFD table is drawn as text in aligned columns (its ruling lines, where drawn, are separate paths):
    lines split into several cells by wide gaps, one after another, are its rows."""
    in_table = [False] * len(lines)
    start = 0
    for end in range(len(lines) + 1):
        if end < len(lines) and len(lines[end]["cells"]) >= MIN_TABLE_CELLS:
            continue
        if end - start >= MIN_TABLE_ROWS:
            in_table[start:end] = [True] * (end - start)
        start = end + 1
    rows = [(l["top"], " ".join(l["cells"])) for l, t in zip(lines, in_table) if t]
    return [l for l, t in zip(lines, in_table) if not t], rows


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element, name: str) -> list:
    return [] if element is None else [c for c in element if _local(c.tag) == name]


def _child(element, name: str):
    found = _children(element, name)
    return found[0] if found else None


def _child_text(element, name: str) -> str | None:
    found = _child(element, name)
    return (found.text or "").strip() or None if found is not None else None


def _number(value: str | None, default: float | None = None) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def _numbers(value: str | None, count: int) -> tuple[float, ...] | None:
    parts = [_number(p) for p in (value or "").replace(",", " ").split()]
    if len(parts) < count or any(p is None for p in parts[:count]):
        return None
    return tuple(parts[:count])


def _box(value: str | None) -> tuple[float, float, float, float] | None:
    return _numbers(value, 4)


def _deltas(value: str | None, limit: int) -> list[float]:
    """A DeltaX/DeltaY list with the standard's `g count value` shorthand expanded, at most `limit` long (a
    repeat count of a billion costs nothing)."""
    tokens = (value or "").split()
    out: list[float] = []
    i = 0
    while i < len(tokens) and len(out) < limit:
        if tokens[i] == "g" and i + 2 < len(tokens):
            count, step = _number(tokens[i + 1], 0), _number(tokens[i + 2], 0.0)
            out.extend([step] * int(max(0, min(count, limit - len(out)))))
            i += 3
            continue
        number = _number(tokens[i])
        if number is not None:
            out.append(number)
        i += 1
    return out
