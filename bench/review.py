"""The review page's response times, server side (Flask test client, no browser), for a scored quarter at its own
size and scaled up (each document repeated under new ids and member names), and the cost of a password check.

    .venv/bin/python bench/review.py outputs/dev/results.json [--scale 1 4 10] [--repeat 5]

Prints the median milliseconds of: the queue, the queue filtered by a topic, the top document's page, one flag
decision (POST, then the page it leads back to), the member's history, and the export of the quarter's outputs."""

from __future__ import annotations

import argparse
import copy
import json
import re
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


def scaled(results: dict, times: int) -> dict:
    """`results` with every document repeated `times` times, copies under new doc_ids and member names."""
    out = copy.deepcopy(results)
    out["documents"] = []
    for k in range(times):
        for doc in results["documents"]:
            twin = copy.deepcopy(doc)
            if k:
                twin["doc_id"] = f"{doc['doc_id']}-{k}"
                twin["author"] = f"{doc.get('author') or ''}{k}"
            out["documents"].append(twin)
    return out


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
        "queue": median_ms(lambda: ok(f"/quarters/{quarter}{unit}"), repeat),
        "queue by topic": median_ms(lambda: ok(f"/quarters/{quarter}{unit}{'&' if unit else '?'}topic={topic}&level=0"), repeat),
        "document": median_ms(lambda: ok(page), repeat),
        "decide + page": median_ms(decide, repeat),
        "member": median_ms(lambda: ok(f"/members/{top.record.get('author')}{unit}"), repeat),
        "export": median_ms(lambda: client.post(f"/quarters/{quarter}/export{unit}", data={"csrf_token": token(html)}), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", type=Path, help="a results.json written by `xuexi score`")
    ap.add_argument("--scale", type=int, nargs="+", default=[1, 4, 10], help="how many times to repeat the documents")
    ap.add_argument("--repeat", type=int, default=5, help="timings per figure (the median is printed)")
    a = ap.parse_args()
    results = json.loads(a.results.read_text(encoding="utf-8"))

    start = time.perf_counter()
    stored = hash_password("correct horse battery")
    hashed = time.perf_counter() - start
    start = time.perf_counter()
    verify_password("correct horse battery", stored)
    print(f"password: hash {hashed * 1000:.0f} ms, check {(time.perf_counter() - start) * 1000:.0f} ms ({stored.split('$')[2]})")

    names = None
    for times in a.scale:
        with tempfile.TemporaryDirectory(prefix="xuexi-bench-review-") as tmp:
            figures = measure(scaled(results, times), a.repeat, Path(tmp))
        if names is None:
            names = list(figures)
            print(f"{'docs':>6} " + " ".join(f"{n:>15}" for n in names) + "   (median ms)")
        print(f"{len(results['documents']) * times:>6} " + " ".join(f"{figures[n]:>15.1f}" for n in names))


if __name__ == "__main__":
    main()
