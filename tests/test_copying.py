"""Copy detection on real text: the dev batch's submissions, references and earlier-quarter texts (read from
../shared), and passages the tests cut from them. Paraphrase runs with a stand-in encoder written here (character
bigrams), so no model is loaded; the figures with the real encoder are in bench/copying.py."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from pipeline.copying import (CheckedText, CopyConfig, CopyDetector, CopySource, find_attributed_quotes,
                              quotation_spans)
from pipeline.copying import detector as detector_module
from pipeline.copying.fingerprints import ContentView, winnow
from pipeline.copying.postings import HashCounts, bucketed_rows, fingerprint_rows, phrase_rows
from pipeline.copying.paraphrase import (Calibration, ParaphraseFinder, Sentence, Unit, bottleneck_alignment,
                                         split_sentences)
from makers import BigramEncoder
from pipeline.errors import ConfigError
from pipeline.util.recordcache import RecordCache
from pipeline.util.textnorm import NormalizedText, fold, kgram_hashes

DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev"
LEXICAL = CopyConfig(paraphrase=False)


@pytest.fixture(scope="module")
def labels():
    return json.loads((DEV / "labels.json").read_text(encoding="utf-8"))["documents"]


@pytest.fixture(scope="module")
def references():
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted((DEV / "references").glob("*.txt"))}


@pytest.fixture(scope="module")
def sources(references):
    prior = [CopySource(f"prior:{p.stem}", p.read_text(encoding="utf-8"), p.stem.split("_")[1])
             for p in sorted((DEV / "prior").glob("*.txt"))]
    return [CopySource(f"ref:{k}", v) for k, v in references.items()] + prior


def checked(doc_id: str, text: str, author: str | None = None) -> CheckedText:
    return CheckedText(doc_id, text, author, tuple(find_attributed_quotes(text)))


@pytest.fixture(scope="module")
def dev_reports(labels, sources):
    texts = [checked(d, v["text"], v["author"]) for d, v in labels.items()]
    return CopyDetector(LEXICAL).detect(texts, sources)


def covered(text: str, matches, passage: str) -> float:
    """Share of `passage` (found in `text`) that reported matches cover, on the matching view."""
    start = text.index(passage)
    marks = np.zeros(len(text), dtype=bool)
    for m in matches:
        marks[m.start:m.end] = True
    inside = [i for i in range(start, start + len(passage)) if not passage[i - start].isspace()]
    return marks[inside].mean()


# -- quotations ---------------------------------------------------------------------------------------------------

def test_attributed_quotes_are_exactly_the_labelled_ones(labels):
    for doc_id, lab in labels.items():
        text = lab["text"]
        found = [text[a:b] for a, b in find_attributed_quotes(text)]
        assert sorted(found) == sorted(q["text"] for q in lab["quoted"]), doc_id


def test_quote_offsets_attribution_and_length():
    text = "总书记深刻指出：“为人民服务。”我们要做到“两手抓”。正如《讲话》中所指出的“" + "学" * 151 + "”"
    a = text.index("为人民服务")
    long_one = text.index("学")
    # an attributed quotation is a citation however long it is
    assert find_attributed_quotes(text) == [(a, a + len("为人民服务。")), (long_one, long_one + 151)]
    assert quotation_spans(text)[1] == (text.index("两手抓"), text.index("两手抓") + 3)


def test_quotation_spans_nested_and_unclosed():
    text = "他说“甲‘乙’丙”。又“未完\n下一段“完”"
    assert quotation_spans(text) == [(3, 8), (text.index("完”"), text.index("完”") + 1)]


# -- fingerprints -------------------------------------------------------------------------------------------------

def test_content_view_maps_back_to_original_offsets():
    text = "一、学习  贯彻，\n“四个意识”ＡＢ１"
    view = ContentView.of(text)
    assert view.text == "一学习贯彻四个意识AB1"
    i = view.text.index("四个")
    a, b = view.norm_span(i, i + 4)
    assert view.norm.original_span(a, b) == (text.index("四个"), text.index("意识") + 2)
    assert view.content_index(text.index("贯")) == view.text.index("贯")
    assert view.line_starts.tolist() == [view.text.index("四")]  # the second line begins at its first content


def test_kgram_hashes_are_stable_and_positional(references):
    text = ContentView.of(references["RA1"]).text[:200]
    h = kgram_hashes(text, 13)
    assert len(h) == len(text) - 12
    assert np.array_equal(h, kgram_hashes(text, 13))
    assert np.array_equal(kgram_hashes("前缀" + text, 13)[2:], h)  # same k-gram, same hash, wherever it stands
    assert len(set(h.tolist())) == len({text[i:i + 13] for i in range(len(h))})


def test_winnowing_guarantees_a_shared_fingerprint(references, labels):
    k, w = 13, 8
    ref = ContentView.of(references["RB2"]).text
    own = ContentView.of(labels["008_郑凯_研讨发言"]["text"]).text
    for start in range(0, len(ref) - (k + w - 1), 97):
        run = ref[start:start + k + w - 1]
        host = own[:300] + run + own[300:600]
        a = set(kgram_hashes(ref, k)[winnow(kgram_hashes(ref, k), w)].tolist())
        b = set(kgram_hashes(host, k)[winnow(kgram_hashes(host, k), w)].tolist())
        assert a & b, start


# -- lexical copying on the dev batch -----------------------------------------------------------------------------

def test_dev_verbatim_and_edited_copies_found_with_their_source(labels, dev_reports):
    for doc_id, lab in labels.items():
        matches = dev_reports[doc_id].matches
        for c in lab["copied"]:
            if c["kind"] == "paraphrase":
                continue
            assert covered(lab["text"], matches, c["text"]) >= 0.95, (doc_id, c["text"][:20])
            near = [m for m in matches if m.start < lab["text"].index(c["text"]) + len(c["text"])
                    and lab["text"].index(c["text"]) < m.end]
            assert c["source"] in {m.source for m in near}, (doc_id, c["source"])


def test_dev_quotations_are_quoted_not_copied(labels, dev_reports):
    for doc_id, lab in labels.items():
        report = dev_reports[doc_id]
        assert {q.text for q in report.quoted} == {q["text"] for q in lab["quoted"]}
        for q in report.quoted:
            assert q.source == next(x["source"] for x in lab["quoted"] if x["text"] == q.text)
            assert not any(m.start < q.end and q.start < m.end for m in report.matches)


def test_dev_matches_report_the_submission_text(labels, dev_reports):
    for doc_id, lab in labels.items():
        for m in dev_reports[doc_id].matches:
            assert lab["text"][m.start:m.end] == m.text
            assert m.kind in ("verbatim", "edited") and 0 < m.similarity <= 1
            assert (m.kind == "verbatim") == (m.similarity == 1.0)


def test_within_batch_both_documents_name_each_other(labels, dev_reports):
    pairs = {(d, c["source"][4:]) for d, lab in labels.items() for c in lab["copied"] if c["source"].startswith("doc:")}
    assert pairs
    for a, b in pairs:
        assert f"doc:{b}" in dev_reports[a].per_source and f"doc:{a}" in dev_reports[b].per_source


def test_ratios_follow_from_the_matches(labels, dev_reports):
    for doc_id, lab in labels.items():
        report, text = dev_reports[doc_id], lab["text"]
        marks = np.zeros(len(text), dtype=bool)
        for m in report.matches:
            marks[m.start:m.end] = True
        chars = sum(1 for c in text if not c.isspace())
        copied = sum(1 for i, c in enumerate(text) if marks[i] and not c.isspace())
        assert report.chars == chars
        assert report.copy_ratio == pytest.approx(copied / chars, abs=1e-9)
        assert report.ratio_without_own <= report.copy_ratio and report.ratio_without_quotes <= report.copy_ratio
        assert sum(report.per_source.values()) >= report.copy_ratio - 1e-9
        if report.per_source:
            assert report.largest_source[1] == max(report.per_source.values())


def test_own_prior_text_is_left_out_of_ratio_without_own(labels, dev_reports):
    own = [(d, c) for d, lab in labels.items() for c in lab["copied"] if c["source"].startswith("prior:")
           and c["source"].split("_")[1] == lab["author"]]
    assert own
    for doc_id, c in own:
        report = dev_reports[doc_id]
        assert report.ratio_without_own < report.copy_ratio - report.per_source[c["source"]] / 2


# -- constructed cases on real text -------------------------------------------------------------------------------

SWAPS = [("进一步", "更加"), ("切实", "扎实"), ("加强", "强化"), ("推动", "推进"), ("提高", "提升"), ("确保", "保证")]


def reference_passage(references, ref="RA2", length=180) -> str:
    paragraph = max(references[ref].split("\n"), key=len)
    return paragraph[:length]


def test_edited_copy_is_one_passage_with_its_similarity(references, labels):
    passage = reference_passage(references)
    edited = passage.replace("，", "；", 1)
    for a, b in SWAPS:
        edited = edited.replace(a, b, 1)
    assert edited != passage
    own = labels["008_郑凯_研讨发言"]["text"]
    text = own[:200] + "\n" + edited + "\n" + own[200:]
    report = CopyDetector(LEXICAL).detect([checked("x", text)], [CopySource("ref:RA2", references["RA2"])])["x"]
    [match] = [m for m in report.matches if m.source == "ref:RA2"]
    assert match.kind == "edited" and 0.8 < match.similarity < 1
    start = text.index(edited)
    assert start <= match.start < start + 3 and start + len(edited) - 3 <= match.end <= start + len(edited)


def test_unattributed_quotation_is_copying_and_a_long_attributed_one_a_citation(references, labels):
    sentence = next(s for s in references["RA3"].split("。") if 50 < len(s) < 120) + "。"
    own = "\n".join(labels["008_郑凯_研讨发言"]["own"])
    src = [CopySource("ref:RA3", references["RA3"])]
    attributed = own + "\n习近平总书记强调：“" + sentence + "”\n"
    bare = own + "\n我们要“" + sentence + "”\n"
    long_ref = references["RA3"].split("\n")[2][:200]  # 200 characters: longer than any sentence
    overlong = own + "\n习近平总书记强调：“" + long_ref + "”\n"
    reports = CopyDetector(LEXICAL).detect(
        [checked("a", attributed), checked("b", bare), checked("c", overlong)], src)
    assert [(q.text, q.source) for q in reports["a"].quoted] == [(sentence, "ref:RA3")]
    assert not reports["a"].matches
    assert not reports["b"].quoted and reports["b"].matches[0].text.startswith(sentence[:-1])
    assert [(q.text, q.source) for q in reports["c"].quoted] == [(long_ref, "ref:RA3")] and not reports["c"].matches
    assert reports["b"].ratio_without_quotes < reports["b"].copy_ratio


def test_short_reference_words_in_marks_without_source_are_copied(references, labels):
    """A clause of a reference under min_chars set in marks with no source is copied; attributed, it is a
    citation; a slogan-length run in marks is a name; the same words in marks in three members' texts circulate."""
    sentence = next(s for s in references["RA3"].split("。") if 50 < len(s) < 120)
    clause = max((c for c in sentence.split("，") if 12 <= len(ContentView.of(c).text) < 40), key=len)
    slogan = next(c[:10] for c in sentence.split("，") if len(ContentView.of(c[:10]).text) == 10)
    own = labels["008_郑凯_研讨发言"]["own"]
    src = [CopySource("ref:RA3", references["RA3"])]
    texts = {"bare": own[0] + "我们的目标就是“" + clause + "”。",
             "attributed": own[0] + "习近平总书记强调：“" + clause + "”。",
             "slogan": own[0] + "我们的目标就是“" + slogan + "”。"}
    reports = {d: CopyDetector(LEXICAL).detect([checked(d, t)], src)[d] for d, t in texts.items()}
    [match] = reports["bare"].matches
    assert (match.text, match.source, match.kind) == (clause, "ref:RA3", "verbatim")
    assert "未注明出处" in match.reason
    assert not reports["attributed"].matches and not reports["slogan"].matches
    shared = CopyDetector(LEXICAL).detect(
        [checked(d, labels[d]["own"][0] + "我们的目标就是“" + clause + "”。") for d in sorted(labels)[:3]], src)
    assert all(not r.matches for r in shared.values())
    stricter = CopyDetector(CopyConfig(paraphrase=False, unattributed_quote_chars=len(clause) + 1))
    assert not stricter.detect([checked("bare", texts["bare"])], src)["bare"].matches


@pytest.mark.parametrize("batch", ["township", "procuratorate", "bank"])
def test_labelled_unattributed_quotations_are_found_and_nothing_else_new(batch):
    """On the batches written by other hands: every short labelled verbatim copy that stands in quotation marks
    is reported from its reference with the reason, and every such report is a labelled copy."""
    root = DEV.parent / batch
    docs = json.loads((root / "labels.json").read_text(encoding="utf-8"))["documents"]
    sources = ([CopySource(f"ref:{p.stem}", p.read_text(encoding="utf-8")) for p in sorted((root / "references").glob("*.txt"))]
               + [CopySource(f"prior:{p.stem}", p.read_text(encoding="utf-8"), p.stem.split("_")[1])
                  for p in sorted((root / "prior").glob("*.txt"))])
    reports = CopyDetector(LEXICAL).detect([checked(d, v["text"], v["author"]) for d, v in docs.items()], sources)
    expected = {(d, c["text"], c["source"]) for d, v in docs.items() for c in v["copied"]
                if c["kind"] == "verbatim" and len(c["text"]) < 40
                and any(v["text"][a:b] == c["text"] for a, b in quotation_spans(v["text"]))}
    flagged = {(d, m.text, m.source) for d, r in reports.items() for m in r.matches if "未注明出处" in m.reason}
    assert expected and flagged == expected


def test_reference_wins_over_another_submission(references, labels):
    passage = reference_passage(references, "RB1", 200)
    a = labels["008_郑凯_研讨发言"]["text"][:250] + "\n" + passage
    b = labels["019_宋玉兰_学习心得"]["text"][:250] + "\n" + passage
    reports = CopyDetector(LEXICAL).detect([checked("a", a), checked("b", b)],
                                           [CopySource("ref:RB1", references["RB1"])])
    for doc in ("a", "b"):
        assert set(reports[doc].per_source) == {"ref:RB1"}


def test_text_shared_by_many_members_is_stock_not_copying(labels):
    own = max(labels["014_张志强_研讨发言"]["own"], key=len)
    hosts = [lab["text"] for d, lab in sorted(labels.items()) if d != "014_张志强_研讨发言"][:4]
    two = CopyDetector(LEXICAL).detect([checked(f"d{i}", h + "\n" + own) for i, h in enumerate(hosts[:2])], [])
    four = CopyDetector(LEXICAL).detect([checked(f"d{i}", h + "\n" + own) for i, h in enumerate(hosts)], [])
    assert two["d0"].per_source == {"doc:d1": pytest.approx(two["d0"].copy_ratio)}
    assert all(not r.matches for r in four.values())


def test_listed_formulations_never_seed_a_match():
    phrase = "学思用贯通、知信行统一，以学铸魂、以学增智、以学正风、以学促干，"
    a = "一、关于学习体会\n我们要" + phrase + "在工作中见到实效。"
    b = "二、关于下一步打算\n大家都要" + phrase + "推动事业发展。"
    reports = CopyDetector(CopyConfig(paraphrase=False, min_chars=13, min_member_chars=13)).detect(
        [checked("a", a), checked("b", b)], [])
    assert not reports["a"].matches and not reports["b"].matches


def test_results_are_deterministic(labels, sources, dev_reports):
    texts = [checked(d, v["text"], v["author"]) for d, v in labels.items()]
    again = CopyDetector(LEXICAL).detect(texts, sources)
    assert again == dev_reports


def test_the_hash_phase_bucket_by_bucket_counts_what_one_piece_counts(labels, sources, dev_reports, monkeypatch):
    detector = CopyDetector(LEXICAL)
    texts = [detector.prepare(j, s) for j, s in enumerate(sources)]
    texts += [detector.prepare(len(sources) + i, checked(d, v["text"], v["author"])) for i, (d, v) in
              enumerate(labels.items())]
    whole = detector.count(fingerprint_rows(texts), phrase_rows(texts), first_checked=len(sources))
    pieces = [detector.count(postings, phrases, first_checked=len(sources))
              for postings, phrases in bucketed_rows(texts, 8)]
    assert all(len(p.seeds) for p in pieces)  # every bucket holds some of the batch's copying
    bucketed = HashCounts.concat(pieces)
    for name in ("frequencies", "seeds", "rare"):
        one, other = getattr(whole, name), getattr(bucketed, name)
        rows = [sorted(zip(*(r[c].tolist() for c in r.columns))) for r in (one, other)]
        assert len(one) > 0 and rows[0] == rows[1], name
    monkeypatch.setattr(detector_module, "HASH_BUCKETS", 1)
    one_piece = CopyDetector(LEXICAL).detect([checked(d, v["text"], v["author"]) for d, v in labels.items()],
                                             sources)
    assert one_piece == dev_reports


def test_a_stored_report_is_kept_when_late_texts_only_make_its_phrases_recur(labels, sources, monkeypatch, tmp_path):
    """Two late texts that repeat some of a member's 4-character phrases, and no longer run, make those phrases
    recur (Evidence.recurring). A report reads that only through `recurs` (a quotation) and `formulaic` (a
    paragraph), whose answers stay the same here: the member's stored report is kept, and it equals one made anew."""
    texts = [checked(d, v["text"], v["author"]) for d, v in labels.items()]
    member = texts[0]
    content = ContentView.of(member.text).text
    late = [checked(f"late{n}", "甲乙".join(content[i:i + 4] for i in range(0, len(content) - 4, 40)) + "丙" * n)
            for n in (1, 2)]
    detector = CopyDetector(LEXICAL)
    evidence, made = {}, []
    noted = detector._stored_or_new_report
    monkeypatch.setattr(detector, "_stored_or_new_report", lambda text, checked, found, table, reports: (
        evidence.setdefault(checked.doc_id, []).append(found) or noted(text, checked, found, table, reports)))
    report = detector.report
    monkeypatch.setattr(detector, "report", lambda text, checked, *a: made.append(checked.doc_id) or report(
        text, checked, *a))
    reports = RecordCache(tmp_path, context="test")
    detector.detect(texts, sources, reports=reports)
    made.clear()
    kept = detector.detect(texts + late, sources, reports=reports)[member.doc_id]
    before, after = evidence[member.doc_id]
    assert not np.array_equal(before.recurring, after.recurring)  # the whole array, digested, would differ
    assert member.doc_id not in made
    assert kept == CopyDetector(LEXICAL).detect(texts + late, sources)[member.doc_id]


# -- paraphrase ---------------------------------------------------------------------------------------------------

def reword(sentence: str) -> str:
    """Breaks every run of 8 characters with an inserted 的, so no 13-character run survives: lexical
    matching cannot see it, while most character bigrams remain."""
    return "".join(c + ("的" if i % 8 == 7 else "") for i, c in enumerate(sentence))


def test_paraphrase_found_by_alignment_and_only_open_paragraphs_embedded(references, labels, sources):
    ref_paragraph = [p for p in references["RA1"].split("\n") if len(p) > 150][2]
    window = split_sentences(ref_paragraph, 0, len(ref_paragraph))[:2]
    paraphrase = "".join(reword(s.text) for s in window)
    own = "\n".join(labels["008_郑凯_研讨发言"]["own"])
    prior = next(s for s in sources if s.source_id.startswith("prior:"))
    recycled = max(prior.text.split("\n"), key=len)
    text = own + "\n" + paraphrase + "\n" + recycled + "\n"
    encoder = BigramEncoder()
    # Decides on distinctness alone: a rewrite is much closer to its source than is usual for its sentences.
    calibration = Calibration("bigram", candidate_distinctness=0.0, weights=(0.0, 100.0, 0.0), bias=-20.0,
                              threshold=0.5)
    report = CopyDetector(encoder=encoder, calibration=calibration).detect(
        [checked("x", text)], [s for s in sources if s.source_id.startswith("ref:")] + [prior])["x"]
    [found] = [m for m in report.matches if m.kind == "paraphrase"]
    assert (found.start, found.end) == (text.index(paraphrase), text.index(paraphrase) + len(paraphrase))
    assert found.source == "ref:RA1" and found.source_text == "".join(s.text for s in window)
    assert found.cosine >= 0.6 and found.similarity >= 0.5 and found.reason.startswith("2句与原文2句依次对应")
    assert any(m.source == prior.source_id for m in report.matches)
    assert not any(s in recycled for s in encoder.seen)  # the recycled paragraph was matched: never embedded


class TableEncoder:
    """Stand-in encoder returning the vector a test assigned to each text."""

    def __init__(self, table):
        self.table = table

    def encode(self, texts, kind="passage"):
        return np.asarray([self.table[t] for t in texts], dtype=np.float32)


def test_paraphrase_window_must_be_about_as_long_as_the_paragraph(labels, references):
    own = max(labels["008_郑凯_研讨发言"]["own"], key=len)  # one long paragraph of a member's own
    [unit_sentence] = [s for s in split_sentences(own, 0, len(own))][:1]
    unit = Unit(0, (unit_sentence,))
    short, long = "要健全防止返贫致贫监测帮扶机制。", references["RA1"].split("\n")[3][:len(unit_sentence.text)]
    refs = [(1, [[Sentence(0, len(short), short)]]), (2, [[Sentence(0, len(long), long)]])]
    same = np.ones(4, dtype=np.float32) / 2
    finder = ParaphraseFinder(TableEncoder({unit_sentence.text: same, short: same, long: same}), None, 0.0, 3, 1, 0.6)
    [found] = finder.find([unit], [unit.sentences], refs)
    assert found.source == 2 and found.similarity == pytest.approx(1.0)  # the short sentence is not enough
    assert not ParaphraseFinder(TableEncoder({unit_sentence.text: same, short: same}), None, 0.0, 3, 1, 0.6).find(
        [unit], [unit.sentences], refs[:1])


def test_bottleneck_alignment_keeps_the_weakest_link():
    sims = np.array([[0.9, 0.2, 0.1],
                     [0.3, 0.8, 0.95]])
    assert bottleneck_alignment(sims, 1) == (pytest.approx(0.8), 1)
    assert bottleneck_alignment(np.array([[0.9, 0.95]]), 1) == (pytest.approx(0.9), 0)  # ties: shorter window


def test_split_sentences_offsets_and_short_fragments():
    text = "前言\n我认为，学习要深入。标准是监管执法的尺子；尺子不准，监管就会失焦。好。"
    start = text.index("我")
    spans = [(s.start, s.end) for s in split_sentences(text, start, len(text))]
    assert [text[a:b] for a, b in spans] == ["我认为，学习要深入。", "标准是监管执法的尺子；", "尺子不准，监管就会失焦。好。"]


# -- settings -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("field,value", [("k", 0), ("min_chars", 5), ("member_common_df", 1),
                                         ("paraphrase_distinctness", 1.5), ("paraphrase_min_sentences", 0), ("max_gap", -1)])
def test_config_rejects_bad_values_with_a_plain_message(field, value):
    with pytest.raises(ConfigError, match=field):
        CopyConfig(**{field: value})


def test_unknown_source_prefix_is_a_config_error():
    with pytest.raises(ConfigError, match="ref:"):
        CopyDetector(LEXICAL).detect([checked("x", "正文")], [CopySource("RA1", "正文")])


def test_a_measure_told_the_same_way_by_two_members_is_copying_though_short():
    """Township 002 and 009 share three sentences (their “四必到” grid rule, words swapped), under a paragraph's
    length: several sentences in common are one member's account taken by another, not a stock sentence."""
    township = DEV.parent / "township"
    docs = json.loads((township / "labels.json").read_text(encoding="utf-8"))["documents"]
    pair = ("002_陈秀兰_研讨发言", "009_李桂芳_学习心得")
    reports = CopyDetector(LEXICAL).detect([checked(d, docs[d]["text"], docs[d]["author"]) for d in pair],
                                           [CopySource(f"ref:{p.stem}", p.read_text(encoding="utf-8"))
                                            for p in sorted((township / "references").glob("*.txt"))])
    for mine, theirs in (pair, pair[::-1]):
        [label] = [c for c in docs[mine]["copied"] if c["source"] == f"doc:{theirs}"]
        found = [m for m in reports[mine].matches if m.source == f"doc:{theirs}"]
        assert found and covered(docs[mine]["text"], found, label["text"]) >= 0.8


def test_the_matching_view_maps_each_character_back_to_the_one_it_folds_from(labels):
    """Every character of the matching view points at the original character it comes from, in order, and each
    original character is pointed at once for every character it folds to (white space: none), on every dev
    text and on characters that fold to several (ﬁ, ㈱) or none."""
    for original in [d["text"] for d in labels.values()] + ["", "　\n\t", "ﬁ㈱ＡＢＣ　１２３\n你好，（一）"]:
        view = NormalizedText.of(original)
        assert view.text == fold(original)
        assert list(view.offsets) == sorted(view.offsets)
        assert "".join(fold(original[i]) for i in sorted(set(view.offsets))) == view.text
        pointed = Counter(view.offsets)
        assert all(pointed[i] == len(fold(c)) for i, c in enumerate(original))
