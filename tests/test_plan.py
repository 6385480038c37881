"""`xuexi topics import` on a learning plan .docx made here."""

from typer.testing import CliRunner

import makers
from pipeline.cli import app
from pipeline.topiclist import TopicList


def test_topics_import_drafts_a_valid_topic_list_from_a_plan(tmp_path):
    plan = makers.docx_file(tmp_path / "plan.docx", [
        ("Title", "局党组理论学习中心组2026年第二季度学习计划"),
        ("Heading 1", "专题一：深入学习贯彻关于安全生产的重要论述"),
        ("Normal", "1.牢固树立安全发展理念，坚持人民至上、生命至上。"),
        ("Normal", "2.深入开展安全生产治本攻坚三年行动，从根本上消除事故隐患。"),
        ("Heading 1", "专题二：树立和践行正确政绩观"),
        ("Normal", "1.坚持以人民为中心的发展思想，把为民造福作为最重要的政绩。"),
        ("Normal", "2.防止急功近利、盲目举债，杜绝形式主义、官僚主义。"),
        ("Heading 1", "三、时间安排"),
        ("Normal", "每月集中学习一次，每次不少于半天。"),
    ])
    out_file = tmp_path / "topics.yaml"
    result = CliRunner().invoke(app, ["topics", "import", str(plan), "--out", str(out_file)])
    assert result.exit_code == 0, result.output
    topics = TopicList.load(out_file)
    assert topics.quarter == "2026Q2"
    assert [t.title for t in topics] == ["深入学习贯彻关于安全生产的重要论述", "树立和践行正确政绩观"]
    assert topics.topics[0].key_points == ("牢固树立安全发展理念，坚持人民至上、生命至上。",
                                          "深入开展安全生产治本攻坚三年行动，从根本上消除事故隐患。")
    assert "安全生产" in topics.topics[0].keywords
    assert any(k in ("政绩观", "形式主义") for k in topics.topics[1].keywords)
