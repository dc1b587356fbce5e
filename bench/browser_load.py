"""Benchmark: loading a large file on the Data page as a user waits for it, in Debian's Chromium (Playwright), beside
DuckDB's own load of the same file.

The file is ``bench.bench_load.export_csv(N)`` (UK dates, £ amounts), the one ``bench.run --cli`` loads. The app is
served on an empty store of its own (``bench.serve.served_app``). In one browser page, as a person would:

1. the Data page; the file chosen in the uploader: Chromium sends it and the page shows its preview (timed apart:
   "upload and preview", before the click);
2. the click on "Load into Stocktake" -> the load's report on the page (**loaded**): the rows are in, the dataset is
   in use, and for a large dataset the derived tables (repeat demand, the KPI summary) are being built behind it;
3. straight on, from the sidebar, Demand drivers, Performance trends and Savings scenarios in turn, each counted from
   the click to the moment the page's visible charts are drawn and the page is idle (``bench.browser.wait_settled``):
   **every page usable** is the last of these. Whether the sidebar showed the preparation's progress, and which
   figures said they were being prepared, is noted (the honest state of the page at that moment);
4. then **every figure ready**: the sidebar's progress gone and the Demand and Performance pages drawn again with no
   figure saying it is being prepared.

The server's CPU seconds from the click to each point (from /proc: steadier than wall time on a machine shared by
others) and its peak memory (VmHWM) are given beside them, with the load average; the peak is read before the click
too (the upload's share: Streamlit's own route holds an upload in memory, the served app writes it to disk as it
arrives, ``ui.upload_stream``). DuckDB's own ``CREATE TABLE AS SELECT * FROM read_csv`` of the file runs in a process of its
own before the app starts (``bench.run``'s native load, process start to exit), so the ratio is in the same run.

    .venv/bin/python -m bench.browser_load                       # 2M and 10M rows
    .venv/bin/python -m bench.browser_load --rows 2000000 --json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.browser import open_app, visit_from_sidebar, wait_settled
from bench.serve import CHROMIUM, CHROMIUM_ARGS, load_average, served_app

DATASET = "export"
PAGES = {"demand": "Demand drivers", "performance": "Performance trends", "savings": "Savings scenarios"}
PREPARING_FIGURE = "is being prepared for the data just loaded"
LOAD_TIMEOUT_S = 900


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return float("nan")


def native_loads(csv_path: Path, db: Path, repeat: int) -> list[dict]:
    """DuckDB's own load of the file in a process of its own, ``repeat`` times (``bench.run``'s, start to exit)."""
    from bench.run import NATIVE_SCRIPT, _fresh, _timed_process

    runs = []
    for _ in range(repeat):
        _fresh(db)
        runs.append({**_timed_process([sys.executable, "-c", NATIVE_SCRIPT, str(csv_path), str(db)]),
                     "load": load_average()})
    _fresh(db)
    return runs


def _preparing_shown(page) -> bool:
    return page.get_by_text(f"Preparing '{DATASET}' for repeat demand").count() > 0


def _figures_preparing(page) -> int:
    return page.get_by_text(PREPARING_FIGURE).count()


def run_size(rows: int, work: Path, native_repeat: int, log) -> dict:
    from playwright.sync_api import sync_playwright

    from bench.bench_load import export_csv

    csv_path = export_csv(rows)
    folder = work / f"load_{rows}"
    folder.mkdir(parents=True, exist_ok=True)
    native = native_loads(csv_path, folder / "native.duckdb", native_repeat)
    log(f"{rows:,} rows: DuckDB's own load, process start to exit: "
        f"{[round(r['seconds'], 2) for r in native]} s (CPU {[round(r['cpu_s'], 2) for r in native]} s)")
    db = folder / "stocktake.duckdb"
    for stale in (db, Path(str(db) + ".wal")):
        stale.unlink(missing_ok=True)
    out: dict = {"rows": rows, "file_mb": round(csv_path.stat().st_size / 1e6), "load_average": [load_average()]}
    with served_app(db, folder / "server.log") as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = open_app(browser, server.url)
            page.locator('[data-testid="stSidebarNav"] a', has_text="Data").first.click()
            wait_settled(page, 0)
            started = time.monotonic()
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv_path),
                                                                                       timeout=LOAD_TIMEOUT_S * 1000)
            load = page.get_by_role("button", name="Load into Stocktake")
            load.wait_for(timeout=LOAD_TIMEOUT_S * 1000)
            name = page.get_by_label("Dataset name")
            name.fill(DATASET)
            name.press("Enter")
            wait_settled(page, 0)
            out["upload_and_preview_s"] = round(time.monotonic() - started, 2)
            # The server's peak before the click: the upload's share (none once it is streamed to disk).
            out["peak_mb"] = {"before_the_click": peak_rss_mb(server.pid)}
            log(f"{rows:,} rows: upload and preview {out['upload_and_preview_s']:.1f} s (before the click)")
            page.wait_for_timeout(1000)

            out["load_average"].append(load_average())
            cpu_before, clicked = server.cpu_seconds(), time.monotonic()
            since = lambda: round(time.monotonic() - clicked, 2)  # noqa: E731
            cpu = lambda: round(server.cpu_seconds() - cpu_before, 1)  # noqa: E731
            load.click()
            page.get_by_text(f"into '{DATASET}'").first.wait_for(timeout=LOAD_TIMEOUT_S * 1000)
            out["loaded_s"], out["loaded_cpu_s"] = since(), cpu()
            out["progress_in_sidebar"] = _preparing_shown(page)
            out["peak_mb"]["loaded"] = peak_rss_mb(server.pid)
            page.screenshot(path=str(folder / "loaded.png"))
            log(f"{rows:,} rows: click -> loaded {out['loaded_s']:.2f} s (server CPU {out['loaded_cpu_s']} s); "
                f"preparation's progress in the sidebar: {out['progress_in_sidebar']}")

            out["pages"] = {}
            for key, title in PAGES.items():
                visit_from_sidebar(page, title)
                out["pages"][key] = {"usable_s": since(), "server_cpu_s": cpu(),
                                     "figures_preparing": _figures_preparing(page),
                                     "progress_in_sidebar": _preparing_shown(page),
                                     "charts": page.locator('[data-testid="stVegaLiteChart"]').count()}
                page.screenshot(path=str(folder / f"{key}.png"), full_page=True)
                p = out["pages"][key]
                log(f"{rows:,} rows: click -> {title} usable {p['usable_s']:.2f} s ({p['charts']} charts, "
                    f"{p['figures_preparing']} figures saying they are being prepared; progress in the sidebar: "
                    f"{p['progress_in_sidebar']})")
            out["usable_s"] = max(p["usable_s"] for p in out["pages"].values())
            out["usable_cpu_s"] = out["pages"]["savings"]["server_cpu_s"]
            out["peak_mb"]["usable"] = peak_rss_mb(server.pid)
            out["load_average"].append(load_average())

            # Every figure ready: the sidebar's progress gone, then the two pages whose figures wait for the tables.
            page.get_by_text(f"Preparing '{DATASET}' for repeat demand").wait_for(state="detached",
                                                                                    timeout=LOAD_TIMEOUT_S * 1000)
            waiting = []
            for key in ("demand", "performance"):
                visit_from_sidebar(page, PAGES[key])
                waiting.append(_figures_preparing(page))
            out["ready_s"], out["ready_cpu_s"] = since(), cpu()
            out["figures_preparing_when_ready"] = sum(waiting)
            page.screenshot(path=str(folder / "ready.png"), full_page=True)
            log(f"{rows:,} rows: click -> every figure ready {out['ready_s']:.2f} s (server CPU {out['ready_cpu_s']} "
                f"s; figures still saying they are being prepared: {out['figures_preparing_when_ready']})")
            out["peak_mb"]["ready"] = out["server_peak_rss_mb"] = peak_rss_mb(server.pid)
            page.close()
        finally:
            browser.close()
    out["load_average"].append(load_average())
    out["native_s"] = round(statistics.median(r["seconds"] for r in native), 2)
    out["native_cpu_s"] = round(statistics.median(r["cpu_s"] for r in native), 2)
    out["native_runs_s"] = [round(r["seconds"], 2) for r in native]
    out["loaded_ratio"] = round(out["loaded_s"] / out["native_s"], 2)
    out["usable_ratio"] = round(out["usable_s"] / out["native_s"], 2)
    out["ready_ratio"] = round(out["ready_s"] / out["native_s"], 2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.browser_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[2_000_000, 10_000_000])
    parser.add_argument("--native-repeat", type=int, default=3, help="runs of DuckDB's own load (median used)")
    parser.add_argument("--work", type=Path, default=None, help="folder for the store, the log and screenshots")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print("Debian's chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="stocktake_browser_load_"))
    log = (lambda text: print(text, file=sys.stderr, flush=True)) if args.json else \
        (lambda text: print(text, flush=True))
    results = [run_size(rows, work, args.native_repeat, log) for rows in args.rows]
    if args.json:
        print(json.dumps({"results": results}, indent=1))
        return 0
    for r in results:
        print(f"{r['rows']:,} rows ({r['file_mb']:,} MB), load average {r['load_average']}:")
        print(f"  DuckDB's own load (process start to exit): median {r['native_s']:.2f} s {r['native_runs_s']}, "
              f"CPU {r['native_cpu_s']:.2f} s")
        print(f"  Data page, click -> loaded {r['loaded_s']:.2f} s ({r['loaded_ratio']:.2f}x), every page usable "
              f"{r['usable_s']:.2f} s ({r['usable_ratio']:.2f}x), every figure ready {r['ready_s']:.2f} s "
              f"({r['ready_ratio']:.2f}x); server CPU {r['loaded_cpu_s']} / {r['usable_cpu_s']} / {r['ready_cpu_s']} s;"
              f" server peak {r['server_peak_rss_mb']:,} MB (before the click, with the upload held in memory / "
              f"loaded / usable / ready: {' / '.join(f'{v:,}' for v in r['peak_mb'].values())} MB)")
    print(f"files in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
