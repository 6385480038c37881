"""Topic coverage: for every required topic, how deeply a submission engaged with it, and the evidence.

Levels (shared/eval/README.md): 0 未涉及; 1 提及 — named only, in passing, in slogans, or only in copied or
quoted text; 2 阐述 — the member's own elaboration of the theory OR its practice; 3 学用结合 — own theory AND
concrete practice.

Method, per paragraph of the submission:
1. Which topic it is about. A numbered heading opens a section; the heading is matched to the topic whose title
   it shares most characters with. A paragraph counts for a topic when it stands in that topic's section and
   its words relate to the topic (a keyword, or semantic similarity to the topic's title and key points above
   `related_similarity`), or, anywhere, when it names two or more of the topic's keywords or is semantically
   very close to it (`strong_similarity`).
2. What kind of writing it is (`passages.passage_kind`): own concrete practice (figures plus problems or next
   steps), an elaboration (an argued, multi-sentence passage without figures), a work report, the document's
   frame, or a short statement.
3. Whose words they are: characters the copy detector found copied, and attributed quotations, are not the
   member's own; a paragraph that is mostly not own earns no depth.
Depth then follows the rules: own practice and own elaboration of a topic → 3, either → 2. A topic that is only
named (a heading, a sentence that names it while reporting one's study, a keyword-stuffed slogan, a copied or
quoted passage of its reference) → 1. Counting keywords alone is not the method: a slogan dense with a topic's
words is a short statement and earns 1 at most, and a work report earns nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from . import lexicon as lx
from .document import Submission
from .levels import LEVEL_NAMES
from .passages import PassageKind, passage_kinds
from .textnorm import fold
from .topiclist import Topic, TopicList

@dataclass(frozen=True)
class TopicConfig:
    """Thresholds of the topic matcher; similarities are cosines of the semantic layer's vectors."""

    heading_overlap: float = 0.5       # share of a topic title's character bigrams a heading must contain
    topic_margin: float = 0.25         # how far (in standard deviations over topics) a passage's closest topic
                                       # must stand above the next to be taken as what it is about
    strong_margin: float = 1.5         # … without naming any of its words
    context_weight: float = 0.25       # how much each neighbouring paragraph's similarities count (_in_context)
    slogan_chars: int = 50             # a sentence this long built on a topic's keyword is a slogan about it
    own_share: float = 0.5             # a paragraph earns depth only when at least this share is the member's own
    key_point_margin: float = 1.5      # how far above its mean a passage's similarity to a key point must stand

    def __post_init__(self):
        for name in ("heading_overlap", "own_share"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"TopicConfig.{name} must be between 0 and 1, got {value}")


@dataclass
class TopicEvidence:
    """A passage that shows a topic's engagement: its role says how (heading, mention, slogan, elaboration,
    practice, copied, quoted)."""

    start: int
    end: int
    text: str
    role: str

    def to_dict(self) -> dict:
        return {"text": self.text, "role": self.role, "start": self.start, "end": self.end}


@dataclass
class TopicCoverage:
    topic_id: str
    level: int
    score: int
    evidence: list[TopicEvidence] = field(default_factory=list)
    key_points: list[int] = field(default_factory=list)   # indexes of the topic's key points engaged
    theory_only: bool = False
    practice_only: bool = False

    @property
    def coverage_level(self) -> str:
        return LEVEL_NAMES[self.level]

    def to_dict(self) -> dict:
        return {
            "topic_id": self.topic_id,
            "level": self.level,
            "level_name": self.coverage_level,
            "score": self.score,
            "evidence": [e.to_dict() for e in self.evidence],
            "key_points_engaged": self.key_points,
            "theory_only": self.theory_only,
            "practice_only": self.practice_only,
        }


@dataclass
class _Paragraph:
    start: int
    end: int
    text: str
    kind: PassageKind
    own_share: float
    section: str | None
    similarity: dict[str, float]
    keywords: dict[str, list[str]]
    aliases: dict[str, list[str]]

    def named(self, topic: str) -> bool:
        return bool(self.keywords[topic] or self.aliases[topic])


class TopicMatcher:
    """Scores one submission at a time against a topic list. `encoder` is the semantic layer's encoder (any
    object with `encode(texts) -> L2-normalized rows`); without one, only the lexical signals are used."""

    def __init__(self, topics: TopicList, *, encoder=None, config: TopicConfig | None = None,
                 reference_topics: dict[str, list[str]] | None = None):
        self.topics = list(topics)
        self.encoder = encoder
        self.config = config or TopicConfig()
        # ref id -> the topics that study it, so copying or quoting a reference names its topics
        self.reference_topics = reference_topics or {r: [t.id for t in self.topics if r in t.references]
                                                     for t in self.topics for r in t.references}
        self._keywords = {t.id: sorted({fold(k) for k in t.keywords}, key=len, reverse=True) for t in self.topics}
        self._aliases = _aliases(self.topics)
        self._title_bigrams = {t.id: _bigrams(fold(t.title)) for t in self.topics}
        self._profiles = self._topic_profiles() if encoder is not None else None
        points = [k for t in self.topics for k in t.key_points]
        self._key_point_vectors = encoder.encode(points, kind="passage") if encoder is not None and points else None
        self._key_point_index, at = {}, 0
        for t in self.topics:
            self._key_point_index[t.id], at = at, at + len(t.key_points)

    def _topic_profiles(self) -> np.ndarray:
        """One vector per topic: the mean of its title's and key points' vectors, renormalized."""
        rows = []
        for t in self.topics:
            texts = [t.title, *t.key_points] or [t.title]
            vectors = self.encoder.encode(texts, kind="passage")
            mean = vectors.mean(axis=0)
            rows.append(mean / (np.linalg.norm(mean) or 1.0))
        return np.vstack(rows)

    # --- evidence of one submission -------------------------------------------------------------------------

    def coverage(self, submission: Submission, *, copied: Sequence[tuple[int, int, str]] = (),
                 quoted: Sequence[tuple[int, int, str | None]] = (),
                 generic: Sequence[tuple[int, int]] = ()) -> list[TopicCoverage]:
        """Coverage of every topic. `copied` are (start, end, source) spans the copy detector found;
        `quoted` are (start, end, source ref or None) attributed quotations; `generic` are (start, end) spans of
        boilerplate. None of them is the member's own content, so none earns depth."""
        not_own = np.zeros(len(submission.text) + 1, dtype=bool)
        for start, end, *_ in list(copied) + list(quoted) + list(generic):
            not_own[start:end] = True
        paragraphs = self._paragraphs(submission, not_own)
        found: dict[str, list[TopicEvidence]] = {t.id: [] for t in self.topics}
        depth: dict[str, set[str]] = {t.id: set() for t in self.topics}
        for heading in submission.spans("headings"):
            topic = self._heading_topic(heading.text)
            if topic:
                found[topic].append(TopicEvidence(heading.start_char, heading.end_char, heading.text, "heading"))
        for p in paragraphs:
            about = self._paragraph_topics(p)
            for topic in about:
                if p.kind in (PassageKind.PRACTICE, PassageKind.ELABORATION) and p.own_share >= self.config.own_share:
                    role = "practice" if p.kind == PassageKind.PRACTICE else "elaboration"
                    depth[topic].add(role)
                    found[topic].append(TopicEvidence(p.start, p.end, p.text, role))
                elif p.kind not in (PassageKind.WORK_REPORT, PassageKind.FRAME):
                    found[topic].append(TopicEvidence(p.start, p.end, p.text, "copied" if p.own_share < 0.5 else "mention"))
            if p.kind == PassageKind.STATEMENT:
                self._statement_mentions(p, found)
            elif p.kind in (PassageKind.PRACTICE, PassageKind.ELABORATION):
                # a passage outside any of its topics' sections that still names one of them
                for t in self.topics:
                    if p.keywords[t.id] and t.id not in about:
                        found[t.id].append(TopicEvidence(p.start, p.end, p.text, "mention"))
        for spans, role in ((copied, "copied"), (quoted, "quoted")):
            for start, end, source in spans:
                ref = source.split(":", 1)[1] if source and source.startswith("ref:") else source
                for topic in self.reference_topics.get(ref or "", []):
                    found[topic].append(TopicEvidence(start, end, submission.text[start:end], role))
        return [self._coverage(t, found[t.id], depth[t.id], paragraphs) for t in self.topics]

    def _paragraphs(self, submission: Submission, not_own: np.ndarray) -> list[_Paragraph]:
        headings = {h.start_char for h in submission.spans("headings")}
        body = [p for p in submission.spans("paragraphs") if p.label_ not in ("title", "byline")]
        texts = [submission.text[p.start_char:p.end_char] for p in body]  # a Span joins its tokens on every .text
        kinds = passage_kinds([None if p.start_char in headings else text for p, text in zip(body, texts)])
        section: str | None = None
        out = []
        for p, text, kind in zip(body, texts, kinds):
            if kind is None:
                section = self._heading_topic(text) or (section if lx.is_subheading(text) else None)
                continue
            own = 1.0 - float(not_own[p.start_char:p.end_char].mean()) if p.end_char > p.start_char else 0.0
            folded = fold(text)
            aliases = {tid: [a for a in words if a in folded] for tid, words in self._aliases.items()}
            out.append(_Paragraph(p.start_char, p.end_char, text, kind, own, section, {},
                                  self._keyword_hits(text), aliases))
        if self.encoder is not None and out:
            sims = self.encoder.encode([p.text for p in out]) @ self._profiles.T
            for i, p in enumerate(out):
                p.similarity = {t.id: float(s) for t, s in zip(self.topics, self._in_context(sims, out, i))}
        return out

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
            elif p.kind in (PassageKind.PRACTICE, PassageKind.ELABORATION) and (
                len(p.keywords[t.id]) >= 2 or named == [t.id] or closest == t.id
            ):
                topics.append(t.id)
        return topics

    def _about_another_topic(self, p: _Paragraph, topic: str, closest: str | None) -> bool:
        """A paragraph under one topic's heading that names none of its words but is plainly about another
        topic (two of its keywords, or semantically closest to it)."""
        if p.named(topic):
            return False
        return closest not in (None, topic) or any(len(h) >= 2 for tid, h in p.keywords.items() if tid != topic)

    def _closest_topic(self, p: _Paragraph) -> str | None:
        """The topic a paragraph is semantically closest to, when it stands out from the next by `topic_margin`
        standard deviations of its similarities to all topics (so the backend's scale does not matter) and the
        paragraph names it, or stands out by `strong_margin` without naming it."""
        if len(p.similarity) < 2:
            return None
        ranked = sorted(p.similarity.items(), key=lambda kv: kv[1], reverse=True)
        spread = float(np.std([v for _, v in ranked])) or 1.0
        (best, first), (_, second) = ranked[0], ranked[1]
        margin = (first - second) / spread
        if margin >= self.config.strong_margin or (margin >= self.config.topic_margin and p.named(best)):
            return best
        return None

    def _statement_mentions(self, p: _Paragraph, found: dict[str, list[TopicEvidence]]) -> None:
        """Short statements name a topic in passing (a study report) or stack its keywords (a slogan)."""
        offset = 0
        for sentence in lx.sentences(p.text):
            at = p.text.find(sentence, offset)
            offset = at + len(sentence)
            named = self._keyword_hits(sentence)
            for t in self.topics:
                if p.section == t.id:
                    continue  # already evidence of its own section
                hits = named[t.id]
                if len(hits) >= 2 or (hits and len(sentence) >= self.config.slogan_chars):
                    role = "slogan"
                elif hits and lx.STUDY_STATEMENT.search(sentence.replace(hits[0], "")):
                    role = "mention"
                else:
                    continue
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

    def _coverage(self, topic: Topic, evidence: list[TopicEvidence], roles: set[str], paragraphs: list[_Paragraph]) -> TopicCoverage:
        if {"practice", "elaboration"} <= roles:
            level = 3
        elif roles:
            level = 2
        else:
            level = 1 if evidence else 0
        key_points = self._key_points(topic, [e for e in evidence if e.role in ("practice", "elaboration")])
        score = 0 if level == 0 else min(100, 25 * level + round(25 * len(key_points) / max(len(topic.key_points), 1)))
        evidence = _dedupe(evidence)
        return TopicCoverage(topic.id, level, score, evidence, key_points,
                             theory_only=roles == {"elaboration"}, practice_only=roles == {"practice"})

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


def _aliases(topics: list[Topic]) -> dict[str, list[str]]:
    """Shorter names of a topic's keywords: the four-character runs of its longer keywords (脱贫攻坚 of
    巩固拓展脱贫攻坚成果) that no other topic's keywords or title contain. They tell which topic a passage is
    about, but never on their own count as naming a topic."""
    folded = {t.id: [fold(k) for k in t.keywords] + [fold(t.title)] for t in topics}
    out = {}
    for t in topics:
        others = "|".join(w for tid, words in folded.items() if tid != t.id for w in words)
        runs = {k[i:i + 4] for k in folded[t.id][:-1] if len(k) >= 5 for i in range(len(k) - 3)}
        out[t.id] = sorted(r for r in runs if r not in others and r not in folded[t.id][:-1])
    return out


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[^\u4e00-\u9fff0-9A-Za-z]", "", text)
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _dedupe(evidence: list[TopicEvidence]) -> list[TopicEvidence]:
    """Evidence in reading order, a passage once (its strongest role kept)."""
    rank = {"practice": 0, "elaboration": 1, "heading": 2, "slogan": 3, "mention": 4, "quoted": 5, "copied": 6}
    best: dict[tuple[int, int], TopicEvidence] = {}
    for e in evidence:
        key = (e.start, e.end)
        if key not in best or rank[e.role] < rank[best[key].role]:
            best[key] = e
    return sorted(best.values(), key=lambda e: e.start)
