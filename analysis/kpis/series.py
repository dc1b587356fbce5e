"""One KPI's series (from the cube, a live query or a KPI-series dataset), its SPC chart per series, and the summary
matrix of every KPI x series.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import duckdb
import numpy as np
import pandas as pd

from analysis import store
from analysis.load import period_text
from analysis.errors import StocktakeError
from analysis.filters import Filters, where_clauses
from analysis.kpis.compute import check_split, record_kpi_table
from analysis.kpis.cube import CUBE_GRAINS, PAIR_GRAINS, cube_narrowing, from_cube, kpi_cube
from analysis.kpis.definitions import (ALL, DEFAULT_GRAIN, DEFAULT_WITHIN_DAYS, PAIR_SPLIT, RECORD_KPIS,
                                       check_period_column, kpi_label, kpi_unit, label_sql, lower_bound_for)
from analysis.kpis.storage import ALL_SERIES
from analysis.roles import KPI as KPI_KIND
from analysis.spc import reading, xmr
from analysis.store import quote_identifier as q

# --- KPI-series datasets ---------------------------------------------------------------------------------------

def kpi_dataset_table(
    con: duckdb.DuckDBPyConnection,
    dataset: store.Dataset,
    measures: Iterable[str] | None = None,
    *,
    split: str | None = "service",
    filters: Filters | None = None,
    skip_blank_series: bool = False,
) -> pd.DataFrame:
    """A KPI-series dataset's values, long: ``kpi`` (the measure), ``series``, ``period``, ``value``, ``target``, ``n``.

    Several rows for one measure, series and period (e.g. areas when split by service) are averaged, and so are their
    targets; ``n`` counts them. Without a service (or the split's) role there is one series, "All". Rows whose split
    value is blank form a series called "(blank)", unless ``skip_blank_series`` leaves them out (a blank organisation
    is not a peer). A period column of text is refused with a sentence (see ``check_period_column``).
    """
    if dataset.kind != KPI_KIND:
        raise StocktakeError(f"'{dataset.name}' is not a KPI-series dataset.")
    roles = dataset.roles
    for needed in ("period", "value"):
        if needed not in roles:
            raise StocktakeError(
                f"Dataset '{dataset.name}' has no column with the role '{needed}': set it on the Data page.")
    check_period_column(con, dataset)
    # Without a measure column the one measure is named after the value column ("attendances"), as kpi_measures says.
    only_measure = None if "measure" in roles else roles["value"]
    measure_sql = label_sql(f"t.{q(roles['measure'])}") if only_measure is None else "''"
    series_sql = label_sql(f"t.{q(roles[split])}") if split and split in roles else f"'{ALL}'"
    target_sql = f"avg(CAST(t.{q(roles['target'])} AS DOUBLE))" if "target" in roles else "CAST(NULL AS DOUBLE)"
    where, params = where_clauses(filters or Filters(), roles, alias="t", date_role="period")
    conds = [f"t.{q(roles['period'])} IS NOT NULL"] + where
    if skip_blank_series and split and split in roles:
        conds.append(f"nullif(trim(CAST(t.{q(roles[split])} AS VARCHAR)), '') IS NOT NULL")
    if measures is not None:
        ms = list(measures)
        if not ms or (only_measure is not None and only_measure not in ms):
            return pd.DataFrame(columns=["kpi", "series", "period", "value", "target", "n"])
        if only_measure is None:
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
    if only_measure is not None:
        frame["kpi"] = only_measure
    return frame


def span_column(dataset: store.Dataset) -> str | None:
    """The column a KPI series' multi-year spans were set apart in at load ('Year (multi-year span)'), or None."""
    return next((c.name for c in dataset.columns if c.grain == period_text.SPAN), None)


def span_series(con: duckdb.DuckDBPyConnection, dataset: store.Dataset, measure: str,
                filters: Filters | None = None) -> pd.DataFrame:
    """A measure's values per multi-year span ('2010-14'), never mixed with single years: ``span``, ``value`` (the
    mean over the rows, as a KPI series' chart of many areas shows), ``n``; in order of the spans' first years, then
    their last. Empty when the dataset set no spans apart or the measure has none."""
    column = span_column(dataset)
    roles = dataset.roles
    if column is None or "value" not in roles:
        return pd.DataFrame(columns=["span", "value", "n"])
    where, params = where_clauses(filters or Filters(), roles, date_role="period")
    conds = [f"{q(column)} IS NOT NULL"] + where
    if "measure" in roles:
        conds.append(f"CAST({q(roles['measure'])} AS VARCHAR) = ?")
        params = params + [measure]
    frame = store.query_df(
        con, f"""SELECT CAST({q(column)} AS VARCHAR) AS span, avg(CAST({q(roles['value'])} AS DOUBLE)) AS value,
                        count(*) AS n FROM {q(dataset.table)} WHERE {' AND '.join(conds)} GROUP BY 1""", params)
    order = [period_text.parse_span(s) or (0, 0) for s in frame["span"]]
    frame["_order"] = order
    return frame.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


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
    narrowing = cube_narrowing(split, filters)
    pairs = PAIR_SPLIT in narrowing.get("splits", ())
    if use_cube and grain in CUBE_GRAINS and (grain in PAIR_GRAINS or not pairs):
        check_split(dataset, split)
        frame = from_cube(kpi_cube(con, dataset, grain=grain, within_days=within_days, kpi=kpi, **narrowing),
                          kpi, split, filters)
        if frame is not None and split is not None:
            frame = frame[frame["split"] == split]
    if frame is None:
        frame = record_kpi_table(con, dataset, [kpi], grain=grain, split=split, filters=filters,
                                 within_days=within_days, include_total=False)
    frame = frame.drop(columns=[c for c in ("kpi", "split") if c in frame.columns]).copy()
    frame["target"] = np.nan
    return frame[["series", "period", "value", "target", "n"]].reset_index(drop=True)


def empty_series() -> pd.DataFrame:
    """A KPI series with no periods, in :func:`kpi_series`' columns."""
    return pd.DataFrame({"series": pd.Series(dtype=object), "period": pd.Series(dtype="datetime64[ns]"),
                         "value": pd.Series(dtype=float), "target": pd.Series(dtype=float),
                         "n": pd.Series(dtype="int64")})


def closed_at_weekends(series: pd.DataFrame) -> bool:
    """True when a daily series has nothing on every Saturday and Sunday but something on weekdays (a service
    closed at weekends): its SPC chart is then read on working days only, or the weekend zeros set the limits."""
    if series.empty:
        return False
    days = pd.to_datetime(series["period"])
    weekend = (days.dt.day_of_week >= 5).to_numpy()
    values = series["value"].to_numpy(dtype=float)
    if weekend.sum() < 2:
        return False
    return bool((np.nan_to_num(values[weekend]) == 0).all() and (np.nan_to_num(values[~weekend]) > 0).any())


def working_days_only(series: pd.DataFrame) -> pd.DataFrame:
    """The series without its Saturdays and Sundays."""
    return series[pd.to_datetime(series["period"]).dt.day_of_week < 5].reset_index(drop=True)


def top_series(many: pd.DataFrame, limit: int) -> tuple[pd.DataFrame, int]:
    """``many`` (a ``series``, ``value`` frame of several series) cut to the ``limit`` series with the most data (most
    periods with a value, then the largest total), leaving out series with fewer than 2 values (no SPC chart), and
    how many series had 2 or more. A borough file can have hundreds of wards: the room sees readable charts."""
    counted = many.groupby("series")["value"].agg(["count", "sum"])
    counted = counted[counted["count"] >= 2].sort_values(["count", "sum"], ascending=False)
    return many[many["series"].isin(counted.index[:limit])], len(counted)


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
    unit: str | None = None,
) -> pd.DataFrame:
    """An SPC chart (``xmr.xmr``) for each series of a :func:`kpi_series` frame, stacked with a ``series`` column.

    ``target`` (if given) overrides the frame's own target column; ``trajectory`` is a Series indexed by period;
    ``unit`` (the KPI's) floors the lower limits of counts at zero (``definitions.lower_bound_for``).
    """
    # xmr_columns per series and one DataFrame at the end: a DataFrame per series costs more than its arithmetic.
    columns: dict[str, list] = {"series": []}
    attrs: dict = {}
    rule_set = None
    for name, group in series.sort_values(["series", "period"], kind="stable").groupby("series", sort=False):
        tgt = target if target is not None else (group["target"].to_numpy(dtype=float) if "target" in group else None)
        traj = None
        if trajectory is not None and len(trajectory):
            traj = group["period"].map(trajectory).to_numpy(dtype=float)
        cols, attrs, rule_set = xmr.xmr_columns(
            group["value"].to_numpy(dtype=float), dates=group["period"].to_numpy(), improvement=improvement,
            target=tgt, trajectory=traj, rebase_at=rebase_at, rules=rules, screen_outliers=screen_outliers,
            fix_after_n_points=fix_after_n_points,
            lower_bound=None if unit is None else lower_bound_for(unit, series["value"]))
        cols["n"] = group["n"].to_numpy()
        columns["series"].append(np.full(len(group), name, dtype=object))
        for key, values in cols.items():
            columns.setdefault(key, []).append(values)
    if rule_set is None:
        return pd.DataFrame(columns=["series", "date", "value", "mean", "lpl", "upl", "point_type"])
    return xmr.xmr_frame({key: np.concatenate(parts) for key, parts in columns.items()}, attrs, rule_set)


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
    repeat_pending = False
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
            long = kpi_cube(con, dataset, grain=grain, within_days=within_days, splits=wanted)
            repeat_pending = bool(long.attrs.get("repeat_pending"))
            long = long.drop(columns=["split"])
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
        columns, _, _ = xmr.xmr_columns(values, dates=group["period"].to_numpy(), improvement=improvement,
                                        target=tgt, rules=rules, lower_bound=lower_bound_for(kpi_unit(kpi), values))
        s = reading.summarise(columns, improvement)
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
    matrix = matrix.reset_index(drop=True)
    # Repeat % left out while the repeat table is built behind a load (``kpi_cube``): the page says it will join.
    matrix.attrs["repeat_pending"] = repeat_pending
    return matrix
