#!/usr/bin/env bash
# Set up (first time only) and start Stocktake on http://localhost:8501 with the demo data.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh requirements.txt
# The demo borough, so every page works on first run (skipped when the store already has data). Only here: the
# tests make their own stores, so ./test.sh works while the app is running.
.venv/bin/python -m data.demo --if-empty
exec .venv/bin/python -m ui.launch --server.port "${PORT:-8501}" --server.address "${ADDRESS:-localhost}" "$@"
