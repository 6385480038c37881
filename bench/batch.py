"""A whole quarter end to end at N and 2N documents: compose a batch from the shared blocks (compose.py --reuse,
.txt submissions), score it as `xuexi score` does (archive and every report included), and print wall time,
characters per second and peak memory of the scoring process (and its workers).

    .venv/bin/python bench/batch.py --docs 1000 [--semantic static] [--workers 2]

Each size is scored in a fresh process with empty caches, so the figures are first runs; then the rerun with
nothing changed, and the rerun after one submission changed (every file is still read from the parse cache,
but the batch-wide stages run again)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"


def compose(docs: int, out: Path) -> None:
    blocks = sorted(str(p) for p in (EVAL / "blocks").glob("*.json"))
    subprocess.run([sys.executable, str(EVAL / "compose.py"), *blocks, "--out", str(out), "--docs", str(docs),
                    "--seed", "1", "--formats", "txt", "--reuse"], check=True, capture_output=True)


def score(batch: Path, out: Path, semantic: str | None, workers: int) -> dict:
    """Score in a child process, so its peak memory is its own."""
    code = (
        "import json, sys, time, resource\n"
        "from pathlib import Path\n"
        "from pipeline.archive import Archive\n"
        "from pipeline.engines.local import score_batch\n"
        "t = time.perf_counter()\n"
        f"archive = Archive.open(Path({str(out)!r}) / 'archive.sqlite')\n"
        f"run = score_batch(Path({str(batch)!r}), Path({str(out)!r}), semantic={semantic!r}, workers={workers},"
        " archive=archive)\n"
        "seconds = time.perf_counter() - t\n"
        "peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(json.dumps({'seconds': seconds, 'docs': len(run.results['documents']),\n"
        "                  'chars': sum(d['chars'] for d in run.results['documents']), 'peak_mb': peak / 1024}))\n"
    )
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["seconds"] = time.perf_counter() - started  # end to end, as a user waits: start-up and imports too
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1000, help="N; the batch is also scored at 2N")
    ap.add_argument("--semantic", default=None, help="semantic backend (default: the active one)")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    print(f"end to end, semantic backend {a.semantic or 'default'}, {a.workers} workers, .txt submissions")
    print(f"{'docs':>7} {'chars':>12} {'first run s':>12} {'chars/s':>10} {'peak MB':>8} {'rerun s':>8}"
          f" {'1 changed s':>12}")
    with tempfile.TemporaryDirectory(prefix="xuexi-bench-") as tmp:
        for n in (a.docs, 2 * a.docs):
            batch, out = Path(tmp, f"batch{n}"), Path(tmp, f"out{n}")
            compose(n, batch)
            first = score(batch, out, a.semantic, a.workers)
            again = score(batch, out, a.semantic, a.workers)
            changed = sorted((batch / "submissions").iterdir())[0]
            changed.write_text(changed.read_text(encoding="utf-8") + "\n我将在下一步工作中继续深化学习。\n", encoding="utf-8")
            one = score(batch, out, a.semantic, a.workers)
            print(f"{first['docs']:7} {first['chars']:12,} {first['seconds']:12.1f} {first['chars'] / first['seconds']:10,.0f}"
                  f" {first['peak_mb']:8.0f} {again['seconds']:8.1f} {one['seconds']:12.1f}", flush=True)


if __name__ == "__main__":
    main()
