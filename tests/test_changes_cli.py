"""``python -m analysis changes``, run as a user would: a separate process, its text and its JSON."""

from __future__ import annotations

import json

import pytest

from analysis import store
from analysis.changes import records
from analysis.changes.records import Draft, Target
from tests import changes_store
from tests.test_cli import run_cli


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "cli.duckdb"
    con = store.open_store(path)
    changes_store.load(con)
    records.add_change(con, Draft("calls", "Online tracking", "2024-04-01", service="Repairs", owner="Repairs lead",
                                  targets=(Target("demand:contacts", "decrease"),)))
    con.close()
    return path


def test_changes_json(db):
    result = run_cli("changes", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert (row["change"], row["service"], row["figure"], row["verdict"]) == (
        "Online tracking", "Repairs", "Contacts received", "Improved")
    assert row["before_mean"] == pytest.approx(102) and row["effect"] == pytest.approx(826 / 9 - 102)
    assert row["contacts_a_year"] == pytest.approx((826 / 9 - 102) * 12)
    assert row["pounds_a_year"] == pytest.approx((826 / 9 - 102) * 12 * 2.83)
    assert row["controls"].startswith("The same fall appears in 1 of 2 services")


def test_changes_text(db, tmp_path):
    result = run_cli("changes", "--db", str(db))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("[") and "Online tracking (Repairs, Every area; 1 April 2024)" in lines[0]
    assert lines[1] == ("    Contacts received (meant to decrease): Improved: sustained shift: 9 months in a row below "
                        "the old mean since April 2024; 5 of the 9 months since the change outside the old limits")
    assert lines[2] == "    before 102.00, after 91.78: effect -10.22 (-10.0%)"
    assert lines[3] == "    -123 contacts a year, -£347 a year"
    empty = run_cli("changes", "--db", str(tmp_path / "empty.duckdb"))
    assert empty.returncode == 0 and empty.stdout.startswith("No changes yet.")
