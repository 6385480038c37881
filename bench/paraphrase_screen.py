"""What the reader's screen before the paraphrase model (CopyConfig.paraphrase_screen_distinctness) saves and
what it costs, per labelled batch.

    python bench/paraphrase_screen.py [--screens -0.05,-0.02,0,0.05]

Every labelled batch (its labelled texts against its references and earlier quarters, as
bench/calibrate_paraphrase.py reads them) goes through the copy detector as a default run has it: the default
model with its shipped calibration, the static topic reader as the screen (pipeline.engines.stages.topic_reader).
Once unscreened, then at each screen: prints the documents with a paragraph open to paraphrase, those the model
was asked about, the texts it was given, the 洗稿 decided (and how many the screen lost), and the reader's best
weakest link in the documents where 洗稿 is decided (the lowest a screen may go before it loses one). Nothing is
fitted here: it is a measuring tool.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.copying import batch_sources, checked_texts  # noqa: E402
from bench.mention_cascade import asked  # noqa: E402
from bench.yardstick import BATCHES  # noqa: E402
from pipeline.copying import CopyConfig, CopyDetector  # noqa: E402
from pipeline.engines.stages import TOPIC_READER  # noqa: E402
from pipeline.semantic import get_encoder  # noqa: E402


class Screening(CopyDetector):
    """The detector, keeping each document's best weakest link in the reader's vectors (the screen's own finder
    proposing everything) and whether it had a paragraph open to paraphrase."""

    def __init__(self, *args, screened: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.screened = screened
        self.reader_best: dict[str, float] = {}
        self._everything = self._finder_of(self._reader, None, -1.0)  # one finder: it keeps the references' evidence

    def _paraphrase_screen(self):
        return super()._paraphrase_screen() if self.screened else None

    def _paraphrases(self, doc, claimed):
        units, paragraphs = self._paraphrase_units(doc, claimed)
        references = doc.texts.sources.reference_sentences
        if units and references:
            found = self._everything.find(units, paragraphs, references)
            self.reader_best[doc.checked.doc_id] = max((c.weakest for c in found), default=float("-inf"))
        return super()._paraphrases(doc, claimed)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--screens", default=f"-0.05,{CopyConfig().paraphrase_screen_distinctness},0,0.05")
    a = ap.parse_args()
    screens = [float(s) for s in a.screens.split(",")]
    with tempfile.TemporaryDirectory() as cache:
        model, reader = get_encoder(None, cache_dir=cache), get_encoder(TOPIC_READER, cache_dir=cache)
        print(f"{'batch':13} {'screen':>7} {'open':>5} {'asked':>6} {'texts':>6} {'洗稿':>5} {'lost':>5}"
              f"  reader's best where 洗稿 is decided")
        for name, root in BATCHES.items():
            labels = json.loads((root / "labels.json").read_text(encoding="utf-8"))["documents"]
            texts = checked_texts({d: (v["text"], v.get("author")) for d, v in labels.items()})
            sources = batch_sources(root, None)
            unscreened = None
            for screen in [None, *screens]:
                config = CopyConfig(paraphrase_screen_distinctness=screen if screen is not None else -1.0)
                detector = Screening(config, encoder=model, reader=reader, screened=screen is not None)
                before = asked(model)
                reports = detector.detect(texts, sources)
                decided = {(d, m.start, m.source) for d, r in reports.items() for m in r.matches
                           if m.kind == "paraphrase"}
                unscreened = unscreened if unscreened is not None else decided
                bests = sorted(f"{detector.reader_best[d]:.3f}" for d in {d for d, _, _ in unscreened})
                label = "none" if screen is None else f"{screen:.3f}"
                open_docs = len(detector.reader_best)
                asked_docs = sum(screen is None or best >= screen for best in detector.reader_best.values())
                print(f"{name:13} {label:>7} {open_docs:5} {asked_docs:6} {asked(model) - before:6}"
                      f" {len(decided):5} {len(unscreened - decided):5}  {' '.join(bests)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
