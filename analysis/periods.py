"""Periods: the one grammar for grains, period starts and ends, labels, complete periods and financial years.

Every figure that counts "per month" (or per day, week, quarter, financial year, year) gets its periods here: the SQL
that puts a date into its period, the first day after a period, how a period is written, which periods the data cover
from their first day to their last, and the day arithmetic between two dates.

The grains are ``day``, ``week`` (Monday to Sunday), ``month``, ``quarter`` (calendar: January to March…),
``financial_year`` (1 April to 31 March, the UK public sector's year, written 2024/25) and ``year``. The loader
records a period column's grain in the catalogue in the same words.

Every SQL helper works on a DATE column and a TIMESTAMP column alike: DuckDB subtracts two DATEs to a number of days but
two TIMESTAMPs to an INTERVAL, so arithmetic written for one type fails on the other ("Binder Error"). Dates are
therefore compared through ``date_diff`` on DATE casts (calendar days) or ``epoch`` on TIMESTAMP casts (elapsed time),
never by subtraction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Iterable

import numpy as np
import pandas as pd

from analysis.errors import StocktakeError

GRAINS = ("day", "week", "month", "quarter", "financial_year", "year")
"""The grains records can be counted by (the Performance page's Period choice)."""
KNOWN_GRAINS = GRAINS + ("academic_year",)
"""Every grain a period column can have: a KPI series of academic years (1 September to 31 August) as well."""
GRAIN_LABELS = {"day": "Day", "week": "Week", "month": "Month", "quarter": "Quarter",
                "financial_year": "Financial year", "year": "Year", "academic_year": "Academic year"}
GRAIN_UNITS = {"day": "days", "week": "weeks", "month": "months", "quarter": "quarters",
               "financial_year": "financial years", "year": "years", "academic_year": "academic years"}
SEASON_LENGTH = {"day": 7, "week": 52, "month": 12, "quarter": 4, "financial_year": 1, "year": 1, "academic_year": 1}
"""Periods in one seasonal cycle at each grain: a week of days, a year of weeks, months or quarters."""

FINANCIAL_YEAR_START_MONTH = 4  # UK public bodies' financial year starts on 1 April
ACADEMIC_YEAR_START_MONTH = 9  # a school or university year starts on 1 September

_STEP = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1),
         "quarter": pd.DateOffset(months=3), "financial_year": pd.DateOffset(years=1),
         "year": pd.DateOffset(years=1)}
_FREQ = {"day": "D", "week": "W-MON", "month": "MS", "quarter": "QS-JAN", "financial_year": "YS-APR", "year": "YS"}
_QUARTER_MONTHS = ("Jan–Mar", "Apr–Jun", "Jul–Sep", "Oct–Dec")


def check_grain(grain: str, allowed: Iterable[str] = KNOWN_GRAINS) -> str:
    """``grain`` when it is one of ``allowed``, else a StocktakeError listing them (so it can be written into SQL)."""
    allowed = tuple(allowed)
    if grain not in allowed:
        names = ", ".join(GRAIN_LABELS.get(g, g).lower() for g in allowed)
        raise StocktakeError(f"'{grain}' is not a period that can be used here: choose one of {names}.")
    return grain


# --- SQL ------------------------------------------------------------------------------------------------------------

def period_start_sql(date_sql: str, grain: str) -> str:
    """SQL for the first day (a DATE) of the period holding ``date_sql`` (a DATE or TIMESTAMP expression)."""
    check_grain(grain)
    if grain == "day":
        return f"CAST({date_sql} AS DATE)"
    if grain in ("financial_year", "academic_year"):
        first = FINANCIAL_YEAR_START_MONTH if grain == "financial_year" else ACADEMIC_YEAR_START_MONTH
        return (f"make_date(CAST(year({date_sql}) - CASE WHEN month({date_sql}) < {first} "
                f"THEN 1 ELSE 0 END AS BIGINT), {first}, 1)")
    return f"CAST(date_trunc('{grain}', {date_sql}) AS DATE)"


def calendar_days_sql(earlier_sql: str, later_sql: str) -> str:
    """SQL for the calendar days from one date to another: 10 January 09:00 to 7 February 15:00 is 28 days, as a
    manager reads "within 28 days". Works for DATE and TIMESTAMP expressions alike."""
    return f"date_diff('day', CAST({earlier_sql} AS DATE), CAST({later_sql} AS DATE))"


def elapsed_days_sql(start_sql: str, end_sql: str) -> str:
    """SQL for the time between two moments in days, with the fraction: a case closed 6 hours after it came in took
    0.25 days. A DATE counts as its midnight. Works for DATE and TIMESTAMP expressions alike."""
    return f"((epoch(CAST({end_sql} AS TIMESTAMP)) - epoch(CAST({start_sql} AS TIMESTAMP))) / 86400.0)"


def day_bounds(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """The half-open range [first day 00:00, the day after the last 00:00) for ``col >= ? AND col < ?``, so a
    timestamp at 23:59 on the last day is inside it (None where a side is open)."""
    start = datetime.combine(first, datetime.min.time()) if first else None
    end = datetime.combine(last + timedelta(days=1), datetime.min.time()) if last else None
    return start, end


# --- Periods in Python ----------------------------------------------------------------------------------------------

def financial_year_start(day: date | datetime | pd.Timestamp) -> pd.Timestamp:
    """1 April of the financial year holding ``day``: 2025-03-31 -> 2024-04-01."""
    ts = pd.Timestamp(day)
    year = ts.year if ts.month >= FINANCIAL_YEAR_START_MONTH else ts.year - 1
    return pd.Timestamp(year=year, month=FINANCIAL_YEAR_START_MONTH, day=1)


def financial_year_label(day: date | datetime | pd.Timestamp) -> str:
    """The financial year holding ``day``, as UK public bodies write it: 2024-04-01 and 2025-03-31 -> '2024/25'."""
    start = financial_year_start(day).year
    return f"{start}/{(start + 1) % 100:02d}"


def period_start(day: date | datetime | pd.Timestamp, grain: str) -> pd.Timestamp:
    """The first day of the period holding ``day`` (midnight)."""
    check_grain(grain)
    ts = pd.Timestamp(day).normalize()
    if grain == "day":
        return ts
    if grain == "week":
        return ts - pd.Timedelta(days=ts.weekday())
    if grain == "month":
        return ts.replace(day=1)
    if grain == "quarter":
        return ts.replace(day=1, month=3 * ((ts.month - 1) // 3) + 1)
    if grain == "financial_year":
        return financial_year_start(ts)
    if grain == "academic_year":
        return pd.Timestamp(year=ts.year if ts.month >= ACADEMIC_YEAR_START_MONTH else ts.year - 1,
                            month=ACADEMIC_YEAR_START_MONTH, day=1)
    return ts.replace(day=1, month=1)


def period_end(start: date | datetime | pd.Timestamp, grain: str) -> pd.Timestamp:
    """The first day after the period that starts on ``start`` (periods are half-open: [start, end))."""
    check_grain(grain)
    return pd.Timestamp(start) + _STEP[grain]


def period_last_day(start: date | datetime | pd.Timestamp, grain: str) -> pd.Timestamp:
    """The last day of the period that starts on ``start``."""
    return period_end(start, grain) - pd.Timedelta(days=1)


def period_label(start: date | datetime | pd.Timestamp, grain: str) -> str:
    """How a period is written on an axis or in a table: '3 Jun 2024', 'w/c 3 Jun 2024', 'Jun 2024', 'Apr–Jun 2024',
    '2024/25', '2024'."""
    check_grain(grain)
    ts = pd.Timestamp(start)
    if grain == "day":
        return f"{ts.day} {ts:%b %Y}"
    if grain == "week":
        return f"w/c {ts.day} {ts:%b %Y}"
    if grain == "month":
        return f"{ts:%b %Y}"
    if grain == "quarter":
        return f"{_QUARTER_MONTHS[(ts.month - 1) // 3]} {ts.year}"
    if grain == "financial_year":
        return financial_year_label(ts)
    if grain == "academic_year":
        start = period_start(ts, grain).year
        return f"AY {start}/{(start + 1) % 100:02d}"
    return str(ts.year)


def period_words(start: date | datetime | pd.Timestamp, grain: str) -> str:
    """A period in a sentence: '3 June 2024', 'the week of 3 June 2024', 'June 2024', 'April–June 2024', '2024/25'."""
    check_grain(grain)
    ts = pd.Timestamp(start)
    if grain == "day":
        return f"{ts.day} {ts:%B %Y}"
    if grain == "week":
        return f"the week of {ts.day} {ts:%B %Y}"
    if grain == "month":
        return f"{ts:%B %Y}"
    if grain == "quarter":
        return f"{ts:%B}–{period_last_day(ts, grain):%B %Y}"
    return period_label(ts, grain)


def period_range(first_start: date | datetime | pd.Timestamp, last_start: date | datetime | pd.Timestamp,
                 grain: str) -> pd.DatetimeIndex:
    """Every period start from ``first_start`` to ``last_start`` (both period starts), gaps included."""
    check_grain(grain)
    return pd.date_range(pd.Timestamp(first_start), pd.Timestamp(last_start), freq=_FREQ[grain])


def complete_periods(first, last, grain: str) -> pd.DatetimeIndex:
    """The periods the data cover from their first day to their last: a part period at either end is left out.

    Data from 2022-04-01 to 2025-11-14 give April 2022 to October 2025 by month; a first or last date at any time of
    its day counts that whole day as covered.
    """
    start = period_start(first, grain)
    if pd.Timestamp(first).normalize() > start:
        start = period_end(start, grain)
    end = period_start(last, grain)
    if pd.Timestamp(last).normalize() < period_last_day(end, grain):
        end = period_start(end - pd.Timedelta(days=1), grain)
    if end < start:
        return pd.DatetimeIndex([])
    return period_range(start, end, grain)


def default_grain(first, last, preferred: str = "month", minimum: int = 13, grains: Iterable[str] = GRAINS) -> str:
    """The grain a chart starts at: ``preferred`` when the data give it at least ``minimum`` complete periods (an SPC
    chart's limits need about 13 points); else the coarsest finer grain that does (five days of data: by day); else
    the grain with the most complete periods. With no dates, ``preferred``."""
    grains = tuple(grains)
    if first is None or last is None:
        return preferred
    counts = {g: len(complete_periods(first, last, g)) for g in grains}
    if counts.get(preferred, 0) >= minimum:
        return preferred
    finer = [g for g in grains[:grains.index(preferred)] if counts[g] >= minimum] if preferred in grains else []
    if finer:
        return finer[-1]
    return max(grains, key=lambda g: (counts[g], -grains.index(g)))


def incomplete_periods(starts, grain: str, first, last) -> np.ndarray:
    """True for each period (given by its start) that the span [first, last] covers only part of, so that a low count
    there is not read as a fall. With no ``last`` nothing is marked."""
    starts = pd.DatetimeIndex(pd.to_datetime(list(starts)))
    if len(starts) == 0 or last is None:
        return np.zeros(len(starts), dtype=bool)
    last_days = starts + _STEP[grain] - pd.Timedelta(days=1)
    incomplete = np.asarray(last_days > pd.Timestamp(last).normalize())
    if first is not None:
        incomplete |= np.asarray(starts < pd.Timestamp(first).normalize())
    return incomplete


def months_ending(end: date | datetime | pd.Timestamp, months: int) -> tuple[date, date]:
    """The ``months`` whole months before ``end`` (a month's first day, exclusive): (first day, end)."""
    end_ts = pd.Timestamp(end).normalize()
    return (end_ts - pd.DateOffset(months=months)).date(), end_ts.date()


def last_complete_months(first, last, months: int = 12) -> tuple[date, date] | None:
    """The latest ``months`` complete months of data as (first day, first day after), or None when the data do not
    cover that many whole months."""
    complete = complete_periods(first, last, "month")
    if len(complete) < months:
        return None
    return months_ending(period_end(complete[-1], "month"), months)


def describe_span(start: date | None, end: date | None) -> str:
    """A date range in words: 'April 2023 – March 2025' for whole months, '3 June 2024 – 5 July 2024' otherwise,
    'from 3 June 2024', 'up to June 2024', 'all dates'."""
    def month_start(d: date) -> bool:
        return d.day == 1

    def month_end(d: date) -> bool:
        return (d + timedelta(days=1)).day == 1

    whole_months = (start is None or month_start(start)) and (end is None or month_end(end))
    fmt = (lambda d: f"{d:%B %Y}") if whole_months else (lambda d: f"{d.day} {d:%B %Y}")
    if start and end:
        if whole_months and (start.year, start.month) == (end.year, end.month):
            return fmt(start)
        return f"{fmt(start)} – {fmt(end)}"
    if start:
        return f"from {fmt(start)}"
    if end:
        return f"up to {fmt(end)}"
    return "all dates"


def infer_grain(starts) -> str | None:
    """The grain a column of period starts was written at, from the dates themselves, for a period column the loader
    recorded no grain for (an older store, or a file of dates): first days of April a year apart are financial years,
    first days of January a year apart are years, first days of a quarter three months apart are quarters, first days
    of months are months, Mondays a week apart are weeks; anything else is days. None when there are no dates."""
    days = pd.DatetimeIndex(pd.to_datetime(pd.Series(list(starts)).dropna().unique())).normalize().sort_values()
    if len(days) == 0:
        return None
    gaps = np.diff(days.values.astype("datetime64[D]").astype("int64"))
    smallest_gap = gaps.min() if len(gaps) else None
    if (days.day == 1).all():
        if (days.month == FINANCIAL_YEAR_START_MONTH).all() and (smallest_gap is None or smallest_gap >= 365):
            return "financial_year"
        if (days.month == ACADEMIC_YEAR_START_MONTH).all() and (smallest_gap is None or smallest_gap >= 365):
            return "academic_year"
        if (days.month == 1).all() and (smallest_gap is None or smallest_gap >= 365):
            return "year"
        if ((days.month - 1) % 3 == 0).all() and (smallest_gap is None or smallest_gap >= 89):
            return "quarter"
        return "month"
    if (days.day_of_week == 0).all() and (smallest_gap is None or smallest_gap >= 7):
        return "week"
    return "day"
