"""Benchmark: the Spend page after a filter change, on 1M and 10M payments, beside the pandas way.

"After a filter change" = every analysis call the page makes when its filters change (results cached per dataset
version, such as the dates covered and the filter choices, are made once before timing, as the page's cache holds
them): the one scan (month x service x category, and suppliers), and from it the totals, spend by month, the SPC
chart of monthly spend, spend by service, category and supplier (top 10, then "All other"), supplier concentration
and the unit costs' spend by service and month; the change between two periods; the 500 largest payments listed.
The contacts by service and month the unit costs divide by are worked out once per version of the records (cached).

The pandas way computes the same figures from a frame already in memory (dates, amounts and the three categories as
pandas categoricals). Both are timed on the same filter changes; medians are printed. Server time only (no browser).

    .venv/bin/python -m bench.bench_spend            # 1M and 10M payments
    .venv/bin/python -m bench.bench_spend 10000000 --no-pandas
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import store
from analysis.filters import Filters
from analysis.spc import xmr
from analysis.spend import scan, unit_costs
from bench.payments import DATASET, ensure_spend_store

ROUNDS = 2
PANDAS_MAX_ROWS = 10_000_000


def _private_copy(path: Path) -> Path:
    """A copy only this benchmark opens (one writer per DuckDB file)."""
    copy = path.with_name(path.stem + "_spend" + path.suffix)
    if not copy.exists() or copy.stat().st_mtime < path.stat().st_mtime:
        shutil.copyfile(path, copy)
    return copy


def filter_sets(first: date, last: date, suppliers: list[str]) -> list[Filters]:
    """The filter changes a user makes in turn: a service, a financial year, a category in two services, a supplier,
    the year and a service together, and back to everything."""
    return [
        Filters(services=("Housing Repairs & Maintenance",)),
        Filters(start=date(2024, 4, 1), end=date(2025, 3, 31)),
        Filters(services=("Housing Repairs & Maintenance", "Highways & Transport"), categories=("Materials",)),
        Filters(suppliers=(suppliers[0],)),
        Filters(start=date(2024, 4, 1), end=date(2025, 3, 31), services=("Adult Social Care",)),
        Filters(),
    ]


def page_rerun(con, ds, filters: Filters, contacts: pd.DataFrame, timings: dict[str, list[float]]) -> None:
    def timed(name, fn):
        started = time.perf_counter()
        result = fn()
        timings.setdefault(name, []).append(time.perf_counter() - started)
        return result

    def figures():
        found = scan.spend_scan(con, ds, filters, scan.page_sets(ds))
        months = scan.by_period(found, "month")
        made = {"total": found.total, "months": months, "years": scan.by_period(found, "financial_year"),
                "concentration": scan.concentration(found),
                **{role: scan.by_role(found, role, 10) for role in scan.SPLIT_ROLES}}
        if len(months) >= 2:
            made["spc"] = xmr.xmr(months["net"].to_numpy(dtype=float), dates=months["period"], improvement="neutral")
        matched = {"Housing Repairs & Maintenance": "Housing repairs", "Parking Services": "Parking"}
        made["unit costs"] = unit_costs.work_out(unit_costs.monthly_spend(found), contacts, matched)
        return made

    timed("one scan and its figures", figures)
    timed("change", lambda: scan.change_between(con, ds, filters, (date(2023, 10, 1), date(2024, 9, 30)),
                                                (date(2024, 10, 1), date(2025, 9, 30)), "service"))
    timed("payments listed", lambda: scan.payments(con, ds, filters))


# ---- the pandas way ----------------------------------------------------------------------------------------------

def load_pandas(con, ds) -> pd.DataFrame:
    roles = ds.roles
    frame = store.query_df(con, f"""SELECT {store.quote_identifier(roles['date'])} AS paid,
                                           {store.quote_identifier(roles['amount'])} AS amount,
                                           {store.quote_identifier(roles['service'])} AS service,
                                           {store.quote_identifier(roles['category'])} AS category,
                                           {store.quote_identifier(roles['supplier'])} AS supplier
                                    FROM {store.quote_identifier(ds.table)}""")
    for col in ("service", "category", "supplier"):
        frame[col] = frame[col].astype("category")
    frame["month"] = frame["paid"].dt.to_period("M")
    return frame


def pandas_rerun(frame: pd.DataFrame, filters: Filters, timings: dict[str, list[float]]) -> None:
    def timed(name, fn):
        started = time.perf_counter()
        result = fn()
        timings.setdefault(name, []).append(time.perf_counter() - started)
        return result

    def mask_of(f: Filters, with_dates=True):
        m = np.ones(len(frame), dtype=bool)
        if with_dates and f.start:
            m &= (frame["paid"] >= pd.Timestamp(f.start)).to_numpy()
        if with_dates and f.end:
            m &= (frame["paid"] < pd.Timestamp(f.end) + pd.Timedelta(days=1)).to_numpy()
        for field, col in (("services", "service"), ("categories", "category"), ("suppliers", "supplier")):
            if getattr(f, field):
                m &= frame[col].isin(getattr(f, field)).to_numpy()
        return m

    sub = timed("filter", lambda: frame[mask_of(filters)])
    credits = sub["amount"].clip(upper=0)
    timed("totals", lambda: (sub["amount"].sum(), credits.sum(), (sub["amount"] < 0).sum()))
    months = timed("by month", lambda: sub.groupby("month")["amount"].sum())
    for col in ("service", "category", "supplier"):
        timed(f"by {col}", lambda c=col: sub.groupby(c, observed=True)["amount"].sum().nlargest(10))
    timed("concentration", lambda: sub.groupby("supplier", observed=True)["amount"].sum()
          .sort_values(ascending=False).cumsum())
    timed("monthly by service", lambda: sub.groupby(["service", "month"], observed=True)["amount"].sum())
    if len(months) >= 2:
        timed("spc", lambda: xmr.xmr(months.to_numpy(dtype=float), improvement="neutral"))

    def change():
        base = frame[mask_of(filters, with_dates=False)]
        when = base["paid"]
        first = base[(when >= "2023-10-01") & (when < "2024-10-01")].groupby("service", observed=True)["amount"].sum()
        second = base[(when >= "2024-10-01") & (when < "2025-10-01")].groupby("service", observed=True)["amount"].sum()
        return second.sub(first, fill_value=0).sort_values()

    timed("change", change)
    timed("payments listed", lambda: sub.nlargest(500, "amount"))


# ---- main --------------------------------------------------------------------------------------------------------

def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def bench(rows: int, with_pandas: bool = True) -> None:
    path = _private_copy(ensure_spend_store(rows))
    con = store.open_store(path)
    try:
        ds = store.get_dataset(con, DATASET)
        records = store.get_dataset(con, "bench_contacts")
        started = time.perf_counter()
        coverage = scan.coverage(con, ds)
        options = scan.filter_options(con, ds)
        contacts = unit_costs.monthly_contacts(con, records)
        kept = scan.kept_scan(con, ds) is not None
        cached_s = time.perf_counter() - started
        load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
        print(f"\n== {rows:,} payments ({path.name}); load average {load} on {os.cpu_count()} cores ==")
        print(f"once per dataset version: dates covered, filter choices, contacts by service and month "
              f"{cached_s:.2f} s; the scan with no filter kept after the load: {'yes' if kept else 'no'}")
        sets = filter_sets(*coverage, options["supplier"])
        timings: dict[str, list[float]] = {}
        totals = []
        page_rerun(con, ds, sets[0], contacts, {})  # warm-up
        for _ in range(ROUNDS):
            for f in sets:
                started = time.perf_counter()
                page_rerun(con, ds, f, contacts, timings)
                totals.append(time.perf_counter() - started)
        print(f"DuckDB: the page after a filter change, median {_median_ms(totals):,.0f} ms "
              f"(min {min(totals) * 1000:,.0f}, max {max(totals) * 1000:,.0f}; {len(totals)} reruns)")
        for f, seconds in zip(sets, totals[-len(sets):]):
            print(f"    {_describe(f):58s} {seconds * 1000:8,.0f} ms")
        for name, values in timings.items():
            print(f"    {name:26s} {_median_ms(values):8,.0f} ms")
        if rows > PANDAS_MAX_ROWS or not with_pandas:
            print("pandas: skipped" + (" at this size" if with_pandas else " (--no-pandas)"))
            return
        started = time.perf_counter()
        frame = load_pandas(con, ds)
        print(f"pandas: frame in memory ({len(frame):,} rows) in {time.perf_counter() - started:.1f} s (once)")
        p_timings: dict[str, list[float]] = {}
        p_totals = []
        for _ in range(ROUNDS):
            for f in sets:
                started = time.perf_counter()
                pandas_rerun(frame, f, p_timings)
                p_totals.append(time.perf_counter() - started)
        print(f"pandas: the same figures, median {_median_ms(p_totals):,.0f} ms "
              f"(min {min(p_totals) * 1000:,.0f}, max {max(p_totals) * 1000:,.0f})")
        for name, values in p_timings.items():
            print(f"    {name:26s} {_median_ms(values):8,.0f} ms")
        del frame
    finally:
        con.close()


def _describe(f: Filters) -> str:
    parts = [*(f.services or ()), *(f.categories or ()), *(f.suppliers or ())]
    if f.start:
        parts.append(f"{f.start:%b %Y} - {f.end:%b %Y}")
    return ", ".join(parts) or "everything"


def main(argv: list[str]) -> None:
    with_pandas = "--no-pandas" not in argv
    for rows in [int(a) for a in argv if not a.startswith("--")] or [1_000_000, 10_000_000]:
        bench(rows, with_pandas)


if __name__ == "__main__":
    main(sys.argv[1:])
