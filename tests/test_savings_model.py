"""analysis.savings.model: hand-checkable cases (the £5,360 shift, the £8,801 combined scenario), ramp-up,
payback, the tornado and the levers a user can get wrong."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.errors import StocktakeError
from analysis.savings import baseline, model, sensitivity
from analysis.savings.model import ChannelShift, Levers
from tests.savings_store import SOCITM, phone_only  # noqa: F401 (the small_store fixture)


def test_shift_of_20_percent_phone_to_web_saves_exactly_5360():
    # 10,000 × 20% = 2,000 contacts × (£2.83 - £0.15) = £5,360.
    levers = Levers(shifts=(ChannelShift("Phone", "Web", 20),), unit_costs=SOCITM)
    result = model.compute(phone_only(), levers)
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
    result = model.compute(phone_only(failure=5_000), levers)
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
    result = model.compute(base, levers)
    assert result.minutes_saved == pytest.approx(240_000)
    assert result.fte_released == pytest.approx(2.5)
    assert result.total_saving == pytest.approx(100_000)


def test_handling_cut_applies_after_failure_removal_and_shift_with_entered_minutes():
    # No minutes in the data: entered Phone 6 min, Web 2 min. 10,000 phone, 5,000 failure.
    # Remove 30% failure: 1,500 contacts, 9,000 minutes. Shift 20% of 8,500 = 1,700 to web: 1,700 × 4 = 6,800 min.
    # Now phone 6,800 × 6 + web 1,700 × 2 = 44,200 min; cut 10% = 4,420 min = 73.667 h × £30 = £2,210.
    levers = Levers(failure_pct=30, shifts=(ChannelShift("Phone", "Web", 20),), handling_pct=10, fte_hour_cost=30,
                    productive_hours=1_500, unit_costs=SOCITM, minutes_per_contact={"Phone": 6, "Web": 2})
    result = model.compute(phone_only(failure=5_000), levers)
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
    result = model.compute(phone_only(), levers)
    proj = result.projection
    assert proj["year"].tolist() == [1, 2, 3, 4]
    assert proj["gross_saving"].tolist() == pytest.approx([1_340, 4_020, 5_360, 5_360])
    assert proj["cumulative_net"].tolist() == pytest.approx([-8_660, -4_640, 720, 6_080])
    assert result.payback_year == 3


def test_projection_never_paying_back_and_ramp_repeating_last_share():
    frame, payback = model.projection(1_000, Levers(one_off_cost=10_000, ramp_up=(50,), years=5))
    assert frame["gross_saving"].tolist() == pytest.approx([500] * 5)
    assert frame["cumulative_net"].iloc[-1] == pytest.approx(-7_500)
    assert payback is None


def test_failure_lever_narrowed_to_services_and_reasons():
    cells = pd.DataFrame({"service": ["A", "B"], "channel": ["Phone", "Phone"], "contacts": [1_000, 1_000],
                          "failure_contacts": [400, 400]})
    failure = pd.DataFrame({"service": ["A", "A", "B"], "channel": ["Phone"] * 3,
                            "reason": ["Chasing", "Missed again", "Chasing"], "contacts": [300, 100, 400]})
    base = baseline.baseline_from_frame(cells, failure)
    only_a = model.compute(base, Levers(failure_pct=50, failure_services=("A",), unit_costs={"Phone": 2}))
    assert only_a.contacts_avoided == pytest.approx(200)
    assert only_a.total_saving == pytest.approx(400)
    chasing = model.compute(base, Levers(failure_pct=50, failure_reasons=("Chasing",), unit_costs={"Phone": 2}))
    assert chasing.contacts_avoided == pytest.approx(350)
    per_service = model.compute(base, Levers(failure_pct=50, failure_pct_by_service={"B": 10},
                                               unit_costs={"Phone": 2}))
    assert per_service.contacts_avoided == pytest.approx(200 + 40)


def test_several_shifts_apply_in_turn_and_uncosted_channel_is_noted():
    # Phone 10,000: 20% to web (2,000), then 50% of the remaining 8,000 phone to email (4,000; email has no cost).
    levers = Levers(shifts=(ChannelShift("Phone", "Web", 20), ChannelShift("Phone", "Email", 50)),
                    unit_costs=SOCITM)
    result = model.compute(phone_only(), levers)
    assert result.contacts_moved == pytest.approx(6_000)
    assert result.total_saving == pytest.approx(5_360 + 4_000 * 2.83)
    assert any("No unit cost for 'Email'" in n for n in result.notes)


def test_tornado_moves_each_input_by_a_quarter():
    levers = Levers(shifts=(ChannelShift("Phone", "Web", 20),), unit_costs=SOCITM)
    frame = sensitivity.tornado(phone_only(), levers).set_index("input")
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


def test_levers_reject_impossible_numbers():
    with pytest.raises(StocktakeError, match="between 0% and 100%"):
        model.compute(phone_only(), Levers(failure_pct=120))
    with pytest.raises(StocktakeError, match="different channel"):
        model.compute(phone_only(), Levers(shifts=(ChannelShift("Phone", "Phone", 10),)))


# ---- baseline from a store, and scenarios that survive a restart ----------------------------------------------
