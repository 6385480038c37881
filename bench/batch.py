"""A whole quarter end to end at N and 2N documents, as issue 16 measures it: compose a batch from the shared
blocks (compose.py --reuse --distinct: every document's sentences differ, as real submissions do, so caches cannot
flatter the figure; .txt submissions), score it as `xuexi score` does with the gov_reports library (archive and
every report written), and print:

- the cold run's wall time (median of --repeat runs, each in a fresh process with empty caches), characters per
  second, and a jieba pass over the same text timed alongside (the ratio says what the scoring costs beyond
  cutting the words);
- the peak RSS of the whole process tree (the scoring process and its workers, summed, sampled every
  SAMPLE_SECONDS), and its peak PSS: a forked worker's RSS counts again every page it shares with the scoring
  process, its PSS counts a shared page once across them, so the PSS is the memory the run really takes;
- how many texts the run's model embedded (the transformer on the defaults; the topic reader's static vectors
  are not counted);
- reruns into the last cold run's folder: nothing changed, one submission changed, then LATE late submissions
  added.

    .venv/bin/python bench/batch.py --docs 1000 [--repeat 3] [--semantic static] [--workers 2]

Run it alone on the machine; the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EVAL = SHARED / "eval"
LIBRARY = SHARED / "corpora" / "gov_reports"
LATE = 100  # late submissions added to a scored quarter (issue 16's rerun)
SAMPLE_SECONDS = 0.2  # how often the process tree's memory is read


def compose(docs: int, out: Path, seed: int = 1) -> None:
    blocks = sorted(str(p) for p in (EVAL / "blocks").glob("*.json"))
    subprocess.run([sys.executable, str(EVAL / "compose.py"), *blocks, "--out", str(out), "--docs", str(docs),
                    "--seed", str(seed), "--formats", "txt", "--reuse", "--distinct"], check=True, capture_output=True)


CHILD = """
import json, sqlite3, sys, time
from pathlib import Path
from pipeline.archive import Archive
from pipeline.engines.local import score_batch
from pipeline.semantic import get_encoder
batch, out, semantic, workers, library = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] or None, int(sys.argv[4]), Path(sys.argv[5])
run = score_batch(batch, out, semantic=semantic, workers=workers, library=library,
                  archive=Archive.open(out / 'archive.sqlite'))
dim = get_encoder(semantic).dim
with sqlite3.connect(out / '.cache' / 'embeddings' / 'embeddings.sqlite') as db:
    embedded = db.execute('SELECT count(*) FROM vectors WHERE dim = ?', (dim,)).fetchone()[0]
print(json.dumps({'docs': len(run.results['documents']), 'chars': sum(d['chars'] for d in run.results['documents']),
                  'embedded': embedded, 'unchanged': run.unchanged}))
"""


def score(batch: Path, out: Path, semantic: str | None, workers: int) -> dict:
    """Score in a child process, as a user waits for it (start-up and imports included), with the peak RSS and
    PSS of its process tree."""
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(batch), str(out), semantic or "", str(workers),
                              str(LIBRARY)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = peak_pss = 0
    tree = psutil.Process(child.pid)
    while child.poll() is None:
        try:
            memory = [p.memory_full_info() for p in [tree, *tree.children(recursive=True)]]
        except psutil.Error:  # a worker ended between listing and reading
            memory = []
        peak = max(peak, sum(m.rss for m in memory))
        peak_pss = max(peak_pss, sum(m.pss for m in memory))
        time.sleep(SAMPLE_SECONDS)
    stdout, stderr = child.communicate()
    if child.returncode:
        raise SystemExit(f"scoring failed:\n{stderr[-3000:]}")
    figures = json.loads(stdout.strip().splitlines()[-1])
    figures["seconds"] = time.perf_counter() - started
    figures["peak_mb"] = peak / 2**20
    figures["peak_pss_mb"] = peak_pss / 2**20
    return figures


JIEBA = """
import sys, time
from pathlib import Path
import jieba
jieba.initialize()
texts = [p.read_text(encoding='utf-8') for p in sorted(Path(sys.argv[1]).iterdir())]
t = time.perf_counter()
for text in texts:
    jieba.lcut(text)
print(time.perf_counter() - t)
"""


def jieba_seconds(batch: Path) -> float:
    """A jieba pass over every submission's text, in a fresh process."""
    done = subprocess.run([sys.executable, "-c", JIEBA, str(batch / "submissions")], check=True,
                          capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def add_late(batch: Path, count: int, tmp: Path) -> None:
    """`count` late submissions, composed apart (another seed, so their sentences are new too), numbered after the
    quarter's own and listed in its manifest."""
    late = tmp / "late"
    compose(count, late, seed=2)
    first = len(list((batch / "submissions").iterdir()))
    with (late / "manifest.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with (batch / "manifest.csv").open("a", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        for i, row in enumerate(rows, start=first + 1):
            source = late / row["file"]
            name = f"{i}_{source.name.split('_', 1)[1]}"
            shutil.copy(source, batch / "submissions" / name)
            writer.writerow({**row, "file": f"submissions/{name}"})
    shutil.rmtree(late)


def load() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=1000, help="N; the batch is also scored at 2N")
    ap.add_argument("--repeat", type=int, default=3, help="cold runs per size; the median is printed")
    ap.add_argument("--semantic", default=None, help="semantic backend (default: the active one)")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    print(f"end to end, semantic backend {a.semantic or 'default'}, {a.workers} workers, .txt submissions "
          f"(compose --reuse --distinct), library {LIBRARY.name}; load average before: {load()}")
    print(f"{'docs':>7} {'chars':>12} {'cold s':>8} {'runs':>18} {'chars/s':>9} {'jieba s':>8} {'ratio':>6}"
          f" {'peak MB':>8} {'PSS MB':>7} {'embedded':>9} {'rerun s':>8} {'1 changed s':>12} {f'+{LATE} late s':>12}")
    cold_at = {}
    with tempfile.TemporaryDirectory(prefix="xuexi-bench-") as tmp:
        for n in (a.docs, 2 * a.docs):
            batch = Path(tmp, f"batch{n}")
            compose(n, batch)
            runs = []
            for i in range(a.repeat):
                out = Path(tmp, f"out{n}-{i}")
                runs.append(score(batch, out, a.semantic, a.workers))
                if i < a.repeat - 1:
                    shutil.rmtree(out)
            cold = statistics.median(r["seconds"] for r in runs)
            cold_at[n] = cold
            first = runs[-1]
            jieba = jieba_seconds(batch)
            again = score(batch, out, a.semantic, a.workers)
            changed = sorted((batch / "submissions").iterdir())[0]
            changed.write_text(changed.read_text(encoding="utf-8") + "\n我将在下一步工作中继续深化学习。\n", encoding="utf-8")
            one = score(batch, out, a.semantic, a.workers)
            add_late(batch, LATE, Path(tmp))
            late = score(batch, out, a.semantic, a.workers)
            each = "/".join(f"{r['seconds']:.0f}" for r in runs)
            print(f"{first['docs']:7} {first['chars']:12,} {cold:8.1f} {each:>18}"
                  f" {first['chars'] / cold:9,.0f} {jieba:8.1f} {cold / jieba:6.0f}"
                  f" {max(r['peak_mb'] for r in runs):8.0f} {max(r['peak_pss_mb'] for r in runs):7.0f}"
                  f" {first['embedded']:9,} {again['seconds']:8.1f}"
                  f" {one['seconds']:12.1f} {late['seconds']:12.1f}", flush=True)
            shutil.rmtree(batch)
            shutil.rmtree(out)
    print(f"time(2N) / time(N): {cold_at[2 * a.docs] / cold_at[a.docs]:.2f}; load average after: {load()}")


if __name__ == "__main__":
    main()
