#!/usr/bin/env bash
# Sets up everything on a fresh machine and runs the test suite: `bash test.sh` (extra arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")"
source ./setup.sh
# LibreOffice lets the tests convert real .doc files and make PDFs the way members do; optional elsewhere.
if ! command -v soffice >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -q && apt-get install -y -q --no-install-recommends libreoffice-writer-nogui fonts-wqy-zenhei) >/tmp/xuexi-apt.log 2>&1 \
        || echo "note: LibreOffice could not be installed; the tests that need it will say they were skipped"
fi
.venv/bin/python -m pytest "$@"
