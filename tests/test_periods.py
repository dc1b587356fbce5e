"""analysis.periods: grains, period SQL on DATE and TIMESTAMP columns, starts, ends, labels, complete periods,
financial years and the day arithmetic between two dates (table-driven)."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pandas as pd
import pytest

from analysis import periods
from analysis.errors import StocktakeError

T = pd.Timestamp


@pytest.fixture(params=["DATE", "TIMESTAMP"])
def con(request):
    """A table of days as DATE or TIMESTAMP: every SQL helper must give the same answer on both."""
    c = duckdb.connect()
    c.execute(f"CREATE TABLE t (d {request.param}, later {request.param})")
    c.execute("INSERT INTO t VALUES ('2024-06-05', '2024-07-03'), ('2025-03-31', '2025-04-01'), "
              "('2024-01-10', '2024-02-07')")
    yield c
    c.close()


@pytest.mark.parametrize(
    "grain, starts",
    [
        ("day", [date(2024, 6, 5), date(2025, 3, 31), date(2024, 1, 10)]),
        ("week", [date(2024, 6, 3), date(2025, 3, 31), date(2024, 1, 8)]),
        ("month", [date(2024, 6, 1), date(2025, 3, 1), date(2024, 1, 1)]),
        ("quarter", [date(2024, 4, 1), date(2025, 1, 1), date(2024, 1, 1)]),
        ("financial_year", [date(2024, 4, 1), date(2024, 4, 1), date(2023, 4, 1)]),
        ("year", [date(2024, 1, 1), date(2025, 1, 1), date(2024, 1, 1)]),
    ],
)
def test_period_start_in_sql_and_python(con, grain, starts):
    got = [r[0] for r in con.execute(f"SELECT {periods.period_start_sql('d', grain)} FROM t").fetchall()]
    assert got == starts
    assert [periods.period_start(d, grain).date() for d in ("2024-06-05 17:30", "2025-03-31", "2024-01-10")] == starts


def test_calendar_and_elapsed_days_on_dates_and_timestamps(con):
    days = con.execute(f"SELECT {periods.calendar_days_sql('d', 'later')} FROM t").fetchall()
    assert [r[0] for r in days] == [28, 1, 28]
    elapsed = con.execute(f"SELECT {periods.elapsed_days_sql('d', 'later')} FROM t").fetchall()
    assert [r[0] for r in elapsed] == [28.0, 1.0, 28.0]


def test_calendar_days_count_days_not_hours():
    """10 January 09:00 to 7 February 15:00 is 28 calendar days (28.25 elapsed): within 28 days as a manager reads
    it."""
    con = duckdb.connect()
    row = con.execute(f"SELECT {periods.calendar_days_sql('a', 'b')}, {periods.elapsed_days_sql('a', 'b')} "
                      "FROM (SELECT TIMESTAMP '2024-01-10 09:00' AS a, TIMESTAMP '2024-02-07 15:00' AS b)").fetchone()
    assert row == (28, 28.25)


@pytest.mark.parametrize(
    "grain, start, label, words, end",
    [
        ("day", date(2024, 6, 3), "3 Jun 2024", "3 June 2024", date(2024, 6, 4)),
        ("week", date(2024, 6, 3), "w/c 3 Jun 2024", "the week of 3 June 2024", date(2024, 6, 10)),
        ("month", date(2024, 6, 1), "Jun 2024", "June 2024", date(2024, 7, 1)),
        ("quarter", date(2024, 4, 1), "Apr–Jun 2024", "April–June 2024", date(2024, 7, 1)),
        ("financial_year", date(2024, 4, 1), "2024/25", "2024/25", date(2025, 4, 1)),
        ("year", date(2024, 1, 1), "2024", "2024", date(2025, 1, 1)),
    ],
)
def test_labels_words_and_ends(grain, start, label, words, end):
    assert periods.period_label(start, grain) == label
    assert periods.period_words(start, grain) == words
    assert periods.period_end(start, grain) == T(end)
    assert periods.period_last_day(start, grain) == T(end) - pd.Timedelta(days=1)


@pytest.mark.parametrize(
    "day, label",
    [(date(2024, 4, 1), "2024/25"), (date(2025, 3, 31), "2024/25"), (date(2025, 4, 1), "2025/26"),
     (date(2000, 1, 15), "1999/00")],
)
def test_financial_years(day, label):
    assert periods.financial_year_label(day) == label
    start = periods.financial_year_start(day)
    assert (start.month, start.day) == (4, 1) and periods.financial_year_label(start) == label


@pytest.mark.parametrize(
    "first, last, grain, expected_first, expected_last, count",
    [
        (T("2022-04-01 08:00"), T("2025-11-14"), "month", T("2022-04-01"), T("2025-10-01"), 43),
        (T("2024-01-02"), T("2024-03-31 23:00"), "month", T("2024-02-01"), T("2024-03-01"), 2),
        (T("2024-01-01"), T("2024-01-07 10:00"), "day", T("2024-01-01"), T("2024-01-07"), 7),
        (T("2024-01-02"), T("2024-01-21"), "week", T("2024-01-08"), T("2024-01-15"), 2),
        (T("2023-02-01"), T("2024-09-30"), "quarter", T("2023-04-01"), T("2024-07-01"), 6),
        (T("2016-04-01"), T("2023-03-31"), "financial_year", T("2016-04-01"), T("2022-04-01"), 7),
        (T("2016-04-01"), T("2023-03-31"), "year", T("2017-01-01"), T("2022-01-01"), 6),
    ],
)
def test_complete_periods(first, last, grain, expected_first, expected_last, count):
    complete = periods.complete_periods(first, last, grain)
    assert (complete[0], complete[-1], len(complete)) == (expected_first, expected_last, count)


def test_no_complete_period():
    assert len(periods.complete_periods(T("2024-01-02"), T("2024-01-20"), "month")) == 0


def test_incomplete_periods():
    starts = [T("2024-01-01"), T("2024-02-01"), T("2024-03-01")]
    assert list(periods.incomplete_periods(starts, "month", date(2024, 1, 5), date(2024, 3, 31))) == \
        [True, False, False]
    assert list(periods.incomplete_periods(starts, "month", date(2024, 1, 1), date(2024, 3, 30))) == \
        [False, False, True]
    assert list(periods.incomplete_periods(starts, "month", None, None)) == [False, False, False]


def test_last_complete_months_and_months_ending():
    assert periods.last_complete_months(T("2022-04-01"), T("2025-11-14"), 12) == (date(2024, 11, 1),
                                                                                    date(2025, 11, 1))
    # Five days of data are not a year: no "last 12 complete months".
    assert periods.last_complete_months(T("2017-12-27"), T("2017-12-31"), 12) is None
    assert periods.months_ending(date(2025, 4, 1), 12) == (date(2024, 4, 1), date(2025, 4, 1))


def test_day_bounds_are_half_open():
    assert periods.day_bounds(date(2024, 2, 1), date(2024, 2, 29)) == (datetime(2024, 2, 1), datetime(2024, 3, 1))
    assert periods.day_bounds(None, None) == (None, None)


@pytest.mark.parametrize(
    "start, end, words",
    [(None, None, "all dates"), (date(2024, 4, 1), date(2025, 3, 31), "April 2024 – March 2025"),
     (date(2024, 6, 1), date(2024, 6, 30), "June 2024"), (date(2024, 6, 3), None, "from 3 June 2024"),
     (None, date(2024, 6, 30), "up to June 2024")],
)
def test_describe_span(start, end, words):
    assert periods.describe_span(start, end) == words


def test_unknown_grain_is_refused_in_words():
    with pytest.raises(StocktakeError, match="'fortnight' is not a period"):
        periods.period_start_sql("d", "fortnight")
    with pytest.raises(StocktakeError, match="choose one of week, month"):
        periods.check_grain("day", ("week", "month"))


@pytest.mark.parametrize(
    "first, last, expected",
    [
        (T("2022-04-01"), T("2025-11-14"), "month"),  # 43 complete months
        (T("2024-01-01"), T("2024-06-30"), "week"),  # 6 months: 25 whole weeks
        (T("2017-12-27"), T("2017-12-31"), "day"),  # five days: no grain gives 13, days give the most
        (None, None, "month"),
    ],
)
def test_default_grain_gives_enough_points_when_it_can(first, last, expected):
    assert periods.default_grain(first, last, "month") == expected


@pytest.mark.parametrize("starts, grain", [
    (["2015-04-01", "2016-04-01", "2018-04-01"], "financial_year"),  # a year missing still reads as financial years
    (["2020-01-01", "2021-01-01"], "year"),
    (["2020-01-01", "2020-04-01", "2020-10-01"], "quarter"),
    (["2020-01-01", "2020-02-01"], "month"),
    (["2020-04-01", "2020-05-01"], "month"),  # first days of April, but a month apart
    (["2024-01-01", "2024-01-08"], "week"),  # Mondays
    (["2024-01-01", "2024-01-02"], "day"),
    (["2024-01-03"], "day"),
    ([], None),
])
def test_infer_grain_from_period_starts(starts, grain):
    from analysis.periods import infer_grain

    assert infer_grain(pd.to_datetime(starts)) == grain
