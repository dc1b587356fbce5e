"""AppTest: the Data page — upload a CSV, see how it was read, change a type, load it, see the report and catalogue."""

from __future__ import annotations

import pytest

from analysis import store
from tests.conftest import page_ok, real_data_file

CSV = (
    "Case Ref,Date Received,Reason,Borough,Cost (£)\r\n"
    "1,31/01/2024 09:00,Chasing progress,CROYDON,£12.50\r\n"
    "2,01/02/2024 10:30,Report a repair,Croydon,\"£1,200.00\"\r\n"
    "3,02/02/2024 11:45,Report a repair,Croydon,\r\n"
    "4,,Report a repair,Bromley,£3\r\n"
).encode("cp1252")


def upload(at, content: bytes = CSV, name: str = "repairs export.csv", expected_errors: tuple[str, ...] = ()):
    at.file_uploader[0].set_value((name, content, "text/csv")).run()
    page_ok(at, expected_errors=expected_errors)
    return at


def test_upload_preview_then_load_and_see_it_in_the_catalogue(demo_store, open_app):
    at = upload(open_app("pages/data.py"))
    text = " ".join(m.value for m in at.markdown)
    assert "encoding cp1252" in text and "separated by ','" in text
    assert any("Dates read day-first (UK)" in i.value for i in at.info)
    assert "Column 'Borough': 'Croydon' (2) and 'CROYDON' (1) differ only in case." in text
    assert at.text_input[0].value == "repairs export"

    at.button(key="data_load").click().run()
    page_ok(at)
    success = [s.value for s in at.success]
    assert success == ["Loaded 3 rows into 'repairs export'. 1 rows were rejected."]
    con = store.open_store(demo_store)
    try:
        ds = store.get_dataset(con, "repairs export")
        assert ds.row_count == 3
        assert ds.roles["date"] == "Date Received" and ds.roles["cost"] == "Cost (£)"
        boroughs = store.query_rows(con, 'SELECT DISTINCT Borough FROM "ds_repairs_export" ORDER BY 1')
        assert boroughs == [("Croydon",)]
    finally:
        con.close()
    # The new dataset is now the one in use, and listed in the catalogue.
    assert at.selectbox(key="dataset").value == "repairs export"
    assert "repairs export" in at.selectbox(key="data_manage").options


def test_a_broken_file_gets_a_sentence_and_changes_nothing(demo_store, open_app):
    at = upload(open_app("pages/data.py"), content=b"", name="empty.csv", expected_errors=("is empty",))
    assert [e.value for e in at.error] == ["'empty.csv' is empty: there is nothing to load."]
    con = store.open_store(demo_store)
    try:
        assert len(store.list_datasets(con)) == 6  # the demo's, unchanged
    finally:
        con.close()


def test_changing_a_type_in_the_preview_rejects_what_does_not_fit(demo_store, open_app):
    content = "Opened,Code\n01/02/2024,12\n02/02/2024,TBC\n03/02/2024,15\n".encode()
    at = upload(open_app("pages/data.py"), content=content, name="codes.csv")
    # 'Code' is text (one value in three is not a number). Forcing it to Number is what the editor's Type column does.
    at.session_state["data_types_codes.csv"] = {"Code": "number"}
    at.run()
    page_ok(at)
    text = " ".join(m.value for m in at.markdown)
    assert "Column 'Code': 1 value(s) are not a number (for example 'TBC'); those rows will be rejected." in text
    at.button(key="data_load").click().run()
    assert [s.value for s in at.success] == ["Loaded 2 rows into 'codes'. 1 rows were rejected."]


@pytest.mark.real_data
@pytest.mark.parametrize("file_name,kind,dataset,rows,expected_types", [
    ("lfb_animal_rescue_2009_2019.csv", "records", "lfb_animal_rescue_2009_2019", 5898,
     {"DateTimeOfCall": "timestamp", "IncidentNotionalCost(£)": "number", "AnimalGroupParent": "text"}),
    ("nhs_ae_attendances_2016_2019.csv", "kpi", "nhs_ae_attendances_2016_2019", 12765,
     {"period": "date", "attendances": "integer", "type": "text"}),
])
def test_the_real_files_load_through_the_page(demo_store, open_app, file_name, kind, dataset, rows, expected_types):
    path = real_data_file(file_name)
    at = upload(open_app("pages/data.py"), path.read_bytes(), file_name)
    # The page's guess of what the file holds: the animal rescues are records (times of calls), the A&E file a
    # KPI series (one value per month).
    assert at.selectbox(key="data_kind").value == kind
    at.button(key="data_load").click().run()
    page_ok(at)
    assert [s.value for s in at.success] == [f"Loaded {rows:,} rows into '{dataset}'. 0 rows were rejected."]
    con = store.open_store(demo_store)
    try:
        ds = store.get_dataset(con, dataset)
        assert ds.kind == kind and ds.row_count == rows
        assert {c.name: c.type for c in ds.columns if c.name in expected_types} == expected_types
    finally:
        con.close()


def test_deleting_a_dataset_from_the_page(demo_store, open_app):
    at = open_app("pages/data.py")
    at.selectbox(key="data_manage").set_value("demo_ward_population").run()
    at.button(key="data_delete").click().run()
    page_ok(at)
    assert "demo_ward_population" not in at.selectbox(key="data_manage").options
    con = store.open_store(demo_store)
    try:
        assert not store.dataset_exists(con, "demo_ward_population")
        assert store.dataset_exists(con, "demo_contacts")
    finally:
        con.close()


def editor_roles(at, index: int) -> list[str]:
    return at.dataframe[index].value["Role"].tolist()


def test_the_role_editors_show_labels_not_keys(demo_store, open_app):
    content = "Ref,Date received,Date closed,Reason,Customer\n1,31/01/2024,02/02/2024,Repair,C1\n".encode()
    at = upload(open_app("pages/data.py"), content=content, name="closing.csv")
    preview_roles = editor_roles(at, 0)
    assert preview_roles[:3] == ["Record id", "Date or time received", "Date closed"]
    assert not any(role in preview_roles for role in ("closed_date", "record_id", "date"))
    at.selectbox(key="data_manage").set_value("demo_contacts").run()
    stored = at.dataframe[-1].value
    assert "Date closed" in stored["Role"].tolist() and "closed_date" not in stored["Role"].tolist()


def test_a_load_rejecting_most_rows_waits_for_confirmation(demo_store, open_app):
    content = "Ref,Opened,Cost\n1,31/01/2024,5\n2,,6\n3,,7\n4,,8\n".encode()
    at = open_app("pages/data.py")
    in_use = at.selectbox(key="dataset").value
    upload(at, content=content, name="mostly blank.csv")
    at.button(key="data_load").click().run()
    page_ok(at)
    assert [w.value for w in at.warning] == [
        "3 of the 4 rows of 'mostly blank.csv' would be rejected, more than half, so nothing was loaded (first "
        "reasons: row 2: 'Opened' is blank: every record needs a date; row 3: 'Opened' is blank: every record needs "
        "a date; row 4: 'Opened' is blank: every record needs a date). Check the column types and the date column; "
        "to keep the rows that fit, confirm the load."]
    con = store.open_store(demo_store)
    try:
        assert not store.dataset_exists(con, "mostly blank")
    finally:
        con.close()
    assert at.selectbox(key="dataset").value == in_use
    at.button(key="data_load_anyway").click().run()
    page_ok(at)
    assert [s.value for s in at.success] == ["Loaded 1 rows into 'mostly blank'. 3 rows were rejected."]
    assert at.selectbox(key="dataset").value == "mostly blank"


@pytest.mark.parametrize("name,content,message", [
    ("chart.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
     "'chart.csv' is a PNG image, not a table of data: export the data itself from the system as CSV or Excel and "
     "load that file."),
    ("budget.xlsx", b"PK\x03\x04" + b"\x00" * 80,
     "'budget.xlsx' could not be opened as an Excel workbook: it may be damaged or saved in another format. Open "
     "it in Excel, save it as .xlsx (or CSV) and load that."),
])
def test_files_that_are_not_tables_get_a_plain_sentence(demo_store, open_app, name, content, message):
    at = upload(open_app("pages/data.py"), content=content, name=name, expected_errors=(message,))
    errors = [e.value for e in at.error]
    assert errors == [message]
    shown = " ".join(errors + [m.value for m in at.markdown])
    for engine_word in ("Invalid Input Error", "EOCD", "sniff", "/tmp", "stocktake-uploads", "Traceback"):
        assert engine_word not in shown


def test_blank_rows_are_skipped_and_counted(demo_store, open_app):
    content = "Ref,Opened,Area\n1,31/01/2024,Abbey\n,,\n2,01/02/2024,Oakley\n,,\n".encode()
    at = upload(open_app("pages/data.py"), content=content, name="with blanks.csv")
    assert "2 row(s) have every value blank: they are skipped, not loaded." in " ".join(m.value for m in at.markdown)
    at.button(key="data_load").click().run()
    assert [s.value for s in at.success] == [
        "Loaded 2 rows into 'with blanks'. 0 rows were rejected. 2 blank rows were skipped."]
    con = store.open_store(demo_store)
    try:
        assert store.query_rows(con, 'SELECT count(*), count(DISTINCT Area) FROM "ds_with_blanks"') == [(2, 2)]
    finally:
        con.close()


def test_a_file_of_financial_years_is_guessed_to_be_a_kpi_series_with_its_roles(demo_store, open_app):
    content = ("Financial year,Local authority name,Measure,Value\n2016-17,Darlington,Delays,5.1\n"
               "2017-18,Darlington,Delays,4.8\n2016-17,Enfield,Delays,3.9\n2017-18,Enfield,Delays,4.0\n"
               "2017-18,Enfield,Admissions,40\n").encode()
    at = upload(open_app("pages/data.py"), content=content, name="council kpis.csv")
    assert at.selectbox(key="data_kind").value == "kpi"
    assert editor_roles(at, 0) == ["Period", "Area", "Measure", "Value"]
    # The user's own choice stands on every rerun for this file.
    at.selectbox(key="data_kind").set_value("records").run()
    at.run()
    assert at.selectbox(key="data_kind").value == "records"


def test_a_role_on_the_wrong_type_is_refused_in_the_preview_with_a_way_to_fix_it(demo_store, open_app):
    """Issue 18: a grid mis-click gave a number column the date role and the load went through. Now the preview
    refuses it in a sentence, the load button waits, and one click reads the column as a date (here months written
    201607, which a date column reads as months)."""
    content = "Ref,Board,Bed days\n201607,S08000015,12\n201608,S08000015,15\n201609,S08000015,11\n".encode()
    at = upload(open_app("pages/data.py"), content=content, name="delays.csv")
    at.selectbox(key="data_kind").set_value("kpi").run()
    key = next(k for k in at.session_state._state.filtered_state if k.startswith("data_columns_"))
    assert at.dataframe[0].value["Type"].tolist()[0] == "Whole number"
    at.session_state[key] = {"edited_rows": {0: {"Role": "Period"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Column 'Ref' holds whole numbers, so it cannot be the 'Period': that role needs a date. Choose another "
        "column, or change this column's type first."]
    assert at.button(key="data_load").disabled
    at.button(key="data_as_date_Ref").click().run()
    assert not at.exception and not at.error
    assert at.dataframe[0].value["Type"].tolist()[0] == "Date"
    at.button(key="data_load").click().run()
    assert not at.exception and not at.error
    con = store.open_store(demo_store)
    try:
        ds = store.get_dataset(con, "delays")
        assert (ds.roles["period"], ds.column("Ref").type, ds.column("Ref").grain) == ("Ref", "date", "month")
        assert ds.row_count == 3
    finally:
        con.close()


def test_a_payments_file_gets_its_paid_date_and_amount_and_says_what_it_passed_over(demo_store, open_app, tmp_path):
    from tests.public_tables import write_payments

    path = write_payments(tmp_path)
    at = upload(open_app("pages/data.py"), content=path.read_bytes(), name=path.name)
    roles = dict(zip(at.dataframe[0].value["Column"], at.dataframe[0].value["Role"]))
    # Read as spending (a supplier and an amount), with a payment's roles.
    assert at.selectbox(key="data_kind").value == "spend"
    assert (roles["Payment Date"], roles["Amount"]) == ("Payment date", "Amount (£)")
    assert (roles["Effective Date"], roles["Irrecoverable VAT Amount"]) == ("(none)", "(none)")
    said = " ".join(m.value for m in at.markdown)
    assert "Column 'Effective Date': passed over as a date: every row has the same value ('30/06/2020')." in said
    assert "Column 'Irrecoverable VAT Amount': passed over as the Amount (£): every value is 0." in said
