import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEV = SHARED / "eval" / "dev"
REALISTIC = SHARED / "realistic"
sys.path.insert(0, str(Path(__file__).parent))  # tests/makers.py


@pytest.fixture(scope="session")
def dev_labels():
    import json

    return json.loads((DEV / "labels.json").read_text(encoding="utf-8"))["documents"]
