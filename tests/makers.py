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

        from pipeline.util.textnorm import fold

        self.seen.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            chars = "".join(c for c in fold(text) if c.isalnum())
            for i in range(len(chars) - 1):
                h = int.from_bytes(hashlib.blake2b(chars[i:i + 2].encode(), digest_size=4).digest(), "little")
                out[row, h % self.dim] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1)


# --- OFD (GB/T 33190) ---------------------------------------------------------------------------------------

OFD_NS = "http://www.ofdspec.org/2016"
MM_PER_PT = 25.4 / 72


def pdf_from_docx(source: Path, out_dir: Path, *, one_font: str | None = None) -> Path:
    """The PDF LibreOffice prints from a .docx. `one_font` sets every run's font (Latin and Chinese) to that
    one, as on a machine that has no other."""
    import re
    import subprocess
    import zipfile

    from pipeline.ingest.legacy import soffice

    out_dir.mkdir(parents=True, exist_ok=True)
    if one_font:
        fonts = f'<w:rFonts w:ascii="{one_font}" w:hAnsi="{one_font}" w:eastAsia="{one_font}" w:cs="{one_font}"/>'
        styled = out_dir / source.name
        with zipfile.ZipFile(source) as z, zipfile.ZipFile(styled, "w", zipfile.ZIP_DEFLATED) as out:
            for info in z.infolist():
                data = z.read(info)
                if info.filename.startswith("word/") and info.filename.endswith(".xml"):
                    data = re.sub(rb"<w:rFonts\b[^>]*/>", fonts.encode(), data)
                out.writestr(info, data)
        source = styled
    subprocess.run([soffice(), f"-env:UserInstallation={(out_dir / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out_dir), str(source)],
                   check=True, capture_output=True, timeout=180)
    return out_dir / (source.stem + ".pdf")


def ofd_from_pdf(source: Path, path: Path, *, template_text: str | None = None, signed: bool = False) -> Path:
    """An OFD package laid out as GB/T 33190 says, drawn from a PDF's text as converters do: one TextObject per
    run of one font on a line (Boundary and Size in millimetres, TextCode at the baseline, DeltaX between glyphs),
    fonts in PublicRes. `template_text` is drawn across the middle of every page, in the body's size, from a page
    template (where the standard puts what repeats on every page: a letterhead, a watermark); `signed` adds an
    electronic seal (Signs/, named in OFD.xml)."""
    import zipfile
    from xml.sax.saxutils import escape, quoteattr

    import pdfplumber

    fonts: dict[str, int] = {}
    pages = []
    next_id = [100]

    def new_id() -> int:
        next_id[0] += 1
        return next_id[0]

    with pdfplumber.open(source) as pdf:
        width, height = pdf.pages[0].width * MM_PER_PT, pdf.pages[0].height * MM_PER_PT
        for page in pdf.pages:
            objects = []
            for line in page.extract_text_lines(strip=False, return_chars=True):
                runs: list[list[dict]] = []
                for ch in line["chars"]:
                    if runs and (ch["fontname"], ch["size"]) == (runs[-1][0]["fontname"], runs[-1][0]["size"]):
                        runs[-1].append(ch)
                    else:
                        runs.append([ch])
                for run in runs:
                    font = run[0]["fontname"].split("+")[-1]
                    fonts.setdefault(font, len(fonts) + 1)
                    x0, top = run[0]["x0"], min(c["top"] for c in run)
                    x1, bottom = max(c["x1"] for c in run), max(c["bottom"] for c in run)
                    baseline = page.height - run[0]["matrix"][5]
                    deltas = " ".join(f"{(b['x0'] - a['x0']) * MM_PER_PT:.3f}" for a, b in zip(run, run[1:]))
                    text = "".join(c["text"] for c in run)
                    objects.append(
                        f'<ofd:TextObject ID="{new_id()}" Font="{fonts[font]}" Size="{run[0]["size"] * MM_PER_PT:.3f}" '
                        f'Boundary="{x0 * MM_PER_PT:.3f} {top * MM_PER_PT:.3f} {(x1 - x0) * MM_PER_PT:.3f} '
                        f'{(bottom - top) * MM_PER_PT:.3f}"><ofd:FillColor Value="0 0 0"/>'
                        f'<ofd:TextCode X="0" Y="{(baseline - top) * MM_PER_PT:.3f}"'
                        + (f' DeltaX="{deltas}"' if deltas else "") + f">{escape(text)}</ofd:TextCode></ofd:TextObject>")
            pages.append(objects)

    def page_xml(objects: list[str], template: bool) -> str:
        uses = '<ofd:Template TemplateID="1" ZOrder="Background"/>' if template else ""
        return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}">{uses}<ofd:Content>'
                f'<ofd:Layer ID="{new_id()}" Type="Body">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>')

    parts = {}
    template = []
    if template_text:
        fonts.setdefault("SimSun", len(fonts) + 1)
        template = [f'<ofd:TextObject ID="{new_id()}" Font="{fonts["SimSun"]}" Size="5.644" Boundary="40 140 130 8">'
                    f'<ofd:TextCode X="0" Y="6" DeltaX="g {len(template_text) - 1} 5.644">{escape(template_text)}'
                    "</ofd:TextCode></ofd:TextObject>"]
        parts["Doc_0/Tpls/Tpl_0/Content.xml"] = page_xml(template, False)
    font_xml = "".join(f'<ofd:Font ID="{i}" FontName={quoteattr(name)} FamilyName={quoteattr(name)}'
                       + (' Bold="true"' if "bold" in name.lower() else "") + "/>" for name, i in fonts.items())
    parts["Doc_0/PublicRes.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{OFD_NS}" '
                                    f'BaseLoc="Res"><ofd:Fonts>{font_xml}</ofd:Fonts></ofd:Res>')
    for number, objects in enumerate(pages):
        parts[f"Doc_0/Pages/Page_{number}/Content.xml"] = page_xml(objects, bool(template_text))
    page_list = "".join(f'<ofd:Page ID="{new_id()}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n in range(len(pages)))
    template_page = '<ofd:TemplatePage ID="1" BaseLoc="Tpls/Tpl_0/Content.xml"/>' if template_text else ""
    parts["Doc_0/Document.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{OFD_NS}"><ofd:CommonData>'
        f"<ofd:MaxUnitID>{next_id[0] + 1}</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 {width:.3f} {height:.3f}"
        f"</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>{template_page}"
        f"</ofd:CommonData><ofd:Pages>{page_list}</ofd:Pages></ofd:Document>")
    signatures = ""
    if signed:
        signatures = "<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>"
        parts["Doc_0/Signs/Signatures.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Signatures xmlns:ofd="{OFD_NS}"><ofd:MaxSignId>1'
            '</ofd:MaxSignId><ofd:Signature ID="1" Type="Seal" BaseLoc="Sign_0/Signature.xml"/></ofd:Signatures>')
        parts["Doc_0/Signs/Sign_0/Signature.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Signature xmlns:ofd="{OFD_NS}"><ofd:SignedInfo>'
            '<ofd:Provider ProviderName="test"/><ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod>'
            '<ofd:StampAnnot ID="1" PageRef="1" Boundary="120 230 40 40"/></ofd:SignedInfo>'
            "<ofd:SignedValue>/Doc_0/Signs/Sign_0/SignedValue.dat</ofd:SignedValue></ofd:Signature>")
        parts["Doc_0/Signs/Sign_0/SignedValue.dat"] = b"\x30\x82\x01\x00" + bytes(256)
    parts_in_order = {
        "OFD.xml": (f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.1" '
                    f'DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>test</ofd:DocID></ofd:DocInfo>'
                    f"<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>{signatures}</ofd:DocBody></ofd:OFD>"),
        **parts,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts_in_order.items():
            z.writestr(name, data)
    return path


def easyofd_from_pdf(source: Path, path: Path) -> Path:
    """The OFD easyofd (a maintained PDF-to-OFD writer on PyPI) makes from a PDF's text layer. Run in its own
    process and folder: it writes scratch files into the working directory and adds it to its import path."""
    import subprocess
    import sys
    import tempfile

    script = ("import sys; from easyofd.ofd import OFD; "
              "open(sys.argv[2], 'wb').write(OFD().pdf2ofd(open(sys.argv[1], 'rb').read(), optional_text=True))")
    with tempfile.TemporaryDirectory(prefix="easyofd-") as work:
        subprocess.run([sys.executable, "-c", script, str(source.resolve()), str(path.resolve())], cwd=work,
                       check=True, capture_output=True, timeout=300)
    return path


def encrypted_ofd(source: Path, path: Path) -> Path:
    """The package as GM/T 0099 encryption leaves it: the page contents replaced by ciphertext, and the
    decryption entry Encryptions.xml beside OFD.xml."""
    import os
    import zipfile

    with zipfile.ZipFile(source) as z, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info)
            out.writestr(info, os.urandom(len(data) // 16 * 16 + 16) if info.filename.endswith("Content.xml") else data)
        out.writestr("Encryptions.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Encryptions xmlns:ofd="{OFD_NS}">'
                                        '<ofd:EncryptInfo ID="1"><ofd:EntriesMapLoc>EncryptEntries.xml'
                                        "</ofd:EntriesMapLoc></ofd:EncryptInfo></ofd:Encryptions>")
    return path


def batch_with(source: Path, dest: Path, replacements: dict[str, Path]) -> Path:
    """A copy of the batch `source` at `dest` with some submissions handed in as other files:
    {submission file name: the file that replaces it (same name stem, its own suffix)}; manifest.csv follows."""
    import csv

    shutil.copytree(source, dest)
    renamed = {}
    for name, replacement in replacements.items():
        (dest / "submissions" / name).unlink()
        new_name = Path(name).stem + replacement.suffix
        shutil.copy(replacement, dest / "submissions" / new_name)
        renamed[f"submissions/{name}"] = f"submissions/{new_name}"
    manifest = dest / "manifest.csv"
    if manifest.exists():
        rows = list(csv.DictReader(manifest.open(encoding="utf-8-sig")))
        with manifest.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows({**row, "file": renamed.get(row["file"], row["file"])} for row in rows)
    return dest


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
