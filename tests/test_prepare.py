"""Preparing the Explore pages' derived tables right after a load."""

from __future__ import annotations

import pandas as pd
import pytest

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
    steps, fractions = [], []
    notes = prepare.prepare_dataset(con, "calls", progress=lambda fraction, message: (steps.append(message),
                                                                                      fractions.append(fraction)))
    assert notes == []
    assert "ds_calls__repeat_customer_id_v1" in _tables(con)
    assert store.query_rows(con, "SELECT count(*) FROM stocktake_kpi_cube WHERE dataset = 'calls'")[0][0] > 0
    # Repeat demand first (the KPI summary's repeat % reads it), then the month's KPI summary, then the other grains.
    assert steps[:3] == ["Preparing repeat demand by customer", "Preparing the KPI summary",
                         "Preparing the KPI summary by day"]
    assert steps[-1] == "Ready"
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


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


def _calls(con):
    frame = pd.DataFrame({
        "when": pd.to_datetime(["2024-01-03", "2024-01-20", "2024-02-05", "2024-03-01"]),
        "who": ["C1", "C1", "C2", "C1"], "service": ["Repairs"] * 4, "reason": ["New", "Chasing", "New", "Chasing"],
    })
    ingest.load_frame(con, frame, dataset="calls", kind="records",
                      roles={"when": "date", "who": "customer_id", "service": "service", "reason": "reason"})
    return store.get_dataset(con, "calls")


def test_a_background_job_builds_every_grain_and_says_how_far_it_has_got_meanwhile(tmp_path):
    from analysis import preparing
    from analysis.demand import repeats
    from analysis.kpis import cube
    from analysis.kpis.cube import CUBE_GRAINS

    preparing.forget()
    con = store.open_store(tmp_path / "s.duckdb")
    ds = _calls(con)
    db = preparing.store_of(con)
    # A job claimed for this version and not finished: a page asking for its tables is told, not made to build them.
    held = preparing.claim(db, "calls", ds.version)
    held.fraction, held.message = 0.4, "Preparing repeat demand by customer"
    assert preparing.in_progress(db, "calls", ds.version)
    with pytest.raises(preparing.Preparing, match=r"Repeat demand is being prepared .*40%: preparing repeat demand"):
        repeats.ensure_repeat_table(con, ds, "customer_id")
    # The KPI summary is worked out live meanwhile, only what is asked for, and not kept; repeat % waits for its table.
    live = cube.kpi_cube(con, ds)
    assert live.attrs["repeat_pending"] and "repeat_pct" not in set(live["kpi"]) and len(live)
    assert set(cube.kpi_cube(con, ds, splits=["service"], kpi="volume")["split"]) == {"service"}
    with pytest.raises(preparing.Preparing, match="Repeat demand is being prepared"):
        cube.kpi_cube(con, ds, kpi="repeat_pct")
    assert "ds_calls__repeat_customer_id_v1" not in _tables(con) and cube.built_grains(con, ds) == set()
    held.done.set()
    preparing.forget()
    # The real job, on its own thread: every table built, every grain of the cube, and the job marked done.
    job = prepare.prepare_in_background(con, "calls")
    assert job is not None and job.done.wait(60)
    assert not preparing.in_progress(db, "calls", ds.version) and job.fraction == 1.0 and job.notes == []
    assert "ds_calls__repeat_customer_id_v1" in _tables(con)
    assert cube.built_grains(con, ds) == set(CUBE_GRAINS)
    assert prepare.is_prepared(con, ds)
    # What was worked out live is what the kept cube reads back.
    kept = cube.kpi_cube(con, ds)
    pd.testing.assert_frame_equal(kept[kept["kpi"] != "repeat_pct"].reset_index(drop=True), live, check_like=True)
    # Prepared already (or run already for this version): nothing more is started.
    assert prepare.prepare_in_background(con, "calls") is None
    preparing.forget()


def test_a_figure_waiting_for_a_table_says_so_and_is_worked_out_again_when_it_is_ready(tmp_path):
    from analysis import preparing, registry
    from analysis.demand.declared import REPEAT_REASON, Repeats
    from analysis.filters import Filters

    preparing.forget()
    con = store.open_store(tmp_path / "s.duckdb")
    ds = _calls(con)
    held = preparing.claim(preparing.store_of(con), "calls", ds.version)
    inputs = Repeats(Filters(), 28, "customer_id")
    drawn = registry.draw(registry.Context(con), REPEAT_REASON, ds, inputs)
    assert drawn.note and drawn.note.startswith("Repeat demand is being prepared for the data just loaded (0%")
    held.fraction = 0.5  # a figure kept with its note writes it afresh from the job each time it is shown
    assert drawn.waiting.sentence().startswith("Repeat demand is being prepared for the data just loaded (50%")
    held.done.set()
    drawn = registry.draw(registry.Context(con), REPEAT_REASON, ds, inputs)
    assert drawn.note is None and drawn.spec is not None
    preparing.forget()


def test_the_command_line_leaves_a_large_dataset_to_the_app_unless_asked(tmp_path, monkeypatch, capsys):
    from analysis import cli

    csv_path = tmp_path / "calls.csv"
    csv_path.write_text("Ref,Received,Customer,Reason\n1,31/01/2024 10:00,C1,Chasing\n2,01/02/2024 11:30,C1,New\n"
                        "3,02/02/2024 09:00,C2,New\n")
    db = tmp_path / "s.duckdb"
    monkeypatch.setattr(cli, "BACKGROUND_ROWS", 2)  # three rows count as large here
    assert cli.main(["load", str(csv_path), "--dataset", "calls", "--db", str(db)]) == 0
    assert "will be prepared by the app when it next opens this store" in capsys.readouterr().out
    con = store.open_store(db)
    assert not prepare.is_prepared(con, store.get_dataset(con, "calls"))
    con.close()
    assert cli.main(["load", str(csv_path), "--dataset", "calls", "--db", str(db), "--prepare"]) == 0
    assert "will be prepared" not in capsys.readouterr().out
    con = store.open_store(db)
    assert prepare.is_prepared(con, store.get_dataset(con, "calls"))
    con.close()


def test_the_pages_while_a_dataset_is_being_prepared(demo_store, open_app):
    """The Demand and Performance pages open at once; their figures that need a table being built say how far the
    preparation has got, the sidebar shows it, and once it is done the figures are drawn."""
    from analysis import preparing

    preparing.forget()
    con = store.open_store(demo_store)
    ds = next(d for d in store.list_datasets(con) if d.kind == "records")
    db = preparing.store_of(con)
    for (table,) in store.query_rows(con, "SELECT table_name FROM duckdb_tables() WHERE contains(table_name, ?)",
                                     ["__repeat_"]):
        store.execute(con, f"DROP TABLE {store.quote_identifier(table)}")  # as if just loaded: not built yet
    store.execute(con, "DELETE FROM stocktake_kpi_cube")
    con.close()
    held = preparing.claim(db, ds.name, ds.version)
    held.fraction, held.message = 0.25, "Preparing repeat demand by customer"
    try:
        at = open_app("pages/demand.py")
        progress = [p for p in at.get("progress") if f"Preparing '{ds.name}'" in str(p.proto.text)]
        assert progress, "the sidebar shows the preparation"
        notes = [e.value for kind in ("info", "caption", "markdown", "warning") for e in at.get(kind)]
        assert any("Repeat demand is being prepared for the data just loaded (25%" in n for n in notes), notes
        held.fraction = 0.6  # the figure is kept, but its note says how far the preparation has got now
        at.run()
        notes = [e.value for kind in ("info", "caption", "markdown", "warning") for e in at.get(kind)]
        assert any("Repeat demand is being prepared for the data just loaded (60%" in n for n in notes), notes
        # The Performance page draws from live queries meanwhile; its summary says repeat % joins it when ready.
        performance = open_app("pages/performance.py")
        assert not performance.exception and not any("being prepared" in i.value for i in performance.info)
        assert performance.get("vega_lite_chart") and len(performance.dataframe)
        assert any("Repeat % is being prepared" in c.value for c in performance.caption)
        held.done.set()
        at.run()
        assert not [p for p in at.get("progress") if "Preparing" in str(p.proto.text)]
        notes = [e.value for kind in ("info", "caption", "markdown", "warning") for e in at.get(kind)]
        assert not any("being prepared" in n for n in notes)
    finally:
        held.done.set()
        preparing.forget()
