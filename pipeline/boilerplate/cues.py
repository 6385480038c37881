"""The cues of one sentence the boilerplate judgement weighs, each a function of its text (and the phrases
looked for): concrete anchors, own acts, exhortation, parallelism, genre share, sayings, shingles and the rest;
detector.py's docstring lists them with what they mean."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Collection, Iterable, Sequence

import jieba.posseg
import numpy as np

from .. import lexicon as lx
from ..lexicon import find_phrases
from ..util.textnorm import kgram_hashes
from .words import place_names, words


def concrete_anchors(text: str) -> list[str]:
    """What ties a sentence to one place and time: figures (not the number of a list item), counted things,
    dates of events, deadlines and named places. Any one of them means the sentence is not boilerplate. A bare year or
    季度 is not one (今年以来，整体工作平稳 dates nothing), nor is the tense (…取得了历史性成就)."""
    anchors = [m.group(0) for m in lx.FIGURE.finditer(lx.ITEM_NUMBER.sub("", text))]
    anchors += [m.group(0) for m in lx.COUNTED.finditer(text)]
    anchors += [m.group(0) for m in lx.DATED.finditer(text)]
    anchors += [m.group(0) for m in lx.DEADLINE.finditer(text)]
    anchors += place_names(text)
    return anchors


def own_acts(text: str) -> list[str]:
    """First-person statements of what was done or planned (我局去年…, 我们准备…), not a pledge to
    继续/不断/进一步 do better. Evidence of the member's own account — weighed, not decisive, since
    我深化了对理论的认识 is one too."""
    acts = [m.group(0) for m in lx.FIRST_PERSON_ACT.finditer(text)]
    acts += [m.group(0)[: m.start("rest") - m.start()] for m in lx.FIRST_PERSON_PLAN.finditer(text)
             if not lx.PLEDGE.search(m.group("rest"))]
    return acts


def quoted_names(text: str, known: Iterable[str] = ()) -> list[str]:
    """Terms in quotation marks, one to twelve characters, that are not in `known` (the standard formulations
    and stock phrases): programme and product names (“一果一码”) or the member's own coinage (“换挡”)."""
    known = set(known)
    return [m for m in lx.QUOTED_TERM.findall(text) if m not in known]


def exhortation(text: str) -> tuple[str | None, bool]:
    """The words that make a sentence an exhortation, and whether they open it: an imperative or modal opening
    (要…, 坚持…, 进一步…) or a generic addressee with a modal (各级党组织要, 我们要) opens it; a modal further in
    (…，必须…) does not; an item's number before it (一是, 三要, （四）) is read through. (None, False) if there
    is none."""
    lead = lx.ITEM_LEAD.match(text)
    item = text[lead.end():] if lead else text
    opening = lx.GENERIC_ADDRESSEE.match(item) or lx.IMPERATIVE_OPENING.match(item)
    if opening:
        return (lead.group(0) if lead else "") + opening.group(0), True
    if lead and lead.group(0).endswith("要"):
        return lead.group(0), True
    modal = lx.MODAL.search(text)
    return (modal.group(0), False) if modal else (None, False)


def parallelism(text: str, max_chars: int = 12, short_chars: int = 8) -> list[str]:
    """排比 and 四字格: adjacent clauses of one length (2 to `max_chars` characters) that share characters in the
    same places — one for clauses up to eight characters (更高标准、更严要求; 守土有责、守土负责), two for longer
    ones (思想上多…、行动上多…) — or three or more four-character clauses. Returns the clauses."""
    clauses = [c for c in lx.CLAUSE_SPLIT.split(text) if c]
    found: list[str] = []
    for a, b in zip(clauses, clauses[1:]):
        if len(a) != len(b) or not 2 <= len(a) <= max_chars or a == b:
            continue
        if sum(x == y for x, y in zip(a, b)) >= (1 if len(a) <= short_chars else 2):
            found.extend(c for c in (a, b) if c not in found)
    four = [c for c in clauses if len(c) == 4]
    if len(four) >= 3:
        found.extend(c for c in four if c not in found)
    return found


def isolation(content: Sequence[str], context: str, topic_words: Collection[str] = ()) -> float:
    """The share of a sentence's content words (two or more characters, not a topic's keywords) that stand
    nowhere in `context`, the rest of its document; 0 with fewer than two such words or no context."""
    own = [w for w in content if len(w) >= 2 and w not in topic_words]
    if len(own) < 2 or not context:
        return 0.0
    return sum(w not in context for w in own) / len(own)


def echoes(text: str, min_chars: int = 3, max_chars: int = 14, min_shared: int = 2) -> list[str]:
    """对仗 of unequal clauses: the piece that adjacent clauses of about one length (3 to 14 characters, at most
    two apart) both say (问题要找准，措施更要找准 → 要找准; 抓住了…，就抓住了… → 抓住了) — a saying's frame."""
    clauses = [c for c in lx.CLAUSE_SPLIT.split(text) if c]
    found = []
    for a, b in zip(clauses, clauses[1:]):
        if not (min_chars <= len(a) <= max_chars and min_chars <= len(b) <= max_chars) or abs(len(a) - len(b)) > 2:
            continue
        piece = _longest_common_piece(lx.PUNCTUATION.sub("", a), lx.PUNCTUATION.sub("", b))
        if len(piece) >= min_shared and piece not in found:
            found.append(piece)
    return found


def _longest_common_piece(a: str, b: str) -> str:
    best = ""
    for i in range(len(a)):
        for j in range(i + len(best) + 1, len(a) + 1):
            if a[i:j] in b:
                best = a[i:j]
            else:
                break
    return best


def sayings(text: str) -> list[str]:
    """The frames of a set saying (没有…只有…, 越…越…, 是…的生命线, 把…变成…): lexicon.SAYING_FRAME."""
    return [m.group(0) for m in lx.SAYING_FRAME.finditer(text)]


def cue(pattern: "re.Pattern[str]", text: str) -> str | None:
    """The first match of a lexicon cue, or None."""
    m = pattern.search(text)
    return m.group(0) if m else None


@lru_cache(maxsize=1)
def _word_tags() -> dict[str, str]:
    return jieba.posseg.dt.word_tag_tab


def formulaic(word: str) -> bool:
    """An idiom (成语, jieba dictionary tag i) or a set expression (习用语, tag l): 未雨绸缪, 齐抓共管."""
    return _word_tags().get(word) in ("i", "l")


def genre_share(text: str, phrases: Sequence[str], topic_phrases: Collection[str] = (), *,
                prior: float = 0.4, prior_words: float = 2.0) -> tuple[float, list[str]]:
    """The share of a sentence's meaningful words that belong to the genre, and the words that do not.
    `phrases` (folded, longest first) are found first: each counts as one content word if it is in
    `topic_phrases` (a topic's keywords) and as one genre word otherwise (stock formulations). The rest is cut
    by jieba; a word counts as genre when in lx.GENRE_WORDS or `formulaic`, lx.FUNCTION_WORDS are left out. The
    share is smoothed towards `prior` as if `prior_words` more words had been seen, so that a sentence of three
    words does not reach 100% on them alone."""
    genre, content = 0, []
    rest = text
    for p in find_phrases(text, phrases):
        rest = rest.replace(p, "，", 1)
        if p in topic_phrases:
            content.append(p)
        else:
            genre += 1
    for w in words(rest):
        if w in lx.FUNCTION_WORDS:
            continue
        if w in lx.GENRE_WORDS or formulaic(w):
            genre += 1
        else:
            content.append(w)
    return (genre + prior * prior_words) / (genre + len(content) + prior_words), content


def concrete_clauses(text: str, phrases: Sequence[str], topic_phrases: Collection[str] = ()) -> list[str]:
    """Clauses that name things and not one word of the genre (进社区开讲座, 参观纪念馆, 问卷调查): the items
    of a specific method or requirement. A clause with a stock phrase, a genre word or only an image of a
    saying (心中有…) is not one."""
    found = []
    for clause in lx.CLAUSE_SPLIT.split(text):
        if len(clause) < 3:
            continue
        stock = [p for p in find_phrases(clause, phrases) if p not in topic_phrases]
        if stock:
            continue
        tokens = [w for w in words(clause) if w not in lx.FUNCTION_WORDS]
        if any(w in lx.GENRE_WORDS or formulaic(w) for w in tokens):
            continue
        if any(len(w) >= 2 and not lx.IMAGE_WORDS.fullmatch(w) for w in tokens):
            found.append(clause)
    return found


def narration(text: str) -> str | None:
    """Narration of what happened at the study or what it covered (作了安排, 本次学习还涉及…)."""
    m = lx.NARRATION.search(text)
    return m.group(0) if m else None


def shortcomings(text: str) -> list[str]:
    """Shortcomings stated (重视不够, 存在…问题); only meaningful in a sentence that is not an exhortation, since
    "要正视差距" asks for a diagnosis and does not make one."""
    return [m.group(0) for m in lx.SHORTCOMING.finditer(text)]


def reflection(text: str) -> str | None:
    """A first-person marker of the member's own thinking (我体会, 在我看来, 通过学习我认识到)."""
    m = lx.REFLECTION.search(text)
    return m.group(0) if m else None


def argument(text: str) -> str | None:
    """A connective of reasoning (如果…就, 看似…实际上, 不是…而是) — own argument, rare in stock sentences."""
    m = lx.ARGUMENT.search(text)
    return m.group(0) if m else None


def shingle_codes(text: str, size: int) -> np.ndarray:
    """Character `size`-grams of a sentence with punctuation dropped (the whole of it when it is shorter), each
    as its 64-bit k-gram hash (textnorm.kgram_hashes), sorted and unique. Two different shingles share a number
    only by accident, at odds of about 1e-8 across a quarter's sentences; such an accident could only make two
    sentences look a shingle more alike."""
    bare = lx.PUNCTUATION.sub("", text)
    return np.unique(kgram_hashes(bare, min(size, len(bare)))) if bare else np.zeros(0, dtype=np.uint64)


