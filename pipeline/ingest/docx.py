"""Word .docx submissions through python-docx: body paragraphs and table rows in document order, heading levels
from the style (English or localized names) or the outline level, automatic numbering rendered as the reader
saw it (一、（一）1.), text boxes kept; headers, footers and page numbers are not part of the body."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx

from ..errors import ExtractionError
from ..messages import N_
from ..lexicon import HEADING_STYLE
from .elements import Element, ElementKind, heading_level
from .layout import Line, classify

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TITLE_STYLES = {"title", "标题"}
_ON = ("1", "true", "on")  # how OOXML writes a flag that is set


def partition_docx(path: Path, *, author: str | None = None) -> list[Element]:
    document = _open(path)
    try:
        return _read(document, author)
    except ExtractionError:  # a reading limit reached: its own reason
        raise
    except Exception as exc:  # a damaged part (numbering, styles) that opened but does not hold what Word writes
        raise ExtractionError(N_("{name}: Word 文件已损坏（部件内容不完整）；请用 Word 重新保存", name=path.name)) from exc


def _read(document, author: str | None) -> list[Element]:
    numbering = _Numbering(document)
    styles = _StyleLevels(document)
    lines: list[Line] = []
    heading_of: dict[int, int] = {}      # index in lines -> style level (0 = Title style)
    boxes: dict[int, list[str]] = {}     # index in lines -> text-box paragraphs that stand after it
    for block in document.iter_inner_content():
        if block.__class__.__name__ == "Table":
            for row in _table_rows(block):
                lines.append(Line(row))
                heading_of[len(lines) - 1] = -1
            continue
        text = numbering.label(block) + _paragraph_text(block._p)
        box_texts = _text_boxes(block._p)
        if not text.strip():
            if box_texts:
                lines.append(Line(""))
                boxes[len(lines) - 1] = box_texts
            continue
        lines.append(Line(text.strip()))
        level = styles.level(block)
        if level is not None:
            heading_of[len(lines) - 1] = level
        if box_texts:
            boxes[len(lines) - 1] = box_texts
    return _elements(lines, heading_of, boxes, author)


def _open(path: Path):
    data_head = path.read_bytes()[:8]
    if data_head.startswith(b"\xd0\xcf\x11\xe0"):
        raw = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in raw:
            raise ExtractionError(N_("{name}: Word 文件设有密码；请取消密码后重新提交", name=path.name))
        raise ExtractionError(N_("{name}: 这是旧版 Word .doc 文件，却以 .docx 命名；请改名为 .doc 或另存为 .docx", name=path.name))
    if not zipfile.is_zipfile(path):
        if data_head.startswith(b"PK"):
            raise ExtractionError(N_("{name}: Word 文件已损坏（文件不完整）；请用 Word 重新保存", name=path.name))
        raise ExtractionError(N_("{name}: 不是 Word .docx 文件（内容不是 Word 格式）；请检查文件", name=path.name))
    try:
        return docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ExtractionError(N_("{name}: Word 文件已损坏（无法打开）；请用 Word 重新保存", name=path.name)) from exc
    except ExtractionError:  # a reading limit reached: its own reason
        raise
    except Exception as exc:  # lxml and python-docx raise many kinds on broken parts
        raise ExtractionError(N_("{name}: Word 文件无法读取；请用 Word 重新保存", name=path.name)) from exc


def _paragraph_text(p) -> str:
    """The paragraph's own text (runs, hyperlinks, insertions), without text boxes or deleted text."""
    parts = []
    for node in p.iter(_W + "t", _W + "tab", _W + "br"):
        if _inside(node, p, (_W + "txbxContent", _W + "pPr", _W + "rPr")):
            continue
        parts.append(node.text or "" if node.tag == _W + "t" else " ")
    return "".join(parts)


def _inside(node, stop, tags) -> bool:
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


def _text_boxes(p) -> list[str]:
    """Paragraphs of the text boxes anchored in a paragraph; the VML fallback copy of a box is skipped."""
    out = []
    for box in p.iter(_W + "txbxContent"):
        if _inside(box, p, ("{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback",)):
            continue
        for inner in box.iter(_W + "p"):
            text = _paragraph_text(inner).strip()
            if text:
                out.append(text)
    return out


def _table_rows(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell repeats; read it once
                continue
            seen.add(id(cell._tc))
            text = "".join(_paragraph_text(p._p) for p in cell.paragraphs).strip()
            if text:
                cells.append(text)
        if cells:
            rows.append("　".join(cells))
    return rows


class _StyleLevels:
    """A paragraph's heading level from its style: 0 for a Title style, n for Heading n (or 标题 n, or outline
    level n-1), None for body text. Read from styles.xml once per document, as python-docx resolves a style (an
    unknown or missing id is the default paragraph style): python-docx's own lookup searches every style, for each
    paragraph."""

    def __init__(self, document):
        self._by_id: dict[str, object] = {}
        self._default = None
        for style in document.styles.element.iter(_W + "style"):
            self._by_id.setdefault(style.get(_W + "styleId"), style)
            if style.get(_W + "type") == "paragraph" and style.get(_W + "default") in _ON:
                self._default = style
        self._levels: dict[str | None, tuple[int | None, int | None]] = {}

    def level(self, paragraph) -> int | None:
        named, style_outline = self._of_style(paragraph._p.style)
        if named is not None:
            return named
        outline = _outline_level(paragraph._p)
        outline = style_outline if outline is None else outline
        return outline + 1 if outline is not None and outline < 9 else None

    def _of_style(self, style_id: str | None) -> tuple[int | None, int | None]:
        """The level the style's name (or a base style's) gives, and the first outline level along its bases."""
        if style_id not in self._levels:
            style = self._by_id.get(style_id)
            if style is None or style.get(_W + "type") != "paragraph":
                style = self._default
            named, outline, seen = None, None, set()
            while style is not None and named is None and id(style) not in seen:
                seen.add(id(style))
                name_node = style.find(_W + "name")
                name = (name_node.get(_W + "val") or "").strip() if name_node is not None else ""
                match = HEADING_STYLE.search(name)
                if name.lower() in _TITLE_STYLES:
                    named = 0
                elif match:
                    named = int(match.group(1))
                elif outline is None:
                    outline = _outline_level(style)
                base = style.find(_W + "basedOn")
                style = self._by_id.get(base.get(_W + "val")) if base is not None else None
            self._levels[style_id] = (named, outline)
        return self._levels[style_id]


def _outline_level(element) -> int | None:
    ppr = element.find(_W + "pPr")
    node = ppr.find(_W + "outlineLvl") if ppr is not None else None
    return int(node.get(_W + "val")) if node is not None else None


def _elements(lines: list[Line], heading_of: dict[int, int], boxes: dict[int, list[str]], author: str | None) -> list[Element]:
    """Styles decide where the author used them; the text heuristics of `classify` decide the rest."""
    # The title: a Title-styled paragraph, or a first paragraph styled as the top heading.
    first = next((i for i, l in enumerate(lines) if l.text), None)
    title_index = None
    if first is not None and heading_of.get(first) in (0, 1) and not heading_level(lines[first].text):
        title_index = first
    out: list[Element] = []
    body = [l for i, l in enumerate(lines) if i != title_index and l.text]
    classified = classify(body, author=author, title=lines[title_index].text if title_index is not None else None)
    # Re-apply the author's styles to the body elements (classify saw only text).
    styled = {l.text: heading_of[i] for i, l in enumerate(lines) if i in heading_of and i != title_index}
    box_after = {lines[i].text: texts for i, texts in boxes.items()}
    for element in classified:
        level = styled.get(element.text)
        if element.kind in (ElementKind.PARAGRAPH, ElementKind.HEADING) and level is not None:
            if level == -1:
                element = Element(ElementKind.TABLE_ROW, element.text)
            elif level >= 1:
                element = Element(ElementKind.HEADING, element.text, heading_level(element.text) or level)
        if element.text:
            out.append(element)
        out.extend(Element(ElementKind.TEXT_BOX, t) for t in box_after.get(element.text, ()))
    return out


class _Numbering:
    """Renders Word's automatic list numbers (numbering.xml) as the label a reader sees, e.g. 一、 or （二）."""

    _FORMATS = {
        "decimal": str,
        "chineseCounting": lambda n: _chinese(n),
        "chineseCountingThousand": lambda n: _chinese(n),
        "ideographTraditional": lambda n: "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10],
        "decimalEnclosedCircle": lambda n: chr(0x2460 + n - 1) if n <= 20 else str(n),
        "lowerLetter": lambda n: chr(ord("a") + (n - 1) % 26),
        "upperLetter": lambda n: chr(ord("A") + (n - 1) % 26),
    }

    def __init__(self, document):
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.counters: dict[str, list[int]] = {}
        try:
            part = document.part.numbering_part
        except (KeyError, NotImplementedError, AttributeError):
            return
        root = part.element
        abstract = {a.get(_W + "abstractNumId"): a for a in root.iter(_W + "abstractNum")}
        for num in root.iter(_W + "num"):
            ref = num.find(_W + "abstractNumId")
            a = abstract.get(ref.get(_W + "val")) if ref is not None else None
            if a is None:
                continue
            for lvl in a.iter(_W + "lvl"):
                fmt = lvl.find(_W + "numFmt")
                text = lvl.find(_W + "lvlText")
                start = lvl.find(_W + "start")
                self.levels[(num.get(_W + "numId"), int(lvl.get(_W + "ilvl")))] = (
                    fmt.get(_W + "val") if fmt is not None else "decimal",
                    text.get(_W + "val") if text is not None else "",
                    int(start.get(_W + "val")) if start is not None else 1,
                )

    def label(self, paragraph) -> str:
        ppr = paragraph._p.find(_W + "pPr")
        numpr = ppr.find(_W + "numPr") if ppr is not None else None
        if numpr is None or numpr.find(_W + "numId") is None:
            return ""
        num_id = numpr.find(_W + "numId").get(_W + "val")
        ilvl_node = numpr.find(_W + "ilvl")
        ilvl = int(ilvl_node.get(_W + "val")) if ilvl_node is not None else 0
        if (num_id, ilvl) not in self.levels:
            return ""
        counters = self.counters.setdefault(num_id, [0] * 9)
        counters[ilvl] += 1
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = 0
        fmt, pattern, _ = self.levels[(num_id, ilvl)]
        if fmt in ("bullet", "none"):
            return ""

        def render(match: re.Match) -> str:
            level = int(match.group(1)) - 1
            lfmt, _, start = self.levels.get((num_id, level), ("decimal", "", 1))
            return self._FORMATS.get(lfmt, str)(counters[level] + start - 1)

        return re.sub(r"%(\d)", render, pattern)


def _chinese(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)
