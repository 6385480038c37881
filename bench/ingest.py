"""Ingest + segmentation speed on the dev batch, repeated until at least --min-chars characters have been read.

    .venv/bin/python bench/ingest.py [--min-chars 2000000] [--repeats 5]

Prints, per format and overall: files, PDF pages, characters, seconds, pages/s and characters/s (one process,
so per core), as the median of --repeats runs, and the peak memory of the process."""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.submission import read_submission  # noqa: E402
from pipeline.segment import get_nlp  # noqa: E402

DEV = ROOT.parent / "shared" / "eval" / "dev"


def pdf_pages(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def one_pass(files: list[Path], min_chars: int) -> dict[str, dict[str, float]]:
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    chars = 0
    while chars < min_chars:
        for path in files:
            started = time.perf_counter()
            submission = read_submission(path, batch_root=DEV)
            seconds = time.perf_counter() - started
            fmt = path.suffix.lstrip(".")
            for key in (fmt, "all"):
                t = totals[key]
                t["files"] += 1
                t["chars"] += len(submission.text)
                t["seconds"] += seconds
                t["pages"] += PAGES.get(path, 0)
            chars += len(submission.text)
    return totals


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--min-chars", type=int, default=2_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    files = sorted((DEV / "submissions").iterdir())
    global PAGES
    PAGES = {p: pdf_pages(p) for p in files if p.suffix == ".pdf"}
    get_nlp()  # model loading is start-up, not throughput
    read_submission(files[0], batch_root=DEV)
    runs = [one_pass(files, a.min_chars) for _ in range(a.repeats)]
    print(f"ingest + segmentation, dev batch repeated to ≥ {a.min_chars:,} characters, median of {a.repeats} runs, one core")
    print(f"{'format':8} {'files':>7} {'pages':>7} {'chars':>11} {'seconds':>8} {'pages/s':>8} {'chars/s':>10}")
    for fmt in ("txt", "docx", "pdf", "all"):
        seconds = statistics.median(r[fmt]["seconds"] for r in runs)
        r = runs[0][fmt]
        pages = f"{r['pages'] / seconds:8.1f}" if r["pages"] else f"{'—':>8}"
        print(f"{fmt:8} {int(r['files']):7} {int(r['pages']):7} {int(r['chars']):11,} {seconds:8.2f} {pages} {r['chars'] / seconds:10,.0f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB")


PAGES: dict[Path, int] = {}

if __name__ == "__main__":
    main()
