"""The 通报 a secretary sends, read out of tongbao.docx for the demo quarter with reviewers' verdicts set: no raw
note or internal id, each name once in the 补学 list, the unit and the date in the 落款, the member who handed in
nothing (members.csv) named; and a quarter with nothing to analyse says exactly that."""

from __future__ import annotations

import re

from docx import Document

from pipeline.archive import Archive
from pipeline.report import write_reports


def paragraphs(path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs if p.text.strip()]


def test_the_tongbao_of_the_reviewed_demo_names_people_once_in_plain_words(demo_run, tmp_path):
    archive = Archive.open(demo_run.out_dir / "archive.sqlite")
    quarter = demo_run.results["quarter"]
    archive.decide_document(quarter, "008_王丽君_研讨发言", reviewer="李秘书", verdict="需补学",
                            note="第二部分与010_陈静_调研报告共用一段，另一段改自ref:RC1，请重写")
    archive.decide_document(quarter, "011_褚云飞_研讨发言", reviewer="李秘书", verdict="退回修改",
                            note="第一部分是RC3的洗稿 doc:008_王丽君_研讨发言")
    out = tmp_path / "export"
    write_reports(archive.results(quarter), out)
    text = paragraphs(out / "tongbao.docx")
    whole = "\n".join(text)

    assert not re.search(r"\d{3}_[\u4e00-\u9fff]+_|(?:ref|doc|prior|lib):", whole), "no internal id reaches the 通报"
    assert "陈静的调研报告" in whole and "学习篇目RC1" in whole  # the notes, rewritten, in the annex
    start = text.index(next(p for p in text if p.startswith("（一）督促补学")))
    end = next(i for i in range(start, len(text)) if text[i].startswith("（二）"))
    lines = text[start + 1:end]
    names = [re.match(r"\d+．([\u4e00-\u9fff]+)同志：", line)[1] for line in lines]
    assert len(names) == len(set(names)) and {"王丽君", "褚云飞"} <= set(names)
    assert "青川市交通运输局党组理论学习中心组" in text and re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", text[text.index(
        "青川市交通运输局党组理论学习中心组") + 1])
    assert "刘振华同志本季度未提交学习材料" in whole
    assert not any("党组理论学习\n中心组" in p for p in text)
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert "刘振华同志本季度未提交学习材料" in summary


def test_a_quarter_with_nothing_read_says_exactly_that(demo_run, tmp_path):
    results = {**demo_run.results, "documents": [],
               "failed": [{"file": "submissions/001_赵卫东_研讨发言.docx", "error": "损坏", "author": "赵卫东"}]}
    write_reports(results, tmp_path)
    text = "\n".join(paragraphs(tmp_path / "tongbao.docx"))
    assert "均未能读取，本季度没有可供分析的学习材料" in text and "赵卫东同志报送的文件未能读取" in text
    for absent in ("0名成员", "涉及了全部必学专题", "好的做法", "存在的问题"):
        assert absent not in text
