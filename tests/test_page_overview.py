"""AppTest: the overview page on the demo data, on an empty store, and the shared dataset picker."""

from __future__ import annotations

from analysis import store
from tests.conftest import page_ok


def test_overview_shows_the_demo_dataset(demo_store, open_app):
    at = open_app()
    page_ok(at)
    con = store.open_store(demo_store)
    try:
        rows = store.get_dataset(con, "demo_contacts").row_count
    finally:
        con.close()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows"] == f"{rows:,}"
    assert metrics["From"] == "01 Apr 2022" and metrics["To"] == "14 Nov 2025"
    assert metrics["Services"] == "8"
    assert at.selectbox(key="dataset").value == "demo_contacts"
    charts = at.get("vega_lite_chart")
    titles = [c.proto.spec for c in charts]
    assert len(charts) == 4 and all("Rows by" in t for t in titles)


def test_the_dataset_picker_switches_every_page_to_the_kpi_dataset(demo_store, open_app):
    at = open_app()
    at.selectbox(key="dataset").set_value("demo_kpis").run()
    page_ok(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows"] == "748"


def test_a_link_naming_a_dataset_opens_on_it(demo_store, open_app):
    at = open_app(query_params={"dataset": "demo_kpis"})
    page_ok(at)
    assert at.selectbox(key="dataset").value == "demo_kpis"


def test_an_empty_store_says_what_to_do(empty_store, open_app):
    at = open_app()
    page_ok(at)
    assert any("There is no data to look at yet" in i.value for i in at.info)


def test_a_store_held_by_another_process_gets_a_sentence_not_a_traceback(tmp_path, monkeypatch, open_app):
    import subprocess
    import sys

    path = tmp_path / "held.duckdb"
    store.open_store(path).close()
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}); "
                               "print('held', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setenv("STOCKTAKE_DB", str(path))
        at = open_app(check=False)
        page_ok(at, expected_errors=("is open in another program",))
        message = at.error[0].value
        assert "is open in another program (python" in message
        # A page never shows the store's path or a process number (they describe the server to anyone who looks).
        assert str(tmp_path) not in message and "PID" not in message and "process" not in message
        assert str(holder.pid) not in message
    finally:
        holder.kill()
        holder.wait()


def test_the_newest_records_load_is_the_default_and_a_kpi_dataset_gets_no_role_warning(demo_store, open_app):
    import pandas as pd

    from analysis.load.ingest import load_frame

    con = store.open_store(demo_store)
    try:
        load_frame(con, pd.DataFrame({"when": pd.to_datetime(["2024-01-01"]), "why": ["New"]}), dataset="zz newest",
                   kind="records", roles={"when": "date", "why": "reason"})
    finally:
        con.close()
    at = open_app()
    assert at.selectbox(key="dataset").value == "zz newest"
    at.selectbox(key="dataset").set_value("demo_kpis").run()
    assert not at.warning
