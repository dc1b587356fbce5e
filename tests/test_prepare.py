"""Preparing the Explore pages' derived tables right after a load."""

from __future__ import annotations

import pandas as pd

from analysis import store
from analysis.load import ingest, prepare


def _tables(con) -> set[str]:
    return {r[0] for r in store.query_rows(con, "SELECT table_name FROM duckdb_tables()")}


def test_a_records_load_gets_its_repeat_table_and_kpi_cube(tmp_path):
    con = store.open_store(tmp_path / "s.duckdb")
    frame = pd.DataFrame({
        "when": pd.to_datetime(["2024-01-03", "2024-01-20", "2024-02-05", "2024-03-01"]),
        "who": ["C1", "C1", "C2", "C1"], "service": ["Repairs"] * 4, "reason": ["New", "Chasing", "New", "Chasing"],
    })
    ingest.load_frame(con, frame, dataset="calls", kind="records",
                      roles={"when": "date", "who": "customer_id", "service": "service", "reason": "reason"})
    steps = []
    notes = prepare.prepare_dataset(con, "calls", progress=lambda fraction, message: steps.append(message))
    assert notes == []
    assert "ds_calls__repeat_customer_id_v1" in _tables(con)
    assert store.query_rows(con, "SELECT count(*) FROM stocktake_kpi_cube WHERE dataset = 'calls'")[0][0] > 0
    assert steps[0] == "Preparing repeat demand by customer" and steps[-1] == "Ready"


def test_other_kinds_and_records_without_dates_need_nothing(tmp_path):
    con = store.open_store(tmp_path / "s.duckdb")
    ingest.load_frame(con, pd.DataFrame({"ward": ["A"], "population": [1.0]}), dataset="pop", kind="lookup")
    ingest.load_frame(con, pd.DataFrame({"reason": ["x"]}), dataset="undated", kind="records")
    assert prepare.prepare_dataset(con, "pop") == [] and prepare.prepare_dataset(con, "undated") == []
    assert not any(t.startswith("ds_pop__") or t.startswith("ds_undated__") for t in _tables(con))


def test_an_engine_failure_is_a_plain_note_and_the_detail_goes_to_the_log(caplog):
    import duckdb

    from analysis.errors import StocktakeError
    from analysis.load.prepare import _note

    engine = duckdb.BinderException("Binder Error: No function matches 'date_diff(VARCHAR, DATE)'")
    with caplog.at_level("WARNING", logger="analysis.load.prepare"):
        note = _note("The KPI summary could not be prepared", engine)
    assert note == ("The KPI summary could not be prepared in advance; the page will work it out when it is opened "
                    "(the details are in the server log).")
    assert "Binder Error" in caplog.text
    assert _note("Repeat demand could not be prepared", StocktakeError("Set the customer id role.")) == \
        "Repeat demand could not be prepared: Set the customer id role."
