"""The member's own words, sentence by sentence: topic depth and the document diagnoses read what the member
wrote (copied, quoted and stock sentences set aside by the caller). A sentence of practice is tied to the
member's own work by something concrete, a sentence of theory argues an understanding with nothing concrete in
it."""

from __future__ import annotations

from enum import Enum

from .. import lexicon as lx
from ..boilerplate.words import place_names


class SentenceRole(str, Enum):
    PRACTICE = "practice"    # concrete: figures, dates, places, cases, first-person measures
    THEORY = "theory"        # an argued understanding, nothing concrete
    OTHER = "other"          # a study report, an exhortation, a pledge, a short link


def practice_anchors(sentence: str) -> list[str]:
    """What ties a sentence to real work, in any unit's register: figures and counted things (a bank's
    percentages, a township's households), dates and times, named places (a village, a campus), named parties of
    a case (a procuratorate's), first-person statements of what was done or is planned
    (我院先后…, 我们准备…; not a pledge to 继续/不断 do better)."""
    anchors = [m.group(0) for pattern in (lx.FIGURE, lx.COUNTED, lx.TIME, lx.CASE_PARTY, lx.FIRST_PERSON_ACT) for m in pattern.finditer(sentence)]
    anchors += [m.group(0) for m in lx.FIRST_PERSON_PLAN.finditer(sentence) if not lx.PLEDGE.search(m.group("rest"))]
    return anchors + place_names(sentence)


def sentence_role(sentence: str, anchors: list[str], *, theory_chars: int) -> SentenceRole:
    """A sentence with `anchors` (practice_anchors) is practice unless it reports one's study or leads into a
    quotation (the dates of 学县委书记6月28日讲话，摘抄两句： are the speech's, not the member's work); one without is
    theory when it is at least `theory_chars` long and argues rather than exhorts (an opening 要…/坚持… with no
    reasoning in it is an exhortation), is not a title (one clause and no end mark, after a form's label such as
    主题：), and does not merely state a shortcoming or a next step of one's own work, which belong to the practice
    they follow."""
    opening = sentence.find("“")
    line = sentence.strip()
    if (lx.STUDY_REPORT.search(sentence) or (opening > 0 and lx.ATTRIBUTION.search(sentence[:opening]))
            or (line.endswith(("：", ":")) and lx.QUOTE_INTRODUCER.search(line))):
        return SentenceRole.OTHER  # names what was studied, or leads into a quotation
    if anchors and not _instruction(sentence, anchors):
        return SentenceRole.PRACTICE
    if anchors:
        return SentenceRole.OTHER  # 节日期间要盯紧…: an instruction for a season, not work done or planned
    if len(sentence) < theory_chars or (lx.strip_numbering(sentence) != line and not lx.CLAUSE_SPLIT.search(sentence[:-1])):
        return SentenceRole.OTHER  # too short to argue, or the title of a numbered point
    if not lx.ends_sentence(line) and not lx.CLAUSE_SPLIT.search(lx.FIELD_LABEL.sub("", line)):
        return SentenceRole.OTHER  # a title or a form's field (主题：新时代“枫桥经验”与基层治理) states no argument
    if (lx.IMPERATIVE_OPENING.match(sentence) or lx.GENERIC_ADDRESSEE.match(sentence)) and not reasoned(sentence):
        return SentenceRole.OTHER
    if lx.FIRST_PERSON_WORK.search(sentence) and (lx.PROBLEM.search(sentence) or lx.NEXT_STEP.search(sentence)):
        return SentenceRole.OTHER
    return SentenceRole.THEORY


def _instruction(sentence: str, anchors: list[str]) -> bool:
    """An exhortation (要…, 必须…) whose only anchors are times of the year named in words (春节, 汛期): it tells
    what must be done then, with no figure, place or first-person act of the member's own."""
    timed = {m.group(0) for m in lx.TIME.finditer(sentence)}
    return (bool(lx.MODAL.search(sentence)) and not lx.FIRST_PERSON_WORK.search(sentence)
            and all(a in timed and not lx.FIGURE.search(a) for a in anchors))


def reasoned(sentence: str) -> bool:
    """The sentence carries reasoning (如果…就, 不是…而是, 之所以) or the member's own reflection (我体会, 在我看来)."""
    return bool(lx.ARGUMENT.search(sentence) or lx.REFLECTION.search(sentence))
