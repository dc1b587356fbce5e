#!/usr/bin/env bash
# Set up (first time only) and run the whole test suite. Extra arguments go to pytest, e.g. ./test.sh -m e2e
# Browser tests need Debian's chromium (apt-get install chromium); without it they skip and say so.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh requirements-test.txt
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" "$@"
