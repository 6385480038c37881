"""Quotations and their attributions (pipeline.quotations): every way the genre names a source, on small texts
made up here; half-width punctuation read like full-width; and on the labelled batches, every labelled quotation
found attributed, no copied text in quotation marks excused, and the copy detector reporting almost no quoted
character as copied."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import ROOT, SHARED
from pipeline.copying import CheckedText, CopyConfig, CopyDetector, CopySource
from pipeline.ingest import Element, ElementKind
from pipeline.quotations import find_attributed_quotes, find_quotations, quotation_spans
from pipeline.segment import make_doc
from pipeline.util.textnorm import fold

BATCHES = {name: SHARED / "eval" / name for name in ("dev", "university", "township", "procuratorate", "bank")}
BATCHES["demo"] = ROOT / "corpora" / "demo"


def attributed(text: str) -> list[str]:
    return [text[a:b] for a, b in find_attributed_quotes(text)]


def unattributed(text: str) -> list[str]:
    return [text[q.start:q.end] for q in find_quotations(text) if not q.attributed]


# -- the ways a source is named --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    # a leader's words, with a colon or a comma, and words that carry the quotation on (要)
    ("习近平总书记强调，“调查研究是谋事之基、成事之道。”", "调查研究是谋事之基、成事之道。"),
    ("总书记在考察时指出，要“把饭碗牢牢端在自己手里”。", "把饭碗牢牢端在自己手里"),
    ("总书记曾说：“空谈误国，实干兴邦。”", "空谈误国，实干兴邦。"),
    # a text: 正如《…》所说, 《…》提出/明确, 在《…》中讲, 一文中讲到
    ("正如《关于加强基层治理的意见》所说，各村要“把资源、服务、管理下沉到基层”。", "把资源、服务、管理下沉到基层"),
    ("《实施纲要》提出，“到年底建成覆盖全县的便民服务网络”。", "到年底建成覆盖全县的便民服务网络"),
    ("《若干措施》里明确：“各类督查检查考核一律精简三成以上。”", "各类督查检查考核一律精简三成以上。"),
    ("毛泽东同志在《矛盾论》中讲：“事物发展的根本原因，不是在事物的外部而是在事物的内部。”",
     "事物发展的根本原因，不是在事物的外部而是在事物的内部。"),
    ("他在《谈谈调查研究》一文中讲到：“调查研究是一门致力于求真的学问。”", "调查研究是一门致力于求真的学问。"),
    # a speech or study material: 讲话中提到, 材料里讲到
    ("市委书记在全市干部大会的讲话中提到：“发展是第一要务，人才是第一资源。”", "发展是第一要务，人才是第一资源。"),
    ("市里的辅导材料里讲到，“群众的事再小也是大事，要件件有回音”。", "群众的事再小也是大事，要件件有回音"),
    ("县领导在会上强调，“防汛工作宁可十防九空，不可失防万一。”", "防汛工作宁可十防九空，不可失防万一。"),
    ("他在座谈中倡导，“把论文写在大地上”。", "把论文写在大地上"),
    # the ancients, a law's article
    ("古人讲：“知之愈明，则行之愈笃。”", "知之愈明，则行之愈笃。"),
    ("《中华人民共和国安全生产法》第三条规定：“安全生产工作坚持中国共产党的领导。”", "安全生产工作坚持中国共产党的领导。"),
    # a named person's words, reported with a colon (the source is nobody's text)
    ("座谈时一位老师傅坦言：“设备旧了，可手艺不能丢。”", "设备旧了，可手艺不能丢。"),
    ("这位企业负责人后来说了一句话，让我印象很深：“办事不用求人了。”", "办事不用求人了。"),
    # the source written after the quotation
    ("“要把问题解决在萌芽状态。”（同上）", "要把问题解决在萌芽状态。"),
    ("【原文摘录】“基层减负不能减责任。”（摘自《县委办若干措施》）", "基层减负不能减责任。"),
    ("“人民对美好生活的向往，就是我们的奋斗目标。”——《习近平谈治国理政》", "人民对美好生活的向往，就是我们的奋斗目标。"),
    # an excerpt note before the quotation
    ("【原文摘录】《关于推进清廉机关建设的工作方案》：“把廉洁要求融入日常管理全过程。”", "把廉洁要求融入日常管理全过程。"),
    ("原文摘录（辅导报告第二部分）：“网格是服务群众的最小单元。”", "网格是服务群众的最小单元。"),
    # half-width marks and leads
    ("总书记指出:“学习是前进的基础和动力。”", "学习是前进的基础和动力。"),
    ('总书记指出:"学习是前进的基础和动力."', "学习是前进的基础和动力."),
    ('我们要照办.总书记说过,"干部就要有担当"!', "干部就要有担当"),
    ("讲话强调,「要坚持问题导向，一个一个问题去解决」。", "要坚持问题导向，一个一个问题去解决"),
])
def test_each_way_of_naming_a_source_is_an_attribution(text, words):
    assert attributed(text) == [words]


FIRST, SECOND = "干部要多到一线去，少在办公室里坐。", "要坚持项目为王，一切围绕项目转。"


@pytest.mark.parametrize("text", [
    # a block of quotation lines under an excerpt heading, the source only in the heading above it
    f"一、《在全县项目建设推进会上的讲话》\n【原文摘录】\n1.“{FIRST}”\n2.“{SECOND}”\n【学习体会】\n我体会，项目是发展的抓手。",
    # under a line ending with a colon that names the speech
    f"学习局长在全局大会上的讲话，摘抄两句：\n“{FIRST}”\n“{SECOND}”",
    # under an excerpt heading with the source in brackets after it
    f"一、原文摘录（市委党校辅导报告）\n（1）“{FIRST}”\n（2）“{SECOND}”",
    # a numbered list whose first item names the speech and whose second does not
    f"【原文摘录】\n1.讲话指出：“{FIRST}”\n2.“{SECOND}”",
    # a heading naming the speech, the quotations right under it
    f"二、《在全市作风建设大会上的讲话》\n1.“{FIRST}”\n2.“{SECOND}”",
])
def test_quotation_lines_take_their_source_from_the_line_that_introduces_them(text):
    assert attributed(text) == [FIRST, SECOND]


def test_a_quotation_line_takes_its_source_from_the_line_below_that_names_it():
    assert attributed(f"“{FIRST}”\n——摘自《在全县作风建设大会上的讲话》\n我体会很深。") == [FIRST]
    assert attributed(f"“{FIRST}”\n——这句话我一直记着。") == []


def test_a_quotation_opening_its_line_is_led_into_by_the_line_above():
    text = f"县委书记在调研时对这个问题提出明确要求：\n“{FIRST}”这句话我一直记着。"
    assert attributed(text) == [FIRST]


def test_the_lead_of_a_block_quotation_is_the_heading_that_introduces_it():
    text = "【原文摘录】\n“干部要多到一线去，少在办公室里坐。”"
    (q,) = find_quotations(text)
    assert text[q.lead[0]:q.lead[1]] == "【原文摘录】"


@pytest.mark.parametrize("text", [
    # a reference sentence in quotation marks with no source: copied, not cited
    "说到底还是那句话，“让种粮农民种粮不吃亏、得实惠”，这件事才能长久。",
    "我们的目标很清楚，就是“以数字技术重塑业务流程和风控模式”，而不是另起炉灶。",
    # the writer's own saying
    "我们常讲“不能为了追求进度而降低质量标准”，道理人人都懂。",
    "学习了总书记的讲话，我们常说：“干部干部，先干一步。”",
    # a quotation line under a heading that names no source, or under a sentence of the writer's own
    "二、几点体会\n“要把项目建设作为经济工作的生命线。”",
    "我认真读了讲话原文，体会很深。\n“要把项目建设作为经济工作的生命线。”",
    # a view nobody is named for
    "有人说“放开了就会乱，所以要多设门槛”，我不赞同。",
])
def test_words_in_marks_without_a_source_are_not_attributed(text):
    assert attributed(text) == []
    assert unattributed(text)


def test_a_term_in_marks_is_not_a_quotation_even_after_its_author():
    assert find_quotations("要深刻领会总书记提出的“两个确立”，增强“四个意识”。") == []


def test_quotation_marks_nested_half_width_and_unclosed():
    text = '他说“甲“乙”丙”。又「丁」与"戊".“未完\n下一段“完”'
    assert [text[a:b] for a, b in quotation_spans(text)] == ["甲“乙”丙", "丁", "戊", "完"]


# -- half-width punctuation read like full-width ------------------------------------------------------------------

FULL = ("总书记指出：“理论学习要常学常新。”我们要照办；各支部怎么落实？要有台账！上季度完成率为92.5%。"
        "一是建立清单，二是定期通报。")
HALF = ('总书记指出:"理论学习要常学常新."我们要照办;各支部怎么落实?要有台账!上季度完成率为92.5%.'
        "一是建立清单,二是定期通报.")


def test_half_width_text_splits_into_the_same_sentences_and_finds_the_same_quotation():
    def sentences(text):  # each sentence's words, punctuation aside
        doc = make_doc([Element(ElementKind.PARAGRAPH, text)])
        return ["".join(c for c in s.text if c.isalnum()) for s in doc.sents]

    def quotes(text):
        doc = make_doc([Element(ElementKind.PARAGRAPH, text)])
        return [(fold(q.text), q.label_) for q in doc.spans["quotes"]]

    assert len(sentences(FULL)) == 6
    assert sentences(HALF) == sentences(FULL)
    assert quotes(HALF) == [("理论学习要常学常新.", "attributed")]
    assert quotes(FULL) == [(fold("理论学习要常学常新。"), "attributed")]


def test_half_width_lines_end_sentences_for_layout():
    from pipeline.ingest.layout import ends_sentence

    assert ends_sentence("我们要照办;") and ends_sentence("效果很好!") and ends_sentence("要有台账.")
    assert ends_sentence("总书记指出:") and ends_sentence('他说:"要照办."')
    assert not ends_sentence("增长了3.") and not ends_sentence("深入学习贯彻")


# -- the labelled batches ---------------------------------------------------------------------------------------------

def _labels(name):
    return json.loads((BATCHES[name] / "labels.json").read_text(encoding="utf-8"))["documents"]


def _occurrences(text, passage):
    return [i for i in range(len(text)) if text.startswith(passage, i)]


@pytest.mark.parametrize("name", list(BATCHES))
def test_every_labelled_quotation_is_found_attributed_and_no_copied_one(name):
    for doc_id, lab in _labels(name).items():
        text = lab["text"]
        spans = find_attributed_quotes(text)
        for q in lab["quoted"]:
            assert any(a <= i < b for i in _occurrences(text, q["text"]) for a, b in spans), (doc_id, q["text"])
        for c in lab["copied"]:  # among them the traps: a reference sentence in “…” with no source
            assert not any(a <= i < b for i in _occurrences(text, c["text"]) for a, b in spans), (doc_id, c["text"])


@pytest.mark.parametrize("name", list(BATCHES))
def test_quoted_text_is_hardly_ever_reported_as_copied(name):
    """quoted_flagged_as_copied (evaluate.py) of the lexical copy detector, on the labels' texts: at most 2 %."""
    labels = _labels(name)
    root = BATCHES[name]
    sources = [CopySource(f"ref:{p.stem}", p.read_text(encoding="utf-8")) for p in sorted((root / "references").glob("*.txt"))]
    sources += [CopySource(f"prior:{p.stem}", p.read_text(encoding="utf-8"), p.stem.split("_")[1])
                for p in sorted((root / "prior").glob("*.txt"))]
    texts = [CheckedText(d, v["text"], v["author"], tuple(find_attributed_quotes(v["text"]))) for d, v in labels.items()]
    reports = CopyDetector(CopyConfig(paraphrase=False)).detect(texts, sources)
    quoted = flagged = 0
    for doc_id, lab in labels.items():
        text = lab["text"]
        is_quoted, is_copied, reported = (np.zeros(len(text), dtype=bool) for _ in range(3))
        for marks, passages in ((is_quoted, [q["text"] for q in lab["quoted"]]),
                                (is_copied, [c["text"] for c in lab["copied"]])):
            for p in passages:
                for i in _occurrences(text, p):
                    marks[i:i + len(p)] = True
        for m in reports[doc_id].matches:
            reported[m.start:m.end] = True
        quoted += int((is_quoted & ~is_copied).sum())
        flagged += int((is_quoted & ~is_copied & reported).sum())
    assert quoted and flagged / quoted <= 0.02, (flagged, quoted)
