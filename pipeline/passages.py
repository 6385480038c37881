"""What kind of writing a passage is, from its own words: concrete practice (figures, places, measures, problems,
next steps), a work report (figures without reflection), an elaboration (argued reflection without figures), or
the frame of a study document (the meeting it reports, the closing formula).

These are the distinctions the study-review rules draw (学用结合 needs the member's own theory AND concrete
practice; a work report handed in instead of study, 以具体工作代替理论学习, is not study of any topic), so they are
shared by topic coverage and boilerplate detection."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

# Concrete anchors: figures in Arabic digits (counts, amounts, percentages, dates). Abstract prose uses
# Chinese numerals (一个、四个最严) but hardly ever digits.
_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
# Reflection on one's own practice: a shortcoming admitted, a next step planned.
_PROBLEM = re.compile(
    r"(?:但|不过|然而|同时也|也要看到|走访中|调研中|回访)[^。；]{0,40}?(?:问题|短板|不足|差距|薄弱|不够|偏低|偏少|偏慢|偏长|偏轻"
    r"|滞后|隐患|不强|困难|难题|仍|尚|还|只|仅)"
    # a shortcoming stated outright (inspection results — 发现问题612个 — are not one)
    r"|(?:存在|还存在|仍存在|暴露出|反映出)[^。；]{0,20}?(?:问题|不足|短板|差距|薄弱环节)"
    r"|不足[。；，]|不到位|滞后|偏低|偏少|偏弱|偏慢|比较普遍|较为普遍|不平衡|不充分|薄弱|短板|差距较大|留不住|难以为继"
    r"|走过场|流于形式"
)
_NEXT_STEP = re.compile(r"下一步|接下来|今后|为此|针对这|对此|计划|准备|打算|力争|争取|拟于|年内|年底前|以前|前再|还将|将于|将在|将把|将进一步|将对|将以|我们将|我局将|后续|着手")
_FIRST_PERSON_WORK = re.compile(r"我局|我们|我所|我单位|我处|我科|本局|我市局|我分管|我牵头|我带队|局党组")
# Frame of a study document: the meeting it reports, the closing formula.
_MEETING_WORD = re.compile(r"召开|举办|举行|读书班|学习会|集中学习|现场教学|辅导报告|视频会议|专题学习|集中研讨|交流研讨")
_DATE = re.compile(r"\d{4}年|\d{1,2}月|[上下]午|[上中下]旬")
_CLOSING = re.compile(r"批评指正|不妥之处|以上是|我的发言就到这里|粗浅|谢谢|不当之处|合格答卷|回报组织|多提宝贵意见|学无止境|"
                      r"今后，我将|会议最后|结束前|总结讲话|下一阶段学习")
_SENTENCE = re.compile(r"[^。！？；!?;]+[。！？；!?;]?[”’」』）)]*")


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


def sentences_of(text: str) -> list[str]:
    return [s for s in (m.group(0).strip() for m in _SENTENCE.finditer(text)) if s]


def features(text: str) -> PassageFeatures:
    return PassageFeatures(
        chars=len(text),
        sentences=len(sentences_of(text)),
        figures=len(_FIGURE.findall(text)),
        problem=bool(_PROBLEM.search(text)),
        next_step=bool(_NEXT_STEP.search(text)),
        first_person_work=bool(_FIRST_PERSON_WORK.search(text)),
    )


# An argued passage: two sentences of some length, or three shorter ones. A slogan or a stock sentence is one
# sentence; a mention with a stock sentence after it is two short ones.
ELABORATION_SHAPES = ((100, 2), (80, 3))  # (at least chars, at least sentences)


def passage_kind(text: str, *, position: str = "body") -> PassageKind:
    """Classify one paragraph. `position` is "first" or "last" for the first and last body paragraphs, where a
    document's frame stands."""
    f = features(text)
    if position == "first" and _MEETING_WORD.search(text) and _DATE.search(text):
        return PassageKind.FRAME
    if position == "last" and _CLOSING.search(text):
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
