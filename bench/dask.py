"""The Dask engine against the local one on a composed batch (compose.py --reuse, .txt submissions).

    .venv/bin/python bench/dask.py --docs 20000 [--semantic static] [--workers 2] [--keep DIR]

Scores the batch on a LocalCluster of `workers` worker processes with one thread each, then with the local engine
(`workers` reading and judging processes), each run in a fresh process with empty caches, and checks that both
wrote the same results.json (time stamp aside). Prints per engine the wall time, documents a second, the CPU
seconds of every process of the run, the time spent writing on the client after the last document, and the
peak memory of the scoring process (for Dask the client: the cluster runs in another process) and of each
worker. Then, per stage of the Dask graph, its tasks, their compute time (the scheduler's task stream) and their
threads' CPU time (its fine performance metrics), in all and per document: the measured inputs of the capacity
estimate in docs/scale.md. CPU time is what to compare on a busy machine: wall time counts the waits too.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not this file's folder: bench/dask.py would shadow the dask package

from bench.batch import compose  # noqa: E402

# The functions of pipeline/engines/dask.py's graph, by stage. Dask fuses a task with the cheap steps around it
# and names the fused task after all of them (finish-flatten, concat-…-source_rows-…), so a task counts for the
# first of these it names; what starts with "shuffle" moves rows between partitions.
STAGES = {"read": "read + segment + copy phase 1", "finish": "copy phase 3 + boilerplate + topics",
          "fit": "boilerplate fit (one task)", "reduce": "copy phase 2 (per bucket)",
          "source_rows": "split rows by hash (sources)", "flat_rows": "split rows by hash (submissions)",
          "join": "join: texts met across partitions"}
SHUFFLE = "shuffle (bag groupby)"

CLUSTER = """
import sys
from distributed import LocalCluster
cluster = LocalCluster(n_workers={workers}, threads_per_worker=1, processes=True, dashboard_address=None)
print(cluster.scheduler_address, flush=True)
sys.stdin.read()
"""

SCORE = """
import json, resource, time
from pathlib import Path
from pipeline.engines.local import score_batch
last = {{}}
started = time.perf_counter()
run = score_batch(Path({batch!r}), Path({out!r}), semantic={semantic!r}, workers={workers}, engine={engine!r},
                  scheduler={scheduler!r}, progress=lambda *_: last.update(at=time.perf_counter()))
seconds = time.perf_counter() - started
own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({{"seconds": seconds, "docs": len(run.results["documents"]), "peak_mb": own.ru_maxrss / 1024,
                  "children_peak_mb": children.ru_maxrss / 1024, "writing": started + seconds - last["at"],
                  "cpu": sum(r.ru_utime + r.ru_stime for r in (own, children))}}))
"""


def score(batch: Path, out: Path, *, semantic: str, workers: int, engine: str, scheduler: str | None) -> dict:
    code = SCORE.format(batch=str(batch), out=str(out), semantic=semantic, workers=workers, engine=engine,
                        scheduler=scheduler)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"{engine} run failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def usage(dask_scheduler=None) -> tuple[float, float]:
    """This process's CPU seconds and peak resident memory in MB (run on each worker and on the scheduler)."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime, r.ru_maxrss / 1024


def thread_cpu(dask_scheduler) -> dict:
    """CPU seconds of the tasks' threads by task prefix, from the scheduler's fine performance metrics; and the
    (de)serialization of data moved between workers."""
    out = {}
    for key, value in dask_scheduler.cumulative_worker_metrics.items():
        if isinstance(key, tuple) and key[0] == "execute" and key[2] == "thread-cpu":
            out[key[1]] = out.get(key[1], 0) + value
        elif isinstance(key, tuple) and key[-2:] in (("serialize", "seconds"), ("deserialize", "seconds")):
            out["(de)serialize"] = out.get("(de)serialize", 0) + value
    return out


def stage_of(key) -> str:
    name = key[0] if isinstance(key, tuple) else str(key)
    if name.startswith("shuffle"):
        return SHUFFLE
    parts = {part.lstrip("_") for part in name.split("-")}
    return next((stage for function, stage in STAGES.items() if function in parts), "other")


def task_figures(records: list[dict]) -> dict[str, list[float]]:
    """Compute seconds (wall) of every task, by stage."""
    seconds = defaultdict(list)
    for r in records:
        compute = sum(s["stop"] - s["start"] for s in r["startstops"] if s["action"] == "compute")
        seconds[stage_of(r["key"])].append(compute)
    return seconds


def cpu_figures(by_prefix: dict) -> dict[str, float]:
    cpu = defaultdict(float)
    for prefix, seconds in by_prefix.items():
        cpu[prefix if prefix == "(de)serialize" else stage_of(prefix)] += seconds
    return cpu


def same_results(a: Path, b: Path) -> bool:
    def text(p: Path) -> str:
        return re.sub(r'"generated_at": "[^"]*"', '"generated_at": ""', p.read_text(encoding="utf-8"), count=1)
    return text(a) == text(b)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--semantic", default="static", help="semantic backend [static: the fast shipped model]")
    ap.add_argument("--workers", type=int, default=2, help="reading processes (local), worker processes (Dask)")
    ap.add_argument("--keep", type=Path, help="compose into and score in this folder, and keep it")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="xuexi-bench-dask-") as tmp:
        work = a.keep or Path(tmp)
        batch = work / "batch"
        if not (batch / "submissions").is_dir():
            started = time.perf_counter()
            compose(a.docs, batch)
            print(f"composed {a.docs} documents in {time.perf_counter() - started:.0f} s")
        cluster = subprocess.Popen([sys.executable, "-c", CLUSTER.format(workers=a.workers)], cwd=ROOT,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            address = cluster.stdout.readline().strip()
            from distributed import Client, get_task_stream

            with Client(address) as client:
                with get_task_stream(client) as stream:
                    dask = score(batch, work / "dask", semantic=a.semantic, workers=a.workers, engine="dask",
                                 scheduler=address)
                workers = client.run(usage)
                dask["cpu"] += sum(cpu for cpu, _ in workers.values()) + client.run_on_scheduler(usage)[0]
                by_prefix = client.run_on_scheduler(thread_cpu)
        finally:
            cluster.stdin.close()
            cluster.wait(timeout=60)
        local = score(batch, work / "local", semantic=a.semantic, workers=a.workers, engine="local", scheduler=None)
        identical = same_results(work / "local" / "results.json", work / "dask" / "results.json")

    print(f"{local['docs']} documents, semantic backend {a.semantic}, {a.workers} processes; identical results.json: "
          f"{'yes' if identical else 'NO'}")
    print(f"{'engine':8} {'seconds':>9} {'docs/s':>8} {'CPU s':>8} {'writing s':>10} {'peak MB':>9}")
    for name, run, note in (
            ("local", local, f"reading processes: largest {local['children_peak_mb']:.0f} MB"),
            ("dask", dask, f"the client; workers {', '.join(f'{mb:.0f}' for _, mb in workers.values())} MB")):
        print(f"{name:8} {run['seconds']:9.1f} {run['docs'] / run['seconds']:8.1f} {run['cpu']:8.0f}"
              f" {run['writing']:10.1f} {run['peak_mb']:9.0f}   ({note})")
    print("(CPU: every process of the run — for Dask the client, the workers and the scheduler; writing: after the "
          "last document was scored, results.json and the reports, on the client)")
    print(f"dask / local: time {dask['seconds'] / local['seconds']:.2f}, CPU {dask['cpu'] / local['cpu']:.2f}")
    figures, cpu = task_figures(stream.data), cpu_figures(by_prefix)
    parts = len(figures.get(STAGES["read"], [])) or 1
    print(f"\nDask stages: {parts} partitions of about {local['docs'] / parts:.0f} documents; wall: the tasks' compute "
          "time (task stream), CPU: their threads' CPU time (fine performance metrics)")
    print(f"{'stage':40} {'tasks':>6} {'wall s':>8} {'CPU s':>8} {'CPU ms/doc':>11}")
    for stage in sorted(set(figures) | set(cpu), key=lambda st: -cpu.get(st, 0)):
        seconds = figures.get(stage, [])
        print(f"{stage:40} {len(seconds):6} {sum(seconds):8.1f} {cpu.get(stage, 0):8.1f}"
              f" {1000 * cpu.get(stage, 0) / local['docs']:11.2f}")


if __name__ == "__main__":
    main()
