"""The Dask engine: the dev batch scored on a LocalCluster of two worker processes gives the local engine's
results.json, byte for byte apart from the time stamp."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DEV
from pipeline.cli import app
from pipeline.engines.dask import partition_size

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
    xuexi = str(Path(sys.executable).with_name("xuexi"))
    for engine in ("local", "dask"):
        extra = ["--engine", "dask", "--scheduler", cluster.scheduler_address] if engine == "dask" else []
        done = subprocess.run([xuexi, "score", str(DEV), "--out", str(out / engine), "--semantic", SEMANTIC,
                               "--archive", str(out / f"{engine}.sqlite"), *extra], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
    return [(out / engine / "results.json").read_text(encoding="utf-8") for engine in ("local", "dask")]


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
