"""Fits TopicConfig.mention_margin leave-one-batch-out, and says what each left-out batch gets.

    python bench/fit_mention.py [--out DIR]

For every margin of a grid, bench/topics.py re-scores the levels of a finished run (as bench/yardstick.py leaves it
in DIR) and counts per batch the members wrongly told to 补学 and the 补学 missed. With one batch left out, the
margin chosen is the one with the least cost on the others — a wrong 补学 accuses a member, so it costs
`ACCUSATION_COST` missed ones — the highest such margin on a tie (the most cautious reading of closeness). The
left-out batch is then measured at that margin.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRID = [round(0.8 + 0.1 * i, 1) for i in range(13)]   # 0.8 … 2.0 standard deviations
ACCUSATION_COST = 3                                    # a wrong 补学 weighs as much as this many missed
LINE = re.compile(r"^(\w+)\s+exact .* 补学 wrongly (\d+) missed (\d+)", re.M)


def counts(margin: float, out: str) -> dict[str, tuple[int, int]]:
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "topics.py"), "--out", out,
                          "--set", f"mention_margin={margin}"], capture_output=True, text=True, check=True)
    return {name: (int(w), int(m)) for name, w, m in LINE.findall(run.stdout)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/tmp/topics-out")
    a = ap.parse_args()
    table = {m: counts(m, a.out) for m in GRID}
    batches = list(table[GRID[0]])
    for left in batches:
        def cost(m):
            return sum(ACCUSATION_COST * w + mi for b, (w, mi) in table[m].items() if b != left)
        best = min(GRID, key=lambda m: (cost(m), -m))
        w, mi = table[best][left]
        print(f"{left:13} fitted without it: mention_margin {best}  → wrongly {w} missed {mi}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
