"""Drafting topics.yaml from a learning plan (学习计划) written the usual way: a heading per 专题, its points
below. The draft is for the secretary to edit: every topic gets an id, the heading as its title, its points as
key points and keywords taken from them, which the secretary should check."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import jieba.posseg

from ..annotations import HEADINGS, PARAGRAPHS
from ..submission import read_submission
from ..errors import ExtractionError
from ..messages import N_
from ..lexicon import QUARTER_IN_TEXT, TOPIC_LEAD, sentences, strip_numbering
from ..segment import standard_formulations
from ..util.textnorm import fold

_SCHEDULE_WORDS = ("时间安排", "学习安排", "组织保障", "工作要求", "有关要求", "学习方式", "学习形式", "保障措施")
KEYWORDS_PER_TOPIC = 8


def draft_topics(plan: Path, *, quarter: str | None = None, unit: str | None = None) -> str:
    """The text of a draft topics.yaml for a learning plan (.docx, .pdf or .txt)."""
    submission = read_submission(plan, batch_root=plan.parent)
    topics = _topics_of(submission)
    if not topics:
        raise ExtractionError(N_("{name}: 没有找到专题标题（每个专题应有一个标题，如“专题一：…”或“一、…”）", name=plan.name))
    lines = [
        f"# Draft made by `xuexi topics import` from {plan.name}: check every title, keyword and key point,",
        "# and list each topic's reference texts (files in references/) before scoring.",
        f"quarter: {quarter or _quarter(submission.text) or '待填写'}",
        f"unit: {unit or '待填写'}",
        "topics:",
    ]
    for i, (title, points) in enumerate(topics, 1):
        lines += [f"  - id: T{i}", f"    title: {_yaml_text(title)}", "    required: true",
                  f"    keywords: [{', '.join(_yaml_text(k) for k in _keywords(title, points))}]", "    key_points:"]
        lines += [f"      - {_yaml_text(p)}" for p in points] or ["      - 待填写"]
        lines += ["    references: []"]
    return "\n".join(lines) + "\n"


def _topics_of(submission) -> list[tuple[str, list[str]]]:
    """(title, points) for each top-level heading that announces a topic (not the plan's schedule or
    requirements sections); points are the paragraphs and sub-headings under it."""
    headings = {h.start_char: int(h.label_[1:]) for h in submission.spans(HEADINGS)}
    top = min(headings.values(), default=1)
    topics: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for p in submission.spans(PARAGRAPHS):
        if p.label_ in ("title", "byline"):
            continue
        text = p.text.strip()
        level = headings.get(p.start_char)
        is_topic = bool(TOPIC_LEAD.match(text)) or level == top
        if is_topic and not any(w in text for w in _SCHEDULE_WORDS):
            current = []
            topics.append((_clean(text), current))
        elif is_topic:
            current = None
        elif current is not None and text:
            current.append(_first_sentence(_clean(text)))
    return [(t, pts) for t, pts in topics if t]


def _clean(text: str) -> str:
    return strip_numbering(TOPIC_LEAD.sub("", text.strip())).strip("：: ")


def _first_sentence(text: str) -> str:
    first = sentences(text)[:1]
    return (first[0] if first else text)[:120]


_NOUNISH = ("n", "vn", "an", "nz", "ns", "l", "i", "j")


def _keywords(title: str, points: list[str]) -> list[str]:
    """The title's noun phrases, then the standard formulations the topic names, then the points' noun
    phrases by how often they recur (runs of nouns in jieba's part-of-speech tags, an adjective allowed first)."""
    title_phrases = _noun_phrases(title)
    counts = Counter(p for point in points for p in _noun_phrases(point))
    text = fold(title + "".join(points))
    formulations = [f for f in standard_formulations() if "、" not in f and fold(f) in text]
    out: list[str] = []
    for word in title_phrases + formulations + [p for p, _ in counts.most_common()]:
        if 2 <= len(word) <= 10 and word not in out and not any(word in o for o in out):
            out.append(word)
    return out[:KEYWORDS_PER_TOPIC]


@lru_cache(maxsize=1)
def _tagger() -> jieba.posseg.POSTokenizer:
    """jieba's part-of-speech tagger over its own dictionary alone: the words a scoring run teaches the shared
    dictionary (a batch's topic keywords) would join a plan's phrases into other words."""
    return jieba.posseg.POSTokenizer(jieba.Tokenizer())


def _noun_phrases(text: str) -> list[str]:
    phrases: list[str] = []
    run: list[str] = []
    has_noun = False
    for token in _tagger().cut(text + "。"):
        if token.flag.startswith(_NOUNISH):
            run.append(token.word)
            has_noun = True
        elif not run and token.flag in ("a", "ad"):
            run.append(token.word)
        else:
            if has_noun:
                phrases.append("".join(run))
            run, has_noun = ([token.word], False) if token.flag in ("a", "ad") else ([], False)
    return [p for p in phrases if len(p) >= 2]


def _quarter(text: str) -> str | None:
    match = QUARTER_IN_TEXT.search(text)
    if not match:
        return None
    q = "一二三四".index(match.group(2)) + 1 if match.group(2) in "一二三四" else int(match.group(2))
    return f"{match.group(1)}Q{q}"


def _yaml_text(text: str) -> str:
    """A YAML scalar: quoted when it holds characters YAML would read as syntax."""
    if re.search(r"[:#\[\]{},&*!|>'\"%@`]|^[-?]", text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text
