"""Rejected rows written out for people, in file order, with the lines the reader could not read."""

from __future__ import annotations

import duckdb

from analysis import rejects
from analysis.convert import BLANK_ROW, REASON_COLUMN, ReadPlan
from analysis.detect import ColumnProfile


def test_rejects_table_and_first_reasons():
    con = duckdb.connect()
    con.execute(f"""CREATE TABLE staging AS SELECT * FROM (VALUES
        (1, 5.0, NULL), (2, NULL, '1' || chr(30) || 'lots'), (NULL, NULL, '{BLANK_ROW}'),
        (4, NULL, '-1'), (5, NULL, '1' || chr(30) || '£x' || chr(31) || '-1')) AS t(Ref, Cost, {REASON_COLUMN})""")
    plan = ReadPlan(columns=[ColumnProfile("Ref", "integer", "integer"), ColumnProfile("Cost", "number", "number")], date_order="day-first", date_order_reason="",
                    required_date="Opened")
    lines = [(9, "TOO MANY COLUMNS", "line 9 has more values than the header has columns", "1,2,3")]
    assert rejects.first_reasons(con, "staging", plan, lines) == [
        "line 9 has more values than the header has columns", "row 2: 'Cost': 'lots' is not a number",
        "row 4: 'Opened' is blank: every record needs a date"]
    rejects.write_rejects(con, "staging", "rejected", plan, lines)
    assert con.execute("SELECT * FROM rejected").fetchall() == [
        ("row 2", "'Cost': 'lots' is not a number", "2", None),
        ("row 4", "'Opened' is blank: every record needs a date", "4", None),
        ("row 5", "'Cost': '£x' is not a number; 'Opened' is blank: every record needs a date", "5", None),
        ("line 9", "line 9 has more values than the header has columns", None, None),
    ]
    assert rejects.failed_values(con, "staging", plan, "Cost") == ["lots", "£x"]
