"""Unit costs from the council's own data (issue 20): a crafted records dataset and a spending dataset with known
services, months and sums, and every number worked out by hand beside the code's.

The records: 24 complete months (January 2023 to December 2024), 30 contacts a month, each closed the day it came:
'Housing repairs' 15 by phone and 5 on the web, 'Council tax' 2 by phone and 8 on the web. The spending: eight months
(July 2024 to February 2025) on the 10th; 'Housing Repairs & Maintenance' £2,000 in July rising £100 a month,
'Revenues - Council Tax' £500 a month, 'Legal & Democratic' £300 a month (no records service is like it).

By hand: the months in common are July to December 2024 (6); repairs spent 2,000 + 2,100 + … + 2,500 = £13,500 on
120 contacts (£112.50 a contact), council tax £3,000 on 60 (£50.00); £1,800 of legal spending is in no unit cost.
"""

from __future__ import annotations

import calendar

import pandas as pd
import pytest

from analysis import explore, registry, store
from analysis.load.ingest import load_frame
from analysis.spend import matching
from analysis.workshop.sessions import View

CHANNELS = ["Phone"] * 15 + ["Web"] * 5 + ["Phone"] * 2 + ["Web"] * 8
SERVICES = ["Housing repairs"] * 20 + ["Council tax"] * 10
REPAIRS = [2000 + 100 * i for i in range(8)]  # July 2024 .. February 2025


def crafted_records() -> pd.DataFrame:
    rows = []
    for month in pd.date_range("2023-01-01", "2024-12-01", freq="MS"):
        last = calendar.monthrange(month.year, month.month)[1]
        days = [1 + k % 28 for k in range(29)] + [last]  # the first and the last day: every month is complete
        for day, service, channel in zip(days, SERVICES, CHANNELS):
            received = month + pd.Timedelta(days=day - 1, hours=9)
            rows.append((received, received + pd.Timedelta(hours=6), service, channel))
    return pd.DataFrame(rows, columns=["received", "closed", "service", "channel"])


def crafted_spending() -> pd.DataFrame:
    rows = []
    for i, month in enumerate(pd.date_range("2024-07-01", "2025-02-01", freq="MS")):
        paid = month + pd.Timedelta(days=9)
        rows += [(paid, "Housing Repairs & Maintenance", REPAIRS[i], f"R{i}"),
                 (paid, "Revenues - Council Tax", 500.0, f"C{i}"), (paid, "Legal & Democratic", 300.0, f"L{i}")]
    return pd.DataFrame(rows, columns=["paid", "service area", "amount", "ref"])


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    con = store.open_store(tmp_path_factory.mktemp("pair") / "pair.duckdb")
    load_frame(con, crafted_records(), dataset="calls", kind="records",
               roles={"received": "date", "closed": "closed_date", "service": "service", "channel": "channel"})
    load_frame(con, crafted_spending(), dataset="ledger", kind="spend",
               roles={"paid": "date", "service area": "service", "amount": "amount", "ref": "transaction_id"})
    yield registry.Context(con)
    con.close()


def test_the_spending_is_paired_and_its_services_matched_by_name(ctx):
    pair = matching.pair_for(ctx, ctx.dataset("calls"))
    assert (pair.spend, pair.how) == ("ledger", "matched")
    assert pair.matched == {"Housing Repairs & Maintenance": "Housing repairs",
                            "Revenues - Council Tax": "Council tax"}


def test_unit_costs_equal_the_hand_worked_ones_and_the_months_left_out_are_said(ctx):
    drawn = explore.draw_saved(ctx, View("council-spend", "unit_costs", {}, {"dataset": "ledger"}))
    by_service = drawn.result.by_service.set_index("service")
    assert by_service.loc["Housing repairs", ["spend", "contacts", "unit_cost"]].tolist() == [13_500.0, 120, 112.5]
    assert by_service.loc["Council tax", ["spend", "contacts", "unit_cost"]].tolist() == [3_000.0, 60, 50.0]
    assert dict(drawn.headline) == {"Months in common": "6", "Spend per contact, matched services": "£91.67",
                                    "Services priced": "2"}
    assert drawn.reading == (
        "Housing repairs costs the most per contact: £112.50 (£13,500 for 120 contacts). 6 months in common (July "
        "2024 – December 2024); spend includes more than handling contacts: an upper bound. Left out: 2 months of "
        "spending with no contact records (January 2025 – February 2025) and 18 months of records with no spending "
        "(January 2023 – June 2024). £1,800 of spending in services matched to no records service "
        "('Legal & Democratic') is not in any unit cost.")


@pytest.mark.parametrize("kpi", ["spend_per_contact", "spend_per_closed"])
def test_the_kpi_series_is_spend_per_contact_month_by_month(ctx, kpi):
    drawn = explore.draw_saved(ctx, View("performance-trends", "spc", {}, {"dataset": "calls", "pf_kpi": kpi}))
    frame = drawn.result.frame
    # (repairs + council tax) / 30 contacts (all 30 closed in their month), July to December 2024.
    expected = [(REPAIRS[i] + 500) / 30 for i in range(6)]
    assert frame["value"].round(6).tolist() == [round(v, 6) for v in expected]
    assert pd.to_datetime(frame["date"]).dt.strftime("%Y-%m").tolist() == [
        "2024-07", "2024-08", "2024-09", "2024-10", "2024-11", "2024-12"]
    assert frame["mean"].iloc[0] == pytest.approx(sum(expected) / 6)
    assert drawn.inputs.improvement == "decrease" and drawn.inputs.unit == "money"
    assert dict(drawn.headline)["Latest (Dec 2024)"] == "£100"


def test_the_kpi_by_service_and_one_service_alone(ctx):
    drawn = explore.draw_saved(ctx, View("performance-trends", "spc", {}, {
        "dataset": "calls", "pf_kpi": "spend_per_contact", "pf_service": "Housing repairs"}))
    assert drawn.result.frame["value"].tolist() == [REPAIRS[i] / 20 for i in range(6)]
    by_area = explore.draw_saved(ctx, View("performance-trends", "small_multiples", {}, {
        "dataset": "calls", "pf_kpi": "spend_per_contact", "pf_sm_by": "service"}))
    assert sorted(by_area.result.frames["series"].unique()) == ["Council tax", "Housing repairs"]


def test_the_savings_figures_use_the_own_unit_costs_and_say_so(ctx):
    state = {"dataset": "calls", "sv_preset": "Own spending: ledger", "sv_fd_pct": 0, "sv_nshift": 1,
             "sv_sh1_from": "Phone", "sv_sh1_to": "Web", "sv_sh1_pct": 10, "sv_ht_pct": 0}
    drawn = explore.draw_saved(ctx, View("savings-scenarios", "waterfall", {}, state))
    # Each channel's cost is its services' spend per contact, weighted by the baseline year's contacts (2024):
    # phone (180 repairs x £112.50 + 24 council tax x £50) / 204, web (60 x £112.50 + 96 x £50) / 156.
    phone, web = round(21_450 / 204, 2), round(11_550 / 156, 2)
    assert (phone, web) == (105.15, 74.04)
    assert drawn.inputs.levers.unit_costs["Phone"] == phone and drawn.inputs.levers.unit_costs["Web"] == web
    result = drawn.result
    assert result.baseline_cost == pytest.approx(204 * phone + 156 * web)
    assert result.total_saving == pytest.approx(0.10 * 204 * (phone - web))  # 20.4 contacts a year moved
    assert drawn.reading.startswith("Saves £635 a year at full effect")
    assert "unit costs from the council's own spending ('ledger': spend per contact, an upper bound)" in \
        drawn.filters
