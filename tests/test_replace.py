"""Scoring again never loses a reviewed quarter silently: a batch that would drop archived documents or reviewers'
decisions is refused, the archive unchanged, unless `--replace`, which lists what was dropped."""

import shutil

import pytest
from typer.testing import CliRunner

from conftest import DEV
from pipeline.archive import Archive
from pipeline.cli import app

runner = CliRunner()


def batch(root, count):
    shutil.copytree(DEV / "references", root / "references")
    shutil.copy(DEV / "topics.yaml", root / "topics.yaml")
    (root / "submissions").mkdir()
    for path in sorted((DEV / "submissions").glob("*.txt"))[:count]:
        shutil.copy(path, root / "submissions" / path.name)
    return root


def score(root, tmp_path, *extra):
    return runner.invoke(app, ["score", str(root), "--out", str(tmp_path / "out"), "--archive",
                               str(tmp_path / "a.sqlite"), "--semantic", "static", *extra])


def snapshot(archive):
    return [(q["quarter"], q["documents"], q["stored_at"]) for q in archive.quarters()], archive.decisions("2026Q3")


@pytest.mark.parametrize("left", [0, 2])
@pytest.mark.parametrize("decided", [False, True])
def test_a_batch_that_drops_archived_documents_is_refused_unless_replace(tmp_path, left, decided):
    full = batch(tmp_path / "full", 3)
    assert score(full, tmp_path).exit_code == 0
    archive = Archive.open(tmp_path / "a.sqlite")
    results = archive.results("2026Q3")
    if decided:
        archive.decide_document("2026Q3", results["documents"][-1]["doc_id"], reviewer="李红", verdict="需补学", note="")
    before = snapshot(archive)
    smaller = tmp_path / "smaller"
    shutil.copytree(full, smaller)
    for path in sorted((smaller / "submissions").iterdir())[left:]:
        path.unlink()

    refused = score(smaller, tmp_path)
    assert refused.exit_code == 2
    assert "--replace" in refused.output and f"{3 - left} 篇已归档材料" in refused.output
    assert ("1 条审阅结论" in refused.output) == decided
    assert snapshot(archive) == before

    replaced = score(smaller, tmp_path, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert "已替换：" in replaced.output and f"{3 - left} 篇已归档材料" in replaced.output
    assert archive.quarters()[0]["documents"] == left
    assert len(archive.decisions("2026Q3")) == len(before[1])  # the audit trail keeps every decision


def test_scoring_the_same_batch_again_keeps_its_decisions_without_replace(tmp_path):
    root = batch(tmp_path / "b", 2)
    assert score(root, tmp_path).exit_code == 0
    archive = Archive.open(tmp_path / "a.sqlite")
    doc = archive.results("2026Q3")["documents"][0]
    archive.decide_document("2026Q3", doc["doc_id"], reviewer="李红", verdict="合格", note="")
    (tmp_path / "out" / ".cache" / "last_run.json").unlink()  # score it again for real
    again = score(root, tmp_path)
    assert again.exit_code == 0, again.output
    assert archive.results("2026Q3")["documents"][0]["review"]["verdict"] == "合格"
