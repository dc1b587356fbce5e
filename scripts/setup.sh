#!/usr/bin/env bash
# Set-up shared by ./run.sh and ./test.sh: a virtual environment with the pinned packages.
# Safe to run again: it reinstalls only when a requirements file changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
REQUIREMENTS="${1:-requirements.txt}"

if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -m venv .venv 2>/dev/null; then
        # Debian's python3 has no venv module until python3-venv is installed.
        echo "Installing python3-venv (Debian) so a virtual environment can be made…" >&2
        if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
        else sudo apt-get update -qq && sudo apt-get install -y -qq python3-venv >/dev/null; fi
        rm -rf .venv
        "$PYTHON" -m venv .venv
    fi
fi

stamp=".venv/.installed-$(cat requirements.txt constraints.txt "$REQUIREMENTS" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    echo "Installing Python packages from $REQUIREMENTS…" >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r "$REQUIREMENTS"
    touch "$stamp"
fi
