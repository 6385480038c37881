"""The demo batch with its Word submissions handed in as OFD, scored through `xuexi score` beside the original:
every .docx is printed to PDF by LibreOffice and turned into OFD by each writer (easyofd from PyPI, and the tests'
own writer that follows GB/T 33190), and each batch is scored and measured against the demo's labels.

    python bench/ofd.py [--out /tmp/ofd-bench]

Prints, per batch, the metrics of shared/eval/evaluate.py and how many member × topic levels and copied
passages differ from the Word batch's (0 is the goal)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "corpora" / "demo"
EVALUATE = ROOT.parent / "shared" / "eval" / "evaluate.py"
sys.path.insert(0, str(ROOT / "tests"))

import makers  # noqa: E402

ONE_FONT = "WenQuanYi Zen Hei"  # easyofd draws a PDF line's font runs over each other: its input is printed in one font


def score(batch: Path, out: Path) -> dict:
    xuexi = Path(sys.executable).with_name("xuexi")
    subprocess.run([str(xuexi), "score", str(batch), "--out", str(out)],
                   capture_output=True)  # exit status 1 when some file failed; results.json says which
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def differences(results: dict, original: dict) -> tuple[int, int]:
    """(member × topic levels, copied passages) that differ from the original batch's."""
    def view(r):
        return {d["doc_id"]: ({t["topic_id"]: t["level"] for t in d["topics"]},
                              {(c["source"], c["kind"], "".join(c["text"].split())) for c in d["copied"]})
                for d in r["documents"]}
    got, want = view(results), view(original)
    levels = sum(got.get(doc, ({}, set()))[0].get(topic) != level
                 for doc, (topics, _) in want.items() for topic, level in topics.items())
    copied = sum(len(got.get(doc, ({}, set()))[1] ^ copies) for doc, (_, copies) in want.items())
    return levels, copied


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("/tmp/ofd-bench"))
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    spec = importlib.util.spec_from_file_location("evaluate", EVALUATE)
    evaluate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(evaluate)
    labels = json.loads((DEMO / "labels.json").read_text(encoding="utf-8"))

    made = {"own": {}, "easyofd": {}}
    for docx in sorted((DEMO / "submissions").glob("*.docx")):
        work = args.out / "files" / docx.stem
        made["own"][docx.name] = makers.ofd_from_pdf(makers.pdf_from_docx(docx, work / "pdf"), work / "own.ofd")
        one_font = makers.pdf_from_docx(docx, work / "pdf-one-font", one_font=ONE_FONT)
        made["easyofd"][docx.name] = makers.easyofd_from_pdf(one_font, work / "easyofd.ofd")
    original = score(DEMO, args.out / "docx-out")
    print(f"{'batch':10} {'failed':>6} {'exact':>6} {'copyF1':>7} {'levels≠':>8} {'copies≠':>8}")
    for name, results in [("docx", original)] + [
            (writer, score(makers.batch_with(DEMO, args.out / f"{writer}-batch", files), args.out / f"{writer}-out"))
            for writer, files in made.items()]:
        metrics = evaluate.evaluate(labels, results)
        levels, copied = differences(results, original)
        print(f"{name:10} {len(results['failed']):>6} {metrics['topic_exact']:>6.3f} "
              f"{metrics['copy_f1']:>7.3f} {levels:>8} {copied:>8}")


if __name__ == "__main__":
    main()
