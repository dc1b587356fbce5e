"""A stocktake agenda in one click (analysis.workshop.stocktake): the standard steps, drawn through the figure registry,
each with a question written from what its figure found, and what was left out and why; on the demo and on real files."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analysis import explore, registry, store
from analysis.load import ingest
from analysis.spc import xmr
from analysis.workshop import notes, questions, sessions, stocktake
from analysis.workshop.pack import build_pack
from tests.conftest import real_data_file


@pytest.fixture(scope="module")
def con(demo_store_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("stocktake") / "demo.duckdb"
    path.write_bytes(demo_store_template.read_bytes())
    con = store.open_store(path)
    yield con
    con.close()


@pytest.fixture(scope="module")
def demo_agenda(con):
    return stocktake.plan(registry.Context(con), store.get_dataset(con, "demo_contacts"))


def test_the_demo_agenda_follows_the_method_with_a_question_from_the_data_beside_each_figure(demo_agenda):
    steps = [i.step for i in demo_agenda.items]
    assert steps == [stocktake.VOLUME, stocktake.DRIVERS, stocktake.DRIVERS, stocktake.FAILURE, stocktake.REPEAT,
                     stocktake.KPIS, stocktake.KPIS, stocktake.KPIS, stocktake.SAVINGS, stocktake.SPEND]
    figures = [f"{i.page}/{i.figure}" for i in demo_agenda.items]
    assert figures[:5] == ["demand-drivers/volume", "demand-drivers/change", "demand-drivers/pareto",
                           "demand-drivers/failure_service", "demand-drivers/repeat_reason"]
    assert figures[-2:] == ["savings-scenarios/waterfall", "council-spend/unit_costs"]
    asked = {i.figure: i.question for i in demo_agenda.items}
    # The demo's own figures, as the Demand page's readings state them (tests/test_registry.py).
    assert asked["pareto"].startswith("26 of 41 reasons make up 80% of records, led by 'Report a repair'")
    assert "in the 12 months to October 2025 against the 12 before" in asked["change"]
    assert asked["failure_service"].startswith("Failure demand is ") and "highest in 'Planning'" in asked["failure_service"]
    assert "came within 28 days of an earlier one" in asked["repeat_reason"]
    assert asked["waterfall"].startswith("The starting scenario saves £")
    assert asked["unit_costs"].startswith("Spend per contact is £")
    assert all(i.question.endswith("?") for i in demo_agenda.items), [i.question for i in demo_agenda.items]


def test_the_kpis_on_the_agenda_are_those_the_spc_readings_say_are_changing(con, demo_agenda):
    kpis = [i for i in demo_agenda.items if i.step == stocktake.KPIS]
    assert [i.state["pf_kpi"] for i in kpis] == ["median_days_to_close", "p90_days_to_close", "closed_within_days"]
    assert "has run below its usual level since June 2024" in kpis[0].question
    assert "an improvement" in kpis[0].question
    # The rest that are changing are named, not dropped silently.
    assert demo_agenda.left_out == (stocktake.LeftOut(stocktake.KPIS, (
        "Also changing, left for another session (a first one gets through 3): Failure demand, Repeat contacts, Cost "
        "per case, Average handling minutes. See the Performance trends page.")),)


def test_every_planned_figure_draws_as_presentation_and_the_pack_draw_it(con, demo_agenda):
    ctx = registry.Context(con)
    for item in demo_agenda.items:
        drawn = explore.draw_saved(ctx, item.view)
        assert drawn.note is None and drawn.spec, (item.figure, drawn.note)
        assert item.view.link().startswith(f"/{item.page}?dataset=")


def test_starting_makes_a_session_with_the_questions_and_a_note_of_what_was_left_out(con, demo_agenda):
    first = stocktake.start(con, demo_agenda, today=date(2026, 12, 3))
    session = sessions.get_session(con, first)
    assert session.title == "Stocktake of demo_contacts, 3 December 2026" and session.dataset == "demo_contacts"
    items = sessions.agenda(con, first)
    assert [(i.title, i.question) for i in items] == [(p.title, p.question) for p in demo_agenda.items]
    assert items[0].view.state == {"dataset": "demo_contacts", "dm_grain": "month"}
    listed = notes.list_notes(con, first)
    assert list(listed["topic"]) == [stocktake.LEFT_OUT_TOPIC]
    assert listed["note"].iloc[0].startswith("KPIs that are changing: Also changing")
    # A second start the same day is a new session, not a clash of titles.
    second = stocktake.start(con, demo_agenda, today=date(2026, 12, 3))
    assert sessions.get_session(con, second).title == "Stocktake of demo_contacts, 3 December 2026 (2)"
    # The pack puts each question beside its figure.
    pack = build_pack(con, first)
    assert "Question for the room:" in pack and "led by &#x27;Report a repair&#x27;" in pack


@pytest.mark.parametrize("failing", ["insert_item", "insert_note"])
def test_a_failure_part_way_leaves_no_session_no_items_no_note_and_no_audit_record(con, demo_agenda, monkeypatch,
                                                                                    failing):
    from analysis.governance import audit

    def counts():
        return [store.query_rows(con, f"SELECT count(*) FROM {store.quote_identifier(t)}")[0][0]
                for t in (sessions.SESSIONS_TABLE, sessions.AGENDA_TABLE, notes.NOTES_TABLE, audit.AUDIT_TABLE)]

    stocktake.start(con, demo_agenda, today=date(2026, 12, 4), user="ann@council.gov.uk")  # the tables all exist
    before = counts()
    calls = []
    module = sessions if failing == "insert_item" else notes
    real_insert = getattr(module, failing)

    def insert_then_fail(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3 or failing == "insert_note":  # the third figure, or the note after every figure
            raise OSError("No space left on device")
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(module, failing, insert_then_fail)
    with pytest.raises(OSError):
        stocktake.start(con, demo_agenda, today=date(2026, 12, 5), user="ann@council.gov.uk")
    assert calls and counts() == before
    assert not any(s.held_on == date(2026, 12, 5) for s in sessions.list_sessions(con))


def test_a_kpi_series_gets_its_changing_kpis_and_says_the_record_steps_need_records(con):
    agenda = stocktake.plan(registry.Context(con), store.get_dataset(con, "demo_kpis"))
    assert {i.step for i in agenda.items} == {stocktake.KPIS}
    assert agenda.items[0].question.startswith("Repairs completed on time (%) has run above its usual level since")
    assert agenda.left_out_sentence() == (
        "Volume, What drives it, Failure demand, Repeat demand, What a change would save: Needs contact records (a "
        "records dataset), not a KPI series: load the records behind these KPIs to add it.")


def test_spending_gets_its_own_figures_and_spend_per_contact_from_the_records_it_goes_with(con):
    agenda = stocktake.plan(registry.Context(con), store.get_dataset(con, "demo_payments"))
    assert [i.figure for i in agenda.items] == ["spc", "by_service", "change", "unit_costs"]
    assert agenda.items[-1].state == {"dataset": "demo_payments", "sp_records": "demo_contacts"}
    assert agenda.items[1].question.startswith("Adult Social Care had the most spend")


def test_a_lookup_cannot_start_a_stocktake(con):
    with pytest.raises(Exception, match="is a lookup: start a stocktake from the records"):
        stocktake.plan(registry.Context(con), store.get_dataset(con, "demo_ward_population"))


def test_the_current_run_is_dated_from_its_first_point():
    values = np.r_[np.full(12, 100.0) + np.tile([-3, 2, 1, -1], 3), np.full(9, 130.0)]
    dates = pd.date_range("2023-01-01", periods=len(values), freq="MS")
    columns, attrs, rules = xmr.xmr_columns(values, dates=dates.to_numpy(), improvement="neutral")
    frame = xmr.xmr_frame(columns, attrs, rules)
    kind, side, since = questions.current_run(frame)
    assert side == 1 and since == pd.Timestamp("2024-01-01")
    calm = xmr.xmr_frame(*xmr.xmr_columns(values[:12], dates=dates[:12].to_numpy(), improvement="neutral"))
    assert questions.current_run(calm) is None


def test_an_older_agenda_gains_the_question_column_and_keeps_its_items(tmp_path):
    con = store.open_store(tmp_path / "old.duckdb")
    con.execute("CREATE SEQUENCE stocktake_session_seq; CREATE SEQUENCE stocktake_agenda_seq")
    con.execute("CREATE TABLE stocktake_sessions (id BIGINT NOT NULL, title VARCHAR NOT NULL, held_on DATE, dataset "
                "VARCHAR, attendees VARCHAR[], created_at TIMESTAMP NOT NULL, changed_at TIMESTAMP NOT NULL)")
    con.execute("CREATE TABLE stocktake_agenda (id BIGINT NOT NULL, session_id BIGINT NOT NULL, position INTEGER NOT "
                "NULL, title VARCHAR NOT NULL, page VARCHAR NOT NULL, figure VARCHAR NOT NULL, params VARCHAR NOT NULL,"
                " state VARCHAR NOT NULL, added_at TIMESTAMP NOT NULL)")
    con.execute("INSERT INTO stocktake_sessions VALUES (1, 'Old', NULL, 'x', [], now(), now())")
    con.execute("INSERT INTO stocktake_agenda VALUES (1, 1, 1, 'Volume', 'demand-drivers', 'volume', '{}', ?, now())",
                [json.dumps({"dataset": "x"})])
    assert [(i.title, i.question) for i in sessions.agenda(con, 1)] == [("Volume", "")]
    sessions.add_view(con, 1, sessions.View("demand-drivers", "pareto", {}, {"dataset": "x"}), "Top", question="Why?")
    assert [i.question for i in sessions.agenda(con, 1)] == ["", "Why?"]
    con.close()


# ---- on real files nobody here wrote ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(tmp_path_factory):
    con = store.open_store(tmp_path_factory.mktemp("real") / "real.duckdb")
    ingest.load_file(con, real_data_file("lfb_animal_rescue_2009_2019.csv"), dataset="lfb")
    ingest.load_file(con, real_data_file("la311_service_requests_2017_subset.csv"), dataset="la311")
    yield con
    con.close()


def test_animal_rescues_get_the_figures_their_roles_allow_and_say_what_was_left_out(real):
    agenda = stocktake.plan(registry.Context(real), store.get_dataset(real, "lfb"))
    figures = [i.figure for i in agenda.items]
    assert figures[:3] == ["volume", "change", "pareto"]
    assert "repeat_reason" not in figures and not any(f.startswith("failure") for f in figures)
    asked = {i.figure: i.question for i in agenda.items}
    assert "led by 'Cat'" in asked["pareto"]
    assert "in the 12 months to January 2019 against the 12 before" in asked["change"]
    why = {gap.step: gap.why for gap in agenda.left_out}
    assert why[stocktake.FAILURE] == ("No reason is classified as failure or value demand yet: classify reasons on "
                                      "the Demand page.")
    assert why[stocktake.REPEAT] == ("Repeat demand needs a column with the role 'Customer id'. Give a column that "
                                     "role on the Data page.")
    assert why[stocktake.SPEND].startswith("No spending dataset goes with these records")
    # The savings from the page's starting levers are tiny here (no channel costs, no failure classification): the
    # question says so, and points at the figure's notes before anyone quotes the number.
    assert asked["waterfall"].startswith("The starting scenario would save only £")
    assert "notes under the figure to check: is there a change worth making here" in asked["waterfall"]
    ctx = registry.Context(real)
    assert all(explore.draw_saved(ctx, i.view).note is None for i in agenda.items)


def test_five_days_of_requests_are_charted_by_day_and_never_read_as_a_trend(real):
    agenda = stocktake.plan(registry.Context(real), store.get_dataset(real, "la311"))
    volume = agenda.items[0]
    assert volume.state["dm_grain"] == "day"
    assert volume.question.startswith("9,999 records over 5 days: too few days to tell whether demand is changing")
    assert {gap.step: gap.why for gap in agenda.left_out}[stocktake.KPIS] == (
        "The other KPIs this dataset offers (Median days to close, 90th percentile days to close, Closed within 20 days) "
        "have no values by day to read a change from.")
