"""Demand drivers: what drives demand in a records dataset, how much of it is failure demand, and how it changes.

Every function takes the store connection, a records :class:`store.Dataset` and a :class:`Filters`, runs its
aggregation in DuckDB and returns a small pandas frame (or a small result object) for a chart and a CSV download.
Columns are found by role; names enter SQL through ``store.quote_identifier`` and values as bound parameters.

The filters are an :class:`analysis.filters.Filters` (its WHERE clause and sentence are built there) and the periods
come from :mod:`analysis.periods`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd

from analysis import classification, periods, store
from analysis.errors import StocktakeError
from analysis.filters import (BLANK, DAY_NAMES, LIST_FILTERS, OTHER, Filters, and_where, build_where,
                              role_column)
from analysis.store import quote_identifier as q

GRAINS = ("day", "week", "month", "quarter", "financial_year")  # the grains the Demand page offers
PARETO_SHARE = 0.8
REPEAT_WINDOW_DAYS = 28
"""The default repeat window. A contact is a repeat when the same customer (or property) made any contact, for any
service or reason, up to this many *calendar days* before it: 10 January at 09:00 then 7 February at 15:00 is a repeat
within 28 days, as a manager reads "within 28 days" (28.25 elapsed days would not be). Contacts at the same moment are
put in the order they were loaded. The Demand page's repeat rate and the Performance page's "Repeat contacts" KPI both
count repeats this way (:func:`repeat_source` and :func:`is_repeat_sql`), so the two agree exactly."""


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


def _effective_span(con, dataset, filters, coverage=None) -> tuple[date | None, date | None]:
    """The dates the figures cover: the data's span (``coverage``, or asked for) cut to the chosen period."""
    first, last = coverage if coverage is not None else data_coverage(con, dataset)
    if filters.start and (first is None or filters.start > first):
        first = filters.start
    if filters.end and (last is None or filters.end < last):
        last = filters.end
    return first, last


def _label_sql(column: str) -> str:
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
    split_sql = _label_sql(role_column(roles, split)) if split else "'All'"
    frame = store.query_df(
        con,
        f"""SELECT {periods.period_start_sql(q(date_col), grain)} AS period, {split_sql} AS split, count(*) AS count
            FROM {q(dataset.table)} {and_where(where, f'{q(date_col)} IS NOT NULL')}
            GROUP BY ALL ORDER BY period, split""",
        params,
    )
    return _volume_frame(frame, grain, bool(split), top_n, _effective_span(con, dataset, filters, coverage))


def _volume_frame(frame: pd.DataFrame, grain: str, split: bool, top_n: int, span) -> pd.DataFrame:
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
        con, f"SELECT {_label_sql(reason)} AS reason, count(*) AS count FROM {q(dataset.table)} {where} GROUP BY 1",
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
    span = _effective_span(con, dataset, filters, coverage) if by == "period" else (None, None)
    return _failure_frame(frame, by, grain, span)


def _failure_frame(frame: pd.DataFrame, by: str | None, grain: str, span) -> pd.DataFrame:
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
# Repeat demand


@dataclass
class RepeatDemand:
    """Contacts that came within ``window_days`` of a previous contact from the same customer (or property)."""

    by: str  # the role used: customer_id or property_id
    window_days: int
    contacts: int  # contacts with a customer (or property) id, matching the filters
    repeats: int
    by_reason: pd.DataFrame = field(default_factory=pd.DataFrame)  # reason, contacts, repeats, repeat_rate
    by_channel: pd.DataFrame = field(default_factory=pd.DataFrame)  # channel, contacts, repeats, repeat_rate
    pairs: pd.DataFrame = field(default_factory=pd.DataFrame)  # previous_reason, reason, count, share_of_repeats

    @property
    def rate(self) -> float:
        return self.repeats / self.contacts if self.contacts else float("nan")


def repeat_table_name(dataset: store.Dataset, by: str) -> str:
    """The derived table holding each contact's gap to the same customer's (or property's) previous contact."""
    return f"{dataset.table}__repeat_{by}_v{dataset.version}"


def _repeat_select(dataset: store.Dataset, by: str, where: str = "") -> str:
    """Each contact with an id, its columns, the days since that id's previous contact and that contact's reason.

    Ties in time are ordered by rowid so the previous contact is always the same one.
    """
    roles = dataset.roles
    id_col, date_col = role_column(roles, by), role_column(roles, "date")
    reason_col = roles.get("reason")
    keep = {roles[r] for r in (*LIST_FILTERS.values(), "date", by) if r in roles}
    prev_reason = f"lag({_label_sql(reason_col)}) OVER w" if reason_col else "CAST(NULL AS VARCHAR)"
    return f"""
        SELECT {', '.join(q(c) for c in sorted(keep))},
               {periods.calendar_days_sql(f"lag({q(date_col)}) OVER w", q(date_col))} AS days_since_previous,
               {prev_reason} AS previous_reason
        FROM {q(dataset.table)}
        {and_where(where, f"{q(id_col)} IS NOT NULL AND {q(date_col)} IS NOT NULL")}
        WINDOW w AS (PARTITION BY {q(id_col)} ORDER BY {q(date_col)}, rowid)"""


def is_repeat_sql(window_param: str = "?") -> str:
    """SQL true for a contact of :func:`repeat_source` that is a repeat within the window (a bound parameter)."""
    return f"coalesce(days_since_previous <= {window_param}, false)"


def repeat_source(con, dataset: store.Dataset, by: str = "customer_id", use_derived: bool = True,
                  since: datetime | None = None, before: datetime | None = None) -> tuple[str, list]:
    """What to select repeat contacts FROM, and its parameters: each contact with an id, the columns a filter or a
    split needs, ``days_since_previous`` (calendar days since that id's previous contact) and ``previous_reason``.

    The derived table kept per dataset version (:func:`ensure_repeat_table`), or the same worked out live (a read-only
    store, or ``use_derived=False``), optionally over the contacts from ``since`` and before ``before`` only.
    """
    derived = ensure_repeat_table(con, dataset, by) if use_derived else None
    if derived:
        return q(derived), []
    date_col = q(role_column(dataset.roles, "date"))
    bounds = [(f"{date_col} >= ?", since), (f"{date_col} < ?", before)]
    used = [(clause, value) for clause, value in bounds if value is not None]
    where = ("WHERE " + " AND ".join(clause for clause, _ in used)) if used else ""
    return f"({_repeat_select(dataset, by, where)})", [value for _, value in used]


def ensure_repeat_table(con, dataset: store.Dataset, by: str = "customer_id") -> str | None:
    """Build (once per dataset version) the derived table behind repeat demand; None when it cannot be written.

    Ordering 10 million contacts by customer takes seconds, and the answer depends only on the data, not on the
    filters (the previous contact may be for anything, at any time), so it is worked out once per version and
    every filter is then a plain scan. Older versions' tables are dropped. A read-only store returns None and the
    caller works it out live.
    """
    name = repeat_table_name(dataset, by)
    exists = store.query_rows(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name])[0][0]
    if exists:
        return name
    prefix = f"{dataset.table}__repeat_{by}_v"
    try:
        with store.transaction(con) as cur:
            old = cur.execute("SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, ?)",
                              [prefix]).fetchall()
            for (table,) in old:
                cur.execute(f"DROP TABLE IF EXISTS {q(table)}")
            cur.execute(f"CREATE TABLE IF NOT EXISTS {q(name)} AS {_repeat_select(dataset, by)}")
        return name
    except duckdb.Error:
        return None


def repeat_demand(
    con,
    dataset: store.Dataset,
    filters: Filters,
    window_days: int = REPEAT_WINDOW_DAYS,
    by: str = "customer_id",
    top_pairs: int = 15,
    use_derived: bool = True,
) -> RepeatDemand:
    """Repeat rate: a contact is a repeat when the same customer (or property) made any contact up to
    ``window_days`` calendar days before it (a contact on 7 February repeats one on 10 January with a 28-day window;
    the previous contact may be for any service or reason, and before the period).

    Done in DuckDB with ``lag()`` over each customer's contacts in time order, kept per dataset version in a derived
    table (:func:`ensure_repeat_table`), or worked out live (``use_derived=False``, or a read-only store). Contacts
    without an id are left out. Rates overall, by reason and by channel; and the commonest
    (previous reason -> this reason) pairs among repeats.
    """
    roles = dataset.roles
    if window_days < 1:
        raise StocktakeError("The repeat window must be at least 1 day.")
    role_column(roles, by)
    role_column(roles, "date")
    reason_col = roles.get("reason")
    channel_col = roles.get("channel")
    where, params = build_where(filters, roles)
    # Worked out live, only contacts from (start - window) on can be the previous contact of one in the period.
    first, after_last = periods.day_bounds(filters.start, filters.end)
    source, source_params = repeat_source(con, dataset, by, use_derived,
                                          since=first - timedelta(days=window_days) if first else None,
                                          before=after_last)
    reason_sql = _label_sql(reason_col) if reason_col else "NULL"
    channel_sql = _label_sql(channel_col) if channel_col else "NULL"
    # One scan: overall, by reason, by channel, and (previous reason, reason) among repeats, as grouping sets.
    rows = store.query_df(
        con,
        f"""WITH marked AS (
                SELECT {reason_sql} AS reason, {channel_sql} AS channel,
                       {is_repeat_sql()} AS is_repeat,
                       CASE WHEN {is_repeat_sql()} THEN previous_reason END AS previous
                FROM {source} {where})
            SELECT CASE grouping(reason, channel, previous)
                       WHEN 7 THEN 'overall' WHEN 3 THEN 'reason' WHEN 5 THEN 'channel' ELSE 'pair' END AS part,
                   CASE WHEN grouping(reason) = 0 AND grouping(previous) = 0 THEN previous
                        WHEN grouping(reason) = 0 THEN reason ELSE channel END AS a,
                   CASE WHEN grouping(previous) = 0 THEN reason END AS b,
                   count(*) AS contacts, count(*) FILTER (WHERE is_repeat) AS repeats
            FROM marked
            GROUP BY GROUPING SETS ((), (reason), (channel), (previous, reason))""",
        [window_days, window_days] + source_params + params,
    )
    rows = rows[(rows["part"] != "pair") | rows["a"].notna()]
    rows["contacts"] = rows["contacts"].astype("int64")
    rows["repeats"] = rows["repeats"].astype("int64")
    overall = rows[rows["part"] == "overall"].iloc[0]
    result = RepeatDemand(by, window_days, int(overall["contacts"]), int(overall["repeats"]))

    def rated(part: str, name: str) -> pd.DataFrame:
        f = rows[rows["part"] == part][["a", "contacts", "repeats"]].rename(columns={"a": name})
        f["repeat_rate"] = (f["repeats"] / f["contacts"]).astype("float64")
        return f.sort_values(["repeats", name], ascending=[False, True]).reset_index(drop=True)

    if reason_col:
        result.by_reason = rated("reason", "reason")
        pairs = rows[rows["part"] == "pair"][["a", "b", "repeats"]].rename(
            columns={"a": "previous_reason", "b": "reason", "repeats": "count"})
        pairs["share_of_repeats"] = (pairs["count"] / result.repeats if result.repeats else 0.0)
        result.pairs = pairs.sort_values(["count", "previous_reason", "reason"], ascending=[False, True, True]) \
            .head(top_pairs).reset_index(drop=True)
    if channel_col:
        result.by_channel = rated("channel", "channel")
    return result


# --------------------------------------------------------------------------------------------------------------------
# Seasonality

MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


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
    return _day_hour_frame(counts)


def _day_hour_frame(counts: pd.DataFrame) -> pd.DataFrame:
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
    return _month_year_frame(frame, _effective_span(con, dataset, filters, coverage))


def _month_year_frame(frame: pd.DataFrame, span) -> pd.DataFrame:
    frame = frame[["year", "month_number", "count"]].astype("int64").sort_values(["year", "month_number"]) \
        .reset_index(drop=True)
    frame["month"] = [MONTH_NAMES[m - 1] for m in frame["month_number"]]
    frame["period"] = pd.to_datetime(dict(year=frame["year"], month=frame["month_number"], day=1))
    first, last = span
    frame["incomplete"] = periods.incomplete_periods(frame["period"], "month", first, last)
    return frame[["year", "month_number", "month", "count", "incomplete"]]


# --------------------------------------------------------------------------------------------------------------------
# What changed between two periods


@dataclass
class ChangeDecomposition:
    """The change in volume between two periods, split into contributions that add up exactly to the total."""

    by: str
    before_total: int
    after_total: int
    contributions: pd.DataFrame  # category, before, after, change, share_of_change; ranked by |change|

    @property
    def total_change(self) -> int:
        return self.after_total - self.before_total


def change_between(
    con,
    dataset: store.Dataset,
    filters: Filters,
    before: tuple[date, date],
    after: tuple[date, date],
    by: str = "reason",
) -> ChangeDecomposition:
    """Split the change in record count from period ``before`` to period ``after`` (each (first, last) day,
    inclusive) by a role (reason, area, channel…). The filters' own dates are ignored: the two periods replace them.

    Each category's contribution is its own change (after - before), so the contributions sum exactly to the total
    change; categories present in only one period count as zero in the other.
    """
    roles = dataset.roles
    date_col = role_column(roles, "date")
    by_col = role_column(roles, by)
    for label, (a, b) in (("first", before), ("second", after)):
        if a > b:
            raise StocktakeError(f"The {label} period starts after it ends: swap its dates.")
    where, params = build_where(filters.without("date"), roles)

    def bounds(p):
        return list(periods.day_bounds(*p))

    frame = store.query_df(
        con,
        f"""SELECT {_label_sql(by_col)} AS category,
                   count(*) FILTER (WHERE {q(date_col)} >= ? AND {q(date_col)} < ?) AS before,
                   count(*) FILTER (WHERE {q(date_col)} >= ? AND {q(date_col)} < ?) AS after
            FROM {q(dataset.table)}
            {and_where(where, f'(({q(date_col)} >= ? AND {q(date_col)} < ?) OR ({q(date_col)} >= ? AND {q(date_col)} < ?))')}
            GROUP BY 1""",
        bounds(before) + bounds(after) + params + bounds(before) + bounds(after),
    )
    return decompose_change(frame, by)


def decompose_change(frame: pd.DataFrame, by: str = "category") -> ChangeDecomposition:
    """Rank a (category, before, after) frame by the size of each category's change (integers, exact)."""
    frame = frame.copy()
    frame["before"] = frame["before"].astype("int64")
    frame["after"] = frame["after"].astype("int64")
    frame["change"] = frame["after"] - frame["before"]
    total_change = int(frame["change"].sum())
    frame["share_of_change"] = frame["change"] / total_change if total_change else float("nan")
    frame["abs_change"] = frame["change"].abs()
    frame = frame.sort_values(["abs_change", "category"], ascending=[False, True]).drop(columns="abs_change")
    return ChangeDecomposition(by, int(frame["before"].sum()), int(frame["after"].sum()),
                               frame.reset_index(drop=True))


def waterfall_frame(change: ChangeDecomposition, top_n: int = 10, before_label: str = "Before",
                    after_label: str = "After") -> pd.DataFrame:
    """Rows for a waterfall chart: the first total, the ``top_n`` largest contributions (the rest summed as
    'All other'), the second total. Columns: step, kind ('total' | 'increase' | 'decrease'), value, start, end.
    """
    contributions = change.contributions
    top = contributions.head(top_n)
    rest = contributions.iloc[top_n:]
    steps = [(str(c), int(v)) for c, v in zip(top["category"], top["change"])]
    if len(rest):
        steps.append((OTHER, int(rest["change"].sum())))
    rows = [{"step": before_label, "kind": "total", "value": change.before_total, "start": 0,
             "end": change.before_total}]
    level = change.before_total
    for name, value in steps:
        rows.append({"step": name, "kind": "increase" if value >= 0 else "decrease", "value": value,
                     "start": level, "end": level + value})
        level += value
    rows.append({"step": after_label, "kind": "total", "value": change.after_total, "start": 0,
                 "end": change.after_total})
    frame = pd.DataFrame(rows)
    frame.insert(0, "order", range(len(frame)))
    return frame


# --------------------------------------------------------------------------------------------------------------------
# Rate per 1,000 residents


def find_population_lookup(con, dataset: store.Dataset) -> store.Dataset | None:
    """A lookup dataset with area and population roles; one named after the dataset's prefix is preferred."""
    candidates = [d for d in store.list_datasets(con, "lookup") if {"area", "population"} <= set(d.roles)]
    if not candidates:
        return None
    prefix = dataset.name.split("_")[0].lower()
    candidates.sort(key=lambda d: (not d.name.lower().startswith(prefix), d.name))
    return candidates[0]


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
    return _rate_frame(frame, _effective_span(con, dataset, filters, coverage))


def _rate_frame(frame: pd.DataFrame, span) -> pd.DataFrame:
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
# Every count-based figure of the page in one scan


@dataclass
class PageFigures:
    """The count-based figures of the Demand page for one set of filters, from one scan (:func:`page_figures`).

    Each field equals what the single-figure function returns for the same filters (tested).
    """

    total: int
    volume: pd.DataFrame  # volume_over_time(grain, split)
    pareto: Pareto  # reason_pareto
    failure: dict[str | None, pd.DataFrame]  # failure_share by None, 'service', 'channel', 'period'
    day_hour: pd.DataFrame  # day_hour_counts
    month_year: pd.DataFrame  # month_year_counts
    rate: pd.DataFrame | None  # rate_per_thousand (None without a population lookup or an area role)


def page_figures(
    con,
    dataset: store.Dataset,
    filters: Filters,
    grain: str = "month",
    split: str | None = None,
    top_n: int = 8,
    classes: pd.DataFrame | None = None,
    coverage=None,
    population: store.Dataset | None = None,
) -> PageFigures:
    """Total, volume, Pareto, failure shares, day × hour, month × year and area counts in one DuckDB scan.

    One ``GROUP BY GROUPING SETS`` over the filtered rows replaces nine queries (each a full scan of the records):
    on 10 million rows the page's rerun after a filter change is several times faster. The classification and
    the population are joined to the small grouped counts in pandas.
    """
    roles = dataset.roles
    date_col = role_column(roles, "date")
    reason_col = roles.get("reason")
    where, params = build_where(filters, roles)
    has = {r: r in roles for r in ("service", "reason", "channel", "area")}
    raw = lambda role: f"CAST({q(roles[role])} AS VARCHAR)" if has[role] else "CAST(NULL AS VARCHAR)"
    split_sql = _label_sql(role_column(roles, split)) if split else "'All'"
    columns = {
        "period": periods.period_start_sql(q(date_col), grain), "split": split_sql, "service": raw("service"),
        "reason": raw("reason"), "channel": raw("channel"), "area": raw("area"),
        "day_number": f"isodow({q(date_col)})", "hour": f"hour({q(date_col)})",
        "year": f"year({q(date_col)})", "month_number": f"month({q(date_col)})",
    }
    sets = {
        "volume": ("period", "split"),
        "reasons": ("service", "reason"),
        "period_reasons": ("period", "service", "reason"),
        "day_hour": ("day_number", "hour"),
        "month_year": ("year", "month_number"),
    }
    if has["channel"]:
        sets["channel_reasons"] = ("channel", "service", "reason")
    if has["area"]:
        sets["areas"] = ("area",)
    names = [c for c in columns if any(c in cols for cols in sets.values())]
    columns = {c: columns[c] for c in names}
    grouping_sets = ", ".join("(" + ", ".join(cols) + ")" for cols in sets.values())
    frame = store.query_df(
        con,
        f"""SELECT grouping({', '.join(names)}) AS set_id, {', '.join(names)}, count(*) AS count
            FROM (SELECT {', '.join(f'{sql} AS {name}' for name, sql in columns.items())}
                  FROM {q(dataset.table)} {and_where(where, f'{q(date_col)} IS NOT NULL')})
            GROUP BY GROUPING SETS ({grouping_sets})""",
        params,
    )
    bit = {name: 1 << (len(names) - 1 - i) for i, name in enumerate(names)}
    full = (1 << len(names)) - 1

    def part(set_name: str) -> pd.DataFrame:
        mask = full
        for col in sets[set_name]:
            mask &= ~bit[col]
        return frame.loc[frame["set_id"] == mask, [*sets[set_name], "count"]].reset_index(drop=True)

    span = _effective_span(con, dataset, filters, coverage)
    reasons = part("reasons")
    total = int(reasons["count"].sum())
    volume = _volume_frame(part("volume"), grain, bool(split), top_n, span)
    label = lambda s: s.fillna(BLANK).astype(object)
    pareto = pareto_of(reasons.assign(reason=label(reasons["reason"])).groupby("reason", as_index=False)["count"]
                       .sum()) if reason_col else pareto_of(pd.DataFrame({"reason": [], "count": []}))

    failure: dict[str | None, pd.DataFrame] = {}
    if reason_col:
        if classes is None:
            classes = classification.classification_frame(con, dataset)
        key = ["service", "reason"] if has["service"] else ["reason"]
        types = classes[key + ["demand_type"]].astype(object)

        def typed(counts: pd.DataFrame, group: pd.Series) -> pd.DataFrame:
            counts = counts.assign(group=group.to_numpy())
            merged = counts[key + ["group", "count"]].astype({k: object for k in key}).merge(types, on=key, how="left")
            kind = merged["demand_type"].where(merged["reason"].notna()).fillna(classification.UNCLASSIFIED)
            out = merged.assign(kind=kind).pivot_table(index="group", columns="kind", values="count", aggfunc="sum",
                                                       fill_value=0)
            for col in ("failure", "value", "unclassified"):
                if col not in out.columns:
                    out[col] = 0
            out = out[["failure", "value", "unclassified"]].reset_index()
            out.columns.name = None
            out["total"] = out[["failure", "value", "unclassified"]].sum(axis=1)
            return out

        failure[None] = _failure_frame(typed(reasons, pd.Series(["All"] * len(reasons))), None, grain, span)
        if has["service"]:
            failure["service"] = _failure_frame(typed(reasons, label(reasons["service"])), "service", grain, span)
        if has["channel"]:
            by_channel = part("channel_reasons")
            failure["channel"] = _failure_frame(typed(by_channel, label(by_channel["channel"])), "channel", grain,
                                                span)
        by_period = part("period_reasons")
        by_period["period"] = pd.to_datetime(by_period["period"])
        failure["period"] = _failure_frame(typed(by_period, by_period["period"]), "period", grain, span)
    day_hour = _day_hour_frame(part("day_hour"))
    month_year = _month_year_frame(part("month_year"), span)
    rate = None
    population = population if population is not None else (find_population_lookup(con, dataset)
                                                             if has["area"] else None)
    if has["area"] and population is not None:
        areas = part("areas").dropna(subset=["area"])
        pop = store.query_df(
            con,
            f"""SELECT lower(trim(CAST({q(population.roles['area'])} AS VARCHAR))) AS key,
                       sum(CAST({q(population.roles['population'])} AS DOUBLE)) AS population
                FROM {q(population.table)} GROUP BY 1""",
        )
        areas["key"] = areas["area"].str.strip().str.lower()
        rate = _rate_frame(areas.merge(pop, on="key", how="left")[["area", "count", "population"]], span)
    return PageFigures(total, volume, pareto, failure, day_hour, month_year, rate)


# --------------------------------------------------------------------------------------------------------------------
# Filter choices


def filter_options(con, dataset: store.Dataset, limit: int = 1000) -> dict[str, list[str]]:
    """The values each list filter can take (role -> sorted values, most frequent ``limit``), in one scan."""
    roles = [r for r in LIST_FILTERS.values() if r in dataset.roles]
    if not roles:
        return {}
    parts = [
        f"""SELECT '{r}' AS role, * FROM (SELECT {_label_sql(dataset.roles[r])} AS value, count(*) AS n
             FROM {q(dataset.table)} GROUP BY 1 ORDER BY n DESC LIMIT {int(limit)})"""
        for r in roles
    ]
    frame = store.query_df(con, " UNION ALL ".join(parts))
    return {r: sorted(frame.loc[frame["role"] == r, "value"].tolist()) for r in roles}
