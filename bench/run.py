"""The benchmark of record: Stocktake's loader beside DuckDB's own load of the same file, in one run; then the pages.

    .venv/bin/python -m bench.run --rows 10000000            # a table of figures
    .venv/bin/python -m bench.run --rows 10000000 --json     # one JSON object (the keys below)
    .venv/bin/python -m bench.run --rows 1000000 --no-pages  # the loader only
    .venv/bin/python -m bench.run --rows 2000000 --cli --repeat 5  # the command line, process start to exit

The file is a UK-dated, £-formatted records CSV of N rows (``bench.bench_load.export_csv``, built once under
bench/_work/ from the ``bench.records`` store). Each load runs in its own process, so its peak memory is its own (read
from /proc/self/status, VmHWM): DuckDB's ``CREATE TABLE … AS SELECT * FROM read_csv(…)`` into a new store file, and
Stocktake's ``load_file`` (types decided from a sample, every row converted and checked, rejects, atomic swap and
catalogue) into a new store. They alternate ``--repeat`` times; the medians are reported, with Stocktake's step
breakdown. The tables built after a load (``analysis.load.prepare``: repeat-demand order, KPI cube) are timed apart.

The pages part runs the existing page benchmarks (bench_demand, bench_performance, bench_savings) in their own
processes and reads their medians: a page's server rerun after a filter (or lever) change, beside the pandas way.

JSON keys: rows, file_mb, load_s, native_load_s, load_ratio, load_peak_rss_mb, native_peak_rss_mb, load_cpu_s,
native_cpu_s (CPU seconds: steadier than wall time on a shared machine), load_steps, prepare_s, runs, machine,
pages: {demand|performance|savings: {rerun_s, pandas_s, speedup}}.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK_DIR = ROOT / "bench" / "_work"


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (VmHWM), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds() -> float:
    """CPU time of this process so far, every thread, user and system: steadier than wall time on a busy machine."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _fresh(db: Path) -> None:
    for suffix in ("", ".wal"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def child_native(csv_path: str, db: str) -> dict:
    import duckdb

    _fresh(Path(db))
    started, cpu = time.perf_counter(), cpu_seconds()
    con = duckdb.connect(db)
    con.execute("CREATE TABLE native AS SELECT * FROM read_csv(?)", [csv_path])
    rows = con.execute("SELECT count(*) FROM native").fetchone()[0]
    con.close()
    return {"seconds": time.perf_counter() - started, "cpu_s": cpu_seconds() - cpu, "peak_rss_mb": peak_rss_mb(),
            "rows": rows}


def child_stocktake(csv_path: str, db: str) -> dict:
    from analysis import store
    from analysis.load import ingest
    from analysis.load.prepare import prepare_dataset

    _fresh(Path(db))
    started, cpu = time.perf_counter(), cpu_seconds()
    con = store.open_store(db)
    report = ingest.load_file(con, csv_path, dataset="export")
    con.close()  # closing writes the last checkpoint: part of the load, as for the native one
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    load_peak = peak_rss_mb()
    con = store.open_store(db)
    started = time.perf_counter()
    notes = prepare_dataset(con, "export")
    prepare_s = time.perf_counter() - started
    con.close()
    return {"seconds": seconds, "cpu_s": cpu, "peak_rss_mb": load_peak, "rows": report.rows_loaded,
            "rejected": report.rows_rejected, "steps": report.timings, "prepare_s": prepare_s,
            "prepare_peak_rss_mb": peak_rss_mb(), "prepare_notes": notes}


def _run_child(which: str, csv_path: Path, db: Path) -> dict:
    result = subprocess.run([sys.executable, "-m", "bench.run", "--child", which, str(csv_path), str(db)],
                            cwd=ROOT, capture_output=True, text=True)
    _fresh(db)
    if result.returncode != 0:
        raise RuntimeError(f"{which} load failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure_load(rows: int, repeat: int) -> dict:
    from bench.bench_load import export_csv

    csv_path = export_csv(rows)
    with open(csv_path, "rb") as handle:  # the same warm page cache for both loaders
        while handle.read(64 << 20):
            pass
    db = WORK_DIR / f"run_target_{rows}.duckdb"
    native, ours = [], []
    for _ in range(repeat):
        native.append(_run_child("native", csv_path, db))
        ours.append(_run_child("stocktake", csv_path, db))
    load_s = statistics.median(r["seconds"] for r in ours)
    native_s = statistics.median(r["seconds"] for r in native)
    steps = {step: statistics.median(r["steps"].get(step, 0.0) for r in ours) for step in ours[0]["steps"]}
    return {
        "rows": rows,
        "file_mb": round(csv_path.stat().st_size / 1e6, 1),
        "load_s": round(load_s, 2),
        "native_load_s": round(native_s, 2),
        "load_ratio": round(load_s / native_s, 3),
        "load_cpu_s": round(statistics.median(r["cpu_s"] for r in ours), 2),
        "native_cpu_s": round(statistics.median(r["cpu_s"] for r in native), 2),
        "load_peak_rss_mb": round(max(r["peak_rss_mb"] for r in ours)),
        "native_peak_rss_mb": round(max(r["peak_rss_mb"] for r in native)),
        "load_steps": {k: round(v, 2) for k, v in steps.items()},
        "prepare_s": round(statistics.median(r["prepare_s"] for r in ours), 2),
        "rows_loaded": ours[0]["rows"],
        "rows_rejected": ours[0]["rejected"],
        "runs": {"stocktake_s": [round(r["seconds"], 2) for r in ours],
                 "native_s": [round(r["seconds"], 2) for r in native]},
    }


# ----- as a user runs it: the command line, process start to exit ---------------------------------------------------

NATIVE_SCRIPT = ("import duckdb, sys; con = duckdb.connect(sys.argv[2]); "
                 "con.execute('CREATE TABLE native AS SELECT * FROM read_csv(?)', [sys.argv[1]]); con.close()")


GNU_TIME = "/usr/bin/time"
_TIME_MARK = "STOCKTAKE_CHILD_USAGE"


def _timed_process(argv: list[str]) -> dict:
    """Wall seconds from the process's start to its exit, its CPU seconds and peak resident memory.

    The peak is read through GNU time where it is installed: a child's own ``wait4`` peak starts from its parent's
    size (Linux carries a forked process's high-water mark across its exec), so with this bench's parent holding more
    than a loader, both loaders read the parent's size (1,254 MB each at 10M rows). ``time`` is a small process, so the
    loader it starts reports its own peak."""
    wrapped = os.path.exists(GNU_TIME)
    if wrapped:
        argv = [GNU_TIME, "-f", f"{_TIME_MARK} %M %U %S", *argv]
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    error = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{argv[:4]} failed:\n{error[-2000:]}")
    if wrapped:
        line = [ln for ln in error.splitlines() if ln.startswith(_TIME_MARK)][-1]
        peak_kb, user, system = line.split()[1:]
        return {"seconds": seconds, "cpu_s": float(user) + float(system), "peak_rss_mb": int(peak_kb) / 1024}
    return {"seconds": seconds, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024}


def measure_cli(rows: int, repeat: int) -> dict:
    """``python -m analysis load`` as a user runs it beside a Python process running DuckDB's own load, alternating
    (which goes first alternates too, so a burst of other work on this shared machine falls on both alike).

    Wall time on a shared 2-core VM swings by 2x from run to run, so besides the medians the fastest run of each is
    reported (others' work only ever adds time) and the CPU seconds (steadier), with the load average before each."""
    from bench.bench_load import export_csv

    csv_path = export_csv(rows)
    with open(csv_path, "rb") as handle:
        while handle.read(64 << 20):
            pass
    db = WORK_DIR / f"cli_target_{rows}.duckdb"
    argv = {"native": [sys.executable, "-c", NATIVE_SCRIPT, str(csv_path), str(db)],
            "cli": [sys.executable, "-m", "analysis", "load", str(csv_path), "--dataset", "export", "--db", str(db)]}
    runs: dict[str, list[dict]] = {"native": [], "cli": []}
    for i in range(repeat):
        for which in (("native", "cli") if i % 2 == 0 else ("cli", "native")):
            _fresh(db)
            load_before = os.getloadavg()[0]
            runs[which].append({**_timed_process(argv[which]), "load": load_before})
    _fresh(db)
    ours, native = runs["cli"], runs["native"]
    median = lambda runs, key: statistics.median(r[key] for r in runs)  # noqa: E731
    best = lambda runs, key: min(r[key] for r in runs)  # noqa: E731
    return {"rows": rows, "cli_s": round(median(ours, "seconds"), 2), "native_s": round(median(native, "seconds"), 2),
            "ratio": round(median(ours, "seconds") / median(native, "seconds"), 2),
            "best_cli_s": round(best(ours, "seconds"), 2), "best_native_s": round(best(native, "seconds"), 2),
            "best_ratio": round(best(ours, "seconds") / best(native, "seconds"), 2),
            "cli_cpu_s": round(median(ours, "cpu_s"), 2), "native_cpu_s": round(median(native, "cpu_s"), 2),
            "cpu_ratio": round(median(ours, "cpu_s") / median(native, "cpu_s"), 2),
            "cli_peak_rss_mb": round(max(r["peak_rss_mb"] for r in ours)),
            "native_peak_rss_mb": round(max(r["peak_rss_mb"] for r in native)),
            "runs": {"cli_s": [round(r["seconds"], 2) for r in ours],
                     "native_s": [round(r["seconds"], 2) for r in native],
                     "cli_cpu_s": [round(r["cpu_s"], 2) for r in ours],
                     "native_cpu_s": [round(r["cpu_s"], 2) for r in native],
                     "load_average": [round(r["load"], 1) for pair in zip(native, ours) for r in pair]}}


# ----- the pages: the existing page benchmarks, read from their own output ------------------------------------------

_PAGES = {
    # page: (module, arguments, rerun pattern, pandas pattern, unit of the printed figures)
    "demand": ("bench.bench_demand", [],
               r"DuckDB: full page rerun after a filter change, median ([\d,.]+) ms",
               r"pandas: same figures without the forecast, median ([\d,.]+) ms", 1e-3),
    "performance": ("bench.bench_performance", [],
                    r"page rerun \(analysis calls, cube stored\)\s+([\d.]+)",
                    r"pandas: KPI table by service \+ total \(\d+ runs?\)\s+([\d.]+)", 1.0),
    "savings": ("bench.bench_savings", [],
                r"lever move: compute \+ tornado \+ 3 chart specs\s*:\s*([\d.]+)",
                r"pandas: filter \+ join \+ group \+ compute per move\s*:\s*([\d.]+)", 1.0),
}


def measure_page(page: str, rows: int) -> dict:
    module, extra, rerun_pattern, pandas_pattern, unit = _PAGES[page]
    result = subprocess.run([sys.executable, "-m", module, str(rows), *extra], cwd=ROOT, capture_output=True,
                            text=True)
    out = result.stdout
    rerun = re.search(rerun_pattern, out)
    pandas = re.search(pandas_pattern, out)
    figures = {"rerun_s": round(float(rerun.group(1).replace(",", "")) * unit, 3) if rerun else None,
               "pandas_s": round(float(pandas.group(1).replace(",", "")) * unit, 3) if pandas else None}
    figures["speedup"] = (round(figures["pandas_s"] / figures["rerun_s"], 1)
                          if figures["rerun_s"] and figures["pandas_s"] else None)
    if result.returncode != 0 or None in figures.values():
        figures["note"] = (f"{module} did not give every figure (exit {result.returncode}): "
                           + (result.stderr.strip().splitlines() or ["no error text"])[-1][:200])
    return figures


def machine() -> dict:
    return {"cores": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
            "when": time.strftime("%Y-%m-%d %H:%M")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs of each loader (median reported)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-pages", action="store_true", help="measure the loader only")
    parser.add_argument("--cli", action="store_true",
                        help="time the command line as a user runs it (process start to exit) beside DuckDB's own "
                             "load in a process of its own, and nothing else")
    parser.add_argument("--child", nargs=3, metavar=("WHICH", "CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        which, csv_path, db = args.child
        print(json.dumps((child_native if which == "native" else child_stocktake)(csv_path, db)))
        return 0
    if args.cli:
        before = machine()
        figures = {"machine": before, **measure_cli(args.rows, args.repeat)}
        figures["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        if args.json:
            print(json.dumps(figures))
            return 0
        print(f"{args.rows:,} rows, from the command line (process start to exit), {args.repeat} alternating runs "
              f"each, load average {before['load_average']} -> {figures['machine']['load_average_after']}")
        runs = figures["runs"]
        print(f"  DuckDB's own CREATE TABLE AS SELECT * FROM read_csv: median {figures['native_s']:6.2f} s (best "
              f"{figures['best_native_s']:.2f}), CPU {figures['native_cpu_s']:.2f} s, peak "
              f"{figures['native_peak_rss_mb']:,} MB")
        print(f"      runs {runs['native_s']} s, CPU {runs['native_cpu_s']} s")
        print(f"  python -m analysis load                           : median {figures['cli_s']:6.2f} s (best "
              f"{figures['best_cli_s']:.2f}), CPU {figures['cli_cpu_s']:.2f} s, peak {figures['cli_peak_rss_mb']:,} MB")
        print(f"      runs {runs['cli_s']} s, CPU {runs['cli_cpu_s']} s")
        print(f"  load average before each run (native, ours, ...): {runs['load_average']}")
        print(f"  ratio, wall: median {figures['ratio']:.2f}, best {figures['best_ratio']:.2f}; CPU: "
              f"{figures['cpu_ratio']:.2f} (target at most 1.3 wall; peak at most 1,024 MB)")
        return 0
    figures = {"machine": machine(), **measure_load(args.rows, args.repeat)}
    figures["pages"] = {} if args.no_pages else {page: measure_page(page, args.rows) for page in _PAGES}
    figures["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"{figures['rows']:,} rows ({figures['file_mb']:,} MB), {figures['machine']['cores']} cores, load average "
          f"{figures['machine']['load_average']} -> {figures['machine']['load_average_after']}")
    print(f"  DuckDB's own CREATE TABLE AS SELECT * FROM read_csv : {figures['native_load_s']:6.2f} s, peak "
          f"{figures['native_peak_rss_mb']:,} MB   (runs {figures['runs']['native_s']})")
    print(f"  Stocktake's load_file                               : {figures['load_s']:6.2f} s, peak "
          f"{figures['load_peak_rss_mb']:,} MB   (runs {figures['runs']['stocktake_s']})")
    print(f"  ratio {figures['load_ratio']:.2f} (target at most 1.15); {figures['rows_loaded']:,} rows loaded, "
          f"{figures['rows_rejected']:,} rejected")
    print(f"  CPU seconds (all threads): Stocktake {figures['load_cpu_s']:.2f}, DuckDB {figures['native_cpu_s']:.2f} "
          f"(ratio {figures['load_cpu_s'] / figures['native_cpu_s']:.2f})")
    for step, seconds in figures["load_steps"].items():
        print(f"    {step:<45} {seconds:6.2f} s")
    print(f"  derived tables after the load (analysis.load.prepare)    : {figures['prepare_s']:6.2f} s")
    for page, page_figures in figures["pages"].items():
        print(f"  {page} page: rerun {page_figures['rerun_s']} s, pandas {page_figures['pandas_s']} s, speedup "
              f"{page_figures['speedup']}" + (f"  ({page_figures['note']})" if "note" in page_figures else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
