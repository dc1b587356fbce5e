"""AppTest: the Data page — upload a CSV, see how it was read, change a type, load it, see the report and catalogue."""

from __future__ import annotations

import pytest

from analysis import store
from tests.conftest import real_data_file

CSV = (
    "Case Ref,Date Received,Reason,Borough,Cost (£)\r\n"
    "1,31/01/2024 09:00,Chasing progress,CROYDON,£12.50\r\n"
    "2,01/02/2024 10:30,Report a repair,Croydon,\"£1,200.00\"\r\n"
    "3,02/02/2024 11:45,Report a repair,Croydon,\r\n"
    "4,,Report a repair,Bromley,£3\r\n"
).encode("cp1252")


def upload(at, content: bytes = CSV, name: str = "repairs export.csv"):
    at.file_uploader[0].set_value((name, content, "text/csv")).run()
    assert not at.exception
    return at


def test_upload_preview_then_load_and_see_it_in_the_catalogue(demo_store, open_app):
    at = upload(open_app("pages/data.py"))
    text = " ".join(m.value for m in at.markdown)
    assert "encoding cp1252" in text and "separated by ','" in text
    assert any("Dates read day-first (UK)" in i.value for i in at.info)
    assert "Column 'Borough': 'Croydon' (2) and 'CROYDON' (1) differ only in case." in text
    assert at.text_input[0].value == "repairs export"

    at.button(key="data_load").click().run()
    assert not at.exception
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
    at = upload(open_app("pages/data.py"), content=b"", name="empty.csv")
    assert [e.value for e in at.error] == ["'empty.csv' is empty: there is nothing to load."]
    con = store.open_store(demo_store)
    try:
        assert len(store.list_datasets(con)) == 5
    finally:
        con.close()


def test_changing_a_type_in_the_preview_rejects_what_does_not_fit(demo_store, open_app):
    content = "Opened,Code\n01/02/2024,12\n02/02/2024,TBC\n03/02/2024,15\n".encode()
    at = upload(open_app("pages/data.py"), content=content, name="codes.csv")
    # 'Code' is text (one value in three is not a number). Forcing it to Number is what the editor's Type column does.
    at.session_state["data_types_codes.csv"] = {"Code": "number"}
    at.run()
    assert not at.exception
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
    if kind != "records":
        at.selectbox(key="data_kind").set_value(kind).run()
    at.button(key="data_load").click().run()
    assert not at.exception
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
    assert not at.exception
    assert "demo_ward_population" not in at.selectbox(key="data_manage").options
    con = store.open_store(demo_store)
    try:
        assert not store.dataset_exists(con, "demo_ward_population")
        assert store.dataset_exists(con, "demo_contacts")
    finally:
        con.close()
