"""Reading every row: DuckDB's rejected lines in plain words, values settled the careful way."""

from __future__ import annotations

import duckdb
import pytest

from analysis.load import reading
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
    assert reading.reader_rejects(con, plan) == [(7, error_type, reason, "1,zz")]
    assert "Error" not in reason and "c1" not in reason


def test_no_reject_table_means_no_rejects():
    assert reading.reader_rejects(duckdb.connect(), ReadPlan([], [], "day-first", "")) == []


def test_settle_converts_what_the_quick_way_could_not_and_keeps_real_failures():
    from analysis.load.convert import load_select_sql

    con = duckdb.connect()
    con.execute("""CREATE TEMP TABLE raw AS SELECT * FROM (VALUES ('1', '5'), ('2', '12 000'), ('3', 'lots'), ('', '£7'))
                   AS t(c0, c1)""")
    plan = ReadPlan(columns=[ColumnProfile("Ref", "integer", "integer"), ColumnProfile("Cost", "integer", "integer")],
                    date_order="day-first", date_order_reason="", required_date=None)
    con.execute(f"CREATE TABLE staging AS {load_select_sql(plan, 'raw')}")
    reading.settle(con, "staging", plan)
    rows = con.execute("SELECT Ref, Cost, __stocktake_reason FROM staging ORDER BY rowid").fetchall()
    assert rows == [(1, 5, None), (2, 12000, None), (3, None, "1" + chr(30) + "lots"), (None, 7, None)]
