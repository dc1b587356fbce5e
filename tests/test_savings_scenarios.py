"""analysis.savings.scenarios: scenarios that survive a restart, and two laid side by side."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import store
from analysis.errors import StocktakeError
from analysis.savings import baseline, model, scenarios
from analysis.savings.model import ChannelShift, Levers
from tests.savings_store import SOCITM, phone_only, small_store  # noqa: F401 (the small_store fixture)


def test_scenario_survives_restart_and_gives_identical_outputs(small_store):
    con, path = small_store
    ds = store.get_dataset(con, "calls")
    period = baseline.latest_full_year(con, ds)
    levers = Levers(failure_pct=40, shifts=(ChannelShift("Phone", "Web", 25), ChannelShift("Email", "Web", 10)),
                    handling_pct=15, unit_costs={"Phone": 3.0, "Email": 1.5, "Web": 0.15},
                    minutes_per_contact={"Web": 3.0}, fte_hour_cost=28, productive_hours=1_450, one_off_cost=5,
                    ramp_up=(30, 80), years=5, failure_reasons=("Chasing",))
    before = model.compute(baseline.baseline(con, ds, *period), levers)
    scenarios.save_scenario(con, "Digital first", ds, *period, levers)
    with pytest.raises(StocktakeError, match="already a scenario"):
        scenarios.save_scenario(con, "Digital first", ds, *period, levers)
    con.close()

    con2 = store.open_store(path)
    try:
        listed = scenarios.list_scenarios(con2, "calls")
        assert listed["name"].tolist() == ["Digital first"]
        saved = scenarios.load_scenario(con2, "calls", "Digital first")
        assert saved.levers == levers
        assert (saved.period_start, saved.period_end) == period
        assert saved.dataset_version == ds.version
        after = model.compute(baseline.baseline(con2, "calls", saved.period_start, saved.period_end), saved.levers)
        assert after.headline() == before.headline()
        pd.testing.assert_frame_equal(after.by_lever, before.by_lever)
        pd.testing.assert_frame_equal(after.projection, before.projection)

        scenarios.rename_scenario(con2, "calls", "Digital first", "Digital first v2")
        assert scenarios.list_scenarios(con2, "calls")["name"].tolist() == ["Digital first v2"]
        assert scenarios.list_scenarios(con2, "other").empty
        scenarios.delete_scenario(con2, "calls", "Digital first v2")
        assert scenarios.list_scenarios(con2).empty
        with pytest.raises(StocktakeError, match="no saved scenario"):
            scenarios.load_scenario(con2, "calls", "Digital first v2")
    finally:
        con2.close()


def test_compare_two_scenarios():
    base = phone_only(failure=5_000)
    a = model.compute(base, Levers(shifts=(ChannelShift("Phone", "Web", 20),), unit_costs=SOCITM))
    b = model.compute(base, Levers(failure_pct=30, shifts=(ChannelShift("Phone", "Web", 20),), unit_costs=SOCITM,
                                     one_off_cost=20_000))
    table = scenarios.compare_scenarios([("Shift only", a), ("Both", b)])
    assert table["Scenario"].tolist() == ["Shift only", "Both"]
    assert table["Annual saving (£)"].tolist() == pytest.approx([5_360, 8_801])
    assert table["Payback year"].tolist() == [1, 3]
    long = scenarios.comparison_long([("Shift only", a), ("Both", b)])
    assert len(long) == 6
    with pytest.raises(StocktakeError, match="two to four"):
        scenarios.compare_scenarios([("x", a)] * 5)


# ---- charts: titles, £ axes, and the cached spec equal to the Altair chart's own ------------------------------
