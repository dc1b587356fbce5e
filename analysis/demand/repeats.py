"""Repeat demand: the one definition of a repeat contact, used by the Demand page and the KPI repeat %.

A contact is a repeat when the same customer (or property) made any contact, for any service or reason, up to
``window_days`` *calendar days* before it. Each contact's gap to the same id's previous contact is worked out once per
version of the data (:func:`ensure_repeat_table`) and every filter is then a plain scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
import pandas as pd

from analysis import periods, preparing, store
from analysis.demand.scan import label_sql
from analysis.errors import StocktakeError
from analysis.filters import LIST_FILTERS, Filters, and_where, build_where, role_column
from analysis.store import quote_identifier as q

REPEAT_WINDOW_DAYS = 28
"""The default repeat window. A contact is a repeat when the same customer (or property) made any contact, for any
service or reason, up to this many *calendar days* before it: 10 January at 09:00 then 7 February at 15:00 is a repeat
within 28 days, as a manager reads "within 28 days" (28.25 elapsed days would not be). Contacts at the same moment are
put in the order they were loaded. The Demand page's repeat rate and the Performance page's "Repeat contacts" KPI both
count repeats this way (:func:`repeat_source` and :func:`is_repeat_sql`), so the two agree exactly."""

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
    prev_reason = f"lag({label_sql(reason_col)}) OVER w" if reason_col else "CAST(NULL AS VARCHAR)"
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
    job = preparing.running(preparing.store_of(con), dataset.name, dataset.version)
    if job is not None:  # being built behind the load: say how far it has got rather than build it twice at once
        raise preparing.Preparing(job, "Repeat demand")
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
    reason_sql = label_sql(reason_col) if reason_col else "NULL"
    channel_sql = label_sql(channel_col) if channel_col else "NULL"
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

