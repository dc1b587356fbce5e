"""Savings model: hand-checkable cases, baseline from a small store, and scenarios that survive a restart."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from analysis import savings, store
from analysis.errors import StocktakeError
from analysis.ingest import load_frame
from analysis.charts import savings as charts
from analysis.savings import ChannelShift, Levers

SOCITM = dict(savings.SOCITM_2012)


def phone_only(contacts=10_000, failure=0, minutes_sum=0.0, minutes_n=0):
    cells = pd.DataFrame({"service": ["Repairs"], "channel": ["Phone"], "contacts": [contacts],
                          "failure_contacts": [failure], "minutes_sum": [minutes_sum], "minutes_n": [minutes_n]})
    return savings.baseline_from_frame(cells)


def test_shift_of_20_percent_phone_to_web_saves_exactly_5360():
    # 10,000 × 20% = 2,000 contacts × (£2.83 - £0.15) = £5,360.
    levers = Levers(shifts=(ChannelShift("Phone", "Web", 20),), unit_costs=SOCITM)
    result = savings.compute(phone_only(), levers)
    assert result.total_saving == pytest.approx(5_360.0, abs=1e-9)
    assert result.baseline_cost == pytest.approx(28_300.0)
    assert result.scenario_cost == pytest.approx(22_940.0)
    assert result.contacts_moved == pytest.approx(2_000)
    assert result.contacts_avoided == 0
    shift = result.by_lever.set_index("lever").loc["shift", "saving"]
    assert shift == pytest.approx(5_360.0)


def test_failure_demand_removed_before_shift_is_not_double_counted():
    # 10,000 phone contacts of which 5,000 are failure demand. Remove 30% of it: 1,500 contacts × £2.83 = £4,245.
    # Shift 20% of the 8,500 that remain: 1,700 × £2.68 = £4,556. Total £8,801, not £4,245 + £5,360 = £9,605.
    levers = Levers(failure_pct=30, shifts=(ChannelShift("Phone", "Web", 20),), unit_costs=SOCITM)
    result = savings.compute(phone_only(failure=5_000), levers)
    by = result.by_lever.set_index("lever")["saving"]
    assert by["failure"] == pytest.approx(4_245.0)
    assert by["shift"] == pytest.approx(4_556.0)
    assert by["handling"] == 0
    assert result.total_saving == pytest.approx(8_801.0)
    assert result.contacts_avoided == pytest.approx(1_500)
    assert result.contacts_moved == pytest.approx(1_700)
    # The waterfall runs from baseline cost (£28,300) down to the scenario cost.
    wf = result.waterfall
    assert wf["label"].tolist() == ["Baseline cost", "Failure demand removed", "Channel shift", "Handling time cut",
                                    "Scenario cost"]
    assert wf["end"].iloc[-1] == pytest.approx(28_300 - 8_801)
    assert wf["end"].iloc[1] == pytest.approx(28_300 - 4_245)


def test_fte_released_from_minutes_saved():
    # 96,000 contacts × 10 minutes; cut handling time by 25% -> 240,000 minutes = 4,000 hours.
    # 4,000 h / 1,600 productive hours = 2.5 FTE; 4,000 h × £25 = £100,000.
    base = phone_only(contacts=96_000, minutes_sum=960_000.0, minutes_n=96_000)
    levers = Levers(handling_pct=25, fte_hour_cost=25, productive_hours=1_600, unit_costs=SOCITM)
    result = savings.compute(base, levers)
    assert result.minutes_saved == pytest.approx(240_000)
    assert result.fte_released == pytest.approx(2.5)
    assert result.total_saving == pytest.approx(100_000)


def test_handling_cut_applies_after_failure_removal_and_shift_with_entered_minutes():
    # No minutes in the data: entered Phone 6 min, Web 2 min. 10,000 phone, 5,000 failure.
    # Remove 30% failure: 1,500 contacts, 9,000 minutes. Shift 20% of 8,500 = 1,700 to web: 1,700 × 4 = 6,800 min.
    # Now phone 6,800 × 6 + web 1,700 × 2 = 44,200 min; cut 10% = 4,420 min = 73.667 h × £30 = £2,210.
    levers = Levers(failure_pct=30, shifts=(ChannelShift("Phone", "Web", 20),), handling_pct=10, fte_hour_cost=30,
                    productive_hours=1_500, unit_costs=SOCITM, minutes_per_contact={"Phone": 6, "Web": 2})
    result = savings.compute(phone_only(failure=5_000), levers)
    by = result.by_lever.set_index("lever")
    assert by.loc["handling", "minutes_saved"] == pytest.approx(4_420)
    assert by.loc["handling", "saving"] == pytest.approx(2_210)
    assert result.total_saving == pytest.approx(8_801 + 2_210)
    assert result.minutes_saved == pytest.approx(9_000 + 6_800 + 4_420)
    assert result.fte_released == pytest.approx(20_220 / 60 / 1_500)


def test_ramp_up_and_payback_year():
    # £5,360 a year at full effect, one-off £10,000, ramp 25%, 75%, 100% (then 100%), four years:
    # gross 1,340 / 4,020 / 5,360 / 5,360; cumulative net -8,660 / -4,640 / 720 / 6,080 -> pays back in year 3.
    levers = Levers(shifts=(ChannelShift("Phone", "Web", 20),), unit_costs=SOCITM, one_off_cost=10_000,
                    ramp_up=(25, 75, 100), years=4)
    result = savings.compute(phone_only(), levers)
    proj = result.projection
    assert proj["year"].tolist() == [1, 2, 3, 4]
    assert proj["gross_saving"].tolist() == pytest.approx([1_340, 4_020, 5_360, 5_360])
    assert proj["cumulative_net"].tolist() == pytest.approx([-8_660, -4_640, 720, 6_080])
    assert result.payback_year == 3


def test_projection_never_paying_back_and_ramp_repeating_last_share():
    frame, payback = savings.projection(1_000, Levers(one_off_cost=10_000, ramp_up=(50,), years=5))
    assert frame["gross_saving"].tolist() == pytest.approx([500] * 5)
    assert frame["cumulative_net"].iloc[-1] == pytest.approx(-7_500)
    assert payback is None


def test_failure_lever_narrowed_to_services_and_reasons():
    cells = pd.DataFrame({"service": ["A", "B"], "channel": ["Phone", "Phone"], "contacts": [1_000, 1_000],
                          "failure_contacts": [400, 400]})
    failure = pd.DataFrame({"service": ["A", "A", "B"], "channel": ["Phone"] * 3,
                            "reason": ["Chasing", "Missed again", "Chasing"], "contacts": [300, 100, 400]})
    base = savings.baseline_from_frame(cells, failure)
    only_a = savings.compute(base, Levers(failure_pct=50, failure_services=("A",), unit_costs={"Phone": 2}))
    assert only_a.contacts_avoided == pytest.approx(200)
    assert only_a.total_saving == pytest.approx(400)
    chasing = savings.compute(base, Levers(failure_pct=50, failure_reasons=("Chasing",), unit_costs={"Phone": 2}))
    assert chasing.contacts_avoided == pytest.approx(350)
    per_service = savings.compute(base, Levers(failure_pct=50, failure_pct_by_service={"B": 10},
                                               unit_costs={"Phone": 2}))
    assert per_service.contacts_avoided == pytest.approx(200 + 40)


def test_several_shifts_apply_in_turn_and_uncosted_channel_is_noted():
    # Phone 10,000: 20% to web (2,000), then 50% of the remaining 8,000 phone to email (4,000; email has no cost).
    levers = Levers(shifts=(ChannelShift("Phone", "Web", 20), ChannelShift("Phone", "Email", 50)),
                    unit_costs=SOCITM)
    result = savings.compute(phone_only(), levers)
    assert result.contacts_moved == pytest.approx(6_000)
    assert result.total_saving == pytest.approx(5_360 + 4_000 * 2.83)
    assert any("No unit cost for 'Email'" in n for n in result.notes)


def test_tornado_moves_each_input_by_a_quarter():
    levers = Levers(shifts=(ChannelShift("Phone", "Web", 20),), unit_costs=SOCITM)
    frame = savings.tornado(phone_only(), levers).set_index("input")
    shift = frame.loc["Shift Phone to Web (%)"]
    assert (shift["low_value"], shift["high_value"]) == pytest.approx((15, 25))
    assert (shift["saving_low"], shift["saving_high"]) == pytest.approx((4_020, 6_700))
    phone = frame.loc["Unit cost: Phone (£)"]
    assert (phone["saving_low"], phone["saving_high"]) == pytest.approx((2_000 * (2.1225 - 0.15),
                                                                         2_000 * (3.5375 - 0.15)))
    web = frame.loc["Unit cost: Web (£)"]
    assert (web["saving_low"], web["saving_high"]) == pytest.approx((2_000 * (2.83 - 0.1125),
                                                                     2_000 * (2.83 - 0.1875)))
    assert frame.loc["Contact volumes", "saving_high"] == pytest.approx(6_700)
    assert "Handling minutes per contact" not in frame.index  # moves nothing here
    assert frame["base_saving"].tolist() == pytest.approx([5_360] * len(frame))


def test_unit_cost_table_prefers_lookup_then_socitm_and_notes_gaps():
    lookup = pd.DataFrame({"channel": ["Phone"], "unit_cost": [4.10], "source": ["Finance 2024/25"]})
    table = savings.unit_cost_table(["Phone", "Telephone", "Online", "Email"], lookup, "demo_channel_costs")
    by = table.set_index("channel")
    assert by.loc["Phone", "unit_cost"] == 4.10
    assert "Finance 2024/25" in by.loc["Phone", "source"]
    assert by.loc["Telephone", "unit_cost"] == 2.83
    assert by.loc["Online", "unit_cost"] == 0.15
    assert by.loc["Telephone", "source"] == savings.SOCITM_SOURCE
    assert pd.isna(by.loc["Email", "unit_cost"])
    assert "No unit cost for 'Email'" in by.loc["Email", "note"]


def test_levers_reject_impossible_numbers():
    with pytest.raises(StocktakeError, match="between 0% and 100%"):
        savings.compute(phone_only(), Levers(failure_pct=120))
    with pytest.raises(StocktakeError, match="different channel"):
        savings.compute(phone_only(), Levers(shifts=(ChannelShift("Phone", "Phone", 10),)))


# ---- baseline from a store, and scenarios that survive a restart ----------------------------------------------


def _records() -> pd.DataFrame:
    rows = []
    # 2023-12 is outside the period; 2024 has: A/Phone 6 (4 chasing), A/Web 2, B/Phone 3 (1 chasing), B/Email 1.
    spec = [
        ("2023-12-20", "A", "Chasing", "Phone", 10.0),
        *[("2024-01-15", "A", "Chasing", "Phone", 8.0)] * 4,
        *[("2024-03-02", "A", "New request", "Phone", 5.0)] * 2,
        *[("2024-05-05", "A", "New request", "Web", None)] * 2,
        ("2024-06-01", "B", "Chasing", "Phone", 12.0),
        *[("2024-07-07", "B", "Payment", "Phone", 6.0)] * 2,
        ("2024-12-31 23:00", "B", "Payment", "Email", 4.0),
    ]
    for i, (when, service, reason, channel, minutes) in enumerate(spec):
        rows.append({"id": i, "received": pd.Timestamp(when), "service": service, "reason": reason,
                     "channel": channel, "minutes": minutes})
    return pd.DataFrame(rows)


@pytest.fixture()
def small_store(tmp_path):
    path = tmp_path / "t.duckdb"
    con = store.open_store(path)
    load_frame(con, _records(), dataset="calls", kind="records",
               roles={"id": "record_id", "received": "date", "service": "service", "reason": "reason",
                      "channel": "channel", "minutes": "handling_minutes"})
    load_frame(con, pd.DataFrame({"service": ["A", "A", "B", "B"], "reason": ["Chasing", "New request", "Chasing",
                                                                              "Payment"],
                                  "demand_type": ["failure", "value", "failure", "value"]}),
               dataset="calls_classification", kind="lookup",
               roles={"service": "service", "reason": "reason", "demand_type": "demand_type"})
    load_frame(con, pd.DataFrame({"channel": ["Phone", "Email"], "unit_cost": [3.0, 1.5],
                                  "source": ["Local study", "=HYPERLINK(1)"]}),
               dataset="calls_costs", kind="lookup", roles={"channel": "channel", "unit_cost": "unit_cost",
                                                            "source": "source"})
    yield con, path
    con.close()


def test_baseline_counts_failure_and_minutes_in_the_period(small_store):
    con, _ = small_store
    assert savings.latest_full_year(con, "calls") == (date(2024, 1, 1), date(2025, 1, 1))
    base = savings.baseline(con, "calls", date(2024, 1, 1), date(2025, 1, 1))
    cells = base.cells.set_index(["service", "channel"])
    assert base.total_contacts == 12
    assert cells.loc[("A", "Phone"), "contacts"] == 6
    assert cells.loc[("A", "Phone"), "failure_contacts"] == 4
    assert cells.loc[("A", "Phone"), "minutes_sum"] == pytest.approx(42.0)
    assert cells.loc[("A", "Web"), "minutes_n"] == 0
    assert cells.loc[("B", "Phone"), "failure_contacts"] == 1
    assert cells.loc[("B", "Email"), "contacts"] == 1
    assert base.failure_reasons == ["Chasing"]
    assert base.has_minutes and base.has_classification
    by_channel = base.by_channel().set_index("channel")
    assert by_channel.loc["Phone", "avg_minutes"] == pytest.approx((42 + 24) / 9)
    assert savings.unit_cost_lookups(con) == ["calls_costs"]


def test_baseline_names_the_missing_role(small_store):
    con, _ = small_store
    store.set_roles(con, "calls", {"channel": None})
    with pytest.raises(StocktakeError, match="role 'Channel'"):
        savings.baseline(con, "calls", date(2024, 1, 1), date(2025, 1, 1))


def test_scenario_survives_restart_and_gives_identical_outputs(small_store):
    con, path = small_store
    ds = store.get_dataset(con, "calls")
    period = savings.latest_full_year(con, ds)
    levers = Levers(failure_pct=40, shifts=(ChannelShift("Phone", "Web", 25), ChannelShift("Email", "Web", 10)),
                    handling_pct=15, unit_costs={"Phone": 3.0, "Email": 1.5, "Web": 0.15},
                    minutes_per_contact={"Web": 3.0}, fte_hour_cost=28, productive_hours=1_450, one_off_cost=5,
                    ramp_up=(30, 80), years=5, failure_reasons=("Chasing",))
    before = savings.compute(savings.baseline(con, ds, *period), levers)
    savings.save_scenario(con, "Digital first", ds, *period, levers)
    with pytest.raises(StocktakeError, match="already a scenario"):
        savings.save_scenario(con, "Digital first", ds, *period, levers)
    con.close()

    con2 = store.open_store(path)
    try:
        listed = savings.list_scenarios(con2, "calls")
        assert listed["name"].tolist() == ["Digital first"]
        saved = savings.load_scenario(con2, "calls", "Digital first")
        assert saved.levers == levers
        assert (saved.period_start, saved.period_end) == period
        assert saved.dataset_version == ds.version
        after = savings.compute(savings.baseline(con2, "calls", saved.period_start, saved.period_end), saved.levers)
        assert after.headline() == before.headline()
        pd.testing.assert_frame_equal(after.by_lever, before.by_lever)
        pd.testing.assert_frame_equal(after.projection, before.projection)

        savings.rename_scenario(con2, "calls", "Digital first", "Digital first v2")
        assert savings.list_scenarios(con2, "calls")["name"].tolist() == ["Digital first v2"]
        assert savings.list_scenarios(con2, "other").empty
        savings.delete_scenario(con2, "calls", "Digital first v2")
        assert savings.list_scenarios(con2).empty
        with pytest.raises(StocktakeError, match="no saved scenario"):
            savings.load_scenario(con2, "calls", "Digital first v2")
    finally:
        con2.close()


def test_compare_two_scenarios():
    base = phone_only(failure=5_000)
    a = savings.compute(base, Levers(shifts=(ChannelShift("Phone", "Web", 20),), unit_costs=SOCITM))
    b = savings.compute(base, Levers(failure_pct=30, shifts=(ChannelShift("Phone", "Web", 20),), unit_costs=SOCITM,
                                     one_off_cost=20_000))
    table = savings.compare_scenarios([("Shift only", a), ("Both", b)])
    assert table["Scenario"].tolist() == ["Shift only", "Both"]
    assert table["Annual saving (£)"].tolist() == pytest.approx([5_360, 8_801])
    assert table["Payback year"].tolist() == [1, 3]
    long = savings.comparison_long([("Shift only", a), ("Both", b)])
    assert len(long) == 6
    with pytest.raises(StocktakeError, match="two to four"):
        savings.compare_scenarios([("x", a)] * 5)


# ---- charts: titles, £ axes, and the cached spec equal to the Altair chart's own ------------------------------


@pytest.fixture(scope="module")
def results():
    cells = pd.DataFrame({"service": ["R"] * 3, "channel": ["Phone", "Web", "Face to face"],
                          "contacts": [10_000, 4_000, 1_000], "failure_contacts": [5_000, 1_000, 300]})
    base = savings.baseline_from_frame(cells)
    a = Levers(failure_pct=30, shifts=(ChannelShift("Phone", "Web", 20),), handling_pct=10,
               unit_costs=dict(savings.SOCITM_2012), one_off_cost=10_000, ramp_up=(25, 75, 100), years=4)
    b = Levers(shifts=(ChannelShift("Phone", "Web", 20),), unit_costs=dict(savings.SOCITM_2012), years=4)
    return base, a, savings.compute(base, a), savings.compute(base, b)


def _axes(node):
    """Every axis object in a Vega-Lite spec."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "axis" and isinstance(value, dict):
                yield value
            else:
                yield from _axes(value)
    elif isinstance(node, list):
        for item in node:
            yield from _axes(item)


def _cases(results):
    base, levers, ra, rb = results
    both = [("Bold", ra), ("Shift only", rb)]
    return [
        (charts.build_waterfall_chart, charts.waterfall_spec, (ra.waterfall,), "From baseline cost to scenario cost"),
        (charts.build_projection_chart, charts.projection_spec, (ra.projection, ra.payback_year),
         "Savings over the years, net of the one-off cost"),
        (charts.build_projection_chart, charts.projection_spec, (rb.projection, None),
         "Savings over the years, net of the one-off cost"),
        (charts.build_tornado_chart, charts.tornado_spec, (savings.tornado(base, levers),), "Which inputs matter most"),
        (charts.build_comparison_chart, charts.comparison_spec, (savings.comparison_long(both),),
         "Scenarios side by side"),
        (charts.build_comparison_projection_chart, charts.comparison_projection_spec,
         (savings.projections_long(both),), "Cumulative net saving by scenario"),
    ]


def test_spec_from_template_equals_the_altair_chart_and_has_titles(results):
    for build, spec, args, title in _cases(results):
        altair_dict = build(*args).to_dict()
        fast = spec(*args)
        assert json.dumps(fast, sort_keys=True) == json.dumps(altair_dict, sort_keys=True), build.__name__
        assert fast["title"]["text"] == title
        axes = list(_axes(fast))
        assert any(a.get("labelExpr") == charts.MONEY_LABEL for a in axes), build.__name__  # £ on the money axis
        assert any(isinstance(a.get("title"), str) and a["title"] for a in axes), build.__name__


def test_template_is_reused_with_new_rows(results):
    base, levers, ra, _ = results
    first = charts.waterfall_spec(ra.waterfall)
    other = savings.compute(base, Levers(failure_pct=60, unit_costs=dict(savings.SOCITM_2012)))
    second = charts.waterfall_spec(other.waterfall)
    assert first["layer"] == second["layer"]
    labels = [r["amount_label"] for r in second["datasets"]["waterfall"]]
    # Baseline £37,520 (10,000 × 2.83 + 4,000 × 0.15 + 1,000 × 8.62); 60% of failure demand removed:
    # 3,000 × 2.83 + 600 × 0.15 + 180 × 8.62 = £10,131.60.
    assert labels == ["£37,520", "-£10,132", "£0", "£0", "£27,388"]
    assert second["datasets"]["waterfall"][1]["colour"] == "Saving"


def test_projection_marks_the_payback_year(results):
    _, _, ra, rb = results
    spec = charts.projection_spec(ra.projection, ra.payback_year)
    assert spec["datasets"]["payback"][0]["label"] == f"Pays back in year {ra.payback_year}"
    assert "Pays back in year" in spec["title"]["subtitle"]
    none = charts.projection_spec(rb.projection, None)
    assert none["datasets"]["payback"] == []
    assert "Does not pay back" in none["title"]["subtitle"] or rb.payback_year == 1


def test_tornado_keeps_its_order_in_the_data_so_the_template_survives_a_reorder(results):
    base, levers, _, _ = results
    low = savings.tornado(base, replace(levers, failure_pct=5))
    high = savings.tornado(base, replace(levers, failure_pct=90))
    assert low["input"].tolist() != high["input"].tolist()  # the lever reorders the inputs
    a, b = charts.tornado_spec(low), charts.tornado_spec(high)
    assert a["layer"] == b["layer"]
    ranked = sorted({(r["rank"], r["input"]) for r in b["datasets"]["tornado"]})
    assert [name for _, name in ranked] == high["input"].tolist()
