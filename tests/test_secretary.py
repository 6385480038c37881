"""The secretary's hour on the demo quarter (corpora/demo, EXPECTED.md), in headless Chromium (Debian's
/usr/bin/chromium driven by Playwright, as in test_review and test_report): summary.html opens on what to act on
and its cards link the documents they count; without a Chinese font the charts are labelled with ids and the run
says so in one line, with no matplotlib noise; on the review page one action dismisses a document's 套话, a
passage 008 and 010 share is decided once for both, a dismissal without a note comes back beside its form with
the choice kept, quotations are not queued, and a corrected level changes the 通报's 补学 list on export."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from docx import Document
from test_review import chromium, open_as, served  # noqa: F401  (fixtures: the browser, the served review page)

from pipeline.archive import Archive
from pipeline.report import QuarterReport, write_reports
from pipeline.report.charts import NO_FONT_NOTICE

SHARED_A, SHARED_B = "008_王丽君_研讨发言", "010_陈静_调研报告"  # EXPECTED.md: one passage, both flagged
SLOGANS = "004_李国华_学习心得"                                   # EXPECTED.md: only slogans, many 套话 flags
NOTES = "009_冯志刚_学习笔记"                                     # EXPECTED.md: attributed excerpts only
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture
def archive(tmp_path, demo_run) -> Archive:
    """An archive of its own holding the demo quarter as scored, no decisions."""
    archive = Archive.open(tmp_path / "archive.sqlite")
    archive.store_quarter(demo_run.results)
    return archive


@pytest.fixture
def quarter(demo_run) -> str:
    return demo_run.results["quarter"]


@pytest.fixture
def summary(archive, quarter, tmp_path) -> tuple[Path, QuarterReport]:
    out = tmp_path / "reports"
    results = archive.results(quarter)
    write_reports(results, out)
    return out / "summary.html", QuarterReport(results)


def static_page(chromium, path: Path, width=1400, height=900):
    page = chromium.new_context(viewport={"width": width, "height": height}).new_page()
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page


def on_first_screen(locator, height=900) -> bool:
    box = locator.bounding_box()
    return locator.is_visible() and box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


# ---- summary.html

def test_the_first_screen_names_who_must_restudy_what_and_the_documents_to_review_first(chromium, summary):
    path, report = summary
    page = static_page(chromium, path)
    assert page.evaluate("window.scrollY") == 0

    pairs = {(m.name, t.id) for m in report.members for t in m.missing_required}
    assert ("王丽君", "DT2") in pairs and len(pairs) > 10
    shown = set()
    for item in page.locator("#actions ul.restudy > li").all():
        member = item.get_attribute("data-member")
        for pair in item.locator(".pair").all():
            assert on_first_screen(pair), (member, pair.inner_text())
            shown.add((member, pair.get_attribute("data-topic")))
        assert on_first_screen(item.locator("a").first), member  # and where to read why
    assert shown == pairs

    first = report.to_review_first()
    assert len(first) == report.config.first_screen and first == report.ranked[:len(first)]
    rows = page.locator("#actions ol.first > li")
    assert rows.count() == len(first)
    for doc, row in zip(first, rows.all()):
        assert row.get_attribute("data-doc") == doc.doc_id
        link = row.locator("a").first
        assert on_first_screen(link) and link.inner_text() == f"{doc.member}的{doc.doc_type}"
        assert doc.concern.reasons[0] in row.inner_text()
    rows.first.locator("a").first.click()
    page.wait_for_load_state("load")
    assert f"作者：{first[0].member}" in page.locator("p.meta").nth(1).inner_text()
    page.context.close()


def test_summary_cards_name_and_link_the_documents_they_count(chromium, summary):
    path, report = summary
    page = static_page(chromium, path)
    flagged = report.flagged()
    assert [d.doc_id for d in flagged["theory_without_practice"]] == ["006_吴海燕_学习心得"]
    assert [d.doc_id for d in flagged["work_report_not_study"]] == ["005_周敏_研讨发言"]
    for key, docs in flagged.items():
        card = page.locator(f"#card-{key}")
        links = card.locator("ul.named a")
        assert links.all_inner_texts() == [f"{d.member}的{d.doc_type}" for d in docs]
        assert f"{len(docs)} 篇" in card.inner_text()
    card = page.locator("#card-theory_without_practice")
    card.locator("ul.named a").first.click()
    page.wait_for_load_state("load")
    assert "作者：吴海燕" in page.locator("p.meta").nth(1).inner_text()
    assert "两张皮" in page.locator("#ratios").inner_text()
    page.context.close()


def test_without_a_chinese_font_charts_use_ids_and_the_run_says_so_in_one_line(chromium, archive, quarter, tmp_path,
                                                                               summary):
    """matplotlib is shown no system font (MPL_IGNORE_SYSTEM_FONTS, a fresh font cache): it has only its own
    DejaVu, STIX and Last Resort (a box for every Chinese character)."""
    xuexi = str(Path(sys.executable).with_name("xuexi"))
    empty = tmp_path / "mpl"
    empty.mkdir()
    env = {**os.environ, "MPL_IGNORE_SYSTEM_FONTS": "1", "MPLCONFIGDIR": str(empty)}
    done = subprocess.run([xuexi, "report", quarter, "--archive", str(archive.path), "--out", str(tmp_path / "bare")],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = (done.stdout + done.stderr).splitlines()
    assert [line for line in lines if "字体" in line] == [NO_FONT_NOTICE]
    assert not [line for line in lines if re.search(r"findfont|glyph|warn", line, re.I)], lines

    page = static_page(chromium, tmp_path / "bare" / "summary.html")
    assert page.locator("#font-note").inner_text() == NO_FONT_NOTICE
    report = QuarterReport(archive.results(quarter))
    levels = json.loads(page.locator("#level-chart").get_attribute("data-labels"))
    ratios = json.loads(page.locator("#ratio-chart").get_attribute("data-labels"))
    assert not [t for t in levels + ratios if CJK.search(t)], "no label would be drawn as boxes"
    assert {t.id for t in report.topics} <= set(levels)
    assert {str(d.number) for d in report.documents} <= set(ratios)
    page.context.close()

    # with the machine's fonts: names on the charts, nothing said
    normal = subprocess.run([xuexi, "report", quarter, "--archive", str(archive.path), "--out", str(tmp_path / "fonts")],
                            capture_output=True, text=True, timeout=300)
    assert normal.returncode == 0 and "字体" not in normal.stderr and "findfont" not in normal.stderr, normal.stderr
    html = (tmp_path / "fonts" / "summary.html").read_text(encoding="utf-8")
    named = json.loads(re.search(r"id=\"ratio-chart\" [^>]*data-labels='([^']*)'", html)[1])
    assert f"1 {report.documents[0].member}" in named


# ---- the review page

def document_page(page, base: str, quarter: str, doc_id: str, unit: str):
    page.goto(f"{base}/quarters/{quarter}/documents/{quote(doc_id)}?unit={quote(unit)}")
    page.wait_for_selector("#decide-document")


def test_one_action_dismisses_every_boilerplate_flag_of_a_document(chromium, served, archive, quarter, demo_run):
    unit = demo_run.results["unit"]
    generic = [f for f in archive.flags(quarter, SLOGANS) if f["kind"] == "generic"]
    assert len(generic) > 5
    page, _ = open_as(chromium, served, "王秘书")
    document_page(page, served, quarter, SLOGANS, unit)
    form = page.locator("#decide-all-generic")
    assert f"{len(generic)} 处套话" in page.locator("#all-generic").inner_text()
    form.locator("input[value=dismiss]").check()
    form.locator("input[name=note]").fill("口号式表述，本季度不作为问题")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")

    assert {f["verdict"] for f in archive.flags(quarter, SLOGANS) if f["kind"] == "generic"} == {"dismiss"}
    assert len(archive.decisions(quarter, SLOGANS)) == len(generic)
    assert f"已记录：{len(generic)} 处套话标注已排除" in page.locator("p.flash").inner_text()
    states = page.locator("#generic .review-box .state").all_inner_texts()
    assert len(states) == len(generic) and all("已排除" in s for s in states)
    assert page.locator("#decide-all-generic").count() == 0, "nothing left to decide at once"
    assert "审阅后套话占比" in page.locator("#ratios").inner_text()
    page.context.close()


def test_a_shared_passage_confirmed_on_one_side_shows_confirmed_on_the_other(chromium, served, archive, quarter,
                                                                             demo_run):
    unit = demo_run.results["unit"]
    page, _ = open_as(chromium, served, "王秘书")
    document_page(page, served, quarter, SHARED_A, unit)
    box = page.locator(".review-box", has=page.locator("p.shared"))
    assert box.count() == 1 and "陈静的调研报告" in box.locator("p.shared").inner_text()
    box.locator("input[value=confirm]").check()
    box.locator("input[name=note]").fill("两人共用一段，均未注明")
    box.locator("button[type=submit]").click()
    page.wait_for_load_state("load")

    box = page.locator(".review-box", has=page.locator("p.shared"))
    assert "已确认" in box.locator(".state").inner_text()
    box.locator("p.shared a").click()  # to the same passage on 陈静's page
    page.wait_for_load_state("load")
    other = page.locator(".review-box", has=page.locator("p.shared"))
    assert "王丽君的研讨发言" in other.locator("p.shared").inner_text()
    assert "已确认" in other.locator(".state").inner_text() and "两人共用一段" in other.inner_text()
    shared = [f for f in archive.flags(quarter, SHARED_B) if f["kind"] == "copied"
              and f["detail"]["source"] == f"doc:{SHARED_A}"]
    assert [f["verdict"] for f in shared] == ["confirm"]
    page.context.close()


def test_a_dismissal_without_a_note_shows_the_error_beside_the_form_and_keeps_the_choice(chromium, served, archive,
                                                                                        quarter, demo_run):
    unit = demo_run.results["unit"]
    doc = "007_郑磊_学习心得"
    page, _ = open_as(chromium, served, "王秘书")
    document_page(page, served, quarter, doc, unit)
    anchor = "generic-2"
    form = page.locator(f"#decide-{anchor}")
    form.scroll_into_view_if_needed()
    form.locator("input[value=dismiss]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")

    box = page.locator(f"#review-{anchor}")
    error = box.locator(".form-error")
    assert "须写明理由" in error.inner_text()
    assert on_first_screen(error), "the page opens where the form is, not at the top"
    assert box.locator("input[value=dismiss]").is_checked()
    assert page.locator("p.flash.error").count() == 0
    assert archive.decisions(quarter, doc) == []
    # the note added, the same form goes through
    box.locator("input[name=note]").fill("属于正常表述")
    box.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert "已排除" in page.locator(f"#review-{anchor} .state").inner_text()
    page.context.close()


def test_attributed_quotations_are_shown_not_queued(chromium, served, archive, quarter, demo_run):
    unit = demo_run.results["unit"]
    quoted = [f for f in archive.flags(quarter, NOTES) if f["kind"] == "quoted"]
    assert len(quoted) >= 3 and all(f["kind"] == "quoted" for f in archive.flags(quarter, NOTES))
    page, _ = open_as(chromium, served, "王秘书")
    row = page.locator("table.queue tbody tr", has=page.locator(f"text={NOTES}"))
    assert row.locator("td").nth(7).inner_text() == "0", "nothing waits for a decision"
    document_page(page, served, quarter, NOTES, unit)
    assert page.locator("#quoted tbody tr").count() == len(quoted)
    assert page.locator("#quoted form").count() == 0 and page.locator("#quoted input[type=radio]").count() == 0
    page.context.close()


def test_a_corrected_level_changes_the_restudy_list_of_the_exported_tongbao(chromium, served, archive, quarter,
                                                                           demo_run, tmp_path):
    """EXPECTED.md: 王丽君's 008 touches DT2 only as 0; a secretary who reads it otherwise corrects it, and 王丽君
    leaves the 通报's 督促补学 list."""
    unit = demo_run.results["unit"]
    page, _ = open_as(chromium, served, "王秘书")

    def restudy_names() -> list[str]:
        page.goto(f"{served}/quarters/{quarter}/export?unit={quote(unit)}")
        page.locator("form[action*='/export'] button[type=submit]").click()
        page.wait_for_load_state("load")
        out = tmp_path / "outputs" / demo_run.results["batch"]
        text = [p.text for p in Document(str(out / "tongbao.docx")).paragraphs if p.text.strip()]
        start = text.index(next(p for p in text if p.startswith("（一）督促补学")))
        end = next(i for i in range(start, len(text)) if text[i].startswith("（二）"))
        return [re.match(r"\d+．([\u4e00-\u9fff]+)同志：", line)[1] for line in text[start + 1:end]]

    before = restudy_names()
    assert "王丽君" in before
    document_page(page, served, quarter, SHARED_A, unit)
    form = page.locator("#correct-DT2")
    form.locator("select[name=level]").select_option("2")
    form.locator("button[type=submit]").click()  # no reason: refused beside the form, the level kept
    page.wait_for_load_state("load")
    assert "须写明理由" in page.locator("#correct-DT2 .form-error").inner_text()
    assert page.locator("#correct-DT2 select[name=level]").input_value() == "2"
    page.locator("#correct-DT2 input[name=note]").fill("第二部分讲了农村客运的安全运营，属阐述")
    page.locator("#correct-DT2 button[type=submit]").click()
    page.wait_for_load_state("load")
    row = page.locator("#topic-DT2")
    assert row.locator("td.level").inner_text().startswith("2 阐述")
    assert "机器评为 0 未涉及" in row.inner_text()

    after = restudy_names()
    assert after == [name for name in before if name != "王丽君"]
    results = json.loads((tmp_path / "outputs" / demo_run.results["batch"] / "results.json").read_text(encoding="utf-8"))
    dt2 = next(t for d in results["documents"] if d["doc_id"] == SHARED_A for t in d["topics"] if t["topic_id"] == "DT2")
    assert dt2["level"] == 2 and dt2["review"]["scored"]["level"] == 0  # the trail keeps both
    page.goto((tmp_path / "outputs" / demo_run.results["batch"] / "summary.html").as_uri())
    cell = page.locator("table.heat tbody tr", has=page.locator("th:text-is('王丽君')")).locator("td.level").nth(1)
    assert cell.inner_text().split("\n") == ["2 阐述", "审阅更正"]
    assert page.locator("#actions li[data-member='王丽君']").count() == 0
    page.context.close()


def test_a_corrected_level_is_kept_apart_from_the_machines_and_never_dropped_silently(archive, quarter, demo_run):
    from pipeline.errors import XuexiError

    with pytest.raises(XuexiError, match="理由"):
        archive.correct_level(quarter, SHARED_A, "DT2", reviewer="王秘书", level=2, note=" ")
    with pytest.raises(XuexiError, match="没有评定过专题"):
        archive.correct_level(quarter, SHARED_A, "DT9", reviewer="王秘书", level=2, note="有阐述")
    archive.correct_level(quarter, SHARED_A, "DT2", reviewer="王秘书", level=2, note="有阐述")
    archive.correct_level(quarter, SHARED_A, "DT2", reviewer="李秘书", level=1, note="只是提到")
    corrected = archive.results(quarter)
    dt2 = next(t for d in corrected["documents"] if d["doc_id"] == SHARED_A for t in d["topics"] if t["topic_id"] == "DT2")
    assert (dt2["level"], dt2["level_name"]) == (1, "提及")  # the latest stands
    assert [d["level"] for d in dt2["review"]["decisions"]] == [2, 1] and dt2["review"]["scored"]["level"] == 0

    archive.store_quarter(corrected)  # results carrying corrections, stored again: the machine's level is kept
    stored = json.loads(json.dumps(archive.results(quarter)))
    again = next(t for d in stored["documents"] if d["doc_id"] == SHARED_A for t in d["topics"] if t["topic_id"] == "DT2")
    assert again["review"]["scored"]["level"] == 0 and again["level"] == 1

    without = {**demo_run.results, "documents": [d for d in demo_run.results["documents"] if d["doc_id"] != SHARED_A]}
    dropped = archive.dropped_by(without)
    assert dropped.documents == [SHARED_A] and [d["flag_text"] for d in dropped.decisions] == ["DT2 层次更正"]


def access_key(page, key: str) -> None:
    """Alt+<key> as a person types it: Chromium acts on an access key at the character the key types."""
    cdp = page.context.new_cdp_session(page)
    for kind in ("rawKeyDown", "char", "keyUp"):
        cdp.send("Input.dispatchKeyEvent", {"type": kind, "modifiers": 1, "text": key, "unmodifiedText": key,
                                            "key": key, "code": f"Key{key.upper()}",
                                            "windowsVirtualKeyCode": ord(key.upper())})
    page.wait_for_load_state("load")
    cdp.detach()


def test_alt_j_and_alt_k_go_to_the_next_and_the_previous_flag(chromium, served, archive, quarter, demo_run):
    unit = demo_run.results["unit"]
    page, _ = open_as(chromium, served, "王秘书")
    document_page(page, served, quarter, SLOGANS, unit)

    def at() -> str:
        anchor = page.url.rsplit("#", 1)[1]
        assert on_first_screen(page.locator(f"#{anchor} .state")), anchor
        return anchor

    access_key(page, "j")
    assert at() == "review-generic-1"
    access_key(page, "j")
    assert at() == "review-generic-2"
    access_key(page, "k")
    assert at() == "review-generic-1"
    box = page.locator("#review-generic-1")
    box.locator("input[value=confirm]").check()
    box.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert at() == "review-generic-1" and "已确认" in page.locator("#review-generic-1 .state").inner_text()
    access_key(page, "j")  # on from the flag just decided
    assert at() == "review-generic-2"
    page.context.close()
