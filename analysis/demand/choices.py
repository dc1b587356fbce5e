"""What the Demand page offers for a dataset, whatever the filters: the values each list filter can take, and whether
the dates hold times of day (so a day × hour view means something)."""

from __future__ import annotations

from analysis import store
from analysis.demand.scan import label_sql
from analysis.filters import LIST_FILTERS, role_column
from analysis.store import quote_identifier as q


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
