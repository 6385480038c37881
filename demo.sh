#!/usr/bin/env bash
# Sets up everything on a fresh machine and scores the bundled demo batch: `bash demo.sh`.
# The results land in outputs/demo/ (results.json and the reports).
set -euo pipefail
cd "$(dirname "$0")"
source ./setup.sh
.venv/bin/xuexi score corpora/demo --out outputs/demo || status=$?
echo "results: outputs/demo/results.json"
exit "${status:-0}"
