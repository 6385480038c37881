"""Reading speed per format on one core: the dev and demo submissions read again and again until at least
--min-chars characters have been read, --repeats times; the median run is printed with the load average before
and after (run it alone: another job on the machine slows every figure).

    .venv/bin/python bench/ingest.py [--min-chars 2000000] [--repeats 3]

Per format: files, PDF pages, characters, then seconds, pages/s and characters/s of reading (the file to its
Elements: pipeline.ingest.partition), and characters/s of reading and sentence segmentation together (what a
scoring run does per file). Targets (issue "A province's quarter in minutes"): PDF ≥ 60 pages/s, docx ≥ 100,000
characters/s of reading. Then scanned pages: bench/ocr.py's OCR pages/s on 2 cores (target ≥ 1 page/s), its
character error rates and its rerun from the parse cache (--no-ocr leaves it out)."""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.submission import metadata_from_file_name  # noqa: E402
from pipeline.ingest import partition  # noqa: E402
from pipeline.segment import get_nlp, make_doc  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import ocr as ocr_bench  # noqa: E402

FOLDERS = (ROOT.parent / "shared" / "eval" / "dev" / "submissions", ROOT / "corpora" / "demo" / "submissions")
FORMATS = ("txt", "docx", "pdf")


def pdf_pages(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def one_run(files: list[Path], pages: dict[Path, int], min_chars: int) -> dict[str, dict[str, float]]:
    """Totals per format (and "all") of one run: files, pages, chars, reading seconds, segmenting seconds."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    chars = 0
    while chars < min_chars:
        for path in files:
            started = time.perf_counter()
            elements = partition(path, author=metadata_from_file_name(path.stem).get("author"))
            read = time.perf_counter()
            make_doc(elements)
            segmented = time.perf_counter()
            n = sum(len(e.text) for e in elements)
            for key in (path.suffix.lstrip("."), "all"):
                t = totals[key]
                t["files"] += 1
                t["pages"] += pages.get(path, 0)
                t["chars"] += n
                t["read"] += read - started
                t["segment"] += segmented - read
            chars += n
    return totals


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--min-chars", type=int, default=2_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-ocr", action="store_true", help="leave out the scanned pages (bench/ocr.py)")
    a = ap.parse_args()
    files = sorted(p for folder in FOLDERS for p in folder.iterdir() if p.suffix.lstrip(".") in FORMATS)
    pages = {p: pdf_pages(p) for p in files if p.suffix == ".pdf"}
    get_nlp()  # model loading is start-up, not throughput
    for path in files:  # and so is every reader's first import
        partition(path)
    load_before = os.getloadavg()
    runs = [one_run(files, pages, a.min_chars) for _ in range(a.repeats)]
    load_after = os.getloadavg()
    print(f"reading, dev + demo submissions repeated to ≥ {a.min_chars:,} characters, median of {a.repeats} runs, one core")
    print("load average (1, 5, 15 min) before: " + ", ".join(f"{x:.2f}" for x in load_before)
          + "; after: " + ", ".join(f"{x:.2f}" for x in load_after))
    print(f"{'format':8} {'files':>7} {'pages':>7} {'chars':>11} {'seconds':>8} {'pages/s':>8} {'chars/s':>10}"
          f" {'chars/s with segmentation':>26}")
    for fmt in (*FORMATS, "all"):
        read = statistics.median(r[fmt]["read"] for r in runs)
        both = statistics.median(r[fmt]["read"] + r[fmt]["segment"] for r in runs)
        r = runs[0][fmt]
        rate = f"{r['pages'] / read:8.1f}" if r["pages"] else f"{'—':>8}"
        print(f"{fmt:8} {int(r['files']):7} {int(r['pages']):7} {int(r['chars']):11,} {read:8.2f} {rate}"
              f" {r['chars'] / read:10,.0f} {r['chars'] / both:26,.0f}")
    print("targets: pdf ≥ 60 pages/s, docx ≥ 100,000 chars/s of reading")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB")
    if not a.no_ocr:
        print("\nscanned pages (bench/ocr.py):")
        ocr_bench.main(["--repeats", str(a.repeats)])


if __name__ == "__main__":
    main()
