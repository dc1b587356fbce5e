"""The audit trail in the store: recorded, ordered newest first, filtered, kept across reopen, atomic with a change."""

from __future__ import annotations

import threading
from datetime import datetime

import pandas as pd
import pytest

from analysis import store
from analysis.governance import audit
from analysis.errors import StocktakeError


@pytest.fixture
def con(tmp_path):
    connection = store.open_store(tmp_path / "s.duckdb")
    yield connection
    connection.close()


def test_a_new_store_has_an_empty_trail_with_every_column_and_is_not_written_to(con):
    trail = audit.audit_trail(con)
    assert list(trail.columns) == audit.TRAIL_COLUMNS
    assert len(trail) == 0
    tables = store.query_rows(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [audit.AUDIT_TABLE])
    assert tables[0][0] == 0


def test_changes_are_listed_newest_first_with_who_what_and_version(con):
    cur = con.cursor()
    audit.record_change(cur, user="ana@council.gov.uk", action=audit.LOAD, dataset="repairs", version=3,
                        detail="repairs.csv: 1,200 rows loaded, 4 rejected", changed_at=datetime(2026, 11, 20, 9, 0))
    audit.record_change(cur, user="ben@council.gov.uk", action=audit.ROLES, dataset="repairs", version=5,
                        detail="'Ward' set to area", changed_at=datetime(2026, 11, 21, 14, 30))
    audit.record_change(cur, user="cli:carol", action=audit.DELETE, dataset="old", version=None,
                        detail="Deleted with its 10 rows", changed_at=datetime(2026, 11, 21, 14, 30))
    cur.close()

    trail = audit.audit_trail(con)
    # Same second: the later record comes first, so the order is the order things happened.
    assert trail["user_name"].tolist() == ["cli:carol", "ben@council.gov.uk", "ana@council.gov.uk"]
    assert trail["action"].tolist() == ["delete", "roles", "load"]
    assert pd.isna(trail["version"].iloc[0]) and trail["version"].iloc[1:].tolist() == [5, 3]
    assert trail["outcome"].tolist() == ["done"] * 3
    assert trail.loc[2, "detail"] == "repairs.csv: 1,200 rows loaded, 4 rejected"
    assert trail.loc[2, "changed_at"] == pd.Timestamp(2026, 11, 20, 9, 0)


def test_the_trail_filters_by_dataset_user_time_and_limit(con):
    cur = con.cursor()
    for day, user, dataset in [(1, "a", "x"), (2, "b", "x"), (3, "a", "y"), (4, "b", "y")]:
        audit.record_change(cur, user=user, action=audit.LOAD, dataset=dataset, version=day,
                            changed_at=datetime(2026, 1, day))
    cur.close()
    assert audit.audit_trail(con, dataset="x")["version"].tolist() == [2, 1]
    assert audit.audit_trail(con, user="a")["version"].tolist() == [3, 1]
    assert audit.audit_trail(con, since=datetime(2026, 1, 3))["version"].tolist() == [4, 3]
    assert audit.audit_trail(con, limit=1)["version"].tolist() == [4]


def test_the_trail_survives_a_reopen_and_deleting_the_dataset(tmp_path):
    from analysis.load.ingest import load_frame

    path = tmp_path / "s.duckdb"
    con = store.open_store(path)
    report = load_frame(con, pd.DataFrame({"day": pd.to_datetime(["2024-01-01"]), "n": [1]}), dataset="tiny",
                        kind="records", roles={"day": "date"})
    with con.cursor() as cur:
        audit.record_change(cur, user="ana", action=audit.LOAD, dataset="tiny", version=report.version)
    store.delete_dataset(con, "tiny")
    with con.cursor() as cur:
        audit.record_change(cur, user="ana", action=audit.DELETE, dataset="tiny", version=None)
    con.close()

    con = store.open_store(path, read_only=True)
    trail = audit.audit_trail(con, dataset="tiny")
    con.close()
    assert trail["action"].tolist() == ["delete", "load"]
    assert int(trail["version"].iloc[1]) == report.version


def test_a_record_made_inside_a_transaction_rolls_back_with_the_change(con):
    with pytest.raises(RuntimeError):
        with store.transaction(con) as cur:
            cur.execute("CREATE TABLE scratch AS SELECT 1 AS x")
            audit.record_change(cur, user="ana", action=audit.LOAD, dataset="scratch", version=1)
            raise RuntimeError("the change failed after the record was written")
    assert len(audit.audit_trail(con)) == 0
    with store.transaction(con) as cur:
        audit.record_change(cur, user="ana", action=audit.LOAD, dataset="scratch", version=1)
    assert audit.audit_trail(con)["user_name"].tolist() == ["ana"]


def test_records_from_many_threads_each_on_its_own_cursor_all_land_with_distinct_ids(con):
    audit.ensure_audit_table(con)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        cur = con.cursor()
        try:
            for i in range(10):
                audit.record_change(cur, user=f"user{n}", action=audit.TARGET, dataset="d", version=i)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(exc)
        finally:
            cur.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    trail = audit.audit_trail(con)
    assert len(trail) == 40 and trail["id"].nunique() == 40


@pytest.mark.parametrize("kwargs,message", [
    ({"user": "  ", "action": audit.LOAD}, "has no user"),
    ({"user": "ana", "action": ""}, "has no action"),
    ({"user": "ana", "action": audit.LOAD, "outcome": "maybe"}, "'maybe' is not an audit outcome"),
])
def test_a_record_without_who_or_what_is_refused(con, kwargs, message):
    with pytest.raises(StocktakeError, match=message):
        with con.cursor() as cur:
            audit.record_change(cur, dataset=None, version=None, **kwargs)


def test_detail_is_kept_to_one_line_and_a_bounded_length(con):
    with con.cursor() as cur:
        audit.record_change(cur, user="ana\nbob", action=audit.NOTE_ADDED, dataset=None, version=None,
                            detail="first line\nsecond\tline " + "x" * 2000)
    row = audit.audit_trail(con).iloc[0]
    assert row["user_name"] == "ana bob"
    assert row["detail"].startswith("first line second line x")
    assert len(row["detail"]) == audit.MAX_DETAIL and row["detail"].endswith("…")


def test_values_that_look_like_sql_are_stored_as_text(con):
    nasty = '"; DROP TABLE stocktake_datasets; --'
    with con.cursor() as cur:
        audit.record_change(cur, user=nasty, action=audit.LOAD, dataset=nasty, version=1, detail=nasty)
    assert audit.audit_trail(con, dataset=nasty)["user_name"].tolist() == [nasty]
    assert store.list_datasets(con) == []  # the catalogue table is still there to list


def test_cli_user_names_the_operating_system_account(monkeypatch):
    monkeypatch.setattr(audit.getpass, "getuser", lambda: "alice")
    assert audit.cli_user() == "cli:alice"

    def no_login():
        raise OSError("no login name")

    monkeypatch.setattr(audit.getpass, "getuser", no_login)
    assert audit.cli_user() == audit.LOCAL_USER


def test_trail_for_people_has_readable_headers_and_a_safe_csv(con):
    from analysis.exports import to_csv_bytes

    with con.cursor() as cur:
        audit.record_change(cur, user="ana", action=audit.SCENARIO_SAVED, dataset="repairs", version=7,
                            detail="=HYPERLINK(\"http://x\")", changed_at=datetime(2026, 11, 25, 10, 5, 9))
    people = audit.trail_for_people(audit.audit_trail(con))
    assert list(people.columns) == ["When", "Who", "Action", "Dataset", "Version", "Outcome", "Detail"]
    text = to_csv_bytes(people).decode("utf-8-sig")
    assert text.splitlines()[0] == "When,Who,Action,Dataset,Version,Outcome,Detail"
    assert text.splitlines()[1].startswith("2026-11-25 10:05:09,ana,scenario saved,repairs,7,done,")
    assert "'=HYPERLINK" in text


def test_the_summary_counts_changes_and_names_datasets_without_reading_the_trail(con):
    assert audit.trail_summary(con) == (0, []) and audit.count_changes(con) == 0
    with con.cursor() as cur:
        for dataset in ("repairs", "b", "repairs", None):
            audit.record_change(cur, user="ana", action=audit.LOAD, dataset=dataset, version=None)
    assert audit.trail_summary(con) == (4, ["b", "repairs"])
    assert audit.count_changes(con, dataset="repairs") == 2
