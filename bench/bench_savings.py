"""Savings page speed: recomputing a scenario after a lever moves, on 1M and 10M rows (target: under 0.2 s).

The page caches one baseline aggregate per dataset version and period; a lever move then runs only arithmetic on
that small frame (``model.compute`` and ``sensitivity.tornado``) and builds the charts. This prints:

- the baseline aggregate in DuckDB (timed once per size, as the page's cache would run it);
- the lever recompute (median of many runs): compute alone; compute + tornado; compute + tornado + chart specs
  (from cached templates, as the page does; and built in Altair each time, for comparison);
- the whole page in AppTest: first render, and the median rerun after a lever move;
- beside it, the pandas way: the records in a DataFrame, filtered to the period, joined to the classification and
  grouped on every lever move (what a page without the cached aggregate would do), and the one-off load into pandas.

    .venv/bin/python -m bench.bench_savings            # 1M and 10M
    .venv/bin/python -m bench.bench_savings 1000000    # one size
"""

from __future__ import annotations

import statistics
import sys
import time

import pandas as pd

from analysis import classification, store
from analysis.charts import savings as charts
from analysis.savings import baseline, costs, model, sensitivity
from bench.records import DATASET, ensure_bench_store, median_seconds

LEVER_RUNS = 50
PANDAS_RUNS = 3


def _levers(base: baseline.Baseline, failure_pct: float) -> model.Levers:
    unit_costs = costs.unit_cost_table(base.channels)
    return model.Levers(
        failure_pct=failure_pct,
        shifts=(model.ChannelShift("Phone", "Web", 15), model.ChannelShift("Face to face", "Phone", 10)),
        handling_pct=8,
        unit_costs={c: v for c, v in zip(unit_costs["channel"], unit_costs["unit_cost"]) if not pd.isna(v)},
        one_off_cost=50_000, ramp_up=(40, 80, 100), years=5,
    )


def bench(rows: int) -> dict[str, float]:
    path = ensure_bench_store(rows)
    con = store.open_store(path, read_only=True)
    try:
        ds = store.get_dataset(con, DATASET)
        period = baseline.latest_full_year(con, ds)
        t = time.perf_counter()
        base = baseline.baseline(con, ds, *period)
        baseline_s = time.perf_counter() - t

        def lever_move(i):  # a different failure % each time, as a slider would send
            model.compute(base, _levers(base, 5 + i % 60))

        def lever_move_tornado(i):
            lv = _levers(base, 5 + i % 60)
            model.compute(base, lv)
            sensitivity.tornado(base, lv)

        def lever_move_page(i):  # what the page does: chart specs from cached templates
            lv = _levers(base, 5 + i % 60)
            r = model.compute(base, lv)
            tor = sensitivity.tornado(base, lv)
            charts.waterfall_spec(r.waterfall)
            charts.projection_spec(r.projection, r.payback_year)
            charts.tornado_spec(tor)

        def lever_move_altair(i):  # the same charts built in Altair each time
            lv = _levers(base, 5 + i % 60)
            r = model.compute(base, lv)
            tor = sensitivity.tornado(base, lv)
            charts.build_waterfall_chart(r.waterfall).to_dict()
            charts.build_projection_chart(r.projection, r.payback_year).to_dict()
            charts.build_tornado_chart(tor).to_dict()

        compute_s = median_seconds(lever_move, LEVER_RUNS)
        tornado_s = median_seconds(lever_move_tornado, LEVER_RUNS)
        page_s = median_seconds(lever_move_page, LEVER_RUNS)
        altair_s = median_seconds(lever_move_altair, 10)

        # The pandas way: the rows the baseline needs, in memory, regrouped on every lever move.
        roles = ds.roles
        q = store.quote_identifier
        t = time.perf_counter()
        frame = store.query_df(
            con,
            f"SELECT {q(roles['date'])} AS received, {q(roles['service'])} AS service, {q(roles['reason'])} AS reason,"
            f" {q(roles['channel'])} AS channel, {q(roles['handling_minutes'])} AS minutes FROM {q(ds.table)}",
        )
        load_s = time.perf_counter() - t
        classes = classification.classification_frame(con, ds)
        failing = classes[classes["demand_type"] == classification.FAILURE][["service", "reason"]].assign(failure=True)
        start, end = pd.Timestamp(period[0]), pd.Timestamp(period[1])

        def pandas_move(i):
            rows_in = frame[(frame["received"] >= start) & (frame["received"] < end)]
            joined = rows_in.merge(failing, on=["service", "reason"], how="left")
            joined["failure"] = joined["failure"].fillna(False).astype(bool)
            g = joined.groupby(["service", "channel"]).agg(
                contacts=("channel", "size"), failure_contacts=("failure", "sum"),
                minutes_sum=("minutes", "sum"), minutes_n=("minutes", "count")).reset_index()
            b = baseline.baseline_from_frame(g, None, period_start=start, period_end=end)
            model.compute(b, _levers(b, 5 + i % 60))

        pandas_s = median_seconds(pandas_move, PANDAS_RUNS)
        mem_mb = frame.memory_usage(deep=True).sum() / 1e6
        del frame
    finally:
        con.close()
    return {"rows": rows, "period_contacts": base.total_contacts, "baseline_rows": len(base.cells),
            "baseline_s": baseline_s, "compute_s": compute_s, "compute_tornado_s": tornado_s,
            "compute_tornado_charts_s": page_s, "compute_tornado_altair_s": altair_s, "pandas_load_s": load_s, "pandas_move_s": pandas_s,
            "pandas_mb": mem_mb}


def bench_page(rows: int, moves: int = 7) -> tuple[float, float, float]:
    """The page in AppTest on the bench store: first render, then the median rerun after a lever move, both as
    AppTest's wall time (which adds its own message handling) and as the page script's own run time (with the
    compiled script cached, as in the server)."""
    import os
    from pathlib import Path

    import streamlit.testing.v1.app_test as app_test_module
    import streamlit.testing.v1.local_script_runner as runner_module
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import AppTest

    # AppTest compiles the page afresh on every run (a new ScriptCache each time: ~0.1-0.2 s of AST work for this
    # page); the server compiles it once. Share one cache so the figure is the server's.
    shared_cache = ScriptCache()
    app_test_module.ScriptCache = lambda: shared_cache
    runner_module.ScriptCache = lambda: shared_cache

    root = Path(__file__).resolve().parents[1]
    os.environ["STOCKTAKE_DB"] = str(ensure_bench_store(rows))
    os.chdir(root)
    at = AppTest.from_string(
        "import streamlit as st\n"
        "from ui.sidebar import render_dataset_picker\n"
        f"nav = st.navigation([st.Page({str(root / 'pages' / 'savings.py')!r}, title='Savings', url_path='savings')])\n"
        "render_dataset_picker()\n"
        "import time as _time\n"
        "_started = _time.perf_counter()\n"
        "nav.run()\n"
        "st.session_state['_bench_script_s'] = _time.perf_counter() - _started\n",
        default_timeout=300,
    )
    t = time.perf_counter()
    at.run()
    first = time.perf_counter() - t
    if at.exception:
        raise RuntimeError(at.exception)
    times, script = [], []
    for i in range(moves):
        at.slider(key="sv_fd_pct").set_value(10 + 7 * i)
        t = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t)
        script.append(at.session_state["_bench_script_s"])
    return first, statistics.median(times), statistics.median(script)


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [1_000_000, 10_000_000]
    print("Savings page: recompute after a lever moves (target under 0.2 s). Times in seconds; medians.")
    for rows in sizes:
        r = bench(rows)
        print(f"\n{r['rows']:,} rows ({r['period_contacts']:,} in the 12-month baseline; baseline frame "
              f"{r['baseline_rows']} rows)")
        print(f"  baseline aggregate in DuckDB (once, then cached) : {r['baseline_s']:.3f}")
        print(f"  lever move: compute                              : {r['compute_s']:.4f}")
        print(f"  lever move: compute + tornado                    : {r['compute_tornado_s']:.4f}")
        print(f"  lever move: compute + tornado + 3 chart specs    : {r['compute_tornado_charts_s']:.4f}")
        print(f"    (same, charts built in Altair each time)       : {r['compute_tornado_altair_s']:.4f}")
        print(f"  pandas: load the rows into a DataFrame (once)    : {r['pandas_load_s']:.3f} "
              f"({r['pandas_mb']:,.0f} MB in memory)")
        print(f"  pandas: filter + join + group + compute per move : {r['pandas_move_s']:.3f}")
        first, move, script = bench_page(rows)
        print(f"  whole page in AppTest: first render (cold cache)   : {first:.3f}")
        print(f"  whole page: rerun after a lever move, AppTest wall : {move:.3f}")
        print(f"  whole page: rerun after a lever move, page script  : {script:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
