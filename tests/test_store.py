"""The store: identifier quoting, the catalogue, roles, versions, deletes, the one-writer lock."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from analysis import store
from analysis.load import ingest
from analysis.errors import StocktakeError
from tests.conftest import REPO_ROOT


@pytest.mark.parametrize("name,quoted", [
    ("ward", '"ward"'),
    ("IncidentNotionalCost(£)", '"IncidentNotionalCost(£)"'),
    ('Say "hi"', '"Say ""hi"""'),
    ('x"); DROP TABLE t; --', '"x""); DROP TABLE t; --"'),
    ("", '""'),
])
def test_quote_identifier(name, quoted):
    assert store.quote_identifier(name) == quoted


def test_a_hostile_column_name_is_only_a_name(tmp_path):
    con = store.open_store(tmp_path / "s.duckdb")
    frame = pd.DataFrame({'x"); DROP TABLE stocktake_datasets; --': [1, 2]})
    ingest.load_frame(con, frame, dataset="evil", kind="lookup")
    assert store.query_rows(con, f"SELECT sum({store.quote_identifier(frame.columns[0])}) FROM ds_evil") == [(3,)]
    assert [d.name for d in store.list_datasets(con)] == ["evil"]


@pytest.mark.parametrize("name,ok", [("demo_contacts", True), ("Repairs 2024-25", True), ("", False),
                                     ("-leading", False), ("a" * 61, False), ("semi;colon", False)])
def test_dataset_names(name, ok):
    if ok:
        assert store.validate_dataset_name(name) == name
    else:
        with pytest.raises(StocktakeError, match="cannot be used as a dataset name"):
            store.validate_dataset_name(name)


def test_catalogue_roles_versions_and_delete(tmp_path):
    con = store.open_store(tmp_path / "s.duckdb")
    frame = pd.DataFrame({"when": pd.to_datetime(["2024-01-01"]), "why": ["Chasing"], "where": ["Abbey"]})
    first = ingest.load_frame(con, frame, dataset="calls", kind="records", roles={"when": "date", "why": "reason"})
    ds = store.get_dataset(con, "calls")
    assert (ds.kind, ds.table, ds.row_count, ds.roles) == ("records", "ds_calls", 1, {"date": "when", "reason": "why"})
    assert [c.type for c in ds.columns] == ["timestamp", "text", "text"]

    # Moving a role to another column takes it from the first; the version changes so caches go stale.
    updated = store.set_roles(con, "calls", {"where": "reason"})
    assert updated.roles == {"date": "when", "reason": "where"}
    assert updated.version > first.version
    with pytest.raises(StocktakeError, match="'unit_cost' is not a role for a records dataset"):
        store.set_roles(con, "calls", {"where": "unit_cost"})
    with pytest.raises(StocktakeError, match="has no column 'nope'"):
        store.set_roles(con, "calls", {"nope": "area"})

    store.delete_dataset(con, "calls")
    assert store.list_datasets(con) == []
    assert store.query_rows(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ds_calls'") == [(0,)]
    with pytest.raises(StocktakeError, match="There is no dataset called 'calls'"):
        store.get_dataset(con, "calls")


def test_names_that_would_share_a_table_are_refused(tmp_path):
    con = store.open_store(tmp_path / "s.duckdb")
    ingest.load_frame(con, pd.DataFrame({"a": [1]}), dataset="Repairs 2024", kind="lookup")
    with pytest.raises(StocktakeError, match="too close to the existing dataset 'Repairs 2024'"):
        ingest.load_frame(con, pd.DataFrame({"a": [1]}), dataset="repairs_2024", kind="lookup")


def test_a_second_process_is_told_the_file_is_in_use(tmp_path):
    path = tmp_path / "locked.duckdb"
    con = store.open_store(path)  # this process holds the write lock, as the running app would
    try:
        result = subprocess.run(
            [sys.executable, "-m", "analysis", "datasets", "--db", str(path)],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
        )
    finally:
        con.close()
    assert result.returncode == 2
    assert "is open in another program (python" in result.stderr and "stop the other program" in result.stderr
    # The program by its name only: no path of the store or the program, no process number.
    assert str(tmp_path) not in result.stderr and "PID" not in result.stderr and "/" not in result.stderr
    assert "Traceback" not in result.stderr


def test_tables_derived_from_a_dataset_go_when_it_is_replaced_or_deleted(tmp_path):
    con = store.open_store(tmp_path / "s.duckdb")
    frame = pd.DataFrame({"when": pd.to_datetime(["2024-01-01"]), "who": ["C1"]})
    ingest.load_frame(con, frame, dataset="calls", kind="records", roles={"when": "date", "who": "customer_id"})
    ingest.load_frame(con, frame, dataset="calls_2", kind="records", roles={"when": "date"})

    def tables():
        return sorted(r[0] for r in store.query_rows(con, "SELECT table_name FROM duckdb_tables()")
                      if r[0].startswith("ds_"))

    store.execute(con, 'CREATE TABLE "ds_calls__repeat_customer_id_v1" AS SELECT 1 AS x')
    ingest.load_frame(con, frame, dataset="calls", kind="records", roles={"when": "date"})
    assert tables() == ["ds_calls", "ds_calls_2"]
    store.execute(con, 'CREATE TABLE "ds_calls__repeat_customer_id_v9" AS SELECT 1 AS x')
    store.delete_dataset(con, "calls")
    assert tables() == ["ds_calls_2"]


def test_a_store_from_before_grains_is_migrated_when_opened(tmp_path):
    import duckdb

    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute("CREATE SEQUENCE stocktake_version_seq")
    old.execute("""CREATE TABLE stocktake_datasets (dataset VARCHAR NOT NULL, kind VARCHAR NOT NULL,
                   table_name VARCHAR NOT NULL, source_file VARCHAR, loaded_at TIMESTAMP, row_count BIGINT,
                   version BIGINT)""")
    old.execute("""CREATE TABLE stocktake_columns (dataset VARCHAR NOT NULL, position INTEGER NOT NULL,
                   name VARCHAR NOT NULL, type VARCHAR NOT NULL, role VARCHAR)""")
    old.execute("INSERT INTO stocktake_datasets VALUES ('kpis', 'kpi', 'ds_kpis', 'k.csv', NULL, 1, 1)")
    old.execute("INSERT INTO stocktake_columns VALUES ('kpis', 0, 'period', 'date', 'period')")
    old.execute("CREATE TABLE ds_kpis AS SELECT DATE '2024-04-01' AS period")
    old.close()
    # Read-only, the old catalogue still reads (no grain yet); opened to write, it gains the grain column.
    ro = store.open_store(path, read_only=True)
    try:
        assert store.get_dataset(ro, "kpis").columns == (store.Column("period", "date", "period", None),)
    finally:
        ro.close()
    con = store.open_store(path)
    try:
        assert store.query_rows(con, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'stocktake_columns' "
                                     "AND column_name = 'grain'") == [(1,)]
        assert store.get_dataset(con, "kpis").as_dict()["columns"] == [
            {"name": "period", "type": "date", "role": "period", "grain": None}]
    finally:
        con.close()


def test_a_table_created_by_two_sessions_at_once_is_no_error(tmp_path):
    # Streamlit serves each session on its own thread: two first visits can both find a settings table missing.
    import threading

    con = store.open_store(tmp_path / "race.duckdb")
    ddl = "CREATE TABLE IF NOT EXISTS settings_once (k VARCHAR, v VARCHAR)"
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        barrier.wait()
        try:
            store.create_if_missing(con, "settings_once", ddl)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.table_exists(con, "settings_once")
    with store.recording_queries() as seen:
        store.create_if_missing(con, "settings_once", ddl)
    assert not any("CREATE" in q for q in seen)  # once it exists, a read writes nothing


def test_a_recording_sees_every_thread_but_background_work(tmp_path):
    """A rerun's recording leaves out a large load's derived tables or the next agenda item being worked out on
    another thread (they made a fragment's test see queries it never ran), and keeps other threads' queries."""
    import threading

    con = store.open_store(tmp_path / "s.duckdb")

    def background():
        with store.background_work():
            store.query_df(con, "SELECT 'background' AS q")
        store.query_df(con, "SELECT 'after the work' AS q")

    with store.recording_queries() as seen:
        worker = threading.Thread(target=background)
        worker.start()
        worker.join()
        store.query_df(con, "SELECT 'foreground' AS q")
    con.close()
    assert seen == ["SELECT 'after the work' AS q", "SELECT 'foreground' AS q"]
