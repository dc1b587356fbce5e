"""Checks over typed rows: reader rejects in plain words, case maps, suspicious values, problem sentences."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from analysis.load import checks
from analysis.load.convert import ReadPlan
from analysis.load.detect import ColumnProfile


@pytest.mark.parametrize("error_type,message,reason", [
    ("TOO MANY COLUMNS", "Expected Number of Columns: 3 Found: 4",
     "line 7 has more values than the header has columns (4 where the header has 3)"),
    ("MISSING COLUMNS", "Expected Number of Columns: 3 Found: 1",
     "line 7 has fewer values than the header has columns (1 where the header has 3)"),
    ("UNQUOTED VALUE", "Value with unterminated quote found.",
     'line 7 opens a quote (") that is never closed, so it and the lines after it could not be read'),
    ("LINE SIZE OVER MAXIMUM", "Maximum line size of 2097152 bytes exceeded.",
     "line 7 is longer than 2 MB, too long to be a row of data"),
    ("INVALID ENCODING", "Invalid unicode (byte sequence mismatch) detected.",
     "line 7 holds bytes that are not text in any encoding Stocktake knows"),
    ("CAST", 'Error when converting column "c1". Could not convert string "zz" to \'BIGINT\'',
     "line 7: 'Ref': 'zz' is not a whole number"),
])
def test_reader_rejects_in_plain_words(error_type, message, reason):
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE reject_errors AS SELECT 7 AS line, ? AS error_type, 'c1' AS column_name, "
                "'1,zz' AS csv_line, ? AS error_message", [error_type, message])
    plan = ReadPlan(columns=[ColumnProfile("Opened", "date", "date"), ColumnProfile("Ref", "integer", "integer")], date_order="day-first", date_order_reason="")
    assert checks.reader_rejects(con, plan) == [(7, error_type, reason, "1,zz")]
    assert "Error" not in reason and "c1" not in reason


def test_no_reject_table_means_no_rejects():
    assert checks.reader_rejects(duckdb.connect(), ReadPlan([], [], "day-first", "")) == []


def test_case_map_points_every_variant_at_the_most_used_spelling():
    groups = [[("Croydon", 5), ("CROYDON", 2), ("croydon", 1)], [("Cat", 9), ("cat", 3)]]
    assert checks.case_map(groups) == (["CROYDON", "croydon", "cat"], ["Croydon", "Croydon", "Cat"])


def test_value_warnings():
    con = duckdb.connect()
    con.execute("""CREATE TABLE t AS SELECT * FROM (VALUES
        (DATE '1900-01-01', DATE '1900-01-02', 5.0), (DATE '2024-02-05', DATE '2024-02-01', -3.0))
        AS v(opened, closed, minutes)""")
    plan = ReadPlan(columns=[ColumnProfile("opened", "date", "date", role="date"),
                             ColumnProfile("closed", "date", "date", role="closed_date"),
                             ColumnProfile("minutes", "number", "number", role="handling_minutes")], date_order="day-first", date_order_reason="")
    counts = checks.column_counts(con, "t", plan, where="")
    assert counts["opened"] == {"filled": 2, "first": date(1900, 1, 1), "last": date(2024, 2, 5)}
    assert checks.value_warnings(con, "t", plan, counts) == [
        "Column 'opened': dates run from 01/01/1900 to 05/02/2024. Check the earliest and latest: placeholders "
        "such as 01/01/1900 or 31/12/2999 are common.",
        "Column 'closed': dates run from 02/01/1900 to 01/02/2024. Check the earliest and latest: placeholders "
        "such as 01/01/1900 or 31/12/2999 are common.",
        "1 record(s) were closed before they were received ('closed' before 'opened'): their time to close is "
        "negative. Check those dates.",
        "Column 'minutes': 1 negative handling time(s).",
    ]


def test_settle_converts_what_the_quick_way_could_not_and_keeps_real_failures():
    from analysis.load.convert import load_select_sql

    con = duckdb.connect()
    con.execute("""CREATE TEMP TABLE raw AS SELECT * FROM (VALUES ('1', '5'), ('2', '12 000'), ('3', 'lots'), ('', '£7'))
                   AS t(c0, c1)""")
    plan = ReadPlan(columns=[ColumnProfile("Ref", "integer", "integer"), ColumnProfile("Cost", "integer", "integer")],
                    date_order="day-first", date_order_reason="", required_date=None)
    con.execute(f"CREATE TABLE staging AS {load_select_sql(plan, 'raw')}")
    checks.settle(con, "staging", plan)
    rows = con.execute("SELECT Ref, Cost, __stocktake_reason FROM staging ORDER BY rowid").fetchall()
    assert rows == [(1, 5, None), (2, 12000, None), (3, None, "1" + chr(30) + "lots"), (None, 7, None)]


@pytest.mark.parametrize("dates,grain", [
    (["2019-04-01", "2019-07-01", "2019-10-01"], "quarter"),
    (["2016-04-01", "2017-04-01"], "financial_year"),
    (["2016-04-01", "2016-05-01", "2016-06-01"], "month"),
    (["2024-01-31", "2024-02-01"], "day"),
])
def test_date_grains_are_read_from_the_dates(dates, grain):
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT CAST(unnest(?::VARCHAR[]) AS DATE) AS period", [dates])
    plan = ReadPlan(columns=[ColumnProfile("period", "date", "date")], date_order="day-first", date_order_reason="")
    checks.date_grains(con, "t", plan)
    assert plan.columns[0].grain == grain
