"""The Dask engine: the dev batch scored on a LocalCluster of two worker processes gives the local engine's
results.json, byte for byte apart from the time stamp."""

import json
import re
import subprocess
import sys
from pathlib import Path

import jieba
import pytest
from typer.testing import CliRunner

from conftest import DEMO, DEV
from pipeline.cli import app
from pipeline.engines.dask import partition_size
from pipeline.segment import TAUGHT_WORD_FREQUENCY

runner = CliRunner()
SEMANTIC = "static"  # the fast shipped model: both engines use it, so the comparison is engine against engine


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def both(cluster, tmp_path_factory):
    """results.json of the dev batch from the local and the Dask engine, each run by `xuexi score` in a process of
    its own, as a user runs it (jieba's dictionary is global to a process: this test process has taken other
    batches' topic words by now)."""
    out = tmp_path_factory.mktemp("engines")
    for engine in ("local", "dask"):
        score(DEV, out / engine, cluster if engine == "dask" else None)
    return [(out / engine / "results.json").read_text(encoding="utf-8") for engine in ("local", "dask")]


def score(batch: Path, out: Path, cluster=None) -> None:
    xuexi = str(Path(sys.executable).with_name("xuexi"))
    extra = ["--engine", "dask", "--scheduler", cluster.scheduler_address] if cluster else []
    done = subprocess.run([xuexi, "score", str(batch), "--out", str(out), "--semantic", SEMANTIC,
                           "--archive", str(out.parent / f"{out.name}.sqlite"), *extra], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]


def without_time_stamp(text: str) -> str:
    return re.sub(r'"generated_at": "[^"]*"', '"generated_at": ""', text, count=1)


def test_dask_engine_writes_the_local_engines_results_json(both):
    local, dask = both
    assert without_time_stamp(dask) == without_time_stamp(local)
    assert without_time_stamp(local) != local  # the time stamp, and only it, was left out


def test_dask_engine_results_include_copies_between_submissions_of_different_partitions(both):
    """The dev batch runs in several partitions on this cluster: a copy between two partitions' documents came
    through the shuffle, and it is there."""
    documents = json.loads(both[1])["documents"]
    size = partition_size(len(documents), threads=2)
    assert size < len(documents)
    partition = {d["doc_id"]: i // size for i, d in enumerate(documents)}
    crossing = [(d["doc_id"], m["source"]) for d in documents for m in d["copied"]
                if m["source"].startswith("doc:") and partition[m["source"][4:]] != partition[d["doc_id"]]]
    assert crossing


def test_dask_engine_loads_the_encoder_once_on_each_worker(cluster, both):
    from distributed import Client

    from pipeline.engines.dask import _worker_encoder

    with Client(cluster) as client:
        loads = client.run(lambda: _worker_encoder.cache_info().misses)
    assert sorted(loads.values()) == [1, 1]


def test_scheduler_without_the_dask_engine_is_an_error(tmp_path):
    result = runner.invoke(app, ["score", str(DEV), "--out", str(tmp_path / "out"), "--archive",
                                 str(tmp_path / "a.sqlite"), "--scheduler", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 2
    assert "--engine dask" in result.output


def test_workers_that_served_another_quarter_score_this_one_as_the_local_engine(cluster, both, tmp_path):
    """jieba's dictionary is global to a worker process: the demo's topic words, taught for the run before, are
    taken out again when the dev batch teaches its own (no restart of the workers)."""
    from distributed import Client

    def frequency():  # of a word of the demo's topics in each worker's dictionary (None: not a word there)
        with Client(cluster) as client:
            return list(client.run(lambda: jieba.dt.FREQ.get("综合立体交通网")).values())

    score(DEMO, tmp_path / "demo", cluster)
    assert frequency() == [TAUGHT_WORD_FREQUENCY] * 2
    score(DEV, tmp_path / "dev", cluster)
    assert frequency() == [None, None]
    local, _ = both
    assert without_time_stamp((tmp_path / "dev" / "results.json").read_text(encoding="utf-8")) == \
        without_time_stamp(local)
