"""What the topic reader's floor before the mention model (TopicConfig.mention_floor) saves and what it costs, per
batch, from finished runs.

    python bench/mention_cascade.py [--out DIR] [--batch NAME=FOLDER ...] [--floors 0,0.5,0.8]

Reads each batch's run in DIR/<name> (as bench/yardstick.py leaves it; --batch adds any other batch folder, e.g.
one made by compose.py, whose run is in DIR/<NAME>) and assesses every document's topics as a default run does
(pipeline.engines.stages.topic_matcher: the static reader, the default model asked about mentions), once with
the mention model always asked (no floor) and once at each floor. Prints the documents the mention model was
asked about and the texts it was given, and how many documents' levels differ from the unfloored ones: a document
whose mention the floor lost, which may send its member to 补学. Nothing here is fitted: it is a measuring tool.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from topics import annotated_submissions  # noqa: E402
from yardstick import BATCHES  # noqa: E402

from pipeline.batch import Batch  # noqa: E402
from pipeline.engines.stages import TOPIC_READER  # noqa: E402
from pipeline.semantic import get_encoder  # noqa: E402
from pipeline.topics import TopicConfig, TopicMatcher  # noqa: E402

UNFLOORED = float("-inf")


def asked(encoder) -> int:
    """The texts an encoder was given so far (each distinct text of a call once), from its own counts."""
    return encoder.stats["embedded"] + encoder.stats["cache_hits"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/tmp/topics-out")
    ap.add_argument("--batch", action="append", default=[], metavar="NAME=FOLDER")
    ap.add_argument("--floors", default=f"0,{TopicConfig().mention_floor},0.8")
    a = ap.parse_args()
    batches = {**BATCHES, **dict(item.split("=", 1) for item in a.batch)}
    floors = [UNFLOORED, *(float(f) for f in a.floors.split(","))]
    cache = Path(a.out) / "dev" / ".cache" / "embeddings"
    reader, mention_model = get_encoder(TOPIC_READER, cache_dir=cache), get_encoder(None, cache_dir=cache)
    print(f"{'batch':13} {'floor':>6} {'docs':>5} {'asked':>6} {'texts':>7} {'levels differ':>14}")
    for name, root in batches.items():
        batch = Batch.open(Path(root))
        submissions = list(annotated_submissions(batch, Path(a.out) / name))
        unfloored = None
        for floor in floors:
            matcher = TopicMatcher(batch.topics, encoder=reader, mention_encoder=mention_model,
                                   config=TopicConfig(mention_floor=floor))
            first = asked(mention_model)  # the topics' profiles were embedded above
            documents, levels = 0, []
            for s in submissions:
                before = asked(mention_model)
                levels.append({c.topic_id: c.level for c in matcher.coverage(s)})
                documents += asked(mention_model) > before
            unfloored = unfloored or levels
            differ = sum(x != y for x, y in zip(levels, unfloored))
            texts = asked(mention_model) - first
            print(f"{name:13} {floor:6.2f} {len(submissions):5} {documents:6} {texts:7} {differ:14}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
