"""KPIs per period for the Performance page: computed in DuckDB from records, or read from KPI-series datasets.

From a records dataset (one row per contact or case), per period (monthly by default) and per service (or area,
or channel), with the roles each needs:

- ``volume``: contacts received in the period (date);
- ``median_days_to_close`` and ``p90_days_to_close``: days from received to closed of the cases *closed* in the
  period (date, closed_date). Grouping by the closing period avoids the bias of open cases: the most recent months'
  received cases are mostly still open, and only the quick ones would count;
- ``closed_within_days``: of the cases closed in the period, the share closed within N days of being received;
- ``failure_demand_pct``: failure / (failure + value) among contacts received in the period whose reason is
  classified (reason, service; the classification lookup ``<dataset>_classification``, as on the Demand page);
- ``repeat_pct``: the share of contacts (with a customer id) from a customer who made any contact, for any service,
  in the 28 calendar days before (customer_id): the Demand page's repeat rate, from the same table and the same test
  (``analysis.demand.repeats.REPEAT_WINDOW_DAYS``, ``repeat_source``, ``is_repeat_sql``);
- ``cost_per_case``: mean cost of the contacts received in the period (cost);
- ``avg_handling_minutes``: mean handling minutes (handling_minutes).

Shares are fractions (0.412 is 41.2%). The closing-time KPIs and repeat % skip the periods that start in the
data's first 28 days (their warm-up: see ``WARM_UP_DAYS``). Only complete periods are kept: a first or last period that the dataset (as a whole,
whatever the filters) does not cover from its first to its last day is dropped, because a half month of contacts would read as a fall in demand.

From a KPI-series dataset (period, measure, value, target, service/area): any measure, with its target column.

Each (KPI, service) series goes through :func:`analysis.spc.xmr`; :func:`summary_matrix` does that for every KPI
and service from the stored KPI cube (:func:`kpi_cube`: every KPI for the total and per service, area, channel and
service x area, built by a few grouped queries once per version of the data), not one query per series.

Targets, trajectories and improvement directions entered on the page are kept in the store (``stocktake_kpi_settings``
and ``stocktake_kpi_trajectories``). A benchmark dataset (a KPI-series dataset with an ``area`` role: your own
organisation's value and comparators' values per period and measure) gives a peer comparison
(:func:`peer_comparison`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping

import duckdb
import numpy as np
import pandas as pd

from analysis import classification, periods, spc, store
from analysis.demand import repeats
from analysis.errors import StocktakeError
from analysis.filters import Filters, where_clauses
from analysis.formatting import format_count, format_money, format_percent
from analysis.roles import KPI as KPI_KIND
from analysis.roles import RECORD_ROLES, RECORDS
from analysis.store import quote_identifier as q

DEFAULT_GRAIN = "month"
DEFAULT_WITHIN_DAYS = 20

WARM_UP_DAYS = 28
"""Periods starting within 28 days of the data's first day are left out of the days-to-close KPIs and repeat %:
cases closed then can only have been received since the start (closing times read short), and contacts then have no
history to repeat (repeats read low). 28 days is the repeat window and covers most cases' closing time."""
WARM_UP_KPIS = ("median_days_to_close", "p90_days_to_close", "closed_within_days", "repeat_pct")

SPLITS = ("service", "area", "channel")
ALL = "All"
BLANK = "(blank)"

SETTINGS_TABLE = "stocktake_kpi_settings"
TRAJECTORY_TABLE = "stocktake_kpi_trajectories"
ALL_SERIES = ""  # a setting stored for series '' applies to every series of the KPI without its own


@dataclass(frozen=True)
class KpiDef:
    """What a KPI is, how to show it and what it needs."""

    key: str
    label: str
    unit: str  # "count", "days", "share" (a fraction), "money", "minutes", "number"
    improvement: str  # the default direction: "increase", "decrease" or "neutral"
    needs: tuple[str, ...]  # roles
    basis: str  # "received" (period of the date) or "closed" (period of the closed date)
    description: str


RECORD_KPIS: dict[str, KpiDef] = {
    k.key: k
    for k in (
        KpiDef("volume", "Contacts received", "count", "neutral", ("date",), "received",
               "Contacts received in the period."),
        KpiDef("median_days_to_close", "Median days to close", "days", "decrease", ("date", "closed_date"), "closed",
               "Median days from received to closed, of the cases closed in the period."),
        KpiDef("p90_days_to_close", "90th percentile days to close", "days", "decrease", ("date", "closed_date"),
               "closed", "9 in 10 cases closed in the period took this many days or fewer."),
        KpiDef("closed_within_days", "Closed within {days} days", "share", "increase", ("date", "closed_date"),
               "closed", "Of the cases closed in the period, the share closed within {days} days of being received."),
        KpiDef("failure_demand_pct", "Failure demand", "share", "decrease", ("date", "reason"), "received",
               "Failure demand as a share of classified demand (failure + value), from the reason classification."),
        KpiDef("repeat_pct", "Repeat contacts", "share", "decrease", ("date", "customer_id"), "received",
               f"Contacts from a customer who made any contact in the {repeats.REPEAT_WINDOW_DAYS} calendar days "
               "before (10 January then 7 February is a repeat), as a share of contacts with a customer id: the "
               "Demand page's repeat rate, counted the same way."),
        KpiDef("cost_per_case", "Cost per case", "money", "decrease", ("date", "cost"), "received",
               "Mean cost of the contacts received in the period."),
        KpiDef("avg_handling_minutes", "Average handling minutes", "minutes", "decrease",
               ("date", "handling_minutes"), "received", "Mean handling time of the contacts received in the period."),
    )
}


def dataset_grain(dataset: store.Dataset) -> str:
    """The grain of a KPI-series dataset's periods, as the loader recorded it for its period column (month when it
    recorded none); records datasets are summarised by month unless the page asks for another grain."""
    column = dataset.roles.get("period")
    grain = getattr(dataset.column(column), "grain", None) if column else None
    return grain if grain in periods.GRAINS else DEFAULT_GRAIN


def kpi_label(key: str, within_days: int = DEFAULT_WITHIN_DAYS) -> str:
    """The label of a records KPI (with its N days filled in), or the measure name of a KPI-series measure."""
    kpi = RECORD_KPIS.get(key)
    return kpi.label.format(days=within_days) if kpi else key


def kpi_unit(key: str) -> str:
    """How a KPI's values are formatted: a records KPI's unit, or 'percent_points' for a measure named with '%'."""
    kpi = RECORD_KPIS.get(key)
    if kpi:
        return kpi.unit
    return "percent_points" if "%" in key else "number"


def format_kpi_value(value, unit: str) -> str:
    """A KPI value for people: 12,345; 4.5 days; 41.2%; £1,234; 6.3 minutes."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    if unit == "count":
        return format_count(value)
    if unit == "days":
        return f"{value:,.1f} days"
    if unit == "share":
        return format_percent(value)
    if unit == "money":
        return format_money(value, 2 if abs(value) < 100 else 0)
    if unit == "minutes":
        return f"{value:,.1f} min"
    if unit == "percent_points":
        return f"{value:,.1f}%"
    return f"{value:,.2f}" if abs(value) < 100 else format_count(value)


# --- What can be charted ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KpiOption:
    key: str
    label: str
    unit: str
    improvement: str
    missing: str | None  # why it cannot be computed (a sentence), or None


def has_classification(con: duckdb.DuckDBPyConnection, dataset: store.Dataset) -> bool:
    name = classification.classification_dataset_name(dataset)
    if not store.dataset_exists(con, name):
        return False
    roles = store.get_dataset(con, name).roles
    return "reason" in roles and "demand_type" in roles


def available_kpis(
    con: duckdb.DuckDBPyConnection, dataset: store.Dataset, within_days: int = DEFAULT_WITHIN_DAYS
) -> list[KpiOption]:
    """Every KPI the page can offer for a dataset, with the reason it cannot be computed when a role is missing."""
    if dataset.kind == KPI_KIND:
        return [KpiOption(m, m, kpi_unit(m), "increase", None) for m in kpi_measures(con, dataset)]
    if dataset.kind != RECORDS:
        return []
    roles = dataset.roles
    options = []
    for kpi in RECORD_KPIS.values():
        lacking = [r for r in kpi.needs if r not in roles]
        missing = None
        if lacking:
            missing = (f"{kpi_label(kpi.key, within_days)} needs a column with the role "
                       + " and ".join(f"'{RECORD_ROLES.get(r, r)}'" for r in lacking) + ". Set it on the Data page.")
        elif kpi.key == "failure_demand_pct" and not has_classification(con, dataset):
            missing = ("Failure demand needs the reasons classified as failure or value demand: classify them on the "
                       "Demand page.")
        options.append(KpiOption(kpi.key, kpi_label(kpi.key, within_days), kpi.unit, kpi.improvement, missing))
    return options


def kpi_measures(con: duckdb.DuckDBPyConnection, dataset: store.Dataset) -> list[str]:
    """The measures of a KPI-series dataset (one series each), sorted."""
    measure = dataset.roles.get("measure")
    if not measure:
        return ["Value"] if "value" in dataset.roles else []
    rows = store.query_rows(
        con, f"SELECT DISTINCT CAST({q(measure)} AS VARCHAR) FROM {q(dataset.table)} WHERE {q(measure)} IS NOT NULL "
             "ORDER BY 1")
    return [r[0] for r in rows]


def split_values(con: duckdb.DuckDBPyConnection, dataset: store.Dataset, role: str) -> list[str]:
    """The distinct values of a role's column (services, areas, channels), for the page's pickers."""
    col = dataset.roles.get(role)
    if not col:
        return []
    if dataset.kind == RECORDS and _table_exists(con, CUBE_TABLE):
        # The stored cube already lists them (a DISTINCT over 10M rows takes a noticeable fraction of a second).
        rows = store.query_rows(
            con, f"SELECT DISTINCT series FROM {q(CUBE_TABLE)} WHERE dataset = ? AND source = ? AND split = ? "
                 "ORDER BY 1", [dataset.name, _cube_source(con, dataset), role])
        if rows:
            return [r[0] for r in rows]
    rows = store.query_rows(
        con, f"SELECT DISTINCT coalesce(CAST({q(col)} AS VARCHAR), ?) FROM {q(dataset.table)} ORDER BY 1", [BLANK])
    return [r[0] for r in rows]


# --- SQL helpers -----------------------------------------------------------------------------------------------

def _label_sql(expr: str) -> str:
    return f"coalesce(CAST({expr} AS VARCHAR), '{BLANK}')"


def _span(con, dataset: store.Dataset) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first and last date of the whole extract."""
    date_col = dataset.roles["date"]
    row = store.query_rows(con, f"SELECT min({q(date_col)}), max({q(date_col)}) FROM {q(dataset.table)}")[0]
    if row[0] is None:
        return None, None
    return pd.Timestamp(row[0]), pd.Timestamp(row[1])


# --- Records KPIs ----------------------------------------------------------------------------------------------

def _usable_kpis(con, dataset: store.Dataset, kpis: Iterable[str] | None, within_days: int) -> list[str]:
    """The asked-for records KPIs whose roles (and classification) exist; raises when none does."""
    roles = dataset.roles
    wanted = list(kpis) if kpis is not None else list(RECORD_KPIS)
    unknown = [k for k in wanted if k not in RECORD_KPIS]
    if unknown:
        raise StocktakeError(f"Unknown KPI {unknown[0]!r}.")
    usable = [k for k in wanted if all(r in roles for r in RECORD_KPIS[k].needs)]
    if "failure_demand_pct" in usable and not has_classification(con, dataset):
        usable.remove("failure_demand_pct")
    if not usable:
        opts = {o.key: o for o in available_kpis(con, dataset, within_days)}
        raise StocktakeError(opts[wanted[0]].missing if wanted and wanted[0] in opts else "No KPI can be computed.")
    return usable


def _check_records(dataset: store.Dataset, within_days) -> int:
    if dataset.kind != RECORDS:
        raise StocktakeError(f"'{dataset.name}' is not a records dataset: its KPIs come from its measures.")
    if "date" not in dataset.roles:
        raise StocktakeError(
            f"Dataset '{dataset.name}' has no column with the role 'Date or time received': set it on the Data page.")
    if within_days is None or int(within_days) < 0:
        raise StocktakeError("The number of days to close within must be 0 or more.")
    return int(within_days)


def _check_split(dataset: store.Dataset, split: str | None) -> None:
    if split is None:
        return
    if split not in SPLITS:
        raise StocktakeError(f"KPIs can be split by service, area or channel, not '{split}'.")
    if split not in dataset.roles:
        raise StocktakeError(
            f"Dataset '{dataset.name}' has no column with the role '{RECORD_ROLES.get(split, split)}', so KPIs cannot be "
            "split by it. "
            "Set it on the Data page.")


def record_kpi_table(
    con: duckdb.DuckDBPyConnection,
    dataset: store.Dataset,
    kpis: Iterable[str] | None = None,
    *,
    grain: str = DEFAULT_GRAIN,
    split: str | None = "service",
    filters: Filters | None = None,
    within_days: int = DEFAULT_WITHIN_DAYS,
    include_total: bool = True,
) -> pd.DataFrame:
    """KPI values per series and period, long: columns ``kpi``, ``series``, ``period``, ``value``, ``n``.

    ``split`` is the role whose values are the series (service, area, channel) or None for one series "All";
    with ``include_total`` the "All" series is added beside the split's series. ``n`` is the number of records
    behind each value (the denominator). KPIs whose roles are missing are skipped silently (``available_kpis`` says
    why); asking only for missing ones raises. Periods with no records give volume 0 and other KPIs NaN.
    Computed live in DuckDB (see :func:`kpi_cube` for the stored, precomputed version).
    """
    within_days = _check_records(dataset, within_days)
    _check_split(dataset, split)
    long = _record_long(con, dataset, kpis, grain=grain, splits=[split] if split else [],
                        include_total=include_total or split is None, filters=filters, within_days=within_days)
    return long.drop(columns=["split"])


def _record_long(
    con, dataset: store.Dataset, kpis: Iterable[str] | None, *, grain: str, splits: list[str], include_total: bool,
    filters: Filters | None, within_days: int,
) -> pd.DataFrame:
    """The records KPIs for several splits at once: the received-period ones aggregated once at the finest grain and
    rolled up (plus one window query for repeat %), the closed-period ones in one GROUPING SETS query (medians do
    not add up). Columns ``split`` ('' for the
    total), ``series``, ``kpi``, ``period``, ``value``, ``n``; complete periods only, every period filled."""
    roles = dataset.roles
    usable = _usable_kpis(con, dataset, kpis, within_days)
    where, params = where_clauses(filters or Filters(), roles, alias="t")
    # The extract's span, not the filtered data's: a quiet service whose last contact was on the 20th has still been
    # observed to the end of the month.
    first, last = _span(con, dataset)
    if first is None:
        return pd.DataFrame({"split": [], "kpi": [], "series": [], "period": pd.to_datetime([]), "value": [],
                             "n": []})
    complete = periods.complete_periods(first, last, grain)
    specs = []
    for name in splits:
        if name == PAIR_SPLIT:
            # service and area together, as one text: a service's areas (or an area's services) for small multiples.
            service_sql = _label_sql("t." + q(roles["service"]))
            area_sql = _label_sql("t." + q(roles["area"]))
            specs.append((name, f"{service_sql} || chr(31) || {area_sql}"))
        else:
            specs.append((name, _label_sql(f"t.{q(roles[name])}")))
    frames = []
    received = [k for k in usable if RECORD_KPIS[k].basis == "received"]
    closed = [k for k in usable if RECORD_KPIS[k].basis == "closed"]
    if received:
        frames.append(_received_query(con, dataset, received, grain, specs, include_total, where, params))
    if closed:
        frames.append(_closed_query(con, dataset, closed, grain, specs, include_total, where, params, within_days))
    long = pd.concat(frames, ignore_index=True)
    long["period"] = pd.to_datetime(long["period"])
    long = long[long["period"].isin(complete)]
    # Warm-up: in the first weeks of the data, a case closed can only have been received since the data start (so
    # closing times read short) and a contact has no history to be a repeat of (so repeats read low).
    warm = long["kpi"].isin([k for k in usable if k in WARM_UP_KPIS])
    long = long[~(warm & (long["period"] < pd.Timestamp(first).normalize() + pd.Timedelta(days=WARM_UP_DAYS)))]
    return _fill_periods(long, complete, usable)


def _grouping_sql(specs: list[tuple[str, str]], include_total: bool) -> tuple[str, str]:
    """(the grouping columns for the SELECT, the GROUP BY clause) for series per split plus an optional total."""
    if not specs:
        return "", "period"
    sets = [f"(s_{name}, period)" for name, _ in specs]
    if include_total:
        sets.append("(period)")
    select = "".join(f"grouping(s_{name}) AS g_{name}, s_{name}, " for name, _ in specs)
    return select, f"GROUPING SETS ({', '.join(sets)})"


def _label_rows(wide: pd.DataFrame, specs: list[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """(split, series) of each grouped row: the split whose column was grouped, or ('', 'All') for the total."""
    n = len(wide)
    split = np.array([""] * n, dtype=object)
    series = np.array([ALL] * n, dtype=object)
    for name, _ in specs:
        mine = (wide[f"g_{name}"] == 0).to_numpy()
        split[mine] = name
        series[mine] = wide.loc[mine, f"s_{name}"].astype(object).to_numpy()
    return split, series


def _received_query(con, dataset, kpis, grain, specs, include_total, where, params) -> pd.DataFrame:
    """The received-period KPIs: additive counts and sums at the finest grain (every split role and period) in
    DuckDB, then rolled up to each split and the total in pandas (a few thousand rows). One pass over the records
    (two with repeat %: it reads the Demand page's repeat table), instead of one aggregation per grouping set."""
    roles = dataset.roles
    date_col = roles["date"]
    fine = [r for r in ("service", "area", "channel") if r in roles]
    fine_cols = [f"{_label_sql('t.' + q(roles[r]))} AS f_{r}" for r in fine]
    period_col = f"{periods.period_start_sql('t.' + q(date_col), grain)} AS period"
    group = ", ".join([f"f_{r}" for r in fine] + ["period"])
    conds = [f"t.{q(date_col)} IS NOT NULL"] + where
    select = ["count(*) AS volume"]
    join, join_params = "", []
    if "failure_demand_pct" in kpis:
        cls_sql, cls_params = classification.classified_reasons_sql(con, dataset)
        on = [f"cls.reason = CAST(t.{q(roles['reason'])} AS VARCHAR)"]
        if "service" in roles:
            # classification_frame has one row per service + reason seen (service None when records have none).
            on.append(f"cls.service IS NOT DISTINCT FROM CAST(t.{q(roles['service'])} AS VARCHAR)")
        join = f"LEFT JOIN {cls_sql} AS cls ON {' AND '.join(on)}"
        join_params = cls_params
        select += ["count(*) FILTER (WHERE cls.demand_type = 'failure') AS failure",
                   "count(*) FILTER (WHERE cls.demand_type = 'value') AS value_demand"]
    if "cost_per_case" in kpis:
        cost = f"CAST(t.{q(roles['cost'])} AS DOUBLE)"
        select += [f"sum({cost}) AS cost_sum", f"count({cost}) AS cost_n"]
    if "avg_handling_minutes" in kpis:
        handling = f"CAST(t.{q(roles['handling_minutes'])} AS DOUBLE)"
        select += [f"sum({handling}) AS handling_sum", f"count({handling}) AS handling_n"]
    fine_frame = store.query_df(
        con,
        f"""SELECT {', '.join(fine_cols + [period_col] + select)}
            FROM {q(dataset.table)} AS t {join} WHERE {' AND '.join(conds)} GROUP BY {group}""",
        join_params + params,
    )
    if "repeat_pct" in kpis:
        # The Demand page's repeat contacts, counted the same way (the same table, the same test), so the two pages
        # agree exactly. The previous contact may be for any service or area: the filters apply afterwards.
        source, source_params = repeats.repeat_source(con, dataset, "customer_id")
        repeat_counts = store.query_df(
            con,
            f"""SELECT {', '.join(fine_cols + [period_col])}, count(*) AS with_customer,
                       count(*) FILTER (WHERE {repeats.is_repeat_sql()}) AS repeats
                FROM {source} AS t WHERE {' AND '.join(conds)} GROUP BY {group}""",
            source_params + [repeats.REPEAT_WINDOW_DAYS] + params,
        )
        fine_frame = fine_frame.merge(repeat_counts, on=[f"f_{r}" for r in fine] + ["period"], how="left")
    measures = [c for c in fine_frame.columns if not c.startswith("f_") and c != "period"]
    fine_frame[measures] = fine_frame[measures].fillna(0)
    # Roll up to each split (and the total) from the fine grain.
    parts = []
    for name, _ in specs:
        if name == PAIR_SPLIT:
            key = fine_frame["f_service"].astype(str) + PAIR_SEP + fine_frame["f_area"].astype(str)
        else:
            key = fine_frame[f"f_{name}"].astype(str)
        rolled = fine_frame.groupby([key.rename("series"), "period"], sort=False)[measures].sum().reset_index()
        rolled.insert(0, "split", name)
        parts.append(rolled)
    if include_total or not specs:
        rolled = fine_frame.groupby("period", sort=False)[measures].sum().reset_index()
        rolled.insert(0, "series", ALL)
        rolled.insert(0, "split", "")
        parts.append(rolled)
    wide = pd.concat(parts, ignore_index=True)
    out = []
    for k in kpis:
        if k == "volume":
            value, n = wide["volume"].astype(float), wide["volume"]
        elif k == "failure_demand_pct":
            n = wide["failure"] + wide["value_demand"]
            value = wide["failure"] / n.where(n > 0)
        elif k == "repeat_pct":
            n = wide["with_customer"]
            value = wide["repeats"] / n.where(n > 0)
        elif k == "cost_per_case":
            n = wide["cost_n"]
            value = wide["cost_sum"] / n.where(n > 0)
        else:
            n = wide["handling_n"]
            value = wide["handling_sum"] / n.where(n > 0)
        out.append(pd.DataFrame({"split": wide["split"].to_numpy(), "kpi": k, "series": wide["series"].to_numpy(),
                                 "period": wide["period"].to_numpy(), "value": value.astype("float64").to_numpy(),
                                 "n": n.astype("int64").to_numpy()}))
    return pd.concat(out, ignore_index=True)


def _closed_query(con, dataset, kpis, grain, specs, include_total, where, params, within_days) -> pd.DataFrame:
    roles = dataset.roles
    date_col, closed_col = roles["date"], roles["closed_date"]
    # Fractional days, so a case closed in 6 hours is 0.25 days (as pandas' Timedelta / 1 day).
    days = periods.elapsed_days_sql(f"t.{q(date_col)}", f"t.{q(closed_col)}")
    conds = [f"t.{q(date_col)} IS NOT NULL", f"t.{q(closed_col)} IS NOT NULL",
             f"CAST(t.{q(closed_col)} AS TIMESTAMP) >= CAST(t.{q(date_col)} AS TIMESTAMP)"] + where
    cte_cols = [f"{expr} AS s_{name}" for name, expr in specs]
    grouping_select, group_by = _grouping_sql(specs, include_total)
    sql = f"""WITH base AS (
                SELECT {', '.join(cte_cols + [f"{periods.period_start_sql(f't.{q(closed_col)}', grain)} AS period"])},
                       {days} AS days
                FROM {q(dataset.table)} AS t WHERE {' AND '.join(conds)})
              SELECT {grouping_select} period, count(*) AS closed,
                     median(days) AS median_days, quantile_cont(days, 0.9) AS p90_days,
                     count(*) FILTER (WHERE days <= ?) AS within
              FROM base GROUP BY {group_by}"""
    wide = store.query_df(con, sql, params + [within_days])
    split, series = _label_rows(wide, specs)
    out = []
    for k in kpis:
        if k == "median_days_to_close":
            value = wide["median_days"]
        elif k == "p90_days_to_close":
            value = wide["p90_days"]
        else:
            value = wide["within"] / wide["closed"]
        out.append(pd.DataFrame({"split": split, "kpi": k, "series": series, "period": wide["period"],
                                 "value": value.astype("float64"), "n": wide["closed"].astype("int64")}))
    return pd.concat(out, ignore_index=True)


def _fill_periods(long: pd.DataFrame, complete: pd.DatetimeIndex, kpis: list[str]) -> pd.DataFrame:
    """Every series gets every complete period: volume 0 where there were no records, other KPIs NaN."""
    if long.empty:
        return long.reset_index(drop=True)
    keys = long[["split", "kpi", "series"]].drop_duplicates()
    grid = keys.merge(pd.DataFrame({"period": complete}), how="cross")
    full = grid.merge(long, on=["split", "kpi", "series", "period"], how="left")
    is_volume = full["kpi"] == "volume"
    full.loc[is_volume, "value"] = full.loc[is_volume, "value"].fillna(0.0)
    full["n"] = full["n"].fillna(0).astype("int64")
    order = {k: i for i, k in enumerate(kpis)}
    full["_k"] = full["kpi"].map(order)
    full["_all"] = full["series"] != ALL
    full = full.sort_values(["_k", "split", "_all", "series", "period"]).drop(columns=["_k", "_all"])
    return full.reset_index(drop=True)


# --- The stored KPI cube ---------------------------------------------------------------------------------------

CUBE_TABLE = "stocktake_kpi_cube"
CUBE_GRAINS = ("week", "month", "quarter", "financial_year", "year")
"""The grains kept in the cube. Days are worked out when asked: every KPI for every day, service, area, channel and
service x area pair is millions of rows (12 s to build on the demo borough), while one day-grain series or the
summary by service takes well under a second."""
PAIR_SPLIT = "service_area"  # series "<service>\x1f<area>": every service x area pair
PAIR_SEP = "\x1f"
CUBE_BUILT = "__built__"  # a marker row, so a cube with no rows is known to be built
CUBE_FORMAT = 2  # bumped when the cube's contents change shape, so cubes stored by older code are rebuilt


def _cube_source(con, dataset: store.Dataset) -> str:
    """What the cube was built from: the dataset's version and its classification's (failure demand uses it)."""
    cls_version = classification.classification_version(con, dataset)
    return f"{CUBE_FORMAT}:{dataset.version}/{cls_version}"


def kpi_cube(
    con: duckdb.DuckDBPyConnection, dataset: store.Dataset, *, grain: str = DEFAULT_GRAIN,
    within_days: int = DEFAULT_WITHIN_DAYS, splits: Iterable[str] | None = None, kpi: str | None = None,
    series: str | None = None, series_prefix: str | None = None, series_suffix: str | None = None,
) -> pd.DataFrame:
    """Every records KPI by period for the total and per service, per area and per channel, kept in the store.

    ``splits`` ('' for the total), ``kpi`` and ``series`` (exact, or a prefix / suffix of a service x area pair) narrow
    what is read back (the whole cube is built either way).

    Columns: ``split`` ('' for the total, else service / area / channel, or ``service_area`` for every service x area
    pair, whose series is "<service>\\x1f<area>"), ``series`` ("All" for the total),
    ``kpi``, ``period``, ``value``, ``n``. Built with a few grouped queries (see :func:`_record_long`) the first time
    it is asked for (tens of seconds on 10M rows: the repeat-contact window sorts every row and the medians need
    every closing time), then read back in milliseconds until the
    dataset or its classification is reloaded or edited (their versions are part of the key). A store opened read-only
    computes it without keeping it.
    """
    within_days = _check_records(dataset, within_days)
    periods.check_grain(grain)
    source = _cube_source(con, dataset)
    key = [dataset.name, source, grain, within_days]
    wanted = None if splits is None else list(splits)

    def narrow(frame: pd.DataFrame) -> pd.DataFrame:
        keep = np.ones(len(frame), dtype=bool)
        if wanted is not None:
            keep &= frame["split"].isin(wanted).to_numpy()
        if kpi is not None:
            keep &= (frame["kpi"] == kpi).to_numpy()
        if series is not None:
            keep &= (frame["series"] == series).to_numpy()
        if series_prefix is not None:
            keep &= frame["series"].astype(str).str.startswith(series_prefix).to_numpy()
        if series_suffix is not None:
            keep &= frame["series"].astype(str).str.endswith(series_suffix).to_numpy()
        return frame[keep].reset_index(drop=True)

    if _table_exists(con, CUBE_TABLE):
        built = store.query_rows(
            con, f"SELECT 1 FROM {q(CUBE_TABLE)} WHERE dataset = ? AND source = ? AND grain = ? AND within_days = ? "
                 "AND kpi = ? LIMIT 1", key + [CUBE_BUILT])
        if built:
            where, params = "", []
            if wanted is not None:
                where += f" AND split IN ({', '.join('?' * len(wanted))})" if wanted else " AND false"
                params += wanted
            if kpi is not None:
                where += " AND kpi = ?"
                params.append(kpi)
            if series is not None:
                where += " AND series = ?"
                params.append(series)
            if series_prefix is not None:
                where += " AND starts_with(series, ?)"
                params.append(series_prefix)
            if series_suffix is not None:
                where += " AND ends_with(series, ?)"
                params.append(series_suffix)
            stored = store.query_df(
                con, f"SELECT split, series, kpi, period, value, n FROM {q(CUBE_TABLE)} "
                     f"WHERE dataset = ? AND source = ? AND grain = ? AND within_days = ? AND kpi <> ?{where} "
                     "ORDER BY kpi, split, series, period", key + [CUBE_BUILT] + params)
            stored["period"] = pd.to_datetime(stored["period"])
            stored["n"] = stored["n"].astype("int64")
            return stored
    all_splits = [r for r in SPLITS if r in dataset.roles]
    if "service" in dataset.roles and "area" in dataset.roles:
        all_splits.append(PAIR_SPLIT)
    long = _record_long(con, dataset, None, grain=grain, splits=all_splits, include_total=True, filters=None,
                        within_days=within_days)
    _write_cube(con, key, long)
    return narrow(long)


def _write_cube(con, key: list, long: pd.DataFrame) -> None:
    rows = long[["split", "series", "kpi", "period", "value", "n"]].copy()
    marker = pd.DataFrame({"split": [""], "series": [""], "kpi": [CUBE_BUILT], "period": [pd.NaT], "value": [np.nan],
                           "n": [0]})
    rows = pd.concat([rows, marker], ignore_index=True)
    rows["period"] = pd.to_datetime(rows["period"])
    cur = con.cursor()
    try:
        cur.execute(
            f"""CREATE TABLE IF NOT EXISTS {q(CUBE_TABLE)} (
                dataset VARCHAR NOT NULL, source VARCHAR NOT NULL, grain VARCHAR NOT NULL, within_days INTEGER,
                split VARCHAR, series VARCHAR, kpi VARCHAR, period DATE, value DOUBLE, n BIGINT)""")
        cur.register("cube_rows", rows)
        with store.transaction(con, cur):
            # Older versions of this dataset's cube are stale for good; the same key may be written by two sessions.
            cur.execute(f"DELETE FROM {q(CUBE_TABLE)} WHERE dataset = ? AND (source <> ? OR (grain = ? AND within_days = ?))",
                        key)
            cur.execute(
                f"""INSERT INTO {q(CUBE_TABLE)} SELECT ?, ?, ?, ?, split, series, kpi, CAST(period AS DATE), value, n
                    FROM cube_rows""", key)
    except duckdb.Error:
        # A read-only store, or another session writing the same cube at the same moment: the figures are still
        # right, they are just not kept this time.
        pass
    finally:
        cur.close()


def _single_values(filters: Filters | None) -> dict[str, str] | None:
    """role -> value when the filters are ones the cube holds (at most one service, one area and one channel, nothing
    else), else None."""
    chosen: dict[str, str] = {}
    for role in (filters or Filters()).active_roles():
        values = filters.values(role) if role in SPLITS else ()
        if len(values) != 1:
            return None
        chosen[role] = values[0]
    return chosen


def _cube_narrowing(split: str | None, filters: Filters | None) -> dict:
    """The part of the cube a request needs (so a chart reads tens of rows, not the whole cube)."""
    active = _single_values(filters)
    if active is None:
        return {}
    if split is None and not active:
        return {"splits": [""]}
    if split is None and len(active) == 1:
        role, value = next(iter(active.items()))
        return {"splits": [role], "series": value}
    if split is not None and not active:
        return {"splits": [split]}
    if split == "area" and set(active) == {"service"}:
        return {"splits": [PAIR_SPLIT], "series_prefix": active["service"] + PAIR_SEP}
    if split == "service" and set(active) == {"area"}:
        return {"splits": [PAIR_SPLIT], "series_suffix": PAIR_SEP + active["area"]}
    return {}


def _from_cube(cube: pd.DataFrame, kpi: str, split: str | None, filters: Filters | None) -> pd.DataFrame | None:
    """A KPI's series from the cube when the request is one the cube holds (no filter with a split, or one filter
    without), else None."""
    active = _single_values(filters)
    if active is None:
        return None
    part = cube[cube["kpi"] == kpi]
    if split is None and not active:
        return part[part["split"] == ""]
    if split is None and len(active) == 1:
        role, value = next(iter(active.items()))
        return part[(part["split"] == role) & (part["series"] == value)]
    if split is not None and not active:
        return part[part["split"] == split]
    if split in ("service", "area") and set(active) == ({"service", "area"} - {split}):
        # One service's areas, or one area's services: the service x area pairs.
        other = next(iter(active.values()))
        pairs = part[part["split"] == PAIR_SPLIT]
        if pairs.empty:
            return None  # no pairs stored (no service or area role): ask DuckDB
        halves = pairs["series"].str.split(PAIR_SEP, n=1, expand=True)
        if halves.shape[1] < 2:
            return None
        mine, theirs = (halves[1], halves[0]) if split == "area" else (halves[0], halves[1])
        chosen = pairs[(theirs == other).to_numpy()].copy()
        chosen["series"] = mine[(theirs == other).to_numpy()].to_numpy()
        chosen["split"] = split
        return chosen
    return None


# --- KPI-series datasets ---------------------------------------------------------------------------------------

def kpi_dataset_table(
    con: duckdb.DuckDBPyConnection,
    dataset: store.Dataset,
    measures: Iterable[str] | None = None,
    *,
    split: str | None = "service",
    filters: Filters | None = None,
) -> pd.DataFrame:
    """A KPI-series dataset's values, long: ``kpi`` (the measure), ``series``, ``period``, ``value``, ``target``, ``n``.

    Several rows for one measure, series and period (e.g. areas when split by service) are averaged, and so are their
    targets; ``n`` counts them. Without a service (or the split's) role there is one series, "All".
    """
    if dataset.kind != KPI_KIND:
        raise StocktakeError(f"'{dataset.name}' is not a KPI-series dataset.")
    roles = dataset.roles
    for needed in ("period", "value"):
        if needed not in roles:
            raise StocktakeError(
                f"Dataset '{dataset.name}' has no column with the role '{needed}': set it on the Data page.")
    measure_sql = _label_sql(f"t.{q(roles['measure'])}") if "measure" in roles else "'Value'"
    series_sql = _label_sql(f"t.{q(roles[split])}") if split and split in roles else f"'{ALL}'"
    target_sql = f"avg(CAST(t.{q(roles['target'])} AS DOUBLE))" if "target" in roles else "CAST(NULL AS DOUBLE)"
    where, params = where_clauses(filters or Filters(), roles, alias="t", date_role="period")
    conds = [f"t.{q(roles['period'])} IS NOT NULL"] + where
    if measures is not None:
        ms = list(measures)
        if not ms:
            return pd.DataFrame(columns=["kpi", "series", "period", "value", "target", "n"])
        conds.append(f"{measure_sql} IN ({', '.join('?' * len(ms))})")
        params = params + ms
    frame = store.query_df(
        con,
        f"""SELECT {measure_sql} AS kpi, {series_sql} AS series, CAST(t.{q(roles['period'])} AS DATE) AS period,
                   avg(CAST(t.{q(roles['value'])} AS DOUBLE)) AS value, {target_sql} AS target, count(*) AS n
            FROM {q(dataset.table)} AS t WHERE {' AND '.join(conds)}
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""",
        params,
    )
    frame["period"] = pd.to_datetime(frame["period"])
    frame["n"] = frame["n"].astype("int64")
    return frame


# --- One chart -------------------------------------------------------------------------------------------------

def kpi_series(
    con: duckdb.DuckDBPyConnection,
    dataset: store.Dataset,
    kpi: str,
    *,
    grain: str = DEFAULT_GRAIN,
    split: str | None = None,
    filters: Filters | None = None,
    within_days: int = DEFAULT_WITHIN_DAYS,
    use_cube: bool = True,
) -> pd.DataFrame:
    """One KPI's values per period (and per series with ``split``): ``series``, ``period``, ``value``, ``target``,
    ``n``. Records KPIs have no target of their own (NaN); a KPI-series measure brings its target column.

    Records KPIs come from the stored cube (:func:`kpi_cube`) when it holds the request (the total, one service /
    area / channel, or a split with no filter), else from a live query."""
    if dataset.kind == KPI_KIND:
        frame = kpi_dataset_table(con, dataset, [kpi], split=split, filters=filters)
        return frame.drop(columns=["kpi"]).reset_index(drop=True)
    frame = None
    if use_cube and grain in CUBE_GRAINS:
        _check_split(dataset, split)
        frame = _from_cube(kpi_cube(con, dataset, grain=grain, within_days=within_days, kpi=kpi,
                                    **_cube_narrowing(split, filters)), kpi, split, filters)
        if frame is not None and split is not None:
            frame = frame[frame["split"] == split]
    if frame is None:
        frame = record_kpi_table(con, dataset, [kpi], grain=grain, split=split, filters=filters,
                                 within_days=within_days, include_total=False)
    frame = frame.drop(columns=[c for c in ("kpi", "split") if c in frame.columns]).copy()
    frame["target"] = np.nan
    return frame[["series", "period", "value", "target", "n"]].reset_index(drop=True)


def series_spc(
    series: pd.DataFrame,
    *,
    improvement: str = "increase",
    target: float | None = None,
    trajectory: pd.Series | None = None,
    rebase_at: Iterable = (),
    rules: str = "nhsr",
    screen_outliers: bool = True,
    fix_after_n_points: int | None = None,
) -> pd.DataFrame:
    """An SPC chart (``spc.xmr``) for each series of a :func:`kpi_series` frame, stacked with a ``series`` column.

    ``target`` (if given) overrides the frame's own target column; ``trajectory`` is a Series indexed by period.
    """
    # xmr_columns per series and one DataFrame at the end: a DataFrame per series costs more than its arithmetic.
    columns: dict[str, list] = {}
    attrs: dict = {}
    rule_set = None
    names: list = []
    for name, group in series.sort_values(["series", "period"], kind="stable").groupby("series", sort=False):
        tgt = target if target is not None else (group["target"].to_numpy(dtype=float) if "target" in group else None)
        traj = None
        if trajectory is not None and len(trajectory):
            traj = group["period"].map(trajectory).to_numpy(dtype=float)
        cols, attrs, rule_set = spc.xmr_columns(
            group["value"].to_numpy(dtype=float), dates=group["period"].to_numpy(), improvement=improvement,
            target=tgt, trajectory=traj, rebase_at=rebase_at, rules=rules, screen_outliers=screen_outliers,
            fix_after_n_points=fix_after_n_points)
        cols["n"] = group["n"].to_numpy()
        for key, values in cols.items():
            columns.setdefault(key, []).append(values)
        names.append(np.full(len(group), name, dtype=object))
    if not names:
        return pd.DataFrame(columns=["series", "date", "value", "mean", "lpl", "upl", "point_type"])
    out = pd.DataFrame({"series": np.concatenate(names)})
    for key, parts in columns.items():
        out[key] = pd.Series(np.concatenate(parts), dtype=object if key in ("special_cause", "point_type") else None)
    out["special_cause_detail"] = pd.Series(
        [spc.describe_rule(r, d, rule_set) if t is not None else None
         for r, d, t in zip(out["special_cause"], out["special_cause_direction"], out["point_type"])], dtype=object)
    out.attrs.update(attrs)
    return out


# --- Summary matrix --------------------------------------------------------------------------------------------

SUMMARY_COLUMNS = ["kpi", "kpi_label", "unit", "series", "improvement", "points", "latest_period", "latest_value",
                   "target", "mean", "lpl", "upl", "variation", "variation_side", "assurance", "short_segment"]


def summary_matrix(
    con: duckdb.DuckDBPyConnection,
    dataset: store.Dataset,
    *,
    split: str | None = "service",
    grain: str = DEFAULT_GRAIN,
    within_days: int = DEFAULT_WITHIN_DAYS,
    directions: Mapping[str, str] | None = None,
    targets: Mapping[tuple[str, str], float] | None = None,
    rules: str = "nhsr",
    include_total: bool = True,
    use_cube: bool = True,
) -> pd.DataFrame:
    """Every KPI x series (service by default, plus "All"): latest value, target, variation and assurance.

    The MDC "summary table". A records dataset's values come from the stored cube (:func:`kpi_cube`: one grouped
    DuckDB query per basis, all KPIs and splits at once, kept until the data change) or, with ``use_cube=False``,
    from the same queries run now; SPC then runs per series in Python (a few dozen points each).
    ``directions`` maps KPI -> improvement direction (default: the KPI's own); ``targets`` maps (KPI, series) ->
    target, with series '' for every series (a KPI-series measure's own target column is used otherwise).
    """
    directions = dict(directions or {})
    targets = dict(targets or {})
    if dataset.kind == KPI_KIND:
        split_role = split if split in dataset.roles else None
        long = kpi_dataset_table(con, dataset, split=split_role)
        defaults = {}
    else:
        split_role = split if split in dataset.roles else None
        if use_cube and grain in CUBE_GRAINS:
            wanted = [""] + ([split_role] if split_role else [])
            if not include_total and split_role:
                wanted = [split_role]
            long = kpi_cube(con, dataset, grain=grain, within_days=within_days, splits=wanted).drop(columns=["split"])
        else:
            long = record_kpi_table(con, dataset, grain=grain, split=split_role, within_days=within_days,
                                    include_total=include_total)
        long = long.assign(target=np.nan)
        defaults = {k: v.improvement for k, v in RECORD_KPIS.items()}
    rows = []
    for (kpi, series), group in long.groupby(["kpi", "series"], sort=False):
        improvement = directions.get(kpi, defaults.get(kpi, "increase"))
        target = targets.get((kpi, series), targets.get((kpi, ALL_SERIES)))
        group = group.sort_values("period")
        values = group["value"].to_numpy(dtype=float)
        tgt = target if target is not None else group["target"].to_numpy(dtype=float)
        columns, _, _ = spc.xmr_columns(values, dates=group["period"].to_numpy(), improvement=improvement,
                                        target=tgt, rules=rules)
        s = spc.summarise(columns, improvement)
        rows.append({
            "kpi": kpi, "kpi_label": kpi_label(kpi, within_days), "unit": kpi_unit(kpi), "series": series,
            "improvement": improvement, "points": s.points, "latest_period": s.latest_date,
            "latest_value": s.latest_value, "target": s.target, "mean": s.mean, "lpl": s.lpl, "upl": s.upl,
            "variation": s.variation if s.points >= 2 else None, "variation_side": s.variation_side,
            "assurance": s.assurance if s.points >= 2 else None, "short_segment": s.short_segment,
        })
    matrix = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    # KPIs in their usual order (records) or by name (measures), the total first, then series by name.
    order = {k: i for i, k in enumerate(RECORD_KPIS)}
    matrix["_k"] = [order.get(k, len(order)) for k in matrix["kpi"]]
    matrix["_all"] = matrix["series"] != ALL
    matrix = matrix.sort_values(["_k", "kpi", "_all", "series"], kind="stable").drop(columns=["_k", "_all"])
    return matrix.reset_index(drop=True)


# --- Settings kept in the store: directions, targets, trajectories -------------------------------------------------

def ensure_settings_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the KPI settings tables if this store has none. Idempotent."""
    store.execute(
        con,
        f"""CREATE TABLE IF NOT EXISTS {q(SETTINGS_TABLE)} (
            dataset VARCHAR NOT NULL, kpi VARCHAR NOT NULL, series VARCHAR NOT NULL,
            improvement VARCHAR, target DOUBLE, updated_at TIMESTAMP)""",
    )
    store.execute(
        con,
        f"""CREATE TABLE IF NOT EXISTS {q(TRAJECTORY_TABLE)} (
            dataset VARCHAR NOT NULL, kpi VARCHAR NOT NULL, series VARCHAR NOT NULL,
            start_period DATE NOT NULL, start_value DOUBLE NOT NULL,
            end_period DATE NOT NULL, end_value DOUBLE NOT NULL, updated_at TIMESTAMP)""",
    )


def _table_exists(con, table: str) -> bool:
    return bool(store.query_rows(
        con, "SELECT 1 FROM information_schema.tables WHERE table_name = ? AND table_schema = 'main'", [table]))


def _upsert_setting(con, dataset: str, kpi: str, series: str, column: str, value) -> None:
    ensure_settings_tables(con)
    found = store.query_rows(
        con, f"SELECT 1 FROM {q(SETTINGS_TABLE)} WHERE dataset = ? AND kpi = ? AND series = ?", [dataset, kpi, series])
    now = datetime.now().replace(microsecond=0)
    if found:
        store.execute(
            con, f"UPDATE {q(SETTINGS_TABLE)} SET {q(column)} = ?, updated_at = ? WHERE dataset = ? AND kpi = ? "
                 "AND series = ?", [value, now, dataset, kpi, series])
    else:
        row = {"improvement": None, "target": None, column: value}
        store.execute(con, f"INSERT INTO {q(SETTINGS_TABLE)} VALUES (?, ?, ?, ?, ?, ?)",
                      [dataset, kpi, series, row["improvement"], row["target"], now])


def set_improvement(con: duckdb.DuckDBPyConnection, dataset: str, kpi: str, improvement: str) -> None:
    """Store which direction is better for a KPI of a dataset (for every series)."""
    if improvement not in spc.IMPROVEMENTS:
        raise StocktakeError(f"'{improvement}' is not an improvement direction: use increase, decrease or neutral.")
    _upsert_setting(con, dataset, kpi, ALL_SERIES, "improvement", improvement)


def set_target(con: duckdb.DuckDBPyConnection, dataset: str, kpi: str, series: str | None, target: float | None) -> None:
    """Store a KPI's target for one series (a service...), or for every series with ``series`` None or ''.

    ``target`` None removes it. Shares are fractions (0.95 for 95%)."""
    if target is not None:
        try:
            target = float(target)
        except (TypeError, ValueError):
            raise StocktakeError(f"'{target}' is not a number: give the target as a number.") from None
        if np.isnan(target):
            target = None
    _upsert_setting(con, dataset, kpi, series or ALL_SERIES, "target", target)


def kpi_settings(con: duckdb.DuckDBPyConnection, dataset: str) -> tuple[dict[str, str], dict[tuple[str, str], float]]:
    """(directions KPI -> improvement, targets (KPI, series) -> target) stored for a dataset."""
    if not _table_exists(con, SETTINGS_TABLE):
        return {}, {}
    rows = store.query_rows(
        con, f"SELECT kpi, series, improvement, target FROM {q(SETTINGS_TABLE)} WHERE dataset = ?", [dataset])
    directions = {k: imp for k, s, imp, _ in rows if s == ALL_SERIES and imp}
    targets = {(k, s): float(t) for k, s, _, t in rows if t is not None and not np.isnan(t)}
    return directions, targets


def target_for(targets: Mapping[tuple[str, str], float], kpi: str, series: str | None) -> float | None:
    """The target that applies to a KPI's series: its own, else the one for every series, else None."""
    return targets.get((kpi, series or ALL_SERIES), targets.get((kpi, ALL_SERIES)))


def set_trajectory(
    con: duckdb.DuckDBPyConnection, dataset: str, kpi: str, series: str | None,
    start_period, start_value: float, end_period, end_value: float,
) -> None:
    """Store a trajectory: a straight line from (start period, value) to (end period, value) for a KPI's series."""
    start, end = pd.Timestamp(start_period), pd.Timestamp(end_period)
    if pd.isna(start) or pd.isna(end) or end <= start:
        raise StocktakeError("A trajectory needs a start period before its end period.")
    ensure_settings_tables(con)
    clear_trajectory(con, dataset, kpi, series)
    store.execute(
        con, f"INSERT INTO {q(TRAJECTORY_TABLE)} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [dataset, kpi, series or ALL_SERIES, start.date(), float(start_value), end.date(), float(end_value),
         datetime.now().replace(microsecond=0)])


def clear_trajectory(con: duckdb.DuckDBPyConnection, dataset: str, kpi: str, series: str | None) -> None:
    if _table_exists(con, TRAJECTORY_TABLE):
        store.execute(con, f"DELETE FROM {q(TRAJECTORY_TABLE)} WHERE dataset = ? AND kpi = ? AND series = ?",
                      [dataset, kpi, series or ALL_SERIES])


def get_trajectory(con: duckdb.DuckDBPyConnection, dataset: str, kpi: str, series: str | None) -> dict | None:
    """The stored trajectory for a KPI's series (its own, else the one for every series), or None."""
    if not _table_exists(con, TRAJECTORY_TABLE):
        return None
    for s in dict.fromkeys([series or ALL_SERIES, ALL_SERIES]):
        rows = store.query_rows(
            con, f"SELECT start_period, start_value, end_period, end_value FROM {q(TRAJECTORY_TABLE)} "
                 "WHERE dataset = ? AND kpi = ? AND series = ?", [dataset, kpi, s])
        if rows:
            sp, sv, ep, ev = rows[0]
            return {"start_period": pd.Timestamp(sp), "start_value": sv, "end_period": pd.Timestamp(ep),
                    "end_value": ev, "series": s}
    return None


def trajectory_values(trajectory: Mapping | None, periods: Iterable) -> pd.Series:
    """The trajectory's value at each period (straight-line by days between its ends; NaN outside them)."""
    periods = pd.DatetimeIndex(pd.to_datetime(list(periods)))
    if not trajectory:
        return pd.Series(np.nan, index=periods)
    start, end = trajectory["start_period"], trajectory["end_period"]
    span = (end - start).days
    frac = np.asarray((periods - start).days, dtype=float) / span
    values = trajectory["start_value"] + frac * (trajectory["end_value"] - trajectory["start_value"])
    values[(periods < start) | (periods > end)] = np.nan
    return pd.Series(values, index=periods)


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
    comparator_q3 (25th and 75th percentiles), rank (1 = best, among own + comparators, ties share the best rank),
    of (how many ranked), quartile (1 = best quarter ... 4 = worst, by rank), distance_from_median (own - median),
    better_than_median (True / False / None when neutral or equal).
    "Best" follows ``improvement``; with "neutral", rank 1 is the highest value.
    """
    if "area" not in dataset.roles:
        raise StocktakeError(f"'{dataset.name}' has no column with the role 'Area', so it cannot compare areas.")
    frame = kpi_dataset_table(con, dataset, [measure], split="area", filters=filters)
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
            "rank": rank, "of": of, "quartile": quartile, "distance_from_median": distance,
            "better_than_median": better_than,
        })
    return pd.DataFrame(rows, columns=[
        "period", "own_value", "comparators", "comparator_median", "comparator_q1", "comparator_q3", "rank", "of",
        "quartile", "distance_from_median", "better_than_median"])
