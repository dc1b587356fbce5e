"""Periods written as text: table-driven, every shape UK public data uses, in Python and in DuckDB's SQL alike."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from analysis.load import period_text

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
    # Issue 18: every form public data writes a month in (as text here; as whole numbers in test_detect).
    ("201607", date(2016, 7, 1), "month"),
    ("2016-07", date(2016, 7, 1), "month"),
    ("2016M07", date(2016, 7, 1), "month"),
    ("2016m7", date(2016, 7, 1), "month"),
    ("Jul-16", date(2016, 7, 1), "month"),
    ("July 2016", date(2016, 7, 1), "month"),
    ("2016/07", date(2016, 7, 1), "month"),
    ("AY 2016/17", date(2016, 9, 1), "academic_year"),
    ("Academic year 2016-17", date(2016, 9, 1), "academic_year"),
]

NOT_PERIODS = ["2016-18", "2019", "13/2019", "Q5 2019", "hello", "2019-20 Q5", "31/12/2019", "", "Apr", "2019-13",
               "201613", "2016M13", "189912", "2010-14"]


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
    # Plain years are read only where a file says so (a wide table's headers): not among the shapes tried here.
    shapes = [s.name for s in period_text.SHAPES if s.name not in period_text.EXPLICIT_ONLY]
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
    from analysis import periods

    assert period_text.GRAINS == ("day", "week", "month", "quarter", "financial_year", "year", "academic_year")
    assert {s.grain for s in period_text.SHAPES} <= set(period_text.GRAINS) == set(periods.KNOWN_GRAINS)


SPANS = [
    # value, (first year, year it ends)
    ("2010-14", (2010, 2014)),
    ("2009-11", (2009, 2011)),
    ("2010-12", (2010, 2012)),
    ("1999-02", (1999, 2002)),
    ("2019-2022", (2019, 2022)),
    ("2012/13 to 2014/15", (2012, 2015)),
    ("2012-13 - 2014-15", (2012, 2015)),
]
NOT_SPANS = ["2016-17", "2016/17", "2016-07", "2016/07", "2016-2017", "2012/13 to 2012/13", "2010-25", "Q1 2019", "x"]


@pytest.mark.parametrize("value,years", SPANS)
def test_parse_span(value, years):
    assert period_text.parse_span(value) == years


@pytest.mark.parametrize("value", NOT_SPANS)
def test_not_spans(value):
    assert period_text.parse_span(value) is None


def test_span_sql_agrees_with_python():
    con = duckdb.connect()
    values = [v for v, _ in SPANS] + NOT_SPANS
    got = dict(con.execute(f"SELECT v, {period_text.span_sql('v')} FROM unnest(?::VARCHAR[]) AS t(v)",
                           [values]).fetchall())
    assert got == {v: period_text.parse_span(v) is not None for v in values}


def test_a_column_of_financial_years_with_a_few_spans_keeps_its_grain():
    # LGBF's Year: 13 financial years in most rows, 35 spans in 11% of them; the spans are set apart and counted.
    years = [f"{y}-{(y + 1) % 100:02d}" for y in range(2010, 2023)]
    spans = ["2010-14", "2012-15", "2009-11", "2010-12"]
    counts = {**{y: 2_400 for y in years}, **{s: 100 for s in spans}}
    found = period_text.detect_periods(list(counts), counts, header="Year")
    assert (found.grain, found.shapes, found.spans) == ("financial_year", ["financial_year"], 4)
    # Without the counts, distinct values alone: still mostly single years.
    assert period_text.detect_periods(years + spans).grain == "financial_year"
    # Mostly spans: not a column of financial years with a few spans.
    mostly = {**{y: 1 for y in years[:2]}, **{s: 1_000 for s in spans}}
    assert period_text.detect_periods(list(mostly), mostly) is None
    # The old question (one grain, nothing set apart) says no: spans are the loader's business.
    assert period_text.detect_period_shapes(years + spans) is None


def test_academic_years_follow_their_header():
    values = ["2016/17", "2017/18", "2018/19"]
    assert period_text.detect_periods(values, header="Academic year").grain == "academic_year"
    assert period_text.detect_periods(values, header="Year").grain == "financial_year"
    con = duckdb.connect()
    sql = period_text.period_sql("v", ["academic_year_plain"])
    assert con.execute(f"SELECT {sql} FROM (SELECT '2016/17' AS v)").fetchone()[0] == date(2016, 9, 1)


@pytest.mark.parametrize("header,expected", [
    ("2012-13", (date(2012, 4, 1), "financial_year")), ("2019", (date(2019, 1, 1), "year")),
    ("Q1 2019/20", (date(2019, 4, 1), "quarter")), ("Apr 2019", (date(2019, 4, 1), "month")),
    ("LA", None), ("Population", None), ("Change in one year", None), ("Per 1,000", None),
])
def test_headers_that_name_periods(header, expected):
    assert period_text.parse_header_period(header) == expected
