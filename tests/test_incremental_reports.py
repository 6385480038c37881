"""A rerun writes a document's page only when what the page shows changed (pipeline.report.document_page): its
record, or a quarter-wide fact it prints. Every page a rerun leaves in the folder equals the page a full write of
the same results into an empty folder makes; a page deleted or edited by hand is written again, and the page of a
document that left the quarter is removed. On the demo batch as scored, then changed the ways a quarter changes."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
from conftest import DEMO

from pipeline.engines.local import score_batch
from pipeline.report import write_reports
from pipeline.report.document_page import MANIFEST


def pages(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "documents").glob("*.html"))}


def mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (folder / "documents").glob("*.html")}


def assert_as_full_write(results: dict, folder: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    write_reports(results, fresh)
    assert pages(folder) == pages(fresh)


@pytest.fixture
def written(demo_run, tmp_path) -> tuple[dict, Path]:
    """The demo's results, their reports written once into a folder of this test."""
    results = copy.deepcopy(demo_run.results)
    out = tmp_path / "out"
    first = write_reports(results, out)
    assert not first.pages.rerun and not first.pages.kept and len(first.pages.written) == len(results["documents"])
    return results, out


def page_name(doc: dict) -> str:
    return f"{doc['doc_id']}.html"


def test_a_rewrite_of_the_same_results_keeps_every_page_and_rewrites_the_summary(written, tmp_path):
    results, out = written
    before, summary = mtimes(out), (out / "summary.html").stat().st_mtime_ns
    again = write_reports(results, out)
    assert again.pages.rerun and again.pages.written == []
    assert {p.name for p in again.pages.kept} == {page_name(d) for d in results["documents"]}
    assert mtimes(out) == before
    assert (out / "summary.html").stat().st_mtime_ns != summary
    assert {p.name for p in again.files} == {"summary.html", "tongbao.docx", "scores.csv", "scores.xlsx"}


def test_a_changed_record_rewrites_its_page_only(written, tmp_path):
    results, out = written
    doc = next(d for d in results["documents"] if d.get("generic"))
    doc["generic"][0]["reasons"] = ["没有数字、时间、地点、本单位做法或本人体会"]  # a reason the page prints
    before = pages(out)
    again = write_reports(results, out)
    assert [p.name for p in again.pages.written] == [page_name(doc)]
    changed = {name for name, text in pages(out).items() if before[name] != text}
    assert changed == {page_name(doc)}
    assert_as_full_write(results, out, tmp_path)


def test_a_fact_shown_on_another_page_rewrites_that_page_too(written, tmp_path):
    """A copy source that is a document of the quarter is named on the copier's page by its author: renaming
    that author changes both pages."""
    results, out = written
    copier = next(d for d in results["documents"] if any(c["source"].startswith("doc:") for c in d["copied"]))
    source_id = next(c["source"] for c in copier["copied"] if c["source"].startswith("doc:")).partition(":")[2]
    source = next(d for d in results["documents"] if d["doc_id"] == source_id)
    source["author"] += "（更正）"
    again = write_reports(results, out)
    assert {page_name(copier), page_name(source)} <= {p.name for p in again.pages.written}
    assert again.pages.kept
    assert_as_full_write(results, out, tmp_path)


def test_a_page_deleted_or_edited_by_hand_is_written_again(written, tmp_path):
    results, out = written
    deleted, edited = (out / "documents" / page_name(d) for d in results["documents"][:2])
    deleted.unlink()
    edited.write_text(edited.read_text(encoding="utf-8").replace("复制", "抄"), encoding="utf-8")
    again = write_reports(results, out)
    assert {p.name for p in again.pages.written} == {deleted.name, edited.name}
    assert_as_full_write(results, out, tmp_path)


def test_a_document_that_left_the_quarter_loses_its_page(written, tmp_path):
    results, out = written
    gone = results["documents"].pop()
    write_reports(results, out)
    assert not (out / "documents" / page_name(gone)).exists()
    assert_as_full_write(results, out, tmp_path)


def test_a_late_submission_writes_its_own_page_and_leaves_the_others(written, tmp_path):
    """A page names no rank or count of the quarter's documents, so a submission added late writes its page and
    no other whose record stayed the same (issue 16: 100 late submissions must not rewrite 10,000 pages)."""
    results, out = written
    late = copy.deepcopy(results["documents"][0])
    late["doc_id"], late["file"] = "999", "submissions/999_迟交_学习心得.txt"
    results["documents"].append(late)
    again = write_reports(results, out)
    assert [p.name for p in again.pages.written] == ["999.html"]
    assert len(again.pages.kept) == len(results["documents"]) - 1
    assert_as_full_write(results, out, tmp_path)


def test_a_lost_manifest_writes_every_page(written):
    results, out = written
    (out / MANIFEST).unlink()
    again = write_reports(results, out)
    assert not again.pages.rerun and len(again.pages.written) == len(results["documents"])


def test_rescoring_a_changed_submission_rewrites_the_pages_that_changed_and_equals_a_full_run(demo_run, tmp_path):
    """The demo scored, one submission edited, scored again into the same folder: the pages written are those
    whose content changed (the edited document's among them), the rest keep their files, and every page equals
    that of a fresh run over the edited batch."""
    batch, out = tmp_path / "batch", tmp_path / "out"
    shutil.copytree(DEMO, batch)
    shutil.copytree(demo_run.out_dir, out)  # the earlier run's folder, file times kept
    edited = sorted((batch / "submissions").glob("*.txt"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n下一步，我们将把学习成果转化为推动本单位档案数字化工作的具体举措。\n",
                      encoding="utf-8")
    before, times = pages(out), mtimes(out)
    rerun = score_batch(batch, out)
    assert rerun.report_error is None and rerun.pages.rerun
    written = {p.name for p in rerun.pages.written}
    assert f"{edited.stem}.html" in written and rerun.pages.kept
    after = pages(out)
    assert {name for name in after if after[name] != before[name]} <= written
    assert all(mtimes(out)[p.name] == times[p.name] for p in rerun.pages.kept)
    fresh = score_batch(batch, tmp_path / "fresh")
    assert after == pages(tmp_path / "fresh")
    assert not fresh.pages.rerun
