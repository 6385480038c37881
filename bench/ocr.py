"""OCR of scanned submissions: every page of the dev and demo documents (.txt and .docx made into PDFs by
LibreOffice) rendered at 200 dpi and degraded as scanners and phone cameras degrade them, then read back.

    .venv/bin/python bench/ocr.py [--docs N] [--workers 2] [--repeats 3] [--out /tmp/ocr-bench]

Prints the character error rate (Chinese characters and digits; punctuation and white space ignored) of the flat
scans (±2°, noise, JPEG quality 60; each document a multi-page TIFF, read as `xuexi score` reads files: in
isolated workers, through the parse cache) and of the photographed pages (perspective, uneven light, blur), the
OCR pages/s on `--workers` processes, and the rerun's pages/s and cache hits (every page from the parse cache).
Pages/s needs a quiet machine: other work on the cores is counted against OCR."""

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
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import makers  # noqa: E402
from pipeline.util.forking import forked_map  # noqa: E402
from pipeline.ingest import partition  # noqa: E402
from pipeline.ingest.legacy import soffice  # noqa: E402
from pipeline.ingest.ocr import read_page  # noqa: E402
from pipeline.util.parsecache import ParseCache  # noqa: E402
from pipeline.segment import taught_words, get_nlp  # noqa: E402
from pipeline.engines.stages import read_files  # noqa: E402

BATCHES = [ROOT.parent / "shared" / "eval" / "dev", ROOT / "corpora" / "demo"]


def as_pdfs(files: list[Path], folder: Path) -> list[Path]:
    """Every submission as a PDF: PDFs as they are, the others converted by LibreOffice (one call for all)."""
    folder.mkdir(parents=True, exist_ok=True)
    others = [f for f in files if f.suffix != ".pdf"]
    if others:
        binary = soffice()
        if binary is None:
            sys.exit("LibreOffice is needed to make PDFs of the .txt and .docx submissions")
        profile = Path(folder, "profile").as_uri()
        subprocess.run([binary, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(folder), *map(str, others)], capture_output=True, check=True, timeout=600)
    pdfs = []
    for f in files:
        target = folder / f"{f.parent.parent.name}-{f.stem}.pdf"
        shutil.copy(f if f.suffix == ".pdf" else folder / f"{f.stem}.pdf", target)
        pdfs.append(target)
    return pdfs


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=0, help="read only the first N documents (0: all)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3, help="cold reads timed; the median is printed")
    ap.add_argument("--out", type=Path, default=None, help="working folder (default: a temporary one)")
    a = ap.parse_args(argv)
    work = a.out or Path(tempfile.mkdtemp(prefix="xuexi-ocr-bench-"))
    files = sorted(f for batch in BATCHES for f in (batch / "submissions").iterdir() if f.is_file())
    files = files[: a.docs] if a.docs else files
    pdfs = as_pdfs(files, work / "pdf")
    scans = work / "scans"
    scans.mkdir(parents=True, exist_ok=True)
    tiffs, pages, photos = [], 0, []
    for n, pdf in enumerate(pdfs):
        images = makers.pdf_page_images(pdf)
        flat = [makers.scanned(image, angle=(2, -2)[k % 2], seed=100 * n + k) for k, image in enumerate(images)]
        tiff = scans / f"{pdf.stem}.tif"
        flat[0].save(tiff, save_all=True, append_images=flat[1:], dpi=(makers.SCAN_DPI, makers.SCAN_DPI))
        tiffs.append(tiff)
        pages += len(images)
        texts = makers.pdf_page_texts(pdf)
        photos += [(makers.photographed(image, seed=100 * n + k), texts[k], f"{pdf.stem} p{k + 1}")
                   for k, image in enumerate(images)]

    get_nlp()  # loading the language pipeline is start-up, not OCR
    load_before, timings = os.getloadavg(), []
    for _ in range(a.repeats):
        shutil.rmtree(work / "cache", ignore_errors=True)  # a cold read: every page is read
        cache = ParseCache(work / "cache", dictionary_words=taught_words())
        started = time.perf_counter()
        read, failed = read_files(scans, tiffs, cache=cache, workers=a.workers)
        timings.append(time.perf_counter() - started)
    load_after, seconds = os.getloadavg(), statistics.median(timings)
    started = time.perf_counter()
    again, _ = read_files(scans, tiffs, cache=cache, workers=a.workers)
    rerun = time.perf_counter() - started

    originals = {pdf.stem: "\n".join(e.text for e in partition(pdf)) for pdf in pdfs}
    flat_cer = {s.doc_id: makers.character_error_rate(s.text, originals[s.doc_id]) for s in read}
    photo_cer = list(forked_map(lambda item: makers.character_error_rate(
        " ".join(l.text for l in read_page(item[0], 1).lines), item[1]), photos, workers=a.workers, chunksize=1))
    worst = sorted(flat_cer, key=flat_cer.get, reverse=True)[:3]

    print(f"{len(pdfs)} documents, {pages} pages at {makers.SCAN_DPI} dpi, {a.workers} workers; {len(failed)} failed"
          + "".join(f"\n  failed: {f.file}: {f.error}" for f in failed))
    print(f"CER flat (±2°, noise, JPEG 60), per document: mean {statistics.mean(flat_cer.values()):.2%}, "
          f"max {max(flat_cer.values()):.2%} (target ≤ 2 %); worst: "
          + ", ".join(f"{d} {flat_cer[d]:.2%}" for d in worst))
    print(f"CER photographed, per page: mean {statistics.mean(photo_cer):.2%}, max {max(photo_cer):.2%} (target ≤ 5 %); "
          f"worst pages: " + ", ".join(f"{photos[k][2]} {photo_cer[k]:.2%}" for k in
                                        sorted(range(len(photos)), key=photo_cer.__getitem__, reverse=True)[:3]))
    print(f"OCR: {pages / seconds:.2f} pages/s (median of {a.repeats} cold reads: "
          + ", ".join(f"{t:.1f}" for t in timings) + " s; target ≥ 1 page/s on 2 cores); load average (1, 5, 15 min) "
          "before: " + ", ".join(f"{x:.2f}" for x in load_before) + "; after: " + ", ".join(f"{x:.2f}" for x in load_after))
    print(f"rerun: {pages / rerun:.0f} pages/s ({rerun:.2f} s), {cache.hits} of {len(tiffs)} documents from the parse "
          f"cache, same text: {[s.text for s in again] == [s.text for s in read]}")


if __name__ == "__main__":
    main()
