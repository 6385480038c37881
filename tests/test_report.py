"""The reports (pipeline.report) on the dev batch as scored, and on the same results with the copying and
boilerplate fields filled from the dev labels the way the detectors fill them (offsets into the text, the
source passage, ratios, reasons, diagnoses), plus a submission carrying markup. The pages are opened in
headless Chromium (Debian's /usr/bin/chromium, driven by Playwright without a browser download) and checked
for what a person sees."""

from __future__ import annotations

import copy
import csv
import re
from dataclasses import replace
from difflib import SequenceMatcher
from pathlib import Path

import pytest
from conftest import DEV

from pipeline.model import PackedDocuments, QuotedPassage, Results, Source, SourceKind
from pipeline.report import QuarterReport, write_reports
from pipeline.report.highlight import Locator, Mark, char_diff, marked_paragraphs
from pipeline.report.tongbao import tongbao_blocks

CHROMIUM = Path("/usr/bin/chromium")
HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
STOCK_REASONS = ["堆砌常见套语：“高度重视”“持之以恒”", "没有数字、时间、地点、本单位做法或本人体会，放进哪篇材料都一样"]


# ---- fixtures: real results, filled the way the copy and boilerplate detectors fill them

def _source_text(source: str, labels: dict) -> str:
    kind, _, name = source.partition(":")
    if kind == "doc":
        return labels[name]["text"]
    folder = {"ref": "references", "prior": "prior"}[kind]
    return (DEV / folder / f"{name}.txt").read_text(encoding="utf-8")


def _matching_passage(source: str, passage: str) -> tuple[str, float]:
    """The run of the source's sentences most like the passage (difflib ratio), as a detector would cite it."""
    sentences = [s for s in re.split(r"(?<=[。！？；])", source) if s.strip()]
    size = max(1, len(re.findall(r"[。！？；]", passage)))
    best = ("", 0.0)
    for i in range(len(sentences)):
        for n in {max(1, size - 1), size, size + 1}:
            window = "".join(sentences[i:i + n]).strip()
            ratio = SequenceMatcher(None, passage, window, autojunk=False).ratio()
            if ratio > best[1]:
                best = (window, ratio)
    return best


def with_detectors(results: dict, labels: dict) -> dict:
    """`results` with copied / quoted / generic spans, copy_ratios, generic_ratio and diagnoses taken from the
    dev labels, each located in the document's text by offsets."""
    out = copy.deepcopy(results)
    for doc in out["documents"]:
        label, text, chars = labels[doc["doc_id"]], doc["text"], doc["chars"]

        def span(passage):
            at = text.find(passage)
            return {"start": at, "end": at + len(passage)} if at >= 0 else None

        doc["copied"] = []
        for c in label["copied"]:
            where = span(c["text"])
            if where:
                source_text, similarity = _matching_passage(_source_text(c["source"], labels), c["text"])
                doc["copied"].append({"text": c["text"], "source": c["source"], "kind": c["kind"],
                                      "similarity": round(similarity, 3), **where, "source_text": source_text})
        doc["quoted"] = [{"text": q["text"], "source": q["source"], **span(q["text"])}
                         for q in label["quoted"] if span(q["text"])]
        doc["generic"] = [{"text": g, "kind": "stock", "reasons": STOCK_REASONS, **span(g)}
                          for g in label["generic"] if span(g)]
        per_source: dict[str, float] = {}
        for c in doc["copied"]:
            per_source[c["source"]] = per_source.get(c["source"], 0) + len(c["text"]) / chars
        doc["copy_ratio"] = round(sum(per_source.values()), 4)
        top = max(sorted(per_source), key=per_source.get) if per_source else None
        doc["copy_ratios"] = {
            "without_quotes": doc["copy_ratio"],
            "without_own": round(sum(v for k, v in per_source.items() if not k.startswith("prior:")), 4),
            "largest_source": {"source": top, "ratio": round(per_source[top], 4)} if top else None,
            "per_source": {k: round(v, 4) for k, v in sorted(per_source.items())},
        }
        doc["generic_ratio"] = round(sum(len(g["text"]) for g in doc["generic"]) / chars, 4)
        doc["diagnoses"] = {"theory_without_practice": None, "work_report_not_study": None}
    # one work report, diagnosed as the boilerplate detector words it
    reported = next(d for d in out["documents"] if not d["copied"])
    reported["diagnoses"]["work_report_not_study"] = {
        "title": "以工作总结代替学习体会",
        "reason": "正文大部分是工作总结式的数字和成绩，既没有联系所学理论，也没有反思问题、提出打算",
        "evidence": [max(reported["text"].split("\n"), key=len)[:80] + "……"]}
    return out


@pytest.fixture(scope="module")
def dev_results(dev_run) -> dict:
    return dev_run.results


@pytest.fixture(scope="module")
def full_results(dev_results, dev_labels) -> dict:
    """With copying and boilerplate, and markup in a submission: a line of it appended to the first document's
    text (earlier offsets stay valid), flagged as boilerplate, and markup in a copied passage's source."""
    results = with_detectors(dev_results, dev_labels)
    doc = next(d for d in results["documents"] if d["copied"])
    start = len(doc["text"]) + 1
    doc["text"] += "\n" + HOSTILE + "\n"
    doc["generic"].append({"text": HOSTILE, "kind": "slogan", "reasons": ["<b>不是粗体</b>"],
                           "start": start, "end": start + len(HOSTILE)})
    doc["copied"][0]["source_text"] += "<b>粗体？</b>"
    results["failed"] = [{"file": "submissions/099_某某_学习心得.pdf",
                          "error": "099_某某_学习心得.pdf: 扫描件没有文字层，请提交文字版"}]
    return results


@pytest.fixture(scope="module")
def full_out(full_results, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    write_reports(full_results, out)
    return out


# ---- every output, from the results as scored today and as they will be

def test_scoring_the_dev_batch_writes_every_output(dev_run):
    out = dev_run.out_dir
    assert dev_run.report_error is None
    expected = {"summary.html", "tongbao.docx", "scores.csv", "scores.xlsx", "results.json"}
    expected |= {f"documents/{d['doc_id']}.html" for d in dev_run.results["documents"]}
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts}
    assert written == expected
    assert all((out / name).stat().st_size > 0 for name in expected)


def test_every_report_is_written_from_results_with_every_stage(full_results, tmp_path):
    results = full_results
    paths = write_reports(results, tmp_path).files
    docs = results["documents"]
    expected = {"summary.html", "tongbao.docx", "scores.csv", "scores.xlsx"}
    expected |= {f"documents/{d['doc_id']}.html" for d in docs}
    assert {p.relative_to(tmp_path).as_posix() for p in paths} == expected
    assert all(p.stat().st_size > 0 for p in paths)
    summary = (tmp_path / "summary.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", summary), "a page must not fetch anything"
    for d in docs:
        assert f'href="documents/{d["doc_id"]}.html' in summary


def test_reports_are_the_same_when_written_twice(full_results, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    write_reports(full_results, first)
    write_reports(full_results, second)
    for name in ["summary.html", "scores.csv", f"documents/{full_results['documents'][0]['doc_id']}.html"]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_the_report_keeps_briefs_and_each_page_reads_its_whole_record(full_results, full_out, tmp_path):
    """A scoring run holds its records packed (PackedDocuments); the report keeps of each record its brief, without
    text or passages, and each page and the score sheet read the whole record again: the same files as from
    the records read whole."""
    results = Results.from_dict(full_results)
    packed = replace(results, documents=PackedDocuments(results.documents))
    report = QuarterReport(packed)
    assert all(d.brief.text is None and not (d.brief.copied or d.brief.quoted or d.brief.generic)
               and not any(t.evidence for t in d.brief.topics) for d in report.documents)
    whole = {d["doc_id"]: d for d in full_results["documents"]}
    assert all(d.record.text == whole[d.doc_id]["text"] and len(d.copied) == len(whole[d.doc_id]["copied"])
               for d in report.documents)
    write_reports(packed, tmp_path)
    names = ["summary.html", "scores.csv", *(f"documents/{doc_id}.html" for doc_id in whole)]
    for name in names:
        assert (tmp_path / name).read_bytes() == (full_out / name).read_bytes(), name


def test_a_results_file_without_later_stages_still_reports(dev_results, tmp_path):
    """An older results.json: no text, no offsets, no copy_ratios, generic_ratio or diagnoses, a document
    without topics, another without an author."""
    results = copy.deepcopy(dev_results)
    for doc in results["documents"]:
        for key in ("text", "copy_ratios", "generic_ratio", "diagnoses", "structure"):
            doc.pop(key, None)
        doc["copied"] = [{"text": "不在正文里的一段话", "source": "lib:范文网"}]
    results["documents"][0]["topics"] = []
    results["documents"][1].pop("author")
    del results["topic_list"][0]["key_points"]
    write_reports(results, tmp_path)
    page = (tmp_path / "documents" / f"{results['documents'][0]['doc_id']}.html").read_text(encoding="utf-8")
    assert "未评估" in page and "结果文件中没有这篇材料的全文" in page and "比对文库范文网" in page
    assert "（未署名）" in (tmp_path / "summary.html").read_text(encoding="utf-8")


# ---- what the reports say

def test_a_diagnosis_shows_its_reason_once_with_its_evidence(full_results, full_out):
    doc = next(d for d in full_results["documents"] if (d.get("diagnoses") or {}).get("work_report_not_study"))
    page = (full_out / "documents" / f"{doc['doc_id']}.html").read_text(encoding="utf-8")
    diagnosis = doc["diagnoses"]["work_report_not_study"]
    head, detail = diagnosis["title"], diagnosis["reason"]
    assert f"<strong>{head}</strong>：{detail}" in page and page.count(detail) == 1
    assert diagnosis["evidence"][0] in page


def test_members_take_their_best_document_and_must_restudy_only_what_none_covers(dev_results):
    results = copy.deepcopy(dev_results)
    a, b = results["documents"][:2]
    b["author"] = a["author"]  # one member, two documents
    report = QuarterReport(results)
    member = next(m for m in report.members if m.name == a["author"])
    levels = {t["topic_id"]: max(t["level"], u["level"]) for t, u in zip(a["topics"], b["topics"])}
    assert member.levels == levels
    required = {t["id"] for t in results["topic_list"] if t["required"]}
    assert {t.id for t in member.missing_required} == {k for k, v in levels.items() if v == 0 and k in required}
    assert len(report.members) == len(results["documents"]) - 1


def test_concern_ranks_copied_boilerplate_and_unstudied_documents_first(full_results):
    report = QuarterReport(full_results)
    ranked = report.ranked
    assert [d.concern.rank for d in ranked] == list(range(1, len(ranked) + 1))
    assert [d.concern.score for d in ranked] == sorted((d.concern.score for d in ranked), reverse=True)
    by_id = {d.doc_id: d for d in report.documents}
    clean = min(report.documents, key=lambda d: (d.copy_ratio + (d.generic_ratio or 0) + len(d.missing_required)))
    worst = ranked[0]
    assert worst.copy_ratio + (worst.generic_ratio or 0) > clean.copy_ratio + (clean.generic_ratio or 0)
    for doc in report.documents:
        if doc.copy_ratio > 0:
            assert any(r.startswith("总文字复制比") for r in by_id[doc.doc_id].concern.reasons)
        assert (f"{len(doc.missing_required)}个必学专题未涉及" in "；".join(doc.concern.reasons)) == bool(doc.missing_required)


def test_scores_csv_and_xlsx_have_one_row_per_document(full_results, full_out):
    from openpyxl import load_workbook

    raw = (full_out / "scores.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the byte-order mark to read UTF-8 Chinese"
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    docs = {d["doc_id"]: d for d in full_results["documents"]}
    assert [r["材料"] for r in rows] == sorted(docs)
    for row in rows:
        doc = docs[row["材料"]]
        assert row["作者"] == doc["author"] and row["类型"] == doc["doc_type"]
        for t in doc["topics"]:
            assert row[f"{t['topic_id']} 层次"] == str(t["level"])
        assert float(row["总文字复制比"]) == pytest.approx(doc["copy_ratio"])
        assert float(row["去除本人复制比"]) == pytest.approx(doc["copy_ratios"]["without_own"])
        assert float(row["套话占比"]) == pytest.approx(doc["generic_ratio"])
    assert sorted(int(r["关注排名"]) for r in rows) == list(range(1, len(rows) + 1))
    assert any(r["问题诊断"] == "以工作总结代替学习体会" for r in rows)

    book = load_workbook(full_out / "scores.xlsx")
    assert book.sheetnames == ["材料（按关注度）", "问题标记", "未学名单", "复制来源"]
    sheet = book["材料（按关注度）"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(rows[0].keys()) + ["材料页面"]
    by_rank = sorted(rows, key=lambda r: int(r["关注排名"]))
    assert [v[0] for v in values[1:]] == [r["材料"] for r in by_rank]  # sorted by concern
    level = values[0].index(f"{full_results['topic_list'][0]['id']} 层次")
    assert all(str(v[level]).split()[1] in ("未涉及", "提及", "阐述", "学用结合") for v in values[1:])
    links = [sheet.cell(i, len(values[0])).hyperlink.target for i in range(2, len(values) + 1)]
    assert links == [f"documents/{r['材料']}.html" for r in by_rank]
    assert all((full_out / link).is_file() for link in links)
    assert sheet.freeze_panes == "C2" and sheet.page_setup.orientation == "landscape"
    ratio_column = values[0].index("总文字复制比") + 1
    assert sheet.cell(2, ratio_column).number_format == "0.0%"
    flags = list(book["问题标记"].iter_rows(values_only=True))
    assert len(flags) - 1 == sum(len(d["copied"]) + len(d["quoted"]) + len(d["generic"]) for d in docs.values()) + sum(
        1 for d in docs.values() for v in (d.get("diagnoses") or {}).values() if v)
    assert {f[3] for f in flags[1:]} >= {"复制", "套话"} and all(f[8] in ("待审", "已确认", "已排除") for f in flags[1:])
    assert list(book["未学名单"].iter_rows(values_only=True))[0] == ("专题", "专题名称", "须补学的同志")


def test_tongbao_is_a_gongwen_draft_naming_examples_and_who_must_restudy(full_results, full_out):
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = docx.Document(full_out / "tongbao.docx")
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(Mm(x).mm) for x in (37, 35, 28, 26)] == [
        round(v.mm) for v in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)]
    paragraphs = [p for p in document.paragraphs if p.text.strip()]
    title = paragraphs[0]
    assert title.text.replace("\n", "") == "关于2026年第三季度党组理论学习中心组学习情况的通报"
    assert "党组理论学习中心组学习情况的通报" in title.text.split("\n")[-1]  # the title breaks between phrases

    def east_asian(run):
        return run._r.rPr.rFonts.get(qn("w:eastAsia"))

    assert {east_asian(r) for r in title.runs} == {"方正小标宋简体"} and title.runs[0].font.size == Pt(22)
    assert paragraphs[1].text.endswith("理论学习中心组各位成员：")
    headings = [p.text for p in paragraphs if p.runs and east_asian(p.runs[0]) == "黑体"]
    assert headings == ["一、基本情况", "二、好的做法和典型", "三、存在的问题", "四、下一步要求"]
    body = next(p for p in paragraphs if p.text.startswith("本季度共有"))
    assert east_asian(body.runs[0]) == "仿宋_GB2312" and body.runs[0].font.size == Pt(16)
    normal = document.styles["Normal"].paragraph_format
    assert normal.line_spacing == Pt(28.95)
    leads = [p for p in paragraphs if p.runs and east_asian(p.runs[0]) == "楷体_GB2312"]
    assert any(p.runs[0].text == "（一）督促补学。" for p in leads)

    # who must 补学 what, read back from the document, is what the results say
    docs = full_results["documents"]
    required = {t["id"]: t["title"] for t in full_results["topic_list"] if t["required"]}
    expected = {(d["author"], required[t["topic_id"]]) for d in docs for t in d["topics"]
                if t["level"] == 0 and t["topic_id"] in required}
    named = set()
    for p in paragraphs:  # one line a member: 3．王芳同志：补学“…”、“…”。
        m = re.fullmatch(r"\d+．(.+?)同志：补学(“.+”)。", p.text)
        if m:
            titles = re.findall(r"“((?:[^“”])+)”", m.group(2))
            named |= {(m.group(1), t.replace("‘", "“").replace("’", "”")) for t in titles}
    assert named == expected and named

    # good examples: level 3 somewhere, in a document without copying above the line or diagnoses
    report = QuarterReport(full_results)
    examples = {p.text.split("同志")[0].split("．")[1] for p in paragraphs if re.match(r"\d+．.+同志在", p.text)}
    assert examples == {g.member for g in report.good_examples()}
    for name in examples:
        docs_of = [d for d in report.documents if d.member == name]
        assert any(3 in d.levels.values() and d.copy_ratio < report.config.flag_copy_ratio for d in docs_of)
    text = "\n".join(p.text for p in paragraphs)
    copying = sum(1 for d in docs if d["copy_ratio"] >= report.config.flag_copy_ratio)
    assert f"有{copying}篇材料文字复制比在20%以上" in text
    assert f"{full_results['unit']}理论学习中心组" in text  # 落款: the unit and the run's date
    stamp = full_results["generated_at"][:10].split("-")
    assert f"{int(stamp[0])}年{int(stamp[1])}月{int(stamp[2])}日" in text


def test_tongbao_of_a_quarter_without_problems_says_so(dev_results):
    results = copy.deepcopy(dev_results)
    for doc in results["documents"]:
        for t in doc["topics"]:
            t["level"] = 3
        doc.update(copied=[], generic=[], copy_ratio=0.0, copy_ratios={}, generic_ratio=0.0, diagnoses={})
    texts = [b.text for b in tongbao_blocks(QuarterReport(results))]
    assert "本季度材料未发现明显的照搬照抄、空话套话和漏学必学专题等问题。" in texts
    assert not any("补学“" in t for t in texts)


# ---- the text with its marks

def test_marks_never_overlap_and_the_text_reads_as_written():
    text = "一、学习体会\n  甲乙丙丁戊己庚辛壬癸。子丑寅卯辰巳。\n\n午未申酉戌亥。"
    marks = [Mark("generic", 1, 9, 20), Mark("copied", 1, 12, 16), Mark("quoted", 1, 32, 35)]
    paragraphs = marked_paragraphs(text, marks, [(9, 20, "DA1 阐述"), (0, 6, "DA1 标题")])
    assert ["".join(s.text for s in p.segments) for p in paragraphs] == ["一、学习体会", "甲乙丙丁戊己庚辛壬癸。子丑寅卯辰巳。", "午未申酉戌亥。"]
    kinds = [(s.text, s.mark.kind if s.mark else None) for s in paragraphs[1].segments]
    assert kinds == [("甲乙丙", "generic"), ("丁戊己庚", "copied"), ("辛壬癸。", "generic"), ("子丑寅卯辰巳。", None)]
    assert [s.last for s in paragraphs[1].segments] == [False, True, True, False]  # a mark's number follows its end
    assert paragraphs[0].notes == ("DA1 标题",) and paragraphs[1].notes == ("DA1 阐述",)
    assert [(s.text, s.mark.kind if s.mark else None) for s in paragraphs[2].segments] == [("午未申", None), ("酉戌亥", "quoted"), ("。", None)]


def test_a_passage_with_stale_offsets_is_found_by_its_text():
    text = "前言。\n全面从严治党永远在路上。后记。"
    locate = Locator(text)
    assert locate.span(QuotedPassage("全面从严治党永远在路上。", start=0, end=5)) == (4, 16)
    assert locate.span(QuotedPassage("全面从严 治党永远在路上")) == (4, 15)  # white space ignored
    assert locate.span(QuotedPassage("别处的话")) is None


def test_char_diff_marks_only_what_differs():
    ours, theirs = char_diff("我局推进数字化转型", "要推动数字化转型")
    assert "".join(p.text for p in ours) == "我局推进数字化转型"
    assert "".join(p.text for p in theirs) == "要推动数字化转型"
    assert [p.text for p in ours if not p.changed] == ["推", "数字化转型"]
    assert {p.text for p in theirs if p.changed} == {"要", "动"}


def test_charts_draw_without_a_chinese_font(full_results, monkeypatch):
    import base64
    import io

    from PIL import Image

    from pipeline.report import charts

    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    report = QuarterReport(full_results)
    for chart in (charts.level_distribution(report), charts.document_ratios(report)):
        image = Image.open(io.BytesIO(base64.b64decode(chart.uri.split(",", 1)[1])))
        assert image.format == "PNG" and image.width > 400


def test_the_ratio_chart_of_a_large_quarter_keeps_to_the_highest_shares(full_results, monkeypatch):
    """A bar per document would make a province's chart metres long: past MAX_RATIO_BARS it shows the highest."""
    import base64
    import io

    from PIL import Image

    from pipeline.report import charts

    def height(chart):
        return Image.open(io.BytesIO(base64.b64decode(chart.uri.split(",", 1)[1]))).height

    report = QuarterReport(full_results)
    assert len(report.documents) > 3
    every = height(charts.document_ratios(report))
    monkeypatch.setattr(charts, "MAX_RATIO_BARS", 3)
    assert height(charts.document_ratios(report)) < every / 2


# ---- in the browser: what a person sees

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run"],
            viewport={"width": 1100, "height": 900})
        yield context
        context.close()


def _open(browser, path: Path):
    page = browser.new_page()
    requests, dialogs = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, requests, dialogs


def test_summary_in_the_browser(browser, full_results, full_out):
    page, requests, _ = _open(browser, full_out / "summary.html")
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    report = QuarterReport(full_results)
    assert page.locator("h1").inner_text() == "2026年第三季度理论学习中心组学习情况汇总"

    # the heat map: one row per member, each cell the member's level in words
    topic_ids = page.locator("table.heat thead th.topic").all_inner_texts()
    assert [t.split("\n")[0] for t in topic_ids] == [t["id"] for t in full_results["topic_list"]]
    rows = page.locator("table.heat tbody tr")
    assert rows.count() == len({d["author"] for d in full_results["documents"]})
    names = {"0": "未涉及", "1": "提及", "2": "阐述", "3": "学用结合"}
    for doc in full_results["documents"]:
        row = page.locator("table.heat tbody tr", has=page.locator(f"th:text-is('{doc['author']}')"))
        cells = row.locator("td.level").all_inner_texts()
        for t, cell in zip(doc["topics"], cells):
            assert cell.split("\n")[0] == f"{t['level']} {names[str(t['level'])]}"
            assert ("须补学" in cell) == (t["level"] == 0)
    colours = {page.locator(f"table.heat td.l{lv}").first.evaluate("e => getComputedStyle(e).backgroundColor")
               for lv in range(4)}
    assert len(colours) == 4, "each level has its own colour"

    # the 未学 list names every member with a required topic at level 0, with the topics
    missing = page.locator("table.missing tbody tr")
    expected = {m.name: [t.id for t in m.missing_required] for m in report.members if m.missing_required}
    assert missing.count() == len(expected)
    for i in range(missing.count()):
        name = missing.nth(i).locator("th").inner_text()
        assert [line.split(" ")[0] for line in missing.nth(i).locator("td").inner_text().split("\n")] == expected[name]

    # charts are drawn images, the ranking follows the concern score, the failed file is listed with its reason
    sizes = page.locator("img.chart").evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
    assert len(sizes) == 2 and min(sizes) > 400
    ranked = page.locator("table.ranking tbody tr td:nth-child(3)").all_inner_texts()
    assert ranked == [d.doc_id for d in report.ranked]
    assert "扫描件没有文字层" in page.locator("#failed").inner_text()

    # Chinese is drawn with a font that has Chinese glyphs, not boxes
    cdp = browser.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    h1 = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": h1})["fonts"]
    assert _has_chinese_glyphs([f["familyName"] for f in fonts if f["glyphCount"] > 2]), fonts

    # printed: A4 pages, charts and the ranking each start a page, nothing dark behind the text
    page.emulate_media(media="print")
    assert page.locator("#charts").evaluate("e => getComputedStyle(e).breakBefore") == "page"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
    page.close()


def _has_chinese_glyphs(families: list[str]) -> bool:
    from matplotlib import font_manager

    from pipeline.report.charts import _has_glyphs, cjk_font

    cjk_font()  # makes matplotlib's font list current
    return any(_has_glyphs(f.fname, "学习") for f in font_manager.fontManager.ttflist if f.name in families)


def test_document_page_in_the_browser(browser, full_results, full_out, tmp_path):
    doc = next(d for d in full_results["documents"] if HOSTILE in d["text"])
    page, requests, dialogs = _open(browser, full_out / "documents" / f"{doc['doc_id']}.html")
    assert all(u.startswith(("file:", "data:")) for u in requests), requests

    # markup in a submission is shown as text and never runs
    assert HOSTILE in page.locator("#fulltext").inner_text()
    assert page.title() != "pwned" and not dialogs
    assert page.evaluate("document.scripts.length") == 0 and page.locator("#fulltext img").count() == 0
    assert "<b>不是粗体</b>" in page.locator("#generic").inner_text()

    # the copied passage is red in the text and stands beside its source, with its differences marked
    first = doc["copied"][0]
    mark = page.locator("mark.copied[data-mark='copied-1']").first
    assert mark.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(251, 213, 213)"
    text_of_mark = "".join(page.locator("mark[data-mark='copied-1']").all_inner_texts())
    assert re.sub(r"\s", "", text_of_mark) == re.sub(r"\s", "", first["text"])
    pair = page.locator("#copied table.side tr.pair").first
    ours, theirs = pair.locator("td.ours"), pair.locator("td.theirs")
    assert ours.inner_text() == first["text"]
    assert theirs.inner_text() == first["source_text"]  # markup in the source shows as written
    left, right = ours.bounding_box(), theirs.bounding_box()
    assert right["x"] >= left["x"] + left["width"] - 1 and abs(right["y"] - left["y"]) < 2, "side by side"
    head = page.locator("#copied-1").inner_text()
    kind = {"verbatim": "原文照搬", "edited": "改动后照搬", "paraphrase": "换词改写"}[first["kind"]]
    assert kind in head and first["source"].split(":")[1] in head

    # quotations green, boilerplate grey, with the reasons
    if doc["quoted"]:
        assert page.locator("mark.quoted").first.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(211, 240, 214)"
    assert page.locator("mark.generic").first.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(229, 229, 229)"
    assert STOCK_REASONS[1] in page.locator("#generic").inner_text()

    # the CNKI-style ratios and each topic's level
    ratios = page.locator("#ratios").inner_text()
    assert f"{doc['copy_ratio'] * 100:.1f}%" in ratios and "去除本人复制比" in ratios
    for t in doc["topics"]:
        assert page.locator(f"#topic-{t['topic_id']} td.level").inner_text().startswith(f"{t['level']} ")
    page.screenshot(path=str(tmp_path / "document.png"), full_page=True)
    assert (tmp_path / "document.png").stat().st_size > 10_000
    page.close()


def test_copy_sources_are_named_in_words_with_their_authors(dev_results):
    """The summary, the 通报 and scores.xlsx name a source as a secretary would: another member's document of this
    quarter, an earlier one by its author, type and (when the archive kept it) quarter — never by an internal id."""
    report = QuarterReport(dev_results)
    doc = report.documents[0]
    assert report.source_name(Source(SourceKind.DOC, doc.doc_id)) == f"{doc.member}的{doc.doc_type}（本季度）"
    assert report.source_name(Source.parse("prior:P02_卫建军_学习心得")) == "卫建军往期的学习心得"
    assert report.source_name(Source.parse("prior:2026Q2/003_周海涛_调研报告")) == "周海涛往期的调研报告（2026Q2）"
    assert report.source_name(Source.parse("ref:RA1")) == "学习篇目RA1"
    assert report.source_name(Source.parse("prior:无名材料")) == "往期材料无名材料"  # a name that says no author stays
