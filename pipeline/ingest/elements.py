"""The elements every reader returns, whatever the file format (after unstructured's `Element`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..lexicon import HEADING_NUMBERING, ends_sentence


class ElementKind(str, Enum):
    TITLE = "title"
    BYLINE = "byline"
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    TABLE_ROW = "table_row"
    TEXT_BOX = "text_box"


@dataclass
class Element:
    """One block of a document as its author laid it out: a title, a byline, a heading, a paragraph, a table row
    or a text box. `level` is a heading's depth (1 = 一、, 2 = （一）, 3 = 1., 4 = （1）); 0 otherwise."""

    kind: ElementKind
    text: str
    level: int = 0
    page: int | None = None
    ocr_confidence: float | None = None  # the mean recognition confidence (0–1) of its page, where that was a scan
    garbled: bool = False  # its page's text layer reads as unchecked OCR (pipeline.ingest.pdf.garbled)


MAX_HEADING_CHARS = 60


def heading_level(text: str) -> int:
    """The level of a line that reads as a heading by its typed numbering, or 0.

    A numbered line is a heading when it is short or its first sentence ends without a full stop
    (`一、深入学习……` is a heading; `一是选题精准，主题突出。……` opens a paragraph and is treated as one,
    with its lead phrase still a heading of level 2 for structure)."""
    stripped = text.strip()
    for level, pattern in HEADING_NUMBERING:
        if pattern.match(stripped):
            if len(stripped) <= MAX_HEADING_CHARS and not ends_sentence(stripped):
                return level
            return 0
    return 0
