"""Hostile inputs: a batch folder and its files written to attack the secretary's machine. Each probe is scored
beside normal documents with `xuexi score`; the run completes, the normal documents are scored, and the hostile
part is named with its reason and never read, run or written out live."""

import csv
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DEV
from pipeline.cli import app

runner = CliRunner()
GOOD = "关于本季度理论学习的心得体会\n{name}\n通过学习，我对乡村振兴有了新的认识。我们村今年修了3.2公里道路。\n"


def batch(root: Path, names=("001_马俊_学习心得", "002_林雪_学习心得")) -> Path:
    (root / "submissions").mkdir(parents=True)
    shutil.copytree(DEV / "references", root / "references")
    shutil.copy(DEV / "topics.yaml", root / "topics.yaml")
    for name in names:
        (root / "submissions" / f"{name}.txt").write_text(GOOD.format(name=name.split("_")[1]), encoding="utf-8")
    return root


def score(root: Path, out: Path, *extra: str):
    result = runner.invoke(app, ["score", str(root), "--out", str(out), "--archive", str(out.parent / "a.sqlite"),
                                 "--semantic", "static", *extra])
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return result, results


def every_output_text(out: Path) -> str:
    """Everything the run wrote that a person or another program reads, as text."""
    from docx import Document
    from openpyxl import load_workbook

    parts = [p.read_text(encoding="utf-8") for p in out.rglob("*") if p.suffix in (".json", ".html", ".csv")]
    parts += [p.text for p in Document(str(out / "tongbao.docx")).paragraphs]
    parts += [str(c.value) for row in load_workbook(out / "scores.xlsx").active.iter_rows() for c in row]
    return "\n".join(parts)


def test_formula_cells_from_the_manifest_are_written_as_text(tmp_path):
    root = batch(tmp_path / "b", names=("001_a_学习心得", "002_b_学习心得", "003_c_学习心得", "004_d_学习心得"))
    authors = ['=HYPERLINK("http://x","点")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(1+1)"]
    with open(root / "manifest.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "author", "doc_type", "quarter"])
        for i, a in enumerate(authors):
            w.writerow([f"submissions/00{i + 1}_{'abcd'[i]}_学习心得.txt", a, "学习心得", "2026Q3"])
    result, _ = score(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "out" / "scores.xlsx").active
    header = [c.value for c in sheet[1]]
    cells = [row[header.index("作者")] for row in sheet.iter_rows(min_row=2)]
    assert sorted(c.value for c in cells) == sorted(authors)
    assert all(c.data_type == "s" for c in cells)  # strings, not formulas
    with open(tmp_path / "out" / "scores.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["作者"] for r in rows) == sorted("'" + a for a in authors)


def test_links_outside_the_batch_hidden_files_and_dangling_links_are_listed_never_read(tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "机密.txt").write_text("机密文件\n张三\n这是一份不应被读取的机密材料，内容绝不能出现在结果里。\n", encoding="utf-8")
    (secret / "P09_张三_学习心得.txt").write_text((secret / "机密.txt").read_text(encoding="utf-8"), encoding="utf-8")
    root = batch(tmp_path / "b")
    sub = root / "submissions"
    (sub / "003_张三_学习心得.txt").symlink_to(secret / "机密.txt")
    (sub / "004_李四_学习心得.txt").symlink_to(tmp_path / "nowhere.txt")
    (sub / ".005_王五_学习心得.txt").write_text(GOOD.format(name="王五") + "隐藏的文字不应出现。\n", encoding="utf-8")
    (sub / "linked").symlink_to(secret, target_is_directory=True)
    (root / "prior").symlink_to(secret, target_is_directory=True)
    inside = sub / "006_赵六_学习心得.txt"  # a link that stays inside the batch is read like the file
    inside.symlink_to(root / "submissions" / "001_马俊_学习心得.txt")
    result, results = score(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert {d["doc_id"] for d in results["documents"]} == {"001_马俊_学习心得", "002_林雪_学习心得", "006_赵六_学习心得"}
    skipped = {s["file"]: s["error"] for s in results["skipped"]}
    assert set(skipped) == {"submissions/003_张三_学习心得.txt", "submissions/004_李四_学习心得.txt",
                            "submissions/.005_王五_学习心得.txt", "submissions/linked", "prior"}
    assert "以外" in skipped["submissions/003_张三_学习心得.txt"] and "不存在" in skipped["submissions/004_李四_学习心得.txt"]
    assert "隐藏" in skipped["submissions/.005_王五_学习心得.txt"] and "以外" in skipped["prior"]
    for file in skipped:
        assert file.split("/")[-1] in result.output
    written = every_output_text(tmp_path / "out")
    assert "机密" not in written and "隐藏的文字" not in written


def test_a_file_name_cannot_forge_a_line_on_screen(tmp_path):
    root = batch(tmp_path / "b")
    (root / "submissions" / ".x\nscored 99 documents").write_text("x", encoding="utf-8")
    result, results = score(root, tmp_path / "out")
    assert "\\x0ascored 99 documents" in result.output
    assert not any(line.startswith("scored 99") for line in result.output.splitlines())


def test_a_planted_parse_cache_entry_neither_runs_code_nor_crashes(tmp_path):
    root = batch(tmp_path / "b")
    out = tmp_path / "out"
    first, before = score(root, out)
    assert first.exit_code == 0
    entries = [p for p in (out / ".cache" / "parsed").rglob("*") if p.is_file()]
    assert entries
    marker = tmp_path / "pwned"
    import pickle

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    for entry in entries:  # what a pickle-reading cache would run
        entry.write_bytes(pickle.dumps(Exploit()))
    (out / ".cache" / "last_run.json").unlink()
    again, after = score(root, out)
    assert again.exit_code == 0, again.output
    assert not marker.exists()
    strip = lambda r: {**r, "generated_at": None}
    assert strip(after) == strip(before)


def test_the_archive_and_every_output_are_readable_by_their_owner_only(tmp_path):
    root = batch(tmp_path / "b")
    old = tmp_path / "old.sqlite"
    old.write_bytes(b"")
    old.chmod(0o644)
    from pipeline.archive import Archive

    Archive.open(old)
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    result, _ = score(root, tmp_path / "out")
    assert stat.S_IMODE((tmp_path / "a.sqlite").stat().st_mode) == 0o600
    for path in (tmp_path / "out").rglob("*"):  # results, reports and caches too
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path


def _can_unshare() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-rn", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="this machine does not allow a network namespace (unshare -rn)")
def test_scoring_the_demo_needs_no_network(tmp_path):
    """Offline by construction: the demo scored inside a network namespace with no network at all gives the same
    results.json as outside it."""
    demo = Path(__file__).resolve().parents[1] / "corpora" / "demo"
    xuexi = str(Path(sys.executable).with_name("xuexi"))
    runs = {}
    for name, prefix in (("offline", ["unshare", "-rn"]), ("online", [])):
        out = tmp_path / name
        done = subprocess.run(prefix + [xuexi, "score", str(demo), "--out", str(out), "--archive",
                                        str(tmp_path / f"{name}.sqlite")], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        runs[name] = {**json.loads((out / "results.json").read_text(encoding="utf-8")), "generated_at": None}
    assert runs["offline"] == runs["online"]


TOPIC = "  - id: T1\n    title: 巩固拓展脱贫攻坚成果\n    keywords: [乡村振兴]\n"


def _alias_bomb(where: str) -> str:
    """Anchors reused many times over (billion laughs): in a value that expects text, or as a mapping key."""
    if where == "required":
        return ("quarter: 2026Q3\ntopics:\n  - id: T1\n    title: 题目\n    keywords: [乡村振兴]\n"
                "    references: &r [RA1, RA1, RA1, RA1]\n    key_points: [*r, *r, *r, *r]\n    required: *r\n")
    return "quarter: 2026Q3\nunit: &u 单位\n*u : 1\ntopics:\n" + TOPIC


@pytest.mark.parametrize("topics, message", [
    (_alias_bomb("required"), "第7行：不允许使用别名"),
    (_alias_bomb("key"), "第3行：不允许使用别名"),
    ("quarter: 2026Q3\ntopics:\n" + TOPIC + "    key_points: " + "[" * 100_000 + "]" * 100_000 + "\n", "第6行：嵌套超过"),
    ("quarter: !!python/object:os.system 2026Q3\ntopics:\n" + TOPIC, "第1行：不允许使用标签"),
    ("quarter: 2026Q3\nunit: [一个, 列表]\ntopics:\n" + TOPIC, "第2行：“unit”应是纯文字"),
])
def test_a_hostile_topics_yaml_is_refused_with_its_line_and_no_traceback(tmp_path, topics, message):
    root = batch(tmp_path / "b")
    (root / "topics.yaml").write_text(topics, encoding="utf-8")
    xuexi = str(Path(sys.executable).with_name("xuexi"))
    done = subprocess.run([xuexi, "score", str(root), "--out", str(tmp_path / "out"), "--archive",
                           str(tmp_path / "a.sqlite")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr[-3000:]
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) <= 3


def test_a_manifest_with_a_huge_field_is_a_line_numbered_error(tmp_path):
    root = batch(tmp_path / "b")
    (root / "manifest.csv").write_text("file,author,doc_type,quarter\nsubmissions/001_马俊_学习心得.txt,马俊,学习心得,2026Q3\n"
                                       + "x," + "长" * 200_000 + ",学习心得,2026Q3\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(root), "--out", str(tmp_path / "out"), "--archive", str(tmp_path / "a.sqlite")])
    assert result.exit_code == 2 and "manifest.csv 第3行" in result.output


def _limits_batch(tmp_path):
    import makers

    root = batch(tmp_path / "b")
    sub = root / "submissions"
    normal = makers.docx_file(tmp_path / "normal.docx", [("Title", "学习心得"), ("Normal", "周明"),
                                                          ("Normal", "通过学习，我对乡村振兴有了新的认识。")])
    makers.docx_bomb(normal, sub / "003_周明_学习心得.docx", unpacked_mb=600)
    makers.docx_with_parts(normal, sub / "004_吴刚_学习心得.docx", extra_parts=6_000)
    makers.raw_pdf(sub / "005_郑红_学习心得.pdf", pages=1_500, content=b"BT /F1 12 Tf 72 720 Td (x) Tj ET\n")
    makers.raw_pdf(sub / "006_钱多_学习心得.pdf", pages=60,
                   content=b"BT /F1 12 Tf 72 720 Td (lol) Tj ET\n" * 40_000)  # 1.4 MB drawn on 60 pages
    return root


def test_files_built_to_exhaust_the_reader_are_refused_with_the_limit_they_passed(tmp_path):
    root = _limits_batch(tmp_path)
    assert (root / "submissions" / "003_周明_学习心得.docx").stat().st_size < 10 * 2**20
    result, results = score(root, tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert {d["doc_id"] for d in results["documents"]} == {"001_马俊_学习心得", "002_林雪_学习心得"}
    failed = {f["file"].split("/")[-1]: f["error"] for f in results["failed"]}
    assert "512 MB 的解压上限" in failed["003_周明_学习心得.docx"]
    assert "5,000 个的上限" in failed["004_吴刚_学习心得.docx"]
    assert "1,000 页的上限" in failed["005_郑红_学习心得.pdf"]
    assert "64 MB 的上限" in failed["006_钱多_学习心得.pdf"]
    for name in failed:
        assert name in result.output


def test_reading_limits_are_configuration(tmp_path, monkeypatch):
    """A lower time limit stops a long but honest PDF; the reason names the limit. Its reader is slowed here, so that
    the outcome does not hang on the machine's speed (PDFium reads these 400 paragraphs within the second when the
    machine is idle)."""
    import time

    import makers
    from pipeline.engines import stages

    read = stages.read_submission

    def slow_pdf(path, **options):
        if path.suffix == ".pdf":
            time.sleep(5)
        return read(path, **options)

    monkeypatch.setattr(stages, "read_submission", slow_pdf)
    root = batch(tmp_path / "b")
    paragraph = "通过学习，我对乡村振兴有了新的认识，我们村今年修了道路，办了合作社，带动群众增收。" * 6
    makers.pdf_file(root / "submissions" / "003_孙丽_调研报告.pdf",
                    [("title", "调研报告")] + [("body", paragraph)] * 400)
    config = tmp_path / "limits.yaml"
    config.write_text("reading:\n  seconds_per_file: 1\n", encoding="utf-8")
    result, results = score(root, tmp_path / "out", "--config", str(config))
    assert result.exit_code == 1, result.output
    assert {d["doc_id"] for d in results["documents"]} == {"001_马俊_学习心得", "002_林雪_学习心得"}
    assert "1 秒的时限" in results["failed"][0]["error"]
    assert results["config"]["reading"]["seconds_per_file"] == 1


def test_a_reader_that_needs_too_much_memory_is_stopped_and_the_batch_goes_on(tmp_path):
    root = batch(tmp_path / "b")
    line = "学习心得体会，我们要加强学习。" * 1000 + "\n"
    (root / "submissions" / "003_冯涛_学习心得.txt").write_text(line * 2000, encoding="utf-8")  # 86 MB of text
    config = tmp_path / "limits.yaml"
    config.write_text("reading:\n  memory_mb: 300\n", encoding="utf-8")
    # In a process of its own, as a user's run is: a reader forked from this test process (grown by the tests
    # before) could reuse heap it inherits mapped and free, and reach the character limit before the memory one.
    xuexi = str(Path(sys.executable).with_name("xuexi"))
    out = tmp_path / "out"
    done = subprocess.run([xuexi, "score", str(root), "--out", str(out), "--archive", str(tmp_path / "a.sqlite"),
                           "--semantic", "static", "--config", str(config)], capture_output=True, text=True)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert done.returncode == 1, done.stderr[-2000:]
    assert {d["doc_id"] for d in results["documents"]} == {"001_马俊_学习心得", "002_林雪_学习心得"}
    assert "300 MB 的限额" in results["failed"][0]["error"]


def test_a_second_run_into_the_same_folder_refuses_while_the_first_holds_it(tmp_path):
    from pipeline.util.runstate import exclusive

    root = batch(tmp_path / "b")
    out = tmp_path / "out"
    with exclusive(out):
        result = runner.invoke(app, ["score", str(root), "--out", str(out), "--archive", str(tmp_path / "a.sqlite")])
    assert result.exit_code == 2 and "正在被另一次评分使用" in result.output
    assert not (out / "results.json").exists()
    result, _ = score(root, out)  # released with its holder
    assert result.exit_code == 0


KILL_WHILE_REPORTING = """
import os, signal, sys
from pathlib import Path
import pipeline.engines.local
from pipeline.engines.local import score_batch
pipeline.engines.local.write_reports = lambda results, out: os.kill(os.getpid(), signal.SIGKILL)
score_batch(Path(sys.argv[1]), Path(sys.argv[2]), semantic="static")
"""


def test_a_run_killed_after_results_json_leaves_the_folder_marked_and_the_rerun_completes_it(tmp_path):
    root = batch(tmp_path / "b")
    out = tmp_path / "out"
    first, _ = score(root, out)
    assert first.exit_code == 0 and not (out / "INCOMPLETE.txt").exists()
    (root / "submissions" / "002_林雪_学习心得.txt").unlink()
    killed = subprocess.run([sys.executable, "-c", KILL_WHILE_REPORTING, str(root), str(out)], capture_output=True)
    assert killed.returncode == -9
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [d["doc_id"] for d in results["documents"]] == ["001_马俊_学习心得"]  # new results, old reports beside
    assert "中断" in (out / "INCOMPLETE.txt").read_text(encoding="utf-8")
    again, results = score(root, out, "--replace")  # the archive held the quarter with both documents
    assert again.exit_code == 0, again.output
    assert not (out / "INCOMPLETE.txt").exists()
    assert "林雪" not in every_output_text(out)
