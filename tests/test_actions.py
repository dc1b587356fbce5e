"""ui.actions, the one gate for every change: each change and its audit record commit together (one transaction), a
full disk is said as such, and two loads into one name at once are told apart.

The gate's user is patched to the laptop's editor (no Streamlit session is needed to call the functions); the
sign-in checks themselves are in tests/test_page_auth.py.
"""

from __future__ import annotations

import threading
from datetime import date

import duckdb
import pytest

from analysis import classification, errors, store
from analysis.governance import access, audit
from analysis.load import ingest
from analysis.workshop import sessions
from analysis.savings import baseline, model
from ui import actions

DISK_FULL_ERROR = duckdb.IOException('Could not write file "stocktake.duckdb.wal": No space left on device')
CSV = "Case Ref,Date Received,Reason\n1,31/01/2024,Chasing\n2,01/02/2024,Repair\n"


@pytest.fixture
def con(demo_store, monkeypatch):
    monkeypatch.setattr(actions, "current_user", lambda: access.LOCAL_EDITOR)
    connection = store.open_store(demo_store)
    yield connection
    connection.close()


def snapshot(con) -> dict[str, tuple]:
    """Every table's row count, and the rows themselves for tables that are not the big datasets: what a change that
    did not happen must leave exactly as it was. Empty tables are left out: a settings table made empty on first use
    is the schema, not a change."""
    seen = {}
    for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary "
                               "AND schema_name = 'main' ORDER BY 1").fetchall():
        q = store.quote_identifier(name)
        count = con.execute(f"SELECT count(*) FROM {q}").fetchone()[0]
        rows = sorted(map(repr, con.execute(f"SELECT * FROM {q}").fetchall())) if count < 20_000 else None
        if count:
            seen[name] = (count, rows)
    return seen


def _demo(con):
    return store.get_dataset(con, "demo_contacts")


def _csv(tmp_path):
    path = tmp_path / "monthly repairs.csv"
    path.write_text(CSV)
    return path


def _session_id(con) -> int:
    return sessions.create_session(con, "Repairs review", dataset="demo_contacts")


# (what, set-up made beforehand (its result is passed on), the change through the gate)
CHANGES = [
    ("load a new dataset", lambda con, tmp: _csv(tmp),
     lambda con, path: actions.load_file(con, path, dataset="monthly repairs")),
    ("replace a dataset", lambda con, tmp: (_csv(tmp), actions.load_file(con, _csv(tmp), dataset="monthly repairs"))[0],
     lambda con, path: actions.load_file(con, path, dataset="monthly repairs")),
    ("append to a dataset", lambda con, tmp: (_csv(tmp), actions.load_file(con, _csv(tmp), dataset="monthly repairs"))[0],
     lambda con, path: actions.load_file(con, path, dataset="monthly repairs", mode=ingest.APPEND)),
    ("delete a dataset", None, lambda con, _: actions.delete_dataset(con, "demo_contacts")),
    ("set roles", None, lambda con, _: actions.set_roles(con, "demo_contacts", {"channel": None})),
    ("save the classification", None,
     lambda con, _: actions.save_classification(con, _demo(con), classification.classification_frame(con, _demo(con)))),
    ("choose a lookup", None, lambda con, _: actions.choose_lookup(con, "demo_contacts", "unit_cost", None)),
    ("match lookups by names again", lambda con, tmp: actions.choose_lookup(con, "demo_contacts", "unit_cost", None),
     lambda con, _: actions.choose_lookup(con, "demo_contacts", "unit_cost", None, automatic=True)),
    ("set a direction", None, lambda con, _: actions.set_improvement(con, "demo_contacts", "contacts", "decrease")),
    ("set a target", None, lambda con, _: actions.set_target(con, "demo_contacts", "contacts", None, 1000.0)),
    ("set a trajectory", None,
     lambda con, _: actions.set_trajectory(con, "demo_contacts", "contacts", None, date(2024, 1, 1), 900.0,
                                           date(2024, 12, 1), 800.0)),
    ("clear a trajectory",
     lambda con, tmp: actions.set_trajectory(con, "demo_contacts", "contacts", None, date(2024, 1, 1), 900.0,
                                             date(2024, 12, 1), 800.0),
     lambda con, _: actions.clear_trajectory(con, "demo_contacts", "contacts", None)),
    ("add an intervention", None,
     lambda con, _: actions.add_intervention(con, "demo_contacts", None, date(2024, 3, 1), "New web form")),
    ("delete an intervention",
     lambda con, tmp: actions.add_intervention(con, "demo_contacts", None, date(2024, 3, 1), "New web form"),
     lambda con, new_id: actions.delete_intervention(con, "demo_contacts", new_id)),
    ("save a scenario", None,
     lambda con, _: actions.save_scenario(con, "Cautious", _demo(con), *baseline.latest_full_year(con, _demo(con)),
                                          model.Levers(failure_pct=10))),
    ("rename a scenario",
     lambda con, tmp: actions.save_scenario(con, "Cautious", _demo(con), *baseline.latest_full_year(con, _demo(con)),
                                            model.Levers(failure_pct=10)),
     lambda con, _: actions.rename_scenario(con, "demo_contacts", "Cautious", "Cautious, v2")),
    ("delete a scenario",
     lambda con, tmp: actions.save_scenario(con, "Cautious", _demo(con), *baseline.latest_full_year(con, _demo(con)),
                                            model.Levers(failure_pct=10)),
     lambda con, _: actions.delete_scenario(con, "demo_contacts", "Cautious")),
    ("start a session", None, lambda con, _: actions.create_session(con, "Repairs review", dataset="demo_contacts")),
    ("add a note", lambda con, tmp: _session_id(con), lambda con, sid: actions.add_note(con, sid, "Ask Ana")),
    ("add an action", lambda con, tmp: _session_id(con), lambda con, sid: actions.add_action(con, sid, "Call Ana")),
    ("delete a session", lambda con, tmp: _session_id(con), lambda con, sid: actions.delete_session(con, sid)),
]


@pytest.mark.parametrize("what,setup,change", CHANGES, ids=[c[0] for c in CHANGES])
def test_a_change_whose_record_cannot_be_written_is_not_made_and_the_full_disk_is_said(con, tmp_path, monkeypatch,
                                                                                        what, setup, change):
    made = setup(con, tmp_path) if setup else None
    before = snapshot(con)
    trail_before = audit.count_changes(con)

    def disk_full(*args, **kwargs):
        raise DISK_FULL_ERROR
    monkeypatch.setattr(audit, "record_change", disk_full)
    with pytest.raises(errors.StocktakeError) as refused:
        change(con, made)
    assert str(refused.value) == errors.DISK_FULL
    monkeypatch.undo()
    # Neither the change nor its record: the store is as it was, table for table and row for row.
    assert snapshot(con) == before
    assert audit.count_changes(con) == trail_before


@pytest.mark.parametrize("what,setup,change", CHANGES, ids=[c[0] for c in CHANGES])
def test_the_same_change_with_room_on_the_disk_is_made_with_exactly_one_record(con, tmp_path, monkeypatch, what,
                                                                               setup, change):
    made = setup(con, tmp_path) if setup else None
    before = snapshot(con)
    trail_before = audit.count_changes(con)
    change(con, made)
    assert snapshot(con) != before
    assert audit.count_changes(con) == trail_before + 1
    newest = audit.audit_trail(con, limit=1).iloc[0]
    assert (newest["user_name"], newest["outcome"]) == (audit.LOCAL_USER, audit.DONE)


def test_a_load_records_its_rows_and_version_from_inside_its_own_transaction(con, tmp_path):
    path = _csv(tmp_path)
    report = actions.load_file(con, path, dataset="monthly repairs")
    actions.load_file(con, path, dataset="monthly repairs", mode=ingest.APPEND)
    trail = audit.audit_trail(con, dataset="monthly repairs")
    assert trail["action"].tolist() == [audit.APPEND, audit.LOAD]
    assert trail["detail"].tolist() == ["monthly repairs.csv: 2 rows loaded, 0 rejected (records)"] * 2
    assert int(trail["version"].iloc[1]) == report.version
    assert int(trail["version"].iloc[0]) == store.dataset_version(con, "monthly repairs")


def test_a_change_that_writes_outside_its_transaction_is_a_programming_error(con):
    with pytest.raises(RuntimeError, match="wrote outside its transaction"):
        with store.committed_with(lambda cur: None):
            store.execute(con, "CREATE TABLE IF NOT EXISTS t (a INTEGER)")  # schema on first use: allowed
            store.execute(con, "INSERT INTO t VALUES (1)")
    with pytest.raises(RuntimeError, match="one transaction"):
        with store.committed_with(lambda cur: None):
            with store.transaction(con) as cur:
                cur.execute("INSERT INTO t VALUES (2)")
            with store.transaction(con) as cur:
                cur.execute("INSERT INTO t VALUES (3)")
    assert con.execute("SELECT a FROM t").fetchall() == [(2,)]


def test_a_transaction_that_rolls_back_leaves_the_record_for_the_next(con):
    con.execute("CREATE TABLE t (a INTEGER)")
    written = []
    with store.committed_with(lambda cur: written.append(cur.execute("SELECT count(*) FROM t").fetchone()[0])):
        with pytest.raises(ValueError):
            with store.transaction(con) as cur:
                cur.execute("INSERT INTO t VALUES (1)")
                raise ValueError("read the file again")
        with store.transaction(con) as cur:
            cur.execute("INSERT INTO t VALUES (2)")
    assert written == [1]  # written once, inside the transaction that committed, seeing its own row


def test_a_second_load_into_the_same_name_while_one_runs_is_told_so(con, tmp_path, monkeypatch):
    path = _csv(tmp_path)
    started, release = threading.Event(), threading.Event()
    real_load = ingest.load_file

    def slow_load(*args, **kwargs):
        started.set()
        release.wait(30)
        return real_load(*args, **kwargs)
    monkeypatch.setattr(ingest, "load_file", slow_load)
    first: list = []
    worker = threading.Thread(target=lambda: first.append(actions.load_file(con, path, dataset="monthly repairs")))
    worker.start()
    try:
        assert started.wait(30)
        with pytest.raises(errors.StocktakeError) as second:
            actions.load_file(con, path, dataset="Monthly Repairs")  # the same table, another spelling
        assert str(second.value).startswith("Another load into 'Monthly Repairs' is in progress (started by local "
                                            "user at ")
        assert "nothing was loaded: wait for it to finish, then load again" in str(second.value)
    finally:
        release.set()
        worker.join(60)
    assert first and first[0].rows_loaded == 2
    # Once it has finished, the name is free again.
    monkeypatch.undo()
    assert actions.load_file(con, path, dataset="monthly repairs").rows_loaded == 2
