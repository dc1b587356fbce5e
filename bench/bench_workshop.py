"""Benchmark: what the Workshop costs, on the demo store.

1. On every rerun of an Explore page, the Workshop adds the sidebar's "Add this view to the session" control and a
   "Download chart" menu under each chart. Both are timed inside an AppTest rerun of the Demand page (13 charts)
   after a filter change, beside the whole rerun: they must stay a small part of it (no chart is converted to a file
   on a rerun; files are made when a download button is clicked).
2. A chart's PNG and SVG: the first in a process (vl-convert starting), the second of another chart, and the same
   chart again (from the cache).
3. Presentation mode: each agenda item of the demo session drawn from its saved view (cold, before the page's cache).
4. The stocktake pack of the demo session (five figures drawn as SVG).

    .venv/bin/python -m bench.bench_workshop [RERUNS]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _demo_store(folder: Path) -> Path:
    from analysis import store
    from data.demo import build_demo

    path = folder / "bench_workshop.duckdb"
    con = store.open_store(path)
    try:
        build_demo(con)
    finally:
        con.close()
    return path


def _timed_wrapper(module, name: str, totals: dict):
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[name] = totals.get(name, 0.0) + time.perf_counter() - started

    setattr(module, name, wrapper)


def rerun_cost(db: Path, reruns: int) -> dict[str, float]:
    """Median seconds of a Demand page rerun after a grain change, and of the Workshop's parts of it."""
    import ui.agenda
    import ui.charts

    totals: dict[str, float] = {}
    # Wrapped before the app imports them, so the sidebar and the pages call the timed versions.
    _timed_wrapper(ui.agenda, "render_add_view", totals)
    _timed_wrapper(ui.charts, "chart_downloads", totals)
    from streamlit.testing.v1 import AppTest

    os.environ["STOCKTAKE_DB"] = str(db)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("pages/demand.py").run()
    if at.exception:
        raise RuntimeError(at.exception)
    whole, add_view, downloads = [], [], []
    for i in range(reruns):
        totals.clear()
        at.radio(key="dm_grain").set_value("week" if i % 2 == 0 else "month")
        started = time.perf_counter()
        at.run()
        whole.append(time.perf_counter() - started)
        add_view.append(totals.get("render_add_view", 0.0))
        downloads.append(totals.get("chart_downloads", 0.0))
    charts = len(at.get("vega_lite_chart")) or len(at.get("arrow_vega_lite_chart"))
    return {"rerun": statistics.median(whole), "add_view": statistics.median(add_view),
            "downloads": statistics.median(downloads), "charts": charts}


def export_times(db: Path) -> dict[str, float]:
    from analysis import explore, registry, store
    from analysis.workshop import chart_export, sessions
    from analysis.charts.spec import rows_spec
    from data.demo import DEMO_SESSION_TITLE

    con = store.open_store(db)
    try:
        session = sessions.find_session(con, DEMO_SESSION_TITLE)
        items = sessions.agenda(con, session.id)
        figures, drawn = [], []
        for item in items:
            started = time.perf_counter()
            # A fresh context per item: each is drawn as presentation mode draws it the first time.
            figures.append(explore.draw_saved(registry.Context(con), item.view, dataset=session.dataset))
            drawn.append(time.perf_counter() - started)
        out = {f"present item {i + 1} (draw the view)": t for i, t in enumerate(drawn)}
        for label, fn in (("first PNG in the process", lambda: chart_export.png_bytes(rows_spec(figures[0].spec))),
                          ("PNG of another chart", lambda: chart_export.png_bytes(rows_spec(figures[1].spec))),
                          ("same PNG again (cached)", lambda: chart_export.png_bytes(rows_spec(figures[1].spec))),
                          ("SVG of a third chart", lambda: chart_export.svg_bytes(rows_spec(figures[2].spec)))):
            started = time.perf_counter()
            fn()
            out[label] = time.perf_counter() - started
        from analysis.workshop import pack

        started = time.perf_counter()
        text = pack.build_pack(con, session.id)
        out[f"pack of the demo session ({len(text.encode()) / 1024:,.0f} KB, {len(items)} figures)"] = \
            time.perf_counter() - started
    finally:
        con.close()
    return out


def main(argv: list[str]) -> None:
    reruns = int(argv[0]) if argv else 7
    with tempfile.TemporaryDirectory() as folder:
        print("Building the demo store…", file=sys.stderr)
        db = _demo_store(Path(folder))
        cost = rerun_cost(db, reruns)
        print(f"Demand page rerun after a grain change ({cost['charts']} charts), median of {reruns}:")
        print(f"  whole rerun (AppTest)                {cost['rerun']:.3f} s")
        print(f"  'Add this view' sidebar control      {cost['add_view'] * 1000:.1f} ms")
        print(f"  'Download chart' menus, all charts   {cost['downloads'] * 1000:.1f} ms")
        print("Exports, presentation and the pack (seconds):")
        for label, seconds in export_times(db).items():
            print(f"  {label:<52} {seconds:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
