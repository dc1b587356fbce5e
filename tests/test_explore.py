"""Saved views drawn again outside their page (analysis.explore): the figure the room saw, its filters in words and
its reading, read from the controls the view kept as the page reads them, on the demo data."""

from __future__ import annotations

from datetime import date

import pytest

from analysis import explore, registry, store
from analysis.demand import figures
from analysis.errors import StocktakeError
from analysis.filters import Filters
from analysis.workshop.sessions import View

REPAIRS = {"dataset": "demo_contacts", "dm_service": ["Housing repairs"], "dm_from": "2023-04-01",
           "dm_to": "2025-05-31"}
DEMAND, PERFORMANCE, SAVINGS = "demand-drivers", "performance-trends", "savings-scenarios"


@pytest.fixture(scope="module")
def con(demo_store_template):
    connection = store.open_store(demo_store_template, read_only=True)
    yield connection
    connection.close()


def draw(con, page, figure, state, dataset=None):
    return explore.draw_saved(registry.Context(con), View(page, figure, {}, state), dataset=dataset)


def test_the_volume_view_counts_what_the_filters_select(con):
    drawn = draw(con, DEMAND, "volume", {**REPAIRS, "dm_grain": "month", "dm_split": "channel"})
    ds = store.get_dataset(con, "demo_contacts")
    expected = figures.total_count(con, ds, Filters(start=date(2023, 4, 1), end=date(2025, 5, 31),
                                                    services=("Housing repairs",)))
    assert expected == 70_166
    assert drawn.filters == "Housing repairs, April 2023 – May 2025"
    assert drawn.headline == (("Records", "70,166"),)
    assert int(drawn.data["Records"].sum()) == expected
    assert set(drawn.data["Channel"]) == {"Phone", "Web", "Email", "Face to face"}
    assert drawn.reading == ("70,166 records; the busiest month was January 2024 (3,685); May 2025: 2,225, 18.8% fewer "
                             "than May 2024.")


def test_a_view_without_dates_covers_the_whole_data_and_dates_outside_it_are_pulled_in(con):
    whole = draw(con, DEMAND, "volume", {"dataset": "demo_contacts"})
    assert whole.filters == "All records, 1 April 2022 – 14 November 2025"
    assert whole.headline == (("Records", "501,147"),)
    clamped = draw(con, DEMAND, "volume", {"dataset": "demo_contacts", "dm_from": "2001-01-01", "dm_to": "2030-12-31"})
    assert clamped.headline == whole.headline


def test_the_spc_view_reads_variation_and_assurance_like_making_data_count(con):
    drawn = draw(con, PERFORMANCE, "spc", {"dataset": "demo_kpis", "pf_kpi": "Satisfied with service (%)",
                                           "pf_service": "Housing repairs"})
    assert drawn.inputs.title == "Satisfied with service (%): Housing repairs"
    assert drawn.reading == (
        "Special cause improvement since June 2024: the latest point (81.6%) is above the upper limit. The target "
        "of 80.0% is not consistently met: it lies between the process limits, so some periods will meet it and "
        "others miss it by chance.")
    assert dict(drawn.headline)["Latest (Nov 2025)"] == "81.6%" and dict(drawn.headline)["Mean"] == "76.1%"
    assert dict(drawn.headline)["Target"] == "80.0%" and len(drawn.data) == 44


def test_an_spc_view_rebased_at_the_intervention_says_so(con):
    drawn = draw(con, PERFORMANCE, "spc", {"dataset": "demo_contacts", "pf_kpi": "median_days_to_close",
                                           "pf_service": "Housing repairs", "pf_rebase_date": "2024-06-01"})
    assert drawn.filters == "Median days to close, Housing repairs, by month, limits recalculated from June 2024"
    # June 2024, the month of the change, is above the new limits: the sentence names it instead of saying
    # "no sign of change" because the latest point is common cause.
    assert drawn.reading.startswith(
        "Common cause variation at the latest point; since June 2024, 1 point above the upper limit (June 2024) and 2 "
        "points near the lower limit (June 2025, July 2025). The process averages 7.9 days and would vary between "
        "7.5 days and 8.4 days if nothing changed.")
    assert drawn.reading.endswith("There is no target to compare with.")


@pytest.mark.parametrize("view,fallback,message", [
    (View(DEMAND, "volume", {}, {}), None, "does not say which dataset"),
    (View(DEMAND, "volume", {}, {"dataset": "gone"}), None, "The dataset 'gone' this view shows is no longer loaded"),
    (View(DEMAND, "sparkline", {}, {}), "demo_contacts", "The Demand drivers page has no figure 'sparkline'"),
    (View("datasets", "table", {}, {}), "demo_contacts", "Views of the page 'datasets' cannot be drawn here"),
    (View(PERFORMANCE, "spc", {}, {"pf_kpi": "nope"}), "demo_kpis", "'demo_kpis' no longer has the KPI"),
    (View(DEMAND, "volume", {}, {}), "demo_kpis", "'demo_kpis' is not a records dataset"),
])
def test_views_that_cannot_be_drawn_say_why(con, view, fallback, message):
    with pytest.raises(StocktakeError, match=message):
        explore.draw_saved(registry.Context(con), view, dataset=fallback)


def test_the_session_dataset_is_used_when_the_view_names_none(con):
    assert draw(con, DEMAND, "pareto", {}, dataset="demo_contacts").dataset == "demo_contacts"


@pytest.mark.parametrize("page,state,params", [
    (DEMAND, {"dataset": "d", "dm_grain": "week", "dm_split": "channel", "dm_service": ["A", "B"],
              "dm_from": "2024-04-01", "dm_near": False, "dm_horizon": 6},
     {"dataset": ["d"], "dm_grain": ["Week"], "dm_split": ["Channel"], "dm_service": ["A", "B"],
      "dm_from": ["2024-04-01"], "dm_horizon": ["6"]}),
    (PERFORMANCE, {"pf_kpi": "closed_within_days", "pf_days": 10, "pf_service": "All", "pf_dir": "decrease",
                   "pf_rules": "mdc", "pf_grain": "quarter", "pf_near": True},
     {"pf_kpi": ["Closed within 10 days"], "pf_days": ["10"], "pf_dir": ["Lower is better"],
      "pf_rules": ["Making Data Count tool"], "pf_grain": ["Quarter"], "pf_near": ["true"]}),
])
def test_url_params_are_written_as_the_pages_widgets_write_them(page, state, params):
    assert explore.url_params(page, state) == params


@pytest.mark.parametrize("page,figure,state,title", [
    (DEMAND, "pareto", {"dm_service": ["Parking"]}, "Top reasons: Parking"),
    (DEMAND, "volume", {"dm_service": ["A", "B", "C"]}, "Volume over time"),
    (PERFORMANCE, "spc", {"pf_kpi": "closed_within_days", "pf_days": 10, "pf_service": "Parking"},
     "Closed within 10 days: Parking"),
    (PERFORMANCE, "spc", {"pf_kpi": "Outcome, ASC Quality of Life", "pf_area": "Darlington"},
     "Outcome, ASC Quality of Life: Darlington"),
])
def test_default_titles_say_what_the_figure_shows(page, figure, state, title):
    assert explore.default_title(page, figure, state) == title


def test_a_views_drill_down_chips_narrow_its_figure_as_on_the_page(con):
    state = {**REPAIRS, "dm_drill": ["Reason: Chasing progress", "Channel: Phone"]}
    volume = draw(con, DEMAND, "volume", state)
    ds = store.get_dataset(con, "demo_contacts")
    expected = figures.total_count(con, ds, Filters(
        start=date(2023, 4, 1), end=date(2025, 5, 31), services=("Housing repairs",), reasons=("Chasing progress",),
        channels=("Phone",)))
    assert volume.headline == (("Records", f"{expected:,}"),)
    assert volume.filters == ("Housing repairs, April 2023 – May 2025; drilled down to reason Chasing progress; "
                              "channel Phone")
    # The top reasons chart is the one a reason click comes from: it keeps every reason, narrowed by the channel.
    pareto = draw(con, DEMAND, "pareto", state)
    assert len(pareto.data) == 6 and pareto.data["Records"].sum() == figures.total_count(
        con, ds, Filters(start=date(2023, 4, 1), end=date(2025, 5, 31), services=("Housing repairs",),
                         channels=("Phone",)))


@pytest.mark.parametrize("figure", ["waterfall", "projection"])
def test_savings_views_draw_the_pages_levers(con, figure):
    drawn = draw(con, SAVINGS, figure, {"dataset": "demo_contacts", "sv_fd_pct": 40, "sv_years": 4,
                                        "sv_oneoff": 100_000.0})
    assert drawn.filters.startswith("Baseline November 2024 to October 2025: 140,579 contacts; failure demand cut "
                                    "40%, 10% moved from Phone to Web, handling time cut 5%, one-off cost £100,000, "
                                    "4 years")
    labels = [label for label, _ in drawn.headline]
    assert labels == ["Annual saving at full effect", "Net saving over 4 years", "Staff time released"]
    if figure == "projection":
        assert len(drawn.data) == 4 and drawn.reading.startswith("Net of the one-off cost, ")
    else:
        assert drawn.reading.startswith("Saves £") and "failure demand removed" in drawn.reading


def test_the_demo_costs_apply_to_the_demo_only(con):
    # The unit costs a savings view starts from are the lookup chosen for its dataset or matching it (the demo's
    # own for the demo), never simply the first cost lookup in the store.
    view = explore.page(SAVINGS).read(registry.Context(con), store.get_dataset(con, "demo_contacts"),
                                      {"dataset": "demo_contacts"})
    assert view.preset == "demo_channel_costs"
