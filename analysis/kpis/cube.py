"""The stored KPI cube: every records KPI by period for the total and per service, area, channel and service x area,
built once per version of the data (at load time, by ``analysis.load.prepare``) and read back in milliseconds.
"""

from __future__ import annotations

from typing import Iterable

import duckdb
import numpy as np
import pandas as pd

from analysis import classification, periods, preparing, store
from analysis.demand import repeats
from analysis.filters import Filters, where_clauses
from analysis.kpis.compute import check_records, complete_span_periods, fill_periods, record_long
from analysis.kpis.definitions import (BLANK, DEFAULT_GRAIN, DEFAULT_WITHIN_DAYS, PAIR_SEP, PAIR_SPLIT, RECORD_KPIS,
                                       SPLITS)
from analysis.kpis.storage import table_exists
from analysis.roles import RECORDS
from analysis.store import quote_identifier as q

# --- The stored KPI cube ---------------------------------------------------------------------------------------

CUBE_TABLE = "stocktake_kpi_cube"
CUBE_GRAINS = ("day", "week", "month", "quarter", "financial_year", "year")
"""The grains kept in the cube: every grain the Performance page offers, so a change of its Period reads the cube
back (worked out live at 10M rows, a summary by day took seconds, and thirty people choosing a period queued behind
it)."""
PAIR_GRAINS = ("week", "month", "quarter", "financial_year", "year")
"""The grains whose cube holds every service x area pair too. Not days: every KPI for every day and pair is millions of
rows (12 s to build on the demo borough), while one day-grain series of a pair is a quick live query."""
CUBE_BUILT = "__built__"
"""The marker rows: one per complete period of the extract (one with no period when there are none), so a cube with no
rows is known to be built and a series' empty periods can be filled when it is read back."""
CUBE_FORMAT = 3  # bumped when the cube's contents change shape, so cubes stored by older code are rebuilt


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
    ``kpi``, ``period``, ``value``, ``n``. Built with a few grouped queries (see :func:`record_long`) the first time
    it is asked for (tens of seconds on 10M rows: the repeat-contact window sorts every row and the medians need
    every closing time), then read back in milliseconds until the
    dataset or its classification is reloaded or edited (their versions are part of the key). A store opened read-only
    computes it without keeping it.
    """
    within_days = check_records(dataset, within_days)
    periods.check_grain(grain)
    source = _cube_source(con, dataset)
    key = [dataset.name, source, grain, within_days]
    wanted = None if splits is None else list(splits)

    where, params = _narrowing(wanted, kpi, series, series_prefix, series_suffix)
    if table_exists(con, CUBE_TABLE):
        # Its marker rows say it is built and which periods it covers, in one query.
        marked = store.query_df(
            con, f"SELECT period FROM {q(CUBE_TABLE)} WHERE dataset = ? AND source = ? AND grain = ? "
                 "AND within_days = ? AND kpi = ? ORDER BY period", key + [CUBE_BUILT])
        if len(marked):
            complete = pd.DatetimeIndex(pd.to_datetime(marked["period"].dropna()))
            return _read(con, f"{q(CUBE_TABLE)} WHERE dataset = ? AND source = ? AND grain = ? AND within_days = ? "
                              "AND kpi <> ?", key + [CUBE_BUILT], where, params, complete=complete)
    all_splits = [r for r in SPLITS if r in dataset.roles]
    if "service" in dataset.roles and "area" in dataset.roles and grain in PAIR_GRAINS:
        all_splits.append(PAIR_SPLIT)
    if preparing.running(preparing.store_of(con), dataset.name, dataset.version) is not None:
        # Being built behind the load: only what is asked for, worked out live and not kept (the page is usable at
        # once, and the whole cube is not built twice at the same time).
        return _live(con, dataset, grain, within_days, [""] + all_splits if wanted is None else wanted, kpi, where,
                     params)
    # Kept sparse: only the periods that had records. Filled, every series x period was stored, and a file whose areas
    # are 1,156 wards over ten years made 8.5M day rows of zeros (40 s and 4.8 GB to load 5,898 rows).
    long = record_long(con, dataset, None, grain=grain, splits=all_splits, include_total=True, filters=None,
                       within_days=within_days, fill=False)
    complete = complete_span_periods(con, dataset, grain)
    _write_cube(con, key, long, complete)
    # Read back through the same narrowing as a stored cube, so a fresh cube and a stored one answer alike.
    return _read(con, "fresh_cube WHERE true", [], where, params, complete=complete, fresh=long)


def _live(con, dataset: store.Dataset, grain: str, within_days: int, splits: list[str], kpi: str | None, where: str,
          params: list) -> pd.DataFrame:
    """The part of the cube asked for, worked out by the queries that build it, narrowed to its splits and KPI.

    While the repeat table is being built too, repeat % is left out of an every-KPI request (its ``attrs``
    ``repeat_pending`` says so) and a request for repeat % alone says how far the table has got: its window over
    every contact is what the preparation is doing at that moment."""
    kpis = None if kpi is None else [kpi]
    pending = "repeat_pct" in (kpis or RECORD_KPIS) and "customer_id" in dataset.roles and not table_exists(
        con, repeats.repeat_table_name(dataset, "customer_id"))
    if pending and kpi is None:
        kpis = [k for k in RECORD_KPIS if k != "repeat_pct"]
    long = record_long(con, dataset, kpis, grain=grain, splits=[s for s in splits if s],
                       include_total="" in splits or not splits,
                       filters=None, within_days=within_days, fill=False)
    frame = _read(con, "fresh_cube WHERE true", [], where, params,
                  complete=complete_span_periods(con, dataset, grain), fresh=long)
    frame.attrs["repeat_pending"] = pending
    return frame


def ensure_kpi_cube(con: duckdb.DuckDBPyConnection, dataset: store.Dataset, *, grain: str) -> None:
    """Build and keep the cube at ``grain`` if it is not kept yet, reading nothing back (the load's preparation)."""
    kpi_cube(con, dataset, grain=grain, splits=())


def built_grains(con, dataset: store.Dataset, within_days: int = DEFAULT_WITHIN_DAYS) -> set[str]:
    """The grains whose cube of this dataset version (and classification) is kept in the store."""
    if not table_exists(con, CUBE_TABLE):
        return set()
    rows = store.query_rows(con, f"SELECT DISTINCT grain FROM {q(CUBE_TABLE)} WHERE dataset = ? AND source = ? "
                                 "AND within_days = ? AND kpi = ?",
                            [dataset.name, _cube_source(con, dataset), within_days, CUBE_BUILT])
    return {grain for (grain,) in rows}


def _narrowing(splits: list[str] | None, kpi: str | None, series: str | None, series_prefix: str | None,
               series_suffix: str | None) -> tuple[str, list]:
    """The conditions (each starting AND) and parameters that read back only the part of the cube asked for."""
    where, params = "", []
    if splits is not None:
        where += f" AND split IN ({', '.join('?' * len(splits))})" if splits else " AND false"
        params += splits
    for value, condition in ((kpi, "kpi = ?"), (series, "series = ?"), (series_prefix, "starts_with(series, ?)"),
                             (series_suffix, "ends_with(series, ?)")):
        if value is not None:
            where += f" AND {condition}"
            params.append(value)
    return where, params


def _read(con, source: str, source_params: list, where: str, params: list, complete: pd.DatetimeIndex,
          fresh: pd.DataFrame | None = None) -> pd.DataFrame:
    """The part of the cube asked for, every complete period filled (volume 0, other KPIs blank) as a live query
    gives it."""
    cur = con.cursor()
    try:
        if fresh is not None:
            cur.register("fresh_cube", fresh)
        frame = cur.execute(f"SELECT split, series, kpi, period, value, n FROM {source}{where} "
                            "ORDER BY kpi, split, series, period", source_params + params).df()
    finally:
        cur.close()
    frame["period"] = pd.to_datetime(frame["period"])
    frame["n"] = frame["n"].astype("int64")
    if frame.empty:
        return frame
    filled = fill_periods(frame, complete, sorted(set(frame["kpi"])))[list(frame.columns)]
    return filled.sort_values(["kpi", "split", "series", "period"], kind="stable").reset_index(drop=True)


def _write_cube(con, key: list, long: pd.DataFrame, complete: pd.DatetimeIndex) -> None:
    rows = long[["split", "series", "kpi", "period", "value", "n"]].copy()
    stamps = list(complete) or [pd.NaT]
    marker = pd.DataFrame({"split": [""] * len(stamps), "series": [""] * len(stamps), "kpi": [CUBE_BUILT] * len(stamps),
                           "period": stamps, "value": [np.nan] * len(stamps), "n": [0] * len(stamps)})
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


def cube_narrowing(split: str | None, filters: Filters | None) -> dict:
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


def from_cube(cube: pd.DataFrame, kpi: str, split: str | None, filters: Filters | None) -> pd.DataFrame | None:
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



def split_values(con: duckdb.DuckDBPyConnection, dataset: store.Dataset, role: str) -> list[str]:
    """The distinct values of a role's column (services, areas, channels), for the page's pickers."""
    col = dataset.roles.get(role)
    if not col:
        return []
    if dataset.kind == RECORDS and table_exists(con, CUBE_TABLE):
        # The stored cube already lists them (a DISTINCT over 10M rows takes a noticeable fraction of a second).
        rows = store.query_rows(
            con, f"SELECT DISTINCT series FROM {q(CUBE_TABLE)} WHERE dataset = ? AND source = ? AND split = ? "
                 "ORDER BY 1", [dataset.name, _cube_source(con, dataset), role])
        if rows:
            return [r[0] for r in rows]
    # A total row (a nation among councils, "All reasons") is not one more area or service to choose.
    where, params = where_clauses(Filters(), dataset.roles)
    rows = store.query_rows(
        con, f"SELECT DISTINCT coalesce(CAST({q(col)} AS VARCHAR), ?) FROM {q(dataset.table)} "
             f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY 1", [BLANK, *params])
    return [r[0] for r in rows]
