import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEV = SHARED / "eval" / "dev"
REALISTIC = SHARED / "realistic"
DEMO = ROOT / "corpora" / "demo"
sys.path.insert(0, str(Path(__file__).parent))  # tests/makers.py


@pytest.fixture(scope="session")
def dev_labels():
    import json

    return json.loads((DEV / "labels.json").read_text(encoding="utf-8"))["documents"]


@pytest.fixture(scope="session")
def dev_run(tmp_path_factory):
    """The dev batch scored once for the whole session, the way `xuexi score` does it."""
    from pipeline.engines.local import score_batch

    return score_batch(DEV, tmp_path_factory.mktemp("dev-out"))


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The demo batch (corpora/demo) scored once for the whole session with the defaults, into an archive."""
    from pipeline.archive import Archive
    from pipeline.engines.local import score_batch

    out = tmp_path_factory.mktemp("demo-out")
    return score_batch(DEMO, out, archive=Archive.open(out / "archive.sqlite"))


@pytest.fixture(scope="session")
def evaluate():
    """shared/eval/evaluate.py's evaluate(labels, results)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("evaluate", SHARED / "eval" / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.evaluate


@pytest.fixture(scope="session")
def dev_metrics(dev_run, evaluate):
    labels = json.loads((DEV / "labels.json").read_text(encoding="utf-8"))
    return evaluate(labels, dev_run.results)
