"""The words of a sentence, as jieba cuts them with xuexi's dictionary, and the named places among them: what the
boilerplate detector and the passage reader both count, so they cut the same way."""

from __future__ import annotations

import re
from functools import lru_cache

import jieba

from .. import lexicon as lx
from ..segment import dictionary_version


def words(text: str) -> tuple[str, ...]:
    """jieba words of a text that contain a Chinese character."""
    return _words(text, dictionary_version())


# Sentences whose words are remembered: a judge cuts each of a document's sentences more than once, and stock
# sentences recur across documents. Fitting and judging run in separate processes (on more than one core), so
# remembering a whole quarter's sentences saved no cutting, and at 65,536 of them (some 2 KB each with what they
# pinned) the scoring process kept some 150 MB to the end of the run; 4,096 (about a hundred documents) cost the
# topic stage no time (measured: 5,000 documents, 444 s against 449 s).
REMEMBERED_SENTENCES = 1 << 12


@lru_cache(maxsize=REMEMBERED_SENTENCES)
def _words(text: str, dictionary_version: int) -> tuple[str, ...]:
    """Remembered per state of jieba's dictionary (REMEMBERED_SENTENCES)."""
    return tuple(w for w in jieba.lcut(text) if lx.CJK.search(w))


def place_names(text: str) -> list[str]:
    """Named places: a word with a place suffix (滨江区, 白沙县) or a word followed by one (青石 镇, 东港 开发区),
    from jieba's segmentation, leaving out common nouns that end like one (乡村, 辖区, 全县)."""
    if not any(suffix in text for suffix in lx.PLACE_SUFFIXES):
        return []  # every name below holds a suffix: most sentences need no cutting
    tokens = words(text)
    found = []
    for i, token in enumerate(tokens):
        if token in lx.GENERIC_PLACES:
            continue
        if (len(token) >= 3 and token.endswith(lx.PLACE_SUFFIXES) and token[:-1] not in lx.GENERIC_PLACES
                and "不" not in token):  # a saying (有事不出乡), not a name
            found.append(token)
        elif (token in lx.PLACE_SUFFIXES and i > 0 and len(tokens[i - 1]) >= 2
              and tokens[i - 1] + token not in lx.GENERIC_PLACES and _may_name_a_place(tokens[i - 1])):
            found.append(tokens[i - 1] + token)
    return found


def _may_name_a_place(word: str) -> bool:
    """A word before 村/镇/区 that can be its name: not us (我们镇), not a word of the genre (团结村 as 团结),
    not a saying's negation (有事不出乡)."""
    return not (word in lx.GENRE_WORDS or word in lx.FUNCTION_WORDS or "不" in word
                or re.fullmatch(lx.FIRST_PERSON_UNIT, word))
