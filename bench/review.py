"""The review page's response times, server side (Flask test client, no browser), for a scored quarter made up to
each size asked (its documents repeated under new ids and member names: no scoring, so 10,000 documents are made
in seconds), the archive's size at that size, and the cost of a password check.

    .venv/bin/python bench/review.py outputs/dev/results.json [--documents 240 10000] [--repeat 5]

Prints the archive's size in MB (the file after a checkpoint: it holds the quarter once stored) and the median
milliseconds of: the queue, the queue filtered by a topic, the top document's page, one flag decision (POST, then
the page it leads back to), the member's history, and the export of the quarter's outputs. The first page of a
quarter reads it into the review page's cache (pipeline.review.cache): it is timed apart, as "first queue"."""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.archive import Archive  # noqa: E402
from pipeline.report import QuarterReport  # noqa: E402
from pipeline.review import create_app  # noqa: E402
from pipeline.review.passwords import hash_password, verify_password  # noqa: E402


def scaled(results: dict, documents: int) -> dict:
    """`results` with `documents` documents: its own, then copies under new doc_ids and member names."""
    out = {**results, "documents": []}
    for k in range(-(-documents // len(results["documents"]))):
        for doc in results["documents"]:
            twin = copy.deepcopy(doc)
            if k:
                twin["doc_id"] = f"{doc['doc_id']}-{k}"
                twin["author"] = f"{doc.get('author') or ''}{k}"
            out["documents"].append(twin)
    out["documents"] = out["documents"][:documents]
    return out


def archive_mb(path: Path) -> float:
    """The archive file's size once its write-ahead log is checkpointed into it."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    return path.stat().st_size / 1e6


def median_ms(call, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(results: dict, repeat: int, folder: Path) -> dict[str, float]:
    archive = Archive.open(folder / "archive.sqlite")
    quarter = archive.store_quarter(results)
    size = archive_mb(archive.path)
    client = create_app(archive, exports=folder / "outputs").test_client()

    def token(html: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', html)[1]

    client.post("/login", data={"csrf_token": token(client.get("/login").get_data(as_text=True)), "name": "bench"})
    unit = f"?unit={results['unit']}" if results.get("unit") else ""
    top = QuarterReport(archive.results(quarter)).ranked[0]
    page = f"/quarters/{quarter}/documents/{top.doc_id}{unit}"
    html = client.get(page).get_data(as_text=True)
    action = re.search(r'class="decide" id="decide-(?!document)[^"]+"\s+action="([^"]+)"', html)[1].replace("&amp;", "&")
    topic = (results.get("topic_list") or [{}])[0].get("id", "")

    def decide():
        client.post(action, data={"csrf_token": token(html), "verdict": "confirm", "note": ""})
        client.get(page)

    def ok(path: str):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    return {
        "archive MB": size,
        "first queue": median_ms(lambda: ok(f"/quarters/{quarter}{unit}"), 1),
        "queue": median_ms(lambda: ok(f"/quarters/{quarter}{unit}"), repeat),
        "queue by topic": median_ms(lambda: ok(f"/quarters/{quarter}{unit}{'&' if unit else '?'}topic={topic}&level=0"), repeat),
        "document": median_ms(lambda: ok(page), repeat),
        "decide + page": median_ms(decide, repeat),
        "member": median_ms(lambda: ok(f"/members/{top.record.author}{unit}"), repeat),
        "export": median_ms(lambda: client.post(f"/quarters/{quarter}/export{unit}", data={"csrf_token": token(html)}), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", type=Path, help="a results.json written by `xuexi score`")
    ap.add_argument("--documents", type=int, nargs="+", default=[240, 10000], help="the quarter's sizes to measure")
    ap.add_argument("--repeat", type=int, default=5, help="timings per figure (the median is printed)")
    a = ap.parse_args()
    results = json.loads(a.results.read_text(encoding="utf-8"))

    start = time.perf_counter()
    stored = hash_password("correct horse battery")
    hashed = time.perf_counter() - start
    start = time.perf_counter()
    verify_password("correct horse battery", stored)
    print(f"password: hash {hashed * 1000:.0f} ms, check {(time.perf_counter() - start) * 1000:.0f} ms ({stored.split('$')[0]})")
    load_before = os.getloadavg()

    names = None
    for documents in a.documents:
        with tempfile.TemporaryDirectory(prefix="xuexi-bench-review-") as tmp:
            figures = measure(scaled(results, documents), a.repeat, Path(tmp))
        if names is None:
            names = list(figures)
            print(f"{'docs':>6} " + " ".join(f"{n:>15}" for n in names) + "   (median ms)")
        print(f"{documents:>6} " + " ".join(f"{figures[n]:>15.1f}" for n in names))
    print("load average (1, 5, 15 min) before: " + ", ".join(f"{x:.2f}" for x in load_before)
          + "; after: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
