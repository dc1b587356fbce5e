"""The loader on tricky files the tests write themselves: every case of issue 2, section 3."""

from __future__ import annotations


import pandas as pd
import pytest

from analysis import store
from analysis.load import ingest, workbook
from analysis.load.preview import inspect_file
from analysis.load.detect import MONTH_FIRST
from analysis.errors import StocktakeError


@pytest.fixture
def con(tmp_path):
    connection = store.open_store(tmp_path / "store.duckdb")
    yield connection
    connection.close()


def write(tmp_path, name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> str:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return str(path)


def table(con, dataset: str) -> pd.DataFrame:
    ds = store.get_dataset(con, dataset)
    return store.query_df(con, f"SELECT * FROM {store.quote_identifier(ds.table)}")


def types_of(con, dataset: str) -> dict[str, str]:
    return {c.name: c.type for c in store.get_dataset(con, dataset).columns}


# ----- dates -----------------------------------------------------------------------------------------------------

def test_uk_timestamps_are_read_day_first_when_a_value_settles_it(con, tmp_path):
    path = write(tmp_path, "calls.csv", "ref,DateTimeOfCall\nA,01/02/2017 09:15\nB,31/12/2017 23:59\nC,05/06/2018 00:00\n")
    report = ingest.load_file(con, path, dataset="calls")
    assert types_of(con, "calls")["DateTimeOfCall"] == "timestamp"
    assert table(con, "calls")["DateTimeOfCall"].tolist() == [
        pd.Timestamp("2017-02-01 09:15"), pd.Timestamp("2017-12-31 23:59"), pd.Timestamp("2018-06-05 00:00")]
    assert "day-first" in report.warnings[0] and "1 value such as 31/12" in report.warnings[0]
    assert store.get_dataset(con, "calls").roles["date"] == "DateTimeOfCall"


def test_us_dates_are_read_month_first_when_a_value_settles_it(con, tmp_path):
    path = write(tmp_path, "us.csv", "Opened,Count\n01/02/2017,1\n12/31/2017,2\n")
    report = ingest.load_file(con, path, dataset="us")
    assert table(con, "us")["Opened"].tolist() == [pd.Timestamp(2017, 1, 2), pd.Timestamp(2017, 12, 31)]
    assert report.warnings[0].startswith("Dates read month-first (US)")


def test_ambiguous_dates_default_to_day_first_and_say_so(con, tmp_path):
    path = write(tmp_path, "amb.csv", "Opened\n01/02/2017\n03/04/2017\n")
    report = ingest.load_file(con, path, dataset="amb")
    assert table(con, "amb")["Opened"].tolist() == [pd.Timestamp(2017, 2, 1), pd.Timestamp(2017, 4, 3)]
    assert "Nothing in the dates settles day-first or month-first" in report.warnings[0]


def test_user_can_override_the_date_order(con, tmp_path):
    path = write(tmp_path, "amb.csv", "Opened\n01/02/2017\n03/04/2017\n")
    ingest.load_file(con, path, dataset="amb", date_order=MONTH_FIRST)
    assert table(con, "amb")["Opened"].tolist() == [pd.Timestamp(2017, 1, 2), pd.Timestamp(2017, 3, 4)]


def test_am_pm_timestamps(con, tmp_path):
    path = write(tmp_path, "ampm.csv", "Received\n01/02/2024 3:05 PM\n13/02/2024 11:15 AM\n14/02/2024 12:30 AM\n")
    ingest.load_file(con, path, dataset="ampm")
    assert table(con, "ampm")["Received"].tolist() == [
        pd.Timestamp("2024-02-01 15:05"), pd.Timestamp("2024-02-13 11:15"), pd.Timestamp("2024-02-14 00:30")]


def test_iso_and_named_month_dates(con, tmp_path):
    path = write(tmp_path, "iso.csv", "period,when\n2017-03-01,5-Jan-2024\n2017-02-01,17-Mar-2024\n")
    ingest.load_file(con, path, dataset="iso", kind="kpi")
    frame = table(con, "iso")
    assert frame["period"].tolist() == [pd.Timestamp(2017, 3, 1), pd.Timestamp(2017, 2, 1)]
    assert frame["when"].tolist() == [pd.Timestamp(2024, 1, 5), pd.Timestamp(2024, 3, 17)]


def test_a_column_of_midnights_is_not_a_date_and_the_load_warns(con, tmp_path):
    rows = "\n".join(f"{i},00:00:00,{i * 10}" for i in range(1, 3837))
    path = write(tmp_path, "paid.csv", "Ref,Paid Date,Amount\n" + rows + "\n")
    report = ingest.load_file(con, path, dataset="paid")
    assert report.rows_loaded == 3836
    assert types_of(con, "paid")["Paid Date"] == "text"
    assert "Column 'Paid Date': no usable dates: all 3,836 values are '00:00:00'." in report.warnings


# ----- numbers and text ------------------------------------------------------------------------------------------

def test_money_brackets_text_numbers_and_blanks(con, tmp_path):
    path = write(tmp_path, "money.csv",
                 'Case,Amount,Pumps\nA,"£1,234.50",1.0\nB,"(1,234)",2.0\nC,,\nD,£7,3.5\nE,n/a,4.0\n')
    report = ingest.load_file(con, path, dataset="money")
    frame = table(con, "money")
    assert types_of(con, "money") == {"Case": "text", "Amount": "number", "Pumps": "number"}
    assert frame["Amount"].tolist()[:2] == [1234.5, -1234.0]
    assert pd.isna(frame["Amount"].iloc[2]) and frame["Amount"].iloc[3] == 7.0 and pd.isna(frame["Amount"].iloc[4])
    assert frame["Pumps"].tolist()[:2] == [1.0, 2.0]
    assert report.rows_rejected == 0


def test_codes_with_leading_zeros_stay_text(con, tmp_path):
    path = write(tmp_path, "codes.csv", "Code,N\n007,1\n012,2\n")
    ingest.load_file(con, path, dataset="codes")
    assert types_of(con, "codes") == {"Code": "text", "N": "integer"}
    assert table(con, "codes")["Code"].tolist() == ["007", "012"]


def test_trailing_spaces_are_trimmed_and_case_variants_reported_then_unified_on_request(con, tmp_path):
    text = "Borough,Animal\nCROYDON ,cat\nCroydon,Cat\nCroydon,Cat\n Bromley,Dog\n"
    path = write(tmp_path, "b.csv", text)
    preview = inspect_file(con, path)
    assert preview.column("Borough").case_variants == [[("Croydon", 2), ("CROYDON", 1)]]
    assert "Column 'Animal': 'Cat' (2) and 'cat' (1) differ only in case." in preview.problems

    ingest.load_file(con, path, dataset="kept")
    assert sorted(table(con, "kept")["Borough"].unique()) == ["Bromley", "CROYDON", "Croydon"]

    report = ingest.load_file(con, path, dataset="unified", unify_case=True)
    frame = table(con, "unified")
    assert frame["Borough"].tolist() == ["Croydon", "Croydon", "Croydon", "Bromley"]
    assert frame["Animal"].tolist() == ["Cat", "Cat", "Cat", "Dog"]
    assert any("Case variants unified" in w for w in report.warnings)
    # The report describes the data as loaded: once merged, no spellings are said to differ (issue 18).
    assert not any("differ only in case" in w for w in report.warnings)


# ----- encodings, delimiters, line endings, headers --------------------------------------------------------------

def test_cp1252_file_keeps_the_pound_sign(con, tmp_path):
    path = write(tmp_path, "win.csv", "Service,Cost (£)\nCafé repairs,£12.50\n", encoding="cp1252", newline="\r\n")
    preview = inspect_file(con, path)
    assert preview.encoding == "cp1252"
    ingest.load_file(con, path, dataset="win")
    frame = table(con, "win")
    assert list(frame.columns) == ["Service", "Cost (£)"]
    assert frame.iloc[0].tolist() == ["Café repairs", 12.5]


def test_a_file_mixing_utf8_and_windows_1252_rows_loads_each_row_as_written_and_says_so(con, tmp_path):
    path = tmp_path / "merged.csv"
    path.write_bytes("Service,Cost (£)\r\nCafé repairs,£1.50\r\n".encode()
                     + "Café repairs,£1.50\r\n".encode("cp1252") + "Crème,£2\r\n".encode())
    report = ingest.load_file(con, str(path), dataset="merged")
    frame = table(con, "merged")
    assert frame["Service"].tolist() == ["Café repairs", "Café repairs", "Crème"]
    assert frame["Cost (£)"].tolist() == [1.5, 1.5, 2.0]
    assert any("mixes two encodings" in w and "line 3 is Windows-1252" in w for w in report.warnings)


def test_utf8_bom_and_crlf(con, tmp_path):
    path = write(tmp_path, "bom.csv", "\ufeffRef,Opened\r\nA,31/01/2024\r\nB,01/02/2024\r\n")
    ingest.load_file(con, path, dataset="bom")
    frame = table(con, "bom")
    assert list(frame.columns) == ["Ref", "Opened"]
    assert frame["Opened"].tolist() == [pd.Timestamp(2024, 1, 31), pd.Timestamp(2024, 2, 1)]


@pytest.mark.parametrize("delimiter,suffix", [("\t", "tsv"), (";", "csv"), ("|", "txt")])
def test_any_delimiter(con, tmp_path, delimiter, suffix):
    text = delimiter.join(["Ref", "Reason", "Cost"]) + "\n" + delimiter.join(["1", "Chasing, again", "2.5"]) + "\n"
    path = write(tmp_path, f"d.{suffix}", text)
    ingest.load_file(con, path, dataset="d")
    assert table(con, "d").iloc[0].tolist() == [1, "Chasing, again", 2.5]


def test_odd_headers_are_cleaned_and_quoted(con, tmp_path):
    path = write(tmp_path, "h.csv", '"Incident  Cost(£)",,"Say ""hi""",Ref,Ref\n1,2,3,4,5\n')
    ingest.load_file(con, path, dataset="headers")
    frame = table(con, "headers")
    assert list(frame.columns) == ["Incident Cost(£)", "column_2", 'Say "hi"', "Ref", "Ref (2)"]
    assert frame.iloc[0].tolist() == [1, 2, 3, 4, 5]


# ----- Excel and Parquet -----------------------------------------------------------------------------------------

def test_excel_first_sheet_by_default_and_a_chosen_sheet(con, tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        pd.DataFrame({"Opened": pd.to_datetime(["2024-01-31", "2024-02-01"]), "Cost": [1.5, 2.0],
                      "Ward": ["Abbey", "Oakley"]}).to_excel(writer, sheet_name="Cases", index=False)
        pd.DataFrame({"Ward": ["Abbey"], "Population": [12000]}).to_excel(writer, sheet_name="Population", index=False)
    assert workbook.list_sheets(path) == ["Cases", "Population"]
    ingest.load_file(con, path, dataset="cases")
    assert types_of(con, "cases") == {"Opened": "date", "Cost": "number", "Ward": "text"}
    assert table(con, "cases")["Opened"].tolist() == [pd.Timestamp(2024, 1, 31), pd.Timestamp(2024, 2, 1)]
    ingest.load_file(con, path, dataset="pop", kind="lookup", sheet="Population")
    assert table(con, "pop").iloc[0].tolist() == ["Abbey", 12000]
    assert store.get_dataset(con, "pop").roles == {"area": "Ward", "population": "Population"}
    with pytest.raises(StocktakeError, match="has no sheet called 'Nope'. Its sheets are: Cases, Population"):
        ingest.load_file(con, path, dataset="x", sheet="Nope")


def test_parquet_keeps_its_types(con, tmp_path):
    path = tmp_path / "p.parquet"
    pd.DataFrame({"when": pd.to_datetime(["2024-01-01 10:00"]), "n": [3], "reason": [" Chasing "]}).to_parquet(path)
    ingest.load_file(con, path, dataset="pq")
    assert types_of(con, "pq") == {"when": "timestamp", "n": "integer", "reason": "text"}


# ----- rejects ---------------------------------------------------------------------------------------------------

def test_values_that_do_not_fit_a_chosen_type_are_rejected_with_reasons(con, tmp_path):
    path = write(tmp_path, "r.csv", "Opened,Cost\n01/02/2024,5\n,6\n03/02/2024,lots\n04/02/2024,7\n")
    report = ingest.load_file(con, path, dataset="r", types={"Cost": "number"})
    assert report.rows_loaded == 2 and report.rows_rejected == 2
    assert report.rejects[["row", "reason"]].values.tolist() == [
        ["row 2", "'Opened' is blank: every record needs a date"],
        ["row 3", "'Cost': 'lots' is not a number"],
    ]
    assert ingest.rejected_rows(con, "r")["reason"].tolist() == report.rejects["reason"].tolist()
    assert table(con, "r")["Cost"].tolist() == [5.0, 7.0]


def test_a_column_mostly_not_numbers_stays_text(con, tmp_path):
    path = write(tmp_path, "t.csv", "type,n\n1,1\n2,2\nother,3\n")
    report = ingest.load_file(con, path, dataset="t")
    assert types_of(con, "t")["type"] == "text" and report.rows_rejected == 0


def test_malformed_lines_are_rejected_and_named(con, tmp_path):
    path = write(tmp_path, "m.csv", "a,b\n1,2\n3,4,5\n6,7\n")
    report = ingest.load_file(con, path, dataset="m")
    assert report.rows_loaded == 2 and report.rows_rejected == 1
    assert report.rejects.iloc[0]["row"] == "line 3"
    assert report.rejects.iloc[0]["reason"] == "line 3 has more values than the header has columns (3 where the header has 2)"


@pytest.mark.parametrize("name,text,message", [
    ("empty.csv", "", "'empty.csv' is empty"),
    ("header.csv", "a,b\n", "has a header but no rows of data"),
    ("notes.docx", "hello", "is not a file type Stocktake reads"),
])
def test_unusable_files_get_a_sentence(con, tmp_path, name, text, message):
    path = write(tmp_path, name, text)
    with pytest.raises(StocktakeError, match=message):
        ingest.load_file(con, path, dataset="x")
    assert store.list_datasets(con) == []


# ----- atomic loads, append --------------------------------------------------------------------------------------

def test_a_failed_load_leaves_the_previous_version_and_others_untouched(con, tmp_path):
    good = write(tmp_path, "good.csv", "Opened,Cost\n01/02/2024,5\n02/02/2024,6\n")
    ingest.load_file(con, good, dataset="cases")
    ingest.load_file(con, good, dataset="other")
    before = store.get_dataset(con, "cases")
    bad = write(tmp_path, "bad.csv", "Opened,Cost\nsoon,5\nlater,6\n")
    with pytest.raises(StocktakeError, match="Every row of 'bad.csv' was rejected"):
        ingest.load_file(con, bad, dataset="cases", types={"Opened": "date"}, roles={"Opened": "date"})
    assert store.get_dataset(con, "cases") == before
    assert table(con, "cases")["Cost"].tolist() == [5.0, 6.0]
    assert store.get_dataset(con, "other").row_count == 2


def test_append_adds_rows_and_a_mismatch_names_the_columns(con, tmp_path):
    first = write(tmp_path, "a.csv", "Opened,Cost\n01/02/2024,5\n")
    second = write(tmp_path, "b.csv", "Opened,Cost\n03/02/2024,6\n")
    ingest.load_file(con, first, dataset="cases")
    report = ingest.load_file(con, second, dataset="cases", mode=ingest.APPEND)
    assert report.rows_loaded == 1 and store.get_dataset(con, "cases").row_count == 2
    wrong = write(tmp_path, "c.csv", "Opened,Price,Ward\n04/02/2024,6,Abbey\n")
    with pytest.raises(StocktakeError) as exc:
        ingest.load_file(con, wrong, dataset="cases", mode=ingest.APPEND)
    assert "missing 'Cost'" in str(exc.value) and "not in the dataset: 'Price', 'Ward'" in str(exc.value)
    assert store.get_dataset(con, "cases").row_count == 2


def test_appending_to_a_missing_dataset_is_refused(con, tmp_path):
    path = write(tmp_path, "a.csv", "Opened\n01/02/2024\n")
    with pytest.raises(StocktakeError, match="there is no such dataset yet"):
        ingest.load_file(con, path, dataset="nothing", mode=ingest.APPEND)


def test_roles_given_explicitly_replace_suggestions_and_are_checked(con, tmp_path):
    path = write(tmp_path, "a.csv", "Opened,Borough,Ward\n01/02/2024,Croydon,Abbey\n")
    ingest.load_file(con, path, dataset="a", roles={"Opened": "date", "Borough": "area"})
    assert store.get_dataset(con, "a").roles == {"date": "Opened", "area": "Borough"}
    with pytest.raises(StocktakeError, match="both given the role 'area'"):
        ingest.load_file(con, path, dataset="a", roles={"Borough": "area", "Ward": "area"})
    with pytest.raises(StocktakeError, match="'population' is not a role for a records dataset"):
        ingest.load_file(con, path, dataset="a", roles={"Borough": "population"})


def test_progress_is_reported_in_order(con, tmp_path):
    path = write(tmp_path, "a.csv", "Opened\n01/02/2024\n")
    steps = []
    ingest.load_file(con, path, dataset="a", progress=lambda fraction, message: steps.append(fraction))
    assert steps == sorted(steps) and steps[0] < 0.5 and steps[-1] == 1.0


def test_a_ten_thousand_row_file_goes_through_duckdb_with_exact_counts(con, tmp_path):
    rows = "\n".join(f"{i},{(i % 28) + 1:02d}/{(i % 12) + 1:02d}/2023,£{i},{'Web' if i % 3 else 'web '}"
                     for i in range(10_000))
    path = write(tmp_path, "big.csv", "id,Received,Cost,Channel\n" + rows + "\n")
    report = ingest.load_file(con, path, dataset="big", unify_case=True)
    assert report.rows_loaded == 10_000
    counts = store.query_df(con, "SELECT Channel, count(*) AS n, sum(Cost) AS total FROM ds_big GROUP BY 1")
    assert counts.set_index("Channel")["n"].to_dict() == {"Web": 10_000}
    assert counts["total"].iloc[0] == sum(range(10_000))


def test_an_engine_failure_is_one_sentence_with_a_reference_and_the_detail_in_the_log(con, tmp_path, monkeypatch,
                                                                                         caplog):
    import re

    import duckdb

    from analysis.load import reading

    good = write(tmp_path, "good.csv", "Opened,Cost\n01/02/2024,5\n")
    ingest.load_file(con, good, dataset="cases")
    before = store.get_dataset(con, "cases")

    def engine_fails(*args, **kwargs):
        raise duckdb.IOException("IO Error: Could not write file \"/tmp/x.duckdb.tmp/duckdb_temp_storage-0.tmp\"")

    monkeypatch.setattr(reading, "create_converted", engine_fails)
    with caplog.at_level("ERROR", logger="analysis.load.ingest"), pytest.raises(StocktakeError) as raised:
        ingest.load_file(con, good, dataset="cases")
    message = str(raised.value)
    assert re.fullmatch(r"Something went wrong loading 'good\.csv' \(nothing was changed\): the details are in the "
                        r"server log \(reference \d{4}\)\.", message)
    assert "IO Error" not in message and "/tmp" not in message
    assert "Could not write file" in caplog.text and message[-6:-2] in caplog.text
    assert store.get_dataset(con, "cases") == before


# ----- issue 18: every table a council publishes -------------------------------------------------------------------

def test_months_written_as_whole_numbers_load_as_months(con, tmp_path):
    text = "MonthOfDelay,HBT,Delays\n" + "".join(f"2016{m:02d},S08000015,{m * 3}\n" for m in range(1, 13))
    report = ingest.load_file(con, write(tmp_path, "phs.csv", text), dataset="delays", kind="kpi")
    ds = store.get_dataset(con, "delays")
    assert (ds.column("MonthOfDelay").type, ds.column("MonthOfDelay").grain) == ("date", "month")
    assert ds.roles["period"] == "MonthOfDelay" and report.rows_rejected == 0
    assert table(con, "delays")["MonthOfDelay"].min() == pd.Timestamp(2016, 1, 1)


def test_a_number_column_made_a_date_by_hand_reads_its_periods(con, tmp_path):
    # Three yyyymm ids with no header saying so stay numbers; typed as a date by the user, they are months, not
    # "'201607' is not a date" on every row.
    text = "Ref,Count\n201607,5\n201608,6\n201609,7\n"
    path = write(tmp_path, "ref.csv", text)
    assert inspect_file(con, path).column("Ref").type == "integer"
    report = ingest.load_file(con, path, dataset="made", kind="kpi", types={"Ref": "date"},
                              roles={"Ref": "period", "Count": "value"})
    assert report.rows_rejected == 0
    assert table(con, "made")["Ref"].tolist() == [pd.Timestamp(2016, 7, 1), pd.Timestamp(2016, 8, 1),
                                                   pd.Timestamp(2016, 9, 1)]
    assert store.get_dataset(con, "made").column("Ref").grain == "month"


def test_a_role_on_the_wrong_type_is_refused_at_load_and_after(con, tmp_path):
    path = write(tmp_path, "pay.csv", "Paid Date,Supplier ID,Amount\n03/02/2020,101,500\n04/02/2020,102,600\n")
    with pytest.raises(StocktakeError, match="Column 'Supplier ID' holds whole numbers, so it cannot be the 'Date"):
        ingest.load_file(con, path, dataset="pay", roles={"Supplier ID": "date", "Amount": "cost"})
    assert not store.dataset_exists(con, "pay")
    ingest.load_file(con, path, dataset="pay")
    with pytest.raises(StocktakeError, match="holds whole numbers, so it cannot be the 'Date or time received'"):
        store.set_roles(con, "pay", {"Supplier ID": "date"})
    assert store.get_dataset(con, "pay").roles["date"] == "Paid Date"


SPANS_CSV = ("Code,Council,Year,Value\n"
             + "".join(f"A1,{c},{y}-{(y + 1) % 100:02d},{y - 2000 + i}\n" for y in range(2010, 2020)
                       for i, c in enumerate(["Angus", "Fife", "Moray"]))
             + "".join(f"B2,{c},{s},{i + 0.5}\n" for s in ("2010-14", "2012-15", "2013-16")
                       for i, c in enumerate(["Angus", "Fife", "Moray"])))


def test_multi_year_spans_are_set_apart_from_single_years(con, tmp_path):
    path = write(tmp_path, "lgbf.csv", SPANS_CSV)
    report = ingest.load_file(con, path, dataset="bench", kind="kpi")
    ds = store.get_dataset(con, "bench")
    assert (ds.column("Year").type, ds.column("Year").grain) == ("date", "financial_year")
    assert (ds.column("Year (multi-year span)").type, ds.column("Year (multi-year span)").grain) == ("text", "span")
    frame = table(con, "bench")
    spans = frame[frame["Year (multi-year span)"].notna()]
    # The spans keep their rows and their values, with no period: nothing puts them on a time axis.
    assert (len(frame), len(spans), report.rows_rejected) == (39, 9, 0)
    assert spans["Year"].isna().all() and set(spans["Year (multi-year span)"]) == {"2010-14", "2012-15", "2013-16"}
    assert frame.loc[frame["Year (multi-year span)"].isna(), "Year"].notna().all()
    assert any("9 rows hold multi-year spans (3 different, such as '2010-14', '2012-15', '2013-16')" in w
               for w in report.warnings)
    # Single years only: the spans' rows are left out and counted, and so is their column.
    report = ingest.load_file(con, path, dataset="single", kind="kpi", single_years_only=True)
    assert (report.rows_loaded, report.rows_left_out) == (30, {"multi-year spans": 9})
    assert "Year (multi-year span)" not in [c.name for c in store.get_dataset(con, "single").columns]
    assert table(con, "single")["Year"].notna().all()


def test_the_preview_counts_the_spans_it_will_set_apart(con, tmp_path):
    preview = inspect_file(con, write(tmp_path, "lgbf.csv", SPANS_CSV), kind="kpi")
    year = preview.column("Year")
    assert (year.grain, year.span_column, year.span_rows) == ("financial_year", "Year (multi-year span)", 9)


def test_date_only_values_in_a_date_and_time_column_are_midnight(con, tmp_path):
    # The sample decides the formats from a few hundred values: a date-only value it never saw is still a date.
    from analysis.load.convert import quick_sql
    from analysis.load.detect import ColumnProfile

    col = ColumnProfile("Received", "timestamp", "timestamp", date_formats=["%Y-%m-%d %H:%M:%S"])
    sql = quick_sql(col, "v", "day-first")
    got = con.execute(f"SELECT {sql} FROM (SELECT unnest(['2023-01-08', '2023-01-08 14:30:00']) AS v)").fetchall()
    assert [r[0] for r in got] == [pd.Timestamp(2023, 1, 8).to_pydatetime(),
                                   pd.Timestamp(2023, 1, 8, 14, 30).to_pydatetime()]


def test_an_excel_column_of_date_times_with_a_few_date_only_cells_loses_no_row(con, tmp_path):
    import datetime as dt

    import xlsxwriter

    path = tmp_path / "requests.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Requests")
    stamp, day = book.add_format({"num_format": "dd/mm/yyyy hh:mm"}), book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, ["Request Number", "Received"] + [f"Extra {k}" for k in range(40)])
    for i in range(6_000):
        when = dt.datetime(2023, 1, 1) + dt.timedelta(minutes=97 * i)
        sheet.write(i + 1, 0, f"R{i:05d}")
        if i % 600 == 7:  # ten date-only cells, one in six hundred: the sample's few hundred values miss them
            sheet.write_datetime(i + 1, 1, dt.datetime(when.year, when.month, when.day), day)
        else:
            sheet.write_datetime(i + 1, 1, when, stamp)
        for k in range(40):
            sheet.write(i + 1, 2 + k, f"v{(i + k) % 6}")
    book.close()
    report = ingest.load_file(con, path, dataset="requests")
    assert (report.rows_loaded, report.rows_rejected) == (6_000, 0)
    received = table(con, "requests")["Received"]
    assert received.iloc[7] == pd.Timestamp((dt.datetime(2023, 1, 1) + dt.timedelta(minutes=97 * 7)).date())


def test_repeated_ids_are_reported_and_exact_copies_dropped_on_request(con, tmp_path):
    rows = ["Request Number,Received,Type"] + [f"R{i:04d},0{1 + i % 9}/03/2024 10:{i % 60:02d},Bins"
                                                  for i in range(200)]
    rows += rows[1:11]  # ten exact copies
    rows += [f"R{i:04d},01/04/2024 09:00,Noise" for i in range(20, 25)]  # five repeats that differ
    path = write(tmp_path, "requests.csv", "\n".join(rows) + "\n")
    report = ingest.load_file(con, path, dataset="kept")
    assert report.rows_loaded == 215
    assert any(w.startswith("15 rows repeat a value of 'Request Number' (the record id) that an earlier row has; "
                            "10 of them are exact copies of an earlier row. They are loaded as they are")
               for w in report.warnings)
    preview = inspect_file(con, path)
    assert (preview.repeated_ids, preview.exact_duplicates) == (15, 10)
    report = ingest.load_file(con, path, dataset="dropped", drop_duplicates=True)
    assert (report.rows_loaded, report.rows_left_out) == (205, {"exact duplicates": 10})
    frame = table(con, "dropped")
    assert len(frame) == 205 and frame["Request Number"].value_counts().max() == 2


def test_published_statistics_markers_are_blanks_not_rejected_rows(con, tmp_path):
    text = "Council,Year,Value\nAngus,2016-17,12.5\nFife,2016-17,..\nMoray,2016-17,[c]\nHighland,2016-17,:\n"
    report = ingest.load_file(con, write(tmp_path, "pub.csv", text), dataset="pub", kind="kpi")
    assert (report.rows_loaded, report.rows_rejected) == (4, 0)
    assert table(con, "pub")["Value"].isna().sum() == 3
