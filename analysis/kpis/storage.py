"""Settings kept in the store for each dataset's KPIs: improvement directions, targets and trajectories."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Mapping

import duckdb
import numpy as np
import pandas as pd

from analysis import store
from analysis.errors import StocktakeError
from analysis.spc import xmr
from analysis.store import quote_identifier as q

SETTINGS_TABLE = "stocktake_kpi_settings"
TRAJECTORY_TABLE = "stocktake_kpi_trajectories"
ALL_SERIES = ""  # a setting stored for series '' applies to every series of the KPI without its own


# --- Settings kept in the store: directions, targets, trajectories -------------------------------------------------

def ensure_settings_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the KPI settings tables if this store has none. Idempotent."""
    store.create_if_missing(
        con, TRAJECTORY_TABLE,
        f"""CREATE TABLE IF NOT EXISTS {q(SETTINGS_TABLE)} (
            dataset VARCHAR NOT NULL, kpi VARCHAR NOT NULL, series VARCHAR NOT NULL,
            improvement VARCHAR, target DOUBLE, updated_at TIMESTAMP)""",
        f"""CREATE TABLE IF NOT EXISTS {q(TRAJECTORY_TABLE)} (
            dataset VARCHAR NOT NULL, kpi VARCHAR NOT NULL, series VARCHAR NOT NULL,
            start_period DATE NOT NULL, start_value DOUBLE NOT NULL,
            end_period DATE NOT NULL, end_value DOUBLE NOT NULL, updated_at TIMESTAMP)""",
    )


def table_exists(con, table: str) -> bool:
    return store.table_exists(con, table)  # duckdb_tables(): half the cost of information_schema.tables


def _upsert_setting(con, dataset: str, kpi: str, series: str, column: str, value) -> None:
    ensure_settings_tables(con)
    now = datetime.now().replace(microsecond=0)
    with store.transaction(con) as cur:  # one transaction: the change and its audit record commit together
        found = cur.execute(f"SELECT 1 FROM {q(SETTINGS_TABLE)} WHERE dataset = ? AND kpi = ? AND series = ?",
                            [dataset, kpi, series]).fetchall()
        if found:
            cur.execute(f"UPDATE {q(SETTINGS_TABLE)} SET {q(column)} = ?, updated_at = ? WHERE dataset = ? AND kpi = ? "
                        "AND series = ?", [value, now, dataset, kpi, series])
        else:
            row = {"improvement": None, "target": None, column: value}
            cur.execute(f"INSERT INTO {q(SETTINGS_TABLE)} VALUES (?, ?, ?, ?, ?, ?)",
                        [dataset, kpi, series, row["improvement"], row["target"], now])


def set_improvement(con: duckdb.DuckDBPyConnection, dataset: str, kpi: str, improvement: str) -> None:
    """Store which direction is better for a KPI of a dataset (for every series)."""
    if improvement not in xmr.IMPROVEMENTS:
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
    if not store.settings_table_exists(con, SETTINGS_TABLE):
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
    with store.transaction(con) as cur:  # the old line goes and the new one comes in one transaction
        cur.execute(f"DELETE FROM {q(TRAJECTORY_TABLE)} WHERE dataset = ? AND kpi = ? AND series = ?",
                    [dataset, kpi, series or ALL_SERIES])
        cur.execute(
            f"INSERT INTO {q(TRAJECTORY_TABLE)} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [dataset, kpi, series or ALL_SERIES, start.date(), float(start_value), end.date(), float(end_value),
             datetime.now().replace(microsecond=0)])


def clear_trajectory(con: duckdb.DuckDBPyConnection, dataset: str, kpi: str, series: str | None) -> None:
    if store.settings_table_exists(con, TRAJECTORY_TABLE):
        with store.transaction(con) as cur:
            cur.execute(f"DELETE FROM {q(TRAJECTORY_TABLE)} WHERE dataset = ? AND kpi = ? AND series = ?",
                        [dataset, kpi, series or ALL_SERIES])


def get_trajectory(con: duckdb.DuckDBPyConnection, dataset: str, kpi: str, series: str | None) -> dict | None:
    """The stored trajectory for a KPI's series (its own, else the one for every series), or None."""
    if not store.settings_table_exists(con, TRAJECTORY_TABLE):
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
