"""Benchmark: a full rerun of the Demand page after a filter change, on 1M and 10M records, beside the pandas way.

"Full rerun" = every analysis call the page makes when a filter changes (the calls whose results are cached per
dataset version, such as the filter choices, the data's date span, the classification and the derived repeat table,
are made once before timing, as the page's cache would hold them):
total, volume over time, Pareto of reasons, failure share overall / by service / by channel / over time, repeat
demand, day × hour and month × year counts, change between two periods, rate per 1,000 residents, and the forecast
(ETS + seasonal naive + rolling-origin accuracy).

The pandas way computes the same figures (except the forecast, whose cost is statsmodels either way) from a frame
already in memory, with the gap to each customer's previous contact precomputed once (as the derived table is).
Both are timed on the same sequence of filter sets; medians are printed. Server time only (no browser rendering).

    .venv/bin/python -m bench.bench_demand            # 1M and 10M rows
    .venv/bin/python -m bench.bench_demand 1000000    # one size
    .venv/bin/python -m bench.bench_demand 10000000 --no-pandas
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import classification, forecast, store
from analysis.demand import change, choices, figures, repeats, scan
from analysis.filters import Filters
from analysis.errors import StocktakeError
from bench.records import DATASET, ensure_bench_store

ROUNDS = 2
PANDAS_MAX_ROWS = 10_000_000


def _private_copy(path: Path) -> Path:
    """A copy only this benchmark opens: other benchmarks may hold the shared file (one writer per DuckDB file)."""
    copy = path.with_name(path.stem + "_demand" + path.suffix)
    if not copy.exists() or copy.stat().st_mtime < path.stat().st_mtime:
        shutil.copyfile(path, copy)
    return copy


def filter_sets(first: date, last: date) -> list[Filters]:
    """The filter changes a user makes in turn: a service, two channels, a year, an area, a reason, everything."""
    year_ago = last - timedelta(days=365)
    return [
        Filters(start=first, end=last, services=("Housing repairs",)),
        Filters(start=first, end=last, channels=("Phone", "Web")),
        Filters(start=date(2023, 4, 1), end=date(2025, 3, 31), services=("Housing repairs", "Parking")),
        Filters(start=year_ago, end=last, areas=("Abbey Green", "Castle Hill")),
        Filters(start=first, end=last, statuses=("Closed",)),
        Filters(start=first, end=last),
    ]


def separate_calls(con, ds, filters, coverage, classes, population, timings) -> None:
    """The same count figures as the page's one scan, each figure asking for its own (one scan each, as a figure drawn
    alone in presentation does)."""

    def timed(name, fn):
        started = time.perf_counter()
        fn()
        timings.setdefault(name, []).append(time.perf_counter() - started)

    timed("total", lambda: figures.total_count(con, ds, filters))
    timed("volume", lambda: figures.volume_over_time(con, ds, filters, "month", coverage=coverage))
    timed("pareto", lambda: figures.reason_pareto(con, ds, filters))
    for by in (None, "service", "channel", "period"):
        timed(f"failure {by or 'overall'}",
              lambda: figures.failure_share(con, ds, filters, by=by, classes=classes, coverage=coverage))
    timed("day x hour", lambda: figures.day_hour_counts(con, ds, filters))
    timed("month x year", lambda: figures.month_year_counts(con, ds, filters, coverage=coverage))
    timed("rate", lambda: figures.rate_per_thousand(con, ds, filters, population, coverage=coverage))


def page_rerun(con, ds, filters, coverage, classes, population, timings: dict[str, list[float]]) -> None:
    """Every analysis call the page makes after a filter change (default view: month grain, no split, no drill):
    the one-scan figures (total, volume, Pareto, failure share overall / by service / by channel / over time,
    day x hour, month x year, rate per 1,000), repeat demand, change between two periods, forecast."""

    def timed(name, fn):
        started = time.perf_counter()
        result = fn()
        timings.setdefault(name, []).append(time.perf_counter() - started)
        return result

    last = coverage[1]
    month_end = date(last.year, last.month, 1) - timedelta(days=1)
    b = ((pd.Timestamp(month_end) + pd.Timedelta(days=1) - pd.DateOffset(years=1)).date(), month_end)
    a = ((pd.Timestamp(b[0]) - pd.DateOffset(years=1)).date(), b[0] - timedelta(days=1))
    def one_scan_figures():
        # What the page's count figures do (analysis.demand.declared): one scan with every set, then each frame.
        counts = scan.counts(con, ds, filters, "month", scan.page_sets(ds, "month"))
        span = figures.effective_span(con, ds, filters, coverage)
        made = {"total": figures.total_from(counts), "volume": figures.volume_from(counts, "month", None, 8, span),
                "pareto": figures.pareto_from(counts), "day_hour": figures.day_hour_frame(counts.part("day_hour")),
                "month_year": figures.month_year_from(counts, span)}
        for by in (None, "service", "channel", "period"):
            made[f"failure {by}"] = figures.failure_from(counts, classes, by, "month", span, "service" in ds.roles)
        if population is not None:
            made["rate"] = figures.rate_from(counts, figures.population_by_area(con, population), span)
        return made

    volume = timed("one-scan figures", one_scan_figures)["volume"]
    timed("repeat", lambda: repeats.repeat_demand(con, ds, filters, 28, "customer_id"))
    timed("change", lambda: change.change_between(con, ds, filters, a, b, "reason"))

    def forecast_or_message():
        # The ETS parameters are kept per series (analysis.forecast): rounds repeat the same filters, and a rerun
        # after a filter change fits a series it has not seen, so each timing starts without them.
        forecast._fitted_params.cache_clear()
        try:
            return forecast.demand_forecast(con, ds, filters, "month", 6, coverage=coverage, volume=volume)
        except StocktakeError as exc:  # too little history: the page shows the message instead
            return str(exc)

    timed("forecast", forecast_or_message)


# ---- the pandas way ----------------------------------------------------------------------------------------------


def load_pandas(con, ds) -> pd.DataFrame:
    cols = ["received_at", "service", "reason", "channel", "ward", "status", "customer_id"]
    frame = store.query_df(con, f"SELECT {', '.join(cols)} FROM {store.quote_identifier(ds.table)}")
    for col in ("service", "reason", "channel", "ward", "status"):
        frame[col] = frame[col].astype("category")
    # Precomputed once, as the derived repeat table is: days since the same customer's previous contact.
    frame = frame.sort_values(["customer_id", "received_at"], kind="stable")
    day = frame["received_at"].dt.normalize()
    same = frame["customer_id"].eq(frame["customer_id"].shift()) & frame["customer_id"].notna()
    frame["days_since_previous"] = (day - day.shift()).dt.days.where(same)
    frame["previous_reason"] = frame["reason"].shift().where(same)
    return frame.sort_index()


def pandas_rerun(frame, filters, classes, population, timings):
    def timed(name, fn):
        started = time.perf_counter()
        result = fn()
        timings.setdefault(name, []).append(time.perf_counter() - started)
        return result

    def mask_of(f: Filters, with_dates=True):
        m = np.ones(len(frame), dtype=bool)
        if with_dates and f.start:
            m &= (frame["received_at"] >= pd.Timestamp(f.start)).to_numpy()
        if with_dates and f.end:
            m &= (frame["received_at"] < pd.Timestamp(f.end) + pd.Timedelta(days=1)).to_numpy()
        for field, col in (("services", "service"), ("reasons", "reason"), ("channels", "channel"),
                           ("areas", "ward"), ("statuses", "status")):
            values = getattr(f, field)
            if values:
                m &= frame[col].isin(values).to_numpy()
        return m

    sub = timed("filter", lambda: frame[mask_of(filters)])
    timed("total", lambda: len(sub))
    timed("volume", lambda: sub.groupby(sub["received_at"].dt.to_period("M"), observed=True).size())
    timed("pareto", lambda: sub["reason"].value_counts().cumsum())

    def failure(by):
        typed = sub[["service", "reason", "channel", "received_at"]].merge(
            classes, on=["service", "reason"], how="left")
        key = {"service": typed["service"], "channel": typed["channel"],
               "period": typed["received_at"].dt.to_period("M")}.get(by)
        if key is None:
            return typed["demand_type"].value_counts()
        return typed.groupby([key, typed["demand_type"]], observed=True).size()

    for by in (None, "service", "channel", "period"):
        timed(f"failure {by or 'overall'}", lambda: failure(by))

    def repeats():
        has_id = sub[sub["customer_id"].notna()]
        rep = has_id["days_since_previous"] <= 28
        return (rep.mean(), rep.groupby(has_id["reason"], observed=True).mean(),
                rep.groupby(has_id["channel"], observed=True).mean(),
                has_id[rep].groupby(["previous_reason", "reason"], observed=True).size().nlargest(15))

    timed("repeat", repeats)
    timed("day x hour", lambda: sub.groupby([sub["received_at"].dt.day_of_week, sub["received_at"].dt.hour]).size())
    timed("month x year", lambda: sub.groupby([sub["received_at"].dt.year, sub["received_at"].dt.month]).size())

    def change():
        base = frame[mask_of(filters, with_dates=False)]
        when = base["received_at"]
        first = base[(when >= "2023-11-01") & (when < "2024-11-01")]["reason"].value_counts()
        second = base[(when >= "2024-11-01") & (when < "2025-11-01")]["reason"].value_counts()
        return second.sub(first, fill_value=0).sort_values()

    timed("change", change)
    pop = population.set_index(population["ward"].str.strip().str.lower())["population"]
    timed("rate", lambda: sub["ward"].value_counts().rename(lambda w: str(w).strip().lower()).div(pop) * 1000)


# ---- main --------------------------------------------------------------------------------------------------------


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def bench(rows: int, with_pandas: bool = True) -> None:
    path = _private_copy(ensure_bench_store(rows))
    con = store.open_store(path)
    try:
        ds = store.get_dataset(con, DATASET)
        started = time.perf_counter()
        coverage = figures.data_coverage(con, ds)
        classes = classification.classification_frame(con, ds)
        population = figures.find_population_lookup(con, ds)
        choices.filter_options(con, ds)
        choices.has_times(con, ds)
        cached_s = time.perf_counter() - started
        started = time.perf_counter()
        repeats.ensure_repeat_table(con, ds, "customer_id")
        derived_s = time.perf_counter() - started
        load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
        print(f"\n== {rows:,} records ({path.name}); load average {load} on {os.cpu_count()} cores ==")
        print(f"once per dataset version: filter choices, span, classification {cached_s:.2f} s; "
              f"derived repeat table {derived_s:.2f} s (0 if it was already built)")
        sets = filter_sets(*coverage)
        timings: dict[str, list[float]] = {}
        totals = []
        page_rerun(con, ds, sets[-1], coverage, classes, population, {})  # warm-up (statsmodels import, caches)
        for _ in range(ROUNDS):
            for f in sets:
                before = {k: len(v) for k, v in timings.items()}
                started = time.perf_counter()
                page_rerun(con, ds, f, coverage, classes, population, timings)
                totals.append(time.perf_counter() - started)
                assert all(len(v) == before.get(k, 0) + 1 for k, v in timings.items())
        print(f"DuckDB: full page rerun after a filter change, median {_median_ms(totals):,.0f} ms "
              f"(min {min(totals) * 1000:,.0f}, max {max(totals) * 1000:,.0f}; {len(totals)} reruns)")
        without_forecast = [t - f for t, f in zip(totals, timings["forecast"])]
        print(f"        of which forecast median {_median_ms(timings['forecast']):,.0f} ms; "
              f"everything else {_median_ms(without_forecast):,.0f} ms")
        for name, values in timings.items():
            print(f"    {name:18s} {_median_ms(values):8,.0f} ms")
        s_timings: dict[str, list[float]] = {}
        s_totals = []
        for f in sets:
            started = time.perf_counter()
            separate_calls(con, ds, f, coverage, classes, population, s_timings)
            s_totals.append(time.perf_counter() - started)
        print(f"for comparison, the one-scan figures as separate queries: median {_median_ms(s_totals):,.0f} ms "
              f"(one scan: {_median_ms(timings['one-scan figures']):,.0f} ms)")
        if rows > PANDAS_MAX_ROWS or not with_pandas:
            print("pandas: skipped" + (" at this size" if with_pandas else " (--no-pandas)"))
            return
        started = time.perf_counter()
        frame = load_pandas(con, ds)
        print(f"pandas: frame in memory ({len(frame):,} rows) and repeat gaps precomputed in "
              f"{time.perf_counter() - started:.1f} s (once)")
        population_frame = store.query_df(
            con, f"SELECT ward, population FROM {store.quote_identifier(population.table)}")
        p_timings: dict[str, list[float]] = {}
        p_totals = []
        for _ in range(ROUNDS):
            for f in sets:
                started = time.perf_counter()
                pandas_rerun(frame, f, classes, population_frame, p_timings)
                p_totals.append(time.perf_counter() - started)
        print(f"pandas: same figures without the forecast, median {_median_ms(p_totals):,.0f} ms "
              f"(DuckDB without the forecast: {_median_ms(without_forecast):,.0f} ms)")
        for name, values in p_timings.items():
            print(f"    {name:18s} {_median_ms(values):8,.0f} ms")
        del frame
    finally:
        con.close()


def main(argv: list[str]) -> None:
    with_pandas = "--no-pandas" not in argv
    sizes = [int(a) for a in argv if not a.startswith("--")] or [1_000_000, 10_000_000]
    for rows in sizes:
        bench(rows, with_pandas)


if __name__ == "__main__":
    main(sys.argv[1:])
