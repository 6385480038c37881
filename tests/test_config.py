"""One scoring configuration: recorded in results.json, overridden by `xuexi score --config FILE`, validated."""

import json
import shutil

import pytest
from typer.testing import CliRunner

from conftest import DEV
from pipeline.cli import app
from pipeline.config import ScoringConfig
from pipeline.errors import ConfigError

runner = CliRunner()


def two_member_batch(root):
    """Two dev submissions with their topics and references: a small real batch."""
    shutil.copytree(DEV / "references", root / "references")
    shutil.copy(DEV / "topics.yaml", root / "topics.yaml")
    (root / "submissions").mkdir()
    for path in sorted((DEV / "submissions").glob("*.txt"))[:2]:
        shutil.copy(path, root / "submissions" / path.name)
    return root


def score(root, out, *extra):
    result = runner.invoke(app, ["score", str(root), "--out", str(out), "--archive", str(out.parent / "a.sqlite"),
                                 "--semantic", "static", *extra])
    assert result.exit_code == 0, result.output
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_a_changed_threshold_changes_the_outcome_it_names_and_is_recorded(tmp_path):
    root = two_member_batch(tmp_path / "batch")
    default = score(root, tmp_path / "default")
    assert default["config"] == json.loads(json.dumps(ScoringConfig().to_dict()))
    def stock(results):
        return sum(g["kind"] == "stock" for d in results["documents"] for g in d["generic"])

    assert stock(default) > 0
    strict = tmp_path / "strict.yaml"
    strict.write_text("boilerplate:\n  threshold: 100\n", encoding="utf-8")  # no sentence's score reaches it
    changed = score(root, tmp_path / "strict", "--config", str(strict))
    assert changed["config"]["boilerplate"]["threshold"] == 100.0
    assert stock(changed) < stock(default)  # only the closing courtesies, flagged by rule, remain
    assert [d["doc_id"] for d in changed["documents"]] == [d["doc_id"] for d in default["documents"]]


@pytest.mark.parametrize("text, message", [
    ("copying:\n  min_charz: 50\n", "min_charz"),
    ("topicz:\n  own_share: 0.5\n", "topicz"),
    ("boilerplate:\n  threshold: high\n", "boilerplate.threshold"),
    ("copying:\n  k: 0\n", "k"),
    ("copying: [1, 2\n", "第2行"),
])
def test_a_bad_config_file_is_refused_with_the_key_named(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        ScoringConfig.load(path)
    root = two_member_batch(tmp_path / "batch")
    result = runner.invoke(app, ["score", str(root), "--out", str(tmp_path / "out"), "--config", str(path),
                                 "--archive", str(tmp_path / "a.sqlite")])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "out" / "results.json").exists()
