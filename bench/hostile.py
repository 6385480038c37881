"""Peak memory and time of `xuexi score` on each hostile probe, each beside two normal documents: the whole process
tree's resident memory (the run and its reading workers), sampled every 20 ms from /proc.

    python bench/hostile.py [--repeat 3]

The probes are the ones the hardening issue found: a .docx whose XML unpacks to 1.1 GB, a PDF of 60 pages
drawing one heavy content stream, a PDF of 100,000 pages, topics.yaml alias bombs (in a value and as a mapping
key) and a topics.yaml nested 100,000 deep. Every probe must stay under BOUND_MB with the normal documents scored
(or the run refused with exit status 2 for a hostile topics.yaml). Run it alone on the machine."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "eval" / "dev"
sys.path.insert(0, str(ROOT / "tests"))

import makers  # noqa: E402

BOUND_MB = 1536
GOOD = "关于本季度理论学习的心得体会\n{name}\n通过学习，我对乡村振兴有了新的认识。我们村今年修了3.2公里道路。\n"
TOPIC = "  - id: T1\n    title: 巩固拓展脱贫攻坚成果\n    keywords: [乡村振兴]\n"


def batch(root: Path) -> Path:
    (root / "submissions").mkdir(parents=True)
    shutil.copytree(DEV / "references", root / "references")
    shutil.copy(DEV / "topics.yaml", root / "topics.yaml")
    for name in ("001_马俊_学习心得", "002_林雪_学习心得"):
        (root / "submissions" / f"{name}.txt").write_text(GOOD.format(name=name.split("_")[1]), encoding="utf-8")
    return root


def probes(work: Path) -> dict[str, tuple[Path, int]]:
    """name -> (batch folder, the exit status a correct run gives)."""
    normal = makers.docx_file(work / "normal.docx", [("Title", "学习心得"), ("Normal", "周明"),
                                                     ("Normal", "通过学习，我对乡村振兴有了新的认识。")])
    out = {}
    root = batch(work / "docx-bomb")
    makers.docx_bomb(normal, root / "submissions" / "003_周明_学习心得.docx", unpacked_mb=1100)
    out["docx unpacking to 1.1 GB"] = (root, 1)
    root = batch(work / "heavy-stream")
    makers.raw_pdf(root / "submissions" / "003_钱多_学习心得.pdf", pages=60,
                   content=b"BT /F1 12 Tf 72 720 Td (lol) Tj ET\n" * 200_000)
    out["PDF, 60 pages drawing one 7 MB stream"] = (root, 1)
    root = batch(work / "many-pages")
    makers.raw_pdf(root / "submissions" / "003_郑红_学习心得.pdf", pages=100_000, content=b"BT ET\n")
    out["PDF of 100,000 pages"] = (root, 1)
    for name, text in {
        "topics.yaml alias bomb in a value": "quarter: 2026Q3\ntopics:\n  - id: T1\n    title: 题目\n    keywords: [乡村振兴]\n"
                                             + "".join(f"    x{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9 if i else ["lol"] * 9) + "]\n"
                                                       for i in range(9)) + "    required: *a8\n",
        "topics.yaml alias as a mapping key": "quarter: 2026Q3\nunit: &u [a, b]\n*u : 1\ntopics:\n" + TOPIC,
        "topics.yaml nested 100,000 deep": "quarter: 2026Q3\ntopics:\n" + TOPIC + "    key_points: " + "[" * 100_000 + "]" * 100_000 + "\n",
    }.items():
        root = batch(work / name.replace(" ", "-").replace(",", ""))
        (root / "topics.yaml").write_text(text, encoding="utf-8")
        out[name] = (root, 2)
    return out


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total / 2**20


def run(root: Path, out: Path) -> tuple[int, float, float]:
    xuexi = Path(sys.executable).with_name("xuexi")
    started = time.perf_counter()
    process = subprocess.Popen([str(xuexi), "score", str(root), "--out", str(out), "--archive", str(out / "a.sqlite")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_mb(process.pid))
        time.sleep(0.02)
    return process.returncode, peak, time.perf_counter() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; median of {a.repeat}; bound {BOUND_MB} MB")
    print(f"{'probe':42} {'exit':>4} {'peak MB':>8} {'seconds':>8}")
    ok = True
    with tempfile.TemporaryDirectory(prefix="xuexi-hostile-") as tmp:
        for name, (root, expected) in probes(Path(tmp)).items():
            runs = [run(root, Path(tmp) / f"out-{i}") for i in range(a.repeat)]
            codes = {c for c, _, _ in runs}
            peak = statistics.median(p for _, p, _ in runs)
            seconds = statistics.median(s for _, _, s in runs)
            good = codes == {expected} and peak <= BOUND_MB
            ok &= good
            print(f"{name:42} {','.join(map(str, sorted(codes))):>4} {peak:8.0f} {seconds:8.1f}  {'ok' if good else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
