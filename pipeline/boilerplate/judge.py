"""The judgement of one sentence: its evidence (SentenceEvidence, the cues it carries), the named features the
logistic score weighs (FEATURES), the score against BoilerplateConfig's weights and threshold, and the reasons
in words a secretary can check."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from .. import lexicon as lx
from ..errors import ConfigError
from ..messages import N_
from ..topiclist import Topic


STOCK_PHRASES_FILE = lx.phrase_file("stock_phrases.txt")


@dataclass
class BoilerplateConfig:
    """Defaults for boilerplate detection. Lengths in characters of the matching view (textnorm.fold)."""

    stock_phrases_file: Path = STOCK_PHRASES_FILE
    min_sentence_chars: int = 8            # shorter sentences are not judged (a closing courtesy is)
    unpunctuated_line_chars: int = 40      # a line this short without an end mark is a title or heading
    shingle_chars: int = 4
    near_same_jaccard: float = 0.6         # two sentences this similar (shingle Jaccard) are "near-same"
    frequent_in: int = 2                   # near-same in this many other documents: full weight_frequent
    near_same_counted: int = 20            # other documents counted for a near-same sentence, at most: the
                                           # judgement reads up to frequent_in, the reason says "20份以上" beyond,
                                           # and counting them all grew with the square of the quarter's size
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
    bias: float = -3.00
    weight_stock: float = 1.60             # per stock formulation
    weight_learned: float = 0.97           # per phrase the batch repeats in abstract sentences
    weight_genre: float = 1.43             # all-purpose words of the genre
    weight_content: float = -1.13          # words about some matter (none of genre, function or topic words)
    weight_exhortation_opening: float = 2.65
    weight_exhortation_inside: float = -0.00
    weight_parallelism: float = 2.33       # share of the sentence in parallel clauses (排比, 对仗)
    weight_frequent: float = 0.15          # near-same in other documents (half for one)
    weight_quoted_name: float = -1.29      # a named programme or coinage in quotation marks
    weight_narration: float = -0.29        # what happened
    weight_shortcoming: float = -1.18      # per shortcoming stated, up to max_per_cue
    weight_reflection: float = -0.65       # first-person thinking (我体会)
    weight_argument: float = -1.51         # connectives of reasoning
    weight_own_act: float = 0.32           # first-person account of what was done or is planned
    weight_opening: float = -0.30          # the announcement of what follows
    weight_study_gain: float = 1.97        # the stock account of what the study gave
    weight_resolve: float = 0.88           # a first-person resolve about the future
    weight_saying: float = 1.86            # per frame of a set saying, up to max_per_cue
    weight_image: float = 1.86             # per image of a saying (心中, 脚下), up to max_per_cue
    weight_rhetoric: float = 2.79          # a turn to the audience or to the conclusion (同志们, 总之)
    weight_short: float = 0.51             # a sentence of a saying's length
    weight_isolated: float = 2.50          # its matter stands nowhere else in the document (a saying dropped in)
    weight_echo: float = 0.91              # adjacent clauses in one frame (对仗)
    weight_question: float = -0.42         # a question the member asks: own reasoning
    weight_concrete_clauses: float = -0.37 # clauses naming things without a word of the genre (a method's items)
    weight_named_method: float = 0.09      # per named form of work (党课, 报告会), up to max_per_cue
    weight_refers_back: float = -0.94      # a step of an argument (这…, 因此…), not a saying standing alone
    weight_closes_paragraph: float = 1.10  # where a paragraph's summing-up saying stands
    weight_edge_paragraph: float = 1.57    # where the opening and closing formulas and pledges stand
    threshold: float = -0.39
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
        if self.near_same_counted < self.frequent_in:
            raise ConfigError(N_("套话设置：near_same_counted 应不小于 frequent_in（{frequent}），而不是 {value}",
                                 frequent=self.frequent_in, value=self.near_same_counted))
        if self.genre_floor < 0:
            raise ConfigError(N_("套话设置：genre_floor 不能为负数，而不是 {value}", value=self.genre_floor))


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
            more = "以上" if self.same_in >= c.near_same_counted else ""
            return f"套话：与另外{self.same_in}份{more}材料中的句子几乎相同"
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
