"""Rejected rows written out for people, in file order, with the lines the reader could not read."""

from __future__ import annotations

import duckdb

from analysis.load import rejects
from analysis.load.convert import BLANK_ROW, REASON_COLUMN, ReadPlan
from analysis.load.detect import ColumnProfile


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
        # A value that did not convert is shown as written (issue 18: it read 'None').
        ("row 2", "'Cost': 'lots' is not a number", "2", "lots"),
        ("row 4", "'Opened' is blank: every record needs a date", "4", None),
        ("row 5", "'Cost': '£x' is not a number; 'Opened' is blank: every record needs a date", "5", "£x"),
        ("line 9", "line 9 has more values than the header has columns", None, None),
    ]
    assert rejects.failed_values(con, "staging", plan, "Cost") == ["lots", "£x"]


def test_a_value_that_did_not_convert_is_shown_as_written_in_the_rejects(tmp_path):
    """Issue 18: the rejects table showed a failed date as 'None'; it shows the value as the file wrote it."""
    from analysis import store
    from analysis.load import ingest

    path = tmp_path / "cases.csv"
    path.write_text("Ref,Opened,Cost\n" + "".join(f"{i},0{1 + i % 9}/01/2024,{i}\n" for i in range(1, 200))
                    + "200,31/02/2024,lots\n")
    con = store.open_store(tmp_path / "s.duckdb")
    try:
        report = ingest.load_file(con, path, dataset="cases")
        rejected = report.rejects
        assert rejected[["Opened", "Cost"]].values.tolist() == [["31/02/2024", "lots"]]
        assert rejected["Ref"].tolist() == ["200"]
    finally:
        con.close()
