#!/usr/bin/env bash
# Profile the cached reruns of one Explore page with py-spy (pip install py-spy; not in the requirements):
#   bench/profile.sh demand [size] [seconds]  ->  bench/_work/profile_<page>_<size>.txt (py-spy's raw format) and a
# summary of the functions where the script thread spends its time (bench/profile_summary.py).
set -euo pipefail
cd "$(dirname "$0")/.."
page="${1:-demand}"; size="${2:-demo}"; seconds="${3:-20}"
pyspy="${PYSPY:-py-spy}"
mkdir -p bench/_work
log="bench/_work/profile_${page}_${size}.log"; out="bench/_work/profile_${page}_${size}.txt"
.venv/bin/python -m bench.rerun_cpu --size "$size" --pages "$page" --runs 1000 >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
touch "$log"
until grep -q "cached reruns of" "$log"; do
    kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.5
done
"$pyspy" record -r 200 -f raw -o "$out" --pid $pid --duration "$seconds" >/dev/null
.venv/bin/python -m bench.profile_summary "$out"
