"""Passage kinds on the shared building blocks (written apart from this code) and on hand-made cases."""

import json

import pytest

from conftest import SHARED
from pipeline.boilerplate.paragraph_kinds import PassageKind, features, passage_kind

BLOCKS = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((SHARED / "eval" / "blocks").glob("*.json"))]


def blocks(key):
    out = []
    for s in BLOCKS:
        out += s.get(key, []) + s.get(key + "_more", [])
        for t in s["topics"]:
            out += t.get(key, []) + t.get(key + "_more", [])
    return out


@pytest.mark.parametrize("key, kind, position", [
    ("practice", PassageKind.PRACTICE, "body"),
    ("theory", PassageKind.ELABORATION, "body"),
    ("work_report", PassageKind.WORK_REPORT, "body"),
    ("generic", PassageKind.STATEMENT, "body"),
    ("slogans", PassageKind.STATEMENT, "body"),
    ("mentions", PassageKind.STATEMENT, "body"),
    ("openings", PassageKind.FRAME, "first"),
    ("closings", PassageKind.FRAME, "last"),
])
def test_passage_kind_on_the_building_blocks(key, kind, position):
    texts = blocks(key)
    assert len(texts) >= 8
    wrong = [t for t in texts if passage_kind(t, position=position) != kind]
    assert len(wrong) <= 0.05 * len(texts), wrong[:3]


@pytest.mark.parametrize("text, kind", [
    ("今年以来，我们为辖区86家小微企业上门开展计量服务，解决计量器具检定难题23个。但县域检定能力仍然不足，"
     "下一步我们将在东港设立检定分站。", PassageKind.PRACTICE),
    ("全年共检查经营户1530家，立案查处价格违法案件19起，罚没款合计46万元，清退多收费用63.2万元。", PassageKind.WORK_REPORT),
    ("学习中我认识到，调查研究不是走过场。只有沉到一线、摸清实情，才能拿出管用的办法；"
     "如果只是坐在办公室里听汇报、看材料，得出的结论往往与实际相去甚远，决策也就难免出偏差。", PassageKind.ELABORATION),
    ("要坚持问题导向，聚焦短板弱项，拿出务实管用的举措。", PassageKind.STATEMENT),
])
def test_passage_kind_examples(text, kind):
    assert passage_kind(text) == kind


def test_features_count_figures_and_reflection():
    f = features("我局今年办结投诉2860件，满意率99.6%。不过回访中发现仍有不足，计划明年增设3个服务点。")
    assert (f.figures, f.problem, f.next_step, f.first_person_work) == (3, True, True, True)
    assert f.concrete and f.reflective


def own_reading(text):
    """(concrete anchors, own theory sentences) of a passage, read sentence by sentence as topic coverage reads
    the member's own words."""
    from pipeline.lexicon import sentences
    from pipeline.topics.sentence_roles import SentenceRole, practice_anchors, sentence_role

    anchors, theory = 0, []
    for sentence in sentences(text):
        found = practice_anchors(sentence)
        role = sentence_role(sentence, found, theory_chars=15)
        anchors += len(found) if role is SentenceRole.PRACTICE else 0
        theory += [sentence] if role is SentenceRole.THEORY else []
    return anchors, theory


@pytest.mark.parametrize("key, practice, theory", [
    ("practice", True, None), ("work_report", True, None), ("theory", False, True),
    ("slogans", False, False), ("mentions", False, False), ("generic", False, False),
])
def test_sentences_of_practice_and_theory_on_the_building_blocks(key, practice, theory):
    """Practice — a bank's percentages, a bureau's inspections — carries two concrete anchors or more; theory
    argues in sentences with none; slogans, study reports and stock sentences are neither."""
    texts = blocks(key)
    wrong = []
    for t in texts:
        anchors, argued = own_reading(t)
        if (anchors >= 2) != practice or (theory is not None and (sum(map(len, argued)) >= 60) != theory):
            wrong.append(t)
    assert len(wrong) <= 0.05 * len(texts), wrong[:3]


@pytest.mark.parametrize("sentence, anchors", [
    ("今年4月，我院办理李某某盗窃案，依法作出相对不起诉决定。", True),   # a procuratorate's case
    ("全行普惠型小微企业贷款余额较年初增长12.6%。", True),            # a bank's percentage
    ("我国已经建成世界上规模最大的教育体系。", False),                # the nation is not the member's unit
    ("要让清风正气吹进每一个网点、每一名员工的心里。", False),          # 每一名 counts no one
    ("作为一把手，我将带头学、带头讲、带头干。", False),               # a pledge, not a plan
])
def test_practice_anchors_in_any_units_register(sentence, anchors):
    from pipeline.topics.sentence_roles import practice_anchors

    assert bool(practice_anchors(sentence)) == anchors, practice_anchors(sentence)


def test_an_instruction_for_a_season_is_not_work_done():
    from pipeline.topics.sentence_roles import SentenceRole, practice_anchors, sentence_role

    def role(sentence):
        return sentence_role(sentence, practice_anchors(sentence), theory_chars=20)

    assert role("春节期间要盯紧人员密集场所，压实各方安全责任。") is SentenceRole.OTHER
    assert role("春节期间我局检查人员密集场所12家，督促整改隐患9处。") is SentenceRole.PRACTICE
    assert role("汛期前我们准备对全镇的排水沟逐一清淤。") is SentenceRole.PRACTICE
