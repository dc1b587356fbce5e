"""Periods written as text: table-driven, every shape UK public data uses, in Python and in DuckDB's SQL alike."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from analysis import period_text

CASES = [
    # value, first day, grain
    ("2016-17", date(2016, 4, 1), "financial_year"),
    ("2016/17", date(2016, 4, 1), "financial_year"),
    ("FY 2016-17", date(2016, 4, 1), "financial_year"),
    ("fy2016/2017", date(2016, 4, 1), "financial_year"),
    ("1999-00", date(1999, 4, 1), "financial_year"),
    ("2019-20 Q1", date(2019, 4, 1), "quarter"),
    ("2019-20 Q3", date(2019, 10, 1), "quarter"),
    ("2019-20 Q4", date(2020, 1, 1), "quarter"),
    ("Q1 2019/20", date(2019, 4, 1), "quarter"),
    ("Q4 2019-20", date(2020, 1, 1), "quarter"),
    ("2019 Q1", date(2019, 1, 1), "quarter"),
    ("Q3 2019", date(2019, 7, 1), "quarter"),
    ("2019Q2", date(2019, 4, 1), "quarter"),
    ("Apr 2019", date(2019, 4, 1), "month"),
    ("April 2019", date(2019, 4, 1), "month"),
    ("Apr-19", date(2019, 4, 1), "month"),
    ("sept 2019", date(2019, 9, 1), "month"),
    ("Dec-99", date(1999, 12, 1), "month"),
    ("2019 Apr", date(2019, 4, 1), "month"),
    ("2019-04", date(2019, 4, 1), "month"),
    ("2019/4", date(2019, 4, 1), "month"),
    ("04/2019", date(2019, 4, 1), "month"),
    ("2019-W05", date(2019, 1, 28), "week"),
    ("2020W01", date(2019, 12, 30), "week"),
]

NOT_PERIODS = ["2016-18", "2019", "13/2019", "Q5 2019", "hello", "2019-20 Q5", "31/12/2019", "", "Apr", "2019-13"]


@pytest.mark.parametrize("value,first_day,grain", CASES)
def test_parse_period(value, first_day, grain):
    parsed = period_text.parse_period(value)
    assert parsed is not None and parsed[:2] == (first_day, grain)


@pytest.mark.parametrize("value", NOT_PERIODS)
def test_not_periods(value):
    assert period_text.parse_period(value) is None


def test_the_sql_gives_the_same_first_days_as_python():
    con = duckdb.connect()
    values = [v for v, _, _ in CASES] + NOT_PERIODS
    shapes = [s.name for s in period_text.SHAPES]
    got = con.execute(f"SELECT v, {period_text.period_sql('v', shapes)} FROM unnest(?::VARCHAR[]) AS t(v)",
                      [values]).fetchall()
    expected = {v: (period_text.parse_period(v) or (None,))[0] for v in values}
    assert dict(got) == expected


def test_a_value_read_two_ways_follows_its_column():
    # '2011-12' is the financial year 2011-12 alone, and December 2011 among months.
    assert period_text.parse_period("2011-12")[1] == "financial_year"
    assert period_text.parse_period("2011-12", grain="month")[0] == date(2011, 12, 1)
    months = ["2011-11", "2011-12", "2012-01"] + [f"2012-{m:02d}" for m in range(2, 13)]
    assert period_text.detect_period_shapes(months) == ("month", ["year_month"])
    con = duckdb.connect()
    sql = period_text.period_sql("v", ["year_month"])
    assert con.execute(f"SELECT {sql} FROM (SELECT '2011-12' AS v)").fetchone()[0] == date(2011, 12, 1)


@pytest.mark.parametrize("values,expected", [
    (["2016-17", "2017-18", "2018-19"], ("financial_year", ["financial_year"])),
    (["2019-20 Q1", "Q2 2019/20"], ("quarter", ["financial_quarter", "quarter_of_financial_year"])),
    (["Apr 2019", "May-19"], ("month", ["month_name_year", "month_name_short_year"])),
    (["2019-20", "2019-20 Q1"], None),  # years and quarters mixed: not one grain
    (["2016-17"] * 99 + ["n/a"], None),  # one distinct value in two is not a period
    (["Report a repair", "Chasing"], None),
    ([], None),
])
def test_detect_period_shapes(values, expected):
    assert period_text.detect_period_shapes(values) == expected


@pytest.mark.parametrize("first_day,grain,label", [
    (date(2016, 4, 1), "financial_year", "2016-17"),
    (date(2020, 1, 1), "quarter", "Q4 2019-20"),
    (date(2019, 4, 1), "quarter", "Q1 2019-20"),
    (date(2019, 4, 1), "month", "Apr 2019"),
    (date(2019, 1, 28), "week", "w/c 28/01/2019"),
    (date(2019, 1, 1), "year", "2019"),
])
def test_period_label(first_day, grain, label):
    assert period_text.period_label(first_day, grain) == label


def test_grains_are_the_shared_vocabulary():
    assert period_text.GRAINS == ("day", "week", "month", "quarter", "financial_year", "year")
    assert {s.grain for s in period_text.SHAPES} <= set(period_text.GRAINS)
