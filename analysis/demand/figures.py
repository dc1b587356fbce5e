"""Demand figures: volume over time, top reasons, failure and value demand, seasonality and rates per resident.

Every function takes the store connection, a records :class:`store.Dataset` and an :class:`analysis.filters.Filters`,
runs its aggregation in DuckDB and returns a small pandas frame (or a small result object) for a chart and a CSV
download. Columns are found by role; names enter SQL through ``store.quote_identifier`` and values as bound
parameters; periods come from :mod:`analysis.periods`.

Every count comes from one query, :func:`analysis.demand.scan.counts`: a figure asked for on its own (the functions
here named after it, such as :func:`volume_over_time`) runs it with only the grouping sets it needs, and the Demand
page runs it once for all of them (``scan.page_sets``). The ``*_from`` functions turn those counts into each figure's
frame, so the page's figures and the single ones are the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from analysis import classification, lookups, periods, store
from analysis.demand import scan
from analysis.demand.scan import Counts
from analysis.filters import BLANK, DAY_NAMES, OTHER, Filters, role_column
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



def span_of(filters: Filters, coverage: tuple[date | None, date | None]) -> tuple[date | None, date | None]:
    """:func:`effective_span` for a known coverage (no query)."""
    return effective_span(None, None, filters, coverage)


def _summed(counts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    # dropna=False: a blank service or reason is a group of its own, as in SQL's GROUP BY.
    return counts.groupby(keys, as_index=False, dropna=False, sort=False)["count"].sum()


def _label(values: pd.Series) -> pd.Series:
    return values.fillna(BLANK).astype(object)


# --------------------------------------------------------------------------------------------------------------------
# Volume over time


def volume_sets(split: str | None) -> tuple[str, ...]:
    """The sets :func:`volume_from` needs."""
    extra = scan.split_set(split)
    return (extra,) if extra else ("period_reasons",)


def volume_from(counts: Counts, grain: str, split: str | None, top_n: int, span) -> pd.DataFrame:
    """The volume frame (see :func:`volume_over_time`) from a scan holding ``volume_sets(split)``."""
    extra = scan.split_set(split)
    if extra:
        by_split = counts.part(extra)
    else:
        by_period = counts.part("period_reasons")
        group = _label(by_period[split]) if split else pd.Series("All", index=by_period.index, dtype=object)
        by_split = _summed(by_period.assign(split=group), ["period", "split"])
    return volume_frame(by_split, grain, bool(split), top_n, span)


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
    if split:
        role_column(dataset.roles, split)  # a role the dataset lacks is a sentence, not a column of blanks
    found = scan.counts(con, dataset, filters, grain, volume_sets(split))
    return volume_from(found, grain, split, top_n, effective_span(con, dataset, filters, coverage))


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


def reasons_from(counts: Counts) -> pd.DataFrame:
    """(service, reason, count) from a scan holding the reasons (``scan.reasons_set``)."""
    if counts.has("reasons"):
        return counts.part("reasons")
    return _summed(counts.part("channel_reasons"), ["service", "reason"])


def total_from(counts: Counts) -> int:
    """Records counted (with a date) in a scan holding the reasons."""
    return int(reasons_from(counts)["count"].sum())


def total_count(con, dataset: store.Dataset, filters: Filters) -> int:
    """Records with a date that the filters keep."""
    return total_from(scan.counts(con, dataset, filters, "month", ("reasons",)))


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


def pareto_from(counts: Counts, share: float = PARETO_SHARE) -> Pareto:
    """The top reasons from a scan holding the reasons."""
    reasons = reasons_from(counts)
    return pareto_of(reasons.assign(reason=_label(reasons["reason"])).groupby("reason", as_index=False)["count"]
                     .sum(), share)


def reason_pareto(con, dataset: store.Dataset, filters: Filters, share: float = PARETO_SHARE) -> Pareto:
    """Reasons for contact ranked by volume, with cumulative % and how many reasons make up 80% of demand."""
    role_column(dataset.roles, "reason")
    return pareto_from(scan.counts(con, dataset, filters, "month", ("reasons",)), share)


# --------------------------------------------------------------------------------------------------------------------
# Failure and value demand

FAILURE_SETS = {None: "reasons", "service": "reasons", "channel": "channel_reasons", "period": "period_reasons"}
"""The set each breakdown of failure demand is counted from (``reasons`` may be the finer ``channel_reasons``)."""


def failure_from(counts: Counts, classes: pd.DataFrame, by: str | None, grain: str, span,
                 has_service: bool) -> pd.DataFrame:
    """The failure frame (see :func:`failure_share`) from a scan holding ``FAILURE_SETS[by]`` and the dataset's
    classification (``classification.classification_frame``), joined to the small grouped counts here."""
    if by in (None, "service"):
        rows = reasons_from(counts)
        group = pd.Series(["All"] * len(rows), dtype=object) if by is None else _label(rows["service"])
    elif by == "channel":
        rows = counts.part("channel_reasons")
        group = _label(rows["channel"])
    else:
        rows = counts.part("period_reasons")
        rows["period"] = pd.to_datetime(rows["period"])
        group = rows["period"]
    key = ["service", "reason"] if has_service else ["reason"]
    types = classes[key + ["demand_type"]].astype(object)
    rows = rows.assign(group=group.to_numpy())
    merged = rows[key + ["group", "count"]].astype({k: object for k in key}).merge(types, on=key, how="left")
    kind = merged["demand_type"].where(merged["reason"].notna()).fillna(classification.UNCLASSIFIED)
    out = merged.assign(kind=kind).pivot_table(index="group", columns="kind", values="count", aggfunc="sum",
                                               fill_value=0)
    for col in ("failure", "value", "unclassified"):
        if col not in out.columns:
            out[col] = 0
    out = out[["failure", "value", "unclassified"]].reset_index()
    out.columns.name = None
    out["total"] = out[["failure", "value", "unclassified"]].sum(axis=1)
    return failure_frame(out, by, grain, span if by == "period" else (None, None))


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
    role_column(dataset.roles, "reason")
    if by in ("service", "channel"):
        role_column(dataset.roles, by)
    if classes is None:
        classes = classification.classification_frame(con, dataset)
    found = scan.counts(con, dataset, filters, grain, (FAILURE_SETS[by],))
    span = effective_span(con, dataset, filters, coverage) if by == "period" else (None, None)
    return failure_from(found, classes, by, grain, span, "service" in dataset.roles)


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


def day_hour_counts(con, dataset: store.Dataset, filters: Filters) -> pd.DataFrame:
    """Records per day of week × hour of day. Columns: day (Monday…), day_number (1-7), hour (0-23), count.

    Every one of the 168 cells is present (zero when empty).
    """
    return day_hour_frame(scan.counts(con, dataset, filters, "month", ("day_hour",)).part("day_hour"))


def day_hour_frame(counts: pd.DataFrame) -> pd.DataFrame:
    grid = pd.MultiIndex.from_product([range(1, 8), range(24)], names=["day_number", "hour"]).to_frame(index=False)
    frame = grid.merge(counts[["day_number", "hour", "count"]].astype("int64"), on=["day_number", "hour"],
                       how="left").fillna({"count": 0})
    frame["count"] = frame["count"].astype("int64")
    frame.insert(0, "day", [DAY_NAMES[d - 1] for d in frame["day_number"]])
    return frame


def month_year_from(counts: Counts, span) -> pd.DataFrame:
    """Months × years from a scan holding ``month_year``, or ``period_reasons`` at a grain of a day or a month."""
    if counts.has("month_year"):
        months = counts.part("month_year")
    else:
        by_period = counts.part("period_reasons")
        days = pd.to_datetime(by_period["period"])
        months = _summed(by_period.assign(year=days.dt.year, month_number=days.dt.month), ["year", "month_number"])
    return month_year_frame(months, span)


def month_year_counts(con, dataset: store.Dataset, filters: Filters, coverage=None) -> pd.DataFrame:
    """Records per calendar month × year. Columns: year, month_number (1-12), month (Jan…), count, incomplete."""
    found = scan.counts(con, dataset, filters, "month", ("month_year",))
    return month_year_from(found, effective_span(con, dataset, filters, coverage))


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


def population_by_area(con, population: store.Dataset) -> pd.DataFrame:
    """A population lookup's residents per area key (its area name lower-cased and trimmed): key, population."""
    return store.query_df(
        con,
        f"""SELECT lower(trim(CAST({q(population.roles['area'])} AS VARCHAR))) AS key,
                   sum(CAST({q(population.roles['population'])} AS DOUBLE)) AS population
            FROM {q(population.table)} GROUP BY 1""",
    )


def rate_from(counts: Counts, residents: pd.DataFrame, span) -> pd.DataFrame:
    """The rates frame (see :func:`rate_per_thousand`) from a scan holding ``areas`` and
    :func:`population_by_area`."""
    areas = counts.part("areas").dropna(subset=["area"])
    areas["key"] = areas["area"].str.strip().str.lower()
    return rate_frame(areas.merge(residents, on="key", how="left")[["area", "count", "population"]], span)


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
    role_column(dataset.roles, "area")
    found = scan.counts(con, dataset, filters, "month", ("areas",))
    return rate_from(found, population_by_area(con, population), effective_span(con, dataset, filters, coverage))


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
