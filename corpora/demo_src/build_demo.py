#!/usr/bin/env python3
"""Build the bundled demo batch corpora/demo/ from the plain-text sources in corpora/demo_src/.

The demo is an invented quarter (2026Q1) of an invented unit (青川市交通运输局党组): 13 submissions, 3 studied
reference speeches and 3 earlier-quarter submissions. Each submission is written once, as a marked-up plain-text
source demo_src/submissions/<name>.src.txt, and rendered to the format its front matter names:

    txt   the text in the given encoding (utf-8, utf-8-sig = with BOM, gb18030) and line ending (lf, crlf)
    docx  python-docx in 公文 layout: Title style (方正小标宋简体), a centred byline, Heading 1/2/3 for the
          `## 一、` / `### （一）` / `#### 1.` lines, body in 仿宋_GB2312 16 pt, tables from `| a | b |` lines,
          an optional header (the unit's name) and footer (`{PAGE}` / `{NUMPAGES}` become Word fields)
    pdf   that docx converted by LibreOffice headless (`soffice --convert-to pdf`)

Source format: front matter between `---` lines (file, author, doc_type, format, encoding, newline, header,
footer, topics as `DT1=3 DT2=0 …`), then the body: first line the title, second the byline. Inline marks,
which never nest and never cross a line, record the truth and are stripped from the output:

    {copy ref:RC2 verbatim}…{/copy}   copied without attribution; source ref:<REF_ID>, doc:<doc_id> or
                                      prior:<prior doc_id>; kind verbatim, edited or paraphrase
    {quote ref:RC1}…{/quote}          an attributed quotation (the text inside the quotation marks)
    {generic}…{/generic}              a stock sentence or slogan with nothing of the member's own
    {specific}…{/specific}            a sentence of concrete practice (figures, places, measures)
    {frame}…{/frame}                  framing that names the session or the speeches studied; like the dev
                                      batch's opening sentences it is labelled neither own nor generic

Every other sentence of a body paragraph is the member's own text. Besides the batch (topics.yaml, manifest.csv,
submissions/, references/, prior/) the script writes labels.json, the same truth in the eval.labels/1 format of
../shared/eval/evaluate.py, and copies EXPECTED.md. Before writing anything it checks the marks against the
texts (quotes and verbatim copies occur in their source; edited and paraphrased copies do not; a passage shared
by two members is marked in both; no unmarked run of COPY_PROBE characters, other than a speech's title named in
an attribution, is shared with a reference, a prior submission or another member), so the key cannot drift from the documents.

Usage:  .venv/bin/python corpora/demo_src/build_demo.py [--out corpora/demo]
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

SRC = Path(__file__).resolve().parent
QUARTER = "2026Q1"
# Fixed time stamps (document properties and zip entries) so a rebuild gives byte-identical .docx files.
STAMP = datetime(2026, 3, 20, 9, 0, 0)
COPY_PROBE = 15  # characters: an unmarked shared run this long is reported as accidental copying
MARK = re.compile(r"\{(copy|quote|generic|specific|frame)([^}]*)\}(.*?)\{/\1\}")
HEADING = {"## ": 1, "### ": 2, "#### ": 3}
NUMBERED_LEAD = re.compile(r"^（[一二三四五六七八九十]+）[^。]{2,40}。")
FONT = {"title": "方正小标宋简体", "body": "仿宋_GB2312", "h1": "黑体", "h2": "楷体_GB2312", "h3": "仿宋_GB2312",
        "byline": "楷体_GB2312", "latin": "Times New Roman"}


def norm(s: str) -> str:
    """The matching view of ../shared/eval/evaluate.py: NFKC, white space removed."""
    return "".join(unicodedata.normalize("NFKC", s).split())


@dataclass
class Line:
    kind: str          # title | byline | heading | para | row
    text: str          # clean text (marks stripped)
    raw: str = ""      # the source line with its marks
    level: int = 0     # heading level 1-3

    @property
    def cells(self) -> list[str]:
        return [c.strip() for c in self.text.strip().strip("|").split("|")]


@dataclass
class Source:
    path: Path
    meta: dict[str, str]
    lines: list[Line]
    topics: dict[str, int] = field(default_factory=dict)

    @property
    def file(self) -> str:
        return self.meta["file"]

    @property
    def doc_id(self) -> str:
        return Path(self.file).stem

    @property
    def text(self) -> str:
        """The document's text as a reader sees it: one line a paragraph, table cells joined by tabs."""
        return "\n".join("\t".join(ln.cells) if ln.kind == "row" else ln.text for ln in self.lines)

    def marks(self, tag: str) -> list[tuple[str, str]]:
        return [(m.group(2).strip(), m.group(3)) for ln in self.lines for m in MARK.finditer(ln.raw) if m.group(1) == tag]

    def own(self) -> list[str]:
        """Passages of body paragraphs outside copy, quote, generic and frame marks (headings and short lines left
        out); the marked specific sentences are part of them."""
        out = []
        for ln in self.lines:
            if ln.kind != "para" or (not MARK.search(ln.raw) and len(ln.text) <= 40 and not ln.text.endswith("。")):
                continue
            rest = MARK.sub(lambda m: m.group(3) if m.group(1) == "specific" else "\x00", ln.raw)
            out += [p.strip() for p in rest.split("\x00") if sum(ch.isalnum() for ch in p) >= 8]
        return out


def parse_source(path: Path) -> Source:
    raw = path.read_text(encoding="utf-8")
    head, body = re.match(r"---\n(.*?)\n---\n(.*)", raw, re.S).groups()
    meta = dict(line.split(":", 1) for line in head.splitlines())
    meta = {k.strip(): v.strip() for k, v in meta.items()}
    lines = []
    for i, text in enumerate(t for t in body.splitlines() if t.strip()):
        kind, level = ("title", 0) if i == 0 else ("byline", 0) if i == 1 else ("para", 0)
        for prefix, lv in HEADING.items():
            if text.startswith(prefix):
                kind, level, text = "heading", lv, text[len(prefix):]
        if text.startswith("|"):
            kind = "row"
        lines.append(Line(kind, MARK.sub(lambda m: m.group(3), text), text, level))
    topics = {k: int(v) for k, v in (pair.split("=") for pair in meta["topics"].split())}
    return Source(path, meta, lines, topics)


# ---------------------------------------------------------------- checks

def ngrams(text: str, n: int) -> set[str]:
    return {text[i:i + n] for i in range(len(text) - n + 1)}


def overlap(span: str, source: str, n: int = 8) -> float:
    """Share of the span's characters covered by n-character runs that also occur in the source."""
    span, grams = norm(span), ngrams(norm(source), n)
    covered = [False] * len(span)
    for i in range(len(span) - n + 1):
        if span[i:i + n] in grams:
            covered[i:i + n] = [True] * n
    return sum(covered) / max(len(span), 1)


def check(sources: list[Source], refs: dict[str, str], priors: dict[str, str], topic_ids: list[str]) -> list[str]:
    """Return the problems found in the marks; print the similarity of each edited or paraphrased copy."""
    problems = []
    by_id = {s.doc_id: s for s in sources}

    def source_text(ref: str) -> str | None:
        kind, _, name = ref.partition(":")
        return {"ref": refs, "prior": priors, "doc": {k: v.text for k, v in by_id.items()}}.get(kind, {}).get(name)

    for s in sources:
        where = s.path.name
        if sorted(s.topics) != sorted(topic_ids) or not all(0 <= v <= 3 for v in s.topics.values()):
            problems.append(f"{where}: topics must give a level 0-3 for each of {topic_ids}")
        if not s.file.startswith(s.path.name.split(".")[0]):
            problems.append(f"{where}: file name {s.file} does not match the source name")
        for args, text in s.marks("quote"):
            ref = source_text(args)
            if ref is None or norm(text) not in norm(ref):
                problems.append(f"{where}: quotation not found verbatim in {args}: {text[:20]}…")
        for args, text in s.marks("copy"):
            src, kind = args.split()
            ref = source_text(src)
            if ref is None:
                problems.append(f"{where}: unknown copy source {src}")
                continue
            verbatim = norm(text) in norm(ref)
            if (kind == "verbatim") != verbatim:
                problems.append(f"{where}: copy marked {kind} but verbatim={verbatim} in {src}")
            if kind != "verbatim":
                print(f"  {s.doc_id}: {kind} copy of {src}, {overlap(text, ref):.0%} of it in 8-character runs of the source")
            if src.startswith("doc:"):
                other = by_id[src[4:]]
                if (f"doc:{s.doc_id} {kind}", text) not in other.marks("copy"):
                    problems.append(f"{where}: shared passage not marked the same way in {other.path.name}")
        # Unmarked text must not share long runs with any other text of the batch.
        marked = [norm(t) for tag in ("copy", "quote") for _, t in s.marks(tag)]
        own = norm("".join(s.own()))
        others = {f"ref:{k}": v for k, v in refs.items()} | {f"prior:{k}": v for k, v in priors.items()}
        others |= {f"doc:{o.doc_id}": o.text for o in sources if o is not s}
        titles = [f"《{norm(t.splitlines()[0])}》" for t in refs.values()]
        for name, text in others.items():
            shared = sorted(ngrams(own, COPY_PROBE) & ngrams(norm(text), COPY_PROBE))
            shared = [g for g in shared if not any(g in m for m in marked + titles)]
            if shared:
                problems.append(f"{where}: unmarked text shares '{shared[0]}' with {name}")
    return problems


# ---------------------------------------------------------------- rendering

def write_txt(s: Source, out: Path) -> None:
    newline = "\r\n" if s.meta.get("newline") == "crlf" else "\n"
    data = s.text.replace("\n", newline) + newline
    out.write_bytes(data.encode(s.meta.get("encoding", "utf-8")))


def set_fonts(rpr_owner, east_asia: str) -> None:
    """Name the Latin and the East Asian font explicitly, dropping the template's theme-font links."""
    rpr = rpr_owner.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), FONT["latin"])
    rfonts.set(qn("w:eastAsia"), east_asia)


def style_paragraphs(doc: Document) -> None:
    """公文 look (GB/T 9704 in spirit): 16 pt text on a 28 pt line, headings 黑体 / 楷体 / bold 仿宋."""
    specs = {"Normal": ("body", 16, False), "Title": ("title", 22, False), "Heading 1": ("h1", 16, False),
             "Heading 2": ("h2", 16, False), "Heading 3": ("h3", 16, True), "Caption": ("h1", 12, False)}
    for name, (font, size, bold) in specs.items():
        style = doc.styles[name]
        set_fonts(style.element, FONT[font])
        style.font.size, style.font.bold, style.font.italic = Pt(size), bold, False
        style.font.color.rgb = RGBColor(0, 0, 0)
        fmt = style.paragraph_format
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(28 if size <= 16 else 36)
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.first_line_indent = Pt(32) if name == "Normal" else Pt(0)
        ppr = style.element.get_or_add_pPr()
        for border in ppr.findall(qn("w:pBdr")):  # the template's Title has a rule under it
            ppr.remove(border)
    doc.styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.styles["Title"].paragraph_format.space_after = Pt(12)
    doc.styles["Caption"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def add_field(paragraph, name: str) -> None:
    """A Word field (PAGE, NUMPAGES) as begin / instruction / separate / cached result / end runs."""
    def fld(kind):
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(el)
    fld("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {name} "
    paragraph.add_run()._r.append(instr)
    fld("separate")
    paragraph.add_run("1")
    fld("end")


def add_header_footer(doc: Document, header: str, footer: str) -> None:
    section = doc.sections[0]
    if header:
        p = section.header.paragraphs[0]
        p.text = header
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.first_line_indent = Pt(0)
        for run in p.runs:
            run.font.size = Pt(10.5)
    if footer:
        p = section.footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.first_line_indent = Pt(0)
        for piece in re.split(r"(\{PAGE\}|\{NUMPAGES\})", footer):
            if piece in ("{PAGE}", "{NUMPAGES}"):
                add_field(p, piece[1:-1])
            elif piece:
                p.add_run(piece)
        for run in p.runs:
            run.font.size = Pt(14)


def add_table(doc: Document, rows: list[list[str]]) -> None:
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            p = table.cell(r, c).paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.first_line_indent = Pt(0)
            p.paragraph_format.line_spacing = Pt(20)
            run = p.add_run(value)
            run.font.size, run.font.bold = Pt(12), r == 0


def write_docx(s: Source, out: Path) -> None:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.header_distance, section.footer_distance = Cm(1.5), Cm(2.5)
    style_paragraphs(doc)
    rows: list[list[str]] = []
    for ln in s.lines + [Line("end", "")]:
        if ln.kind == "row":
            rows.append(ln.cells)
            continue
        if rows:
            add_table(doc, rows)
            rows = []
        if ln.kind == "title":
            doc.add_paragraph(ln.text, style="Title")
        elif ln.kind == "byline":
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.first_line_indent = Pt(0)
            p.paragraph_format.space_after = Pt(12)
            set_fonts(p.add_run(ln.text)._r, FONT["byline"])
        elif ln.kind == "heading":
            doc.add_heading(ln.text, level=ln.level)
        elif ln.kind == "para" and ln.text.startswith("表") and len(ln.text) <= 40:
            doc.add_paragraph(ln.text, style="Caption")
        elif ln.kind == "para":
            p = doc.add_paragraph()
            lead = NUMBERED_LEAD.match(ln.text)
            if lead:  # 「（一）小标题。」 opens the paragraph in 楷体, as 公文 run-in headings do
                set_fonts(p.add_run(lead.group(0))._r, FONT["h2"])
            p.add_run(ln.text[lead.end() if lead else 0:])
    add_header_footer(doc, s.meta.get("header", ""), s.meta.get("footer", ""))
    props = doc.core_properties
    props.author = props.last_modified_by = s.meta["author"]
    props.title, props.subject = s.lines[0].text, s.meta["doc_type"]
    props.created = props.modified = props.last_printed = STAMP
    props.revision, props.comments, props.keywords = 1, "", ""
    buffer = io.BytesIO()
    doc.save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(zipfile.ZipInfo(item.filename, STAMP.timetuple()[:6]), src.read(item.filename),
                         compress_type=zipfile.ZIP_DEFLATED)


def convert_to_pdf(docx_files: list[Path], outdir: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        sys.exit("build_demo: LibreOffice (soffice) is needed for the PDF submissions; apt-get install libreoffice-writer")
    with tempfile.TemporaryDirectory() as tmp:
        # The Windows font names of the docx are absent here; a fontconfig alias sends them to Noto CJK SC
        # (serif for 仿宋/楷体/小标宋, sans for 黑体) instead of LibreOffice's own glyph fallback, which picks
        # the Japanese Noto face. A private profile keeps clear of any other running soffice.
        aliases = "".join(
            f'<alias binding="same"><family>{name}</family><prefer><family>Noto {"Sans" if name == FONT["h1"] else "Serif"}'
            f' CJK SC</family></prefer></alias>' for name in sorted(set(FONT.values()) - {FONT["latin"]}))
        conf = Path(tmp) / "fonts.conf"
        conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                        f'<include ignore_missing="yes">/etc/fonts/fonts.conf</include>{aliases}</fontconfig>',
                        encoding="utf-8")
        cmd = [soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--convert-to", "pdf",
               "--outdir", str(outdir), *map(str, docx_files)]
        env = dict(os.environ, FONTCONFIG_FILE=str(conf))
        subprocess.run(cmd, check=True, capture_output=True, timeout=600, env=env)
    for f in docx_files:
        pdf = outdir / (f.stem + ".pdf")
        if not pdf.exists():
            sys.exit(f"build_demo: LibreOffice made no PDF from {f.name}")
        pdf.write_bytes(pin_pdf(pdf.read_bytes()))


def pin_pdf(data: bytes) -> bytes:
    """Replace what LibreOffice varies from run to run (creation date, file ID, DocChecksum) by fixed-length
    values derived from the rest of the file, so a rebuild gives byte-identical PDFs and the xref stays valid."""
    stamp = STAMP.strftime("%Y%m%d%H%M%S").encode()
    data = re.sub(rb"/(CreationDate|ModDate)\(D:\d{14}", lambda m: b"/" + m.group(1) + b"(D:" + stamp, data)
    varying = re.compile(rb"(/ID \[ <)([0-9A-F]{32})(>\s*<)([0-9A-F]{32})(> \])|(/DocChecksum /)([0-9A-F]{32})")
    digest = hashlib.blake2b(varying.sub(b"", data), digest_size=16).hexdigest().upper().encode()

    def fixed(m: re.Match) -> bytes:
        if m.group(1):
            return m.group(1) + digest + m.group(3) + digest + m.group(5)
        return m.group(6) + digest
    return varying.sub(fixed, data)


# ---------------------------------------------------------------- batch

def labels(sources: list[Source]) -> dict:
    docs = {}
    for s in sources:
        docs[s.doc_id] = {
            "text": s.text, "author": s.meta["author"], "doc_type": s.meta["doc_type"], "topics": s.topics,
            "copied": [{"text": t, "source": a.split()[0], "kind": a.split()[1]} for a, t in s.marks("copy")],
            "quoted": [{"text": t, "source": a or None} for a, t in s.marks("quote")],
            "own": s.own(),
            "generic": [t for _, t in s.marks("generic")],
            "specific": [t for _, t in s.marks("specific")],
        }
    return {"schema": "eval.labels/1", "documents": docs}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=SRC.parent / "demo", help="batch folder to (re)write")
    out = ap.parse_args().out

    import yaml  # the project's own dependency; only used to read the topic ids
    topic_ids = [t["id"] for t in yaml.safe_load((SRC / "topics.yaml").read_text(encoding="utf-8"))["topics"]]
    refs = {p.stem: p.read_text(encoding="utf-8") for p in sorted((SRC / "references").glob("*.txt"))}
    priors = {p.stem: p.read_text(encoding="utf-8") for p in sorted((SRC / "prior").glob("*.txt"))}
    sources = [parse_source(p) for p in sorted((SRC / "submissions").glob("*.src.txt"))]
    problems = check(sources, refs, priors, topic_ids)
    if problems:
        sys.stdout.flush()
        print("build_demo: the marks do not agree with the texts:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1

    for sub in ("submissions", "references", "prior"):
        shutil.rmtree(out / sub, ignore_errors=True)
        (out / sub).mkdir(parents=True)
    for name in ("topics.yaml", "EXPECTED.md"):
        shutil.copyfile(SRC / name, out / name)
    for sub in ("references", "prior"):
        for p in sorted((SRC / sub).glob("*.txt")):
            shutil.copyfile(p, out / sub / p.name)

    with tempfile.TemporaryDirectory() as tmp:
        to_pdf = []
        for s in sources:
            fmt, target = s.meta["format"], out / "submissions" / s.file
            if fmt == "txt":
                write_txt(s, target)
            elif fmt == "docx":
                write_docx(s, target)
            elif fmt == "pdf":
                to_pdf.append(Path(tmp) / (s.doc_id + ".docx"))
                write_docx(s, to_pdf[-1])
            else:
                print(f"build_demo: {s.path.name}: unknown format {fmt}", file=sys.stderr)
                return 1
        if to_pdf:
            convert_to_pdf(to_pdf, out / "submissions")

    with open(out / "manifest.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["file", "author", "doc_type", "quarter"])
        for s in sources:
            writer.writerow([f"submissions/{s.file}", s.meta["author"], s.meta["doc_type"], QUARTER])
    (out / "labels.json").write_text(json.dumps(labels(sources), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    for s in sources:
        print(f"  {s.file:28} {s.meta['format']:4} {s.meta.get('encoding', ''):9} {len(norm(s.text)):5} chars  "
              + " ".join(f"{k}={v}" for k, v in s.topics.items()))
    print(f"build_demo: wrote {len(sources)} submissions, {len(refs)} references, {len(priors)} prior to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
