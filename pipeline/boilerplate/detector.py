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

The document diagnoses (学用“两张皮”, 以工作总结代替学习体会) follow from topic coverage (pipeline.topics.diagnose),
which reads the sentences this detector flags as not the member's own.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Collection, Iterable, Sequence

import jieba.posseg
from spacy.tokens import Span

from ..submission import Submission
from ..errors import ConfigError
from ..messages import N_
from .. import lexicon as lx
from ..lexicon import find_phrases
from .paragraph_kinds import PassageKind, passage_kinds
from ..segment import standard_formulations
from .words import place_names, words
from ..util.textnorm import fold
from ..topiclist import Topic, TopicList

STOCK_PHRASES_FILE = lx.phrase_file("stock_phrases.txt")

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


def shingles(text: str, size: int) -> set[str]:
    """Character `size`-grams of a sentence with punctuation dropped."""
    bare = lx.PUNCTUATION.sub("", text)
    if len(bare) <= size:
        return {bare} if bare else set()
    return {bare[i : i + size] for i in range(len(bare) - size + 1)}


# ---------------------------------------------------------------------------------------------------------------


@dataclass
class BoilerplateConfig:
    """Defaults for boilerplate detection. Lengths in characters of the matching view (textnorm.fold)."""

    stock_phrases_file: Path = STOCK_PHRASES_FILE
    min_sentence_chars: int = 8            # shorter sentences are not judged
    unpunctuated_line_chars: int = 40      # a line this short without an end mark is a title or heading
    shingle_chars: int = 4
    near_same_jaccard: float = 0.6         # two sentences this similar (shingle Jaccard) are "near-same"
    frequent_in: int = 2                   # near-same in this many other documents: full weight_frequent
    learned_min_docs: int = 3              # a word the batch repeats in this many submissions' abstract sentences
    learned_min_chars: int = 4             # … of at least this many characters
    # The judgement is a logistic score: bias + the sum of weight_X times feature X (SentenceEvidence.features),
    # flagged at `threshold` or more. The weights are fitted by bench/fit_boilerplate.py on the labelled batches
    # (and checked there leave-one-batch-out); the sign of each says which way the evidence points.
    max_stock_counted: int = 3             # stock formulations (and learned phrases) counted, at most
    max_per_cue: int = 2                   # shortcomings, saying frames, images, named methods counted, at most
    genre_none: float = 0.4                # genre share of the words: feature 0 here, 1 at genre_full, linear,
    genre_full: float = 0.8                # and down to -genre_floor below (a sentence of content words)
    genre_floor: float = 1.0
    content_cap: int = 8                   # content words counted, at most; the feature is their share of this
    short_chars: int = 24                  # a sentence this short (characters) is a saying's length
    methods_specific: int = 2              # a sentence naming this many forms of work, posts or schedules states
                                           # a concrete method or requirement (讲党课、办读书班; 组长…定期…)
    concrete_cap: int = 3                  # concrete clauses counted, at most; the feature is their share of this
    isolated_max_chars: int = 40           # isolation counts up to this length: a saying is short, while a long
                                           # sentence's unrepeated words are its details
    narration_min_content: int = 3         # narration counts with this many content words (what happened to what)
    bias: float = -3.16
    weight_stock: float = 1.45             # per stock formulation
    weight_learned: float = 0.98           # per phrase the batch repeats in abstract sentences
    weight_genre: float = 1.54             # all-purpose words of the genre
    weight_content: float = -1.09          # words about some matter (none of genre, function or topic words)
    weight_exhortation_opening: float = 2.60
    weight_exhortation_inside: float = -0.04
    weight_parallelism: float = 2.48       # share of the sentence in parallel clauses (排比, 对仗)
    weight_frequent: float = 0.18          # near-same in other documents (half for one)
    weight_quoted_name: float = -0.80      # a named programme or coinage in quotation marks
    weight_narration: float = -0.28        # what happened
    weight_shortcoming: float = -1.28      # per shortcoming stated, up to max_per_cue
    weight_reflection: float = -0.72       # first-person thinking (我体会)
    weight_argument: float = -1.25         # connectives of reasoning
    weight_own_act: float = 0.22           # first-person account of what was done or is planned
    weight_opening: float = -0.31          # the announcement of what follows
    weight_study_gain: float = 1.96        # the stock account of what the study gave
    weight_resolve: float = 0.99           # a first-person resolve about the future
    weight_saying: float = 1.83            # per frame of a set saying, up to max_per_cue
    weight_image: float = 1.73             # per image of a saying (心中, 脚下), up to max_per_cue
    weight_rhetoric: float = 2.60          # a turn to the audience or to the conclusion (同志们, 总之)
    weight_short: float = 0.54             # a sentence of a saying's length
    weight_isolated: float = 2.78          # its matter stands nowhere else in the document (a saying dropped in)
    weight_echo: float = 0.89              # adjacent clauses in one frame (对仗)
    weight_question: float = -0.48         # a question the member asks: own reasoning
    weight_concrete_clauses: float = -0.13 # clauses naming things without a word of the genre (a method's items)
    weight_named_method: float = 0.04      # per named form of work (党课, 报告会), up to max_per_cue
    weight_refers_back: float = -1.09      # a step of an argument (这…, 因此…), not a saying standing alone
    weight_closes_paragraph: float = 1.07  # where a paragraph's summing-up saying stands
    weight_edge_paragraph: float = 1.64    # where the opening and closing formulas and pledges stand
    threshold: float = -0.28
    slogan_min_keywords: int = 2           # a flagged sentence naming this many keywords of one topic is a slogan

    def __post_init__(self) -> None:
        if not Path(self.stock_phrases_file).is_file():
            raise ConfigError(N_("套话短语表 {path} 不存在", path=self.stock_phrases_file))
        if not 0 < self.near_same_jaccard <= 1:
            raise ConfigError(N_("套话设置：near_same_jaccard 应在 (0, 1] 之间，而不是 {value}", value=self.near_same_jaccard))
        if self.shingle_chars < 2:
            raise ConfigError(N_("套话设置：shingle_chars 应不小于 2，而不是 {value}", value=self.shingle_chars))
        for name in ("min_sentence_chars", "frequent_in", "learned_min_docs", "learned_min_chars",
                     "max_stock_counted", "max_per_cue", "slogan_min_keywords", "content_cap",
                     "short_chars", "concrete_cap", "methods_specific"):
            if getattr(self, name) < 1:
                raise ConfigError(N_("套话设置：{name} 应不小于 1，而不是 {value}", name=name, value=getattr(self, name)))
        if not 0 <= self.genre_none < self.genre_full <= 1:
            raise ConfigError(N_("套话设置：应满足 0 <= genre_none < genre_full <= 1，而不是 {none} 和 {full}",
                                 none=self.genre_none, full=self.genre_full))
        if self.genre_floor < 0:
            raise ConfigError(N_("套话设置：genre_floor 不能为负数，而不是 {value}", value=self.genre_floor))


def _longest_first(phrases: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(p for p in phrases if p), key=lambda p: (-len(p), p)))


class SentenceIndex:
    """Near-same sentences across documents: the owners of the indexed sentences whose character-shingle Jaccard
    similarity with a query is at least `jaccard`.

    Exact and linear in practice by prefix filtering (Chaudhuri, Ganti & Kaushik 2006, "A primitive operator for
    similarity joins"): with every shingle ranked rarest first, two shingle sets of Jaccard >= t share a shingle
    among the first |x| - ceil(t·|x|) + 1 of each, so only those prefixes are indexed and probed. A shingle that
    thousands of sentences share (习近平新) therefore never makes a candidate list long, as it would if every
    shingle were indexed. A sentence said by several documents is indexed once, with all its owners."""

    def __init__(self, owned: Iterable[tuple[str, str]], shingle_chars: int, jaccard: float):
        self.shingle_chars, self.jaccard = shingle_chars, jaccard
        owners: dict[str, set[str]] = defaultdict(set)
        for owner, sentence in owned:
            owners[sentence].add(owner)
        self.owners = [frozenset(o) for o in owners.values()]
        self.grams = [frozenset(shingles(sentence, shingle_chars)) for sentence in owners]
        frequency = Counter(g for grams in self.grams for g in grams)
        self.rank = {g: i for i, g in enumerate(sorted(frequency, key=lambda g: (frequency[g], g)))}
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, grams in enumerate(self.grams):
            for g in self._prefix(grams):
                self.postings[g].append(i)
        self._holders: dict[str, frozenset[str]] = {}

    def _prefix(self, grams: Collection[str]) -> list[str]:
        ordered = sorted(grams, key=lambda g: (self.rank.get(g, -1), g))  # a shingle never indexed is rarest
        must_share = math.ceil(self.jaccard * len(ordered) - 1e-9)
        return ordered[: len(ordered) - must_share + 1]

    def holders(self, sentence: str) -> frozenset[str]:
        """Owners of near-same sentences (the query's own owner included, if it was indexed)."""
        if sentence not in self._holders:
            query = frozenset(shingles(sentence, self.shingle_chars))
            found: set[str] = set()
            candidates = {i for g in self._prefix(query) for i in self.postings.get(g, ())}
            for i in candidates:
                shared = len(query & self.grams[i])
                if shared / (len(query) + len(self.grams[i]) - shared) >= self.jaccard:
                    found |= self.owners[i]
            self._holders[sentence] = frozenset(found)
        return self._holders[sentence]


# ---------------------------------------------------------------------------------------------------------------


@dataclass
class GenericFlag:
    """One flagged sentence: where it stands in the submission's text, and why it is boilerplate."""

    start: int
    end: int
    text: str
    reasons: list[str]
    kind: str  # "stock" | "slogan"

    def to_dict(self) -> dict:
        return {"text": self.text, "kind": self.kind, "reasons": list(self.reasons), "start": self.start, "end": self.end}


@dataclass
class BoilerplateReport:
    """One submission's boilerplate: the flagged sentences in text order and their share."""

    generic: list[GenericFlag]
    generic_ratio: float                         # flagged characters / all characters, white space excluded

    def to_dict(self) -> dict:
        return {"generic": [g.to_dict() for g in self.generic], "generic_ratio": round(self.generic_ratio, 4)}


FEATURES = ("stock", "learned", "genre", "content", "exhortation_opening", "exhortation_inside", "parallelism",
            "frequent", "quoted_name", "narration", "shortcoming", "reflection", "argument", "own_act",
            "opening", "study_gain", "resolve", "saying", "image", "rhetoric", "short", "isolated", "echo",
            "question", "concrete_clauses", "named_method", "refers_back", "closes_paragraph", "edge_paragraph")


@dataclass
class SentenceEvidence:
    """What one sentence carries; its features, score, judgement and reasons follow from it."""

    stock: list[str] = field(default_factory=list)
    learned: list[str] = field(default_factory=list)
    genre_share: float = 0.0
    content_words: list[str] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)
    quoted: list[str] = field(default_factory=list)
    exhortation: str | None = None
    exhortation_opens: bool = False
    parallel: list[str] = field(default_factory=list)
    parallel_share: float = 0.0                          # of the sentence's characters, in parallel clauses
    narration: str | None = None
    shortcomings: list[str] = field(default_factory=list)
    reflection: str | None = None
    argument: str | None = None
    own_acts: list[str] = field(default_factory=list)
    closing: str | None = None                           # closing formula of a speech or report
    opening: str | None = None                           # announcement of what follows
    study_gain: str | None = None
    resolve: str | None = None
    sayings: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    rhetoric: str | None = None
    chars: int = 0                                      # characters, punctuation left out
    echoes: list[str] = field(default_factory=list)     # what adjacent clauses both say (对仗)
    question: bool = False                              # asks (stock sentences assert)
    concrete: list[str] = field(default_factory=list)   # clauses naming things, no word of the genre
    methods: list[str] = field(default_factory=list)    # named forms of work (党课, 问卷调查)
    posts: list[str] = field(default_factory=list)      # who and how often (组长, 定期)
    refers_back: str | None = None                      # opens by taking up what came before (这…, 因此…)
    closes_paragraph: bool = False                      # the last sentence of its paragraph
    edge_paragraph: bool = False                        # in the first or last paragraph of the body
    isolated: float = 0.0                               # share of its content words found nowhere else in the document
    same_in: int = 0                                    # other documents with a near-same sentence
    topic: Topic | None = None                          # the topic whose keywords it names most
    keywords: list[str] = field(default_factory=list)   # … and those keywords

    @property
    def own_voice(self) -> bool:
        """The member's own account or thinking: narration, a shortcoming stated, reflection, argument."""
        return bool(self.narration or self.shortcomings or self.reflection or self.argument)

    def features(self, c: BoilerplateConfig) -> dict[str, float]:
        """The named features the score weighs (FEATURES), each 0 when absent."""
        stock = min(len(self.stock), c.max_stock_counted)
        return {
            "stock": stock,
            "learned": min(len(self.learned), c.max_stock_counted - stock),
            "genre": min(max((self.genre_share - c.genre_none) / (c.genre_full - c.genre_none), -c.genre_floor), 1.0),
            "content": min(len(self.content_words), c.content_cap) / c.content_cap,
            "exhortation_opening": float(bool(self.exhortation) and self.exhortation_opens),
            "exhortation_inside": float(bool(self.exhortation) and not self.exhortation_opens),
            "parallelism": self.parallel_share,
            "frequent": 1.0 if self.same_in >= c.frequent_in else 0.5 if self.same_in else 0.0,
            "quoted_name": float(bool(self.quoted)),
            "narration": float(bool(self.narration) and len(self.content_words) >= c.narration_min_content),
            "shortcoming": min(len(self.shortcomings), c.max_per_cue),
            "reflection": float(bool(self.reflection)),
            "argument": float(bool(self.argument)),
            "own_act": float(bool(self.own_acts)),
            "opening": float(bool(self.opening)),
            "study_gain": float(bool(self.study_gain)),
            "resolve": float(bool(self.resolve)),
            "saying": min(len(self.sayings), c.max_per_cue),
            "image": min(len(self.images), c.max_per_cue),
            "rhetoric": float(bool(self.rhetoric)),
            "short": float(self.chars <= c.short_chars),
            "isolated": self.isolated if self.chars <= c.isolated_max_chars else 0.0,
            "echo": float(bool(self.echoes)),
            "question": float(self.question),
            "concrete_clauses": min(len(self.concrete), c.concrete_cap) / c.concrete_cap,
            "named_method": min(len(self.methods), c.max_per_cue),
            "refers_back": float(bool(self.refers_back)),
            "closes_paragraph": float(self.closes_paragraph),
            "edge_paragraph": float(self.edge_paragraph),
        }

    def score(self, c: BoilerplateConfig) -> float:
        """bias + the weighted features (weights in BoilerplateConfig, fitted by bench/fit_boilerplate.py)."""
        return c.bias + sum(getattr(c, f"weight_{name}") * value for name, value in self.features(c).items())

    def judge(self, c: BoilerplateConfig) -> str | None:
        """"slogan", "stock" or None (not boilerplate)."""
        if self.anchors or len(self.methods) + len(self.posts) >= c.methods_specific:
            return None  # tied to a place and time, or a requirement naming its forms, who and how often
        if self.closing:
            return "stock"  # the closing courtesy is the genre's frame, whoever writes it
        if self.score(c) < c.threshold:
            return None
        return "slogan" if len(self.keywords) >= c.slogan_min_keywords and not self.own_voice else "stock"

    def reasons(self, c: BoilerplateConfig, kind: str) -> list[str]:
        """Why the sentence is flagged, in a secretary's words: the cues that raised its score, strongest first."""
        out = []
        if kind == "slogan":
            out.append(f"口号式堆砌：一句话里有{len(self.keywords)}个专题“{self.topic.title}”的关键词"
                       f"（{_quote_list(self.keywords)}），却没有一点具体内容")
        if self.closing:
            out.append(f"发言、报告结尾的客套格式（“{self.closing}”）")
        weights = self.features(c)
        raised = sorted((getattr(c, f"weight_{name}") * value, name) for name, value in weights.items())
        for contribution, name in reversed(raised):
            text = self._reason(name, c) if contribution > 0 else None
            if text and text not in out:
                out.append(text)
        out.append("没有数字、时间、地点、本单位做法或本人体会，放进哪篇材料都一样")
        return out

    def _reason(self, feature: str, c: BoilerplateConfig) -> str | None:
        """One raising cue in words, with what the sentence says that shows it."""
        if feature == "stock" and self.stock:
            verb = "堆砌" if len(self.stock) >= 3 else "用了"
            return f"{verb}常见套语{len(self.stock)}处：{_quote_list(self.stock)}"
        if feature == "learned" and self.learned:
            return f"用了本批多份材料反复出现的说法：{_quote_list(self.learned)}"
        if feature == "genre":
            return f"约{round(self.genre_share * 100)}%的词是公文通用词，没有讲到具体的人和事"
        if feature.startswith("exhortation") and self.exhortation:
            return f"泛泛号召（“{self.exhortation}……”），没有说由谁做、做什么、做到什么程度"
        if feature == "parallelism" and self.parallel:
            return f"排比、对仗凑句：{_quote_list(self.parallel[:4])}"
        if feature == "echo" and self.echoes:
            return f"前后分句套用同一句式（都说{_quote_list(self.echoes)}）"
        if feature in ("saying", "image") and (self.sayings or self.images):
            return f"警句式的现成说法（{_quote_list(self.sayings + self.images)}），换个单位、换个题目也能用"
        if feature == "frequent" and self.same_in:
            return f"套话：与另外{self.same_in}份材料中的句子几乎相同"
        if feature == "opening" and self.opening:
            return f"发言开头的客套格式（“{self.opening}”）"
        if feature == "study_gain" and self.study_gain:
            return f"学习收获的固定说法（“{self.study_gain}”），没有说学到了什么"
        if feature == "resolve" and self.resolve:
            return f"表态式的决心（“{self.resolve}……”），没有说具体做什么"
        if feature == "rhetoric" and self.rhetoric:
            return f"“{self.rhetoric}”起头的号召或总结，多是现成的收束语"
        if feature == "isolated" and self.isolated:
            return "句中的说法在全文别处都没有出现，与上下文不相干，像是套上去的现成句子"
        if feature in ("closes_paragraph", "edge_paragraph"):
            return "位于段落或全文的开头、结尾，正是套话常放的位置"
        return None


def _quote_list(items: Sequence[str], limit: int = 6) -> str:
    shown = "、".join(f"“{x}”" for x in items[:limit])
    return shown + ("等" if len(items) > limit else "")


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


@dataclass
class BatchStatistics:
    """What BoilerplateDetector.fit learns from a set of texts: their sentences (owner, matching view), the
    submissions each long word stands in in abstract sentences, and the words seen next to a concrete anchor.
    Partitions of a batch each compute theirs (in parallel, on other machines); fit_statistics merges them."""

    sentences: list[tuple[str, str]]
    docs_with: dict[str, set[str]]
    anchored: set[str]


class BoilerplateDetector:
    """Flag generic sentences and slogans in submissions. `fit` learns the batch's sentence frequencies and
    repeated phrases; `detect` judges one submission against them and the quarter's topics."""

    def __init__(self, config: BoilerplateConfig | None = None):
        self.config = config or BoilerplateConfig()
        c = self.config
        self.stock = _longest_first(tuple(fold(p) for p in lx.phrase_list(Path(c.stock_phrases_file))) + tuple(fold(p) for p in standard_formulations()))
        self.learned: tuple[str, ...] = ()
        self.index = SentenceIndex((), c.shingle_chars, c.near_same_jaccard)
        self._terms: dict[TopicList, _Terms] = {}

    def fit(self, submissions: Sequence[Submission], *, sources: Sequence[str] = ()) -> "BoilerplateDetector":
        """Index every sentence of the submissions (owner = doc_id) and of the source texts (owner = source:N)
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
        self.index = SentenceIndex(merged.sentences, c.shingle_chars, c.near_same_jaccard)
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
            same_in=len(self.index.holders(sentence) - {owner}),
            topic=topic,
            keywords=keywords,
        )

    def detect(self, submission: Submission, *, topics: TopicList) -> BoilerplateReport:
        """Judge every sentence of the body. Title, byline, headings, the opening
        frame (the meeting the document reports, pipeline.passages), sentences that are half or more attributed quotation and sentences holding a
        quotation's lead-in (总书记强调：“…) are not judged."""
        c = self.config
        passages = _body_passages(submission)
        flags: list[GenericFlag] = []
        for start, end, e in self.sentence_evidence(submission, topics=topics, passages=passages):
            kind = e.judge(c)
            if kind:
                flags.append(GenericFlag(start, end, submission.text[start:end], e.reasons(c, kind), kind))
        flagged = sum(len(fold(f.text)) for f in flags)
        return BoilerplateReport(generic=flags, generic_ratio=flagged / max(submission.chars, 1))

    def sentence_evidence(self, submission: Submission, *, topics: TopicList,
                          passages: list[tuple[Span, PassageKind]] | None = None
                          ) -> list[tuple[int, int, SentenceEvidence]]:
        """(start, end, evidence) of every judged sentence, read in its document: the rest of the document for
        `isolated`, and whether it closes its paragraph or stands in the first or last paragraph of the body."""
        spans = self.judged_sentences(submission, passages)
        paragraphs = [(p.start_char, p.end_char) for p in submission.doc.spans.get("paragraphs", [])
                      if p.label_ not in ("title", "byline", "heading", "table_row")]
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

    def judged_sentences(self, submission: Submission,
                         passages: list[tuple[Span, PassageKind]] | None = None) -> list[tuple[int, int]]:
        """(start, end) of the body sentences that are judged: not the title, byline or a heading, not the
        opening frame, not an attributed quotation or its lead-in, not shorter than min_sentence_chars."""
        c = self.config
        doc = submission.doc
        passages = _body_passages(submission) if passages is None else passages
        not_judged = [(p.start_char, p.end_char) for p in doc.spans.get("paragraphs", [])
                      if p.label_ in ("title", "byline", "heading")]
        # The opening frame reports the meeting (facts, not 套话); a closing formula is judged like any sentence.
        not_judged += [(p.start_char, p.end_char) for p, kind in passages[:1] if kind is PassageKind.FRAME]
        quoted = [(q.start_char, q.end_char) for q in doc.spans.get("quotes", []) if q.label_ == "attributed"]
        leads = [(q.start_char, q.end_char) for q in doc.spans.get("quote_leads", [])]
        out = []
        for sent in doc.sents:
            raw = sent.text
            start = sent.start_char + (len(raw) - len(raw.lstrip()))
            end = sent.start_char + len(raw.rstrip())
            if start >= end or any(a <= start and end <= b for a, b in not_judged):
                continue
            if _overlap(start, end, quoted) * 2 >= end - start or _overlap(start, end, leads):
                continue  # an attributed quotation is the speaker's words, not the member's boilerplate
            sentence = fold(submission.text[start:end])
            if sentence.endswith(":") or lx.POINT_HEADING.match(sentence):
                continue  # a salutation (各位领导：), a lead-in or an item's heading: the structure of the text
            if len(sentence) <= c.unpunctuated_line_chars and not lx.SENTENCE_END_MARK.search(sentence):
                continue  # a short line with no end mark: a title or heading the layout did not tell
            if _opens_a_quotation(sentence):
                continue  # 总书记强调，要做到“…； — the quotation goes on past the sentence's end
            if len(sentence) >= c.min_sentence_chars:
                out.append((start, end))
        return out



def _body_passages(submission: Submission) -> list[tuple[Span, PassageKind]]:
    """Body paragraphs with their passage kind (pipeline.passages, which reads them in their sections); the
    first and last may be the frame."""
    headings = {h.start_char for h in submission.doc.spans.get("headings", [])}
    text = submission.text  # sliced, since a Span joins its tokens anew on every .text
    # A table's rows are data the text around them discusses, not paragraphs of their own.
    body = [p for p in submission.doc.spans.get("paragraphs", [])
            if p.label_ not in ("title", "byline", "table_row") and text[p.start_char:p.end_char].strip()]
    kinds = passage_kinds([None if p.start_char in headings else text[p.start_char:p.end_char].strip() for p in body])
    return [(p, kind) for p, kind in zip(body, kinds) if kind is not None]


def _opens_a_quotation(sentence: str) -> bool:
    """An attributed quotation opens in the sentence and is not closed in it."""
    mark = sentence.rfind("“")
    return mark > 0 and "”" not in sentence[mark:] and bool(lx.ATTRIBUTION.search(sentence[:mark]))


def _overlap(start: int, end: int, spans: list[tuple[int, int]]) -> int:
    return sum(max(0, min(end, b) - max(start, a)) for a, b in spans)
