"""Quotations: the words a text sets in quotation marks, and which of them are attributed — cited from a named
speaker or text, as study material is supposed to cite — rather than the writer's own or copied words.

One rule for every stage (segmentation's `quotes` span group, the copy detector's exemption, the ratios), with
its cues in pipeline.lexicon. A quotation is attributed when

- the words before the opening mark, within its sentence, name a source and a verb of saying (总书记强调：“…”,
  正如《…》所说，要“…”, 《刑事诉讼法》第十五条规定：“…”, 讲话中提到，“…”), or report someone's words with a colon
  (一位教授说：“…”), or name a text or an excerpt with a colon (【原文摘录】《工作方案》：“…”);
- the source is written after it, on its line or the next: “…”（《…》）, “…”（同上）, “…”——《…》, ——摘自《…》;
- it stands on a line of its own (numbered or not) under a line that introduces quotations: an excerpt heading
  (【原文摘录】, 一、原文摘录), a line ending with a colon that names the source (学县委书记讲话，摘抄两句：), or a
  heading naming the speech or text (一、《在…会议上的讲话》).

Words in quotation marks with none of these are not a citation, however well known their source: a reference
sentence in “…” with no source is copied all the same. The writer's own words (我们常讲“…”) are no citation either.
"""

from __future__ import annotations

from dataclasses import dataclass

from .lexicon import (ATTRIBUTION, EXCERPT_LEAD, FIRST_PERSON_SAYER, MIN_QUOTE_CHARS, MIN_SAYING_CHARS,
                      QUOTE_INTRODUCER, QUOTE_MARKS, REPORTED_SPEECH, SENTENCE_BREAK, SOURCE_AFTER, strip_numbering)

_CLOSING = frozenset(QUOTE_MARKS.values())


@dataclass(frozen=True)
class Quotation:
    """Words in quotation marks: text[start:end] is inside the marks; `lead` is the span of the attribution (the
    words before the mark, the source after it, or the line above that introduces it), None when there is none."""

    start: int
    end: int
    lead: tuple[int, int] | None

    @property
    def attributed(self) -> bool:
        return self.lead is not None


def quotation_spans(text: str) -> list[tuple[int, int]]:
    """Spans [start, end) of the words inside every pair of quotation marks (“…”, 「…」, 『…』, half-width "…"),
    outermost pairs only, in text order, never across a line break. Nested marks of the same kind are counted;
    where they never balance within the line, an opening mark closes at the first closing mark after it."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        opening = text[i]
        close = QUOTE_MARKS.get(opening)
        if close is None:
            i += 1
            continue
        line_end = text.find("\n", i)
        line_end = n if line_end == -1 else line_end
        j = _closing_mark(text, i, line_end, opening, close)
        if j is None:
            i += 1
            continue
        spans.append((i + 1, j))
        i = j + 1
    return spans


def _closing_mark(text: str, at: int, line_end: int, opening: str, close: str) -> int | None:
    if opening == close:  # half-width "…": the next mark closes it
        j = text.find(close, at + 1, line_end)
        return None if j == -1 else j
    depth = 0
    for j in range(at, line_end):
        if text[j] == opening:
            depth += 1
        elif text[j] == close:
            depth -= 1
            if depth == 0:
                return j
    j = text.find(close, at + 1, line_end)
    return None if j == -1 else j


def find_quotations(text: str) -> list[Quotation]:
    """The quotations of a text, in order: every pair of marks around MIN_SAYING_CHARS characters or more that is
    attributed, and around MIN_QUOTE_CHARS or more that is not (a shorter run in marks is a term)."""
    found = []
    for start, end in quotation_spans(text):
        lead = _attribution(text, start, end)
        words = len("".join(text[start:end].split()))
        if words >= (MIN_SAYING_CHARS if lead else MIN_QUOTE_CHARS):
            found.append(Quotation(start, end, lead))
    return found


def find_attributed_quotes(text: str) -> list[tuple[int, int]]:
    """Spans [start, end) of the words inside every attributed quotation, in text order."""
    return [(q.start, q.end) for q in find_quotations(text) if q.attributed]


def _attribution(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span that attributes the words text[start:end] (inside their marks), or None."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    open_at = start - 1
    lead = _lead(text, line_start, open_at)
    if lead is None and not strip_numbering(text[line_start:open_at]) and line_start > 0:
        # a quotation that opens its line may be led into by the line above, ending with a colon
        above = text[:line_start - 1].rstrip()
        if above.endswith(("：", ":")):
            lead = _lead(text, text.rfind("\n", 0, len(above)) + 1, len(above))
    if lead is not None:
        return lead
    after = SOURCE_AFTER.match(text, end + 1, line_end)
    if after:
        return after.start(), after.end()
    if _stands_alone(text, line_start, line_end, open_at, end):
        return _source_below(text, line_end) or _introducer(text, line_start)
    return None


def _source_below(text: str, line_end: int) -> tuple[int, int] | None:
    """The next line, when all it says is where the quotation above comes from (——摘自《…》, （同上）)."""
    if line_end >= len(text):
        return None
    next_end = text.find("\n", line_end + 1)
    next_end = len(text) if next_end == -1 else next_end
    line = text[line_end + 1:next_end]
    start = line_end + 1 + len(line) - len(line.lstrip())
    m = SOURCE_AFTER.match(text, start, next_end)
    return (m.start(), m.end()) if m and not text[m.end():next_end].strip() else None


def _lead(text: str, line_start: int, at: int) -> tuple[int, int] | None:
    """The attribution that ends at `at`, within its sentence (of the line starting at line_start), or None."""
    sentence_start = max([m.end() for m in SENTENCE_BREAK.finditer(text, line_start, at)], default=line_start)
    before = text[sentence_start:at]
    for pattern in (ATTRIBUTION, REPORTED_SPEECH, EXCERPT_LEAD):
        m = pattern.search(before)
        if m and not ("verb" in pattern.groupindex and FIRST_PERSON_SAYER.search(before[:m.start("verb")])):
            return sentence_start + m.start(), sentence_start + m.end()
    return None


def _stands_alone(text: str, line_start: int, line_end: int, open_at: int, end: int) -> bool:
    """Whether the quotation makes up its line: nothing before its mark but numbering (1. （2）) or an
    attribution, nothing after it but punctuation."""
    before = strip_numbering(text[line_start:open_at])
    after = SOURCE_AFTER.match(text, end + 1, line_end)
    rest = text[after.end() if after else end + 1:line_end]
    return (not before or any(p.search(before) for p in (ATTRIBUTION, REPORTED_SPEECH, EXCERPT_LEAD))) and not any(
        c.isalnum() for c in rest)


def _introducer(text: str, line_start: int) -> tuple[int, int] | None:
    """The line that introduces the block of quotation lines ending at the line at line_start: the nearest line
    above that is not itself a quotation line, if it introduces quotations (lexicon.QUOTE_INTRODUCER)."""
    end = line_start - 1
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        if line.strip() and not _is_quotation_line(line):
            if not QUOTE_INTRODUCER.search(line.strip()):
                return None
            return start + len(line) - len(line.lstrip()), start + len(line.rstrip())
        end = start - 1
    return None


def _is_quotation_line(line: str) -> bool:
    """A line made of one quotation: numbering or an attribution before the marks, punctuation after."""
    spans = quotation_spans(line)
    if len(spans) != 1:
        return False
    start, end = spans[0]
    return _stands_alone(line, 0, len(line), start - 1, end)
