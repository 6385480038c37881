"""Boilerplate (套话) detection: which sentences of a submission are generic text or keyword-stuffed slogans, why,
in words a secretary can check.

A sentence is judged from what it carries, each signal a reason a secretary can check:

- stock formulations (`find_phrases`): the shipped list corpora/phrases/stock_phrases.txt, the standard 提法 of
  standard_formulations.txt, and phrases the batch itself repeats only in abstract sentences
  (`BoilerplateDetector.fit`: four-character and longer words found in `learned_min_docs` submissions and
  never next to a figure, date, place or first-person action);
- genre vocabulary (`genre_share`): the share of a sentence's words that are the all-purpose words of official
  writing (加强, 推动, 意识, 成效 …), idioms and set phrases (jieba's dictionary tags i and l: 未雨绸缪,
  齐抓共管) or stock formulations, rather than words about some matter;
- cross-document frequency (`SentenceIndex`): near-same sentences in other submissions or sources, by Jaccard
  similarity of character 4-gram shingles (Broder 1997, "On the resemblance and containment of documents");
- exhortation (`exhortation`): a sentence that opens with 要/必须, an imperative (坚持…, 加强…) or a generic
  addressee (各级党组织要), or that carries a modal verb further in;
- parallelism (`parallelism`): 排比 and 四字格 — clauses of one length sharing a frame (更高标准、更严要求);
- against it: concrete anchors (`concrete_anchors`: figures, dates, named places, first-person actions) rule a
  sentence out; quoted names (“一果一码”), narration of what happened (`narration`: 作了安排, 本次学习还涉及),
  shortcomings stated (`shortcomings`: 重视不够, 存在…问题), first-person reflection (`reflection`: 我体会,
  在我看来) and argument (`argument`: 如果…就, 看似…实际上) mark the member's own account and own thinking and
  lower the score.

Every signal adds a fixed weight (see `BoilerplateConfig`); a sentence whose score reaches `threshold` is flagged
as stock. A sentence naming `slogan_min_keywords` or more keywords of one topic, with nothing concrete and
nothing of the member's own, is a slogan (口号式堆砌) once the rest of it scores `slogan_threshold`. Title, byline,
headings, attributed quotations and the document's frame (the meeting it reports, the closing formula) are not
judged.

Fitting is a map and a reduce: `BoilerplateDetector.statistics` per partition of the batch (where its texts
are), `fit_statistics` to merge them; the fitted detector is then shared with whatever judges the documents.

The document diagnoses (学用“两张皮”, 以具体工作代替理论学习) follow from topic coverage (pipeline.topics.diagnose),
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

from spacy.tokens import Span

from .document import Submission
from .errors import ConfigError
from . import lexicon as lx
from .lexicon import find_phrases
from .passages import PassageKind, passage_kinds
from .segment import dictionary_size, standard_formulations
from .textnorm import fold
from .topiclist import Topic, TopicList

STOCK_PHRASES_FILE = lx.phrase_file("stock_phrases.txt")

# ---------------------------------------------------------------------------------------------------------------
# Vocabulary of the genre. GENRE_WORDS are the all-purpose words of official writing, usable about any matter:
# verbs of pushing and carrying out, adverbs of degree and resolve, abstract nouns of attitude, duty and result,
# and the addressees. FUNCTION_WORDS carry no meaning of their own and are left out of the share.

GENRE_WORDS = frozenset("""
加强 强化 推动 推进 提高 提升 增强 坚持 落实 贯彻 确保 深化 完善 健全 营造 形成 树立 保持 发挥 做到 抓好 抓实
促进 实现 坚定 牢记 践行 弘扬 发扬 坚守 把握 领会 认识 理解 学习 夯实 筑牢 守牢 压实 扛起 担负 履行 带头 示范
引领 聚焦 服务 保障 防范 化解 整治 纠治 解决 破解 补齐 巩固 拓展 优化 创新 改革 开创 开拓 谱写 书写 交出
取得 迈上 凝聚 汇聚 统一 激发 调动 树牢 增进 注重 重视 狠抓 体现 转化 贯穿 融入 结合 相结合 到位 见效 落地 统筹
协调 推 抓 干 做 学 用 抓住 落细 提振 锤炼 彰显 展现 投入 投身 奋斗 担当 作为 负责 尽责 争创 争当
切实 不断 持续 始终 全面 扎实 深入 积极 主动 努力 着力 大力 进一步 坚决 自觉 有效 真正 深刻 充分 高度 全力
奋力 勇于 敢于 善于 长期 时刻 牢牢 牢固 认真 严格 及时 更加 更 最 真 实 严 深 细 好 新 大 强 全 高 一道
工作 任务 目标 要求 部署 决策 精神 思想 意识 观念 理念 本领 能力 水平 作风 氛围 格局 局面 合力 成效 实效 成果
机制 制度 体系 责任 使命 定力 状态 姿态 导向 思维 站位 政治 理论 实践 行动 举措 措施 方向 基础 大局 全局 成色
答卷 台阶 征程 初心 信念 宗旨 纪律 规矩 底线 红线 事业 发展 建设 重点 难点 短板 弱项 问题 矛盾 风险 隐患 挑战
机遇 形势 时代 历史 未来 长远 当前 过程 环节 效能 质效 质量 标杆 表率 榜样 先锋 堡垒 旗帜 道路 原则 立场 观点
方法 规律 内涵 意义 要义 精髓 实质 价值 作用 地位 位置 突出 重要 紧迫 重大 根本 关键 主要 有关 相关 良好
实际 具体 动力 活力 保证 支撑 核心 中心 主线 全过程 各方面 各环节 新局面 新篇章 新台阶 新成效 新进展
干部 党员 群众 人民 基层 一线 组织 党组织 领导 班子 队伍 同志 部门 单位 上级 党 全体 广大 各级 各 各项 各类
""".split())
FUNCTION_WORDS = frozenset("""
的 了 和 与 及 以及 在 把 以 为 中 上 下 对 于 将 是 有 不 也 都 还 就 要 必须 等 我们 我 其 这 那 之 所 着 过 地 得
从 向 让 使 并 而 或 又 既 才 能 会 应 应当 务必 一定 不能 进 去 来 到 中去 起来 下去 上来 当中 之中 方面 一个 一项
一种 各种 一切 一些 好 个 种 项 再 更要 既要 又要 也要 只有 才能 通过 按照 根据 关于 对于 为了 围绕 同时 并且
""".split())

def words(text: str) -> tuple[str, ...]:
    """jieba words of a text that contain a Chinese character."""
    return _words(text, dictionary_size())


@lru_cache(maxsize=1 << 16)
def _words(text: str, dictionary_size: int) -> tuple[str, ...]:
    """Remembered per state of jieba's dictionary: fitting and judging a batch segment the same sentences, and
    stock sentences recur across documents."""
    import jieba

    return tuple(w for w in jieba.lcut(text) if lx.CJK.search(w))


def place_names(text: str) -> list[str]:
    """Named places: a word with a place suffix (滨江区, 白沙县) or a word followed by one (青石 镇, 东港 开发区),
    from jieba's segmentation, leaving out common nouns that end like one (乡村, 辖区, 全县)."""
    tokens = words(text)
    found = []
    for i, token in enumerate(tokens):
        if token in lx.GENERIC_PLACES:
            continue
        if len(token) >= 3 and token.endswith(lx.PLACE_SUFFIXES) and token[:-1] not in lx.GENERIC_PLACES:
            found.append(token)
        elif token in lx.PLACE_SUFFIXES and i > 0 and len(tokens[i - 1]) >= 2 and tokens[i - 1] + token not in lx.GENERIC_PLACES:
            found.append(tokens[i - 1] + token)
    return found


def concrete_anchors(text: str) -> list[str]:
    """What ties a sentence to one place and time: figures, dates and times, named places, first-person
    statements of what was done or planned (not a pledge to 继续/不断/进一步 do better). Any one of them means
    the sentence is not boilerplate."""
    anchors = [m.group(0) for m in lx.FIGURE.finditer(text)]
    anchors += [m.group(0) for m in lx.COUNTED.finditer(text)]
    anchors += [m.group(0) for m in lx.TIME.finditer(text)]
    anchors += place_names(text)
    anchors += [m.group(0) for m in lx.FIRST_PERSON_ACT.finditer(text)]
    anchors += [m.group(0)[: m.start("rest") - m.start()] for m in lx.FIRST_PERSON_PLAN.finditer(text)
                if not lx.PLEDGE.search(m.group("rest"))]
    return anchors


def quoted_names(text: str, known: Iterable[str] = ()) -> list[str]:
    """Terms in quotation marks, two to twelve characters, that are not in `known` (the standard formulations
    and stock phrases): programme and product names (“一果一码”) or the member's own coinage (“换挡”)."""
    known = set(known)
    return [m for m in re.findall(r"“([^“”]{2,12})”", text) if m not in known]


def exhortation(text: str) -> tuple[str | None, bool]:
    """The words that make a sentence an exhortation, and whether they open it: an imperative or modal opening
    (要…, 坚持…, 进一步…) or a generic addressee with a modal (各级党组织要, 我们要) opens it; a modal further in
    (…，必须…) does not. (None, False) if there is none."""
    opening = lx.GENERIC_ADDRESSEE.match(text) or lx.IMPERATIVE_OPENING.match(text)
    if opening:
        return opening.group(0), True
    modal = lx.MODAL.search(text)
    return (modal.group(0), False) if modal else (None, False)


def parallelism(text: str) -> list[str]:
    """排比 and 四字格: adjacent clauses of one length (2-8 characters) that share a character in the same place
    (更高标准、更严要求; 守土有责、守土负责), or three or more four-character clauses. Returns the clauses."""
    clauses = [c for c in lx.CLAUSE_SPLIT.split(text) if c]
    found: list[str] = []
    for a, b in zip(clauses, clauses[1:]):
        if len(a) == len(b) and 2 <= len(a) <= 8 and a != b and any(x == y for x, y in zip(a, b)):
            found.extend(c for c in (a, b) if c not in found)
    four = [c for c in clauses if len(c) == 4]
    if len(four) >= 3:
        found.extend(c for c in four if c not in found)
    return found


@lru_cache(maxsize=1)
def _word_tags() -> dict[str, str]:
    import jieba.posseg

    return jieba.posseg.dt.word_tag_tab


def formulaic(word: str) -> bool:
    """An idiom (成语, jieba dictionary tag i) or a set expression (习用语, tag l): 未雨绸缪, 齐抓共管."""
    return _word_tags().get(word) in ("i", "l")


def genre_share(text: str, phrases: Sequence[str], topic_phrases: Collection[str] = (), *,
                prior: float = 0.4, prior_words: float = 2.0) -> tuple[float, list[str]]:
    """The share of a sentence's meaningful words that belong to the genre, and the words that do not.
    `phrases` (folded, longest first) are found first: each counts as one content word if it is in
    `topic_phrases` (a topic's keywords) and as one genre word otherwise (stock formulations). The rest is cut
    by jieba; a word counts as genre when in GENRE_WORDS or `formulaic`, FUNCTION_WORDS are left out. The
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
        if w in FUNCTION_WORDS:
            continue
        if w in GENRE_WORDS or formulaic(w):
            genre += 1
        else:
            content.append(w)
    return (genre + prior * prior_words) / (genre + len(content) + prior_words), content


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
    shingle_chars: int = 4
    near_same_jaccard: float = 0.6         # two sentences this similar (shingle Jaccard) are "near-same"
    frequent_in: int = 2                   # near-same in this many other documents: full weight_frequent
    learned_min_docs: int = 3              # a word the batch repeats in this many submissions' abstract sentences
    learned_min_chars: int = 4             # … of at least this many characters
    # weights of the evidence, summed, and the thresholds of the sum
    weight_stock: float = 1.0              # per stock formulation, up to max_stock_counted
    max_stock_counted: int = 3
    weight_learned: float = 0.5            # per phrase the batch repeats, within the same cap
    weight_genre: float = 2.0              # at a genre_share of genre_full or more; 0 at genre_none; linear
    genre_none: float = 0.4                # between, and below genre_none down to -genre_floor times the
    genre_full: float = 0.8                # weight (a sentence of content words counts against boilerplate)
    genre_floor: float = 1.0
    weight_exhortation_opening: float = 1.0
    weight_exhortation_inside: float = 0.5
    weight_parallelism: float = 1.0
    weight_frequent: float = 1.5           # half of it for one other document
    weight_quoted_name: float = -1.0
    weight_narration: float = -1.5
    weight_shortcoming: float = -1.0       # per shortcoming stated, up to two
    weight_reflection: float = -2.0
    weight_argument: float = -1.5
    threshold: float = 1.5
    slogan_min_keywords: int = 2
    slogan_threshold: float = 1.0

    def __post_init__(self) -> None:
        if not Path(self.stock_phrases_file).is_file():
            raise ConfigError(f"stock phrase list {self.stock_phrases_file} is missing")
        if not 0 < self.near_same_jaccard <= 1:
            raise ConfigError(f"near_same_jaccard must be in (0, 1], not {self.near_same_jaccard}")
        if self.shingle_chars < 2:
            raise ConfigError(f"shingle_chars must be at least 2, not {self.shingle_chars}")
        for name in ("min_sentence_chars", "frequent_in", "learned_min_docs", "learned_min_chars",
                     "max_stock_counted", "slogan_min_keywords"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, not {getattr(self, name)}")
        if not 0 <= self.genre_none < self.genre_full <= 1:
            raise ConfigError(f"need 0 <= genre_none < genre_full <= 1, not {self.genre_none} and {self.genre_full}")
        if self.genre_floor < 0:
            raise ConfigError(f"genre_floor must not be negative, not {self.genre_floor}")
        if self.threshold <= 0 or self.slogan_threshold <= 0:
            raise ConfigError("threshold and slogan_threshold must be positive")


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


@dataclass
class SentenceEvidence:
    """What one sentence carries; its score, judgement and reasons follow from it."""

    stock: list[str] = field(default_factory=list)
    learned: list[str] = field(default_factory=list)
    genre_share: float = 0.0
    content_words: list[str] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)
    quoted: list[str] = field(default_factory=list)
    exhortation: str | None = None
    exhortation_opens: bool = False
    parallel: list[str] = field(default_factory=list)
    narration: str | None = None
    shortcomings: list[str] = field(default_factory=list)
    reflection: str | None = None
    argument: str | None = None
    same_in: int = 0                                    # other documents with a near-same sentence
    topic: Topic | None = None                          # the topic whose keywords it names most
    keywords: list[str] = field(default_factory=list)   # … and those keywords

    @property
    def own_voice(self) -> bool:
        """The member's own account or thinking: narration, a shortcoming stated, reflection, argument."""
        return bool(self.narration or self.shortcomings or self.reflection or self.argument)

    def score(self, c: BoilerplateConfig) -> float:
        """The weighted sum of the evidence (weights in BoilerplateConfig)."""
        stock = min(len(self.stock), c.max_stock_counted)
        learned = min(len(self.learned), c.max_stock_counted - stock)
        genre = min(max((self.genre_share - c.genre_none) / (c.genre_full - c.genre_none), -c.genre_floor), 1.0)
        frequent = 1.0 if self.same_in >= c.frequent_in else 0.5 if self.same_in else 0.0
        exhort = 0.0
        if self.exhortation:
            exhort = c.weight_exhortation_opening if self.exhortation_opens else c.weight_exhortation_inside
        return (
            c.weight_stock * stock
            + c.weight_learned * learned
            + c.weight_genre * genre
            + exhort
            + c.weight_parallelism * bool(self.parallel)
            + c.weight_frequent * frequent
            + c.weight_quoted_name * bool(self.quoted)
            + c.weight_narration * bool(self.narration)
            + c.weight_shortcoming * min(len(self.shortcomings), 2)
            + c.weight_reflection * bool(self.reflection)
            + c.weight_argument * bool(self.argument)
        )

    def judge(self, c: BoilerplateConfig) -> str | None:
        """"slogan", "stock" or None (not boilerplate)."""
        if self.anchors:
            return None
        score = self.score(c)
        if len(self.keywords) >= c.slogan_min_keywords and score >= c.slogan_threshold and not self.own_voice:
            return "slogan"
        return "stock" if score >= c.threshold else None

    def reasons(self, c: BoilerplateConfig, kind: str) -> list[str]:
        """Why the sentence is flagged, strongest first, in a secretary's words."""
        out = []
        if kind == "slogan":
            out.append(f"口号式堆砌：一句话里有{len(self.keywords)}个专题“{self.topic.title}”的关键词"
                       f"（{_quote_list(self.keywords)}），却没有一点具体内容")
        if self.same_in:
            out.append(f"套话：与另外{self.same_in}份材料中的句子几乎相同")
        if self.stock:
            verb = "堆砌" if len(self.stock) >= 3 else "用了"
            out.append(f"{verb}常见套语{len(self.stock)}处：{_quote_list(self.stock)}")
        if self.learned:
            out.append(f"用了本批多份材料反复出现的说法：{_quote_list(self.learned)}")
        if self.genre_share >= c.genre_none:
            out.append(f"约{round(self.genre_share * 100)}%的词是公文通用词，没有讲到具体的人和事")
        if self.parallel:
            out.append(f"排比、四字格凑句：{_quote_list(self.parallel[:4])}")
        if self.exhortation:
            out.append(f"泛泛号召（“{self.exhortation}……”），没有说由谁做、做什么、做到什么程度")
        out.append("没有数字、时间、地点、本单位做法或本人体会，放进哪篇材料都一样")
        return out


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

    def evidence(self, sentence: str, *, owner: str | None, topics: TopicList) -> SentenceEvidence:
        """Everything the judgement of one sentence (matching view) rests on. The member's-own signals
        (narration, shortcomings, reflection, argument) are looked for outside the stock phrases, so that
        查找不足 or 问题导向 count as stock and not as a diagnosis."""
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
        return SentenceEvidence(
            stock=stock,
            learned=learned,
            genre_share=share,
            content_words=content,
            anchors=concrete_anchors(sentence),
            quoted=quoted_names(sentence, terms.stock_and_topics),
            exhortation=exhort,
            exhortation_opens=opens,
            parallel=parallelism(sentence),
            narration=narration(rest),
            shortcomings=[] if exhort else shortcomings(rest),
            reflection=reflection(rest),
            argument=argument(rest),
            same_in=len(self.index.holders(sentence) - {owner}),
            topic=topic,
            keywords=keywords,
        )

    def detect(self, submission: Submission, *, topics: TopicList) -> BoilerplateReport:
        """Judge every sentence of the body and diagnose the document. Title, byline, headings, the opening
        frame (the meeting the document reports, pipeline.passages), sentences that are half or more attributed quotation and sentences holding a
        quotation's lead-in (总书记强调：“…) are not judged."""
        c = self.config
        doc = submission.doc
        passages = _body_passages(submission)
        not_judged = [(p.start_char, p.end_char) for p in doc.spans.get("paragraphs", [])
                      if p.label_ in ("title", "byline", "heading")]
        # The opening frame reports the meeting (facts, not 套话); a closing formula is judged like any sentence.
        not_judged += [(p.start_char, p.end_char) for p, kind in passages[:1] if kind is PassageKind.FRAME]
        quoted = [(q.start_char, q.end_char) for q in doc.spans.get("quotes", []) if q.label_ == "attributed"]
        leads = [(q.start_char, q.end_char) for q in doc.spans.get("quote_leads", [])]
        flags: list[GenericFlag] = []
        for sent in doc.sents:
            raw = sent.text
            start = sent.start_char + (len(raw) - len(raw.lstrip()))
            end = sent.start_char + len(raw.rstrip())
            if start >= end or any(a <= start and end <= b for a, b in not_judged):
                continue
            if _overlap(start, end, quoted) * 2 >= end - start or _overlap(start, end, leads):
                continue  # an attributed quotation is the speaker's words, not the member's boilerplate
            sentence = fold(submission.text[start:end])
            if len(sentence) < c.min_sentence_chars:
                continue
            e = self.evidence(sentence, owner=submission.doc_id, topics=topics)
            kind = e.judge(c)
            if kind:
                flags.append(GenericFlag(start, end, submission.text[start:end], e.reasons(c, kind), kind))
        flagged = sum(len(fold(f.text)) for f in flags)
        return BoilerplateReport(generic=flags, generic_ratio=flagged / max(submission.chars, 1))


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


def _overlap(start: int, end: int, spans: list[tuple[int, int]]) -> int:
    return sum(max(0, min(end, b) - max(start, a)) for a, b in spans)
