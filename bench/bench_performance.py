"""Performance page speed: the summary matrix (every KPI x service) and a page rerun, on 1M and 10M rows
(target: under 0.5 s of server time, median).

Works on a private copy of the benchmark store (``bench/records.py``), because the page keeps its KPI cube in the
store and the first build of it is part of what is measured. Prints medians of:

- the KPI cube build: every records KPI by month for the total and per service, area and channel, in one
  GROUPING SETS query per basis (the one-off cost after a load; the page keeps the result in the store);
- the summary matrix: from live queries (no stored cube), and from the stored cube (every later visit);
- a page rerun: the analysis calls the page makes for a KPI + service view (settings, interventions, KPI options,
  the chart's series from the cube, SPC, reading, chart spec as Streamlit makes it, matrix from the cube, small
  multiples across areas from the cube, their SPC and chart spec), with the time of each step; and the small
  multiples' series by a live query, as for a view the cube does not hold (a service, area and channel at once). Streamlit's ``st.cache_data`` then makes a plain rerun near zero; these
  figures are with every cache cold except the store's cube;
- the whole page in AppTest on that store: the first render (cube already stored, Streamlit caches cold), a rerun
  after choosing a rebase date (the chart is redrawn; data from st.cache_data) and a rerun after choosing another
  service (a new series and small multiples, read from the cube), as the page script's own run time;
- the pandas way: the same KPI table (every KPI by service and month, plus the total) computed with pandas from the
  records in a DataFrame, beside the one-off read of the records into pandas.

    .venv/bin/python -m bench.bench_performance            # 1M and 10M
    .venv/bin/python -m bench.bench_performance 1000000    # one size
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from analysis import interventions, store
from analysis.charts import spc as charts
from analysis.charts import spc_icons
from analysis.charts.spec import make_spec
from analysis.demand import repeats
from analysis.filters import Filters
from analysis.kpis import cube, definitions, series, storage
from analysis.spc import reading, xmr
from bench.records import DATASET, ensure_bench_store, median_seconds

RUNS = 5
CUBE_RUNS = 3
SERVICE = "Housing repairs"
KPI = "failure_demand_pct"


def _drop_cube(con) -> None:
    store.execute(con, f"DROP TABLE IF EXISTS {cube.CUBE_TABLE}")


def chart_spec(chart) -> dict:
    """The chart as the app makes its spec (``analysis.charts.spec.make_spec``: data as Arrow tables, unvalidated)."""
    return make_spec(lambda: chart)


def page_rerun(con, ds) -> dict[str, float]:
    """What pages/performance.py asks of analysis for one view (caches cold, the store's cube warm), timed by step."""
    steps: dict[str, float] = {}
    t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        steps[name] = now - t
        t = now

    directions, targets = storage.kpi_settings(con, ds.name)
    notes = interventions.list_interventions(con, ds.name, SERVICE)
    options = definitions.available_kpis(con, ds)
    values = {r: cube.split_values(con, ds, r) for r in ("service", "area", "channel")}
    assert options and values["service"]
    lap("settings, interventions, KPI and service lists")
    one = series.kpi_series(con, ds, KPI, filters=Filters(services=SERVICE))
    result = xmr.xmr(one["value"].to_numpy(dtype=float), dates=one["period"], improvement="decrease",
                     target=0.3, rebase_at=[pd.Timestamp("2024-06-01")])
    summary = reading.summarise(result)
    reading.reading(result, "decrease", lambda v: definitions.format_kpi_value(v, "share"))
    lap("the KPI's series, SPC, reading")
    chart_spec(charts.build_spc_chart(result, title="Failure demand", unit="share", interventions=notes))
    spc_icons.variation_icon_svg(summary.variation, summary.variation_side)
    spc_icons.assurance_icon_svg(summary.assurance)
    lap("SPC chart spec and icons")
    matrix = series.summary_matrix(con, ds, directions=directions, targets=targets)
    for v, s_, a in zip(matrix["variation"], matrix["variation_side"], matrix["assurance"]):
        spc_icons.svg_data_uri(spc_icons.variation_icon_svg(v, s_))
        spc_icons.svg_data_uri(spc_icons.assurance_icon_svg(a))
    lap("summary matrix and its icons")
    many = series.kpi_series(con, ds, KPI, split="area", filters=Filters(services=SERVICE))
    frames = series.series_spc(many, improvement="decrease")
    lap("small multiples: series and SPC")
    chart_spec(charts.build_small_multiples(frames, title="By area", unit="share"))
    lap("small multiples chart spec")
    return steps


def pandas_kpis(df: pd.DataFrame, cls: pd.DataFrame, within_days: int = definitions.DEFAULT_WITHIN_DAYS) -> pd.DataFrame:
    """Every records KPI by service and month plus the total, the pandas way (what kpi_cube's service part does)."""
    df = df.copy()
    df["month"] = df["received_at"].dt.to_period("M")
    df = df.merge(cls, on=["service", "reason"], how="left")
    df = df.sort_values(["customer_id", "received_at"])
    previous = df.groupby("customer_id")["received_at"].shift()
    calendar_days = (df["received_at"].dt.normalize() - previous.dt.normalize()).dt.days
    df["is_repeat"] = calendar_days.notna() & (calendar_days <= repeats.REPEAT_WINDOW_DAYS)
    df["failure"] = df["demand_type"] == "failure"
    df["classified"] = df["demand_type"].isin(["failure", "value"])
    closed = df[df["closed_at"].notna()].copy()
    closed["days"] = (closed["closed_at"] - closed["received_at"]) / pd.Timedelta(days=1)
    closed["closed_month"] = closed["closed_at"].dt.to_period("M")
    closed["within"] = closed["days"] <= within_days
    out = []
    for keys in (["service"], []):
        g = df.groupby(keys + ["month"])
        received = pd.DataFrame({
            "volume": g.size(), "failure_demand_pct": g["failure"].sum() / g["classified"].sum(),
            "repeat_pct": g["is_repeat"].sum() / g["customer_id"].count(), "cost_per_case": g["cost"].mean(),
            "avg_handling_minutes": g["handling_minutes"].mean()})
        c = closed.groupby(keys + ["closed_month"])["days"]
        closing = pd.DataFrame({"median_days_to_close": c.median(), "p90_days_to_close": c.quantile(0.9),
                                "closed_within_days": closed.groupby(keys + ["closed_month"])["within"].mean()})
        out += [received.reset_index(), closing.reset_index()]
    return pd.concat(out, ignore_index=True)


def pandas_matrix(table: pd.DataFrame) -> int:
    """SPC per KPI x service on the pandas table (the matrix's Python part)."""
    table = table.copy()
    table["service"] = table["service"].fillna(definitions.ALL)
    table["period"] = table["month"].fillna(table["closed_month"])
    n = 0
    for k in definitions.RECORD_KPIS:
        part = table[table[k].notna()]
        for _, g in part.groupby("service"):
            g = g.sort_values("period")
            reading.summarise(xmr.xmr(g[k].to_numpy(dtype=float), dates=g["period"].dt.to_timestamp()))
            n += 1
    return n


def bench_page(path: Path, runs: int = RUNS) -> dict[str, float]:
    """The page in AppTest on a store: first render, then median reruns, as the page script's own run time (with
    the compiled script cached, as in the server; AppTest otherwise recompiles it on every run)."""
    import os

    import streamlit.testing.v1.app_test as app_test_module
    import streamlit.testing.v1.local_script_runner as runner_module
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import AppTest

    shared_cache = ScriptCache()
    app_test_module.ScriptCache = lambda: shared_cache
    runner_module.ScriptCache = lambda: shared_cache
    root = Path(__file__).resolve().parents[1]
    os.environ["STOCKTAKE_DB"] = str(path)
    os.chdir(root)
    at = AppTest.from_string(
        "import streamlit as st\n"
        "from ui.sidebar import render_dataset_picker\n"
        f"nav = st.navigation([st.Page({str(root / 'pages' / 'performance.py')!r}, title='Performance', "
        "url_path='performance-trends')])\n"
        "render_dataset_picker()\n"
        "import time as _time\n"
        "_started = _time.perf_counter()\n"
        "nav.run()\n"
        "st.session_state['_bench_script_s'] = _time.perf_counter() - _started\n",
        default_timeout=600,
    )
    at.session_state["dataset"] = DATASET
    at.run()
    if at.exception:
        raise RuntimeError(at.exception)
    figures = {"whole page: first render (Streamlit caches cold)": at.session_state["_bench_script_s"]}
    at.selectbox(key="pf_kpi").set_value(KPI).run()
    at.selectbox(key="pf_service").set_value(SERVICE).run()
    rebase, other = [], []
    services = [s for s in at.selectbox(key="pf_service").options if s not in (SERVICE, definitions.ALL)]
    for i in range(runs):
        at.date_input(key="pf_rebase_date").set_value(pd.Timestamp("2024-06-01").date() if i % 2 == 0 else None)
        at.run()
        rebase.append(at.session_state["_bench_script_s"])
    for i in range(runs):
        at.selectbox(key="pf_service").set_value(services[i % len(services)]).run()
        other.append(at.session_state["_bench_script_s"])
    if at.exception:
        raise RuntimeError(at.exception)
    figures["whole page: rerun after choosing a rebase date"] = statistics.median(rebase)
    figures["whole page: rerun after choosing another service"] = statistics.median(other)
    return figures


def bench(rows: int, with_pandas: bool = True) -> dict[str, float]:
    source = ensure_bench_store(rows)
    work = Path(tempfile.mkdtemp(prefix="bench_perf_"))
    path = work / source.name
    shutil.copyfile(source, path)
    con = store.open_store(path)
    figures: dict[str, float] = {}
    try:
        ds = store.get_dataset(con, DATASET)
        interventions.add_intervention(con, ds.name, SERVICE, "2024-06-01", "Online repairs tracking launched")

        def build_cube(i):
            _drop_cube(con)
            cube.kpi_cube(con, ds)

        figures["cube build (one-off per load)"] = median_seconds(build_cube, CUBE_RUNS)
        _drop_cube(con)
        figures["summary matrix, live queries"] = median_seconds(
            lambda i: series.summary_matrix(con, ds, use_cube=False), CUBE_RUNS)
        cube.kpi_cube(con, ds)
        figures["summary matrix, stored cube"] = median_seconds(lambda i: series.summary_matrix(con, ds), RUNS)
        laps = []
        figures["page rerun (analysis calls, cube stored)"] = median_seconds(lambda i: laps.append(page_rerun(con, ds)), RUNS)
        for step in laps[0]:
            figures[f"  {step}"] = statistics.median(lap[step] for lap in laps)
        figures["small multiples across areas by a live query (no cube)"] = median_seconds(
            lambda i: series.kpi_series(con, ds, KPI, split="area", filters=Filters(services=SERVICE), use_cube=False),
            RUNS)
        figures.update(bench_page(path))
        if with_pandas:
            t = time.perf_counter()
            df = store.query_df(con, f"SELECT received_at, closed_at, service, reason, cost, handling_minutes, "
                                     f"customer_id FROM {store.quote_identifier(ds.table)}")
            cls = store.query_df(con, "SELECT service, reason, demand_type FROM ds_bench_contacts_classification")
            figures["pandas: read records into a DataFrame (one-off)"] = time.perf_counter() - t
            table = {}

            def pandas_table(i):
                table["t"] = pandas_kpis(df, cls)

            runs = 3 if rows <= 1_000_000 else 1
            figures[f"pandas: KPI table by service + total ({runs} run{'s' if runs > 1 else ''})"] = median_seconds(
                pandas_table, runs)
            figures["pandas: SPC per KPI x service on it"] = median_seconds(lambda i: pandas_matrix(table["t"]), 3)
            del df
    finally:
        con.close()
        shutil.rmtree(work, ignore_errors=True)
    return figures


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv if a.isdigit()] or [1_000_000, 10_000_000]
    with_pandas = "--no-pandas" not in argv
    for rows in sizes:
        print(f"\n{rows:,} rows (median seconds)")
        for name, seconds in bench(rows, with_pandas).items():
            print(f"  {name:<58} {seconds:8.3f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
