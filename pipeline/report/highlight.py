"""A document's text cut into paragraphs of non-overlapping marked segments, and copied passages diffed
against their sources, for the document page. Everything here is plain data; the template escapes it.

Marks come from the results' character offsets into the document's text. Where passages overlap, the stronger
finding shows: copied over quoted over generic (an attributed quotation inside a copied stretch is still
copied text the member did not write). A passage whose offsets are missing or do not match the text is found
by its text in the matching view (pipeline.util.textnorm), and left unmarked (but still listed) when not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from ..model import Evidence, FlagKind, Passage
from ..util.textnorm import NormalizedText, fold

PRIORITY = {FlagKind.GENERIC: 1, FlagKind.QUOTED: 2, FlagKind.COPIED: 3}


@dataclass(frozen=True)
class Mark:
    kind: FlagKind  # a passage's: copied, quoted or generic
    number: int   # 1-based within its kind, as listed on the page
    start: int
    end: int

    @property
    def anchor(self) -> str:
        return f"{self.kind}-{self.number}"


@dataclass(frozen=True)
class Segment:
    text: str
    mark: Mark | None
    last: bool    # the mark's last visible piece: its number is shown after it


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int
    segments: tuple[Segment, ...]
    notes: tuple[str, ...]   # topic evidence in this paragraph, e.g. "DA1 理论阐述"


@dataclass(frozen=True)
class DiffPiece:
    text: str
    changed: bool


class Locator:
    """Finds a reported passage in a document's text: by its offsets when they hold it, else by its text."""

    def __init__(self, text: str):
        self.text = text
        self._norm: NormalizedText | None = None

    def span(self, passage: Passage | Evidence) -> tuple[int, int] | None:
        wanted = fold(passage.text or "")
        start, end = passage.start, passage.end
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(self.text):
            if not wanted or fold(self.text[start:end]) == wanted:
                return start, end
        if not wanted:
            return None
        if self._norm is None:
            self._norm = NormalizedText.of(self.text)
        at = self._norm.text.find(wanted)
        return self._norm.original_span(at, at + len(wanted)) if at >= 0 else None


def marked_paragraphs(text: str, marks: list[Mark], notes: list[tuple[int, int, str]]) -> list[Paragraph]:
    """Cut `text` at its line breaks into paragraphs (blank lines dropped) and each paragraph into segments of
    one mark or none. `notes` are (start, end, note) spans: a paragraph lists the notes of the spans it
    overlaps, once each, in the order given."""
    owner: list[Mark | None] = [None] * len(text)
    for mark in sorted(marks, key=lambda m: (PRIORITY[m.kind], m.start, m.number)):
        for i in range(max(mark.start, 0), min(mark.end, len(text))):
            if owner[i] is None or PRIORITY[owner[i].kind] <= PRIORITY[mark.kind]:
                owner[i] = mark
    last_seen = {}
    for i, mark in enumerate(owner):
        if mark is not None and not text[i].isspace():
            last_seen[mark] = i
    paragraphs, line_start = [], 0
    for line in text.split("\n"):
        # a paragraph's own indent is dropped: the page indents first lines itself
        start = line_start + len(line) - len(line.lstrip())
        end = line_start + len(line.rstrip())
        line_start += len(line) + 1
        if start >= end:
            continue
        segments, i = [], start
        while i < end:
            j = i
            while j < end and owner[j] is owner[i]:
                j += 1
            mark = owner[i]
            segments.append(Segment(text[i:j], mark, mark is not None and i <= last_seen.get(mark, -1) < j))
            i = j
        shown = []
        for a, b, note in notes:
            if a < end and b > start and note not in shown:
                shown.append(note)
        paragraphs.append(Paragraph(start, end, tuple(segments), tuple(shown)))
    return paragraphs


def char_diff(ours: str, source: str) -> tuple[list[DiffPiece], list[DiffPiece]]:
    """Character-level differences of a copied passage and its source (difflib.SequenceMatcher, no junk
    heuristic): each side as pieces, `changed` where that side's characters have no counterpart in the other."""
    matcher = SequenceMatcher(None, ours, source, autojunk=False)
    left: list[DiffPiece] = []
    right: list[DiffPiece] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if a2 > a1:
            left.append(DiffPiece(ours[a1:a2], op != "equal"))
        if b2 > b1:
            right.append(DiffPiece(source[b1:b2], op != "equal"))
    return left, right
