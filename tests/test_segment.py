"""Segmentation on the real documents and on the parsed dev batch."""

import jieba
import pytest

from conftest import DEV, REALISTIC
from pipeline.submission import read_submission
from pipeline.segment import find_quotations, make_doc, taught_words, teach_words
from pipeline.ingest import Element, ElementKind


def test_real_speech_headings_and_attributed_quotations():
    s = read_submission(REALISTIC / "speech_党组书记中心组学习讲话.txt", batch_root=REALISTIC)
    headings = [(h.label_, h.text) for h in s.spans("headings")]
    assert [t[:2] for _, t in headings] == ["一、", "二、", "三、", "四、"]
    assert {label for label, _ in headings} == {"H1"}
    attributed = [q.text for q in s.spans("quotes") if q.label_ == "attributed"]
    assert any(q.startswith("马克思主义是科学的理论") for q in attributed)
    assert any(q.startswith("要联系实际学") for q in attributed)
    assert any(q.startswith("国务院扶贫开发领导小组") for q in attributed)
    leads = [l.text for l in s.spans("quote_leads")]
    assert any("总书记" in l and "强调" in l for l in leads)
    assert s.title == "党组书记在党组理论学习中心组学习时的讲话"


def test_pdf_extract_article_rebuilds_paragraphs_and_short_headings():
    s = read_submission(REALISTIC / "article_加强和改进党委中心组学习_pdf_extract.txt", batch_root=REALISTIC)
    headings = [h.text for h in s.spans("headings")]
    assert headings == ["突出理论主题，强化学习引领性", "坚持问题导向，增强学习实效性", "创新方式方法，调动学习积极性",
                        "强化制度约束，提高学习规范性"]
    paragraphs = [p.text for p in s.spans("paragraphs") if p.label_ == "paragraph"]
    # The source breaks lines every ~46 characters; whole paragraphs are hundreds long.
    assert len(paragraphs) <= 12 and sum(len(p) for p in paragraphs) / len(paragraphs) > 200
    assert not any(p.endswith(("强化党性修", "理论学习味道不浓，以具体工作代替")) for p in paragraphs)


@pytest.mark.parametrize("text, expected", [
    ("总书记深刻指出：“全系统广大干部要勇于担当、善于作为。”", [("全系统广大干部要勇于担当、善于作为。", True)]),
    ("正如《讲话》中所指出的：“这些问题虽然发生在局部，但损害的是整体形象。”", [("这些问题虽然发生在局部，但损害的是整体形象。", True)]),
    ("我们要增强“四个意识”、坚定“四个自信”。", []),
    ("总书记强调：“要持续优化营商环境，深化“高效办成一件事”改革，降低制度性交易成本。”我们要落实。",
     [("要持续优化营商环境，深化“高效办成一件事”改革，降低制度性交易成本。", True)]),
    ("有人说“放开了就会乱，所以要多设门槛”，我不赞同。", [("放开了就会乱，所以要多设门槛", False)]),
])
def test_find_quotations(text, expected):
    got = [(text[q.start:q.end], q.attributed) for q in find_quotations(text)]
    assert got == expected


def test_sentences_split_at_full_stops_and_semicolons_keeping_closing_quotes():
    doc = make_doc([Element(ElementKind.PARAGRAPH, "他说：“要学深悟透。”我们照办；效果很好！下一步怎么办？"),
                    Element(ElementKind.PARAGRAPH, "第二段")])
    assert [s.text.strip() for s in doc.sents] == ["他说：“要学深悟透。”", "我们照办；", "效果很好！", "下一步怎么办？", "第二段"]


def test_dev_batch_parsed_text_matches_labels(dev_labels):
    import unicodedata

    def norm(s):
        return "".join(unicodedata.normalize("NFKC", s).split())

    for path in sorted((DEV / "submissions").iterdir()):
        s = read_submission(path, batch_root=DEV)
        label = dev_labels[s.doc_id]
        assert norm(s.text) == norm(label["text"]), path.name
        assert s.chars == len(norm(label["text"]))
        assert s.author == label["author"] and s.doc_type == label["doc_type"]


def test_a_batch_is_cut_the_same_whatever_words_the_process_was_taught_before():
    """jieba's dictionary is global to the process: the words another batch taught it (a test session, a Dask
    worker that served another quarter) are taken out again when a batch teaches its own."""
    sentence = "层层压紧压实管党治党政治责任，推动建设清廉学校。"
    teach_words(["清廉学校"])
    words, freq, total = jieba.lcut(sentence), dict(jieba.dt.FREQ), jieba.dt.total
    teach_words(["清廉学校", "实管", "党治党政", "只在此测试中出现的词"])  # words that cut the sentence otherwise
    assert jieba.lcut(sentence) != words and "实管" in jieba.lcut(sentence)
    teach_words(["清廉学校"])
    assert jieba.lcut(sentence) == words and "清廉学校" in words
    assert jieba.dt.total == total and jieba.dt.FREQ == freq
    assert taught_words()[-1] == "清廉学校" and "只在此测试中出现的词" not in taught_words()
