"""Fits how the paraphrase (洗稿) evidence is decided, and measures it leave-one-batch-out.

    python bench/calibrate_paraphrase.py [--semantic NAME] [--cache DIR] [--write]

Every labelled batch (the dev batch, the batches written by other hands, the demo) is run through the copy
detector with no calibration, so every paragraph whose best reference window reaches CANDIDATE_SIMILARITY is a
candidate with its evidence (paraphrase.Candidate: weakest, distinctness, shared_words). A candidate is a rewrite when
the labels mark its paragraph as copied from that same source; every other candidate is a paragraph of the
member's own (mostly on the reference's subject) and must not be flagged.

The model is a logistic regression over the named features (standardized for the fit, stored in their own
units), with class weights balanced (a handful of rewrites against many own paragraphs); precision first, its
threshold sits just above the most confident own paragraph it was fitted on. For each batch it is fitted on the
other batches and scored on that one (precision and recall of the paraphrase decisions, with the errors named);
then it is fitted on all of them, and --write stores that fit for the encoder in
pipeline/copying/paraphrase_calibration.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.copying import batch_sources, checked_texts  # noqa: E402
from bench.yardstick import BATCHES  # noqa: E402
from pipeline.copying import CopyConfig, CopyDetector  # noqa: E402
from pipeline.copying.paraphrase import CALIBRATIONS, FEATURES, Candidate, ParaphraseFinder  # noqa: E402
from pipeline.util.textnorm import fold  # noqa: E402

CANDIDATE_DISTINCTNESS = -0.02  # proposes generously below the decision: the fit sees the near misses too
THRESHOLD_MARGIN = 0.001  # the threshold sits this far above the most confident own paragraph of the fit
REGULARIZATION = 1.0  # sklearn's C: the features are few and on comparable scales


@dataclass
class Row:
    batch: str
    doc_id: str
    text: str
    source: str
    features: tuple[float, ...]
    rewrite: bool
    candidate: Candidate


class Recording(CopyDetector):
    """The detector, keeping every paraphrase candidate it examined."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen: dict[str, list[Candidate]] = {}

    def _paraphrases(self, doc, claimed):
        found = super()._paraphrases(doc, claimed)
        self.seen[doc.checked.doc_id] = found
        return found


def labelled_rewrites(label: dict) -> list[tuple[str, str]]:
    """(folded text, source) of the passages a document's labels mark as paraphrase."""
    return [(fold(c["text"]), c["source"]) for c in label.get("copied", []) if c["kind"] == "paraphrase"]


def overlaps(text: str, passage: str) -> bool:
    """The paragraph holds most of the passage, or the passage most of the paragraph."""
    a, b = fold(text), passage
    return (b in a or a in b) or _common(a, b) >= 0.5 * min(len(a), len(b))


def _common(a: str, b: str) -> int:
    from difflib import SequenceMatcher

    return sum(m.size for m in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())


def collect(name: str, batch: Path, encoder) -> tuple[list[Row], list[tuple[str, str, str]]]:
    """The candidates of a batch with their labels, and the labelled paraphrases no candidate holds."""
    labels = json.loads((batch / "labels.json").read_text(encoding="utf-8"))["documents"]
    texts = checked_texts({d: (v["text"], v.get("author")) for d, v in labels.items()})
    config = CopyConfig(paraphrase_distinctness=CANDIDATE_DISTINCTNESS)
    detector = Recording(config, encoder=encoder)
    # Propose only, at the candidate distinctness, whatever calibration is shipped: every candidate is kept.
    detector._finder = ParaphraseFinder(encoder, None, CANDIDATE_DISTINCTNESS, config.paraphrase_neighbours,
                                        config.paraphrase_min_sentences, config.paraphrase_length_ratio,
                                        config.paraphrase_lead_in_rest)
    detector.detect(texts, batch_sources(batch, None))
    rows, found = [], set()
    ids = {j: s for j, s in enumerate(batch_sources(batch, None))}
    for t in texts:
        copied = labelled_rewrites(labels[t.doc_id])
        for c in detector.seen.get(t.doc_id, []):
            text = t.text[c.unit.start:c.unit.end]
            source = ids[c.source].source_id
            hit = [(p, s) for p, s in copied if s == source and overlaps(text, p)]
            found.update((t.doc_id, p) for p, _ in hit)
            rows.append(Row(name, t.doc_id, text, source, c.features(), bool(hit), c))
    missed = [(t.doc_id, c["source"], c["text"][:40]) for t in texts for c in labels[t.doc_id].get("copied", [])
              if c["kind"] == "paraphrase" and (t.doc_id, fold(c["text"])) not in found]
    return rows, missed


def fit(rows: list[Row]) -> tuple[np.ndarray, float, float]:
    """(weights, bias) in the features' own units, and the threshold: just above the confidence of the most
    confident own paragraph among `rows`, so the fit flags none of the paragraphs it learnt from (precision first).
    The features are standardized for the fit (their scales differ by ten times) and the weights scaled back."""
    from sklearn.linear_model import LogisticRegression

    x = np.array([r.features for r in rows])
    y = np.array([r.rewrite for r in rows])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    model = LogisticRegression(C=REGULARIZATION, class_weight="balanced", max_iter=5000).fit((x - mean) / scale, y)
    weights = model.coef_[0] / scale
    bias = float(model.intercept_[0] - np.dot(model.coef_[0], mean / scale))
    threshold = max(confidence(weights, bias, r) for r in rows if not r.rewrite) + THRESHOLD_MARGIN
    return weights, bias, min(threshold, 1.0)


def confidence(weights, bias, row: Row) -> float:
    return float(1 / (1 + np.exp(-(bias + np.dot(weights, row.features)))))


def decisions(rows: list[Row], weights, bias, threshold) -> list[Row]:
    """What the detector reports: per paragraph, the candidate of highest confidence if it reaches the threshold."""
    best: dict[tuple[str, str, int], Row] = {}
    for r in rows:
        key = (r.batch, r.doc_id, r.candidate.unit.end)
        if confidence(weights, bias, r) >= threshold and (
                key not in best or confidence(weights, bias, r) > confidence(weights, bias, best[key])):
            best[key] = r
    return list(best.values())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--semantic", default=None, help="the encoder (default: the default backend)")
    ap.add_argument("--cache", default="/tmp/xuexi-calibrate-cache", help="embedding cache folder")
    ap.add_argument("--only", default="", help="comma-separated batch names")
    ap.add_argument("--write", action="store_true", help="store the fit on all batches for this encoder")
    ap.add_argument("--dump", default=None, help="write every candidate's features to this JSON file")
    args = ap.parse_args()
    from pipeline.semantic import get_encoder

    encoder = get_encoder(args.semantic, cache_dir=Path(args.cache))
    names = [n for n in BATCHES if not args.only or n in args.only.split(",")]
    rows, missed = [], {}
    for name in names:
        got, missed[name] = collect(name, BATCHES[name], encoder)
        rows += got
    if args.dump:
        Path(args.dump).write_text(json.dumps([
            {"batch": r.batch, "doc": r.doc_id, "source": r.source, "rewrite": r.rewrite,
             **dict(zip(FEATURES, r.features)),
             "sentences": len(r.candidate.unit.sentences), "window": len(r.candidate.window),
             "words": r.candidate.words[:6], "text": r.text[:60]} for r in rows], ensure_ascii=False, indent=0))
    print(f"encoder {encoder.name}; features {FEATURES}; candidates {len(rows)}, rewrites {sum(r.rewrite for r in rows)}")
    for name in names:
        if missed[name]:
            print(f"  {name}: labelled paraphrases that are no candidate: {missed[name]}")
    print(f"\n{'left out':14} {'flags':>5} {'right':>5} {'rewrites':>8} {'precision':>9} {'recall':>6}")
    for name in names:
        train = [r for r in rows if r.batch != name]
        test = [r for r in rows if r.batch == name]
        weights, bias, threshold = fit(train)
        flagged = decisions(test, weights, bias, threshold)
        right = sum(r.rewrite for r in flagged)
        total = sum(r.rewrite for r in test) + len(missed[name])
        precision = right / len(flagged) if flagged else 1.0
        recall = right / total if total else 1.0
        print(f"{name:14} {len(flagged):5} {right:5} {total:8} {precision:9.3f} {recall:6.3f}")
        for r in test:
            if (r in flagged) != r.rewrite:
                what = "missed" if r.rewrite else "false"
                print(f"    {what}: {r.doc_id} {r.source} conf {confidence(weights, bias, r):.3f} "
                      f"{dict(zip(FEATURES, np.round(r.features, 3)))} {r.text[:30]}")
    weights, bias, threshold = fit(rows)
    print(f"\nfit on all: weights {dict(zip(FEATURES, np.round(weights, 3)))} bias {bias:.3f} "
          f"threshold {threshold:.4f}")
    if args.write:
        table = json.loads(CALIBRATIONS.read_text(encoding="utf-8")) if CALIBRATIONS.is_file() else {}
        table[encoder.name] = {"features": list(FEATURES), "weights": [round(float(w), 4) for w in weights],
                               "bias": round(bias, 4), "threshold": round(threshold, 4),
                               "candidate_distinctness": CANDIDATE_DISTINCTNESS,
                               "fitted_on": {n: sum(r.batch == n for r in rows) for n in names}}
        CALIBRATIONS.write_text(json.dumps(table, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"written to {CALIBRATIONS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
