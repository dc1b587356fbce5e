"""Records KPIs computed in DuckDB: every KPI per period and per series (service, area, channel) from the records.

The received-period KPIs are aggregated once at the finest grain and rolled up in pandas; the closed-period ones
(medians do not add up) in one GROUPING SETS query; repeat % reads the Demand page's repeat table. Complete periods
only, every period filled.
"""

from __future__ import annotations

from typing import Iterable

import duckdb
import numpy as np
import pandas as pd

from analysis import classification, periods, store
from analysis.demand import repeats
from analysis.errors import StocktakeError
from analysis.filters import Filters, where_clauses
from analysis.kpis.definitions import (ALL, DEFAULT_GRAIN, DEFAULT_WITHIN_DAYS, PAIR_SEP, PAIR_SPLIT, RECORD_KPIS,
                                       SPLITS, WARM_UP_DAYS, WARM_UP_KPIS, available_kpis, has_classification,
                                       label_sql)
from analysis.roles import RECORD_ROLES, RECORDS
from analysis.store import quote_identifier as q

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


def check_records(dataset: store.Dataset, within_days) -> int:
    if dataset.kind != RECORDS:
        raise StocktakeError(f"'{dataset.name}' is not a records dataset: its KPIs come from its measures.")
    if "date" not in dataset.roles:
        raise StocktakeError(
            f"Dataset '{dataset.name}' has no column with the role 'Date or time received': set it on the Data page.")
    if within_days is None or int(within_days) < 0:
        raise StocktakeError("The number of days to close within must be 0 or more.")
    return int(within_days)


def check_split(dataset: store.Dataset, split: str | None) -> None:
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
    within_days = check_records(dataset, within_days)
    check_split(dataset, split)
    long = record_long(con, dataset, kpis, grain=grain, splits=[split] if split else [],
                        include_total=include_total or split is None, filters=filters, within_days=within_days)
    return long.drop(columns=["split"])


def record_long(
    con, dataset: store.Dataset, kpis: Iterable[str] | None, *, grain: str, splits: list[str], include_total: bool,
    filters: Filters | None, within_days: int, fill: bool = True,
) -> pd.DataFrame:
    """The records KPIs for several splits at once: the received-period ones aggregated once at the finest grain and
    rolled up (plus one window query for repeat %), the closed-period ones in one GROUPING SETS query (medians do
    not add up). Columns ``split`` ('' for the
    total), ``series``, ``kpi``, ``period``, ``value``, ``n``; complete periods only, every period filled (with
    ``fill=False`` only the periods that had records: the stored cube keeps those and fills what it reads back)."""
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
            service_sql = label_sql("t." + q(roles["service"]))
            area_sql = label_sql("t." + q(roles["area"]))
            specs.append((name, f"{service_sql} || chr(31) || {area_sql}"))
        else:
            specs.append((name, label_sql(f"t.{q(roles[name])}")))
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
    return fill_periods(long, complete, usable) if fill else long.reset_index(drop=True)


def complete_span_periods(con, dataset: store.Dataset, grain: str) -> pd.DatetimeIndex:
    """The complete periods of the extract's span at ``grain`` (what :func:`record_long` reports and fills)."""
    first, last = _span(con, dataset)
    if first is None:
        return pd.DatetimeIndex([])
    return pd.DatetimeIndex(periods.complete_periods(first, last, grain))


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
    fine_cols = [f"{label_sql('t.' + q(roles[r]))} AS f_{r}" for r in fine]
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


def fill_periods(long: pd.DataFrame, complete: pd.DatetimeIndex, kpis: list[str]) -> pd.DataFrame:
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
