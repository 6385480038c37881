#!/usr/bin/env bash
# Sets up everything on a fresh machine and runs the test suite: `bash test.sh` (extra arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")"
source ./setup.sh
# LibreOffice converts real .doc files in the tests; Chromium opens the report pages as a person would; the font
# lets both show Chinese. Installed where this runs as root with apt (CI does); the tests that need them say
# when they were skipped.
need=""
command -v soffice >/dev/null 2>&1 || need="$need libreoffice-writer-nogui"
command -v chromium >/dev/null 2>&1 || need="$need chromium"
fc-list :lang=zh 2>/dev/null | grep -q . || need="$need fonts-wqy-zenhei"
if [ -n "$need" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -q && apt-get install -y -q --no-install-recommends $need) >/tmp/xuexi-apt.log 2>&1 \
        || echo "note: could not install$need (see /tmp/xuexi-apt.log); the tests that need them will be skipped"
fi
.venv/bin/python -m pytest "$@"
