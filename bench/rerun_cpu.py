"""Benchmark: the server's CPU for a rerun of each Explore page whose results are all cached.

Streamlit runs every session's script in one Python process, so the CPU one rerun costs is shared by the whole room:
at 0.15 s a rerun, one core answers about six clicks a second. Each page is opened in Streamlit's AppTest (the same
script, run in this process) on a store, run once to fill the caches, then rerun ``--runs`` times with nothing
changed; the figure is the process CPU time (user + system) per rerun, median. AppTest's own work (it polls every
millisecond and keeps the elements) is included, so the figure is slightly high. Beside it, the Python calls of one
cached rerun: a count that does not stretch on a shared machine as CPU seconds do (see :func:`python_calls`).

To see where the CPU goes, attach py-spy (pip-installable, not in the requirements) when the line "cached reruns of
... start" appears: ``py-spy record -f raw -o profile.txt --pid <pid> --duration 20``; see ``bench/profile.sh``.

    .venv/bin/python -m bench.rerun_cpu                       # demo store, every Explore page
    .venv/bin/python -m bench.rerun_cpu --size 10000000 --json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.serve import REPO_ROOT, load_average, private_copy, spend_dataset, store_for

PAGE_FILES = {"demand": "pages/demand.py", "performance": "pages/performance.py", "savings": "pages/savings.py",
              "spend": "pages/spend.py"}


def cached_rerun_cpu(page_file: str, runs: int, dataset: str | None = None) -> dict:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=600)
    if dataset:
        at.query_params["dataset"] = dataset  # the Spend page on the store's payments
    at.run()
    at.switch_page(page_file)
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{page_file} failed: {at.exception[0].message}")
    # A profiler attached now (py-spy record --pid) sees only the cached reruns.
    print(f"cached reruns of {page_file} start", file=sys.stderr, flush=True)
    cpu, wall = [], []
    for _ in range(runs):
        c, w = time.process_time(), time.perf_counter()
        at.run()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return {"first_run_wall_s": round(first, 2), "cached_cpu_s": round(statistics.median(cpu), 3),
            "cached_cpu_min_s": round(min(cpu), 3), "cached_wall_s": round(statistics.median(wall), 3),
            "python_calls": python_calls(at),
            "charts": len(at.get("vega_lite_chart")) + len(at.get("arrow_vega_lite_chart"))}


def python_calls(at, runs: int = 3) -> int:
    """The Python function calls (and calls of C functions from Python) of one cached rerun, fewest of ``runs``.
    Unlike CPU seconds it does not stretch when the machine is shared (±1% between runs at any load), so it judges a
    change to a page's own work on a busy machine; it does not see DuckDB's or Arrow's work in C, and it counts
    AppTest's own walk of the elements (about 15,000 calls on the Demand page), which the served app does not make."""
    import threading

    counted = [0]

    def count(frame, event, arg) -> None:
        if event in ("call", "c_call"):
            counted[0] += 1

    seen = []
    for _ in range(runs):
        counted[0] = 0
        threading.setprofile(count)  # the script runs on AppTest's own thread
        sys.setprofile(count)
        try:
            at.run()
        finally:
            sys.setprofile(None)
            threading.setprofile(None)
        seen.append(counted[0])
    return min(seen)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="demo")
    parser.add_argument("--pages", nargs="+", default=list(PAGE_FILES), choices=list(PAGE_FILES))
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="stocktake_rerun_"))
    os.environ["STOCKTAKE_DB"] = str(private_copy(store_for(args.size), work))
    load = load_average()
    results = {page: cached_rerun_cpu(PAGE_FILES[page], args.runs, spend_dataset(args.size) if page == "spend" else None)
               for page in args.pages}
    out = {"size": args.size, "load_average": round(load, 2), "pages": results}
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        print(f"{args.size} store, load average {load:.2f}")
        for page, r in results.items():
            print(f"{page:12} cached rerun: {r['cached_cpu_s']:.3f} s CPU (min {r['cached_cpu_min_s']:.3f}, wall "
                  f"{r['cached_wall_s']:.3f}); {r['python_calls']:,} Python calls; first run "
                  f"{r['first_run_wall_s']:.2f} s; {r['charts']} charts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
