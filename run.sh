#!/usr/bin/env bash
# Set up (first time only) and start Stocktake on http://localhost:8501 with the demo data.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh requirements.txt
exec .venv/bin/python -m ui.launch --server.port "${PORT:-8501}" --server.address "${ADDRESS:-localhost}" "$@"
