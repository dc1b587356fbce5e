"""A section's own control reruns only that section (``st.fragment``): no other figure is worked out again.

AppTest always runs the whole script, so these tests ask Streamlit's script runner for a fragment rerun the way the
browser does (a rerun request naming the fragment, :func:`run_fragment`), with every cache emptied first: a whole-page
rerun would then run every figure's query again, a fragment rerun only its own. ``analysis.store.recording_queries``
counts the queries.
"""

from __future__ import annotations

import functools

import streamlit as st
from streamlit.testing.v1 import local_script_runner

from analysis import store
from tests.conftest import page_ok

ONE_SCAN = "(day_number, hour)"  # a set only the Demand page's every-count scan groups by (analysis.demand.scan)


def run_fragment(at, monkeypatch, key: str) -> list[str]:
    """Run only the fragment ``key`` of the page ``at`` shows, with every cache empty; the queries it ran."""
    fragment_ids = at._fragment_storage.resolve_target(key)
    assert fragment_ids, f"no fragment {key!r} on the page"
    with monkeypatch.context() as patch:
        patch.setattr(local_script_runner, "RerunData", functools.partial(
            local_script_runner.RerunData, fragment_id_queue=list(fragment_ids), is_fragment_scoped_rerun=True))
        return _cold_run(at)


def _cold_run(at) -> list[str]:
    st.cache_data.clear()
    st.cache_resource.clear()
    with store.recording_queries() as seen:
        at.run()
    page_ok(at)
    return list(seen)


def test_the_volume_split_reruns_only_the_volume_section(demo_store, open_app, monkeypatch):
    at = open_app("pages/demand.py")
    at.selectbox(key="dm_split").set_value("channel")
    queries = run_fragment(at, monkeypatch, "demand_volume")
    data = [q for q in queries if "ds_demo_contacts" in q]
    # Its own figure, the volume split by channel (the scan with that one set), and nothing else of the page's.
    assert len(data) == 1 and '"channel"' in data[0] and ONE_SCAN not in data[0], data
    assert not any("__repeat_" in q for q in queries)
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1 and "channel" in charts[0].proto.spec.lower()


def test_the_same_change_on_the_whole_page_reworks_every_figure(demo_store, open_app):
    # The control for the test above: with the caches empty, a whole-page rerun runs the one scan, the repeats, the
    # forecast's and the change's queries too, so the fragment test would fail if the section were not a fragment.
    at = open_app("pages/demand.py")
    at.selectbox(key="dm_split").set_value("channel")
    queries = _cold_run(at)
    assert any(ONE_SCAN in q for q in queries)
    assert any("__repeat_" in q for q in queries)
    assert len([q for q in queries if "ds_demo_contacts" in q]) >= 5


def test_the_repeat_window_reruns_only_repeat_demand(demo_store, open_app, monkeypatch):
    at = open_app("pages/demand.py")
    at.number_input(key="dm_repeat_days").set_value(14)
    queries = [q for q in run_fragment(at, monkeypatch, "demand_repeats") if "ds_demo_contacts" in q]
    assert len(queries) == 1 and "__repeat_" in queries[0], queries
    assert any(m.label == "Repeat rate within 14 days" for m in at.metric)


def test_the_forecast_horizon_reruns_only_the_forecast(demo_store, open_app, monkeypatch):
    at = open_app("pages/demand.py")
    at.slider(key="dm_horizon").set_value(9)
    # The counts it forecasts from are the page's one scan (asked for again here only because every cache was
    # emptied): the fit is all the work, and no other query runs.
    queries = [q for q in run_fragment(at, monkeypatch, "demand_forecast") if "ds_demo_contacts" in q]
    assert len(queries) == 1 and ONE_SCAN in queries[0], queries
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1 and "Forecast of the next 9 months" in charts[0].proto.spec


def test_the_small_multiples_choice_reruns_only_the_small_multiples(demo_store, open_app, monkeypatch):
    at = open_app("pages/performance.py")
    at.radio(key="pf_sm_by").set_value("service")
    queries = run_fragment(at, monkeypatch, "performance_small_multiples")
    # The KPI series by service, from the stored KPI cube (is it built? then the series): not the summary
    # of every KPI nor the chart's own series, which a whole-page rerun reads from the cube as well.
    cube_reads = [q for q in queries if "stocktake_kpi_cube" in q]
    assert len(cube_reads) == 1, cube_reads
    assert not any("ds_demo_contacts" in q for q in queries)
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1 and '"facet"' in charts[0].proto.spec
    st.cache_data.clear()  # the whole page, caches empty, for comparison
    with store.recording_queries() as whole:
        at.run()
    assert len([q for q in whole if "stocktake_kpi_cube" in q]) > len(cube_reads)


def test_the_sensitivity_spread_reruns_only_the_sensitivity(demo_store, open_app, monkeypatch):
    at = open_app("pages/savings.py")
    at.slider(key="sv_spread").set_value(40)
    queries = run_fragment(at, monkeypatch, "savings_sensitivity")
    # The baseline it needs (the caches being empty) and nothing of the other sections: no saved scenario is read.
    assert not any("stocktake_scenarios" in q for q in queries)
    assert not any("stocktake_sessions" in q for q in queries)  # nor the sidebar's
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1 and "40%" in charts[0].proto.spec
