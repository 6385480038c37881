"""Reading a page image by offline OCR (RapidOCR: PP-OCRv4 detection and recognition, shipped in its wheel, so
nothing is downloaded at run time; its models run on OpenVINO, which needs a third of ONNX Runtime's CPU time).

Takes a page image; gives its text lines in reading order, in the shape of pdfplumber's text lines (text, x0, x1,
top, bottom in points, one font size per character), so that the PDF reader's layout rules — running headers and
footers, paragraphs rebuilt across line breaks, headings by size — read scanned pages exactly as they read text
pages. A slightly rotated page is deskewed from the boxes' own slant; two columns are read one after the other."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from statistics import mean, median

import numpy as np
from PIL import Image, ImageSequence

from ..errors import ExtractionError
from ..messages import N_
from .limits import engine_memory

RENDER_DPI = 200  # a scanned PDF page is rendered at the resolution scanners use for text; PP-OCR reads 10 pt there
POINTS_PER_INCH = 72
SAME_LINE_OVERLAP = 0.5  # two boxes whose vertical centres lie within half a line height stand on one line
WORD_GAP_LINES = 1.0  # a gap wider than one character height between boxes on a line is a space (a form's gap)
MIN_SKEW_DEGREES = 0.3  # a slant below this is the detector's noise, not a rotated page
MIN_LINE_CONFIDENCE = 0.5  # RapidOCR's own floor: a box read less surely than this holds noise, not a line
HANDWRITTEN_CONFIDENCE = 0.75  # below this a page's text is not printed type: printed-text OCR guesses at handwriting
HEIGHT_NOISE = 0.15  # boxes of one font size differ in height by up to this share (glyph shapes, punctuation)
SIDEWAYS_RATIO = 2.0  # a box this many times taller than wide holds a line written top to bottom
SIDEWAYS_SHARE = 0.6  # when more than this share of a page's boxes are such, the page lies on its side
UPSIDE_DOWN_SHARE = 0.6  # when more than this share of a page's lines read as turned by 180°, the page is upside
#                          down (a line or two of a table or a stamp may be turned on an upright page)
OCR_THREADS = 1  # files are read one per core in parallel already (forking is handled at register_at_fork below)
OCR_PRECISION = "f32"  # the models' own: OpenVINO would pick bf16 on CPUs that have it, which reads about one
#                        character in 200 differently, and a page must read the same on every machine
MAX_PAGE_PIXELS = 60_000_000  # a 50-megapixel phone photo fits; a larger "page" is built to exhaust memory
COLUMN_GUTTER_SHARE = 0.6  # a vertical strip no box crosses, with text on both sides over this share of the
#                            page's lines, separates two columns


@dataclass
class OcrLine:
    """One recognised line: its text, its box in points once deskewed, and how sure recognition was (0–1)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass
class OcrPage:
    """A page read by OCR: its lines in reading order (already grouped into columns) and its size in points."""

    number: int
    columns: list[list[OcrLine]]
    width: float
    height: float
    boxes: int  # text boxes the detector found, before they were joined into lines

    @property
    def lines(self) -> list[OcrLine]:
        return [line for column in self.columns for line in column]

    @property
    def confidence(self) -> float | None:
        """Mean recognition confidence, weighted by characters; None where nothing was read."""
        chars = sum(len(l.text) for l in self.lines)
        return sum(l.confidence * len(l.text) for l in self.lines) / chars if chars else None

    @property
    def chars(self) -> int:
        return sum(len(l.text) for l in self.lines)

    def raw_columns(self) -> list[list[dict]]:
        """Each column's lines in the shape of pdfplumber's extract_text_lines: what the PDF layout rules read.
        A box's height stands for the font size (PP-OCR's boxes fit the glyphs), except that heights within
        HEIGHT_NOISE of the page's usual one are that one: boxes of one font differ by a point or two."""
        usual = median(l.height for l in self.lines) if self.lines else 0
        size = lambda l: usual if abs(l.height - usual) <= HEIGHT_NOISE * usual else l.height
        return [[{"text": l.text, "x0": l.x0, "x1": l.x1, "top": l.top, "bottom": l.bottom,
                  "chars": [{"size": size(l), "fontname": ""}] * len(l.text)} for l in column]
                for column in self.columns]


@lru_cache(maxsize=1)
def _engine():
    """One OCR engine per process: a forked reading worker loads its own (see register_at_fork below)."""
    import rapidocr_onnxruntime  # onnxruntime and the models load with the first scan, not on every run
    from rapidocr_onnxruntime.utils import read_yaml  # with the first scan, as above

    engine = rapidocr_onnxruntime.RapidOCR(intra_op_num_threads=OCR_THREADS, inter_op_num_threads=1)
    # RapidOCR's own pre- and post-processing stay; the three models' inference moves to OpenVINO
    package = Path(rapidocr_onnxruntime.__file__).parent
    model = {stage: package / settings["model_path"] for stage, settings in read_yaml(package / "config.yaml").items()
             if "model_path" in settings}
    engine.text_det.infer = OpenVinoModel(model["Det"])
    engine.text_cls.infer = OpenVinoModel(model["Cls"])
    engine.text_rec.session = OpenVinoModel(model["Rec"])
    return engine


# A process that forks while its engine's threads live hangs the child's engine on a lock a dead thread held;
# dropped before the fork, the engine joins its threads, and each process loads its own when it next reads a scan.
os.register_at_fork(before=_engine.cache_clear)


class OpenVinoModel:
    """One of RapidOCR's ONNX models compiled by OpenVINO, called as RapidOCR calls its ONNX Runtime sessions:
    the same file, the same outputs to within 1e-4, in a third of the CPU time."""

    def __init__(self, onnx_file: Path):
        import openvino  # with the first scan: see _engine

        self._model = openvino.Core().compile_model(onnx_file, "CPU", {
            "INFERENCE_NUM_THREADS": OCR_THREADS, "INFERENCE_PRECISION_HINT": OCR_PRECISION,
            "ENABLE_CPU_PINNING": False})  # two reading workers pinned to one core would share it

    def __call__(self, batch: np.ndarray) -> list[np.ndarray]:
        return [self._model(batch)[0]]


def read_page(image, number: int, *, dpi: float = RENDER_DPI) -> OcrPage:
    """OCR one page image (a PIL image) at `dpi`: its lines, deskewed and in reading order."""
    rgb = np.array(image.convert("RGB"))
    result = _recognise(rgb)
    if _on_its_side(result):  # a page scanned sideways: read it turned both ways, keep the reading more sure of itself
        turned = [np.ascontiguousarray(np.rot90(rgb, k)) for k in (1, 3)]
        rgb, result = max(((t, _recognise(t)) for t in turned), key=lambda tr: _chars_and_confidence(tr[1]))
    if _upside_down(rgb, result):
        rgb = np.ascontiguousarray(np.rot90(rgb, 2))
        result = _recognise(rgb)
    scale = POINTS_PER_INCH / dpi
    height, width = rgb.shape[0] * scale, rgb.shape[1] * scale
    boxes = [([(x * scale, y * scale) for x, y in quad], text.strip(), float(score))
             for quad, text, score in result if text.strip() and float(score) >= MIN_LINE_CONFIDENCE]
    angle = _skew(boxes)
    lines = _join_rows([_upright(quad, text, score, angle, width / 2, height / 2) for quad, text, score in boxes])
    return OcrPage(number, _columns(lines, width), width, height, len(boxes))


def _recognise(rgb) -> list:
    """Every box the detector found, with its text and confidence, each line read as it stands: PP-OCR's line
    classifier, which would turn a line it takes for upside down, turns a noisy upright one now and then and the
    line is lost; a page is turned whole instead (_on_its_side, _upside_down), which needs the boxes of lines that
    read as nothing while the page lies turned."""
    with engine_memory():
        result, _ = _engine()(rgb, use_cls=False, text_score=0.0)
    return result or []


def _on_its_side(result) -> bool:
    """Most text boxes stand upright (lines of a page lying on its side): recognition reads a box left to right,
    so such a page reads as nothing until it is turned."""
    upright = sum(1 for quad, _, _ in result if abs(quad[2][1] - quad[0][1]) > SIDEWAYS_RATIO * abs(quad[2][0] - quad[0][0]))
    return len(result) > 0 and upright > SIDEWAYS_SHARE * len(result)


def _upside_down(rgb, result) -> bool:
    """Most lines are turned by 180°, as PP-OCR's line classifier reads them (one line in a noisy scan may seem so:
    the page is turned only when most do)."""
    if not result:
        return False
    engine = _engine()
    lines = engine.get_crop_img_list(rgb, [np.array(quad, dtype=np.float32) for quad, _, _ in result])
    with engine_memory():
        _, turned, _ = engine.text_cls(lines)
    return sum(1 for label, _ in turned if label == "180") > UPSIDE_DOWN_SHARE * len(turned)


def _chars_and_confidence(result) -> float:
    return sum(len(text) * float(score) for _, text, score in result)


def _skew(boxes) -> float:
    """The page's rotation in radians: the median slant of the long boxes' top edges."""
    slants = [math.atan2(q[1][1] - q[0][1], q[1][0] - q[0][0]) for q, _, _ in boxes
              if q[1][0] - q[0][0] > 3 * abs(q[3][1] - q[0][1])]
    angle = median(slants) if slants else 0.0
    return angle if abs(math.degrees(angle)) >= MIN_SKEW_DEGREES else 0.0


def _upright(quad, text: str, score: float, angle: float, cx: float, cy: float) -> OcrLine:
    """A box turned back by the page's rotation about the page centre, as an upright rectangle."""
    cos, sin = math.cos(-angle), math.sin(-angle)
    points = [(cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos) for x, y in quad]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return OcrLine(text, min(xs), min(ys), max(xs), max(ys), score)


def _join_rows(boxes: list[OcrLine]) -> list[OcrLine]:
    """Boxes standing on one line (the detector splits a line at wide gaps) joined left to right, top to bottom."""
    rows: list[list[OcrLine]] = []
    for box in sorted(boxes, key=lambda b: (b.top + b.bottom) / 2):
        centre = (box.top + box.bottom) / 2
        row = rows[-1] if rows else None
        if row and abs(centre - mean((b.top + b.bottom) / 2 for b in row)) <= SAME_LINE_OVERLAP * box.height:
            row.append(box)
        else:
            rows.append([box])
    joined = []
    for row in rows:
        row.sort(key=lambda b: b.x0)
        text = row[0].text
        for a, b in zip(row, row[1:]):
            text += (" " if b.x0 - a.x1 > WORD_GAP_LINES * b.height else "") + b.text
        chars = sum(len(b.text) for b in row)
        joined.append(OcrLine(text, min(b.x0 for b in row), min(b.top for b in row), max(b.x1 for b in row),
                              max(b.bottom for b in row), sum(b.confidence * len(b.text) for b in row) / chars))
    return joined


def _columns(lines: list[OcrLine], width: float) -> list[list[OcrLine]]:
    """The page's lines as the columns a reader reads one after the other: where a vertical strip in the page's
    middle third is crossed by no line while most lines stand on either side of it, the lines above the columns
    come first, then the left column, the right one, and the lines below."""
    gutter = _gutter(lines, width)
    if gutter is None:
        return [lines]
    crossing = [l for l in lines if l.x0 < gutter < l.x1]
    first = min((l.top for l in lines if l not in crossing), default=0)
    above = [l for l in crossing if l.top < first]
    below = [l for l in crossing if l.top >= first]
    left = [l for l in lines if l not in crossing and l.x1 <= gutter]
    right = [l for l in lines if l not in crossing and l.x0 >= gutter]
    return [group for group in (above, left, right, below) if group]


def _gutter(lines: list[OcrLine], width: float) -> float | None:
    for step in range(1, 30):
        x = width * (1 / 3 + step / 90)
        crossing = sum(1 for l in lines if l.x0 < x < l.x1)
        left = sum(1 for l in lines if l.x1 <= x)
        right = sum(1 for l in lines if l.x0 >= x)
        if crossing <= len(lines) * (1 - COLUMN_GUTTER_SHARE) and min(left, right) >= COLUMN_GUTTER_SHARE / 2 * len(lines):
            return x
    return None


def page_images(path):
    """The pages of an image file (every frame of a multi-page TIFF), with the resolution each declares."""
    with Image.open(path) as image:
        for frame in ImageSequence.Iterator(image):
            check_page_pixels(path.name, frame)
            dpi = frame.info.get("dpi", (RENDER_DPI, RENDER_DPI))[0] or RENDER_DPI
            yield frame.copy(), float(dpi)


def check_page_pixels(name: str, image) -> None:
    """Refuse a page image larger than MAX_PAGE_PIXELS before its pixels are decoded (PIL reads the size first)."""
    if image.width * image.height > MAX_PAGE_PIXELS:
        raise ExtractionError(N_("{name}: 图像有 {width}×{height} 像素，超过每页 {limit:,} 百万像素的上限，已拒绝读取",
                                 name=name, width=image.width, height=image.height, limit=MAX_PAGE_PIXELS // 1_000_000))


def render_pdf_page(pdf, index: int):
    """A PDF page (a pypdfium2 document's page `index`) as an image at RENDER_DPI, or as much less as keeps it
    within MAX_PAGE_PIXELS (a page declared metres wide), with the resolution it was rendered at."""
    page = pdf[index]
    width, height = page.get_size()
    dpi = min(RENDER_DPI, POINTS_PER_INCH * math.sqrt(MAX_PAGE_PIXELS / max(width * height, 1)))
    return page.render(scale=dpi / POINTS_PER_INCH).to_pil(), dpi


def judge_ocr_pages(name: str, pages: list[OcrPage], *, text_pages: int) -> None:
    """Refuse a file whose scans cannot be scored as read: a handwritten page (printed-text OCR reads it at low
    confidence, so its words would be guesses), or scans with no text at all when nothing else holds text."""
    handwritten = [p.number for p in pages if p.confidence is not None and p.confidence < HANDWRITTEN_CONFIDENCE]
    if handwritten:
        where = "、".join(map(str, handwritten))
        raise ExtractionError(N_("{name}: 手写稿，未能可靠识别（第{pages}页）；请提交打印稿或电子文档", name=name, pages=where))
    if pages and not text_pages and not any(p.chars for p in pages):
        raise ExtractionError(N_("{name}: 图像中没有识别出文字（空白页，或图像过于模糊）；请重新扫描或提交电子文档", name=name))
