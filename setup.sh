# Sourced by demo.sh and test.sh: a virtual environment in .venv with xuexi and its dependencies.
# torch is pinned first to the CPU build so nothing pulls the multi-GB CUDA build.
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install -q torch==2.13.0 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/pip install -q -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import pipeline, torch" || { echo "setup failed: see the pip output above"; exit 1; }
