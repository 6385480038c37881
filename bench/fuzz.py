"""The fuzzer of tests/test_fuzz.py with many more examples than CI draws: the txt, docx and pdf readers and the
topics.yaml loader, each either reading or refusing with a one-line reason.

    python bench/fuzz.py [EXAMPLES]      # default 2000 per target

Prints how many examples each target ran and pytest's verdict; a failure prints the smallest input Hypothesis
found."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    examples = sys.argv[1] if len(sys.argv) > 1 else "2000"
    started = time.perf_counter()
    print(f"load average {os.getloadavg()[0]:.2f}; {examples} examples per target")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", str(ROOT / "tests" / "test_fuzz.py"),
                           "--hypothesis-show-statistics"], cwd=ROOT, env={**os.environ, "XUEXI_FUZZ_EXAMPLES": examples})
    print(f"{time.perf_counter() - started:.0f} s")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
