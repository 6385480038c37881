"""Topic coverage: for every required topic, how deeply a submission engaged with it, and the evidence.

Levels (shared/eval/README.md): 0 未涉及; 1 提及 — named only, in passing, in slogans, or only in copied or
quoted text; 2 阐述 — the member's own elaboration of the theory OR its practice; 3 学用结合 — own theory AND
concrete practice.

Method, per paragraph of the submission:
1. Which topic it is about. A numbered heading opens a section; the heading is matched to the topic whose title
   it shares most characters with (or the only topic whose keywords it names). Without such a heading, a
   paragraph that names one topic opens it for the unheaded paragraphs after it. A paragraph counts for its
   section's topic unless it names nothing of it and is plainly about another (two of the other's keywords,
   semantically closer to it, or own practice plainly nearer another topic: a work report filed under a heading). It
   counts for a topic outside its section when it names two of its keywords, or is semantically closest to it
   by `topic_margin` standard deviations of the document's similarities while naming it (`strong_margin`
   without), or — outside any section — names only that topic.
2. Whose words they are: copied passages, attributed quotations and boilerplate are not the member's own; a
   sentence that is mostly not own is set aside, and a paragraph mostly not own is evidence of what it is
   (复制, 引用, 套话) and earns no depth.
3. What the member's own sentences are (sentence_roles.py): practice — tied to real work by concrete anchors in
   any unit's register (figures, dates, named places, named cases, first-person measures and plans) — or
   theory — an argued understanding with nothing concrete, not an exhortation, a pledge or a study report.
   Beside the paragraph's own practice only reasoning or reflection counts as theory.
Depth then follows the rules, over everything the member wrote on the topic (a speech transcript puts a
sentence on each line): `theory_chars` of own theory in `theory_sentences` and `practice_anchors` anchors of own
practice → 3 学用结合, either → 2 阐述. A topic that is only named (a heading, a keyword or an alias in a
sentence, a slogan, a copied or quoted passage of its reference, or a sentence of theory or practice — own,
copied or quoted, not stock — plainly closer to it than to any other topic, in words not its own) → 1; when that
sentence is the member's own practice, its paragraph's practice counts for the topic. Slogans and copied text earn
no depth, however many keywords they stack.

The document's diagnosis follows from the same reading (`diagnose`), so it never contradicts the levels.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .. import lexicon as lx
from ..annotations import COPIED, EVIDENCE, GENERIC, HEADINGS, PARAGRAPHS, QUOTED, annotate
from ..submission import Submission
from ..model import LEVEL_NAMES, DiagnosisKind, EvidenceRole, Source, SourceKind
from ..messages import N_
from ..boilerplate.paragraph_kinds import PassageKind, passage_kinds
from .sentence_roles import SentenceRole, practice_anchors, reasoned, sentence_role
from ..util.textnorm import fold
from ..topiclist import Topic, TopicList

@dataclass(frozen=True)
class TopicConfig:
    """Thresholds of the topic matcher; similarities are cosines of the semantic layer's vectors."""

    heading_overlap: float = 0.5       # share of a topic title's character bigrams a heading must contain
    topic_margin: float = 0.25         # how far (in standard deviations of the document's similarities) a passage's closest topic
                                       # must stand above the next to be taken as what it is about
    strong_margin: float = 1.5         # … without naming any of its words
    context_weight: float = 0.25       # how much each neighbouring paragraph's similarities count (_in_context)
    slogan_chars: int = 50             # a sentence this long built on a topic's keyword is a slogan about it
    own_share: float = 0.5             # a sentence is the member's own when at least this share of it is
    theory_sentence_chars: int = 15    # a sentence of theory argues something; a shorter one only links
    theory_chars: int = 60             # own theory in a passage: at least this many characters of it …
    theory_sentences: int = 2          # … in this many sentences — one reflective line is too thin (阐述 argues)
    split_theory_share: float = 0.6    # of the body in own theory before 两张皮 can be said: a study note of
                                       # excerpts with a few reflections is not it (bench/fit_diagnosis.py)
    practice_anchors: int = 2          # own practice in a passage: this many concrete anchors (a figure and a
                                       # date, a case and a measure) — one figure alone can be a passing remark
    key_point_margin: float = 1.5      # how far above its mean a passage's similarity to a key point must stand
    mention_margin: float = 1.3        # how far (in standard deviations of the document's sentences × topics) a
                                       # sentence of theory or practice must stand closer to a topic than to any
                                       # other for the topic to count as named (提及) in words not its own; fitted
                                       # leave-one-batch-out by bench/fit_mention.py (a wrong 补学 costs 3 missed)
    mention_floor: float = 0.0         # the same lead, in the topic reader's own vectors, that a sentence must
                                       # give an open topic before the slower mention model may name it (0: the
                                       # reader reads an open topic as the sentence's closest). The reader is
                                       # distilled from it: the 11 documents it named in the labelled and 1,300
                                       # composed ones had a sentence 0.33 or more ahead (bench/mention_cascade.py),
                                       # and every sentence it named in the labelled and 1,000 composed ones was
                                       # itself 0 or more ahead for an open topic;
                                       # a higher floor saves more calls but risks a lost mention, i.e. a wrong 补学

    def __post_init__(self):
        for name in ("theory_sentence_chars", "theory_chars", "theory_sentences", "practice_anchors"):
            if getattr(self, name) < 1:
                raise ValueError(N_("专题设置：{name} 应不小于 1，而不是 {value}", name=name, value=getattr(self, name)))
        for name in ("heading_overlap", "own_share", "split_theory_share"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(N_("专题设置：{name} 应在 0 和 1 之间，而不是 {value}", name=name, value=value))


@dataclass
class TopicEvidence:
    """A passage that shows a topic's engagement: its role says how (heading, mention, slogan, elaboration,
    practice) or, for a passage mostly not the member's own, what it is (generic 套话, quoted 引用, copied 复制)."""

    start: int
    end: int
    text: str
    role: EvidenceRole


@dataclass
class TopicCoverage:
    topic_id: str
    level: int
    score: int
    key_points: list[int] = field(default_factory=list)   # indexes of the topic's key points engaged
    theory_only: bool = False
    practice_only: bool = False

    @property
    def coverage_level(self) -> str:
        return LEVEL_NAMES[self.level]


@dataclass
class Assessment:
    """What the matcher found in one submission: every topic's coverage, its evidence (topic id -> passages, in
    reading order) and the document's diagnosis."""

    topics: list[TopicCoverage]
    evidence: dict[str, list[TopicEvidence]]
    diagnoses: dict[str, dict | None]   # results.json's "diagnoses": DiagnosisKind -> {"title", "reason", "evidence"} or None


@dataclass
class _Paragraph:
    """A body paragraph as the matcher reads it: where it stands, what it names, and what of it is the member's
    own theory and own practice (the sentences that are neither copied, quoted nor stock)."""

    start: int
    end: int
    text: str
    frame: bool                   # the meeting the document reports, or its closing formula
    not_own: EvidenceRole | None  # what most of it is when most of it is not the member's: copied, quoted, generic
    section: str | None
    similarity: dict[str, float]
    keywords: dict[str, list[str]]
    aliases: dict[str, list[str]]
    theory: list[str] = field(default_factory=list)  # own sentences arguing an understanding
    content: list[tuple[int, int]] = field(default_factory=list)  # sentences of theory or practice, not stock
    anchors: int = 0              # concrete anchors in the member's own sentences of practice
    practice: list[tuple[int, int]] = field(default_factory=list)  # … and those sentences

    def named(self, topic: str) -> bool:
        return bool(self.keywords[topic] or self.aliases[topic])

    @property
    def own_content(self) -> bool:
        return bool(self.theory or self.anchors)


def _leads(sims: np.ndarray) -> np.ndarray:
    """Sentences × topics: how far each topic stands ahead of the closest other topic for that sentence (behind
    it when negative), in standard deviations of the document's sentences × topics, so no backend's scale matters."""
    return _gaps((sims - sims.mean()) / (float(sims.std()) or 1.0))


def _gaps(sims: np.ndarray) -> np.ndarray:
    """Sentences × topics: each topic's similarity minus the closest other topic's, in the matrix's own units."""
    top = np.sort(sims, axis=1)[:, -2:]
    closest_other = np.where(sims >= top[:, 1:], top[:, :1], top[:, 1:])
    return sims - closest_other


# Where the mention model stops reading a document, its bound is eased by this share, so that float32 rounding
# (some 1e-7 of a similarity) never rules out a sentence that the whole document's leads would name.
BOUND_SLACK = 1e-5


class TopicMatcher:
    """Scores one submission at a time against a topic list. `encoder` is the semantic layer's encoder (any
    object with `encode(texts) -> L2-normalized rows`) that reads which topic each passage is about; without one,
    only the lexical signals are used. `mention_encoder` (default: `encoder`) alone decides whether a topic that
    nothing else found was written about in words not its own (_semantic_mentions): a slower, stronger model is
    asked only there, and only for documents that leave a topic open, since its answer is the difference between
    提及 and a 补学."""

    def __init__(self, topics: TopicList, *, encoder=None, mention_encoder=None, config: TopicConfig | None = None,
                 reference_topics: dict[str, list[str]] | None = None):
        self.topics = list(topics)
        self.encoder = encoder
        self.mention_encoder = mention_encoder or encoder
        self.config = config or TopicConfig()
        # ref id -> the topics that study it, so copying or quoting a reference names its topics
        self.reference_topics = reference_topics or {r: [t.id for t in self.topics if r in t.references]
                                                     for t in self.topics for r in t.references}
        self._keywords = {t.id: sorted({fold(k) for k in t.keywords}, key=len, reverse=True) for t in self.topics}
        self._aliases = _aliases(self.topics)
        self._title_bigrams = {t.id: _bigrams(fold(t.title)) for t in self.topics}
        self._profiles = self._topic_profiles(encoder) if encoder is not None else None
        self._mention_profiles = (self._profiles if self.mention_encoder is encoder
                                  else self._topic_profiles(self.mention_encoder))
        points = [k for t in self.topics for k in t.key_points]
        self._key_point_vectors = encoder.encode(points, kind="passage") if encoder is not None and points else None
        self._key_point_index, at = {}, 0
        for t in self.topics:
            self._key_point_index[t.id], at = at, at + len(t.key_points)

    def _topic_profiles(self, encoder) -> np.ndarray:
        """One vector per topic: the mean of its title's and key points' vectors, renormalized."""
        rows = []
        for t in self.topics:
            texts = [t.title, *t.key_points] or [t.title]
            vectors = encoder.encode(texts, kind="passage")
            mean = vectors.mean(axis=0)
            rows.append(mean / (np.linalg.norm(mean) or 1.0))
        return np.vstack(rows)

    # --- evidence of one submission -------------------------------------------------------------------------

    def coverage(self, submission: Submission) -> list[TopicCoverage]:
        """Coverage of every topic (see assess)."""
        return self.assess(submission).topics

    def annotate(self, submission: Submission) -> None:
        """Assess the submission and write what was found on its Doc (pipeline.annotations): every topic's
        evidence as span group `evidence`, the topics' coverage and the diagnoses as Doc attributes."""
        assessment = self.assess(submission)
        doc = submission.doc
        annotate(doc, EVIDENCE, ((e.start, e.end, {"topic": topic, "role": e.role})
                                 for topic, found in assessment.evidence.items() for e in found))
        doc._.coverage = assessment.topics
        doc._.diagnoses = assessment.diagnoses  # read from the levels, so they never contradict them

    def assess(self, submission: Submission) -> "Assessment":
        """Coverage of every topic and the document's diagnosis, reading from the Doc what the detectors before
        found (pipeline.annotations): copied passages, attributed quotations and boilerplate. None of them is
        the member's own content, so none earns depth."""
        copied = [(*s._.chars, s._.source) for s in submission.spans(COPIED)]
        quoted = [(*s._.chars, s._.source) for s in submission.spans(QUOTED)]
        generic = [s._.chars for s in submission.spans(GENERIC)]
        masks = {}
        for name, spans in ((EvidenceRole.COPIED, copied), (EvidenceRole.QUOTED, quoted),
                            (EvidenceRole.GENERIC, generic)):
            mask = np.zeros(len(submission.text) + 1, dtype=bool)
            for start, end, *_ in spans:
                mask[start:end] = True
            masks[name] = mask
        paragraphs = self._paragraphs(submission, masks)
        found: dict[str, list[TopicEvidence]] = {t.id: [] for t in self.topics}
        own: dict[str, list[_Paragraph]] = {t.id: [] for t in self.topics}
        for heading in submission.spans(HEADINGS):
            topic = self._heading_topic(heading.text)
            if topic:
                found[topic].append(TopicEvidence(heading.start_char, heading.end_char, heading.text,
                                                  EvidenceRole.HEADING))
        for p in paragraphs:
            if p.frame:
                continue
            about = self._paragraph_topics(p)
            for topic in about:
                if p.own_content:
                    own[topic].append(p)
                else:
                    found[topic].append(TopicEvidence(p.start, p.end, p.text, p.not_own or EvidenceRole.MENTION))
            if not p.own_content:
                self._statement_mentions(p, found)
            else:
                # a passage outside any of its topics' sections that still names one of them
                for t in self.topics:
                    if p.named(t.id) and t.id not in about:
                        found[t.id].append(TopicEvidence(p.start, p.end, p.text, EvidenceRole.MENTION))
        for spans, role in ((copied, EvidenceRole.COPIED), (quoted, EvidenceRole.QUOTED)):
            for start, end, source in spans:
                if not _from_reference(source):
                    continue
                for topic in self.reference_topics.get(source.name, []):
                    found[topic].append(TopicEvidence(start, end, submission.text[start:end], role))
        self._semantic_mentions(submission.text, paragraphs, found, own,
                                unfound={t.id for t in self.topics if not found[t.id] and not own[t.id]})
        topics, evidence = [], {}
        for t in self.topics:
            coverage, evidence[t.id] = self._coverage(t, found[t.id], own[t.id])
            topics.append(coverage)
        return Assessment(topics, evidence, diagnose(topics, paragraphs, config=self.config, studied=sum(
            end - start for start, end, *_ in [*quoted, *(c for c in copied if _from_reference(c[2]))])))

    def _paragraphs(self, submission: Submission, masks: dict[str, np.ndarray]) -> list[_Paragraph]:
        headings = {h.start_char for h in submission.spans(HEADINGS)}
        body = [p for p in submission.spans(PARAGRAPHS) if p.label_ not in ("title", "byline")]
        texts = [submission.text[p.start_char:p.end_char] for p in body]  # a Span joins its tokens on every .text
        kinds = passage_kinds([None if p.start_char in headings else text for p, text in zip(body, texts)])
        not_own = np.logical_or.reduce(list(masks.values()))
        c = self.config
        section: str | None = None
        announced = False  # the section's topic comes from its heading, not from a paragraph
        out = []
        for p, text, kind in zip(body, texts, kinds):
            if kind is None:
                section = self._heading_topic(text) or (section if lx.is_subheading(text) else None)
                announced = section is not None
                continue
            named = [tid for tid, hits in self._keyword_hits(text).items() if hits]
            if not announced and len(named) == 1 and kind is not PassageKind.FRAME:
                section = named[0]  # a paragraph that names one topic opens it for the unheaded ones after it
            a, b = p.start_char, p.end_char
            share = {name: float(mask[a:b].mean()) for name, mask in masks.items()} if b > a else {}
            others = max(share, key=share.get) if share and float(not_own[a:b].mean()) > 1 - c.own_share else None
            folded = fold(text)
            aliases = {tid: [w for w in words if w in folded] for tid, words in self._aliases.items()}
            paragraph = _Paragraph(a, b, text, kind is PassageKind.FRAME, others, section, {},
                                   self._keyword_hits(text), aliases)
            self._read_own_words(paragraph, submission.text, not_own, masks.get(EvidenceRole.GENERIC))
            out.append(paragraph)
        if self.encoder is not None and out:
            sims = self.encoder.encode([p.text for p in out]) @ self._profiles.T
            rows = np.vstack([self._in_context(sims, out, i) for i in range(len(out))])
            # In standard deviations of all the document's similarities: a backend that packs every cosine into
            # a narrow band (e5: 0.88-0.94) must not turn a difference in the third decimal into a topic.
            rows = (rows - rows.mean()) / (float(rows.std()) or 1.0)
            for p, row in zip(out, rows):
                p.similarity = {t.id: float(v) for t, v in zip(self.topics, row)}
        return out

    def _read_own_words(self, p: _Paragraph, text: str, not_own: np.ndarray, generic: np.ndarray | None) -> None:
        """The member's own sentences of a paragraph that argue an understanding, and the concrete anchors of
        its own sentences of practice; and the sentences of theory or practice that are not stock (own, copied or
        quoted), which can name a topic."""
        c = self.config
        for a, b in lx.sentence_spans(text, p.start, p.end):
            sentence = text[a:b]
            found = practice_anchors(sentence)
            role = sentence_role(sentence, found, theory_chars=c.theory_sentence_chars)
            if role is not SentenceRole.OTHER and (generic is None or float(generic[a:b].mean()) <= 1 - c.own_share):
                p.content.append((a, b))
            if float(not_own[a:b].mean()) > 1 - c.own_share:
                continue
            if role is SentenceRole.PRACTICE:
                p.anchors += len(found)
                p.practice.append((a, b))
            elif role is SentenceRole.THEORY:
                p.theory.append(sentence)
        if p.anchors:
            # Beside one's own figures and measures, a plain sentence describes the work (its situation, its
            # problems); only reasoning or reflection there is theory.
            p.theory = [t for t in p.theory if reasoned(t)]

    def _in_context(self, sims: np.ndarray, paragraphs: list[_Paragraph], i: int) -> np.ndarray:
        """A paragraph's similarities read in context: blended with its neighbours' in the same section
        (`context_weight` each), since a run of paragraphs keeps to one subject more often than not."""
        row = sims[i].copy()
        weight = self.config.context_weight
        for j in (i - 1, i + 1):
            if 0 <= j < len(paragraphs) and paragraphs[j].section == paragraphs[i].section:
                row = row + weight * (sims[j] - sims[i])
        return row

    def _paragraph_topics(self, p: _Paragraph) -> list[str]:
        """The topics a paragraph is about (see the module docstring)."""
        topics = []
        closest = self._closest_topic(p)
        named = [tid for tid in p.keywords if p.named(tid)]
        for t in self.topics:
            if p.section == t.id:
                if not self._about_another_topic(p, t.id, closest):
                    topics.append(t.id)
            elif p.own_content and (
                len(p.keywords[t.id]) >= 2 or closest == t.id or (named == [t.id] and p.section is None)
            ):
                topics.append(t.id)
        return topics

    def _about_another_topic(self, p: _Paragraph, topic: str, closest: str | None) -> bool:
        """A paragraph under one topic's heading that names none of its words but is about another topic (two of
        its keywords, or semantically closest to it), or is own practice nearer another topic."""
        if p.named(topic):
            return False
        if closest not in (None, topic) or any(len(h) >= 2 for tid, h in p.keywords.items() if tid != topic):
            return True
        # own practice that names nothing of the section's topic and is plainly nearer another (by topic_margin, as
        # "closest" is read everywhere here): a work report filed under the heading, not practice of the topic; a
        # near tie stays with the heading the member put it under
        if not p.anchors or not p.similarity:
            return False
        nearest = max(p.similarity, key=p.similarity.get)
        return nearest != topic and p.similarity[nearest] - p.similarity[topic] >= self.config.topic_margin

    def _closest_topic(self, p: _Paragraph) -> str | None:
        """The topic a paragraph is semantically closest to, when it stands out from the next by `topic_margin`
        standard deviations of the document's similarities (paragraphs × topics, so the backend's scale does not
        matter) and the paragraph names it, or stands out by `strong_margin` without naming it."""
        if len(p.similarity) < 2:
            return None
        ranked = sorted(p.similarity.items(), key=lambda kv: kv[1], reverse=True)
        (best, first), (_, second) = ranked[0], ranked[1]
        margin = first - second
        if margin >= self.config.strong_margin or (margin >= self.config.topic_margin and p.named(best)):
            return best
        return None

    def _semantic_mentions(self, text: str, paragraphs: list[_Paragraph], found: dict[str, list[TopicEvidence]],
                           own: dict[str, list[_Paragraph]], unfound: set[str]) -> None:
        """A topic written about in words that are not its keywords is still named (提及, so no 补学): a sentence
        of theory or practice (the member's own, or copied or quoted: those name a topic too; not stock) plainly
        closer to it than to any other topic — by `mention_margin` standard deviations of the document's
        sentences × topics, so the backend's scale does not matter. Naming wrongly costs at most a missed 补学;
        failing to name accuses the member of not studying what they wrote about. Only the `unfound` topics (no
        other evidence) are asked about: for the others a mention changes nothing, and the model is not run when
        none is left open. Only a sentence that leans toward an open topic by `mention_floor` in the topic reader's
        vectors may be named (a slower mention model finds nothing plain in the others), and the model is not run
        when there is none; the others are read only as far as the document's scale needs them
        (_mention_similarities). A sentence so named that is the member's own practice makes its paragraph's
        practice (not its theory) the topic's own: the work filed under another heading is still work on this
        topic."""
        held = [(span, p) for p in paragraphs if not p.frame for span in p.content]  # each sentence, its paragraph
        if self.mention_encoder is None or not unfound or len(held) < 2 or len(self.topics) < 2:
            return
        texts = [text[a:b] for (a, b), _ in held]
        open_topics = [i for i, t in enumerate(self.topics) if t.id in unfound]
        proposed = np.arange(len(texts))
        if self.encoder is not None and self.mention_encoder is not self.encoder:
            # A cascade: the reader's vectors are cheap where the mention model's are not.
            leads = _leads(self.encoder.encode(texts) @ self._profiles.T)
            proposed = np.flatnonzero(leads[:, open_topics].max(axis=1) >= self.config.mention_floor)
            if not len(proposed):
                return
        sims = self._mention_similarities(texts, proposed, open_topics)
        if sims is None:
            return
        leads = _leads(sims)
        for i in proposed:
            (a, b), p = held[i]
            best = int(leads[i].argmax())
            if leads[i, best] >= self.config.mention_margin and best in open_topics:
                topic = self.topics[best].id
                found[topic].append(TopicEvidence(a, b, text[a:b], EvidenceRole.MENTION))
                if (a, b) in p.practice and all(q.start != p.start for q in own[topic]):  # its anchors count once
                    own[topic].append(replace(p, theory=[]))

    def _mention_similarities(self, texts: list[str], proposed: np.ndarray,
                              open_topics: list[int]) -> np.ndarray | None:
        """The mention model's sentences × topics similarities of the whole document, or None once no proposed
        sentence can reach `mention_margin`. The model reads the proposed sentences first, then the others, the
        share read doubling each round. A lead is a gap over the standard deviation of the whole matrix, and the
        rows read bound that deviation from below (law of total variance: all N cells' variance is at least the
        read n cells' variance times n/N); while the widest gap of a proposed sentence toward an open topic stays
        under the margin times that bound, no sentence can be named, so the rest is not read. A document where a
        mention is possible is read whole: the decisions are those of reading every sentence."""
        order = np.r_[proposed, np.setdiff1d(np.arange(len(texts)), proposed)]
        sims, widest, read = None, 0.0, 0
        while read < len(order):
            rows = order[read:read + max(read, len(proposed))]
            part = self.mention_encoder.encode([texts[i] for i in rows]) @ self._mention_profiles.T
            if sims is None:
                sims = np.empty((len(texts), len(self.topics)), dtype=part.dtype)
                widest = float(_gaps(part)[:, open_topics].max())  # the first round is the proposed sentences
            sims[rows] = part
            read += len(rows)
            if read < len(order):
                bound = np.sqrt(read / len(order)) * float(sims[order[:read]].std())
                if widest < self.config.mention_margin * bound * (1 - BOUND_SLACK):
                    return None
        return sims

    def _statement_mentions(self, p: _Paragraph, found: dict[str, list[TopicEvidence]]) -> None:
        """Short statements name a topic in passing (提及: a study report, a list, a pledge) or stack its keywords
        (a slogan); either way the topic is named, and no more."""
        offset = 0
        for sentence in lx.sentences(p.text):
            at = p.text.find(sentence, offset)
            offset = at + len(sentence)
            named = self._keyword_hits(sentence)
            folded = fold(sentence)
            for t in self.topics:
                if p.section == t.id:
                    continue  # already evidence of its own section
                hits = named[t.id] or [a for a in self._aliases[t.id] if a in folded]
                if not hits:
                    continue
                role = (EvidenceRole.SLOGAN if len(hits) >= 2 or len(sentence) >= self.config.slogan_chars
                        else EvidenceRole.MENTION)
                found[t.id].append(TopicEvidence(p.start + at, p.start + at + len(sentence), sentence, role))

    def _keyword_hits(self, text: str) -> dict[str, list[str]]:
        """Each topic's keywords found in the text, longest first, a keyword inside a longer one counted once."""
        folded = fold(text)
        out = {}
        for tid, keywords in self._keywords.items():
            taken = np.zeros(len(folded) + 1, dtype=bool)
            hits = []
            for k in keywords:
                i = folded.find(k)
                while i != -1:
                    if not taken[i:i + len(k)].any():
                        taken[i:i + len(k)] = True
                        hits.append(k)
                        break
                    i = folded.find(k, i + 1)
            out[tid] = hits
        return out

    def _heading_topic(self, heading: str) -> str | None:
        """The topic a heading announces: the one whose title it reproduces (most of the title's character
        bigrams), else the only topic whose keywords it names."""
        grams = _bigrams(fold(lx.strip_numbering(heading)))
        if not grams:
            return None
        best, score = None, 0.0
        for tid, title in self._title_bigrams.items():
            overlap = len(grams & title) / max(len(title), 1)
            if overlap > score:
                best, score = tid, overlap
        if score >= self.config.heading_overlap:
            return best
        named = [tid for tid, hits in self._keyword_hits(heading).items() if hits]
        return named[0] if len(named) == 1 else None

    # --- from evidence to a level ---------------------------------------------------------------------------

    def _coverage(self, topic: Topic, evidence: list[TopicEvidence],
                  own: list[_Paragraph]) -> tuple[TopicCoverage, list[TopicEvidence]]:
        """The coverage and the evidence of a topic. The level comes from the member's own words on the topic,
        taken together (a line of a speech transcript is a paragraph of its own): own theory is `theory_chars` in
        `theory_sentences`, own practice is `practice_anchors` concrete anchors; both → 学用结合, either → 阐述,
        anything else found → 提及."""
        c = self.config
        theory = [t for p in own for t in p.theory]
        held = {EvidenceRole.ELABORATION: sum(map(len, theory)) >= c.theory_chars and len(theory) >= c.theory_sentences,
                EvidenceRole.PRACTICE: sum(p.anchors for p in own) >= c.practice_anchors}
        for p in own:
            roles = [role for role, counts in ((EvidenceRole.ELABORATION, p.theory), (EvidenceRole.PRACTICE, p.anchors))
                     if counts and held[role]]
            evidence += [TopicEvidence(p.start, p.end, p.text, role) for role in roles or [EvidenceRole.MENTION]]
        roles = {role for role, ok in held.items() if ok}
        level = 3 if len(roles) == 2 else 2 if roles else 1 if evidence else 0
        key_points = self._key_points(topic, [e for e in evidence
                                              if e.role in (EvidenceRole.PRACTICE, EvidenceRole.ELABORATION)])
        score = 0 if level == 0 else min(100, 25 * level + round(25 * len(key_points) / max(len(topic.key_points), 1)))
        return TopicCoverage(topic.id, level, score, key_points, theory_only=roles == {EvidenceRole.ELABORATION},
                             practice_only=roles == {EvidenceRole.PRACTICE}), _dedupe(evidence)

    def _key_points(self, topic: Topic, own: list[TopicEvidence]) -> list[int]:
        """Key points the member's own text engages: a passage that names the key point's keywords, or whose
        similarity to the key point stands `key_point_margin` standard deviations above its similarities to
        all key points of the list (relative, so the backend's scale does not matter)."""
        if not own or not topic.key_points:
            return []
        engaged = set()
        if self.encoder is not None and self._key_point_vectors is not None:
            sims = self.encoder.encode([e.text for e in own]) @ self._key_point_vectors.T
            z = (sims - sims.mean(axis=1, keepdims=True)) / (sims.std(axis=1, keepdims=True) + 1e-9)
            first = self._key_point_index[topic.id]
            for i in range(len(topic.key_points)):
                if z[:, first + i].max() >= self.config.key_point_margin:
                    engaged.add(i)
        own_text = fold("".join(e.text for e in own))
        for i, point in enumerate(topic.key_points):
            words = [k for k in self._keywords[topic.id] if k in fold(point)]
            if any(k in own_text for k in words):
                engaged.add(i)
        return sorted(engaged)


def diagnose(topics: list[TopicCoverage], paragraphs: list[_Paragraph], *, studied: int,
             config: TopicConfig) -> dict[str, dict | None]:
    """The document's diagnosis, at most one, agreeing with its levels:

    - 学用“两张皮” (theory_without_practice): the member's own argued theory (reasoning or reflection in it, not
      a string of sayings), `split_theory_share` of the body or more (the document IS theory), and not one passage of the member's own practice anywhere (no paragraph with `practice_anchors`, no topic whose
      level rests on practice);
    - 以工作总结代替学习体会 (work_report_not_study): the member's own practice, and no theory at all: less own
      theory in the whole document than one topic's 阐述 needs, and less studied text (quoted, or copied from the
      quarter's materials: `studied` characters) than that too — a member who copies the theory did not hand
      in a work report instead (the copy is flagged). A topic at 学用结合 or resting on theory rules it out.
    """
    body = [p for p in paragraphs if not p.frame]
    theory = [p for p in body if p.theory]
    own_theory = [t for p in theory for t in p.theory]
    practice = [p for p in body if p.anchors >= config.practice_anchors]
    practised = bool(practice) or any(t.level == 3 or t.practice_only for t in topics)
    theorised = (sum(map(len, own_theory)) >= config.theory_chars and len(own_theory) >= config.theory_sentences
                 or any(t.level == 3 or t.theory_only for t in topics))
    out: dict[str, dict | None] = {kind.value: None for kind in DiagnosisKind}
    if not practised and theorised and any(map(reasoned, own_theory)) \
            and theory_share(paragraphs) >= config.split_theory_share:
        out[DiagnosisKind.THEORY_WITHOUT_PRACTICE.value] = {
            "title": DiagnosisKind.THEORY_WITHOUT_PRACTICE.title,
            "evidence": [_excerpt(p.text) for p in theory],
            "reason": f"有{len(theory)}段本人的理论阐述，却没有一处联系本人、本单位的具体做法、数据、案例和下一步打算",
        }
    elif practised and not theorised and studied < config.theory_chars:
        out[DiagnosisKind.WORK_REPORT_NOT_STUDY.value] = {
            "title": DiagnosisKind.WORK_REPORT_NOT_STUDY.title,
            "evidence": [_excerpt(p.text) for p in practice],
            "reason": f"{len(practice)}段写的是本单位的做法和数字，全文没有一段本人对所学理论的理解，也没有引用或摘录学习材料",
        }
    return out


def theory_share(paragraphs: list[_Paragraph]) -> float:
    """The share of the body's characters that are the member's own theory."""
    body = [p for p in paragraphs if not p.frame]
    return sum(len(t) for p in body for t in p.theory) / max(sum(len(p.text) for p in body), 1)


def _excerpt(text: str, limit: int = 80) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "……"


def _aliases(topics: list[Topic]) -> dict[str, list[str]]:
    """Other names of a topic's keywords, each one that no other topic's keywords, title or key points contain:
    - the four-character runs of its longer keywords (脱贫攻坚 of 巩固拓展脱贫攻坚成果);
    - the forms a keyword takes in the topic's own key points, four-character runs sharing three of a
      four-character keyword's characters (金融腐败 in a key point of the topic whose keyword is 金融反腐): the
      secretary who wrote the key points wrote the keyword the way running text says it.
    A passage naming one names the topic (提及) and tells which topic it is about."""
    folded = {t.id: [fold(k) for k in t.keywords] + [fold(t.title)] for t in topics}
    points = {t.id: [fold(k) for k in t.key_points] for t in topics}
    out = {}
    for t in topics:
        others = "|".join(w for tid, words in folded.items() if tid != t.id for w in words + points[tid])
        keywords = folded[t.id][:-1]
        runs = {k[i:i + 4] for k in keywords if len(k) >= 5 for i in range(len(k) - 3)}
        runs |= {p[i:i + 4] for p in points[t.id] for i in range(len(p) - 3)
                 if any(len(k) == 4 and len(set(p[i:i + 4]) & set(k)) >= 3 for k in keywords)}
        out[t.id] = sorted(r for r in runs if not lx.NOT_WORD.search(r) and r not in others and r not in keywords)
    return out


def _from_reference(source: Source | None) -> bool:
    return source is not None and source.kind is SourceKind.REF


def _bigrams(text: str) -> set[str]:
    text = lx.NOT_WORD.sub("", text)
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _dedupe(evidence: list[TopicEvidence]) -> list[TopicEvidence]:
    """Evidence in reading order, a passage once (its strongest role kept)."""
    rank = {role: i for i, role in enumerate(EvidenceRole)}  # EvidenceRole lists the roles strongest first
    best: dict[tuple[int, int], TopicEvidence] = {}
    for e in evidence:
        key = (e.start, e.end)
        if key not in best or rank[e.role] < rank[best[key].role]:
            best[key] = e
    return sorted(best.values(), key=lambda e: e.start)
