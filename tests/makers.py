"""Real files made by the tests: Word documents with styles, tables, numbering and text boxes; PDFs with wrapped
paragraphs, running headers and page numbers, scanned pages, encryption."""

from __future__ import annotations

import shutil
from pathlib import Path

PAGE_HEADER = "临江市市场监督管理局党组理论学习中心组"


def docx_file(path: Path, blocks: list[tuple[str, str]], *, header: str | None = None, footer_page_field: bool = False) -> Path:
    """blocks: (style, text); style 'Title', 'Heading 1'..'Heading 3', 'Normal', or 'table:a|b;c|d'."""
    import docx

    document = docx.Document()
    for style, text in blocks:
        if style.startswith("table:"):
            rows = [r.split("|") for r in style[6:].split(";")]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for i, row in enumerate(rows):
                for j, cell in enumerate(row):
                    table.cell(i, j).text = cell
        else:
            document.add_paragraph(text, style=style)
    section = document.sections[0]
    if header:
        section.header.paragraphs[0].text = header
    if footer_page_field:
        _page_field(section.footer.paragraphs[0])
    document.save(path)
    return path


def _page_field(paragraph) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            node = OxmlElement("w:fldChar")
            node.set(qn("w:fldCharType"), kind)
        else:
            node = OxmlElement("w:instrText")
            node.text = text
        run._r.append(node)


def add_text_box(path: Path, anchor_index: int, text: str) -> Path:
    """Put a DrawingML text box (with its VML fallback, as Word writes it) into paragraph `anchor_index`."""
    import docx
    from lxml import etree

    document = docx.Document(path)
    p = document.paragraphs[anchor_index]._p
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    xml = f"""<w:r xmlns:w="{w}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
      xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" xmlns:v="urn:schemas-microsoft-com:vml">
      <mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx><w:txbxContent>
        <w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent></wps:txbx></wps:wsp></w:drawing></mc:Choice>
      <mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p>
        </w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"""
    p.append(etree.fromstring(xml))
    document.save(path)
    return path


def _cjk_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def pdf_file(path: Path, blocks: list[tuple[str, str]], *, header: str | None = PAGE_HEADER, page_numbers: bool = True) -> Path:
    """blocks: (kind, text) with kind 'title', 'heading' or 'body'; body paragraphs wrap at the margin, with a
    first-line indent of two characters as in official documents; every page gets a running header and a
    '- N -' page number."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = _cjk_font()
    styles = {
        "title": ParagraphStyle("t", fontName=font, fontSize=18, leading=26, alignment=1, wordWrap="CJK"),
        "heading": ParagraphStyle("h", fontName=font, fontSize=14, leading=22, wordWrap="CJK"),
        "body": ParagraphStyle("b", fontName=font, fontSize=12, leading=20, firstLineIndent=24, wordWrap="CJK"),
    }

    def decorate(canvas, doc):
        canvas.setFont(font, 9)
        if header:
            canvas.drawCentredString(A4[0] / 2, A4[1] - 40, header)
        if page_numbers:
            canvas.drawCentredString(A4[0] / 2, 30, f"- {doc.page} -")

    story = []
    for kind, text in blocks:
        story.append(Paragraph(text, styles[kind]))
        story.append(Spacer(1, 4))
    SimpleDocTemplate(str(path), pagesize=A4, topMargin=72, bottomMargin=72).build(
        story, onFirstPage=decorate, onLaterPages=decorate
    )
    return path


def scanned_pdf(path: Path) -> Path:
    """A page that is only a picture of text, as a scanner makes it."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (600, 800), 255)
    draw = ImageDraw.Draw(image)
    for y in range(60, 760, 30):
        draw.line((50, y, 550, y), fill=0, width=3)
    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawImage(ImageReader(image), 40, 40, width=500, height=700)
    c.save()
    return path


def encrypted_pdf(source: Path, path: Path, password: str = "secret") -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password=password)
    with open(path, "wb") as f:
        writer.write(f)
    return path


def encrypted_docx(source: Path, path: Path, password: str = "secret") -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(source, "rb") as f, open(path, "wb") as out:
        OOXMLFile(f).encrypt(password, out)
    return path


def garbled_pdf(source: Path, path: Path) -> Path:
    """The same PDF with its CJK font's encoding renamed to Identity-H and no Unicode map: text extraction
    yields (cid:N) codes, as with PDFs whose fonts were embedded without a ToUnicode table."""
    data = source.read_bytes()
    assert b"/UniGB-UCS2-H" in data
    path.write_bytes(data.replace(b"/UniGB-UCS2-H", b"/Identity-H  "))
    return path


def docx_bomb(source: Path, path: Path, unpacked_mb: int) -> Path:
    """A real .docx whose word/document.xml is padded with empty paragraphs until it unpacks to `unpacked_mb`
    megabytes (a few MB on disk): a zip bomb in Word's clothes."""
    import zipfile

    with zipfile.ZipFile(source) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    xml = parts.pop("word/document.xml")
    head, tail = xml.split(b"</w:body>")
    padding = b"<w:p/>" * (1 << 17)  # 768 KB of empty paragraphs
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, data in parts.items():
            z.writestr(name, data)
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(head)
            for _ in range(unpacked_mb * (1 << 20) // len(padding)):
                f.write(padding)
            f.write(b"</w:body>" + tail)
    return path


def docx_with_parts(source: Path, path: Path, extra_parts: int) -> Path:
    """A real .docx with `extra_parts` more (tiny) entries in its package."""
    import zipfile

    shutil.copy(source, path)
    with zipfile.ZipFile(path, "a") as z:
        for i in range(extra_parts):
            z.writestr(f"customXml/extra{i}.xml", b"<x/>")
    return path


def raw_pdf(path: Path, pages: int, content: bytes) -> Path:
    """A PDF written by hand whose `pages` pages all draw one shared content stream (Flate-compressed): a
    heavy stream is interpreted once per page."""
    import zlib

    stream = zlib.compress(content, 9)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (5 + i) for i in range(pages)) + b"] /Count %d >>" % pages,
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                b"/Contents 4 0 R >>"] * pages
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


class BigramEncoder:
    """A stand-in for pipeline.semantic: hashed character bigrams, L2-normalized, no model loaded; records what it
    was asked. Its name is a model someone placed in models/, for which no calibration is shipped."""

    name = "st:bigram-test-model"
    dim = 256

    def __init__(self):
        self.seen: list[str] = []

    def encode(self, texts, kind="passage"):
        import hashlib

        import numpy as np

        from pipeline.textnorm import fold

        self.seen.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            chars = "".join(c for c in fold(text) if c.isalnum())
            for i in range(len(chars) - 1):
                h = int.from_bytes(hashlib.blake2b(chars[i:i + 2].encode(), digest_size=4).digest(), "little")
                out[row, h % self.dim] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1)


# --- scans: pages rendered to images, degraded as scanners and phone cameras degrade them -------------------

SCAN_DPI = 200


def pdf_page_images(path: Path, dpi: int = SCAN_DPI) -> list:
    """Every page of a PDF as a greyscale image at `dpi`, as a scanner makes it."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("L") for page in pdf]
    finally:
        pdf.close()


def pdf_page_texts(path: Path) -> list[str]:
    """Every page's text layer (what a perfect OCR would read)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


def scanned(image, *, angle: float, seed: int, quality: int = 60, noise: float = 12.0):
    """A flat scan: turned by `angle` degrees, with sensor noise (grey levels, standard deviation), saved as
    JPEG at `quality` and read back."""
    import io

    import numpy as np
    from PIL import Image

    turned = image.convert("L").rotate(angle, resample=Image.BICUBIC, fillcolor=255)
    pixels = np.asarray(turned, dtype=np.float32) + np.random.default_rng(seed).normal(0, noise, turned.size[::-1])
    noisy = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    buffer = io.BytesIO()
    noisy.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("L")


def photographed(image, *, seed: int):
    """A page photographed with a phone: seen at an angle (a perspective warp), lit unevenly, a little soft,
    saved as JPEG."""
    import io

    import numpy as np
    from PIL import Image, ImageFilter

    w, h = image.size
    # where the page's corners land in the photo: the top edge further away than the bottom one
    corners = [(0.06 * w, 0.04 * h), (0.95 * w, 0.06 * h), (0.99 * w, 0.98 * h), (0.02 * w, 0.96 * h)]
    coeffs = _perspective_coefficients(corners, [(0, 0), (w, 0), (w, h), (0, h)])
    warped = image.convert("L").transform((w, h), Image.PERSPECTIVE, coeffs, Image.BICUBIC, fillcolor=200)
    light = np.linspace(0.8, 1.0, w)[None, :] * np.linspace(0.9, 1.0, h)[:, None]
    pixels = np.asarray(warped, dtype=np.float32) * light + np.random.default_rng(seed).normal(0, 6, (h, w))
    photo = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.8))
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=80)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("L")


def _perspective_coefficients(source, target):
    """PIL's PERSPECTIVE coefficients mapping output points `target` to input points `source`."""
    import numpy as np

    rows = []
    for (x, y), (u, v) in zip(target, source):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    return np.linalg.solve(np.array(rows, float), np.array([c for p in source for c in p], float)).tolist()


def handwritten_page(seed: int = 0, size=(1654, 2339)):
    """A page of handwriting-like script: lines of joined, irregular pen strokes of a character's size, as a member
    writes a 心得 by hand. No printed-text OCR can read it."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    image = Image.new("L", size, 250)
    draw = ImageDraw.Draw(image)
    for row in range(22):
        y = 220 + row * 85
        x = 180 + (90 if row % 6 == 0 else 0)
        while x < size[0] - 200:
            points = [(x + rng.uniform(0, 55), y + rng.uniform(-25, 25)) for _ in range(int(rng.integers(4, 9)))]
            draw.line(points, fill=int(rng.integers(20, 70)), width=int(rng.integers(3, 6)), joint="curve")
            x += rng.uniform(50, 70)
    return image


def image_only_pdf(images, path: Path, dpi: int = SCAN_DPI) -> Path:
    """A PDF of page images and no text layer, as a scanner saves it."""
    images[0].convert("RGB").save(path, "PDF", resolution=dpi, save_all=True,
                                  append_images=[i.convert("RGB") for i in images[1:]])
    return path


def han_and_digits(text: str) -> str:
    """What character error rate is counted on: Chinese characters and digits (punctuation, Latin letters and
    white space ignored)."""
    return "".join(c for c in text if "\u4e00" <= c <= "\u9fff" or c.isdigit())


def character_error_rate(read: str, original: str) -> float:
    """Edits (insertions, deletions, substitutions) from the original's Chinese characters and digits to the read
    ones, per original character."""
    a, b = han_and_digits(original), han_and_digits(read)
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1] / max(len(a), 1)
