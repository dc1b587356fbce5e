"""The command line's load guesses the kind from the sample it plans the load from (one look at the file), and
imports nothing a load does not use (pandas and Altair were a second of CPU before every load)."""

from __future__ import annotations

import json
import subprocess
import sys

from analysis import store
from analysis.load import ingest
from analysis.load.preview import guess_kind
from tests.conftest import REPO_ROOT
from tests.test_cli import run_cli


def test_a_large_load_imports_neither_pandas_nor_altair(tmp_path):
    """A large dataset's derived tables are left to the app (``BACKGROUND_ROWS``; two rows count as large here), so
    the load itself must not need pandas or Altair."""
    calls = tmp_path / "calls.csv"
    calls.write_text("Ref,Received,Reason,Cost (£)\n1,31/01/2024 10:00,Chasing,£2.50\n2,01/02/2024 11:30,New,\n")
    script = ("import sys; from analysis import cli; cli.BACKGROUND_ROWS = 2; code = cli.main(sys.argv[1:]); "
              "print(sorted(m for m in ('pandas', 'altair', 'streamlit') if m in sys.modules), file=sys.stderr); "
              "sys.exit(code)")
    result = subprocess.run([sys.executable, "-c", script, "load", str(calls), "--dataset", "calls", "--db",
                             str(tmp_path / "s.duckdb")], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Loaded 2 rows" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_the_guess_needing_the_rows_reads_them_and_plans_for_the_kind_guessed(tmp_path):
    """Dates that may all be periods need the preview's rows to tell a KPI series: the load reads them and plans the
    KPI's roles from the same sample, as the Data page would have loaded it."""
    kpi = tmp_path / "waits.csv"
    kpi.write_text("Month,Median wait (days)\n" + "".join(f"01/{m:02d}/2024,{10 + m}\n" for m in range(1, 13)))
    db = tmp_path / "s.duckdb"
    result = run_cli("load", str(kpi), "--dataset", "waits", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["kind"] == "kpi" and report["rows_loaded"] == 12
    assert report["notes"][0].startswith("Read as a KPI series: guessed from its dates")
    con = store.open_store(db)
    try:
        assert guess_kind(con, kpi) == "kpi"  # the Data page's guess, made apart
        ds = store.get_dataset(con, "waits")
        assert ds.kind == "kpi" and ds.roles.get("period") == "Month"
    finally:
        con.close()


def test_load_file_guesses_records_and_spending_from_the_sample(tmp_path):
    con = store.open_store(tmp_path / "s.duckdb")
    try:
        calls = tmp_path / "calls.csv"
        calls.write_text("Ref,Received,Reason\n1,31/01/2024 10:00,Chasing\n2,01/02/2024 11:30,New\n")
        assert ingest.load_file(con, calls, dataset="calls", kind=None).kind == "records"
        paid = tmp_path / "paid.csv"
        paid.write_text("Supplier,Amount,Paid Date\nAcme Ltd,£1200.00,03/04/2024\nBeta plc,£80.50,10/04/2024\n")
        report = ingest.load_file(con, paid, dataset="paid", kind=None)
        assert report.kind == "spend" and report.rows_loaded == 2
    finally:
        con.close()
