"""Checks over typed rows: case maps, suspicious values, date grains."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from analysis.load import checks, reading
from analysis.load.convert import ReadPlan
from analysis.load.detect import ColumnProfile


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
    counts = reading.column_counts(con, "t", plan, where="")
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
