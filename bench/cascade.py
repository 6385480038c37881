"""Which model should read what: the labelled batches scored with the topics read by the shipped static model
(the default, pipeline.engines.stages.TOPIC_READER) and by the run's transformer, side by side, with the texts
the transformer was asked to embed, per document and per caller.

    python bench/cascade.py [--only dev,bank] [--out DIR]

The transformer's texts are the cost of the default configuration (about 50 texts a second on 2 cores); the
topic figures are issue 13's. Nothing is fitted here: the choice is between two readers, judged on every batch.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from yardstick import BATCHES, EVALUATE  # noqa: E402

from pipeline.engines import local, stages  # noqa: E402
from pipeline.semantic import get_encoder  # noqa: E402

STATIC = stages.TOPIC_READER


class Counted:
    """The run's encoder, counting the distinct texts each caller asks it to embed."""

    def __init__(self, encoder, asked: Counter):
        self._encoder, self._asked = encoder, asked

    def __getattr__(self, name):
        return getattr(self._encoder, name)

    def encode(self, texts, *, kind="passage"):
        self._asked[sys._getframe(1).f_code.co_name] += len(set(texts))
        return self._encoder.encode(texts, kind=kind)


def scored(name: str, out: Path, reader: str | None, asked: Counter) -> dict:
    """One batch scored with topics read by `reader` (None: the run's transformer), evaluated."""
    stages.TOPIC_READER = reader
    counted = lambda semantic, **kw: (get_encoder(semantic, **kw) if semantic == STATIC  # noqa: E731
                                      else Counted(get_encoder(semantic, **kw), asked))
    local.get_encoder = stages.get_encoder = counted
    (out / ".cache" / "last_run.json").unlink(missing_ok=True)  # the reader is not among a run's inputs here
    run = local.score_batch(BATCHES[name], out)
    metrics = json.loads(subprocess.run(
        [sys.executable, str(EVALUATE), "--labels", str(BATCHES[name] / "labels.json"), "--results",
         str(out / "results.json"), "--json"], capture_output=True, text=True, check=True).stdout)
    metrics["documents"] = len(run.results["documents"])
    return metrics


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="comma-separated batch names")
    ap.add_argument("--out", default=str(ROOT / "outputs" / "cascade"))
    a = ap.parse_args()
    names = [n for n in a.only.split(",") if n] or list(BATCHES)
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'batch':13} {'topics read by':15} {'exact':>6} {'qwk':>6} {'补学误':>4} {'补学漏':>4}  transformer texts a document")
    for name in names:
        for label, reader in (("static", STATIC), ("transformer", None)):
            asked = Counter()
            m = scored(name, Path(a.out) / name, reader, asked)
            per_doc = {k: round(v / m["documents"], 1) for k, v in asked.most_common()}
            print(f"{name:13} {label:15} {m['topic_exact']:6.3f} {m['topic_qwk']:6.3f} "
                  f"{m['makeup_wrongly_required']:5} {m['makeup_missed']:5}  "
                  f"{sum(asked.values()) / m['documents']:.1f} {per_doc}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
