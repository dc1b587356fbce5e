"""The command line, run as a user would: a separate process, exit codes, JSON, one-line errors, killed loads."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from analysis import store
from tests.conftest import REPO_ROOT, real_data_file


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def test_load_json_and_datasets_json(tmp_path):
    db = tmp_path / "s.duckdb"
    csv = tmp_path / "calls.csv"
    csv.write_text("Ref,Received,Reason,Cost (£)\n1,31/01/2024 10:00,Chasing,£2.50\n2,01/02/2024 11:30,New,\n")
    result = run_cli("load", str(csv), "--dataset", "calls", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"dataset", "kind", "table", "rows_loaded", "rows_rejected", "rows_blank", "columns",
                           "warnings", "rows_left_out", "rows_total", "notes"}
    assert (report["rows_left_out"], report["rows_total"]) == ({}, 0)
    # No --kind: guessed from the dates (times: records) and said.
    assert report["notes"][0].startswith("Read as records: guessed from its dates")
    assert (report["dataset"], report["kind"], report["table"], report["rows_loaded"], report["rows_rejected"]) == \
        ("calls", "records", "ds_calls", 2, 0)
    assert report["columns"] == [
        {"name": "Ref", "type": "integer", "role": "record_id", "grain": None},
        {"name": "Received", "type": "timestamp", "role": "date", "grain": None},
        {"name": "Reason", "type": "text", "role": "reason", "grain": None},
        {"name": "Cost (£)", "type": "number", "role": "cost", "grain": None},
    ]
    listed = json.loads(run_cli("datasets", "--db", str(db), "--json").stdout)
    assert [(d["dataset"], d["kind"], d["rows"]) for d in listed] == [("calls", "records", 2)]
    assert listed[0]["columns"] == report["columns"]


def test_roles_types_and_date_order_from_the_command_line(tmp_path):
    db = tmp_path / "s.duckdb"
    csv = tmp_path / "us.csv"
    csv.write_text("Opened,Borough,Code\n01/02/2024,Croydon,1\n03/04/2024,Bromley,2\n")
    result = run_cli("load", str(csv), "--dataset", "us", "--db", str(db), "--json", "--date-order", "month-first",
                     "--role", "Borough=area", "--type", "Code=text")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {c["name"]: (c["type"], c["role"]) for c in report["columns"]} == {
        "Opened": ("date", "date"), "Borough": ("text", "area"), "Code": ("text", None)}
    con = store.open_store(db)
    try:
        assert str(store.query_rows(con, "SELECT min(Opened) FROM ds_us")[0][0]) == "2024-01-02"
    finally:
        con.close()


@pytest.mark.parametrize("args,message", [
    (["load", "missing.csv", "--dataset", "x"], "There is no file at 'missing.csv'"),
    (["load", "{csv}", "--dataset", "bad;name"], "cannot be used as a dataset name"),
    (["load", "{csv}", "--dataset", "x", "--append"], "Cannot append to 'x': there is no such dataset yet"),
    (["load", "{csv}", "--dataset", "x", "--type", "Opened"], "--type takes COLUMN=TYPE"),
    (["load", "{csv}", "--dataset", "x", "--type", "Nope=date"], "The file has no column called 'Nope'"),
])
def test_input_problems_exit_2_with_one_line(tmp_path, args, message):
    csv = tmp_path / "ok.csv"
    csv.write_text("Opened,Cost\n01/02/2024,5\n")
    args = [a.replace("{csv}", str(csv)) for a in args]
    result = run_cli(*args, "--db", str(tmp_path / "s.duckdb"))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


# ``python -c`` program: the CLI, with the catalogue write of a load holding the transaction open until killed.
HOLD_BEFORE_COMMIT = """
import sys
from analysis import cli, store

def write_then_hold(*args, **kwargs):
    version = write(*args, **kwargs)
    print("HOLDING BEFORE COMMIT", file=sys.stderr, flush=True)
    sys.stdin.readline()  # never answered: the test kills the process here
    return version

write = store.write_catalogue_entry
store.write_catalogue_entry = write_then_hold
sys.argv = ["analysis", *sys.argv[1:]]
sys.exit(cli.main())
"""


def test_killing_a_load_before_it_commits_leaves_the_previous_version(tmp_path):
    db = tmp_path / "s.duckdb"
    old = tmp_path / "old.csv"
    old.write_text("Opened,Cost\n01/02/2024,5\n02/02/2024,6\n")
    assert run_cli("load", str(old), "--dataset", "cases", "--db", str(db)).returncode == 0
    assert run_cli("load", str(old), "--dataset", "other", "--db", str(db)).returncode == 0
    new = tmp_path / "new.csv"
    new.write_text("Opened,Cost\n" + "".join(f"0{1 + i % 9}/03/2024,{i}\n" for i in range(50_000)))

    # The CLI run as usual, except that writing the catalogue entry (inside the load's transaction, after the new
    # table is swapped in and just before COMMIT) says so and then waits for input that never comes: the kill lands
    # mid-transaction, whatever the machine's speed. The hold is the test's, not the loader's.
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_BEFORE_COMMIT, "load", str(new), "--dataset", "cases", "--db", str(db)],
        cwd=REPO_ROOT, stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    for line in process.stderr:
        if line.strip() == "HOLDING BEFORE COMMIT" or time.monotonic() > deadline:
            break
    assert process.poll() is None, "the load ended before it reached its commit"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    con = store.open_store(db)
    try:
        assert store.get_dataset(con, "cases").row_count == 2
        assert store.query_rows(con, "SELECT sum(Cost) FROM ds_cases") == [(11.0,)]
        assert store.get_dataset(con, "other").row_count == 2
        assert store.query_rows(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '%staging%'") == [(0,)]
    finally:
        con.close()


def test_demo_builds_and_if_empty_leaves_a_store_alone(tmp_path):
    db = tmp_path / "s.duckdb"
    result = subprocess.run([sys.executable, "-m", "data.demo", "--db", str(db)], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    listed = {d["dataset"]: d for d in json.loads(run_cli("datasets", "--db", str(db), "--json").stdout)}
    assert set(listed) == {"demo_contacts", "demo_contacts_classification", "demo_ward_population",
                           "demo_channel_costs", "demo_kpis", "demo_payments"}
    version = listed["demo_contacts"]["version"]
    again_run = subprocess.run([sys.executable, "-m", "data.demo", "--db", str(db), "--if-empty"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=120)
    assert again_run.returncode == 0 and again_run.stdout == ""  # nothing built: the store had datasets
    again = {d["dataset"]: d for d in json.loads(run_cli("datasets", "--db", str(db), "--json").stdout)}
    assert again["demo_contacts"]["version"] == version


# ----- the real public files, through the CLI ---------------------------------------------------------------------

@pytest.mark.real_data
def test_fire_brigade_file_loads_with_correct_types(tmp_path):
    path = real_data_file("lfb_animal_rescue_2009_2019.csv")
    db = tmp_path / "s.duckdb"
    result = run_cli("load", str(path), "--dataset", "animal rescue", "--db", str(db), "--json", "--unify-case")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["rows_loaded"] == 5898 and report["rows_rejected"] == 0
    columns = {c["name"]: c for c in report["columns"]}
    assert columns["DateTimeOfCall"] == {"name": "DateTimeOfCall", "type": "timestamp", "role": "date", "grain": None}
    assert columns["IncidentNotionalCost(£)"]["type"] == "number"
    assert columns["HourlyNotionalCost(£)"]["type"] == "integer"
    assert columns["PumpCount"]["type"] == "number"  # written as "1.0"
    assert any("day-first" in w for w in report["warnings"])
    con = store.open_store(db)
    try:
        # The £ header is usable in SQL, and day-first dates land in the right months.
        total, first, last = store.query_rows(
            con, f'SELECT sum({store.quote_identifier("IncidentNotionalCost(£)")}), min(DateTimeOfCall), '
                 "max(DateTimeOfCall) FROM ds_animal_rescue")[0]
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        expected_total = sum(float(r["IncidentNotionalCost(£)"]) for r in rows if r["IncidentNotionalCost(£)"].strip())
        assert total == pytest.approx(expected_total)
        assert (first.year, first.month, first.day, first.hour, first.minute) == (2009, 1, 1, 3, 1)
        assert last.year == 2019
        # Boroughs written several ways become one spelling each once case is unified.
        spellings = {r["Borough"].strip() for r in rows if r["Borough"].strip()}
        boroughs = {s.lower() for s in spellings}
        assert len(spellings) > len(boroughs)
        assert store.query_rows(con, "SELECT count(DISTINCT Borough) FROM ds_animal_rescue")[0][0] == len(boroughs)
        assert store.query_rows(con, "SELECT count(*) FROM ds_animal_rescue WHERE AnimalGroupParent = 'cat'")[0][0] == 0
    finally:
        con.close()


@pytest.mark.real_data
def test_ae_file_loads_with_period_as_a_date(tmp_path):
    path = real_data_file("nhs_ae_attendances_2016_2019.csv")
    db = tmp_path / "s.duckdb"
    result = run_cli("load", str(path), "--dataset", "ae", "--kind", "kpi", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["rows_loaded"] == 12765 and report["rows_rejected"] == 0
    columns = {c["name"]: c for c in report["columns"]}
    # Every period is a month's first day, so the catalogue records the grain.
    assert columns["period"] == {"name": "period", "type": "date", "role": "period", "grain": "month"}
    assert columns["type"]["type"] == "text"  # "1", "2" and "other"
    assert columns["attendances"]["type"] == "integer"
    con = store.open_store(db)
    try:
        first, last, months = store.query_rows(con, "SELECT min(period), max(period), count(DISTINCT period) FROM ds_ae")[0]
        assert (str(first), str(last), months) == ("2016-04-01", "2019-03-01", 36)
    finally:
        con.close()


def test_a_load_rejecting_most_rows_stops_unless_accepted(tmp_path):
    db = tmp_path / "s.duckdb"
    csv = tmp_path / "mostly blank.csv"
    csv.write_text("Ref,Opened\n1,31/01/2024\n2,\n3,\n")
    stopped = run_cli("load", str(csv), "--dataset", "cases", "--db", str(db))
    assert stopped.returncode == 2
    assert stopped.stderr.splitlines() == [
        "Error: 2 of the 3 rows of 'mostly blank.csv' would be rejected, more than half, so nothing was loaded (first "
        "reasons: row 2: 'Opened' is blank: every record needs a date; row 3: 'Opened' is blank: every record needs "
        "a date). Check the column types and the date column; to keep the rows that fit, run again with "
        "--accept-rejects."]
    assert json.loads(run_cli("datasets", "--db", str(db), "--json").stdout) == []
    accepted = run_cli("load", str(csv), "--dataset", "cases", "--db", str(db), "--json", "--accept-rejects")
    assert accepted.returncode == 0, accepted.stderr
    report = json.loads(accepted.stdout)
    assert (report["rows_loaded"], report["rows_rejected"], report["rows_blank"]) == (1, 2, 0)
