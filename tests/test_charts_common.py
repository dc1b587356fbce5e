"""analysis.charts.common: titles and the UK locale every chart gets, and colours that keep their meaning."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analysis.charts import common


def test_titled_sets_title_subtitle_and_uk_locale():
    chart = alt.Chart(pd.DataFrame({"x": [1], "y": [2]})).mark_point().encode(x="x:Q", y="y:Q")
    spec = common.titled(chart, "Contacts", "Faded bars are part periods").to_dict()
    assert spec["title"]["text"] == "Contacts" and spec["title"]["anchor"] == "start"
    assert spec["title"]["subtitle"] == "Faded bars are part periods"
    assert spec["usermeta"]["embedOptions"]["formatLocale"]["currency"] == ["£", ""]
    assert spec["usermeta"]["embedOptions"]["timeFormatLocale"]["date"] == "%d/%m/%Y"
    assert "subtitle" not in common.titled(chart, "Contacts").to_dict()["title"]


def test_a_chart_keeps_its_plot_height_and_fits_the_width():
    # Streamlit's default ("fit") squeezes titles, subtitles and legends into the height: a page chart sets its own.
    chart = alt.Chart(pd.DataFrame({"x": [1], "y": [2]})).mark_point().encode(x="x:Q", y="y:Q")
    assert common.titled(chart, "Contacts").to_dict()["autosize"] == {"type": "fit-x", "contains": "padding"}
    layered = alt.layer(chart, chart)
    assert common.titled(layered, "Contacts").to_dict()["autosize"]["type"] == "fit-x"
    # A facet chart is left to Streamlit, which sizes facets by their content.
    facet = chart.facet(column="x:N")
    assert "autosize" not in common.titled(facet, "Contacts").to_dict()


def test_spc_colours_are_used_only_for_spc():
    spc_colours = {common.MDC_IMPROVEMENT, common.MDC_CONCERN, common.MDC_COMMON, common.MDC_NEUTRAL}
    assert len(spc_colours) == 4
    others = {common.ACCENT_ORANGE, common.ACCENT_SKY, common.ACCENT_PURPLE, common.NHS_BLUE, common.TARGET_RED,
              *common.CATEGORY_PALETTE}
    assert not spc_colours & others
    assert len(set(common.CATEGORY_PALETTE)) == len(common.CATEGORY_PALETTE) == 8


def test_altairs_class_table_is_built_once_and_charts_come_out_the_same(monkeypatch):
    from altair.utils import schemapi

    shared_init = schemapi._FromDict.__init__
    assert getattr(shared_init, "shared_table", False), "analysis.charts.common shares Altair's class table"
    frame = pd.DataFrame({"period": pd.date_range("2024-01-01", periods=3, freq="MS"), "count": [3, 5, 4],
                          "incomplete": [False, False, True]})

    def chart() -> dict:
        # Encodings as text and conditions: each goes through Altair's _FromDict.
        return alt.Chart(frame).mark_bar().encode(
            x="period:T", y="count:Q", opacity=alt.condition(alt.datum.incomplete, alt.value(0.35), alt.value(1.0)),
        ).to_dict()

    shared = chart()
    hashed = []
    real_hash = schemapi._FromDict.hash_schema.__func__
    monkeypatch.setattr(schemapi._FromDict, "hash_schema",
                        classmethod(lambda cls, schema, use_json=True: hashed.append(1) or real_hash(cls, schema,
                                                                                                  use_json)))
    chart()
    shared_hashes = len(hashed)
    monkeypatch.setattr(schemapi._FromDict, "__init__", shared_init.altairs_own)  # Altair as shipped
    hashed.clear()
    assert chart() == shared
    classes = sum(1 for c in schemapi.SchemaBase._default_wrapper_classes() if c._schema is not None)
    assert len(hashed) > 2 * classes  # as shipped: every class hashed again for each encoding (three here)
    assert shared_hashes < classes  # shared: only the encodings' own schemas
