"""Boilerplate (套话) detection: which sentences of a submission are generic text or keyword-stuffed slogans, why,
in words a secretary can check.

A sentence is generic when it carries no content of the member's own — no figure, place, named thing, case,
method or reasoning — and is built from what any writer of the genre has to hand. It is judged from named cues
(SentenceEvidence.features), each a reason a secretary can check:

- stock formulations (`find_phrases`): the shipped list corpora/phrases/stock_phrases.txt, the standard 提法 of
  standard_formulations.txt, and phrases the batch itself repeats only in abstract sentences
  (`BoilerplateDetector.fit`: four-character and longer words found in `learned_min_docs` submissions and
  never next to a figure, date, place or first-person action);
- genre vocabulary (`genre_share`): the share of a sentence's words that are the all-purpose words of official
  writing (加强, 推动, 意识, 成效 …), idioms and set phrases (jieba's dictionary tags i and l: 未雨绸缪,
  齐抓共管) or stock formulations, rather than words about some matter (the content words);
- cross-document frequency (`SentenceIndex`): near-same sentences in other submissions or sources, by Jaccard
  similarity of character 4-gram shingles (Broder 1997, "On the resemblance and containment of documents");
- exhortation (`exhortation`): a sentence that opens with 要/必须, an imperative (坚持…, 一是加强…) or a generic
  addressee (各级党组织要), or that carries a modal verb further in; a first-person resolve (我将…, 不辜负…);
- the stock phrasing a writer invents fresh, known by its shape: 排比 and 对仗 (`parallelism`, `echoes`),
  the frames of a set saying (`sayings`: 没有…只有…, 越…越…, 是…的生命线, 把…变成…) and their images (心中,
  脚下, 肩上), the turn to the audience (同志们, 让我们, 总之), the stock account of what the study gave
  (深受教育, 有了新的提高), a short sentence, and isolation (`isolation`: its content words stand nowhere else
  in the document — a saying dropped in, where the member's own argument takes up the matter around it);
- where it stands: the last sentence of a paragraph, the first or last paragraph of the body;
- against it: quoted names (“一果一码”), narration of what happened (`narration`), shortcomings stated
  (`shortcomings`: 重视不够, 存在…问题), first-person reflection (`reflection`: 我体会, 在我看来), argument and
  weighing (`argument`: 如果…就, 看似…实际上, 可能, 是否), a question, a sentence taking up the one before
  (这…, 因此…) and named forms of work (党课, 报告会, 问卷调查).

The score is logistic: bias + Σ weight × feature, the weights named fields of `BoilerplateConfig` fitted on
the labelled batches by bench/fit_boilerplate.py (which also measures them leave-one-batch-out). Decided
without a score: a concrete anchor (`concrete_anchors`: a figure other than an item's number, a counted thing,
a dated event, a named place — not the tense, not 本季度 or a bare year) or `methods_specific` named forms of
work rule a sentence out; the closing courtesy (不当之处请批评指正, 以上报告，请审阅) rules it in. A flagged
sentence naming `slogan_min_keywords` or more keywords of one topic, with nothing of the member's own, is a
slogan (口号式堆砌). Title, byline, headings, an item's one-clause heading (（一）…。), salutations, attributed
quotations and the document's opening frame (the meeting it reports) are not judged.

Fitting is a map and a reduce: `BoilerplateDetector.statistics` per partition of the batch (where its texts
are), `fit_statistics` to merge them; the fitted detector is then shared with whatever judges the documents.

The document diagnoses (学用“两张皮”, 以工作总结代替学习体会) follow from topic coverage (pipeline.topics.coverage.diagnose),
which reads the sentences this detector flags as not the member's own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Protocol, Sequence

from spacy.tokens import Doc

from ..annotations import GENERIC, HEADINGS, PARAGRAPHS, QUOTE_LEADS, QUOTES, annotate
from ..submission import Submission, SubmissionText
from .. import lexicon as lx
from ..lexicon import find_phrases
from .paragraph_kinds import PassageKind, passage_kinds
from ..segment import standard_formulations
from .words import words
from ..util.textnorm import fold
from ..topiclist import Topic, TopicList
from .cues import (argument, concrete_anchors, concrete_clauses, cue, echoes, exhortation, genre_share, isolation,
                   narration, own_acts, parallelism, quoted_names, reflection, sayings, shortcomings)
from .judge import BoilerplateConfig, SentenceEvidence
from .statistics import BatchStatistics, SentenceIndex


class IdentifiedText(Protocol):
    """What fitting reads of a submission."""

    doc_id: str
    text: str


def _longest_first(phrases: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(p for p in phrases if p), key=lambda p: (-len(p), p)))


@dataclass
class GenericFlag:
    """One flagged sentence: where it stands in the submission's text, and why it is boilerplate."""

    start: int
    end: int
    text: str
    reasons: list[str]
    kind: str  # "stock" | "slogan"


@dataclass
class BoilerplateReport:
    """One submission's boilerplate: the flagged sentences in text order and their share."""

    generic: list[GenericFlag]
    generic_ratio: float                         # flagged characters / all characters, white space excluded

    def annotate(self, doc: Doc) -> None:
        """Write the report on the submission's Doc (pipeline.annotations): the flagged sentences as span group
        `generic`, their share as the Doc's generic_ratio."""
        annotate(doc, GENERIC, ((g.start, g.end, {"kind": g.kind, "reasons": list(g.reasons)}) for g in self.generic))
        doc._.generic_ratio = self.generic_ratio

    def to_dict(self) -> dict:
        return {"generic": [[g.start, g.end, g.text, list(g.reasons), g.kind] for g in self.generic],
                "generic_ratio": self.generic_ratio}

    @classmethod
    def from_dict(cls, data: dict) -> "BoilerplateReport":
        """The report `to_dict` gave; raises TypeError or ValueError on data of another shape."""
        flags = []
        for start, end, text, reasons, kind in data["generic"]:
            if not (isinstance(start, int) and isinstance(end, int) and isinstance(text, str) and isinstance(kind, str)
                    and isinstance(reasons, list) and all(isinstance(r, str) for r in reasons)):
                raise TypeError("not a boilerplate flag")
            flags.append(GenericFlag(start, end, text, reasons, kind))
        if not isinstance(data["generic_ratio"], (int, float)):
            raise TypeError("not a share")
        return cls(flags, float(data["generic_ratio"]))


@dataclass(frozen=True)
class _Terms:
    """The phrases one judgement looks for, prepared once per topic list: stock formulations and the topics'
    keywords (folded, longest first), and each topic's own keywords."""

    stock: tuple[str, ...]
    topic_words: frozenset[str]
    stock_and_topics: tuple[str, ...]
    per_topic: tuple[tuple[Topic, tuple[str, ...]], ...]

    @classmethod
    def of(cls, stock: Sequence[str], topics: TopicList) -> "_Terms":
        per_topic = tuple((t, _longest_first(fold(k) for k in t.keywords)) for t in topics)
        topic_words = frozenset(k for _, ks in per_topic for k in ks)
        return cls(tuple(stock), topic_words, _longest_first(set(stock) | topic_words), per_topic)

    def topic_keywords(self, sentence: str) -> tuple[Topic | None, list[str]]:
        """The topic whose keywords a sentence names most, with the keywords found (each once)."""
        best: tuple[Topic | None, list[str]] = (None, [])
        for topic, keywords in self.per_topic:
            found = list(dict.fromkeys(find_phrases(sentence, keywords)))
            if len(found) > len(best[1]):
                best = (topic, found)
        return best


# A submission's view of the batch the detector was fitted on (BoilerplateDetector.fitted_view): the near-same
# count of each judged sentence, and the learned phrases in its text.
FittedView = tuple[tuple[int, ...], tuple[str, ...]]


@dataclass(frozen=True)
class FitChange:
    """What tells two fits of a batch apart (BoilerplateDetector.fit_change): the sentences of the texts whose
    statistics only this fit holds (`added`: those that changed or came, as now) and of those whose statistics only
    the earlier fit held (`removed`: those that changed or went, as then), each by its owner, for near-same
    lookups; and the learned phrases only one of the two fits learned."""

    added: SentenceIndex
    removed: SentenceIndex
    phrases: tuple[str, ...]


class BoilerplateDetector:
    """Flag generic sentences and slogans in submissions. `fit` learns the batch's sentence frequencies and
    repeated phrases; `detect` judges one submission against them and the quarter's topics."""

    def __init__(self, config: BoilerplateConfig | None = None):
        self.config = config or BoilerplateConfig()
        c = self.config
        self.stock = _longest_first(tuple(fold(p) for p in lx.phrase_list(Path(c.stock_phrases_file))) + tuple(fold(p) for p in standard_formulations()))
        self.learned: tuple[str, ...] = ()
        self.index = SentenceIndex((), c.shingle_chars, c.near_same_jaccard, c.near_same_counted)
        self._terms: dict[TopicList, _Terms] = {}

    def fit(self, submissions: Sequence[Submission | IdentifiedText], *,
            sources: Sequence[str] = ()) -> "BoilerplateDetector":
        """Index every sentence of the submissions (their doc_id and text: a Submission, or what stands for one
        while its Doc is packed away) (owner = doc_id) and of the source texts (owner = source:N)
        for near-same lookups, and learn the phrases the batch repeats: words of learned_min_chars or more
        characters that stand in abstract sentences of learned_min_docs submissions and in no sentence, of any
        text, with a concrete anchor (so a topic's own terms, which practice passages use, are not learned).
        Sources only veto: a large library would teach every word of the language."""
        texts = [(s.doc_id, s.text) for s in submissions] + [(f"source:{i}", t) for i, t in enumerate(sources)]
        return self.fit_statistics([self.statistics(texts)])

    def statistics(self, texts: Iterable[tuple[str, str]]) -> "BatchStatistics":
        """What fitting needs of some (owner, text) pairs — the map step, for one partition of a batch. An owner
        named source:… is a source text: indexed for near-same lookups and a veto on learned words, no more."""
        c = self.config
        found = BatchStatistics([], defaultdict(set), set())
        for owner, text in texts:
            for start, end in lx.sentence_spans(text):
                sentence = fold(text[start:end])
                if len(sentence) < c.min_sentence_chars:
                    continue
                found.sentences.append((owner, sentence))
                long_words = {w for w in words(sentence) if len(w) >= c.learned_min_chars}
                if concrete_anchors(sentence):
                    found.anchored |= long_words
                elif not owner.startswith("source:"):
                    for w in long_words:
                        found.docs_with[w].add(owner)
        return found

    def fit_statistics(self, parts: Iterable["BatchStatistics"]) -> "BoilerplateDetector":
        """Fit from the statistics of a batch's partitions (the reduce step): the same detector whichever way the
        batch was cut, since sentences are indexed as a set and word counts merge by union of owners."""
        c = self.config
        merged = BatchStatistics([], defaultdict(set), set())
        for part in parts:
            merged.sentences += part.sentences
            merged.anchored |= part.anchored
            for w, owners in part.docs_with.items():
                merged.docs_with[w] |= owners
        self.index = SentenceIndex(merged.sentences, c.shingle_chars, c.near_same_jaccard, c.near_same_counted)
        shipped = set(self.stock)
        self.learned = _longest_first(w for w, owners in merged.docs_with.items()
                                      if len(owners) >= c.learned_min_docs and w not in merged.anchored
                                      and w not in shipped)
        return self

    def _terms_for(self, topics: TopicList) -> _Terms:
        if topics not in self._terms:
            self._terms[topics] = _Terms.of(self.stock, topics)
        return self._terms[topics]

    def evidence(self, sentence: str, *, owner: str | None, topics: TopicList, context: str = "") -> SentenceEvidence:
        """Everything the judgement of one sentence (matching view) rests on. The member's-own signals
        (narration, shortcomings, reflection, argument) are looked for outside the stock phrases, so that
        查找不足 or 问题导向 count as stock and not as a diagnosis. `context` is the rest of the document
        (matching view): a member's own argument takes up the matter of the sentences around it, a saying
        dropped in does not."""
        terms = self._terms_for(topics)
        found = [p for p in find_phrases(sentence, terms.stock_and_topics) if p not in terms.topic_words]
        rest = sentence
        for p in found:
            rest = rest.replace(p, "，", 1)
        stock = list(dict.fromkeys(found))  # a phrase said twice is one formulation
        learned = list(dict.fromkeys(p for p in find_phrases(rest, self.learned)
                                     if not any(p in k for k in terms.topic_words)))
        share, content = genre_share(sentence, terms.stock_and_topics, terms.topic_words, prior=self.config.genre_none)
        exhort, opens = exhortation(sentence)
        topic, keywords = terms.topic_keywords(sentence)
        parallel = parallelism(sentence)
        bare = lx.PUNCTUATION.sub("", sentence)
        return SentenceEvidence(
            stock=stock,
            learned=learned,
            genre_share=share,
            content_words=content,
            anchors=concrete_anchors(sentence),
            quoted=quoted_names(sentence, terms.stock_and_topics),
            exhortation=exhort,
            exhortation_opens=opens,
            parallel=parallel,
            parallel_share=min(sum(len(p) for p in parallel) / max(len(bare), 1), 1.0),
            narration=narration(rest),
            shortcomings=[] if opens else shortcomings(rest),
            reflection=reflection(rest),
            argument=argument(rest),
            own_acts=own_acts(sentence),
            closing=cue(lx.FRAME_CLOSING, sentence),
            opening=cue(lx.FRAME_OPENING, sentence),
            study_gain=cue(lx.STUDY_GAIN, sentence),
            resolve=cue(lx.RESOLVE, sentence),
            sayings=sayings(sentence),
            images=[m.group(0) for m in lx.IMAGE_WORDS.finditer(sentence)],
            rhetoric=cue(lx.RHETORIC_OPENING, sentence),
            chars=len(bare),
            isolated=isolation(content, context, terms.topic_words),
            echoes=echoes(sentence),
            concrete=concrete_clauses(sentence, terms.stock_and_topics, terms.topic_words),
            refers_back=cue(lx.REFERS_BACK, sentence),
            methods=list(dict.fromkeys(m.group(0) for m in lx.NAMED_METHOD.finditer(sentence))),
            posts=list(dict.fromkeys(m.group(0) for pattern in (lx.NAMED_POST, lx.SCHEDULE)
                                     for m in pattern.finditer(sentence))),
            question=sentence.rstrip("”’\"'").endswith(("？", "?")),
            same_in=self._same_in(sentence, owner),
            topic=topic,
            keywords=keywords,
        )

    def fitted_view(self, submission: Submission | SubmissionText) -> FittedView:
        """All that a submission's report takes from the batch the detector was fitted on (see evidence): for each
        judged sentence, how many other texts hold a near-same one, and the learned phrases that stand in its text.
        The same submission with the same view gets the same report, whatever else changed in the batch."""
        same_in = tuple(self._same_in(fold(submission.text[a:b]), submission.doc_id)
                        for a, b in self.judged_sentences(submission))
        return same_in, self._learned_in(submission)

    def _learned_in(self, submission: Submission | SubmissionText) -> tuple[str, ...]:
        return tuple(sorted(lx.phrases_in(fold(submission.text), self.learned)))

    def fit_change(self, added: Iterable[tuple[str, str]], removed: Iterable[tuple[str, str]],
                   phrases: Iterable[str]) -> FitChange:
        """How this fit differs from an earlier fit of the batch: the (owner, sentence) pairs of the texts whose
        statistics only this fit holds (`added`) and only the earlier one held (`removed`), and the learned
        `phrases` that only one of the two learned."""
        c = self.config
        index = lambda owned: SentenceIndex(owned, c.shingle_chars, c.near_same_jaccard, c.near_same_counted)
        return FitChange(index(added), index(removed), tuple(phrases))

    def updated_view(self, submission: Submission | SubmissionText, earlier: FittedView,
                     change: FitChange) -> FittedView:
        """The submission's fitted_view, from its view of an earlier fit that differs from this one by `change`.
        The texts whose statistics both fits hold hold the same sentences in both, so a judged sentence's count
        is its earlier count, less the owners in `change.removed` and plus those in `change.added` that hold a
        near-same sentence; only a count that was at the cap (near_same_counted, where the owners beyond it were
        not counted) and lost an owner is looked up again. The learned phrases in its text can differ only if a
        changed phrase stands there."""
        same_in, learned = earlier
        sentences = (fold(submission.text[a:b]) for a, b in self.judged_sentences(submission))
        same_in = tuple(self._updated_count(s, count, submission.doc_id, change)
                        for s, count in zip(sentences, same_in, strict=True))
        if lx.phrases_in(fold(submission.text), change.phrases):
            learned = self._learned_in(submission)
        return same_in, learned

    def _updated_count(self, sentence: str, earlier: int, owner: str, change: FitChange) -> int:
        counted = self.config.near_same_counted
        gone = change.removed.others(sentence, owner) if len(change.removed) else 0
        if earlier >= counted:  # at least `counted` owners then; each one gone may have been one of those counted
            return self._same_in(sentence, owner) if gone else counted
        # `earlier` counts every owner then, `gone` of them among them; `added`, capped, still reaches the cap
        return min(earlier - gone + change.added.others(sentence, owner), counted)

    def _same_in(self, sentence: str, owner: str | None) -> int:
        """How many texts other than `owner` hold a near-same sentence (matching view)."""
        return self.index.others(sentence, owner)

    def detect(self, submission: Submission | SubmissionText, *, topics: TopicList) -> BoilerplateReport:
        """Judge every sentence of the body. Title, byline, headings and the opening frame (the meeting the
        document reports, paragraph_kinds) are not judged; of a sentence that is half or more attributed quotation
        or holds a quotation's lead-in (总书记强调：“…), only the member's words after the quotation are."""
        c = self.config
        passages = _body_passages(submission)
        flags: list[GenericFlag] = []
        for start, end, e in self.sentence_evidence(submission, topics=topics, passages=passages):
            kind = e.judge(c)
            if kind:
                flags.append(GenericFlag(start, end, submission.text[start:end], e.reasons(c, kind), kind))
        flagged = sum(len(fold(f.text)) for f in flags)
        return BoilerplateReport(generic=flags, generic_ratio=flagged / max(submission.chars, 1))

    def sentence_evidence(self, submission: Submission | SubmissionText, *, topics: TopicList,
                          passages: list[tuple[tuple[int, int], PassageKind]] | None = None
                          ) -> list[tuple[int, int, SentenceEvidence]]:
        """(start, end, evidence) of every judged sentence, read in its document: the rest of the document for
        `isolated`, and whether it closes its paragraph or stands in the first or last paragraph of the body."""
        spans = self.judged_sentences(submission, passages)
        paragraphs = [(a, b) for a, b, label in submission.span_offsets(PARAGRAPHS)
                      if label not in ("title", "byline", "heading", "table_row")]
        home = [next((i for i, (a, b) in enumerate(paragraphs) if a <= start < b), None) for start, _ in spans]
        used = [i for i in home if i is not None]
        edges = {min(used), max(used)} if used else set()
        whole = fold(submission.text)
        out = []
        for (start, end), i in zip(spans, home):
            sentence = fold(submission.text[start:end])
            e = self.evidence(sentence, owner=submission.doc_id, topics=topics, context=whole.replace(sentence, "", 1))
            e.closes_paragraph = i is not None and not submission.text[end:paragraphs[i][1]].strip()
            e.edge_paragraph = i in edges
            out.append((start, end, e))
        return out

    def judged_sentences(self, submission: Submission | SubmissionText,
                         passages: list[tuple[tuple[int, int], PassageKind]] | None = None) -> list[tuple[int, int]]:
        """(start, end) of the body sentences that are judged: not the title, byline or a heading, not the
        opening frame, not an attributed quotation or its lead-in (what follows them in the sentence is), not
        shorter than min_sentence_chars unless a closing courtesy."""
        c = self.config
        passages = _body_passages(submission) if passages is None else passages
        not_judged = [(a, b) for a, b, label in submission.span_offsets(PARAGRAPHS)
                      if label in ("title", "byline", "heading")]
        # The opening frame reports the meeting (facts, not 套话); a closing formula is judged like any sentence.
        not_judged += [(a, b) for (a, b), kind in passages[:1] if kind is PassageKind.FRAME]
        quoted = [(a, b) for a, b, label in submission.span_offsets(QUOTES) if label == "attributed"]
        leads = [(a, b) for a, b, _ in submission.span_offsets(QUOTE_LEADS)]
        out = []
        for first, last in submission.sentence_offsets():
            raw = submission.text[first:last]
            start = first + (len(raw) - len(raw.lstrip()))
            end = first + len(raw.rstrip())
            if start >= end or any(a <= start and end <= b for a, b in not_judged):
                continue
            if _overlap(start, end, quoted) * 2 >= end - start or _overlap(start, end, leads):
                # An attributed quotation is the speaker's words, not the member's boilerplate; what the member
                # says of it after it (总书记指出，“…”，这为我们…提供了根本遵循) is the member's, judged alone.
                start = _after_quotations(submission.text, start, end, quoted + leads)
                if start is None:
                    continue
            sentence = fold(submission.text[start:end])
            if sentence.endswith(":") or lx.POINT_HEADING.match(sentence):
                continue  # a salutation (各位领导：), a lead-in or an item's heading: the structure of the text
            if len(sentence) <= c.unpunctuated_line_chars and not lx.SENTENCE_END_MARK.search(sentence):
                continue  # a short line with no end mark: a title or heading the layout did not tell
            if _opens_a_quotation(sentence):
                continue  # 总书记强调，要做到“…； — the quotation goes on past the sentence's end
            if len(sentence) >= c.min_sentence_chars or lx.FRAME_CLOSING.search(sentence):
                out.append((start, end))  # the closing courtesy is judged however short (我就汇报这些。)
        return out



def _body_passages(submission: Submission | SubmissionText) -> list[tuple[tuple[int, int], PassageKind]]:
    """Body paragraphs (start, end) with their passage kind (paragraph_kinds, which reads them in their
    sections); the first and last may be the frame."""
    headings = {a for a, _, _ in submission.span_offsets(HEADINGS)}
    text = submission.text
    # A table's rows are data the text around them discusses, not paragraphs of their own.
    body = [(a, b) for a, b, label in submission.span_offsets(PARAGRAPHS)
            if label not in ("title", "byline", "table_row") and text[a:b].strip()]
    kinds = passage_kinds([None if a in headings else text[a:b].strip() for a, b in body])
    return [(p, kind) for p, kind in zip(body, kinds) if kind is not None]


def _opens_a_quotation(sentence: str) -> bool:
    """An attributed quotation opens in the sentence and is not closed in it."""
    mark = sentence.rfind("“")
    return mark > 0 and "”" not in sentence[mark:] and bool(lx.ATTRIBUTION.search(sentence[:mark]))


def _after_quotations(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> int | None:
    """Where the words after the last quotation or lead-in within text[start:end] begin (its closing mark and
    the punctuation after it skipped), or None when nothing of the member's follows it."""
    after = max(b for a, b in spans if a < end and b > start)
    while after < end and (lx.PUNCTUATION.match(text[after]) or text[after] in lx.CLOSING_MARKS
                           or text[after].isspace()):
        after += 1
    return after if after < end else None


def _overlap(start: int, end: int, spans: list[tuple[int, int]]) -> int:
    return sum(max(0, min(end, b) - max(start, a)) for a, b in spans)
