"""Demand figures: volume over time, top reasons, failure and value demand, seasonality and rates per resident.

Every function takes the store connection, a records :class:`store.Dataset` and an :class:`analysis.filters.Filters`,
runs its aggregation in DuckDB and returns a small pandas frame (or a small result object) for a chart and a CSV
download. Columns are found by role; names enter SQL through ``store.quote_identifier`` and values as bound
parameters; periods come from :mod:`analysis.periods`. The ``*_frame`` functions turn grouped counts into a figure's
frame, so the one-scan version of the page (:mod:`analysis.demand.scan`) gives exactly the same frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from analysis import classification, lookups, periods, store
from analysis.filters import BLANK, DAY_NAMES, LIST_FILTERS, OTHER, Filters, and_where, build_where, role_column
from analysis.store import quote_identifier as q

GRAINS = ("day", "week", "month", "quarter", "financial_year")  # the grains the Demand page offers
PARETO_SHARE = 0.8
MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def missing_roles(dataset: store.Dataset, *roles: str) -> list[str]:
    """The roles among ``roles`` the dataset does not have (empty when it has them all)."""
    return [r for r in roles if r not in dataset.roles]


def data_coverage(con: duckdb.DuckDBPyConnection, dataset: store.Dataset) -> tuple[date | None, date | None]:
    """First and last date in the dataset (whatever the filters): the span the records cover."""
    date_col = role_column(dataset.roles, "date")
    first, last = store.query_rows(
        con, f"SELECT CAST(min({q(date_col)}) AS DATE), CAST(max({q(date_col)}) AS DATE) FROM {q(dataset.table)}"
    )[0]
    return first, last


def effective_span(con, dataset, filters, coverage=None) -> tuple[date | None, date | None]:
    """The dates the figures cover: the data's span (``coverage``, or asked for) cut to the chosen period."""
    first, last = coverage if coverage is not None else data_coverage(con, dataset)
    if filters.start and (first is None or filters.start > first):
        first = filters.start
    if filters.end and (last is None or filters.end < last):
        last = filters.end
    return first, last


def label_sql(column: str) -> str:
    return f"coalesce(CAST({q(column)} AS VARCHAR), '{BLANK}')"


# --------------------------------------------------------------------------------------------------------------------
# Volume over time


def volume_over_time(
    con: duckdb.DuckDBPyConnection,
    dataset: store.Dataset,
    filters: Filters,
    grain: str = "month",
    split: str | None = None,
    top_n: int = 8,
    coverage: tuple[date | None, date | None] | None = None,
) -> pd.DataFrame:
    """Count of records per period, optionally split by a role (channel, service, area…).

    Columns: ``period`` (first day, datetime), ``label``, ``split`` (the category, or 'All' with no split),
    ``count``, ``incomplete`` (the data or the chosen dates cover only part of the period). Splits beyond the
    ``top_n`` largest are summed as 'All other'. ``coverage`` (the dataset's first and last date, from
    :func:`data_coverage`) may be passed to save a query; every function taking it does the same.
    """
    roles = dataset.roles
    date_col = role_column(roles, "date")
    where, params = build_where(filters, roles)
    split_sql = label_sql(role_column(roles, split)) if split else "'All'"
    frame = store.query_df(
        con,
        f"""SELECT {periods.period_start_sql(q(date_col), grain)} AS period, {split_sql} AS split, count(*) AS count
            FROM {q(dataset.table)} {and_where(where, f'{q(date_col)} IS NOT NULL')}
            GROUP BY ALL ORDER BY period, split""",
        params,
    )
    return volume_frame(frame, grain, bool(split), top_n, effective_span(con, dataset, filters, coverage))


def volume_frame(frame: pd.DataFrame, grain: str, split: bool, top_n: int, span) -> pd.DataFrame:
    """(period, split, count) counts -> the volume frame: top splits kept, labels, incomplete periods marked."""
    frame = frame.sort_values(["period", "split"]).reset_index(drop=True)
    frame["period"] = pd.to_datetime(frame["period"])
    frame["count"] = frame["count"].astype("int64")
    if split:
        totals = frame.groupby("split")["count"].sum().sort_index().sort_values(ascending=False, kind="stable")
        keep = set(totals.index[:top_n])
        if len(totals) > top_n:
            frame["split"] = frame["split"].where(frame["split"].isin(keep), OTHER)
            frame = frame.groupby(["period", "split"], as_index=False)["count"].sum()
    first, last = span
    frame["label"] = [periods.period_label(p, grain) for p in frame["period"]]
    frame["incomplete"] = periods.incomplete_periods(frame["period"], grain, first, last)
    return frame[["period", "label", "split", "count", "incomplete"]].reset_index(drop=True)


def total_count(con, dataset: store.Dataset, filters: Filters) -> int:
    where, params = build_where(filters, dataset.roles)
    return int(store.query_rows(con, f"SELECT count(*) FROM {q(dataset.table)} {where}", params)[0][0])


# --------------------------------------------------------------------------------------------------------------------
# Pareto of reasons


@dataclass
class Pareto:
    """Reasons ranked by volume with cumulative share, and how many reasons make up ``share`` of demand."""

    frame: pd.DataFrame  # rank, reason, count, share, cumulative_share, in_core
    reasons_for_share: int
    share: float
    total: int


def pareto_of(counts: pd.DataFrame, share: float = PARETO_SHARE, category: str = "reason") -> Pareto:
    """Rank a (category, count) frame and count the fewest categories whose cumulative share reaches ``share``.

    Ties in count are ordered by name so the ranking is stable.
    """
    frame = counts[[category, "count"]].copy()
    frame["count"] = frame["count"].astype("int64")
    frame = frame.sort_values(["count", category], ascending=[False, True]).reset_index(drop=True)
    total = int(frame["count"].sum())
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    if total == 0:
        frame["share"] = 0.0
        frame["cumulative_share"] = 0.0
        frame["in_core"] = False
        return Pareto(frame, 0, share, 0)
    cumulative = frame["count"].cumsum()
    frame["share"] = frame["count"] / total
    frame["cumulative_share"] = cumulative / total
    # Compare integers (cumulative * 1 >= share * total) to avoid 0.7999999 slipping under 0.8.
    reaching = np.flatnonzero(cumulative.to_numpy() * 1.0 >= share * total - 1e-9)
    needed = int(reaching[0]) + 1 if len(reaching) else len(frame)
    frame["in_core"] = frame["rank"] <= needed
    return Pareto(frame, needed, share, total)


def reason_pareto(con, dataset: store.Dataset, filters: Filters, share: float = PARETO_SHARE) -> Pareto:
    """Reasons for contact ranked by volume, with cumulative % and how many reasons make up 80% of demand."""
    reason = role_column(dataset.roles, "reason")
    where, params = build_where(filters, dataset.roles)
    counts = store.query_df(
        con, f"SELECT {label_sql(reason)} AS reason, count(*) AS count FROM {q(dataset.table)} {where} GROUP BY 1",
        params,
    )
    return pareto_of(counts, share)


# --------------------------------------------------------------------------------------------------------------------
# Failure and value demand


def _classification_join(con, dataset: store.Dataset, classes: pd.DataFrame | None = None) -> tuple[str, list]:
    """A LEFT JOIN that adds ``cls.demand_type`` to each record (service + reason, or reason alone)."""
    cls_sql, cls_params = classification.classified_reasons_sql(con, dataset, classes)
    reason = q(role_column(dataset.roles, "reason"))
    if "service" in dataset.roles:
        # IS NOT DISTINCT FROM: a reason recorded without a service can be classified too (service None).
        on = (f"cls.reason = CAST(t.{reason} AS VARCHAR) "
              f"AND cls.service IS NOT DISTINCT FROM CAST(t.{q(dataset.roles['service'])} AS VARCHAR)")
    else:
        on = f"cls.reason = CAST(t.{reason} AS VARCHAR)"
    return f"LEFT JOIN {cls_sql} AS cls ON {on}", cls_params


def failure_share(
    con,
    dataset: store.Dataset,
    filters: Filters,
    by: str | None = None,
    grain: str = "month",
    classes: pd.DataFrame | None = None,
    coverage: tuple[date | None, date | None] | None = None,
) -> pd.DataFrame:
    """Failure, value and unclassified counts and the failure share, overall or by 'service', 'channel' or 'period'.

    Columns: ``group`` (and ``period``, ``label``, ``incomplete`` when by='period'), ``failure``, ``value``,
    ``unclassified``, ``total``, ``failure_share`` = failure / (failure + value), i.e. among classified records
    (NaN when none is classified), ``unclassified_share`` = unclassified / total. ``classes`` is the dataset's
    ``classification.classification_frame`` when the caller already has it (it costs a scan to build).
    """
    roles = dataset.roles
    join, join_params = _classification_join(con, dataset, classes)
    # The records' own columns are qualified with t. so they cannot clash with the classification's columns.
    where_t, params = build_where(filters, roles, alias="t")
    if by is None:
        group_sql = "'All'"
    elif by == "period":
        group_sql = periods.period_start_sql(f"t.{q(role_column(roles, 'date'))}", grain)
    else:
        group_sql = f"coalesce(CAST(t.{q(role_column(roles, by))} AS VARCHAR), '{BLANK}')"
    frame = store.query_df(
        con,
        f"""SELECT {group_sql} AS "group",
                   count(*) FILTER (WHERE cls.demand_type = 'failure') AS failure,
                   count(*) FILTER (WHERE cls.demand_type = 'value') AS value,
                   count(*) FILTER (WHERE cls.demand_type IS NULL OR cls.demand_type = 'unclassified')
                       AS unclassified,
                   count(*) AS total
            FROM {q(dataset.table)} AS t {join} {where_t}
            GROUP BY 1 ORDER BY 1""",
        join_params + params,
    )
    span = effective_span(con, dataset, filters, coverage) if by == "period" else (None, None)
    return failure_frame(frame, by, grain, span)


def failure_frame(frame: pd.DataFrame, by: str | None, grain: str, span) -> pd.DataFrame:
    """(group, failure, value, unclassified, total) counts -> shares, labels and order of :func:`failure_share`."""
    frame = frame.sort_values("group").reset_index(drop=True)
    for col in ("failure", "value", "unclassified", "total"):
        frame[col] = frame[col].astype("int64")
    classified = frame["failure"] + frame["value"]
    frame["failure_share"] = (frame["failure"] / classified.where(classified > 0)).astype("float64")
    frame["unclassified_share"] = (frame["unclassified"] / frame["total"].where(frame["total"] > 0)).astype("float64")
    if by == "period":
        frame["period"] = pd.to_datetime(frame["group"])
        frame["label"] = [periods.period_label(p, grain) for p in frame["period"]]
        first, last = span
        frame["incomplete"] = periods.incomplete_periods(frame["period"], grain, first, last)
        frame["group"] = frame["label"]
    elif by is not None:
        frame = frame.sort_values("total", ascending=False, kind="stable").reset_index(drop=True)
    return frame



# --------------------------------------------------------------------------------------------------------------------
# Seasonality



def has_times(con, dataset: store.Dataset) -> bool:
    """Whether the date column holds times of day (not all midnight), so a day × hour heatmap means something."""
    date_col = role_column(dataset.roles, "date")
    if dataset.column(date_col).type == "date":
        return False
    rows = store.query_rows(
        con,
        f"""SELECT count(*) FROM (SELECT {q(date_col)} AS d FROM {q(dataset.table)}
                                   WHERE {q(date_col)} IS NOT NULL LIMIT 100000)
            WHERE hour(d) <> 0 OR minute(d) <> 0""",
    )
    return rows[0][0] > 0


def day_hour_counts(con, dataset: store.Dataset, filters: Filters) -> pd.DataFrame:
    """Records per day of week × hour of day. Columns: day (Monday…), day_number (1-7), hour (0-23), count.

    Every one of the 168 cells is present (zero when empty).
    """
    date_col = role_column(dataset.roles, "date")
    where, params = build_where(filters, dataset.roles)
    counts = store.query_df(
        con,
        f"""SELECT isodow({q(date_col)}) AS day_number, hour({q(date_col)}) AS hour, count(*) AS count
            FROM {q(dataset.table)} {and_where(where, f'{q(date_col)} IS NOT NULL')} GROUP BY 1, 2""",
        params,
    )
    return day_hour_frame(counts)


def day_hour_frame(counts: pd.DataFrame) -> pd.DataFrame:
    grid = pd.MultiIndex.from_product([range(1, 8), range(24)], names=["day_number", "hour"]).to_frame(index=False)
    frame = grid.merge(counts[["day_number", "hour", "count"]].astype("int64"), on=["day_number", "hour"],
                       how="left").fillna({"count": 0})
    frame["count"] = frame["count"].astype("int64")
    frame.insert(0, "day", [DAY_NAMES[d - 1] for d in frame["day_number"]])
    return frame


def month_year_counts(con, dataset: store.Dataset, filters: Filters, coverage=None) -> pd.DataFrame:
    """Records per calendar month × year. Columns: year, month_number (1-12), month (Jan…), count, incomplete."""
    date_col = role_column(dataset.roles, "date")
    where, params = build_where(filters, dataset.roles)
    frame = store.query_df(
        con,
        f"""SELECT year({q(date_col)}) AS year, month({q(date_col)}) AS month_number, count(*) AS count
            FROM {q(dataset.table)} {and_where(where, f'{q(date_col)} IS NOT NULL')} GROUP BY 1, 2 ORDER BY 1, 2""",
        params,
    )
    return month_year_frame(frame, effective_span(con, dataset, filters, coverage))


def month_year_frame(frame: pd.DataFrame, span) -> pd.DataFrame:
    frame = frame[["year", "month_number", "count"]].astype("int64").sort_values(["year", "month_number"]) \
        .reset_index(drop=True)
    frame["month"] = [MONTH_NAMES[m - 1] for m in frame["month_number"]]
    frame["period"] = pd.to_datetime(dict(year=frame["year"], month=frame["month_number"], day=1))
    first, last = span
    frame["incomplete"] = periods.incomplete_periods(frame["period"], "month", first, last)
    return frame[["year", "month_number", "month", "count", "incomplete"]]


# --------------------------------------------------------------------------------------------------------------------
# Rate per 1,000 residents


def find_population_lookup(con, dataset: store.Dataset) -> store.Dataset | None:
    """The population lookup that applies to ``dataset``: the one chosen for it, else one whose area names match at
    least half of its records (never the demo's for a dataset that is not the demo's). See ``analysis.lookups``."""
    return lookups.lookup_for(con, dataset, lookups.POPULATION).lookup


def rate_per_thousand(con, dataset: store.Dataset, filters: Filters,
                      population: store.Dataset | None = None, coverage=None) -> pd.DataFrame | None:
    """Records per 1,000 residents by area over the filtered period, or None when no population lookup exists.

    Areas are matched to the lookup ignoring case and surrounding spaces. Columns: area, count, population,
    rate_per_1000, annual_rate_per_1000 (the rate divided by the years the period spans). Areas of the records with
    no population are listed with a missing rate.
    """
    population = population or find_population_lookup(con, dataset)
    if population is None:
        return None
    roles = dataset.roles
    area_col = role_column(roles, "area")
    where, params = build_where(filters, roles)
    pop_area, pop_value = population.roles["area"], population.roles["population"]
    frame = store.query_df(
        con,
        f"""WITH counts AS (
                SELECT CAST({q(area_col)} AS VARCHAR) AS area, count(*) AS count
                FROM {q(dataset.table)} {and_where(where, f'{q(area_col)} IS NOT NULL')} GROUP BY 1),
            pop AS (
                SELECT lower(trim(CAST({q(pop_area)} AS VARCHAR))) AS key, sum(CAST({q(pop_value)} AS DOUBLE)) AS population
                FROM {q(population.table)} GROUP BY 1)
            SELECT counts.area, counts.count, pop.population
            FROM counts LEFT JOIN pop ON lower(trim(counts.area)) = pop.key
            ORDER BY counts.area""",
        params,
    )
    return rate_frame(frame, effective_span(con, dataset, filters, coverage))


def rate_frame(frame: pd.DataFrame, span) -> pd.DataFrame:
    frame = frame.sort_values("area").reset_index(drop=True)
    frame["count"] = frame["count"].astype("int64")
    frame["population"] = frame["population"].astype("float64")
    frame["rate_per_1000"] = frame["count"] / frame["population"].where(frame["population"] > 0) * 1000
    first, last = span
    years = ((pd.Timestamp(last) - pd.Timestamp(first)).days + 1) / 365.25 if first and last else float("nan")
    frame["annual_rate_per_1000"] = frame["rate_per_1000"] / years if years and years > 0 else float("nan")
    return frame.sort_values("rate_per_1000", ascending=False, na_position="last", kind="stable") \
        .reset_index(drop=True)


# --------------------------------------------------------------------------------------------------------------------
# Filter choices


def filter_options(con, dataset: store.Dataset, limit: int = 1000) -> dict[str, list[str]]:
    """The values each list filter can take (role -> sorted values, most frequent ``limit``), in one scan."""
    roles = [r for r in LIST_FILTERS.values() if r in dataset.roles]
    if not roles:
        return {}
    parts = [
        f"""SELECT '{r}' AS role, * FROM (SELECT {label_sql(dataset.roles[r])} AS value, count(*) AS n
             FROM {q(dataset.table)} GROUP BY 1 ORDER BY n DESC LIMIT {int(limit)})"""
        for r in roles
    ]
    frame = store.query_df(con, " UNION ALL ".join(parts))
    return {r: sorted(frame.loc[frame["role"] == r, "value"].tolist()) for r in roles}
