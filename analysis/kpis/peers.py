"""Peer comparison: your organisation's value per period against its comparators' median, quartiles and rank."""

from __future__ import annotations


import duckdb
import numpy as np
import pandas as pd

from analysis import lookups, store
from analysis.load import totals
from analysis.errors import StocktakeError
from analysis.filters import Filters
from analysis.kpis.series import kpi_dataset_table
from analysis.roles import KPI as KPI_KIND
from analysis.store import quote_identifier as q

# --- Peer comparison -------------------------------------------------------------------------------------------

PEER_CAUTION = (
    "Comparisons with other organisations mislead easily: they count and define things differently, serve different "
    "places, and a rank moves with small differences that are only noise. Use this to ask questions (what do the "
    "organisations near the top do differently?), not as a league table."
)


def benchmark_datasets(con: duckdb.DuckDBPyConnection) -> list[store.Dataset]:
    """KPI-series datasets with an area role: own value and comparators' values per period and measure.

    Expected shape: one row per area, period and measure: period (period), area (area: your organisation and each
    comparator, e.g. "Northbridge", "Eastford"...), measure (measure), value (value); service and target optional.
    """
    return [d for d in store.list_datasets(con, KPI_KIND) if {"area", "period", "value"} <= set(d.roles)]


def is_benchmark(dataset: store.Dataset) -> bool:
    return dataset.kind == KPI_KIND and {"area", "period", "value"} <= set(dataset.roles)


def benchmarks_for(con: duckdb.DuckDBPyConnection, dataset: store.Dataset,
                   choice: lookups.LookupChoice | None = None) -> list[store.Dataset]:
    """The benchmark datasets a dataset's Performance page compares with: the dataset itself when it is one, and the
    one chosen for it on that page (``analysis.lookups``; ``choice`` when the caller has it already). Never every
    benchmark in the store on every page."""
    found = [dataset] if is_benchmark(dataset) else []
    chosen = (choice if choice is not None else lookups.lookup_for(con, dataset, lookups.BENCHMARK)).lookup
    if chosen is not None and chosen.name != dataset.name:
        found.append(chosen)
    return found


def organisations(con: duckdb.DuckDBPyConnection, dataset: store.Dataset) -> list[str]:
    """The organisations (areas) of a benchmark dataset, by name; a blank area is no organisation."""
    col = dataset.roles.get("area")
    if not col:
        return []
    # A national total among the councils is the comparator line, not a peer.
    exclude = totals.exclusion_sql(dataset.roles)
    rows = store.query_rows(
        con, f"SELECT DISTINCT CAST({q(col)} AS VARCHAR) AS a FROM {q(dataset.table)} "
             f"WHERE nullif(trim(CAST({q(col)} AS VARCHAR)), '') IS NOT NULL {'AND ' + exclude if exclude else ''} "
             "ORDER BY 1")
    return [r[0] for r in rows]


def peer_comparison(
    con: duckdb.DuckDBPyConnection,
    dataset: store.Dataset,
    measure: str,
    own_area: str,
    *,
    improvement: str = "increase",
    filters: Filters | None = None,
) -> pd.DataFrame:
    """Per period: your value, the comparators' median and quartiles, your rank and quartile.

    Columns: period, own_value, comparators (how many had a value), comparator_median, comparator_q1,
    national (the nation's own figure, from the dataset's national total rows or its national value column: the
    comparator line publishers draw; NaN without one; its name in ``attrs["national_label"]``),
    comparator_q3 (25th and 75th percentiles of the others), median_all (the median of every organisation with a value,
    yours included: the figure benchmarking publishers such as Oflog print as the median), rank (1 = best, among own +
    comparators, ties share the best rank),
    of (how many ranked), quartile (1 = best quarter ... 4 = worst, by rank), distance_from_median (own - median),
    better_than_median (True / False / None when neutral or equal).
    "Best" follows ``improvement``; with "neutral", rank 1 is the highest value.
    """
    if "area" not in dataset.roles:
        raise StocktakeError(f"'{dataset.name}' has no column with the role 'Area', so it cannot compare areas.")
    frame = kpi_dataset_table(con, dataset, [measure], split="area", filters=filters, skip_blank_series=True)
    if frame.empty:
        raise StocktakeError(f"'{dataset.name}' has no values for '{measure}'.")
    if own_area not in set(frame["series"]):
        raise StocktakeError(f"'{own_area}' is not an area in '{dataset.name}'.")
    rows = []
    higher_better = improvement != "decrease"
    for period, group in frame.groupby("period"):
        own = group.loc[group["series"] == own_area, "value"]
        others = group.loc[(group["series"] != own_area) & group["value"].notna(), "value"].to_numpy(dtype=float)
        if own.empty or pd.isna(own.iloc[0]) or len(others) == 0:
            continue
        own_value = float(own.iloc[0])
        everyone = np.append(others, own_value)
        better = (everyone > own_value) if higher_better else (everyone < own_value)
        rank = int(better.sum()) + 1
        of = len(everyone)
        quartile = int(np.ceil(4 * rank / of)) if of else None
        median = float(np.median(others))
        distance = own_value - median
        if improvement == "neutral" or distance == 0:
            better_than = None
        else:
            better_than = bool(distance > 0) if higher_better else bool(distance < 0)
        rows.append({
            "period": period, "own_value": own_value, "comparators": len(others), "comparator_median": median,
            "comparator_q1": float(np.quantile(others, 0.25)), "comparator_q3": float(np.quantile(others, 0.75)),
            "median_all": float(np.median(everyone)),
            "rank": rank, "of": of, "quartile": quartile, "distance_from_median": distance,
            "better_than_median": better_than,
        })
    result = pd.DataFrame(rows, columns=[
        "period", "own_value", "comparators", "comparator_median", "comparator_q1", "comparator_q3", "median_all", "rank", "of",
        "quartile", "distance_from_median", "better_than_median"])
    national = totals.national_series(con, dataset, measure if "measure" in dataset.roles else None)
    by_period = dict(zip(pd.to_datetime(national["period"]), national["national"]))
    result["national"] = [by_period.get(pd.Timestamp(p), np.nan) for p in result["period"]]
    result.attrs["national_label"] = national.attrs.get("label") if len(national) else None
    return result
