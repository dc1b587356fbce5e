"""Coverage: which dates a dataset covers, said in words on every page, and what that allows.

A figure that needs a year of data (an annual saving, "the last 12 complete months", a year-on-year change) must not
present five days as a year. :func:`dataset_coverage` finds the span, :func:`coverage_sentence` writes it for the top of
each page, and :func:`year_figure` decides, for a figure that needs 12 months, whether to show it as it is, scale it
to a year and say so, or decline with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from analysis import periods, store
from analysis.store import quote_identifier as q

DAYS_IN_YEAR = 365
DATE_TYPES = ("date", "timestamp")
DATE_ROLE = {"records": "date", "kpi": "period", "spend": "date"}


@dataclass(frozen=True)
class Coverage:
    """The first and last day a dataset has (None when it has no usable dates) and the grain its periods are in."""

    first: date | None
    last: date | None
    grain: str | None = None  # a KPI series' period grain; None for records (any day)

    @property
    def days(self) -> int:
        """Calendar days covered, both ends included (0 without dates)."""
        if self.first is None or self.last is None:
            return 0
        if self.grain and self.grain != "day":
            # A KPI series of periods covers to the end of its last period.
            return (periods.period_last_day(self.last, self.grain).date() - self.first).days + 1
        return (self.last - self.first).days + 1

    @property
    def covers_a_year(self) -> bool:
        return self.days >= DAYS_IN_YEAR


def _to_date(value) -> date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def dataset_coverage(con: duckdb.DuckDBPyConnection, dataset: store.Dataset, grain: str | None = None) -> Coverage:
    """The dataset's first and last date (records: the date received; KPI series: the period), or an empty
    Coverage when that column is missing or holds text."""
    role = DATE_ROLE.get(dataset.kind)
    column = dataset.roles.get(role) if role else None
    if not column or dataset.column(column).type not in DATE_TYPES:
        return Coverage(None, None, grain)
    first, last = store.query_rows(con, f"SELECT min({q(column)}), max({q(column)}) FROM {q(dataset.table)}")[0]
    return Coverage(_to_date(first), _to_date(last), grain)


def span_words(days: int) -> str:
    """'1 day', '5 days', '7 weeks', '11 months', '3.5 years': how long a span is, roughly, in words."""
    if days < 1:
        return "no days"
    if days < 60:
        return f"{days} day{'s' if days != 1 else ''}"
    if days < 2 * DAYS_IN_YEAR:
        months = round(days / 30.44)
        return f"{months} month{'s' if months != 1 else ''}"
    years = days / 365.25
    return f"{years:.1f} years".replace(".0 years", " years")


def coverage_sentence(coverage: Coverage) -> str:
    """'Data from 27 December 2017 to 31 December 2017 (5 days).', or for periods 'Periods from 2015/16 to 2022/23
    (8 years).', or a sentence saying there are no dates."""
    if coverage.first is None or coverage.last is None:
        return "This dataset has no usable dates, so figures over time cannot be worked out."
    if coverage.grain and coverage.grain != "day":
        first = periods.period_words(coverage.first, coverage.grain)
        last = periods.period_words(coverage.last, coverage.grain)
        return f"Periods from {first} to {last} ({span_words(coverage.days)})."
    first, last = (f"{d.day} {d:%B %Y}" for d in (coverage.first, coverage.last))
    return f"Data from {first} to {last} ({span_words(coverage.days)})."


@dataclass(frozen=True)
class YearFigure:
    """How to show a figure that needs 12 months: ``show`` it or not; multiply by ``scale`` (1.0 when the data
    cover the year); ``note`` says what was done, in a sentence (empty when nothing needs saying)."""

    show: bool
    scale: float
    note: str


def year_figure(figure: str, covered_days: int, *, can_scale: bool) -> YearFigure:
    """What to do with ``figure`` (e.g. "The annual saving") when the data cover ``covered_days`` of its year.

    A full year: shown as it is. Less, for a figure that can be scaled (a total): scaled to a year, and the note says
    on how many days and that it is indicative. A figure that cannot be scaled (the last 12 complete months, a
    comparison of this year with the last) is declined with the reason.
    """
    if covered_days >= DAYS_IN_YEAR:
        return YearFigure(True, 1.0, "")
    span = span_words(covered_days)
    if covered_days <= 0:
        return YearFigure(False, 1.0, f"{figure} needs 12 months of data, and this dataset has no dates.")
    if can_scale:
        return YearFigure(True, DAYS_IN_YEAR / covered_days,
                          f"{figure} is based on {span}, scaled to a year: treat it as indicative.")
    return YearFigure(False, 1.0, f"{figure} needs 12 months of data; this dataset covers {span}.")
