"""What changed between two periods: the change in volume split into contributions that add up exactly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from analysis import periods, store
from analysis.demand.scan import label_sql
from analysis.errors import StocktakeError
from analysis.filters import OTHER, Filters, and_where, build_where, role_column
from analysis.store import quote_identifier as q

MIN_BASE_RECORDS = 30
"""A change from a first period with fewer records than this is "too few to compare" as a percentage: from a base
of 13, one more record is +8%, and a busy second period reads as +124,223%."""


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

    @property
    def relative_change(self) -> float | None:
        """The change as a share of the first period's records (None when the first period has none)."""
        return self.total_change / self.before_total if self.before_total else None

    @property
    def too_few_to_compare(self) -> bool:
        """True when the first period has fewer than MIN_BASE_RECORDS records: its percentage change says little."""
        return self.before_total < MIN_BASE_RECORDS


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
        f"""SELECT {label_sql(by_col)} AS category,
                   count(*) FILTER (WHERE {q(date_col)} >= ? AND {q(date_col)} < ?) AS before,
                   count(*) FILTER (WHERE {q(date_col)} >= ? AND {q(date_col)} < ?) AS after
            FROM {q(dataset.table)}
            {and_where(where, f'(({q(date_col)} >= ? AND {q(date_col)} < ?) OR ({q(date_col)} >= ? AND {q(date_col)} < ?))')}
            GROUP BY 1""",
        bounds(before) + bounds(after) + params + bounds(before) + bounds(after),
    )
    return decompose_change(frame, by)


def decompose_change(frame: pd.DataFrame, by: str = "category", money: bool = False) -> ChangeDecomposition:
    """Rank a (category, before, after) frame by the size of each category's change (integers, exact; ``money``:
    pounds, to the penny, as the Spend page's change in spend)."""
    frame = frame.copy()
    exact = (lambda v: round(float(v), 2)) if money else int
    frame["before"] = frame["before"].astype("float64" if money else "int64")
    frame["after"] = frame["after"].astype("float64" if money else "int64")
    frame["change"] = (frame["after"] - frame["before"]).round(2) if money else frame["after"] - frame["before"]
    total_change = exact(frame["change"].sum())
    frame["share_of_change"] = frame["change"] / total_change if total_change else float("nan")
    frame["abs_change"] = frame["change"].abs()
    frame = frame.sort_values(["abs_change", "category"], ascending=[False, True]).drop(columns="abs_change")
    return ChangeDecomposition(by, exact(frame["before"].sum()), exact(frame["after"].sum()),
                               frame.reset_index(drop=True))


def waterfall_frame(change: ChangeDecomposition, top_n: int = 10, before_label: str = "Before",
                    after_label: str = "After") -> pd.DataFrame:
    """Rows for a waterfall chart: the first total, the ``top_n`` largest contributions (the rest summed as
    'All other'), the second total. Columns: step, kind ('total' | 'increase' | 'decrease'), value, start, end.
    """
    contributions = change.contributions
    top = contributions.head(top_n)
    rest = contributions.iloc[top_n:]
    exact = (lambda v: round(float(v), 2)) if isinstance(change.before_total, float) else int  # pounds or counts
    steps = [(str(c), exact(v)) for c, v in zip(top["category"], top["change"])]
    if len(rest):
        steps.append((OTHER, exact(rest["change"].sum())))
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



def default_periods(first: date, last: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """The two periods compared before the user chooses any, as (first day, last day) pairs that never overlap.

    The last 12 complete months against the 12 before when the data cover 24 complete months. Otherwise the data
    are cut in two so that every day is in one period or the other: whole months split into the earlier and the later
    half (eighteen months: nine against nine), else days (a five-day extract: days 1-2 against days 3-5; the page
    says when the lengths differ). A single day is compared with itself.
    """
    two_years = periods.last_complete_months(first, last, 24)
    if two_years is not None:
        start, end = two_years
        middle, _ = periods.months_ending(end, 12)
        return (start, middle - timedelta(days=1)), (middle, end - timedelta(days=1))
    if first >= last:
        return (first, first), (first, first)
    whole_months = first.day == 1 and (last + timedelta(days=1)).day == 1
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if whole_months and months >= 2:
        middle = (pd.Timestamp(first) + pd.DateOffset(months=months // 2)).date()
    else:
        middle = first + timedelta(days=((last - first).days + 1) // 2)
    return (first, middle - timedelta(days=1)), (middle, last)


def period_days(period: tuple[date, date]) -> int:
    """Days in a (first day, last day) period, both included."""
    return (period[1] - period[0]).days + 1
