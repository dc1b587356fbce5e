"""The overview's facts about one dataset: how big, what span, what is in it, and a few headline figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
import pandas as pd

from analysis import periods, store
from analysis.load import totals
from analysis.store import Dataset, quote_identifier


@dataclass
class DatasetSummary:
    name: str
    kind: str
    rows: int
    first: datetime | None = None
    last: datetime | None = None
    date_column: str | None = None
    # role -> number of distinct values (services, channels, areas, reasons, measures)
    distinct: dict[str, int] = field(default_factory=dict)
    # role -> the most common values with their counts, largest first
    top_values: dict[str, pd.DataFrame] = field(default_factory=dict)
    # Last 12 complete months against the 12 before, for records with a date.
    last_12_months: int | None = None
    previous_12_months: int | None = None
    months_label: str | None = None
    missing_roles: list[str] = field(default_factory=list)
    total_rows: int = 0  # rows marked as totals of the others (left out of the counts above)

    @property
    def change_12_months(self) -> float | None:
        if not self.previous_12_months or self.last_12_months is None:
            return None
        return self.last_12_months / self.previous_12_months - 1


SUMMARY_ROLES = {"records": ("service", "channel", "area", "reason"), "kpi": ("measure", "service", "area"),
                 "lookup": (), "spend": ("service", "category", "supplier")}
DATE_ROLE = {"records": "date", "kpi": "period", "spend": "date"}
# Roles without which the Explore pages can show little: the overview says so up front.
NEEDED_ROLES = {"records": ("date", "service", "reason", "channel"), "kpi": ("period", "measure", "value"),
                "spend": ("date", "amount", "service", "supplier")}


def summarise_dataset(con: duckdb.DuckDBPyConnection, ds: Dataset) -> DatasetSummary:
    """A handful of small aggregate queries over the dataset's table."""
    roles = ds.roles
    table = quote_identifier(ds.table)
    summary = DatasetSummary(ds.name, ds.kind, ds.row_count)
    wanted = SUMMARY_ROLES.get(ds.kind, ())
    summary.missing_roles = [r for r in NEEDED_ROLES.get(ds.kind, ()) if r not in roles]
    date_role = DATE_ROLE.get(ds.kind)
    # A period column of text (a KPI series loaded before periods were recognised) has no span to show.
    if date_role and date_role in roles and ds.column(roles[date_role]).type in ("date", "timestamp"):
        col = quote_identifier(roles[date_role])
        summary.date_column = roles[date_role]
        first, last = store.query_rows(con, f"SELECT min({col}), max({col}) FROM {table}")[0]
        summary.first, summary.last = first, last
        # Whole months only: the month the data ends in is usually incomplete.
        last_year = periods.last_complete_months(first, last, 12) if ds.kind == "records" and last else None
        if last_year is not None:
            start_last, end = last_year
            start_prev, _ = periods.months_ending(start_last, 12)
            last_n, prev_n = store.query_rows(
                con,
                f"""SELECT count(*) FILTER (WHERE {col} >= ? AND {col} < ?),
                           count(*) FILTER (WHERE {col} >= ? AND {col} < ?) FROM {table}""",
                [*periods.day_bounds(start_last, end - timedelta(days=1)),
                 *periods.day_bounds(start_prev, start_last - timedelta(days=1))],
            )[0]
            summary.last_12_months = int(last_n)
            covers_previous = pd.Timestamp(first).normalize() <= pd.Timestamp(start_prev)
            summary.previous_12_months = int(prev_n) if covers_previous else None
            summary.months_label = periods.describe_span(start_last, end - timedelta(days=1))
    # Total rows (a nation among councils, "All reasons") are no more areas or reasons: counted apart.
    exclude = totals.exclusion_sql(roles)
    not_total = f"WHERE {exclude}" if exclude else ""
    if exclude:
        summary.total_rows = int(store.query_rows(con, f"SELECT count(*) FROM {table} WHERE NOT ({exclude})")[0][0])
    for role in wanted:
        if role not in roles:
            continue
        col = quote_identifier(roles[role])
        top = store.query_df(
            con,
            f"""SELECT {col} AS value, count(*) AS rows, count(*) OVER () AS distinct_values FROM {table}
                {not_total} GROUP BY {col} ORDER BY rows DESC, value LIMIT 8""",
        )
        summary.distinct[role] = int(top["distinct_values"].iloc[0]) if len(top) else 0
        summary.top_values[role] = top[["value", "rows"]]
    return summary
