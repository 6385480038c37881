"""From lines of text to the elements an author wrote: paragraphs re-joined across hard line breaks, the title,
the byline and the numbered headings told apart. Shared by the plain-text and PDF readers, whose input is lines."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from .. import lexicon
from .elements import Element, ElementKind, heading_level

MAX_TITLE_CHARS = 50


@dataclass
class Line:
    """One physical line. `reaches_margin` says the line ran to the right edge of its column (it was wrapped,
    not ended); `opens_paragraph` that the layout marks a new paragraph here (first-line indent, paragraph
    spacing, a heading font); None where the source gives no geometry. `top_fraction` is the line's height on
    its page (0 top, 1 bottom), for telling running headers and footers."""

    text: str
    reaches_margin: bool | None = None
    opens_paragraph: bool | None = None
    page: int | None = None
    top_fraction: float | None = None
    table_row: bool = False  # a row of a table the reader found: data, never joined into a paragraph or a heading


def ends_sentence(text: str) -> bool:
    """Whether a line ends a sentence or a lead-in (。！？；： full- or half-width, after any closing marks)."""
    return lexicon.ends_sentence(text, colon=True)


def is_hard_wrapped(lines: list[str]) -> bool:
    """Whether plain text was wrapped at a fixed width (as text copied out of a PDF is): most long lines end
    mid-sentence and share one length."""
    long_lines = [l.strip() for l in lines if len(l.strip()) >= 20]
    if len(long_lines) < 6:
        return False
    width = median(len(l) for l in long_lines)
    at_width = [l for l in long_lines if abs(len(l) - width) <= 2]
    open_ended = [l for l in at_width if not ends_sentence(l)]
    return len(at_width) >= 0.5 * len(long_lines) and len(open_ended) >= 0.5 * len(at_width)


def lines_from_wrapped_text(lines: list[str]) -> list[Line]:
    """Give plain hard-wrapped lines the geometry a PDF would have: a line as long as the wrap width reached
    the margin."""
    stripped = [l.strip() for l in lines if l.strip()]
    long_lines = [len(l) for l in stripped if len(l) >= 20]
    width = median(long_lines) if long_lines else 0
    return [Line(l, reaches_margin=len(l) >= width - 2) for l in stripped]


def join_lines(lines: list[Line]) -> list[Line]:
    """Re-join wrapped lines into the paragraphs they were.

    A line continues into the next when it reached the right margin and did not end a sentence, and the next
    line neither opens a paragraph by its layout nor is a numbered heading. A line that ends a sentence at the
    margin continues only where the layout marks paragraphs and the next line is not marked.
    """
    out: list[Line] = []
    current: Line | None = None
    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        if line.table_row:
            current = None
            out.append(line)
            continue
        if current is not None and _continues(current, line):
            current = Line(current.text + text, line.reaches_margin, current.opens_paragraph, current.page)
            out[-1] = current
            continue
        current = Line(text, line.reaches_margin, line.opens_paragraph, line.page)
        out.append(current)
    return out


def _continues(previous: Line, line: Line) -> bool:
    if previous.reaches_margin is not True or line.opens_paragraph or heading_level(line.text):
        return False
    if ends_sentence(previous.text):
        # A sentence that ends exactly at the margin goes on only where the layout marks new paragraphs.
        return line.opens_paragraph is False
    return True


def classify(paragraphs: list[Line], *, author: str | None = None, title: str | None = None) -> list[Element]:
    """Name each paragraph: the title (the short unpunctuated lines that open the document, unless the caller
    knows it from a style), the byline (the author's name, or a short name/date line right after the title),
    numbered headings and body text."""
    elements: list[Element] = [Element(ElementKind.TITLE, title)] if title else []
    i = 0
    title_parts: list[str] = []
    while not title and i < len(paragraphs) and _looks_like_title(paragraphs[i].text):
        text = paragraphs[i].text
        # A document opens with its title, so only the author's own name is a byline there.
        is_byline = (author is not None and author in text) if i == 0 else _looks_like_byline(text, author)
        if is_byline or heading_level(text) or len(title_parts) == 2:
            break
        title_parts.append(paragraphs[i].text)
        i += 1
    if title_parts:
        elements.append(Element(ElementKind.TITLE, "".join(title_parts), page=paragraphs[0].page))
    while i < len(paragraphs) and _looks_like_byline(paragraphs[i].text, author):
        elements.append(Element(ElementKind.BYLINE, paragraphs[i].text, page=paragraphs[i].page))
        i += 1
    for p in paragraphs[i:]:
        if p.table_row:
            elements.append(Element(ElementKind.TABLE_ROW, p.text, page=p.page))
            continue
        level = heading_level(p.text)
        kind = ElementKind.HEADING if level else ElementKind.PARAGRAPH
        if not level and len(p.text) <= 30 and not ends_sentence(p.text) and lexicon.CJK.search(p.text) and (
            p.reaches_margin is False or p.reaches_margin is None and len(p.text) <= 20
        ) and not _is_fragment(p.text) and not lexicon.FORM_LINE.search(p.text):
            kind, level = ElementKind.HEADING, 1
        elements.append(Element(kind, p.text, level, page=p.page))
    return elements


def _looks_like_title(text: str) -> bool:
    return len(text) <= MAX_TITLE_CHARS and not ends_sentence(text) and bool(lexicon.CJK.search(text))


def _looks_like_byline(text: str, author: str | None) -> bool:
    if len(text) > 40 or ends_sentence(text):
        return False
    if author and author in text:
        return True
    return bool(lexicon.NAME_LINE.match(text) or lexicon.BYLINE_HINT.search(text))


def _is_fragment(text: str) -> bool:
    """A short unpunctuated line that is not a heading: a salutation, a signature, a table cell."""
    return text.endswith(("：", ":", "，", ",", "、")) or text.startswith(("同志们", "附件"))
