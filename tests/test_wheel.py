"""An installed wheel works without the checkout: built from the project, installed into a fresh virtual
environment outside it (its dependencies taken from this environment, nothing downloaded), it scores the demo
batch with the same results.json as the checkout's install."""

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "corpora" / "demo"


def comparable(path: Path) -> dict:
    return {**json.loads(path.read_text(encoding="utf-8")), "generated_at": None}


@pytest.mark.skipif(not (ROOT / "pyproject.toml").is_file(), reason="runs from a checkout")
def test_a_wheel_installed_outside_the_checkout_scores_the_demo_like_the_checkout(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path / "dist"), str(ROOT)], check=True, capture_output=True)
    [wheel] = (tmp_path / "dist").glob("xuexi-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # the dependencies as this environment has them (a plain path: its editable-install hook is not run)
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    # outside the checkout: a PYTHONPATH naming it would import the checkout instead of the wheel (and pip would take
    # the xuexi.egg-info the build leaves there for an xuexi already installed, and install nothing)
    outside = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)], check=True, capture_output=True,
                   env=outside)
    elsewhere = tmp_path / "office"
    elsewhere.mkdir()
    installed = subprocess.run([str(venv / "bin" / "xuexi"), "score", str(DEMO), "--out", "out"], cwd=elsewhere,
                               capture_output=True, text=True, env=outside)
    assert installed.returncode == 0, installed.stderr[-3000:]
    where = subprocess.run([str(python), "-c", "import pipeline; print(pipeline.__file__)"], cwd=elsewhere,
                           capture_output=True, text=True, check=True, env=outside).stdout
    assert str(ROOT) not in where and "site-packages" in where
    assert (elsewhere / "outputs" / "archive.sqlite").is_file()  # the archive lands where the user works

    here = subprocess.run([str(Path(sys.executable).with_name("xuexi")), "score", str(DEMO), "--out", str(tmp_path / "checkout"),
                           "--archive", str(tmp_path / "checkout.sqlite")], capture_output=True, text=True)
    assert here.returncode == 0, here.stderr[-3000:]
    assert comparable(elsewhere / "out" / "results.json") == comparable(tmp_path / "checkout" / "results.json")
