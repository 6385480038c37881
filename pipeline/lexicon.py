"""The lexicon: every cue of Chinese official writing that xuexi's stages read, in one place.

Segmentation, copy detection, boilerplate, passage kinds and topics all ask the same questions of a text — where
its sentences end, what is a figure or a date, who "we" are, what states a shortcoming or plans a next step, what
attributes a quotation, how a heading is numbered — and they must all get the same answer. So each cue is
written here once, and every stage imports it. Phrase lists (stock phrases, standard formulations) are data
under corpora/phrases, loaded by `phrase_list`; `find_phrases` is the one phrase search.

Punctuation: real text mixes full-width and half-width marks (， or ,  ： or :  ； or ;  ？ or ?  ！ or !), and
the matching view (pipeline.util.textnorm.fold) turns full-width into half-width. Every pattern here accepts both.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Sequence

import ahocorasick

from .errors import ConfigError
from .messages import N_
from .model import KINDS as SOURCE_KINDS

# --- sentences ---------------------------------------------------------------------------------------------------

SENTENCE_END = "。！？；!?;"
CLOSING_MARKS = "”’」』）)\"'"
# A full stop written half-width (学习. 增长12%. 他说"好".) ends a sentence after a Chinese character, a
# percent sign or a closing mark; after a digit it is a decimal point or a list number (3.5%, 1.加强…) and does not.
_STOP_AFTER = "\u4e00-\u9fff”’」』）)%％‰\""
_HALF_WIDTH_STOP = rf"(?<=[{_STOP_AFTER}])\.(?!\d)"
_SENTENCE_PIECE = re.compile(
    rf"(?:[^。！？；!?;.\n]|(?<![{_STOP_AFTER}])\.|\.(?=\d))+"
    rf"(?:(?:[。！？；!?;]|{_HALF_WIDTH_STOP})+[{re.escape(CLOSING_MARKS)}]*)?"
)
SENTENCE_BREAK = re.compile(rf"(?:[。！？；!?;]|{_HALF_WIDTH_STOP})+[{re.escape(CLOSING_MARKS)}]*\s*|\n\s*")
# A sentence's end mark (full- or half-width), closing quotation marks after it allowed.
SENTENCE_END_MARK = re.compile(rf"(?:[。！？；!?;]|(?<=[\u4e00-\u9fff”’」』）)])\.)[{re.escape(CLOSING_MARKS)}]*$")
CLAUSE_SPLIT = re.compile(r"[，、；。！？：,;:!?]")
PUNCTUATION = re.compile(r"[，、；。！？：,;:!?“”‘’《》〈〉（）()\"'…—·\-]")
CJK = re.compile(r"[\u4e00-\u9fff]")
# A number in which a recognizer read digits as the letters they resemble (20I5, Z0l5, 2oi6): the mark of a text
# layer made by OCR that nobody checked; typed text mixes digits with these letters only inside Latin words.
MISREAD_NUMBER = re.compile(r"(?<![A-Za-z])(?=[0-9IlioOZ]*[0-9])(?=[0-9IlioOZ]*[IlioOZ])[0-9IlioOZ]{2,}(?![A-Za-z])")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentences of text[start:end] as (start, end): up to and including 。！？； (full- or half-width, and a
    half-width full stop after a Chinese character) with the closing marks that follow, never across a line
    break, outer white space trimmed."""
    end = len(text) if end is None else end
    out = []
    for m in _SENTENCE_PIECE.finditer(text, start, end):
        piece = m.group(0)
        a = m.start() + len(piece) - len(piece.lstrip())
        b = m.end() - (len(piece) - len(piece.rstrip()))
        if b > a:
            out.append((a, b))
    return out


_LINE_END = re.compile(rf"(?:[。！？；!?;]|{_HALF_WIDTH_STOP})[{re.escape(CLOSING_MARKS)}》]*\s*$")
_LINE_END_OR_COLON = re.compile(rf"(?:[。！？；!?;：:]|{_HALF_WIDTH_STOP})[{re.escape(CLOSING_MARKS)}》]*\s*$")


def ends_sentence(line: str, *, colon: bool = False) -> bool:
    """Whether a line ends a sentence (。！？； full- or half-width, a half-width full stop after a Chinese
    character), after any closing marks; with `colon`, a line ending with ： or : (a lead-in) counts too."""
    return bool((_LINE_END_OR_COLON if colon else _LINE_END).search(line))


def sentences(text: str) -> list[str]:
    """The sentences of a text (see sentence_spans)."""
    return [text[a:b] for a, b in sentence_spans(text)]


# --- names, files, dates of the batch --------------------------------------------------------------------------

_NAME_CHARS = r"[\u4e00-\u9fff·]"  # the characters of a Chinese name, the middle dot of 欧阳·明 included
PERSON_NAME = re.compile(_NAME_CHARS + "{2,4}")
# A submission's file name: 003_周海涛_调研报告 (a number, the author, the kind of document).
FILE_NAME = re.compile(rf"^(?:(?P<seq>[A-Za-z]?\d+)[_\-\s]+)?(?P<author>{_NAME_CHARS}{{2,5}})[_\-\s]+(?P<doc_type>[^_\-\s]+)")
NAME_LINE = re.compile(rf"^{_NAME_CHARS}{{2,4}}$")
# A byline: who wrote it (同志, 作者, 发言人), a unit in brackets after it, or a date.
BYLINE_HINT = re.compile(r"(同志|作者|撰稿|发言人|（[^）]{0,20}）$|^\(.{0,20}\)$|\d{4}年\d{1,2}月)")
# A quarter as people write it: 2026Q3, 2026年第三季度, 2026-3, 2026年3季.
QUARTER_NAME = re.compile(r"^\s*(\d{4})\s*年?\s*[-_/ ]?\s*(?:[Qq]|第)?\s*([1-4一二三四])\s*(?:季度|季)?\s*$")
QUARTER_IN_TEXT = re.compile(r"(20\d{2})年(?:第([一二三四1-4])季度)")
# A learning plan's topic lead: 专题一： / 第二专题 / 第三次
TOPIC_LEAD = re.compile(r"^(?:专题[一二三四五六七八九十\d]+[：:、．.\s]*|第[一二三四五六七八九十\d]+(?:专题|次)[：:、．.\s]*)")
HEADING_STYLE = re.compile(r"(?:heading|标题)\s*(\d)", re.IGNORECASE)  # Word's heading styles, English or Chinese
LIST_SEPARATORS = re.compile(r"[、，,\s]+")  # between the items of a list typed in one line
HAN_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")
NOT_WORD = re.compile(r"[^\u4e00-\u9fff0-9A-Za-z]")  # what is neither a Chinese character, a digit nor a letter
QUOTED_TERM = re.compile(r"[“\"]([^“”\"]{1,12})[”\"]")  # a term in quotation marks (“一果一码”)
# A copy source written the way results.json names it (ref:RC1, doc:008_…), as a reviewer may paste it in a note.
SOURCE_ID_IN_TEXT = re.compile(r"(?<![A-Za-z0-9_])(?:" + "|".join(SOURCE_KINDS) + r"):[^\s，。；、,;]+")

# A form's label before its value (编制单位：…, 主题：…).
FIELD_LABEL = re.compile(r"^[^：:]{1,12}[：:]")
# Lines of a form rather than of prose: a check box answered (□ 是 √ 否), a bare date (2018 年 04 月), a label
# with its value.
FORM_LINE = re.compile(r"[□■☐☑☒√✓✔]|^\s*\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?\s*$|" + FIELD_LABEL.pattern + r"\s*\S")

# --- headings ----------------------------------------------------------------------------------------------------

# Typed numbering of Chinese official writing, outermost first: 一、 （一） 1. （1）, plus the ordinal leads
# 一是 / 第一， that open a point inside a paragraph-style heading.
HEADING_NUMBERING = (
    (1, re.compile(r"^[一二三四五六七八九十]{1,3}[、．.]")),
    (2, re.compile(r"^[（(][一二三四五六七八九十]{1,3}[）)]")),
    (3, re.compile(r"^\d{1,2}[.．、](?!\d)")),
    (4, re.compile(r"^[（(]\d{1,2}[）)]")),
    (2, re.compile(r"^(?:[一二三四五六七八九十]是|第[一二三四五六七八九十]{1,3}[，,、])")),
)
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、．.]|[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[.．、](?!\d))\s*")
_SUBHEADING = re.compile(r"^(?:[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[.．、](?!\d))")


def strip_numbering(heading: str) -> str:
    """A heading without its typed numbering (一、 （一） 1. （1））."""
    return _NUMBERING.sub("", heading.strip())


def is_subheading(text: str) -> bool:
    """（一） or 1. opens a point under a section's heading."""
    return bool(_SUBHEADING.match(text.strip()))


# --- content words -----------------------------------------------------------------------------------------------

def content_words(text: str) -> list[str]:
    """The words that can carry a passage's own content, in order: jieba's words of two or more Chinese
    characters, and figures (1.86, 2024). Single characters and punctuation are left out; which words are
    specific is for the caller to judge by how rare they are. A private tokenizer over jieba's own dictionary, so
    words other stages add to jieba (topic keywords) do not change the answer."""
    return [w for w in _content_tokenizer().lcut(text)
            if (len(w) >= 2 and all(CJK.match(c) for c in w)) or FIGURE.fullmatch(w)]


@lru_cache(maxsize=1)
def _content_tokenizer():
    import jieba  # here: the archive and the review page read the lexicon but never cut words

    logging.getLogger("jieba").setLevel(logging.WARNING)
    return jieba.Tokenizer()


# --- figures, dates, places ----------------------------------------------------------------------------------

# Figures in Arabic digits: counts, amounts, percentages, dates. Abstract prose counts in fixed formulas with
# Chinese numerals (四个意识, 一张蓝图), hardly ever in digits.
FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
# Chinese numerals with a unit that counts real things or a share (七成, 三名, 两户). 一名/一场 is the article "a"
# (作为一名干部, 一场硬仗), and 每一名 is everyone: neither is a count.
COUNTED = re.compile(r"(?<!每)(?:[二三四五六七八九十两几半][一二三四五六七八九十百千万]*|一[十百千万][一二三四五六七八九十百千万]*)"
                     r"(?:成|批次|人次|户|名|起案件|场)")
TIME = re.compile(
    r"\d{4}年|\d{1,2}月|去年|今年|明年|前年|上半年|下半年|年底|年初|年内|年末|季度|本月|上月|下月|月底|月初|"
    r"近日|日前|春节|国庆|元旦|中秋|端午|清明|五一|汛期|春耕|秋收|开学"
)
DATE = re.compile(r"\d{4}年|\d{1,2}月|[上下]午|[上中下]旬")
PLACE_SUFFIXES = ("镇", "村", "乡", "县", "区", "街道", "社区", "开发区", "产业园", "园区")
GENERIC_PLACES = frozenset(
    "乡村 农村 山村 城乡 城区 辖区 社区 园区 景区 山区 片区 市区 小区 新区 地区 全县 全区 各区 各县 全村 本村 该村 驻村 "
    "进村 入村 下乡 城镇 乡镇 各乡镇 街道 开发区 产业园 贫困地区 脱贫地区 农村地区 郊区 老区 边区 灾区 误区 盲区 禁区 "
    "雷区 红区 深水区 无人区 试验区 示范区 功能区 保护区".split()
)

# Named parties of a case as case reports write them (张某, 李某某): the register of practice in a procuratorate
# or a court, as figures are in a bank's.
CASE_PARTY = re.compile(
    r"[王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
    r"崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤]某某?"
)

# --- who "we" are ------------------------------------------------------------------------------------------------

# The member's own unit in the first person, whatever the unit: 我局 我院 我校 我镇 我行 我委…, 本单位, the
# unit's leading body (局党组, 院党组, 镇党委, 行党委), a branch (我支部), the plain 我们 / 咱们 and the spoken 咱村.
_UNIT_CHARS = "局院校镇行委厅部处科所办县市区村司队站社"
FIRST_PERSON_UNIT = (
    rf"(?:我们|咱们|咱[{_UNIT_CHARS}]|我[{_UNIT_CHARS}]|本[{_UNIT_CHARS}]|我单位|本单位|我部门|本部门|我中心|本系统|"
    rf"[我本]支部|[我本]党支部|全[行院校镇]|"
    rf"[{_UNIT_CHARS}]党[组委]|集团公司|工作队)"
)
FIRST_PERSON = rf"(?:{FIRST_PERSON_UNIT}|我(?![国党军]))"  # 我国, 我党, 我军: the nation, not the member
FIRST_PERSON_WORK = re.compile(FIRST_PERSON_UNIT + r"|我分管|我牵头|我带队")
_ACTOR = FIRST_PERSON + r"[^，。；：,;:要须应]{0,16}?"
# First-person statements of what was done or is planned (我局去年…, 我们准备…, 我们把…作为…), not exhortation
# (我们要…, 我们必须…).
FIRST_PERSON_ACT = re.compile(_ACTOR + r"(?:了|过|已|正在|先后|累计|随即|决定|明确|把[^，。；,;]{1,20}作为)")
FIRST_PERSON_PLAN = re.compile(_ACTOR + r"(?:将|计划|准备|打算|拟|力争)(?P<rest>[^，。；,;]{0,20})")
# A pledge (表态: 我将继续加强学习、不断提高素质) carries its plan in adverbs of exhortation, not in a measure.
PLEDGE = re.compile(r"继续|进一步|不断|努力|持续|始终|更加|以更|切实|坚持|以这次|以此次|为契机|带头|以身作则|率先垂范")

# --- the member's own voice ------------------------------------------------------------------------------------

# Narration of what happened (a verb with the aspect particle 了: 作了安排, 抓住了) or of what the study covered
# (本次学习还涉及…).
NARRATION = re.compile(
    r"(?<=[\u4e00-\u9fff])(?<![为除罢不])了(?!解|不起|如指掌|结|却)|"
    r"(?:本次|此次|这次|本季度|近期|此外|会上|会后|自学|业余时间)[^。；;]{0,24}?(?:学习|研读|阅读|选读|自学|研讨|交流|涉及|包括|列入|摘录)"
)
# The member's own thinking, in the first person singular (我体会, 我近期思考, 在我看来, 通过学习我认识到).
REFLECTION = re.compile(
    r"我(?!们)[^，。；：,;:要须]{0,6}?(?:体会|认为|理解|感受|觉得|意识到|注意到|思考|感到|认识到|想到|深感|体悟|领悟|反思|明白)|"
    r"在我看来|依我|让我(?!们)|使我(?!们)|我的(?:理解|体会|认识|看法|感受)|体会到|感受最深"
)
# A shortcoming stated, not exhorted: the member's own diagnosis (有的…重视不够, 存在…问题).
SHORTCOMING = re.compile(
    r"有的|不够|不足|不强|不高|不明显|不经常|不到位|不紧密|不彻底|不健全|不突出|不灵活|不及时|偏少|偏低|偏弱|偏轻|偏慢|"
    r"滞后|薄弱|欠缺|缺乏|还存在|存在着?[^。；;]{0,16}(?:问题|现象)"
)
# A problem found in one's own practice: a shortcoming after a turn (但…不足, 调研中…偏低) or stated outright
# (inspection results — 发现问题612个 — are not one).
PROBLEM = re.compile(
    r"(?:但|不过|然而|同时也|也要看到|走访中|调研中|回访)[^。；;]{0,40}?(?:问题|短板|不足|差距|薄弱|不够|偏低|偏少|偏慢|偏长|偏轻"
    r"|滞后|隐患|不强|困难|难题|仍|尚|还|只|仅)"
    r"|(?:存在|还存在|仍存在|暴露出|反映出)[^。；;]{0,20}?(?:问题|不足|短板|差距|薄弱环节)"
    r"|不足[。；，;,]|不到位|滞后|偏低|偏少|偏弱|偏慢|比较普遍|较为普遍|不平衡|不充分|薄弱|短板|差距较大|留不住|难以为继"
    r"|走过场|流于形式"
)
NEXT_STEP = re.compile(
    r"下一步|接下来|今后|为此|针对这|对此|计划|准备|打算|力争|争取|拟于|年内|年底前|以前|前再|还将|将于|将在|将把|将进一步|"
    r"将对|将以|我们将|" + FIRST_PERSON_UNIT + r"将|后续|着手"
)
ARGUMENT = re.compile(
    r"如果|倘若|假如|一旦|往往|容易|之所以|因为|所以|究其原因|看似|看起来|实际上|其实|本质|在于|取决于|意味着|好比|就像|比如|例如|"
    r"说到底|换句话说|恰恰|反过来|反之|否则|当然|而不是|不等于|才算|难以|就会|却|不是[^。]{1,24}而是|"
    # hedging and weighing (可能, 未必, 是否, 好不好, 最需要…的是): a stock sentence asserts, it does not weigh
    r"可能|或许|也许|未必|不一定|恐怕|难免|是否|有没有|([\u4e00-\u9fff])不\1|最[^，。,;；]{1,6}的(?:是|地方)"
)

# A sentence that reports one's own study (我认真学习了…, 本季度参加了…集中学习): it names what was studied and is
# neither practice nor theory, whatever dates or first-person verbs it carries.
STUDY_REPORT = re.compile(
    FIRST_PERSON + r"[^，。；,;]{0,8}?(?:学习了|研读了|阅读了|通读了|参加了|自学了|认真学习|认真研读|系统学习|反复研读|集中学习)"
    r"|(?:本次|此次|这次|本季度|近期|会上|会后)[^。；;]{0,24}?(?:学习|研读|研讨|专题)"
)

# --- the vocabulary of the genre ----------------------------------------------------------------------------

# GENRE_WORDS and FUNCTION_WORDS: the vocabulary of the genre. GENRE_WORDS are the all-purpose words of official writing, usable about any matter:
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
干部 党员 群众 人民 基层 一线 组织 党组织 领导 带领 团结 班子 队伍 同志 部门 单位 上级 党 全体 广大 各级 各 各项 各类
""".split())
FUNCTION_WORDS = frozenset("""
的 了 和 与 及 以及 在 把 以 为 中 上 下 对 于 将 是 有 不 也 都 还 就 要 必须 等 我们 我 其 这 那 之 所 着 过 地 得
从 向 让 使 并 而 或 又 既 才 能 会 应 应当 务必 一定 不能 进 去 来 到 中去 起来 下去 上来 当中 之中 方面 一个 一项
一种 各种 一切 一些 好 个 种 项 再 更要 既要 又要 也要 只有 才能 通过 按照 根据 关于 对于 为了 围绕 同时 并且
""".split())

# --- exhortation -------------------------------------------------------------------------------------------------

# Modal 要 (要坚持, 我们要), not 要 inside a word (重要, 主要, 需要, 要求, 要点, 纪要).
MODAL = re.compile(r"(?<![重主需必紧只纲摘首显扼次想纪])要(?![求点素件害闻是么])|必须|务必|应当|一定要|决不能|绝不能|不能")
# The number of an item before its exhortation (一是加强…, 三要深入…, 第二，坚持…, （四）加强…).
ITEM_LEAD = re.compile(r"^(?:[一二三四五六七八九十]{1,3}(?:是|要|、)|第[一二三四五六七八九十]{1,3}[，,、]?|[（(][一二三四五六七八九十\d]{1,3}[）)]|"
                       r"\d{1,2}[.．、](?!\d))")
IMPERATIVE_OPENING = re.compile(
    r"^(?:要|必须|务必|应当|一定要|坚持|加强|强化|推动|推进|注重|保持|发扬|增强|树立|聚焦|狠抓|着力|切实|进一步|持续|"
    r"始终|全面|深入|扎实|大力|不断|努力|坚决|牢固|牢牢|自觉|既要|确保|以更|以高度|以时不我待)"
)
# Who boilerplate addresses: everyone and no one, then a modal within a few characters.
GENERIC_ADDRESSEE = re.compile(
    r"^(?:各级[^，。,]{0,6}|广大[^，。,]{0,6}|全体[^，。,]{0,6}|全系统[^，。,]{0,4}|各部门|各单位|全局[^，。,]{0,4}|"
    r"党员领导干部|领导干部|党员干部|我们|大家|各项工作)(?:一定|都|还|更|务必)?(?:要|必须|应当)"
)

# --- what makes a sentence stock (boilerplate) --------------------------------------------------------------

# A date that places an event (2025年3月, 6月12日, 上旬); a bare year or 季度 (本季度, 今年以来) dates nothing.
DATED = re.compile(r"\d{4}年\d{1,2}月|\d{1,2}月(?:\d{1,2}日|[上中下]旬|份)|\d{1,2}日")
# A deadline (年底前, 年内, 限期): by when — what a concrete plan or requirement states and a pledge does not.
DEADLINE = re.compile(r"年底前|月底前|季度末前?|年内|限期|\d{1,2}[日号]前|[上下]半年内")
# Typed numbering that opens an item (1. 4、 （2）), not a figure of the text.
ITEM_NUMBER = re.compile(r"^(?:\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[）)])")
# The closing courtesy of a speech or report (以上发言，不当之处请批评指正 / 我就讲这些 / 以上报告，请审阅), and
# the announcement of what it will say (谈几点认识), the genre's frame whatever the register. (现将…报告如下
# announces the structure, and is not counted.)
FRAME_CLOSING = re.compile(
    r"批评指正|不妥之处|不当之处|如有不妥|妥否|请[^，。,;；]{0,8}审阅|汇报这些|(?:说|讲)(?:这么多|这些)|(?:说|讲)得不对|"
    r"不对的地方|想到哪(?:儿)?说到哪|供大家参考|多批评|宝贵意见|谢谢大家"
)
FRAME_OPENING = re.compile(
    r"谈(?:谈|一谈)?(?:[几一二三四五两]点|个人的?|自己的)(?:粗浅的?|不成熟的)?(?:认识|体会|思考|打算|意见|看法|感受)"
)
# The stock account of what the study did for the member (深受教育 / 受益匪浅 / 认识上有了新的升华 /
# 加深了认识), and the stock praise of the study itself (主题鲜明、内容丰富).
STUDY_GAIN = re.compile(
    r"深受教育|[倍备]受鼓舞|深受启发|深受触动|深受震撼|受益匪浅|收获(?:很大|颇丰|满满)|体会(?:很深|颇深)|洗礼|"
    r"(?:思想|认识|理论)上(?:又)?有了|有了(?:新的?|更)[^，。,;；]{0,10}(?:认识|提高|升华|理解|感悟)|"
    r"(?:提高|深化|加深|提升)了[^，。,;；]{0,4}(?:思想)?认识|主题鲜明|内容丰富|针对性强|指导意义|再充电"
)
# A first-person resolve about the future (我将… / 我们将… / 我一定… / 咱要…): a pledge unless it names a measure.
RESOLVE = re.compile(
    rf"(?:{FIRST_PERSON_UNIT}|我|咱)[^，。,;；]{{0,6}}?(?:将|一定|必将|决心|决不|绝不|要|得)|"
    r"不辜负|无愧于|贡献(?:自己的)?力量|作出(?:应有|更大|新的)?贡献"
)
# The set metaphors of official writing, a verdict's image whatever the matter (压舱石, 牛鼻子, 排头兵, 两翼):
# 发展和安全是一体之两翼, 当好排头兵, 牵住牛鼻子.
_METAPHORS = (
    r"试金石|磨刀石|压舱石|定盘星|定海神针|主心骨|风向标|晴雨表|指南针|金钥匙|总开关|牛鼻子|硬骨头|"
    r"助推器|加速器|催化剂|主引擎|排头兵|领头雁|主力军|生力军|先行者|答卷人|局外人|旁观者|命根子|"
    r"两翼|双轮|一盘棋|最后一公里|先手棋"
)
# Set sayings (警句) of the genre, whoever coins them: a verdict in a fixed frame with no matter of its own —
# 没有…只有… / 越…越… / 每一…都… / 一…都不能… / 是…的生命线 / 是…的压舱石 / 把…变成… / 在路上.
SAYING_FRAME = re.compile(
    r"没有[^，。,;；]{1,10}[，,]?(?:只有|唯有)|(?:只有|唯有)[^。;；]{1,14}才|越[^，。,;；]{1,4}越|是一场|"
    r"一[^，。,;；]{1,4}都(?:不能|不可)|缺一不可|"
    rf"是[^，。,;；]{{0,8}}的?(?:生命线|本色|底色|根本保障|大文章|头等大事|必修课|必答题|{_METAPHORS}|"
    r"进行时|休止符)|永远在路上|没有休止符|只有进行时|只有起点|没有终点|"
    r"把[^，。,;；]{1,12}(?:变成|化作|写在|写进|写到|留给)"
)
# A speech's rhetorical turn to the audience or to the conclusion, where its set sayings stand.
RHETORIC_OPENING = re.compile(r"^(?:让我们|让每一|愿我们|同志们|各位|总之|总而言之|一句话)")
# An item's heading inside a paragraph (第三，强化队伍建设。 / 二是抓好制度落实。 / （一）以…为抓手。):
# numbered, one clause — the structure of the text, not a sentence to judge.
POINT_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}是|第[一二三四五六七八九十]{1,3}[，,、]?|[（(][一二三四五六七八九十\d]{1,3}[）)]|"
    r"\d{1,2}[.．、](?!\d)|[一二三四五六七八九十]{1,3}[、．.])[^，,；;：:]{2,24}[。.!！]?$"
)
# Named forms of work and study — events, venues, instruments (党课, 报告会, 问卷调查, 学习档案): a sentence that
# names them states a specific method or requirement, not a slogan.
NAMED_METHOD = re.compile(
    r"党课|党校|讲台|宣讲|报告会|座谈会?|事迹展|展览|展厅|展馆|旧址|故居|纪念馆|教育基地|问卷|旁听|台账|档案|夜校|读书班|培训班|讲座|观摩|现场会|"
    r"例会|擂台|比武|述学|评学|督学|调阅|走访|实地|入户|家访|接访|下访|恳谈|夜谈|微信群|公众号|网站|视频会|"
    r"手册|汇编|展板|专栏|简报|通报会|测评表|登记表|明白卡|联系卡|积分制|月报|周报|日志"
)
# A sentence that takes up what came before (这…, 二者…, 因此…): a step of the member's own argument, where a
# saying stands on its own.
REFERS_BACK = re.compile(r"^(?:这(?!次|回|堂|个季度|段时间|一时期)|此(?!次)|其|两者|二者|两方面|前者|后者|因此|所以|由此|可见|对此|为此|反过来|换句话说)")
# Who does it and how often — a named post (党组书记, 组长, 网格员) and a schedule (定期, 每季度, 年底前): with a
# named form of work, what makes a requirement concrete rather than a call to everyone.
NAMED_POST = re.compile(
    r"(?<!总)书记|组长|局长|院长|校长|行长|镇长|乡长|村长|主任|处长|科长|部长|所长|站长|"
    r"队长|支书|网格员|联络员|辅导员|班主任|检察官|法官|客户经理|驻村干部|第一书记"
)
SCHEDULE = re.compile(r"定期|每(?:天|日|周|月|季度?|半年|年)|年底前|月底前|年内|限期|当天|当日|次日|工作日|逐月|逐季")
# The images sayings are made of: the body and where one stands (心中有方向，脚下有路), and the set metaphors.
IMAGE_WORDS = re.compile(rf"心中|心里|心头|心坎|脚下|脚板|肩上|手上|手中|手里|眼里|笔下|{_METAPHORS}")

# --- the frame of a study document -----------------------------------------------------------------------------

MEETING_WORD = re.compile(r"召开|举办|举行|读书班|学习会|集中学习|现场教学|辅导报告|视频会议|专题学习|集中研讨|交流研讨")
CLOSING = re.compile(r"批评指正|不妥之处|以上是|我的发言就到这里|粗浅|谢谢|不当之处|合格答卷|回报组织|多提宝贵意见|学无止境|"
                     r"今后，我将|会议最后|结束前|总结讲话|下一阶段学习")
# A sentence that reports one's own study names a topic in passing: 近期我研读了关于……的重要论述。
STUDY_STATEMENT = re.compile(r"学习|研读|自学|研学|学了|读了|篇目|传达|交流|专题|论述|精神|辅导|思考|领会|部署|文件|文章|笔记|原文")

# --- quotations ---------------------------------------------------------------------------------------------------

# Quotation marks, opening → closing: “…” (writers nest double marks where ‘…’ belongs), 「…」 and 『…』, and the
# half-width "…" of text typed on a Western keyboard, which opens and closes with the same mark.
QUOTE_MARKS = {"“": "”", "「": "」", "『": "』", '"': '"'}
MIN_QUOTE_CHARS = 8  # a shorter “…” with no attribution is a term in quotation marks (“四个意识”), not a quotation
# Attributed words shorter than this are a 提法 named after its author (总书记提出的“两个确立”); a saying or a
# remark runs longer (“我听明白了”).
MIN_SAYING_CHARS = 5

# Whose words they are: a leader, an author, a text (《…》, a law's article), a meeting, a role, the ancients,
# someone already named (他).
_QUOTE_SOURCE = (
    r"(?:总书记|习近平|主席|同志|《[^《》\n]{1,80}》|文中|一文|文章|书中|讲话|报告|原文|党章|宪法|中央|会议|文件|材料|"
    r"纲要|条例|法律|法规|古人|先贤|前人|古语|俗话|老话|马克思|恩格斯|列宁|毛泽东|"
    r"邓小平|书记|[省市县区镇乡村校院行局厅处]长|检察长|董事长|部长|主任|领导|专家|教授|学者|负责人|会上|"
    r"(?<!其)他|她|第[一二三四五六七八九十百零〇\d]+条)"
)
# A verb of saying, writing or laying down (强调、指出、讲到、坦言、规定…); single-character 说/讲/言 not inside
# another word (说到底, 讲话, 言论).
_SAYING = (
    r"(?:强调|指出|要求|提出|提到|讲到|谈到|说到|说过|说道|写道|问道|明确|号召|告诫|阐明|阐述|论述|指示|批示|宣示|"
    r"重申|指明|点明|点出|点到|点了|寄语|坦言|表示|认为|设想|主张|倡导|引用|援引|提醒|叮嘱|嘱咐|概括|形容|规定|"
    r"(?<!换句话)(?<!(?<!后)来)(?<![如是就听要])说(?!到底|白了|穿了|起来|明|服|法|是)|讲(?!话|座|究|解|台|课|述|授)|"
    r"(?<![发语])言(?!论|语|行|之|辞|传)|曰)"
)
# Between the verb and the opening mark: 的/过/道/了, a colon or comma, and at most a few words that carry the
# quotation on (…强调，要“…”; …所说，各级机构要“…”), never the member's own voice (…要求，我们要“…”).
_QUOTE_TAIL = r"(?:的|过|道|了|着)?\s*[：:，,]?\s*[^，。；：、！？,;:!?“”\"「」『』《》\s我咱]{0,6}\s*[：:，,]?\s*$"
# The attribution that leads into a quotation, within its sentence: a source, then a verb of saying right before
# the mark (总书记强调：“…”, 《…》第十五条规定：“…”, 讲话中提到，要“…”, 正如《…》所说，“…”); an aside may stand
# between the two (报告把…放在…之首（…），提出“…”).
ATTRIBUTION = re.compile(rf"{_QUOTE_SOURCE}[^。！？；!?;\n]{{0,120}}?(?P<verb>{_SAYING}){_QUOTE_TAIL}")
# Reported speech: anyone who is not the writer says something, then a colon (一位教授说：“…”, 负责人后来说了一句话，
# 我记得很清楚：“…”).
REPORTED_SPEECH = re.compile(rf"(?P<verb>{_SAYING})[^。！？；!?;\n“”\"「」]{{0,16}}?[：:]\s*$")
# A text named and then quoted: 《工作方案》：“…”; a note that what follows is an excerpt: 【原文摘录】“…”,
# 原文摘录（辅导材料第四部分）：“…”, 同上：“…”.
EXCERPT = r"(?:摘录|摘抄|摘编|摘记|原文|同上)"
EXCERPT_LEAD = re.compile(rf"(?:《[^《》\n]{{1,80}}》\s*(?:[（(][^（）()\n]{{0,40}}[）)])?\s*[：:]|{EXCERPT}[^。！？；!?;\n“”\"「」]{{0,60}}[：:】\]])\s*$")
# The source written after the quotation, on its line or the next: “…”（《…》）, “…”（同上）, “…”——《…》,
# ——摘自《…》.
_CITED_FROM = r"(?:摘自|出自|引自|选自)"
SOURCE_AFTER = re.compile(
    rf"[。！？；!?;.，,]?\s*(?:[（(]\s*(?:《|见《|{EXCERPT}|{_CITED_FROM}|习近平|总书记)[^（）()\n]{{0,80}}[）)]"
    rf"|——\s*(?:《|{_CITED_FROM}|习近平|总书记|毛泽东|邓小平|马克思)[^\n]{{0,80}})"
)
# The writer as the one who says it (我们常讲“…”, 我说：“…”): the writer's own words, not a quotation. 跟我说 and
# 对我们讲 make the writer the listener.
FIRST_PERSON_SAYER = re.compile(r"(?<![跟对向给和同与])(?:我们|咱们|我)(?:[常也还就都总曾又]|经常|常常|一直|曾经)?\s*$")
# A line that introduces the quotations set out below it: a heading or lead-in (no sentence ends in it) that notes
# an excerpt or names the speech or text (【原文摘录】, 一、原文摘录, 一、《在…会议上的讲话》, 学县委书记讲话，摘抄两句：),
# or a line ending with a colon after a source or a verb of saying (…对这一问题提出明确要求：).
QUOTE_INTRODUCER = re.compile(
    rf"^[^。！？；!?;\n]*(?:{EXCERPT}|《[^《》\n]{{1,80}}》|讲话|总书记)[^。！？；!?;\n]*$"
    rf"|(?:{_QUOTE_SOURCE}|{_SAYING})[^。！？；!?;\n]{{0,80}}[：:]\s*$"
)


# --- phrase lists ------------------------------------------------------------------------------------------------


PHRASES = Path(str(resources.files("pipeline.phrases")))  # corpora/phrases: package data of pipeline.phrases


def phrase_file(name: str) -> Path:
    """A phrase list shipped under corpora/phrases."""
    return PHRASES / name


@lru_cache(maxsize=8)
def phrase_list(path: Path) -> tuple[str, ...]:
    """The phrases of a list: one a line, `#` comment lines and blank lines skipped, outer white space trimmed."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ConfigError(N_("短语表 {path} 无法读取（{cause}）", path=path, cause=e.strerror)) from e
    return tuple(s.strip() for s in lines if s.strip() and not s.lstrip().startswith("#"))


def find_phrases(text: str, phrases: Sequence[str]) -> list[str]:
    """The phrases found in `text`, longest first and never overlapping, in the order they stand.
    `phrases` must be sorted longest first (and folded, when `text` is the matching view)."""
    phrases = tuple(phrases)
    if not phrases or not text:
        return []
    # Every occurrence in one pass (Aho–Corasick), then taken as if each phrase were looked for in list order.
    hits = sorted((order, end + 1 - len(phrase), phrase) for end, (order, phrase) in _automaton(phrases).iter(text))
    taken = [False] * len(text)
    found: list[tuple[int, str]] = []
    for _, start, phrase in hits:
        stop = start + len(phrase)
        if not any(taken[start:stop]):
            taken[start:stop] = [True] * len(phrase)
            found.append((start, phrase))
    return [p for _, p in sorted(found)]


def phrases_in(text: str, phrases: Sequence[str]) -> set[str]:
    """Every one of `phrases` that stands somewhere in `text`, overlapping ones included."""
    phrases = tuple(phrases)
    if not phrases or not text:
        return set()
    return {phrase for _, (_, phrase) in _automaton(phrases).iter(text)}


@lru_cache(maxsize=32)
def _automaton(phrases: tuple[str, ...]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for order, phrase in enumerate(phrases):
        if phrase and phrase not in automaton:
            automaton.add_word(phrase, (order, phrase))
    automaton.make_automaton()
    return automaton
