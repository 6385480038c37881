"""Segmentation: from a submission's elements to the spaCy `Doc` every later stage annotates.

The pipeline is spaCy's blank Chinese language with the jieba segmenter, whose dictionary is extended with the
standard formulations shipped in corpora/phrases (so 两个维护 or 习近平新时代中国特色社会主义思想 stay one word),
plus three small registered components:

- `xuexi_layout`   span groups `title`, `byline`, `headings` (label H1…H4), `paragraphs` (label = element kind)
                   from the layout the reader found;
- `xuexi_sentences` sentence starts at every paragraph start and after 。！？； (closing quotes stay with the
                   sentence they close);
- `xuexi_quotes`   span group `quotes`: the quotations (pipeline.quotations), labelled `attributed` when their
                   source is named (总书记强调：“…”, 正如《…》所说，“…”, a 【原文摘录】 heading above them…), else
                   `unattributed`; their attributions, in the same order, are span group `quote_leads`.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache

import jieba
import numpy as np
import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span

from .annotations import BYLINE, HEADINGS, PARAGRAPHS, QUOTE_LEADS, QUOTES, TITLE
from .ingest import Element, ElementKind
from .lexicon import LIST_SEPARATORS, SENTENCE_BREAK, phrase_file, phrase_list
from .quotations import find_quotations

@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The shared pipeline: blank "zh" with jieba, the domain dictionary, and xuexi's components."""
    _jieba()
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    if not _TAUGHT.words:  # the formulations at least; a batch's words, when taught before, stay
        teach_words(())
    for name in ("xuexi_layout", "xuexi_sentences", "xuexi_quotes"):
        nlp.add_pipe(name)
    return nlp


@lru_cache(maxsize=1)
def standard_formulations() -> tuple[str, ...]:
    """The shipped standard formulations (one per line, # comments)."""
    return phrase_list(phrase_file("standard_formulations.txt"))


# jieba's frequency of a taught word (its own dictionary's, where higher): that of a common word (学习 13,482,
# 建设 26,381), so that jieba keeps the word whole rather than cut it into the words its dictionary offers.
TAUGHT_WORD_FREQUENCY = 20000


def teach_words(words) -> None:
    """Make jieba's dictionary its own words, the standard formulations and `words` (a batch's topic keywords,
    each kept whole) and nothing more. jieba's dictionary is global to the process and one word more can cut a
    sentence otherwise, so the words an earlier batch taught this process (a test session, a Dask worker that
    served another quarter) are taken out again: a batch is cut the same way whatever the process did before."""
    wanted = list(dict.fromkeys(part for word in (*standard_formulations(), *words)
                                for part in LIST_SEPARATORS.split(word) if len(part) >= 2))
    with _TEACHING:  # a Dask worker's threads each teach their run's words as a task starts
        if wanted != _TAUGHT.words:
            _TAUGHT.teach(_jieba().dt, wanted)


class _TaughtWords:
    """The words taught to jieba's dictionary, and how to take them out again: what add_word changed (a word's
    frequency, the prefixes it entered with 0 where there were none, the total frequency) is noted before."""

    def __init__(self):
        self.words: list[str] = []
        self.version = 0  # changes with every teaching: names the dictionary's state in this process
        self._before: list[tuple[str, int | None]] = []  # (entry of jieba's FREQ, its value before; None: absent)
        self._total = 0

    def teach(self, dictionary: jieba.Tokenizer, words: list[str]) -> None:
        dictionary.check_initialized()
        for key, value in reversed(self._before):  # back to jieba's own dictionary, as loaded
            if value is None:
                del dictionary.FREQ[key]
            else:
                dictionary.FREQ[key] = value
        if self._before:
            dictionary.total = self._total
        self._before, self._total = [], dictionary.total
        for word in words:
            self._before += [(word[:i], dictionary.FREQ.get(word[:i])) for i in range(1, len(word) + 1)]
            dictionary.add_word(word, freq=max(dictionary.FREQ.get(word) or 0, TAUGHT_WORD_FREQUENCY))
        self.words = list(words)
        self.version += 1


_TAUGHT = _TaughtWords()
_TEACHING = threading.Lock()


def dictionary_version() -> int:
    """A number that changes whenever the words taught to jieba do (a memo of cut sentences keyed by it never
    serves a cut of another state)."""
    return _TAUGHT.version


def taught_words() -> list[str]:
    """The words taught to jieba's dictionary in this process, to teach worker processes too."""
    return list(_TAUGHT.words)


def _jieba():
    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter would break the progress display
    return jieba


def make_doc(elements: list[Element]) -> Doc:
    """Run the pipeline over a submission's elements: the text is the elements joined by line breaks, and the
    layout travels in `doc.user_data["layout"]` for the layout component."""
    nlp = get_nlp()
    text = "\n".join(e.text for e in elements)
    doc = nlp.make_doc(text)
    layout, offset = [], 0
    for e in elements:
        layout.append((e.kind.value, e.level, offset, offset + len(e.text)))
        offset += len(e.text) + 1
    doc.user_data["layout"] = layout
    for _, component in nlp.pipeline:
        doc = component(doc)
    return doc


@Language.component("xuexi_layout", assigns=["doc.spans"])
def layout_component(doc: Doc) -> Doc:
    groups: dict[str, list[Span]] = {TITLE: [], BYLINE: [], HEADINGS: [], PARAGRAPHS: []}
    for kind, level, start, end in doc.user_data.get("layout", []):
        span = doc.char_span(start, end, label=kind, alignment_mode="expand")
        if span is None:
            continue
        groups[PARAGRAPHS].append(span)
        if kind == ElementKind.TITLE.value:
            groups[TITLE].append(span)
        elif kind == ElementKind.BYLINE.value:
            groups[BYLINE].append(span)
        elif kind == ElementKind.HEADING.value:
            groups[HEADINGS].append(Span(doc, span.start, span.end, label=f"H{level}"))
    for key, spans in groups.items():
        doc.spans[key] = spans
    return doc


@Language.component("xuexi_sentences", assigns=["token.is_sent_start"])
def sentences_component(doc: Doc) -> Doc:
    """Sentence starts: each paragraph's first token, and the first token after 。！？； and any closing marks.
    Computed on the text and written in one array, since a loop over tokens is the slow part of a pipeline."""
    if not len(doc):
        return doc
    text = doc.text
    starts = {p.start_char for p in doc.spans.get(PARAGRAPHS, [])} | {0}
    starts |= {m.end() for m in SENTENCE_BREAK.finditer(text)}
    token_starts = np.fromiter((t.idx for t in doc), dtype=np.int64, count=len(doc))
    flags = np.full(len(doc), -1, dtype=np.int64)  # -1: not a start, 1: a start (spaCy's SENT_START)
    positions = np.searchsorted(token_starts, sorted(starts))
    flags[positions[positions < len(doc)]] = 1
    doc.from_array([SENT_START], flags.astype(np.uint64).reshape(-1, 1))  # spaCy stores attributes as uint64
    return doc


@Language.component("xuexi_quotes", assigns=["doc.spans"])
def quotes_component(doc: Doc) -> Doc:
    quotes, leads = [], []  # the n-th lead attributes the n-th attributed quotation
    for q in find_quotations(doc.text):
        span = doc.char_span(q.start, q.end, alignment_mode="expand")
        lead = doc.char_span(*q.lead, alignment_mode="expand") if q.lead else None
        if span is None:
            continue
        quotes.append(Span(doc, span.start, span.end, label="attributed" if lead is not None else "unattributed"))
        if lead is not None:
            leads.append(Span(doc, lead.start, lead.end, label="lead"))
    doc.spans[QUOTES] = quotes
    doc.spans[QUOTE_LEADS] = leads
    return doc
