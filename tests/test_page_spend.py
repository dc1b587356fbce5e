"""AppTest for the Spend page on the demo borough's payments: it renders every figure with totals equal to the
store's, a filter and the grain change them, a click on a bar drills the page down and lists its payments, the
change between two periods follows its controls, and the unit costs pair the records, whose matching an editor keeps;
the Performance and Savings pages of the records then offer spend per contact (issue 20)."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest

from analysis import lookups, store
from analysis.spend import matching
from tests.conftest import page_ok

PAGE = "pages/spend.py"
PAYMENTS = {"dataset": "demo_payments"}


def _sum(where: str = "", params=()) -> tuple[float, int]:
    con = store.open_store()
    try:
        total, rows = store.query_rows(con, f'SELECT round(sum("Amount"), 2), count(*) FROM ds_demo_payments {where}',
                                       list(params))[0]
        return float(total), int(rows)
    finally:
        con.close()


def _money(value: float) -> str:
    return f"£{value:,.0f}" if value >= 0 else f"-£{-value:,.0f}"


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _chart(at, title: str):
    for chart in at.get("vega_lite_chart"):
        if json.loads(chart.proto.spec).get("title", {}).get("text", "").startswith(title):
            return chart
    raise AssertionError(f"no chart titled {title!r}")


def _rows(chart) -> pd.DataFrame:
    return max((pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets), key=len)


@pytest.fixture
def page(demo_store, open_app):
    return open_app(PAGE, query_params=PAYMENTS)


def test_renders_every_figure_with_the_stores_totals(page):
    at = page
    assert at.title[0].value == "Spend"
    total, rows = _sum()
    credits, credit_rows = _sum('WHERE "Amount" < 0')
    shown = _metrics(at)
    assert shown["Net spend"] == _money(total) and shown[f"Credits ({credit_rows:,})"] == _money(credits)
    assert any(md.value.startswith("**Showing:** All payments, 5 April 2022 – 30 September 2025")
               for md in at.markdown)
    titles = [json.loads(c.proto.spec)["title"]["text"] for c in at.get("vega_lite_chart")]
    assert titles == ["Spend over time", "Net spend by month (SPC)", "Spend by service: the top 10",
                      "Spend by expenditure category: the top 10", "Spend by supplier: the top 10",
                      "How concentrated is spend among suppliers?",
                      "What drove the change in spend between the two periods",
                      "Spend per contact, by service: with 'demo_contacts'"]
    assert any(f"{rows:,} payments and credits match" in c.value for c in at.caption)


def test_a_filter_and_the_grain_change_the_figures_and_a_link_restores_them(page, open_app):
    at = page
    at.multiselect(key="sp_service").set_value(["Parking Services"]).run()
    page_ok(at)
    total, _ = _sum('WHERE "Service Area" = ?', ["Parking Services"])
    assert _metrics(at)["Net spend"] == _money(total)
    assert any("**Showing:** Parking Services, " in md.value for md in at.markdown)
    linked = open_app(PAGE, query_params={**PAYMENTS, "sp_service": "Parking Services", "sp_from": "2024-04-01",
                                          "sp_to": "2025-03-31", "sp_grain": "Financial year"})
    year, _ = _sum('WHERE "Service Area" = ? AND "Payment Date" >= \'2024-04-01\' AND "Payment Date" < \'2025-04-01\'',
                   ["Parking Services"])
    assert _metrics(linked)["Net spend"] == _money(year)
    assert _rows(_chart(linked, "Spend over time"))["label"].unique().tolist() == ["2024/25"]
    at.radio(key="sp_grain").set_value("financial_year").run()
    page_ok(at)
    years = _rows(_chart(at, "Spend over time"))
    assert sorted(set(years["label"])) == ["2022/23", "2023/24", "2024/25", "2025/26"]
    assert round(years.drop_duplicates("label")["net"].sum(), 2) == total


def test_a_click_on_a_supplier_drills_down_and_lists_its_payments(page):
    at = page
    supplier = "Oakley Care Homes Ltd"
    at.session_state["sp_ch_by_supplier_0"] = {"selection": {"spend_supplier_pick": [{"value": supplier}]}}
    at.run()
    page_ok(at)
    total, rows = _sum('WHERE "Supplier Name" = ?', [supplier])
    assert at.multiselect(key="sp_drill").value == [f"Supplier: {supplier}"]
    assert at.query_params["sp_drill"] == f"Supplier: {supplier}"
    assert _metrics(at)["Net spend"] == _money(total)
    assert any(f"{rows:,} payments and credits match" in c.value for c in at.caption)
    listed = at.dataframe[0].value
    assert set(listed["Supplier Name"]) == {supplier}
    # The supplier chart keeps every bar (it is the chart clicked); the service chart shows that supplier's only.
    assert len(_rows(_chart(at, "Spend by supplier"))) == 11
    assert _rows(_chart(at, "Spend by service"))["value"].tolist() == ["Adult Social Care"]
    at.button(key="sp_clear").click().run()
    page_ok(at)
    assert _metrics(at)["Net spend"] == _money(_sum()[0])


def test_the_change_between_two_periods_follows_its_controls(page):
    at = page
    at.date_input(key="sp_a_from").set_value(pd.Timestamp("2024-01-01").date())
    at.date_input(key="sp_a_to").set_value(pd.Timestamp("2024-01-31").date())
    at.date_input(key="sp_b_from").set_value(pd.Timestamp("2025-01-01").date())
    at.date_input(key="sp_b_to").set_value(pd.Timestamp("2025-01-31").date())
    at.selectbox(key="sp_change_by").set_value("category").run()
    page_ok(at)
    before, _ = _sum("WHERE \"Payment Date\" >= '2024-01-01' AND \"Payment Date\" < '2024-02-01'")
    after, _ = _sum("WHERE \"Payment Date\" >= '2025-01-01' AND \"Payment Date\" < '2025-02-01'")
    shown = _metrics(at)
    assert (shown["First period"], shown["Second period"]) == (_money(before), _money(after))
    steps = _rows(_chart(at, "What drove the change in spend"))
    assert steps["step"].iloc[0] == "January 2024" and steps["step"].iloc[-1] == "January 2025"


def test_unit_costs_an_editor_keeps_the_pairing_and_the_matching(page, demo_store):
    at = page
    assert _metrics(at)["Services priced"] == "8"
    at.button(key="lookup_spending_keep").click().run()
    page_ok(at)
    con = store.open_store(demo_store)
    try:
        assert lookups.stored_choice(con, "demo_contacts", matching.SPENDING) == "demo_payments"
    finally:
        con.close()
    at.session_state["sp_map_demo_contacts_demo_payments"] = {"edited_rows": {"6": {"Records service": "(not matched)"}},  # Parking Services
                                "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="lookup_spending_map_save").click().run()
    page_ok(at)
    assert _metrics(at)["Services priced"] == "7"
    con = store.open_store(demo_store)
    try:
        kept = matching.stored_mapping(con, "demo_contacts", "demo_payments")
    finally:
        con.close()
    assert kept["Parking Services"] == matching.NOT_MATCHED and kept["Waste & Recycling"] == "Waste and recycling"
    assert any("(as an editor kept them)" in c.value for c in at.caption)


def test_the_records_pages_offer_spend_per_contact(demo_store, open_app):
    at = open_app("pages/performance.py", query_params={"dataset": "demo_contacts"})
    assert "Spend per contact" in at.selectbox(key="pf_kpi").options
    at.selectbox(key="pf_kpi").set_value("spend_per_contact").run()
    page_ok(at)
    assert _chart(at, "Spend per contact: all services")
    at = open_app("pages/savings.py", query_params={"dataset": "demo_contacts"})
    assert at.selectbox(key="sv_preset").options[-1] == (
        "Spend per contact from 'demo_payments' (your own spending; an upper bound)")
    at.selectbox(key="sv_preset").set_value("Own spending: demo_payments").run()
    page_ok(at)
    assert any("Unit costs: the council's own spending ('demo_payments'" in c.value for c in at.caption)


def test_another_kind_of_dataset_is_sent_to_the_page_for_it(demo_store, open_app):
    at = open_app(PAGE, query_params={"dataset": "demo_contacts"})
    assert at.info[0].value.startswith("'demo_contacts' is not spending. Choose a spending dataset in the sidebar")
    at = open_app("pages/demand.py", query_params=PAYMENTS)
    assert "is a spend dataset" in at.info[0].value
