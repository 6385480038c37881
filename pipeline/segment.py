"""Segmentation: from a submission's elements to the spaCy `Doc` every later stage annotates.

The pipeline is spaCy's blank Chinese language with the jieba segmenter, whose dictionary is extended with the
standard formulations shipped in corpora/phrases (so 两个维护 or 习近平新时代中国特色社会主义思想 stay one word),
plus three small registered components:

- `xuexi_layout`   span groups `title`, `byline`, `headings` (label H1…H4), `paragraphs` (label = element kind)
                   from the layout the reader found;
- `xuexi_sentences` sentence starts at every paragraph start and after 。！？； (closing quotes stay with the
                   sentence they close);
- `xuexi_quotes`   span group `quotes`: the text inside “…” of eight characters or more, labelled `attributed`
                   when a speaker or document and a verb of saying lead into it (总书记强调：“…”, 《…》中指出，“…”,
                   文中明确要求：“…”), else `unattributed`; the lead-in words are in span group `quote_leads`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from .ingest import Element, ElementKind
from .lexicon import ATTRIBUTION, MIN_QUOTE_CHARS, SENTENCE_BREAK, phrase_file, phrase_list

@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The shared pipeline: blank "zh" with jieba, the domain dictionary, and xuexi's components."""
    import spacy

    _jieba()
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    add_dictionary_words(standard_formulations())
    for name in ("xuexi_layout", "xuexi_sentences", "xuexi_quotes"):
        nlp.add_pipe(name)
    return nlp


@lru_cache(maxsize=1)
def standard_formulations() -> tuple[str, ...]:
    """The shipped standard formulations (one per line, # comments)."""
    return phrase_list(phrase_file("standard_formulations.txt"))


def add_dictionary_words(words) -> None:
    """Teach jieba words it must keep whole (formulations, a topic list's keywords). jieba's dictionary is
    global to the process, which is why this is a function and not a component setting."""
    jieba = _jieba()
    for word in words:
        for part in re.split(r"[、，,\s]+", word):
            if len(part) >= 2 and part not in _ADDED:
                jieba.add_word(part, freq=max(jieba.get_FREQ(part) or 0, 20000))
                _ADDED.append(part)


_ADDED: list[str] = []


def dictionary_size() -> int:
    """How many words were added to jieba's dictionary: it only grows, so this names its state."""
    return len(_ADDED)


def added_words() -> list[str]:
    """The words added to jieba's dictionary in this process, to add in worker processes too."""
    return list(_ADDED)


def _jieba():
    import logging

    import jieba

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
    groups: dict[str, list[Span]] = {"title": [], "byline": [], "headings": [], "paragraphs": []}
    for kind, level, start, end in doc.user_data.get("layout", []):
        span = doc.char_span(start, end, label=kind, alignment_mode="expand")
        if span is None:
            continue
        groups["paragraphs"].append(span)
        if kind == ElementKind.TITLE.value:
            groups["title"].append(span)
        elif kind == ElementKind.BYLINE.value:
            groups["byline"].append(span)
        elif kind == ElementKind.HEADING.value:
            groups["headings"].append(Span(doc, span.start, span.end, label=f"H{level}"))
    for key, spans in groups.items():
        doc.spans[key] = spans
    return doc


@Language.component("xuexi_sentences", assigns=["token.is_sent_start"])
def sentences_component(doc: Doc) -> Doc:
    """Sentence starts: each paragraph's first token, and the first token after 。！？； and any closing marks.
    Computed on the text and written in one array, since a loop over tokens is the slow part of a pipeline."""
    import numpy as np
    from spacy.attrs import SENT_START

    if not len(doc):
        return doc
    text = doc.text
    starts = {p.start_char for p in doc.spans.get("paragraphs", [])} | {0}
    starts |= {m.end() for m in SENTENCE_BREAK.finditer(text)}
    token_starts = np.fromiter((t.idx for t in doc), dtype=np.int64, count=len(doc))
    flags = np.full(len(doc), -1, dtype=np.int64)  # -1: not a start, 1: a start (spaCy's SENT_START)
    positions = np.searchsorted(token_starts, sorted(starts))
    flags[positions[positions < len(doc)]] = 1
    doc.from_array([SENT_START], flags.astype(np.uint64).reshape(-1, 1))  # spaCy stores attributes as uint64
    return doc


@Language.component("xuexi_quotes", assigns=["doc.spans"])
def quotes_component(doc: Doc) -> Doc:
    quotes, leads = [], []
    for paragraph in doc.spans.get("paragraphs", []):
        base = paragraph.start_char
        for start, end, lead in find_quotations(paragraph.text):
            span = doc.char_span(base + start, base + end, alignment_mode="expand")
            if span is None:
                continue
            quotes.append(Span(doc, span.start, span.end, label="attributed" if lead else "unattributed"))
            if lead:
                lead_span = doc.char_span(base + lead[0], base + lead[1], alignment_mode="expand")
                if lead_span is not None:
                    leads.append(Span(doc, lead_span.start, lead_span.end, label="lead"))
    doc.spans["quotes"] = quotes
    doc.spans["quote_leads"] = leads
    return doc


def _closing_mark(text: str, open_at: int) -> int:
    """The ” that closes the “ at open_at, counting nested “…” (writers often nest double marks where ‘…’
    belongs); the first ” when the marks never balance."""
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "“":
            depth += 1
        elif text[i] == "”":
            depth -= 1
            if depth == 0:
                return i
    return text.find("”", open_at + 1)


def find_quotations(text: str) -> list[tuple[int, int, tuple[int, int] | None]]:
    """Quotations in one paragraph: (start, end) of the words inside “…” (nested ‘…’ kept inside), with the
    span of the attribution that leads into it, or None. Terms in quotation marks (“四个意识”) are shorter than
    MIN_QUOTE_CHARS and are not quotations."""
    found = []
    i = 0
    while True:
        open_at = text.find("“", i)
        if open_at == -1:
            return found
        close_at = _closing_mark(text, open_at)
        if close_at == -1:
            return found
        inner = text[open_at + 1 : close_at]
        i = close_at + 1
        if len(inner) < MIN_QUOTE_CHARS:
            continue
        before_start = max(text.rfind(c, 0, open_at) for c in "。！？；") + 1
        lead = ATTRIBUTION.search(text[before_start:open_at])
        lead_span = (before_start + lead.start(), before_start + lead.end()) if lead else None
        found.append((open_at + 1, close_at, lead_span))
