"""The conversion SQL: each builder run inside DuckDB on the values councils write, with the value it must give."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from analysis import convert
from analysis.convert import ReadPlan
from analysis.detect import ColumnProfile


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


@pytest.mark.parametrize("value,filled", [
    ("  12 ", "12"), ("n/a", None), ("N/A", None), ("-", None), ("", None), ("#N/A", None), ("none", None),
    ("nan", None), ("0", "0"), ("Croydon", "Croydon"), (None, None),
])
def test_filled_sql(con, value, filled):
    assert run(con, convert.filled_sql("v"), [value]) == [filled]


@pytest.mark.parametrize("value,text", [
    ("Croydon", "Croydon"), ("CROYDON ", "CROYDON"), ("  Bromley", "Bromley"), ("   ", None), ("n/a", "n/a"),
    ("-", "-"), (None, None),
])
def test_text_sql_trims_only_where_needed_and_keeps_tokens(con, value, text):
    assert run(con, convert.text_sql("v"), [value]) == [text]


@pytest.mark.parametrize("value,number,decimal_comma", [
    ("£1,234.50", 1234.5, False), ("(1,234)", -1234.0, False), ("(£12.50)", -12.5, False), ("-3", -3.0, False),
    ("1.0", 1.0, False), ("nan", None, False), ("inf", None, False), ("lots", None, False), ("1,234", 1234.0, False),
    ("1.234,56", 1234.56, True), ("12,5", 12.5, True), ("€7", 7.0, True), ("(2,5)", -2.5, True),
])
def test_numbers(con, value, number, decimal_comma):
    sql = convert.typed_number_sql(convert.cleaned_number_sql("v", decimal_comma), integer=False)
    assert run(con, sql, [value]) == [number]


@pytest.mark.parametrize("value,number", [("12", 12), ("+4", 4), ("1,000", 1000), ("1.5", None), ("£7", 7)])
def test_whole_numbers(con, value, number):
    sql = convert.typed_number_sql(convert.cleaned_number_sql("v"), integer=True)
    assert run(con, sql, [value]) == [number]


@pytest.mark.parametrize("formats,as_date,value,expected", [
    (["%d/%m/%Y"], True, "31/01/2024", date(2024, 1, 31)),
    (["%d/%m/%Y"], True, "29/02/2023", None),
    (["%m/%d/%Y"], True, "12/31/2024", date(2024, 12, 31)),
    (["%d/%m/%Y %H:%M"], False, "01/02/2024 09:15", datetime(2024, 2, 1, 9, 15)),
    (["%Y-%m-%d", "%d %b %Y"], True, "5 Jan 2024", date(2024, 1, 5)),
])
def test_date_sql(con, formats, as_date, value, expected):
    assert run(con, convert.date_sql("v", formats, as_date), [value]) == [expected]


def profile(name, type_, **kw) -> ColumnProfile:
    return ColumnProfile(name=name, detected_type=type_, type=type_, **kw)


def test_load_select_converts_every_column_and_gives_each_bad_row_its_reasons(con):
    plan = ReadPlan(
        columns=[profile("Ref", "integer"), profile("Opened", "date", date_formats=["{A}/{B}/%Y"]),
                 profile("Cost", "number"), profile("Area", "text"),
                 profile("Year", "date", period_shapes=["financial_year"], grain="financial_year")],
        read_types=["BIGINT", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR"], date_order="day-first",
        date_order_reason="", required_date="Opened")
    con.execute("""CREATE OR REPLACE TEMP TABLE raw AS SELECT * FROM (VALUES
        (1, '31/01/2024', '£5', ' Abbey ', '2023-24'),
        (2, '', '6', 'Oakley', '2023-24'),
        (3, '02/02/2024', 'lots', NULL, 'soon'),
        (NULL, NULL, NULL, '  ', NULL)) AS t(c0, c1, c2, c3, c4)""")
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
                                                                                             date_formats=["%Y-%m-%d %H:%M"])],
                    read_types=["VARCHAR", "VARCHAR"], date_order="month-first", date_order_reason="")
    assert convert.expected_words(plan) == ["a date (dates here are read month-first)", "a date and time"]


def test_converts_itself_only_for_text_read_columns_of_other_types():
    assert convert.converts_itself(profile("Cost", "number"), "VARCHAR")
    assert not convert.converts_itself(profile("Cost", "number"), "DOUBLE")
    assert not convert.converts_itself(profile("Area", "text"), "VARCHAR")
