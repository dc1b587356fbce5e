"""AppTest for the Demand drivers page on the demo borough: renders, filters change figures, an injected chart
selection drills the page down, the classification editor saves and survives a rerun, the URL carries the view."""

from __future__ import annotations

import io
import json

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st

from analysis import classification, store
from tests.conftest import APP_PATH, page_ok

PAGE = "pages/demand.py"


def _count(where: str = "", params=()) -> int:
    con = store.open_store()
    try:
        return int(store.query_rows(con, f"SELECT count(*) FROM ds_demo_contacts {where}", list(params))[0][0])
    finally:
        con.close()


def _metric(at, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r}; have {[m.label for m in at.metric]}")


def _chart(at, title: str):
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        if spec.get("title", {}).get("text", "").startswith(title):
            return chart, spec
    raise AssertionError(f"no chart titled {title!r}")


def _chart_frames(chart) -> list[pd.DataFrame]:
    return [pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets]


@pytest.fixture
def page(demo_store, open_app):
    at = open_app(PAGE)
    page_ok(at)
    return at


def test_renders_every_figure_on_the_demo_and_a_filter_changes_them(page, monkeypatch):
    at = page
    assert at.title[0].value == "Demand drivers"
    assert _metric(at, "Records") == f"{_count():,}"
    assert any(md.value.startswith("**Showing:** All records, 1 April 2022 – ") for md in at.markdown)
    titles = [json.loads(c.proto.spec).get("title", {}).get("text", "") for c in at.get("vega_lite_chart")]
    for expected in ("Volume over time", "Top reasons for contact", "Failure and value demand by service",
                     "Failure and value demand by channel", "Failure demand over time", "Repeat rate by reason",
                     "When contacts arrive", "Seasonality: month × year", "What changed between the two periods",
                     "Records per 1,000 residents", "Forecast of the next 6 months"):
        assert any(t.startswith(expected) for t in titles), f"{expected!r} missing from {titles}"
    # The demo's failure share is between 30% and 50% by design.
    share = float(_metric(at, "Failure demand").rstrip("%"))
    assert 30 <= share <= 50
    # Each figure's data is offered as CSV and Excel in a "Download data" menu whose buttons are made when it opens.
    menus = [p.key for p in at.get("popover") if (p.key or "").startswith("dm_dl_")]
    assert len(menus) >= 10 and not [d for d in at.get("download_button") if d.key.startswith("dm_dl_")]
    for menu in menus:
        at.session_state[menu] = True
    made = {}  # key -> what the button's click runs (AppTest has no server to hand the file to)
    draw = st.download_button
    monkeypatch.setattr(st, "download_button", lambda label, data, *a, key=None, **k: (
        made.__setitem__(key, data), draw(label, data, *a, key=key, **k))[1])
    at.run()
    page_ok(at)
    offered = {d.key: d.label for d in at.get("download_button") if d.key.startswith("dm_dl_")}
    for menu in menus:
        stem = menu.removesuffix("_menu")
        assert offered[stem].endswith("(CSV)") and offered[f"{stem}_xlsx"] == "Excel"
    # The volume's CSV, made as the browser's click makes it: the records of every period, under people's headers.
    volume_csv = made["dm_dl_volume"]()
    assert volume_csv.startswith(b"\xef\xbb\xbf")  # a byte-order mark, so Excel reads UTF-8
    rows = pd.read_csv(io.BytesIO(volume_csv), encoding="utf-8-sig")
    assert list(rows.columns) == ["Period", "Group", "Records", "Incomplete period"]
    assert rows["Records"].sum() == _count()
    workbook = pd.read_excel(io.BytesIO(made["dm_dl_volume_xlsx"]()), engine="calamine")
    assert workbook["Records"].sum() == _count()
    for menu in menus:
        at.session_state[menu] = False
    monkeypatch.setattr(st, "download_button", draw)

    # A filter change changes the figures (same session: saves starting the app again).
    _, before = _chart(at, "Volume over time")
    at.multiselect(key="dm_service").set_value(["Housing repairs"]).run()
    page_ok(at)
    expected = _count("WHERE service = ?", ["Housing repairs"])
    assert _metric(at, "Records") == f"{expected:,}"
    assert any(md.value.startswith("**Showing:** Housing repairs, 1 April 2022") for md in at.markdown)
    chart, after = _chart(at, "Volume over time")
    volume = max(_chart_frames(chart), key=len)
    assert volume["count"].sum() == expected
    pareto_chart, _ = _chart(at, "Top reasons for contact")
    reasons = max(_chart_frames(pareto_chart), key=len)
    repairs_reasons = _count("WHERE service = ? AND reason = ?", ["Housing repairs", reasons["reason"].iloc[0]])
    assert reasons["count"].iloc[0] == repairs_reasons


def test_view_restored_from_the_url(demo_store):
    from streamlit.testing.v1 import AppTest

    # As a shared link opens the page: the view in the URL from the first run. (AppTest drops query parameters
    # on switch_page, so the page file runs on its own with the dataset the sidebar would have set.)
    at = AppTest.from_file(str(APP_PATH.parent / PAGE), default_timeout=90)
    at.session_state["dataset"] = "demo_contacts"
    at.query_params["dm_grain"] = "Financial year"  # radios carry their label in the URL
    at.query_params["dm_from"] = "2023-04-01"
    at.query_params["dm_to"] = "2025-03-31"
    at.query_params["dm_channel"] = ["Phone", "Web"]
    at.run()
    page_ok(at)
    assert at.radio(key="dm_grain").value == "financial_year"
    assert any(md.value.startswith("**Showing:** Phone and web, April 2023 – March 2025") for md in at.markdown)
    chart, _ = _chart(at, "Volume over time")
    volume = max(_chart_frames(chart), key=len)
    assert volume["label"].tolist() == ["2023/24", "2024/25"]
    expected = _count("WHERE channel IN ('Phone', 'Web') AND received_at >= '2023-04-01' "
                      "AND received_at < '2025-04-01'")
    assert volume["count"].sum() == expected
    assert not volume["incomplete"].any()


def test_injected_selections_drill_the_page_down_and_clear(page):
    at = page
    chart, _ = _chart(at, "Top reasons for contact")
    top_reason = max(_chart_frames(chart), key=len)["reason"].iloc[0]
    at.session_state["dm_ch_pareto_0"] = {"selection": {"pareto_pick": [{"reason": top_reason}]}}
    at.run()
    page_ok(at)
    assert _metric(at, "Records") == f"{_count('WHERE reason = ?', [top_reason]):,}"
    assert any("**Drilled down to:** reason " + top_reason in md.value for md in at.markdown)
    # The click is a chip the link carries.
    assert at.query_params["dm_drill"] == f"Reason: {top_reason}"
    assert at.multiselect(key="dm_drill").value == [f"Reason: {top_reason}"]
    # The Pareto itself keeps every reason (it is the chart clicked); the volume chart is filtered.
    chart, _ = _chart(at, "Top reasons for contact")
    assert len(max(_chart_frames(chart), key=len)) > 1
    at.button(key="dm_clear").click().run()
    page_ok(at)
    assert _metric(at, "Records") == f"{_count():,}"
    assert not any("Drilled down" in md.value for md in at.markdown)

    # A heatmap cell: Mondays 09:00-10:00 (the charts are drawn under new keys after each click).
    at.session_state["dm_ch_day_hour_1"] = {"selection": {"dayhour_pick": [{"day_number": 1, "hour": 9}]}}
    at.run()
    page_ok(at)
    expected = _count("WHERE isodow(received_at) = 1 AND hour(received_at) = 9")
    assert _metric(at, "Records") == f"{expected:,}"
    assert any("Mondays; 09:00–10:00" in md.value for md in at.markdown)
    assert at.query_params["dm_drill"] == ["Day: Monday", "Hour: 09:00"]


def test_a_shared_link_restores_the_drill_down_and_a_chip_can_be_removed(open_app, demo_store):
    at = open_app("pages/demand.py", query_params={"dm_drill": ["Channel: Web", "Reason: Chasing progress"]})
    page_ok(at)
    assert at.multiselect(key="dm_drill").value == ["Channel: Web", "Reason: Chasing progress"]
    assert _metric(at, "Records") == f"{_count('WHERE channel = ? AND reason = ?', ['Web', 'Chasing progress']):,}"
    assert any("**Drilled down to:** channel Web; reason Chasing progress" in md.value for md in at.markdown)
    at.multiselect(key="dm_drill").unselect("Reason: Chasing progress").run()
    page_ok(at)
    assert _metric(at, "Records") == f"{_count('WHERE channel = ?', ['Web']):,}"


def test_classification_editor_saves_and_survives_a_rerun(page, demo_store):
    at = page
    con = store.open_store(demo_store)
    try:
        ds = store.get_dataset(con, "demo_contacts")
        before = classification.classification_frame(con, ds)
        version = store.get_dataset(con, "demo_contacts_classification").version
    finally:
        con.close()
    old = before["demand_type"].iloc[0]
    new = "value" if old == "failure" else "failure"
    at.session_state[f"dm_cls_editor_{version}"] = {
        "edited_rows": {0: {"demand_type": new}}, "added_rows": [], "deleted_rows": []}
    at.button(key="dm_cls_save").click().run()
    page_ok(at)
    assert any(s.value == "Classification saved." for s in at.success)
    at.run()
    page_ok(at)
    con = store.open_store(demo_store)
    try:
        after = classification.classification_frame(con, store.get_dataset(con, "demo_contacts"))
    finally:
        con.close()
    assert after["demand_type"].iloc[0] == new
    assert (after["demand_type"].iloc[1:].tolist() == before["demand_type"].iloc[1:].tolist())
    # The failure share on the page follows the saved classification.
    con = store.open_store(demo_store)
    try:
        failure = int(store.query_rows(
            con, "SELECT count(*) FROM ds_demo_contacts t JOIN ds_demo_contacts_classification c "
                 "ON t.service = c.service AND t.reason = c.reason WHERE c.demand_type = 'failure'")[0][0])
    finally:
        con.close()
    assert _metric(at, "Failure records") == f"{failure:,}"


def test_missing_roles_are_named_with_a_link(demo_store, open_app):
    con = store.open_store(demo_store)
    try:
        store.set_roles(con, "demo_contacts", {"channel": None, "customer_id": None, "property_id": None})
    finally:
        con.close()
    at = open_app(PAGE)
    page_ok(at)
    infos = [i.value for i in at.info]
    assert any("role 'Channel'" in i for i in infos), infos
    assert any("role 'Customer id'" in i for i in infos), infos
    assert at.get("page_link")


def test_own_classification_file_is_applied(page, demo_store):
    at = page
    con = store.open_store(demo_store)
    try:
        before = classification.classification_frame(con, store.get_dataset(con, "demo_contacts"))
    finally:
        con.close()
    target = before.iloc[0]
    new = "value" if target["demand_type"] == "failure" else "failure"
    csv = f"Service,Reason,Demand type\n{target['service']},{target['reason']},{new.capitalize()} demand\n"
    at.file_uploader(key="dm_cls_upload").set_value(("mine.csv", csv.encode(), "text/csv")).run()
    page_ok(at)
    at.button(key="dm_cls_apply").click().run()
    page_ok(at)
    assert any(s.value == "Your file was applied: 1 reason changed type." for s in at.success)
    con = store.open_store(demo_store)
    try:
        after = classification.classification_frame(con, store.get_dataset(con, "demo_contacts"))
    finally:
        con.close()
    assert after["demand_type"].iloc[0] == new
    assert after["demand_type"].iloc[1:].tolist() == before["demand_type"].iloc[1:].tolist()


def test_bad_classification_file_gives_a_plain_error(page):
    at = page
    at.file_uploader(key="dm_cls_upload").set_value(("bad.csv", b"Reason,Kind\nA,failure\n", "text/csv")).run()
    at.button(key="dm_cls_apply").click().run()
    page_ok(at, expected_errors=("has no 'Demand type' column",))
    assert any("has no 'Demand type' column" in e.value for e in at.error)
