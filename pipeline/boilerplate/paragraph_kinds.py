"""What kind of writing a passage is, from its own words: concrete practice (figures, places, measures, problems,
next steps), a work report (figures without reflection), an elaboration (argued reflection without figures), or
the frame of a study document (the meeting it reports, the closing formula).

These are the distinctions the study-review rules draw (学用结合 needs the member's own theory AND concrete
practice; a work report handed in instead of study, 以工作总结代替学习体会, is not study of any topic), so they are
shared by topic coverage and boilerplate detection."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .. import lexicon as lx

class PassageKind(str, Enum):
    PRACTICE = "practice"          # own concrete practice with reflection (problems, next steps)
    WORK_REPORT = "work_report"    # figures and results without reflection: a report, not study
    ELABORATION = "elaboration"    # argued, multi-sentence reflection without concrete anchors
    STATEMENT = "statement"        # one or two sentences: a mention, a slogan, a stock sentence
    FRAME = "frame"                # the meeting the document reports, or its closing formula


@dataclass(frozen=True)
class PassageFeatures:
    chars: int
    sentences: int
    figures: int
    problem: bool
    next_step: bool
    first_person_work: bool

    @property
    def concrete(self) -> bool:
        return self.figures >= 2 or (self.figures >= 1 and self.reflective)

    @property
    def reflective(self) -> bool:
        return self.next_step or self.problem


def features(text: str) -> PassageFeatures:
    return PassageFeatures(
        chars=len(text),
        sentences=len(lx.sentences(text)),
        figures=len(lx.FIGURE.findall(text)),
        problem=bool(lx.PROBLEM.search(text)),
        next_step=bool(lx.NEXT_STEP.search(text)),
        first_person_work=bool(lx.FIRST_PERSON_WORK.search(text)),
    )


# An argued passage: two sentences of some length, or three shorter ones. A slogan or a stock sentence is one
# sentence; a mention with a stock sentence after it is two short ones.
ELABORATION_SHAPES = ((100, 2), (80, 3))  # (at least chars, at least sentences)


def passage_kind(text: str, *, position: str = "body") -> PassageKind:
    """Classify one paragraph. `position` is "first" or "last" for the first and last body paragraphs, where a
    document's frame stands."""
    f = features(text)
    if position == "first" and lx.MEETING_WORD.search(text) and lx.DATE.search(text):
        return PassageKind.FRAME
    if position == "last" and lx.CLOSING.search(text):
        return PassageKind.FRAME
    if f.concrete:
        return PassageKind.PRACTICE if f.reflective else PassageKind.WORK_REPORT
    if any(f.chars >= chars and f.sentences >= sentences for chars, sentences in ELABORATION_SHAPES):
        return PassageKind.ELABORATION
    return PassageKind.STATEMENT


def passage_kinds(paragraphs: list[str | None]) -> list[PassageKind | None]:
    """Kinds of a document's body paragraphs in reading order; None stands for a heading, which closes a section
    (and gets None back). Writers often give the figures, the shortcoming found and the plan in separate
    paragraphs, so a work report followed in its section by the member's own reflection (a first-person
    paragraph that admits a problem or plans a next step) is practice, not a report."""
    present = [i for i, t in enumerate(paragraphs) if t is not None]
    edges = {present[0]: "first", present[-1]: "last"} if present else {}
    kinds: list[PassageKind | None] = [
        None if text is None else passage_kind(text, position=edges.get(i, "body")) for i, text in enumerate(paragraphs)
    ]
    for i, kind in enumerate(kinds):
        if kind is not PassageKind.WORK_REPORT:
            continue
        for j in range(i + 1, len(paragraphs)):
            if paragraphs[j] is None or kinds[j] is PassageKind.FRAME:
                break
            if kinds[j] is PassageKind.PRACTICE or _owns_reflection(paragraphs[j]):
                kinds[i] = PassageKind.PRACTICE
                break
            if kinds[j] is not PassageKind.WORK_REPORT:
                break
    return kinds


def _owns_reflection(text: str) -> bool:
    f = features(text)
    return f.first_person_work and (f.problem or f.next_step)
