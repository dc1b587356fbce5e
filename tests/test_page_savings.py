"""AppTest of the Savings page: renders on demo data, a lever moves the total, scenarios save, load and compare."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import store
from analysis.load.ingest import load_frame
from analysis.savings import model
from tests.conftest import page_ok

ROOT = Path(__file__).resolve().parents[1]


def _small_store(path: Path) -> None:
    """A two-year records dataset with classification and a unit-cost lookup, when the demo fixture is absent."""
    rng = np.random.default_rng(7)
    n = 6_000
    days = pd.to_datetime("2023-01-01") + pd.to_timedelta(rng.integers(0, 731, n), unit="D")
    services = rng.choice(["Housing repairs", "Waste and recycling"], n)
    reasons = rng.choice(["Chasing progress", "New request", "Missed collection reported again"], n)
    channels = rng.choice(["Phone", "Web", "Email", "Face to face"], n, p=[0.45, 0.35, 0.12, 0.08])
    frame = pd.DataFrame({"contact_id": np.arange(n), "received_at": days, "service": services, "reason": reasons,
                          "channel": channels, "handling_minutes": rng.uniform(2, 15, n).round(1)})
    con = store.open_store(path)
    try:
        load_frame(con, frame, dataset="demo_contacts", kind="records",
                   roles={"contact_id": "record_id", "received_at": "date", "service": "service",
                          "reason": "reason", "channel": "channel", "handling_minutes": "handling_minutes"})
        load_frame(con, pd.DataFrame({"reason": ["Chasing progress", "New request", "Missed collection reported again"],
                                      "demand_type": ["failure", "value", "failure"]}),
                   dataset="demo_contacts_classification", kind="lookup",
                   roles={"reason": "reason", "demand_type": "demand_type"})
        load_frame(con, pd.DataFrame({"channel": ["Face to face", "Phone", "Web", "Email"],
                                      "unit_cost": [8.62, 2.83, 0.15, 1.50],
                                      "source": ["Socitm 2012", "Socitm 2012", "Socitm 2012", "Local estimate"]}),
                   dataset="demo_channel_costs", kind="lookup",
                   roles={"channel": "channel", "unit_cost": "unit_cost", "source": "source"})
    finally:
        con.close()


@pytest.fixture()
def savings_store(request, tmp_path, monkeypatch):
    try:
        return request.getfixturevalue("demo_store")
    except pytest.FixtureLookupError:
        path = tmp_path / "page.duckdb"
        _small_store(path)
        monkeypatch.setenv("STOCKTAKE_DB", str(path))
        return path


def _app(query: dict[str, str] | None = None) -> AppTest:
    """The real app when all its pages exist; else a shell with the same sidebar routing to this page only."""
    if (ROOT / "pages" / "overview.py").exists() and (ROOT / "pages" / "data.py").exists():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        if query:
            at.query_params.update(query)
        at.run()
        at.switch_page("pages/savings.py")
        if query:  # as if the link /savings?… were opened
            at.query_params.update(query)
    else:
        at = AppTest.from_string(
            "import streamlit as st\n"
            "from ui.sidebar import render_dataset_picker\n"
            f"nav = st.navigation([st.Page({str(ROOT / 'pages' / 'savings.py')!r}, title='Savings', "
            "url_path='savings')])\n"
            "render_dataset_picker()\n"
            "nav.run()\n",
            default_timeout=60,
        )
        if query:
            at.query_params.update(query)
    at.run()
    page_ok(at)
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_page_renders_and_a_lever_moves_the_total(savings_store, monkeypatch):
    monkeypatch.chdir(ROOT)
    at = _app()
    assert at.title[0].value == "Savings scenarios"
    assert not at.error
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert any("From baseline cost to scenario cost" in s for s in specs)
    assert any("Savings over the years" in s for s in specs)
    assert any("Which inputs matter most" in s for s in specs)
    assert any(model.ORDER_OF_APPLICATION in (i.value or "") for i in at.info)
    before = _metric(at, "Annual saving at full effect")
    assert before.startswith("£")
    assert _metric(at, "Staff time released").endswith(" FTE")
    assert _metric(at, "Contacts avoided a year").endswith(" contacts")
    avoided_before = _metric(at, "Contacts avoided a year")

    at.slider(key="sv_fd_pct").set_value(60).run()
    page_ok(at)
    after = _metric(at, "Annual saving at full effect")
    assert after != before
    assert int(after.strip("£").replace(",", "")) > int(before.strip("£").replace(",", ""))
    assert _metric(at, "Contacts avoided a year") != avoided_before



def test_save_load_and_compare_two_scenarios(savings_store, monkeypatch):
    monkeypatch.chdir(ROOT)
    at = _app()
    at.slider(key="sv_fd_pct").set_value(10).run()
    cautious = _metric(at, "Annual saving at full effect")
    at.text_input(key="sv_save_name").set_value("Cautious").run()
    at.button(key="sv_save_btn").click().run()
    page_ok(at)
    assert any("Saved 'Cautious'" in s.value for s in at.success)

    at.slider(key="sv_fd_pct").set_value(50).run()
    at.slider(key="sv_sh1_pct").set_value(30).run()
    bold = _metric(at, "Annual saving at full effect")
    assert bold != cautious
    at.text_input(key="sv_save_name").set_value("Bold").run()
    at.button(key="sv_save_btn").click().run()
    page_ok(at)
    assert at.selectbox(key="sv_pick").options == ["Bold", "Cautious"]

    # Load the cautious one back: the lever returns to 10% and the total to what it was.
    at.selectbox(key="sv_pick").set_value("Cautious").run()
    at.button(key="sv_load_btn").click().run()
    page_ok(at)
    assert at.slider(key="sv_fd_pct").value == 10
    assert at.slider(key="sv_sh1_pct").value == 10
    assert _metric(at, "Annual saving at full effect") == cautious

    at.multiselect(key="sv_compare").set_value(["Cautious", "Bold"]).run()
    page_ok(at)
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert any("Scenarios side by side" in s for s in specs)
    assert any("Cumulative net saving by scenario" in s for s in specs)
    table = at.dataframe[-1].value
    assert list(table.columns) == ["Cautious", "Bold"]
    assert table.loc["Annual saving", "Cautious"] == cautious
    assert table.loc["Annual saving", "Bold"] == bold
    downloads = [d for d in at.get("download_button") if d.key in ("sv_dl_csv", "sv_dl_xlsx")]
    assert len(downloads) == 2
    # Every chart on the page offers itself as PNG and SVG, in a menu whose buttons are made when it is opened.
    # (each declared figure's chart is keyed 'sv_ch_<figure>')
    menus = [f"sv_ch_{figure}_menu" for figure in ("waterfall", "projection", "sensitivity", "comparison",
                                                    "comparison_projection")]
    assert not [d for d in at.get("download_button") if d.key.startswith("sv_ch_")]
    for menu in menus:
        at.session_state[menu] = True
    at.run()
    offered = {(d.key.rsplit("_", 1)[0], d.label) for d in at.get("download_button") if d.key.startswith("sv_ch_")}
    assert offered == {(m.removesuffix("_menu"), label) for m in menus for label in ("PNG image", "SVG image")}
    for menu in menus:
        at.session_state[menu] = False

    # Rename and delete.
    at.selectbox(key="sv_pick").set_value("Bold").run()
    at.text_input(key="sv_rename").set_value("Bold v2").run()
    at.button(key="sv_rename_btn").click().run()
    page_ok(at)
    assert at.selectbox(key="sv_pick").options == ["Bold v2", "Cautious"]
    assert at.multiselect(key="sv_compare").value == ["Cautious", "Bold v2"]
    at.button(key="sv_delete_btn").click().run()
    page_ok(at)
    assert at.selectbox(key="sv_pick").options == ["Cautious"]


def test_every_lever_and_choice_is_keyed_and_bound_to_the_url(savings_store, monkeypatch):
    monkeypatch.chdir(ROOT)
    at = _app()
    at.multiselect(key="sv_compare")  # present even with nothing saved
    widgets = [w for kind in ("slider", "selectbox", "multiselect", "number_input", "text_input", "checkbox", "radio")
               for w in getattr(at, kind) if (w.key or "").startswith("sv_")]
    keys = {w.key for w in widgets}
    for expected in ("sv_period", "sv_preset", "sv_fd_pct", "sv_fd_services", "sv_fd_reasons", "sv_nshift",
                     "sv_sh1_from", "sv_sh1_to", "sv_sh1_pct", "sv_ht_pct", "sv_fte_cost", "sv_fte_hours",
                     "sv_oneoff", "sv_years", "sv_ramp1", "sv_ramp3", "sv_spread", "sv_uc_phone", "sv_save_name",
                     "sv_compare"):
        assert expected in keys, expected
    unbound = [w.key for w in widgets if w.proto.query_param_key != w.key]
    assert unbound == []


def test_opening_a_link_restores_the_levers(savings_store, monkeypatch):
    monkeypatch.chdir(ROOT)
    at = _app(query={"sv_fd_pct": "35", "sv_ht_pct": "12", "sv_years": "5"})
    assert at.slider(key="sv_fd_pct").value == 35
    assert at.slider(key="sv_ht_pct").value == 12
    assert at.radio(key="sv_years").value == 5
    assert len(at.get("vega_lite_chart")) >= 3


def test_a_link_with_values_at_the_widget_minimum_is_restored_too(savings_store, monkeypatch):
    # 0% failure demand and the Socitm preset are each a widget's first option: the link must still carry them.
    monkeypatch.chdir(ROOT)
    at = _app(query={"sv_fd_pct": "0", "sv_preset": "Socitm 2012 benchmark"})
    assert at.slider(key="sv_fd_pct").value == 0
    assert at.selectbox(key="sv_preset").value == "Socitm 2012 benchmark"
    assert at.number_input(key="sv_uc_phone").value == pytest.approx(2.83)
    assert at.number_input(key="sv_uc_email").value is None  # Socitm has no e-mail figure
    assert any("No unit cost" in w.value for w in at.warning)
    assert _metric(at, "Contacts avoided a year") == "0 contacts"


def test_missing_channel_role_says_which_role_is_needed(savings_store, monkeypatch):
    monkeypatch.chdir(ROOT)
    con = store.open_store(savings_store)
    try:
        ds = store.get_dataset(con, "demo_contacts")
        store.set_roles(con, "demo_contacts", {ds.roles["channel"]: None})
    finally:
        con.close()
    at = _app()
    page_ok(at)
    assert any("'Channel'" in w.value and "Data page" in w.value for w in at.warning)
    assert not at.get("vega_lite_chart")


def test_page_works_with_only_a_date_and_a_channel(tmp_path, monkeypatch):
    # No service, reason, classification, minutes or cost lookup: the Socitm preset, entered minutes and a plain
    # note about failure demand stand in.
    path = tmp_path / "bare.duckdb"
    days = pd.date_range("2023-01-01", "2024-12-31", freq="D")
    frame = pd.DataFrame({"when": days.repeat(3), "how": ["Telephone", "Online", "Email"] * len(days)})
    con = store.open_store(path)
    try:
        load_frame(con, frame, dataset="bare", kind="records", roles={"when": "date", "how": "channel"})
    finally:
        con.close()
    monkeypatch.setenv("STOCKTAKE_DB", str(path))
    monkeypatch.chdir(ROOT)
    at = _app()
    page_ok(at)
    assert not at.error
    assert at.selectbox(key="sv_preset").value == "Socitm 2012 benchmark"
    assert at.number_input(key="sv_uc_telephone").value == pytest.approx(2.83)
    assert at.number_input(key="sv_min_telephone").value == pytest.approx(6.0)
    assert at.selectbox(key="sv_sh1_from").value == "Telephone"
    assert at.selectbox(key="sv_sh1_to").value == "Online"
    # 366 contacts a channel in 2024 (the latest full 12 months, a leap year); 10% of telephone moved online:
    # 36.6 × (£2.83 - £0.15) = £98.09; then 5% of handling time, (329.4 × 6 + 402.6 × 2 + 366 × 8) minutes
    # = 5,709.6 × 5% / 60 × £25 = £118.95. Total £217.04.
    assert _metric(at, "Annual saving at full effect") == "£217"
    assert any("failure demand" in c.value for c in at.caption)
