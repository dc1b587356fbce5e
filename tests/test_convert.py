"""The conversion SQL: each builder run inside DuckDB on the values councils write, with the value it must give."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from analysis.load import convert
from analysis.load.convert import ReadPlan
from analysis.load.detect import ColumnProfile


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def run(con, sql_of_v: str, values: list):
    """The builder's SQL over a column ``v`` holding ``values`` (text), in order."""
    return [r[0] for r in con.execute(
        f"SELECT {sql_of_v} FROM (SELECT unnest(?::VARCHAR[]) AS v, generate_subscripts(?::VARCHAR[], 1) AS i) "
        "ORDER BY i", [values, values]).fetchall()]


@pytest.mark.parametrize("value,token", [
    ("", True), ("  ", True), ("n/a", True), (" N/A ", True), ("-", True), ("--", True), ("#N/A", True),
    ("none", True), ("NaN", True), ("nil", True), ("0", False), ("na-ve", False), ("Croydon", False),
])
def test_null_tokens(con, value, token):
    assert run(con, convert.is_token_sql("v"), [value]) == [token]


@pytest.mark.parametrize("value,text", [
    ("Croydon", "Croydon"), ("CROYDON ", "CROYDON"), ("  Bromley", "Bromley"), ("   ", None), ("n/a", "n/a"),
    ("-", "-"), (None, None),
])
def test_text_sql_trims_and_keeps_tokens(con, value, text):
    assert run(con, convert.text_sql("v"), [value]) == [text]


def profile(name, type_, **kw) -> ColumnProfile:
    return ColumnProfile(name=name, detected_type=type_, type=type_, **kw)


@pytest.mark.parametrize("type_,value,quick,careful", [
    # The quick way reads what nearly every row holds; the careful way the rest, strictly.
    ("number", "£1,234.50", 1234.5, 1234.5), ("number", "(1,234)", -1234.0, -1234.0),
    ("number", "(£12.50)", -12.5, -12.5), ("number", " 7 ", 7.0, 7.0), ("number", "1.0", 1.0, 1.0),
    ("number", "12 000", None, 12000.0), ("number", "lots", None, None), ("number", "inf", float("inf"), None),
    ("integer", "1,000", 1000, 1000), ("integer", "£7", 7, 7), ("integer", "+4", 4, 4),
    # DuckDB's own cast reads '1.5' as 2 and '0x1F' as 31: neither way takes them.
    ("integer", "1.5", None, None), ("integer", "0x1F", None, None), ("integer", "1_000", None, None),
])
def test_numbers_the_quick_and_the_careful_way(con, type_, value, quick, careful):
    col = profile("x", type_, marks="£,(")
    assert run(con, convert.quick_sql(col, "v", "day-first"), [value]) == [quick]
    assert run(con, convert.careful_sql(col, "v", "day-first"), [value]) == [careful]


@pytest.mark.parametrize("value,number", [("1.234,56", 1234.56), ("12,5", 12.5), ("€7", 7.0), ("(2,5)", -2.5)])
def test_decimal_commas(con, value, number):
    col = profile("x", "number", decimal_comma=True, marks="£,(€")
    assert run(con, convert.quick_sql(col, "v", "day-first"), [value]) == [number]


@pytest.mark.parametrize("formats,type_,value,quick,careful", [
    (["{A}/{B}/%Y"], "date", "31/01/2024", date(2024, 1, 31), date(2024, 1, 31)),
    (["{A}/{B}/%Y"], "date", " 31/01/2024 ", date(2024, 1, 31), date(2024, 1, 31)),
    (["{A}/{B}/%Y"], "date", "29/02/2023", None, None),
    (["{A}/{B}/%Y %H:%M"], "timestamp", "01/02/2024 09:15", datetime(2024, 2, 1, 9, 15), datetime(2024, 2, 1, 9, 15)),
    (["%Y-%m-%d", "%d %b %Y"], "date", "5 Jan 2024", date(2024, 1, 5), date(2024, 1, 5)),
])
def test_dates_the_quick_and_the_careful_way(con, formats, type_, value, quick, careful):
    col = profile("x", type_, date_formats=formats)
    assert run(con, convert.quick_sql(col, "v", "day-first"), [value]) == [quick]
    assert run(con, convert.careful_sql(col, "v", "day-first"), [value]) == [careful]


def test_the_quick_way_takes_out_only_the_marks_the_sample_used(con):
    plain = profile("x", "number")
    assert convert.quick_sql(plain, "v", "day-first") == "TRY_CAST(v AS DOUBLE)"
    assert run(con, convert.quick_sql(plain, "v", "day-first"), ["£5", "5"]) == [None, 5.0]
    assert run(con, convert.careful_sql(plain, "v", "day-first"), ["£5"]) == [5.0]


def test_month_first_dates(con):
    col = profile("x", "date", date_formats=["{A}/{B}/%Y"])
    assert run(con, convert.quick_sql(col, "v", "month-first"), ["12/31/2024"]) == [date(2024, 12, 31)]


def test_load_select_converts_every_column_and_gives_each_bad_row_its_reasons(con):
    plan = ReadPlan(
        columns=[profile("Ref", "integer"), profile("Opened", "date", date_formats=["{A}/{B}/%Y"]),
                 profile("Cost", "number", marks="£"), profile("Area", "text"),
                 profile("Year", "date", period_shapes=["financial_year"], grain="financial_year")], date_order="day-first",
        date_order_reason="", required_date="Opened")
    plan.columns[3].padded = True
    con.execute("""CREATE OR REPLACE TEMP TABLE raw AS SELECT * FROM (VALUES
        ('1', '31/01/2024', '£5', ' Abbey ', '2023-24'),
        ('2', '', '6', 'Oakley', '2023-24'),
        ('3', '02/02/2024', 'lots', NULL, 'soon'),
        (NULL, 'n/a', NULL, '  ', NULL)) AS t(c0, c1, c2, c3, c4)""")
    rows = con.execute(f"SELECT * FROM ({convert.load_select_sql(plan, 'raw')})").fetchall()
    assert rows[0] == (1, date(2024, 1, 31), 5.0, "Abbey", date(2023, 4, 1), None)
    assert rows[1][:5] == (2, None, 6.0, "Oakley", date(2023, 4, 1)) and rows[1][5] == convert.MISSING_DATE
    assert rows[2][:5] == (3, date(2024, 2, 2), None, None, None)
    assert rows[3][5] == convert.BLANK_ROW
    reasons = con.execute(
        f"SELECT {convert.reason_text_sql('r')} FROM (SELECT ? AS r)",
        ["'Opened' is blank: every record needs a date", [c.name for c in plan.columns], convert.expected_words(plan),
         rows[2][5]]).fetchone()[0]
    assert reasons == ("'Cost': 'lots' is not a number; 'Year': 'soon' is not a period (such as 2016-17, "
                       "Q1 2019-20 or Apr 2019)")
    failed = con.execute(f"SELECT {convert.failed_value_sql('r')} FROM (SELECT ? AS r)", [rows[2][5]]).fetchone()[0]
    assert failed == [{"col": 2, "value": "lots"}, {"col": 4, "value": "soon"}]


def test_expected_words_say_how_dates_are_read():
    plan = ReadPlan(columns=[profile("Opened", "date", date_formats=["{A}/{B}/%Y"]), profile("Paid", "timestamp",
                                                                                             date_formats=["%Y-%m-%d %H:%M"])], date_order="month-first", date_order_reason="")
    assert convert.expected_words(plan) == ["a date (dates here are read month-first)", "a date and time"]


def test_converts_itself_only_for_text_read_columns_of_other_types():
    assert convert.converts_itself(profile("Cost", "number"))
    assert not convert.converts_itself(profile("Area", "text"))
    assert not convert.converts_itself(profile("When", "timestamp", source_type="TIMESTAMP"))
