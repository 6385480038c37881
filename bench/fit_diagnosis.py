"""Fit TopicConfig.split_theory_share — how much of a document's body must be the member's own theory before
学用“两张皮” is said — leave one batch out, and show what each left-out batch gets.

    python bench/fit_diagnosis.py [--out DIR]

For every labelled batch, the documents with own theory and no own practice (the only ones the share decides)
are read with the key's copied, quoted and generic passages set aside (so the fit does not learn today's
detector errors), and labelled by whether the batch's NOTES.md / EXPECTED.md call them 两张皮 (bench/topics.py).
The fitted share is the midpoint between the highest share of a document not called so and the lowest of one
called so, over the other batches; the left-out batch is then judged with it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from topics import BATCHES, _from_key, keyed_diagnoses  # noqa: E402

from pipeline.batch import Batch  # noqa: E402
from pipeline.engines.stages import batch_parse_cache, read_files  # noqa: E402
from pipeline.topics.coverage import TopicConfig, TopicMatcher, theory_share  # noqa: E402


def cases(name: str, out: Path) -> list[tuple[str, float, bool]]:
    """(doc_id, own theory share, called 两张皮) for the documents with own theory and no own practice."""
    root = BATCHES[name]
    batch = Batch.open(root)
    subs, _ = read_files(batch.root, batch.submissions, manifest=batch.manifest,
                         cache=batch_parse_cache(batch, out / name / ".cache" / "parsed"))
    labels = json.loads((root / "labels.json").read_text(encoding="utf-8"))["documents"]
    keyed = keyed_diagnoses(root, [s.doc_id for s in subs])
    matcher, config = TopicMatcher(batch.topics), TopicConfig()
    found = []
    for s in subs:
        spans = _from_key(s.text, labels[s.doc_id])
        masks = {}
        for kind in ("copied", "quoted", "generic"):
            mask = np.zeros(len(s.text) + 1, dtype=bool)
            for x in spans[kind]:
                mask[x["start"]:x["end"]] = True
            masks[kind] = mask
        body = [p for p in matcher._paragraphs(s, masks) if not p.frame]
        if any(p.theory for p in body) and not any(p.anchors >= config.practice_anchors for p in body):
            found.append((s.doc_id, theory_share(body), "theory_without_practice" in keyed[s.doc_id]))
    return found


def fit(train: list[tuple[str, float, bool]]) -> float:
    below = max((share for _, share, called in train if not called), default=0.0)
    above = min((share for _, share, called in train if called), default=1.0)
    return (below + above) / 2 if below < above else above


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/tmp/topics-out", help="where bench/yardstick.py left its runs (parse cache)")
    a = ap.parse_args()
    everything = {name: cases(name, Path(a.out)) for name in BATCHES}
    print(f"all batches: split_theory_share = {fit([c for v in everything.values() for c in v]):.2f} "
          f"(TopicConfig: {TopicConfig().split_theory_share})")
    for name, held_out in everything.items():
        share = fit([c for other, v in everything.items() if other != name for c in v])
        wrong = [(d, round(s, 2), called) for d, s, called in held_out if (s >= share) != called]
        print(f"{name:13} fitted without it {share:.2f}; its documents {len(held_out)}, wrong {len(wrong)} {wrong}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
