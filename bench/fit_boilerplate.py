"""Fit the boilerplate score's weights (BoilerplateConfig.bias, weight_*, threshold) on the labelled batches, and
measure them leave-one-batch-out: for every batch, fit on the others, pick the threshold on the others, and print
the left-out batch's generic recall and false-positive rate.

    python bench/fit_boilerplate.py                      # LOO table, then the weights fitted on all batches
    python bench/fit_boilerplate.py --only township,bank # fit on all, measure on these (no LOO)
    python bench/fit_boilerplate.py --show FEATURE       # sentences where a feature fires, with their labels

The model is a logistic regression over SentenceEvidence.features (named, explainable cues), L2-regularised,
every batch weighing the same and specific sentences `--negative-weight` times a generic one (precision first).
Sentences with a concrete anchor (figure, date, place) or two named forms of work, posts or schedules are
never flagged, closing formulas always: they are left out of the fit. The threshold is the lowest score at which
each training batch's false-positive rate stays at or under `--max-fp` (the dev batch's unlabelled own theory
counted as not generic). Figures are per judged sentence matched to its label (like evaluate.py, by normalized
text), so they differ slightly from the yardstick, which also leaves out copied and quoted spans.

Shipped: `--write` with the defaults.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.batch import Batch  # noqa: E402
from pipeline.boilerplate import FEATURES, BoilerplateConfig, BoilerplateDetector  # noqa: E402
from pipeline.submission import read_submission  # noqa: E402
from pipeline.ingest import partition  # noqa: E402
from pipeline.segment import teach_words  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"
BATCHES = {name: SHARED / name for name in ("dev", "university", "township", "procuratorate", "bank")}
L2 = 0.02  # penalty on the weights (not the bias): 27 cues against about 1,700 labelled sentences
# A specific sentence weighs this many times a generic one (precision first); at 3 the stock sentences of a register
# the fit has not seen fell under the threshold (leave-one-batch-out recall 0.75-0.79 on three batches), at 2 they do not.
NEGATIVE_WEIGHT = 2.0
MAX_FP = 0.025  # false-positive rate the threshold allows on each training batch, under issue 13's bound of 0.03
BATCHES["demo"] = ROOT / "corpora" / "demo"


def norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s or "").split())


def label_of(sentence: str, label: dict) -> int | None:
    """1 generic, 0 specific, None unlabelled: a labelled sentence that is the judged one, or covers half of it.
    A sentence of the member's own text (`own`) that is not labelled either way is -1: the dev batch labels
    only its practice sentences, and its own theory is fitted as not generic but, like evaluate.py, left out
    of the false-positive rate (tests/test_boilerplate.py bounds it on its own)."""
    s = norm(sentence)
    for kind, value in (("generic", 1), ("specific", 0)):
        for t in map(norm, label[kind]):
            if len(t) >= 2 and (t == s or (t in s and 2 * len(t) >= len(s)) or (s in t and 2 * len(s) >= len(t))):
                return value
    return -1 if any(s in norm(t) for t in label["own"]) else None


def batch_rows(path: Path, config: BoilerplateConfig) -> list[dict]:
    """Every judged sentence of a batch with a label: its features, anchors and text."""
    batch = Batch.open(path)
    teach_words(k for t in batch.topics for k in t.keywords)
    subs = [read_submission(p, batch_root=batch.root, manifest_row=batch.manifest.get(batch.relative(p)))
            for p in batch.submissions]
    sources = ["\n".join(e.text for e in partition(p)) for p in batch.references.values()]
    labels = json.loads((path / "labels.json").read_text(encoding="utf-8"))["documents"]
    detector = BoilerplateDetector(config).fit(subs, sources=sources)
    rows = []
    for s in subs:
        if s.doc_id not in labels:
            continue
        for start, end, e in detector.sentence_evidence(s, topics=batch.topics):
            text = s.text[start:end]
            y = label_of(text, labels[s.doc_id])
            if y is None:
                continue
            rows.append({"doc": s.doc_id, "text": text, "y": max(y, 0), "own_only": y < 0, "closing": bool(e.closing),
                         "anchored": bool(e.anchors) or len(e.methods) + len(e.posts) >= config.methods_specific,
                         "x": [e.features(config)[f] for f in FEATURES], "evidence": e})
    # Labelled sentences that are not judged (headings, quotations' lead-ins, …) count as never flagged, so that
    # recall and false-positive rate have evaluate.py's denominators.
    for value, kind in ((1, "generic"), (0, "specific")):
        judged = sum(r["y"] == value and not r["own_only"] for r in rows)
        total = sum(len(label[kind]) for doc_id, label in labels.items() if doc_id in {s.doc_id for s in subs})
        rows += [{"doc": "", "text": "", "y": value, "own_only": False, "anchored": True, "closing": False,
                  "x": [0.0] * len(FEATURES),
                  "evidence": None}] * max(total - judged, 0)
    return rows


def fit(rows_by_batch: dict[str, list[dict]], l2: float, negative_weight: float) -> np.ndarray:
    """Logistic regression by Newton's method: weights (bias first) over FEATURES."""
    xs, ys, ws = [], [], []
    for rows in rows_by_batch.values():
        rows = [r for r in rows if not r["anchored"] and not r["closing"]]
        pos = sum(r["y"] for r in rows) or 1
        neg = (len(rows) - sum(r["y"] for r in rows)) or 1
        for r in rows:
            xs.append([1.0] + r["x"])
            ys.append(r["y"])
            ws.append(1 / pos if r["y"] else negative_weight / neg)
    x, y, w = np.array(xs), np.array(ys, float), np.array(ws)
    beta = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ beta))
        grad = x.T @ (w * (p - y)) + penalty * beta
        hess = (x * (w * p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def scores(rows: list[dict], beta: np.ndarray) -> np.ndarray:
    return np.array([-np.inf if r["anchored"] else np.inf if r["closing"] else beta[0] + np.dot(beta[1:], r["x"])
                     for r in rows])


def threshold_for(rows_by_batch: dict[str, list[dict]], beta: np.ndarray, max_fp: float) -> float:
    """The lowest threshold at which no batch's false-positive rate (own text included) exceeds max_fp (each
    batch is another writer: the bound must hold for each, not on average)."""
    candidates = sorted({float(v) for rows in rows_by_batch.values() for v in scores(rows, beta) if np.isfinite(v)})
    for t in candidates:
        if all(measure(rows, beta, t, own=True)[1] <= max_fp for rows in rows_by_batch.values()):
            return t
    return candidates[-1] + 1e-6 if candidates else 0.0


def measure(rows: list[dict], beta: np.ndarray, threshold: float, *, own: bool = False) -> tuple[float, float, int, int]:
    """Recall and false-positive rate over the labelled sentences, like evaluate.py; with `own`, own text
    labelled neither way counts as specific too (as tests/test_boilerplate.py counts it on dev)."""
    rows = [r for r in rows if own or not r["own_only"]]
    s = scores(rows, beta)
    y = np.array([r["y"] for r in rows])
    flagged = s >= threshold
    return (flagged[y == 1].mean() if (y == 1).any() else float("nan"),
            flagged[y == 0].mean() if (y == 0).any() else float("nan"), int((y == 1).sum()), int((y == 0).sum()))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--l2", type=float, default=L2, help="L2 penalty on the weights (not the bias)")
    ap.add_argument("--negative-weight", type=float, default=NEGATIVE_WEIGHT,
                    help="weight of the specific sentences, per class")
    ap.add_argument("--max-fp", type=float, default=MAX_FP, help="false-positive rate the threshold allows on each batch")
    ap.add_argument("--only", default="", help="measure these batches with the fit on all (no LOO)")
    ap.add_argument("--show", default="", help="print the sentences where this feature is non-zero")
    ap.add_argument("--errors", action="store_true", help="print misses and false positives of the final fit")
    ap.add_argument("--write", action="store_true",
                    help="write the weights fitted on all batches as BoilerplateConfig's defaults (pipeline/boilerplate/judge.py)")
    a = ap.parse_args()

    config = BoilerplateConfig()
    rows = {name: batch_rows(path, config) for name, path in BATCHES.items()}
    if a.show:
        i = FEATURES.index(a.show)
        for name, rs in rows.items():
            for r in rs:
                if r["x"][i]:
                    print(f"{name:13} {'G' if r['y'] else 's'} {r['x'][i]:.2f} {r['text']}")
        return 0

    if not a.only:
        print(f"{'left out':13} {'recall':>7} {'FP':>6} {'generic':>7} {'specific':>8}   (fit and threshold on the others)")
        for name in rows:
            train = {k: v for k, v in rows.items() if k != name}
            beta = fit(train, a.l2, a.negative_weight)
            t = threshold_for(train, beta, a.max_fp)
            rec, fp, npos, nneg = measure(rows[name], beta, t)
            print(f"{name:13} {rec:7.3f} {fp:6.3f} {npos:7d} {nneg:8d}")
            if a.errors:
                print_errors(name, rows[name], beta, t)

    beta = fit(rows, a.l2, a.negative_weight)
    t = threshold_for(rows, beta, a.max_fp)
    print("\nfitted on all batches (BoilerplateConfig):")
    print(f"    bias: float = {beta[0]:.2f}")
    for name, w in zip(FEATURES, beta[1:]):
        print(f"    weight_{name}: float = {w:.2f}")
    print(f"    threshold: float = {t:.2f}")
    if a.write:
        write_defaults({"bias": beta[0], **{f"weight_{n}": w for n, w in zip(FEATURES, beta[1:])}, "threshold": t})
    for name in (a.only.split(",") if a.only else rows):
        rec, fp, npos, nneg = measure(rows[name], beta, t)
        own = [r for r in rows[name] if r["own_only"] or (r["text"] and not r["y"])]
        own_flagged = sum(v >= t for v in scores(own, beta))
        print(f"  {name:13} recall {rec:.3f}  FP {fp:.3f}  ({npos} generic, {nneg} specific);"
              f"  own text flagged {own_flagged}/{len(own)}")
    if a.errors and a.only:
        for name, rs in rows.items():
            print_errors(name, rs, beta, t)
    return 0


def write_defaults(values: dict[str, float]) -> None:
    """Replace the default of each named float field of BoilerplateConfig, keeping its comment."""
    path = ROOT / "pipeline" / "boilerplate" / "judge.py"
    source = path.read_text(encoding="utf-8")
    for name, value in values.items():
        source, n = re.subn(rf"^(    {name}: float = )-?[\d.]+( *)(#?)",
                            lambda m: f"{m.group(1)}{value:.2f}".ljust(43) + m.group(3) if m.group(3)
                            else f"{m.group(1)}{value:.2f}", source, count=1, flags=re.M)
        if n != 1:
            raise SystemExit(f"BoilerplateConfig has no float field {name}")
    path.write_text(source, encoding="utf-8")
    print(f"wrote {len(values)} defaults to {path}")


def print_errors(name: str, rows: list[dict], beta: np.ndarray, t: float) -> None:
    """The false positives and the missed generic sentences (judged ones) of a batch."""
    for r, v in zip(rows, scores(rows, beta)):
        if r["text"] and (v >= t) != bool(r["y"]):
            kind = "OWN " if r["own_only"] else "FP  " if not r["y"] else "MISS"
            fs = {f: round(x, 2) for f, x in zip(FEATURES, r["x"]) if x}
            print(f"  {kind} {name[:5]} {r['doc'][:6]} {v:5.1f} {fs} anchors={r['evidence'].anchors} | {r['text']}")


if __name__ == "__main__":
    sys.exit(main())
