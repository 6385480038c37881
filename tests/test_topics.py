"""Topic coverage on the real speech, on hand-made documents, and against the dev batch's labels."""

import re

import pytest

from conftest import DEV, REALISTIC, ROOT, SHARED
from pipeline.annotations import COPIED, GENERIC, QUOTED, annotate
from pipeline.model import Source
from pipeline.submission import read_submission
from pipeline.topiclist import TopicList
from pipeline.topics import TopicMatcher

TOPICS = TopicList.load(DEV / "topics.yaml")


@pytest.fixture(scope="module")
def matcher():
    from pipeline.semantic import get_encoder

    return TopicMatcher(TOPICS, encoder=get_encoder())


def levels(matcher, path, root):
    submission = read_submission(path, batch_root=root)
    return {c.topic_id: c.level for c in matcher.coverage(submission)}


def test_real_speech_levels_through_the_whole_pipeline(tmp_path):
    """Scored as `xuexi score` scores it (copying and boilerplate found first) against the dev topics."""
    import shutil

    from pipeline.engines.local import score_batch

    batch = tmp_path / "batch"
    (batch / "submissions").mkdir(parents=True)
    shutil.copy(REALISTIC / "speech_党组书记中心组学习讲话.txt", batch / "submissions")
    shutil.copy(DEV / "topics.yaml", batch)
    shutil.copytree(DEV / "references", batch / "references")
    run = score_batch(batch, tmp_path / "out")
    got = {t["topic_id"]: t["level"] for t in run.results["documents"][0]["topics"]}
    # It covers DA2 in depth and touches DA1: its one DA1 passage is mostly 汪洋's words, quoted under the line
    # that names him (…提出明确要求：), and a closing exhortation, so DA1 earns no depth of the speaker's own.
    assert got["DA2"] >= 2 and got["DA1"] >= 1 and got["DA3"] >= 1 and got["DB1"] >= 1, got


def write(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_keyword_stuffed_slogans_earn_a_mention_only(tmp_path, matcher):
    path = write(tmp_path, "001_张三_学习心得.txt", [
        "学习心得", "张三",
        "我们要深入落实食品药品安全“四个最严”要求，坚持最严谨的标准、最严格的监管、最严厉的处罚、最严肃的问责，"
        "切实守护人民群众舌尖上的安全，全力保障食品安全和药品安全。",
        "要坚定不移推进全面从严治党，深入推进党风廉政建设和反腐败工作，持之以恒落实中央八项规定精神，驰而不息纠治四风。",
        "以上是我的粗浅体会，不妥之处请批评指正。",
    ])
    got = levels(matcher, path, tmp_path)
    assert got["DB1"] == 1 and got["DB2"] == 1, got
    assert got["DA1"] == got["DA3"] == 0


def test_own_theory_and_practice_under_a_topic_heading_reach_level_3_and_a_work_report_is_practice(tmp_path, matcher):
    path = write(tmp_path, "002_李四_研讨发言.txt", [
        "在中心组研讨会上的发言", "李四",
        "一、持续优化营商环境",
        "学习中我体会到，营商环境好不好，关键看经营主体办事是否便利、预期是否稳定。规则透明、执法公正，"
        "企业才敢投资、愿意扎根；反之，哪怕优惠政策再多，也难以留住市场主体。",
        "今年以来，我局推行企业开办“一件事”集成办理，开办时间压缩到1个工作日，新设经营主体4120户。"
        "但调研中发现，县域窗口人员业务不熟，仍有企业往返跑。下一步，我们将在6个县区开展窗口人员轮训。",
        "食品安全抽检方面，全年完成抽检3268批次，不合格57批次，立案查处27起，罚没款41.5万元。",
    ])
    got = levels(matcher, path, tmp_path)
    assert got["DA3"] == 3, got
    # figures of food-safety inspections, no theory: practice of that topic only (阐述), as the labelled
    # batches' NOTES grade a work report
    assert got["DB1"] == 2, got


def test_copied_text_earns_no_depth(tmp_path, matcher):
    theory = ("学习中我体会到，营商环境好不好，关键看经营主体办事是否便利、预期是否稳定。规则透明、执法公正，"
              "企业才敢投资、愿意扎根；反之，哪怕优惠政策再多，也难以留住市场主体。")
    path = write(tmp_path, "003_王五_学习心得.txt", ["学习心得", "王五", "一、持续优化营商环境", theory])
    submission = read_submission(path, batch_root=tmp_path)
    start = submission.text.index(theory)
    own = {c.topic_id: c.level for c in matcher.coverage(submission)}
    annotate(submission.doc, COPIED, [(start, start + len(theory), {"source": Source.parse("doc:x")})])
    copied = {c.topic_id: c.level for c in matcher.coverage(submission)}
    assert own["DA3"] == 2 and copied["DA3"] == 1


def test_dev_batch_meets_the_topic_bounds(dev_metrics):
    m = dev_metrics
    assert m["topic_qwk"] >= 0.80 and m["topic_exact"] >= 0.70, m
    assert m["topic_presence_precision"] >= 0.90 and m["topic_presence_recall"] >= 0.95, m


def test_practice_of_one_topic_does_not_lift_another_and_one_reflective_line_is_not_theory(tmp_path, matcher):
    path = write(tmp_path, "004_赵六_学习心得.txt", [
        "学习心得", "赵六",
        "一、持续优化营商环境",
        "营商环境好不好，关键看经营主体办事是否便利、预期是否稳定。规则透明、执法公正，企业才敢投资、愿意扎根；"
        "反之，哪怕优惠政策再多，也难以留住市场主体。",
        "二、深入落实食品药品安全“四个最严”要求",
        "今年我局对全市387所学校食堂逐一检查，发现隐患295个，已全部整改。说到底，安全靠的是日常。",
    ])
    got = levels(matcher, path, tmp_path)
    assert got["DA3"] == 2, got  # theory only: the figures stand under another topic
    assert got["DB1"] == 2, got  # practice and one short reflective line: not 学用结合


def assess_real(name, root):
    from pipeline.semantic import get_encoder

    return TopicMatcher(TOPICS, encoder=get_encoder()).assess(read_submission(root / name, batch_root=root))


def test_real_article_is_theory_without_practice_and_the_speech_is_neither():
    article = assess_real("article_加强和改进党委中心组学习_pdf_extract.txt", REALISTIC).diagnoses
    assert article["theory_without_practice"] and not article["work_report_not_study"], article
    assert article["theory_without_practice"]["title"] == "学用“两张皮”"
    assert "理论阐述" in article["theory_without_practice"]["reason"]
    speech = assess_real("speech_党组书记中心组学习讲话.txt", REALISTIC).diagnoses
    assert not speech["theory_without_practice"] and not speech["work_report_not_study"], speech


def expected_demo_levels():
    """member -> topic -> level, from the table of corpora/demo/EXPECTED.md (one document per member)."""
    text = (ROOT / "corpora" / "demo" / "EXPECTED.md").read_text(encoding="utf-8")
    out = {}
    for row in re.findall(r"^\| (\d{3}) (\S+) .*?\| (\d) \| (\d) \| (\d) \| (\d) \|$", text, re.M):
        out[row[1]] = dict(zip(("DT1", "DT2", "DT3", "DT4"), map(int, row[2:])))
    return out


@pytest.fixture(scope="module")
def demo_out(demo_run):
    return demo_run.out_dir, demo_run.results


def test_demo_makeup_lists_in_the_tongbao_and_the_summary_follow_expected(demo_out):
    import docx

    out, results = demo_out
    expected = expected_demo_levels()
    assert len(expected) == 13
    must = {(name, t) for name, levels in expected.items() for t, level in levels.items() if level == 0}
    bare = lambda title: re.sub("[“”‘’]", "", title)  # the 通报 nests a title's quotation marks as ‘’
    titles = {bare(t["title"]): t["id"] for t in results["topic_list"]}
    told = set()
    for paragraph in docx.Document(out / "tongbao.docx").paragraphs:  # 3．王芳同志：补学“…”、“…”。
        m = re.fullmatch(r"\d+．(.+?)同志：补学(“.+”)。", paragraph.text)
        if m:
            told |= {(m.group(1), titles[bare(t)]) for t in re.findall(r"“([^“”]+(?:‘[^’]*’[^“”]*)*)”", m.group(2))}
    html = (out / "summary.html").read_text(encoding="utf-8")
    section = html[html.index('id="missing"'):html.index("</section>", html.index('id="missing"'))]
    listed = set()
    for name, cells in re.findall(r'<th scope="row">(.+?)</th><td>(.+?)</td>', section, re.S):
        listed |= {(name, t) for t in re.findall(r"<div>(DT\d)", cells)}
    for found in (told, listed):
        assert not found - must, f"told to 补学 a topic they wrote about: {sorted(found - must)}"
        assert len(must - found) <= 1, f"missed: {sorted(must - found)}"
    assert told == listed


def test_demo_diagnoses_only_where_expected(demo_out):
    _, results = demo_out
    made = {d["doc_id"][:3]: sorted(k for k, v in d["diagnoses"].items() if v) for d in results["documents"]}
    assert {k: v for k, v in made.items() if v} == {"005": ["work_report_not_study"],
                                                    "006": ["theory_without_practice"]}, made
    for d in results["documents"]:
        if any(t["level"] == 3 for t in d["topics"]):
            assert not d["diagnoses"]["work_report_not_study"], d["doc_id"]


def _keyed_submission(batch: str, path):
    """One labelled document with the key's copied, quoted and stock passages annotated (set aside), and its key."""
    import json

    root = SHARED / "eval" / batch
    submission = read_submission(path, batch_root=root)
    label = json.loads((root / "labels.json").read_text(encoding="utf-8"))["documents"][submission.doc_id]

    def spans(items):
        out = []
        for item in items:
            passage = item["text"] if isinstance(item, dict) else item
            at = submission.text.find(passage)
            if at >= 0:
                out.append((at, at + len(passage), {"source": Source.read(item.get("source"))}
                            if isinstance(item, dict) else {}))
        return out

    for group in (COPIED, QUOTED, GENERIC):
        annotate(submission.doc, group, spans(label[group]))
    return submission, label


def _keyed_coverage(batch: str, doc: str, **config):
    """Levels of one labelled document, with the key's copied, quoted and stock passages set aside."""
    from pipeline.batch import Batch
    from pipeline.semantic import get_encoder
    from pipeline.topics import TopicConfig

    root = SHARED / "eval" / batch
    path = next(p for p in (root / "submissions").iterdir() if p.name.startswith(doc))
    submission, label = _keyed_submission(batch, path)
    matcher = TopicMatcher(Batch.open(root).topics, encoder=get_encoder(), config=TopicConfig(**config))
    got = matcher.coverage(submission)
    return {c.topic_id: c.level for c in got}, label["topics"]


@pytest.mark.parametrize("batch, doc, topic", [("university", "002", "UA3"), ("procuratorate", "008", "JC2")])
def test_a_topic_written_about_in_other_words_is_named_not_sent_to_makeup(batch, doc, topic):
    """Practice that stands under another heading and names none of the topic's keywords (a joint lab's research
    projects; a procuratorate's 诉前检察建议) is still about the topic, never 补学; and since it is the member's own
    practice, it is the topic's practice: 阐述, as the key has it (提及 before the practice counted). Without the
    semantic mention (an unreachable margin) the same text reads 未涉及, which is what the rule is for."""
    got, key = _keyed_coverage(batch, doc)
    assert key[topic] == 2 and got[topic] == 2, (got, key)
    without, _ = _keyed_coverage(batch, doc, mention_margin=1e9)
    assert without[topic] == 0, without


def test_a_notebooks_lead_ins_and_title_lines_are_neither_practice_nor_theory():
    """A notebook (township 004) dates what it studied and heads each entry with a form's field: the date in
    学县委书记6月28日现场推进会讲话，摘抄两句： is the speech's, not the member's work, and 主题：新时代“枫桥经验”与基层治理
    argues nothing. Read as practice and theory they lifted TC4 to 阐述 and TC2 to 学用结合; the key has 提及
    (quotations and a slogan) and 阐述 (own practice, no theory)."""
    got, key = _keyed_coverage("township", "004")
    assert (key["TC2"], key["TC4"]) == (2, 1) and (got["TC2"], got["TC4"]) == (2, 1), (got, key)


def test_practice_under_a_topics_heading_counts_for_it_unless_plainly_nearer_another():
    """Procuratorate 009's case figures stand under its 高质效办案 section; a paragraph of them a hair nearer another
    topic (less than `topic_margin`) is still the practice the member filed there, so JC1 is 学用结合 as keyed.
    Read as a work report filed under the heading, it left JC1 at 阐述."""
    got, key = _keyed_coverage("procuratorate", "009")
    assert key["JC1"] == 3 and got["JC1"] == 3, (got, key)
    apart, _ = _keyed_coverage("procuratorate", "009", topic_margin=0.0)
    assert apart["JC1"] == 2, apart


def test_semantic_mention_names_no_topic_a_member_left_out():
    """A village cadre's talk of old people's vegetable plots is near the farmland topic but is not about it: the
    key leaves TC4 未涉及, and so does the matcher — closeness must be plain, not a lean."""
    got, key = _keyed_coverage("township", "008")
    assert key["TC4"] == 0 and got["TC4"] == 0, (got, key)


class _Asked:
    """An encoder that counts the texts it is asked to embed."""

    def __init__(self, encoder):
        self.encoder, self.texts = encoder, 0

    def encode(self, texts, kind="passage"):
        self.texts += len(texts)
        return self.encoder.encode(texts, kind=kind)


def test_the_mention_model_is_asked_only_where_a_topic_is_left_open():
    """The default run reads topics with the static model and asks the transformer only whether a topic nothing
    else found was written about in other words (pipeline.engines.stages.topic_matcher). A document whose every
    topic has other evidence costs no transformer call, and the levels the mention cannot change stay. (A document
    left with a topic open may still go unasked: too little content of theory or practice to compare.)"""
    from pipeline.engines.stages import TOPIC_READER
    from pipeline.semantic import get_encoder
    from pipeline.topics import TopicConfig

    reader = get_encoder(TOPIC_READER)
    without = TopicMatcher(TOPICS, encoder=reader, config=TopicConfig(mention_margin=1e9))
    mention_model = _Asked(get_encoder())
    matcher = TopicMatcher(TOPICS, encoder=reader, mention_encoder=mention_model)
    asked_for = []
    for path in sorted((DEV / "submissions").iterdir()):
        submission = read_submission(path, batch_root=DEV)
        mention_model.texts = 0  # the topics' own profiles were embedded once, above
        got = {c.topic_id: c.level for c in matcher.coverage(submission)}
        before = {c.topic_id: c.level for c in without.coverage(submission)}
        if 0 not in before.values():
            assert mention_model.texts == 0, path.name
        assert {t: lv for t, lv in got.items() if before[t]} == {t: lv for t, lv in before.items() if lv}
        asked_for.append(mention_model.texts > 0)
    assert 0 < sum(asked_for) < len(asked_for)  # the batch has both kinds of document


def test_the_mention_model_is_asked_only_where_the_reader_sees_a_sentence_lean_toward_an_open_topic(tmp_path):
    """The cascade of a default run (TopicConfig.mention_floor): the static reader's vectors first, the slower
    mention model only for a document where some sentence leans toward a topic left open. On the bank batch, whose
    members write about topics in words not their own, the levels are those of the mention model asked about every
    sentence of every document, with fewer documents asked and fewer sentences read: a document is read whole only
    where a mention is possible, so every document where one is named is read whole and some others only in part.
    With a floor no sentence reaches it is never asked, and the topics it named go back to 未涉及: the floor is what
    decides whether it is asked."""
    from pipeline.batch import Batch
    from pipeline.engines.stages import TOPIC_READER
    from pipeline.semantic import get_encoder
    from pipeline.topics import TopicConfig

    root = SHARED / "eval" / "bank"
    topics = Batch.open(root).topics
    reader = get_encoder(TOPIC_READER, cache_dir=tmp_path)
    mention_model = _Asked(get_encoder(cache_dir=tmp_path))
    documents = [_keyed_submission("bank", p)[0] for p in sorted((root / "submissions").iterdir())]

    def assessed(floor):
        matcher = TopicMatcher(topics, encoder=reader, mention_encoder=mention_model,
                               config=TopicConfig(mention_floor=floor))
        read, levels = [], []
        for submission in documents:
            before = mention_model.texts
            levels.append({c.topic_id: c.level for c in matcher.coverage(submission)})
            read.append(mention_model.texts - before)
        return read, levels

    read_always, always = assessed(float("-inf"))
    read, cascaded = assessed(TopicConfig().mention_floor)
    read_never, never = assessed(float("inf"))
    assert cascaded == always
    asked, asked_always = sum(n > 0 for n in read), sum(n > 0 for n in read_always)
    assert 0 < asked < asked_always
    assert all(n <= whole for n, whole in zip(read, read_always))
    assert any(0 < n < whole for n, whole in zip(read, read_always))  # read in part: no mention was possible
    named = [i for i, (c, n) in enumerate(zip(cascaded, never)) if c != n]
    assert named and all(read[i] == read_always[i] for i in named)
    assert sum(read_never) == 0 and never != always


def test_a_run_on_the_static_backend_reads_topics_with_its_own_encoder(tmp_path):
    """--semantic static: the topic reader is the run's backend, loaded once; any other backend is asked only for
    mentions, beside the static reader."""
    from pipeline.batch import Batch
    from pipeline.engines.stages import topic_matcher, topic_reader
    from pipeline.semantic import get_encoder
    from pipeline.topics import TopicConfig

    topics = Batch.open(DEV).topics
    static = get_encoder("static", cache_dir=tmp_path)
    matcher = topic_matcher(topics, static, topic_reader(static, "static", tmp_path), TopicConfig())
    assert matcher.encoder is static and matcher.mention_encoder is static
    lexical = get_encoder("lexical", cache_dir=tmp_path)
    other = topic_matcher(topics, lexical, topic_reader(lexical, "lexical", tmp_path), TopicConfig())
    assert other.mention_encoder is lexical and other.encoder is not lexical
    assert other.encoder.name == static.name
