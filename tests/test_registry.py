"""The figure registry: every declared figure, drawn from its declaration as presentation mode and the pack draw it.

One case per figure (:data:`CASES`: the controls of a view showing it, and what its reading must say): a figure
declared without a case fails :func:`test_every_figure_has_a_case`. Each is drawn on a copy of the demo borough (with
a benchmark dataset and a saved scenario added, so the peers and the comparison have something to show); its chart
must be valid Vega-Lite as drawn and in presentation mode, its data carry the headings it declares, and its reading
be a sentence.
"""

from __future__ import annotations

import pandas as pd
import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema import load_schema

from analysis import explore, registry, store
from analysis.load import ingest
from analysis.charts.spec import rows_spec
from analysis.load.ingest import load_frame
from analysis.workshop.presentation import for_presentation
from analysis.savings import model, scenarios
from analysis.savings.declared import CURRENT
from analysis.workshop.sessions import View
from tests.test_ingest import SPANS_CSV

DEMO = {"dataset": "demo_contacts"}
PAYMENTS = {"dataset": "demo_payments"}
REPAIRS = {**DEMO, "dm_service": ["Housing repairs"], "dm_from": "2023-04-01", "dm_to": "2025-05-31"}
# '<page>/<figure>' -> (the view's controls, words its reading must hold)
CASES = {
    "home/rows_by_service": (DEMO, "is the commonest service: "),
    "home/rows_by_channel": (DEMO, "is the commonest channel: "),
    "home/rows_by_area": (DEMO, "is the commonest area: "),
    "home/rows_by_reason": (DEMO, "is the commonest reason: "),
    "home/rows_by_measure": ({"dataset": "demo_kpis"}, "is the commonest measure: "),
    "home/rows_by_category": (PAYMENTS, "is the commonest category: "),
    "home/rows_by_supplier": (PAYMENTS, "is the commonest supplier: "),
    # The demo's one change (id 1: the first in the store), on failure demand in repairs.
    "what-works/change": ({**DEMO, "ww_change": "1:demand:failure"}, "sustained shift: 17 months in a row below"),
    "demand-drivers/volume": ({**REPAIRS, "dm_split": "channel"}, "70,166 records"),
    "demand-drivers/pareto": (REPAIRS, "reasons make up 80% of these records"),
    "demand-drivers/failure_service": (DEMO, "the highest share is in"),
    "demand-drivers/failure_channel": (DEMO, "the highest share is in"),
    "demand-drivers/failure_trend": (REPAIRS, "Failure demand is"),
    "demand-drivers/repeat_reason": (DEMO, "came within 28 days"),
    "demand-drivers/repeat_channel": ({**DEMO, "dm_repeat_days": 7}, "came within 7 days"),
    "demand-drivers/repeat_pairs": (DEMO, "The commonest repeat"),
    "demand-drivers/day_hour": (DEMO, "The busiest hour is"),
    "demand-drivers/seasonality": (DEMO, "is the busiest"),
    "demand-drivers/change": ({**DEMO, "dm_change_by": "channel"}, "the largest change is in the channel"),
    "demand-drivers/rate": (DEMO, "records per 1,000 residents"),
    "demand-drivers/forecast": ({**DEMO, "dm_horizon": 3}, "Forecast for"),
    "performance-trends/spc": ({"dataset": "demo_kpis", "pf_kpi": "Satisfied with service (%)",
                                "pf_service": "Housing repairs"}, "The target of 80.0%"),
    "performance-trends/summary": ({**DEMO, "pf_grain": "month"}, "KPI series, "),
    "performance-trends/small_multiples": ({**DEMO, "pf_sm_by": "service"}, "each with its own mean and limits"),
    "performance-trends/peers": ({"dataset": "peer_days", "pf_bm_own": "Own", "pf_bm_dir": "decrease"},
                                 "Own ranked"),
    "performance-trends/spans": ({"dataset": "spans", "pf_kpi": "B2"}, "is published as multi-year spans (3, such as"),
    "savings-scenarios/waterfall": ({**DEMO, "sv_fd_pct": 40}, "Saves £"),
    "savings-scenarios/projection": ({**DEMO, "sv_years": 4}, "over 4 years"),
    "savings-scenarios/sensitivity": (DEMO, "The saving depends most on"),
    "savings-scenarios/comparison": ({**DEMO, "sv_compare": ["Cautious", CURRENT]}, "saves the most"),
    "savings-scenarios/comparison_projection": ({**DEMO, "sv_compare": ["Cautious", CURRENT]}, "saves the most"),
    "council-spend/over_time": ({**PAYMENTS, "sp_grain": "financial_year"}, "The largest financial year was"),
    "council-spend/spc": (PAYMENTS, "since"),
    "council-spend/by_service": (PAYMENTS, "Adult Social Care had the most spend"),
    "council-spend/by_category": ({**PAYMENTS, "sp_service": ["Parking Services"]},
                                  "Enforcement contract had the most spend"),
    "council-spend/by_supplier": ({**PAYMENTS, "sp_top": 5}, "Oakley Care Homes Ltd had the most spend"),
    "council-spend/concentration": (PAYMENTS, "suppliers make 80% of it"),
    "council-spend/change": ({**PAYMENTS, "sp_change_by": "supplier"}, "the largest change is in the supplier"),
    "council-spend/unit_costs": ({**PAYMENTS, "sp_records": "demo_contacts"}, "42 months in common"),
}
SCHEMA = load_schema()


@pytest.fixture(scope="module")
def ctx(demo_store_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("registry") / "demo.duckdb"
    path.write_bytes(demo_store_template.read_bytes())
    con = store.open_store(path)
    load_frame(con, pd.DataFrame({"period": [pd.Timestamp(f"2024-{m:02d}-01") for m in (1, 2, 3) for _ in range(4)],
                                  "area": ["Own", "P1", "P2", "P3"] * 3, "measure": ["Days to close"] * 12,
                                  "value": [10.0, 8.0, 12.0, 14.0, 9.0, 8.5, 11.0, 13.0, 7.0, 9.0, 12.0, 10.0]}),
               dataset="peer_days", kind="kpi",
               roles={"period": "period", "area": "area", "measure": "measure", "value": "value"})
    # A benchmarking table whose measure B2 is published only as multi-year spans ('2010-14'), as LGBF publishes some.
    spans = path.parent / "spans.csv"
    spans.write_text(SPANS_CSV)
    ingest.load_file(con, spans, dataset="spans", kind="kpi")
    view = explore.page("savings-scenarios").read(registry.Context(con), store.get_dataset(con, "demo_contacts"), DEMO)
    scenarios.save_scenario(con, "Cautious", store.get_dataset(con, "demo_contacts"), view.start, view.end,
                            model.Levers(**{**view.levers.__dict__, "failure_pct": 5.0}))
    yield registry.Context(con)
    con.close()


def every_figure() -> list[registry.Figure]:
    return [figure for page in explore.PAGES.values() for figure in page.figures.values()]


def test_every_figure_has_a_case():
    assert {figure.name for figure in every_figure()} == set(CASES), "add a case for each new figure to CASES"


def test_figure_keys_are_unique_and_every_page_has_one():
    assert all(page.figures for page in explore.PAGES.values())
    assert len({f.name for f in every_figure()}) == len(every_figure())


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_figure_draws_from_its_declaration(ctx, name):
    state, words = CASES[name]
    page, key = name.split("/")
    drawn = explore.draw_saved(ctx, View(page, key, {}, state))
    assert drawn.note is None, drawn.note
    spec = rows_spec(drawn.spec)
    assert spec["title"]["text"] and spec["datasets"]
    validate_jsonschema(spec, SCHEMA)
    validate_jsonschema(for_presentation(spec), SCHEMA)
    assert words in drawn.reading and drawn.reading.endswith("."), drawn.reading
    assert drawn.filters and drawn.dataset == state["dataset"]
    headings = drawn.figure.headings(drawn.inputs)
    assert len(drawn.data) > 0
    if headings:
        assert list(drawn.data.columns) == [h for c, h in headings.items() if c in drawn.table.columns]
    assert all(label and value for label, value in drawn.headline)


def test_a_figure_with_nothing_to_show_says_so_in_a_sentence(ctx):
    drawn = explore.draw_saved(ctx, View("savings-scenarios", "comparison", {}, {**DEMO, "sv_compare": ["Cautious"]}))
    assert drawn.spec is None and drawn.note.startswith("Choose two to four scenarios")
    no_kpi_roles = explore.draw_saved(ctx, View("demand-drivers", "repeat_reason", {},
                                                {**DEMO, "dm_service": ["No such service"]}))
    assert no_kpi_roles.note == "No records with a customer (or property) id match these filters."


def test_a_figure_missing_a_role_names_it(ctx):
    con = ctx.con
    load_frame(con, pd.DataFrame({"when": pd.to_datetime(["2024-01-02", "2024-02-03"]), "why": ["A", "B"]}),
               dataset="no_channel", kind="records", roles={"when": "date", "why": "reason"})
    drawn = explore.draw_saved(ctx, View("demand-drivers", "failure_channel", {}, {"dataset": "no_channel"}))
    assert drawn.note == ("Failure and value demand by channel needs a column with the role 'Channel'. Give a column "
                          "that role on the Data page.")


def test_a_figure_is_offered_only_for_a_dataset_it_can_show_something_for(ctx):
    performance = explore.page("performance-trends")
    assert "spans" in performance.offered(ctx.dataset("spans"))
    assert "spans" not in performance.offered(ctx.dataset("demo_contacts"))
    assert list(performance.offered(None)) == list(performance.figures)


def test_every_figure_in_the_registry_is_packed_with_its_chart_and_its_link(ctx):
    """Every declared figure, on every page, added to one session's agenda: the pack draws each one's chart (through
    the registry, as presentation does) and links to its view."""
    from analysis.workshop import pack, sessions

    session_id = sessions.create_session(ctx.con, "Every figure in the registry")
    for name in sorted(CASES):
        page, key = name.split("/")
        sessions.add_view(ctx.con, session_id, View(page, key, {}, CASES[name][0]), name)
    text = pack.build_pack(ctx.con, session_id)
    sections = text.split("<section class='item'>")[1:-2]  # the figures (the last two: notes and actions)
    assert len(sections) == len(every_figure())
    for section, name in zip(sections, sorted(CASES)):
        assert "could not be drawn" not in section and "<svg" in section, name
        assert "View in Stocktake: the " in section, name
