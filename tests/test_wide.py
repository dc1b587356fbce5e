"""Tables with one column per period made long (issue 18): which headers are periods, and a generated published
workbook (an empty first sheet, a derived 'Change' column, formula cells) loaded long from the CLI and the Data page
with the right Period, Value and row count."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis import store
from analysis.load import ingest, wide
from analysis.load.preview import inspect_file
from tests.public_tables import WIDE_YEARS, wide_long, write_wide_workbook
from tests.test_cli import run_cli


@pytest.mark.parametrize("names,periods,identity,derived", [
    (["LA", "Population"] + WIDE_YEARS + ["Change in one year", "Per 1,000"], WIDE_YEARS, ["LA", "Population"],
     ["Change in one year", "Per 1,000"]),
    (["Ward", "2019", "2020", "2021", "% change"], ["2019", "2020", "2021"], ["Ward"], ["% change"]),
    (["Board", "Apr 2019", "May 2019", "Jun 2019", "Notes"], ["Apr 2019", "May 2019", "Jun 2019"],
     ["Board", "Notes"], []),
])
def test_find_wide(names, periods, identity, derived):
    layout = wide.find_wide(names)
    assert [label for _, label in layout.periods] == periods
    assert [names[i] for i in layout.identity] == identity
    assert [names[i] for i in layout.derived] == derived


@pytest.mark.parametrize("names", [
    ["Ref", "Opened", "2019-20 budget"],  # one period-like header is not a table of periods
    ["Financial year", "Council", "Value"],
    ["2016-17", "Apr 2019", "2019 Q1"],  # three grains, one each
])
def test_not_wide(names):
    assert wide.find_wide(names) is None


def loaded_frame(con, dataset: str) -> pd.DataFrame:
    ds = store.get_dataset(con, dataset)
    return store.query_df(con, f"SELECT * FROM {store.quote_identifier(ds.table)}")


def test_the_workbook_loads_long_from_the_command_line(tmp_path):
    path = write_wide_workbook(tmp_path)
    db = tmp_path / "s.duckdb"
    done = run_cli("load", str(path), "--dataset", "kpi by year", "--db", str(db))
    assert done.returncode == 0, done.stderr
    # The CLI says what it did to the layout and how to refuse it.
    assert "This table has one column per period (6 financial years: '2012-13' … '2017-18')" in done.stdout
    assert "Left out, as worked out from the periods: 'Change in one year', 'Per 1,000'." in done.stdout
    assert "Use --keep-wide to load the table as it is" in done.stdout
    assert "the one with the data" in done.stdout  # the empty first sheet was passed over
    expected = wide_long()
    con = store.open_store(db)
    try:
        ds = store.get_dataset(con, "kpi by year")
        assert ds.kind == "kpi"
        assert [c.name for c in ds.columns] == ["LA", "Population", "Period", "Value"]
        assert (ds.column("Period").type, ds.column("Period").grain) == ("date", "financial_year")
        assert (ds.roles["period"], ds.roles["value"], ds.roles["area"]) == ("Period", "Value", "LA")
        got = loaded_frame(con, "kpi by year")
    finally:
        con.close()
    # One row per council and year with a value (Moray's missing first year is no row): 35, as pandas says.
    assert len(got) == len(expected) == 35
    merged = got.merge(expected, on=["LA", "Period"], suffixes=("", "_expected"))
    assert len(merged) == 35 and (merged["Value"] == merged["Value_expected"]).all()
    assert got["Population"].notna().all()


def test_keep_wide_refuses_the_reshape(tmp_path):
    path = write_wide_workbook(tmp_path)
    db = tmp_path / "s.duckdb"
    done = run_cli("load", str(path), "--dataset", "as is", "--db", str(db), "--keep-wide", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["rows_loaded"] == 6
    assert [c["name"] for c in report["columns"]][:3] == ["LA", "Population", "2012-13"]
    assert not any("one column per period" in note for note in report["notes"])


def test_a_wide_csv_is_made_long_inside_the_reader(tmp_path):
    text = "Ward,2019,2020,2021,% change\nNorth,10,12,,20%\nSouth,5,6,7,16.7%\nTotal,15,18,7,\n"
    path = tmp_path / "wards.csv"
    path.write_text(text)
    con = store.open_store(tmp_path / "s.duckdb")
    try:
        preview = inspect_file(con, path, kind="kpi")
        assert preview.reshaped and [c.name for c in preview.columns] == ["Ward", "Period", "Value"]
        report = ingest.load_file(con, path, dataset="wards", kind="kpi")
        frame = loaded_frame(con, "wards").sort_values(["Ward", "Period"])
        # Blank cells are no rows; the table's own total row is a total row like any other, marked and kept apart.
        assert report.rows_loaded == len(frame) == 8
        assert frame[frame["Ward"] == "North"]["Value"].tolist() == [10, 12]
        assert report.rows_total == 3 and store.get_dataset(con, "wards").roles["total"] == "Total row"
        assert store.get_dataset(con, "wards").column("Period").grain == "year"
    finally:
        con.close()


def test_the_data_page_offers_the_reshape_and_loads_it(demo_store, open_app, tmp_path):
    path = write_wide_workbook(tmp_path)
    at = open_app("pages/data.py")
    at.file_uploader[0].set_value((path.name, path.read_bytes(), "application/vnd.ms-excel")).run()
    assert not at.exception
    sheet = next(s for s in at.selectbox if s.label == "Sheet")
    assert (sheet.options, sheet.value) == (["Notes", "Table 1"], "Table 1")  # the sheet with the data
    offered = [i.value for i in at.info if "one column per period" in i.value]
    assert offered and "Left out, as worked out from the periods: 'Change in one year', 'Per 1,000'." in offered[0]
    reshape = next(c for c in at.checkbox if c.key.startswith("data_reshape_"))
    assert reshape.value is True
    assert at.selectbox(key="data_kind").value == "kpi"
    assert at.dataframe[0].value["Column"].tolist() == ["LA", "Population", "Period", "Value"]
    at.button(key="data_load").click().run()
    assert not at.exception
    con = store.open_store(demo_store)
    try:
        ds = store.get_dataset(con, "council kpi by year")
        assert ds.row_count == 35 and ds.roles["period"] == "Period" and ds.column("Period").grain == "financial_year"
    finally:
        con.close()


def test_unticking_the_reshape_shows_the_table_as_it_is(demo_store, open_app, tmp_path):
    path = write_wide_workbook(tmp_path)
    at = open_app("pages/data.py")
    at.file_uploader[0].set_value((path.name, path.read_bytes(), "application/vnd.ms-excel")).run()
    next(c for c in at.checkbox if c.key.startswith("data_reshape_")).uncheck().run()
    assert not at.exception
    assert at.dataframe[0].value["Column"].tolist()[:3] == ["LA", "Population", "2012-13"]
    assert any("no column can be the period or the value" in i.value for i in at.info)
